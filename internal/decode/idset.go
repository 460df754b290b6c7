package decode

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// HostListRoot is the root of every Host List response.
const HostListRoot = "HOST_LIST_OUTPUT"

// IDPage is what one Host List page (details=None) held besides its IDs.
type IDPage struct {
	ServerTime time.Time
	Warning    *qualys.Warning
}

// ReadIDSet reads a Host List response with details=None and calls fn for
// each ID (first == last) and ID_RANGE (first-last) of its ID_SET, as the
// document streams. Errors are those of Decoder.Next: *qualys.APIError for
// an error document, ErrCut for a stream that ended early, *Error for
// malformed content.
func ReadIDSet(r io.Reader, httpStatus int, fn func(first, last int64) error) (IDPage, error) {
	d := New(r, httpStatus)
	d.root = HostListRoot
	for d.state != stateDone {
		tok, err := d.token()
		if err != nil {
			return d.idPage(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := d.enterIDSet(t, fn); err != nil {
				return d.idPage(), err
			}
		case xml.EndElement:
			d.leave(t.Name.Local)
		}
	}
	return d.idPage(), d.finishIgnoringEOF()
}

func (d *Decoder) idPage() IDPage {
	return IDPage{ServerTime: d.serverTime, Warning: d.warning}
}

func (d *Decoder) finishIgnoringEOF() error {
	if err := d.finish(); err != io.EOF {
		return err
	}
	return nil
}

func (d *Decoder) enterIDSet(start xml.StartElement, fn func(first, last int64) error) error {
	name := start.Name.Local
	if name == "ID_SET" && d.state == stateResponse {
		d.state = stateHostList // the list of this document
		return nil
	}
	if d.state != stateHostList || (name != "ID" && name != "ID_RANGE") {
		_, err := d.enter(start)
		return err
	}
	s, err := d.readText(start, true)
	if err != nil {
		return err
	}
	first, last, err := parseIDRange(s)
	if err != nil {
		return d.wrapErr(name, err)
	}
	return fn(first, last)
}

// parseIDRange reads "123" or "123-456".
func parseIDRange(s string) (int64, int64, error) {
	a, b, isRange := strings.Cut(s, "-")
	first, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("not a host ID or range: %q", s)
	}
	if !isRange {
		return first, first, nil
	}
	last, err := strconv.ParseInt(b, 10, 64)
	if err != nil || last < first {
		return 0, 0, fmt.Errorf("not a host ID range: %q", s)
	}
	return first, last, nil
}
