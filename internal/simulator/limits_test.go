package simulator

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// newLocal returns a Server for in-process requests (serveLocal), which
// tests inside a synctest bubble need: a real listener would keep the
// bubble from ever being idle.
func newLocal(t *testing.T, edit func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 20}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// serveLocal sends one request with valid credentials through
// s.ServeHTTP, without a network.
func serveLocal(t *testing.T, s *Server, target string,
	edit ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	req.SetBasicAuth("qualys", "qualys")
	req.Header.Set("X-Requested-With", "simulator test")
	for _, e := range edit {
		e(req)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// decodeAPIError reads an error document as the product's client does.
func decodeAPIError(t *testing.T, status int, body []byte) *qualys.APIError {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no error document: %v\n%s", err, body)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return qualys.DecodeError(dec, se, status)
		}
	}
}

// limitHeaders returns the six limit headers, in the spelling of alt.
func limitHeaders(h http.Header, alt bool) map[string]string {
	c := "X-Concurrency-Limit-"
	if alt {
		c = "X-ConcurrencyLimit-"
	}
	out := map[string]string{}
	for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Window-Sec",
		"X-RateLimit-Remaining", "X-RateLimit-ToWait-Sec", c + "Limit", c + "Running"} {
		out[k] = h.Get(k)
	}
	return out
}

func headersWant(rate, window, remaining, toWait, conc, running int) map[string]string {
	return map[string]string{
		"X-RateLimit-Limit": strconv.Itoa(rate), "X-RateLimit-Window-Sec": strconv.Itoa(window),
		"X-RateLimit-Remaining":       strconv.Itoa(remaining),
		"X-RateLimit-ToWait-Sec":      strconv.Itoa(toWait),
		"X-Concurrency-Limit-Limit":   strconv.Itoa(conc),
		"X-Concurrency-Limit-Running": strconv.Itoa(running),
	}
}

func TestFormatWait(t *testing.T) {
	tests := []struct {
		name string
		secs int
		want string
	}{
		{name: "real_sample", secs: 23*3600 + 57*60 + 54, want: "23 hours, 57 minutes and 54 seconds"},
		{name: "no_hours", secs: 59*60 + 2, want: "59 minutes and 2 seconds"},
		{name: "seconds_only", secs: 42, want: "42 seconds"},
		{name: "singular", secs: 3600 + 60 + 1, want: "1 hour, 1 minute and 1 second"},
		{name: "hours_and_seconds", secs: 2*3600 + 5, want: "2 hours and 5 seconds"},
		{name: "whole_hour", secs: 3600, want: "1 hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatWait(tt.secs); got != tt.want {
				t.Errorf("formatWait(%d) = %q, want %q", tt.secs, got, tt.want)
			}
		})
	}
}

// blockingWriter is a ResponseWriter whose writes wait for release: a
// client that reads slowly, so that the call stays in flight mid-body.
type blockingWriter struct {
	*httptest.ResponseRecorder
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.ResponseRecorder.Write(p)
}

func TestConcurrencyLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, func(c *Config) { c.Limits = &LimitConfig{Concurrency: 2} })
		held := s.HoldSlots(1)

		// A page that streams holds its slot until its body is written.
		slow := &blockingWriter{ResponseRecorder: httptest.NewRecorder(),
			release: make(chan struct{})}
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, hld+"?action=list", nil)
		req.SetBasicAuth("qualys", "qualys")
		req.Header.Set("X-Requested-With", "test")
		done := make(chan struct{})
		go func() { s.ServeHTTP(slow, req); close(done) }()
		synctest.Wait()

		third := serveLocal(t, s, hld+"?action=list")
		e := decodeAPIError(t, third.Code, third.Body.Bytes())
		if e.HTTPStatus != 409 || e.Code != qualys.CodeConcurrencyLimit {
			t.Fatalf("third call: http %d code %d, want 409 code 1960", e.HTTPStatus, e.Code)
		}
		wantText := "This API cannot be run again until 1 currently running API instance(s) has finished."
		if e.Text != wantText || e.Items["CALLS_TO_FINISH"] != "1" {
			t.Errorf("refusal text %q items %v, want %q and CALLS_TO_FINISH 1", e.Text, e.Items, wantText)
		}
		if d := cmp.Diff(headersWant(300, 3600, 299, 0, 2, 2), limitHeaders(third.Header(), false)); d != "" {
			t.Errorf("refused call headers (-want +got):\n%s", d)
		}

		close(slow.release)
		<-done
		if slow.Code != 200 || slow.Header().Get("X-Concurrency-Limit-Running") != "2" {
			t.Errorf("streamed call: %d, Running %q, want 200 and 2", slow.Code,
				slow.Header().Get("X-Concurrency-Limit-Running"))
		}
		fourth := serveLocal(t, s, hld+"?action=list")
		if d := cmp.Diff(headersWant(300, 3600, 298, 0, 2, 2), limitHeaders(fourth.Header(), false)); d != "" {
			t.Errorf("call after the stream ended (-want +got):\n%s", d)
		}
		held()
		held() // a second release changes nothing
		fifth := serveLocal(t, s, hld+"?action=list")
		if got := fifth.Header().Get("X-Concurrency-Limit-Running"); got != "1" {
			t.Errorf("after release Running = %s, want 1", got)
		}

		want := LimitStats{Admitted: 3, Refused: map[int]int{1960: 1}, Peak: 2}
		if d := cmp.Diff(want, s.LimitStats()); d != "" {
			t.Errorf("LimitStats (-want +got):\n%s", d)
		}
	})
}

