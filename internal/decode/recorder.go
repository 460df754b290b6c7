package decode

import "io"

// recorder is the xml.Decoder's input. It hands bytes on one at a time, so
// that encoding/xml reads it without a buffer of its own and InputOffset
// counts exactly the bytes it returned, and it keeps the bytes from a
// marked offset on, so that a rejected detection can be dead-lettered as
// the API sent it. Nothing is kept while no mark is set.
type recorder struct {
	r    io.Reader
	buf  []byte
	pos  int   // next byte of buf to hand on
	base int64 // offset in the document of buf[0]
	keep int64 // first offset to keep, or -1
}

const recorderChunk = 32 << 10

func newRecorder(r io.Reader) *recorder {
	return &recorder{r: r, buf: make([]byte, 0, recorderChunk), keep: -1}
}

func (r *recorder) ReadByte() (byte, error) {
	if r.pos == len(r.buf) {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	c := r.buf[r.pos]
	r.pos++
	return c, nil
}

func (r *recorder) Read(p []byte) (int, error) {
	if r.pos == len(r.buf) {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}

// fill drops the bytes that are neither unread nor kept and reads more.
func (r *recorder) fill() error {
	drop := r.pos
	if r.keep >= 0 {
		drop = int(r.keep - r.base)
	}
	if drop > 0 {
		n := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:n]
		r.pos -= drop
		r.base += int64(drop)
	}
	if r.keep < 0 && cap(r.buf) > 32*recorderChunk {
		r.buf = append(make([]byte, 0, recorderChunk), r.buf...) // a large host has passed
	}
	if cap(r.buf)-len(r.buf) < recorderChunk/2 {
		grown := make([]byte, len(r.buf), 2*cap(r.buf))
		copy(grown, r.buf)
		r.buf = grown
	}
	for {
		n, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// mark keeps the bytes from offset on (offset must not be behind a byte
// already dropped); a negative offset keeps nothing.
func (r *recorder) mark(offset int64) { r.keep = offset }

// slice returns the kept bytes between two offsets.
func (r *recorder) slice(from, to int64) string {
	return string(r.buf[from-r.base : to-r.base])
}
