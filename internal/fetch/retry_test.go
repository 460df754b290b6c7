package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// TestClassify pins what is retried, what fails a range and what stops the
// whole sync.
func TestClassify(t *testing.T) {
	api := func(status, code int) error {
		return fmt.Errorf("page 1: %w", &qualys.APIError{HTTPStatus: status, Code: code, Root: "SIMPLE_RETURN"})
	}
	tests := []struct {
		name      string
		err       error
		wantCause string
		wantRetry bool
		wantStop  bool
	}{
		{"rate_limit_1965", api(409, 1965), CauseRateLimit, true, false},
		{"rate_limit_1965_with_http_200", api(200, 1965), CauseRateLimit, true, false},
		{"concurrency_1960", api(409, 1960), CauseConcurrency, true, false},
		{"other_409_code", api(409, 1999), "", false, false},
		{"invalid_value_1905", api(400, 1905), "", false, true},
		{"bad_login_2000", api(401, 2000), "", false, true},
		{"account_expired_2001_http200", api(200, 2001), "", false, true},
		{"generic_return_internal_error_http200", &qualys.APIError{HTTPStatus: 200, Root: "GENERIC_RETURN"}, CauseServer, true, false},
		{"server_error_503", api(503, 0), CauseServer, true, false},
		{"html_502", &qualys.TransportError{HTTPStatus: 502}, CauseServer, true, false},
		{"html_403", &qualys.TransportError{HTTPStatus: 403}, CauseServer, false, true},
		{"html_414", &qualys.TransportError{HTTPStatus: 414}, CauseServer, false, false},
		{"html_page_with_http200", &qualys.TransportError{HTTPStatus: 200, Kind: "html"}, CauseServer, true, false},
		{"cut_stream", fmt.Errorf("x: %w", decode.ErrCut), CauseCut, true, false},
		{"reset", syscall.ECONNRESET, CauseCut, true, false},
		{"unexpected_eof", io.ErrUnexpectedEOF, CauseCut, true, false},
		{"idle_timeout", qualys.ErrIdleTimeout, CauseIdle, true, false},
		{"pagination", qualys.ErrPagination, "", false, false},
		{"consumer_error_is_opaque", &consumerError{syscall.ECONNRESET}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(tt.err)
			if d.Cause != tt.wantCause || d.Retry != tt.wantRetry || d.StopsSync != tt.wantStop {
				t.Errorf("Classify = %+v, want cause %q retry %v stops %v", d, tt.wantCause, tt.wantRetry, tt.wantStop)
			}
		})
	}
}

// TestRetryAnnouncesNoRetryAfterTheSyncStopped: a page that fails because
// the sync was cancelled (a publish error elsewhere) is not logged as a
// retry of a cut stream.
func TestRetryAnnouncesNoRetryAfterTheSyncStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	announced := 0
	_, err := Retry{}.Do(ctx, nil, func(string, time.Duration, error) { announced++ },
		func() (bool, error) { return false, decode.ErrCut })
	if !errors.Is(err, decode.ErrCut) || announced != 0 {
		t.Errorf("err = %v, %d retries announced; want the cut returned and none announced", err, announced)
	}
}
