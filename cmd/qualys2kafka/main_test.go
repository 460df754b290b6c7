package main

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"
)

func TestImportDryRunPrintsOneLinePerDetection(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"import", "--dry-run", "testdata/j1_hld_detections_fixture.xml"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("printed %d lines, want one per detection (3):\n%s", len(lines), stdout.String())
	}
	var rec struct {
		Host      struct{ ID int64 }
		Detection struct {
			QID    int64
			Status string
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Host.ID != 6506432 || rec.Detection.QID != 38170 || rec.Detection.Status != "ACTIVE" {
		t.Errorf("first record = %+v", rec)
	}
}

func TestImportDryRunNamesTheProblem(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"import", "--dry-run", "testdata/missing.xml"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "missing.xml") {
		t.Errorf("exit %d, stderr %q; want 1 naming the file", code, stderr.String())
	}
}

// TestInvalidConfigurationExitsBeforeNetwork pins that a bad configuration
// stops `sync` with every problem named and no connection attempted.
func TestInvalidConfigurationExitsBeforeNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	connected := make(chan bool, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			connected <- true
		}
	}()

	t.Setenv("Q2K_QUALYS_URL", "http://"+ln.Addr().String())
	t.Setenv("Q2K_KAFKA_BROKERS", ln.Addr().String())
	t.Setenv("Q2K_QUALYS_USER", "")
	t.Setenv("Q2K_KAFKA_COMPRESSION", "brotli")
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"sync"}, &stdout, &stderr)

	if code == 0 {
		t.Fatal("sync with invalid configuration exited 0")
	}
	for _, name := range []string{"Q2K_QUALYS_USER", "Q2K_QUALYS_PASSWORD", "Q2K_KAFKA_COMPRESSION"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("stderr does not name %s:\n%s", name, stderr.String())
		}
	}
	select {
	case <-connected:
		t.Error("a connection was made despite invalid configuration")
	default:
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"frobnicate"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

// TestDemo runs the demo on a small fleet and checks that it shows both
// syncs and three decoded records.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two syncs")
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"demo", "--hosts", "400"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"Full sync (full)", "Incremental sync (incremental", "FIXED", "REOPENED", "checkpoint moved"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, `{"detection":`); n != 3 {
		t.Errorf("demo printed %d records, want 3:\n%s", n, out)
	}
}
