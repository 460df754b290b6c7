package simulator

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// The functions in this file decide what a request returns. The HTTP
// handlers and Expected both use them, so that what the XML says and what
// Expected returns cannot drift apart.

// first returns the position of the first host q can select.
func (f *Fleet) first(q *query) int {
	lo := q.idMin
	if len(q.ids) > 0 {
		lo = max(lo, q.ids[0].lo)
	}
	return sort.Search(len(f.hosts), func(i int) bool { return f.hosts[i].ID >= lo })
}

// next returns the position, at or after i, of the next host q selects,
// and in keep the positions of its detections q selects; len(f.hosts) when
// none is left. For the host list API every selected host counts, even one
// without detections.
func (f *Fleet) next(q *query, i int, keep []int32) (int, []int32) {
	for ; i < len(f.hosts); i++ {
		h := f.hosts[i]
		if q.pastEnd(h.ID) {
			return len(f.hosts), keep[:0]
		}
		if !q.keepsHost(h) {
			continue
		}
		if q.api == apiHostList {
			return i, keep[:0]
		}
		keep = f.keptDetections(q, h, keep[:0])
		if len(keep) > 0 {
			return i, keep
		}
	}
	return i, keep[:0]
}

// pastEnd reports whether no host from id on can be selected.
func (q *query) pastEnd(id int64) bool {
	if q.idMax != 0 && id > q.idMax {
		return true
	}
	return len(q.ids) > 0 && id > q.ids[len(q.ids)-1].hi
}

// keepsHost reports whether h passes q's host filters.
func (q *query) keepsHost(h *host) bool {
	if id := h.ID; id < q.idMin || (q.idMax != 0 && id > q.idMax) {
		return false
	}
	if q.ids != nil && !q.ids.has(h.ID) {
		return false
	}
	if q.ips != nil && !keepsIP(q.ips, h.IP) {
		return false
	}
	if q.osPattern != nil && !q.osPattern.MatchString(h.OS) {
		return false
	}
	for _, tf := range q.hostTimes {
		if !tf.keeps(hostStamp(h, tf.field)) {
			return false
		}
	}
	return true
}

func hostStamp(h *host, field hostTime) stamp {
	switch field {
	case hostProcessed:
		return h.processed
	case hostVMScanned:
		return stampOf0(h.LastVMScanned)
	default:
		return stampOf0(h.LastVMAuthScanned)
	}
}

// stampOf0 is stampOf with the zero time as the zero stamp.
func stampOf0(t time.Time) stamp {
	if t.IsZero() {
		return 0
	}
	return stampOf(t)
}

func keepsIP(ranges []ipRange, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, r := range ranges {
		if !a.Less(r.lo) && !r.hi.Less(a) {
			return true
		}
	}
	return false
}

// keptDetections appends to keep the positions of h's detections that q
// selects.
func (f *Fleet) keptDetections(q *query, h *host, keep []int32) []int32 {
	for j := range h.detections {
		if f.keepsDetection(q, &h.detections[j]) {
			keep = append(keep, int32(j))
		}
	}
	return keep
}

// keepsDetection reports whether d passes q's detection filters. Fixed is
// left out unless asked, Info unless show_igs=1, ignored and disabled ones
// unless include_ignored=1 and include_disabled=1.
func (f *Fleet) keepsDetection(q *query, d *detection) bool {
	v := &f.vulns[d.vuln]
	switch {
	case q.statuses&d.status == 0,
		v.typ == "Info" && !q.showIGs,
		d.flags&flagIgnored != 0 && !q.includeIgnored,
		v.disabled && !q.includeDisable,
		q.severities != 0 && q.severities&(1<<v.severity) == 0,
		q.qids != nil && !q.qids.has(v.qid),
		q.vulnType != "" && v.typ != q.vulnType,
		q.qdsMin != 0 && int(d.qds) < q.qdsMin,
		q.qdsMax != 0 && (d.qds == 0 || int(d.qds) > q.qdsMax):
		return false
	}
	for _, tf := range q.detTimes {
		if !tf.keeps(detStamp(d, tf.field)) {
			return false
		}
	}
	return true
}

func detStamp(d *detection, field detTime) stamp {
	switch field {
	case detUpdated:
		if d.lastUpdate == 0 {
			return d.lastFound
		}
		return d.lastUpdate
	case detProcessed:
		return d.lastProcessed
	default:
		return d.lastTest
	}
}

// viewHost fills dst with what the API shows of h and its detections at
// positions keep, under q. Slices in dst may share the fleet's memory: copy
// before handing them out. buf is scratch space for RESULTS.
func (f *Fleet) viewHost(q *query, h *host, keep []int32, dst *qualys.Host, buf []byte) []byte {
	dets := dst.Detections[:0]
	*dst = h.Host
	if !q.showAssetID {
		dst.AssetID = qualys.Opt[int64]{}
	}
	if !q.showTags {
		dst.Tags = nil
	}
	dst.Metadata = q.metadataOf(h.Metadata)
	dst.CloudTags = q.cloudTagsOf(h.CloudTags)

	for _, j := range keep {
		dets = append(dets, qualys.Detection{})
		buf = f.viewDetection(q, h, &h.detections[j], &dets[len(dets)-1], buf)
	}
	dst.Detections = dets
	return buf
}

