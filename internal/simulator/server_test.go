package simulator

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// testServer is a Server behind a real HTTP listener.
type testServer struct {
	*Server
	http *httptest.Server
}

func newTestServer(t *testing.T, fc FleetConfig) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.FleetConfig = fc
	return newTestServerConfig(t, cfg)
}

func newTestServerConfig(t *testing.T, cfg Config) *testServer {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &testServer{Server: s, http: hs}
}

type response struct {
	*http.Response
	data []byte
}

// body checks the HTTP status and returns the body.
func (r response) body(t *testing.T, wantStatus int) []byte {
	t.Helper()
	if r.StatusCode != wantStatus {
		t.Fatalf("HTTP status = %d, want %d; body:\n%s", r.StatusCode, wantStatus, r.data)
	}
	return r.data
}

// request sends a request with valid credentials and X-Requested-With;
// edit may change it before it is sent.
func (s *testServer) request(t *testing.T, method, target, form string,
	edit ...func(*http.Request)) response {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = s.http.URL + target
	}
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth("qualys", "qualys")
	req.Header.Set("X-Requested-With", "simulator test")
	for _, e := range edit {
		e(req)
	}

	resp, err := s.http.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{Response: resp, data: data}
}

func (s *testServer) get(t *testing.T, target string) response {
	t.Helper()
	return s.request(t, http.MethodGet, target, "")
}

// simpleReturn decodes a SIMPLE_RETURN body.
func simpleReturn(t *testing.T, body []byte) (int, string) {
	t.Helper()
	var sr struct {
		XMLName  xml.Name `xml:"SIMPLE_RETURN"`
		Response struct {
			DateTime string `xml:"DATETIME"`
			Code     int    `xml:"CODE"`
			Text     string `xml:"TEXT"`
		} `xml:"RESPONSE"`
	}
	if err := xml.Unmarshal(body, &sr); err != nil {
		t.Fatalf("decode SIMPLE_RETURN: %v\n%s", err, body)
	}
	return sr.Response.Code, sr.Response.Text
}

// diffHosts is cmp.Diff, with a fast path for the usual equal case.
func diffHosts(want, got []qualys.Host) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return cmp.Diff(want, got)
}

const hld = "/api/5.0/fo/asset/host/vm/detection/"

