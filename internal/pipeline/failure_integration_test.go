//go:build integration

package pipeline

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/q2k/qualys2kafka/internal/kafkatest"
	"github.com/q2k/qualys2kafka/internal/publish"
	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

func startSimulator(t *testing.T, hosts int) *simulator.Server {
	t.Helper()
	cfg := simulator.DefaultConfig()
	cfg.User, cfg.Password = "u", "p"
	cfg.FleetConfig = simulator.FleetConfig{Seed: 3, Hosts: hosts}
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// TestSyncAPIErrorKeepsCheckpoint pins that an API error stops the sync
// with the page, the HTTP status, the Qualys code and text, and leaves the
// checkpoint where it was.
func TestSyncAPIErrorKeepsCheckpoint(t *testing.T) {
	api := httptest.NewServer(startSimulator(t, 200))
	defer api.Close()
	cfg := testConfig(t, api.URL, kafkatest.Brokers(t))
	cfg.Filters.HostIDs = "abc123"

	s, err := Open(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum, err := s.Sync(t.Context(), false)

	var apiErr *qualys.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != qualys.CodeInvalidValue || apiErr.HTTPStatus != 400 {
		t.Fatalf("Sync = %v, want API error 1905 with HTTP 400", err)
	}
	for _, want := range []string{"host list page 1", "http 400", "code 1905", "abc123"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if sum.CheckpointSaved {
		t.Error("checkpoint saved after a failed sync")
	}
	if _, found, err := s.Checkpoints.Load(t.Context()); err != nil || found {
		t.Errorf("checkpoint after failed sync: found %v, err %v; want none", found, err)
	}
}

// TestMissingTopicsFailAtStartup pins that, without topic creation, a
// missing topic stops Open with its name.
func TestMissingTopicsFailAtStartup(t *testing.T) {
	cfg := testConfig(t, "http://127.0.0.1:1", kafkatest.Brokers(t))
	cfg.Kafka.CreateTopics = false

	_, err := Open(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if !errors.Is(err, publish.ErrMissingTopics) || !strings.Contains(err.Error(), cfg.Kafka.TopicPrefix+".detection.new") {
		t.Errorf("Open = %v, want ErrMissingTopics naming the topics", err)
	}
}
