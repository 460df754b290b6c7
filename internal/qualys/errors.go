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
}

func (e *APIError) Error() string {
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
