package record_test

import (
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/record"
)

// BenchmarkEncodePage encodes the detections of a generated page of 300
// hosts (about 9,000 detections), one record per iteration in turn, on one
// goroutine: unlike BenchmarkEncode's single fixture, the records have the
// mix of sizes and optional fields of a default sync. It reports records/s
// per core and the mean value size.
func BenchmarkEncodePage(b *testing.B) {
	for _, shape := range benchpage.Shapes {
		b.Run(string(shape), func(b *testing.B) {
			hosts, err := benchpage.Hosts(shape, 300)
			if err != nil {
				b.Fatal(err)
			}
			var dets []detectionOf
			for _, h := range hosts {
				for i := range h.Detections {
					dets = append(dets, detectionOf{h, &h.Detections[i]})
				}
			}
			enc, err := record.NewEncoder()
			if err != nil {
				b.Fatal(err)
			}
			meta := record.Meta{RunID: "bench", APIVersion: "5.0", ObservedAt: time.Now()}

			b.ReportAllocs()
			var n, valueBytes int
			for b.Loop() {
				d := dets[n%len(dets)]
				rec, err := enc.Encode(meta, d.host, d.det)
				if err != nil {
					b.Fatal(err)
				}
				n++
				valueBytes += len(rec.Value)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(valueBytes)/float64(n), "value-bytes")
		})
	}
}

type detectionOf struct {
	host *qualys.Host
	det  *qualys.Detection
}
