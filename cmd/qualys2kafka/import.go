package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/pipeline"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// importCommand publishes the detections of saved responses, or with
// --dry-run prints them as JSON lines. Detections that cannot be read go
// to the dead-letter topic (printed as their dead-letter entry with
// --dry-run). It never touches the checkpoint.
func importCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "print the records as JSON lines instead of publishing")
	decoder := fs.String("decoder", getenv("Q2K_QUALYS_DECODER", string(decode.Fast)),
		"XML decoder: fast or reference")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(fs.Output(), "usage: qualys2kafka import [--dry-run] [--decoder fast|reference] FILE...")
		return errUsage
	}
	kind, err := decode.ParseKind(*decoder)
	if err != nil {
		return err
	}
	cfg, err := config.LoadRecords(ctx)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	enc, err := record.NewEncoder()
	if err != nil {
		return err
	}
	maker := pipeline.Records{Encoder: enc,
		Topics:          publish.NewTopics(cfg.Kafka.TopicPrefix, cfg.Kafka.SingleTopic),
		ResultsMaxBytes: cfg.Output.ResultsMaxBytes, MaxMessageBytes: cfg.Kafka.MaxMessageBytes}

	sink, err := importSink(ctx, *dryRun, stdout, enc, log)
	if err != nil {
		return err
	}
	meta := record.Meta{RunID: "import-" + time.Now().UTC().Format("20060102T150405Z"),
		Subscription: os.Getenv("Q2K_SUBSCRIPTION"), APIVersion: "file"}
	var total importCounts
	for _, name := range fs.Args() {
		n, err := importFile(name, kind, meta, maker, sink)
		total.records += n.records
		total.deadLettered += n.deadLettered
		if err != nil {
			return errors.Join(fmt.Errorf("%s: %w", name, err), sink.done())
		}
	}
	// The last batch is only delivered once done returns.
	if err := sink.done(); err != nil {
		return err
	}
	log.Info("import done", "files", fs.NArg(), "records", total.records,
		"dead_lettered", total.deadLettered, "dry_run", *dryRun)
	return nil
}

// importCounts counts what an import emitted.
type importCounts struct{ records, deadLettered int }

// sink is where imported messages go: stdout as JSON lines, or Kafka in
// batches.
type sink struct {
	emit func(pipeline.Item) error
	done func() error
}

func importSink(ctx context.Context, dryRun bool, stdout io.Writer, enc *record.Encoder,
	log *slog.Logger) (sink, error) {
	if dryRun {
		return sink{
			emit: func(it pipeline.Item) error {
				if it.Reason == "" {
					return printRecord(stdout, enc, it.Rec.Value)
				}
				_, err := fmt.Fprintf(stdout, "{\"dead_letter\":%s}\n", it.Rec.Value)
				return err
			},
			done: func() error { return nil },
		}, nil
	}

	cfg, err := config.LoadPublishing(ctx)
	if err != nil {
		return sink{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	topics := publish.NewTopics(cfg.Kafka.TopicPrefix, cfg.Kafka.SingleTopic)
	var specs []publish.TopicSpec // import keeps no checkpoint
	for _, spec := range pipeline.TopicSpecs(topics, cfg.Kafka.Partitions) {
		if spec.Name != topics.Checkpoint() {
			specs = append(specs, spec)
		}
	}
	err = publish.EnsureTopics(ctx, cfg.Kafka.Brokers, nil, specs, cfg.Kafka.CreateTopics)
	if err != nil {
		return sink{}, err
	}
	w, err := publish.NewWriter(publish.Config{Brokers: cfg.Kafka.Brokers,
		Compression: cfg.Kafka.Compression, Logger: log})
	if err != nil {
		return sink{}, err
	}

	var batch []kafka.Message
	flush := func() error {
		err := w.Publish(ctx, batch...)
		batch = batch[:0]
		return err
	}
	return sink{
		emit: func(it pipeline.Item) error {
			if batch = append(batch, it.Message()); len(batch) >= 500 {
				return flush()
			}
			return nil
		},
		done: func() error { return errors.Join(flush(), w.Close()) },
	}, nil
}

// importFile decodes one saved response and emits what a sync would
// publish for it: a record per detection, RESULTS capped, and a dead
// letter per detection that could not be read or whose record is too
// large. A file that is not XML (an HTML page saved by mistake, JSON) is
// refused before decoding, with an excerpt.
func importFile(name string, kind decode.Kind, meta record.Meta, maker pipeline.Records,
	out sink) (importCounts, error) {
	var n importCounts
	f, err := os.Open(name)
	if err != nil {
		return n, err
	}
	defer f.Close()

	br := bufio.NewReaderSize(f, qualys.SniffLimit)
	head, err := br.Peek(qualys.SniffLimit)
	if err != nil && err != io.EOF {
		return n, err
	}
	if k := qualys.Sniff(head, err == io.EOF); k == qualys.BodyHTML || k == qualys.BodyOther {
		return n, fmt.Errorf("not an XML document (the file is %s): %q", k, excerpt(head))
	}
	d := decode.Open(kind, br, 0) // a file has no HTTP status
	var items []pipeline.Item
	for {
		h, err := d.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		meta.ObservedAt = time.Now().UTC()
		if items, err = maker.Host(items[:0], meta, h); err != nil {
			return n, err
		}
		for _, it := range items {
			if err := out.emit(it); err != nil {
				return n, err
			}
			if it.Reason != "" {
				n.deadLettered++
			} else {
				n.records++
			}
		}
	}
}

// excerpt returns the start of b on one line.
func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
