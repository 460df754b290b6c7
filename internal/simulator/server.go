package simulator

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Config configures a Server. Start from DefaultConfig: the zero Config
// does not check X-Requested-With.
type Config struct {
	// User and Password are the only credentials accepted (HTTP Basic).
	// Required.
	User     string
	Password string

	// Fleet is the fleet to serve; the Server owns it from then on. When
	// nil, New generates one from FleetConfig.
	Fleet       *Fleet
	FleetConfig FleetConfig

	// RequireRequestedWith refuses requests without an X-Requested-With
	// header with HTTP 400 and RequestedWithCode (default 1903), as every
	// client's behaviour suggests the real API does. DefaultConfig sets it.
	RequireRequestedWith bool
	RequestedWithCode    int

	// IDRanges makes the host list API write runs of consecutive host IDs
	// as ID_RANGE elements ("a-b"), as the real API may.
	IDRanges bool

	// ResponsesDir, when set, serves saved detection API responses instead
	// of the fleet: the *.xml files of that folder, in name order, one per
	// request, starting over after the last. Authentication, headers and
	// parameters are still checked; the files are sent unchanged, DATETIME
	// and WARNING URLs included. The host list API still serves the fleet.
	ResponsesDir string

	// Limiter admits calls and sets the limit headers. Default: a
	// StaticLimiter.
	Limiter Limiter
}

// DefaultConfig returns the configuration of a simulator that behaves like
// the real API: user "qualys", password "qualys", X-Requested-With
// required, a fleet of 1000 hosts from seed 1.
func DefaultConfig() Config {
	return Config{
		User:                 "qualys",
		Password:             "qualys",
		FleetConfig:          FleetConfig{Seed: 1},
		RequireRequestedWith: true,
	}
}

// Server is the simulated Qualys API, an http.Handler. Use it with
// httptest.NewServer in tests, or Serve / ListenAndServe. It is safe for
// concurrent requests; Advance waits for pages being served, and a page is
// a consistent snapshot.
type Server struct {
	cfg       Config
	limiter   Limiter
	responses *savedResponses

	mu    sync.RWMutex // guards fleet
	fleet *Fleet

	statsMu sync.Mutex
	stats   map[StatKey]int
}

// New returns a Server for cfg. It fails when cfg has no user or its
// ResponsesDir cannot be read.
func New(cfg Config) (*Server, error) {
	if cfg.User == "" {
		return nil, errors.New("simulator config: user is required")
	}
	if cfg.RequestedWithCode == 0 {
		cfg.RequestedWithCode = 1903
	}
	s := &Server{cfg: cfg, limiter: cfg.Limiter, fleet: cfg.Fleet, stats: map[StatKey]int{}}
	if s.limiter == nil {
		s.limiter = &StaticLimiter{}
	}
	if s.fleet == nil {
		s.fleet = Generate(cfg.FleetConfig)
	}
	if cfg.ResponsesDir != "" {
		sr, err := loadResponses(cfg.ResponsesDir)
		if err != nil {
			return nil, fmt.Errorf("simulator config: %w", err)
		}
		s.responses = sr
	}
	return s, nil
}

// Now returns the simulated clock: the DATETIME of responses.
func (s *Server) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fleet.now
}

// Advance moves the clock forward by d and changes about fraction of the
// detections at times inside (old now, new now]; see Fleet.Advance. It
// waits for pages being served.
func (s *Server) Advance(d time.Duration, fraction float64) Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fleet.Advance(d, fraction)
}

// StatKey identifies a group of served requests.
type StatKey struct {
	Path   string
	Status int
}

// Stats returns the number of requests served so far by URL path and HTTP
// status.
func (s *Server) Stats() map[StatKey]int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return maps.Clone(s.stats)
}

// Serve serves HTTP on ln until ctx is done, then shuts down, giving
// requests in progress five seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		done <- hs.Shutdown(sctx)
	}()

	err := hs.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("simulator serve: %w", err)
	}
	return <-done
}

// ListenAndServe listens on addr (host:port) and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// route is what a path asks for.
type route uint8

const (
	routeNone route = iota
	routeDetection
	routeHostList
	routeAbout
)

// routeOf parses /api/<version>/fo/asset/host/[vm/detection/] and
// /msp/about.php; the trailing slash is optional.
func routeOf(path string) (route, string) {
	if path == "/msp/about.php" {
		return routeAbout, ""
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return routeNone, ""
	}
	version, rest, _ := strings.Cut(rest, "/")
	switch version {
	case "2.0", "3.0", "4.0", "5.0":
	default:
		return routeNone, ""
	}
	switch strings.TrimSuffix(rest, "/") {
	case "fo/asset/host/vm/detection":
		return routeDetection, version
	case "fo/asset/host":
		return routeHostList, version
	}
	return routeNone, ""
}