func TestConcurrencySlotFreedWhenClientGoesAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, func(c *Config) {
			c.Limits = &LimitConfig{Concurrency: 1}
			c.Faults = Faults{Rules: []FaultRule{{Nth: 1,
				Fault: Fault{Kind: FaultSlowFirstByte, Delay: time.Hour}}}}
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			serveLocal(t, s, hld+"?action=list", func(r *http.Request) { *r = *r.WithContext(ctx) })
			close(done)
		}()
		synctest.Wait()

		if got := serveLocal(t, s, hld+"?action=list").Code; got != 409 {
			t.Fatalf("second call while the first waits: %d, want 409", got)
		}
		cancel()
		<-done
		if got := serveLocal(t, s, hld+"?action=list").Code; got != 200 {
			t.Errorf("call after the client went away: %d, want 200", got)
		}
	})
}

func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, func(c *Config) {
			c.Limits = &LimitConfig{Rate: 3, Window: time.Hour, Concurrency: 5}
		})
		// The call that takes the last place already says how long to
		// wait: 40 minutes until the first call leaves the window.
		for i, want := range []struct{ remaining, toWait int }{{2, 0}, {1, 0}, {0, 2400}} {
			rec := serveLocal(t, s, hld+"?action=list")
			if d := cmp.Diff(headersWant(3, 3600, want.remaining, want.toWait, 5, 1),
				limitHeaders(rec.Header(), false)); d != "" {
				t.Errorf("call %d headers (-want +got):\n%s", i+1, d)
			}
			time.Sleep(10 * time.Minute)
		}

		// Calls at 0, 10 and 20 minutes fill the window; at 30 minutes the
		// first leaves it in 30 minutes.
		refused := func(wantWait int, wantText string) {
			t.Helper()
			rec := serveLocal(t, s, hld+"?action=list")
			e := decodeAPIError(t, rec.Code, rec.Body.Bytes())
			if e.HTTPStatus != 409 || e.Code != qualys.CodeRateLimit {
				t.Fatalf("http %d code %d, want 409 code 1965", e.HTTPStatus, e.Code)
			}
			if e.Text != wantText {
				t.Errorf("text %q, want %q", e.Text, wantText)
			}
			if e.Items["SECONDS_TO_WAIT"] != strconv.Itoa(wantWait) {
				t.Errorf("SECONDS_TO_WAIT = %q, want %d", e.Items["SECONDS_TO_WAIT"], wantWait)
			}
			if d := cmp.Diff(headersWant(3, 3600, 0, wantWait, 5, 0),
				limitHeaders(rec.Header(), false)); d != "" {
				t.Errorf("refused call headers (-want +got):\n%s", d)
			}
		}
		refused(1800, "This API cannot be run again for another 30 minutes.")
		refused(1800, "This API cannot be run again for another 30 minutes.")

		// Refused calls did not count: waiting the time said is enough.
		time.Sleep(1800 * time.Second)
		if rec := serveLocal(t, s, hld+"?action=list"); rec.Code != 200 ||
			rec.Header().Get("X-RateLimit-Remaining") != "0" ||
			rec.Header().Get("X-RateLimit-ToWait-Sec") != "600" {
			t.Fatalf("after waiting: %d, headers %v; want 200, Remaining 0, ToWait 600",
				rec.Code, limitHeaders(rec.Header(), false))
		}
		time.Sleep(time.Second)
		refused(599, "This API cannot be run again for another 9 minutes and 59 seconds.")

		want := LimitStats{Admitted: 4, Refused: map[int]int{1965: 3}, Peak: 1}
		if d := cmp.Diff(want, s.LimitStats()); d != "" {
			t.Errorf("LimitStats (-want +got):\n%s", d)
		}
	})
}

func TestConcurrencyCheckedBeforeRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, func(c *Config) { c.Limits = &LimitConfig{Rate: 1, Concurrency: 1} })
		serveLocal(t, s, hld+"?action=list")
		release := s.HoldSlots(1)

		rec := serveLocal(t, s, hld+"?action=list")
		if e := decodeAPIError(t, rec.Code, rec.Body.Bytes()); e.Code != qualys.CodeConcurrencyLimit {
			t.Errorf("both limits reached: code %d, want 1960", e.Code)
		}
		release()
		rec = serveLocal(t, s, hld+"?action=list")
		if e := decodeAPIError(t, rec.Code, rec.Body.Bytes()); e.Code != qualys.CodeRateLimit {
			t.Errorf("rate limit reached: code %d, want 1965", e.Code)
		}
	})
}

func TestLimitScope(t *testing.T) {
	const hostList = "/api/5.0/fo/asset/host/?action=list"
	tests := []struct {
		name   string
		perAPI bool
		want   int // status of the host list call while a detection slot is held
	}{
		{name: "subscription_pool", perAPI: false, want: 409},
		{name: "per_api", perAPI: true, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newLocal(t, func(c *Config) {
				c.Limits = &LimitConfig{Concurrency: 1, PerAPI: tt.perAPI}
			})
			defer s.HoldSlots(1)()
			if got := serveLocal(t, s, hostList).Code; got != tt.want {
				t.Errorf("host list call: %d, want %d", got, tt.want)
			}
			if got := serveLocal(t, s, hld+"?action=list").Code; got != 409 {
				t.Errorf("detection call: %d, want 409", got)
			}
		})
	}
}

func TestLimitHeaderSpellings(t *testing.T) {
	tests := []struct {
		name string
		alt  bool
	}{
		{name: "dashed", alt: false},
		{name: "alternative", alt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
			cfg.Limits = &LimitConfig{Rate: 10, Window: time.Minute, Concurrency: 3}
			cfg.AltConcurrencyHeaders = tt.alt
			srv := newTestServerConfig(t, cfg)

			resp := srv.get(t, hld+"?action=list")
			resp.body(t, 200)
			want := map[string]string{
				"X-RateLimit-Limit": "10", "X-RateLimit-Window-Sec": "60",
				"X-RateLimit-Remaining": "9", "X-RateLimit-ToWait-Sec": "0",
			}
			c, other := "X-Concurrency-Limit-", "X-ConcurrencyLimit-"
			if tt.alt {
				c, other = other, c
			}
			want[c+"Limit"], want[c+"Running"] = "3", "1"
			if d := cmp.Diff(want, limitHeaders(resp.Header, tt.alt)); d != "" {
				t.Errorf("headers (-want +got):\n%s", d)
			}
			if v := resp.Header.Values(other + "Limit"); v != nil {
				t.Errorf("%sLimit also sent: %v", other, v)
			}
		})
	}
}

func TestLimiterConfigErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limiter = &StaticLimiter{}
	cfg.Limits = &LimitConfig{}
	if _, err := New(cfg); err == nil {
		t.Error("New with Limiter and Limits: no error")
	}
}

// TestLimitsConcurrentClients runs more clients than the limit allows; run
// with -race. Every call is served or refused with 1960, and the limit
// holds.
func TestLimitsConcurrentClients(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 100, MaxDetections: 10}
	cfg.Limits = &LimitConfig{Rate: 1000, Concurrency: 3}
	srv := newTestServerConfig(t, cfg)

	const clients, calls = 8, 10
	var mu sync.Mutex
	byStatus := map[int]int{}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range calls {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet,
					srv.http.URL+hld+"?action=list", nil)
				req.SetBasicAuth("qualys", "qualys")
				req.Header.Set("X-Requested-With", "test")
				resp, err := srv.http.Client().Do(req)
				if err != nil {
					t.Errorf("call: %v", err)
					return
				}
				var buf bytes.Buffer
				buf.ReadFrom(resp.Body)
				resp.Body.Close()
				mu.Lock()
				byStatus[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	st := srv.LimitStats()
	if byStatus[200]+byStatus[409] != clients*calls || st.Admitted != byStatus[200] ||
		st.Refused[1960] != byStatus[409] {
		t.Errorf("statuses %v, LimitStats %+v", byStatus, st)
	}
	if st.Peak > 3 || st.Peak < 1 {
		t.Errorf("peak concurrency %d, want 1..3", st.Peak)
	}
}
