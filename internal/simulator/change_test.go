package simulator

import (
	"maps"
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// byUID indexes the detections of hosts by unique ID.
func byUID(hosts []qualys.Host) map[int64]qualys.Detection {
	m := map[int64]qualys.Detection{}
	for _, h := range hosts {
		for _, d := range h.Detections {
			m[d.UniqueVulnID.V] = d
		}
	}
	return m
}

func TestAdvance(t *testing.T) {
	tests := []struct {
		name     string
		d        time.Duration
		fraction float64
	}{
		{name: "one_percent_hour", d: time.Hour, fraction: 0.01},
		{name: "ten_percent_day", d: 24 * time.Hour, fraction: 0.1},
		{name: "half_minute", d: time.Minute, fraction: 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, FleetConfig{Seed: 21, Hosts: 1000})
			before, _ := srv.Expected(allVisible)
			old := srv.Now()

			c := srv.Advance(tt.d, tt.fraction)
			if !srv.Now().Equal(old.Add(tt.d)) || !c.From.Equal(old) || !c.To.Equal(srv.Now()) {
				t.Fatalf("clock %v after Advance(%v) from %v; change %v..%v", srv.Now(), tt.d,
					old, c.From, c.To)
			}
			total := len(byUID(before))
			if got, want := float64(c.Changed()), tt.fraction*float64(total); math.Abs(got-want) >
				0.1*want+10 {
				t.Errorf("changed %v of %d detections, want about %v", got, total, want)
			}
			if c.Activated == 0 || c.Fixed == 0 || c.Reopened == 0 || c.Refound == 0 ||
				c.Added == 0 {
				t.Errorf("some kind of change missing: %+v", c)
			}

			checkChanged(t, srv, before, old, c)
		})
	}
}

// checkChanged compares what the API returns after an Advance with what
// changed, detection by detection.
func checkChanged(t *testing.T, srv *testServer, before []qualys.Host, old time.Time, c Change) {
	t.Helper()
	after, _ := srv.Expected(allVisible)
	was, now := byUID(before), byUID(after)
	changed := map[int64]qualys.Detection{}
	statusChanged := map[int64]bool{}
	for uid, d := range now {
		prev, existed := was[uid]
		if existed && d.LastProcessed.Equal(prev.LastProcessed) {
			if !d.LastUpdate.Equal(prev.LastUpdate) || d.Status != prev.Status {
				t.Errorf("detection %d changed without LAST_PROCESSED", uid)
			}
			continue
		}
		changed[uid] = d
		if !existed || d.Status != prev.Status {
			statusChanged[uid] = true
			if !d.LastUpdate.Equal(d.LastProcessed) {
				t.Errorf("detection %d: status changed, LAST_UPDATE %v != LAST_PROCESSED %v",
					uid, d.LastUpdate, d.LastProcessed)
			}
		}
		if !d.LastProcessed.After(old) || d.LastProcessed.After(srv.Now()) {
			t.Errorf("detection %d changed at %v, outside (%v, %v]", uid, d.LastProcessed,
				old, srv.Now())
		}
	}
	if len(changed) != c.Changed() || len(statusChanged) != c.StatusChanges() {
		t.Errorf("saw %d changed, %d status changes; Change says %d, %d", len(changed),
			len(statusChanged), c.Changed(), c.StatusChanges())
	}

	since := old.Format(qualys.TimeLayout)
	incremental := maps.Clone(allVisible)
	incremental["detection_updated_since"] = []string{since}
	incremental["vm_processed_after"] = []string{since}
	got := byUID(mustExpected(t, srv, incremental))
	if len(got) != len(statusChanged) {
		t.Errorf("incremental query returns %d detections, want the %d status changes",
			len(got), len(statusChanged))
	}
	for uid := range got {
		if !statusChanged[uid] {
			t.Errorf("incremental query returns unchanged detection %d", uid)
		}
	}

	processed := maps.Clone(allVisible)
	processed["vm_processed_after"] = []string{since}
	got = byUID(mustExpected(t, srv, processed))
	for uid := range changed {
		if _, ok := got[uid]; !ok {
			t.Errorf("vm_processed_after misses changed detection %d", uid)
		}
	}
}

func mustExpected(t *testing.T, srv *testServer, params url.Values) []qualys.Host {
	t.Helper()
	hosts, err := srv.Expected(params)
	if err != nil {
		t.Fatalf("Expected: %v", err)
	}
	return hosts
}

func TestAdvanceNothing(t *testing.T) {
	f := Generate(FleetConfig{Seed: 1, Hosts: 50})
	tests := []struct {
		name     string
		d        time.Duration
		fraction float64
	}{
		{name: "no_time", d: 0, fraction: 0.5},
		{name: "sub_second", d: 300 * time.Millisecond, fraction: 0.5},
		{name: "no_fraction", d: time.Hour, fraction: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := f.Advance(tt.d, tt.fraction); c.Changed() != 0 {
				t.Errorf("Advance(%v, %v) changed %d", tt.d, tt.fraction, c.Changed())
			}
		})
	}
}

// TestAdvanceHTTP runs a full then an incremental walk over HTTP, as a sync
// would, checkpointing the DATETIME of the first page.
func TestAdvanceHTTP(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 4, Hosts: 600, MaxDetections: 60})
	query := "action=list&truncation_limit=100&status=New,Active,Fixed,Re-Opened&show_igs=1"
	body := srv.get(t, hld+"?"+query).body(t, 200)
	_, _, checkpoint := decodePage(t, body)

	srv.Advance(6*time.Hour, 0.05)
	since := checkpoint.Format(qualys.TimeLayout)
	incremental := query + "&vm_processed_after=" + since + "&detection_updated_since=" + since
	got, _ := walk(t, srv, "GET", hld+"?"+incremental, "")

	params, _ := url.ParseQuery(incremental)
	want := mustExpected(t, srv, params)
	if len(want) == 0 {
		t.Fatalf("nothing changed")
	}
	if diff := diffHosts(want, got); diff != "" {
		t.Errorf("incremental walk differs from Expected (-want +got):\n%s", diff)
	}
}
