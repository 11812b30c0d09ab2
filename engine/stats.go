package engine

import (
	"sync/atomic"
	"time"
)

// stats are the engine's counters, readable from any goroutine.
type stats struct {
	commands      atomic.Uint64
	ticks         atomic.Uint64
	tickMaxNanos  atomic.Int64
	slowConsumers atomic.Uint64
	sessions      atomic.Int64
	logins        atomic.Uint64
	loginFailures atomic.Uint64
}

func (st *stats) observeTick(d time.Duration) {
	st.ticks.Add(1)
	if n := d.Nanoseconds(); n > st.tickMaxNanos.Load() {
		st.tickMaxNanos.Store(n)
	}
}

// Stats is a snapshot of the counters.
type Stats struct {
	Commands      uint64
	Ticks         uint64
	TickMax       time.Duration
	SlowConsumers uint64
	Sessions      int64
	Logins        uint64
	LoginFailures uint64
}

// Stats reads the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Commands:      s.stats.commands.Load(),
		Ticks:         s.stats.ticks.Load(),
		TickMax:       time.Duration(s.stats.tickMaxNanos.Load()),
		SlowConsumers: s.stats.slowConsumers.Load(),
		Sessions:      s.stats.sessions.Load(),
		Logins:        s.stats.logins.Load(),
		LoginFailures: s.stats.loginFailures.Load(),
	}
}
