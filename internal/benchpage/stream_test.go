package benchpage_test

import (
	"errors"
	"io"
	"testing"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/decode"
)

// TestStreamDecodes checks that a streamed page is a valid document of the
// size asked for, whose hosts have ascending IDs and the detections the
// Stream counted.
func TestStreamDecodes(t *testing.T) {
	template, err := benchpage.Generate(benchpage.Results, 20)
	if err != nil {
		t.Fatal(err)
	}
	const size = 3 << 20
	s, err := benchpage.NewStream(template, size)
	if err != nil {
		t.Fatal(err)
	}

	d := decode.Open(decode.Reference, s, 200)
	var hosts, detections, lastID int64
	for {
		h, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("host %d: %v", hosts, err)
		}
		if h.ID <= lastID {
			t.Fatalf("host ID %d after %d", h.ID, lastID)
		}
		lastID = h.ID
		hosts++
		detections += int64(len(h.Detections))
	}

	if hosts != s.Hosts() || detections != s.Detections() {
		t.Errorf("decoded %d hosts, %d detections; stream wrote %d, %d",
			hosts, detections, s.Hosts(), s.Detections())
	}
	if hosts <= 20 {
		t.Errorf("decoded %d hosts; want more than the template's 20", hosts)
	}
	if got := s.Bytes(); got < size || got > size+int64(len(template)) {
		t.Errorf("stream wrote %d bytes; want about %d", got, size)
	}
}

func TestNewStreamRefusesPagesWithoutHosts(t *testing.T) {
	for _, doc := range []string{
		"<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>",
		"<R><HOST_LIST></HOST_LIST></R>",
		"<R><HOST_LIST><HOST><IP>10.0.0.1</IP></HOST></HOST_LIST></R>",
	} {
		if _, err := benchpage.NewStream([]byte(doc), 1<<20); err == nil {
			t.Errorf("NewStream(%q) succeeded; want an error", doc)
		}
	}
}
