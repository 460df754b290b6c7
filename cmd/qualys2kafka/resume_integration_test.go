//go:build integration

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/record"
	"github.com/q2k/qualys2kafka/internal/simulator"
	"github.com/q2k/qualys2kafka/internal/tail"
)

// TestKilledSyncResumes kills a sync process with SIGKILL in the middle,
// starts it again, and checks that the second process continues the same
// sync, completes it with fewer API calls than a fresh sync, and that every
// detection was published.
func TestKilledSyncResumes(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "qualys2kafka")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	simCfg := simulator.DefaultConfig()
	simCfg.User, simCfg.Password = "u", "p"
	simCfg.FleetConfig = simulator.FleetConfig{Seed: 21, Hosts: 2000, MaxDetections: 30}
	simCfg.Latency = simulator.Latency{FirstByte: 80 * time.Millisecond}
	sim, err := simulator.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim)
	defer api.Close()

	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.UniqueName(t)
	env := append(os.Environ(),
		"Q2K_QUALYS_URL="+api.URL, "Q2K_QUALYS_USER=u", "Q2K_QUALYS_PASSWORD=p",
		"Q2K_QUALYS_RANGE_SIZE=100", "Q2K_QUALYS_TRUNCATION_LIMIT=50",
		"Q2K_KAFKA_BROKERS="+brokers[0], "Q2K_KAFKA_TOPIC_PREFIX="+prefix,
		"Q2K_KAFKA_CREATE_TOPICS=true", "Q2K_KAFKA_PARTITIONS=2", "Q2K_SUBSCRIPTION=resume")

	killMidway(t, bin, env, sim)
	sim.ResetTraffic()
	summary := runSync(t, bin, env)
	resumedCalls := detectionCalls(sim)
	if summary["resumed"] != true {
		t.Fatalf("second process did not resume: %v", summary)
	}

	sim.ResetTraffic()
	runSync(t, bin, env, "--full")
	freshCalls := detectionCalls(sim)
	t.Logf("resumed sync: %d detection calls; fresh full sync: %d", resumedCalls, freshCalls)
	if resumedCalls >= freshCalls {
		t.Errorf("resumed sync made %d calls, a fresh one %d: want fewer", resumedCalls, freshCalls)
	}
	checkAllPublished(t, sim, brokers, prefix, summary["run_id"].(string))
}

// killMidway starts a sync and kills it once a third of the detection
// pages were served.
func killMidway(t *testing.T, bin string, env []string, sim *simulator.Server) {
	t.Helper()
	cmd := exec.Command(bin, "sync")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for detectionCalls(sim) < 15 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if strings.Contains(stderr.String(), `"sync completed"`) {
		t.Fatal("the first sync completed before it was killed; slow the simulator down")
	}
}

// runSync runs a sync to its end and returns its summary log line.
func runSync(t *testing.T, bin string, env []string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sync"}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sync %v: %v\n%s", args, err, stderr.String())
	}
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "sync completed" {
			return line
		}
	}
	t.Fatalf("no sync completed line in:\n%s", stderr.String())
	return nil
}

func detectionCalls(sim *simulator.Server) int {
	n := 0
	for path, tr := range sim.Traffic() {
		if strings.HasSuffix(path, "/vm/detection/") {
			n += tr.Calls
		}
	}
	return n
}

// checkAllPublished checks that every detection of the simulator has a
// record of the run, whichever process published it.
func checkAllPublished(t *testing.T, sim *simulator.Server, brokers []string, prefix, runID string) {
	t.Helper()
	hosts, err := sim.Expected(url.Values{"action": {"list"}, "status": {"New,Active,Fixed,Re-Opened"},
		"show_tags": {"1"}, "show_asset_id": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range hosts {
		for j := range hosts[i].Detections {
			want[string(record.Key("resume", hosts[i].ID, &hosts[i].Detections[j]))] = true
		}
	}

	enc, _ := record.NewEncoder()
	got := map[string]bool{}
	msgs, err := tail.All(t.Context(), brokers, publish.NewTopics(prefix, "").Detection())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		native, err := enc.Decode(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		if native["run_id"] == runID {
			got[string(m.Key)] = true
		}
	}
	missing := 0
	for k := range want {
		if !got[k] {
			missing++
		}
	}
	if missing > 0 || len(got) != len(want) {
		t.Errorf("run %s published %d distinct records, %d missing, simulator holds %d",
			runID, len(got), missing, len(want))
	}
}
