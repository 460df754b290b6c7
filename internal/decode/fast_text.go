package decode

import (
	"bytes"
	"unicode/utf8"
)

// The fast path takes the common forms of names, tags and text and leaves
// everything else to encoding/xml (see tokenizer.slow), so the helpers
// below need not know every rule of XML: each returns ok == false for
// anything it is not sure encoding/xml accepts exactly so. What they
// accept, they must decode exactly as encoding/xml does.

// nameTable marks the ASCII bytes of XML names: bit 1 may start a name,
// bit 2 may continue one.
var nameTable = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = 3, 3
	}
	t['_'], t[':'] = 3, 3
	for c := '0'; c <= '9'; c++ {
		t[c] = 2
	}
	t['.'], t['-'] = 2, 2
	return t
}()

// scanName returns the length of the ASCII name at the start of b and the
// colons in it; 0 if b does not start with one or the name goes on in
// non-ASCII bytes, whose letter classes encoding/xml checks.
func scanName(b []byte) (n, colons int) {
	if len(b) == 0 || nameTable[b[0]]&1 == 0 {
		return 0, 0
	}
	for n = 0; n < len(b) && nameTable[b[n]] != 0; n++ {
		if b[n] == ':' {
			colons++
		}
	}
	if n < len(b) && b[n] >= utf8.RuneSelf {
		return 0, 0
	}
	return n, colons
}

// scanQName is scanName for element and attribute names, which take at
// most one colon.
func scanQName(b []byte) int {
	n, colons := scanName(b)
	if colons > 1 {
		return 0
	}
	return n
}

// localName returns the part of a qualified name after its prefix, as
// encoding/xml splits it: only a colon with a name on each side counts.
func localName(name []byte) []byte {
	for i, c := range name {
		if c == ':' {
			if i > 0 && i < len(name)-1 {
				return name[i+1:]
			}
			break
		}
	}
	return name
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	return i
}

// parseStartTag checks a start tag as gosax delimits it, from '<' to the
// first '>' outside quotes, and returns the length of its name and
// whether it closes itself. Attribute values with references are decoded
// into scratch to check them.
func parseStartTag(b []byte, scratch *[]byte) (nameLen int, empty, ok bool) {
	nameLen = scanQName(b[1:])
	if nameLen == 0 {
		return 0, false, false
	}
	last := len(b) - 1
	for i := 1 + nameLen; ; {
		i = skipSpace(b, i)
		switch {
		case b[i] == '>':
			return nameLen, false, i == last
		case b[i] == '/':
			return nameLen, true, i+1 == last
		}
		i = skipAttr(b[:last], i, scratch)
		if i < 0 {
			return 0, false, false
		}
	}
}

// skipAttr checks the attribute at b[i:] and returns the index after it,
// or -1.
func skipAttr(b []byte, i int, scratch *[]byte) int {
	n := scanQName(b[i:])
	if n == 0 {
		return -1
	}
	i = skipSpace(b, i+n)
	if i == len(b) || b[i] != '=' {
		return -1
	}
	i = skipSpace(b, i+1)
	if i == len(b) || b[i] != '"' && b[i] != '\'' {
		return -1
	}
	j := bytes.IndexByte(b[i+1:], b[i])
	if j < 0 {
		return -1
	}
	if !checkAttrValue(b[i+1:i+1+j], scratch) {
		return -1
	}
	return i + j + 2
}

// checkAttrValue reports whether encoding/xml takes an attribute value;
// only one with references needs decoding for that.
func checkAttrValue(v []byte, scratch *[]byte) bool {
	if bytes.IndexByte(v, '<') >= 0 {
		return false
	}
	if bytes.IndexByte(v, '&') < 0 {
		return true
	}
	out, ok := appendAttrValue((*scratch)[:0], v)
	*scratch = out
	return ok
}

// findAttr returns the value of the first attribute of a checked start
// tag (its bytes after the name) whose local name is name, decoded into
// dst, as the reference decoder's attr does.
func findAttr(dst, attrs []byte, name string) ([]byte, bool) {
	for i := 0; ; {
		i = skipSpace(attrs, i)
		if i >= len(attrs) || attrs[i] == '/' || attrs[i] == '>' {
			return dst, false
		}
		n := scanQName(attrs[i:])
		key := localName(attrs[i : i+n])
		i = skipSpace(attrs, skipSpace(attrs, i+n)+1)
		q := attrs[i]
		j := bytes.IndexByte(attrs[i+1:], q)
		if string(key) == name {
			v, _ := appendAttrValue(dst, attrs[i+1:i+1+j])
			return v, true
		}
		i += j + 2
	}
}

