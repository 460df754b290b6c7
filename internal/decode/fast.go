package decode

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// fastDecoder is the Fast Stream. It yields what Decoder yields for the
// same bytes (hosts, rejects, server time, warning, repairs and the class
// of every error) several times faster: gosax delimits the tokens, values
// are parsed from the bytes, and only values kept in a Host become
// strings, most of them shared with earlier hosts. The differential tests
// and FuzzDecodeDifferential hold it to the reference decoder.
//
// Like Decoder, it holds one host at a time, plus the bytes of the token
// being read (see feed). It is not safe for concurrent use.
type fastDecoder struct {
	src    *source
	repair *repairReader
	f      *feed
	t      *tokenizer

	status     int
	state      state
	serverTime time.Time
	warning    *qualys.Warning
	done       error  // what Next returns from now on, once set
	text       []byte // text of the element being read
	attr       []byte // a decoded attribute value
	strs       stringCache
	recent     [elemCount][recentValues]string // see str

	// Scratch lists of the host and detection being read, copied into them
	// at their end at their exact length.
	detections []qualys.Detection
	cves       []string
	factors    []qualys.QDSFactor

	faultScope
	spans []detectionSpan // of the host, in document order
}

// newFast returns the fast decoder.
func newFast(r io.Reader, httpStatus int) Stream {
	src := &source{r: r}
	repair := newRepairReader(src)
	f := newFeed(src, repair)
	return &fastDecoder{src: src, repair: repair, f: f, t: newTokenizer(f), status: httpStatus}
}

func (d *fastDecoder) ServerTime() time.Time    { return d.serverTime }
func (d *fastDecoder) Warning() *qualys.Warning { return d.warning }
func (d *fastDecoder) Repairs() Repairs         { return d.repair.repairs }

// Next returns the next host; its errors are those of Decoder.Next. After
// an error it keeps returning that error.
func (d *fastDecoder) Next() (*qualys.Host, error) {
	if d.done != nil {
		return nil, d.done
	}
	h, err := d.next()
	if err != nil {
		d.done = err
	}
	return h, err
}

func (d *fastDecoder) next() (*qualys.Host, error) {
	for d.state != stateDone {
		kind, err := d.t.next()
		tok := &d.t.tok
		if err != nil {
			return nil, d.wrap(err)
		}
		switch kind {
		case tokStart:
			host, err := d.enter(tok)
			if err != nil || host != nil {
				return host, err
			}
		case tokEnd:
			d.leave(tok.elem)
		case tokEOF: // the input ended before the root element began
			return nil, d.wrap(&syntaxError{err: io.ErrUnexpectedEOF, asked: tok.to + 1})
		}
	}
	return nil, d.finish()
}

// enter handles a start element outside any host, as Decoder.enter does.
func (d *fastDecoder) enter(tok *token) (*qualys.Host, error) {
	switch e := tok.elem; {
	case d.state == stateStart && (e == elemSimpleReturn || e == elemGenericReturn):
		return nil, d.apiError(tok.from)
	case d.state == stateStart && e == elemRoot:
		d.state = stateRoot
		return nil, nil
	case d.state == stateStart:
		return nil, d.errorf("", "unexpected root element %s", tok.local)
	case e == elemResponse:
		d.state = stateResponse
		return nil, nil
	case e == elemDatetime && d.state == stateResponse:
		return nil, d.readServerTime()
	case e == elemHostList:
		d.state = stateHostList
		return nil, nil
	case e == elemHost && d.state == stateHostList:
		return d.readHost()
	case e == elemWarning:
		return nil, d.readWarning()
	}
	return nil, d.skip()
}

func (d *fastDecoder) leave(e elem) {
	switch e {
	case elemHostList, elemIDSet:
		d.state = stateResponse
	case elemRoot:
		d.state = stateDone
	}
}

// finish reads what follows the root element: comments and whitespace only.
func (d *fastDecoder) finish() error {
	for {
		kind, err := d.t.next()
		if err != nil {
			return d.wrap(err)
		}
		switch kind {
		case tokStart:
			return d.errorf("", "content after the root element")
		case tokEOF:
			return io.EOF
		}
	}
}

func (d *fastDecoder) readServerTime() error {
	s, err := d.readText(true)
	if err != nil {
		return err
	}
	t, ok := fastTime(s)
	if !ok {
		if t, err = parseTime(string(s)); err != nil {
			return d.wrapErr("DATETIME", err)
		}
	}
	d.serverTime = t
	return nil
}

