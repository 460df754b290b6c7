package decode

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// The field readers below read a text-only element into a typed value. An
// empty element leaves the value absent; text that does not parse is an
// *Error naming the element.

func (d *Decoder) textField(el xml.StartElement, dst *string) error {
	s, err := d.readText(el, true)
	*dst = s
	return err
}

func (d *Decoder) requiredInt(el xml.StartElement, dst *int64) error {
	s, err := d.readText(el, true)
	if err != nil {
		return err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return d.errorf(el.Name.Local, "not an integer: %q", s)
	}
	*dst = v
	return nil
}

func (d *Decoder) intField(el xml.StartElement, set func(int64)) error {
	var o qualys.Opt[int64]
	if err := d.optInt(el, &o); err != nil {
		return err
	}
	set(o.V)
	return nil
}

func (d *Decoder) optInt(el xml.StartElement, dst *qualys.Opt[int64]) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return d.errorf(el.Name.Local, "not an integer: %q", s)
	}
	*dst = qualys.Some(v)
	return nil
}

func (d *Decoder) optInt32(el xml.StartElement, dst *qualys.Opt[int32]) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return d.errorf(el.Name.Local, "not a 32-bit integer: %q", s)
	}
	*dst = qualys.Some(int32(v))
	return nil
}

func (d *Decoder) optBool(el xml.StartElement, dst *qualys.Opt[bool]) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	switch s {
	case "0", "false":
		*dst = qualys.Some(false)
	case "1", "true":
		*dst = qualys.Some(true)
	default:
		return d.errorf(el.Name.Local, "not a boolean: %q", s)
	}
	return nil
}

func (d *Decoder) timeField(el xml.StartElement, dst *time.Time) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	t, err := parseTime(s)
	if err != nil {
		return d.wrapErr(el.Name.Local, err)
	}
	*dst = t
	return nil
}

// timeLayouts are the date forms accepted, the API's own first.
var timeLayouts = []string{
	qualys.TimeLayout,
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// parseTime reads a date in one of timeLayouts and returns it in UTC.
// Forms without an offset are taken as UTC, as the API writes UTC. A line
// break inside the value (seen in published samples) is dropped with the
// indentation that follows it.
func parseTime(s string) (time.Time, error) {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), "")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// wrapf reports a detection-level fault with the host it belongs to.
func (d *Decoder) wrapf(element string, err error, hostID int64) error {
	line, col := d.x.InputPos()
	return &Error{Line: line, Column: col, Element: element,
		Err: fmt.Errorf("host %d: %w", hostID, err)}
}
