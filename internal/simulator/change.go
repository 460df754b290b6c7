package simulator

import (
	"math"
	"slices"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// Change counts what one Advance did. Each counted detection changed once,
// at a time inside (From, To].
type Change struct {
	From, To time.Time

	Activated int // New → Active, or Re-Opened → Active
	Fixed     int // Active or Re-Opened → Fixed
	Reopened  int // Fixed → Re-Opened
	Refound   int // Active found again: no status change
	Added     int // brand-new detections, status New
	NewHosts  int // hosts created for some of the added detections
}

// StatusChanges returns the number of detections whose status changed,
// new ones included: those whose LAST_UPDATE_DATETIME moved.
func (c Change) StatusChanges() int { return c.Activated + c.Fixed + c.Reopened + c.Added }

// Changed returns the number of detections changed in any way.
func (c Change) Changed() int { return c.StatusChanges() + c.Refound }

// Advance moves the clock forward by d (whole seconds) and changes about
// fraction of the detections, as rescans would, each at a time spread
// inside (old now, new now]: New becomes Active; Active becomes Fixed or is
// found again; Fixed becomes Re-Opened; Re-Opened becomes Active or Fixed.
// A tenth of the changes are brand-new detections with status New, some on
// new hosts. A changed detection gets LAST_PROCESSED_DATETIME (and, when
// its status changed, LAST_UPDATE_DATETIME) set to its change time, and its
// host's scan and processing times move to it. Advance is deterministic for
// a given fleet and sequence of calls.
func (f *Fleet) Advance(d time.Duration, fraction float64) Change {
	old := f.now
	f.now = old.Add(d).Truncate(time.Second)
	c := Change{From: old, To: f.now}
	span := int64(f.now.Sub(old) / time.Second)
	if span <= 0 || fraction <= 0 {
		return c
	}
	fraction = min(fraction, 1)

	added := int(math.Round(fraction * float64(f.Detections()) / 10))
	p := fraction * 0.9
	from := stampOf(old)
	for _, h := range f.hosts {
		for j := range h.detections {
			if f.rng.Float64() < p {
				t := from + 1 + stamp(f.rng.Int64N(span))
				f.change(h, &h.detections[j], t, &c)
			}
		}
	}
	for range added {
		t := from + 1 + stamp(f.rng.Int64N(span))
		f.add(t, &c)
	}
	return c
}

// change moves d on h one step at time t.
func (f *Fleet) change(h *host, d *detection, t stamp, c *Change) {
	found := func() {
		d.lastFound = t
		d.timesFound++
	}
	switch d.status {
	case statusNew:
		d.status, d.lastUpdate = statusActive, t
		found()
		c.Activated++
	case statusActive:
		if f.rng.IntN(5) < 2 {
			d.status, d.lastFixed, d.lastUpdate = statusFixed, t, t
			c.Fixed++
			break
		}
		found()
		c.Refound++
	case statusFixed:
		d.status, d.lastUpdate = statusReopened, t
		if d.firstReopened == 0 {
			d.firstReopened = t
		}
		d.lastReopened = t
		d.timesReopened++
		found()
		c.Reopened++
	default:
		if f.rng.IntN(2) == 0 {
			d.status, d.lastFixed, d.lastUpdate = statusFixed, t, t
			c.Fixed++
			break
		}
		d.status, d.lastUpdate = statusActive, t
		found()
		c.Activated++
	}
	d.lastTest, d.lastProcessed = t, t
	touch(h, t)
}

// touch moves h's scan and processing times to t when t is later.
func touch(h *host, t stamp) {
	if t > h.processed {
		h.processed = t
	}
	if tt := t.time(); tt.After(h.LastVMScanned) {
		h.LastVMScanned, h.LastScan = tt, tt
	}
}

// add creates one detection with status New found at t, on an existing
// host or, one time in five, on a new host with a higher ID.
func (f *Fleet) add(t stamp, c *Change) {
	var h *host
	if f.rng.IntN(5) == 0 || len(f.hosts) == 0 {
		h = f.addHost(t)
		c.NewHosts++
	} else {
		h = f.hosts[f.rng.IntN(len(f.hosts))]
	}

	vi, ok := f.freeVuln(h)
	if !ok {
		return
	}
	d := f.newDetection(h, vi)
	d.status = statusNew
	d.firstFound, d.lastFound, d.lastTest, d.lastUpdate, d.lastProcessed = t, t, t, t, t
	d.lastFixed, d.firstReopened, d.lastReopened = 0, 0, 0
	d.timesFound, d.timesReopened = 1, 0

	at, _ := slices.BinarySearchFunc(h.detections, d.vuln,
		func(e detection, vi uint16) int { return int(e.vuln) - int(vi) })
	h.detections = slices.Insert(h.detections, at, d)
	touch(h, t)
	c.Added++
}

// freeVuln draws a vulnerability h can have and does not have yet.
func (f *Fleet) freeVuln(h *host) (uint16, bool) {
	pool := f.byPlat[h.platform]
	for range 50 {
		vi := pool[f.rng.IntN(len(pool))]
		has := slices.ContainsFunc(h.detections, func(d detection) bool { return d.vuln == vi })
		if !has {
			return vi, true
		}
	}
	return 0, false
}

// addHost appends a host first seen at t, with a higher ID than any other.
func (f *Fleet) addHost(t stamp) *host {
	id := int64(100000)
	if n := len(f.hosts); n > 0 {
		id = f.hosts[n-1].ID
	}
	id += nextStep(f.rng)

	now := f.now
	f.now = t.time()
	h := f.newHost(id, len(f.hosts))
	f.now = now
	tt := t.time()
	h.LastVMScanned, h.LastScan, h.processed = tt, tt, t
	h.LastVMAuthScanned, h.LastPCScanned = time.Time{}, time.Time{}
	h.LastVMAuthScannedDuration = qualys.Opt[int64]{}
	f.hosts = append(f.hosts, h)
	return h
}