// parseEndTag checks an end tag, from "</" to '>', and returns the length
// of its name.
func parseEndTag(b []byte) (nameLen int, ok bool) {
	n := scanQName(b[2:])
	return n, n > 0 && skipSpace(b, 2+n) == len(b)-1
}

// commentOK reports whether a comment as gosax delimits it (from "<!-" to
// the first "-->" after it) is one encoding/xml reads the same: opened by
// "<!--" and holding no "--" before its end.
func commentOK(b []byte) bool {
	return len(b) >= 7 && b[3] == '-' && bytes.Index(b[4:], []byte("--")) == len(b)-7
}

// procInstOK reports whether a processing instruction needs nothing from
// encoding/xml: a plain ASCII target, and not the XML declaration, whose
// version and encoding encoding/xml checks.
func procInstOK(b []byte) bool {
	n, _ := scanName(b[2:])
	return n > 0 && string(b[2:2+n]) != "xml"
}

// cdataContent returns the text of a CDATA section as gosax delimits it
// (from "<![" to the first "]]>" after it).
func cdataContent(b []byte) ([]byte, bool) {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("<![CDATA[")) {
		return nil, false
	}
	return b[9 : len(b)-3], true
}

// textSpecial marks the bytes of character data that need more than a
// copy: line ends to normalise, references, and "]]>", refused in text.
var textSpecial = func() (t [256]bool) {
	t['\r'], t['&'], t[']'], t['<'] = true, true, true, true
	return t
}()

// plain reports whether b holds no textSpecial byte.
func plain(b []byte) bool {
	if len(b) < 32 {
		for _, c := range b {
			if textSpecial[c] {
				return false
			}
		}
		return true
	}
	return bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 &&
		bytes.IndexByte(b, ']') < 0 && bytes.IndexByte(b, '<') < 0
}

// appendText appends the character data of text b to dst, decoded.
func appendText(dst, b []byte) ([]byte, bool) { return appendChars(dst, b, false) }

// appendAttrValue appends an attribute value (without its quotes) to dst,
// decoded.
func appendAttrValue(dst, b []byte) ([]byte, bool) { return appendChars(dst, b, true) }

// appendChars decodes line ends and references as encoding/xml does. In
// text "]]>" is refused; in an attribute value '<' is.
func appendChars(dst, b []byte, inAttr bool) ([]byte, bool) {
	for len(b) > 0 {
		i := 0
		for i < len(b) && !textSpecial[b[i]] {
			i++
		}
		dst = append(dst, b[:i]...)
		if b = b[i:]; len(b) == 0 {
			break
		}
		n := 1
		switch {
		case b[0] == '\r':
			dst = append(dst, '\n')
			if len(b) > 1 && b[1] == '\n' {
				n = 2
			}
		case b[0] == '&':
			var ok bool
			if dst, n, ok = appendReference(dst, b); !ok {
				return dst, false
			}
		case b[0] == '<' || !inAttr && bytes.HasPrefix(b, []byte("]]>")):
			return dst, false
		default:
			dst = append(dst, b[0])
		}
		b = b[n:]
	}
	return dst, true
}

// appendReference decodes the entity or character reference at the start
// of b and returns its length.
func appendReference(dst, b []byte) ([]byte, int, bool) {
	if len(b) > 1 && b[1] == '#' {
		return appendCharRef(dst, b)
	}
	for _, e := range [...]struct {
		ref string
		c   byte
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if bytes.HasPrefix(b, []byte(e.ref)) {
			return append(dst, e.c), len(e.ref), true
		}
	}
	return dst, 0, false
}

// appendCharRef decodes "&#NNN;" or "&#xHHH;". As in encoding/xml, a
// surrogate becomes U+FFFD and a character XML does not allow is refused.
func appendCharRef(dst, b []byte) ([]byte, int, bool) {
	i, base := 2, rune(10)
	if i < len(b) && b[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	var r rune
	for ; i < len(b); i++ {
		d := digitValue(b[i])
		if d >= base {
			break
		}
		if r = r*base + d; r > utf8.MaxRune {
			return dst, 0, false
		}
	}
	if i == start || i == len(b) || b[i] != ';' {
		return dst, 0, false
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	if !isXMLChar(r) {
		return dst, 0, false
	}
	return utf8.AppendRune(dst, r), i + 1, true
}

// digitValue returns the value of a hexadecimal digit, 16 for any other
// byte.
func digitValue(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return 16
}

// isXMLChar reports whether XML 1.0 allows r (the Char production).
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= utf8.MaxRune
}

// appendCDATA appends the text of a CDATA section, line ends normalised.
func appendCDATA(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(append(dst, b[:i]...), '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}
