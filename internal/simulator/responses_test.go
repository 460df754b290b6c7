package simulator

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestResponsesDir(t *testing.T) {
	dir := t.TempDir()
	pages := map[string]string{
		"01_first.xml":  "<HOST_LIST_VM_DETECTION_OUTPUT>first</HOST_LIST_VM_DETECTION_OUTPUT>",
		"02_second.xml": "<HOST_LIST_VM_DETECTION_OUTPUT>second</HOST_LIST_VM_DETECTION_OUTPUT>",
		"notes.txt":     "not served",
	}
	for name, body := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	cfg.ResponsesDir = dir
	cfg.FleetConfig = FleetConfig{Seed: 1, Hosts: 5}
	srv := newTestServerConfig(t, cfg)

	want := []string{pages["01_first.xml"], pages["02_second.xml"], pages["01_first.xml"]}
	for i, w := range want {
		resp := srv.get(t, hld+"?action=list")
		if got := string(resp.body(t, 200)); got != w {
			t.Errorf("request %d: body %q, want %q", i, got, w)
		}
		if resp.Header.Get("Content-Type") != "application/xml" {
			t.Errorf("request %d: content type %q", i, resp.Header.Get("Content-Type"))
		}
	}

	code, _ := simpleReturn(t, srv.get(t, hld+"?action=list&bad=1").body(t, 400))
	if code != 1901 {
		t.Errorf("parameters not checked with ResponsesDir: code %d", code)
	}
	srv.request(t, http.MethodGet, "/api/5.0/fo/asset/host/?action=list&details=None", "").
		body(t, 200)
}

func TestResponsesDirEmpty(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ResponsesDir = t.TempDir()
	if _, err := New(cfg); err == nil {
		t.Errorf("New with an empty responses dir: no error")
	}
}
