package publish

import "strings"

// DefaultPrefix starts every topic name unless configured otherwise.
const DefaultPrefix = "qualys.vm"

// Topics names the product's topics. The zero value is not useful; use
// NewTopics.
type Topics struct {
	prefix string
	single string
}

// NewTopics returns the topic names for a prefix. With single set, every
// detection goes to that one topic instead of one topic per status.
func NewTopics(prefix, single string) Topics {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Topics{prefix: prefix, single: single}
}

// ForStatus returns the topic of a record status: NEW, ACTIVE, FIXED or
// REOPENED. A detection without a known status (older output leaves it out
// of Info detections) is still open, so it goes to the active topic with
// its status UNKNOWN in the record.
func (t Topics) ForStatus(status string) string {
	if t.single != "" {
		return t.single
	}
	switch status {
	case "NEW", "FIXED", "REOPENED":
	default:
		status = "ACTIVE"
	}
	return t.prefix + ".detection." + strings.ToLower(status)
}

// Detection returns every detection topic.
func (t Topics) Detection() []string {
	if t.single != "" {
		return []string{t.single}
	}
	var out []string
	for _, s := range []string{"NEW", "ACTIVE", "FIXED", "REOPENED"} {
		out = append(out, t.ForStatus(s))
	}
	return out
}

// DeadLetter returns the topic of what could not be published as a
// detection record: rejected detections and records too large.
func (t Topics) DeadLetter() string { return t.prefix + ".deadletter" }

// Checkpoint returns the compacted topic that holds sync progress.
func (t Topics) Checkpoint() string { return t.prefix + ".checkpoint" }
