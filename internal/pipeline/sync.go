// Package pipeline runs a sync: it plans host ID ranges, fetches their
// detection pages over a pool of workers, encodes one record per detection,
// publishes the records and moves the checkpoint once every record was
// acknowledged.
//
// Stages run concurrently, joined by bounded channels under one errgroup.
// A failing range does not stop the others; the sync then fails naming it,
// and the checkpoint stays where it was. Progress (the ranges whose records
// were all acknowledged) is saved as the sync goes, so that a restarted
// sync resumes instead of starting over.
//
// It composes the other packages and leaves them their work: plan lists
// hosts, fetch walks pages and retries, record encodes, publish writes,
// checkpoint stores.
package pipeline

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/plan"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// Syncer runs syncs. Its fields are set once; Sync may not run twice at the
// same time on one Syncer (the checkpoint would race).
type Syncer struct {
	Client      *qualys.Client
	Retry       fetch.Retry
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
	// Workers is how many ranges are fetched at once; the client's Gate
	// further caps the calls to what the API allows. Default 4.
	Workers int
	// RangeSize is how many hosts one range holds; default 5000.
	RangeSize int
	// ProgressEvery is the pace of progress logs; default 30s.
	ProgressEvery time.Duration
	// Publishers is how many publish calls run at once; default 8.
	Publishers int
	// BatchSize is how many records one publish call carries; default 2000.
	BatchSize int
	// Encoders is how many goroutines encode records; default GOMAXPROCS.
	Encoders int
	// ResultsMaxBytes caps RESULTS (see record.CapResults); 0: no cap.
	ResultsMaxBytes int
	// Decoder is the XML decoder implementation; "" is the default.
	Decoder decode.Kind
	// MaxMessageBytes is the largest record the detection topics accept;
	// a larger one goes to the dead-letter topic. 0: no limit.
	MaxMessageBytes int
}

// Summary describes one sync.
type Summary struct {
	RunID      string
	Mode       string    // full or incremental
	Resumed    bool      // continued a sync a previous process began
	Since      time.Time // the cursor of an incremental sync
	ServerTime time.Time // the server's clock when the sync began
	Ranges     int
	RangesDone int
	Pages      int
	Hosts      int
	Detections int
	Rejects    int              // detections the decoder could not read
	ByStatus   map[string]int64 // detection records acknowledged, by status
	ByTopic    map[string]int64 // records acknowledged, dead-letter topic included
	// DeadLettered counts dead-letter records acknowledged, by reason.
	DeadLettered map[string]int64
	// Params are the effective detection request parameters, filters and
	// cursor included, so that a sync that found nothing can be told from
	// one that asked for nothing.
	Params   string
	Retries  map[string]int // page retries, by cause
	Repairs  decode.Repairs
	Gate     qualys.GateStats
	Duration time.Duration
	// CheckpointSaved reports whether the checkpoint moved to ServerTime.
	CheckpointSaved bool
}

// DeadLetters returns the number of dead-letter records acknowledged.
func (s Summary) DeadLetters() int64 {
	var n int64
	for _, v := range s.DeadLettered {
		n += v
	}
	return n
}

// Records returns the number of detection records acknowledged.
func (s Summary) Records() int64 {
	var n int64
	for _, v := range s.ByStatus {
		n += v
	}
	return n
}

// RangeError is a range that failed; the sync goes on with the others.
type RangeError struct {
	Range plan.Range
	Err   error
}

func (e *RangeError) Error() string { return fmt.Sprintf("range %s: %v", e.Range, e.Err) }
func (e *RangeError) Unwrap() error { return e.Err }

// Sync runs one sync. It continues a sync under way if a previous process
// saved its progress; otherwise it starts a full one when full is set or no
// checkpoint exists, else an incremental one from the checkpoint minus
// Overlap. It returns the summary of what was acknowledged even when it
// fails; the checkpoint only moves when it returns nil.
func (s *Syncer) Sync(ctx context.Context, full bool) (Summary, error) {
	start := time.Now()
	if err := s.Client.Login(ctx); err != nil {
		return Summary{}, err
	}
	defer s.logout(ctx)
	prog, err := s.begin(ctx, full)
	if err != nil {
		return Summary{}, err
	}
	sum := newSummary(prog)
	s.Logger.Info("sync started", "run_id", sum.RunID, "mode", sum.Mode, "resumed", sum.Resumed,
		"since", sum.Since, "ranges", len(prog.Ranges), "ranges_done", len(prog.Done))

	params := s.Params
	if !prog.Since.IsZero() {
		params = IncrementalParams(params, prog.Since)
	}
	sum.Params = redactParams(params)
	err = s.run(ctx, params, prog, &sum)
	sum.Duration = time.Since(start)
	sum.Gate = s.Client.Gate().Stats()
	if err != nil {
		return sum, fmt.Errorf("sync %s: %w", sum.RunID, err)
	}
	return sum, s.finish(ctx, &sum)
}

