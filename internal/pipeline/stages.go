package pipeline

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// hostItem is a host on its way to the encoders, with its range.
type hostItem struct {
	host *qualys.Host
	rng  int
}

// item is a record on its way to the publishers, with its range.
type item struct {
	Item
	rng int
}

// drainTimeout bounds how long records already fetched may still be
// encoded and published after a shutdown was asked for: less than the
// 30-second grace period Kubernetes gives a pod by default.
const drainTimeout = 20 * time.Second

// run fetches the pending ranges of prog over the worker pool, encodes and
// publishes, all under one errgroup. Range failures are joined into the
// returned error after every other range has run.
//
// Shutdown (ctx cancelled) stops the fetching at once, but the hosts
// already fetched are still encoded and published, and the ranges they
// complete saved, for up to drainTimeout. The sync then returns ctx's
// error: it did not complete, and the checkpoint does not move.
func (s *Syncer) run(ctx context.Context, params url.Values, prog checkpoint.Progress, sum *Summary) error {
	stages, cancelStages := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStages()
	stopDrain := context.AfterFunc(ctx, func() { time.AfterFunc(drainTimeout, cancelStages) })
	defer stopDrain()

	tr := newTracker(s, stages, prog, sum)
	g, gctx := errgroup.WithContext(stages)
	hosts := make(chan hostItem, 64)
	batches := make(chan []item, s.publishers())

	g.Go(func() error {
		defer close(hosts)
		fetchCtx, cancel := context.WithCancel(gctx)
		defer cancel()
		defer context.AfterFunc(ctx, cancel)()
		err := s.fetchRanges(fetchCtx, params, tr, hosts)
		if ctx.Err() != nil {
			return nil // shutdown: let the stages drain what was fetched
		}
		return err
	})
	g.Go(func() error {
		defer close(batches)
		return s.encodeAll(gctx, prog.RunID, hosts, batches)
	})
	for range s.publishers() {
		g.Go(func() error { return s.publish(gctx, batches, tr.acked) })
	}

	stop := tr.logEvery(s.progressEvery())
	err := g.Wait()
	stop()
	return errors.Join(err, ctx.Err(), tr.failures())
}

// encodeAll runs the encoders until hosts is closed and drained.
func (s *Syncer) encodeAll(ctx context.Context, runID string, hosts <-chan hostItem,
	batches chan<- []item) error {
	g, ctx := errgroup.WithContext(ctx)
	for range s.encoders() {
		g.Go(func() error { return s.encode(ctx, runID, hosts, batches) })
	}
	return g.Wait()
}

// fetchRanges runs the worker pool over the pending ranges. A range that
// fails is recorded and the pool goes on, except for errors that no range
// can escape (credentials, account state, parameters), which stop the sync.
func (s *Syncer) fetchRanges(ctx context.Context, params url.Values, tr *tracker,
	hosts chan<- hostItem) error {
	pending := make(chan int)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(pending)
		for _, i := range tr.pending() {
			select {
			case pending <- i:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})

	walker := &fetch.Walker{Client: s.Client, Retry: s.Retry, OnRetry: tr.retried,
		Decoder: s.Decoder}
	for range s.workers() {
		g.Go(func() error {
			for i := range pending {
				if err := s.fetchRange(ctx, walker, params, tr, i, hosts); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// fetchRange walks one range. It returns only errors that must stop the
// whole sync; others are recorded against the range.
func (s *Syncer) fetchRange(ctx context.Context, w *fetch.Walker, params url.Values,
	tr *tracker, i int, hosts chan<- hostItem) error {
	r := tr.prog.Ranges[i]
	st, err := w.Walk(ctx, r.Params(params), func(h *qualys.Host) error {
		tr.fetched(i, h)
		select {
		case hosts <- hostItem{host: h, rng: i}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	tr.walked(st)

	switch {
	case err == nil:
		tr.rangeFetched(i)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case fetch.Classify(err).StopsSync:
		return &RangeError{Range: r, Err: err}
	}
	tr.failed(i, err)
	return nil
}

// encode turns hosts into batches of records: one per detection, and one
// dead-letter record per detection that could not be read or whose record
// is larger than the topics accept.
func (s *Syncer) encode(ctx context.Context, runID string, hosts <-chan hostItem,
	batches chan<- []item) error {
	size := s.batchSize()
	batch := make([]item, 0, size)
	send := func() error {
		select {
		case batches <- batch:
			batch = make([]item, 0, size)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	add := func(it item) error {
		if batch = append(batch, it); len(batch) < size {
			return nil
		}
		return send()
	}

	meta := record.Meta{RunID: runID, Subscription: s.Subscription, APIVersion: s.Client.APIVersion()}
	maker := s.records()
	var items []Item
	for it := range hosts {
		meta.ObservedAt = time.Now().UTC()
		var err error
		if items, err = maker.Host(items[:0], meta, it.host); err != nil {
			return err
		}
		for _, i := range items {
			if err := add(item{Item: i, rng: it.rng}); err != nil {
				return err
			}
		}
		// No host waiting: send what there is rather than hold records
		// (and the ranges they complete) until more pages arrive. While
		// pages flow, batches fill up without any timer.
		if len(hosts) == 0 && len(batch) > 0 {
			if err := send(); err != nil {
				return err
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
func (s *Syncer) publish(ctx context.Context, batches <-chan []item, acked func([]item)) error {
	for items := range batches {
		msgs := make([]kafka.Message, len(items))
		for i, it := range items {
			msgs[i] = it.Message()
		}
		if err := s.Writer.Publish(ctx, msgs...); err != nil {
			return err
		}
		acked(items)
	}
	return ctx.Err()
}

// Message returns the Kafka message of a detection record.
func Message(t publish.Topics, r record.Record) kafka.Message {
	return messageTo(t.ForStatus(r.Status), r)
}

// DeadLetterMessage returns the Kafka message of a dead-letter record.
func DeadLetterMessage(t publish.Topics, r record.Record) kafka.Message {
	return messageTo(t.DeadLetter(), r)
}

func messageTo(topic string, r record.Record) kafka.Message {
	m := kafka.Message{Topic: topic, Key: r.Key, Value: r.Value}
	m.Headers = make([]kafka.Header, len(r.Headers))
	for i, h := range r.Headers {
		m.Headers[i] = kafka.Header{Key: h.Key, Value: h.Value}
	}
	return m
}

func (s *Syncer) workers() int    { return positive(s.Workers, 4) }
func (s *Syncer) rangeSize() int  { return positive(s.RangeSize, 5000) }
func (s *Syncer) publishers() int { return positive(s.Publishers, 8) }
func (s *Syncer) batchSize() int  { return positive(s.BatchSize, 2000) }
func (s *Syncer) encoders() int   { return positive(s.Encoders, runtime.GOMAXPROCS(0)) }
func (s *Syncer) progressEvery() time.Duration {
	if s.ProgressEvery > 0 {
		return s.ProgressEvery
	}
	return 30 * time.Second
}

func positive(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
