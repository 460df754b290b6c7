package simulator

import (
	"bufio"
	"bytes"
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
	// StaticLimiter, which refuses nothing, or a WindowLimiter when Limits
	// is set.
	Limiter Limiter

	// Limits, when not nil, enforces rate and concurrency limits with
	// NewWindowLimiter(*Limits). Limiter must then be nil. Default nil:
	// nothing is enforced.
	Limits *LimitConfig

	// AltConcurrencyHeaders spells the concurrency headers
	// X-ConcurrencyLimit-Limit and X-ConcurrencyLimit-Running, as some
	// documents do, instead of X-Concurrency-Limit-*. Default false.
	AltConcurrencyHeaders bool

	// Faults is the initial fault plan; SetFaults replaces it while
	// serving. Default: no faults.
	Faults Faults

	// Latency delays the headers of every detection and host list page,
	// to model the real API's time to first byte. Default zero.
	Latency Latency

	// SessionTimeout ends a session of the session API that was not used
	// for that long. Default 4 hours.
	SessionTimeout time.Duration

	// OddValues, when not zero, writes about one detection in OddValues of
	// each detection page with an odd value (see OddValue): a QID or date
	// a client must dead-letter, a control character it must repair, a
	// time with an offset it must read as the same instant.
	OddValues int
}

// Latency is the time to first byte of a page: FirstByte plus PerHost for
// every host on the page, waited before the headers while the call holds
// its concurrency slot, and cut short when the client goes away. Errors
// (a bad parameter) are answered at once.
type Latency struct {
	FirstByte time.Duration
	PerHost   time.Duration
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

	faults   faultState
	sessions sessions

	statsMu    sync.Mutex
	stats      map[StatKey]int
	traffic    map[string]Traffic
	limitStats LimitStats
}

// New returns a Server for cfg. It fails when cfg has no user, sets both
// Limiter and Limits, has an invalid fault rule, or its ResponsesDir cannot
// be read.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("simulator config: %w", err)
	}
	if cfg.RequestedWithCode == 0 {
		cfg.RequestedWithCode = 1903
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 4 * time.Hour
	}
	s := &Server{cfg: cfg, limiter: cfg.Limiter, fleet: cfg.Fleet, stats: map[StatKey]int{},
		traffic: map[string]Traffic{}, limitStats: LimitStats{Refused: map[int]int{}}}
	s.sessions = sessions{timeout: cfg.SessionTimeout, byID: map[string]time.Time{}}
	s.faults.set(cfg.Faults)
	switch {
	case cfg.Limits != nil:
		s.limiter = NewWindowLimiter(*cfg.Limits)
	case s.limiter == nil:
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

// validate returns every problem of cfg at once.
func (cfg *Config) validate() error {
	var errs []error
	if cfg.User == "" {
		errs = append(errs, errors.New("user is required"))
	}
	if cfg.Limiter != nil && cfg.Limits != nil {
		errs = append(errs, errors.New("set Limiter or Limits, not both"))
	}
	if cfg.Latency.FirstByte < 0 || cfg.Latency.PerHost < 0 {
		errs = append(errs, errors.New("latency is negative"))
	}
	if err := cfg.Faults.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
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
	routeSession
)

// routeOf parses /api/<version>/fo/asset/host/[vm/detection/],
// /msp/about.php and /api/<any version>/fo/session/; the trailing slash is
// optional.
func routeOf(path string) (route, string) {
	if path == "/msp/about.php" {
		return routeAbout, ""
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return routeNone, ""
	}
	version, rest, _ := strings.Cut(rest, "/")
	if strings.TrimSuffix(rest, "/") == "fo/session" && isVersion(version) {
		return routeSession, version
	}
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

// isVersion reports whether v reads as an API version, digits.digits.
func isVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	_, err1 := strconv.ParseUint(major, 10, 16)
	_, err2 := strconv.ParseUint(minor, 10, 16)
	return ok && err1 == nil && err2 == nil
}

// ServeHTTP serves one API call: the limiter's admission, the checks, the
// faults of the call, then the page.
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
	if rt == routeSession {
		s.serveSession(rec, r)
		return
	}

	adm := s.limiter.Admit(r)
	if adm.Done != nil {
		defer adm.Done()
	}
	s.noteAdmission(adm)
	setLimitHeaders(rec.Header(), adm.Limits, s.cfg.AltConcurrencyHeaders)
	if err := s.check(r, rt, adm); err != nil {
		writeError(rec, r, s.Now(), err)
		return
	}

	pairs, perr := requestPairs(r)
	plan := s.faults.plan(r.URL.Path, pairs)
	if !sleep(r.Context(), plan.firstByte()) {
		return
	}
	if end := plan.ending(); end != nil && end.Kind.replaces() {
		s.replace(rec, r, end)
		return
	}
	if rt == routeAbout {
		writeAbout(rec, baseURL(r))
		return
	}
	if perr != nil {
		writeError(rec, r, s.Now(), apiErr(http.StatusBadRequest, qualys.CodeInvalidValue,
			perr.Error()))
		return
	}
	s.serveAPI(rec, r, rt, version, pairs, plan)
}

