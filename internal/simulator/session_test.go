package simulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

const sessionPath = "/api/2.0/fo/session/"

// sessionCall posts a session API form without Basic credentials.
func sessionCall(t *testing.T, client *http.Client, base, path, form string,
	cookie *http.Cookie) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+path,
		strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "simulator test")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return resp, body
}

// withCookie replaces Basic credentials by a session cookie.
func withCookie(c *http.Cookie) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Del("Authorization")
		if c != nil {
			r.AddCookie(c)
		}
	}
}

func TestSessionLoginLogout(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
	cfg.Limits = &LimitConfig{Rate: 1, Concurrency: 1}
	srv := newTestServerConfig(t, cfg)
	base, client := srv.http.URL, srv.http.Client()

	// The limits are exhausted: the session API is exempt.
	srv.get(t, hld+"?action=list").body(t, 200)
	release := srv.HoldSlots(1)
	defer release()
	before := srv.LimitStats()

	resp, body := sessionCall(t, client, base, sessionPath,
		"action=login&username=qualys&password=qualys", nil)
	code, text := simpleReturn(t, body)
	if resp.StatusCode != 200 || code != 0 || text != "Logged in" {
		t.Fatalf("login: http %d code %d text %q", resp.StatusCode, code, text)
	}
	if resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("session call with limit headers")
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "QualysSession" || cookies[0].Path != "/api" ||
		!cookies[0].HttpOnly || cookies[0].Secure || len(cookies[0].Value) != 32 {
		t.Fatalf("login cookies %+v, want QualysSession, path /api, HttpOnly, not Secure",
			cookies)
	}
	cookie := &http.Cookie{Name: cookies[0].Name, Value: cookies[0].Value}
	if got := srv.Sessions(); got != 1 {
		t.Errorf("Sessions() = %d, want 1", got)
	}

	// The cookie authenticates an API call; here the limiter refuses it.
	release()
	apiResp := srv.request(t, http.MethodGet, "/msp/about.php", "", withCookie(cookie))
	apiResp.body(t, 409)

	resp, body = sessionCall(t, client, base, "/api/3.0/fo/session/", "action=logout", cookie)
	if _, text := simpleReturn(t, body); resp.StatusCode != 200 || text != "Logged out" {
		t.Errorf("logout: http %d text %q", resp.StatusCode, text)
	}
	if got := srv.Sessions(); got != 0 {
		t.Errorf("Sessions() after logout = %d, want 0", got)
	}
	before.Refused[1965]++ // the about.php call, and nothing else
	if d := cmp.Diff(before, srv.LimitStats()); d != "" {
		t.Errorf("session calls counted by the limiter (-before +after):\n%s", d)
	}

	// The ended session no longer authenticates.
	code, _ = simpleReturn(t, srv.request(t, http.MethodGet, hld+"?action=list", "",
		withCookie(cookie)).body(t, 401))
	if code != qualys.CodeBadLogin {
		t.Errorf("old cookie: code %d, want 2000", code)
	}
}

func TestSessionErrors(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 1, Hosts: 5})
	base, client := srv.http.URL, srv.http.Client()
	unknown := &http.Cookie{Name: "QualysSession", Value: "00ff"}
	tests := []struct {
		name       string
		path       string
		form       string
		cookie     *http.Cookie
		wantStatus int
		wantCode   int
	}{
		{name: "bad_password", path: sessionPath,
			form: "action=login&username=qualys&password=nope", wantStatus: 401, wantCode: 2000},
		{name: "logout_without_session", path: sessionPath, form: "action=logout",
			wantStatus: 401, wantCode: 2000},
		{name: "logout_unknown_session", path: sessionPath, form: "action=logout",
			cookie: unknown, wantStatus: 401, wantCode: 2000},
		{name: "missing_action", path: sessionPath, form: "username=qualys",
			wantStatus: 400, wantCode: 1903},
		{name: "bad_action", path: sessionPath, form: "action=lgin", wantStatus: 400,
			wantCode: 1905},
		{name: "other_version", path: "/api/4.0/fo/session", form: "action=logout",
			wantStatus: 401, wantCode: 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := sessionCall(t, client, base, tt.path, tt.form, tt.cookie)
			code, _ := simpleReturn(t, body)
			if resp.StatusCode != tt.wantStatus || code != tt.wantCode {
				t.Errorf("http %d code %d, want %d %d", resp.StatusCode, code, tt.wantStatus,
					tt.wantCode)
			}
		})
	}

	t.Run("unknown_cookie_on_api", func(t *testing.T) {
		srv.request(t, http.MethodGet, hld+"?action=list", "", withCookie(unknown)).body(t, 401)
	})
	t.Run("get_not_allowed", func(t *testing.T) {
		srv.get(t, sessionPath+"?action=login").body(t, 405)
	})
	if got := srv.Sessions(); got != 0 {
		t.Errorf("Sessions() = %d, want 0", got)
	}
}

func TestSessionSecureOverTLS(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(s)
	defer hs.Close()
	resp, _ := sessionCall(t, hs.Client(), hs.URL, sessionPath,
		"action=login&username=qualys&password=qualys", nil)
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookies over TLS %+v, want one Secure cookie", c)
	}
}

func TestSessionExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLocal(t, func(c *Config) { c.SessionTimeout = time.Hour })
		login := func() *http.Cookie {
			rec := serveLocal(t, s, sessionPath+"?action=login&username=qualys&password=qualys",
				func(r *http.Request) { r.Method = http.MethodPost })
			c := rec.Result().Cookies()
			if rec.Code != 200 || len(c) != 1 {
				t.Fatalf("login: %d, cookies %v", rec.Code, c)
			}
			return c[0]
		}
		c := login()

		// Use renews the session; an hour idle ends it.
		time.Sleep(59 * time.Minute)
		if got := serveLocal(t, s, hld+"?action=list", withCookie(c)).Code; got != 200 {
			t.Fatalf("call after 59 minutes: %d", got)
		}
		time.Sleep(59 * time.Minute)
		if got := serveLocal(t, s, hld+"?action=list", withCookie(c)).Code; got != 200 {
			t.Fatalf("call 59 minutes after the last: %d", got)
		}
		time.Sleep(time.Hour)
		if got := s.Sessions(); got != 0 {
			t.Errorf("Sessions() after an idle hour = %d, want 0", got)
		}
		if got := serveLocal(t, s, hld+"?action=list", withCookie(c)).Code; got != 401 {
			t.Errorf("call after an idle hour: %d, want 401", got)
		}
	})
}
