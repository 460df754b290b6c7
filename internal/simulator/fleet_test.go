package simulator

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(FleetConfig{Seed: 42, Hosts: 300})
	b := Generate(FleetConfig{Seed: 42, Hosts: 300})
	c := Generate(FleetConfig{Seed: 43, Hosts: 300})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed gave different fleets")
	}
	if reflect.DeepEqual(a.hosts, c.hosts) {
		t.Errorf("different seeds gave the same fleet")
	}

	a.Advance(time.Hour, 0.1)
	b.Advance(time.Hour, 0.1)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed and Advance gave different fleets")
	}
}

// allVisible selects every detection and shows every field.
var allVisible = url.Values{
	"action": {"list"}, "status": {qualys.AllStatuses}, "show_igs": {"1"},
	"include_ignored": {"1"}, "include_disabled": {"1"}, "show_tags": {"1"},
	"show_asset_id": {"1"}, "show_qds": {"1"}, "show_qds_factors": {"1"},
	"show_reopened_info": {"1"}, "host_metadata": {"all"}, "show_cloud_tags": {"1"},
	"vuln_detection_source": {"1"}, "active_kernels_only": {"1"},
}

func TestGenerateInvariants(t *testing.T) {
	start := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
	f := Generate(FleetConfig{Seed: 9, Hosts: 3000, Start: start})
	cfg := DefaultConfig()
	cfg.Fleet = f
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hosts, err := srv.Expected(allVisible)
	if err != nil {
		t.Fatalf("Expected: %v", err)
	}

	latest := start.Add(-time.Hour)
	ids, _ := srv.ExpectedIDs(url.Values{"action": {"list"},
		"vm_processed_before": {latest.Format(qualys.TimeLayout)}})
	if len(ids) != f.Hosts() {
		t.Errorf("%d hosts processed an hour before the clock, want all %d", len(ids), f.Hosts())
	}
	if f.Hosts() != 3000 {
		t.Errorf("Hosts() = %d, want 3000", f.Hosts())
	}
	if len(hosts) >= f.Hosts() {
		t.Errorf("%d hosts listed of %d: hosts without detections must exist", len(hosts), f.Hosts())
	}
	seen := map[string]int{}
	uids := map[int64]bool{}
	var prev int64
	for _, h := range hosts {
		if h.ID <= prev {
			t.Fatalf("host IDs not ascending: %d after %d", h.ID, prev)
		}
		prev = h.ID
		checkHost(t, h, latest, seen)
		for _, d := range h.Detections {
			if uids[d.UniqueVulnID.V] {
				t.Fatalf("UNIQUE_VULN_ID %d repeated", d.UniqueVulnID.V)
			}
			uids[d.UniqueVulnID.V] = true
			checkDetection(t, h.ID, d, latest, seen)
		}
	}

	for _, k := range []string{"IP", "DNS", "NETBIOS", "AGENT", "EC2", "no_ip", "ipv6",
		"EC2_meta", "AZURE_meta", "GOOGLE_meta", "tags", "os_cpe", "no_dns", "qg_hostid",
		"New", "Active", "Fixed", "Re-Opened", "Confirmed", "Potential", "Info",
		"sev1", "sev2", "sev3", "sev4", "sev5", "port", "ssl", "fqdn", "instance", "ignored",
		"disabled", "cve", "mitre", "LOW", "MEDIUM", "HIGH", "CRITICAL", "never_updated",
		"active_fixed_before", "many_detections"} {
		if seen[k] == 0 {
			t.Errorf("fleet has no %s", k)
		}
	}
}