// metadataOf returns the attributes host_metadata and host_metadata_fields
// ask for. Field names match the last part of an attribute's NAME.
func (q *query) metadataOf(attrs []qualys.CloudAttribute) []qualys.CloudAttribute {
	if q.metadata == "" || len(attrs) == 0 {
		return nil
	}
	if q.metadata != "all" && !strings.EqualFold(attrs[0].Provider, q.metadata) {
		return nil
	}
	if q.metadataFields == nil {
		return attrs
	}
	var out []qualys.CloudAttribute
	for _, a := range attrs {
		leaf := a.Name[strings.LastIndexByte(a.Name, '/')+1:]
		if slices.Contains(q.metadataFields, leaf) {
			out = append(out, a)
		}
	}
	return out
}

// cloudTagsOf returns the cloud tags show_cloud_tags and cloud_tag_fields
// ask for; a field is a tag name or name:value.
func (q *query) cloudTagsOf(tags []qualys.CloudTag) []qualys.CloudTag {
	if !q.showCloudTags || len(tags) == 0 {
		return nil
	}
	if q.cloudTagFields == nil {
		return tags
	}
	var out []qualys.CloudTag
	for _, t := range tags {
		for _, fl := range q.cloudTagFields {
			if fl == t.Name || fl == t.Name+":"+t.Value {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

var instanceNames = []string{"oracle19:1:ORCLCDB", "MSSQLSERVER", "oracle12:2:PROD", "SQLEXPRESS"}

// viewDetection fills dst with what the API shows of d under q.
func (f *Fleet) viewDetection(q *query, h *host, d *detection, dst *qualys.Detection,
	buf []byte) []byte {
	v := &f.vulns[d.vuln]
	dst.UniqueVulnID = qualys.Some(d.uid)
	dst.QID, dst.Type, dst.Severity = v.qid, v.typ, qualys.Some(v.severity)
	if d.port != 0 {
		dst.Port, dst.Protocol = qualys.Some(int32(d.port)), protocols[d.proto]
	}
	if d.flags&flagFQDN != 0 {
		dst.FQDN = h.DNS
	}
	if d.flags&flagHasSSL != 0 {
		dst.SSL = qualys.Some(d.flags&flagSSL != 0)
	}
	if d.flags&flagInstance != 0 {
		dst.Instance = instanceNames[d.uid%int64(len(instanceNames))]
	}
	if q.showResults {
		buf = appendResults(buf[:0], f.cfg.Seed, d.uid, v.results)
		dst.Results = string(buf)
	}

	dst.Status = d.status.word()
	dst.FirstFound, dst.LastFound = d.firstFound.time(), d.lastFound.time()
	if q.showQDS && d.qds != 0 {
		dst.QDS, dst.QDSSeverity = qualys.Some(int32(d.qds)), qdsSeverity(d.qds)
	}
	if q.showQDSFactors {
		dst.QDSFactors = v.factors
	}
	dst.TimesFound = qualys.Some(int32(d.timesFound))
	dst.LastTest, dst.LastUpdate = d.lastTest.time(), d.lastUpdate.time()
	dst.LastFixed = d.lastFixed.time()
	if q.showReopened && d.timesReopened > 0 {
		dst.FirstReopened, dst.LastReopened = d.firstReopened.time(), d.lastReopened.time()
		dst.TimesReopened = qualys.Some(int32(d.timesReopened))
	}

	dst.IsIgnored = qualys.Some(d.flags&flagIgnored != 0)
	dst.IsDisabled = qualys.Some(v.disabled)
	if q.showARF {
		dst.AffectRunningKernel = qualys.Some(d.flags&flagKernel != 0)
		dst.AffectRunningService = qualys.Some(d.flags&flagService != 0)
		dst.AffectExploitableConfig = qualys.Some(d.flags&flagConfig != 0)
	}
	dst.LastProcessed = d.lastProcessed.time()
	if q.version == "5.0" {
		viewV5(q, v, d, dst)
	}
	return buf
}

// viewV5 fills the elements only /api/5.0 sends. Detection sources need
// vuln_detection_source=1 too.
func viewV5(q *query, v *vuln, d *detection, dst *qualys.Detection) {
	dst.CVEs = v.cves
	dst.MITRETacticName, dst.MITRETechniqueName = v.mitre[0], v.mitre[1]
	dst.MITRETacticID, dst.MITRETechniqueID = v.mitre[2], v.mitre[3]
	if v.typ != "Info" {
		dst.TruRiskEliminationStatus = "OPEN"
		if d.status == statusFixed {
			dst.TruRiskEliminationStatus = "FIXED"
		}
	}
	if !q.showSources {
		return
	}
	switch d.flags & (flagAgentSource | flagScanSource) {
	case flagAgentSource:
		dst.DetectionSources = "Cloud Agent"
	case flagScanSource:
		dst.DetectionSources = "Internal Scanner"
	default:
		dst.DetectionSources = "Cloud Agent,Internal Scanner"
	}
	dst.LatestDetectionSource = "Internal Scanner"
	if d.flags&flagAgentLatest != 0 {
		dst.LatestDetectionSource = "Cloud Agent"
	}
}

// qdsSeverity is the severity attribute of a QDS score.
func qdsSeverity(qds uint8) string {
	switch {
	case qds >= 90:
		return "CRITICAL"
	case qds >= 70:
		return "HIGH"
	case qds >= 40:
		return "MEDIUM"
	default:
		return "LOW"
	}
}

// cloneHost returns a deep copy of h.
func cloneHost(h qualys.Host) qualys.Host {
	h.Tags = slices.Clone(h.Tags)
	h.Metadata = slices.Clone(h.Metadata)
	h.CloudTags = slices.Clone(h.CloudTags)
	h.Detections = slices.Clone(h.Detections)
	for i := range h.Detections {
		d := &h.Detections[i]
		d.QDSFactors = slices.Clone(d.QDSFactors)
		d.CVEs = slices.Clone(d.CVEs)
	}
	return h
}
