package benchpage_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sethvargo/go-envconfig"

	"github.com/q2k/qualys2kafka/internal/benchpage"
	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/pipeline"
)

// TestQueryIsTheDefaultSync pins Query to what a sync with the default
// configuration asks for, so that benchmark pages keep the product's shape
// when a default changes.
func TestQueryIsTheDefaultSync(t *testing.T) {
	for _, tc := range []struct {
		shape benchpage.Shape
		env   map[string]string
	}{
		{shape: benchpage.Results},
		{shape: benchpage.NoResults, env: map[string]string{"Q2K_SHOW_RESULTS": "false"}},
	} {
		t.Run(string(tc.shape), func(t *testing.T) {
			env := map[string]string{
				"Q2K_QUALYS_URL": "http://127.0.0.1:1", "Q2K_QUALYS_USER": "u",
				"Q2K_QUALYS_PASSWORD": "p", "Q2K_KAFKA_BROKERS": "127.0.0.1:2",
			}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := config.LoadFrom(t.Context(), envconfig.MapLookuper(env))
			if err != nil {
				t.Fatal(err)
			}
			want := pipeline.DetectionParams(cfg)
			want.Set("truncation_limit", "0")
			if diff := cmp.Diff(want, benchpage.Query(tc.shape)); diff != "" {
				t.Errorf("Query(%s) differs from the default sync (-sync +query):\n%s",
					tc.shape, diff)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{in: "2G", want: 2 << 30},
		{in: "256M", want: 256 << 20},
		{in: "64KiB", want: 64 << 10},
		{in: "1gb", want: 1 << 30},
		{in: "1000", want: 1000},
		{in: "0"},
		{in: "-5M"},
		{in: "big"},
		{in: ""},
	} {
		got, err := benchpage.ParseSize(tc.in)
		if (err != nil) != (tc.want == 0) || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
