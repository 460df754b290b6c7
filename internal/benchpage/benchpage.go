// Package benchpage makes Host List Detection pages of realistic shape for
// the benchmarks: whole pages in memory, served by the simulator from a
// generated fleet, and pages of any size streamed from such a template, so
// that a page larger than memory can be decoded.
//
// It is test support, like internal/kafkatest: the product does not use
// it. It decides nothing about decoding or publishing; it only makes bytes.
package benchpage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/q2k/qualys2kafka/internal/decode"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

// Shape names what the detections of a page carry.
type Shape string

// The shapes the benchmarks measure.
const (
	// Results is the product's default output, with the RESULTS text of
	// each detection, the largest field.
	Results Shape = "results"
	// NoResults is the default output with show_results=0
	// (Q2K_SHOW_RESULTS=false).
	NoResults Shape = "noresults"
)

// Shapes lists the shapes, the product's default first.
var Shapes = []Shape{Results, NoResults}

// DetectionPath is the detection API's path on the simulator.
const DetectionPath = "/api/5.0/fo/asset/host/vm/detection/"

// Query returns the parameters of a request for one page holding every
// host (truncation_limit=0) of the given shape. They are those
// pipeline.DetectionParams sends with the default configuration, so that
// the pages have the shape a default sync fetches; a test keeps the two
// in step.
func Query(s Shape) url.Values {
	p := url.Values{}
	p.Set("action", "list")
	p.Set("output_format", "XML")
	p.Set("status", qualys.AllStatuses)
	p.Set("truncation_limit", "0")
	p.Set("show_results", "1")
	if s == NoResults {
		p.Set("show_results", "0")
	}
	for _, k := range []string{"show_qds", "show_qds_factors", "show_tags", "show_asset_id",
		"show_reopened_info", "vuln_detection_source"} {
		p.Set(k, "1")
	}
	p.Set("show_igs", "0")
	p.Set("show_cloud_tags", "0")
	return p
}

// Generate returns the one page that a fleet of the given number of hosts
// (seed 1, the simulator's default clock) gives for the shape, whole in
// memory. The same arguments always give the same bytes.
func Generate(s Shape, hosts int) ([]byte, error) {
	rec := httptest.NewRecorder()
	if err := serve(s, hosts, rec); err != nil {
		return nil, err
	}
	// A copy of the exact size: the recorder's buffer may be twice as large.
	return bytes.Clone(rec.Body.Bytes()), nil
}

// Size returns the size of the page Generate returns, without holding it:
// the page is written to a counter, so that a caller can size a fleet
// without growing its own memory.
func Size(s Shape, hosts int) (int64, error) {
	c := &counter{header: http.Header{}}
	err := serve(s, hosts, c)
	return c.n, err
}

// serve writes the page of Generate to w.
func serve(s Shape, hosts int, w http.ResponseWriter) error {
	cfg := simulator.DefaultConfig()
	cfg.FleetConfig = simulator.FleetConfig{Seed: 1, Hosts: hosts}
	sim, err := simulator.New(cfg)
	if err != nil {
		return err
	}

	req := httptest.NewRequest(http.MethodGet, DetectionPath+"?"+Query(s).Encode(), nil)
	req.SetBasicAuth(cfg.User, cfg.Password)
	req.Header.Set("X-Requested-With", "benchpage")
	status := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	sim.ServeHTTP(status, req)
	if status.code != http.StatusOK {
		return fmt.Errorf("generate %s page of %d hosts: http %d", s, hosts, status.code)
	}
	return nil
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// counter is a ResponseWriter that counts the body and drops it.
type counter struct {
	header http.Header
	n      int64
}

func (c *counter) Header() http.Header { return c.header }
func (c *counter) WriteHeader(int)     {}
func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// ParseSize reads a byte count written as digits with an optional binary
// suffix K, M or G (KiB, KB and the like also accepted, all binary): "2G"
// is 2 GiB.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if u, ok := strings.CutSuffix(t, "IB"); ok {
		t = u
	} else if u, ok := strings.CutSuffix(t, "B"); ok {
		t = u
	}
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q is not a positive byte count like 2G or 256M", s)
	}
	return n * mult, nil
}

// Hosts returns the hosts of the page Generate gives, decoded by the
// reference decoder, for benchmarks of what comes after decoding.
func Hosts(s Shape, hosts int) ([]*qualys.Host, error) {
	page, err := Generate(s, hosts)
	if err != nil {
		return nil, err
	}
	d := decode.Open(decode.Reference, bytes.NewReader(page), http.StatusOK)
	var out []*qualys.Host
	for {
		h, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode generated %s page: %w", s, err)
		}
		out = append(out, h)
	}
}
