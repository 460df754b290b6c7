// Package tail reads records back from Kafka topics, from the start of each
// partition (or its last few records) to the end it had when reading began.
// The `tail` and `demo` commands and the tests use it to see what a sync
// published.
package tail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// Options tune a Read. The zero value reads everything.
type Options struct {
	// Last, when positive, reads only the last Last messages of each
	// partition.
	Last int64
	// Client sends the requests, with its transport (TLS, SASL); default a
	// plain client of the brokers given to Read.
	Client *kafka.Client
}

// Read calls fn for every message of topic, partition by partition, up to
// the end offset each partition had at the time of the call. It stops at
// the first error of fn. A tombstone has a nil Value.
func Read(ctx context.Context, brokers []string, topic string, opt Options,
	fn func(kafka.Message) error) error {
	c := opt.Client
	if c == nil {
		c = &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		return fmt.Errorf("topic %s not found", topic)
	}
	for _, p := range md.Topics[0].Partitions {
		if err := readPartition(ctx, c, topic, p.ID, opt, fn); err != nil {
			return err
		}
	}
	return nil
}

func readPartition(ctx context.Context, c *kafka.Client, topic string, partition int,
	opt Options, fn func(kafka.Message) error) error {
	first, end, err := bounds(ctx, c, topic, partition)
	if err != nil {
		return err
	}
	if opt.Last > 0 && end-opt.Last > first {
		first = end - opt.Last
	}

	for next := first; next < end; {
		resp, err := c.Fetch(ctx, &kafka.FetchRequest{
			Topic: topic, Partition: partition, Offset: next, MaxBytes: 8 << 20,
		})
		if err == nil {
			err = resp.Error
		}
		if err != nil {
			return fmt.Errorf("fetch %s/%d at %d: %w", topic, partition, next, err)
		}
		n, err := deliver(topic, partition, resp.Records, &next, end, fn)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("fetch %s/%d at %d: no progress before end offset %d",
				topic, partition, next, end)
		}
	}
	return nil
}

// bounds returns the first offset of a partition and the offset after its
// last message.
func bounds(ctx context.Context, c *kafka.Client, topic string, partition int) (int64, int64, error) {
	offsets, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{topic: {
			kafka.FirstOffsetOf(partition), kafka.LastOffsetOf(partition)}},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("offsets of %s/%d: %w", topic, partition, err)
	}
	parts := offsets.Topics[topic]
	if len(parts) != 1 {
		return 0, 0, fmt.Errorf("offsets of %s/%d: no answer for the partition", topic, partition)
	}
	po := parts[0]
	if po.Error != nil {
		return 0, 0, fmt.Errorf("offsets of %s/%d: %w", topic, partition, po.Error)
	}
	return po.FirstOffset, po.LastOffset, nil
}

// deliver passes the fetched records below end to fn, moving next past
// each, and returns how many it read.
func deliver(topic string, partition int, rr kafka.RecordReader, next *int64, end int64,
	fn func(kafka.Message) error) (int, error) {
	n := 0
	for {
		rec, err := rr.ReadRecord()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read %s/%d: %w", topic, partition, err)
		}
		n++
		if rec.Offset < *next || rec.Offset >= end {
			continue // a batch can start before the offset asked for
		}
		*next = rec.Offset + 1
		m, err := message(topic, partition, rec)
		if err != nil {
			return n, err
		}
		if err := fn(m); err != nil {
			return n, err
		}
	}
}

func message(topic string, partition int, rec *kafka.Record) (kafka.Message, error) {
	m := kafka.Message{Topic: topic, Partition: partition, Offset: rec.Offset,
		Time: rec.Time, Headers: rec.Headers}
	var err error
	if m.Key, err = readBytes(rec.Key); err != nil {
		return m, fmt.Errorf("read key of %s/%d@%d: %w", topic, partition, rec.Offset, err)
	}
	if m.Value, err = readBytes(rec.Value); err != nil {
		return m, fmt.Errorf("read value of %s/%d@%d: %w", topic, partition, rec.Offset, err)
	}
	return m, nil
}

func readBytes(b kafka.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	defer b.Close()
	return io.ReadAll(b)
}

// All reads every message of the topics, in topic order.
func All(ctx context.Context, brokers []string, topics []string) ([]kafka.Message, error) {
	var out []kafka.Message
	for _, t := range topics {
		err := Read(ctx, brokers, t, Options{}, func(m kafka.Message) error {
			out = append(out, m)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
