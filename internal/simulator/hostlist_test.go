package simulator

import (
	"encoding/xml"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

const hostList = "/api/5.0/fo/asset/host/"

type xHostList struct {
	XMLName  xml.Name `xml:"HOST_LIST_OUTPUT"`
	Response struct {
		DateTime string `xml:"DATETIME"`
		IDSet    *struct {
			Items []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"ID_SET"`
		HostList *struct {
			Hosts []struct {
				ID int64  `xml:"ID"`
				OS string `xml:"OS"`
			} `xml:"HOST"`
		} `xml:"HOST_LIST"`
		Warning *xWarning `xml:"WARNING"`
	} `xml:"RESPONSE"`
}

// decodeIDs decodes a details=None page into host IDs, expanding ID_RANGE.
func decodeIDs(t *testing.T, body []byte) ([]int64, int, *xWarning) {
	t.Helper()
	var p xHostList
	if err := xml.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode host list: %v", err)
	}
	if p.Response.IDSet == nil {
		return nil, 0, p.Response.Warning
	}
	var ids []int64
	ranges := 0
	for _, it := range p.Response.IDSet.Items {
		lo, hi, isRange := strings.Cut(it.Value, "-")
		a, _ := strconv.ParseInt(lo, 10, 64)
		b := a
		if isRange {
			ranges++
			b, _ = strconv.ParseInt(hi, 10, 64)
		}
		if (it.XMLName.Local == "ID_RANGE") != isRange {
			t.Errorf("%s holds %q", it.XMLName.Local, it.Value)
		}
		for id := a; id <= b; id++ {
			ids = append(ids, id)
		}
	}
	return ids, ranges, p.Response.Warning
}

func TestHostListIDs(t *testing.T) {
	tests := []struct {
		name       string
		ranges     bool
		query      string
		wantRanges bool
	}{
		{name: "all", query: "truncation_limit=0"},
		{name: "id_ranges", ranges: true, query: "truncation_limit=0", wantRanges: true},
		{name: "paged", query: "truncation_limit=70"},
		{name: "paged_ranges", ranges: true, query: "truncation_limit=70", wantRanges: true},
		{name: "ids_and_bounds", query: "ids=100000-110000,120000-130000&id_min=105000"},
		{name: "processed_window",
			query: "vm_processed_after=2026-02-20&vm_processed_before=2026-02-25T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.FleetConfig = FleetConfig{Seed: 8, Hosts: 500}
			cfg.IDRanges = tt.ranges
			srv := newTestServerConfig(t, cfg)

			var got []int64
			ranges := 0
			target := hostList + "?action=list&details=None&" + tt.query
			for {
				ids, r, warn := decodeIDs(t, srv.get(t, target).body(t, 200))
				got, ranges = append(got, ids...), ranges+r
				if warn == nil {
					break
				}
				target = warn.URL
			}

			params, _ := url.ParseQuery("action=list&details=None&" + tt.query)
			want, err := srv.ExpectedIDs(params)
			if err != nil {
				t.Fatalf("ExpectedIDs: %v", err)
			}
			if len(want) == 0 {
				t.Fatalf("no host selected")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("host IDs (-want +got):\n%s", diff)
			}
			if (ranges > 0) != tt.wantRanges {
				t.Errorf("%d ID_RANGE elements, want some: %v", ranges, tt.wantRanges)
			}
		})
	}
}

// TestHostListIncludesHostsWithoutDetections: the host list lists every
// host; the detection API leaves out those without detections.
func TestHostListIncludesHostsWithoutDetections(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 8, Hosts: 400})
	ids, err := srv.ExpectedIDs(url.Values{"action": {"list"}, "details": {"None"}})
	if err != nil {
		t.Fatalf("ExpectedIDs: %v", err)
	}
	if len(ids) != 400 {
		t.Errorf("host list has %d hosts, want 400", len(ids))
	}
	hosts := mustExpected(t, srv, allVisible)
	if len(hosts) >= len(ids) {
		t.Errorf("detection API lists %d hosts of %d", len(hosts), len(ids))
	}
	for _, h := range hosts {
		if _, ok := slices.BinarySearch(ids, h.ID); !ok {
			t.Errorf("host %d in detections, not in host list", h.ID)
		}
	}
}

func TestHostListEmpty(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 8, Hosts: 40})
	body := srv.get(t, hostList+"?action=list&details=None&ids=1-5").body(t, 200)
	names := readTokens(t, body)
	if diff := cmp.Diff([]string{"HOST_LIST_OUTPUT", "RESPONSE", "DATETIME"}, names); diff != "" {
		t.Errorf("empty host list elements (-want +got):\n%s", diff)
	}
}

func TestHostListWarningURL(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 8, Hosts: 40})
	body := srv.get(t, hostList+"?action=list&details=None&truncation_limit=10").body(t, 200)
	ids, _, warn := decodeIDs(t, body)
	if warn == nil || len(ids) != 10 {
		t.Fatalf("page of %d IDs, warning %v", len(ids), warn)
	}
	all, _ := srv.ExpectedIDs(url.Values{"action": {"list"}})
	want := srv.http.URL + hostList + "?action=list&details=None&truncation_limit=10&id_min=" +
		strconv.FormatInt(all[10], 10)
	if warn.URL != want {
		t.Errorf("WARNING URL = %s, want %s", warn.URL, want)
	}
}

func TestHostListDetails(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 8, Hosts: 30})
	body := srv.get(t, hostList+"?action=list&details=All&show_tags=1&host_metadata=all").
		body(t, 200)
	readTokens(t, body)
	var p xHostList
	if err := xml.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if p.Response.HostList == nil || len(p.Response.HostList.Hosts) != 30 {
		t.Fatalf("details=All did not list the 30 hosts")
	}
	if p.Response.HostList.Hosts[0].OS == "" {
		t.Errorf("details=All host without OS")
	}
}

func TestHostListProcessedWindowAfterAdvance(t *testing.T) {
	srv := newTestServer(t, FleetConfig{Seed: 8, Hosts: 300})
	old := srv.Now()
	srv.Advance(time.Hour, 0.02)

	params := url.Values{"action": {"list"}, "details": {"None"},
		"vm_processed_after": {old.Format(qualys.TimeLayout)}}
	ids, err := srv.ExpectedIDs(params)
	if err != nil {
		t.Fatalf("ExpectedIDs: %v", err)
	}
	hosts := mustExpected(t, srv, url.Values{"action": {"list"}, "status": {qualys.AllStatuses},
		"show_igs": {"1"}, "include_ignored": {"1"}, "include_disabled": {"1"},
		"vm_processed_after": {old.Format(qualys.TimeLayout)}})
	if len(ids) == 0 || len(ids) != len(hosts) {
		t.Errorf("%d hosts processed since Advance in host list, %d in detections", len(ids),
			len(hosts))
	}
}
