package qualys

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPostSendsAuthHeaderAndForm(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, "<HOST_LIST_VM_DETECTION_OUTPUT/>")
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/", User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}

	resp, err := c.Post(t.Context(), DetectionPath, url.Values{"action": {"list"}, "ids": {"1-5"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	user, pass, _ := got.BasicAuth()
	switch {
	case got.Method != http.MethodPost:
		t.Errorf("method %s, want POST", got.Method)
	case got.URL.Path != "/api/5.0/fo/asset/host/vm/detection/":
		t.Errorf("path %s", got.URL.Path)
	case user != "u" || pass != "p":
		t.Errorf("basic auth %q:%q", user, pass)
	case got.Header.Get("X-Requested-With") == "":
		t.Error("no X-Requested-With header")
	case got.PostForm.Get("ids") != "1-5" || got.URL.RawQuery != "":
		t.Errorf("parameters not sent as a form: form %v, query %q", got.PostForm, got.URL.RawQuery)
	}
}

// TestPostClassifiesErrorResponses gives each kind of non-data response
// its outcome.
func TestPostClassifiesErrorResponses(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    int // API error code; 0 means a transport error
	}{
		{"error_1905_http400", 400, "text/xml", `<SIMPLE_RETURN><RESPONSE><CODE>1905</CODE><TEXT>parameter ids has invalid value</TEXT></RESPONSE></SIMPLE_RETURN>`, 1905},
		{"bad_login_http401", 401, "text/xml", `<?xml version="1.0"?><SIMPLE_RETURN><RESPONSE><CODE>2000</CODE><TEXT>Bad Login/Password</TEXT></RESPONSE></SIMPLE_RETURN>`, 2000},
		{"concurrency_1960_http409", 409, "text/xml", `<SIMPLE_RETURN><RESPONSE><CODE>1960</CODE><TEXT>This API cannot be run again until 1 currently running API instance(s) has finished.</TEXT></RESPONSE></SIMPLE_RETURN>`, 1960},
		{"html_502_from_proxy", 502, "text/html", `<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>`, 0},
		{"html_page_with_http200", 200, "text/html; charset=utf-8", `<html><body>Login required</body></html>`, 0},
		{"html_414", 414, "text/html", `<html><body><h1>Request-URI Too Large</h1></body></html>`, 0},
		{"html_page_labelled_xml_with_http200", 200, "application/xml", "\n<!DOCTYPE html><html><body>Maintenance</body></html>", 0},
		{"json_with_http200", 200, "application/json", `{"message":"upstream timed out"}`, 0},
		{"plain_text_with_http200", 200, "text/xml", "Service Unavailable", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := NewClient(ClientConfig{BaseURL: srv.URL})

			_, err := c.Post(t.Context(), DetectionPath, url.Values{})
			var apiErr *APIError
			var trErr *TransportError
			switch {
			case tt.wantCode != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tt.wantCode || apiErr.HTTPStatus != tt.status):
				t.Errorf("err = %v, want API error %d with HTTP %d", err, tt.wantCode, tt.status)
			case tt.wantCode == 0 && (!errors.As(err, &trErr) || trErr.HTTPStatus != tt.status):
				t.Errorf("err = %v, want a transport error with HTTP %d", err, tt.status)
			}
		})
	}
}

func TestNewClientRejectsRelativeURL(t *testing.T) {
	if _, err := NewClient(ClientConfig{BaseURL: "qualysapi.qualys.com"}); err == nil {
		t.Error("relative base URL accepted")
	}
}

// TestIdleTimeoutCutsAStalledBody pins that a body that stops sending
// fails with ErrIdleTimeout instead of hanging.
func TestIdleTimeoutCutsAStalledBody(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, "<HOST_LIST_VM_DETECTION_OUTPUT>")
		w.(http.Flusher).Flush()
		<-stall
	}))
	defer srv.Close()
	defer close(stall)
	c, _ := NewClient(ClientConfig{BaseURL: srv.URL, IdleTimeout: 50 * time.Millisecond})

	resp, err := c.Post(t.Context(), DetectionPath, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, ErrIdleTimeout) {
		t.Errorf("read = %v, want ErrIdleTimeout", err)
	}
}

// TestIdleTimeoutIgnoresASlowReader pins that time the caller spends
// between reads (a slow Kafka publish) does not count as a stalled stream.
func TestIdleTimeoutIgnoresASlowReader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, strings.Repeat("<A/>", 5000))
	}))
	defer srv.Close()
	c, _ := NewClient(ClientConfig{BaseURL: srv.URL, IdleTimeout: 30 * time.Millisecond})

	resp, err := c.Post(t.Context(), DetectionPath, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	for {
		_, err := resp.Body.Read(buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("read after a slow consumer's pause: %v", err)
		}
		time.Sleep(60 * time.Millisecond) // twice the idle timeout, outside Read
	}
}
