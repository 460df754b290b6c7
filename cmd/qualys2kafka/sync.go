package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
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
	logSummary(log, sum, err)
	return err
}

// serviceCommand is `run`: a sync every interval until stopped, with
// health endpoints for Kubernetes.
func serviceCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
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

	var ready atomic.Bool
	srv := healthServer(cfg.ListenAddr, &ready)
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server stopped", "err", err)
		}
	}()
	defer srv.Close()

	// TODO(metrics): serve Prometheus /metrics; the operations issue adds it.
	for {
		sum, err := s.Sync(ctx, false)
		logSummary(log, sum, err)
		if err == nil {
			ready.Store(true)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cfg.Sync.Interval):
		}
	}
}

// healthServer answers /healthz while the process runs and /readyz once a
// sync has completed.
func healthServer(addr string, ready *atomic.Bool) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "no sync completed yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

func logSummary(log *slog.Logger, sum pipeline.Summary, err error) {
	attrs := []any{
		"run_id", sum.RunID, "mode", sum.Mode, "resumed", sum.Resumed, "since", sum.Since,
		"server_time", sum.ServerTime, "ranges", sum.Ranges, "ranges_done", sum.RangesDone,
		"pages", sum.Pages, "hosts", sum.Hosts,
		"detections", sum.Detections, "records", sum.Records(),
		"by_status", sum.ByStatus, "by_topic", sum.ByTopic, "retries", sum.Retries,
		"rate_waits", sum.Gate.RateWaits, "rate_waited", sum.Gate.RateWaited.String(),
		"slot_waits", sum.Gate.SlotWaits, "concurrency_shrinks", sum.Gate.Shrinks,
		"duration", sum.Duration.String(), "checkpoint_saved", sum.CheckpointSaved,
	}
	if err != nil {
		log.Error("sync failed", append(attrs, "err", err)...)
		return
	}
	log.Info("sync completed", attrs...)
}

func getenv(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
