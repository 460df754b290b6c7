package simulator

import (
	"net/http"
	"strconv"
	"sync/atomic"

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
// authentication is checked; it must be safe for concurrent use.
type Limiter interface {
	Admit(r *http.Request) Admission
}

// StaticLimiter admits every call and reports fixed limits: 300 calls per
// 3600 s with 299 remaining and a concurrency limit of 2. Running counts
// the calls in progress. It is the default Limiter.
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

// setLimitHeaders writes the six limit headers.
func setLimitHeaders(h http.Header, l Limits) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.RateLimit))
	h.Set("X-RateLimit-Window-Sec", strconv.Itoa(l.WindowSec))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(l.Remaining))
	h.Set("X-RateLimit-ToWait-Sec", strconv.Itoa(l.ToWaitSec))
	h.Set("X-Concurrency-Limit-Limit", strconv.Itoa(l.ConcurrencyLimit))
	h.Set("X-Concurrency-Limit-Running", strconv.Itoa(l.ConcurrencyRunning))
}
