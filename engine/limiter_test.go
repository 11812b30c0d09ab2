package engine

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterBlocksAtMax(t *testing.T) {
	l := newLimiter()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, blocked := l.blocked("addr:1.2.3.4", 3, now); blocked {
			t.Fatalf("blocked after %d failures, limit 3", i)
		}
		l.fail("addr:1.2.3.4", now.Add(time.Duration(i)*time.Second))
	}
	wait, blocked := l.blocked("addr:1.2.3.4", 3, now.Add(10*time.Second))
	if !blocked {
		t.Fatal("not blocked after 3 failures, limit 3")
	}
	// Until the oldest failure leaves the window.
	if want := FailedLoginWindow - 10*time.Second; wait != want {
		t.Errorf("wait %s, want %s", wait, want)
	}
	if _, blocked := l.blocked("addr:5.6.7.8", 3, now); blocked {
		t.Error("another key is blocked too")
	}
}

func TestLimiterWindowSlides(t *testing.T) {
	l := newLimiter()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	l.fail("k", now)
	l.fail("k", now.Add(time.Minute))
	if _, blocked := l.blocked("k", 2, now.Add(2*time.Minute)); !blocked {
		t.Fatal("not blocked with 2 failures in the window")
	}
	// The first failure expires; one remains.
	later := now.Add(FailedLoginWindow)
	if _, blocked := l.blocked("k", 2, later); blocked {
		t.Error("still blocked after the oldest failure left the window")
	}
	if _, blocked := l.blocked("k", 1, later); !blocked {
		t.Error("the failure still in the window was forgotten")
	}
	// All expire: the key is forgotten, costing nothing.
	if _, blocked := l.blocked("k", 1, now.Add(time.Minute+FailedLoginWindow)); blocked {
		t.Error("blocked after every failure expired")
	}
	l.mu.Lock()
	n := len(l.fails)
	l.mu.Unlock()
	if n != 0 {
		t.Errorf("%d keys kept with no failures in the window", n)
	}
}

// A key sprayed with failures keeps a bounded list, and a limit above
// that bound still blocks.
func TestLimiterBounded(t *testing.T) {
	l := newLimiter()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.fail("k", now.Add(time.Duration(i)*time.Millisecond))
	}
	l.mu.Lock()
	kept := len(l.fails["k"])
	l.mu.Unlock()
	if kept > keptFailures {
		t.Errorf("%d failures kept for one key, want at most %d", kept, keptFailures)
	}
	if _, blocked := l.blocked("k", 500, now.Add(time.Second)); !blocked {
		t.Error("a limit above the kept failures never blocks")
	}
}

// Many addresses each failing once: expired ones are dropped once the map
// is large, so a spray cannot grow it for ever.
func TestLimiterForgetsExpiredKeys(t *testing.T) {
	l := newLimiter()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 100_001 {
		l.fail(fmt.Sprintf("addr:%d", i), now)
	}
	l.fail("addr:late", now.Add(FailedLoginWindow+time.Second))
	l.mu.Lock()
	n := len(l.fails)
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("%d keys kept after the spray expired, want 1", n)
	}
}
