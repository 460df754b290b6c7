package simulator

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// param is one name=value pair of a request, in the order it was sent.
type param struct {
	raw   string // the pair as sent, still URL-encoded
	name  string
	value string
	body  bool // sent in the form body, not the query string
}

// parsePairs splits an URL-encoded query or form body into its pairs,
// keeping their order and their encoding as sent.
func parsePairs(s string) ([]param, error) {
	var out []param
	for raw := range strings.SplitSeq(s, "&") {
		if raw == "" {
			continue
		}
		k, v, _ := strings.Cut(raw, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("parameter name %q: %w", k, err)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		out = append(out, param{raw: raw, name: name, value: value})
	}
	return out, nil
}

// pairsOf turns url.Values into pairs, sorted by name so that the result is
// deterministic.
func pairsOf(values url.Values) []param {
	var out []param
	for _, name := range sortedKeys(values) {
		for _, v := range values[name] {
			raw := url.QueryEscape(name) + "=" + url.QueryEscape(v)
			out = append(out, param{raw: raw, name: name, value: v})
		}
	}
	return out
}

// idRange is an inclusive range of positive integers.
type idRange struct{ lo, hi int64 }

// idSet is a sorted list of disjoint ranges; nil means "no filter".
type idSet []idRange

// has reports whether id is in s.
func (s idSet) has(id int64) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case id < s[m].lo:
			hi = m
		case id > s[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// timeFilter keeps what has a time at/after, after or before t.
type timeFilter struct {
	t   int64
	cmp byte // '>' strictly after, 'G' at or after, '<' strictly before, 'N' before or absent
}

func (f timeFilter) keeps(s stamp) bool {
	switch f.cmp {
	case '>':
		return s != 0 && int64(s) > f.t
	case 'G':
		return s != 0 && int64(s) >= f.t
	case '<':
		return s != 0 && int64(s) < f.t
	default:
		return s == 0 || int64(s) < f.t
	}
}

// hostTime and detTime name the times host and detection filters compare.
type hostTime uint8

const (
	hostProcessed hostTime = iota
	hostVMScanned
	hostVMAuthScanned
)

type detTime uint8

const (
	detUpdated detTime = iota // LAST_UPDATE, or LAST_FOUND when never updated
	detProcessed
	detTested
)

type hostTimeFilter struct {
	field hostTime
	timeFilter
}

type detTimeFilter struct {
	field detTime
	timeFilter
}

// query is a validated request: its filters, what to show, and the pairs
// as sent (for the WARNING URL).
type query struct {
	api     api
	version string
	pairs   []param

	ids            idSet
	idMin, idMax   int64 // zero when not set
	ips            []ipRange
	osPattern      *regexp.Regexp
	hostTimes      []hostTimeFilter
	statuses       status
	severities     uint8 // bit n set keeps severity n; zero keeps all
	qids           idSet
	detTimes       []detTimeFilter
	showIGs        bool
	includeIgnored bool
	includeDisable bool
	vulnType       string // Confirmed, Potential or empty for both
	qdsMin, qdsMax int

	echo           bool // echo_request=1: write REQUEST before RESPONSE
	truncation     int
	details        string
	showResults    bool
	showTags       bool
	showAssetID    bool
	showQDS        bool
	showQDSFactors bool
	showReopened   bool
	showCloudTags  bool
	showARF        bool
	showSources    bool
	metadata       string // all, ec2, azure, google, alicloud or empty
	metadataFields []string
	cloudTagFields []string
}

// api is which API a request is for.
type api uint8

const (
	apiDetection api = iota
	apiHostList
)

// detectionParams is what the detection API's action=list accepts: the
// list a real 1901 error gave in 2024, then the documented parameters it
// left out (SPEC §2.1).
var detectionParams = []string{
	"echo_request", "ips", "ids", "id_min", "id_max", "ag_ids", "ag_titles",
	"os_pattern", "truncation_limit", "show_tags", "show_asset_id", "show_results",
	"use_tags", "no_vm_scan_since", "vm_scan_since", "vm_processed_after",
	"vm_processed_before", "vm_scan_date_before", "vm_scan_date_after",
	"vm_auth_scan_date_before", "vm_auth_scan_date_after", "compliance_enabled",
	"include_ignored", "include_disabled", "show_host_services", "qids", "show_igs",
	"show_reopened_info", "host_metadata", "host_metadata_fields", "show_cloud_tags",
	"cloud_tag_fields", "show_qds", "qds_min", "qds_max", "show_qds_factors",
	"severities", "include_search_list_titles", "exclude_search_list_titles",
	"include_search_list_ids", "exclude_search_list_ids", "output_format",
	"max_days_since_last_vm_scan", "max_days_since_detection_updated",
	"detection_last_tested_since_days", "detection_last_tested_before_days", "status",
	"include_vuln_type", "active_kernels_only", "arf_kernel_filter",
	"arf_service_filter", "arf_config_filter", "suppress_duplicated_data_from_csv",
	"detection_updated_since", "detection_updated_before", "detection_processed_after",
	"detection_processed_before", "detection_last_tested_since",
	"detection_last_tested_before", "filter_superseded_qids",
	// Documented, absent from the 2024 list.
	"network_ids", "tag_set_by", "tag_include_selector", "tag_exclude_selector",
	"tag_set_include", "tag_set_exclude", "vuln_detection_source", "ipv6",
}

// hostListParams is what the host list API's action=list accepts. No real
// 1901 text was found for it; this follows the documented parameters.
var hostListParams = []string{
	"echo_request", "show_asset_id", "details", "os_pattern", "truncation_limit",
	"ips", "ipv6", "ag_ids", "ag_titles", "ids", "id_min", "id_max", "network_ids",
	"compliance_enabled", "no_vm_scan_since", "no_compliance_scan_since",
	"vm_scan_since", "compliance_scan_since", "vm_processed_before",
	"vm_processed_after", "vm_scan_date_before", "vm_scan_date_after",
	"vm_auth_scan_date_before", "vm_auth_scan_date_after", "scap_scan_since",
	"no_scap_scan_since", "use_tags", "tag_set_by", "tag_include_selector",
	"tag_exclude_selector", "tag_set_include", "tag_set_exclude", "show_tags",
	"show_ars", "ars_min", "ars_max", "show_ars_factors", "show_trurisk",
	"trurisk_min", "trurisk_max", "show_trurisk_factors", "host_metadata",
	"host_metadata_fields", "show_cloud_tags", "cloud_tag_fields", "os_hostname",
}

var allowedSets = map[api]map[string]bool{
	apiDetection: setOf(detectionParams),
	apiHostList:  setOf(hostListParams),
}

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// parseQuery validates the pairs of a request to a and returns its query,
// or the API error the real server would send: 1903 when action is missing,
// 1901 for unknown names, 1905 for a bad value. A repeated parameter takes
// its last value.
func parseQuery(a api, version string, pairs []param, now time.Time) (*query, *qualys.APIError) {
	q := &query{
		api: a, version: version, pairs: pairs,
		statuses:    statusNew | statusActive | statusReopened,
		truncation:  1000,
		showResults: true,
		details:     "Basic",
	}
	if err := checkNames(a, pairs); err != nil {
		return nil, err
	}

	last := make(map[string]string, len(pairs))
	for _, p := range pairs {
		last[p.name] = p.value
	}
	if last["action"] != "list" {
		if _, ok := last["action"]; !ok {
			return nil, apiErr(http.StatusBadRequest, 1903,
				"Missing required parameter(s): action")
		}
		return nil, invalid("action", last["action"], "")
	}
	for i, p := range pairs {
		if p.name == "action" || lastIndex(pairs, p.name) != i {
			continue
		}
		if err := q.set(p.name, p.value, now); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func lastIndex(pairs []param, name string) int {
	for i := len(pairs) - 1; i >= 0; i-- {
		if pairs[i].name == name {
			return i
		}
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// checkNames returns the 1901 error naming every parameter a does not know.
func checkNames(a api, pairs []param) *qualys.APIError {
	allowed := allowedSets[a]
	var unknown []string
	for _, p := range pairs {
		if p.name != "action" && !allowed[p.name] {
			unknown = append(unknown, p.name)
		}
	}
	if unknown == nil {
		return nil
	}
	list := detectionParams
	if a == apiHostList {
		list = hostListParams
	}
	text := fmt.Sprintf("Unrecognized parameter(s): %s (action=list allows: %s)",
		strings.Join(unknown, ", "), strings.Join(list, ", "))
	return apiErr(http.StatusBadRequest, qualys.CodeUnknownParameter, text)
}

func apiErr(httpStatus, code int, text string) *qualys.APIError {
	return &qualys.APIError{HTTPStatus: httpStatus, Root: "SIMPLE_RETURN", Code: code, Text: text}
}

// invalid returns the 1905 error for parameter name; reason may be empty.
func invalid(name, value, reason string) *qualys.APIError {
	text := fmt.Sprintf("parameter %s has invalid value: %s", name, value)
	if reason != "" {
		text += " (" + reason + ")"
	}
	return apiErr(http.StatusBadRequest, qualys.CodeInvalidValue, text)
}

// Parameters validated by form only; the simulator accepts and ignores them.
var (
	boolParams = setOf([]string{"use_tags", "compliance_enabled",
		"show_host_services", "suppress_duplicated_data_from_csv", "filter_superseded_qids",
		"show_ars", "show_ars_factors", "show_trurisk", "show_trurisk_factors", "os_hostname"})
	dateParams = setOf([]string{"compliance_scan_since", "no_compliance_scan_since",
		"scap_scan_since", "no_scap_scan_since"})
	idListParams = setOf([]string{"ag_ids", "network_ids", "include_search_list_ids",
		"exclude_search_list_ids"})
)

// hostTimeParams and detTimeParams map date parameters to the filter they
// make. "after" is strict, "since" inclusive, "before" strict.
var hostTimeParams = map[string]hostTimeFilter{
	"vm_processed_after":       {hostProcessed, timeFilter{cmp: '>'}},
	"vm_processed_before":      {hostProcessed, timeFilter{cmp: '<'}},
	"vm_scan_since":            {hostVMScanned, timeFilter{cmp: 'G'}},
	"no_vm_scan_since":         {hostVMScanned, timeFilter{cmp: 'N'}},
	"vm_scan_date_after":       {hostVMScanned, timeFilter{cmp: '>'}},
	"vm_scan_date_before":      {hostVMScanned, timeFilter{cmp: '<'}},
	"vm_auth_scan_date_after":  {hostVMAuthScanned, timeFilter{cmp: '>'}},
	"vm_auth_scan_date_before": {hostVMAuthScanned, timeFilter{cmp: '<'}},
}

var detTimeParams = map[string]detTimeFilter{
	"detection_updated_since":      {detUpdated, timeFilter{cmp: 'G'}},
	"detection_updated_before":     {detUpdated, timeFilter{cmp: '<'}},
	"detection_processed_after":    {detProcessed, timeFilter{cmp: '>'}},
	"detection_processed_before":   {detProcessed, timeFilter{cmp: '<'}},
	"detection_last_tested_since":  {detTested, timeFilter{cmp: 'G'}},
	"detection_last_tested_before": {detTested, timeFilter{cmp: '<'}},
}

// set applies one parameter to q.
func (q *query) set(name, v string, now time.Time) *qualys.APIError {
	if f, ok := hostTimeParams[name]; ok {
		t, err := parseDate(name, v)
		f.t = t
		q.hostTimes = append(q.hostTimes, f)
		return err
	}
	if f, ok := detTimeParams[name]; ok {
		t, err := parseDate(name, v)
		f.t = t
		q.detTimes = append(q.detTimes, f)
		return err
	}
	if err := q.setShow(name, v); err != errNotMine {
		return err
	}
	if err := q.setFilter(name, v, now); err != errNotMine {
		return err
	}
	return q.setOther(name, v)
}

// errNotMine tells set that a setter does not handle a name.
var errNotMine = &qualys.APIError{}

// setShow handles what to show and how much.
func (q *query) setShow(name, v string) *qualys.APIError {
	var err *qualys.APIError
	switch name {
	case "echo_request":
		q.echo, err = parseBool(name, v)
	case "truncation_limit":
		var n int64
		n, err = parseInt(name, v, 0, 1_000_000)
		q.truncation = int(n)
	case "show_results":
		q.showResults, err = parseBool(name, v)
	case "show_tags":
		q.showTags, err = parseBool(name, v)
	case "show_asset_id":
		q.showAssetID, err = parseBool(name, v)
	case "show_qds":
		q.showQDS, err = parseBool(name, v)
	case "show_qds_factors":
		q.showQDSFactors, err = parseBool(name, v)
	case "show_reopened_info":
		q.showReopened, err = parseBool(name, v)
	case "show_cloud_tags":
		q.showCloudTags, err = parseBool(name, v)
	case "vuln_detection_source":
		q.showSources, err = parseBool(name, v)
	case "host_metadata":
		q.metadata, err = parseEnum(name, v, "all", "ec2", "azure", "google", "alicloud")
	case "host_metadata_fields":
		q.metadataFields = strings.Split(v, ",")
	case "cloud_tag_fields":
		q.cloudTagFields = strings.Split(v, ",")
	case "details":
		q.details, err = parseEnum(name, v, "None", "Basic", "Basic/AGs", "All", "All/AGs")
	case "output_format":
		_, err = parseEnum(name, strings.ToUpper(v), "XML")
	default:
		return errNotMine
	}
	return err
}

// setFilter handles what to select.
func (q *query) setFilter(name, v string, now time.Time) *qualys.APIError {
	var err *qualys.APIError
	switch name {
	case "ids":
		q.ids, err = parseIDSet(name, v, 1<<62)
	case "id_min":
		q.idMin, err = parseInt(name, v, 1, 1<<62)
	case "id_max":
		q.idMax, err = parseInt(name, v, 1, 1<<62)
	case "ips":
		q.ips, err = parseIPs(name, v)
	case "os_pattern":
		q.osPattern, err = parsePattern(name, v)
	case "status":
		q.statuses, err = parseStatuses(name, v)
	case "show_igs":
		q.showIGs, err = parseBool(name, v)
	case "include_ignored":
		q.includeIgnored, err = parseBool(name, v)
	case "include_disabled":
		q.includeDisable, err = parseBool(name, v)
	case "severities":
		var s idSet
		s, err = parseIDSet(name, v, 5)
		for sev := range int64(6) {
			if s.has(sev) {
				q.severities |= 1 << sev
			}
		}
	case "qids":
		q.qids, err = parseIDSet(name, v, 1<<62)
	case "include_vuln_type":
		var t string
		t, err = parseEnum(name, strings.ToLower(v), "confirmed", "potential")
		q.vulnType = map[string]string{"confirmed": "Confirmed", "potential": "Potential"}[t]
	case "qds_min", "qds_max":
		var n int64
		n, err = parseInt(name, v, 1, 100)
		if name == "qds_min" {
			q.qdsMin = int(n)
		} else {
			q.qdsMax = int(n)
		}
	default:
		return q.setRelative(name, v, now)
	}
	return err
}

// setRelative handles the filters counted in days before the clock.
func (q *query) setRelative(name, v string, now time.Time) *qualys.APIError {
	var filter func(t int64)
	switch name {
	case "max_days_since_last_vm_scan":
		filter = func(t int64) {
			q.hostTimes = append(q.hostTimes, hostTimeFilter{hostVMScanned, timeFilter{t, 'G'}})
		}
	case "max_days_since_detection_updated":
		filter = func(t int64) {
			q.detTimes = append(q.detTimes, detTimeFilter{detUpdated, timeFilter{t, 'G'}})
		}
	case "detection_last_tested_since_days":
		filter = func(t int64) {
			q.detTimes = append(q.detTimes, detTimeFilter{detTested, timeFilter{t, 'G'}})
		}
	case "detection_last_tested_before_days":
		filter = func(t int64) {
			q.detTimes = append(q.detTimes, detTimeFilter{detTested, timeFilter{t, '<'}})
		}
	default:
		return errNotMine
	}
	n, err := parseInt(name, v, 0, 100_000)
	filter(now.Unix() - n*day)
	return err
}

// setOther validates the parameters the simulator accepts but ignores.
func (q *query) setOther(name, v string) *qualys.APIError {
	var err *qualys.APIError
	switch {
	case boolParams[name]:
		_, err = parseBool(name, v)
	case dateParams[name]:
		_, err = parseDate(name, v)
	case idListParams[name]:
		_, err = parseIDSet(name, v, 1<<62)
	case name == "active_kernels_only":
		var n int64
		n, err = parseInt(name, v, 0, 3)
		q.showARF = q.showARF || n > 0
	case strings.HasPrefix(name, "arf_"):
		var n int64
		n, err = parseInt(name, v, 0, 4)
		q.showARF = q.showARF || n > 0
	}
	return err
}

func parseBool(name, v string) (bool, *qualys.APIError) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, invalid(name, v, "must be 0 or 1")
}

func parseInt(name, v string, lo, hi int64) (int64, *qualys.APIError) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, invalid(name, v, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
	}
	return n, nil
}

// parseEnum returns the allowed word v matches, ignoring case.
func parseEnum(name, v string, allowed ...string) (string, *qualys.APIError) {
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a, nil
		}
	}
	return "", invalid(name, v, "must be one of "+strings.Join(allowed, ", "))
}

// parseDate accepts YYYY-MM-DD and YYYY-MM-DDTHH:MM:SSZ, both UTC, and
// returns Unix seconds.
func parseDate(name, v string) (int64, *qualys.APIError) {
	for _, layout := range []string{time.DateOnly, qualys.TimeLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, invalid(name, v, "must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
}

// parseIDSet parses a comma list of positive integers and lo-hi ranges, each
// at most hi, into a sorted, merged set.
func parseIDSet(name, v string, hi int64) (idSet, *qualys.APIError) {
	var s idSet
	for item := range strings.SplitSeq(v, ",") {
		r, ok := parseIDRange(strings.TrimSpace(item), hi)
		if !ok {
			return nil, invalid(name, v, "neither a positive integer nor a range: "+item)
		}
		s = append(s, r)
	}
	return mergeRanges(s), nil
}

func parseIDRange(item string, hi int64) (idRange, bool) {
	a, b, isRange := strings.Cut(item, "-")
	lo, err := strconv.ParseInt(a, 10, 64)
	if err != nil || lo < 1 || lo > hi {
		return idRange{}, false
	}
	if !isRange {
		return idRange{lo, lo}, true
	}
	up, err := strconv.ParseInt(b, 10, 64)
	if err != nil || up < lo || up > hi {
		return idRange{}, false
	}
	return idRange{lo, up}, true
}

func mergeRanges(s idSet) idSet {
	slices.SortFunc(s, func(a, b idRange) int { return cmp.Compare(a.lo, b.lo) })
	out := s[:0]
	for _, r := range s {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// parseStatuses parses a comma list of status words, ignoring case.
func parseStatuses(name, v string) (status, *qualys.APIError) {
	var s status
	for item := range strings.SplitSeq(v, ",") {
		w, err := parseEnum(name, strings.TrimSpace(item),
			qualys.StatusNew, qualys.StatusActive, qualys.StatusFixed, qualys.StatusReopened)
		if err != nil {
			return 0, invalid(name, v, "unknown status: "+item)
		}
		s |= statusOf(w)
	}
	return s, nil
}

func statusOf(word string) status {
	switch word {
	case qualys.StatusNew:
		return statusNew
	case qualys.StatusActive:
		return statusActive
	case qualys.StatusFixed:
		return statusFixed
	default:
		return statusReopened
	}
}

// ipRange is an inclusive range of IPv4 addresses.
type ipRange struct{ lo, hi netip.Addr }

// parseIPs parses a comma list of IPv4 addresses and a-b ranges.
func parseIPs(name, v string) ([]ipRange, *qualys.APIError) {
	var out []ipRange
	for item := range strings.SplitSeq(v, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(item), "-")
		lo, err1 := netip.ParseAddr(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = netip.ParseAddr(b)
		}
		if err1 != nil || err2 != nil || !lo.Is4() || !hi.Is4() || hi.Less(lo) {
			return nil, invalid(name, v, "not an IPv4 address or range: "+item)
		}
		out = append(out, ipRange{lo, hi})
	}
	return out, nil
}

// parsePattern compiles an os_pattern. Qualys takes PCRE; Go's RE2 syntax
// covers the patterns clients send (^$ for "no OS", prefixes, alternations).
func parsePattern(name, v string) (*regexp.Regexp, *qualys.APIError) {
	re, err := regexp.Compile(v)
	if err != nil {
		return nil, invalid(name, v, "not a valid regular expression")
	}
	return re, nil
}
