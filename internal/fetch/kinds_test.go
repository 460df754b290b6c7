package fetch

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// response is one canned HTTP answer.
type response struct {
	status      int
	contentType string
	body        string
}

// TestResponseKinds walks one range against a server that answers each
// kind of response of SPEC sections 3 and 5, from the first page or from
// the second, and checks the outcome: the hosts handed on, the tries
// made, and the error (by class). Document contents are covered by
// internal/decode's TestInputKinds.
func TestResponseKinds(t *testing.T) {
	first := page([]int{1, 2}, warningURL("https://q.example/api/5.0/fo/asset/host/vm/detection/?action=list&id_min=3"))
	xml := func(body string) response { return response{200, "application/xml", body} }
	tests := []struct {
		name      string
		second    response // the answer to the second page; the first is `first`
		onlyPage  bool     // the answer is to the first page instead
		wantHosts int
		wantTries int // calls to the answer
		check     func(error) bool
	}{
		{name: "html_502_from_a_proxy", second: response{502, "text/html", "<html><body>502 Bad Gateway</body></html>"},
			wantHosts: 2, wantTries: 3, check: isTransport(502)},
		{name: "html_414", second: response{414, "text/html", "<html><body>Request-URI Too Large</body></html>"},
			wantHosts: 2, wantTries: 1, check: isTransport(414)},
		{name: "html_page_labelled_xml_with_http_200", second: xml("<!DOCTYPE html><html><body>Sign in</body></html>"),
			wantHosts: 2, wantTries: 3, check: isTransport(200)},
		{name: "error_2001_with_http_200", second: xml(`<SIMPLE_RETURN><RESPONSE><CODE>2001</CODE><TEXT>This account has expired.</TEXT></RESPONSE></SIMPLE_RETURN>`),
			wantHosts: 2, wantTries: 1, check: isAPI(2001)},
		{name: "generic_return_503", second: response{503, "text/xml", `<GENERIC_RETURN><RETURN status="FAILED">Internal error</RETURN></GENERIC_RETURN>`},
			wantHosts: 2, wantTries: 3, check: isAPI(0)},
		{name: "empty_200_body_on_a_later_page", second: xml(""),
			wantHosts: 2, wantTries: 3, check: func(err error) bool { return errors.Is(err, decode.ErrEmptyBody) }},
		{name: "empty_200_body_on_the_first_page_is_no_data", second: xml(""), onlyPage: true,
			wantHosts: 0, wantTries: 2, check: func(err error) bool { return err == nil }},
		{name: "body_cut_inside_cdata", second: xml(page([]int{3}, "")[:strings.Index(page([]int{3}, ""), "<HOST>")] + `<HOST><ID>3</ID><DETECTION_LIST><DETECTION><QID>1</QID><RESULTS><![CDATA[cut`),
			wantHosts: 2, wantTries: 3, check: func(err error) bool { return errors.Is(err, decode.ErrCut) }},
		{name: "warning_without_url", second: xml(page([]int{3}, `<WARNING><CODE>1980</CODE><TEXT>limit exceeded</TEXT></WARNING>`)),
			wantHosts: 3, wantTries: 1, check: func(err error) bool { return errors.Is(err, qualys.ErrPagination) }},
		{name: "warning_whose_id_min_goes_backwards", second: xml(page([]int{3}, warningURL("https://q.example/api/5.0/fo/asset/host/vm/detection/?action=list&id_min=2"))),
			wantHosts: 3, wantTries: 1, check: func(err error) bool { return errors.Is(err, qualys.ErrPagination) }},
		{name: "entity_expanding_to_a_megabyte", second: xml(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY big "` + strings.Repeat("x", 1<<20) + `">]>` + "\n" + strings.Replace(page([]int{3}, ""), "<ID>3</ID>", "<ID>3</ID><DNS>&big;</DNS>", 1)[len(`<?xml version="1.0" encoding="UTF-8" ?>`):]),
			wantHosts: 2, wantTries: 1, check: func(err error) bool {
				return err != nil && !errors.Is(err, decode.ErrCut) && strings.Contains(err.Error(), "&big;")
			}},
		{name: "keep_alive_comments_and_leading_comment", second: xml("<!-- keep-alive -->" + strings.ReplaceAll(page([]int{3, 4}, ""), "<HOST>", "<!-- keep-alive --><HOST>")),
			wantHosts: 4, wantTries: 1, check: func(err error) bool { return err == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tries atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				answer := xml(first)
				if tt.onlyPage || r.PostForm.Get("id_min") == "3" {
					answer = tt.second
					tries.Add(1)
				}
				w.Header().Set("Content-Type", answer.contentType)
				w.WriteHeader(answer.status)
				w.Write([]byte(answer.body))
			}))
			defer srv.Close()
			c, err := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL, User: "u", Password: "p"})
			if err != nil {
				t.Fatal(err)
			}
			w := &Walker{Client: c, Retry: Retry{Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}

			hosts := 0
			_, err = w.Walk(t.Context(), url.Values{"action": {"list"}}, func(*qualys.Host) error {
				hosts++
				return nil
			})
			if !tt.check(err) {
				t.Errorf("err = %v (%T)", err, errors.Unwrap(err))
			}
			if hosts != tt.wantHosts || int(tries.Load()) != tt.wantTries {
				t.Errorf("%d hosts in %d tries, want %d in %d", hosts, tries.Load(), tt.wantHosts, tt.wantTries)
			}
		})
	}
}

func isTransport(status int) func(error) bool {
	return func(err error) bool {
		var te *qualys.TransportError
		return errors.As(err, &te) && te.HTTPStatus == status && te.Excerpt != ""
	}
}

func isAPI(code int) func(error) bool {
	return func(err error) bool {
		var ae *qualys.APIError
		return errors.As(err, &ae) && ae.Code == code
	}
}
