package qualys

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseLimits(t *testing.T) {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "300")
	h.Set("X-RateLimit-Remaining", "")      // empty: unknown
	h.Set("X-RateLimit-ToWait-Sec", "soon") // not a number: unknown
	h.Set("X-ConcurrencyLimit-Limit", "2")  // the other spelling
	h.Set("X-Concurrency-Limit-Running", "1")

	got := ParseLimits(h)
	want := Limits{RateLimit: 300, RateWindowSec: -1, RateRemaining: -1, RateToWaitSec: -1,
		ConcurrencyLimit: 2, ConcurrencyRunning: 1}
	if got != want {
		t.Errorf("ParseLimits = %+v, want %+v", got, want)
	}
}

func TestGateCapsConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGate(2, nil)
		g.Observe(ParseLimits(http.Header{})) // no headers: the maximum
		r1, _ := g.Acquire(t.Context())
		r2, _ := g.Acquire(t.Context())

		third := make(chan func())
		go func() {
			r, _ := g.Acquire(t.Context())
			third <- r
		}()
		synctest.Wait()
		select {
		case <-third:
			t.Fatal("a third call got a slot while two were running")
		default:
		}

		r1()
		r1() // release is idempotent
		r3 := <-third
		r2()
		r3()
		if s := g.Stats(); s.PeakInFlight != 2 || s.SlotWaits != 1 {
			t.Errorf("stats %+v, want peak 2 and one slot wait", s)
		}
	})
}

// TestGateLeavesRoomForOtherClients pins the capacity the concurrency
// headers give: one slot of headroom, and the slots other clients hold.
func TestGateLeavesRoomForOtherClients(t *testing.T) {
	tests := []struct {
		name         string
		max          int
		limit, run   int
		ourInFlight  int
		wantCapacity int
	}{
		{"limit_5_alone", 8, 5, 1, 1, 4},
		{"limit_2_other_client_holds_one", 8, 2, 2, 1, 1},
		{"limit_1", 8, 1, 1, 1, 1},
		{"configured_max_is_lower", 2, 10, 1, 1, 2},
		{"unknown_limit_keeps_max", 3, -1, -1, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGate(tt.max, nil)
			g.inFlight = tt.ourInFlight
			g.Observe(Limits{ConcurrencyLimit: tt.limit, ConcurrencyRunning: tt.run,
				RateRemaining: -1, RateToWaitSec: -1})
			if c := g.Stats().Capacity; c != tt.wantCapacity {
				t.Errorf("capacity %d, want %d", c, tt.wantCapacity)
			}
		})
	}
}

// TestGateWaitsWhenRateIsSpent pins that no call is sent while the headers
// say the rate limit is spent.
func TestGateWaitsWhenRateIsSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		waits := 0
		g := NewGate(1, func(string, time.Duration) { waits++ })
		g.Observe(Limits{RateLimit: 300, RateWindowSec: 3600, RateRemaining: 0, RateToWaitSec: 30,
			ConcurrencyLimit: -1, ConcurrencyRunning: -1})

		start := time.Now()
		release, err := g.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
		if waited := time.Since(start); waited != 30*time.Second+HoldMargin {
			t.Errorf("waited %v, want 30s and the margin", waited)
		}
		if waits != 1 || g.Stats().RateWaits != 1 {
			t.Errorf("wait logged %d times, counted %d; want once", waits, g.Stats().RateWaits)
		}
	})
}

// TestGateHoldsLastCallsOfTheWindow pins that once the gate counts the
// window spent, calls wait for a call in flight to bring fresh headers
// instead of being sent to a certain refusal.
func TestGateHoldsLastCallsOfTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGate(4, nil)
		g.Observe(Limits{RateLimit: 10, RateWindowSec: 60, RateRemaining: 1, RateToWaitSec: 0,
			ConcurrencyLimit: 5, ConcurrencyRunning: 0})
		r1, _ := g.Acquire(t.Context()) // the last call of the window

		second := make(chan struct{})
		go func() {
			r, err := g.Acquire(t.Context())
			if err == nil {
				r()
			}
			close(second)
		}()
		synctest.Wait()
		select {
		case <-second:
			t.Fatal("a call was sent with the window spent")
		default:
		}

		// The first call's answer says the window is spent for 20s.
		g.Observe(Limits{RateLimit: 10, RateWindowSec: 60, RateRemaining: 0, RateToWaitSec: 20,
			ConcurrencyLimit: 5, ConcurrencyRunning: 1})
		r1()
		start := time.Now()
		<-second
		if waited := time.Since(start); waited != 20*time.Second+HoldMargin {
			t.Errorf("second call sent after %v, want 20s", waited)
		}
	})
}

func TestGateWaitIsCancellable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGate(1, nil)
		g.HoldFor(time.Hour)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := g.Acquire(ctx); err == nil {
			t.Error("Acquire returned a slot during an hour's hold")
		}
	})
}

// TestGateProbesBeforeHeadersAreKnown pins that the first call goes alone,
// so that a pool does not open with a burst of concurrency refusals.
func TestGateProbesBeforeHeadersAreKnown(t *testing.T) {
	if c := NewGate(8, nil).Stats().Capacity; c != 1 {
		t.Errorf("capacity before any response %d, want 1", c)
	}
}

func TestGateShrinkStopsAtOne(t *testing.T) {
	g := NewGate(3, nil)
	g.Observe(ParseLimits(http.Header{}))
	for range 5 {
		g.Shrink()
	}
	if s := g.Stats(); s.Capacity != 1 || s.Shrinks != 5 {
		t.Errorf("stats %+v, want capacity 1 after 5 shrinks", s)
	}
}

func TestRateWait(t *testing.T) {
	tests := []struct {
		name string
		err  APIError
		want time.Duration
	}{
		{"header", APIError{Limits: Limits{RateToWaitSec: 42}}, 42 * time.Second},
		{"item", APIError{Items: map[string]string{"SECONDS_TO_WAIT": "17"}}, 17 * time.Second},
		{"text", APIError{Text: "This API cannot be run again for another 23 hours, 57 minutes and 54 seconds."},
			23*time.Hour + 57*time.Minute + 54*time.Second},
		{"nothing", APIError{Text: "try later"}, DefaultRateWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.RateWait(); got != tt.want {
				t.Errorf("RateWait = %v, want %v", got, tt.want)
			}
		})
	}
}
