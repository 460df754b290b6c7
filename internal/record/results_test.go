package record

import (
	"testing"
	"unicode/utf8"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func TestCapResults(t *testing.T) {
	tests := []struct {
		name       string
		results    string
		max        int
		want       string
		wantLength int64 // 0: not cut
	}{
		{"under_the_cap", "short", 10, "short", 0},
		{"no_cap", "anything", 0, "anything", 0},
		{"ascii_cut", "abcdefgh", 5, "abcde", 8},
		{"cut_inside_a_rune_backs_off", "ab東京", 4, "ab", 8}, // 東 is 3 bytes: 2..4
		{"cut_on_a_rune_boundary", "ab東京", 5, "ab東", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := qualys.Detection{Results: tt.results}
			CapResults(&d, tt.max)
			if d.Results != tt.want || !utf8.ValidString(d.Results) {
				t.Errorf("Results = %q, want %q", d.Results, tt.want)
			}
			if got := d.ResultsLength; got.Valid != (tt.wantLength != 0) || got.V != tt.wantLength {
				t.Errorf("ResultsLength = %+v, want %d", got, tt.wantLength)
			}
		})
	}
}
