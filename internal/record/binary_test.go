package record

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// The tests in this file are the contract of binary.go: for every input,
// Encode must return the record the goavro path returns (Native, then
// goavro's SingleFromNative), the value byte for byte.

// goavroPath frames values as SingleObject does, but is another type, so an
// Encoder built with it takes the goavro path. It is the oracle.
type goavroPath struct{ SingleObject }

func newGoavroEncoder(t testing.TB) *Encoder {
	t.Helper()

	e, err := NewEncoderFraming(goavroPath{})
	if err != nil {
		t.Fatal(err)
	}
	if e.direct {
		t.Fatal("the goavro path encoder writes values directly")
	}
	return e
}

// input is one detection to encode.
type input struct {
	name string
	m    Meta
	h    *qualys.Host
	d    *qualys.Detection
}

// checkMatchesGoavro reports whether direct and oracle encode in the same
// record, failing t with where and how they differ when not.
func checkMatchesGoavro(t testing.TB, direct, oracle *Encoder, in input) bool {
	t.Helper()

	want, err := oracle.Encode(in.m, in.h, in.d)
	if err != nil {
		t.Fatalf("%s: goavro path: %v", in.name, err)
	}
	got, err := direct.Encode(in.m, in.h, in.d)
	if err != nil {
		t.Fatalf("%s: Encode: %v", in.name, err)
	}

	if !bytes.Equal(got.Value, want.Value) {
		t.Errorf("%s: value differs from goavro's: %s", in.name,
			describeDiff(oracle, got.Value, want.Value, Native(in.m, in.h, in.d)))
		return false
	}
	// cmp reports the difference; it is too slow to look for one in every
	// record of a fuzz run, and to walk a []byte element by element.
	if !sameRecord(got, want) {
		diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal))
		t.Errorf("%s: record differs from the goavro path's (-want +got):\n%s", in.name, diff)
		return false
	}
	return true
}

func sameRecord(a, b Record) bool {
	same := bytes.Equal(a.Key, b.Key) && bytes.Equal(a.Value, b.Value) &&
		len(a.Headers) == len(b.Headers) && a.Status == b.Status &&
		a.EventID == b.EventID && a.HostID == b.HostID && a.QID == b.QID
	for i := 0; same && i < len(a.Headers); i++ {
		same = a.Headers[i].Key == b.Headers[i].Key &&
			bytes.Equal(a.Headers[i].Value, b.Headers[i].Value)
	}
	return same
}

// describeDiff says where got first differs from want and, when goavro
// can decode got, which fields differ from the native form.
func describeDiff(oracle *Encoder, got, want []byte, native map[string]any) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-8)
	msg := fmt.Sprintf("first at byte %d (got %d bytes, want %d)\n got ...% x\nwant ...% x",
		i, len(got), len(want), got[from:min(len(got), i+8)], want[from:min(len(want), i+8)])

	decoded, err := oracle.Decode(got)
	if err != nil {
		return msg + "\ngoavro cannot decode got: " + err.Error()
	}
	return msg + "\ndecoded got against Native (-want +got):\n" + cmp.Diff(native, decoded)
}

// fixtureInputs are the hosts of fixture_test.go, whole and mixed.
func fixtureInputs() []input {
	full, minHost := fullHost(), &qualys.Host{ID: 1}
	minMeta := Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")}
	noSubscription := testMeta()
	noSubscription.Subscription = ""

	return []input{
		{name: "full", m: testMeta(), h: full, d: &full.Detections[0]},
		{name: "full_minimal_meta", m: minMeta, h: full, d: &full.Detections[0]},
		{name: "full_no_subscription", m: noSubscription, h: full, d: &full.Detections[0]},
		{name: "minimal", m: minMeta, h: minHost, d: &qualys.Detection{QID: 2}},
		{name: "minimal_test_meta", m: testMeta(), h: minHost, d: &qualys.Detection{QID: 2}},
		{name: "full_host_minimal_detection", m: testMeta(), h: full,
			d: &qualys.Detection{QID: 2}},
		{name: "minimal_host_full_detection", m: testMeta(), h: minHost, d: fullDetection()},
	}
}

// randomInputs are n records from seeds first to first+n-1, each named by
// its seed so that a failure can be replayed.
func randomInputs(first uint64, n int) []input {
	out := make([]input, n)
	for i := range out {
		seed := first + uint64(i)
		m, h, d := generate(newRandomSource(seed))
		out[i] = input{name: fmt.Sprintf("seed_%d", seed), m: m, h: h, d: d}
	}
	return out
}

