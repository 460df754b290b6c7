package decode

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// fault is a value inside a host that cannot be read. It does not fail the
// document: it rejects the detection it belongs to, or every detection of
// the host when it is the host's own, and the rejects carry it to the
// dead-letter topic. Both decoders build faults with the parse functions
// below, so that their rejects read the same.
type fault struct {
	reason  string // one of the qualys.Reject* kinds
	element string
	msg     string
}

func (f *fault) detail() string { return f.element + ": " + f.msg }

// missingID is the fault of a host or detection without its identity: the
// element absent, empty or 0, which no host ID or QID is. A record keyed
// by 0 would merge unrelated detections.
func missingID(element, id string) *fault {
	return &fault{qualys.RejectMissing, element, "no " + id}
}

// parseInt reads a decimal integer of at most bits bits.
func parseInt(element, s string, bits int) (int64, *fault) {
	v, err := strconv.ParseInt(s, 10, bits)
	if err == nil {
		return v, nil
	}
	what := "an integer"
	if bits == 32 {
		what = "a 32-bit integer"
	}
	return 0, &fault{qualys.RejectNumber, element, fmt.Sprintf("not %s: %q", what, s)}
}

// parseBool reads the API's 0/1 flags; true and false are accepted too.
func parseBool(element, s string) (bool, *fault) {
	switch s {
	case "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, &fault{qualys.RejectBoolean, element, fmt.Sprintf("not a boolean: %q", s)}
}

// parseDate reads a date in one of timeLayouts.
func parseDate(element, s string) (time.Time, *fault) {
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, &fault{qualys.RejectDate, element, err.Error()}
	}
	return t, nil
}

// The field readers below read a text-only element into a typed value. An
// empty element leaves the value absent (null in the record, never "" or
// zero). A value that does not parse is a fault (see Decoder.fault).

func (d *Decoder) textField(el xml.StartElement, dst *string) error {
	s, err := d.readText(el, true)
	*dst = s
	return err
}

// requiredInt reads an identity (host ID, QID): its absence is checked by
// the caller, once the element has closed.
func (d *Decoder) requiredInt(el xml.StartElement, dst *int64) error {
	var o qualys.Opt[int64]
	if err := d.optInt(el, &o); err != nil {
		return err
	}
	*dst = o.V
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
	v, f := parseInt(el.Name.Local, s, 64)
	if f != nil {
		return d.fault(f)
	}
	*dst = qualys.Some(v)
	return nil
}

func (d *Decoder) optInt32(el xml.StartElement, dst *qualys.Opt[int32]) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	v, f := parseInt(el.Name.Local, s, 32)
	if f != nil {
		return d.fault(f)
	}
	*dst = qualys.Some(int32(v))
	return nil
}

func (d *Decoder) optBool(el xml.StartElement, dst *qualys.Opt[bool]) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	v, f := parseBool(el.Name.Local, s)
	if f != nil {
		return d.fault(f)
	}
	*dst = qualys.Some(v)
	return nil
}

func (d *Decoder) timeField(el xml.StartElement, dst *time.Time) error {
	s, err := d.readText(el, true)
	if err != nil || s == "" {
		return err
	}
	t, f := parseDate(el.Name.Local, s)
	if f != nil {
		return d.fault(f)
	}
	*dst = t
	return nil
}

// fault records f against the detection or host being read; the first
// fault of each wins. Outside a host there is nothing to reject on its
// own, so f fails the document.
func (d *Decoder) fault(f *fault) error {
	if d.note(f) {
		return nil
	}
	return d.errorf(f.element, "%s", f.msg)
}

// faultScope is what both decoders know of the host and detection being
// read: whether they are inside one, and its first fault.
type faultScope struct {
	inHost, inDetection bool
	hostFault, detFault *fault
}

// note records f against the detection or host being read, the first
// fault of each winning, and reports whether there was one to record it
// against.
func (s *faultScope) note(f *fault) bool {
	switch {
	case s.inDetection:
		if s.detFault == nil {
			s.detFault = f
		}
	case s.inHost:
		if s.hostFault == nil {
			s.hostFault = f
		}
	default:
		return false
	}
	return true
}

// hostRejects returns the rejects of a host whose own value failed: one
// per DETECTION element in spans, in document order. Those rejected on
// their own (in rejects) keep their reason; the others take the host's,
// with qid giving their QID and raw their element.
func (s *faultScope) hostRejects(spans []detectionSpan, rejects []qualys.Reject,
	qid func(detection int) int64, raw func(from, to int64) string) []qualys.Reject {
	out := make([]qualys.Reject, 0, len(spans))
	for _, sp := range spans {
		if sp.reject >= 0 {
			out = append(out, rejects[sp.reject])
			continue
		}
		out = append(out, qualys.Reject{
			Reason: s.hostFault.reason,
			Detail: "host " + s.hostFault.detail(),
			QID:    qid(sp.detection),
			Raw:    raw(sp.from, sp.to),
		})
	}
	return out
}

// timeLayouts are the date forms accepted, the API's own first. Go's
// parser takes a fractional second after the seconds in any of them.
var timeLayouts = []string{
	qualys.TimeLayout,
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
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
