// Command benchtable measures the product end to end and prints, with the
// figures of the Go benchmarks, one markdown table of its speed and
// memory next to the targets: the table `make bench` prints. All figures
// come from the same run, so that ratios between them mean something.
//
// It builds bin/qualys2kafka, serves a generated fleet whose hosts make
// one page of about -page-bytes with `qualys2kafka simulate` on a loopback
// port, and runs `qualys2kafka sync --full` twice as a child process
// against the Kafka at -brokers: with the default configuration (pages of
// 1,000 hosts, ranges of 5,000, four workers), then with the whole fleet
// as one page (Q2K_QUALYS_TRUNCATION_LIMIT=0 and one range). For each it
// reads the detections from the sync's summary log line and its peak RSS
// from the kernel. The simulator is a process of its own, so its memory is
// not counted as the sync's.
//
// Usage:
//
//	benchtable [-gobench FILE] [-page-bytes 2G] [-brokers host:port]
//
// Flags and their environment:
//
//	-gobench FILE     output of `go test -bench` with the decode, encode and
//	                  publish benchmarks (none: end-to-end rows only)
//	-page-bytes SIZE  BENCH_PAGE_BYTES, default 2G: the size of the one page
//	-brokers LIST     Q2K_TEST_KAFKA: the Kafka to publish to (required)
//	-kafka-name NAME  Q2K_TEST_KAFKA_NAME: how the table names that Kafka
//	-bin PATH         bin/qualys2kafka, built before the runs
//	-logs DIR         bin/bench: logs of the simulator and the syncs
//	-go PATH          go: the go command that builds the binary
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/q2k/qualys2kafka/internal/benchpage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := run(ctx, os.Args[1:], os.Stdout, log)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchtable: %v\n", err)
		os.Exit(1)
	}
}

// options are the flags of benchtable.
type options struct {
	goBench   string
	pageBytes int64
	brokers   string
	kafkaName string
	bin       string
	logDir    string
	goCmd     string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.StringVar(&o.goBench, "gobench", "", "output of go test -bench to take figures from")
	size := fs.String("page-bytes", getenv("BENCH_PAGE_BYTES", "2G"), "size of the one page")
	fs.StringVar(&o.brokers, "brokers", os.Getenv("Q2K_TEST_KAFKA"), "Kafka bootstrap brokers")
	fs.StringVar(&o.kafkaName, "kafka-name", getenv("Q2K_TEST_KAFKA_NAME", "Kafka"),
		"name of that Kafka in the table")
	fs.StringVar(&o.bin, "bin", "bin/qualys2kafka", "the qualys2kafka binary to build and run")
	fs.StringVar(&o.logDir, "logs", "bin/bench", "folder of the child processes' logs")
	fs.StringVar(&o.goCmd, "go", "go", "go command")
	if err := fs.Parse(args); err != nil {
		return o, err
	}

	var err error
	if o.pageBytes, err = benchpage.ParseSize(*size); err != nil {
		return o, fmt.Errorf("-page-bytes: %w", err)
	}
	if o.brokers == "" {
		return o, fmt.Errorf("-brokers (or Q2K_TEST_KAFKA) is required: the end-to-end " +
			"runs publish to a real Kafka")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	var gb goBench
	if o.goBench != "" {
		if gb, err = readGoBench(o.goBench); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.logDir, 0o755); err != nil {
		return err
	}

	start := time.Now()
	log.Info("building", "bin", o.bin)
	build := exec.CommandContext(ctx, o.goCmd, "build", "-o", o.bin, "./cmd/qualys2kafka")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build %s: %w", o.bin, err)
	}
	e2e, err := measureEndToEnd(ctx, o, log)
	if err != nil {
		return err
	}
	log.Info("end-to-end runs done", "took", time.Since(start).Round(time.Second).String())

	writeTable(stdout, tableRows(gb, e2e, o))
	return nil
}

func readGoBench(path string) (goBench, error) {
	f, err := os.Open(path)
	if err != nil {
		return goBench{}, err
	}
	defer f.Close()
	gb, err := parseGoBench(f)
	if err != nil {
		return gb, fmt.Errorf("%s: %w", path, err)
	}
	return gb, nil
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
