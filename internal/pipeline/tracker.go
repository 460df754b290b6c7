package pipeline

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// tracker knows, for each range, how many records it produced and how many
// the brokers acknowledged. A range is done when it was fetched to its end
// and every one of its records was acknowledged; only then is it saved as
// done in the sync's progress.
type tracker struct {
	s     *Syncer
	start time.Time
	// saveCtx outlives a shutdown long enough to save the last ranges done.
	saveCtx context.Context

	mu       sync.Mutex
	prog     checkpoint.Progress
	sum      *Summary
	expected []int64
	acks     []int64
	complete []bool // fetched to the end
	done     []bool
	errs     []error
	seq      int // of the latest progress snapshot

	saveMu sync.Mutex // one progress write at a time
	saved  int        // seq of the latest snapshot written
}

// snapshot is the progress to save, numbered so that an older one never
// overwrites a newer one.
type snapshot struct {
	prog checkpoint.Progress
	seq  int
}

func newTracker(s *Syncer, saveCtx context.Context, prog checkpoint.Progress, sum *Summary) *tracker {
	n := len(prog.Ranges)
	t := &tracker{s: s, start: time.Now(), saveCtx: saveCtx, prog: prog, sum: sum,
		expected: make([]int64, n), acks: make([]int64, n),
		complete: make([]bool, n), done: make([]bool, n)}
	for _, i := range prog.Done {
		t.done[i] = true
	}
	return t
}

// pending returns the ranges not yet done, in order.
func (t *tracker) pending() []int {
	var out []int
	for i, d := range t.done {
		if !d {
			out = append(out, i)
		}
	}
	return out
}

// fetched counts a host of range i as it is handed on, and the records it
// will produce, so that progress logs see hosts as they come.
func (t *tracker) fetched(i int, h *qualys.Host) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expected[i] += int64(len(h.Detections) + len(h.Rejects))
	t.sum.Hosts++
	t.sum.Detections += len(h.Detections)
	t.sum.Rejects += len(h.Rejects)
}

// walked adds a range walk's figures to the summary.
func (t *tracker) walked(st fetch.Stats) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sum.Pages += st.Pages
	t.sum.Repairs.Add(st.Repairs)
	for cause, n := range st.Retries {
		t.sum.Retries[cause] += n
	}
}

// rangeFetched marks range i fetched to its end.
func (t *tracker) rangeFetched(i int) {
	t.mu.Lock()
	t.complete[i] = true
	snap, ok := t.checkDone(i)
	t.mu.Unlock()
	t.save(snap, ok)
}

// acked counts acknowledged records.
func (t *tracker) acked(items []item) {
	t.mu.Lock()
	var touched []int
	for _, it := range items {
		t.acks[it.rng]++
		t.sum.ByTopic[it.Topic]++
		if it.Reason != "" {
			t.sum.DeadLettered[it.Reason]++
		} else {
			t.sum.ByStatus[it.Rec.Status]++
		}
		if !slices.Contains(touched, it.rng) {
			touched = append(touched, it.rng)
		}
	}
	var snap snapshot
	changed := false
	for _, i := range touched {
		if p, ok := t.checkDone(i); ok {
			snap, changed = p, true
		}
	}
	t.mu.Unlock()
	t.save(snap, changed)
}

// checkDone marks range i done when it is, and returns the progress to
// save. t.mu must be held.
func (t *tracker) checkDone(i int) (snapshot, bool) {
	if t.done[i] || !t.complete[i] || t.acks[i] != t.expected[i] {
		return snapshot{}, false
	}
	t.done[i] = true
	t.sum.RangesDone++
	t.prog.Done = append(t.prog.Done, i)
	t.seq++
	p := t.prog
	p.Done = slices.Clone(t.prog.Done)
	return snapshot{prog: p, seq: t.seq}, true
}

// save writes a progress snapshot unless a newer one was written already.
// A failed write is logged, not fatal: the sync can still complete, and a
// restart would only redo more ranges.
func (t *tracker) save(snap snapshot, ok bool) {
	if !ok {
		return
	}
	t.saveMu.Lock()
	defer t.saveMu.Unlock()
	if snap.seq <= t.saved {
		return
	}
	if err := t.s.Checkpoints.SaveProgress(t.saveCtx, snap.prog); err != nil {
		t.s.Logger.Warn("save sync progress", "run_id", snap.prog.RunID, "err", err)
		return
	}
	t.saved = snap.seq
}

func (t *tracker) failed(i int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, &RangeError{Range: t.prog.Ranges[i], Err: err})
}

// failures returns every failed range's error, joined.
func (t *tracker) failures() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.errs...)
}

// retried logs a page retry. The count is in the walk's stats.
func (t *tracker) retried(cause string, wait time.Duration, err error) {
	t.s.Logger.Warn("page retry", "run_id", t.prog.RunID, "cause", cause,
		"wait", wait.String(), "err", err)
}

// logEvery logs the sync's progress at a steady pace until stop is called;
// stop returns once the logging goroutine has ended.
func (t *tracker) logEvery(every time.Duration) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	ticker := time.NewTicker(every)
	go func() {
		defer close(ended)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				t.logProgress()
			case <-done:
				return
			}
		}
	}()
	return sync.OnceFunc(func() {
		close(done)
		<-ended
	})
}

func (t *tracker) logProgress() {
	t.mu.Lock()
	sum := *t.sum
	sum.Retries = maps.Clone(t.sum.Retries) // the walkers go on writing the original
	records, failed := sum.Records(), len(t.errs)
	t.mu.Unlock()

	elapsed := time.Since(t.start)
	gate := t.s.Client.Gate().Stats()
	attrs := []any{
		"run_id", sum.RunID, "ranges_done", sum.RangesDone, "ranges", sum.Ranges,
		"hosts", sum.Hosts, "detections", sum.Detections, "records", records,
		"records_per_sec", int(float64(records) / elapsed.Seconds()),
		"rate_waits", gate.RateWaits, "slot_waits", gate.SlotWaits, "retries", sum.Retries,
		"ranges_failed", failed,
	}
	if left := sum.Ranges - sum.RangesDone; sum.RangesDone > 0 && left > 0 {
		eta := time.Duration(float64(elapsed) / float64(sum.RangesDone) * float64(left))
		attrs = append(attrs, "eta", eta.Round(time.Second).String())
	}
	t.s.Logger.Info("sync progress", attrs...)
}
