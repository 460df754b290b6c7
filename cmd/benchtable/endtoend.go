package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/config"
)

// endToEnd is what the end-to-end runs measured.
type endToEnd struct {
	hosts     int           // hosts of the simulated fleet
	pageBytes int64         // bytes of the fleet's one page, as served
	pageServe time.Duration // time the simulator took to serve it to a discarding client
	simRSS    int64         // peak resident bytes of the simulator process

	paged, onePage syncRun
	// truncation is the Q2K_QUALYS_TRUNCATION_LIMIT of the one-page run:
	// 0 (no limit) when the configuration accepts it, else the largest
	// value it accepts.
	truncation string
	// loadBefore and loadAfter are the 1-minute load averages around the
	// runs: other work on the machine slows every figure down.
	loadBefore, loadAfter string
	cores                 int
}

// syncRun is one `qualys2kafka sync --full` child process.
type syncRun struct {
	wall   time.Duration
	cpu    time.Duration // user and system time of the child
	maxRSS int64         // bytes, from the child's rusage
	// floor is parentPeak when the child started: maxRSS cannot be lower,
	// so a maxRSS at the floor says only that the child used no more.
	floor   int64
	summary syncSummary
}

// syncSummary is the part of the "sync completed" log line read here.
type syncSummary struct {
	Pages      int64  `json:"pages"`
	Hosts      int64  `json:"hosts"`
	Detections int64  `json:"detections"`
	Records    int64  `json:"records"`
	Duration   string `json:"duration"`
}

// benchUser and benchPassword are the simulator's credentials.
const benchUser, benchPassword = "bench", "bench"

// measureEndToEnd serves a fleet whose one page is about pageBytes with
// the simulate command of bin, and runs two full syncs into brokers: the
// default configuration, then the whole fleet as one page. Child logs go
// to files in logDir.
func measureEndToEnd(ctx context.Context, o options, log *slog.Logger) (e endToEnd, err error) {
	e.loadBefore, e.cores = loadAverage(), runtime.NumCPU()
	defer func() { e.loadAfter = loadAverage() }()
	perHost, err := bytesPerHost()
	if err != nil {
		return e, err
	}
	e.hosts = int(max(1, (o.pageBytes+perHost-1)/perHost))

	log.Info("starting simulator", "hosts", e.hosts, "bytes_per_host", perHost)
	sim, err := startSimulator(ctx, o.bin, e.hosts, filepath.Join(o.logDir, "simulate.log"))
	if err != nil {
		return e, err
	}
	defer func() { e.simRSS = sim.stop() }()
	if e.pageBytes, e.pageServe, err = fetchPage(ctx, sim.url); err != nil {
		return e, err
	}
	log.Info("one page of the fleet served", "bytes", e.pageBytes, "took", e.pageServe.String())

	env := syncEnv(sim.url, o.brokers)
	env["Q2K_KAFKA_TOPIC_PREFIX"] = fmt.Sprintf("bench.%d.paged", time.Now().Unix())
	log.Info("sync with the default configuration")
	e.paged, err = runSync(ctx, o.bin, env, filepath.Join(o.logDir, "sync-paged.log"))
	if err != nil {
		return e, fmt.Errorf("sync with the default configuration: %w", err)
	}

	env["Q2K_KAFKA_TOPIC_PREFIX"] = fmt.Sprintf("bench.%d.onepage", time.Now().Unix())
	env["Q2K_QUALYS_RANGE_SIZE"] = strconv.Itoa(e.hosts)
	if e.truncation, err = noLimit(ctx, env); err != nil {
		return e, err
	}
	env["Q2K_QUALYS_TRUNCATION_LIMIT"] = e.truncation
	log.Info("sync of one page", "truncation_limit", e.truncation)
	e.onePage, err = runSync(ctx, o.bin, env, filepath.Join(o.logDir, "sync-onepage.log"))
	if err != nil {
		return e, fmt.Errorf("sync of one page: %w", err)
	}
	return e, nil
}

// bytesPerHost returns the mean size of a host in a default page,
// measured on the first 2,000 hosts of the same seed the simulate command
// uses: its hosts are drawn in order, so they are the same hosts. Hosts
// differ widely in size, so the page comes out within a few percent of the
// size asked for; the table gives the size served. The page is counted,
// not held, to keep this process small (see parentPeak).
func bytesPerHost() (int64, error) {
	const n = 2000
	size, err := benchpage.Size(benchpage.Results, n)
	return size / n, err
}

// syncEnv returns the variables of a sync against the simulator at url and
// brokers, every other setting left to its default. Variables named Q2K_
// in the environment of benchtable are not passed on.
func syncEnv(url string, brokers string) map[string]string {
	return map[string]string{
		"Q2K_QUALYS_URL":          url,
		"Q2K_QUALYS_USER":         benchUser,
		"Q2K_QUALYS_PASSWORD":     benchPassword,
		"Q2K_KAFKA_BROKERS":       brokers,
		"Q2K_KAFKA_CREATE_TOPICS": "true",
	}
}

