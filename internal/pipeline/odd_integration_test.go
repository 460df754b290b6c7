//go:build integration

package pipeline

import (
	"encoding/json"
	"testing"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/deadletter"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
	"github.com/q2k/qualys2kafka/internal/tail"
)

// TestOddValuesAndFaultsAddUp runs a sync against a simulator that writes
// odd values into about one detection in 40 (QIDs and dates to reject,
// control characters to repair, times with offsets) and strikes pages with
// random faults (cuts, resets, 5xx, proxy pages, keep-alive comments).
// Every detection the simulator holds is either published or
// dead-lettered, and the two counts add up to the simulator's.
func TestOddValuesAndFaultsAddUp(t *testing.T) {
	const every = 40
	detectionAPI := "/fo/asset/host/vm/detection/"
	f := newFanout(t, 1500, func(c *simulator.Config) {
		c.OddValues = every
		c.Faults = simulator.Faults{Seed: 3, Rules: []simulator.FaultRule{
			{Path: detectionAPI, Probability: 0.15, MaxPerPage: 1,
				Fault: simulator.Fault{Kind: simulator.FaultCut, RandomBytes: true}},
			{Path: detectionAPI, Probability: 0.15, MaxPerPage: 1,
				Fault: simulator.Fault{Kind: simulator.FaultReset, RandomBytes: true}},
			{Path: detectionAPI, Probability: 0.1, MaxPerPage: 1,
				Fault: simulator.Fault{Kind: simulator.FaultInternalError, Status: 503}},
			{Path: detectionAPI, Probability: 0.1, MaxPerPage: 1,
				Fault: simulator.Fault{Kind: simulator.FaultProxyError}},
			{Path: detectionAPI, Probability: 0.3,
				Fault: simulator.Fault{Kind: simulator.FaultKeepAlive, Every: 3}},
		}}
	}, func(c *config.Config) { c.Qualys.Workers = 3 })

	sum, err := f.s.Sync(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}

	hosts, err := f.sim.Expected(f.s.Params)
	if err != nil {
		t.Fatal(err)
	}
	var want, wantRejected, wantRepaired int
	for _, h := range hosts {
		for _, d := range h.Detections {
			want++
			switch k := simulator.OddValue(h.ID, d.QID, every); {
			case k.Rejected():
				wantRejected++
			case k == simulator.OddControlChar && d.Results != "":
				wantRepaired++
			}
		}
	}

	published := len(publishedRecords(t, t.Context(), f.s, f.cfg.Kafka.Brokers, sum.RunID))
	dead := deadLetters(t, f.s, f.cfg.Kafka.Brokers, sum.RunID)
	t.Logf("simulator holds %d detections; published %d, dead-lettered %d (%d expected), "+
		"repairs %+v, retries %v, faults %v", want, published, len(dead), wantRejected,
		sum.Repairs, sum.Retries, f.sim.FaultStats())

	if published+len(dead) != want {
		t.Errorf("published %d + dead-lettered %d = %d, simulator holds %d",
			published, len(dead), published+len(dead), want)
	}
	if len(dead) != wantRejected {
		t.Errorf("dead-lettered %d, the simulator wrote %d detections to reject", len(dead), wantRejected)
	}
	if wantRejected == 0 || wantRepaired == 0 {
		t.Fatalf("the fleet holds %d odd values to reject and %d to repair: the test proves nothing",
			wantRejected, wantRepaired)
	}
	if int(sum.DeadLetters()) != len(dead) || int(sum.Records()) != published {
		t.Errorf("summary says %d records and %d dead letters, the topics hold %d and %d",
			sum.Records(), sum.DeadLetters(), published, len(dead))
	}
	// Pages asked for again are repaired again, so at least one repair of
	// each kind per detection.
	if sum.Repairs.IllegalChars < wantRepaired || sum.Repairs.InvalidUTF8 < wantRepaired {
		t.Errorf("repairs %+v, want at least %d of each", sum.Repairs, wantRepaired)
	}
	for key, e := range dead {
		if e.Reason != qualys.RejectNumber && e.Reason != qualys.RejectDate || e.Source != deadletter.SourceXML ||
			e.HostID == 0 || len(e.Raw) < len("<DETECTION></DETECTION>") {
			t.Errorf("dead letter %s: %+v", key, e)
			break
		}
	}
}

// deadLetters returns the dead-letter entries of run runID by key and raw
// element (a QID that is not a number leaves 0 in the key); it fails on an
// entry seen twice.
func deadLetters(t *testing.T, s *Syncer, brokers []string, runID string) map[string]deadletter.Entry {
	t.Helper()
	msgs, err := tail.All(t.Context(), brokers, []string{s.Topics.DeadLetter()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]deadletter.Entry{}
	for _, m := range msgs {
		var e deadletter.Entry
		if err := json.Unmarshal(m.Value, &e); err != nil {
			t.Fatalf("dead letter at offset %d is not JSON: %v", m.Offset, err)
		}
		if e.RunID != runID {
			continue
		}
		id := string(m.Key) + "\n" + e.Raw
		if _, dup := out[id]; dup {
			t.Errorf("dead letter %q published twice in run %s", m.Key, runID)
		}
		out[id] = e
	}
	return out
}
