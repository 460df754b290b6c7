package decode

import (
	"encoding/binary"
	"unicode/utf8"
)

// xmlASCII marks the ASCII bytes XML 1.0 allows as they are.
var xmlASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['\t'], t['\n'], t['\r'] = true, true, true
	return t
}()

// runRepair is the repair reader of the fast decoder. It reads and counts
// exactly as repairReader.Read does (the same fills of the same buffers,
// so the source is asked for bytes at the same points), but copies runs
// of allowed ASCII whole instead of byte by byte, and reuses its output
// buffer: check starts from rr.out[:0], which has no room left once out
// has been read to its end, so it allocates a new one on every fill. The
// byte loop of check alone runs at about 200 MB/s, the fast decoder's
// whole budget.
//
// TODO(fast-decoder): check in repair.go could copy runs and keep its
// buffer the same way; then this type goes and both decoders share one
// loop.
type runRepair struct {
	*repairReader
	buf []byte // the array out is read from, whole
}

func (rr *runRepair) Read(p []byte) (int, error) {
	for len(rr.out) == 0 {
		if rr.err != nil && len(rr.in) == 0 {
			return 0, rr.err
		}
		rr.fill()
		rr.checkRuns()
	}
	n := copy(p, rr.out)
	rr.out = rr.out[n:]
	return n, nil
}

// checkRuns is check with runs of characters that need no repair copied
// in one append.
func (rr *runRepair) checkRuns() {
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

// validRun returns the length of the run at the start of b that check
// would copy unchanged: allowed ASCII and whole UTF-8 sequences other than
// U+FFFE and U+FFFF. A sequence cut at the end of b ends the run, as check
// leaves it for the next read.
func validRun(b []byte) int {
	n := 0
	for n < len(b) {
		n += asciiWords(b[n:])
		if n == len(b) {
			break
		}
		if c := b[n]; c < utf8.RuneSelf {
			if !xmlASCII[c] {
				break
			}
			n++
			continue
		}
		r, size := utf8.DecodeRune(b[n:])
		if r == utf8.RuneError && size <= 1 || r == 0xFFFE || r == 0xFFFF {
			break
		}
		n += size
	}
	return n
}

// asciiWords returns the length of the whole eight-byte words of allowed
// ASCII at the start of b. A word of printable ASCII passes the first test;
// only a word with a control character (a line end, a tab) needs the
// exact one.
func asciiWords(b []byte) int {
	const (
		high  = 0x8080808080808080
		low   = 0x2020202020202020
		seven = 0x7F7F7F7F7F7F7F7F
		ctl   = 0xE0E0E0E0E0E0E0E0 // the bits a byte below 0x20 has clear
		ones  = 0x0101010101010101
	)
	n := 0
	for ; n+8 <= len(b); n += 8 {
		v := binary.LittleEndian.Uint64(b[n:])
		if (v-low)&^v&high|v&high == 0 {
			continue // no byte below 0x20 or above 0x7F
		}
		if v&high != 0 {
			break
		}
		controls := zeroBytes(v&ctl, seven)
		allowed := zeroBytes(v^'\t'*ones, seven) | zeroBytes(v^'\n'*ones, seven) |
			zeroBytes(v^'\r'*ones, seven)
		if controls&^allowed != 0 {
			break
		}
	}
	return n
}

// zeroBytes marks with its high bit each byte of x that is zero.
func zeroBytes(x, seven uint64) uint64 { return ^((x&seven + seven) | x | seven) }
