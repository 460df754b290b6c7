package pipeline

import (
	"context"
	"errors"
	"fmt"
	"github.com/q2k/qualys2kafka/internal/decode"
	"log/slog"
	"time"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// Open builds a Syncer from cfg: the API client, the encoder, the writer and
// the checkpoint store. It checks that the topics exist (creating them when
// cfg asks) and fails naming any that are missing. The returned Syncer must
// be closed.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Syncer, error) {
	q := cfg.Qualys
	gate := qualys.NewGate(q.Workers, func(reason string, d time.Duration) {
		log.Warn("qualys call held back", "reason", reason, "wait", d.String())
	})
	client, err := qualys.NewClient(qualys.ClientConfig{
		BaseURL:          q.URL,
		APIVersion:       q.APIVersion,
		User:             q.User,
		Password:         q.Password,
		Session:          q.Auth == "session",
		RequestedWith:    q.RequestedWith,
		ConnectTimeout:   q.ConnectTimeout,
		FirstByteTimeout: q.FirstByteTimeout,
		IdleTimeout:      q.IdleTimeout,
		Gate:             gate,
	})
	if err != nil {
		return nil, err
	}
	enc, err := record.NewEncoder()
	if err != nil {
		return nil, fmt.Errorf("build avro codecs: %w", err)
	}

	topics := publish.NewTopics(cfg.Kafka.TopicPrefix, cfg.Kafka.SingleTopic)
	if err := publish.EnsureTopics(ctx, cfg.Kafka.Brokers, nil, TopicSpecs(topics, cfg.Kafka.Partitions),
		cfg.Kafka.CreateTopics); err != nil {
		return nil, err
	}
	w, err := publish.NewWriter(publish.Config{
		Brokers:     cfg.Kafka.Brokers,
		Compression: cfg.Kafka.Compression,
		Logger:      log,
	})
	if err != nil {
		return nil, err
	}

	return &Syncer{
		Client:          client,
		Writer:          w,
		Topics:          topics,
		Encoder:         enc,
		Checkpoints:     checkpoint.NewStore(cfg.Kafka.Brokers, nil, topics.Checkpoint(), cfg.Subscription),
		Params:          DetectionParams(cfg),
		Subscription:    cfg.Subscription,
		Overlap:         cfg.Sync.Overlap,
		Logger:          log,
		Retry:           fetch.Retry{Attempts: q.RetryAttempts},
		Decoder:         decode.Kind(q.Decoder),
		MaxMessageBytes: cfg.Kafka.MaxMessageBytes,
		Workers:         q.Workers,
		RangeSize:       q.RangeSize,
		ProgressEvery:   cfg.Sync.ProgressEvery,

		ResultsMaxBytes: cfg.Output.ResultsMaxBytes,
	}, nil
}

// TopicSpecs returns the topics a sync needs: the detection topics, the
// dead-letter topic and the compacted checkpoint topic (one partition
// each: they hold few records).
func TopicSpecs(t publish.Topics, partitions int) []publish.TopicSpec {
	var specs []publish.TopicSpec
	for _, name := range t.Detection() {
		specs = append(specs, publish.TopicSpec{Name: name, Partitions: partitions})
	}
	specs = append(specs, publish.TopicSpec{Name: t.DeadLetter(), Partitions: 1})
	return append(specs, publish.TopicSpec{Name: t.Checkpoint(), Partitions: 1, Compacted: true})
}

// Close flushes the writer and releases connections.
func (s *Syncer) Close() error {
	return errors.Join(s.Writer.Close(), s.Checkpoints.Close())
}
