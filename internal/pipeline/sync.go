// Package pipeline runs a sync: it fetches detection pages, encodes one
// record per detection, publishes the records and moves the checkpoint once
// every record was acknowledged.
//
// Stages run concurrently, joined by bounded channels under one errgroup:
// the first error cancels the others, and nothing the brokers did not
// acknowledge is ever counted in the checkpoint.
package pipeline

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// Syncer runs syncs. Its fields are set once; Sync may not run twice at the
// same time on one Syncer (the checkpoint would race).
type Syncer struct {
	Client      *qualys.Client
	Writer      *publish.Writer
	Topics      publish.Topics
	Encoder     *record.Encoder
	Checkpoints *checkpoint.Store
	// Params are the detection request parameters without cursors; see
	// DetectionParams.
	Params       url.Values
	Subscription string
	// Overlap is subtracted from the checkpoint of an incremental sync.
	Overlap time.Duration
	Logger  *slog.Logger
	// Publishers is how many publish calls run at once; default 4.
	Publishers int
	// BatchSize is how many records one publish call carries; default 500.
	BatchSize int
	// Encoders is how many goroutines encode records; default GOMAXPROCS.
	Encoders int
}

// Summary describes one sync.
type Summary struct {
	RunID      string
	Mode       string    // full or incremental
	Since      time.Time // the cursor of an incremental sync
	ServerTime time.Time // the server's clock at the first response
	Pages      int
	Hosts      int
	Detections int
	ByStatus   map[string]int64 // records acknowledged, by record status
	ByTopic    map[string]int64
	Duration   time.Duration
	// CheckpointSaved reports whether the checkpoint moved to ServerTime.
	CheckpointSaved bool
}

// Records returns the number of records acknowledged.
func (s Summary) Records() int64 {
	var n int64
	for _, v := range s.ByStatus {
		n += v
	}
	return n
}

// Sync runs one sync: full when full is set or no checkpoint exists, else
// incremental from the checkpoint minus Overlap. It returns the summary of
// what was acknowledged even when it fails; the checkpoint only moves when
// it returns nil.
func (s *Syncer) Sync(ctx context.Context, full bool) (Summary, error) {
	start := time.Now()
	sum := Summary{RunID: newRunID(), Mode: "full",
		ByStatus: map[string]int64{}, ByTopic: map[string]int64{}}
	params := s.Params

	if !full {
		cp, found, err := s.Checkpoints.Load(ctx)
		if err != nil {
			return sum, fmt.Errorf("load checkpoint: %w", err)
		}
		if found {
			sum.Mode, sum.Since = "incremental", cp.ServerTime.Add(-s.Overlap)
			params = withSince(params, sum.Since)
		}
	}
	s.Logger.Info("sync started", "run_id", sum.RunID, "mode", sum.Mode, "since", sum.Since)

	err := s.run(ctx, params, &sum)
	sum.Duration = time.Since(start)
	if err != nil {
		return sum, fmt.Errorf("sync %s: %w", sum.RunID, err)
	}

	if err := s.save(ctx, &sum); err != nil {
		return sum, err
	}
	return sum, nil
}

func (s *Syncer) save(ctx context.Context, sum *Summary) error {
	if sum.ServerTime.IsZero() {
		return fmt.Errorf("sync %s: no server time in any response; checkpoint not moved", sum.RunID)
	}
	err := s.Checkpoints.Save(ctx, checkpoint.Checkpoint{
		ServerTime:   sum.ServerTime,
		RunID:        sum.RunID,
		Mode:         sum.Mode,
		CompletedAt:  time.Now().UTC(),
		Records:      sum.Records(),
		Subscription: s.Subscription,
	})
	if err != nil {
		return fmt.Errorf("sync %s: save checkpoint: %w", sum.RunID, err)
	}
	sum.CheckpointSaved = true
	return nil
}

// run fetches, encodes and publishes under one errgroup.
func (s *Syncer) run(ctx context.Context, params url.Values, sum *Summary) error {
	g, ctx := errgroup.WithContext(ctx)
	hosts := make(chan *qualys.Host, 64)
	batches := make(chan []record.Record, s.publishers())

	g.Go(func() error {
		defer close(hosts)
		st, err := fetch.Walk(ctx, s.Client, params, func(h *qualys.Host) error {
			select {
			case hosts <- h:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		sum.ServerTime, sum.Pages, sum.Hosts, sum.Detections = st.ServerTime, st.Pages, st.Hosts, st.Detections
		return err
	})
	g.Go(func() error {
		defer close(batches)
		enc, ctx := errgroup.WithContext(ctx)
		for range s.encoders() {
			enc.Go(func() error { return s.encode(ctx, sum.RunID, hosts, batches) })
		}
		return enc.Wait()
	})

	var mu sync.Mutex
	for range s.publishers() {
		g.Go(func() error {
			return s.publish(ctx, batches, func(recs []record.Record) {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range recs {
					sum.ByStatus[r.Status]++
					sum.ByTopic[s.Topics.ForStatus(r.Status)]++
				}
			})
		})
	}
	return g.Wait()
}

// encode turns hosts into batches of records.
func (s *Syncer) encode(ctx context.Context, runID string, hosts <-chan *qualys.Host,
	batches chan<- []record.Record) error {
	size := s.batchSize()
	batch := make([]record.Record, 0, size)
	send := func() error {
		select {
		case batches <- batch:
			batch = make([]record.Record, 0, size)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	meta := record.Meta{RunID: runID, Subscription: s.Subscription, APIVersion: s.Client.APIVersion()}
	for h := range hosts {
		meta.ObservedAt = time.Now().UTC()
		for i := range h.Detections {
			rec, err := s.Encoder.Encode(meta, h, &h.Detections[i])
			if err != nil {
				return fmt.Errorf("encode host %d qid %d: %w", h.ID, h.Detections[i].QID, err)
			}
			if batch = append(batch, rec); len(batch) == size {
				if err := send(); err != nil {
					return err
				}
			}
		}
	}
	if len(batch) > 0 {
		return send()
	}
	return nil
}

// publish writes batches until the channel closes, calling acked for each
// batch the brokers acknowledged.
func (s *Syncer) publish(ctx context.Context, batches <-chan []record.Record,
	acked func([]record.Record)) error {
	for recs := range batches {
		msgs := make([]kafka.Message, len(recs))
		for i, r := range recs {
			msgs[i] = Message(s.Topics, r)
		}
		if err := s.Writer.Publish(ctx, msgs...); err != nil {
			return err
		}
		acked(recs)
	}
	return ctx.Err()
}

// Message returns the Kafka message of a record.
func Message(t publish.Topics, r record.Record) kafka.Message {
	m := kafka.Message{Topic: t.ForStatus(r.Status), Key: r.Key, Value: r.Value}
	m.Headers = make([]kafka.Header, len(r.Headers))
	for i, h := range r.Headers {
		m.Headers[i] = kafka.Header{Key: h.Key, Value: h.Value}
	}
	return m
}

func (s *Syncer) publishers() int {
	if s.Publishers > 0 {
		return s.Publishers
	}
	return 4
}

func (s *Syncer) encoders() int {
	if s.Encoders > 0 {
		return s.Encoders
	}
	return runtime.GOMAXPROCS(0)
}

func (s *Syncer) batchSize() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return 500
}

// newRunID returns an ID that sorts by start time and is unique.
func newRunID() string {
	return time.Now().UTC().Format("20060102T150405Z") + "-" + strings.ToLower(rand.Text()[:10])
}
