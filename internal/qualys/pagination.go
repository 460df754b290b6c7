package qualys

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// ErrPagination reports a WARNING that cannot be followed: no URL, no
// id_min in it, or an id_min that does not move forward. Stopping there
// silently would drop the hosts that follow.
var ErrPagination = errors.New("cannot follow pagination")

// NextIDMin returns the id_min of the next page from a page's WARNING, or
// zero when there is no WARNING (the last page). The id_min must move past
// both the page's own id_min (current, "" if none) and the last host ID the
// page held.
func NextIDMin(w *Warning, current string, lastHost int64) (int64, error) {
	if w == nil {
		return 0, nil
	}
	if w.URL == "" {
		return 0, fmt.Errorf("%w: warning %d %q has no url", ErrPagination, w.Code, w.Text)
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return 0, fmt.Errorf("%w: warning url %q: %w", ErrPagination, w.URL, err)
	}
	next, err := strconv.ParseInt(u.Query().Get("id_min"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: warning url %q has no numeric id_min", ErrPagination, w.URL)
	}

	floor := lastHost
	if cur, err := strconv.ParseInt(current, 10, 64); err == nil && cur > floor {
		floor = cur
	}
	if next <= floor {
		return 0, fmt.Errorf("%w: id_min %d in warning url does not move past %d",
			ErrPagination, next, floor)
	}
	return next, nil
}
