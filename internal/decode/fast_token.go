package decode

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/orisano/gosax"
)

type tokenKind uint8

// The tokens the fast decoder acts on. Comments, processing instructions
// and directives are checked and dropped, as the reference decoder ignores
// them wherever they are.
const (
	tokStart tokenKind = iota + 1
	tokEnd
	tokText // character data or a CDATA section, one token each
	tokEOF  // the end of input, all elements closed
)

// token is the token tokenizer.next read last. Its slices are valid until
// the next call. The tokenizer holds it and callers read it there, so that
// no token is copied on its way up.
type token struct {
	kind  tokenKind
	elem  elem   // of a start or end tag
	slow  bool   // a start tag read by encoding/xml: its attributes are in slowAttrs
	local []byte // local name of a start tag
	// attrs are the attribute bytes of a start tag read by the fast path,
	// slowAttrs those of one read by encoding/xml.
	attrs     []byte
	slowAttrs []xml.Attr
	text      []byte // decoded character data
	from, to  int64  // offsets of the first byte and past the last
}

// tokenizer turns gosax events into tokens with the checks and decoding
// of encoding/xml in Strict mode, so that the fast decoder accepts and
// refuses exactly what the reference decoder does. gosax only delimits
// tokens, and loosely: the fast path checks each one and leaves anything
// unusual (a directive, the XML declaration, a character outside ASCII in
// a name, a malformed tag, a read error) to encoding/xml, which reads that
// one token again from its first byte; gosax then goes on after it.
type tokenizer struct {
	f   *feed
	sax *gosax.Reader

	names   []byte   // qualified names of the open elements, end to end
	open    []opened // the open elements, innermost last
	closing bool     // the last start tag closed itself: its end is next

	tok     token  // the last token read
	scratch []byte // decoded text
}

// syntaxError is a token that encoding/xml refuses. asked is the offset
// past the last byte the reference decoder had asked for when it found
// the fault: from it the decoder tells a cut document from a bad one.
type syntaxError struct {
	err   error
	asked int64
}

func (e *syntaxError) Error() string { return e.err.Error() }
func (e *syntaxError) Unwrap() error { return e.err }

// opened is an open element: where its name ends in names, and its elem.
// The name of a known element written without a prefix is elemNames[elem]
// and is not copied into names.
type opened struct {
	end   int
	elem  elem
	known bool
}

// errSlow sends a token to encoding/xml.
var errSlow = errors.New("token left to encoding/xml")

func newTokenizer(f *feed) *tokenizer {
	return &tokenizer{f: f, sax: gosax.NewReaderSize(f, feedChunk)}
}

// next reads the next token into t.tok and returns its kind. Errors are
// *syntaxError.
func (t *tokenizer) next() (tokenKind, error) {
	tok := &t.tok
	if t.closing {
		t.closing = false
		tok.kind, tok.elem, tok.from = tokEnd, t.pop(), tok.to
		return tokEnd, nil
	}
	for {
		from := t.f.pos
		ev, err := t.sax.Event()
		ready := false
		if err == nil {
			ready, err = t.take(tok, ev, from)
		}
		if err != nil && !isSyntax(err) {
			ready, err = t.slow(tok, from)
		}
		if err != nil {
			return 0, err
		}
		if ready {
			return tok.kind, nil
		}
	}
}

func isSyntax(err error) bool {
	_, ok := err.(*syntaxError)
	return ok
}

// take reads one gosax event on the fast path. It returns false for the
// events the decoder does not see, and errSlow for those it cannot take.
func (t *tokenizer) take(tok *token, ev gosax.Event, from int64) (bool, error) {
	b := ev.Bytes
	to := from + int64(len(b))
	switch ev.Type() {
	case gosax.EventText:
		return t.text(tok, b, from, to)
	case gosax.EventCData:
		return t.cdata(tok, b, from, to)
	case gosax.EventStart:
		return t.start(tok, b, from, to)
	case gosax.EventEnd:
		if t.closesOpen(b) { // the common "</NAME>", its name already checked
			t.f.pos = to
			tok.kind, tok.elem, tok.from, tok.to = tokEnd, t.pop(), from, to
			return true, nil
		}
		n, ok := parseEndTag(b)
		if !ok {
			return false, errSlow
		}
		return true, t.end(tok, b[2:2+n], from, to)
	case gosax.EventComment:
		return t.skipIf(commentOK(b), to)
	case gosax.EventProcessingInstruction:
		return t.skipIf(procInstOK(b), to)
	case gosax.EventEOF:
		return t.eof(tok, from)
	}
	return false, errSlow // a directive
}

func (t *tokenizer) skipIf(ok bool, to int64) (bool, error) {
	if !ok {
		return false, errSlow
	}
	t.f.pos = to
	return false, nil
}

func (t *tokenizer) text(tok *token, b []byte, from, to int64) (bool, error) {
	text := b
	if !plain(b) {
		var ok bool
		if text, ok = appendText(t.scratch[:0], b); !ok {
			return false, errSlow
		}
		t.scratch = text
	}
	t.setText(tok, text, from, to)
	return true, nil
}

func (t *tokenizer) setText(tok *token, text []byte, from, to int64) {
	t.f.pos = to
	tok.kind, tok.text, tok.from, tok.to = tokText, text, from, to
}

