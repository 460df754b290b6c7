// Package fetch downloads detection pages from the Qualys API: it follows
// the API's WARNING/URL pagination, decodes each page as it streams and
// hands hosts on one at a time.
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

// Stats describes a completed walk.
type Stats struct {
	// ServerTime is RESPONSE/DATETIME of the first page: the server's clock
	// when the walk started, which a checkpoint records.
	ServerTime time.Time
	Pages      int
	Hosts      int
	Detections int
}

// ErrPagination reports a WARNING the walk cannot follow: no URL, no id_min
// in it, or an id_min that does not move forward. Stopping there silently
// would drop the hosts that follow.
var ErrPagination = errors.New("cannot follow pagination")

// Walk requests the detection pages for params, in order, and calls fn for
// each host as it is decoded. params is not modified. The next page is asked
// for with the original parameters and the id_min that the page's WARNING
// URL carries. Walk stops at the first error, from the API, the stream or
// fn, and returns it with the page and id_min it happened at.
func Walk(ctx context.Context, c *qualys.Client, params url.Values,
	fn func(*qualys.Host) error) (Stats, error) {
	var st Stats
	p := cloneValues(params)
	for {
		next, err := walkPage(ctx, c, p, &st, fn)
		if err != nil {
			return st, fmt.Errorf("detection page %d (id_min=%s): %w",
				st.Pages+1, p.Get("id_min"), err)
		}
		st.Pages++
		if next == "" {
			return st, nil
		}
		p.Set("id_min", next)
	}
}

// walkPage fetches and decodes one page and returns the next page's id_min,
// or "" on the last page.
func walkPage(ctx context.Context, c *qualys.Client, p url.Values, st *Stats,
	fn func(*qualys.Host) error) (string, error) {
	resp, err := c.Post(ctx, qualys.DetectionPath, p)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()

	d := decode.New(resp.Body, resp.Status)
	var last int64
	for {
		h, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if st.ServerTime.IsZero() {
			st.ServerTime = d.ServerTime()
		}
		last = h.ID
		st.Hosts++
		st.Detections += len(h.Detections)
		if err := fn(h); err != nil {
			return "", err
		}
	}
	if st.ServerTime.IsZero() {
		st.ServerTime = d.ServerTime()
	}
	return nextIDMin(d.Warning(), p.Get("id_min"), last)
}

// nextIDMin reads the id_min of the next page from a WARNING and checks
// that it moves past both the current id_min and the last host decoded.
func nextIDMin(w *qualys.Warning, current string, lastHost int64) (string, error) {
	if w == nil {
		return "", nil
	}
	if w.URL == "" {
		return "", fmt.Errorf("%w: warning %d %q has no url", ErrPagination, w.Code, w.Text)
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return "", fmt.Errorf("%w: warning url %q: %w", ErrPagination, w.URL, err)
	}
	next, err := strconv.ParseInt(u.Query().Get("id_min"), 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: warning url %q has no numeric id_min", ErrPagination, w.URL)
	}

	floor := lastHost
	if cur, err := strconv.ParseInt(current, 10, 64); err == nil && cur > floor {
		floor = cur
	}
	if next <= floor {
		return "", fmt.Errorf("%w: id_min %d in warning url does not move past %d",
			ErrPagination, next, floor)
	}
	return strconv.FormatInt(next, 10), nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
