package simulator

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins whole responses of a small fleet, so that a change of
// the output shows up in review. Run with -update to accept a change.
func TestGolden(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 6, MaxDetections: 4}
	cfg.IDRanges = true
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tests := []struct {
		name   string
		target string
	}{
		{name: "detections_v5_all.xml", target: hld + "?action=list&truncation_limit=3" +
			"&status=New,Active,Fixed,Re-Opened&show_igs=1&include_ignored=1&show_tags=1" +
			"&show_asset_id=1&show_qds=1&show_qds_factors=1&show_reopened_info=1" +
			"&host_metadata=all&show_cloud_tags=1&vuln_detection_source=1"},
		{name: "detections_v2_defaults.xml",
			target: "/api/2.0/fo/asset/host/vm/detection/?action=list"},
		{name: "hostlist_none.xml", target: "/api/5.0/fo/asset/host/?action=list&details=None"},
		{name: "error_1905.xml", target: hld + "?action=list&ids=abc123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "https://qualysapi.example.com"+tt.target, nil)
			req.SetBasicAuth("qualys", "qualys")
			req.Header.Set("X-Requested-With", "golden")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			got := rec.Body.Bytes()

			path := filepath.Join("testdata", tt.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s; run with -update and review the diff", path)
			}
		})
	}
}
