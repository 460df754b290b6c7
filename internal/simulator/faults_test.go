package simulator

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// rawGet sends a GET with valid credentials and returns the response and
// as much of its body as could be read, with the read error.
func rawGet(t *testing.T, srv *testServer, target string) (*http.Response, []byte, error) {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = srv.http.URL + target
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.SetBasicAuth("qualys", "qualys")
	req.Header.Set("X-Requested-With", "simulator test")
	resp, err := srv.http.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func faultServer(t *testing.T, hosts int, rules ...FaultRule) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 3, Hosts: hosts, MaxDetections: 10}
	cfg.Faults = Faults{Seed: 1, Rules: rules}
	return newTestServerConfig(t, cfg)
}

const closeRoot = "</HOST_LIST_VM_DETECTION_OUTPUT>"

// TestFaultKinds observes each fault from a real net/http client.
func TestFaultKinds(t *testing.T) {
	var wantBody []byte // the same page without fault, from the same server
	var wantHosts []qualys.Host

	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, resp *http.Response, body []byte, err error)
	}{
		{name: "reset", fault: Fault{Kind: FaultReset, Bytes: 1000},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("read error %v, want an unexpected EOF", err)
				}
				if resp.StatusCode != 200 || len(body) != 1000 {
					t.Errorf("status %d, %d bytes read; want 200, 1000", resp.StatusCode, len(body))
				}
			}},
		{name: "cut", fault: Fault{Kind: FaultCut, Bytes: 1000},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("status %d, error %v; want a clean 200", resp.StatusCode, err)
				}
				if !cmp.Equal(resp.TransferEncoding, []string{"chunked"}) {
					t.Errorf("transfer encoding %v, want chunked", resp.TransferEncoding)
				}
				if len(body) != 1000 || strings.Contains(string(body), closeRoot) ||
					string(body) != string(wantBody[:1000]) {
					t.Errorf("cut body of %d bytes:\n%s", len(body), body)
				}
			}},
		{name: "cut_beyond_the_end", fault: Fault{Kind: FaultCut, Bytes: 1 << 30},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || string(body) != string(wantBody) {
					t.Errorf("error %v, body differs: %v", err, string(body) != string(wantBody))
				}
			}},
		{name: "internal_error", fault: Fault{Kind: FaultInternalError},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				e := decodeAPIError(t, resp.StatusCode, body)
				if e.HTTPStatus != 500 || e.Root != "GENERIC_RETURN" ||
					!strings.HasPrefix(e.Text, "Internal error") {
					t.Errorf("got %+v, want 500 GENERIC_RETURN Internal error", e)
				}
			}},
		{name: "internal_error_503", fault: Fault{Kind: FaultInternalError, Status: 503},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if resp.StatusCode != 503 {
					t.Errorf("status %d, want 503", resp.StatusCode)
				}
			}},
		{name: "proxy_error", fault: Fault{Kind: FaultProxyError},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "text/html" ||
					!strings.Contains(string(body), "<h1>502 Bad Gateway</h1>") {
					t.Errorf("status %d, type %q, body:\n%s", resp.StatusCode,
						resp.Header.Get("Content-Type"), body)
				}
				if resp.Header.Get("X-RateLimit-Limit") != "" {
					t.Errorf("proxy page with limit headers")
				}
			}},
		{name: "keep_alive", fault: Fault{Kind: FaultKeepAlive, Every: 2},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				n := strings.Count(string(body),
					"<!-- keep-alive for HOST_LIST_VM_DETECTION_OUTPUT -->")
				if want := 1 + len(wantHosts)/2; n != want {
					t.Errorf("%d keep-alive comments, want %d", n, want)
				}
				readTokens(t, body)
				hosts, _, _ := decodePage(t, body)
				if d := diffHosts(wantHosts, hosts); d != "" {
					t.Errorf("hosts with comments differ (-want +got):\n%s", d)
				}
			}},
		{name: "account_expired", fault: Fault{Kind: FaultAccountExpired},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				code, text := simpleReturn(t, body)
				if resp.StatusCode != 200 || code != qualys.CodeAccountExpired ||
					text != "This account has expired." {
					t.Errorf("status %d, code %d, text %q", resp.StatusCode, code, text)
				}
				if resp.Header.Get("X-RateLimit-Limit") != "" {
					t.Errorf("2001 with limit headers; the capture has none")
				}
			}},
		{name: "empty_body", fault: Fault{Kind: FaultEmptyBody},
			check: func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || len(body) != 0 {
					t.Errorf("status %d, %d bytes, error %v", resp.StatusCode, len(body), err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := faultServer(t, 30, FaultRule{Nth: 2, Fault: tt.fault})
			wantBody = srv.get(t, hld+"?action=list").body(t, 200)
			wantHosts, _, _ = decodePage(t, wantBody)
			resp, body, err := rawGet(t, srv, hld+"?action=list")
			tt.check(t, resp, body, err)
			if got := srv.FaultStats()[tt.fault.Kind]; got != 1 {
				t.Errorf("FaultStats[%s] = %d, want 1", tt.fault.Kind, got)
			}

			// The server goes on serving on a new connection.
			if _, body, err := rawGet(t, srv, "/msp/about.php"); err != nil && len(body) == 0 {
				t.Errorf("next call: %v", err)
			}
		})
	}
}

