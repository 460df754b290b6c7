package simulator

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// The structs below decode a whole detection page the way a correct client
// would, so that tests can compare what the XML says with Expected.

type xPage struct {
	XMLName  xml.Name `xml:"HOST_LIST_VM_DETECTION_OUTPUT"`
	Response struct {
		DateTime string    `xml:"DATETIME"`
		HostList *xHosts   `xml:"HOST_LIST"`
		Warning  *xWarning `xml:"WARNING"`
	} `xml:"RESPONSE"`
}

type xHosts struct {
	Hosts []xHost `xml:"HOST"`
}

type xWarning struct {
	Code int    `xml:"CODE"`
	Text string `xml:"TEXT"`
	URL  string `xml:"URL"`
}

type xHost struct {
	ID             int64  `xml:"ID"`
	AssetID        *int64 `xml:"ASSET_ID"`
	IP             string `xml:"IP"`
	IPv6           string `xml:"IPV6"`
	TrackingMethod string `xml:"TRACKING_METHOD"`
	NetworkID      *int64 `xml:"NETWORK_ID"`
	OS             string `xml:"OS"`
	OSCPE          string `xml:"OS_CPE"`
	DNS            string `xml:"DNS"`
	DNSData        struct {
		Hostname string `xml:"HOSTNAME"`
		Domain   string `xml:"DOMAIN"`
		FQDN     string `xml:"FQDN"`
	} `xml:"DNS_DATA"`
	CloudProvider       string `xml:"CLOUD_PROVIDER"`
	CloudService        string `xml:"CLOUD_SERVICE"`
	CloudResourceID     string `xml:"CLOUD_RESOURCE_ID"`
	EC2InstanceID       string `xml:"EC2_INSTANCE_ID"`
	NetBIOS             string `xml:"NETBIOS"`
	QGHostID            string `xml:"QG_HOSTID"`
	LastScan            string `xml:"LAST_SCAN_DATETIME"`
	LastVMScanned       string `xml:"LAST_VM_SCANNED_DATE"`
	LastVMScannedDur    *int64 `xml:"LAST_VM_SCANNED_DURATION"`
	LastVMAuthScanned   string `xml:"LAST_VM_AUTH_SCANNED_DATE"`
	LastVMAuthScanedDur *int64 `xml:"LAST_VM_AUTH_SCANNED_DURATION"`
	LastPCScanned       string `xml:"LAST_PC_SCANNED_DATE"`
	Tags                []xTag `xml:"TAGS>TAG"`
	Metadata            struct {
		Providers []xProvider `xml:",any"`
	} `xml:"METADATA"`
	CloudTags  []xCloudTag  `xml:"CLOUD_PROVIDER_TAGS>CLOUD_TAG"`
	Detections []xDetection `xml:"DETECTION_LIST>DETECTION"`
}

type xTag struct {
	ID              *int64 `xml:"TAG_ID"`
	Name            string `xml:"NAME"`
	Color           string `xml:"COLOR"`
	BackgroundColor string `xml:"BACKGROUND_COLOR"`
}

type xProvider struct {
	XMLName    xml.Name
	Attributes []struct {
		Name          string `xml:"NAME"`
		LastStatus    string `xml:"LAST_STATUS"`
		Value         string `xml:"VALUE"`
		LastSuccess   string `xml:"LAST_SUCCESS_DATE"`
		LastErrorDate string `xml:"LAST_ERROR_DATE"`
		LastError     string `xml:"LAST_ERROR"`
	} `xml:"ATTRIBUTE"`
}

type xCloudTag struct {
	Name        string `xml:"NAME"`
	Value       string `xml:"VALUE"`
	LastSuccess string `xml:"LAST_SUCCESS_DATE"`
}

