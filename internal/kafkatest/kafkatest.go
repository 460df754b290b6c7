// Package kafkatest gives tests a Kafka to talk to: the real broker named by
// Q2K_TEST_KAFKA (which `make test` starts), or else an in-process one.
//
// In CI (CI=true) the integration tests (build tag integration) require the
// real broker: a run that silently fell back would hide what only a real
// broker shows. Unit tests may always use the in-process one.
package kafkatest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/q2k/qualys2kafka/internal/tail"
)

var announce sync.Once

// Brokers returns the bootstrap addresses of the Kafka the test should use,
// and logs which one it is. The in-process cluster is closed when the test
// ends.
func Brokers(t testing.TB) []string {
	t.Helper()
	if addr := os.Getenv("Q2K_TEST_KAFKA"); addr != "" {
		name := os.Getenv("Q2K_TEST_KAFKA_NAME")
		if name == "" {
			name = "Kafka"
		}
		announce.Do(func() { fmt.Printf("kafkatest: using %s at %s\n", name, addr) })
		t.Logf("kafka: %s at %s", name, addr)
		return strings.Split(addr, ",")
	}
	if requireReal && os.Getenv("CI") == "true" {
		t.Fatal("kafkatest: CI=true but Q2K_TEST_KAFKA is not set; the real broker is required in CI")
	}

	brokers := StartInProcess(t)
	announce.Do(func() {
		fmt.Println("kafkatest: Q2K_TEST_KAFKA not set; using the in-process Kafka (kfake), not a real broker")
	})
	t.Logf("kafka: in-process kfake at %s", brokers[0])
	return brokers
}

// StartInProcess starts an in-process Kafka for the test's lifetime.
func StartInProcess(t testing.TB) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatalf("start in-process kafka: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// UniqueName returns a topic name prefix no other test or run uses, so that
// tests can share one broker.
func UniqueName(t testing.TB) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '_' // Kafka allows nothing else in a topic name
	}, t.Name())
	return fmt.Sprintf("test.%s.%d", name, time.Now().UnixNano())
}

// ReadAll reads every message of a topic from the start to its end at the
// time of the call.
func ReadAll(ctx context.Context, t testing.TB, brokers []string, topic string) []kafka.Message {
	t.Helper()
	msgs, err := tail.All(ctx, brokers, []string{topic})
	if err != nil {
		t.Fatalf("read back %s: %v", topic, err)
	}
	return msgs
}
