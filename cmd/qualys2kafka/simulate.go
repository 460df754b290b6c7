package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/q2k/qualys2kafka/internal/simulator"
)

// simulateCommand serves the Qualys API simulator until stopped.
func simulateCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	hosts := fs.Int("hosts", 10000, "hosts in the generated fleet")
	seed := fs.Uint64("seed", 1, "seed of the generated fleet")
	user := fs.String("user", "demo", "API user")
	password := fs.String("password", "demo", "API password")
	dir := fs.String("responses", "", "serve the saved responses in this folder instead of a generated fleet")
	every := fs.Duration("advance-every", 0, "advance the simulated clock at this real-time pace (0: never)")
	by := fs.Duration("advance-by", 24*time.Hour, "how far each advance moves the simulated clock")
	fraction := fs.Float64("advance-fraction", 0.01, "share of detections each advance changes")
	odd := fs.Int("odd-values", 0, "write an odd value (a QID or date to dead-letter, a control "+
		"character to repair, a time with an offset) into about one detection in N (0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	cfg := simulator.DefaultConfig()
	cfg.User, cfg.Password, cfg.ResponsesDir = *user, *password, *dir
	cfg.OddValues = *odd
	if *dir == "" {
		cfg.Fleet = simulator.Generate(simulator.FleetConfig{Seed: *seed, Hosts: *hosts,
			Start: time.Now().UTC().Truncate(time.Second)})
	}
	sim, err := simulator.New(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if *every > 0 {
		go advance(ctx, sim, *every, *by, *fraction, log)
	}
	fmt.Fprintf(stdout, "Qualys simulator listening on http://%s (user %q)\n", *addr, *user)
	log.Info("simulator started", "addr", *addr, "hosts", *hosts, "seed", *seed, "responses", *dir)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// advance moves the simulator's clock on a real-time ticker, so that
// incremental syncs against a standalone simulator have changes to find.
func advance(ctx context.Context, sim *simulator.Server, every, by time.Duration, fraction float64,
	log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ch := sim.Advance(by, fraction)
			log.Info("simulator clock advanced", "now", sim.Now(), "status_changes", ch.StatusChanges(),
				"found_again", ch.Refound)
		}
	}
}
