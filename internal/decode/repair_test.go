package decode

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func page(host string) string {
	return `<?xml version="1.0" encoding="UTF-8" ?><HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE>` +
		`<DATETIME>2026-11-30T08:00:00Z</DATETIME><HOST_LIST>` + host +
		`</HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`
}

// TestRepairs gives each kind of forbidden content a small input: it is
// replaced with U+FFFD and counted, and the host is still decoded.
func TestRepairs(t *testing.T) {
	tests := []struct {
		name        string
		host        string
		wantNetBIOS string
		wantResults string
		want        Repairs
	}{
		{
			name:        "illegal_characters_in_results_cdata",
			host:        "<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[a\x01b\x0bc\x00]]></RESULTS></DETECTION></DETECTION_LIST></HOST>",
			wantResults: "a\uFFFDb\uFFFDc\uFFFD",
			want:        Repairs{IllegalChars: 3},
		},
		{
			name:        "latin1_bytes_in_netbios",
			host:        "<HOST><ID>1</ID><NETBIOS><![CDATA[CAF\xc9-PC]]></NETBIOS><DETECTION_LIST><DETECTION><QID>2</QID></DETECTION></DETECTION_LIST></HOST>",
			wantNetBIOS: "CAF\uFFFD-PC",
			want:        Repairs{InvalidUTF8: 1},
		},
		{
			name:        "noncharacter_fffe",
			host:        "<HOST><ID>1</ID><NETBIOS>A\uFFFEB</NETBIOS><DETECTION_LIST><DETECTION><QID>2</QID></DETECTION></DETECTION_LIST></HOST>",
			wantNetBIOS: "A\uFFFDB",
			want:        Repairs{IllegalChars: 1},
		},
		{
			name:        "valid_multibyte_text_untouched",
			host:        "<HOST><ID>1</ID><NETBIOS>Zürich-東京-🙂</NETBIOS><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS>tab\there\r\nnext</RESULTS></DETECTION></DETECTION_LIST></HOST>",
			wantNetBIOS: "Zürich-東京-🙂",
			wantResults: "tab\there\nnext", // XML turns CR LF into LF
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time, so that sequences are split across reads.
			d := New(iotest.OneByteReader(strings.NewReader(page(tt.host))), 200)
			h, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Next(); err != io.EOF {
				t.Fatalf("second Next = %v, want io.EOF", err)
			}
			if h.NetBIOS != tt.wantNetBIOS {
				t.Errorf("NETBIOS = %q, want %q", h.NetBIOS, tt.wantNetBIOS)
			}
			if tt.wantResults != "" && h.Detections[0].Results != tt.wantResults {
				t.Errorf("RESULTS = %q, want %q", h.Detections[0].Results, tt.wantResults)
			}
			if d.Repairs() != tt.want {
				t.Errorf("repairs %+v, want %+v", d.Repairs(), tt.want)
			}
		})
	}
}

// TestRepairReaderTruncatedSequenceAtEnd pins that a multi-byte sequence
// cut by the end of input is repaired, not held back forever.
func TestRepairReaderTruncatedSequenceAtEnd(t *testing.T) {
	rr := newRepairReader(strings.NewReader("ab\xe6\x9d"))
	got, err := io.ReadAll(rr)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "ab\uFFFD\uFFFD" || rr.repairs.InvalidUTF8 != 2 {
		t.Errorf("got %q with %+v", got, rr.repairs)
	}
}

func BenchmarkRepairReader(b *testing.B) {
	doc := strings.Repeat("<RESULTS><![CDATA[plain ascii text\twith tabs and some ü]]></RESULTS>\n", 20000)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		io.Copy(io.Discard, newRepairReader(strings.NewReader(doc)))
	}
}
