package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGoBench(t *testing.T) {
	out := strings.Join([]string{
		"goos: linux",
		"kafkatest: using Apache Kafka 4.3.2 at 127.0.0.1:19092",
		"BenchmarkDecode/fast/results-2 \t 3\t 1616365023 ns/op\t 27.28 MB/s" +
			"\t 308.8 allocs/detection",
		"BenchmarkPublish-16   \t 100\t 14371627 ns/op\t 34792 records/s",
		"--- BENCH: BenchmarkPublish-2",
		"    publish_bench_test.go:25: kafka: Apache Kafka 4.3.2 at 127.0.0.1:19092",
		"BenchmarkOdd-name \t 1\t 5 ns/op",
		"PASS",
	}, "\n")
	gb, err := parseGoBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]float64{
		"BenchmarkDecode/fast/results": {"ns/op": 1616365023, "MB/s": 27.28,
			"allocs/detection": 308.8},
		"BenchmarkPublish":  {"ns/op": 14371627, "records/s": 34792},
		"BenchmarkOdd-name": {"ns/op": 5},
	}
	if diff := cmp.Diff(want, gb.results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if gb.kafka != "using Apache Kafka 4.3.2 at 127.0.0.1:19092" {
		t.Errorf("kafka = %q", gb.kafka)
	}
}

func TestParseGoBenchRejectsBadFigure(t *testing.T) {
	_, err := parseGoBench(strings.NewReader("BenchmarkX-2 \t 1\t fast ns/op\n"))
	if err == nil {
		t.Fatal("parsed a figure that is not a number")
	}
}

// TestParseGoBenchOfMakeBench reads the output of a real `make bench`.
func TestParseGoBenchOfMakeBench(t *testing.T) {
	f, err := os.Open("testdata/gotest.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gb, err := parseGoBench(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"BenchmarkDecode/reference/results", "BenchmarkDecode/fast/noresults",
		"BenchmarkDecodeStream/fast", "BenchmarkEncodePage/results", "BenchmarkPublish",
	} {
		if _, ok := gb.figure(name, "ns/op"); !ok {
			t.Errorf("no ns/op of %s", name)
		}
	}
	if _, ok := gb.figure("BenchmarkDecodeStream/fast", "peak-heap-MiB"); !ok {
		t.Error("no peak heap of the streamed page")
	}
}
