package decode

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// wrap returns a detection page holding the given HOST elements.
func wrap(hosts string) string {
	return `<?xml version="1.0" encoding="UTF-8" ?>
<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME>
<HOST_LIST>` + hosts + `</HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`
}

const goodDetection = `<DETECTION><QID>38170</QID><STATUS>Active</STATUS></DETECTION>`

// kindResult is what one input decoded to, for the table below.
type kindResult struct {
	hosts   []*qualys.Host
	err     error
	repairs Repairs
}

func (r kindResult) detections() int {
	n := 0
	for _, h := range r.hosts {
		n += len(h.Detections)
	}
	return n
}

func (r kindResult) rejects() []qualys.Reject {
	var out []qualys.Reject
	for _, h := range r.hosts {
		out = append(out, h.Rejects...)
	}
	return out
}

func decodeKind(k Kind, doc string) kindResult {
	d := Open(k, strings.NewReader(doc), 200)
	var r kindResult
	for {
		h, err := d.Next()
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			break
		}
		r.hosts = append(r.hosts, h)
	}
	r.repairs = d.Repairs()
	return r
}

// TestInputKinds gives each kind of odd or hostile input a small document
// and its outcome: the detections read, the rejects bound for the
// dead-letter topic (by reason), the repairs counted, or the error. The
// response-level kinds (HTML from a proxy, empty body, statuses) are in
// internal/fetch's TestResponseKinds.
func TestInputKinds(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		detections  int
		rejects     []string // reasons, in document order
		repairs     Repairs
		wantErr     string // substring; "" means the page decodes
		wantCut     bool
		wantAPI     bool // an *qualys.APIError with wantAPICode
		wantAPICode int
		check       func(t *testing.T, r kindResult)
	}{
		{
			name:       "one_host_one_detection_one_tag",
			doc:        wrap(`<HOST><ID>1</ID><IP>10.0.0.1</IP><TAGS><TAG><TAG_ID>7</TAG_ID><NAME>Prod</NAME></TAG></TAGS><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				h := r.hosts[0]
				if len(h.Tags) != 1 || h.Tags[0].Name != "Prod" || h.Tags[0].ID != qualys.Some[int64](7) {
					t.Errorf("tags = %+v", h.Tags)
				}
			},
		},
		{
			name:       "illegal_characters_in_results",
			doc:        wrap(`<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[bell` + "\x07" + ` nul` + "\x00" + ` end]]></RESULTS></DETECTION></DETECTION_LIST></HOST>`),
			detections: 1,
			repairs:    Repairs{IllegalChars: 2},
			check: func(t *testing.T, r kindResult) {
				if got := r.hosts[0].Detections[0].Results; got != "bell\uFFFD nul\uFFFD end" {
					t.Errorf("results = %q", got)
				}
			},
		},
		{
			name:       "latin1_bytes_in_netbios",
			doc:        wrap(`<HOST><ID>1</ID><NETBIOS>CAF` + "\xc9" + `-01</NETBIOS><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			repairs:    Repairs{InvalidUTF8: 1},
			check: func(t *testing.T, r kindResult) {
				if got := r.hosts[0].NetBIOS; got != "CAF\uFFFD-01" {
					t.Errorf("netbios = %q", got)
				}
			},
		},
		{
			name:       "garbage_qid",
			doc:        wrap(`<HOST><ID>5</ID><DETECTION_LIST>` + goodDetection + `<DETECTION><QID>12a</QID><STATUS>New</STATUS></DETECTION>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 2,
			rejects:    []string{qualys.RejectNumber},
			check: func(t *testing.T, r kindResult) {
				want := qualys.Reject{Reason: qualys.RejectNumber, Detail: `QID: not an integer: "12a"`,
					HostID: 5, Raw: `<DETECTION><QID>12a</QID><STATUS>New</STATUS></DETECTION>`}
				if got := r.rejects()[0]; got != want {
					t.Errorf("reject = %+v\nwant     %+v", got, want)
				}
			},
		},
		{
			name:       "detection_without_qid",
			doc:        wrap(`<HOST><ID>5</ID><DETECTION_LIST><DETECTION><STATUS>New</STATUS></DETECTION>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			rejects:    []string{qualys.RejectMissing},
		},
		{
			name:       "garbage_host_id_rejects_every_detection_of_the_host",
			doc:        wrap(`<HOST><ID>x9</ID><DETECTION_LIST>` + goodDetection + `<DETECTION><QID>1</QID><SEVERITY>high</SEVERITY></DETECTION></DETECTION_LIST></HOST><HOST><ID>6</ID><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			rejects:    []string{qualys.RejectNumber, qualys.RejectNumber},
			check: func(t *testing.T, r kindResult) {
				rj := r.rejects()
				if rj[0].Detail != `host ID: not an integer: "x9"` || rj[0].QID != 38170 || rj[0].Raw != goodDetection {
					t.Errorf("first reject = %+v", rj[0])
				}
				if rj[1].Detail != `SEVERITY: not a 32-bit integer: "high"` {
					t.Errorf("second reject keeps its own fault, got %+v", rj[1])
				}
			},
		},
		{
			name:       "empty_qid_and_empty_host_id",
			doc:        wrap(`<HOST><ID>4</ID><DETECTION_LIST><DETECTION><QID></QID></DETECTION><DETECTION><QID>0</QID></DETECTION>` + goodDetection + `</DETECTION_LIST></HOST><HOST><ID/><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			rejects:    []string{qualys.RejectMissing, qualys.RejectMissing, qualys.RejectMissing},
		},
		{
			name:       "host_without_id",
			doc:        wrap(`<HOST><IP>10.0.0.9</IP><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 0,
			rejects:    []string{qualys.RejectMissing},
		},
		{
			name:       "unparseable_date_in_detection",
			doc:        wrap(`<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><LAST_FOUND_DATETIME>yesterday</LAST_FOUND_DATETIME></DETECTION>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			rejects:    []string{qualys.RejectDate},
			check: func(t *testing.T, r kindResult) {
				if rj := r.rejects()[0]; rj.QID != 2 || rj.HostID != 1 {
					t.Errorf("reject = %+v, want QID 2 of host 1", rj)
				}
			},
		},
		{
			name:       "unparseable_host_date_rejects_the_host",
			doc:        wrap(`<HOST><ID>1</ID><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST><LAST_SCAN_DATETIME>31/12/2025</LAST_SCAN_DATETIME></HOST>`),
			detections: 0,
			rejects:    []string{qualys.RejectDate},
		},
		{
			name:       "not_a_boolean",
			doc:        wrap(`<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><IS_IGNORED>maybe</IS_IGNORED></DETECTION></DETECTION_LIST></HOST>`),
			detections: 0,
			rejects:    []string{qualys.RejectBoolean},
		},
		{
			name: "dates_in_other_forms_are_stored_in_utc",
			doc: wrap(`<HOST><ID>1</ID><LAST_SCAN_DATETIME>2026-11-30T10:00:00+02:00</LAST_SCAN_DATETIME>` +
				`<LAST_VM_SCANNED_DATE>2026-11-30 08:00:00.250</LAST_VM_SCANNED_DATE>` +
				`<LAST_PC_SCANNED_DATE>2026-11-30</LAST_PC_SCANNED_DATE><DETECTION_LIST><DETECTION><QID>2</QID>` +
				`<FIRST_FOUND_DATETIME>2026-11-30T03:00:00.5-0500</FIRST_FOUND_DATETIME>` +
				`<LAST_FOUND_DATETIME>2026-11-30T08:00:00</LAST_FOUND_DATETIME></DETECTION></DETECTION_LIST></HOST>`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				h, d := r.hosts[0], r.hosts[0].Detections[0]
				at8 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
				for name, got := range map[string]time.Time{
					"offset": h.LastScan, "fraction_with_space": h.LastVMScanned.Add(-250 * time.Millisecond),
					"date_only": h.LastPCScanned.Add(8 * time.Hour), "fraction_and_offset": d.FirstFound.Add(-500 * time.Millisecond),
					"no_zone": d.LastFound,
				} {
					if !got.Equal(at8) || got.Location() != time.UTC {
						t.Errorf("%s: got %v, want %v in UTC", name, got, at8)
					}
				}
			},
		},
		{
			name:       "numeric_looking_os_text",
			doc:        wrap(`<HOST><ID>1</ID><OS>2008</OS><OS_CPE>10.0</OS_CPE><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				if h := r.hosts[0]; h.OS != "2008" || h.OSCPE != "10.0" {
					t.Errorf("os = %q, os_cpe = %q", h.OS, h.OSCPE)
				}
			},
		},
		{
			name:       "empty_dns_elements",
			doc:        wrap(`<HOST><ID>1</ID><DNS><![CDATA[]]></DNS><DNS_DATA><HOSTNAME/><DOMAIN></DOMAIN><FQDN> </FQDN></DNS_DATA><ASSET_ID></ASSET_ID><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				h := r.hosts[0]
				if h.DNS != "" || h.DNSData != (qualys.DNSData{}) || h.AssetID.Valid {
					t.Errorf("empty elements read as values: dns %q, dns data %+v, asset id %+v", h.DNS, h.DNSData, h.AssetID)
				}
			},
		},
		{
			name:       "ipv6_only_host",
			doc:        wrap(`<HOST><ID>1</ID><IPV6>2001:db8::1</IPV6><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				if h := r.hosts[0]; h.IP != "" || h.IPv6 != "2001:db8::1" {
					t.Errorf("ip %q, ipv6 %q", h.IP, h.IPv6)
				}
			},
		},
		{
			name:       "host_with_no_ip_at_all",
			doc:        wrap(`<HOST><ID>1</ID><TRACKING_METHOD>AGENT</TRACKING_METHOD><DETECTION_LIST>` + goodDetection + `</DETECTION_LIST></HOST>`),
			detections: 1,
		},
		{
			name:        "error_2001_with_http_200",
			doc:         `<?xml version="1.0" encoding="UTF-8" ?><SIMPLE_RETURN><RESPONSE><DATETIME>2020-11-23T18:29:09Z</DATETIME><CODE>2001</CODE><TEXT>This account has expired.</TEXT></RESPONSE></SIMPLE_RETURN>`,
			wantAPI:     true,
			wantAPICode: 2001,
		},
		{
			name:    "generic_return",
			doc:     `<GENERIC_RETURN><API name="x" username="u" at="2020-01-01T00:00:00Z"/><RETURN status="FAILED">Internal error.</RETURN></GENERIC_RETURN>`,
			wantAPI: true,
		},
		{
			name:    "html_page_reaching_the_decoder",
			doc:     `<html><head><title>502 Bad Gateway</title></head></html>`,
			wantErr: "unexpected root element html",
		},
		{
			name:    "empty_body",
			doc:     "",
			wantErr: "empty response body",
		},
		{
			name:    "body_cut_inside_cdata",
			doc:     wrap(`<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[half of the`),
			wantCut: true,
		},
		{
			name:       "leading_comment_and_byte_order_mark",
			doc:        "\xef\xbb\xbf<!-- generated by a proxy -->\n" + wrap(`<HOST><ID>1</ID><DETECTION_LIST>`+goodDetection+`</DETECTION_LIST></HOST>`),
			detections: 1,
		},
		{
			name: "keep_alive_comments_between_elements",
			doc: wrap(`<!-- keep-alive --><HOST><!-- keep-alive --><ID>1</ID><!-- keep-alive --><DETECTION_LIST><!-- keep-alive -->` +
				`<DETECTION><QID>2<!-- keep-alive --></QID><RESULTS><![CDATA[a]]><!-- keep-alive --><![CDATA[b]]></RESULTS></DETECTION></DETECTION_LIST></HOST><!-- keep-alive -->`),
			detections: 1,
			check: func(t *testing.T, r kindResult) {
				if d := r.hosts[0].Detections[0]; d.QID != 2 || d.Results != "ab" {
					t.Errorf("qid %d, results %q", d.QID, d.Results)
				}
			},
		},
		{
			name: "entity_expanding_to_a_megabyte",
			doc: `<?xml version="1.0"?><!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY big "` + strings.Repeat("x", 1<<20) + `">]>` +
				strings.TrimPrefix(wrap(`<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS>&big;</RESULTS></DETECTION></DETECTION_LIST></HOST>`), `<?xml version="1.0" encoding="UTF-8" ?>`),
			wantErr: "invalid character entity &big;",
		},
		{
			name:    "external_dtd_is_not_fetched",
			doc:     `<?xml version="1.0"?><!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "http://127.0.0.1:1/never.dtd"><HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`,
			wantErr: "",
		},
	}
	for _, tt := range tests {
		for _, k := range Kinds {
			t.Run(tt.name+"/"+string(k), func(t *testing.T) {
				r := decodeKind(k, tt.doc)
				checkKindError(t, r.err, tt.wantErr, tt.wantCut, tt.wantAPI, tt.wantAPICode)
				if r.err != nil {
					return
				}
				if got := r.detections(); got != tt.detections {
					t.Errorf("detections = %d, want %d", got, tt.detections)
				}
				var reasons []string
				for _, rj := range r.rejects() {
					reasons = append(reasons, rj.Reason)
					if rj.Raw == "" || !strings.HasPrefix(rj.Raw, "<DETECTION") || !strings.HasSuffix(rj.Raw, "</DETECTION>") {
						t.Errorf("reject %+v lacks its raw element", rj)
					}
				}
				if strings.Join(reasons, ",") != strings.Join(tt.rejects, ",") {
					t.Errorf("rejects = %v, want %v", reasons, tt.rejects)
				}
				if r.repairs != tt.repairs {
					t.Errorf("repairs = %+v, want %+v", r.repairs, tt.repairs)
				}
				if tt.check != nil {
					tt.check(t, r)
				}
			})
		}
	}
}

func checkKindError(t *testing.T, err error, wantErr string, wantCut, wantAPI bool, wantCode int) {
	t.Helper()
	var apiErr *qualys.APIError
	switch {
	case wantCut:
		if !errors.Is(err, ErrCut) {
			t.Errorf("err = %v, want ErrCut", err)
		}
	case wantAPI:
		if !errors.As(err, &apiErr) || apiErr.Code != wantCode {
			t.Errorf("err = %v, want API error %d", err, wantCode)
		}
	case wantErr != "":
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("err = %v, want it to contain %q", err, wantErr)
		}
	case err != nil:
		t.Errorf("err = %v, want none", err)
	}
}
