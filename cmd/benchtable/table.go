package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/decode"
)

// The targets of the issue, next to which the figures are shown.
const (
	targetDecodeMBs    = 200     // fast decoder, MB/s per core, page with RESULTS
	targetDecodeRatio  = 10      // fast over reference, same run
	targetDetectionsPS = 100_000 // end to end, detections/s
	targetRSS          = 128 << 20
)

// row is one line of the table. Cells left empty print as empty.
type row struct {
	what, figure, target, ratio, met string
}

// tableRows lays out every figure: decoding in memory and streamed,
// encoding, publishing, then the end-to-end runs.
func tableRows(gb goBench, e endToEnd, o options) []row {
	var rows []row
	for _, shape := range benchpage.Shapes {
		rows = append(rows, decodeRows(gb, shape)...)
	}
	rows = append(rows, streamRows(gb)...)
	rows = append(rows, allocRow(gb))
	for _, shape := range benchpage.Shapes {
		rows = append(rows, encodeRow(gb, shape))
	}
	rows = append(rows, publishRow(gb, o))
	return append(rows, endToEndRows(e)...)
}

var shapeWords = map[benchpage.Shape]string{
	benchpage.Results:   "with RESULTS",
	benchpage.NoResults: "without RESULTS",
}

// decodeRows are the two decoders on one in-memory page of a shape; the
// targets apply to pages with RESULTS.
func decodeRows(gb goBench, shape benchpage.Shape) []row {
	name := func(k decode.Kind) string {
		return "BenchmarkDecode/" + string(k) + "/" + string(shape)
	}
	ref, fast := name(decode.Reference), name(decode.Fast)
	size, _ := gb.figure(ref, "MB/page")
	what := fmt.Sprintf("Decode, page %s (%.0f MB in memory), one core", shapeWords[shape], size)

	refRow := row{what: what + ", reference decoder", figure: decodeFigure(gb, ref)}
	fastRow := row{what: what + ", fast decoder", figure: decodeFigure(gb, fast)}
	fastMBs, okFast := gb.figure(fast, "MB/s")
	refMBs, okRef := gb.figure(ref, "MB/s")
	if okFast && okRef {
		fastRow.ratio = fmt.Sprintf("%.2f×", fastMBs/refMBs)
	}
	if shape == benchpage.Results {
		fastRow.target = fmt.Sprintf("≥ %d MB/s per core and ≥ %d× reference",
			targetDecodeMBs, targetDecodeRatio)
		if okFast && okRef {
			fastRow.met = yesNo(fastMBs >= targetDecodeMBs && fastMBs >= targetDecodeRatio*refMBs)
		}
	}
	return []row{refRow, fastRow}
}

func decodeFigure(gb goBench, name string) string {
	mbs, ok := gb.figure(name, "MB/s")
	if !ok {
		return "not measured"
	}
	dps, _ := gb.figure(name, "detections/s")
	return fmt.Sprintf("%.1f MB/s, %s detections/s", mbs, thousands(dps))
}

// streamRows are the two decoders on one page generated as it is read,
// never held in memory, with the peak heap while decoding it.
func streamRows(gb goBench) []row {
	var rows []row
	var refMBs float64
	for _, k := range []decode.Kind{decode.Reference, decode.Fast} {
		name := "BenchmarkDecodeStream/" + string(k)
		size, _ := gb.figure(name, "MB/page")
		r := row{what: fmt.Sprintf("Decode, one page of %s streamed, %s decoder",
			gib(size*1e6), k), figure: decodeFigure(gb, name)}
		if heap, ok := gb.figure(name, "peak-heap-MiB"); ok {
			r.figure += fmt.Sprintf(", peak heap %.0f MiB", heap)
		}
		mbs, _ := gb.figure(name, "MB/s")
		if k == decode.Reference {
			refMBs = mbs
		} else if refMBs > 0 && mbs > 0 {
			r.ratio = fmt.Sprintf("%.2f×", mbs/refMBs)
		}
		rows = append(rows, r)
	}
	return rows
}

// allocRow compares the fast decoder's allocations per detection on a
// page in memory and on the streamed page: a constant is the same on both.
func allocRow(gb goBench) row {
	r := row{what: "Allocations per detection decoded, fast decoder (page in memory, " +
		"streamed page)", target: "a small constant"}
	inMemory, ok1 := gb.figure("BenchmarkDecode/fast/results", "allocs/detection")
	streamed, ok2 := gb.figure("BenchmarkDecodeStream/fast", "allocs/detection")
	refMem, ok3 := gb.figure("BenchmarkDecode/reference/results", "allocs/detection")
	if !ok1 || !ok2 {
		r.figure = "not measured"
		return r
	}
	r.figure = fmt.Sprintf("%.1f, %.1f", inMemory, streamed)
	if ok3 && refMem > 0 {
		r.ratio = fmt.Sprintf("%.2f×", inMemory/refMem)
	}
	r.met = "constant"
	if math.Abs(streamed-inMemory) > 0.05*inMemory+0.5 {
		r.met = "not constant"
	}
	return r
}

