package decode

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func TestReadIDSet(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		want      string
		wantNext  string // URL of the WARNING
		wantCut   bool
		wantError bool
	}{
		{
			name: "real_sample_one_id",
			doc:  readFile(t, "testdata/hostlist/j1_hostlist_details_none_id_set.response.xml"),
			want: "107800671-107800671 ",
		},
		{
			name: "real_sample_empty",
			doc:  readFile(t, "testdata/hostlist/j1_hostlist_details_none_empty.response.xml"),
			want: "",
		},
		{
			name:     "ids_and_ranges_with_warning",
			doc:      `<HOST_LIST_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME><ID_SET><ID>5</ID><ID_RANGE>7-9</ID_RANGE><!-- keep-alive --><ID>12</ID></ID_SET><WARNING><CODE>1980</CODE><TEXT>3 record limit exceeded.</TEXT><URL><![CDATA[https://x/api/2.0/fo/asset/host/?action=list&id_min=13]]></URL></WARNING></RESPONSE></HOST_LIST_OUTPUT>`,
			want:     "5-5 7-9 12-12 ",
			wantNext: "https://x/api/2.0/fo/asset/host/?action=list&id_min=13",
		},
		{name: "cut_stream", doc: `<HOST_LIST_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME><ID_SET><ID>5</ID>`, want: "5-5 ", wantCut: true},
		{name: "range_backwards", doc: `<HOST_LIST_OUTPUT><RESPONSE><ID_SET><ID_RANGE>9-7</ID_RANGE></ID_SET></RESPONSE></HOST_LIST_OUTPUT>`, wantError: true},
		{name: "detection_root_refused", doc: `<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE/></HOST_LIST_VM_DETECTION_OUTPUT>`, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got strings.Builder
			page, err := ReadIDSet(strings.NewReader(tt.doc), 200, func(a, b int64) error {
				got.WriteString(strings.Join([]string{itoa(a), itoa(b)}, "-") + " ")
				return nil
			})
			switch {
			case tt.wantCut && !errors.Is(err, ErrCut):
				t.Errorf("err = %v, want ErrCut", err)
			case tt.wantError && err == nil:
				t.Error("err = nil, want an error")
			case !tt.wantCut && !tt.wantError && err != nil:
				t.Errorf("err = %v", err)
			}
			if got.String() != tt.want {
				t.Errorf("ids = %q, want %q", got.String(), tt.want)
			}
			if tt.wantNext != "" && (page.Warning == nil || page.Warning.URL != tt.wantNext) {
				t.Errorf("warning = %+v, want URL %s", page.Warning, tt.wantNext)
			}
		})
	}
}

func TestReadIDSetAPIError(t *testing.T) {
	doc := readFile(t, "testdata/j1_hld_error_1905_http400.response.xml")
	_, err := ReadIDSet(strings.NewReader(doc), 400, func(int64, int64) error { return nil })
	var apiErr *qualys.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 1905 {
		t.Errorf("err = %v, want API error 1905", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
