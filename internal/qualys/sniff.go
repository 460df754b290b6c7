package qualys

import (
	"bytes"
	"unicode/utf8"
)

// BodyKind is what the first bytes of a response body say it is.
type BodyKind int

// The kinds of body Sniff tells apart.
const (
	// BodyUndecided means more bytes are needed.
	BodyUndecided BodyKind = iota
	// BodyXML is an XML document (or an empty body): the decoder reads it
	// and judges its root.
	BodyXML
	// BodyHTML is an HTML page, typically from a proxy or a login portal.
	BodyHTML
	// BodyOther is neither: plain text, JSON, binary.
	BodyOther
)

func (k BodyKind) String() string {
	switch k {
	case BodyXML:
		return "xml"
	case BodyHTML:
		return "html"
	case BodyOther:
		return "not xml"
	}
	return "undecided"
}

// SniffLimit is the most bytes Sniff needs: a prolog longer than this is
// left to the decoder to judge.
const SniffLimit = 4 << 10

// Sniff classifies a body from its first bytes, before any is decoded, so
// that an HTML page or other non-XML body served with status 200 becomes
// a transport error with an excerpt rather than a decoding error deep in
// a page. complete says prefix is the whole body. A byte-order mark,
// whitespace, the XML declaration, comments and processing instructions
// are passed over; the first markup then decides: an html element or
// DOCTYPE is HTML, any other element or DOCTYPE is XML.
func Sniff(prefix []byte, complete bool) BodyKind {
	const bom = "\xef\xbb\xbf"
	if !complete && len(prefix) < len(bom) && bytes.HasPrefix([]byte(bom), prefix) {
		return BodyUndecided
	}
	b := bytes.TrimPrefix(prefix, []byte(bom))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case len(b) == 0:
			return decided(complete, BodyXML)
		case b[0] != '<':
			return BodyOther
		case len(b) < 2:
			return decided(complete, BodyOther)
		case !complete && len(b) < 4 && bytes.HasPrefix([]byte("<!--"), b):
			return BodyUndecided
		case b[1] == '?':
			b = skipPast(b, "?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			b = skipPast(b, "-->")
		case b[1] == '!':
			return sniffDoctype(b, complete)
		default:
			return sniffElement(b[1:], complete)
		}
		if b == nil {
			return decided(complete || len(prefix) >= SniffLimit, BodyXML)
		}
	}
}

// sniffDoctype decides on a markup declaration: <!DOCTYPE html is HTML,
// another DOCTYPE is XML, anything else is not a document.
func sniffDoctype(b []byte, complete bool) BodyKind {
	const doctype = "<!DOCTYPE"
	if len(b) < len(doctype) {
		if !complete && bytes.EqualFold(b, []byte(doctype[:len(b)])) {
			return BodyUndecided
		}
		return BodyOther
	}
	if !bytes.EqualFold(b[:len(doctype)], []byte(doctype)) {
		return BodyOther
	}
	return sniffElement(bytes.TrimLeft(b[len(doctype):], " \t\r\n"), complete)
}

// sniffElement decides on the name that starts b.
func sniffElement(b []byte, complete bool) BodyKind {
	end := 0
	for end < len(b) {
		if !complete && !utf8.FullRune(b[end:]) {
			return BodyUndecided // a character cut by the end of the prefix
		}
		r, size := utf8.DecodeRune(b[end:])
		if !isNameRune(r, end == 0) {
			break
		}
		end += size
	}
	switch {
	case end == len(b) && !complete && end < 16:
		return BodyUndecided // the name may go on
	case end == 0:
		return BodyOther
	case bytes.EqualFold(b[:end], []byte("html")):
		return BodyHTML
	}
	return BodyXML
}

func isNameRune(r rune, first bool) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == '_' || r == ':' || r >= 0x80:
		return true
	case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		return true
	}
	return !first && (r >= '0' && r <= '9' || r == '-' || r == '.')
}

// skipPast returns b after the first end, or nil when b does not hold it.
func skipPast(b []byte, end string) []byte {
	i := bytes.Index(b, []byte(end))
	if i < 0 {
		return nil
	}
	return b[i+len(end):]
}

func decided(ok bool, k BodyKind) BodyKind {
	if ok {
		return k
	}
	return BodyUndecided
}
