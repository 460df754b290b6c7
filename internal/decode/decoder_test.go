package decode

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// outcome is everything a document decodes to, as the golden files hold it.
type outcome struct {
	ServerTime time.Time
	Hosts      []*qualys.Host
	Warning    *qualys.Warning
	APIError   *qualys.APIError `json:",omitempty"`
	Error      string           `json:",omitempty"`
}

func decodeAll(r io.Reader, status int) outcome {
	d := New(r, status)
	var out outcome
	for {
		h, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.As(err, &out.APIError) {
				out.Error = err.Error()
			}
			break
		}
		out.Hosts = append(out.Hosts, h)
	}
	out.ServerTime, out.Warning = d.ServerTime(), d.Warning()
	return out
}

// TestGolden decodes every real sample and crafted document in testdata and
// compares the result with its golden file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	crafted, _ := filepath.Glob("testdata/crafted/*.xml")
	files = append(files, crafted...)
	if len(files) < 8 {
		t.Fatalf("found %d test documents, want at least 8", len(files))
	}

	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".xml")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			got, err := json.MarshalIndent(decodeAll(f, 200), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
				t.Errorf("decoded %s differs from golden (-want +got):\n%s", file, diff)
			}
		})
	}
}