func TestServeHTTPErrors(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 1, Hosts: 20})
	noHeader := func(r *http.Request) { r.Header.Del("X-Requested-With") }
	badAuth := func(r *http.Request) { r.SetBasicAuth("qualys", "wrong") }
	noAuth := func(r *http.Request) { r.Header.Del("Authorization") }
	tests := []struct {
		name       string
		method     string
		target     string
		form       string
		edit       func(*http.Request)
		wantStatus int
		wantCode   int
		wantText   string // a part of TEXT
	}{
		{name: "bad_password", target: hld + "?action=list", edit: badAuth,
			wantStatus: 401, wantCode: 2000, wantText: "Bad Login/Password"},
		{name: "no_credentials", target: hld + "?action=list", edit: noAuth,
			wantStatus: 401, wantCode: 2000, wantText: "Bad Login/Password"},
		{name: "no_requested_with", target: hld + "?action=list", edit: noHeader,
			wantStatus: 400, wantCode: 1903, wantText: "X-Requested-With"},
		{name: "unknown_parameter", target: hld + "?action=list&show_asset_ids=1",
			wantStatus: 400, wantCode: 1901,
			wantText: "Unrecognized parameter(s): show_asset_ids (action=list allows: " +
				"echo_request, ips, ids, id_min"},
		{name: "unknown_parameters_in_form", method: http.MethodPost, target: hld,
			form: "action=list&foo=1&bar=2", wantStatus: 400, wantCode: 1901,
			wantText: "Unrecognized parameter(s): foo, bar (action=list allows:"},
		{name: "missing_action", target: hld + "?ids=1", wantStatus: 400, wantCode: 1903,
			wantText: "action"},
		{name: "bad_action", target: hld + "?action=lst", wantStatus: 400, wantCode: 1905,
			wantText: "parameter action has invalid value: lst"},
		{name: "bad_ids", method: http.MethodPost, target: hld,
			form:       "action=list&show_tags=1&show_igs=1&output_format=XML&ids=abc123",
			wantStatus: 400, wantCode: 1905,
			wantText: "parameter ids has invalid value: abc123 " +
				"(neither a positive integer nor a range: abc123)"},
		{name: "reversed_range", target: hld + "?action=list&ids=9-3", wantStatus: 400,
			wantCode: 1905, wantText: "parameter ids has invalid value: 9-3"},
		{name: "bad_date", target: hld + "?action=list&vm_processed_after=2026-13-01",
			wantStatus: 400, wantCode: 1905, wantText: "parameter vm_processed_after"},
		{name: "bad_datetime", target: hld + "?action=list&detection_updated_since=2026-01-01T10:00:00",
			wantStatus: 400, wantCode: 1905, wantText: "parameter detection_updated_since"},
		{name: "bad_boolean", target: hld + "?action=list&show_igs=yes", wantStatus: 400,
			wantCode: 1905, wantText: "parameter show_igs has invalid value: yes"},
		{name: "truncation_too_big", target: hld + "?action=list&truncation_limit=1000001",
			wantStatus: 400, wantCode: 1905, wantText: "parameter truncation_limit"},
		{name: "negative_truncation", target: hld + "?action=list&truncation_limit=-1",
			wantStatus: 400, wantCode: 1905, wantText: "parameter truncation_limit"},
		{name: "unknown_status", target: hld + "?action=list&status=New,Closed",
			wantStatus: 400, wantCode: 1905, wantText: "parameter status"},
		{name: "severity_out_of_range", target: hld + "?action=list&severities=3-6",
			wantStatus: 400, wantCode: 1905, wantText: "parameter severities"},
		{name: "csv_not_simulated", target: hld + "?action=list&output_format=CSV",
			wantStatus: 400, wantCode: 1905, wantText: "parameter output_format"},
		{name: "bad_host_list_details", target: "/api/5.0/fo/asset/host/?action=list&details=Some",
			wantStatus: 400, wantCode: 1905, wantText: "parameter details"},
		{name: "host_list_rejects_detection_params",
			target:     "/api/5.0/fo/asset/host/?action=list&show_igs=1",
			wantStatus: 400, wantCode: 1901, wantText: "Unrecognized parameter(s): show_igs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			var edits []func(*http.Request)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			resp := srv.request(t, method, tt.target, tt.form, edits...)
			code, text := simpleReturn(t, resp.body(t, tt.wantStatus))
			if code != tt.wantCode || !strings.Contains(text, tt.wantText) {
				t.Errorf("got code %d text %q, want code %d text containing %q",
					code, text, tt.wantCode, tt.wantText)
			}
			if resp.Header.Get("X-RateLimit-Limit") == "" {
				t.Errorf("error response without limit headers")
			}
		})
	}
}

func TestRequestedWithOptional(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RequireRequestedWith = false
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
	srv := newTestServerConfig(t, cfg)
	resp := srv.request(t, http.MethodGet, hld+"?action=list", "",
		func(r *http.Request) { r.Header.Del("X-Requested-With") })
	resp.body(t, 200)
}

func TestLimitHeaders(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 1, Hosts: 5})
	resp := srv.get(t, hld+"?action=list")
	resp.body(t, 200)
	want := map[string]string{
		"X-RateLimit-Limit": "300", "X-RateLimit-Window-Sec": "3600",
		"X-RateLimit-Remaining": "299", "X-RateLimit-ToWait-Sec": "0",
		"X-Concurrency-Limit-Limit": "2", "X-Concurrency-Limit-Running": "1",
		"Content-Type": "application/xml",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// refusingLimiter refuses every call, as a rate limit would.
type refusingLimiter struct{}

func (refusingLimiter) Admit(*http.Request) Admission {
	e := apiErr(http.StatusConflict, qualys.CodeRateLimit,
		"This API cannot be run again for another 59 minutes and 2 seconds.")
	e.Items = map[string]string{"SECONDS_TO_WAIT": "3542"}
	return Admission{Limits: Limits{RateLimit: 300, WindowSec: 3600, ToWaitSec: 3542,
		ConcurrencyLimit: 2, ConcurrencyRunning: 1}, Refusal: e}
}

func TestLimiterRefusal(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limiter = refusingLimiter{}
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
	srv := newTestServerConfig(t, cfg)

	resp := srv.get(t, hld+"?action=list")
	code, _ := simpleReturn(t, resp.body(t, http.StatusConflict))
	if code != qualys.CodeRateLimit {
		t.Errorf("code = %d, want %d", code, qualys.CodeRateLimit)
	}
	if got := resp.Header.Get("X-RateLimit-ToWait-Sec"); got != "3542" {
		t.Errorf("X-RateLimit-ToWait-Sec = %q, want 3542", got)
	}
	if !strings.Contains(string(resp.data), "<KEY>SECONDS_TO_WAIT</KEY>") {
		t.Errorf("no SECONDS_TO_WAIT item:\n%s", resp.data)
	}
}

func TestAbout(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 1, Hosts: 5})
	resp := srv.request(t, http.MethodGet, "/msp/about.php", "",
		func(r *http.Request) { r.Header.Del("X-Requested-With") })
	body := resp.body(t, 200)
	if !strings.Contains(string(body), "<WEB-VERSION>") {
		t.Errorf("about.php without WEB-VERSION:\n%s", body)
	}
	if resp.Header.Get("X-Concurrency-Limit-Limit") != "2" {
		t.Errorf("about.php without concurrency header")
	}
	readTokens(t, body)
}

