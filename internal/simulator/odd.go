package simulator

import "time"

// OddKind is an odd value the simulator can write into a detection, as
// real subscriptions sometimes hold: some the client must reject to the
// dead-letter topic, some it must repair or read as the same value.
type OddKind uint8

// The odd values, chosen per detection by OddValue.
const (
	OddNone OddKind = iota
	// OddQID writes a QID that is not a number: the client rejects the
	// detection.
	OddQID
	// OddDate writes a LAST_FOUND_DATETIME in no known form: the client
	// rejects the detection.
	OddDate
	// OddControlChar puts a control character and a Latin-1 byte into
	// RESULTS: the client repairs both to U+FFFD and publishes.
	OddControlChar
	// OddOffset writes FIRST_FOUND_DATETIME with a +02:00 offset and
	// fractional seconds, for the same instant: the client reads the same
	// time.
	OddOffset
	oddKinds
)

// Rejected reports whether a client must dead-letter a detection written
// with k rather than publish it.
func (k OddKind) Rejected() bool { return k == OddQID || k == OddDate }

// OddValue returns the odd value of the detection QID of host hostID when
// about one detection in every is written odd (every 0: none). It depends
// only on its arguments, so a page asked for again is written the same.
func OddValue(hostID, qid int64, every int) OddKind {
	if every <= 0 {
		return OddNone
	}
	h := uint64(hostID)*0x9e3779b97f4a7c15 ^ uint64(qid)*0xc2b2ae3d27d4eb4f
	h ^= h >> 31
	h *= 0x94d049bb133111eb
	h ^= h >> 29
	if h%uint64(every) != 0 {
		return OddNone
	}
	return OddKind(1 + (h/uint64(every))%uint64(oddKinds-1))
}

// raw writes <name>s</name> with s as it is: the odd values only.
func (x *xmlWriter) raw(depth int, name, s string) {
	x.open(depth, name)
	x.w.WriteString(s)
	x.end(name)
}

// oddOffset is the zone OddOffset writes times in.
var oddOffset = time.FixedZone("", 2*3600)
