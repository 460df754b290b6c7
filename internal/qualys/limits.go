package qualys

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits is what a response's headers said about the subscription's rate
// and concurrency limits. A field is -1 when its header was absent, empty
// or not a number: unknown, never zero.
type Limits struct {
	RateLimit          int
	RateWindowSec      int
	RateRemaining      int
	RateToWaitSec      int
	ConcurrencyLimit   int
	ConcurrencyRunning int
}

// ParseLimits reads the limit headers, accepting both spellings of the
// concurrency headers (X-Concurrency-Limit-* and X-ConcurrencyLimit-*).
func ParseLimits(h http.Header) Limits {
	return Limits{
		RateLimit:          headerInt(h, "X-RateLimit-Limit"),
		RateWindowSec:      headerInt(h, "X-RateLimit-Window-Sec"),
		RateRemaining:      headerInt(h, "X-RateLimit-Remaining"),
		RateToWaitSec:      headerInt(h, "X-RateLimit-ToWait-Sec"),
		ConcurrencyLimit:   headerInt(h, "X-Concurrency-Limit-Limit", "X-ConcurrencyLimit-Limit"),
		ConcurrencyRunning: headerInt(h, "X-Concurrency-Limit-Running", "X-ConcurrencyLimit-Running"),
	}
}

func headerInt(h http.Header, names ...string) int {
	for _, name := range names {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}

// GateStats counts what a Gate did.
type GateStats struct {
	RateWaits    int           // holds because the rate limit was spent
	RateWaited   time.Duration // total length of those holds
	SlotWaits    int           // calls that waited for a concurrency slot
	Shrinks      int           // times a 1960 refusal shrank the capacity
	Capacity     int           // concurrent calls allowed now
	PeakInFlight int
}

// Gate paces the calls of one subscription: at most Capacity calls run at
// once, and no call is sent while the headers say the rate limit is spent.
// Capacity starts at one, a probe, so that a pool of workers does not open
// with a burst of refusals; the first response's concurrency headers then
// set it, keeping one slot free for other clients of the subscription when
// the limit allows more than one call, and never above the configured
// maximum. Without concurrency headers it grows to the maximum. It is safe
// for concurrent use.
type Gate struct {
	mu        sync.Mutex
	max       int
	capacity  int
	inFlight  int
	waitUntil time.Time
	remaining int           // calls left in the rate window, -1 unknown
	known     bool          // whether a response has set the capacity
	changed   chan struct{} // closed and replaced when a slot frees or a wait ends
	stats     GateStats
	onWait    func(reason string, d time.Duration)
}

// NewGate returns a Gate allowing at most max concurrent calls (at least
// one). onWait, if not nil, is called once per rate-limit hold the gate
// starts, so that the caller can log it once, not once per waiting call.
func NewGate(max int, onWait func(reason string, d time.Duration)) *Gate {
	if max < 1 {
		max = 1
	}
	return &Gate{max: max, capacity: 1, remaining: -1, changed: make(chan struct{}), onWait: onWait}
}

// Acquire waits until a call may be sent and takes a slot for it. The
// returned release must be called once when the call has ended (its body
// closed). It returns ctx's error if ctx ends first.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	slotWaited := false
	for {
		g.mu.Lock()
		wait := time.Until(g.waitUntil)
		if wait <= 0 && g.inFlight < g.capacity && g.rateAllows() {
			g.take()
			g.mu.Unlock()
			return sync.OnceFunc(g.release), nil
		}
		changed := g.changed
		if wait <= 0 && !slotWaited {
			slotWaited = true
			g.stats.SlotWaits++
		}
		g.mu.Unlock()

		if err := g.sleep(ctx, wait, changed); err != nil {
			return nil, err
		}
	}
}