func TestNotFoundAndMethod(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 1, Hosts: 5})
	srv.get(t, "/api/6.0/fo/asset/host/vm/detection/?action=list").body(t, 404)
	srv.get(t, "/api/5.0/fo/knowledge_base/vuln/?action=list").body(t, 404)
	srv.request(t, http.MethodDelete, hld+"?action=list", "").body(t, 405)
}

// walk follows WARNING URLs from target and returns every host and the
// number of pages. It checks each WARNING on the way.
func walk(t *testing.T, srv *testServer, method, target, form string) ([]qualys.Host, int) {
	t.Helper()
	var all []qualys.Host
	for pages := 1; ; pages++ {
		body := srv.request(t, method, target, form).body(t, 200)
		hosts, warn, _ := decodePage(t, body)
		all = append(all, hosts...)
		if warn == nil {
			return all, pages
		}

		if warn.Code != 1980 || !strings.HasSuffix(warn.Text,
			" record limit exceeded. Use URL to get next batch of results.") {
			t.Fatalf("WARNING = %+v", warn)
		}
		u, err := url.Parse(warn.URL)
		if err != nil {
			t.Fatalf("WARNING URL %q: %v", warn.URL, err)
		}
		if u.Scheme+"://"+u.Host != srv.http.URL {
			t.Fatalf("WARNING URL %q not on %s", warn.URL, srv.http.URL)
		}
		if !strings.HasSuffix(u.RawQuery, "&id_min="+u.Query().Get("id_min")) ||
			strings.Count(u.RawQuery, "id_min=") != 1 {
			t.Fatalf("WARNING URL %q: id_min not once and last", warn.URL)
		}
		if len(hosts) == 0 {
			t.Fatalf("truncated page without hosts")
		}
		nextID, _ := strconv.ParseInt(u.Query().Get("id_min"), 10, 64)
		if nextID <= hosts[len(hosts)-1].ID {
			t.Fatalf("id_min %d not after last host %d", nextID, hosts[len(hosts)-1].ID)
		}
		target, method, form = warn.URL, http.MethodGet, ""
	}
}

