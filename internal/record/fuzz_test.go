package record

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// renders as JSON.
func FuzzDecode(f *testing.F) {
	e := newEncoder(f)
	full := fullHost()
	rec, err := e.Encode(testMeta(), full, &full.Detections[0])
	if err != nil {
		f.Fatal(err)
	}
	h, d := minimal()
	small, err := e.Encode(testMeta(), h, d)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec.Value)
	f.Add(small.Value)
	f.Add([]byte{0xC3, 0x01})

	f.Fuzz(func(t *testing.T, value []byte) {
		native, err := e.Decode(value)
		if err != nil {
			return
		}
		if _, err := JSON(native); err != nil {
			t.Errorf("JSON of a decoded value: %v", err)
		}
	})
}

// TestDecodeHugeArrayCount pins the bug FuzzDecode found: a value claiming
// 2^30 tags made goavro allocate 16 GiB before reading any of them.
func TestDecodeHugeArrayCount(t *testing.T) {
	e := newEncoder(t)
	m := testMeta()
	h, d := minimal()
	without, err := e.Encode(m, h, d)
	if err != nil {
		t.Fatal(err)
	}
	h.Tags = []qualys.Tag{{Name: "x"}}
	with, err := e.Encode(m, h, d)
	if err != nil {
		t.Fatal(err)
	}

	// The first differing byte is the tags block count: 0 against 1.
	i := 0
	for without.Value[i] == with.Value[i] {
		i++
	}
	huge := binary.AppendVarint(bytes.Clone(without.Value[:i]), 1<<30)
	huge = append(huge, without.Value[i+1:]...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := e.Decode(huge); err == nil {
		t.Fatal("Decode accepted 2^30 tags in a short value")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("Decode allocated %d MiB for a %d-byte value", grew>>20, len(huge))
	}
}

// FuzzEncodeDifferential checks that Encode writes the record the goavro
// path writes for detections whose every field value is read from the fuzz
// input (see byteSource): fields gives numbers, flags, times and where in
// strings each string lies. The seeds are random inputs long enough to set
// every field.
func FuzzEncodeDifferential(f *testing.F) {
	direct, oracle := newEncoder(f), newGoavroEncoder(f)
	f.Add([]byte{}, "")
	f.Add(bytes.Repeat([]byte{0xff}, 64), "Re-Opened")
	rng := newRandomSource(1)
	for range 4 {
		fields := make([]byte, 1024)
		for i := range fields {
			fields[i] = byte(rng.r.Uint32())
		}
		f.Add(fields, rng.pieces(200))
	}

	f.Fuzz(func(t *testing.T, fields []byte, strings string) {
		m, h, d := generate(&byteSource{fields: fields, strings: strings})
		checkMatchesGoavro(t, direct, oracle, input{name: "fuzz", m: m, h: h, d: d})
	})
}
