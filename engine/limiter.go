package engine

import (
	"sync"
	"time"
)

// limiter counts failed logins per key (an address or an account) within
// FailedLoginWindow. Session goroutines share it.
type limiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

// keptFailures is the most failures remembered per key: enough for any
// sane limit, and a key sprayed with failures costs no more than this.
// A limit above it counts as this many.
const keptFailures = 64

func newLimiter() *limiter { return &limiter{fails: make(map[string][]time.Time)} }

// blocked reports whether key has had max failures within the window, and
// how long until the oldest of them expires.
func (l *limiter) blocked(key string, max int, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key, now)
	if len(recent) < min(max, keptFailures) {
		return 0, false
	}
	return recent[0].Add(FailedLoginWindow).Sub(now), true
}

// fail records a failure for key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := append(l.prune(key, now), now)
	if len(list) > keptFailures {
		list = list[len(list)-keptFailures:]
	}
	l.fails[key] = list
	if len(l.fails) > 100_000 { // a spray from many addresses: forget the expired
		for k := range l.fails {
			l.prune(k, now)
		}
	}
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= FailedLoginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = list
	return list
}
