//go:build integration

package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

// fanout is a simulator and a Syncer against it, for the fan-out tests.
type fanout struct {
	sim *simulator.Server
	s   *Syncer
	cfg *config.Config
}

// newFanout serves a fleet with the given simulator settings and opens a
// Syncer with edit applied to its configuration.
func newFanout(t *testing.T, hosts int, simEdit func(*simulator.Config), edit func(*config.Config)) *fanout {
	t.Helper()
	simCfg := simulator.DefaultConfig()
	simCfg.User, simCfg.Password = "u", "p"
	simCfg.FleetConfig = simulator.FleetConfig{Seed: 11, Hosts: hosts, MaxDetections: 40}
	if simEdit != nil {
		simEdit(&simCfg)
	}
	sim, err := simulator.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim)
	t.Cleanup(api.Close)

	cfg := testConfig(t, api.URL, kafkatest.Brokers(t))
	cfg.Qualys.RangeSize = 100
	cfg.Qualys.TruncationLimit = 60
	if edit != nil {
		edit(cfg)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	s, err := Open(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	s.Retry.MinBackoff = 10 * time.Millisecond
	s.Retry.ConcurrencyBackoff = 50 * time.Millisecond
	t.Cleanup(func() { s.Close() })
	return &fanout{sim: sim, s: s, cfg: cfg}
}

// syncAndCompare runs a sync and checks that its records are exactly the
// simulator's, each once.
func (f *fanout) syncAndCompare(t *testing.T) Summary {
	t.Helper()
	sum, err := f.s.Sync(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	params := f.s.Params
	if !sum.Since.IsZero() {
		params = IncrementalParams(params, sum.Since)
	}
	want := expectedRecords(t, f.sim, params)
	got := publishedRecords(t, t.Context(), f.s, f.cfg.Kafka.Brokers, sum.RunID)
	compareRecords(t, sum.Mode+" sync", got, want)
	return sum
}

// TestConcurrencyLimitWithAnotherClient: limit 2, another client holds a
// slot, 8 workers configured. The sync finishes without a storm of 409s.
func TestConcurrencyLimitWithAnotherClient(t *testing.T) {
	f := newFanout(t, 1500, func(c *simulator.Config) {
		c.Limits = &simulator.LimitConfig{Concurrency: 2, Rate: 100000}
		c.Latency = simulator.Latency{FirstByte: 5 * time.Millisecond}
	}, func(c *config.Config) { c.Qualys.Workers = 8 })
	release := f.sim.HoldSlots(1)
	defer release()

	sum := f.syncAndCompare(t)

	stats := f.sim.LimitStats()
	const bound = 2 // the probe learns the limit; at most a race or two after
	if n := stats.Refused[1960]; n > bound {
		t.Errorf("%d calls refused with 1960, want at most %d", n, bound)
	}
	if stats.Peak > 2 {
		t.Errorf("peak concurrency %d, over the limit of 2", stats.Peak)
	}
	t.Logf("%d ranges, %d pages, %d calls admitted, refused %v, gate %+v",
		sum.Ranges, sum.Pages, stats.Admitted, stats.Refused, sum.Gate)
}

// TestRateLimitWaitsInsteadOfCalling: a window of 8 calls per 2 seconds
// runs out during the sync; the client waits for X-RateLimit-ToWait-Sec
// instead of calling into refusals.
func TestRateLimitWaitsInsteadOfCalling(t *testing.T) {
	f := newFanout(t, 800, func(c *simulator.Config) {
		c.Limits = &simulator.LimitConfig{Concurrency: 5, Rate: 8, Window: 2 * time.Second}
	}, func(c *config.Config) { c.Qualys.Workers = 3 })

	sum := f.syncAndCompare(t)

	stats := f.sim.LimitStats()
	if sum.Gate.RateWaits == 0 {
		t.Errorf("the client never waited for the rate limit (%d calls admitted)", stats.Admitted)
	}
	if n := stats.Refused[1965]; n > 1 {
		t.Errorf("%d calls refused with 1965, want at most 1", n)
	}
	t.Logf("%d calls admitted, refused %v, waits %d (%v)", stats.Admitted, stats.Refused,
		sum.Gate.RateWaits, sum.Gate.RateWaited)
}

// TestCutEveryPage cuts or resets the body of every detection page at a
// random offset, twice per page, over a 20-range sync: every detection is
// published, none twice within the sync.
func TestCutEveryPage(t *testing.T) {
	for _, kind := range []simulator.FaultKind{simulator.FaultCut, simulator.FaultReset} {
		t.Run(kind.String(), func(t *testing.T) {
			f := newFanout(t, 2000, func(c *simulator.Config) {
				c.Faults = simulator.Faults{Seed: 7, Rules: []simulator.FaultRule{{
					Path:       "/fo/asset/host/vm/detection/",
					MaxPerPage: 2,
					Fault:      simulator.Fault{Kind: kind, RandomBytes: true},
				}}}
			}, func(c *config.Config) { c.Qualys.Workers = 4 })

			sum := f.syncAndCompare(t)
			if sum.Ranges < 20 {
				t.Errorf("%d ranges, want at least 20", sum.Ranges)
			}
			if sum.Retries[fetch.CauseCut]+sum.Retries[fetch.CauseConnection] == 0 {
				t.Errorf("no cut_stream retries: %v", sum.Retries)
			}
			t.Logf("%d ranges, %d pages, retries %v, faults %v", sum.Ranges, sum.Pages,
				sum.Retries, f.sim.FaultStats())
		})
	}
}

// TestIncrementalTransfersLittle measures the bytes an incremental sync
// after 1% of detections changed takes against a full sync.
func TestIncrementalTransfersLittle(t *testing.T) {
	f := newFanout(t, 3000, nil, func(c *config.Config) {
		c.Qualys.RangeSize = 1000
		c.Qualys.TruncationLimit = 500
	})
	f.syncAndCompare(t)
	full := total(f.sim.Traffic())

	f.sim.Advance(24*time.Hour, 0.01)
	f.sim.ResetTraffic()
	f.syncAndCompare(t)
	inc := total(f.sim.Traffic())

	ratio := float64(inc.Bytes) / float64(full.Bytes)
	t.Logf("full sync %d bytes in %d calls; incremental %d bytes in %d calls: %.2f%%",
		full.Bytes, full.Calls, inc.Bytes, inc.Calls, 100*ratio)
	if ratio >= 0.05 {
		t.Errorf("incremental sync took %.2f%% of a full sync's bytes, want under 5%%", 100*ratio)
	}
}

func total(m map[string]simulator.Traffic) simulator.Traffic {
	var t simulator.Traffic
	for _, v := range m {
		t.Calls += v.Calls
		t.Bytes += v.Bytes
	}
	return t
}

// TestSessionAuthLogsOut syncs with session authentication: one login, the
// cookie on every call, and no session left open at the end.
func TestSessionAuthLogsOut(t *testing.T) {
	f := newFanout(t, 300, nil, func(c *config.Config) { c.Qualys.Auth = "session" })
	f.syncAndCompare(t)
	if n := f.sim.Sessions(); n != 0 {
		t.Errorf("%d sessions left open after the sync", n)
	}
	if n := f.sim.Traffic()["/api/2.0/fo/session/"].Calls; n != 2 {
		t.Errorf("%d session calls, want a login and a logout", n)
	}
}

// TestPermanentErrorInOneRange: one range gets a 409 with a code no client
// may retry. The sync fails naming the range, the code and the text; the
// other ranges' records are published; the checkpoint does not move.
func TestPermanentErrorInOneRange(t *testing.T) {
	f := newFanout(t, 1000, nil, func(c *config.Config) { c.Qualys.Workers = 3 })
	ids, err := f.sim.ExpectedIDs(url.Values{"action": {"list"}, "details": {"None"}})
	if err != nil {
		t.Fatal(err)
	}
	bad := ids[300] // the first host of the fourth range of 100
	err = f.sim.SetFaults(simulator.Faults{Rules: []simulator.FaultRule{{
		Path: "/fo/asset/host/vm/detection/", IDMin: bad,
		Fault: simulator.Fault{Kind: simulator.FaultAPIError, Status: 409, Code: 1999,
			Text: "This range cannot be served"},
	}}})
	if err != nil {
		t.Fatal(err)
	}

	sum, err := f.s.Sync(t.Context(), false)
	var rangeErr *RangeError
	if !errors.As(err, &rangeErr) || rangeErr.Range.First != bad {
		t.Fatalf("Sync = %v, want a RangeError for the range from %d", err, bad)
	}
	for _, want := range []string{fmt.Sprintf("range %d-", bad), "http 409", "code 1999", "This range cannot be served"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if sum.CheckpointSaved || sum.RangesDone != sum.Ranges-1 {
		t.Errorf("checkpoint saved %v, %d of %d ranges done; want no checkpoint and all but one done",
			sum.CheckpointSaved, sum.RangesDone, sum.Ranges)
	}
	if _, found, err := f.s.Checkpoints.Load(t.Context()); err != nil || found {
		t.Errorf("checkpoint after the failed sync: found %v, err %v", found, err)
	}

	want := expectedRecords(t, f.sim, f.s.Params)
	got := publishedRecords(t, t.Context(), f.s, f.cfg.Kafka.Brokers, sum.RunID)
	r := rangeErr.Range
	for k, native := range want {
		id := native["host"].(map[string]any)["id"].(int64)
		if _, ok := got[k]; ok == (id >= r.First && id <= r.Last) {
			t.Fatalf("record %q of host %d: published %v, failed range %s", k, id, ok, r)
		}
	}
}