// noLimit returns the truncation limit for a page of every host: 0 when
// the configuration accepts it as "no limit", else 1000000, the largest
// it accepted before (a fleet here is far smaller, so the page is the
// same).
func noLimit(ctx context.Context, env map[string]string) (string, error) {
	for _, v := range []string{"0", "1000000"} {
		try := map[string]string{"Q2K_QUALYS_TRUNCATION_LIMIT": v}
		for k, x := range env {
			try[k] = x
		}
		if _, err := config.LoadFrom(ctx, envconfig.MapLookuper(try)); err == nil {
			return v, nil
		}
	}
	return "", errors.New("the configuration accepts neither 0 nor 1000000 " +
		"as Q2K_QUALYS_TRUNCATION_LIMIT")
}

// simProcess is a running `qualys2kafka simulate`.
type simProcess struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startSimulator starts the simulate command on a free loopback port and
// waits until it accepts connections (after the fleet is generated).
func startSimulator(ctx context.Context, bin string, hosts int,
	logPath string) (*simProcess, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "simulate", "--addr", addr, "--hosts", strconv.Itoa(hosts),
		"--seed", "1", "--user", benchUser, "--password", benchPassword)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	s := &simProcess{cmd: cmd, url: "http://" + addr, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		logFile.Close()
		close(s.done)
	}()

	deadline := time.After(5 * time.Minute)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("simulator exited early (%s); see %s",
				cmd.ProcessState, logPath)
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("simulator did not listen on %s within 5m", addr)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends the simulator and returns its peak resident bytes.
func (s *simProcess) stop() int64 {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	return maxRSS(s.cmd.ProcessState)
}

// freeAddr returns a loopback address with a port free at the time of the
// call.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// fetchPage asks the simulator for the whole fleet in one page of the
// default shape and reads it to the end, to learn its exact size and how
// fast the simulator serves it over loopback.
func fetchPage(ctx context.Context, base string) (int64, time.Duration, error) {
	u := base + benchpage.DetectionPath + "?" + benchpage.Query(benchpage.Results).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	req.SetBasicAuth(benchUser, benchPassword)
	req.Header.Set("X-Requested-With", "benchtable")

	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("fetch the fleet's page: %w", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("http %d", resp.StatusCode)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("fetch the fleet's page: %w", err)
	}
	return n, time.Since(start), nil
}

// runSync runs `sync --full` with env (and only the non-Q2K_ variables of
// this process), copies its log to logPath, and returns its wall time,
// peak RSS and summary. A sync that does not log "sync completed" fails.
func runSync(ctx context.Context, bin string, env map[string]string,
	logPath string) (syncRun, error) {
	var run syncRun
	logFile, err := os.Create(logPath)
	if err != nil {
		return run, err
	}
	defer logFile.Close()

	cmd := exec.CommandContext(ctx, bin, "sync", "--full")
	cmd.Env = childEnv(env)
	cmd.Stdout = logFile
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return run, err
	}
	run.floor = parentPeak()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run, err
	}
	found, scanErr := readSummary(io.TeeReader(stderr, logFile), &run.summary)
	err = cmd.Wait()
	run.wall = time.Since(start)
	run.maxRSS = maxRSS(cmd.ProcessState)
	if ps := cmd.ProcessState; ps != nil {
		run.cpu = ps.UserTime() + ps.SystemTime()
	}

	switch {
	case err != nil:
		return run, fmt.Errorf("%w; see %s", err, logPath)
	case scanErr != nil:
		return run, scanErr
	case !found:
		return run, fmt.Errorf("no \"sync completed\" line; see %s", logPath)
	}
	return run, nil
}

// readSummary reads JSON log lines to the end and decodes the one whose
// message is "sync completed" into sum.
func readSummary(r io.Reader, sum *syncSummary) (bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	found := false
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "sync completed" {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), sum); err != nil {
			return false, fmt.Errorf("sync summary: %w", err)
		}
		found = true
	}
	return found, sc.Err()
}

// childEnv returns this process's environment without its Q2K_ variables,
// then env.
func childEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.Prefix) {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// maxRSS returns a finished process's peak resident set in bytes (Linux
// reports KiB), or 0 when unknown.
func maxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return 0
}

// parentPeak returns the peak resident bytes of this process since it
// started (VmHWM), or 0 when unknown.
//
// A child's rusage Maxrss is not the child's alone: Go starts children
// with vfork semantics (CLONE_VM), and at exec Linux folds the peak of the
// memory the child left, which is this process's, into the child's Maxrss.
// A child's figure is therefore at least this process's peak, which is
// why this process stays small.
func parentPeak() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib << 10
		}
	}
	return 0
}

// loadAverage returns the 1-minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
