//go:build race

package record

// raceEnabled reports whether the race detector is on.
const raceEnabled = true
