package decode

import (
	"fmt"
	"io"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Stream is a decoder of one Host List Detection document. Both decoders
// implement it and yield the same hosts, rejects and errors for the same
// bytes; the reference decoder is the oracle the fast one is tested
// against.
type Stream interface {
	// Next returns the next host, io.EOF after the last one, or an error
	// after which the Stream must not be used again (see Decoder.Next).
	Next() (*qualys.Host, error)
	// ServerTime returns RESPONSE/DATETIME once it has been read.
	ServerTime() time.Time
	// Warning returns the WARNING of the document, complete after io.EOF.
	Warning() *qualys.Warning
	// Repairs returns what was repaired so far.
	Repairs() Repairs
}

// Kind names a decoder implementation.
type Kind string

// The decoder implementations.
const (
	// Fast is built on a tokenizer and is the default.
	Fast Kind = "fast"
	// Reference is built on encoding/xml; it is slower and serves as the
	// oracle of differential tests.
	Reference Kind = "reference"
)

// Kinds lists the valid kinds, the default first.
var Kinds = []Kind{Fast, Reference}

// ParseKind returns the Kind named s; "" is the default.
func ParseKind(s string) (Kind, error) {
	if s == "" {
		return Fast, nil
	}
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown decoder %q (want fast or reference)", s)
}

// Open returns a Stream of kind k reading the document from r; httpStatus
// is the status the document came with (0 for a file).
func Open(k Kind, r io.Reader, httpStatus int) Stream {
	if k == Reference {
		return New(r, httpStatus)
	}
	return newFast(r, httpStatus)
}
