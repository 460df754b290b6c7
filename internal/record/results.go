package record

import (
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// CapResults cuts d's RESULTS to at most max bytes, on a UTF-8 boundary,
// and records the original length, so that one huge result text cannot
// make a record larger than the topic accepts. max <= 0 means no cap.
func CapResults(d *qualys.Detection, max int) {
	if max <= 0 || len(d.Results) <= max {
		return
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(d.Results[cut]) {
		cut--
	}
	d.ResultsLength = qualys.Some(int64(len(d.Results)))
	d.Results = d.Results[:cut]
}
