package record

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// source supplies the field values of a generated record: randomSource for
// the seeded random tests, byteSource for FuzzEncodeDifferential. Each
// method is free to return the absent value (empty, zero, invalid).
type source interface {
	text() string
	word(words []string) string
	long() int64
	int32() int32
	flag() bool
	count() int
	time() time.Time
}

// apiWords are status and type words: the API's own, spellings that
// normalize to them, and words that map to UNKNOWN.
var apiWords = []string{
	"New", "Active", "Fixed", "Re-Opened", "REOPENED", "re opened", "Re_Opened",
	" active ", "\tNew\n", "\u00a0Fixed\u2003", "nEw", "N\tew", "NEW!", "Closed", "-", "",
	"Confirmed", "Potential", "Info", "INFO ", "c-o-n-f-i-r-m-e-d", "Practice",
	"ınfo", "İnfo", "ſource", "Ｎew", "\xffNew", "New\ufffd", "UNKNOWN", "unknown",
	"reopenedreopenedreopened", "Re-Opened-Re-Opened",
}

// generate returns a record whose every field comes from s, in a fixed
// order, so that the same source gives the same record. The meta is always
// one that Encode accepts.
func generate(s source) (Meta, *qualys.Host, *qualys.Detection) {
	m := Meta{
		RunID:        s.text(),
		Subscription: s.text(),
		APIVersion:   s.text(),
		ObservedAt:   s.time(),
	}
	if m.RunID == "" {
		m.RunID = "r"
	}
	if m.ObservedAt.IsZero() {
		m.ObservedAt = time.Unix(0, 0)
	}

	return m, generateHost(s), generateDetection(s)
}

func generateHost(s source) *qualys.Host {
	return &qualys.Host{
		ID: s.long(), AssetID: someLong(s), IP: s.text(), IPv6: s.text(),
		TrackingMethod: s.text(), NetworkID: someLong(s), OS: s.text(), OSCPE: s.text(),
		DNS: s.text(),
		DNSData: qualys.DNSData{
			Hostname: s.text(), Domain: s.text(), FQDN: s.text(),
		},
		CloudProvider: s.text(), CloudService: s.text(), CloudResourceID: s.text(),
		EC2InstanceID: s.text(), NetBIOS: s.text(), QGHostID: s.text(),
		LastScan: s.time(), LastVMScanned: s.time(), LastVMScannedDuration: someLong(s),
		LastVMAuthScanned: s.time(), LastVMAuthScannedDuration: someLong(s),
		LastPCScanned: s.time(),
		Tags: generateSlice(s, func() qualys.Tag {
			return qualys.Tag{
				ID: someLong(s), Name: s.text(), Color: s.text(), BackgroundColor: s.text(),
			}
		}),
		Metadata: generateSlice(s, func() qualys.CloudAttribute {
			return qualys.CloudAttribute{
				Provider: s.text(), Name: s.text(), LastStatus: s.text(), Value: s.text(),
				LastSuccess: s.time(), LastErrorDate: s.time(), LastError: s.text(),
			}
		}),
		CloudTags: generateSlice(s, func() qualys.CloudTag {
			return qualys.CloudTag{Name: s.text(), Value: s.text(), LastSuccess: s.time()}
		}),
	}
}

func generateDetection(s source) *qualys.Detection {
	d := &qualys.Detection{
		UniqueVulnID: someLong(s), QID: s.long(), Type: s.word(apiWords),
		Severity: someInt(s), Port: someInt(s), Protocol: s.text(), FQDN: s.text(),
		SSL: someBool(s), Instance: s.text(), ResultInstance: s.text(), Results: s.text(),
		ResultsLength: someLong(s), Status: s.word(apiWords),
		FirstFound: s.time(), LastFound: s.time(), Source: s.text(), QDS: someInt(s),
		QDSSeverity: s.text(),
		QDSFactors: generateSlice(s, func() qualys.QDSFactor {
			return qualys.QDSFactor{Name: s.text(), Value: s.text()}
		}),
		TimesFound: someInt(s), LastTest: s.time(), LastUpdate: s.time(),
		LastFixed: s.time(), FirstReopened: s.time(), LastReopened: s.time(),
		TimesReopened: someInt(s), Service: s.text(),
		IsIgnored: someBool(s), IsDisabled: someBool(s), AffectRunningKernel: someBool(s),
		AffectRunningService: someBool(s), AffectExploitableConfig: someBool(s),
		LastProcessed: s.time(), AssetCVE: s.text(),
		CVEs:             generateSlice(s, s.text),
		DetectionSources: s.text(), LatestDetectionSource: s.text(),
		MITRETacticName: s.text(), MITRETechniqueName: s.text(),
		MITRETacticID: s.text(), MITRETechniqueID: s.text(),
		TruRiskEliminationStatus: s.text(),
	}
	return d
}

func generateSlice[T any](s source, one func() T) []T {
	n := s.count()
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		out[i] = one()
	}
	return out
}

func someLong(s source) qualys.Opt[int64] {
	if !s.flag() {
		return qualys.Opt[int64]{}
	}
	return qualys.Some(s.long())
}

func someInt(s source) qualys.Opt[int32] {
	if !s.flag() {
		return qualys.Opt[int32]{}
	}
	return qualys.Some(s.int32())
}

func someBool(s source) qualys.Opt[bool] {
	if !s.flag() {
		return qualys.Opt[bool]{}
	}
	return qualys.Some(s.flag())
}

