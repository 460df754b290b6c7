package simulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Limits are the values of the rate and concurrency headers of one
// response.
type Limits struct {
	RateLimit          int // X-RateLimit-Limit: calls per window
	WindowSec          int // X-RateLimit-Window-Sec
	Remaining          int // X-RateLimit-Remaining
	ToWaitSec          int // X-RateLimit-ToWait-Sec
	ConcurrencyLimit   int // X-Concurrency-Limit-Limit
	ConcurrencyRunning int // X-Concurrency-Limit-Running, this call included
}

// Admission is a Limiter's answer for one call.
type Admission struct {
	Limits Limits

	// Refusal, when not nil, is sent instead of the response: HTTP 409 with
	// code 1960 (concurrency, ITEM CALLS_TO_FINISH) or 1965 (rate, ITEM
	// SECONDS_TO_WAIT) in the real API.
	Refusal *qualys.APIError

	// Done, when not nil, is called once the response has been written.
	Done func()
}

// Limiter decides whether an API call may run and what the limit headers
// say. Admit is called once for every request to an API path, before
// authentication is checked; it must be safe for concurrent use. Session
// API calls never reach it.
type Limiter interface {
	Admit(r *http.Request) Admission
}

// SlotHolder is a Limiter that lets a test occupy concurrency slots, as
// another client of the same subscription would. Both limiters of this
// package implement it.
type SlotHolder interface {
	// HoldSlots occupies n slots until release is called; release may be
	// called more than once.
	HoldSlots(n int) (release func())
}

// StaticLimiter admits every call and reports fixed limits: 300 calls per
// 3600 s with 299 remaining and a concurrency limit of 2. Running counts
// the calls in progress and held slots. It is the default Limiter.
type StaticLimiter struct {
	running atomic.Int64
}

// Admit implements Limiter.
func (l *StaticLimiter) Admit(*http.Request) Admission {
	n := l.running.Add(1)
	return Admission{
		Limits: Limits{RateLimit: 300, WindowSec: 3600, Remaining: 299, ToWaitSec: 0,
			ConcurrencyLimit: 2, ConcurrencyRunning: int(n)},
		Done: func() { l.running.Add(-1) },
	}
}

// HoldSlots implements SlotHolder: the held slots only show in the
// Running header, since StaticLimiter refuses nothing.
func (l *StaticLimiter) HoldSlots(n int) (release func()) {
	l.running.Add(int64(n))
	return sync.OnceFunc(func() { l.running.Add(-int64(n)) })
}

// LimitConfig configures a WindowLimiter. Zero fields take the defaults of
// a Standard subscription (SPEC §5.3).
type LimitConfig struct {
	// Rate is the number of calls admitted per Window. Default 300.
	Rate int

	// Window is the length of the sliding rate window: a call is admitted
	// when fewer than Rate calls were admitted in the Window that ends now.
	// It is sent in whole seconds. Default one hour.
	Window time.Duration

	// Concurrency is the number of calls that may run at once. A call runs
	// from its admission until its response is fully written or its client
	// went away, so a streamed page holds its slot while it streams.
	// Default 2.
	Concurrency int

	// PerAPI gives each API (detection, host list, about.php) its own
	// concurrency count and rate window, all versions of an API counting
	// together, as the Qualys documents describe limits "per API". Default
	// false: one subscription-wide pool, the stricter reading, in which a
	// host list call competes with detection calls.
	PerAPI bool

	// Now is the clock of the rate window. Default time.Now, which
	// testing/synctest replaces inside a bubble.
	Now func() time.Time
}

// WindowLimiter enforces a concurrency limit and a sliding-window rate
// limit, and refuses calls the way the real API does: HTTP 409 with code
// 1960 when the concurrency limit is reached, checked first, else 1965 when
// the rate window is full. Refused calls are not counted in the rate
// window, so a client that retries after X-RateLimit-ToWait-Sec seconds is
// admitted; admitted calls count whatever their outcome (a 400 or 401
// included, as the real API decrements Remaining on a 1905 error). It is
// safe for concurrent use.
//
// X-RateLimit-ToWait-Sec is the number of seconds until the next call
// would be admitted: 0 while Remaining is above 0, else the wait, on the
// admitted call that took the last place as on the refusals that follow.
type WindowLimiter struct {
	cfg LimitConfig

	mu    sync.Mutex
	pools map[route]*pool
}

// pool is the state of one concurrency count and rate window.
type pool struct {
	running int
	calls   []time.Time // admission times in the window, oldest first
}

