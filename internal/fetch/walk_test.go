package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// page renders a detection page with the given host IDs and, when next is
// not "", a WARNING whose URL carries it.
func page(ids []int, warning string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?><HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME><HOST_LIST>`)
	for _, id := range ids {
		fmt.Fprintf(&b, `<HOST><ID>%d</ID><DETECTION_LIST><DETECTION><QID>1</QID></DETECTION></DETECTION_LIST></HOST>`, id)
	}
	b.WriteString(`</HOST_LIST>` + warning + `</RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`)
	return b.String()
}

func warningURL(u string) string {
	return `<WARNING><CODE>1980</CODE><TEXT>2 record limit exceeded. Use URL to get next batch of results.</TEXT><URL><![CDATA[` + u + `]]></URL></WARNING>`
}

// serve answers each request with pages[id_min] and records the forms.
func serve(t *testing.T, pages map[string]string) (*qualys.Client, *[]url.Values) {
	t.Helper()
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		forms = append(forms, r.PostForm)
		body, ok := pages[r.PostForm.Get("id_min")]
		if !ok {
			http.Error(w, "no such page", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL, User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &forms
}

func TestWalkFollowsIDMinAndResendsParameters(t *testing.T) {
	c, forms := serve(t, map[string]string{
		"":   page([]int{10, 20}, warningURL("https://other.example/api/5.0/fo/asset/host/vm/detection/?action=list&id_min=30")),
		"30": page([]int{30}, ""),
	})
	params := url.Values{"action": {"list"}, "status": {qualys.AllStatuses}, "ids": {"1-100"}}

	var got []int64
	st, err := (&Walker{Client: c, Retry: Retry{Attempts: 1}}).Walk(t.Context(), params, func(h *qualys.Host) error {
		got = append(got, h.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[10 20 30]" || st.Pages != 2 || st.Detections != 3 {
		t.Errorf("walked hosts %v, stats %+v", got, st)
	}
	second := (*forms)[1]
	if second.Get("ids") != "1-100" || second.Get("status") != qualys.AllStatuses {
		t.Errorf("second page form %v lost the original parameters", second)
	}
	if params.Get("id_min") != "" {
		t.Errorf("Walk modified the caller's parameters: %v", params)
	}
}

// TestWalkPaginationErrors pins that a WARNING the walk cannot follow is an
// error, never a silent end that would drop the remaining hosts.
func TestWalkPaginationErrors(t *testing.T) {
	tests := []struct {
		name    string
		warning string
	}{
		{"warning_without_url", `<WARNING><CODE>1980</CODE><TEXT>1000 record limit exceeded.</TEXT></WARNING>`},
		{"warning_url_without_id_min", warningURL("https://x.example/api/5.0/fo/asset/host/vm/detection/?action=list")},
		{"id_min_going_backwards", warningURL("https://x.example/?action=list&id_min=15")},
		{"id_min_not_moving", warningURL("https://x.example/?action=list&id_min=20")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := serve(t, map[string]string{"": page([]int{10, 20}, tt.warning)})
			_, err := (&Walker{Client: c, Retry: Retry{Attempts: 1}}).Walk(t.Context(), url.Values{"action": {"list"}}, func(*qualys.Host) error { return nil })
			if !errors.Is(err, qualys.ErrPagination) {
				t.Errorf("Walk = %v, want ErrPagination", err)
			}
		})
	}
}

func TestWalkReturnsAPIErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<SIMPLE_RETURN><RESPONSE><DATETIME>2020-09-27T01:23:36Z</DATETIME><CODE>1905</CODE><TEXT>parameter ids has invalid value: abc123</TEXT></RESPONSE></SIMPLE_RETURN>`)
	}))
	defer srv.Close()
	c, _ := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL})

	_, err := (&Walker{Client: c, Retry: Retry{Attempts: 1}}).Walk(t.Context(), url.Values{"ids": {"abc123"}}, func(*qualys.Host) error { return nil })
	var apiErr *qualys.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 1905 || apiErr.HTTPStatus != 400 {
		t.Fatalf("Walk = %v, want API error 1905 with HTTP 400", err)
	}
	if d := Classify(err); d.Retry || !d.StopsSync {
		t.Errorf("Classify(1905) = %+v, want permanent and stopping the sync", d)
	}
}

// TestWalkResumesCutStreamAfterLastWholeHost pins that a page cut in the
// middle of a host is asked for again from the host after the last whole
// one, so that no host is handed on twice or in part.
func TestWalkResumesCutStreamAfterLastWholeHost(t *testing.T) {
	full := page([]int{10, 20, 30}, "")
	cut := full[:strings.Index(full, "<HOST><ID>30")+20] // inside host 30
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		forms = append(forms, r.PostForm)
		w.Header().Set("Content-Type", "application/xml")
		if len(forms) == 1 {
			fmt.Fprint(w, cut)
			return
		}
		fmt.Fprint(w, page([]int{30}, ""))
	}))
	defer srv.Close()
	c, _ := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL})

	var got []int64
	w := &Walker{Client: c, Retry: Retry{MinBackoff: time.Millisecond}}
	st, err := w.Walk(t.Context(), url.Values{"action": {"list"}}, func(h *qualys.Host) error {
		got = append(got, h.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[10 20 30]" {
		t.Errorf("hosts %v, want each once", got)
	}
	if len(forms) != 2 || forms[1].Get("id_min") != "21" {
		t.Errorf("retry form %v, want id_min=21", forms[len(forms)-1])
	}
	if st.Retries[CauseCut] != 1 {
		t.Errorf("retries %v, want one cut_stream", st.Retries)
	}
}

func TestWalkGivesUpAfterAttempts(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<GENERIC_RETURN><RETURN status="FAILED">Internal error</RETURN></GENERIC_RETURN>`)
	}))
	defer srv.Close()
	c, _ := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL})

	w := &Walker{Client: c, Retry: Retry{Attempts: 3, MinBackoff: time.Millisecond}}
	_, err := w.Walk(t.Context(), url.Values{}, func(*qualys.Host) error { return nil })
	if err == nil || calls != 3 || !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("err = %v after %d calls, want failure after 3", err, calls)
	}
}

// TestWalkEmptyBody pins that an empty 200 body is "no data" only at the
// start of a walk and after one retry; later it is an error, since it could
// hide a dropped stream.
func TestWalkEmptyBody(t *testing.T) {
	tests := []struct {
		name      string
		pages     map[string]string
		wantCalls int
		wantErr   bool
	}{
		{"first_page_empty_twice_is_no_data", map[string]string{"": ""}, 2, false},
		{"later_page_empty_is_an_error",
			map[string]string{"": page([]int{10}, warningURL("https://x/?action=list&id_min=20")), "20": ""}, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, forms := serve(t, tt.pages)
			w := &Walker{Client: c, Retry: Retry{Attempts: 3, MinBackoff: time.Millisecond}}
			_, err := w.Walk(t.Context(), url.Values{"action": {"list"}}, func(*qualys.Host) error { return nil })
			if (err != nil) != tt.wantErr || len(*forms) != tt.wantCalls {
				t.Errorf("Walk = %v after %d calls; want error %v after %d", err, len(*forms), tt.wantErr, tt.wantCalls)
			}
		})
	}
}
