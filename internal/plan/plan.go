// Package plan decides which host ID ranges a sync fetches: it lists the
// host IDs that match the sync's host filters with the Host List API and
// cuts them into ranges, so that several workers can fetch at once and a
// restarted sync can skip the ranges already done.
//
// It does not fetch detections; the fetch package walks each range.
package plan

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/fetch"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Range is a closed interval of host IDs. Last is zero for the open range
// above the last listed host, which catches hosts created after the
// listing.
type Range struct {
	First int64 `json:"first"`
	Last  int64 `json:"last,omitempty"`
}

// String returns the range as the API writes ranges ("a-b", "a-").
func (r Range) String() string {
	if r.Last == 0 {
		return strconv.FormatInt(r.First, 10) + "-"
	}
	return strconv.FormatInt(r.First, 10) + "-" + strconv.FormatInt(r.Last, 10)
}

// Params returns base restricted to the range. The range is sent as
// id_min and id_max rather than ids=a-b, so that a configured ids filter
// still applies; the API ANDs them.
func (r Range) Params(base url.Values) url.Values {
	p := make(url.Values, len(base)+2)
	for k, v := range base {
		p[k] = v
	}
	p.Set("id_min", strconv.FormatInt(r.First, 10))
	if r.Last != 0 {
		p.Set("id_max", strconv.FormatInt(r.Last, 10))
	} else {
		p.Del("id_max")
	}
	return p
}

// hostFilters are the detection parameters that select hosts, which the
// Host List API takes too. The others (statuses, QIDs, output options)
// select detections and stay out of the listing.
var hostFilters = []string{
	"ids", "ips", "ipv6", "ag_ids", "ag_titles", "network_ids", "os_pattern",
	"use_tags", "tag_set_by", "tag_include_selector", "tag_exclude_selector",
	"tag_set_include", "tag_set_exclude", "compliance_enabled",
	"vm_processed_after", "vm_processed_before", "vm_scan_since", "no_vm_scan_since",
	"max_days_since_last_vm_scan", "vm_scan_date_after", "vm_scan_date_before",
	"vm_auth_scan_date_after", "vm_auth_scan_date_before",
}

// ListPageSize is how many host IDs one Host List page asks for.
const ListPageSize = 100000

// Lister lists host IDs. Its fields are set once.
type Lister struct {
	Client *qualys.Client
	// Retry bounds the retries of each page, as for detection pages.
	Retry   fetch.Retry
	OnRetry func(cause string, wait time.Duration, err error)
	// PageSize is the IDs asked for per page; default ListPageSize.
	PageSize int
}

// ListHostIDs returns the sorted host IDs matching the host filters among
// detectionParams, and the server time of the first page. It follows the
// Host List pagination like detection pages: the id_min of each WARNING
// URL, which must move forward. Pages that fail in a retryable way are
// asked for again.
func (l *Lister) ListHostIDs(ctx context.Context, detectionParams url.Values) ([]int64, time.Time, error) {
	pageSize := l.PageSize
	if pageSize <= 0 {
		pageSize = ListPageSize
	}
	p := url.Values{"action": {"list"}, "details": {"None"},
		"truncation_limit": {strconv.Itoa(pageSize)}}
	for _, k := range hostFilters {
		if v, ok := detectionParams[k]; ok {
			p[k] = v
		}
	}

	var ids []int64
	var serverTime time.Time
	for page := 1; ; page++ {
		var next int64
		var st time.Time
		_, err := l.Retry.Do(ctx, l.Client.Gate(), l.OnRetry, func() (bool, error) {
			var err error
			next, st, err = listPage(ctx, l.Client, p, &ids)
			return false, err
		})
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("host list page %d (id_min=%s): %w", page, p.Get("id_min"), err)
		}
		if serverTime.IsZero() {
			serverTime = st
		}
		if next == 0 {
			break
		}
		p.Set("id_min", strconv.FormatInt(next, 10))
	}
	slices.Sort(ids)
	return slices.Compact(ids), serverTime, nil
}

// maxRangeExpansion bounds the IDs one ID_RANGE may add, against a range
// of absurd width eating memory.
const maxRangeExpansion = 10_000_000

func listPage(ctx context.Context, c *qualys.Client, p url.Values, ids *[]int64) (int64, time.Time, error) {
	resp, err := c.Post(ctx, qualys.HostListPath, p)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer resp.Body.Close()

	var last int64
	page, err := decode.ReadIDSet(resp.Body, resp.Status, func(first, end int64) error {
		if end-first >= maxRangeExpansion {
			return fmt.Errorf("id range %d-%d is wider than %d", first, end, maxRangeExpansion)
		}
		for id := first; id <= end; id++ {
			*ids = append(*ids, id)
		}
		last = max(last, end)
		return nil
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	next, err := qualys.NextIDMin(page.Warning, p.Get("id_min"), last)
	return next, page.ServerTime, err
}

// Cut splits sorted ids into ranges of at most size hosts each, then adds
// the open range above the last ID. With no ids it returns the open range
// from 1, so that a sync still asks for what exists now.
func Cut(ids []int64, size int) []Range {
	size = max(size, 1)
	var out []Range
	for i := 0; i < len(ids); i += size {
		chunk := ids[i:min(i+size, len(ids))]
		out = append(out, Range{First: chunk[0], Last: chunk[len(chunk)-1]})
	}
	first := int64(1)
	if len(ids) > 0 {
		first = ids[len(ids)-1] + 1
	}
	return append(out, Range{First: first})
}
