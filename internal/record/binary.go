package record

import (
	"encoding/binary"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// This file writes the Avro binary datum of schemas/detection.avsc straight
// from the qualys structs, because building Native's maps for goavro cost
// ten times the rest of a record. It must write exactly the bytes goavro
// writes for Native: binary_test.go compares the two over fixtures, random
// records and a fuzz target. A change to the schema or to Native needs the
// same change here, field for field, in schema order; the tests fail until
// it is made.

// Branch markers of the ["null", T] unions: the zig-zag encoded index of
// the branch.
const (
	branchNull  = 0x00 // index 0, null
	branchValue = 0x02 // index 1, the value
)

// appendDatum appends the Avro binary datum of Native(m, h, d) to b. The
// caller passes the event ID and the index of the status symbol, which it
// also needs for the key and the headers.
func appendDatum(b []byte, m Meta, eventID string, status int, h *qualys.Host,
	d *qualys.Detection) []byte {
	b = appendString(b, eventID)
	b = appendString(b, m.RunID)
	b = appendTime(b, m.ObservedAt)
	b = appendString(b, m.APIVersion)
	b = appendOptString(b, m.Subscription)

	b = appendHost(b, h)
	return appendDetection(b, d, status)
}

func appendHost(b []byte, h *qualys.Host) []byte {
	b = appendLong(b, h.ID)
	b = appendOptLong(b, h.AssetID)
	b = appendOptString(b, h.IP)
	b = appendOptString(b, h.IPv6)
	b = appendOptString(b, h.TrackingMethod)
	b = appendOptLong(b, h.NetworkID)
	b = appendOptString(b, h.OS)
	b = appendOptString(b, h.OSCPE)
	b = appendOptString(b, h.DNS)
	b = appendOptString(b, h.DNSData.Hostname)
	b = appendOptString(b, h.DNSData.Domain)
	b = appendOptString(b, h.DNSData.FQDN)
	b = appendOptString(b, h.CloudProvider)
	b = appendOptString(b, h.CloudService)
	b = appendOptString(b, h.CloudResourceID)
	b = appendOptString(b, h.EC2InstanceID)
	b = appendOptString(b, h.NetBIOS)
	b = appendOptString(b, h.QGHostID)
	b = appendOptTime(b, h.LastScan)
	b = appendOptTime(b, h.LastVMScanned)
	b = appendOptLong(b, h.LastVMScannedDuration)
	b = appendOptTime(b, h.LastVMAuthScanned)
	b = appendOptLong(b, h.LastVMAuthScannedDuration)
	b = appendOptTime(b, h.LastPCScanned)

	b = appendArray(b, h.Tags, appendTag)
	b = appendArray(b, h.Metadata, appendCloudAttribute)
	return appendArray(b, h.CloudTags, appendCloudTag)
}

func appendTag(b []byte, t *qualys.Tag) []byte {
	b = appendOptLong(b, t.ID)
	b = appendString(b, t.Name)
	b = appendOptString(b, t.Color)
	return appendOptString(b, t.BackgroundColor)
}

func appendCloudAttribute(b []byte, a *qualys.CloudAttribute) []byte {
	b = appendString(b, a.Provider)
	b = appendString(b, a.Name)
	b = appendOptString(b, a.LastStatus)
	b = appendOptString(b, a.Value)
	b = appendOptTime(b, a.LastSuccess)
	b = appendOptTime(b, a.LastErrorDate)
	return appendOptString(b, a.LastError)
}

func appendCloudTag(b []byte, t *qualys.CloudTag) []byte {
	b = appendString(b, t.Name)
	b = appendString(b, t.Value)
	return appendOptTime(b, t.LastSuccess)
}

// appendDetection appends the VulnDetection record. Its 43 fields are
// written by three functions, each taking the next run of fields in schema
// order.
func appendDetection(b []byte, d *qualys.Detection, status int) []byte {
	b = appendOptLong(b, d.UniqueVulnID)
	b = appendLong(b, d.QID)
	b = appendLong(b, int64(symbolIndex(typeSymbols[:], d.Type)))
	b = appendOptInt(b, d.Severity)
	b = appendOptInt(b, d.Port)
	b = appendOptString(b, d.Protocol)
	b = appendOptString(b, d.FQDN)
	b = appendOptBool(b, d.SSL)
	b = appendOptString(b, d.Instance)
	b = appendOptString(b, d.ResultInstance)
	b = appendOptString(b, d.Results)
	b = appendTruncated(b, d.ResultsLength)
	b = appendOptLong(b, d.ResultsLength)
	b = appendLong(b, int64(status))

	b = appendDetectionHistory(b, d)
	return appendDetectionContext(b, d)
}

// appendDetectionHistory appends first_found_at to times_reopened.
func appendDetectionHistory(b []byte, d *qualys.Detection) []byte {
	b = appendOptTime(b, d.FirstFound)
	b = appendOptTime(b, d.LastFound)
	b = appendOptString(b, d.Source)
	b = appendOptInt(b, d.QDS)
	b = appendOptString(b, d.QDSSeverity)
	b = appendArray(b, d.QDSFactors, appendQDSFactor)
	b = appendOptInt(b, d.TimesFound)
	b = appendOptTime(b, d.LastTest)
	b = appendOptTime(b, d.LastUpdate)
	b = appendOptTime(b, d.LastFixed)
	b = appendOptTime(b, d.FirstReopened)
	b = appendOptTime(b, d.LastReopened)
	return appendOptInt(b, d.TimesReopened)
}

// appendDetectionContext appends service to trurisk_elimination_status.
func appendDetectionContext(b []byte, d *qualys.Detection) []byte {
	b = appendOptString(b, d.Service)
	b = appendOptBool(b, d.IsIgnored)
	b = appendOptBool(b, d.IsDisabled)
	b = appendOptBool(b, d.AffectRunningKernel)
	b = appendOptBool(b, d.AffectRunningService)
	b = appendOptBool(b, d.AffectExploitableConfig)
	b = appendOptTime(b, d.LastProcessed)
	b = appendOptString(b, d.AssetCVE)
	b = appendArray(b, d.CVEs, appendStringItem)
	b = appendOptString(b, d.DetectionSources)
	b = appendOptString(b, d.LatestDetectionSource)
	b = appendOptString(b, d.MITRETacticName)
	b = appendOptString(b, d.MITRETechniqueName)
	b = appendOptString(b, d.MITRETacticID)
	b = appendOptString(b, d.MITRETechniqueID)
	return appendOptString(b, d.TruRiskEliminationStatus)
}

func appendQDSFactor(b []byte, f *qualys.QDSFactor) []byte {
	b = appendString(b, f.Name)
	return appendString(b, f.Value)
}

func appendStringItem(b []byte, s *string) []byte {
	return appendString(b, *s)
}

// appendArray appends items as an Avro array. goavro writes blocks of at
// most goavro.MaxBlockCount items, which this package sets to
// maxArrayItems, so an array longer than that takes more than one block
// here too; an empty array is the terminating 0 alone.
func appendArray[T any](b []byte, items []T, item func([]byte, *T) []byte) []byte {
	for len(items) > 0 {
		block := items[:min(len(items), maxArrayItems)]
		items = items[len(block):]

		b = appendLong(b, int64(len(block)))
		for i := range block {
			b = item(b, &block[i])
		}
	}
	return append(b, 0)
}

// appendLong appends an Avro long or int: zig-zag encoded, then written 7
// bits at a time from the lowest, which is what binary.AppendVarint does.
// An int is sign-extended first; its zig-zag value is the same either way.
func appendLong(b []byte, v int64) []byte {
	return binary.AppendVarint(b, v)
}

func appendString(b []byte, s string) []byte {
	b = appendLong(b, int64(len(s)))
	return append(b, s...)
}

// appendTime appends a timestamp-millis. UnixMilli rounds toward the past,
// as Native's truncation to milliseconds does, also before 1970.
func appendTime(b []byte, t time.Time) []byte {
	return appendLong(b, t.UnixMilli())
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// The appendOpt functions write absent values as null exactly where Native
// does: empty strings, zero times and invalid Opt values.

func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, branchNull)
	}
	return appendString(append(b, branchValue), s)
}

func appendOptLong(b []byte, o qualys.Opt[int64]) []byte {
	if !o.Valid {
		return append(b, branchNull)
	}
	return appendLong(append(b, branchValue), o.V)
}

func appendOptInt(b []byte, o qualys.Opt[int32]) []byte {
	if !o.Valid {
		return append(b, branchNull)
	}
	return appendLong(append(b, branchValue), int64(o.V))
}

func appendOptBool(b []byte, o qualys.Opt[bool]) []byte {
	if !o.Valid {
		return append(b, branchNull)
	}
	return appendBool(append(b, branchValue), o.V)
}

func appendOptTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, branchNull)
	}
	return appendTime(append(b, branchValue), t)
}

// appendTruncated appends results_truncated: true when RESULTS was cut,
// which ResultsLength records, else null.
func appendTruncated(b []byte, length qualys.Opt[int64]) []byte {
	if !length.Valid {
		return append(b, branchNull)
	}
	return append(b, branchValue, 1)
}