func TestEncodeMatchesGoavroOnFixtures(t *testing.T) {
	direct, oracle := newEncoder(t), newGoavroEncoder(t)

	for _, in := range fixtureInputs() {
		t.Run(in.name, func(t *testing.T) {
			checkMatchesGoavro(t, direct, oracle, in)
		})
	}
}

func TestEncodeMatchesGoavroOnRandomRecords(t *testing.T) {
	direct, oracle := newEncoder(t), newGoavroEncoder(t)
	n := 1000
	if testing.Short() {
		n = 100
	}

	failures := 0
	for _, in := range randomInputs(1, n) {
		if !checkMatchesGoavro(t, direct, oracle, in) {
			failures++
		}
		if failures == 3 {
			t.Fatal("stopping after 3 differing records")
		}
	}
}

// TestEncodeSplitsLongArraysLikeGoavro pins that arrays longer than
// goavro's block limit are written in the same blocks goavro writes, and
// that the value still decodes.
func TestEncodeSplitsLongArraysLikeGoavro(t *testing.T) {
	direct, oracle := newEncoder(t), newGoavroEncoder(t)
	h, d := minimal()
	d.CVEs = make([]string, 2*maxArrayItems+1)
	for i := range d.CVEs {
		d.CVEs[i] = fmt.Sprintf("CVE-%d", i)
	}
	h.Tags = make([]qualys.Tag, maxArrayItems)

	in := input{name: "long_arrays", m: testMeta(), h: h, d: d}
	if !checkMatchesGoavro(t, direct, oracle, in) {
		return
	}
	rec, err := direct.Encode(in.m, in.h, in.d)
	if err != nil {
		t.Fatal(err)
	}
	native, err := direct.Decode(rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	cves := native["detection"].(map[string]any)["cves"].([]any)
	if len(cves) != len(d.CVEs) || cves[len(cves)-1] != d.CVEs[len(d.CVEs)-1] {
		t.Errorf("decoded %d CVEs, last %v; want %d, last %s",
			len(cves), cves[len(cves)-1], len(d.CVEs), d.CVEs[len(d.CVEs)-1])
	}
}

// TestSymbolIndexMatchesNormalize holds the allocation-free lookup of
// status and type words to Status and detectionType, which Native uses.
func TestSymbolIndexMatchesNormalize(t *testing.T) {
	words := slices.Concat(apiWords, []string{
		"fixedfixedfixedfixed", "F i x e d", "__new__", "\u0130nfo", "newﬀ",
		"ACTIVE\x00", "\x00ACTIVE", "re\u00adopened", "nEW\u200b",
		strings.Repeat("-", 40) + "New", strings.Repeat("x", 40), strings.Repeat("ı", 40),
	})

	for _, w := range words {
		d := &qualys.Detection{Status: w}
		if got, want := statusSymbols[symbolIndex(statusSymbols[:], w)], Status(d); got != want {
			t.Errorf("status of %q = %s, want %s", w, got, want)
		}
		got, want := typeSymbols[symbolIndex(typeSymbols[:], w)], detectionType(w)
		if got != want {
			t.Errorf("type of %q = %s, want %s", w, got, want)
		}
	}
}

// TestEncodeAllocations pins the cost that makes 100,000 records a second
// possible: the record buffer, its header list and the event ID string.
func TestEncodeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	e := newEncoder(t)
	full := fullHost()
	m := testMeta()

	allocs := testing.AllocsPerRun(100, func() {
		if _, err := e.Encode(m, full, &full.Detections[0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 3 {
		t.Errorf("Encode allocates %v times per record, want at most 3", allocs)
	}
}

// TestEncodePartsDoNotOverlap checks that appending to the key or to a
// header value of a record, whose bytes share one allocation, leaves the
// other parts alone.
func TestEncodePartsDoNotOverlap(t *testing.T) {
	e := newEncoder(t)
	full := fullHost()
	rec, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}

	_ = append(rec.Key, "XXXXXXXX"...)
	for _, h := range rec.Headers {
		_ = append(h.Value, "XXXXXXXX"...)
	}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("record changed by appending to its parts (-want +got):\n%s", diff)
	}
}
