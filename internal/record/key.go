package record

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Key returns the Kafka key of a detection: its identity, the same in every
// sync for as long as the detection exists, whatever its status. It never
// holds a host name or IP, which change.
//
// The key is eight parts joined by '|':
//
//	subscription|host_id|qid|port|protocol|ssl|fqdn|instance
//
// host_id and qid are decimal; port is decimal or empty when the detection
// is not port-bound; ssl is 1 when SSL was sent as 1 and 0 otherwise (absent
// counts as 0); subscription, protocol, fqdn and instance are the text as
// sent, empty when absent, with '\' written as `\\` and '|' as `\|` so that
// a part never splits. For example, host 123, QID 38170 on 443/tcp over SSL,
// no subscription label:
//
//	|123|38170|443|tcp|1||
func Key(subscription string, hostID int64, d *qualys.Detection) []byte {
	b := make([]byte, 0, 48+len(subscription)+len(d.FQDN)+len(d.Instance))
	return appendKey(b, subscription, hostID, d)
}

// appendKey appends the Key of a detection to b, so that Encode can build
// the key in its scratch buffer instead of allocating it.
func appendKey(b []byte, subscription string, hostID int64, d *qualys.Detection) []byte {
	b = appendEscaped(b, subscription)
	b = append(b, '|')
	b = strconv.AppendInt(b, hostID, 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, d.QID, 10)
	b = append(b, '|')
	if d.Port.Valid {
		b = strconv.AppendInt(b, int64(d.Port.V), 10)
	}
	b = append(b, '|')
	b = appendEscaped(b, d.Protocol)
	b = append(b, '|')

	if d.SSL.Valid && d.SSL.V {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, '|')
	b = appendEscaped(b, d.FQDN)
	b = append(b, '|')
	b = appendEscaped(b, d.Instance)
	return b
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '|' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return b
}

// EventID returns the deterministic ID of a detection in its current state:
// the first 32 hex digits of the SHA-256 of
//
//	key|status|last_update|last_found|last_test|last_fixed|last_processed|times_found
//
// where key is Key, status is Status, times are Unix milliseconds (empty
// when absent) and times_found is decimal (empty when absent). The same
// detection in the same state always gets the same ID, so consumers can
// drop the repeats that overlapping syncs and retries produce; a change of
// status, any of those times or the count gives a new ID.
func EventID(subscription string, h *qualys.Host, d *qualys.Detection) string {
	return eventID(Key(subscription, h.ID, d), Status(d), d)
}

// eventID returns the event ID of d given its key and status symbol. It
// appends the state to key, which may write into key's spare capacity, so
// that Encode can hash its scratch buffer without allocating.
func eventID(key []byte, status string, d *qualys.Detection) string {
	b := append(key, '|')
	b = append(b, status...)
	times := [...]time.Time{d.LastUpdate, d.LastFound, d.LastTest, d.LastFixed, d.LastProcessed}
	for _, t := range times {
		b = append(b, '|')
		if !t.IsZero() {
			b = strconv.AppendInt(b, t.UnixMilli(), 10)
		}
	}
	b = append(b, '|')
	if d.TimesFound.Valid {
		b = strconv.AppendInt(b, int64(d.TimesFound.V), 10)
	}

	sum := sha256.Sum256(b)
	var id [32]byte
	hex.Encode(id[:], sum[:16])
	return string(id[:])
}
