package record

import (
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		word string
		want string
	}{
		{name: "new", word: "New", want: StatusNew},
		{name: "active", word: "Active", want: StatusActive},
		{name: "fixed", word: "Fixed", want: StatusFixed},
		{name: "re_opened", word: "Re-Opened", want: StatusReopened},
		{name: "reopened_upper", word: "REOPENED", want: StatusReopened},
		{name: "padded", word: " active ", want: StatusActive},
		{name: "absent", word: "", want: StatusUnknown},
		{name: "unknown_word", word: "Closed", want: StatusUnknown},
		{name: "info_dash", word: "-", want: StatusUnknown},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(&qualys.Detection{Status: tt.word}); got != tt.want {
				t.Errorf("Status(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestDetectionType(t *testing.T) {
	tests := []struct {
		name string
		word string
		want string
	}{
		{name: "confirmed", word: "Confirmed", want: "CONFIRMED"},
		{name: "potential", word: "Potential", want: "POTENTIAL"},
		{name: "info", word: "Info", want: "INFO"},
		{name: "absent", word: "", want: "UNKNOWN"},
		{name: "unknown_word", word: "Practice", want: "UNKNOWN"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectionType(tt.word); got != tt.want {
				t.Errorf("detectionType(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}
