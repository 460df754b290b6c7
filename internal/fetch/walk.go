// Package fetch downloads detection pages from the Qualys API: it follows
// the API's WARNING/URL pagination, decodes each page as it streams, hands
// hosts on one at a time, and retries what is retryable, resuming a cut
// stream after the last host it decoded whole.
//
// It leaves planning (which hosts, which ranges), encoding and publishing
// to others.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Stats describes a walk.
type Stats struct {
	// ServerTime is RESPONSE/DATETIME of the first page.
	ServerTime time.Time
	Pages      int
	Hosts      int
	Detections int
	Retries    map[string]int // by cause
	Repairs    decode.Repairs // characters replaced so that pages could be read
}

// Walker walks detection pages. Its fields are set once; it is safe for
// concurrent walks.
type Walker struct {
	Client *qualys.Client
	Retry  Retry
	// Decoder is the decoder implementation; "" is the default.
	Decoder decode.Kind
	// OnRetry, if not nil, is told of each retry before its wait.
	OnRetry func(cause string, wait time.Duration, err error)
}

// Walk requests the detection pages for params, in order, and calls fn for
// each host decoded whole. params is not modified. The next page is asked
// for with the original parameters and the id_min that the page's WARNING
// URL carries. An empty body is taken as "no data" only for the first page
// of the walk and after one retry: later, it could hide a dropped stream.
// A page that fails in a retryable way is asked for again,
// from the host after the last one fn received, so fn never sees a host
// twice or a host in part. Retry.Attempts bounds the tries that make no
// progress: a try that handed on at least one host starts the count again.
// Walk stops at an error of fn (returned as is), a permanent error or the
// last retry (returned with the page, id_min and tries).
func (w *Walker) Walk(ctx context.Context, params url.Values,
	fn func(*qualys.Host) error) (Stats, error) {
	st := Stats{Retries: map[string]int{}}
	onRetry := func(cause string, wait time.Duration, err error) {
		st.Retries[cause]++
		if w.OnRetry != nil {
			w.OnRetry(cause, wait, err)
		}
	}
	p := cloneValues(params)
	for {
		var next string
		empties := 0
		failures, err := w.Retry.Do(ctx, w.Client.Gate(), onRetry, func() (bool, error) {
			var last int64
			var err error
			next, last, err = w.page(ctx, p, &st, fn)
			if last != 0 && err != nil {
				p.Set("id_min", strconv.FormatInt(last+1, 10)) // resume after the last whole host
			}
			if errors.Is(err, decode.ErrEmptyBody) && st.Pages == 0 && st.Hosts == 0 {
				if empties++; empties > 1 {
					return false, nil // asked twice, empty twice, at the start: no data
				}
			}
			return last != 0, err
		})
		var fnErr *consumerError
		if errors.As(err, &fnErr) {
			return st, fnErr.err
		}
		if err != nil {
			return st, pageError(st, p, failures, err)
		}
		st.Pages++
		if next == "" {
			return st, nil
		}
		p.Set("id_min", next)
	}
}

func pageError(st Stats, p url.Values, failures int, err error) error {
	s := fmt.Sprintf("detection page %d (id_min=%s", st.Pages+1, p.Get("id_min"))
	if failures > 1 {
		s += fmt.Sprintf(", %d attempts", failures)
	}
	return fmt.Errorf("%s): %w", s, err)
}

// consumerError marks an error of the walk's fn: never retried.
type consumerError struct{ err error }

// It has no Unwrap on purpose: Classify must not see through it.
func (e *consumerError) Error() string { return e.err.Error() }

// page fetches and decodes one page. It returns the next page's id_min
// ("" on the last page) and the ID of the last host handed to fn.
func (w *Walker) page(ctx context.Context, p url.Values, st *Stats,
	fn func(*qualys.Host) error) (string, int64, error) {
	resp, err := w.Client.Post(ctx, qualys.DetectionPath, p)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()

	d := decode.Open(w.Decoder, resp.Body, resp.Status)
	defer func() { st.Repairs.Add(d.Repairs()) }()
	var last int64
	for {
		h, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", last, err
		}
		w.noteServerTime(st, d)
		if err := fn(h); err != nil {
			return "", last, &consumerError{err}
		}
		if h.ID > 0 { // a host whose ID could not be read cannot be resumed after
			last = h.ID
		}
		st.Hosts++
		st.Detections += len(h.Detections)
	}
	w.noteServerTime(st, d)

	next, err := qualys.NextIDMin(d.Warning(), p.Get("id_min"), last)
	if err != nil || next == 0 {
		return "", last, err
	}
	return strconv.FormatInt(next, 10), last, nil
}

func (w *Walker) noteServerTime(st *Stats, d decode.Stream) {
	if st.ServerTime.IsZero() {
		st.ServerTime = d.ServerTime()
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
