package simulator

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names a fault the simulator can inject.
type FaultKind uint8

const (
	// FaultSlowFirstByte waits Fault.Delay before the headers, while the
	// call holds its concurrency slot.
	FaultSlowFirstByte FaultKind = iota + 1

	// FaultSlowBody waits Fault.Delay after every Fault.Bytes (default
	// 4096) bytes of body, each chunk flushed to the client.
	FaultSlowBody

	// FaultReset aborts the connection after Fault.Bytes bytes of body: the
	// client reads a chunked body without its last chunk, an error (an
	// unexpected EOF), never a clean end.
	FaultReset

	// FaultCut ends the body cleanly after Fault.Bytes bytes: HTTP 200, a
	// proper end of the chunked body, and XML that simply stops, without
	// its closing root element.
	FaultCut

	// FaultInternalError answers HTTP Fault.Status (default 500) with a
	// GENERIC_RETURN "Internal error" document.
	FaultInternalError

	// FaultProxyError answers HTTP 502 with an HTML page, as a proxy in
	// front of the API would, without the limit headers.
	FaultProxyError

	// FaultKeepAlive writes "<!-- keep-alive for ROOT -->" comments inside
	// the document: one after RESPONSE/DATETIME and one after every
	// Fault.Every (default 1) hosts of a detection page. It is not a
	// failure: the document stays well-formed.
	FaultKeepAlive

	// FaultAccountExpired answers HTTP 200 with SIMPLE_RETURN code 2001
	// "This account has expired.", without the limit headers, as captured.
	FaultAccountExpired

	// FaultEmptyBody answers HTTP 200 with an empty body.
	FaultEmptyBody

	// FaultAPIError answers HTTP Fault.Status (default 400) with a
	// SIMPLE_RETURN of Fault.Code and Fault.Text: any error document the
	// real API sends, such as a 409 with a code no client may retry.
	FaultAPIError
)

var faultNames = [...]string{"", "slow_first_byte", "slow_body", "reset", "cut",
	"internal_error", "proxy_error", "keep_alive", "account_expired", "empty_body", "api_error"}

func (k FaultKind) String() string {
	if int(k) < len(faultNames) && k != 0 {
		return faultNames[k]
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one fault and its parameters. Fields a kind does not use are
// ignored.
type Fault struct {
	Kind FaultKind

	// Delay is the wait of FaultSlowFirstByte and FaultSlowBody. Waits end
	// early when the client goes away.
	Delay time.Duration

	// Bytes is the body length sent before FaultReset or FaultCut strikes
	// (a body shorter than that is sent whole), and the chunk length of
	// FaultSlowBody (default 4096).
	Bytes int

	// RandomBytes draws the Bytes of FaultReset and FaultCut for each
	// request, uniformly from [1, body length): the fault always strikes.
	// The page is then rendered in memory before it is sent.
	RandomBytes bool

	// Every is the number of hosts between FaultKeepAlive comments.
	// Default 1.
	Every int

	// Status is the HTTP status of FaultInternalError (default 500) and
	// FaultAPIError (default 400).
	Status int

	// Code and Text are the SIMPLE_RETURN of FaultAPIError.
	Code int
	Text string
}

// FaultRule chooses the requests that get its Fault. A request matches
// when every condition set matches; the zero conditions match all
// requests. Faults apply to the detection, host list and about.php APIs,
// after authentication and the limiter admitted the call; session calls,
// refused and unauthenticated calls get none.
type FaultRule struct {
	// Nth matches only the Nth call (from 1) that reached the fault stage
	// since the faults were set. Zero: any.
	Nth int

	// Path matches calls whose URL path ends with it, a trailing slash
	// not counting: "/fo/asset/host/vm/detection/" is the detection API of
	// every version, "/fo/asset/host/" the host list API only,
	// "/api/5.0/fo/asset/host/" its version 5.0. Empty: any.
	Path string

	// IDMin matches calls whose id_min parameter is this host ID, IDs those
	// whose ids parameter is this text as sent (decoded). Zero, empty: any.
	IDMin int64
	IDs   string

	// Probability is the chance that a matching call gets the fault,
	// drawn from the Faults' seeded generator. Zero means 1.
	Probability float64

	// MaxPerPage stops the rule after it struck the same page (the same
	// path and parameters, in any order, query or body) this many times,
	// so a client that retries gets the page eventually. Zero: no limit.
	MaxPerPage int

	// Times stops the rule after it struck this many calls. Zero: no limit.
	Times int

	Fault Fault
}

// Faults is the fault plan of a Server. For each call, the rules are tried
// in order and every matching rule strikes, except that a call gets at
// most one fault of each group, the first rule winning: the first-byte
// delay (FaultSlowFirstByte), the pace (FaultSlowBody), the comments
// (FaultKeepAlive), and the ending (FaultReset, FaultCut, and the faults
// that replace the response: FaultInternalError, FaultProxyError,
// FaultAccountExpired, FaultEmptyBody). A rule that loses to an earlier one
// does not count as struck.
type Faults struct {
	// Seed seeds the generator of Probability and RandomBytes draws. With
	// one client at a time the faults are reproducible.
	Seed uint64

	Rules []FaultRule
}

// validate reports every invalid rule at once.
func (f Faults) validate() error {
	var errs []error
	for i, r := range f.Rules {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("fault rule %d (%s): %s", i, r.Fault.Kind,
				fmt.Sprintf(format, args...)))
		}
		if r.Fault.Kind == 0 || int(r.Fault.Kind) >= len(faultNames) {
			bad("unknown kind")
		}
		if r.Probability < 0 || r.Probability > 1 {
			bad("probability %v outside [0, 1]", r.Probability)
		}
		if r.Nth < 0 || r.MaxPerPage < 0 || r.Times < 0 || r.IDMin < 0 {
			bad("negative condition")
		}
		if r.Fault.Delay < 0 || r.Fault.Bytes < 0 || r.Fault.Every < 0 {
			bad("negative delay, bytes or every")
		}
	}
	return errors.Join(errs...)
}