// check applies, in order, authentication (HTTP Basic or a session
// cookie), the X-Requested-With rule and the limiter's refusal.
func (s *Server) check(r *http.Request, rt route, adm Admission) *qualys.APIError {
	user, pass, ok := r.BasicAuth()
	basic := ok && equal(user, s.cfg.User) && equal(pass, s.cfg.Password)
	if !basic && !s.sessionOf(r) {
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

// serveAPI serves the detection or host list API with the body faults of
// plan. The page is written under the read lock: it is a snapshot.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rt route, version string,
	pairs []param, plan *faultPlan) {
	if !sleep(r.Context(), s.latency(rt, version, pairs)) {
		return
	}
	end := plan.ending()
	if end == nil || !end.RandomBytes {
		bytes := 0
		if end != nil {
			bytes = end.Bytes
		}
		fw, r, cancel := plan.bodyWriter(w, r, bytes)
		defer cancel()
		s.writePage(fw, r, rt, version, pairs, plan.keepAlive())
		return
	}

	// A cut at a random offset needs the length of the page first.
	var page pageBuffer
	page.header = w.Header()
	s.writePage(&page, r, rt, version, pairs, plan.keepAlive())
	fw, _, cancel := plan.bodyWriter(w, r, s.faults.drawBytes(page.buf.Len()))
	defer cancel()
	if page.status != 0 {
		fw.WriteHeader(page.status)
	}
	fw.Write(page.buf.Bytes())
}

// writePage parses the parameters and writes the page or the error, with
// a keep-alive comment every keepAlive hosts when not zero.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, rt route, version string,
	pairs []param, keepAlive int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.fleet.now

	q, apiErr := parseQuery(apiOf(rt), version, pairs, now)
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
	x := &xmlWriter{w: bw, keepAlive: keepAlive, odd: s.cfg.OddValues}
	if rt == routeDetection {
		s.writeDetections(r, x, q)
	} else {
		s.writeHostList(r, x, q)
	}
	bw.Flush()
}

func apiOf(rt route) api {
	if rt == routeHostList {
		return apiHostList
	}
	return apiDetection
}

// latency is the time to first byte of a page (Config.Latency): zero for
// a request the API refuses.
func (s *Server) latency(rt route, version string, pairs []param) time.Duration {
	l := s.cfg.Latency
	if l.PerHost == 0 {
		return l.FirstByte
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	q, err := parseQuery(apiOf(rt), version, pairs, s.fleet.now)
	if err != nil {
		return 0
	}
	return l.FirstByte + time.Duration(s.fleet.pageHosts(q))*l.PerHost
}

// pageBuffer holds a page in memory, to learn its length.
type pageBuffer struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (p *pageBuffer) Header() http.Header         { return p.header }
func (p *pageBuffer) WriteHeader(code int)        { p.status = code }
func (p *pageBuffer) Write(b []byte) (int, error) { return p.buf.Write(b) }

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
	writeSimpleReturn(w, r, now, err.HTTPStatus, err.Code, err.Text, err.Items)
}