// rateAllows reports whether the rate window has a call left as far as the
// gate knows. With none left it waits for a call in flight to bring fresh
// headers; with none in flight it lets one call through, whose answer says
// how long to wait.
func (g *Gate) rateAllows() bool {
	if g.remaining != 0 || g.inFlight == 0 {
		return true
	}
	return false
}

func (g *Gate) take() {
	if g.remaining > 0 {
		g.remaining--
	}
	g.inFlight++
	if g.inFlight > g.stats.PeakInFlight {
		g.stats.PeakInFlight = g.inFlight
	}
}

// sleep waits for the rate wait to end, or for a slot to change.
func (g *Gate) sleep(ctx context.Context, wait time.Duration, changed <-chan struct{}) error {
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-changed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *Gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	g.notify()
}

func (g *Gate) notify() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// Observe adjusts the gate to the limits a response reported: capacity
// follows the concurrency limit less the calls of other clients and one
// slot of headroom, and a spent rate limit holds calls back for the wait
// the server gave.
func (g *Gate) Observe(l Limits) {
	g.mu.Lock()
	report := g.observe(l)
	g.notify()
	g.mu.Unlock()
	report()
}

func (g *Gate) observe(l Limits) (report func()) {
	report = func() {}
	if l.RateRemaining >= 0 {
		g.noteRemaining(l.RateRemaining)
	}
	if l.RateRemaining == 0 && l.RateToWaitSec > 0 {
		report = g.holdUntil(time.Now().Add(time.Duration(l.RateToWaitSec)*time.Second + HoldMargin))
		g.remaining = -1 // the window has room again when the hold ends
	}
	if l.ConcurrencyLimit < 1 {
		if !g.known {
			g.known = true
			g.setCapacity(g.max)
		}
		return report
	}
	g.known = true
	allowed := l.ConcurrencyLimit
	if allowed > 1 {
		allowed-- // headroom for the subscription's other clients
	}
	if l.ConcurrencyRunning >= 0 {
		others := l.ConcurrencyRunning - g.inFlight
		allowed = min(allowed, l.ConcurrencyLimit-max(others, 0))
	}
	g.setCapacity(allowed)
	return report
}

// noteRemaining takes the calls left in the window from a response. With
// other calls of ours in flight the header may predate them, so it can only
// lower the count; alone, it is exact.
func (g *Gate) noteRemaining(n int) {
	if g.inFlight <= 1 || g.remaining < 0 {
		g.remaining = n
		return
	}
	g.remaining = min(g.remaining, n)
}

// Shrink lowers the capacity by one after the API refused a call for
// concurrency (1960), never below one.
func (g *Gate) Shrink() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stats.Shrinks++
	g.setCapacity(g.capacity - 1)
}

// HoldFor keeps every call back for d and HoldMargin (after a 1965
// refusal).
func (g *Gate) HoldFor(d time.Duration) {
	g.mu.Lock()
	report := g.holdUntil(time.Now().Add(d + HoldMargin))
	g.mu.Unlock()
	report()
}

// HoldMargin is added to every wait the server asks for: its figure is in
// whole seconds, and a call sent on the second may still be refused.
const HoldMargin = time.Second

// holdUntil holds calls back until t. A new hold is counted, and the
// returned report, to be called without the lock, tells onWait of it once,
// however many calls wait on it.
func (g *Gate) holdUntil(t time.Time) (report func()) {
	report = func() {}
	if !t.After(g.waitUntil) {
		return report
	}
	d := time.Until(t)
	if g.waitUntil.Before(time.Now()) { // a new hold, not an extension
		g.stats.RateWaits++
		if g.onWait != nil {
			report = func() { g.onWait("rate limit", d) }
		}
	}
	g.stats.RateWaited += d - max(time.Until(g.waitUntil), 0)
	g.waitUntil = t
	return report
}

func (g *Gate) setCapacity(n int) {
	g.capacity = max(1, min(n, g.max))
}

// Stats returns what the gate did so far.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Capacity = g.capacity
	return s
}
