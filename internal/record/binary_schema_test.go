package record

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/linkedin/goavro/v2"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/schemas"
)

// The tests in this file hold the writer of binary.go to the fields of
// detection.avsc: they fail when the schema gains, loses or reorders a
// field that the writer does not.

// fieldCase sets one field of the schema, named by its path, on a minimal
// record.
type fieldCase struct {
	path string
	set  func(m *Meta, h *qualys.Host, d *qualys.Detection)
}

func onMeta(f func(*Meta)) func(*Meta, *qualys.Host, *qualys.Detection) {
	return func(m *Meta, _ *qualys.Host, _ *qualys.Detection) { f(m) }
}

func onHost(f func(*qualys.Host)) func(*Meta, *qualys.Host, *qualys.Detection) {
	return func(_ *Meta, h *qualys.Host, _ *qualys.Detection) { f(h) }
}

func onDetection(f func(*qualys.Detection)) func(*Meta, *qualys.Host, *qualys.Detection) {
	return func(_ *Meta, _ *qualys.Host, d *qualys.Detection) { f(d) }
}

// fieldCases has one case per field of detection.avsc, each giving its
// field a value no other case gives, so that moving any field changes the
// bytes of some case.
func fieldCases() []fieldCase {
	ts := func(day int) time.Time {
		return time.Date(2001, 2, day, 4, 5, 6, 7_890_123, time.UTC)
	}
	some := qualys.Some[int64]

	cases := []fieldCase{
		// event_id is always written; the other cases change it.
		{"event_id", func(*Meta, *qualys.Host, *qualys.Detection) {}},
		{"run_id", onMeta(func(m *Meta) { m.RunID = "run_id" })},
		{"observed_at", onMeta(func(m *Meta) { m.ObservedAt = ts(1) })},
		{"source_api_version", onMeta(func(m *Meta) { m.APIVersion = "5.0" })},
		{"subscription", onMeta(func(m *Meta) { m.Subscription = "subscription" })},

		{"host.id", onHost(func(h *qualys.Host) { h.ID = -1 << 40 })},
		{"host.asset_id", onHost(func(h *qualys.Host) { h.AssetID = some(3) })},
		{"host.ip", onHost(func(h *qualys.Host) { h.IP = "ip" })},
		{"host.ipv6", onHost(func(h *qualys.Host) { h.IPv6 = "ipv6" })},
		{"host.tracking_method", onHost(func(h *qualys.Host) { h.TrackingMethod = "tm" })},
		{"host.network_id", onHost(func(h *qualys.Host) { h.NetworkID = some(4) })},
		{"host.os", onHost(func(h *qualys.Host) { h.OS = "os" })},
		{"host.os_cpe", onHost(func(h *qualys.Host) { h.OSCPE = "os_cpe" })},
		{"host.dns", onHost(func(h *qualys.Host) { h.DNS = "dns" })},
		{"host.dns_hostname", onHost(func(h *qualys.Host) { h.DNSData.Hostname = "hn" })},
		{"host.dns_domain", onHost(func(h *qualys.Host) { h.DNSData.Domain = "domain" })},
		{"host.dns_fqdn", onHost(func(h *qualys.Host) { h.DNSData.FQDN = "fqdn" })},
		{"host.cloud_provider", onHost(func(h *qualys.Host) { h.CloudProvider = "cp" })},
		{"host.cloud_service", onHost(func(h *qualys.Host) { h.CloudService = "cs" })},
		{"host.cloud_resource_id", onHost(func(h *qualys.Host) { h.CloudResourceID = "cr" })},
		{"host.ec2_instance_id", onHost(func(h *qualys.Host) { h.EC2InstanceID = "ec2" })},
		{"host.netbios", onHost(func(h *qualys.Host) { h.NetBIOS = "netbios" })},
		{"host.qg_host_id", onHost(func(h *qualys.Host) { h.QGHostID = "qg" })},
		{"host.last_scan_at", onHost(func(h *qualys.Host) { h.LastScan = ts(2) })},
		{"host.last_vm_scanned_at", onHost(func(h *qualys.Host) { h.LastVMScanned = ts(3) })},
		{"host.last_vm_scanned_duration_seconds", onHost(func(h *qualys.Host) {
			h.LastVMScannedDuration = some(5)
		})},
		{"host.last_vm_auth_scanned_at", onHost(func(h *qualys.Host) {
			h.LastVMAuthScanned = ts(4)
		})},
		{"host.last_vm_auth_scanned_duration_seconds", onHost(func(h *qualys.Host) {
			h.LastVMAuthScannedDuration = some(6)
		})},
		{"host.last_pc_scanned_at", onHost(func(h *qualys.Host) { h.LastPCScanned = ts(5) })},

		{"host.tags", onHost(func(h *qualys.Host) { h.Tags = make([]qualys.Tag, 2) })},
		{"host.tags[].id", onHost(func(h *qualys.Host) {
			h.Tags = []qualys.Tag{{ID: some(7)}}
		})},
		{"host.tags[].name", onHost(func(h *qualys.Host) {
			h.Tags = []qualys.Tag{{Name: "tag"}}
		})},
		{"host.tags[].color", onHost(func(h *qualys.Host) {
			h.Tags = []qualys.Tag{{Color: "color"}}
		})},
		{"host.tags[].background_color", onHost(func(h *qualys.Host) {
			h.Tags = []qualys.Tag{{BackgroundColor: "bg"}}
		})},

		{"host.cloud_metadata", onHost(func(h *qualys.Host) {
			h.Metadata = make([]qualys.CloudAttribute, 3)
		})},
		{"host.cloud_metadata[].provider", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{Provider: "EC2"}}
		})},
		{"host.cloud_metadata[].name", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{Name: "attr"}}
		})},
		{"host.cloud_metadata[].last_status", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{LastStatus: "Success"}}
		})},
		{"host.cloud_metadata[].value", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{Value: "value"}}
		})},
		{"host.cloud_metadata[].last_success_at", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{LastSuccess: ts(6)}}
		})},
		{"host.cloud_metadata[].last_error_at", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{LastErrorDate: ts(7)}}
		})},
		{"host.cloud_metadata[].last_error", onHost(func(h *qualys.Host) {
			h.Metadata = []qualys.CloudAttribute{{LastError: "err"}}
		})},

		{"host.cloud_tags", onHost(func(h *qualys.Host) {
			h.CloudTags = make([]qualys.CloudTag, 4)
		})},
		{"host.cloud_tags[].name", onHost(func(h *qualys.Host) {
			h.CloudTags = []qualys.CloudTag{{Name: "key"}}
		})},
		{"host.cloud_tags[].value", onHost(func(h *qualys.Host) {
			h.CloudTags = []qualys.CloudTag{{Value: "val"}}
		})},
		{"host.cloud_tags[].last_success_at", onHost(func(h *qualys.Host) {
			h.CloudTags = []qualys.CloudTag{{LastSuccess: ts(8)}}
		})},
	}
	return append(cases, detectionFieldCases(ts)...)
}