// ServeHTTP serves one API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer s.count(r.URL.Path, rec)

	rt, version := routeOf(r.URL.Path)
	if rt == routeNone {
		http.NotFound(rec, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		rec.Header().Set("Allow", "GET, POST")
		http.Error(rec, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	adm := s.limiter.Admit(r)
	if adm.Done != nil {
		defer adm.Done()
	}
	setLimitHeaders(rec.Header(), adm.Limits)
	if err := s.check(r, rt, adm); err != nil {
		writeError(rec, r, s.Now(), err)
		return
	}
	if rt == routeAbout {
		writeAbout(rec, baseURL(r))
		return
	}
	s.serveAPI(rec, r, rt, version)
}

// check applies, in order, authentication, the X-Requested-With rule and
// the limiter's refusal.
func (s *Server) check(r *http.Request, rt route, adm Admission) *qualys.APIError {
	user, pass, ok := r.BasicAuth()
	if !ok || !equal(user, s.cfg.User) || !equal(pass, s.cfg.Password) {
		return apiErr(http.StatusUnauthorized, qualys.CodeBadLogin, "Bad Login/Password")
	}
	if rt != routeAbout && s.cfg.RequireRequestedWith && r.Header.Get("X-Requested-With") == "" {
		return apiErr(http.StatusBadRequest, s.cfg.RequestedWithCode,
			"Please specify the X-Requested-With header: it is required for this API")
	}
	return adm.Refusal
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// serveAPI parses the parameters and serves the detection or host list API
// under the read lock: a page is a snapshot.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rt route, version string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.fleet.now

	pairs, err := requestPairs(r)
	if err != nil {
		writeError(w, r, now, apiErr(http.StatusBadRequest, qualys.CodeInvalidValue, err.Error()))
		return
	}
	a := apiDetection
	if rt == routeHostList {
		a = apiHostList
	}
	q, apiErr := parseQuery(a, version, pairs, now)
	if apiErr != nil {
		writeError(w, r, now, apiErr)
		return
	}

	if rt == routeDetection && s.responses != nil {
		s.responses.serve(w)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	bw := bufio.NewWriterSize(w, 64<<10)
	x := &xmlWriter{w: bw}
	if rt == routeDetection {
		s.writeDetections(r, x, q)
	} else {
		s.writeHostList(r, x, q)
	}
	bw.Flush()
}

// echoOf returns what REQUEST repeats, nil unless echo_request=1.
func (s *Server) echoOf(r *http.Request, q *query) *echo {
	if !q.echo {
		return nil
	}
	return &echo{user: s.cfg.User, resource: baseURL(r) + r.URL.Path, pairs: q.pairs}
}

// maxBody caps a form body; long ids lists stay far below it.
const maxBody = 8 << 20

// requestPairs returns the parameters of the query string, then those of
// an URL-encoded form body, in the order sent.
func requestPairs(r *http.Request) ([]param, error) {
	pairs, err := parsePairs(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return pairs, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "" && ct != "application/x-www-form-urlencoded" {
		return pairs, nil
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("read form body: %w", err)
	}
	more, err := parsePairs(strings.TrimSpace(string(body)))
	if err != nil {
		return nil, err
	}
	for i := range more {
		more[i].body = true
	}
	return append(pairs, more...), nil
}

// baseURL is scheme://host of the request, for DOCTYPE and WARNING URLs.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// nextURL is the WARNING URL: the same path with every parameter as sent,
// but a former id_min, then id_min=next.
func nextURL(r *http.Request, pairs []param, next int64) string {
	var b strings.Builder
	b.WriteString(baseURL(r))
	b.WriteString(r.URL.Path)
	b.WriteByte('?')
	for _, p := range pairs {
		if p.name == "id_min" {
			continue
		}
		b.WriteString(p.raw)
		b.WriteByte('&')
	}
	b.WriteString("id_min=")
	b.WriteString(strconv.FormatInt(next, 10))
	return b.String()
}

// writeError writes err as a SIMPLE_RETURN, without XML declaration like
// the real API's error bodies.
func writeError(w http.ResponseWriter, r *http.Request, now time.Time, err *qualys.APIError) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(err.HTTPStatus)

	bw := bufio.NewWriter(w)
	x := &xmlWriter{w: bw}
	bw.WriteString(`<!DOCTYPE SIMPLE_RETURN SYSTEM "`)
	x.escape(baseURL(r) + "/api/2.0/simple_return.dtd")
	bw.WriteString("\">\n<SIMPLE_RETURN>")
	x.open(1, "RESPONSE")
	x.time(2, "DATETIME", now)
	x.int(2, "CODE", int64(err.Code))
	x.text(2, "TEXT", err.Text)
	if len(err.Items) > 0 {
		x.open(2, "ITEM_LIST")
		for _, k := range sortedKeys(err.Items) {
			x.open(3, "ITEM")
			x.text(4, "KEY", k)
			x.text(4, "VALUE", err.Items[k])
			x.close(3, "ITEM")
		}
		x.close(2, "ITEM_LIST")
	}
	x.close(1, "RESPONSE")
	bw.WriteString("\n</SIMPLE_RETURN>\n")
	bw.Flush()
}

// writeAbout answers /msp/about.php, which clients call to check
// credentials and read the concurrency limit header.
func writeAbout(w http.ResponseWriter, base string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE ABOUT SYSTEM "%s/about.dtd">
<ABOUT>
  <API-VERSION MAJOR="1" MINOR="4" />
  <WEB-VERSION>10.36.1.0-1</WEB-VERSION>
  <SCANNER-VERSION>13.4.42-1</SCANNER-VERSION>
  <VULNSIGS-VERSION>2.6.142-3</VULNSIGS-VERSION>
</ABOUT>
`, base)
}

// recorder remembers the status written, for Stats.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streamed pages reach the client as they are written.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) count(path string, rec *recorder) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats[StatKey{Path: path, Status: rec.status}]++
}
