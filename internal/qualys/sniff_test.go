package qualys

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		body string
		want BodyKind
	}{
		{"detection_page", `<?xml version="1.0" encoding="UTF-8" ?><HOST_LIST_VM_DETECTION_OUTPUT>`, BodyXML},
		{"byte_order_mark", "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<SIMPLE_RETURN>", BodyXML},
		{"leading_comment", "<!-- generated -->\n<?xml version=\"1.0\"?><HOST_LIST_VM_DETECTION_OUTPUT/>", BodyXML},
		{"doctype_of_the_api", `<?xml version="1.0"?><!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "x.dtd"><HOST_LIST_VM_DETECTION_OUTPUT>`, BodyXML},
		{"empty_body", "", BodyXML},
		{"html_502_from_proxy", "<html><head><title>502 Bad Gateway</title></head>", BodyHTML},
		{"html_doctype", "<!DOCTYPE html>\n<html lang=\"en\">", BodyHTML},
		{"html_upper_case_after_comment", "<!-- portal --><HTML><BODY>Login</BODY></HTML>", BodyHTML},
		{"json", `{"error": "unauthorized"}`, BodyOther},
		{"csv_output", "----BEGIN_RESPONSE_HEADER_CSV\n\"Status Message\"\n", BodyOther},
		{"plain_text", "Service Unavailable", BodyOther},
		{"lone_angle_bracket", "<", BodyOther},
		{"markup_declaration_not_doctype", "<!ELEMENT x ANY>", BodyOther},
		{"whitespace_then_element", "\r\n\t <HOST_LIST_OUTPUT>", BodyXML},
		{"unclosed_declaration_is_left_to_the_decoder", `<?xml version="1.0"`, BodyXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff([]byte(tt.body), true); got != tt.want {
				t.Errorf("Sniff(%q, complete) = %v, want %v", tt.body, got, tt.want)
			}
			checkPrefixes(t, []byte(tt.body))
		})
	}
}

// TestSniffWaitsForTheName: a prefix that could still become <html is not
// decided.
func TestSniffWaitsForTheName(t *testing.T) {
	for _, prefix := range []string{"", "  ", "<", "<h", "<!-", "<!DOC", "<!-- x", "<?xml "} {
		if got := Sniff([]byte(prefix), false); got != BodyUndecided {
			t.Errorf("Sniff(%q, incomplete) = %v, want undecided", prefix, got)
		}
	}
}

// checkPrefixes holds Sniff to its promise: a decision taken on a prefix
// is the decision on the whole body.
func checkPrefixes(t *testing.T, body []byte) {
	t.Helper()
	whole := Sniff(body, true)
	if whole == BodyUndecided {
		t.Fatalf("Sniff(%q, complete) is undecided", body)
	}
	for i := range len(body) {
		if got := Sniff(body[:i], false); got != BodyUndecided && got != whole {
			t.Fatalf("Sniff(%q) = %v on a prefix but %v on the whole %q", body[:i], got, whole, body)
		}
	}
}

// FuzzSniff is seeded with every detection, host list and error document
// of the decoder's testdata (copies of the real samples), a CSV response
// and the cases above.
func FuzzSniff(f *testing.F) {
	seeds, _ := filepath.Glob("../decode/testdata/*.xml")
	for _, dir := range []string{"crafted", "hostlist"} {
		more, _ := filepath.Glob(filepath.Join("../decode/testdata", dir, "*.xml"))
		seeds = append(seeds, more...)
	}
	seeds = append(seeds, "testdata/sniff/csv_output_doccenter_sample03.txt")
	if len(seeds) < 8 {
		f.Fatalf("found %d seed files, want the decoder's testdata", len(seeds))
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), SniffLimit)])
	}
	for _, s := range []string{
		`<?xml version="1.0"?><HOST_LIST_VM_DETECTION_OUTPUT>`, "<html>", "<!DOCTYPE html>",
		"\xef\xbb\xbf<!-- c --><x/>", "{}", "", "<!--", strings.Repeat(" ", 70) + "<x>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > SniffLimit {
			body = body[:SniffLimit]
		}
		checkPrefixes(t, body)
	})
}

// failingBody returns its bytes, then err.
type failingBody struct {
	data string
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.data == "" {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *failingBody) Close() error { return nil }

// TestSniffedReadFailureIsNotANonXMLPage: a body that breaks after its
// first bytes was judged as if those bytes were all of it, so "<" followed
// by a connection reset became a *TransportError saying the body is not
// XML, hiding the reset.
func TestSniffedReadFailureIsNotANonXMLPage(t *testing.T) {
	reset := errors.New("connection reset by peer")
	for _, prefix := range []string{"<", "<!DOC", "\xef\xbb"} {
		resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
		got, err := sniffed(resp, &failingBody{data: prefix, err: reset})
		if err != nil {
			t.Errorf("prefix %q: err = %v, want the body handed on", prefix, err)
			continue
		}
		b, err := io.ReadAll(got.Body)
		if string(b) != prefix || !errors.Is(err, reset) {
			t.Errorf("prefix %q: body read %q, %v; want %q, then the reset", prefix, b, err, prefix)
		}
	}
}
