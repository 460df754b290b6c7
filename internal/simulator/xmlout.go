package simulator

import (
	"bufio"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// xmlWriter writes the API's XML by hand, element by element, into a
// buffered writer: pages are streamed, never built in memory. Text goes
// out escaped, or in CDATA sections where the real API uses them. Optional
// elements are written only when they hold a value, so that an empty string,
// a zero time or an invalid Opt all read back as "absent".
type xmlWriter struct {
	w   *bufio.Writer
	num []byte

	// keepAlive, when not zero, is the number of hosts between keep-alive
	// comments (FaultKeepAlive); root names the document in them.
	keepAlive, hosts int
	root             string

	// odd, when not zero, writes about one detection in odd with an odd
	// value (Config.OddValues).
	odd int
}

// comment writes a keep-alive comment when they are asked for.
func (x *xmlWriter) comment() {
	if x.keepAlive > 0 {
		x.w.WriteString("\n<!-- keep-alive for " + x.root + " -->")
	}
}

// hostWritten counts a host and writes a keep-alive comment after every
// keepAlive hosts.
func (x *xmlWriter) hostWritten() {
	x.hosts++
	if x.keepAlive > 0 && x.hosts%x.keepAlive == 0 {
		x.comment()
	}
}

const indents = "\n                                "

// open writes <name> on a new line at depth.
func (x *xmlWriter) open(depth int, name string) {
	x.w.WriteString(indents[:1+2*depth])
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// close writes </name> on a new line at depth.
func (x *xmlWriter) close(depth int, name string) {
	x.w.WriteString(indents[:1+2*depth])
	x.end(name)
}

func (x *xmlWriter) end(name string) {
	x.w.WriteString("</")
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// text writes <name>s</name>, escaped, unless s is empty.
func (x *xmlWriter) text(depth int, name, s string) {
	if s != "" {
		x.open(depth, name)
		x.escape(s)
		x.end(name)
	}
}

// cdata writes <name><![CDATA[s]]></name> unless s is empty.
func (x *xmlWriter) cdata(depth int, name, s string) {
	if s != "" {
		x.cdataAlways(depth, name, s)
	}
}

// cdataAlways writes the element even when s is empty, as the API does for
// LAST_ERROR. A "]]>" inside s is split across two sections.
func (x *xmlWriter) cdataAlways(depth int, name, s string) {
	x.open(depth, name)
	x.cdataSection(s)
	x.end(name)
}

// cdataSection writes s as a CDATA section; a "]]>" inside s is split
// across two sections.
func (x *xmlWriter) cdataSection(s string) {
	x.w.WriteString("<![CDATA[")
	for {
		i := strings.Index(s, "]]>")
		if i < 0 {
			break
		}
		x.w.WriteString(s[:i+2])
		x.w.WriteString("]]><![CDATA[")
		s = s[i+2:]
	}
	x.w.WriteString(s)
	x.w.WriteString("]]>")
}

// escape writes s with &, < and > escaped; quotes need no escaping in text.
func (x *xmlWriter) escape(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		x.w.WriteString(s[last:i])
		x.w.WriteString(esc)
		last = i + 1
	}
	x.w.WriteString(s[last:])
}

func (x *xmlWriter) int(depth int, name string, n int64) {
	x.open(depth, name)
	x.num = strconv.AppendInt(x.num[:0], n, 10)
	x.w.Write(x.num)
	x.end(name)
}

func optInt[T int32 | int64](x *xmlWriter, depth int, name string, o qualys.Opt[T]) {
	if o.Valid {
		x.int(depth, name, int64(o.V))
	}
}

func (x *xmlWriter) bool(depth int, name string, o qualys.Opt[bool]) {
	if !o.Valid {
		return
	}
	x.open(depth, name)
	x.w.WriteByte("01"[b2i(o.V)])
	x.end(name)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// time writes t in the API's layout unless it is zero.
func (x *xmlWriter) time(depth int, name string, t time.Time) {
	if !t.IsZero() {
		x.open(depth, name)
		x.num = appendTime(x.num[:0], t)
		x.w.Write(x.num)
		x.end(name)
	}
}

// appendTime appends t as YYYY-MM-DDTHH:MM:SSZ, faster than t.AppendFormat.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append2(b, int(mo), '-')
	b = append2(b, d, 'T')
	b = append2(b, h, ':')
	b = append2(b, mi, ':')
	return append2(b, s, 'Z')
}

func append2(b []byte, n int, sep byte) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10), sep)
}

