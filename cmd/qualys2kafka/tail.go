package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/segmentio/kafka-go"

	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/record"
	"github.com/q2k/qualys2kafka/internal/tail"
)

// tailCommand prints the records of the detection topics as JSON lines,
// from the start of each topic to its end; with --dead-letters, the
// entries of the dead-letter topic, which are JSON already.
func tailCommand(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	brokers := fs.String("brokers", getenv("Q2K_KAFKA_BROKERS", "127.0.0.1:9092"), "bootstrap brokers")
	prefix := fs.String("prefix", getenv("Q2K_KAFKA_TOPIC_PREFIX", publish.DefaultPrefix), "topic prefix")
	topic := fs.String("topic", getenv("Q2K_KAFKA_SINGLE_TOPIC", ""), "read only this topic")
	last := fs.Int64("last", 0, "print only the last N records of each partition (0: all)")
	dead := fs.Bool("dead-letters", false, "print the dead-letter topic instead")
	if err := fs.Parse(args); err != nil {
		return err
	}

	topics := publish.NewTopics(*prefix, *topic).Detection()
	if *dead {
		topics = []string{publish.NewTopics(*prefix, "").DeadLetter()}
	}
	enc, err := record.NewEncoder()
	if err != nil {
		return err
	}
	printed := 0
	for _, t := range topics {
		err := tail.Read(ctx, strings.Split(*brokers, ","), t, tail.Options{Last: *last}, func(m kafka.Message) error {
			printed++
			if *dead {
				_, err := fmt.Fprintf(stdout, "%s\n", m.Value)
				return err
			}
			return printRecord(stdout, enc, m.Value)
		})
		if err != nil {
			return err
		}
	}
	log.Info("tail done", "records", printed, "topics", topics)
	return nil
}

// printRecord writes one encoded record as a JSON line.
func printRecord(w io.Writer, enc *record.Encoder, value []byte) error {
	native, err := enc.Decode(value)
	if err != nil {
		return err
	}
	line, err := record.JSON(native)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}