func detectionFieldCases(ts func(day int) time.Time) []fieldCase {
	some := qualys.Some[int64]
	some32 := qualys.Some[int32]
	set := onDetection

	return []fieldCase{
		{"detection.unique_vuln_id", set(func(d *qualys.Detection) { d.UniqueVulnID = some(8) })},
		{"detection.qid", set(func(d *qualys.Detection) { d.QID = 1 << 50 })},
		{"detection.type", set(func(d *qualys.Detection) { d.Type = "Potential" })},
		{"detection.severity", set(func(d *qualys.Detection) { d.Severity = some32(5) })},
		{"detection.port", set(func(d *qualys.Detection) { d.Port = some32(443) })},
		{"detection.protocol", set(func(d *qualys.Detection) { d.Protocol = "tcp" })},
		{"detection.fqdn", set(func(d *qualys.Detection) { d.FQDN = "d.fqdn" })},
		{"detection.ssl", set(func(d *qualys.Detection) { d.SSL = qualys.Some(true) })},
		{"detection.instance", set(func(d *qualys.Detection) { d.Instance = "inst" })},
		{"detection.result_instance", set(func(d *qualys.Detection) {
			d.ResultInstance = "ri"
		})},
		{"detection.results", set(func(d *qualys.Detection) { d.Results = "results" })},
		{"detection.results_truncated", set(func(d *qualys.Detection) {
			d.ResultsLength = some(0)
		})},
		{"detection.results_length", set(func(d *qualys.Detection) {
			d.ResultsLength = some(1 << 33)
		})},
		{"detection.status", set(func(d *qualys.Detection) { d.Status = "Re-Opened" })},
		{"detection.first_found_at", set(func(d *qualys.Detection) { d.FirstFound = ts(9) })},
		{"detection.last_found_at", set(func(d *qualys.Detection) { d.LastFound = ts(10) })},
		{"detection.source", set(func(d *qualys.Detection) { d.Source = "source" })},
		{"detection.qds", set(func(d *qualys.Detection) { d.QDS = some32(72) })},
		{"detection.qds_severity", set(func(d *qualys.Detection) { d.QDSSeverity = "HIGH" })},
		{"detection.qds_factors", set(func(d *qualys.Detection) {
			d.QDSFactors = make([]qualys.QDSFactor, 5)
		})},
		{"detection.qds_factors[].name", set(func(d *qualys.Detection) {
			d.QDSFactors = []qualys.QDSFactor{{Name: "CVSS"}}
		})},
		{"detection.qds_factors[].value", set(func(d *qualys.Detection) {
			d.QDSFactors = []qualys.QDSFactor{{Value: "7.5"}}
		})},
		{"detection.times_found", set(func(d *qualys.Detection) { d.TimesFound = some32(17) })},
		{"detection.last_test_at", set(func(d *qualys.Detection) { d.LastTest = ts(11) })},
		{"detection.last_update_at", set(func(d *qualys.Detection) { d.LastUpdate = ts(12) })},
		{"detection.last_fixed_at", set(func(d *qualys.Detection) { d.LastFixed = ts(13) })},
		{"detection.first_reopened_at", set(func(d *qualys.Detection) {
			d.FirstReopened = ts(14)
		})},
		{"detection.last_reopened_at", set(func(d *qualys.Detection) {
			d.LastReopened = ts(15)
		})},
		{"detection.times_reopened", set(func(d *qualys.Detection) {
			d.TimesReopened = some32(-2)
		})},
		{"detection.service", set(func(d *qualys.Detection) { d.Service = "https" })},
		{"detection.is_ignored", set(func(d *qualys.Detection) {
			d.IsIgnored = qualys.Some(true)
		})},
		{"detection.is_disabled", set(func(d *qualys.Detection) {
			d.IsDisabled = qualys.Some(true)
		})},
		{"detection.affect_running_kernel", set(func(d *qualys.Detection) {
			d.AffectRunningKernel = qualys.Some(false)
		})},
		{"detection.affect_running_service", set(func(d *qualys.Detection) {
			d.AffectRunningService = qualys.Some(true)
		})},
		{"detection.affect_exploitable_config", set(func(d *qualys.Detection) {
			d.AffectExploitableConfig = qualys.Some(true)
		})},
		{"detection.last_processed_at", set(func(d *qualys.Detection) {
			d.LastProcessed = ts(16)
		})},
		{"detection.asset_cve", set(func(d *qualys.Detection) { d.AssetCVE = "CVE-1" })},
		{"detection.cves", set(func(d *qualys.Detection) { d.CVEs = []string{"CVE-2", ""} })},
		{"detection.detection_sources", set(func(d *qualys.Detection) {
			d.DetectionSources = "ds"
		})},
		{"detection.latest_detection_source", set(func(d *qualys.Detection) {
			d.LatestDetectionSource = "lds"
		})},
		{"detection.mitre_tactic_name", set(func(d *qualys.Detection) {
			d.MITRETacticName = "tactic"
		})},
		{"detection.mitre_technique_name", set(func(d *qualys.Detection) {
			d.MITRETechniqueName = "technique"
		})},
		{"detection.mitre_tactic_id", set(func(d *qualys.Detection) {
			d.MITRETacticID = "TA0001"
		})},
		{"detection.mitre_technique_id", set(func(d *qualys.Detection) {
			d.MITRETechniqueID = "T1190"
		})},
		{"detection.trurisk_elimination_status", set(func(d *qualys.Detection) {
			d.TruRiskEliminationStatus = "OPEN"
		})},
	}
}