// writeSimpleReturn writes a SIMPLE_RETURN; code 0 leaves CODE out, as in
// the session API's answers.
func writeSimpleReturn(w http.ResponseWriter, r *http.Request, now time.Time, status, code int,
	text string, items map[string]string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)

	bw := bufio.NewWriter(w)
	x := &xmlWriter{w: bw}
	bw.WriteString(`<!DOCTYPE SIMPLE_RETURN SYSTEM "`)
	x.escape(baseURL(r) + "/api/2.0/simple_return.dtd")
	bw.WriteString("\">\n<SIMPLE_RETURN>")
	x.open(1, "RESPONSE")
	x.time(2, "DATETIME", now)
	if code != 0 {
		x.int(2, "CODE", int64(code))
	}
	x.text(2, "TEXT", text)
	if len(items) > 0 {
		x.open(2, "ITEM_LIST")
		for _, k := range sortedKeys(items) {
			x.open(3, "ITEM")
			x.text(4, "KEY", k)
			x.text(4, "VALUE", items[k])
			x.close(3, "ITEM")
		}
		x.close(2, "ITEM_LIST")
	}
	x.close(1, "RESPONSE")
	bw.WriteString("\n</SIMPLE_RETURN>\n")
	bw.Flush()
}

// writeGenericReturn writes the GENERIC_RETURN "Internal error" document
// that the API sends with a 5xx.
func writeGenericReturn(w http.ResponseWriter, r *http.Request, now time.Time, status int) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE GENERIC_RETURN SYSTEM "%s/generic_return.dtd">
<GENERIC_RETURN>
  <API name="index.php" username="qualys" at="%s" />
  <RETURN status="FAILED" number="999">Internal error. Please contact customer support.</RETURN>
</GENERIC_RETURN>
`, baseURL(r), now.UTC().Format(qualys.TimeLayout))
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

// recorder remembers the status and body length written, for Stats and
// Traffic.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
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
	t := s.traffic[path]
	t.Calls++
	t.Bytes += rec.bytes
	s.traffic[path] = t
}

// noteAdmission counts the limiter's answer for LimitStats.
func (s *Server) noteAdmission(adm Admission) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if adm.Refusal != nil {
		s.limitStats.Refused[adm.Refusal.Code]++
		return
	}
	s.limitStats.Admitted++
	s.limitStats.Peak = max(s.limitStats.Peak, adm.Limits.ConcurrencyRunning)
}

// LimitStats returns what the limiter answered so far: calls admitted,
// calls refused by code, and the highest Running header of an admitted
// call.
func (s *Server) LimitStats() LimitStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := s.limitStats
	st.Refused = maps.Clone(st.Refused)
	return st
}

// HoldSlots occupies n concurrency slots of the limiter until release is
// called, as calls of another client of the same subscription would. It
// panics when Config.Limiter is not a SlotHolder.
func (s *Server) HoldSlots(n int) (release func()) {
	h, ok := s.limiter.(SlotHolder)
	if !ok {
		panic(fmt.Sprintf("simulator: limiter %T cannot hold slots", s.limiter))
	}
	return h.HoldSlots(n)
}

// Traffic is what the server answered on one URL path: calls, whatever
// their status, and response body bytes written (before any compression
// net/http might add; a body cut by a fault counts what was sent).
type Traffic struct {
	Calls int
	Bytes int64
}

// Traffic returns the traffic since the Server started or ResetTraffic, by
// URL path as requested (such as "/api/5.0/fo/asset/host/vm/detection/").
// A test may also keep two snapshots and subtract.
func (s *Server) Traffic() map[string]Traffic {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return maps.Clone(s.traffic)
}

// ResetTraffic sets the traffic counts back to zero.
func (s *Server) ResetTraffic() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	clear(s.traffic)
}
