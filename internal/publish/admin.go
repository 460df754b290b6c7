package publish

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// TopicSpec is a topic the product needs, with the settings used when it
// creates it.
type TopicSpec struct {
	Name       string
	Partitions int
	Compacted  bool
}

// ErrMissingTopics reports topics that do not exist while creation was not
// asked for.
var ErrMissingTopics = errors.New("topics missing")

// EnsureTopics checks that every topic in specs exists. With create, it
// creates the missing ones (replication factor: the broker's default);
// without, a missing topic is an error naming it. transport may be nil.
func EnsureTopics(ctx context.Context, brokers []string, transport *kafka.Transport,
	specs []TopicSpec, create bool) error {
	c := &kafka.Client{Addr: addr(brokers)}
	if transport != nil {
		c.Transport = transport
	}
	missing, err := missingTopics(ctx, c, specs)
	if err != nil || len(missing) == 0 {
		return err
	}
	if !create {
		var names []string
		for _, s := range missing {
			names = append(names, s.Name)
		}
		return fmt.Errorf("%w: %s (create them, or set Q2K_KAFKA_CREATE_TOPICS=true for development)",
			ErrMissingTopics, strings.Join(names, ", "))
	}
	if err := createTopics(ctx, c, missing); err != nil {
		return err
	}
	return waitForLeaders(ctx, c, missing)
}

func missingTopics(ctx context.Context, c *kafka.Client, specs []TopicSpec) ([]TopicSpec, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, fmt.Errorf("read kafka metadata: %w", err)
	}
	have := make(map[string]bool, len(md.Topics))
	for _, t := range md.Topics {
		have[t.Name] = t.Error == nil
	}
	var missing []TopicSpec
	for _, s := range specs {
		if !have[s.Name] {
			missing = append(missing, s)
		}
	}
	return missing, nil
}

func createTopics(ctx context.Context, c *kafka.Client, specs []TopicSpec) error {
	req := &kafka.CreateTopicsRequest{}
	for _, s := range specs {
		tc := kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: -1}
		if s.Compacted {
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
		}
		req.Topics = append(req.Topics, tc)
	}
	resp, err := c.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for name, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	return nil
}

// waitForLeaders polls metadata until every partition of the new topics has
// a leader: a broker answers "not leader" to reads and writes until then.
func waitForLeaders(ctx context.Context, c *kafka.Client, specs []TopicSpec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
		if err == nil && allLed(md, len(names)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("created topics %s have no partition leaders after 30s: %w",
				strings.Join(names, ", "), cmp.Or(err, errors.New("metadata shows none")))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allLed(md *kafka.MetadataResponse, topics int) bool {
	if len(md.Topics) != topics {
		return false
	}
	for _, t := range md.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.ID < 0 || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}