// host writes one HOST element with its detections, children in the order
// of the DTD. emptyNames writes empty DNS and NETBIOS elements, as the API
// does for some hosts.
func (x *xmlWriter) host(h *qualys.Host, emptyNames bool) {
	const d = 3
	x.open(d, "HOST")
	x.int(d+1, "ID", h.ID)
	optInt(x, d+1, "ASSET_ID", h.AssetID)
	x.text(d+1, "IP", h.IP)
	x.text(d+1, "IPV6", h.IPv6)
	x.text(d+1, "TRACKING_METHOD", h.TrackingMethod)
	optInt(x, d+1, "NETWORK_ID", h.NetworkID)
	x.cdata(d+1, "OS", h.OS)
	x.cdata(d+1, "OS_CPE", h.OSCPE)
	x.names(h, emptyNames)
	x.text(d+1, "CLOUD_PROVIDER", h.CloudProvider)
	x.text(d+1, "CLOUD_SERVICE", h.CloudService)
	x.text(d+1, "CLOUD_RESOURCE_ID", h.CloudResourceID)
	x.cdata(d+1, "EC2_INSTANCE_ID", h.EC2InstanceID)
	if emptyNames && h.NetBIOS == "" {
		x.cdataAlways(d+1, "NETBIOS", "")
	}
	x.cdata(d+1, "NETBIOS", h.NetBIOS)
	x.text(d+1, "QG_HOSTID", h.QGHostID)

	x.time(d+1, "LAST_SCAN_DATETIME", h.LastScan)
	x.time(d+1, "LAST_VM_SCANNED_DATE", h.LastVMScanned)
	optInt(x, d+1, "LAST_VM_SCANNED_DURATION", h.LastVMScannedDuration)
	x.time(d+1, "LAST_VM_AUTH_SCANNED_DATE", h.LastVMAuthScanned)
	optInt(x, d+1, "LAST_VM_AUTH_SCANNED_DURATION", h.LastVMAuthScannedDuration)
	x.time(d+1, "LAST_PC_SCANNED_DATE", h.LastPCScanned)
	x.tags(d+1, h.Tags)
	x.metadata(d+1, h.Metadata)
	x.cloudTags(d+1, h.CloudTags)

	x.open(d+1, "DETECTION_LIST")
	for i := range h.Detections {
		x.detection(d+2, h.ID, &h.Detections[i])
	}
	x.close(d+1, "DETECTION_LIST")
	x.close(d, "HOST")
}

func (x *xmlWriter) names(h *qualys.Host, emptyNames bool) {
	const d = 4
	if emptyNames && h.DNS == "" {
		x.cdataAlways(d, "DNS", "")
	}
	x.cdata(d, "DNS", h.DNS)
	if h.DNSData == (qualys.DNSData{}) {
		return
	}
	x.open(d, "DNS_DATA")
	x.cdata(d+1, "HOSTNAME", h.DNSData.Hostname)
	x.cdata(d+1, "DOMAIN", h.DNSData.Domain)
	x.cdata(d+1, "FQDN", h.DNSData.FQDN)
	x.close(d, "DNS_DATA")
}

func (x *xmlWriter) tags(d int, tags []qualys.Tag) {
	if len(tags) == 0 {
		return
	}
	x.open(d, "TAGS")
	for _, t := range tags {
		x.open(d+1, "TAG")
		optInt(x, d+2, "TAG_ID", t.ID)
		x.cdataAlways(d+2, "NAME", t.Name)
		x.text(d+2, "COLOR", t.Color)
		x.text(d+2, "BACKGROUND_COLOR", t.BackgroundColor)
		x.close(d+1, "TAG")
	}
	x.close(d, "TAGS")
}

