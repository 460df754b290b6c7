package decode

import (
	"io"
	"unicode/utf8"
)

// Repairs counts what a Decoder changed in a document so that it could be
// read: characters XML 1.0 does not allow (control characters, even inside
// CDATA, and U+FFFE, U+FFFF) and bytes that are not UTF-8. Each became
// U+FFFD.
type Repairs struct {
	IllegalChars int
	InvalidUTF8  int
}

// Add adds r's counts to the receiver.
func (c *Repairs) Add(r Repairs) {
	c.IllegalChars += r.IllegalChars
	c.InvalidUTF8 += r.InvalidUTF8
}

// Total returns the number of repairs.
func (c Repairs) Total() int { return c.IllegalChars + c.InvalidUTF8 }

const replacement = "\uFFFD"

// repairReader replaces what XML 1.0 forbids with U+FFFD as the document
// streams, so that one stray byte from a scanner's output does not lose a
// whole page. It holds back at most three bytes: the start of a UTF-8
// sequence that the next read completes.
type repairReader struct {
	r       io.Reader
	in      []byte // read, not yet checked
	out     []byte // checked, not yet returned
	buf     []byte // the array out is read from, whole, reused by each check
	err     error  // of r, once seen
	repairs Repairs
}

func newRepairReader(r io.Reader) *repairReader {
	return &repairReader{r: r, in: make([]byte, 0, 32<<10)}
}

func (rr *repairReader) Read(p []byte) (int, error) {
	for len(rr.out) == 0 {
		if rr.err != nil && len(rr.in) == 0 {
			return 0, rr.err
		}
		rr.fill()
		rr.check()
	}
	n := copy(p, rr.out)
	rr.out = rr.out[n:]
	return n, nil
}

// fill reads more input unless the source has ended.
func (rr *repairReader) fill() {
	if rr.err != nil {
		return
	}
	if cap(rr.in)-len(rr.in) < 4<<10 {
		grown := make([]byte, len(rr.in), 2*cap(rr.in))
		copy(grown, rr.in)
		rr.in = grown
	}
	n, err := rr.r.Read(rr.in[len(rr.in):cap(rr.in)])
	rr.in = rr.in[:len(rr.in)+n]
	rr.err = err
}

// check moves the checked part of in to out, repairing as it goes. Runs
// that need no repair are copied whole (see validRun), and the output
// buffer is reused from one fill to the next: a byte-at-a-time loop here
// would cap both decoders near 200 MB/s.
func (rr *repairReader) check() {
	out := rr.buf[:0]
	in := rr.in
	for len(in) > 0 {
		if n := validRun(in); n > 0 {
			out = append(out, in[:n]...)
			in = in[n:]
			continue
		}
		c := in[0]
		if c < utf8.RuneSelf {
			rr.repairs.IllegalChars++
			out = append(out, replacement...)
			in = in[1:]
			continue
		}
		if !utf8.FullRune(in) && rr.err == nil {
			break // the next read completes it
		}
		r, size := utf8.DecodeRune(in)
		switch {
		case r == utf8.RuneError && size <= 1:
			rr.repairs.InvalidUTF8++
			out = append(out, replacement...)
		case r == 0xFFFE || r == 0xFFFF:
			rr.repairs.IllegalChars++
			out = append(out, replacement...)
		default:
			out = append(out, in[:size]...)
		}
		in = in[size:]
	}
	rr.out, rr.buf = out, out
	rr.in = append(rr.in[:0], in...)
}
