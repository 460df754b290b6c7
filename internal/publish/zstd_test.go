package publish

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go/compress"
)

// TestZstdCodecRoundTrip: what the product's codec writes, kafka-go's
// reader (and so any consumer) reads back, also with reused encoders.
func TestZstdCodecRoundTrip(t *testing.T) {
	codec := compress.Codecs[compress.Zstd]
	if _, ok := codec.(*zstdCodec); !ok {
		t.Fatalf("zstd codec is %T, not the product's", codec)
	}
	for i, in := range []string{"", strings.Repeat("detection record ", 50000), "short"} {
		var buf bytes.Buffer
		w := codec.NewWriter(&buf)
		if _, err := io.WriteString(w, in); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r := codec.NewReader(&buf)
		out, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(out) != in {
			t.Fatalf("input %d: read back %d bytes (err %v), want %d", i, len(out), err, len(in))
		}
	}
}
