package simulator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParsePairs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []param
		wantErr bool
	}{
		{name: "empty", in: ""},
		{name: "order_and_raw", in: "b=2&a=x%2Cy&c=",
			want: []param{{raw: "b=2", name: "b", value: "2"},
				{raw: "a=x%2Cy", name: "a", value: "x,y"}, {raw: "c=", name: "c"}}},
		{name: "plus_is_space", in: "os_pattern=Windows+10", want: []param{
			{raw: "os_pattern=Windows+10", name: "os_pattern", value: "Windows 10"}}},
		{name: "skips_empty_pieces", in: "&a=1&&",
			want: []param{{raw: "a=1", name: "a", value: "1"}}},
		{name: "bad_escape", in: "a=%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePairs(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(param{})); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
		})
	}
}

func mustPairs(t *testing.T, s string) []param {
	t.Helper()
	p, err := parsePairs(s)
	if err != nil {
		t.Fatalf("parsePairs: %v", err)
	}
	return p
}

func TestParseQueryValues(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		in    string
		check func(q *query) bool
	}{
		{name: "defaults", in: "action=list", check: func(q *query) bool {
			return q.statuses == statusNew|statusActive|statusReopened && !q.showIGs &&
				q.truncation == 1000 && q.showResults && !q.includeIgnored && q.ids == nil
		}},
		{name: "status_case_insensitive", in: "action=list&status=fixed,NEW",
			check: func(q *query) bool { return q.statuses == statusFixed|statusNew }},
		{name: "ids_merged", in: "action=list&ids=5,1-3,4,10-12,11",
			check: func(q *query) bool {
				return cmp.Equal(q.ids, idSet{{1, 5}, {10, 12}}, cmp.AllowUnexported(idRange{}))
			}},
		{name: "severities", in: "action=list&severities=1,3-4",
			check: func(q *query) bool { return q.severities == 1<<1|1<<3|1<<4 }},
		{name: "date_only", in: "action=list&vm_processed_after=2026-01-02",
			check: func(q *query) bool {
				return q.hostTimes[0].t == time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Unix()
			}},
		{name: "datetime", in: "action=list&detection_updated_since=2026-01-02T03:04:05Z",
			check: func(q *query) bool {
				return q.detTimes[0].t == time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix() &&
					q.detTimes[0].cmp == 'G'
			}},
		{name: "relative_days", in: "action=list&max_days_since_detection_updated=2",
			check: func(q *query) bool { return q.detTimes[0].t == now.Unix()-2*day }},
		{name: "last_value_wins", in: "action=list&truncation_limit=5&truncation_limit=7",
			check: func(q *query) bool { return q.truncation == 7 }},
		{name: "truncation_zero", in: "action=list&truncation_limit=0",
			check: func(q *query) bool { return q.truncation == 0 }},
		{name: "ignored_params", in: "action=list&ag_ids=1,2-5&use_tags=1&tag_set_include=x" +
			"&echo_request=0&output_format=xml&vm_scan_since=2026-01-01&arf_kernel_filter=2",
			check: func(q *query) bool { return q.showARF }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseQuery(apiDetection, "5.0", mustPairs(t, tt.in), now)
			if err != nil {
				t.Fatalf("parseQuery: %v", err)
			}
			if !tt.check(q) {
				t.Errorf("query %+v fails the check", q)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode int
		wantText string
	}{
		{name: "first_bad_value_in_request_order", in: "action=list&show_igs=2&ids=x",
			wantCode: 1905, wantText: "parameter show_igs has invalid value: 2 (must be 0 or 1)"},
		{name: "zero_id", in: "action=list&ids=0", wantCode: 1905,
			wantText: "parameter ids has invalid value: 0 " +
				"(neither a positive integer nor a range: 0)"},
		{name: "empty_ids", in: "action=list&ids=", wantCode: 1905,
			wantText: "parameter ids has invalid value:  " +
				"(neither a positive integer nor a range: )"},
		{name: "bad_ip", in: "action=list&ips=10.0.0.300", wantCode: 1905,
			wantText: "parameter ips has invalid value: 10.0.0.300"},
		{name: "bad_regexp", in: "action=list&os_pattern=(", wantCode: 1905,
			wantText: "parameter os_pattern has invalid value: ("},
		{name: "qds_out_of_range", in: "action=list&qds_min=0", wantCode: 1905,
			wantText: "parameter qds_min has invalid value: 0"},
		{name: "unknown_before_bad_value", in: "action=list&ids=x&nope=1", wantCode: 1901,
			wantText: "Unrecognized parameter(s): nope (action=list allows: echo_request,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseQuery(apiDetection, "5.0", mustPairs(t, tt.in), time.Now())
			if err == nil {
				t.Fatalf("no error")
			}
			if err.Code != tt.wantCode || err.HTTPStatus != 400 ||
				len(err.Text) < len(tt.wantText) || err.Text[:len(tt.wantText)] != tt.wantText {
				t.Errorf("error %d %d %q, want %d 400 %q", err.Code, err.HTTPStatus, err.Text,
					tt.wantCode, tt.wantText)
			}
		})
	}
}

func TestAllowedListMatchesRealText(t *testing.T) {
	// The 2024 1901 text lists 60 names; the simulator adds 8 documented ones.
	if len(detectionParams) != 60+8 {
		t.Errorf("detection API allows %d parameters, want 68", len(detectionParams))
	}
	if detectionParams[0] != "echo_request" || detectionParams[59] != "filter_superseded_qids" {
		t.Errorf("allowed list out of the real order")
	}
}

// FuzzParseQuery: any request parses to a query or an API error with HTTP
// 400, never a panic.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"action=list", "action=list&ids=1-5,9&status=Fixed",
		"action=list&vm_processed_after=2026-01-01T00:00:00Z&severities=1-5",
		"action=list&ips=10.0.0.1-10.0.0.9&os_pattern=%5E%24", "ids=&&=&action=list&qids=3-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pairs, err := parsePairs(s)
		if err != nil {
			return
		}
		for _, a := range []api{apiDetection, apiHostList} {
			q, apiErr := parseQuery(a, "5.0", pairs, DefaultStart)
			if (q == nil) == (apiErr == nil) {
				t.Fatalf("query %v and error %v", q, apiErr)
			}
			if apiErr != nil && apiErr.HTTPStatus != 400 {
				t.Fatalf("error with HTTP %d", apiErr.HTTPStatus)
			}
		}
	})
}