type xDetection struct {
	UniqueVulnID   *int64  `xml:"UNIQUE_VULN_ID"`
	QID            int64   `xml:"QID"`
	Type           string  `xml:"TYPE"`
	Severity       *int32  `xml:"SEVERITY"`
	Port           *int32  `xml:"PORT"`
	Protocol       string  `xml:"PROTOCOL"`
	FQDN           string  `xml:"FQDN"`
	SSL            *string `xml:"SSL"`
	Instance       string  `xml:"INSTANCE"`
	ResultInstance string  `xml:"RESULT_INSTANCE"`
	Results        string  `xml:"RESULTS"`
	Status         string  `xml:"STATUS"`
	FirstFound     string  `xml:"FIRST_FOUND_DATETIME"`
	LastFound      string  `xml:"LAST_FOUND_DATETIME"`
	Source         string  `xml:"SOURCE"`
	QDS            *struct {
		Severity string `xml:"severity,attr"`
		Value    int32  `xml:",chardata"`
	} `xml:"QDS"`
	QDSFactors []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:",chardata"`
	} `xml:"QDS_FACTORS>QDS_FACTOR"`
	TimesFound              *int32   `xml:"TIMES_FOUND"`
	LastTest                string   `xml:"LAST_TEST_DATETIME"`
	LastUpdate              string   `xml:"LAST_UPDATE_DATETIME"`
	LastFixed               string   `xml:"LAST_FIXED_DATETIME"`
	FirstReopened           string   `xml:"FIRST_REOPENED_DATETIME"`
	LastReopened            string   `xml:"LAST_REOPENED_DATETIME"`
	TimesReopened           *int32   `xml:"TIMES_REOPENED"`
	Service                 string   `xml:"SERVICE"`
	IsIgnored               *string  `xml:"IS_IGNORED"`
	IsDisabled              *string  `xml:"IS_DISABLED"`
	AffectRunningKernel     *string  `xml:"AFFECT_RUNNING_KERNEL"`
	AffectRunningService    *string  `xml:"AFFECT_RUNNING_SERVICE"`
	AffectExploitableConfig *string  `xml:"AFFECT_EXPLOITABLE_CONFIG"`
	LastProcessed           string   `xml:"LAST_PROCESSED_DATETIME"`
	AssetCVE                string   `xml:"ASSET_CVE"`
	CVEs                    []string `xml:"CVE"`
	DetectionSources        string   `xml:"VULNERABILITY_DETECTION_SOURCES"`
	LatestDetectionSource   string   `xml:"LATEST_VULNERABILITY_DETECTION_SOURCE"`
	MITRETacticName         string   `xml:"MITRE_TACTIC_NAME"`
	MITRETechniqueName      string   `xml:"MITRE_TECHNIQUE_NAME"`
	MITRETacticID           string   `xml:"MITRE_TACTIC_ID"`
	MITRETechniqueID        string   `xml:"MITRE_TECHNIQUE_ID"`
	TruRisk                 string   `xml:"TRURISK_ELIMINATION_STATUS"`
}

// decodePage decodes a whole detection page into hosts and its warning.
func decodePage(t *testing.T, body []byte) ([]qualys.Host, *xWarning, time.Time) {
	t.Helper()
	var p xPage
	if err := xml.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode page: %v", err)
	}
	var hosts []qualys.Host
	if p.Response.HostList != nil {
		if len(p.Response.HostList.Hosts) == 0 {
			t.Errorf("HOST_LIST without HOST")
		}
		for _, h := range p.Response.HostList.Hosts {
			hosts = append(hosts, h.host(t))
		}
	}
	return hosts, p.Response.Warning, parseTime(t, p.Response.DateTime)
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(qualys.TimeLayout, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

func opt[T any](p *T) qualys.Opt[T] {
	if p == nil {
		return qualys.Opt[T]{}
	}
	return qualys.Some(*p)
}

func optBool(t *testing.T, p *string) qualys.Opt[bool] {
	t.Helper()
	if p == nil {
		return qualys.Opt[bool]{}
	}
	if *p != "0" && *p != "1" {
		t.Errorf("boolean %q", *p)
	}
	return qualys.Some(*p == "1")
}

func (x xHost) host(t *testing.T) qualys.Host {
	h := qualys.Host{
		ID: x.ID, AssetID: opt(x.AssetID), IP: x.IP, IPv6: x.IPv6,
		TrackingMethod: x.TrackingMethod, NetworkID: opt(x.NetworkID), OS: x.OS,
		OSCPE: x.OSCPE, DNS: x.DNS, DNSData: qualys.DNSData(x.DNSData),
		CloudProvider: x.CloudProvider, CloudService: x.CloudService,
		CloudResourceID: x.CloudResourceID, EC2InstanceID: x.EC2InstanceID,
		NetBIOS: x.NetBIOS, QGHostID: x.QGHostID,
		LastScan:                  parseTime(t, x.LastScan),
		LastVMScanned:             parseTime(t, x.LastVMScanned),
		LastVMScannedDuration:     opt(x.LastVMScannedDur),
		LastVMAuthScanned:         parseTime(t, x.LastVMAuthScanned),
		LastVMAuthScannedDuration: opt(x.LastVMAuthScanedDur),
		LastPCScanned:             parseTime(t, x.LastPCScanned),
	}
	for _, tg := range x.Tags {
		h.Tags = append(h.Tags, qualys.Tag{ID: opt(tg.ID), Name: tg.Name, Color: tg.Color,
			BackgroundColor: tg.BackgroundColor})
	}
	for _, p := range x.Metadata.Providers {
		for _, a := range p.Attributes {
			h.Metadata = append(h.Metadata, qualys.CloudAttribute{Provider: p.XMLName.Local,
				Name: a.Name, LastStatus: a.LastStatus, Value: a.Value,
				LastSuccess: parseTime(t, a.LastSuccess), LastErrorDate: parseTime(t, a.LastErrorDate),
				LastError: a.LastError})
		}
	}
	for _, c := range x.CloudTags {
		h.CloudTags = append(h.CloudTags, qualys.CloudTag{Name: c.Name, Value: c.Value,
			LastSuccess: parseTime(t, c.LastSuccess)})
	}
	for _, d := range x.Detections {
		h.Detections = append(h.Detections, d.detection(t))
	}
	return h
}

func (x xDetection) detection(t *testing.T) qualys.Detection {
	d := qualys.Detection{
		UniqueVulnID: opt(x.UniqueVulnID), QID: x.QID, Type: x.Type, Severity: opt(x.Severity),
		Port: opt(x.Port), Protocol: x.Protocol, FQDN: x.FQDN, SSL: optBool(t, x.SSL),
		Instance: x.Instance, ResultInstance: x.ResultInstance, Results: x.Results,
		Status: x.Status, FirstFound: parseTime(t, x.FirstFound),
		LastFound: parseTime(t, x.LastFound), Source: x.Source,
		TimesFound: opt(x.TimesFound), LastTest: parseTime(t, x.LastTest),
		LastUpdate: parseTime(t, x.LastUpdate), LastFixed: parseTime(t, x.LastFixed),
		FirstReopened: parseTime(t, x.FirstReopened), LastReopened: parseTime(t, x.LastReopened),
		TimesReopened: opt(x.TimesReopened), Service: x.Service,
		IsIgnored: optBool(t, x.IsIgnored), IsDisabled: optBool(t, x.IsDisabled),
		AffectRunningKernel:     optBool(t, x.AffectRunningKernel),
		AffectRunningService:    optBool(t, x.AffectRunningService),
		AffectExploitableConfig: optBool(t, x.AffectExploitableConfig),
		LastProcessed:           parseTime(t, x.LastProcessed), AssetCVE: x.AssetCVE,
		CVEs: x.CVEs, DetectionSources: x.DetectionSources,
		LatestDetectionSource: x.LatestDetectionSource, MITRETacticName: x.MITRETacticName,
		MITRETechniqueName: x.MITRETechniqueName, MITRETacticID: x.MITRETacticID,
		MITRETechniqueID: x.MITRETechniqueID, TruRiskEliminationStatus: x.TruRisk,
	}
	if x.QDS != nil {
		d.QDS, d.QDSSeverity = qualys.Some(x.QDS.Value), x.QDS.Severity
	}
	for _, f := range x.QDSFactors {
		d.QDSFactors = append(d.QDSFactors, qualys.QDSFactor{Name: f.Name, Value: f.Value})
	}
	return d
}

// readTokens reads body token by token and returns the element names in
// order, failing on any syntax error.
func readTokens(t *testing.T, body []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var names []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("token after %d elements: %v", len(names), err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names = append(names, se.Name.Local)
		}
	}
}

func TestCDATA(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "plain", text: "abc", want: "<R><![CDATA[abc]]></R>"},
		{name: "terminator", text: "a]]>b", want: "<R><![CDATA[a]]]]><![CDATA[>b]]></R>"},
		{name: "two_terminators", text: "]]>]]>",
			want: "<R><![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]></R>"},
		{name: "brackets", text: "a[b[0]]>1", want: "<R><![CDATA[a[b[0]]]]><![CDATA[>1]]></R>"},
		{name: "markup_and_utf8", text: "<p class=\"x\">&amp; é –</p>",
			want: "<R><![CDATA[<p class=\"x\">&amp; é –</p>]]></R>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			x := &xmlWriter{w: bufio.NewWriter(&buf)}
			x.cdata(0, "R", tt.text)
			x.w.Flush()
			got := strings.TrimPrefix(buf.String(), "\n")
			if got != tt.want {
				t.Errorf("cdata = %s, want %s", got, tt.want)
			}

			var back struct {
				V string `xml:",chardata"`
			}
			if err := xml.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if back.V != tt.text {
				t.Errorf("round trip = %q, want %q", back.V, tt.text)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	var buf bytes.Buffer
	x := &xmlWriter{w: bufio.NewWriter(&buf)}
	text := `a<b & "c" > d 'e' ü`
	x.text(0, "T", text)
	x.w.Flush()

	var back struct {
		V string `xml:",chardata"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("decode %s: %v", buf.String(), err)
	}
	if back.V != text {
		t.Errorf("round trip = %q, want %q", back.V, text)
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 0, time.FixedZone("x", 3600)),
	} {
		got := string(appendTime(nil, tm))
		if want := tm.UTC().Format(qualys.TimeLayout); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestPageMatchesExpected decodes whole pages, one per combination of
// options and version, and compares them field by field with Expected.
func TestPageMatchesExpected(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 7, Hosts: 300})
	all := "status=New,Active,Fixed,Re-Opened&show_igs=1&include_ignored=1&include_disabled=1"
	tests := []struct {
		name    string
		version string
		query   string
	}{
		{name: "defaults", version: "5.0", query: ""},
		{name: "everything_v5", version: "5.0", query: all + "&show_tags=1&show_asset_id=1" +
			"&show_qds=1&show_qds_factors=1&show_reopened_info=1&host_metadata=all" +
			"&show_cloud_tags=1&vuln_detection_source=1&arf_kernel_filter=4"},
		{name: "everything_v2", version: "2.0", query: all + "&show_tags=1&show_asset_id=1" +
			"&show_qds=1&show_qds_factors=1&show_reopened_info=1&host_metadata=ec2" +
			"&host_metadata_fields=region,instanceId&show_cloud_tags=1&cloud_tag_fields=Name"},
		{name: "no_results", version: "4.0", query: all + "&show_results=0"},
		{name: "fixed_only", version: "3.0", query: "status=Fixed&severities=4-5"},
		{name: "qids_and_ids", version: "5.0", query: all + "&qids=6,38000-90000&ids=100000-104000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/api/" + tt.version + "/fo/asset/host/vm/detection/?action=list" +
				"&truncation_limit=0&" + tt.query
			body := srv.get(t, target).body(t, 200)
			readTokens(t, body)
			got, warn, _ := decodePage(t, body)
			if warn != nil {
				t.Errorf("unexpected WARNING %+v", warn)
			}

			params, _ := url.ParseQuery("action=list&" + tt.query)
			want, err := srv.ExpectedFor(tt.version, params)
			if err != nil {
				t.Fatalf("Expected: %v", err)
			}
			if len(want) == 0 {
				t.Fatalf("no host selected; the case tests nothing")
			}
			if diff := diffHosts(want, got); diff != "" {
				t.Errorf("page differs from Expected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultsRoundTrip(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 3, Hosts: 400})
	target := "/api/5.0/fo/asset/host/vm/detection/?action=list&truncation_limit=0" +
		"&status=New,Active,Fixed,Re-Opened&show_igs=1&include_ignored=1&include_disabled=1"
	got, _, _ := decodePage(t, srv.get(t, target).body(t, 200))

	counts := map[string]int{}
	for _, h := range got {
		for _, d := range h.Detections {
			r := d.Results
			switch {
			case strings.Contains(r, "]]>"):
				counts["cdata_end"]++
			case strings.ContainsAny(r, "<&\""):
				counts["markup"]++
			}
			if strings.Contains(r, "\t") {
				counts["tab"]++
			}
			if strings.Contains(r, "\n") {
				counts["multi_line"]++
			}
			if len(r) > 2048 {
				counts["large"]++
			}
			if r == "" {
				counts["empty"]++
			}
			if strings.ContainsFunc(r, func(c rune) bool { return c > 127 }) {
				counts["non_ascii"]++
			}
			if r != strings.TrimSpace(r) || strings.Contains(r, "\r") {
				t.Errorf("RESULTS of %d has edge space or CR: %q", d.UniqueVulnID.V, r)
			}
		}
	}
	for _, k := range []string{"cdata_end", "markup", "tab", "multi_line", "large", "empty",
		"non_ascii"} {
		if counts[k] == 0 {
			t.Errorf("no RESULTS of kind %s in %d hosts", k, len(got))
		}
	}
}

// FuzzCDATA: any text XML can carry reads back unchanged from cdata.
func FuzzCDATA(f *testing.F) {
	for _, s := range []string{"", "]]>", "a]]]>b", "<![CDATA[x]]>", "é\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
			return r == '\r' || (r < 0x20 && r != '\t' && r != '\n') || r == 0xFFFE || r == 0xFFFF
		}) {
			return
		}
		var buf bytes.Buffer
		x := &xmlWriter{w: bufio.NewWriter(&buf)}
		x.cdataAlways(0, "R", s)
		x.w.Flush()
		var back struct {
			V string `xml:",chardata"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("decode %q: %v", buf.String(), err)
		}
		if back.V != s {
			t.Fatalf("round trip = %q, want %q", back.V, s)
		}
	})
}