// faultGroup is the group of a kind: a call gets one fault per group.
func (k FaultKind) group() int {
	switch k {
	case FaultSlowFirstByte:
		return 0
	case FaultSlowBody:
		return 1
	case FaultKeepAlive:
		return 2
	}
	return 3
}

// replaces reports whether the fault takes the place of the response.
func (k FaultKind) replaces() bool {
	switch k {
	case FaultInternalError, FaultProxyError, FaultAccountExpired, FaultEmptyBody, FaultAPIError:
		return true
	}
	return false
}

// faultState is the fault plan being applied and its counters.
type faultState struct {
	mu      sync.Mutex
	faults  Faults
	rng     *rand.Rand
	calls   int
	struck  []int            // per rule
	perPage []map[string]int // per rule, by page key
	counts  map[FaultKind]int
}

// set replaces the plan and resets the counters.
func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.Rules = slices.Clone(f.Rules)
	fs.faults = f
	fs.rng = rand.New(rand.NewPCG(f.Seed, 0x51a1))
	fs.calls = 0
	fs.struck = make([]int, len(f.Rules))
	fs.perPage = make([]map[string]int, len(f.Rules))
	fs.counts = map[FaultKind]int{}
}

// faultPlan is what strikes one call, by group; nil when nothing does.
type faultPlan [4]*Fault

// plan chooses the faults of a call and counts them.
func (fs *faultState) plan(path string, pairs []param) *faultPlan {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.calls++
	if len(fs.faults.Rules) == 0 {
		return nil
	}

	var p faultPlan
	var page string
	any := false
	for i := range fs.faults.Rules {
		r := &fs.faults.Rules[i]
		if !r.matches(fs.calls, path, pairs) || (r.Times > 0 && fs.struck[i] >= r.Times) {
			continue
		}
		if r.MaxPerPage > 0 && page == "" {
			page = pageKey(path, pairs)
		}
		if r.MaxPerPage > 0 && fs.perPage[i][page] >= r.MaxPerPage {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && fs.rng.Float64() >= r.Probability {
			continue
		}
		g := r.Fault.Kind.group()
		if p[g] != nil {
			continue
		}

		f := r.Fault
		p[g] = &f
		any = true
		fs.struck[i]++
		fs.counts[f.Kind]++
		if r.MaxPerPage > 0 {
			if fs.perPage[i] == nil {
				fs.perPage[i] = map[string]int{}
			}
			fs.perPage[i][page]++
		}
	}
	if !any {
		return nil
	}
	return &p
}

// drawBytes returns a length in [1, n), or n when n < 2.
func (fs *faultState) drawBytes(n int) int {
	if n < 2 {
		return n
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return 1 + fs.rng.IntN(n-1)
}

func (r *FaultRule) matches(call int, path string, pairs []param) bool {
	if r.Nth > 0 && r.Nth != call {
		return false
	}
	if r.Path != "" && !strings.HasSuffix(strings.TrimSuffix(path, "/"),
		strings.TrimSuffix(r.Path, "/")) {
		return false
	}
	if r.IDMin > 0 {
		v, _ := strconv.ParseInt(lastValue(pairs, "id_min"), 10, 64)
		if v != r.IDMin {
			return false
		}
	}
	return r.IDs == "" || lastValue(pairs, "ids") == r.IDs
}

// lastValue is the value of the last parameter named name, the one that
// counts.
func lastValue(pairs []param, name string) string {
	if i := lastIndex(pairs, name); i >= 0 {
		return pairs[i].value
	}
	return ""
}

// pageKey identifies a page: the path and the parameters, sorted.
func pageKey(path string, pairs []param) string {
	kv := make([]string, len(pairs))
	for i, p := range pairs {
		kv[i] = p.name + "=" + p.value
	}
	slices.Sort(kv)
	return path + "?" + strings.Join(kv, "&")
}

// SetFaults replaces the fault plan while serving and resets the fault
// counters and the call count of FaultRule.Nth. Calls in progress keep the
// faults they got. It fails, keeping the plan, when a rule is invalid.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("simulator faults: %w", err)
	}
	s.faults.set(f)
	return nil
}