// fieldInputs applies each field case to a minimal record.
func fieldInputs() []input {
	var out []input
	for _, c := range fieldCases() {
		m := Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")}
		h, d := minimal()
		c.set(&m, h, d)
		out = append(out, input{name: c.path, m: m, h: h, d: d})
	}
	return out
}

// schemaFieldPaths returns the path of every field of schema that is not
// itself a record, in schema order: nested fields after a dot, fields of
// array items after "[].".
func schemaFieldPaths(t *testing.T, schema string) []string {
	t.Helper()

	var root map[string]any
	if err := json.Unmarshal([]byte(schema), &root); err != nil {
		t.Fatal(err)
	}
	var paths []string
	var walk func(record map[string]any, prefix string)
	walk = func(record map[string]any, prefix string) {
		for _, f := range record["fields"].([]any) {
			field := f.(map[string]any)
			path := prefix + field["name"].(string)
			typ := field["type"]
			if union, ok := typ.([]any); ok {
				typ = union[len(union)-1]
			}
			def, _ := typ.(map[string]any)
			switch def["type"] {
			case "record":
				walk(def, path+".")
				continue
			case "array":
				paths = append(paths, path)
				if items, ok := def["items"].(map[string]any); ok && items["type"] == "record" {
					walk(items, path+"[].")
				}
				continue
			}
			paths = append(paths, path)
		}
	}
	walk(root, "")
	return paths
}