// redactParams returns params for the log; they hold no secret, but the
// range cursors are the sync's own and would only add noise.
func redactParams(params url.Values) string {
	p := url.Values{}
	for k, v := range params {
		if k != "id_min" && k != "id_max" {
			p[k] = v
		}
	}
	return p.Encode()
}

func newSummary(p checkpoint.Progress) Summary {
	return Summary{
		RunID: p.RunID, Mode: p.Mode, Since: p.Since, ServerTime: p.ServerTime,
		Resumed: len(p.Done) > 0, Ranges: len(p.Ranges), RangesDone: len(p.Done),
		ByStatus: map[string]int64{}, ByTopic: map[string]int64{}, Retries: map[string]int{},
		DeadLettered: map[string]int64{},
	}
}

// begin returns the progress of the sync to run: the one under way, or a
// new plan.
func (s *Syncer) begin(ctx context.Context, full bool) (checkpoint.Progress, error) {
	prog, underway, err := s.Checkpoints.LoadProgress(ctx)
	if err != nil {
		return prog, fmt.Errorf("load sync progress: %w", err)
	}
	cp, found, err := s.Checkpoints.Load(ctx)
	if err != nil {
		return prog, fmt.Errorf("load checkpoint: %w", err)
	}
	// A progress whose sync saved its checkpoint is left over from a
	// process that stopped between the two writes: that sync is complete.
	if underway && (!found || cp.RunID != prog.RunID) && (!full || prog.Mode == "full") {
		return prog, nil
	}

	prog = checkpoint.Progress{RunID: newRunID(), Mode: "full"}
	if found && !full {
		prog.Mode, prog.Since = "incremental", cp.ServerTime.Add(-s.Overlap)
	}
	return prog, s.plan(ctx, &prog)
}

// plan lists the hosts of the sync and cuts them into ranges. The listing's
// server time is the sync's start: every change after it is in this sync
// or the next.
func (s *Syncer) plan(ctx context.Context, prog *checkpoint.Progress) error {
	params := s.Params
	if !prog.Since.IsZero() {
		params = IncrementalParams(params, prog.Since)
	}
	lister := &plan.Lister{Client: s.Client, Retry: s.Retry, OnRetry: func(cause string,
		wait time.Duration, err error) {
		s.Logger.Warn("host list retry", "cause", cause, "wait", wait.String(), "err", err)
	}}
	ids, serverTime, err := lister.ListHostIDs(ctx, params)
	if err != nil {
		return fmt.Errorf("plan sync: %w", err)
	}
	if serverTime.IsZero() {
		return errors.New("plan sync: the host list response had no DATETIME")
	}
	prog.ServerTime = serverTime
	prog.Ranges = plan.Cut(ids, s.rangeSize())
	if err := s.Checkpoints.SaveProgress(ctx, *prog); err != nil {
		return fmt.Errorf("save sync plan: %w", err)
	}
	s.Logger.Info("sync planned", "run_id", prog.RunID, "hosts", len(ids), "ranges", len(prog.Ranges))
	return nil
}

// finish saves the checkpoint and clears the progress.
func (s *Syncer) finish(ctx context.Context, sum *Summary) error {
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
	if err := s.Checkpoints.ClearProgress(ctx); err != nil {
		return fmt.Errorf("sync %s: clear progress: %w", sum.RunID, err)
	}
	return nil
}

// logout ends the API session, also when ctx was cancelled by a shutdown:
// an open session holds one of the subscription's concurrency slots.
func (s *Syncer) logout(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.Client.Logout(ctx); err != nil {
		s.Logger.Warn("qualys logout", "err", err)
	}
}

// newRunID returns an ID that sorts by start time and is unique.
func newRunID() string {
	return time.Now().UTC().Format("20060102T150405Z") + "-" + strings.ToLower(rand.Text()[:10])
}
