package simulator

import (
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// walkBytes walks the detection pages from target and returns the pages
// and body bytes the client read.
func walkBytes(t *testing.T, srv *testServer, target string) (pages int, bytes int64) {
	t.Helper()
	for target != "" {
		body := srv.get(t, target).body(t, 200)
		pages++
		bytes += int64(len(body))
		_, warn, _ := decodePage(t, body)
		target = ""
		if warn != nil {
			target = warn.URL
		}
	}
	return pages, bytes
}

func TestTraffic(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 300, MaxDetections: 20})
	fullPages, fullBytes := walkBytes(t, srv, hld+"?action=list&truncation_limit=50")
	srv.get(t, hld+"?action=list&show_igs=maybe").body(t, 400)
	errBytes := int64(len(srv.get(t, hld+"?action=list&show_igs=maybe").data))
	srv.get(t, "/api/5.0/fo/asset/host/?action=list&details=None")

	got := srv.Traffic()
	if w := (Traffic{Calls: fullPages + 2, Bytes: fullBytes + 2*errBytes}); got[hld] != w {
		t.Errorf("Traffic[%s] = %+v, want %+v", hld, got[hld], w)
	}
	if got["/api/5.0/fo/asset/host/"].Calls != 1 || len(got) != 2 {
		t.Errorf("Traffic = %+v, want the detection and host list paths", got)
	}

	// An incremental sync reads less than the full one.
	old := srv.Now()
	srv.Advance(time.Hour, 0.05)
	srv.ResetTraffic()
	if got := srv.Traffic(); len(got) != 0 {
		t.Fatalf("Traffic after ResetTraffic = %v", got)
	}
	incPages, incBytes := walkBytes(t, srv, hld+"?action=list&truncation_limit=50"+
		"&detection_updated_since="+url.QueryEscape(old.Format(qualys.TimeLayout)))
	if w := (Traffic{Calls: incPages, Bytes: incBytes}); srv.Traffic()[hld] != w {
		t.Errorf("incremental Traffic = %+v, want %+v", srv.Traffic()[hld], w)
	}
	if incBytes == 0 || incBytes*4 > fullBytes {
		t.Errorf("incremental sync %d bytes, full %d: want far fewer", incBytes, fullBytes)
	}
}

func TestLatency(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		wantStatus int
		want       time.Duration
	}{
		{name: "detection_page", target: hld + "?action=list&truncation_limit=7",
			wantStatus: 200, want: 2*time.Second + 7*10*time.Millisecond},
		{name: "host_list_page", target: "/api/5.0/fo/asset/host/?action=list&truncation_limit=5",
			wantStatus: 200, want: 2*time.Second + 5*10*time.Millisecond},
		{name: "empty_page", target: hld + "?action=list&ids=1", wantStatus: 200,
			want: 2 * time.Second},
		{name: "bad_parameter_at_once", target: hld + "?action=list&show_igs=2",
			wantStatus: 400, want: 0},
		{name: "about_at_once", target: "/msp/about.php", wantStatus: 200, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newLocal(t, func(c *Config) {
					c.Latency = Latency{FirstByte: 2 * time.Second, PerHost: 10 * time.Millisecond}
				})
				start := time.Now()
				rec := serveLocal(t, s, tt.target)
				if got := time.Since(start); rec.Code != tt.wantStatus || got != tt.want {
					t.Errorf("status %d after %v, want %d after %v", rec.Code, got,
						tt.wantStatus, tt.want)
				}
			})
		})
	}
}

func TestLatencyDefaultIsZero(t *testing.T) {
	if d := cmp.Diff(Latency{}, DefaultConfig().Latency); d != "" {
		t.Errorf("default latency (-want +got):\n%s", d)
	}
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, nil)
		start := time.Now()
		serveLocal(t, s, hld+"?action=list")
		if got := time.Since(start); got != 0 {
			t.Errorf("page took %v of fake time, want 0", got)
		}
	})
}