func (t *tokenizer) cdata(tok *token, b []byte, from, to int64) (bool, error) {
	text, ok := cdataContent(b)
	if !ok {
		return false, errSlow
	}
	if bytes.IndexByte(text, '\r') >= 0 {
		text = appendCDATA(t.scratch[:0], text)
		t.scratch = text
	}
	t.setText(tok, text, from, to)
	return true, nil
}

func (t *tokenizer) start(tok *token, b []byte, from, to int64) (bool, error) {
	var e elem
	var name []byte
	empty := b[len(b)-2] == '/'
	if empty {
		name = b[1 : len(b)-2]
	} else {
		name = b[1 : len(b)-1]
	}
	// Most tags are a known name alone, "<QID>", which needs no more check
	// and no copy of its name.
	if e = lookupElem(name); e != elemOther {
		t.open = append(t.open, opened{end: len(t.names), elem: e, known: true})
	} else {
		n, closes, ok := parseStartTag(b, &t.scratch)
		if !ok {
			return false, errSlow
		}
		empty, name = closes, b[1:1+n]
		e = lookupElem(localName(name))
		t.push(name, e)
	}
	t.f.pos = to
	t.closing = empty
	tok.kind, tok.elem, tok.local, tok.from, tok.to = tokStart, e, localName(name), from, to
	tok.attrs, tok.slow = b[1+len(name):len(b)-1], false
	return true, nil
}

// end closes the innermost element, which must have the same name, as
// encoding/xml's Token requires.
func (t *tokenizer) end(tok *token, name []byte, from, to int64) error {
	if len(t.open) == 0 {
		return t.fault(to, "unexpected end element </%s>", name)
	}
	if !t.isOpen(name) {
		return t.fault(to, "element <%s> closed by </%s>", t.openName(), name)
	}
	e := t.pop()
	t.f.pos = to
	tok.kind, tok.elem, tok.from, tok.to = tokEnd, e, from, to
	return nil
}

func (t *tokenizer) eof(tok *token, at int64) (bool, error) {
	if len(t.open) > 0 {
		return false, &syntaxError{err: errUnexpectedEOF, asked: at + 1}
	}
	tok.kind, tok.from, tok.to = tokEOF, at, at
	return true, nil
}

var errUnexpectedEOF = errors.New("unexpected EOF")

func (t *tokenizer) fault(asked int64, format string, args ...any) error {
	return &syntaxError{err: fmt.Errorf(format, args...), asked: asked}
}

// closesOpen reports whether end tag b is "</NAME>" for the innermost open
// element.
func (t *tokenizer) closesOpen(b []byte) bool {
	return len(t.open) > 0 && t.isOpen(b[2:len(b)-1])
}

// isOpen reports whether name is that of the innermost open element.
func (t *tokenizer) isOpen(name []byte) bool {
	o := &t.open[len(t.open)-1]
	if o.known {
		return elemNames[o.elem] == string(name)
	}
	return bytes.Equal(t.names[t.openStart():o.end], name)
}

// openName returns the name of the innermost open element, for errors.
func (t *tokenizer) openName() string {
	o := &t.open[len(t.open)-1]
	if o.known {
		return elemNames[o.elem]
	}
	return string(t.names[t.openStart():o.end])
}

func (t *tokenizer) push(name []byte, e elem) {
	t.names = append(t.names, name...)
	t.open = append(t.open, opened{end: len(t.names), elem: e})
}

// openStart returns where the name of the innermost open element starts
// in names.
func (t *tokenizer) openStart() int {
	if len(t.open) < 2 {
		return 0
	}
	return t.open[len(t.open)-2].end
}

// pop closes the innermost element and returns its elem.
func (t *tokenizer) pop() elem {
	t.names = t.names[:t.openStart()]
	e := t.open[len(t.open)-1].elem
	t.open = t.open[:len(t.open)-1]
	return e
}

// slow reads the token at offset from with encoding/xml, as the reference
// decoder reads it, then has gosax go on after it.
func (t *tokenizer) slow(tok *token, from int64) (bool, error) {
	r := &replay{f: t.f, off: from}
	x := xml.NewDecoder(r)
	x.Strict = true
	x.CharsetReader = charsetReader
	raw, err := x.RawToken()
	if err != nil {
		return false, &syntaxError{err: err, asked: r.asked}
	}
	to := from + x.InputOffset()
	t.f.rewind(to)
	t.sax.Reset(t.f)

	switch v := raw.(type) {
	case xml.StartElement:
		e := elemIndex[v.Name.Local]
		t.push(qualified(v.Name), e)
		t.closing = t.f.buf[to-t.f.base-2] == '/'
		*tok = token{kind: tokStart, elem: e, slow: true, local: []byte(v.Name.Local),
			slowAttrs: v.Attr, from: from, to: to}
	case xml.EndElement:
		if err := t.end(tok, qualified(v.Name), from, to); err != nil {
			return false, err
		}
	case xml.CharData:
		t.scratch = append(t.scratch[:0], v...)
		*tok = token{kind: tokText, text: t.scratch, from: from, to: to}
	default:
		return false, nil
	}
	return true, nil
}

// qualified returns a name read by RawToken as it was written.
func qualified(n xml.Name) []byte {
	if n.Space == "" {
		return []byte(n.Local)
	}
	return []byte(n.Space + ":" + n.Local)
}
