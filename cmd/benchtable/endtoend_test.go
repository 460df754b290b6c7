package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadSummary(t *testing.T) {
	log := strings.Join([]string{
		`{"level":"INFO","msg":"configuration","config":{}}`,
		`not json`,
		`{"level":"INFO","msg":"sync progress","detections":5}`,
		`{"level":"INFO","msg":"sync completed","pages":5,"hosts":3494,` +
			`"detections":104451,"records":104451,"duration":"23.4s","by_status":{"NEW":1}}`,
	}, "\n")
	var got syncSummary
	found, err := readSummary(strings.NewReader(log), &got)
	if err != nil || !found {
		t.Fatalf("readSummary = %v, %v", found, err)
	}
	want := syncSummary{Pages: 5, Hosts: 3494, Detections: 104451, Records: 104451,
		Duration: "23.4s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestReadSummaryOfFailedSync(t *testing.T) {
	var got syncSummary
	found, err := readSummary(strings.NewReader(`{"msg":"sync incomplete","detections":3}`), &got)
	if err != nil || found {
		t.Errorf("readSummary = %v, %v; want not found", found, err)
	}
}

func TestChildEnvDropsQ2KVariables(t *testing.T) {
	t.Setenv("Q2K_QUALYS_WORKERS", "1")
	t.Setenv("BENCHTABLE_TEST", "kept")
	env := childEnv(map[string]string{"Q2K_QUALYS_URL": "http://x"})
	var q2k []string
	kept := false
	for _, kv := range env {
		if strings.HasPrefix(kv, "Q2K_") {
			q2k = append(q2k, kv)
		}
		kept = kept || kv == "BENCHTABLE_TEST=kept"
	}
	if diff := cmp.Diff([]string{"Q2K_QUALYS_URL=http://x"}, q2k); diff != "" || !kept {
		t.Errorf("Q2K_ variables (-want +got):\n%s; other variables kept: %v", diff, kept)
	}
}

func TestParentPeak(t *testing.T) {
	if got := parentPeak(); got < 1<<20 {
		t.Errorf("parentPeak() = %d; want at least a MiB", got)
	}
}
