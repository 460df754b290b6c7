package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// goBench is what `go test -bench` printed: each benchmark's figures by
// unit, under its name without the -GOMAXPROCS suffix, and the Kafka the
// publishing benchmark used.
type goBench struct {
	results map[string]map[string]float64
	kafka   string // from internal/kafkatest's "kafkatest: using ..." line
}

// parseGoBench reads `go test -bench` output. A result line is the name,
// the iteration count, then value-unit pairs: the standard ns/op, MB/s,
// B/op and allocs/op, and the custom metrics of b.ReportMetric. Other
// lines are skipped, except the one naming the Kafka.
func parseGoBench(r io.Reader) (goBench, error) {
	gb := goBench{results: map[string]map[string]float64{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "kafkatest: "); ok {
			gb.kafka = k
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a benchmark's log line, not its result
		}
		figures := map[string]float64{}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return gb, fmt.Errorf("line %d: figure %q of %s: %w", n, f[i], f[0], err)
			}
			figures[f[i+1]] = v
		}
		gb.results[benchName(f[0])] = figures
	}
	return gb, sc.Err()
}

// benchName drops the -GOMAXPROCS suffix go test adds to a name.
func benchName(s string) string {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s
	}
	if _, err := strconv.Atoi(s[i+1:]); err != nil {
		return s
	}
	return s[:i]
}

// figure returns a benchmark's figure in unit, and whether it was there.
func (gb goBench) figure(name, unit string) (float64, bool) {
	v, ok := gb.results[name][unit]
	return v, ok
}
