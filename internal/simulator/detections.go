package simulator

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// writeDetections streams one page of the detection API: the hosts q
// selects from its id_min on, at most truncation_limit of them, then a
// WARNING naming the next selected host when one is left. The caller
// holds the read lock.
func (s *Server) writeDetections(r *http.Request, x *xmlWriter, q *query) {
	f := s.fleet
	base := baseURL(r)
	const root = "HOST_LIST_VM_DETECTION_OUTPUT"
	x.head(root, base+"/api/2.0/fo/asset/host/vm/detection/dtd/output.dtd", f.now,
		s.echoOf(r, q))

	var (
		view qualys.Host
		keep []int32
		buf  []byte
		n    int
		next int64
	)
	for i := f.first(q); ; i++ {
		i, keep = f.next(q, i, keep)
		if i == len(f.hosts) || r.Context().Err() != nil {
			break
		}
		h := f.hosts[i]
		if q.truncation > 0 && n == q.truncation {
			next = h.ID
			break
		}
		if n == 0 {
			x.open(2, "HOST_LIST")
		}
		buf = f.viewHost(q, h, keep, &view, buf)
		x.host(&view, h.emptyDNS)
		x.hostWritten()
		n++
	}

	if n > 0 {
		x.close(2, "HOST_LIST")
	}
	if next != 0 {
		x.warning(q.truncation, nextURL(r, q.pairs, next))
	}
	x.tail(root)
}

// pageHosts returns the number of hosts on the page q asks for. The
// caller holds the read lock.
func (f *Fleet) pageHosts(q *query) int {
	n := 0
	var keep []int32
	for i := f.first(q); ; i++ {
		i, keep = f.next(q, i, keep)
		if i == len(f.hosts) || (q.truncation > 0 && n == q.truncation) {
			return n
		}
		n++
	}
}

// Expected returns the hosts, with their detections, that a complete walk
// of the detection API of version 5.0 with params returns: every page,
// following the WARNING URLs, concatenated. It applies the same
// validation, filters and visibility rules as the handler (truncation_limit
// only cuts pages, so it does not matter here) and returns the same
// *qualys.APIError a request would get. The result is a deep copy.
func (s *Server) Expected(params url.Values) ([]qualys.Host, error) {
	return s.ExpectedFor("5.0", params)
}

// ExpectedFor is Expected for an API version: "2.0", "3.0", "4.0" or "5.0".
// Versions before 5.0 leave out the 5.0 elements (CVE, detection sources,
// MITRE, TruRisk).
func (s *Server) ExpectedFor(version string, params url.Values) ([]qualys.Host, error) {
	if rt, _ := routeOf("/api/" + version + "/fo/asset/host/"); rt == routeNone {
		return nil, fmt.Errorf("expected hosts: unknown api version %q", version)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	f := s.fleet

	q, err := parseQuery(apiDetection, version, pairsOf(params), f.now)
	if err != nil {
		return nil, err
	}
	var (
		out  []qualys.Host
		keep []int32
	)
	for i := f.first(q); ; i++ {
		i, keep = f.next(q, i, keep)
		if i == len(f.hosts) {
			return out, nil
		}
		var view qualys.Host
		f.viewHost(q, f.hosts[i], keep, &view, nil)
		out = append(out, cloneHost(view))
	}
}
