package qualys

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// API paths below /api/<version>/.
const (
	DetectionPath = "fo/asset/host/vm/detection/"
	HostListPath  = "fo/asset/host/"
)

// DefaultAPIVersion is the current Host List Detection API version.
const DefaultAPIVersion = "5.0"

// ClientConfig configures a Client. Zero values mean the defaults.
type ClientConfig struct {
	// BaseURL is the API server of the subscription's platform, e.g.
	// https://qualysapi.qg2.apps.qualys.com, or a private cloud's.
	BaseURL string
	// APIVersion is the version path segment; default DefaultAPIVersion.
	APIVersion string
	User       string
	Password   string
	// Session logs in once with the session API and sends its cookie
	// instead of Basic credentials on every call; Logout ends it.
	Session bool
	// RequestedWith is the X-Requested-With header the API requires on every
	// call; default "qualys2kafka".
	RequestedWith string
	// ConnectTimeout bounds a TCP and TLS connect; default 30s.
	ConnectTimeout time.Duration
	// FirstByteTimeout bounds the wait for response headers, which the API
	// may take minutes to send for a large page; default 10m.
	FirstByteTimeout time.Duration
	// IdleTimeout bounds the silence between two reads of a body being
	// streamed; default 2m. The call then fails with ErrIdleTimeout.
	IdleTimeout time.Duration
	// Gate paces the calls; default a Gate of 1 call at a time.
	Gate *Gate
	// Transport sends the requests; default an http.Transport with the
	// timeouts above. Tests may replace it.
	Transport http.RoundTripper
}

// Client calls the Qualys VM API: it authenticates, sends parameters as a
// POST form, paces calls through its Gate and turns error responses into
// errors. It does not paginate or retry. It is safe for concurrent use.
type Client struct {
	base          *url.URL
	version       string
	user, pass    string
	session       bool
	requestedWith string
	idle          time.Duration
	gate          *Gate
	http          *http.Client
}

// NewClient returns a Client for cfg, or an error if the base URL is not an
// absolute http or https URL.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("qualys base url %q is not an absolute http(s) url", cfg.BaseURL)
	}
	c := &Client{
		base:          base,
		version:       cmp.Or(cfg.APIVersion, DefaultAPIVersion),
		user:          cfg.User,
		pass:          cfg.Password,
		session:       cfg.Session,
		requestedWith: cmp.Or(cfg.RequestedWith, "qualys2kafka"),
		idle:          cmp.Or(cfg.IdleTimeout, 2*time.Minute),
		gate:          cfg.Gate,
	}
	if c.gate == nil {
		c.gate = NewGate(1, nil)
	}
	jar, _ := cookiejar.New(nil)
	c.http = &http.Client{Transport: cfg.Transport, Jar: jar}
	if c.http.Transport == nil {
		c.http.Transport = newTransport(cfg)
	}
	return c, nil
}

func newTransport(cfg ClientConfig) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: cmp.Or(cfg.ConnectTimeout, 30*time.Second), KeepAlive: 30 * time.Second}
	t.DialContext = dialer.DialContext
	t.TLSHandshakeTimeout = cmp.Or(cfg.ConnectTimeout, 30*time.Second)
	t.ResponseHeaderTimeout = cmp.Or(cfg.FirstByteTimeout, 10*time.Minute)
	return t
}

// Gate returns the gate pacing the client's calls.
func (c *Client) Gate() *Gate { return c.gate }

// APIVersion returns the API version the client calls.
func (c *Client) APIVersion() string { return c.version }

// URL returns the absolute URL of an API path.
func (c *Client) URL(path string) string {
	return c.base.String() + "/api/" + c.version + "/" + path
}

// Response is a successful API response whose body is still to be read.
// The caller must close Body.
type Response struct {
	Status int
	Header http.Header
	Body   io.ReadCloser
}

// TransportError is a response that is neither data nor an API error
// document: an HTML page from a proxy, an unexpected status with no XML.
type TransportError struct {
	HTTPStatus  int
	ContentType string
	Kind        string // what the body looked like when the status was 200
	Excerpt     string // the start of the body, for the log
}

func (e *TransportError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("unexpected http %d response (%s, body is %s): %q",
			e.HTTPStatus, e.ContentType, e.Kind, e.Excerpt)
	}
	return fmt.Sprintf("unexpected http %d response (%s): %q",
		e.HTTPStatus, e.ContentType, e.Excerpt)
}

