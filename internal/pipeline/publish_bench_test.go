package pipeline

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/record"
)

// BenchmarkPublish publishes pre-encoded records of a generated page with
// RESULTS through the product's Writer with its production settings (acks
// from all in-sync replicas, zstd, the default batch limits) the way a sync
// does: publishers() calls at once, each of batchSize() records. One
// iteration is one such call. It reports records/s and MB/s of values and
// keys. It runs against the broker of Q2K_TEST_KAFKA (`make bench` starts
// one), else an in-process Kafka that measures nothing of interest.
func BenchmarkPublish(b *testing.B) {
	brokers := kafkatest.Brokers(b)
	var defaults Syncer
	topics := publish.NewTopics(kafkatest.UniqueName(b), "")
	batches, batchBytes := publishBatches(b, topics, defaults.batchSize())

	specs := TopicSpecs(topics, 6) // Q2K_KAFKA_PARTITIONS' default
	if err := publish.EnsureTopics(b.Context(), brokers, nil, specs, true); err != nil {
		b.Fatal(err)
	}
	w, err := publish.NewWriter(publish.Config{Brokers: brokers})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	// Warm up: the first call finds the partition leaders and opens
	// connections, and a broker started moments ago is still compiling its
	// hot paths (a cold JVM publishes several times slower).
	for _, msgs := range batches {
		if err := w.Publish(b.Context(), msgs...); err != nil {
			b.Fatal(err)
		}
	}

	b.SetBytes(batchBytes)
	b.ResetTimer()
	start := time.Now()
	var next, records atomic.Int64
	g, ctx := errgroup.WithContext(b.Context())
	for range defaults.publishers() {
		g.Go(func() error {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				msgs := batches[i%int64(len(batches))]
				if err := w.Publish(ctx, msgs...); err != nil {
					return err
				}
				records.Add(int64(len(msgs)))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(records.Load())/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(float64(defaults.publishers()), "calls")
	b.ReportMetric(float64(defaults.batchSize()), "records/call")
}

// publishBatches returns the records of a generated page of 300 hosts
// with RESULTS as messages to topics, in batches of size (the last,
// partial batch left out), and the mean bytes of keys and values per
// batch.
func publishBatches(b *testing.B, topics publish.Topics, size int) ([][]kafka.Message, int64) {
	hosts, err := benchpage.Hosts(benchpage.Results, 300)
	if err != nil {
		b.Fatal(err)
	}
	enc, err := record.NewEncoder()
	if err != nil {
		b.Fatal(err)
	}
	meta := record.Meta{RunID: "bench", APIVersion: "5.0", ObservedAt: time.Now()}

	var recs []record.Record
	var total int64
	for _, h := range hosts {
		for i := range h.Detections {
			rec, err := enc.Encode(meta, h, &h.Detections[i])
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, rec)
			total += int64(len(rec.Key) + len(rec.Value))
		}
	}

	mean := total / int64(len(recs))
	var batches [][]kafka.Message
	for len(recs) >= size {
		msgs := make([]kafka.Message, size)
		for i, r := range recs[:size] {
			msgs[i] = Message(topics, r)
		}
		batches = append(batches, msgs)
		recs = recs[size:]
	}
	return batches, mean * int64(size)
}
