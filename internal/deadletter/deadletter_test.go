package deadletter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

var meta = record.Meta{RunID: "run-1", Subscription: "acme", ObservedAt: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}

func decodeEntry(t *testing.T, rec record.Record) Entry {
	t.Helper()
	var e Entry
	if err := json.Unmarshal(rec.Value, &e); err != nil {
		t.Fatalf("value is not JSON: %v", err)
	}
	return e
}

func TestFromRejectKeepsReasonAndRawElement(t *testing.T) {
	raw := `<DETECTION><QID>12a</QID><RESULTS><![CDATA[a "quoted" <b>]]></RESULTS></DETECTION>`
	rec := FromReject(meta, qualys.Reject{Reason: qualys.RejectNumber, Detail: `QID: not an integer: "12a"`,
		HostID: 5, Raw: raw}, 1<<20)

	e := decodeEntry(t, rec)
	want := Entry{Reason: qualys.RejectNumber, Detail: `QID: not an integer: "12a"`, Subscription: "acme",
		RunID: "run-1", ObservedAt: meta.ObservedAt, HostID: 5, Source: SourceXML, Raw: raw, RawLength: len(raw)}
	if e != want {
		t.Errorf("entry = %+v\nwant    %+v", e, want)
	}
	if string(rec.Key) != "acme|5|0" {
		t.Errorf("key = %q", rec.Key)
	}
	if h := rec.Headers[0]; h.Key != HeaderReason || string(h.Value) != qualys.RejectNumber {
		t.Errorf("first header = %s=%s", h.Key, h.Value)
	}
}

// TestRawIsCutToFitTheTopic: an entry never becomes the record too large
// to publish, even when escaping grows its raw data.
func TestRawIsCutToFitTheTopic(t *testing.T) {
	const limit = 64 << 10
	for name, raw := range map[string]string{
		"plain":         strings.Repeat("x", 200<<10),
		"escaped":       strings.Repeat("<\"\x01", 100<<10),
		"multibyte_end": strings.Repeat("é", 100<<10),
	} {
		t.Run(name, func(t *testing.T) {
			rec := FromReject(meta, qualys.Reject{Reason: qualys.RejectDate, Raw: raw}, limit)
			if size := len(rec.Value); size+overhead > limit {
				t.Errorf("record of %d bytes (+%d overhead) is over the %d limit", size, overhead, limit)
			}
			e := decodeEntry(t, rec)
			if !e.RawTruncated || e.RawLength != len(raw) || !strings.HasPrefix(raw, e.Raw) || !utf8.ValidString(e.Raw) {
				t.Errorf("truncated=%v raw_length=%d (want %d), raw of %d bytes", e.RawTruncated, e.RawLength, len(raw), len(e.Raw))
			}
			if len(e.Raw) < limit/8 {
				t.Errorf("raw cut to %d bytes, far below the limit", len(e.Raw))
			}
		})
	}
}

// TestFromRecordNamesTheSizes: the size named counts the headers, as the
// limit does; it counted key and value only, so a record refused for its
// headers was said to be smaller than the limit.
func TestFromRecordNamesTheSizes(t *testing.T) {
	rec := record.Record{Key: []byte("k"), Value: make([]byte, 2000), HostID: 3, QID: 4,
		Headers: []record.Header{{Key: "h", Value: []byte("vv")}}}
	dl := FromRecord(meta, rec, []byte(`{"host":{"id":3}}`), 1000)
	e := decodeEntry(t, dl)
	if e.Reason != ReasonTooLarge || e.Source != SourceRecord || e.HostID != 3 || e.QID != 4 ||
		!strings.Contains(e.Detail, "2004 bytes") {
		t.Errorf("entry = %+v", e)
	}
}

// TestLongDetailIsCutToFitTheTopic: a fault quotes the value that failed,
// so a date element of megabytes made a detail of megabytes, which no cut
// of Raw could bring under the limit.
func TestLongDetailIsCutToFitTheTopic(t *testing.T) {
	const limit = 64 << 10
	value := strings.Repeat("x", 200<<10)
	r := qualys.Reject{Reason: qualys.RejectDate, Detail: "LAST_FOUND_DATETIME: not a date: " + value,
		Raw: "<DETECTION><LAST_FOUND_DATETIME>" + value + "</LAST_FOUND_DATETIME></DETECTION>"}
	rec := FromReject(meta, r, limit)
	if size := len(rec.Value); size+overhead > limit {
		t.Errorf("record of %d bytes (+%d overhead) is over the %d limit", size, overhead, limit)
	}
	if e := decodeEntry(t, rec); !strings.HasPrefix(r.Detail, e.Detail) || len(e.Detail) > maxDetail {
		t.Errorf("detail of %d bytes, want a prefix of at most %d", len(e.Detail), maxDetail)
	}
}
