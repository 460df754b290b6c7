package qualys

import (
	"fmt"
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