// TestEncodeCoversEverySchemaField holds the writer to detection.avsc: each
// field of the schema has a case that sets it alone, in schema order, and
// each case encodes as goavro does. A field added to or removed from the
// schema fails here until a case (and the writer) follows; a field moved
// fails the byte comparison of its case.
func TestEncodeCoversEverySchemaField(t *testing.T) {
	var casePaths []string
	for _, c := range fieldCases() {
		casePaths = append(casePaths, c.path)
	}
	if diff := cmp.Diff(schemaFieldPaths(t, schemas.Detection), casePaths); diff != "" {
		t.Errorf("field cases differ from the fields of detection.avsc (-schema +cases):\n%s",
			diff)
	}

	direct, oracle := newEncoder(t), newGoavroEncoder(t)
	for _, in := range fieldInputs() {
		t.Run(in.name, func(t *testing.T) {
			checkMatchesGoavro(t, direct, oracle, in)
		})
	}
}

// TestSchemaChangesFailTheContract proves the contract tests would catch a
// schema that moved on without the writer: for each edit of detection.avsc,
// goavro with the edited schema must write other bytes than Encode for at
// least one of the contract's inputs.
func TestSchemaChangesFailTheContract(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(t *testing.T, root map[string]any)
		wantCaught bool
	}{
		{name: "unchanged", edit: func(*testing.T, map[string]any) {}},
		{name: "swap_host_ip_and_ipv6", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				swapFields(t, root, "host", "ip", "ipv6")
			}},
		{name: "swap_is_ignored_and_is_disabled", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				swapFields(t, root, "detection", "is_ignored", "is_disabled")
			}},
		{name: "swap_tag_color_and_background_color", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				swapFields(t, root, "host.tags", "color", "background_color")
			}},
		{name: "add_optional_host_field", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				insertField(t, root, "host", "os", "asset_group")
			}},
		{name: "add_optional_detection_field_last", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				insertField(t, root, "detection", "", "exploitability")
			}},
		{name: "add_optional_cloud_tag_field", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				insertField(t, root, "host.cloud_tags", "", "source")
			}},
		{name: "remove_host_netbios", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				removeField(t, root, "host", "netbios")
			}},
		{name: "remove_qds_factor_value", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				removeField(t, root, "detection.qds_factors", "value")
			}},
		{name: "reorder_status_symbols", wantCaught: true,
			edit: func(t *testing.T, root map[string]any) {
				fields := schemaRecord(t, root, "detection")["fields"].([]any)
				status := fields[fieldIndex(t, fields, "status")].(map[string]any)
				syms := status["type"].(map[string]any)["symbols"].([]any)
				syms[0], syms[1] = syms[1], syms[0]
			}},
	}

	direct := newEncoder(t)
	inputs := slices.Concat(fixtureInputs(), fieldInputs(), randomInputs(1, 50))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root map[string]any
			if err := json.Unmarshal([]byte(schemas.Detection), &root); err != nil {
				t.Fatal(err)
			}
			tt.edit(t, root)
			edited, err := json.Marshal(root)
			if err != nil {
				t.Fatal(err)
			}
			codec, err := goavro.NewCodec(string(edited))
			if err != nil {
				t.Fatalf("edited schema: %v", err)
			}

			caught := ""
			for _, in := range inputs {
				want, err := codec.BinaryFromNative(nil, Native(in.m, in.h, in.d))
				if err != nil {
					t.Fatalf("%s: goavro with the edited schema: %v", in.name, err)
				}
				got, err := direct.Encode(in.m, in.h, in.d)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Value[len(direct.prefix):], want) {
					caught = in.name
					break
				}
			}
			if gotCaught := caught != ""; gotCaught != tt.wantCaught {
				t.Errorf("caught = %v (first by %q), want %v", gotCaught, caught, tt.wantCaught)
			}
		})
	}
}