// NewWindowLimiter returns a WindowLimiter for cfg, defaults applied.
func NewWindowLimiter(cfg LimitConfig) *WindowLimiter {
	if cfg.Rate <= 0 {
		cfg.Rate = 300
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Hour
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &WindowLimiter{cfg: cfg, pools: map[route]*pool{}}
}

// Admit implements Limiter. A refused call reports as Running the calls
// that run, itself not included since it does not run.
func (l *WindowLimiter) Admit(r *http.Request) Admission {
	c := l.cfg
	now := c.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pool(l.key(r.URL.Path))
	p.prune(now.Add(-c.Window))

	lim := Limits{RateLimit: c.Rate, WindowSec: int(c.Window / time.Second),
		Remaining: max(c.Rate-len(p.calls), 0), ConcurrencyLimit: c.Concurrency,
		ConcurrencyRunning: p.running}
	if p.running >= c.Concurrency {
		return Admission{Limits: lim, Refusal: concurrencyRefusal(p.running - c.Concurrency + 1)}
	}
	if len(p.calls) >= c.Rate {
		lim.ToWaitSec = p.toWait(c, now)
		return Admission{Limits: lim, Refusal: rateRefusal(lim.ToWaitSec)}
	}

	p.running++
	p.calls = append(p.calls, now)
	lim.ConcurrencyRunning = p.running
	lim.Remaining = c.Rate - len(p.calls)
	if lim.Remaining == 0 {
		lim.ToWaitSec = p.toWait(c, now)
	}
	return Admission{Limits: lim, Done: l.releaser(p, 1)}
}

// toWait is the number of seconds, rounded up, until the full window
// admits a call again: until its oldest counted call leaves it.
func (p *pool) toWait(c LimitConfig, now time.Time) int {
	wait := p.calls[len(p.calls)-c.Rate].Add(c.Window).Sub(now)
	return int((wait + time.Second - 1) / time.Second)
}

// HoldSlots implements SlotHolder. With PerAPI the slots are held on the
// detection API. Held slots count as running calls but take nothing from
// the rate window.
func (l *WindowLimiter) HoldSlots(n int) (release func()) {
	k := routeNone
	if l.cfg.PerAPI {
		k = routeDetection
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pool(k)
	p.running += n
	return l.releaser(p, n)
}

func (l *WindowLimiter) releaser(p *pool, n int) func() {
	return sync.OnceFunc(func() {
		l.mu.Lock()
		p.running -= n
		l.mu.Unlock()
	})
}

// key is the pool of a path: its API with PerAPI, else the one pool.
func (l *WindowLimiter) key(path string) route {
	if !l.cfg.PerAPI {
		return routeNone
	}
	rt, _ := routeOf(path)
	return rt
}

func (l *WindowLimiter) pool(k route) *pool {
	p := l.pools[k]
	if p == nil {
		p = &pool{}
		l.pools[k] = p
	}
	return p
}

// prune forgets the calls admitted at or before since.
func (p *pool) prune(since time.Time) {
	i := 0
	for i < len(p.calls) && !p.calls[i].After(since) {
		i++
	}
	p.calls = p.calls[i:]
}

func concurrencyRefusal(toFinish int) *qualys.APIError {
	e := apiErr(http.StatusConflict, qualys.CodeConcurrencyLimit, fmt.Sprintf(
		"This API cannot be run again until %d currently running API instance(s) has finished.",
		toFinish))
	e.Items = map[string]string{"CALLS_TO_FINISH": strconv.Itoa(toFinish)}
	return e
}

func rateRefusal(secs int) *qualys.APIError {
	e := apiErr(http.StatusConflict, qualys.CodeRateLimit,
		"This API cannot be run again for another "+formatWait(secs)+".")
	e.Items = map[string]string{"SECONDS_TO_WAIT": strconv.Itoa(secs)}
	return e
}

// formatWait writes seconds as the 1965 text does: "23 hours, 57 minutes
// and 54 seconds", leaving out zero units ("59 minutes and 2 seconds").
func formatWait(secs int) string {
	var parts []string
	for _, u := range []struct {
		n    int
		name string
	}{{secs / 3600, "hour"}, {secs / 60 % 60, "minute"}, {secs % 60, "second"}} {
		switch {
		case u.n == 1:
			parts = append(parts, "1 "+u.name)
		case u.n > 1:
			parts = append(parts, strconv.Itoa(u.n)+" "+u.name+"s")
		}
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// LimitStats counts what the limiter answered, for tests.
type LimitStats struct {
	Admitted int         // calls admitted
	Refused  map[int]int // calls refused, by code (1960, 1965)
	Peak     int         // highest Running header of an admitted call
}

// setLimitHeaders writes the six limit headers; alt spells the
// concurrency ones X-ConcurrencyLimit-Limit and -Running.
func setLimitHeaders(h http.Header, l Limits, alt bool) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.RateLimit))
	h.Set("X-RateLimit-Window-Sec", strconv.Itoa(l.WindowSec))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(l.Remaining))
	h.Set("X-RateLimit-ToWait-Sec", strconv.Itoa(l.ToWaitSec))
	prefix := "X-Concurrency-Limit-"
	if alt {
		prefix = "X-ConcurrencyLimit-"
	}
	h.Set(prefix+"Limit", strconv.Itoa(l.ConcurrencyLimit))
	h.Set(prefix+"Running", strconv.Itoa(l.ConcurrencyRunning))
}

// dropLimitHeaders removes the limit headers, for faults that stand for a
// response the API's limiter did not write.
func dropLimitHeaders(h http.Header) {
	for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Window-Sec",
		"X-RateLimit-Remaining", "X-RateLimit-ToWait-Sec", "X-Concurrency-Limit-Limit",
		"X-Concurrency-Limit-Running", "X-ConcurrencyLimit-Limit",
		"X-ConcurrencyLimit-Running"} {
		h.Del(k)
	}
}
