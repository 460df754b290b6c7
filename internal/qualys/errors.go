package qualys

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is the API's date-time form: UTC, seconds, a literal Z.
const TimeLayout = "2006-01-02T15:04:05Z"

// Qualys return codes the product acts on.
const (
	CodeUnknownParameter = 1901
	CodeInvalidValue     = 1905
	CodeConcurrencyLimit = 1960
	CodeRateLimit        = 1965
	CodeTruncated        = 1980
	CodeBadLogin         = 2000
	CodeAccountExpired   = 2001
)

// APIError is an error document from the API (SIMPLE_RETURN or
// GENERIC_RETURN), whatever the HTTP status it came with.
type APIError struct {
	HTTPStatus int
	Root       string // SIMPLE_RETURN or GENERIC_RETURN
	Code       int    // zero when the document had no CODE
	Text       string
	Items      map[string]string // ITEM_LIST as KEY -> VALUE
	Time       time.Time
	// Limits are the limit headers of the response, when it had any.
	Limits Limits `json:"-"`
}

func (e *APIError) Error() string {
	if e.HTTPStatus == 0 { // read from a file, not a response
		return fmt.Sprintf("qualys api error: code %d: %s", e.Code, e.Text)
	}
	return fmt.Sprintf("qualys api error: http %d, code %d: %s", e.HTTPStatus, e.Code, e.Text)
}

// errorDocument is the shape shared by SIMPLE_RETURN and GENERIC_RETURN.
type errorDocument struct {
	Response struct {
		DateTime string `xml:"DATETIME"`
		Code     string `xml:"CODE"`
		Text     string `xml:"TEXT"`
		Items    []struct {
			Key   string `xml:"KEY"`
			Value string `xml:"VALUE"`
		} `xml:"ITEM_LIST>ITEM"`
	} `xml:"RESPONSE"`
	Return string `xml:"RETURN"` // GENERIC_RETURN carries its text here
}

// IsErrorRoot reports whether an XML root element name is one of the API's
// error documents.
func IsErrorRoot(name string) bool {
	return name == "SIMPLE_RETURN" || name == "GENERIC_RETURN"
}

// DecodeError reads the error document whose root start element was just
// read from x and returns it as an *APIError. httpStatus is recorded as is.
// A document that cannot be read still yields an *APIError whose Text says
// so, because the caller already knows the response was an error.
func DecodeError(x *xml.Decoder, root xml.StartElement, httpStatus int) *APIError {
	e := &APIError{HTTPStatus: httpStatus, Root: root.Name.Local}

	var doc errorDocument
	if err := x.DecodeElement(&doc, &root); err != nil {
		e.Text = fmt.Sprintf("unreadable %s document: %v", e.Root, err)
		return e
	}

	r := doc.Response
	e.Code, _ = strconv.Atoi(strings.TrimSpace(r.Code))
	e.Text = strings.TrimSpace(r.Text)
	if e.Text == "" {
		e.Text = strings.TrimSpace(doc.Return)
	}
	e.Time, _ = time.Parse(TimeLayout, strings.TrimSpace(r.DateTime))
	if len(r.Items) > 0 {
		e.Items = make(map[string]string, len(r.Items))
		for _, it := range r.Items {
			e.Items[strings.TrimSpace(it.Key)] = strings.TrimSpace(it.Value)
		}
	}
	return e
}

// DefaultRateWait is how long to wait after a rate-limit refusal (1965)
// that says nowhere how long.
const DefaultRateWait = 5 * time.Minute

// RateWait returns how long a rate-limit refusal asks to wait: the
// X-RateLimit-ToWait-Sec header, else the SECONDS_TO_WAIT item, else the
// duration in the text, else DefaultRateWait.
func (e *APIError) RateWait() time.Duration {
	if e.Limits.RateToWaitSec > 0 {
		return time.Duration(e.Limits.RateToWaitSec) * time.Second
	}
	if s, err := strconv.Atoi(e.Items["SECONDS_TO_WAIT"]); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if d := durationInText(e.Text); d > 0 {
		return d
	}
	return DefaultRateWait
}

// durationInText reads "for another 23 hours, 57 minutes and 54 seconds".
func durationInText(text string) time.Duration {
	_, rest, ok := strings.Cut(text, "for another ")
	if !ok {
		return 0
	}
	var d time.Duration
	fields := strings.Fields(strings.NewReplacer(",", " ", " and ", " ", ".", " ").Replace(rest))
	for i := 0; i+1 < len(fields); i += 2 {
		n, err := strconv.Atoi(fields[i])
		if err != nil {
			break
		}
		switch strings.TrimSuffix(fields[i+1], "s") {
		case "day":
			d += time.Duration(n) * 24 * time.Hour
		case "hour":
			d += time.Duration(n) * time.Hour
		case "minute":
			d += time.Duration(n) * time.Minute
		case "second":
			d += time.Duration(n) * time.Second
		}
	}
	return d
}
