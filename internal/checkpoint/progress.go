package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/q2k/qualys2kafka/internal/plan"
)

// Progress is the state of a sync under way: its plan and the ranges whose
// records were all acknowledged. A restarted sync that finds it goes on
// with the same ranges instead of starting over.
type Progress struct {
	Version int    `json:"version"`
	RunID   string `json:"run_id"`
	Mode    string `json:"mode"`
	// Since is the cursor of an incremental sync; zero for a full one.
	Since time.Time `json:"since,omitzero"`
	// ServerTime becomes the checkpoint when the sync completes.
	ServerTime time.Time    `json:"server_time"`
	Ranges     []plan.Range `json:"ranges"`
	Done       []int        `json:"done"` // indexes into Ranges
	UpdatedAt  time.Time    `json:"updated_at"`
}

// SaveProgress writes p and returns once all in-sync replicas have it.
func (s *Store) SaveProgress(ctx context.Context, p Progress) error {
	p.Version = Version
	p.UpdatedAt = time.Now().UTC()
	return s.write(ctx, s.pkey, p)
}

// ClearProgress marks that no sync is under way (a tombstone, which
// compaction later removes).
func (s *Store) ClearProgress(ctx context.Context) error {
	return s.write(ctx, s.pkey, nil)
}

// LoadProgress returns the progress of a sync under way, and false if none
// is. A value it cannot read is ErrUnknownFormat.
func (s *Store) LoadProgress(ctx context.Context) (Progress, bool, error) {
	value, err := s.latestRetrying(ctx, s.pkey)
	if err != nil || value == nil {
		return Progress{}, false, err
	}
	var p Progress
	if err := json.Unmarshal(value, &p); err != nil {
		return Progress{}, false, fmt.Errorf("%w (progress) in %s: %w", ErrUnknownFormat, s.topic, err)
	}
	if p.Version != Version || len(p.Ranges) == 0 || p.RunID == "" || !validDone(p) {
		return Progress{}, false, fmt.Errorf("%w (progress) in %s: version %d, %d ranges, done %v",
			ErrUnknownFormat, s.topic, p.Version, len(p.Ranges), p.Done)
	}
	return p, true, nil
}

// validDone reports whether every done index names a range, once.
func validDone(p Progress) bool {
	seen := make(map[int]bool, len(p.Done))
	for _, i := range p.Done {
		if i < 0 || i >= len(p.Ranges) || seen[i] {
			return false
		}
		seen[i] = true
	}
	return true
}
