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

// validRun returns the length of the run at the start of b that check
// copies unchanged: allowed ASCII and whole UTF-8 sequences other than
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
