// Package checkpoint keeps the sync position in a compacted Kafka topic, so
// that the service holds no state of its own and a restarted pod goes on
// where the last one stopped.
//
// It stores what it is given; deciding when a checkpoint may move (only
// after every record of a sync was acknowledged) is the caller's job.
package checkpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/q2k/qualys2kafka/internal/tail"
)

// Version is the format of the checkpoint values this code writes.
const Version = 1

// Checkpoint is the position of the last completed sync.
type Checkpoint struct {
	Version int `json:"version"`
	// ServerTime is the API server's clock when the sync started (the
	// DATETIME of its first response). The next incremental sync asks for
	// changes since then, minus an overlap.
	ServerTime  time.Time `json:"server_time"`
	RunID       string    `json:"run_id"`
	Mode        string    `json:"mode"` // full or incremental
	CompletedAt time.Time `json:"completed_at"`
	// Records counts the records the process that completed the sync had
	// acknowledged: for a sync resumed after a restart, its last part only.
	Records      int64  `json:"records"`
	Subscription string `json:"subscription,omitempty"`
}

// Store reads and writes one subscription's checkpoint. It is safe for
// concurrent use.
type Store struct {
	topic  string
	key    []byte // of the checkpoint
	pkey   []byte // of the progress of the sync under way
	client *kafka.Client
	writer *kafka.Writer
}

// NewStore returns a Store for the checkpoint topic. subscription names the
// subscription whose checkpoint this is ("" for a single one), so that
// several deployments can share a topic. transport may be nil.
func NewStore(brokers []string, transport *kafka.Transport, topic, subscription string) *Store {
	s := &Store{
		topic:  topic,
		key:    []byte("sync/" + subscription),
		pkey:   []byte("progress/" + subscription),
		client: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second},
		writer: &kafka.Writer{
			Addr:         kafka.TCP(brokers...),
			Topic:        topic,
			Balancer:     kafka.Murmur2Balancer{},
			RequiredAcks: kafka.RequireAll,
			BatchTimeout: time.Millisecond,
			WriteTimeout: 30 * time.Second,
		},
	}
	if transport != nil {
		s.client.Transport = transport
		s.writer.Transport = transport
	}
	return s
}

// Save writes c and returns once all in-sync replicas acknowledged it.
func (s *Store) Save(ctx context.Context, c Checkpoint) error {
	c.Version = Version
	return s.write(ctx, s.key, c)
}

// write stores v as JSON under key; a nil v writes a tombstone.
func (s *Store) write(ctx context.Context, key []byte, v any) error {
	var value []byte
	if v != nil {
		var err error
		if value, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
	}
	if err := s.writer.WriteMessages(ctx, kafka.Message{Key: key, Value: value}); err != nil {
		return fmt.Errorf("write %s to %s: %w", key, s.topic, err)
	}
	return nil
}

// ErrUnknownFormat reports a stored checkpoint this code cannot read. It is
// never treated as "no checkpoint": that would turn an incremental sync
// into a full one without anyone asking.
var ErrUnknownFormat = errors.New("unknown checkpoint format")

// Load returns the latest checkpoint, and false if none was ever saved.
// Errors the brokers call temporary (a partition whose leader is moving or
// was just created) are retried for up to 30 seconds.
func (s *Store) Load(ctx context.Context) (Checkpoint, bool, error) {
	value, err := s.latestRetrying(ctx, s.key)
	if err != nil || value == nil {
		return Checkpoint{}, false, err
	}
	var c Checkpoint
	if err := json.Unmarshal(value, &c); err != nil {
		return Checkpoint{}, false, fmt.Errorf("%w in %s: %w", ErrUnknownFormat, s.topic, err)
	}
	if c.Version != Version || c.ServerTime.IsZero() {
		return Checkpoint{}, false, fmt.Errorf("%w in %s: version %d, server_time %v",
			ErrUnknownFormat, s.topic, c.Version, c.ServerTime)
	}
	return c, true, nil
}

// Close releases the writer's connections.
func (s *Store) Close() error { return s.writer.Close() }

func (s *Store) latestRetrying(ctx context.Context, key []byte) ([]byte, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		value, err := s.latest(ctx, key)
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || !kerr.Temporary() || time.Now().After(deadline) {
			return value, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// latest reads every partition of the topic to its end and returns the
// last value written under key, or nil (none, or a tombstone).
func (s *Store) latest(ctx context.Context, key []byte) ([]byte, error) {
	last := map[int]kafka.Message{} // by partition: a key's records keep their order there
	err := tail.Read(ctx, nil, s.topic, tail.Options{Client: s.client}, func(m kafka.Message) error {
		if bytes.Equal(m.Key, key) {
			last[m.Partition] = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	var newest *kafka.Message
	for _, m := range last {
		if newest == nil || m.Time.After(newest.Time) {
			newest = &m
		}
	}
	if newest == nil {
		return nil, nil
	}
	return newest.Value, nil
}