func TestPaginationWalk(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 11, Hosts: 2000, MaxDetections: 80})
	tests := []struct {
		name   string
		method string
		query  string // in the URL
		form   string // in a POST body
	}{
		{name: "get", method: http.MethodGet,
			query: "action=list&truncation_limit=300&show_tags=1"},
		{name: "post_form", method: http.MethodPost,
			form: "action=list&truncation_limit=300&status=New,Active,Fixed,Re-Opened&show_igs=1"},
		{name: "split_query_and_form", method: http.MethodPost,
			query: "action=list&show_qds=1", form: "truncation_limit=300&show_results=0&id_min=100500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := walk(t, srv, tt.method, hld+"?"+tt.query, tt.form)

			params, _ := url.ParseQuery(tt.query + "&" + tt.form)
			want, err := srv.Expected(params)
			if err != nil {
				t.Fatalf("Expected: %v", err)
			}
			if wantPages := (len(want) + 299) / 300; pages != wantPages {
				t.Errorf("pages = %d, want %d for %d hosts", pages, wantPages, len(want))
			}
			if diff := diffHosts(want, got); diff != "" {
				t.Errorf("walk differs from Expected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarningURLKeepsParameters(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 2, Hosts: 50})
	body := srv.request(t, http.MethodPost, hld+"?action=list&id_min=1&show_igs=1",
		"truncation_limit=5&status=New%2CFixed&ids=1-999999").body(t, 200)
	hosts, warn, _ := decodePage(t, body)
	if warn == nil {
		t.Fatalf("no WARNING")
	}

	next := srv.http.URL + hld + "?action=list&show_igs=1&truncation_limit=5" +
		"&status=New%2CFixed&ids=1-999999&id_min="
	if !strings.HasPrefix(warn.URL, next) {
		t.Errorf("WARNING URL = %s\nwant prefix %s", warn.URL, next)
	}
	if warn.Text != "5 record limit exceeded. Use URL to get next batch of results." {
		t.Errorf("WARNING TEXT = %q", warn.Text)
	}
	if len(hosts) != 5 {
		t.Errorf("hosts = %d, want 5", len(hosts))
	}
}

func TestDefaultsAndFilters(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 500, MaxDetections: 100})
	tests := []struct {
		name  string
		query string
		check func(h qualys.Host, d qualys.Detection) bool
	}{
		{name: "default_status_excludes_fixed", query: "",
			check: func(_ qualys.Host, d qualys.Detection) bool {
				return d.Status != qualys.StatusFixed && d.Type != "Info" && !d.IsIgnored.V &&
					!d.IsDisabled.V
			}},
		{name: "show_igs_includes_info", query: "show_igs=1&qids=1-50000",
			check: func(_ qualys.Host, d qualys.Detection) bool { return d.QID <= 50000 }},
		{name: "fixed_only", query: "status=Fixed",
			check: func(_ qualys.Host, d qualys.Detection) bool {
				return d.Status == qualys.StatusFixed && !d.LastFixed.IsZero()
			}},
		{name: "severities", query: "severities=1,4-5&status=Active",
			check: func(_ qualys.Host, d qualys.Detection) bool {
				return d.Status == qualys.StatusActive && d.Severity.V != 2 && d.Severity.V != 3
			}},
		{name: "id_range", query: "ids=101000-103000&id_max=102000",
			check: func(h qualys.Host, _ qualys.Detection) bool {
				return h.ID >= 101000 && h.ID <= 102000
			}},
		{name: "ignored_included", query: "include_ignored=1&status=New,Active,Fixed,Re-Opened",
			check: func(qualys.Host, qualys.Detection) bool { return true }},
		{name: "no_results", query: "show_results=0",
			check: func(_ qualys.Host, d qualys.Detection) bool { return d.Results == "" }},
		{name: "reopened_info", query: "show_reopened_info=1&status=Re-Opened",
			check: func(_ qualys.Host, d qualys.Detection) bool {
				return d.TimesReopened.V > 0 && !d.FirstReopened.IsZero() &&
					!d.LastReopened.After(d.LastFound)
			}},
		{name: "qds_range", query: "show_qds=1&qds_min=70&qds_max=89",
			check: func(_ qualys.Host, d qualys.Detection) bool {
				return d.QDS.V >= 70 && d.QDS.V <= 89 && d.QDSSeverity == "HIGH"
			}},
		{name: "os_pattern", query: "os_pattern=%5EWindows",
			check: func(h qualys.Host, _ qualys.Detection) bool {
				return strings.HasPrefix(h.OS, "Windows")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := srv.get(t, hld+"?action=list&truncation_limit=0&"+tt.query).body(t, 200)
			hosts, _, _ := decodePage(t, body)
			if len(hosts) == 0 {
				t.Fatalf("no host selected")
			}
			for _, h := range hosts {
				if len(h.Detections) == 0 {
					t.Errorf("host %d listed without detections", h.ID)
				}
				for _, d := range h.Detections {
					if !tt.check(h, d) {
						t.Fatalf("host %d detection %d fails the filter: %+v", h.ID,
							d.UniqueVulnID.V, d)
					}
				}
			}
		})
	}
}

func TestShowIGs(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 200})
	count := func(query string) (info, all int) {
		body := srv.get(t, hld+"?action=list&truncation_limit=0&"+query).body(t, 200)
		hosts, _, _ := decodePage(t, body)
		for _, h := range hosts {
			for _, d := range h.Detections {
				all++
				if d.Type == "Info" {
					info++
				}
			}
		}
		return info, all
	}
	if info, _ := count(""); info != 0 {
		t.Errorf("default shows %d Info detections, want 0", info)
	}
	if info, _ := count("show_igs=1"); info == 0 {
		t.Errorf("show_igs=1 shows no Info detection")
	}
}

func TestEmptyResult(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 50})
	body := srv.get(t, hld+"?action=list&ids=1-99").body(t, 200)
	names := readTokens(t, body)
	want := []string{"HOST_LIST_VM_DETECTION_OUTPUT", "RESPONSE", "DATETIME"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("empty page elements (-want +got):\n%s", diff)
	}
	_, _, dt := decodePage(t, body)
	if !dt.Equal(srv.Now()) {
		t.Errorf("DATETIME = %v, want clock %v", dt, srv.Now())
	}
}