// metadata writes METADATA with one element per provider, in the order the
// attributes come. LAST_ERROR_DATE and LAST_ERROR are always written, empty
// when there was no error, as in the real samples.
func (x *xmlWriter) metadata(d int, attrs []qualys.CloudAttribute) {
	if len(attrs) == 0 {
		return
	}
	x.open(d, "METADATA")
	for i, a := range attrs {
		if i == 0 || attrs[i-1].Provider != a.Provider {
			if i > 0 {
				x.close(d+1, attrs[i-1].Provider)
			}
			x.open(d+1, a.Provider)
		}
		x.open(d+2, "ATTRIBUTE")
		x.cdataAlways(d+3, "NAME", a.Name)
		x.text(d+3, "LAST_STATUS", a.LastStatus)
		x.cdataAlways(d+3, "VALUE", a.Value)
		x.time(d+3, "LAST_SUCCESS_DATE", a.LastSuccess)
		x.open(d+3, "LAST_ERROR_DATE")
		if !a.LastErrorDate.IsZero() {
			x.w.Write(appendTime(x.num[:0], a.LastErrorDate))
		}
		x.end("LAST_ERROR_DATE")
		x.cdataAlways(d+3, "LAST_ERROR", a.LastError)
		x.close(d+2, "ATTRIBUTE")
	}
	x.close(d+1, attrs[len(attrs)-1].Provider)
	x.close(d, "METADATA")
}

func (x *xmlWriter) cloudTags(d int, tags []qualys.CloudTag) {
	if len(tags) == 0 {
		return
	}
	x.open(d, "CLOUD_PROVIDER_TAGS")
	for _, t := range tags {
		x.open(d+1, "CLOUD_TAG")
		x.cdataAlways(d+2, "NAME", t.Name)
		x.cdataAlways(d+2, "VALUE", t.Value)
		x.time(d+2, "LAST_SUCCESS_DATE", t.LastSuccess)
		x.close(d+1, "CLOUD_TAG")
	}
	x.close(d, "CLOUD_PROVIDER_TAGS")
}

// detection writes one DETECTION element, children in the order of the DTD.
func (x *xmlWriter) detection(d int, hostID int64, v *qualys.Detection) {
	odd := OddValue(hostID, v.QID, x.odd)
	x.open(d, "DETECTION")
	optInt(x, d+1, "UNIQUE_VULN_ID", v.UniqueVulnID)
	if odd == OddQID {
		x.raw(d+1, "QID", strconv.FormatInt(v.QID, 10)+"x")
	} else {
		x.int(d+1, "QID", v.QID)
	}
	x.text(d+1, "TYPE", v.Type)
	optInt(x, d+1, "SEVERITY", v.Severity)
	optInt(x, d+1, "PORT", v.Port)
	x.text(d+1, "PROTOCOL", v.Protocol)
	x.text(d+1, "FQDN", v.FQDN)
	x.bool(d+1, "SSL", v.SSL)
	x.text(d+1, "INSTANCE", v.Instance)
	x.text(d+1, "RESULT_INSTANCE", v.ResultInstance)
	if odd == OddControlChar && v.Results != "" {
		x.cdata(d+1, "RESULTS", v.Results+"\x01 caf\xe9")
	} else {
		x.cdata(d+1, "RESULTS", v.Results)
	}
	x.text(d+1, "STATUS", v.Status)
	if odd == OddOffset && !v.FirstFound.IsZero() {
		x.raw(d+1, "FIRST_FOUND_DATETIME",
			v.FirstFound.In(oddOffset).Format("2006-01-02T15:04:05.000-07:00"))
	} else {
		x.time(d+1, "FIRST_FOUND_DATETIME", v.FirstFound)
	}
	if odd == OddDate {
		x.raw(d+1, "LAST_FOUND_DATETIME", "last Tuesday")
	} else {
		x.time(d+1, "LAST_FOUND_DATETIME", v.LastFound)
	}
	x.text(d+1, "SOURCE", v.Source)
	x.qds(d+1, v)
	optInt(x, d+1, "TIMES_FOUND", v.TimesFound)
	x.time(d+1, "LAST_TEST_DATETIME", v.LastTest)
	x.time(d+1, "LAST_UPDATE_DATETIME", v.LastUpdate)
	x.time(d+1, "LAST_FIXED_DATETIME", v.LastFixed)
	x.time(d+1, "FIRST_REOPENED_DATETIME", v.FirstReopened)
	x.time(d+1, "LAST_REOPENED_DATETIME", v.LastReopened)
	optInt(x, d+1, "TIMES_REOPENED", v.TimesReopened)
	x.text(d+1, "SERVICE", v.Service)
	x.bool(d+1, "IS_IGNORED", v.IsIgnored)
	x.bool(d+1, "IS_DISABLED", v.IsDisabled)
	x.bool(d+1, "AFFECT_RUNNING_KERNEL", v.AffectRunningKernel)
	x.bool(d+1, "AFFECT_RUNNING_SERVICE", v.AffectRunningService)
	x.bool(d+1, "AFFECT_EXPLOITABLE_CONFIG", v.AffectExploitableConfig)
	x.time(d+1, "LAST_PROCESSED_DATETIME", v.LastProcessed)
	x.text(d+1, "ASSET_CVE", v.AssetCVE)
	for _, c := range v.CVEs {
		x.text(d+1, "CVE", c)
	}
	x.text(d+1, "VULNERABILITY_DETECTION_SOURCES", v.DetectionSources)
	x.text(d+1, "LATEST_VULNERABILITY_DETECTION_SOURCE", v.LatestDetectionSource)
	x.text(d+1, "MITRE_TACTIC_NAME", v.MITRETacticName)
	x.text(d+1, "MITRE_TECHNIQUE_NAME", v.MITRETechniqueName)
	x.text(d+1, "MITRE_TACTIC_ID", v.MITRETacticID)
	x.text(d+1, "MITRE_TECHNIQUE_ID", v.MITRETechniqueID)
	x.text(d+1, "TRURISK_ELIMINATION_STATUS", v.TruRiskEliminationStatus)
	x.close(d, "DETECTION")
}

