// Package record turns Qualys host detections into Kafka records: the key
// (the detection identity), the Avro value of schemas/detection.avsc, and
// the headers. It also decodes values back, for the tail command and tests.
//
// It leaves topics, partitioning and delivery to the publisher, and schema
// registration to its caller: values are framed as Avro single-object
// encoding unless an encoder is built with another Framing.
package record

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Meta is what a record says about the sync that produced it rather than
// about the detection.
type Meta struct {
	// RunID identifies the sync run; required.
	RunID string
	// Subscription is the configured subscription label; empty when none is
	// set. It is part of the key.
	Subscription string
	// APIVersion is the Qualys API version the data came from, e.g. "5.0".
	APIVersion string
	// ObservedAt is when the detection was read from the API; required.
	// It is stored with millisecond precision in UTC.
	ObservedAt time.Time
}

// Record is one Kafka message for one host detection.
type Record struct {
	Key     []byte
	Value   []byte
	Headers []Header

	// Status is the value of the status header, one of the Status results;
	// the publisher picks the topic from it.
	Status  string
	EventID string
	HostID  int64
	QID     int64
}

// Header is one Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Header names set on every record.
const (
	HeaderStatus      = "status"       // NEW, ACTIVE, FIXED, REOPENED or UNKNOWN
	HeaderHostID      = "host_id"      // decimal Qualys host ID
	HeaderQID         = "qid"          // decimal QID
	HeaderRunID       = "run_id"       // Meta.RunID
	HeaderContentType = "content-type" // Framing.ContentType
)

// Statuses of a record, as in the DetectionStatus enum of the schema.
const (
	StatusNew      = "NEW"
	StatusActive   = "ACTIVE"
	StatusFixed    = "FIXED"
	StatusReopened = "REOPENED"
	StatusUnknown  = "UNKNOWN"
)

// Status returns the schema's status symbol for the API's status word:
// New, Active, Fixed, Re-Opened (case and the hyphen do not matter) map to
// NEW, ACTIVE, FIXED, REOPENED; an absent or unrecognised word (older output
// leaves it out of Info detections) maps to UNKNOWN.
func Status(d *qualys.Detection) string {
	switch normalize(d.Status) {
	case "NEW":
		return StatusNew
	case "ACTIVE":
		return StatusActive
	case "FIXED":
		return StatusFixed
	case "REOPENED":
		return StatusReopened
	}
	return StatusUnknown
}

// detectionType returns the schema's DetectionType symbol for the API's
// type word: Confirmed, Potential, Info, otherwise UNKNOWN.
func detectionType(word string) string {
	switch w := normalize(word); w {
	case "CONFIRMED", "POTENTIAL", "INFO":
		return w
	}
	return "UNKNOWN"
}

// normalize upper-cases an API word and drops hyphens, spaces and
// underscores, so that Re-Opened, REOPENED and Re Opened compare equal.
func normalize(word string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '_':
			return -1
		}
		return unicode.ToUpper(r)
	}, strings.TrimSpace(word))
}

// statusSymbols are the DetectionStatus symbols in schema order, so that a
// symbol's position is its Avro enum index. UNKNOWN is last.
var statusSymbols = [...]string{
	StatusNew, StatusActive, StatusFixed, StatusReopened, StatusUnknown,
}

// typeSymbols are the DetectionType symbols in schema order. UNKNOWN is
// last.
var typeSymbols = [...]string{"CONFIRMED", "POTENTIAL", "INFO", "UNKNOWN"}

// symbolIndex returns the position in symbols of the symbol that Status
// and detectionType give for the API's word, or the last position (UNKNOWN)
// when none matches. Encode looks up two words per record, and normalize
// allocates for most of them, so this upper-cases short ASCII words on the
// stack; other words, which are rare, go through normalize.
func symbolIndex(symbols []string, word string) int {
	word = strings.TrimSpace(word)

	var buf [32]byte
	n := 0
	for i := 0; i < len(word); i++ {
		c := word[i]
		switch {
		case c >= utf8.RuneSelf || n == len(buf):
			return indexOf(symbols, normalize(word))
		case c == '-' || c == ' ' || c == '_':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return indexOf(symbols, string(buf[:n]))
}

// indexOf returns the position of word in symbols, or the last position.
func indexOf(symbols []string, word string) int {
	for i, s := range symbols {
		if s == word {
			return i
		}
	}
	return len(symbols) - 1
}
