package decode_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/decode"
)

// benchHosts is the fleet of the in-memory pages: about 45 MB with
// RESULTS, far more than the CPU caches hold.
const benchHosts = 600

// BenchmarkDecode decodes one whole page held in memory per iteration,
// for each decoder and each shape, and reports MB/s, detections/s and the
// allocations per detection (the figure that must stay a small constant
// for the decoder to keep up with large pages).
func BenchmarkDecode(b *testing.B) {
	pages := map[benchpage.Shape][]byte{}
	for _, shape := range benchpage.Shapes {
		p, err := benchpage.Generate(shape, benchHosts)
		if err != nil {
			b.Fatal(err)
		}
		pages[shape] = p
	}

	for _, kind := range decode.Kinds {
		for _, shape := range benchpage.Shapes {
			b.Run(fmt.Sprintf("%s/%s", kind, shape), func(b *testing.B) {
				page := pages[shape]
				b.SetBytes(int64(len(page)))
				b.ReportAllocs()
				mallocs := mallocCount()
				var detections int64
				for b.Loop() {
					detections += decodeAll(b, kind, bytes.NewReader(page))
				}
				reportPerDetection(b, detections, mallocCount()-mallocs)
				b.ReportMetric(float64(len(page))/1e6, "MB/page")
			})
		}
	}
}

// BenchmarkDecodeStream decodes one page of BENCH_PAGE_BYTES (default
// 256M; `make bench` asks for 2G) that is generated as it is read and
// never held in memory, and reports the peak heap in use while decoding
// it: with a streaming decoder it stays flat whatever the page size.
func BenchmarkDecodeStream(b *testing.B) {
	size := int64(256 << 20)
	if s := os.Getenv("BENCH_PAGE_BYTES"); s != "" {
		var err error
		if size, err = benchpage.ParseSize(s); err != nil {
			b.Fatalf("BENCH_PAGE_BYTES: %v", err)
		}
	}
	template, err := benchpage.Generate(benchpage.Results, 200)
	if err != nil {
		b.Fatal(err)
	}

	for _, kind := range decode.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			runtime.GC()
			heap := newHeapSampler()
			mallocs := mallocCount()
			var detections, pageBytes int64
			for b.Loop() {
				s, err := benchpage.NewStream(template, size)
				if err != nil {
					b.Fatal(err)
				}
				n := decodeAll(b, kind, heap.reader(s))
				if n != s.Detections() {
					b.Fatalf("decoded %d detections of %d", n, s.Detections())
				}
				detections += n
				pageBytes = s.Bytes()
			}
			b.SetBytes(pageBytes)
			reportPerDetection(b, detections, mallocCount()-mallocs)
			b.ReportMetric(float64(pageBytes)/1e6, "MB/page")
			b.ReportMetric(float64(heap.peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// decodeAll decodes a whole document and returns its detections.
func decodeAll(b *testing.B, kind decode.Kind, r io.Reader) int64 {
	d := decode.Open(kind, r, 200)
	var n int64
	for {
		h, err := d.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatalf("%s decoder: %v", kind, err)
		}
		n += int64(len(h.Detections))
	}
}

func reportPerDetection(b *testing.B, detections int64, mallocs uint64) {
	b.ReportMetric(float64(detections)/b.Elapsed().Seconds(), "detections/s")
	b.ReportMetric(float64(mallocs)/float64(detections), "allocs/detection")
}

func mallocCount() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// heapSampler records the largest heap in use (runtime.MemStats.HeapInuse:
// objects, live or not yet swept, and the free space of their spans) seen
// every sampleEvery bytes read. runtime/metrics reads it without stopping
// the world, so sampling does not slow the decoder down.
type heapSampler struct {
	samples []metrics.Sample
	peak    uint64
}

const sampleEvery = 4 << 20

func newHeapSampler() *heapSampler {
	return &heapSampler{samples: []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}}
}

func (h *heapSampler) sample() {
	metrics.Read(h.samples)
	h.peak = max(h.peak, h.samples[0].Value.Uint64()+h.samples[1].Value.Uint64())
}

// reader returns r sampling the heap as it is read.
func (h *heapSampler) reader(r io.Reader) io.Reader {
	h.sample()
	return &sampledReader{r: r, h: h}
}

type sampledReader struct {
	r    io.Reader
	h    *heapSampler
	left int
}

func (s *sampledReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.left -= n; s.left <= 0 {
		s.h.sample()
		s.left = sampleEvery
	}
	return n, err
}
