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
	if err := fs.Parse(args); err != nil {
		return err
	}

	cfg := simulator.DefaultConfig()
	cfg.User, cfg.Password, cfg.ResponsesDir = *user, *password, *dir
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
	fmt.Fprintf(stdout, "Qualys simulator listening on http://%s (user %q)\n", *addr, *user)
	log.Info("simulator started", "addr", *addr, "hosts", *hosts, "seed", *seed, "responses", *dir)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
