package decode

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

const onePage = `<?xml version="1.0" encoding="UTF-8" ?>
<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME>
<HOST_LIST><HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID>
<RESULTS><![CDATA[some results text]]></RESULTS></DETECTION></DETECTION_LIST></HOST>
<HOST><ID>3</ID><DETECTION_LIST><DETECTION><QID>4</QID></DETECTION></DETECTION_LIST></HOST>
</HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`

// TestFailureKinds gives each kind of bad document a small input and the
// outcome it must have.
func TestFailureKinds(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		wantHosts int
		wantCut   bool
		wantCode  int    // Qualys code of an *qualys.APIError
		wantErr   string // substring of any other error
	}{
		{name: "complete_page", doc: onePage, wantHosts: 2},
		{name: "cut_inside_cdata", doc: onePage[:strings.Index(onePage, "results text")], wantCut: true},
		{name: "cut_after_first_host", doc: onePage[:strings.Index(onePage, "<HOST><ID>3")], wantHosts: 1, wantCut: true},
		{name: "cut_before_root_closes", doc: strings.TrimSuffix(onePage, "</HOST_LIST_VM_DETECTION_OUTPUT>"), wantHosts: 2, wantCut: true},
		{name: "empty_body", doc: "", wantErr: "empty response body"},
		{
			name:     "simple_return_with_http_200",
			doc:      `<SIMPLE_RETURN><RESPONSE><DATETIME>2020-11-23T18:29:09Z</DATETIME><CODE>2001</CODE><TEXT>This account has expired.</TEXT></RESPONSE></SIMPLE_RETURN>`,
			wantCode: 2001,
		},
		{
			name:     "generic_return",
			doc:      `<GENERIC_RETURN><API name="x" username="u" at="2020-01-01T00:00:00Z"/><RETURN status="FAILED" number="999">Internal error. Please contact customer support.</RETURN></GENERIC_RETURN>`,
			wantCode: 0,
		},
		{name: "html_error_page", doc: "<html><head><title>502 Bad Gateway</title></head><body></body></html>", wantErr: "unexpected root element html"},
		{
			name:    "entity_declaration_not_expanded",
			doc:     `<?xml version="1.0"?><!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY big "` + strings.Repeat("x", 1000) + `">]>` + strings.Replace(onePage[strings.Index(onePage, "<HOST_LIST_VM"):], "some results text", "]]>&big;<![CDATA[", 1),
			wantErr: "invalid character entity &big;",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(strings.NewReader(tt.doc), 200)
			hosts := 0
			var err error
			for {
				if _, err = d.Next(); err != nil {
					break
				}
				hosts++
			}

			if hosts != tt.wantHosts {
				t.Errorf("decoded %d hosts, want %d", hosts, tt.wantHosts)
			}
			var apiErr *qualys.APIError
			switch {
			case tt.wantCut:
				if !errors.Is(err, ErrCut) {
					t.Errorf("err = %v, want ErrCut", err)
				}
			case tt.wantCode != 0 || strings.Contains(tt.name, "return"):
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
					t.Errorf("err = %v, want API error code %d", err, tt.wantCode)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
				}
			default:
				if err != io.EOF {
					t.Errorf("err = %v, want io.EOF", err)
				}
			}
		})
	}
}

// TestGenericReturnText keeps the text of a GENERIC_RETURN, which has no
// RESPONSE element.
func TestGenericReturnText(t *testing.T) {
	doc := `<GENERIC_RETURN><RETURN status="FAILED">Internal error</RETURN></GENERIC_RETURN>`
	_, err := New(strings.NewReader(doc), 503).Next()
	var apiErr *qualys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *qualys.APIError", err)
	}
	if apiErr.Text != "Internal error" || apiErr.HTTPStatus != 503 || apiErr.Root != "GENERIC_RETURN" {
		t.Errorf("got %+v", apiErr)
	}
}