// TestFaultDelays measures the fake clock of a synctest bubble.
func TestFaultDelays(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  func(bodyLen int) time.Duration
	}{
		{name: "slow_first_byte", fault: Fault{Kind: FaultSlowFirstByte, Delay: 3 * time.Minute},
			want: func(int) time.Duration { return 3 * time.Minute }},
		{name: "slow_body", fault: Fault{Kind: FaultSlowBody, Delay: time.Second, Bytes: 1000},
			want: func(n int) time.Duration { return time.Duration(n/1000) * time.Second }},
		{name: "slow_body_default_chunk", fault: Fault{Kind: FaultSlowBody, Delay: time.Second},
			want: func(n int) time.Duration { return time.Duration(n/4096) * time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newLocal(t, func(c *Config) {
					c.Faults = Faults{Rules: []FaultRule{{Fault: tt.fault}}}
				})
				start := time.Now()
				rec := serveLocal(t, s, hld+"?action=list")
				got := time.Since(start)
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), closeRoot) {
					t.Fatalf("status %d, incomplete body", rec.Code)
				}
				if want := tt.want(rec.Body.Len()); got != want || want == 0 {
					t.Errorf("took %v for %d bytes, want %v", got, rec.Body.Len(), want)
				}
			})
		})
	}
}

// pageKeyOf is the id_min of a target, "" for the first page.
func pageKeyOf(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("parse %q: %v", target, err)
	}
	return u.Query().Get("id_min")
}

// walkStatuses walks the detection pages from target and returns, page by
// page (by id_min), the HTTP status of each try; a fault answer is tried
// again up to 5 times.
func walkStatuses(t *testing.T, srv *testServer, target string) ([]qualys.Host, map[string][]int) {
	t.Helper()
	var all []qualys.Host
	tries := map[string][]int{}
	for target != "" {
		key := pageKeyOf(t, target)
		resp, body, err := rawGet(t, srv, target)
		status := resp.StatusCode
		if status == 200 && (err != nil || !strings.Contains(string(body), closeRoot)) {
			status = -status
		}
		tries[key] = append(tries[key], status)
		if status != 200 {
			if len(tries[key]) > 5 {
				t.Fatalf("page %q failed %d times", key, len(tries[key]))
			}
			continue
		}
		hosts, warn, _ := decodePage(t, body)
		all = append(all, hosts...)
		target = ""
		if warn != nil {
			target = warn.URL
		}
	}
	return all, tries
}