func (d *fastDecoder) readWarning() error {
	w := &qualys.Warning{}
	for {
		el, err := d.child()
		if err != nil {
			return err
		}
		if el == nil {
			break
		}
		switch el.elem {
		case elemCode:
			var code qualys.Opt[int64]
			err = d.optInt(elemCode, &code)
			w.Code = int(code.V)
		case elemText:
			err = d.textField(elemText, &w.Text)
		case elemURL:
			err = d.textField(elemURL, &w.URL)
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
	d.warning = w
	return nil
}

// apiError reads the error document whose root starts at offset from with
// encoding/xml and qualys.DecodeError, as the reference decoder does, so
// that both give the same *qualys.APIError down to the text of a document
// that cannot be read. encoding/xml is first given as many newlines as
// came before the root, so that its errors name the same lines.
func (d *fastDecoder) apiError(from int64) error {
	line, _ := d.f.position(from)
	x := xml.NewDecoder(io.MultiReader(&newlines{n: line - 1}, &rest{f: d.f, off: from}))
	x.Strict = true
	x.CharsetReader = charsetReader
	for {
		tok, err := x.Token()
		if err != nil {
			return d.errorf("", "read error document again: %w", err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			return qualys.DecodeError(x, start, d.status)
		}
	}
}

// newlines reads as n newlines.
type newlines struct{ n int }

func (r *newlines) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(r.n, len(p))
	copy(p, bytes.Repeat([]byte("\n"), k))
	r.n -= k
	return k, nil
}

// child reads the next child element of the element being read and
// returns its start tag, nil after the element's end tag. Text between
// children is dropped. The token is valid until the next read.
func (d *fastDecoder) child() (*token, error) {
	for {
		kind, err := d.t.next()
		if err != nil {
			return nil, d.wrap(err)
		}
		switch kind {
		case tokStart:
			return &d.t.tok, nil
		case tokEnd:
			return nil, nil
		}
	}
}

// skip consumes the element whose start was just read.
func (d *fastDecoder) skip() error {
	for depth := 1; depth > 0; {
		kind, err := d.t.next()
		if err != nil {
			return d.wrap(err)
		}
		switch kind {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		}
	}
	return nil
}

// readText returns the text of an element that holds text only, by the
// rules of Decoder.readText. The result is valid until the next call.
func (d *fastDecoder) readText(trim bool) ([]byte, error) {
	text := d.text[:0]
	pieces, edge := 0, 0 // edge: length of trailing whitespace-only pieces
	for {
		kind, err := d.t.next()
		tok := &d.t.tok
		if err != nil {
			return nil, d.wrap(err)
		}
		switch kind {
		case tokText:
			if pieces > 0 || !isSpace(tok.text) {
				text = append(text, tok.text...)
				edge = nextEdge(tok.text, edge)
			}
			pieces++
		case tokStart:
			if err := d.skip(); err != nil {
				return nil, err
			}
		case tokEnd:
			d.text = text // keep the buffer it grew to
			s := text
			if pieces > 1 {
				s = s[:len(s)-edge]
			}
			if trim {
				s = bytes.TrimSpace(s)
			}
			return s, nil
		}
	}
}

func nextEdge(piece []byte, edge int) int {
	if isSpace(piece) {
		return edge + len(piece)
	}
	return 0
}

// wrap adds the position to a token error and classes it as the
// reference decoder does: no byte at all is ErrEmptyBody; a fault found
// where the reference would have asked for a byte the source no longer
// had, before the root closed, is ErrCut.
func (d *fastDecoder) wrap(err error) error {
	var apiErr *qualys.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	var syn *syntaxError
	switch {
	case d.src.err == io.EOF && d.src.n == 0:
		err = ErrEmptyBody
	case errors.As(err, &syn) && d.state != stateDone && d.f.tail >= 0 && syn.asked > d.f.tail:
		err = fmt.Errorf("%w: %w", ErrCut, d.src.cause())
	}
	line, col := d.f.position(d.f.pos)
	return &Error{Line: line, Column: col, Err: err}
}

// wrapErr adds the position to an error found in the content.
func (d *fastDecoder) wrapErr(element string, err error) error {
	line, col := d.f.position(d.f.pos)
	return &Error{Line: line, Column: col, Element: element, Err: err}
}

func (d *fastDecoder) errorf(element, format string, args ...any) error {
	return d.wrapErr(element, fmt.Errorf(format, args...))
}