func encodeRow(gb goBench, shape benchpage.Shape) row {
	name := "BenchmarkEncodePage/" + string(shape)
	rps, ok := gb.figure(name, "records/s")
	if !ok {
		return row{what: "Avro encoding, records " + shapeWords[shape], figure: "not measured"}
	}
	size, _ := gb.figure(name, "value-bytes")
	allocs, _ := gb.figure(name, "allocs/op")
	return row{
		what: fmt.Sprintf("Avro encoding, records %s (mean value %s B), one core",
			shapeWords[shape], thousands(size)),
		figure: fmt.Sprintf("%s records/s, %.0f allocs/record", thousands(rps), allocs),
	}
}

// publishRow is the product's Writer alone; end to end cannot beat it, so
// the end-to-end target applies to it too.
func publishRow(gb goBench, o options) row {
	kafka := "to " + o.kafkaName
	if k, ok := strings.CutPrefix(gb.kafka, "using "); ok {
		kafka = "to " + k
	} else if gb.kafka != "" {
		kafka = "(" + gb.kafka + ")"
	}
	calls, _ := gb.figure("BenchmarkPublish", "calls")
	per, _ := gb.figure("BenchmarkPublish", "records/call")
	r := row{what: fmt.Sprintf("Publishing pre-encoded records with RESULTS %s "+
		"(acks=all, zstd; %.0f calls at once of %.0f records)", kafka, calls, per)}
	rps, ok := gb.figure("BenchmarkPublish", "records/s")
	if !ok {
		r.figure = "not measured"
		return r
	}
	mbs, _ := gb.figure("BenchmarkPublish", "MB/s")
	r.figure = fmt.Sprintf("%s records/s (%.1f MB/s)", thousands(rps), mbs)
	r.target = fmt.Sprintf("≥ %s records/s (end to end needs it)", thousands(targetDetectionsPS))
	r.met = yesNo(rps >= targetDetectionsPS)
	return r
}

func endToEndRows(e endToEnd) []row {
	paged := fmt.Sprintf("End to end, default configuration: %s hosts, %s detections in %d "+
		"pages, simulator over loopback HTTP to Kafka (acks=all, zstd)",
		thousands(float64(e.paged.summary.Hosts)), thousands(float64(e.paged.summary.Detections)),
		e.paged.summary.Pages)
	limit := "truncation_limit=" + e.truncation
	if e.truncation != "0" {
		limit += ", as the configuration refuses 0"
	}
	one := fmt.Sprintf("End to end, the same fleet as one page of %s (%s)",
		gib(float64(e.pageBytes)), limit)
	serve := float64(e.pageBytes) / 1e6 / e.pageServe.Seconds()

	rows := append(syncRows(paged, e.paged), syncRows(one, e.onePage)...)
	return append(rows,
		row{
			what: "For scale: the simulator serving that page to a client that drops it " +
				"(not the product; a process of its own)",
			figure: fmt.Sprintf("%.0f MB/s, simulator peak RSS %s", serve, mib(e.simRSS)),
		},
		row{
			what: "Load of the machine (1-minute average) before and after the end-to-end " +
				"runs: figures taken under load are low",
			figure: fmt.Sprintf("%s, %s on %d cores", e.loadBefore, e.loadAfter, e.cores),
		})
}

// syncRows are the detections per second of one sync, over the wall time
// of its process (start-up and topic checks included), with its CPU time,
// and its peak RSS.
func syncRows(what string, s syncRun) []row {
	dps := float64(s.summary.Detections) / s.wall.Seconds()
	return []row{
		{
			what: what,
			figure: fmt.Sprintf("%s detections/s (%s, CPU %s)", thousands(dps),
				s.wall.Round(time.Second/10), s.cpu.Round(time.Second/10)),
			target: fmt.Sprintf("≥ %s detections/s", thousands(targetDetectionsPS)),
			met:    yesNo(dps >= targetDetectionsPS),
		},
		{
			what:   "Peak RSS of that sync",
			figure: rssFigure(s),
			target: "≤ " + mib(targetRSS),
			met:    yesNo(s.maxRSS <= targetRSS),
		},
	}
}

// rssFigure is the child's peak RSS, or an upper bound when the kernel's
// figure is benchtable's own peak (see parentPeak).
func rssFigure(s syncRun) string {
	if s.maxRSS <= s.floor+2<<20 { // the parent may grow a little after the floor is read
		return "≤ " + mib(s.maxRSS) + " (benchtable's own peak, which the kernel counts in " +
			"its children)"
	}
	return mib(s.maxRSS)
}

// writeTable prints rows as a markdown table.
func writeTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| Measure | Figure | Target | Fast / reference | Met |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.what, r.figure, r.target, r.ratio, r.met)
	}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// thousands writes v rounded to an integer with comma separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func mib(bytes int64) string { return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20)) }

func gib(bytes float64) string {
	if bytes >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", bytes/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", bytes/(1<<20))
}
