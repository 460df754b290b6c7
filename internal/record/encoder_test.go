package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/linkedin/goavro/v2"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func newEncoder(t testing.TB) *Encoder {
	t.Helper()

	e, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	minHost, minDet := minimal()
	full := fullHost()
	tests := []struct {
		name       string
		meta       Meta
		h          *qualys.Host
		d          *qualys.Detection
		wantKey    string
		wantStatus string
	}{
		{
			name: "full", meta: testMeta(), h: full, d: &full.Detections[0],
			wantKey:    `acme-eu|123456|38170|443|tcp|1|www.example.com|ora\|cle\\1`,
			wantStatus: StatusReopened,
		},
		{
			name: "minimal", meta: Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")},
			h: minHost, d: minDet,
			wantKey:    "|1|2|||0||",
			wantStatus: StatusUnknown,
		},
	}

	e := newEncoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := e.Encode(tt.meta, tt.h, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Decode(rec.Value)
			if err != nil {
				t.Fatal(err)
			}

			if diff := cmp.Diff(Native(tt.meta, tt.h, tt.d), got); diff != "" {
				t.Errorf("Decode(Encode) differs from Native (-want +got):\n%s", diff)
			}
			if string(rec.Key) != tt.wantKey {
				t.Errorf("Key = %q, want %q", rec.Key, tt.wantKey)
			}
			if rec.Status != tt.wantStatus || rec.HostID != tt.h.ID || rec.QID != tt.d.QID {
				t.Errorf("record status, host, qid = %s, %d, %d; want %s, %d, %d",
					rec.Status, rec.HostID, rec.QID, tt.wantStatus, tt.h.ID, tt.d.QID)
			}
			if want := EventID(tt.meta.Subscription, tt.h, tt.d); rec.EventID != want ||
				got["event_id"] != want {
				t.Errorf("EventID = %q, value event_id = %v, want %q",
					rec.EventID, got["event_id"], want)
			}
		})
	}
}

func TestNativeMinimalIsAllNull(t *testing.T) {
	h, d := minimal()
	n := Native(Meta{RunID: "r"}, h, d)

	host := n["host"].(map[string]any)
	for k, v := range host {
		switch k {
		case "id":
		case "tags", "cloud_metadata", "cloud_tags":
			if len(v.([]any)) != 0 {
				t.Errorf("host.%s = %v, want empty", k, v)
			}
		default:
			if v != nil {
				t.Errorf("host.%s = %v, want nil", k, v)
			}
		}
	}
	if n["subscription"] != nil {
		t.Errorf("subscription = %v, want nil", n["subscription"])
	}
}