// maxErrorBody bounds how much of a non-data response is read.
const maxErrorBody = 64 << 10

// Post sends params as a form to an API path. It first waits for the Gate
// (a slot, and the end of any rate-limit wait). It returns the response
// when the status is 200 and the body is not HTML; an error document still
// arrives this way with status 200 and is the decoder's to find. Other
// statuses become an *APIError when the body is an error document, else a
// *TransportError; refusals for concurrency (1960) shrink the gate and for
// rate (1965) hold it. The slot is held until the body is closed. A body
// silent for longer than the idle timeout fails with ErrIdleTimeout.
// Cancelling ctx aborts the request and the body read.
func (c *Client) Post(ctx context.Context, path string, params url.Values) (*Response, error) {
	release, err := c.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	resp, err := c.send(ctx, path, params)
	if err != nil {
		cancel(nil)
		release()
		return nil, err
	}

	limits := ParseLimits(resp.Header)
	c.gate.Observe(limits)
	if resp.StatusCode == http.StatusOK && !isHTML(resp.Header) {
		body := newIdleBody(ctx, resp.Body, c.idle, cancel, release)
		return sniffed(resp, body)
	}

	defer func() { cancel(nil); release() }()
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	err = classify(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	c.noteRefusal(err, limits)
	return nil, err
}

// sniffed returns a 200 response whose first bytes look like XML, and
// turns any other into a *TransportError with an excerpt (an HTML page
// served as 200 by a proxy or portal, plain text, JSON). The bytes looked
// at stay in the body. Only io.EOF makes the prefix the whole body: after
// a failed read the prefix is judged as a cut one, so that a stream reset
// or a cancellation in the first bytes reaches the decoder as what it is
// rather than as a page that is not XML.
func sniffed(resp *http.Response, body io.ReadCloser) (*Response, error) {
	br := bufio.NewReaderSize(body, SniffLimit)
	kind := BodyUndecided
	for n := 64; kind == BodyUndecided; n *= 2 {
		prefix, err := br.Peek(min(n, SniffLimit))
		kind = Sniff(prefix, err == io.EOF)
		if err != nil || n >= SniffLimit {
			break // a failed read is the decoder's to report, as a cut
		}
	}
	if kind == BodyXML || kind == BodyUndecided {
		return &Response{Status: resp.StatusCode, Header: resp.Header,
			Body: readCloser{br, body}}, nil
	}
	defer body.Close()
	raw, _ := io.ReadAll(io.LimitReader(br, maxErrorBody))
	err := classify(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	var te *TransportError
	if errors.As(err, &te) {
		te.Kind = kind.String()
	}
	return nil, err
}

// readCloser reads from a buffer over a body and closes the body.
type readCloser struct {
	io.Reader
	io.Closer
}

func (c *Client) send(ctx context.Context, path string, params url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(path),
		strings.NewReader(params.Encode()))
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", c.requestedWith)
	if !c.session {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", path, err)
	}
	return resp, nil
}

// noteRefusal adjusts the gate to a limit refusal and records the limits
// in the error.
func (c *Client) noteRefusal(err error, limits Limits) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return
	}
	apiErr.Limits = limits
	switch apiErr.Code {
	case CodeConcurrencyLimit:
		c.gate.Shrink()
	case CodeRateLimit:
		c.gate.HoldFor(apiErr.RateWait())
	}
}

// classify turns a response that carries no data into an error.
func classify(status int, contentType string, body []byte) error {
	if apiErr := parseErrorDocument(status, body); apiErr != nil {
		return apiErr
	}
	excerpt := strings.Join(strings.Fields(string(body)), " ")
	if len(excerpt) > 200 {
		excerpt = excerpt[:200]
	}
	return &TransportError{HTTPStatus: status, ContentType: contentType, Excerpt: excerpt}
}

// parseErrorDocument returns the API error in body, or nil if body is not
// an error document.
func parseErrorDocument(status int, body []byte) *APIError {
	x := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := x.Token()
		if err != nil {
			return nil
		}
		if start, ok := tok.(xml.StartElement); ok {
			if !IsErrorRoot(start.Name.Local) {
				return nil
			}
			return DecodeError(x, start, status)
		}
	}
}

func isHTML(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/html"
}
