package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/q2k/qualys2kafka/internal/pipeline"
)

func syncCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	full := fs.Bool("full", false, "ignore the checkpoint and fetch every detection")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	log.Info("configuration", "config", cfg.Redacted())

	s, err := pipeline.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	sum, err := s.Sync(ctx, *full)
	logSummary(log, sum, returned(err))
	return err
}

// serviceCommand is `run`: a sync every interval until stopped, with
// health endpoints for Kubernetes. A listen address that cannot be bound
// stops it at startup.
func serviceCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	log.Info("configuration", "config", cfg.Redacted())

	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("health endpoints: %w", err)
	}
	var ready atomic.Bool
	srv := healthServer(&ready)
	go srv.Serve(ln)
	defer srv.Close()

	s, err := pipeline.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()

	// TODO(metrics): serve Prometheus /metrics; the operations issue adds it.
	for {
		sum, err := s.Sync(ctx, false)
		if ctx.Err() != nil {
			log.Info("sync stopped by shutdown", "run_id", sum.RunID, "records", sum.Records())
			return nil
		}
		logSummary(log, sum, err)
		ready.Store(err == nil)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cfg.Sync.Interval):
		}
	}
}

// healthServer answers /healthz while the process runs and /readyz while
// the last sync succeeded.
func healthServer(ready *atomic.Bool) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "no successful sync yet, or the last one failed", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

// logSummary logs the one summary line of a sync. A failed sync's error is
// in it only when the caller handles the error itself (the service); a
// command that returns the error leaves it to be printed once, on exit.
func logSummary(log *slog.Logger, sum pipeline.Summary, err error) {
	attrs := []any{
		"run_id", sum.RunID, "mode", sum.Mode, "resumed", sum.Resumed, "since", sum.Since,
		"server_time", sum.ServerTime, "ranges", sum.Ranges, "ranges_done", sum.RangesDone,
		"pages", sum.Pages, "hosts", sum.Hosts,
		"detections", sum.Detections, "records", sum.Records(),
		"by_status", sum.ByStatus, "by_topic", sum.ByTopic,
		"rejected", sum.Rejects, "dead_lettered", sum.DeadLettered, "retries", sum.Retries,
		"repaired_illegal_chars", sum.Repairs.IllegalChars,
		"repaired_invalid_utf8", sum.Repairs.InvalidUTF8,
		"rate_waits", sum.Gate.RateWaits, "rate_waited", sum.Gate.RateWaited.String(),
		"slot_waits", sum.Gate.SlotWaits, "concurrency_shrinks", sum.Gate.Shrinks,
		"duration", sum.Duration.String(), "checkpoint_saved", sum.CheckpointSaved,
	}
	switch {
	case errors.Is(err, errReturned):
		log.Info("sync incomplete", attrs...)
	case err != nil:
		log.Error("sync failed", append(attrs, "err", err)...)
	case sum.Records() == 0 && sum.DeadLetters() == 0:
		// Nothing matched: say what was asked, so that an empty result
		// can be told from a filter that excludes everything.
		log.Info("sync completed with no records", append(attrs, "params", sum.Params)...)
	default:
		log.Info("sync completed", attrs...)
	}
}

// errReturned tells logSummary that the sync's error goes back to the
// caller and must not be logged as well.
var errReturned = errors.New("returned to the caller")

// returned marks a sync error for logSummary.
func returned(err error) error {
	if err == nil {
		return nil
	}
	return errReturned
}

func getenv(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