// checkHost checks one host's fields and counts what it has in seen.
func checkHost(t *testing.T, h qualys.Host, latest time.Time, seen map[string]int) {
	t.Helper()
	seen[h.TrackingMethod]++
	flags := map[string]bool{
		"no_ip": h.IP == "", "ipv6": h.IPv6 != "", "tags": len(h.Tags) > 0,
		"os_cpe": h.OSCPE != "", "no_dns": h.DNS == "", "qg_hostid": h.QGHostID != "",
		"many_detections": len(h.Detections) >= 150,
	}
	for k, v := range flags {
		if v {
			seen[k]++
		}
	}
	if len(h.Metadata) > 0 {
		seen[h.Metadata[0].Provider+"_meta"]++
	}
	if !h.AssetID.Valid || !h.LastVMScannedDuration.Valid {
		t.Errorf("host %d without ASSET_ID or scan duration", h.ID)
	}
	for _, tm := range []time.Time{h.LastScan, h.LastVMScanned, h.LastVMAuthScanned,
		h.LastPCScanned} {
		checkTime(t, h.ID, tm, latest)
	}
}

// checkDetection checks one detection's fields and history.
func checkDetection(t *testing.T, hostID int64, d qualys.Detection, latest time.Time,
	seen map[string]int) {
	t.Helper()
	seen[d.Status]++
	seen[d.Type]++
	seen["sev"+string(rune('0'+d.Severity.V))]++
	seen[d.QDSSeverity]++
	flags := map[string]bool{
		"port": d.Port.Valid, "ssl": d.SSL.V, "fqdn": d.FQDN != "", "instance": d.Instance != "",
		"ignored": d.IsIgnored.V, "disabled": d.IsDisabled.V, "cve": len(d.CVEs) > 0,
		"mitre": d.MITRETechniqueID != "", "never_updated": d.LastUpdate.IsZero(),
		"active_fixed_before": d.Status == qualys.StatusActive && !d.LastFixed.IsZero(),
	}
	for k, v := range flags {
		if v {
			seen[k]++
		}
	}

	times := []time.Time{d.FirstFound, d.LastFound, d.LastTest, d.LastUpdate, d.LastFixed,
		d.FirstReopened, d.LastReopened, d.LastProcessed}
	for _, tm := range times {
		checkTime(t, hostID, tm, latest)
	}
	if d.FirstFound.IsZero() || d.LastFound.Before(d.FirstFound) || d.LastTest.Before(d.LastFound) {
		t.Errorf("host %d detection %d: found times out of order", hostID, d.UniqueVulnID.V)
	}
	switch d.Status {
	case qualys.StatusFixed:
		if !d.LastFixed.After(d.LastFound) {
			t.Errorf("host %d detection %d: Fixed at %v, not after last found %v",
				hostID, d.UniqueVulnID.V, d.LastFixed, d.LastFound)
		}
	case qualys.StatusReopened:
		if d.TimesReopened.V < 1 || !d.LastReopened.After(d.LastFixed) {
			t.Errorf("host %d detection %d: Re-Opened without history", hostID, d.UniqueVulnID.V)
		}
	}
	if d.QDS.Valid && d.QDSSeverity != qdsSeverity(uint8(d.QDS.V)) {
		t.Errorf("QDS %d with severity %s", d.QDS.V, d.QDSSeverity)
	}
}

func checkTime(t *testing.T, hostID int64, tm, latest time.Time) {
	t.Helper()
	if tm.IsZero() {
		return
	}
	if tm.After(latest) || tm.Nanosecond() != 0 || tm.Location() != time.UTC {
		t.Errorf("host %d: time %v not UTC whole seconds before %v", hostID, tm, latest)
	}
}

func TestGenerateDefaults(t *testing.T) {
	f := Generate(FleetConfig{})
	if f.Hosts() != 1000 || !f.Now().Equal(DefaultStart) {
		t.Errorf("default fleet: %d hosts at %v", f.Hosts(), f.Now())
	}
	none := Generate(FleetConfig{Hosts: 200, NoDetectionHosts: -1})
	for _, h := range none.hosts {
		if len(h.detections) == 0 {
			t.Fatalf("host %d without detections with NoDetectionHosts < 0", h.ID)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(FleetConfig{Seed: 1, Hosts: 10_000})
	}
	b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "hosts/s")
}
