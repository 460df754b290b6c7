package plan

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

func TestCut(t *testing.T) {
	tests := []struct {
		name string
		ids  []int64
		size int
		want string
	}{
		{"no_hosts_still_asks_from_1", nil, 10, "[1-]"},
		{"one_range_then_open", []int64{5, 7, 9}, 10, "[5-9 10-]"},
		{"exact_multiple", []int64{1, 2, 3, 4}, 2, "[1-2 3-4 5-]"},
		{"remainder", []int64{10, 20, 30, 40, 50}, 2, "[10-20 30-40 50-50 51-]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(Cut(tt.ids, tt.size)); got != tt.want {
				t.Errorf("Cut = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRangeParamsKeepsFiltersAndSetsBounds(t *testing.T) {
	base := url.Values{"ids": {"1-100,200"}, "status": {qualys.AllStatuses}}
	p := Range{First: 10, Last: 20}.Params(base)
	if p.Get("id_min") != "10" || p.Get("id_max") != "20" || p.Get("ids") != "1-100,200" {
		t.Errorf("params %v", p)
	}
	open := Range{First: 21}.Params(p)
	if open.Get("id_min") != "21" || open.Has("id_max") {
		t.Errorf("open range params %v", open)
	}
	if base.Has("id_min") {
		t.Errorf("Params modified its base: %v", base)
	}
}

// TestListHostIDsPagesThroughTheSimulator lists a fleet in pages of the
// host list API, ID_RANGE elements included, and compares with the
// simulator's own list.
func TestListHostIDsPagesThroughTheSimulator(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.FleetConfig = simulator.FleetConfig{Seed: 5, Hosts: 2500}
	cfg.IDRanges = true
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, _ := qualys.NewClient(qualys.ClientConfig{BaseURL: srv.URL, User: cfg.User, Password: cfg.Password})

	params := url.Values{"action": {"list"}, "truncation_limit": {"900"}}
	got, serverTime, err := (&Lister{Client: c, PageSize: 1000}).ListHostIDs(t.Context(), params)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.ExpectedIDs(url.Values{"action": {"list"}, "details": {"None"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %d IDs, simulator has %d", len(got), len(want))
	}
	if !serverTime.Equal(sim.Now()) {
		t.Errorf("server time %v, want %v", serverTime, sim.Now())
	}
}
