package pipeline

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

// BenchmarkFullSyncFanOut measures a full sync of a 100,000-host fleet
// under a concurrency limit of 5, with a realistic time to first byte per
// page, with one worker and with the pool. It reports the wall time of the
// sync (ns/op), the API calls it made and the records per second.
// Detections are few per host (at most 6) and without RESULTS, so that the
// in-process Kafka is not what is measured.
func BenchmarkFullSyncFanOut(b *testing.B) {
	simCfg := simulator.DefaultConfig()
	simCfg.FleetConfig = simulator.FleetConfig{Seed: 1, Hosts: 100_000, MaxDetections: 6}
	simCfg.Limits = &simulator.LimitConfig{Concurrency: 5, Rate: 100_000}
	simCfg.Latency = simulator.Latency{FirstByte: 300 * time.Millisecond, PerHost: 200 * time.Microsecond}
	sim, err := simulator.New(simCfg)
	if err != nil {
		b.Fatal(err)
	}
	api := httptest.NewServer(sim)
	defer api.Close()
	brokers := kafkatest.StartInProcess(b)

	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				cfg, err := config.LoadFrom(b.Context(), envconfig.MapLookuper(map[string]string{
					"Q2K_QUALYS_URL": api.URL, "Q2K_QUALYS_USER": simCfg.User,
					"Q2K_QUALYS_PASSWORD": simCfg.Password, "Q2K_QUALYS_WORKERS": fmt.Sprint(workers),
					"Q2K_QUALYS_RANGE_SIZE": "2000", "Q2K_SHOW_RESULTS": "false",
					"Q2K_KAFKA_BROKERS": brokers[0], "Q2K_KAFKA_TOPIC_PREFIX": kafkatest.UniqueName(b),
					"Q2K_KAFKA_CREATE_TOPICS": "true", "Q2K_KAFKA_PARTITIONS": "3",
				}))
				if err != nil {
					b.Fatal(err)
				}
				s, err := Open(b.Context(), cfg, slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				before := sim.LimitStats()
				sum, err := s.Sync(b.Context(), true)
				s.Close()
				if err != nil {
					b.Fatal(err)
				}
				after := sim.LimitStats()
				b.ReportMetric(float64(after.Admitted-before.Admitted), "api_calls/op")
				b.ReportMetric(float64(after.Refused[1960]-before.Refused[1960]), "refusals_1960/op")
				b.ReportMetric(float64(sum.Records())/sum.Duration.Seconds(), "records/s")
				b.Logf("gate %+v pages %d records %d", sum.Gate, sum.Pages, sum.Records())
			}
		})
	}
}
