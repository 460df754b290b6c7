package decode

import (
	"bytes"
	"errors"
	"io"
)

// feed is the input of the tokenizer: the repaired document, kept from the
// start of the token being read on. gosax keeps its own window and says
// only where a token ends, so feed keeps a second copy for the three things
// that need the bytes again: a token the fast path leaves to encoding/xml
// (read again from its first byte), the raw element of a rejected
// detection, and an error document, which encoding/xml reads from its root.
//
// Memory stays bounded: bytes before the current token are dropped unless
// a detection of the current host may still need them, and the tokenizer
// may look at most lookahead bytes past a token's start before the token
// is left to encoding/xml (see Read).
type feed struct {
	src *source
	r   io.Reader // the repair reader
	err error     // of r, once seen

	buf  []byte
	base int64 // offset in the document of buf[0]
	next int   // index in buf of the next byte for gosax
	pos  int64 // offset where the current token starts
	keep int64 // first offset a detection may still need, or -1

	// tail is the offset of the first byte returned by the read in which
	// the source failed or ended, -1 before. The reference decoder sees the
	// failure when it asks for the byte at tail, so a syntax error found
	// at or past tail is, for it, a cut document.
	tail int64

	// lines counts the newlines in dropped bytes, and lastLine is the
	// offset just after the last of them, for error positions.
	lines    int
	lastLine int64
}

// feedChunk is the least feed reads at once, and the size of gosax's
// buffer; both grow to hold the longest token.
const feedChunk = 16 << 10

// lookahead bounds what gosax may read of one tag, comment or processing
// instruction; text and CDATA may grow to textLookahead, the size of a
// large RESULTS. Past it, encoding/xml reads the token, which stops where
// it would. Variables so that tests can make every token long.
var (
	lookahead     int64 = 1 << 20
	textLookahead int64 = 64 << 20
)

// errLookahead stops gosax on a token longer than the lookahead allows.
var errLookahead = errors.New("token longer than the tokenizer's lookahead")

func newFeed(src *source, r io.Reader) *feed {
	return &feed{src: src, r: r, buf: make([]byte, 0, feedChunk), keep: -1, tail: -1}
}

// Read hands gosax the next bytes, reading more when it has had them all.
func (f *feed) Read(p []byte) (int, error) {
	if f.next == len(f.buf) {
		if f.overLookahead() {
			return 0, errLookahead
		}
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.buf[f.next:])
	f.next += n
	return n, nil
}

// overLookahead reports whether gosax has read more of the current token
// than it may.
func (f *feed) overLookahead() bool {
	read := f.base + int64(f.next) - f.pos
	if read <= lookahead {
		return false
	}
	i := int(f.pos - f.base)
	isText := f.buf[i] != '<' || bytes.HasPrefix(f.buf[i:], []byte("<![CDATA["))
	return !isText || read > textLookahead
}

// fill reads once more from r into buf, after dropping what is no longer
// needed. It returns r's error once r has no more.
func (f *feed) fill() error {
	if f.err != nil {
		return f.err
	}
	f.compact()
	ok := f.src.err == nil
	for {
		at := f.base + int64(len(f.buf))
		n, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
		if ok && f.src.err != nil && f.tail < 0 {
			f.tail = at
		}
		f.buf = f.buf[:len(f.buf)+n]
		if n > 0 {
			return nil
		}
		if err != nil {
			f.err = err
			return err
		}
	}
}

// compact drops the bytes before the current token (and before the first
// detection of the host, while one may be rejected) and makes room for one
// more read. What is kept is moved only when it fills half of buf at most,
// else buf grows, so that each byte is moved a bounded number of times even
// while a large host is kept whole.
func (f *feed) compact() {
	if cap(f.buf)-len(f.buf) >= feedChunk/2 {
		return
	}
	from := f.pos
	if f.keep >= 0 && f.keep < from {
		from = f.keep
	}
	drop := int(from - f.base)
	f.countLines(f.buf[:drop])
	live := f.buf[drop:]

	size := cap(f.buf)
	switch {
	case len(live) > size/2:
		size *= 2
	case size > 16*feedChunk && len(live) < feedChunk:
		size = feedChunk // a large host or token has passed
	}
	dst := f.buf
	if size != cap(f.buf) {
		dst = make([]byte, 0, size)
	}
	f.buf = append(dst[:0], live...)
	f.next -= drop
	f.base += int64(drop)
}

// countLines counts the newlines of bytes about to be dropped.
func (f *feed) countLines(dropped []byte) {
	if n := bytes.Count(dropped, []byte("\n")); n > 0 {
		f.lines += n
		f.lastLine = f.base + int64(bytes.LastIndexByte(dropped, '\n')) + 1
	}
}

// at returns the byte at offset off, reading more as needed.
func (f *feed) at(off int64) (byte, error) {
	for off-f.base >= int64(len(f.buf)) {
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	return f.buf[off-f.base], nil
}

// slice returns the kept bytes between two offsets.
func (f *feed) slice(from, to int64) []byte {
	return f.buf[from-f.base : to-f.base]
}

// rewind makes off the start of the next token, which gosax reads again
// from there.
func (f *feed) rewind(off int64) {
	f.pos = off
	f.next = int(off - f.base)
}

// position returns the line and column of offset off, counted as
// encoding/xml counts them (newlines only).
func (f *feed) position(off int64) (line, column int) {
	head := f.buf[:min(max(off-f.base, 0), int64(len(f.buf)))]
	line = 1 + f.lines + bytes.Count(head, []byte("\n"))
	start := f.lastLine
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		start = f.base + int64(i) + 1
	}
	return line, int(off-start) + 1
}

// replay reads the document again from an offset for encoding/xml, one
// byte at a time so that encoding/xml keeps no buffer of its own and ends
// each token on its last byte. It counts the bytes asked for: the last one
// tells whether the reference decoder would have seen the end of input.
type replay struct {
	f     *feed
	off   int64 // of the next byte
	asked int64 // offset past the last byte asked for
}

func (r *replay) ReadByte() (byte, error) {
	r.asked = r.off + 1
	c, err := r.f.at(r.off)
	if err != nil {
		return 0, err
	}
	r.off++
	return c, nil
}

// Read exists because encoding/xml hands its reader to CharsetReader as an
// io.Reader; charsetReader gives it back unchanged.
func (r *replay) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	return 1, nil
}

// rest reads the document from an offset to its end without keeping it:
// the input of encoding/xml for an error document.
type rest struct {
	f    *feed
	off  int64
	past bool // off is past buf: read r itself
}

func (r *rest) Read(p []byte) (int, error) {
	if i := r.off - r.f.base; !r.past && i < int64(len(r.f.buf)) {
		n := copy(p, r.f.buf[i:])
		r.off += int64(n)
		return n, nil
	}
	r.past = true
	if r.f.err != nil {
		return 0, r.f.err
	}
	n, err := r.f.r.Read(p)
	if err != nil {
		r.f.err = err
	}
	return n, err
}