func TestEnvelope(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 5})
	body := string(srv.get(t, hld+"?action=list").body(t, 200))
	wantStart := `<?xml version="1.0" encoding="UTF-8" ?>` + "\n" +
		`<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "` + srv.http.URL +
		`/api/2.0/fo/asset/host/vm/detection/dtd/output.dtd">`
	if !strings.HasPrefix(body, wantStart) {
		t.Errorf("page starts %q, want %q", body[:min(len(body), 200)], wantStart)
	}
}

func TestStats(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 5})
	srv.get(t, hld+"?action=list")
	srv.get(t, hld+"?action=list")
	srv.get(t, hld+"?action=nope")
	got := srv.Stats()
	want := map[StatKey]int{{hld, 200}: 2, {hld, 400}: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestExpectedIsACopy(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 30})
	params := url.Values{"action": {"list"}, "show_tags": {"1"}, "show_qds_factors": {"1"}}
	first, err := srv.Expected(params)
	if err != nil {
		t.Fatalf("Expected: %v", err)
	}
	for i := range first {
		first[i].OS = "changed"
		for j := range first[i].Tags {
			first[i].Tags[j].Name = "changed"
		}
		for j := range first[i].Detections {
			d := &first[i].Detections[j]
			for k := range d.QDSFactors {
				d.QDSFactors[k].Value = "changed"
			}
			for k := range d.CVEs {
				d.CVEs[k] = "changed"
			}
		}
	}
	second, _ := srv.Expected(params)
	if strings.Contains(cmp.Diff(nil, second), "changed") {
		t.Errorf("changing a result of Expected changed the fleet")
	}
}

func TestExpectedErrors(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 5})
	_, err := srv.Expected(url.Values{"action": {"list"}, "ids": {"x"}})
	var apiErr *qualys.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != qualys.CodeInvalidValue {
		t.Errorf("Expected(ids=x) error = %v, want code 1905", err)
	}
	_, err = srv.ExpectedFor("6.0", url.Values{"action": {"list"}})
	if err == nil {
		t.Errorf("ExpectedFor(6.0) error = nil")
	}
}

// TestConcurrentRequestsAndAdvance runs pages, Expected and Advance at
// once; run with -race.
func TestConcurrentRequestsAndAdvance(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 6, Hosts: 200, MaxDetections: 30})
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 4 {
		wg.Go(func() {
			for range 5 {
				req, _ := http.NewRequest(http.MethodGet,
					srv.http.URL+hld+"?action=list&truncation_limit=50&show_igs=1", nil)
				req.SetBasicAuth("qualys", "qualys")
				req.Header.Set("X-Requested-With", "race")
				resp, err := srv.http.Client().Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || xml.Unmarshal(data, &xPage{}) != nil {
					errs <- "bad page from worker " + strconv.Itoa(i)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			srv.Advance(time.Minute, 0.01)
			if _, err := srv.Expected(allVisible); err != nil {
				errs <- err.Error()
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := srv.Stats()[StatKey{hld, 200}]; n != 20 {
		t.Errorf("Stats counts %d pages, want 20", n)
	}
}

func TestEchoRequest(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 5, Hosts: 5})
	body := srv.request(t, http.MethodPost, hld+"?action=list&echo_request=1",
		"ids=1-999999&os_pattern=%5EWin").body(t, 200)
	var page struct {
		Request struct {
			User     string `xml:"USER_LOGIN"`
			Resource string `xml:"RESOURCE"`
			Params   []struct {
				Key   string `xml:"KEY"`
				Value string `xml:"VALUE"`
			} `xml:"PARAM_LIST>PARAM"`
			PostData string `xml:"POST_DATA"`
		} `xml:"REQUEST"`
	}
	if err := xml.Unmarshal(body, &page); err != nil {
		t.Fatalf("decode: %v", err)
	}
	r := page.Request
	if r.User != "qualys" || r.Resource != srv.http.URL+hld || len(r.Params) != 4 ||
		r.Params[3].Value != "^Win" || r.PostData != "ids=1-999999&os_pattern=%5EWin" {
		t.Errorf("REQUEST = %+v", r)
	}
	if names := readTokens(t, body); names[1] != "REQUEST" {
		t.Errorf("REQUEST not first: %v", names[:3])
	}
}
