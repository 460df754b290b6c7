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

// Retry bounds the retries of one call. Zero values mean the defaults.
type Retry struct {
	// Attempts is the most tries of one call that make no progress, the
	// first included; default 8.
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
	CauseEmpty       = "empty_body"
)

// Decision is what to do about a failed call.
type Decision struct {
	Cause string // why it may succeed later; "" when it will not
	Retry bool
	// StopsSync reports an error that every other call of the sync would
	// meet too: credentials, the account, the request's parameters.
	StopsSync bool
	// RateWait is how long the server asked to wait (rate limit only).
	RateWait time.Duration
}

// Account and request states that no retry and no other range escapes.
const (
	codeRegistrationPending = 2003
	codeSecureIDRequired    = 2011
)

// Classify decides about a failed call. It is the one place that decides
// what is retryable: API errors that say "later" (1960, 1965, 5xx, a
// GENERIC_RETURN internal error), transport failures, and streams that
// stopped early. Everything else is permanent: bad parameters,
// credentials, malformed content, pagination that cannot be followed.
func Classify(err error) Decision {
	var apiErr *qualys.APIError
	var trErr *qualys.TransportError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !isNetTimeout(err):
		return Decision{}
	case errors.As(err, &apiErr):
		return classifyAPI(apiErr)
	case errors.As(err, &trErr):
		// A page that is not XML with status 200 comes from something in
		// between (a proxy's maintenance page, a portal): usually gone on
		// a later try, and the tries are bounded.
		s := trErr.HTTPStatus
		return Decision{Cause: CauseServer, Retry: s >= 500 || s == 429 || s == 200,
			StopsSync: s == 401 || s == 403}
	case errors.Is(err, decode.ErrEmptyBody):
		return Decision{Cause: CauseEmpty, Retry: true}
	case errors.Is(err, qualys.ErrIdleTimeout):
		return Decision{Cause: CauseIdle, Retry: true}
	case errors.Is(err, decode.ErrCut), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Decision{Cause: CauseCut, Retry: true}
	case errors.As(err, &netErr) && netErr.Timeout():
		return Decision{Cause: CauseTimeout, Retry: true}
	case errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED):
		return Decision{Cause: CauseConnection, Retry: true}
	}
	return Decision{}
}

func classifyAPI(e *qualys.APIError) Decision {
	switch e.Code {
	case qualys.CodeRateLimit:
		return Decision{Cause: CauseRateLimit, Retry: true, RateWait: e.RateWait()}
	case qualys.CodeConcurrencyLimit:
		return Decision{Cause: CauseConcurrency, Retry: true}
	case qualys.CodeBadLogin, qualys.CodeAccountExpired, codeRegistrationPending,
		codeSecureIDRequired, qualys.CodeUnknownParameter, qualys.CodeInvalidValue:
		return Decision{StopsSync: true}
	}
	if e.HTTPStatus >= 500 || e.Root == "GENERIC_RETURN" {
		return Decision{Cause: CauseServer, Retry: true}
	}
	return Decision{StopsSync: e.HTTPStatus == 401 || e.HTTPStatus == 403}
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

// Do calls try until it succeeds, fails for good, or has failed Attempts
// times in a row without progress (try reports whether it made some before
// failing). Between tries it waits the backoff of the failure's cause; a
// rate-limit refusal instead holds gate for the wait the server asked, so
// that every call of the subscription waits. onRetry, if not nil, is told
// of each retry. Do returns the last error and how many tries failed.
func (r Retry) Do(ctx context.Context, gate *qualys.Gate, onRetry func(cause string, wait time.Duration, err error),
	try func() (progress bool, err error)) (int, error) {
	r = r.withDefaults()
	failures, streak := 0, 0
	for {
		progress, err := try()
		if err == nil {
			return failures, nil
		}
		failures++
		if progress {
			streak = 0
		}
		streak++

		d := Classify(err)
		if !d.Retry || streak >= r.Attempts {
			return failures, err
		}
		if ctx.Err() != nil {
			// The failure came from the sync stopping (a publish error,
			// a shutdown): no retry follows, so none is announced.
			return failures, err
		}
		if d.Cause == CauseRateLimit && gate != nil {
			gate.HoldFor(d.RateWait) // also for a refusal that came with HTTP 200
		}
		wait := r.backoff(d.Cause, streak)
		if onRetry != nil {
			onRetry(d.Cause, wait, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return failures, err
		}
	}
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
