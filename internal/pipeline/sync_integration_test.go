//go:build integration

package pipeline

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
	"github.com/sethvargo/go-envconfig"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
	"github.com/q2k/qualys2kafka/internal/simulator"
	"github.com/q2k/qualys2kafka/internal/tail"
)

// TestSyncEndToEnd runs a full sync of a 5,000-host simulated fleet into
// Kafka, reads every record back and compares it field by field with the
// simulator's own data; then the simulator advances a day and an
// incremental sync must publish exactly the detections that changed.
func TestSyncEndToEnd(t *testing.T) {
	ctx := t.Context()
	start := time.Now().UTC().Truncate(time.Second)
	fleet := simulator.Generate(simulator.FleetConfig{Seed: 7, Hosts: 5000, Start: start})
	simCfg := simulator.DefaultConfig()
	simCfg.User, simCfg.Password, simCfg.Fleet = "u", "p", fleet
	sim, err := simulator.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim)
	defer api.Close()

	brokers := kafkatest.Brokers(t)
	cfg := testConfig(t, api.URL, brokers)
	s, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	full, err := s.Sync(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if full.Mode != "full" || !full.CheckpointSaved {
		t.Fatalf("first sync: mode %s, checkpoint saved %v; want a full sync that saved", full.Mode, full.CheckpointSaved)
	}
	want := expectedRecords(t, sim, s.Params)
	got := publishedRecords(t, ctx, s, brokers, full.RunID)
	compareRecords(t, "full sync", got, want)
	t.Logf("full sync: %d records in %s over %d pages", full.Records(), full.Duration, full.Pages)

	changed := sim.Advance(24*time.Hour, 0.02).Changed()
	inc, err := s.Sync(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Mode != "incremental" {
		t.Fatalf("second sync mode = %s, want incremental", inc.Mode)
	}
	wantInc := expectedRecords(t, sim, IncrementalParams(s.Params, inc.Since))
	if len(wantInc) == 0 || len(wantInc) > changed {
		t.Fatalf("simulator expects %d changed records after %d changes", len(wantInc), changed)
	}
	compareRecords(t, "incremental sync", publishedRecords(t, ctx, s, brokers, inc.RunID), wantInc)
	t.Logf("incremental sync: %d records (%d changes in the simulator)", inc.Records(), changed)

	cp, found, err := s.Checkpoints.Load(ctx)
	if err != nil || !found {
		t.Fatalf("load checkpoint: %v, found %v", err, found)
	}
	if !cp.ServerTime.After(full.ServerTime) || !cp.ServerTime.Equal(sim.Now()) {
		t.Errorf("checkpoint at %v; want the simulator's time %v, after the full sync's %v",
			cp.ServerTime, sim.Now(), full.ServerTime)
	}
}

func testConfig(t *testing.T, apiURL string, brokers []string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(t.Context(), envconfig.MapLookuper(map[string]string{
		"Q2K_QUALYS_URL":          apiURL,
		"Q2K_QUALYS_USER":         "u",
		"Q2K_QUALYS_PASSWORD":     "p",
		"Q2K_KAFKA_BROKERS":       brokers[0],
		"Q2K_KAFKA_TOPIC_PREFIX":  kafkatest.UniqueName(t),
		"Q2K_KAFKA_CREATE_TOPICS": "true",
		"Q2K_KAFKA_PARTITIONS":    "3",
		"Q2K_SUBSCRIPTION":        "e2e",
	}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// comparable drops the fields that belong to the run, not the detection.
func comparable(native map[string]any) map[string]any {
	delete(native, "run_id")
	delete(native, "observed_at")
	return native
}

// expectedRecords returns the records a sync with params must publish,
// keyed by record key, built from the simulator's ground truth.
func expectedRecords(t *testing.T, sim *simulator.Server, params url.Values) map[string]map[string]any {
	t.Helper()
	hosts, err := sim.Expected(params)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := record.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	meta := record.Meta{RunID: "want", Subscription: "e2e", APIVersion: qualys.DefaultAPIVersion, ObservedAt: time.Now()}
	want := map[string]map[string]any{}
	for i := range hosts {
		h := &hosts[i]
		for j := range h.Detections {
			rec, err := enc.Encode(meta, h, &h.Detections[j])
			if err != nil {
				t.Fatal(err)
			}
			native, err := enc.Decode(rec.Value)
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := want[string(rec.Key)]; dup {
				t.Fatalf("simulator holds two detections with key %q", rec.Key)
			}
			want[string(rec.Key)] = comparable(native)
		}
	}
	return want
}

// publishedRecords reads the detection topics and returns the records of
// one run keyed by record key; a key seen twice in the run fails the test.
func publishedRecords(t *testing.T, ctx context.Context, s *Syncer, brokers []string, runID string) map[string]map[string]any {
	t.Helper()
	msgs, err := tail.All(ctx, brokers, s.Topics.Detection())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, m := range msgs {
		native, err := s.Encoder.Decode(m.Value)
		if err != nil {
			t.Fatalf("decode %s/%d@%d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		if native["run_id"] != runID {
			continue
		}
		if want := s.Topics.ForStatus(headerValue(m.Headers, record.HeaderStatus)); m.Topic != want {
			t.Errorf("record %q on topic %s, want %s", m.Key, m.Topic, want)
		}
		if _, dup := got[string(m.Key)]; dup {
			t.Errorf("record %q published twice in run %s", m.Key, runID)
		}
		got[string(m.Key)] = comparable(native)
	}
	return got
}

func compareRecords(t *testing.T, what string, got, want map[string]map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: published %d records, simulator expects %d", what, len(got), len(want))
	}
	shown := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			if shown++; shown <= 5 {
				t.Errorf("%s: record %q missing", what, k)
			}
			continue
		}
		if reflect.DeepEqual(w, g) {
			continue
		}
		if diff := cmp.Diff(w, g); diff != "" {
			if shown++; shown <= 5 {
				t.Errorf("%s: record %q differs (-want +got):\n%s", what, k, diff)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if shown++; shown <= 5 {
				t.Errorf("%s: unexpected record %q", what, k)
			}
		}
	}
	if shown > 5 {
		t.Errorf("%s: %d problems in all", what, shown)
	}
}

func headerValue(hs []kafka.Header, key string) string {
	for _, h := range hs {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
