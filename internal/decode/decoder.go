// Package decode reads Host List Detection responses as a stream and yields
// one host, with its detections, at a time.
//
// It never holds more than one host in memory and never fetches or expands
// a DTD. It knows nothing of HTTP, pagination or Kafka: the caller decides
// what a WARNING means and where hosts go.
package decode

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// RootElement is the root of every Host List Detection response.
const RootElement = "HOST_LIST_VM_DETECTION_OUTPUT"

// ErrCut reports a document that ended, or whose stream failed, before its
// closing root element: the page is incomplete and must be fetched again.
var ErrCut = errors.New("document ended before its closing root element")

// ErrEmptyBody reports a document without a single byte: no data, or a
// stream dropped before it began; only the caller can tell which.
var ErrEmptyBody = errors.New("empty response body")

// Error is a decode failure with its position in the document.
type Error struct {
	Line, Column int
	Element      string // the element being read, if any
	Err          error
}

func (e *Error) Error() string {
	where := fmt.Sprintf("line %d, column %d", e.Line, e.Column)
	if e.Element != "" {
		where += ", in " + e.Element
	}
	return fmt.Sprintf("decode %s: %v", where, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Decoder reads one response document. It is not safe for concurrent use.
type Decoder struct {
	x      *xml.Decoder
	src    *source
	repair *repairReader
	rec    *recorder

	status     int    // HTTP status, recorded on API errors
	root       string // the root element expected
	state      state
	serverTime time.Time
	warning    *qualys.Warning
	text       strings.Builder

	faultScope
	elements []detectionSpan // of the host, in document order
}

type state int

const (
	stateStart    state = iota // before the root element
	stateRoot                  // inside the root, outside RESPONSE
	stateResponse              // inside RESPONSE, outside HOST_LIST
	stateHostList              // inside HOST_LIST
	stateDone                  // root closed
)

// New returns a Decoder reading the document from r. httpStatus is the
// status the document came with; it is only used to fill APIError.
//
// Characters that XML 1.0 forbids and bytes that are not UTF-8 are
// replaced with U+FFFD and counted (see Repairs), rather than failing the
// whole document.
func New(r io.Reader, httpStatus int) *Decoder {
	src := &source{r: r}
	repair := newRepairReader(src)
	rec := newRecorder(repair)
	x := xml.NewDecoder(rec)
	x.Strict = true
	x.CharsetReader = charsetReader
	return &Decoder{x: x, src: src, repair: repair, rec: rec, status: httpStatus,
		root: RootElement}
}

// Repairs returns what the Decoder repaired so far.
func (d *Decoder) Repairs() Repairs { return d.repair.repairs }

// Next returns the next host of the document. It returns io.EOF after the
// last host once the root element has closed; ErrCut (wrapped in *Error) if
// the stream ended or failed before that; an *qualys.APIError if the
// document is an error document; and *Error for malformed content. After
// any error other than io.EOF the Decoder must not be used again.
func (d *Decoder) Next() (*qualys.Host, error) {
	for d.state != stateDone {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			if end, ok := tok.(xml.EndElement); ok {
				d.leave(end.Name.Local)
			}
			continue
		}

		host, err := d.enter(start)
		if err != nil || host != nil {
			return host, err
		}
	}
	return nil, d.finish()
}

// ServerTime returns the RESPONSE/DATETIME of the document, the zero time
// until it has been read. The API writes it before the first host.
func (d *Decoder) ServerTime() time.Time { return d.serverTime }

// Warning returns the WARNING element of the document, or nil if it had
// none. It is complete once Next has returned io.EOF.
func (d *Decoder) Warning() *qualys.Warning { return d.warning }

// enter handles a start element outside any host and returns a host when
// the element was one.
func (d *Decoder) enter(start xml.StartElement) (*qualys.Host, error) {
	name := start.Name.Local
	switch {
	case d.state == stateStart && qualys.IsErrorRoot(name):
		return nil, qualys.DecodeError(d.x, start, d.status)
	case d.state == stateStart && name == d.root:
		d.state = stateRoot
		return nil, nil
	case d.state == stateStart:
		return nil, d.errorf(name, "unexpected root element %s", name)
	case name == "RESPONSE":
		d.state = stateResponse
		return nil, nil
	case name == "DATETIME" && d.state == stateResponse:
		return nil, d.readServerTime(start)
	case name == "HOST_LIST":
		d.state = stateHostList
		return nil, nil
	case name == "HOST" && d.state == stateHostList:
		return d.readHost(start)
	case name == "WARNING":
		return nil, d.readWarning(start)
	}
	return nil, d.skip(name)
}

// leave tracks the end of the elements enter let through.
func (d *Decoder) leave(name string) {
	switch name {
	case "HOST_LIST", "ID_SET":
		d.state = stateResponse
	case d.root:
		d.state = stateDone
	}
}

// finish reads what follows the root element: comments and whitespace only.
func (d *Decoder) finish() error {
	for {
		tok, err := d.x.Token()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return d.wrap("", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			return d.errorf("", "content after the root element")
		}
	}
}

// token returns the next token, turning the end of input before the root
// has closed into ErrCut.
func (d *Decoder) token() (xml.Token, error) {
	tok, err := d.x.Token()
	if err != nil {
		return nil, d.wrap("", err)
	}
	return tok, nil
}

func (d *Decoder) readServerTime(start xml.StartElement) error {
	s, err := d.readText(start, true)
	if err != nil {
		return err
	}
	t, err := parseTime(s)
	if err != nil {
		return d.wrapErr("DATETIME", err)
	}
	d.serverTime = t
	return nil
}

func (d *Decoder) readWarning(start xml.StartElement) error {
	w := &qualys.Warning{}
	err := d.children(start, func(el xml.StartElement) error {
		switch el.Name.Local {
		case "CODE":
			return d.intField(el, func(v int64) { w.Code = int(v) })
		case "TEXT":
			return d.textField(el, &w.Text)
		case "URL":
			return d.textField(el, &w.URL)
		}
		return d.skip(el.Name.Local)
	})
	if err != nil {
		return err
	}
	d.warning = w
	return nil
}

// children calls fn for each child element of start until start closes.
// fn must consume the child element entirely.
func (d *Decoder) children(start xml.StartElement, fn func(xml.StartElement) error) error {
	for {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// readText returns the text of an element that holds text only. Comments
// are dropped and nested elements skipped. Whitespace-only text around a
// CDATA section is dropped; with trim the result is also trimmed, which
// RESULTS must not be, to keep its content byte for byte.
func (d *Decoder) readText(start xml.StartElement, trim bool) (string, error) {
	d.text.Reset()
	pieces, edge := 0, 0 // edge: length of trailing whitespace-only pieces
	for {
		tok, err := d.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if pieces > 0 || !isSpace(t) {
				edge = d.appendPiece(t, edge)
			}
			pieces++
		case xml.StartElement:
			if err := d.skip(t.Name.Local); err != nil {
				return "", err
			}
		case xml.EndElement:
			return d.endText(pieces, edge, trim), nil
		}
	}
}

// appendPiece adds one piece of character data and returns the length of
// whitespace-only pieces now at the end of the text.
func (d *Decoder) appendPiece(t xml.CharData, edge int) int {
	d.text.Write(t)
	if isSpace(t) {
		return edge + len(t)
	}
	return 0
}

func (d *Decoder) endText(pieces, edge int, trim bool) string {
	s := d.text.String()
	if pieces > 1 {
		s = s[:len(s)-edge]
	}
	if trim {
		s = strings.TrimSpace(s)
	}
	return s
}

// skip consumes the element whose start was just read.
func (d *Decoder) skip(name string) error {
	if err := d.x.Skip(); err != nil {
		return d.wrap(name, err)
	}
	return nil
}

// wrap adds the position to err; the end of input before the root closed
// becomes ErrCut.
func (d *Decoder) wrap(element string, err error) error {
	var apiErr *qualys.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	switch {
	case d.src.err == io.EOF && d.src.n == 0:
		err = ErrEmptyBody
	case d.src.err != nil && d.state != stateDone:
		err = fmt.Errorf("%w: %w", ErrCut, d.src.cause())
	}
	line, col := d.x.InputPos()
	return &Error{Line: line, Column: col, Element: element, Err: err}
}

// wrapErr adds the position to an error found in the content.
func (d *Decoder) wrapErr(element string, err error) error {
	line, col := d.x.InputPos()
	return &Error{Line: line, Column: col, Element: element, Err: err}
}

func (d *Decoder) errorf(element, format string, args ...any) error {
	line, col := d.x.InputPos()
	return &Error{Line: line, Column: col, Element: element, Err: fmt.Errorf(format, args...)}
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// source remembers how the underlying reader ended, to tell a cut stream
// from malformed content.
type source struct {
	r   io.Reader
	n   int64 // bytes read
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

func (s *source) cause() error {
	if s.err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return s.err
}

// charsetReader accepts the encodings the API declares. The API writes
// UTF-8; anything else is refused rather than guessed.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported document encoding %q", charset)
}
