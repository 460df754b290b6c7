package checkpoint

import (
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/plan"
	"github.com/q2k/qualys2kafka/internal/publish"
)

func newStore(t *testing.T) (*Store, []string, string) {
	t.Helper()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.UniqueName(t) + ".checkpoint"
	err := publish.EnsureTopics(t.Context(), brokers, nil,
		[]publish.TopicSpec{{Name: topic, Partitions: 1, Compacted: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(brokers, nil, topic, "sub-a")
	t.Cleanup(func() { s.Close() })
	return s, brokers, topic
}

func TestLoadReturnsLatestSave(t *testing.T) {
	s, _, _ := newStore(t)
	if _, found, err := s.Load(t.Context()); err != nil || found {
		t.Fatalf("Load on an empty topic = found %v, err %v; want nothing", found, err)
	}

	t1 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for i, st := range []time.Time{t1, t1.Add(time.Hour)} {
		if err := s.Save(t.Context(), Checkpoint{ServerTime: st, RunID: string(rune('a' + i)), Mode: "full"}); err != nil {
			t.Fatal(err)
		}
	}
	got, found, err := s.Load(t.Context())
	if err != nil || !found {
		t.Fatalf("Load = found %v, err %v", found, err)
	}
	if !got.ServerTime.Equal(t1.Add(time.Hour)) || got.RunID != "b" {
		t.Errorf("Load = %+v, want the second checkpoint", got)
	}
}

func TestLoadIgnoresOtherSubscriptions(t *testing.T) {
	s, brokers, topic := newStore(t)
	other := NewStore(brokers, nil, topic, "sub-b")
	defer other.Close()
	if err := other.Save(t.Context(), Checkpoint{ServerTime: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Load(t.Context()); err != nil || found {
		t.Errorf("Load = found %v, err %v; want no checkpoint for sub-a", found, err)
	}
}

// TestUnknownFormatIsAnError pins that a checkpoint this code cannot read
// stops the sync instead of silently starting a full one.
func TestUnknownFormatIsAnError(t *testing.T) {
	s, brokers, topic := newStore(t)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	err := w.WriteMessages(t.Context(), kafka.Message{Key: []byte("sync/sub-a"), Value: []byte("2026-11-30")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(t.Context()); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Load = %v, want ErrUnknownFormat", err)
	}
}

func TestClearProgressLeavesNone(t *testing.T) {
	s, _, _ := newStore(t)
	p := Progress{RunID: "r1", Mode: "full", ServerTime: time.Now().UTC(),
		Ranges: []plan.Range{{First: 1, Last: 10}, {First: 11}}, Done: []int{1}}
	if err := s.SaveProgress(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.LoadProgress(t.Context())
	if err != nil || !found || got.RunID != "r1" || len(got.Done) != 1 {
		t.Fatalf("LoadProgress = %+v, %v, %v", got, found, err)
	}

	if err := s.ClearProgress(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.LoadProgress(t.Context()); err != nil || found {
		t.Errorf("after ClearProgress: found %v, err %v; want none", found, err)
	}
}

// TestProgressWithBadIndexIsRefused pins that a stored progress naming a
// range that does not exist is an error, not a panic later.
func TestProgressWithBadIndexIsRefused(t *testing.T) {
	s, _, _ := newStore(t)
	p := Progress{RunID: "r1", Mode: "full", ServerTime: time.Now().UTC(),
		Ranges: []plan.Range{{First: 1}}, Done: []int{3}}
	if err := s.SaveProgress(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LoadProgress(t.Context()); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("LoadProgress = %v, want ErrUnknownFormat", err)
	}
}
