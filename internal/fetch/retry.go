package fetch

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Retry bounds the retries of one page. Zero values mean the defaults.
type Retry struct {
	// Attempts is the most tries of one page, the first included; default 8.
	Attempts int
	// MinBackoff and MaxBackoff bound the exponential backoff between tries
	// of server errors, resets and timeouts; defaults 1s and 2m.
	MinBackoff, MaxBackoff time.Duration
	// ConcurrencyBackoff is the base wait after a concurrency refusal
	// (1960), to which up to as much jitter is added; default 10s.
	ConcurrencyBackoff time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.MinBackoff <= 0 {
		r.MinBackoff = time.Second
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 2 * time.Minute
	}
	if r.ConcurrencyBackoff <= 0 {
		r.ConcurrencyBackoff = 10 * time.Second
	}
	return r
}

// Causes of a retry, as logged and counted.
const (
	CauseRateLimit   = "rate_limit"
	CauseConcurrency = "concurrency_limit"
	CauseServer      = "server_error"
	CauseCut         = "cut_stream"
	CauseIdle        = "idle_timeout"
	CauseTimeout     = "timeout"
	CauseConnection  = "connection"
)

// classify decides whether a failed page may be fetched again, and why.
// It is the one place that decides what is retryable: API errors that say
// "later" (1960, 1965, 5xx), transport failures, and streams that stopped
// early. Everything else (bad parameters, credentials, malformed content,
// pagination that cannot be followed) is permanent.
func classify(err error) (cause string, retry bool) {
	var apiErr *qualys.APIError
	var trErr *qualys.TransportError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !isNetTimeout(err):
		return "", false
	case errors.As(err, &apiErr):
		return classifyAPI(apiErr)
	case errors.As(err, &trErr):
		return CauseServer, trErr.HTTPStatus >= 500 || trErr.HTTPStatus == 429
	case errors.Is(err, qualys.ErrIdleTimeout):
		return CauseIdle, true
	case errors.Is(err, decode.ErrCut), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return CauseCut, true
	case errors.As(err, &netErr) && netErr.Timeout():
		return CauseTimeout, true
	case errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED):
		return CauseConnection, true
	}
	return "", false
}

func classifyAPI(e *qualys.APIError) (string, bool) {
	switch {
	case e.Code == qualys.CodeRateLimit:
		return CauseRateLimit, true
	case e.Code == qualys.CodeConcurrencyLimit:
		return CauseConcurrency, true
	case e.HTTPStatus >= 500:
		return CauseServer, true
	}
	return "", false
}

func isNetTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// backoff returns the wait before try number attempt (1 for the first
// retry). Rate-limit refusals wait in the client's Gate, not here.
func (r Retry) backoff(cause string, attempt int) time.Duration {
	switch cause {
	case CauseRateLimit:
		return 0
	case CauseConcurrency:
		return r.ConcurrencyBackoff + rand.N(r.ConcurrencyBackoff+1)
	}
	d := r.MinBackoff << min(attempt-1, 20)
	d = min(d, r.MaxBackoff)
	return d/2 + rand.N(d/2+1) // jitter: half to all of d
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
