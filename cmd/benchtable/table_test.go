package main

import (
	"bytes"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestTableGolden lays out the Go benchmark output of a real run and fixed
// end-to-end figures, one sync above the RSS target and one whose figure
// is only benchtable's own peak.
func TestTableGolden(t *testing.T) {
	f, err := os.Open("testdata/gotest.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gb, err := parseGoBench(f)
	if err != nil {
		t.Fatal(err)
	}
	e := endToEnd{
		hosts: 29_000, pageBytes: 2_150_000_000, pageServe: 7 * time.Second, simRSS: 300 << 20,
		truncation: "0", loadBefore: "0.52", loadAfter: "2.10",
		cores: 2,
		paged: syncRun{wall: 41 * time.Second, cpu: 60 * time.Second, maxRSS: 150 << 20,
			floor: 20 << 20, summary: syncSummary{Pages: 30, Hosts: 27_500, Detections: 850_000}},
		onePage: syncRun{wall: 80 * time.Second, cpu: 90 * time.Second, maxRSS: 20 << 20,
			floor: 20 << 20, summary: syncSummary{Pages: 2, Hosts: 27_500, Detections: 850_000}},
	}

	var got bytes.Buffer
	writeTable(&got, tableRows(gb, e, options{kafkaName: "Kafka"}))
	const golden = "testdata/table.md"
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 999: "999", 1000: "1,000", 104451.4: "104,451", 1234567: "1,234,567",
		-1234: "-1,234",
	} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q; want %q", v, got, want)
		}
	}
}
