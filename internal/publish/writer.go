// Package publish writes records to Kafka with kafka-go and reports what
// the brokers acknowledged. It also names the topics and, when asked,
// creates them.
//
// It does not decide what a record holds or when a checkpoint moves: a
// caller learns that a batch is safe only when Publish returns nil.
package publish

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

// Config configures a Writer. Zero values mean the defaults.
type Config struct {
	Brokers []string
	// Compression is none, gzip, snappy, lz4 or zstd; default zstd.
	Compression string
	// BatchSize is the most messages in one produce batch per partition;
	// default 1000.
	BatchSize int
	// BatchBytes bounds a produce request; default 4 MiB. It must not exceed
	// the brokers' message.max.bytes.
	BatchBytes int64
	// Transport carries TLS and SASL settings; default plain TCP.
	Transport *kafka.Transport
	Logger    *slog.Logger
}

// Writer publishes messages with acks from all in-sync replicas. It is safe
// for concurrent use; concurrent Publish calls share produce batches.
type Writer struct {
	w *kafka.Writer
}

// ParseCompression returns the codec for a name, or an error naming the
// choices.
func ParseCompression(name string) (compress.Compression, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		return kafka.Zstd, nil
	case "none":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	}
	return 0, fmt.Errorf("compression %q is not one of none, gzip, snappy, lz4, zstd", name)
}

// NewWriter returns a Writer for cfg. It does not connect until the first
// Publish.
func NewWriter(cfg Config) (*Writer, error) {
	codec, err := ParseCompression(cfg.Compression)
	if err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1000
	}
	if cfg.BatchBytes == 0 {
		cfg.BatchBytes = 4 << 20
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     kafka.Murmur2Balancer{}, // same partition as Java clients
		RequiredAcks: kafka.RequireAll,
		Compression:  codec,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   cfg.BatchBytes,
		// Publish waits for its own messages, so a partial batch must not
		// wait for company: the default of one second would stall each call.
		BatchTimeout:           5 * time.Millisecond,
		WriteTimeout:           30 * time.Second,
		MaxAttempts:            10,
		AllowAutoTopicCreation: false,
	}
	if cfg.Transport != nil {
		w.Transport = cfg.Transport
	}
	if cfg.Logger != nil {
		w.Logger = kafkaLogger(cfg.Logger, slog.LevelDebug)
		w.ErrorLogger = kafkaLogger(cfg.Logger, slog.LevelWarn)
	}
	return &Writer{w: w}, nil
}

// Publish writes msgs and returns when every one of them was acknowledged
// by all in-sync replicas, or with the first error. On error, some messages
// may have been written: delivery is at least once. Each message must have
// its Topic set.
func (w *Writer) Publish(ctx context.Context, msgs ...kafka.Message) error {
	if err := w.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("publish %d messages: %w", len(msgs), err)
	}
	return nil
}

// Close flushes and closes the writer's connections.
func (w *Writer) Close() error { return w.w.Close() }

// kafkaLogger routes kafka-go's printf logging into slog at one level.
func kafkaLogger(l *slog.Logger, level slog.Level) kafka.LoggerFunc {
	return func(format string, args ...any) {
		l.Log(context.Background(), level, "kafka client", "detail", fmt.Sprintf(format, args...))
	}
}

// addr returns the brokers' addresses for admin requests.
func addr(brokers []string) net.Addr { return kafka.TCP(brokers...) }
