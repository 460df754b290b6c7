package decode

import (
	"math"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// The field readers below are those of field.go on bytes. The common forms
// (plain digits, 0/1, the API's own date layout) are parsed here without a
// string; anything else goes to the shared parse functions, which decide
// and word the fault exactly as for the reference decoder.

// textField reads the text of element e.
func (d *fastDecoder) textField(e elem, dst *string) error {
	s, err := d.readText(true)
	if err != nil {
		return err
	}
	*dst = d.str(e, s)
	return nil
}

// recentValues is how many of its last values each element keeps.
const recentValues = 4

// str returns b as a string, without allocating when it is one of the
// last values of element e (a type, a status, a protocol: most elements
// take a handful of values) or one the string cache holds. The few values
// of an element sit together in memory, where the cache's table, too large
// for the processor's caches, would cost a miss on most lookups.
func (d *fastDecoder) str(e elem, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	recent := &d.recent[e]
	for i := range recent {
		if recent[i] == string(b) { // compared without a copy
			return recent[i]
		}
	}
	s := d.strs.get(b)
	copy(recent[1:], recent[:recentValues-1])
	recent[0] = s
	return s
}

// requiredInt reads an identity (host ID, QID); the caller checks that
// the element was there.
func (d *fastDecoder) requiredInt(e elem, dst *int64) error {
	var o qualys.Opt[int64]
	if err := d.optInt(e, &o); err != nil {
		return err
	}
	*dst = o.V
	return nil
}

func (d *fastDecoder) optInt(e elem, dst *qualys.Opt[int64]) error {
	s, err := d.readText(true)
	if err != nil || len(s) == 0 {
		return err
	}
	v, ok := atoi(s, 64)
	if !ok {
		var f *fault
		if v, f = parseInt(elemNames[e], string(s), 64); f != nil {
			return d.fault(f)
		}
	}
	*dst = qualys.Some(v)
	return nil
}

func (d *fastDecoder) optInt32(e elem, dst *qualys.Opt[int32]) error {
	s, err := d.readText(true)
	if err != nil || len(s) == 0 {
		return err
	}
	v, ok := atoi(s, 32)
	if !ok {
		var f *fault
		if v, f = parseInt(elemNames[e], string(s), 32); f != nil {
			return d.fault(f)
		}
	}
	*dst = qualys.Some(int32(v))
	return nil
}

func (d *fastDecoder) optBool(e elem, dst *qualys.Opt[bool]) error {
	s, err := d.readText(true)
	if err != nil || len(s) == 0 {
		return err
	}
	var v bool
	switch string(s) {
	case "0":
	case "1":
		v = true
	default:
		var f *fault
		if v, f = parseBool(elemNames[e], string(s)); f != nil {
			return d.fault(f)
		}
	}
	*dst = qualys.Some(v)
	return nil
}

func (d *fastDecoder) timeField(e elem, dst *time.Time) error {
	s, err := d.readText(true)
	if err != nil || len(s) == 0 {
		return err
	}
	t, ok := fastTime(s)
	if !ok {
		var f *fault
		if t, f = parseDate(elemNames[e], string(s)); f != nil {
			return d.fault(f)
		}
	}
	*dst = t
	return nil
}

// fault records f against the detection or host being read, as
// Decoder.fault does: the first fault of each wins, and outside a host f
// fails the document.
func (d *fastDecoder) fault(f *fault) error {
	if d.note(f) {
		return nil
	}
	return d.errorf(f.element, "%s", f.msg)
}

// atoi parses plain decimal digits that fit in bits bits; anything else
// (a sign, a long number) is left to parseInt.
func atoi(s []byte, bits int) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if bits == 32 && v > math.MaxInt32 {
		return 0, false
	}
	return v, true
}

// fastTime parses the API's own layout, qualys.TimeLayout, with the range
// checks of time.Parse; anything else is left to parseTime. It counts the
// seconds itself: time.Unix(...).UTC() is the same Time as time.Date(...,
// time.UTC), for a fraction of the cost.
func fastTime(s []byte) (time.Time, bool) {
	if len(s) != len(qualys.TimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	y, mo, day := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	h, mi, sec := digits(s[11:13]), digits(s[14:16]), digits(s[17:19])
	if y < 0 || mo < 1 || mo > 12 || day < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
		sec < 0 || sec > 59 || day > daysIn(mo, y) {
		return time.Time{}, false
	}
	secs := daysSinceEpoch(y, mo, day)*86400 + int64(h*3600+mi*60+sec)
	return time.Unix(secs, 0).UTC(), true
}

// digits returns the value of a run of decimal digits, -1 if one is not.
func digits(s []byte) int {
	v := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch returns the days from 1970-01-01 to a date of the
// proleptic Gregorian calendar (H. Hinnant's days_from_civil).
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
