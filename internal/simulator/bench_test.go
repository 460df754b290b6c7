package simulator

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// discard is a ResponseWriter that counts and drops the body, so that a
// benchmark measures the server, not a buffer.
type discard struct {
	header http.Header
	n      int64
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

var benchServer *Server

// BenchmarkServe100k serves one page of a 100,000-host fleet with
// truncation_limit=0 (every host in one streamed response) to a writer
// that drops it.
func BenchmarkServe100k(b *testing.B) {
	if benchServer == nil {
		cfg := DefaultConfig()
		cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 100_000}
		s, err := New(cfg)
		if err != nil {
			b.Fatalf("New: %v", err)
		}
		benchServer = s
	}
	for _, bc := range []struct {
		name  string
		query string
	}{
		{name: "defaults", query: "action=list&truncation_limit=0"},
		{name: "all_no_results", query: "action=list&truncation_limit=0&show_results=0" +
			"&status=New,Active,Fixed,Re-Opened&show_igs=1"},
		{name: "all", query: "action=list&truncation_limit=0&status=New,Active,Fixed,Re-Opened" +
			"&show_igs=1&show_tags=1&show_qds=1&show_qds_factors=1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, hld+"?"+bc.query, nil)
			req.SetBasicAuth("qualys", "qualys")
			req.Header.Set("X-Requested-With", "bench")
			var bytes int64
			for b.Loop() {
				w := &discard{header: http.Header{}}
				benchServer.ServeHTTP(w, req)
				bytes = w.n
			}
			b.SetBytes(bytes)
			b.ReportMetric(float64(bytes)/1e6, "MB/page")
		})
	}
}

// BenchmarkWindowLimiterAdmit admits and releases calls from parallel
// goroutines, with a window short enough that calls keep leaving it, so
// that nearly every call is admitted and pruned later. It reports the
// share refused.
func BenchmarkWindowLimiterAdmit(b *testing.B) {
	l := NewWindowLimiter(LimitConfig{Rate: 2000, Window: time.Millisecond,
		Concurrency: 1 << 20})
	req := httptest.NewRequest(http.MethodGet, hld, nil)
	var refused atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a := l.Admit(req)
			if a.Done == nil {
				refused.Add(1)
				continue
			}
			a.Done()
		}
	})
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}
