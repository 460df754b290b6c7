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
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/sethvargo/go-envconfig"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/pipeline"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
	"github.com/q2k/qualys2kafka/internal/tail"
)

// demoCommand runs the whole product with no configuration: the simulator
// on loopback, an in-process Kafka, a full sync, a day of simulated change
// and an incremental sync.
func demoCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	hosts := fs.Int("hosts", 3000, "hosts in the simulated fleet")
	seed := fs.Uint64("seed", 1, "seed of the simulated fleet")
	if err := fs.Parse(args); err != nil {
		return err
	}

	apiURL, sim, stopSim, err := startSimulator(*seed, *hosts)
	if err != nil {
		return err
	}
	defer stopSim()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(3))
	if err != nil {
		return fmt.Errorf("start in-process kafka: %w", err)
	}
	defer cluster.Close()
	fmt.Fprintf(stdout, "Qualys simulator at %s with %d hosts; in-process Kafka at %s\n\n",
		apiURL, *hosts, cluster.ListenAddrs()[0])

	cfg, err := demoConfig(ctx, apiURL, cluster.ListenAddrs())
	if err != nil {
		return err
	}
	s, err := pipeline.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	return demoSyncs(ctx, stdout, log, s, sim, cfg.Kafka.Brokers)
}

func demoSyncs(ctx context.Context, stdout io.Writer, log *slog.Logger, s *pipeline.Syncer,
	sim *simulator.Server, brokers []string) error {
	full, err := s.Sync(ctx, true)
	logSummary(log, full, returned(err))
	if err != nil {
		return err
	}
	printSummary(stdout, "Full sync", full)

	ch := sim.Advance(24*time.Hour, 0.02)
	fmt.Fprintf(stdout, "Simulator clock advanced one day: %d detections changed status "+
		"(%d fixed, %d reopened, %d activated, %d new), %d found again.\n",
		ch.StatusChanges(), ch.Fixed, ch.Reopened, ch.Activated, ch.Added, ch.Refound)
	want, err := sim.Expected(pipeline.IncrementalParams(s.Params, full.ServerTime.Add(-s.Overlap)))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Of those, %d are status changes the sync's filters select "+
		"(it leaves out information-gathered, ignored and disabled detections by default).\n\n",
		countDetections(want))

	inc, err := s.Sync(ctx, false)
	logSummary(log, inc, returned(err))
	if err != nil {
		return err
	}
	printSummary(stdout, "Incremental sync", inc)
	return printSamples(ctx, stdout, s, brokers)
}

func countDetections(hosts []qualys.Host) int {
	n := 0
	for _, h := range hosts {
		n += len(h.Detections)
	}
	return n
}

// startSimulator serves a generated fleet on a loopback port.
func startSimulator(seed uint64, hosts int) (string, *simulator.Server, func(), error) {
	fleet := simulator.Generate(simulator.FleetConfig{Seed: seed, Hosts: hosts,
		Start: time.Now().UTC().Truncate(time.Second)})
	cfg := simulator.DefaultConfig()
	cfg.User, cfg.Password, cfg.Fleet = "demo", "demo", fleet
	sim, err := simulator.New(cfg)
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, fmt.Errorf("listen for the simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), sim, func() { srv.Close() }, nil
}

// demoConfig is the configuration a user would write, with the defaults
// from the one place they live.
func demoConfig(ctx context.Context, apiURL string, brokers []string) (*config.Config, error) {
	env := map[string]string{
		"Q2K_QUALYS_URL":              apiURL,
		"Q2K_QUALYS_USER":             "demo",
		"Q2K_QUALYS_PASSWORD":         "demo",
		"Q2K_QUALYS_TRUNCATION_LIMIT": "500",
		"Q2K_KAFKA_BROKERS":           brokers[0],
		"Q2K_KAFKA_CREATE_TOPICS":     "true",
		"Q2K_KAFKA_PARTITIONS":        "3",
		"Q2K_SUBSCRIPTION":            "demo",
	}
	return config.LoadFrom(ctx, envconfig.MapLookuper(env))
}

func printSummary(w io.Writer, title string, s pipeline.Summary) {
	fmt.Fprintf(w, "%s (%s", title, s.Mode)
	if !s.Since.IsZero() {
		fmt.Fprintf(w, ", changes since %s", s.Since.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "): %d pages, %d hosts, %d records in %s (%.0f records/s)\n",
		s.Pages, s.Hosts, s.Records(), s.Duration.Round(time.Millisecond),
		float64(s.Records())/s.Duration.Seconds())
	for _, st := range []string{"NEW", "ACTIVE", "FIXED", "REOPENED", "UNKNOWN"} {
		if n, ok := s.ByStatus[st]; ok || st != "UNKNOWN" {
			fmt.Fprintf(w, "  %-9s %8d\n", st, n)
		}
	}
	fmt.Fprintf(w, "  checkpoint moved to %s\n\n", s.ServerTime.Format(time.RFC3339))
}

// printSamples prints one record of each changed status as JSON.
func printSamples(ctx context.Context, w io.Writer, s *pipeline.Syncer, brokers []string) error {
	fmt.Fprintln(w, "Three records from the topics, decoded:")
	printed := 0
	for _, st := range []string{"FIXED", "REOPENED", "NEW"} {
		topic := s.Topics.ForStatus(st)
		var last []byte
		err := tail.Read(ctx, brokers, topic, tail.Options{Last: 1}, func(m kafka.Message) error {
			last = m.Value
			return nil
		})
		if err != nil || last == nil {
			continue
		}
		fmt.Fprintf(w, "%s:\n", topic)
		if err := printRecord(w, s.Encoder, last); err != nil {
			return err
		}
		printed++
	}
	if printed == 0 {
		return errors.New("no records found to show")
	}
	return nil
}
