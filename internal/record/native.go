package record

import (
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Union branch names of the nullable types in the schema, as goavro names
// them.
const (
	branchString    = "string"
	branchLong      = "long"
	branchInt       = "int"
	branchBoolean   = "boolean"
	branchTimestamp = "long.timestamp-millis"
)

// Native returns the goavro native form of a detection record: a map per
// Avro record, goavro.Union values (a one-entry map keyed by the branch
// type) for present optional fields and nil for absent ones, []any for
// arrays, int32 for int, int64 for long, and time.Time in UTC truncated to
// milliseconds for times. It is exactly what Decode returns for the
// encoded record. Empty strings, zero times and invalid Opt values are
// absent.
func Native(m Meta, h *qualys.Host, d *qualys.Detection) map[string]any {
	return map[string]any{
		"event_id":           EventID(m.Subscription, h, d),
		"run_id":             m.RunID,
		"observed_at":        millis(m.ObservedAt),
		"source_api_version": m.APIVersion,
		"subscription":       optString(m.Subscription),
		"host":               nativeHost(h),
		"detection":          nativeDetection(d),
	}
}

func nativeHost(h *qualys.Host) map[string]any {
	return map[string]any{
		"id":                                    h.ID,
		"asset_id":                              optLong(h.AssetID),
		"ip":                                    optString(h.IP),
		"ipv6":                                  optString(h.IPv6),
		"tracking_method":                       optString(h.TrackingMethod),
		"network_id":                            optLong(h.NetworkID),
		"os":                                    optString(h.OS),
		"os_cpe":                                optString(h.OSCPE),
		"dns":                                   optString(h.DNS),
		"dns_hostname":                          optString(h.DNSData.Hostname),
		"dns_domain":                            optString(h.DNSData.Domain),
		"dns_fqdn":                              optString(h.DNSData.FQDN),
		"cloud_provider":                        optString(h.CloudProvider),
		"cloud_service":                         optString(h.CloudService),
		"cloud_resource_id":                     optString(h.CloudResourceID),
		"ec2_instance_id":                       optString(h.EC2InstanceID),
		"netbios":                               optString(h.NetBIOS),
		"qg_host_id":                            optString(h.QGHostID),
		"last_scan_at":                          optTime(h.LastScan),
		"last_vm_scanned_at":                    optTime(h.LastVMScanned),
		"last_vm_scanned_duration_seconds":      optLong(h.LastVMScannedDuration),
		"last_vm_auth_scanned_at":               optTime(h.LastVMAuthScanned),
		"last_vm_auth_scanned_duration_seconds": optLong(h.LastVMAuthScannedDuration),
		"last_pc_scanned_at":                    optTime(h.LastPCScanned),
		"tags":                                  nativeTags(h.Tags),
		"cloud_metadata":                        nativeMetadata(h.Metadata),
		"cloud_tags":                            nativeCloudTags(h.CloudTags),
	}
}

func nativeTags(tags []qualys.Tag) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = map[string]any{
			"id":               optLong(t.ID),
			"name":             t.Name,
			"color":            optString(t.Color),
			"background_color": optString(t.BackgroundColor),
		}
	}
	return out
}

func nativeMetadata(attrs []qualys.CloudAttribute) []any {
	out := make([]any, len(attrs))
	for i, a := range attrs {
		out[i] = map[string]any{
			"provider":        a.Provider,
			"name":            a.Name,
			"last_status":     optString(a.LastStatus),
			"value":           optString(a.Value),
			"last_success_at": optTime(a.LastSuccess),
			"last_error_at":   optTime(a.LastErrorDate),
			"last_error":      optString(a.LastError),
		}
	}
	return out
}

func nativeCloudTags(tags []qualys.CloudTag) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = map[string]any{
			"name":            t.Name,
			"value":           t.Value,
			"last_success_at": optTime(t.LastSuccess),
		}
	}
	return out
}

func nativeDetection(d *qualys.Detection) map[string]any {
	return map[string]any{
		"unique_vuln_id":             optLong(d.UniqueVulnID),
		"qid":                        d.QID,
		"type":                       detectionType(d.Type),
		"severity":                   optInt(d.Severity),
		"port":                       optInt(d.Port),
		"protocol":                   optString(d.Protocol),
		"fqdn":                       optString(d.FQDN),
		"ssl":                        optBool(d.SSL),
		"instance":                   optString(d.Instance),
		"result_instance":            optString(d.ResultInstance),
		"results":                    optString(d.Results),
		"results_truncated":          truncated(d.ResultsLength),
		"results_length":             optLong(d.ResultsLength),
		"status":                     Status(d),
		"first_found_at":             optTime(d.FirstFound),
		"last_found_at":              optTime(d.LastFound),
		"source":                     optString(d.Source),
		"qds":                        optInt(d.QDS),
		"qds_severity":               optString(d.QDSSeverity),
		"qds_factors":                nativeQDSFactors(d.QDSFactors),
		"times_found":                optInt(d.TimesFound),
		"last_test_at":               optTime(d.LastTest),
		"last_update_at":             optTime(d.LastUpdate),
		"last_fixed_at":              optTime(d.LastFixed),
		"first_reopened_at":          optTime(d.FirstReopened),
		"last_reopened_at":           optTime(d.LastReopened),
		"times_reopened":             optInt(d.TimesReopened),
		"service":                    optString(d.Service),
		"is_ignored":                 optBool(d.IsIgnored),
		"is_disabled":                optBool(d.IsDisabled),
		"affect_running_kernel":      optBool(d.AffectRunningKernel),
		"affect_running_service":     optBool(d.AffectRunningService),
		"affect_exploitable_config":  optBool(d.AffectExploitableConfig),
		"last_processed_at":          optTime(d.LastProcessed),
		"asset_cve":                  optString(d.AssetCVE),
		"cves":                       nativeStrings(d.CVEs),
		"detection_sources":          optString(d.DetectionSources),
		"latest_detection_source":    optString(d.LatestDetectionSource),
		"mitre_tactic_name":          optString(d.MITRETacticName),
		"mitre_technique_name":       optString(d.MITRETechniqueName),
		"mitre_tactic_id":            optString(d.MITRETacticID),
		"mitre_technique_id":         optString(d.MITRETechniqueID),
		"trurisk_elimination_status": optString(d.TruRiskEliminationStatus),
	}
}

func nativeQDSFactors(factors []qualys.QDSFactor) []any {
	out := make([]any, len(factors))
	for i, f := range factors {
		out[i] = map[string]any{"name": f.Name, "value": f.Value}
	}
	return out
}

func nativeStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return goavro.Union(branchString, s)
}

func optLong(o qualys.Opt[int64]) any {
	if !o.Valid {
		return nil
	}
	return goavro.Union(branchLong, o.V)
}

func optInt(o qualys.Opt[int32]) any {
	if !o.Valid {
		return nil
	}
	return goavro.Union(branchInt, o.V)
}

func optBool(o qualys.Opt[bool]) any {
	if !o.Valid {
		return nil
	}
	return goavro.Union(branchBoolean, o.V)
}

func optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return goavro.Union(branchTimestamp, millis(t))
}

// millis returns t as the schema stores it: UTC, millisecond precision.
func millis(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

// truncated is true when RESULTS was cut, else absent.
func truncated(length qualys.Opt[int64]) any {
	if !length.Valid {
		return nil
	}
	return goavro.Union(branchBoolean, true)
}