// qds writes QDS with its severity attribute, then QDS_FACTORS.
func (x *xmlWriter) qds(d int, v *qualys.Detection) {
	if v.QDS.Valid {
		x.w.WriteString(indents[:1+2*d])
		x.w.WriteString(`<QDS severity="`)
		x.escape(v.QDSSeverity)
		x.w.WriteString(`">`)
		x.num = strconv.AppendInt(x.num[:0], int64(v.QDS.V), 10)
		x.w.Write(x.num)
		x.end("QDS")
	}
	if len(v.QDSFactors) == 0 {
		return
	}
	x.open(d, "QDS_FACTORS")
	for _, f := range v.QDSFactors {
		x.w.WriteString(indents[:3+2*d])
		x.w.WriteString(`<QDS_FACTOR name="`)
		x.escape(f.Name)
		x.w.WriteString(`">`)
		x.cdataSection(f.Value)
		x.end("QDS_FACTOR")
	}
	x.close(d, "QDS_FACTORS")
}

// warning writes the WARNING that ends a truncated page.
func (x *xmlWriter) warning(limit int, url string) {
	x.open(2, "WARNING")
	x.int(3, "CODE", qualys.CodeTruncated)
	x.open(3, "TEXT")
	x.w.WriteString(strconv.Itoa(limit))
	x.w.WriteString(" record limit exceeded. Use URL to get next batch of results.")
	x.end("TEXT")
	x.cdataAlways(3, "URL", url)
	x.close(2, "WARNING")
}

// echo is what a REQUEST element (echo_request=1) repeats of the request.
type echo struct {
	user     string
	resource string // the URL without its query
	pairs    []param
}

// head writes the declaration, the DOCTYPE, the root, REQUEST when e is
// not nil, and RESPONSE/DATETIME.
func (x *xmlWriter) head(root, dtd string, now time.Time, e *echo) {
	x.w.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n")
	x.w.WriteString(`<!DOCTYPE ` + root + ` SYSTEM "`)
	x.escape(dtd)
	x.w.WriteString(`">` + "\n<" + root + ">")
	if e != nil {
		x.request(now, e)
	}
	x.open(1, "RESPONSE")
	x.time(2, "DATETIME", now)
	x.root = root
	x.comment()
}

// request writes REQUEST: every parameter in PARAM_LIST, and the form body
// as sent in POST_DATA.
func (x *xmlWriter) request(now time.Time, e *echo) {
	x.open(1, "REQUEST")
	x.time(2, "DATETIME", now)
	x.text(2, "USER_LOGIN", e.user)
	x.text(2, "RESOURCE", e.resource)
	var post []string
	if len(e.pairs) > 0 {
		x.open(2, "PARAM_LIST")
		for _, p := range e.pairs {
			x.open(3, "PARAM")
			x.cdataAlways(4, "KEY", p.name)
			x.cdataAlways(4, "VALUE", p.value)
			x.close(3, "PARAM")
			if p.body {
				post = append(post, p.raw)
			}
		}
		x.close(2, "PARAM_LIST")
	}
	x.cdata(2, "POST_DATA", strings.Join(post, "&"))
	x.close(1, "REQUEST")
}

// tail closes RESPONSE and the root.
func (x *xmlWriter) tail(root string) {
	x.close(1, "RESPONSE")
	x.w.WriteString("\n</" + root + ">\n")
}
