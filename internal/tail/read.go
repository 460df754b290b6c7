// Package tail reads records back from Kafka topics, from the start of each
// partition to the end it had when reading began. The `tail` command and
// the tests use it to see what a sync published.
package tail

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Read calls fn for every message of topic, partition by partition, from
// the first offset to the end offset at the time of the call. It stops at
// the first error of fn.
func Read(ctx context.Context, brokers []string, topic string, fn func(kafka.Message) error) error {
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		return fmt.Errorf("topic %s not found", topic)
	}
	for _, p := range md.Topics[0].Partitions {
		if err := readPartition(ctx, c, brokers, topic, p.ID, fn); err != nil {
			return err
		}
	}
	return nil
}

func readPartition(ctx context.Context, c *kafka.Client, brokers []string, topic string,
	partition int, fn func(kafka.Message) error) error {
	offsets, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{topic: {
			kafka.FirstOffsetOf(partition), kafka.LastOffsetOf(partition)}},
	})
	if err != nil {
		return fmt.Errorf("offsets of %s/%d: %w", topic, partition, err)
	}
	po := offsets.Topics[topic][0]
	if po.Error != nil {
		return fmt.Errorf("offsets of %s/%d: %w", topic, partition, po.Error)
	}
	if po.LastOffset <= po.FirstOffset {
		return nil
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: brokers, Topic: topic, Partition: partition, MaxBytes: 10 << 20,
	})
	defer r.Close()
	if err := r.SetOffset(po.FirstOffset); err != nil {
		return fmt.Errorf("seek %s/%d: %w", topic, partition, err)
	}
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return fmt.Errorf("read %s/%d: %w", topic, partition, err)
		}
		if err := fn(m); err != nil {
			return err
		}
		if m.Offset >= po.LastOffset-1 {
			return nil
		}
	}
}

// All reads every message of the topics, in topic order.
func All(ctx context.Context, brokers []string, topics []string) ([]kafka.Message, error) {
	var out []kafka.Message
	for _, t := range topics {
		err := Read(ctx, brokers, t, func(m kafka.Message) error {
			out = append(out, m)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