// FaultStats returns how many calls each kind of fault struck since the
// faults were set.
func (s *Server) FaultStats() map[FaultKind]int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make(map[FaultKind]int, len(s.faults.counts))
	for k, n := range s.faults.counts {
		out[k] = n
	}
	return out
}

// sleep waits d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// replace writes the response of a fault that replaces it.
func (s *Server) replace(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch f.Kind {
	case FaultInternalError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		writeGenericReturn(w, r, s.Now(), status)
	case FaultProxyError:
		dropLimitHeaders(w.Header())
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(proxyPage))
	case FaultAccountExpired:
		dropLimitHeaders(w.Header())
		writeSimpleReturn(w, r, s.Now(), http.StatusOK, 2001, "This account has expired.", nil)
	case FaultEmptyBody:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
	case FaultAPIError:
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeSimpleReturn(w, r, s.Now(), status, f.Code, f.Text, nil)
	}
}

const proxyPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// errCut is returned by writes after a cut or reset.
var errCut = errors.New("body cut by fault")

// faultWriter applies the body faults: pace, cut and reset. It counts the
// body bytes and, at the cut, cancels the page being written.
type faultWriter struct {
	http.ResponseWriter
	ctx    context.Context
	cancel context.CancelFunc

	written int
	limit   int  // body length at which to stop; -1: none
	reset   bool // stop with a broken connection rather than a clean end
	stopped bool

	chunk, sinceWait int
	delay            time.Duration
}

func (fw *faultWriter) Write(p []byte) (int, error) {
	if fw.stopped {
		return 0, errCut
	}
	total := 0
	for len(p) > 0 {
		n := len(p)
		if fw.limit >= 0 {
			n = min(n, fw.limit-fw.written)
		}
		if fw.chunk > 0 {
			n = min(n, fw.chunk-fw.sinceWait)
		}
		m, err := fw.ResponseWriter.Write(p[:n])
		total += m
		fw.written += m
		fw.sinceWait += m
		p = p[m:]
		if err != nil {
			return total, err
		}

		if fw.limit >= 0 && fw.written >= fw.limit {
			fw.stop()
			return total, errCut
		}
		if fw.chunk > 0 && fw.sinceWait >= fw.chunk {
			fw.Flush()
			fw.sinceWait = 0
			if !sleep(fw.ctx, fw.delay) {
				return total, fw.ctx.Err()
			}
		}
	}
	return total, nil
}

// stop ends the body at the cut: a flush first, so that the response is
// chunked and its bytes on the wire, then a clean end or an abort that
// net/http turns into a closed connection without the last chunk.
func (fw *faultWriter) stop() {
	fw.stopped = true
	fw.Flush()
	fw.cancel()
	if fw.reset {
		panic(http.ErrAbortHandler)
	}
}

func (fw *faultWriter) Flush() {
	if f, ok := fw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (fw *faultWriter) Unwrap() http.ResponseWriter { return fw.ResponseWriter }

// bodyWriter wraps w with the body faults of p; r's context is the one to
// watch while writing the page, cancelled at a cut.
func (p *faultPlan) bodyWriter(w http.ResponseWriter, r *http.Request,
	bytes int) (http.ResponseWriter, *http.Request, func()) {
	if p == nil || (p[1] == nil && p[3] == nil) {
		return w, r, func() {}
	}
	ctx, cancel := context.WithCancel(r.Context())
	fw := &faultWriter{ResponseWriter: w, ctx: ctx, cancel: cancel, limit: -1}
	if pace := p[1]; pace != nil {
		fw.chunk, fw.delay = pace.Bytes, pace.Delay
		if fw.chunk == 0 {
			fw.chunk = 4096
		}
	}
	if end := p[3]; end != nil {
		fw.limit, fw.reset = bytes, end.Kind == FaultReset
	}
	return fw, r.WithContext(ctx), cancel
}

// ending returns the fault of the ending group, or nil.
func (p *faultPlan) ending() *Fault {
	if p == nil {
		return nil
	}
	return p[3]
}

// keepAlive returns the hosts between keep-alive comments, 0 for none.
func (p *faultPlan) keepAlive() int {
	if p == nil || p[2] == nil {
		return 0
	}
	return max(p[2].Every, 1)
}

// firstByte returns the delay before the headers.
func (p *faultPlan) firstByte() time.Duration {
	if p == nil || p[0] == nil {
		return 0
	}
	return p[0].Delay
}
