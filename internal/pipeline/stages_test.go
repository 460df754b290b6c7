package pipeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/checkpoint"
	"github.com/q2k/qualys2kafka/internal/deadletter"
	"github.com/q2k/qualys2kafka/internal/plan"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// encodeOne runs the encode stage over one host and returns its items.
func encodeOne(t *testing.T, s *Syncer, h *qualys.Host) []item {
	t.Helper()
	hosts := make(chan hostItem, 1)
	hosts <- hostItem{host: h, rng: 3}
	close(hosts)
	batches := make(chan []item, 10)
	if err := s.encode(t.Context(), "run-1", hosts, batches); err != nil {
		t.Fatal(err)
	}
	close(batches)
	var out []item
	for b := range batches {
		out = append(out, b...)
	}
	return out
}

func testSyncer(t *testing.T, maxMessage int) *Syncer {
	t.Helper()
	enc, err := record.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	c, err := qualys.NewClient(qualys.ClientConfig{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return &Syncer{Client: c, Encoder: enc, Topics: publish.NewTopics("", ""),
		MaxMessageBytes: maxMessage, Subscription: "acme"}
}

// TestRecordTooLargeGoesToTheDeadLetterTopic: a record over the topic's
// limit is dead-lettered with its JSON form, the others of the host are
// published, and the host's rejects are dead-lettered with their reason.
func TestRecordTooLargeGoesToTheDeadLetterTopic(t *testing.T) {
	s := testSyncer(t, 64<<10)
	h := &qualys.Host{ID: 7, Detections: []qualys.Detection{
		{QID: 1, Status: "Active", Results: "small"},
		{QID: 2, Status: "Active", Results: strings.Repeat("r", 100<<10)},
	}, Rejects: []qualys.Reject{{Reason: qualys.RejectDate, Detail: "LAST_FOUND_DATETIME: x",
		HostID: 7, QID: 3, Raw: "<DETECTION><QID>3</QID></DETECTION>"}}}

	items := encodeOne(t, s, h)
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3 (one per DETECTION element)", len(items))
	}
	byReason := map[string]item{}
	for _, it := range items {
		if it.rng != 3 {
			t.Errorf("item of range %d, want 3", it.rng)
		}
		byReason[it.Reason] = it
	}
	if it := byReason[""]; it.Topic != s.Topics.ForStatus("ACTIVE") || it.Rec.QID != 1 {
		t.Errorf("published item: topic %s qid %d", it.Topic, it.Rec.QID)
	}
	for _, reason := range []string{deadletter.ReasonTooLarge, qualys.RejectDate} {
		it, ok := byReason[reason]
		if !ok || it.Topic != s.Topics.DeadLetter() {
			t.Fatalf("no dead letter for %s: %+v", reason, byReason)
		}
		var e deadletter.Entry
		if err := json.Unmarshal(it.Rec.Value, &e); err != nil {
			t.Fatal(err)
		}
		if e.HostID != 7 || e.Reason != reason || len(it.Rec.Value) > s.MaxMessageBytes {
			t.Errorf("%s entry: %+v (%d bytes)", reason, e, len(it.Rec.Value))
		}
		if reason == deadletter.ReasonTooLarge && (e.Source != deadletter.SourceRecord ||
			!e.RawTruncated || !strings.Contains(e.Raw, `"qid":2`)) {
			t.Errorf("too-large entry lacks the record: source %s truncated %v raw %.80s",
				e.Source, e.RawTruncated, e.Raw)
		}
	}
}

// TestEncodeSendsPartialBatchWhenNoHostWaits: records are not held back
// for company while the next page is slow to come; they would delay the
// ranges they complete, and the progress saved.
func TestEncodeSendsPartialBatchWhenNoHostWaits(t *testing.T) {
	s := testSyncer(t, 0)
	s.BatchSize = 1000
	hosts := make(chan hostItem)
	batches := make(chan []item, 1)
	errc := make(chan error, 1)
	go func() { errc <- s.encode(t.Context(), "run-1", hosts, batches) }()

	hosts <- hostItem{host: &qualys.Host{ID: 1, Detections: []qualys.Detection{{QID: 1}, {QID: 2}}}}
	select {
	case b := <-batches:
		if len(b) != 2 {
			t.Errorf("batch of %d records, want 2", len(b))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the batch waited for more hosts")
	}
	close(hosts)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestProgressCountsHostsAsTheyCome: the summary (and so the progress log)
// counts a host when it is handed on, not when its range's walk ends; the
// log said 0 hosts through a long range before.
func TestProgressCountsHostsAsTheyCome(t *testing.T) {
	s := testSyncer(t, 0)
	sum := newSummary(checkpoint.Progress{RunID: "run-1", Ranges: make([]plan.Range, 2)})
	tr := newTracker(s, t.Context(), checkpoint.Progress{RunID: "run-1", Ranges: make([]plan.Range, 2)}, &sum)
	tr.fetched(1, &qualys.Host{ID: 9, Detections: make([]qualys.Detection, 3),
		Rejects: make([]qualys.Reject, 1)})
	if sum.Hosts != 1 || sum.Detections != 3 || sum.Rejects != 1 || tr.expected[1] != 4 {
		t.Errorf("after one host: hosts %d detections %d rejects %d expected %d; want 1, 3, 1, 4",
			sum.Hosts, sum.Detections, sum.Rejects, tr.expected[1])
	}
}
