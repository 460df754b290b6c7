package simulator

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// writeHostList streams one page of the host list API. With details=None
// the page is an ID_SET of the selected host IDs, with or without
// detections; runs of consecutive IDs become ID_RANGE elements when
// Config.IDRanges is set. Other details levels list HOST elements with
// the host-level fields. The caller holds the read lock.
func (s *Server) writeHostList(r *http.Request, x *xmlWriter, q *query) {
	f := s.fleet
	const root = "HOST_LIST_OUTPUT"
	x.head(root, baseURL(r)+"/api/2.0/fo/asset/host/dtd/list/output.dtd", f.now,
		s.echoOf(r, q))

	var ids []int64
	var next int64
	for i := f.first(q); ; i++ {
		i, _ = f.next(q, i, nil)
		if i == len(f.hosts) {
			break
		}
		if q.truncation > 0 && len(ids) == q.truncation {
			next = f.hosts[i].ID
			break
		}
		ids = append(ids, f.hosts[i].ID)
	}

	if len(ids) > 0 && q.details == "None" {
		x.idSet(ids, s.cfg.IDRanges)
	} else if len(ids) > 0 {
		s.writeHosts(x, q, ids)
	}
	if next != 0 {
		x.warning(q.truncation, nextURL(r, q.pairs, next))
	}
	x.tail(root)
}

// idSet writes ID_SET; with ranges, runs of consecutive IDs are written as
// one ID_RANGE "a-b".
func (x *xmlWriter) idSet(ids []int64, ranges bool) {
	x.open(2, "ID_SET")
	for i := 0; i < len(ids); i++ {
		j := i
		for ranges && j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if j == i {
			x.int(3, "ID", ids[i])
			continue
		}
		x.text(3, "ID_RANGE", strconv.FormatInt(ids[i], 10)+"-"+strconv.FormatInt(ids[j], 10))
		i = j
	}
	x.close(2, "ID_SET")
}

// writeHosts writes HOST_LIST with the host-level fields of the hosts with
// the given IDs, in the order of the host list DTD.
func (s *Server) writeHosts(x *xmlWriter, q *query, ids []int64) {
	f := s.fleet
	x.open(2, "HOST_LIST")
	i := 0
	var view qualys.Host
	for _, id := range ids {
		for f.hosts[i].ID != id {
			i++
		}
		h := f.hosts[i]
		f.viewHost(q, h, nil, &view, nil)
		x.listHost(&view)
	}
	x.close(2, "HOST_LIST")
}

// listHost writes one HOST of the host list API.
func (x *xmlWriter) listHost(h *qualys.Host) {
	const d = 3
	x.open(d, "HOST")
	x.int(d+1, "ID", h.ID)
	optInt(x, d+1, "ASSET_ID", h.AssetID)
	x.text(d+1, "IP", h.IP)
	x.text(d+1, "IPV6", h.IPv6)
	x.text(d+1, "TRACKING_METHOD", h.TrackingMethod)
	x.names(h, false)
	x.text(d+1, "CLOUD_PROVIDER", h.CloudProvider)
	x.text(d+1, "CLOUD_SERVICE", h.CloudService)
	x.text(d+1, "CLOUD_RESOURCE_ID", h.CloudResourceID)
	x.cdata(d+1, "EC2_INSTANCE_ID", h.EC2InstanceID)
	x.cdata(d+1, "NETBIOS", h.NetBIOS)
	x.cdata(d+1, "OS", h.OS)
	x.text(d+1, "QG_HOSTID", h.QGHostID)
	x.tags(d+1, h.Tags)
	x.metadata(d+1, h.Metadata)
	x.cloudTags(d+1, h.CloudTags)
	x.time(d+1, "LAST_VULN_SCAN_DATETIME", h.LastScan)
	x.time(d+1, "LAST_VM_SCANNED_DATE", h.LastVMScanned)
	optInt(x, d+1, "LAST_VM_SCANNED_DURATION", h.LastVMScannedDuration)
	x.time(d+1, "LAST_VM_AUTH_SCANNED_DATE", h.LastVMAuthScanned)
	optInt(x, d+1, "LAST_VM_AUTH_SCANNED_DURATION", h.LastVMAuthScannedDuration)
	x.time(d+1, "LAST_COMPLIANCE_SCAN_DATETIME", h.LastPCScanned)
	x.close(d, "HOST")
}

// ExpectedIDs returns the host IDs that a complete walk of the host list
// API with params returns, in order, with the handler's validation.
func (s *Server) ExpectedIDs(params url.Values) ([]int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f := s.fleet

	q, err := parseQuery(apiHostList, "5.0", pairsOf(params), f.now)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for i := f.first(q); ; i++ {
		i, _ = f.next(q, i, nil)
		if i == len(f.hosts) {
			return ids, nil
		}
		ids = append(ids, f.hosts[i].ID)
	}
}
