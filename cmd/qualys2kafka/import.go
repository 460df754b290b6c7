package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
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
// --dry-run prints them as JSON lines. It never touches the checkpoint.
func importCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "print the records as JSON lines instead of publishing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(fs.Output(), "usage: qualys2kafka import [--dry-run] FILE...")
		return errUsage
	}
	enc, err := record.NewEncoder()
	if err != nil {
		return err
	}

	emit, done, err := importSink(ctx, *dryRun, stdout, enc, log)
	if err != nil {
		return err
	}
	meta := record.Meta{RunID: "import-" + time.Now().UTC().Format("20060102T150405Z"),
		Subscription: os.Getenv("Q2K_SUBSCRIPTION"), APIVersion: "file"}
	total := 0
	for _, name := range fs.Args() {
		n, err := importFile(name, meta, enc, emit)
		total += n
		if err != nil {
			return errors.Join(fmt.Errorf("%s: %w", name, err), done())
		}
	}
	log.Info("import done", "files", fs.NArg(), "records", total, "dry_run", *dryRun)
	return done()
}

// importSink returns where records go: stdout as JSON, or Kafka in batches.
func importSink(ctx context.Context, dryRun bool, stdout io.Writer, enc *record.Encoder,
	log *slog.Logger) (emit func(record.Record) error, done func() error, err error) {
	if dryRun {
		emit = func(r record.Record) error { return printRecord(stdout, enc, r.Value) }
		return emit, func() error { return nil }, nil
	}

	cfg, err := config.LoadPublishing(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	topics := publish.NewTopics(cfg.Kafka.TopicPrefix, cfg.Kafka.SingleTopic)
	specs := pipeline.TopicSpecs(topics, cfg.Kafka.Partitions)
	specs = specs[:len(specs)-1] // import keeps no checkpoint
	err = publish.EnsureTopics(ctx, cfg.Kafka.Brokers, nil, specs, cfg.Kafka.CreateTopics)
	if err != nil {
		return nil, nil, err
	}
	w, err := publish.NewWriter(publish.Config{Brokers: cfg.Kafka.Brokers,
		Compression: cfg.Kafka.Compression, Logger: log})
	if err != nil {
		return nil, nil, err
	}

	var batch []kafka.Message
	flush := func() error {
		err := w.Publish(ctx, batch...)
		batch = batch[:0]
		return err
	}
	emit = func(r record.Record) error {
		if batch = append(batch, pipeline.Message(topics, r)); len(batch) >= 500 {
			return flush()
		}
		return nil
	}
	done = func() error { return errors.Join(flush(), w.Close()) }
	return emit, done, nil
}

// importFile decodes one saved response and emits a record per detection.
func importFile(name string, meta record.Meta, enc *record.Encoder,
	emit func(record.Record) error) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()

	d := decode.New(f, 0) // a file has no HTTP status
	n := 0
	for {
		h, err := d.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		meta.ObservedAt = time.Now().UTC()
		if err := emitHost(h, meta, enc, emit); err != nil {
			return n, err
		}
		n += len(h.Detections)
	}
}

func emitHost(h *qualys.Host, meta record.Meta, enc *record.Encoder, emit func(record.Record) error) error {
	for i := range h.Detections {
		r, err := enc.Encode(meta, h, &h.Detections[i])
		if err != nil {
			return fmt.Errorf("encode host %d qid %d: %w", h.ID, h.Detections[i].QID, err)
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}