func TestEncodeHeaders(t *testing.T) {
	e := newEncoder(t)
	full := fullHost()

	rec, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	for _, h := range rec.Headers {
		got[h.Key] = string(h.Value)
	}
	want := map[string]string{
		"status":  "REOPENED",
		"host_id": "123456",
		"qid":     "38170",
		"run_id":  "run-2024-06-01T10:00:00Z",
		"content-type": fmt.Sprintf("application/vnd.apache.avro+binary; encoding=single-object; "+
			"schema=com.qualys2kafka.vm.Detection; fingerprint=%016x", e.Fingerprint()),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestEncodeRejectsIncompleteMeta(t *testing.T) {
	e := newEncoder(t)
	h, d := minimal()

	for name, m := range map[string]Meta{
		"no_run_id":      {ObservedAt: at("2024-06-01T00:00:00Z")},
		"no_observed_at": {RunID: "r"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.Encode(m, h, d); err == nil {
				t.Error("Encode succeeded, want an error")
			}
		})
	}
}

// TestSingleObjectHeader checks the value framing byte by byte, with an
// independent CRC-64-AVRO of the canonical schema.
func TestSingleObjectHeader(t *testing.T) {
	e := newEncoder(t)
	h, d := minimal()

	rec, err := e.Encode(Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")}, h, d)
	if err != nil {
		t.Fatal(err)
	}

	if !bytes.HasPrefix(rec.Value, []byte{0xC3, 0x01}) {
		t.Fatalf("value starts % x, want c3 01", rec.Value[:2])
	}
	want := crc64Avro([]byte(e.codec.CanonicalSchema()))
	if got := binary.LittleEndian.Uint64(rec.Value[2:10]); got != want {
		t.Errorf("fingerprint in value = %016x, want %016x", got, want)
	}
	if e.Fingerprint() != want {
		t.Errorf("Fingerprint() = %016x, want %016x", e.Fingerprint(), want)
	}
}

// crc64Avro is the fingerprint algorithm of the Avro specification.
func crc64Avro(b []byte) uint64 {
	const empty = 0xc15d213aa4d7a795
	var table [256]uint64
	for i := range table {
		fp := uint64(i)
		for range 8 {
			fp = (fp >> 1) ^ (empty & -(fp & 1))
		}
		table[i] = fp
	}

	fp := uint64(empty)
	for _, c := range b {
		fp = (fp >> 8) ^ table[byte(fp)^c]
	}
	return fp
}

func TestDecodeErrors(t *testing.T) {
	e := newEncoder(t)
	h, d := minimal()
	rec, err := e.Encode(Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")}, h, d)
	if err != nil {
		t.Fatal(err)
	}

	otherSchema := bytes.Clone(rec.Value)
	otherSchema[2] ^= 0xff
	tests := []struct {
		name     string
		value    []byte
		wantText string
	}{
		{name: "empty", value: nil, wantText: "not avro single-object encoding"},
		{name: "confluent_magic", value: append([]byte{0, 0, 0, 0, 1}, rec.Value[10:]...),
			wantText: "not avro single-object encoding"},
		{name: "other_fingerprint", value: otherSchema,
			wantText: "value written with schema fingerprint"},
		{name: "truncated", value: rec.Value[:len(rec.Value)-3], wantText: "avro binary"},
		{name: "trailing_bytes", value: append(bytes.Clone(rec.Value), 0), wantText: "bytes after"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Decode(tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Decode error = %v, want one containing %q", err, tt.wantText)
			}
		})
	}

	t.Run("mismatch_is_typed", func(t *testing.T) {
		_, err := e.Decode(otherSchema)
		var mismatch *SchemaMismatchError
		if !errors.As(err, &mismatch) || mismatch.Want != e.Fingerprint() {
			t.Errorf("Decode error = %v, want a *SchemaMismatchError", err)
		}
	})
}

// confluentStub is the Confluent wire format with a fixed schema ID: it
// proves that a registry mode fits behind Framing.
type confluentStub struct{ id uint32 }

func (f confluentStub) AppendValue(dst []byte, c *goavro.Codec, native any) ([]byte, error) {
	dst = binary.BigEndian.AppendUint32(append(dst, 0), f.id)
	return c.BinaryFromNative(dst, native)
}

func (f confluentStub) NativeFromValue(c *goavro.Codec, value []byte) (any, error) {
	if len(value) < 5 || value[0] != 0 || binary.BigEndian.Uint32(value[1:]) != f.id {
		return nil, errors.New("not schema id 7")
	}
	native, _, err := c.NativeFromBinary(value[5:])
	return native, err
}

func (f confluentStub) ContentType(*goavro.Codec) string {
	return "application/vnd.confluent.avro"
}

func TestFramingSeam(t *testing.T) {
	e, err := NewEncoderFraming(confluentStub{id: 7})
	if err != nil {
		t.Fatal(err)
	}
	full := fullHost()

	rec, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(rec.Value, []byte{0, 0, 0, 0, 7}) {
		t.Errorf("value starts % x, want 00 00 00 00 07", rec.Value[:5])
	}
	got, err := e.Decode(rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Native(testMeta(), full, &full.Detections[0]), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestEncodeConcurrent(t *testing.T) {
	e := newEncoder(t)
	full := fullHost()
	want, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got, err := e.Encode(testMeta(), full, &full.Detections[0])
				if err != nil || !bytes.Equal(got.Value, want.Value) {
					t.Errorf("concurrent Encode differs (err %v)", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestJSONGolden(t *testing.T) {
	e := newEncoder(t)
	full := fullHost()
	rec, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		t.Fatal(err)
	}
	native, err := e.Decode(rec.Value)
	if err != nil {
		t.Fatal(err)
	}

	got, err := JSON(native)
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := jsonIndent(&indented, got); err != nil {
		t.Fatal(err)
	}

	golden := filepath.Join("testdata", "detection.json")
	if *update {
		if err := os.WriteFile(golden, indented.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), indented.String()); diff != "" {
		t.Errorf("JSON differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestJSONMinimal(t *testing.T) {
	h, d := minimal()
	got, err := JSON(Native(Meta{RunID: "r", ObservedAt: at("2024-06-01T00:00:00Z")}, h, d))
	if err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{`"observed_at":"2024-06-01T00:00:00Z"`, `"ip":null`,
		`"tags":[]`, `"status":"UNKNOWN"`, `"qid":2`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("JSON lacks %s:\n%s", want, got)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	full := fullHost()
	benchmarkEncode(b, newEncoder(b), full, &full.Detections[0])
}

func BenchmarkEncodeMinimal(b *testing.B) {
	h, d := minimal()
	benchmarkEncode(b, newEncoder(b), h, d)
}

// BenchmarkEncodeGoavro is BenchmarkEncode through the goavro path that
// Encode replaced (Native, then goavro), so that one run measures both.
func BenchmarkEncodeGoavro(b *testing.B) {
	full := fullHost()
	benchmarkEncode(b, newGoavroEncoder(b), full, &full.Detections[0])
}

func BenchmarkEncodeGoavroMinimal(b *testing.B) {
	h, d := minimal()
	benchmarkEncode(b, newGoavroEncoder(b), h, d)
}

func benchmarkEncode(b *testing.B, e *Encoder, h *qualys.Host, d *qualys.Detection) {
	m := testMeta()

	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec, err := e.Encode(m, h, d)
		if err != nil {
			b.Fatal(err)
		}
		size = len(rec.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(size), "value_bytes")
}

func jsonIndent(dst *bytes.Buffer, src []byte) error {
	if err := json.Indent(dst, src, "", "  "); err != nil {
		return err
	}
	dst.WriteByte('\n')
	return nil
}
