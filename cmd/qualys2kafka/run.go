package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/q2k/qualys2kafka/internal/config"
)

// command is one subcommand. Its output goes to stdout; logs go to the
// logger.
type command func(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error

var commands = map[string]command{
	"demo":     demoCommand,
	"run":      serviceCommand,
	"sync":     syncCommand,
	"simulate": simulateCommand,
	"tail":     tailCommand,
	"import":   importCommand,
	"schema":   schemaCommand,
}

// errUsage marks a command line that cannot be run; usage was printed.
var errUsage = errors.New("usage")

// run runs the command named by args[0] and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || commands[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: qualys2kafka demo|run|sync|simulate|tail|import|schema [flags]")
		return 2
	}
	// The service logs JSON to stdout; the other commands keep stdout for
	// their output and log to stderr.
	logOut := stderr
	if args[0] == "run" {
		logOut = stdout
	}
	log := newLogger(logOut, levelFromEnv())

	err := commands[args[0]](ctx, args[1:], stdout, log)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	case errors.Is(err, context.Canceled):
		log.Info("stopped by signal")
		return 130
	}
	if args[0] == "run" {
		log.Error("command failed", "command", args[0], "err", err)
	} else {
		fmt.Fprintf(stderr, "qualys2kafka %s: %v\n", args[0], err)
	}
	return 1
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// levelFromEnv reads Q2K_LOG_LEVEL early, before the configuration is
// validated, so that validation errors are logged at the right level.
func levelFromEnv() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(getenv("Q2K_LOG_LEVEL", "info")))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// loadConfig reads and validates the configuration; an invalid one is
// reported in full before any network call.
func loadConfig(ctx context.Context) (*config.Config, error) {
	cfg, err := config.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}
