package pipeline

import (
	"fmt"

	"github.com/segmentio/kafka-go"

	"github.com/q2k/qualys2kafka/internal/deadletter"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// Records turns decoded hosts into what is published: a record per
// detection, RESULTS capped, on its status topic; a dead letter per
// detection the decoder rejected and per record larger than the topics
// accept. A sync and the import command share it, so that a file and the
// API give the same messages.
type Records struct {
	Encoder *record.Encoder
	Topics  publish.Topics
	// ResultsMaxBytes caps RESULTS (see record.CapResults); 0: no cap.
	ResultsMaxBytes int
	// MaxMessageBytes is the largest record published; a larger one is
	// dead-lettered. 0: no limit.
	MaxMessageBytes int
}

// Item is one message to publish: a record, its topic, and for a dead
// letter its reason.
type Item struct {
	Rec    record.Record
	Topic  string
	Reason string // "" for a detection record
}

// Message returns the Kafka message of the item.
func (it Item) Message() kafka.Message { return messageTo(it.Topic, it.Rec) }

// Host appends the items of host h to dst: its dead letters first, then
// its detections. It fails only when a record cannot be encoded, a bug.
func (r Records) Host(dst []Item, meta record.Meta, h *qualys.Host) ([]Item, error) {
	dead := r.Topics.DeadLetter()
	for _, rj := range h.Rejects {
		dst = append(dst, Item{Rec: deadletter.FromReject(meta, rj, r.MaxMessageBytes),
			Topic: dead, Reason: rj.Reason})
	}
	for i := range h.Detections {
		record.CapResults(&h.Detections[i], r.ResultsMaxBytes)
		rec, err := r.Encoder.Encode(meta, h, &h.Detections[i])
		if err != nil {
			return dst, fmt.Errorf("encode host %d qid %d: %w", h.ID, h.Detections[i].QID, err)
		}
		if r.tooLarge(rec) {
			dst = append(dst, r.deadLetterTooLarge(meta, rec))
			continue
		}
		dst = append(dst, Item{Rec: rec, Topic: r.Topics.ForStatus(rec.Status)})
	}
	return dst, nil
}

// tooLarge reports a record the detection topics would refuse. The bound
// counts key, value and headers; the batch framing around one record is
// left to the margin between MaxMessageBytes and the broker's limit.
func (r Records) tooLarge(rec record.Record) bool {
	if r.MaxMessageBytes <= 0 {
		return false
	}
	n := len(rec.Key) + len(rec.Value)
	for _, h := range rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n > r.MaxMessageBytes
}

// deadLetterTooLarge returns the dead letter of a record too large to
// publish, holding the record as JSON (cut to fit if need be). Should the
// record not decode back (a bug), the dead letter says so in raw's place.
func (r Records) deadLetterTooLarge(meta record.Meta, rec record.Record) Item {
	var raw []byte
	native, err := r.Encoder.Decode(rec.Value)
	if err == nil {
		raw, err = record.JSON(native)
	}
	if err != nil {
		raw = []byte("record could not be decoded back: " + err.Error())
	}
	return Item{Rec: deadletter.FromRecord(meta, rec, raw, r.MaxMessageBytes),
		Topic: r.Topics.DeadLetter(), Reason: deadletter.ReasonTooLarge}
}

func (s *Syncer) records() Records {
	return Records{Encoder: s.Encoder, Topics: s.Topics, ResultsMaxBytes: s.ResultsMaxBytes,
		MaxMessageBytes: s.MaxMessageBytes}
}
