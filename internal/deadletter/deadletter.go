// Package deadletter builds the records of the dead-letter topic: what the
// API sent that could not become a detection record, or a record the
// detection topics would not accept, kept with the reason and the raw data
// so that nothing is dropped without a trace and it can be replayed once
// the cause is fixed.
//
// Values are JSON, not Avro: the entries are for people and for replay
// tools, they are rare, and their raw field is whatever arrived.
package deadletter

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// ReasonTooLarge is the reason of a record larger than the detection
// topics accept. The other reasons are qualys.Reject*.
const ReasonTooLarge = "record_too_large"

// Header names of a dead-letter record, besides those of record.Header*.
const (
	HeaderReason = "reason"
)

// ContentType is the content-type header of dead-letter values.
const ContentType = "application/json"

// Entry is one dead-letter value.
type Entry struct {
	Reason       string    `json:"reason"`
	Detail       string    `json:"detail"`
	Subscription string    `json:"subscription,omitempty"`
	RunID        string    `json:"run_id"`
	ObservedAt   time.Time `json:"observed_at"`
	HostID       int64     `json:"host_id,omitempty"`
	QID          int64     `json:"qid,omitempty"`
	// Source says what Raw holds: the DETECTION element as the API sent it
	// ("qualys_xml"), or the record as JSON ("record_json").
	Source string `json:"source"`
	Raw    string `json:"raw"`
	// RawLength is the length of the raw data in bytes before Raw was cut
	// to fit the topic; RawTruncated says it was.
	RawLength    int  `json:"raw_length"`
	RawTruncated bool `json:"raw_truncated,omitempty"`
}

// The sources of Entry.Raw.
const (
	SourceXML    = "qualys_xml"
	SourceRecord = "record_json"
)

// overhead bounds the JSON around Raw, headers and key included, so that
// a cut Raw keeps the whole record under the limit. JSON escaping can
// grow Raw itself (a quote becomes two bytes, a control character six),
// so build cuts again by what escaping added until the value fits.
const overhead = 4 << 10

// maxDetail bounds Detail under a limit, so that overhead holds: a fault
// quotes the value that failed, which can be as long as its element, and
// Raw carries that value anyway.
const maxDetail = 1 << 10

// FromReject returns the dead-letter record of a detection the decoder
// rejected. maxBytes is the most a record may hold (0: no limit).
func FromReject(m record.Meta, r qualys.Reject, maxBytes int) record.Record {
	return build(m, Entry{Reason: r.Reason, Detail: r.Detail, HostID: r.HostID, QID: r.QID,
		Source: SourceXML, Raw: r.Raw}, maxBytes)
}

// FromRecord returns the dead-letter record of a detection record larger
// than the detection topics accept; raw is the record as JSON. The size
// in the detail counts key, value and headers, as the limit does.
func FromRecord(m record.Meta, rec record.Record, raw []byte, maxBytes int) record.Record {
	size := len(rec.Key) + len(rec.Value)
	for _, h := range rec.Headers {
		size += len(h.Key) + len(h.Value)
	}
	detail := "record of " + strconv.Itoa(size) +
		" bytes is larger than the " + strconv.Itoa(maxBytes) + " the topic accepts"
	return build(m, Entry{Reason: ReasonTooLarge, Detail: detail, HostID: rec.HostID,
		QID: rec.QID, Source: SourceRecord, Raw: string(raw)}, maxBytes)
}

func build(m record.Meta, e Entry, maxBytes int) record.Record {
	e.Subscription, e.RunID, e.ObservedAt = m.Subscription, m.RunID, m.ObservedAt.UTC()
	e.RawLength = len(e.Raw)
	if maxBytes > 0 {
		e.Detail = cut(e.Detail, maxDetail)
	}
	value := marshal(e)
	raw, budget := e.Raw, maxBytes-overhead
	for n := budget; maxBytes > 0 && len(value) > budget && n > 0; {
		e.Raw, e.RawTruncated = cut(raw, n), true
		value = marshal(e)
		n = n*budget/len(value) - 1 // shrink by what escaping added
	}

	key := append([]byte(m.Subscription), '|')
	key = strconv.AppendInt(key, e.HostID, 10)
	key = append(key, '|')
	key = strconv.AppendInt(key, e.QID, 10)
	return record.Record{
		Key:   key,
		Value: value,
		Headers: []record.Header{
			{Key: HeaderReason, Value: []byte(e.Reason)},
			{Key: record.HeaderHostID, Value: strconv.AppendInt(nil, e.HostID, 10)},
			{Key: record.HeaderQID, Value: strconv.AppendInt(nil, e.QID, 10)},
			{Key: record.HeaderRunID, Value: []byte(m.RunID)},
			{Key: record.HeaderContentType, Value: []byte(ContentType)},
		},
		HostID: e.HostID,
		QID:    e.QID,
	}
}

// marshal writes e as JSON, leaving <, > and & as they are so that raw XML
// stays readable.
func marshal(e Entry) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		panic("deadletter: marshal entry: " + err.Error()) // only strings and numbers
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// cut returns at most n bytes of s, ending on a character boundary.
func cut(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