func TestFaultRules(t *testing.T) {
	const pages = 4
	expected := func(t *testing.T, srv *testServer) []qualys.Host {
		return mustExpected(t, srv, url.Values{"action": {"list"}})
	}
	tests := []struct {
		name string
		rule func(ids []string) FaultRule // ids: the id_min of pages 2..4
		want func(ids []string) map[string][]int
	}{
		{name: "nth",
			rule: func([]string) FaultRule {
				return FaultRule{Nth: 2, Fault: Fault{Kind: FaultEmptyBody}}
			},
			want: func(ids []string) map[string][]int {
				return map[string][]int{"": {200}, ids[0]: {-200, 200}, ids[1]: {200}, ids[2]: {200}}
			}},
		{name: "id_min",
			rule: func(ids []string) FaultRule {
				return FaultRule{IDMin: mustInt(t, ids[1]), Times: 2,
					Fault: Fault{Kind: FaultInternalError}}
			},
			want: func(ids []string) map[string][]int {
				return map[string][]int{"": {200}, ids[0]: {200}, ids[1]: {500, 500, 200},
					ids[2]: {200}}
			}},
		{name: "path_other_api_untouched",
			rule: func([]string) FaultRule {
				return FaultRule{Path: "/fo/asset/host/", Fault: Fault{Kind: FaultProxyError}}
			},
			want: func(ids []string) map[string][]int {
				return map[string][]int{"": {200}, ids[0]: {200}, ids[1]: {200}, ids[2]: {200}}
			}},
		{name: "path_and_max_per_page",
			rule: func([]string) FaultRule {
				return FaultRule{Path: "/vm/detection/", MaxPerPage: 1,
					Fault: Fault{Kind: FaultReset, Bytes: 500}}
			},
			want: func(ids []string) map[string][]int {
				return map[string][]int{"": {-200, 200}, ids[0]: {-200, 200},
					ids[1]: {-200, 200}, ids[2]: {-200, 200}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := faultServer(t, 60)
			n := len(expected(t, srv))
			first := hld + "?action=list&truncation_limit=" + strconv.Itoa((n+pages-1)/pages)
			_, tries := walkStatuses(t, srv, first)
			var ids []string
			for k := range tries {
				if k != "" {
					ids = append(ids, k)
				}
			}
			if len(ids) != pages-1 {
				t.Fatalf("%d pages, want %d", len(ids)+1, pages)
			}
			sortNumeric(ids)

			if err := srv.SetFaults(Faults{Rules: []FaultRule{tt.rule(ids)}}); err != nil {
				t.Fatal(err)
			}
			hosts, tries := walkStatuses(t, srv, first)
			if d := cmp.Diff(tt.want(ids), tries); d != "" {
				t.Errorf("tries by page (-want +got):\n%s", d)
			}
			if d := diffHosts(expected(t, srv), hosts); d != "" {
				t.Errorf("hosts (-want +got):\n%s", d)
			}
		})
	}
}

func TestFaultPath(t *testing.T) {
	tests := []struct {
		name string
		path string
		want map[string]int // status by target
	}{
		{name: "host_list_any_version", path: "/fo/asset/host/", want: map[string]int{
			"/api/2.0/fo/asset/host/?action=list": 502, "/api/5.0/fo/asset/host?action=list": 502,
			hld + "?action=list": 200, "/msp/about.php": 200}},
		{name: "detection_one_version", path: "/api/5.0/fo/asset/host/vm/detection",
			want: map[string]int{"/api/5.0/fo/asset/host/?action=list": 200,
				"/api/4.0/fo/asset/host/vm/detection/?action=list": 200,
				hld + "?action=list": 502}},
		{name: "about", path: "/msp/about.php", want: map[string]int{
			"/msp/about.php": 502, hld + "?action=list": 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := faultServer(t, 5, FaultRule{Path: tt.path, Fault: Fault{Kind: FaultProxyError}})
			got := map[string]int{}
			for target := range tt.want {
				resp, _, _ := rawGet(t, srv, target)
				got[target] = resp.StatusCode
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("status by target (-want +got):\n%s", d)
			}
		})
	}
}

// TestRandomCutEveryPage cuts every page of a 20-page walk at a random
// offset, at most twice a page: a client that retries gets every page.
func TestRandomCutEveryPage(t *testing.T) {
	for _, kind := range []FaultKind{FaultCut, FaultReset} {
		t.Run(kind.String(), func(t *testing.T) {
			srv := faultServer(t, 220, FaultRule{Path: "/vm/detection/", MaxPerPage: 2,
				Fault: Fault{Kind: kind, RandomBytes: true}})
			want := mustExpected(t, srv, url.Values{"action": {"list"}})
			hosts, tries := walkStatuses(t, srv, hld+"?action=list&truncation_limit=5")

			pages := (len(want) + 4) / 5
			if len(tries) != pages || pages < 20 {
				t.Errorf("%d pages, want %d (20 or more)", len(tries), pages)
			}
			for k, st := range tries {
				if !cmp.Equal(st, []int{-200, -200, 200}) {
					t.Errorf("page %q tries %v, want two failures then 200", k, st)
				}
			}
			if got := srv.FaultStats()[kind]; got != 2*pages {
				t.Errorf("FaultStats[%s] = %d, want %d", kind, got, 2*pages)
			}
			if d := diffHosts(want, hosts); d != "" {
				t.Errorf("hosts (-want +got):\n%s", d)
			}
		})
	}
}

func TestRandomFaultsAreSeeded(t *testing.T) {
	run := func() []bool {
		srv := faultServer(t, 5)
		srv.SetFaults(Faults{Seed: 42, Rules: []FaultRule{{Probability: 0.3,
			Fault: Fault{Kind: FaultEmptyBody}}}})
		var got []bool
		for range 50 {
			_, body, _ := rawGet(t, srv, hld+"?action=list")
			got = append(got, len(body) == 0)
		}
		return got
	}
	a, b := run(), run()
	if !cmp.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	n := 0
	for _, hit := range a {
		if hit {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Errorf("%d of %d calls struck at probability 0.3", n, len(a))
	}
}

func TestFaultGroups(t *testing.T) {
	srv := faultServer(t, 30,
		FaultRule{Fault: Fault{Kind: FaultKeepAlive}},
		FaultRule{Fault: Fault{Kind: FaultCut, Bytes: 2000}},
		FaultRule{Fault: Fault{Kind: FaultEmptyBody}}, // loses to the cut
	)
	_, body, err := rawGet(t, srv, hld+"?action=list")
	if err != nil || len(body) != 2000 || !strings.Contains(string(body), "keep-alive") {
		t.Errorf("error %v, %d bytes, want a 2000-byte cut page with comments", err, len(body))
	}
	want := map[FaultKind]int{FaultKeepAlive: 1, FaultCut: 1}
	if d := cmp.Diff(want, srv.FaultStats()); d != "" {
		t.Errorf("FaultStats (-want +got):\n%s", d)
	}

	if err := srv.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	if got := srv.FaultStats(); len(got) != 0 {
		t.Errorf("FaultStats after SetFaults = %v, want empty", got)
	}
}

func TestFaultValidation(t *testing.T) {
	tests := []struct {
		name string
		rule FaultRule
	}{
		{name: "no_kind", rule: FaultRule{}},
		{name: "unknown_kind", rule: FaultRule{Fault: Fault{Kind: 99}}},
		{name: "probability_above_one", rule: FaultRule{Probability: 1.5,
			Fault: Fault{Kind: FaultCut}}},
		{name: "negative_bytes", rule: FaultRule{Fault: Fault{Kind: FaultCut, Bytes: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Faults = Faults{Rules: []FaultRule{tt.rule}}
			if _, err := New(cfg); err == nil {
				t.Error("New: no error")
			}
			s := newLocal(t, nil)
			if err := s.SetFaults(cfg.Faults); err == nil {
				t.Error("SetFaults: no error")
			}
		})
	}
}

// TestFaultsSpareRefusals: refused calls get no fault and do
// not count for Nth.
func TestFaultsSpareRefusals(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
	cfg.Limits = &LimitConfig{Concurrency: 1}
	cfg.Faults = Faults{Rules: []FaultRule{{Nth: 1, Fault: Fault{Kind: FaultEmptyBody}}}}
	srv := newTestServerConfig(t, cfg)

	release := srv.HoldSlots(1)
	srv.get(t, hld+"?action=list").body(t, 409)
	release()
	if body := srv.get(t, hld+"?action=list").body(t, 200); len(body) != 0 {
		t.Errorf("first admitted call not struck by the Nth=1 rule")
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return n
}

func sortNumeric(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return int(x - y)
	})
}