// randomSource draws values that reach the edges of the encoding: empty
// and multi-kilobyte strings (lengths of one, two and three varint bytes),
// unicode, U+FFFD and invalid UTF-8, varint boundaries and the extremes of
// int32 and int64, times before 1970 and with sub-millisecond parts, and
// arrays of hundreds of items.
type randomSource struct {
	r *rand.Rand
}

func newRandomSource(seed uint64) *randomSource {
	return &randomSource{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

var textPieces = []string{
	"a", "Z", "0", " ", "|", `\`, "<", "&", "\n", "\t", "é", "日本", "\U0001F600", "\ufffd",
	"\x00", "\xff", "\xc3", "CVE-2024-0001", "Re-Opened",
}

func (s *randomSource) text() string {
	switch n := s.r.IntN(40); {
	case n < 12:
		return ""
	case n < 16:
		// Lengths either side of the one- and two-byte varint boundaries.
		return strings.Repeat("x", s.r.IntN(3)*127+s.r.IntN(3))
	case n == 16:
		// Up to 80,000 bytes: a long RESULTS, past a two-byte length.
		return s.pieces(s.r.IntN(20_000))
	}
	return s.pieces(1 + s.r.IntN(12))
}

func (s *randomSource) pieces(n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(textPieces[s.r.IntN(len(textPieces))])
	}
	return b.String()
}

func (s *randomSource) word(words []string) string {
	if s.r.IntN(4) == 0 {
		return s.text()
	}
	return words[s.r.IntN(len(words))]
}

func (s *randomSource) long() int64 {
	switch s.r.IntN(8) {
	case 0:
		return 0
	case 1:
		return s.r.Int64N(200) - 100
	case 2:
		return []int64{math.MinInt64, math.MaxInt64, -1, 63, 64, -64, -65}[s.r.IntN(7)]
	case 3:
		// Around a varint boundary: ±2^(7k).
		v := int64(1) << (7 * (1 + s.r.IntN(8)))
		return (v - 1 + s.r.Int64N(3)) * (1 - 2*s.r.Int64N(2))
	}
	return int64(s.r.Uint64())
}

func (s *randomSource) int32() int32 {
	switch s.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return int32(s.r.IntN(200) - 100)
	case 2:
		return []int32{math.MinInt32, math.MaxInt32, -1, 443}[s.r.IntN(4)]
	}
	return int32(s.r.Uint32())
}

func (s *randomSource) flag() bool {
	return s.r.IntN(2) == 0
}

func (s *randomSource) count() int {
	switch s.r.IntN(20) {
	case 0:
		return 100 + s.r.IntN(200)
	case 1, 2, 3, 4, 5, 6, 7:
		return 0
	}
	return 1 + s.r.IntN(4)
}

var zones = []*time.Location{
	time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("west", -11*3600),
}

func (s *randomSource) time() time.Time {
	var t time.Time
	switch s.r.IntN(8) {
	case 0, 1, 2:
		return time.Time{}
	case 3:
		// Either side of 1970 by under a second: millisecond floor cases.
		t = time.Unix(s.r.Int64N(3)-2, s.r.Int64N(1e9))
	case 4:
		edges := []time.Time{
			time.Time{}.Add(time.Nanosecond),
			time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
			time.Date(1600, 1, 1, 0, 0, 0, 1, time.UTC),
			time.Now(),
		}
		t = edges[s.r.IntN(len(edges))]
	default:
		// Years 1653 to 2286, with nanoseconds.
		t = time.Unix(s.r.Int64N(2e10)-1e10, s.r.Int64N(1e9))
	}
	return t.In(zones[s.r.IntN(len(zones))])
}

// byteSource reads field values from fuzz input: numbers, flags and times
// from fields, a few bytes each, and strings as slices of strings, so that
// long strings do not use up the input before the last fields. Once fields
// runs out every value is the absent one.
type byteSource struct {
	fields  []byte
	strings string
}

func (s *byteSource) take(n int) []byte {
	n = min(n, len(s.fields))
	b := s.fields[:n]
	s.fields = s.fields[n:]
	return b
}

func (s *byteSource) byte() byte {
	if b := s.take(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

// uint reads an n-byte little-endian number, zero-padded past the end.
func (s *byteSource) uint(n int) uint64 {
	var buf [8]byte
	copy(buf[:], s.take(n))
	return binary.LittleEndian.Uint64(buf[:])
}

// text reads a length byte and a two-byte offset into s.strings: length 0
// is the empty string, 255 the rest of s.strings from the offset, others
// up to 63 bytes (most fields are short, and short records fuzz faster).
func (s *byteSource) text() string {
	n := int(s.byte())
	from := int(s.uint(2)) % (len(s.strings) + 1)
	switch n {
	case 0:
		return ""
	case 255:
		return s.strings[from:]
	}
	return s.strings[from:min(len(s.strings), from+n%64)]
}

func (s *byteSource) word(words []string) string {
	if i := int(s.byte()); i < len(words) {
		return words[i]
	}
	return s.text()
}

func (s *byteSource) long() int64 {
	return int64(s.uint(8))
}

func (s *byteSource) int32() int32 {
	return int32(uint32(s.uint(4)))
}

func (s *byteSource) flag() bool {
	return s.byte()&1 == 1
}

func (s *byteSource) count() int {
	return int(s.byte() % 8)
}

// time reads a marker byte, zero for the zero time, then seconds and
// nanoseconds since 1970 and a zone.
func (s *byteSource) time() time.Time {
	if s.byte() == 0 {
		return time.Time{}
	}
	sec := s.long()
	nsec := int64(s.uint(4) % 1e9)
	return time.Unix(sec, nsec).In(zones[int(s.byte())%len(zones)])
}