// schemaRecord returns the definition of the record at path: "" for the
// top level, field names joined by dots, through arrays to their items.
func schemaRecord(t *testing.T, root map[string]any, path string) map[string]any {
	t.Helper()

	record := root
	for name := range strings.SplitSeq(path, ".") {
		if name == "" {
			continue
		}
		fields := record["fields"].([]any)
		field := fields[fieldIndex(t, fields, name)].(map[string]any)
		def := field["type"].(map[string]any)
		if def["type"] == "array" {
			def = def["items"].(map[string]any)
		}
		record = def
	}
	return record
}

func fieldIndex(t *testing.T, fields []any, name string) int {
	t.Helper()

	i := slices.IndexFunc(fields, func(f any) bool {
		return f.(map[string]any)["name"] == name
	})
	if i < 0 {
		t.Fatalf("no field %s in the schema", name)
	}
	return i
}

func swapFields(t *testing.T, root map[string]any, path, a, b string) {
	t.Helper()

	fields := schemaRecord(t, root, path)["fields"].([]any)
	i, j := fieldIndex(t, fields, a), fieldIndex(t, fields, b)
	fields[i], fields[j] = fields[j], fields[i]
}

// insertField adds an optional string field called name before the field
// called before, or last when before is empty.
func insertField(t *testing.T, root map[string]any, path, before, name string) {
	t.Helper()

	record := schemaRecord(t, root, path)
	fields := record["fields"].([]any)
	i := len(fields)
	if before != "" {
		i = fieldIndex(t, fields, before)
	}
	field := map[string]any{"name": name, "type": []any{"null", "string"}, "default": nil}
	record["fields"] = slices.Insert(fields, i, any(field))
}

func removeField(t *testing.T, root map[string]any, path, name string) {
	t.Helper()

	record := schemaRecord(t, root, path)
	fields := record["fields"].([]any)
	i := fieldIndex(t, fields, name)
	record["fields"] = slices.Delete(fields, i, i+1)
}
