package engine

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"shardmud/world"
)

// stats are the engine's counters. The loop and sessions update them; any
// goroutine may read them.
type stats struct {
	started       time.Time
	commands      atomic.Uint64
	tick          histogram
	stall         histogram // time the loop spends taking a snapshot
	handoffs      histogram // characters handed to other shards: from freeze to the target's answer
	slowConsumers atomic.Uint64
	// outboxDrops counts messages lost to full outboxes: those queued
	// when a session overflowed, the one that overflowed it, and any sent
	// to it after (until the loop lets the character go).
	outboxDrops   atomic.Uint64
	sessions      atomic.Int64
	players       atomic.Int64
	logins        atomic.Uint64
	loginFailures atomic.Uint64
	hashes        atomic.Uint64 // bcrypt calls: what a login costs the server

	// Engine-owned: commands counted at each of the last rateWindow
	// seconds, for a current commands/s.
	rate     [rateWindow + 1]uint64
	rateSec  int64
	rateHead int
	// rateBits is the current commands/s (float64 bits), worked out by the
	// loop each second so that any goroutine may read it.
	rateBits atomic.Uint64
}

const rateWindow = 10 // seconds

// sample is called by the loop after every tick.
func (st *stats) sample(now time.Time, players int) {
	st.players.Store(int64(players))
	if sec := now.Unix(); sec != st.rateSec {
		st.rateSec = sec
		st.rateHead = (st.rateHead + 1) % len(st.rate)
		st.rate[st.rateHead] = st.commands.Load()
		newest := st.rate[st.rateHead]
		oldest := st.rate[(st.rateHead+1)%len(st.rate)]
		st.rateBits.Store(math.Float64bits(float64(newest-oldest) / rateWindow))
	}
}

// commandRate is commands per second over the last rateWindow seconds;
// any goroutine may call it.
func (st *stats) commandRate() float64 { return math.Float64frombits(st.rateBits.Load()) }

// Stats is a snapshot of the counters.
type Stats struct {
	Commands      uint64
	Ticks         uint64
	TickP50       time.Duration
	TickP99       time.Duration
	TickMax       time.Duration
	CommandRate   float64 // commands per second over the last rateWindow seconds
	SlowConsumers uint64
	OutboxDrops   uint64
	Sessions      int64
	Players       int64
	Logins        uint64
	LoginFailures uint64
}

// Stats reads the counters.
func (s *Server) Stats() Stats {
	var ticks uint64
	for _, b := range s.stats.tick.buckets() {
		ticks += b[1]
	}
	return Stats{
		Commands:      s.stats.commands.Load(),
		Ticks:         ticks,
		TickP50:       s.stats.tick.quantile(0.5),
		TickP99:       s.stats.tick.quantile(0.99),
		TickMax:       time.Duration(s.stats.tick.max.Load()),
		CommandRate:   s.stats.commandRate(),
		SlowConsumers: s.stats.slowConsumers.Load(),
		OutboxDrops:   s.stats.outboxDrops.Load(),
		Sessions:      s.stats.sessions.Load(),
		Players:       s.stats.players.Load(),
		Logins:        s.stats.logins.Load(),
		LoginFailures: s.stats.loginFailures.Load(),
	}
}

// Metrics is the server's figures as JSON-ready values, served under the
// "shardmud" key of /debug/vars. Names are a contract with cmd/mudbench.
func (s *Server) Metrics() map[string]any {
	st := s.Stats()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{
		"uptime_s":          int64(time.Since(s.stats.started).Seconds()),
		"commands":          st.Commands,
		"commands_per_s":    st.CommandRate,
		"ticks":             st.Ticks,
		"tick_buckets":      s.stats.tick.buckets(),
		"tick_p50_ns":       st.TickP50.Nanoseconds(),
		"tick_p99_ns":       st.TickP99.Nanoseconds(),
		"tick_max_ns":       st.TickMax.Nanoseconds(),
		"sessions":          st.Sessions,
		"players":           st.Players,
		"slow_consumers":    st.SlowConsumers,
		"outbox_drops":      st.OutboxDrops,
		"logins":            st.Logins,
		"login_failures":    st.LoginFailures,
		"heap_inuse_bytes":  ms.HeapInuse,
		"heap_alloc_bytes":  ms.HeapAlloc,
		"sys_bytes":         ms.Sys,
		"rss_bytes":         rss(),
		"goroutines":        runtime.NumGoroutine(),
		"gc_pause_total_ns": ms.PauseTotalNs,
		"save_writes":       s.saver.writes.Load(),
		"save_rows":         s.saver.rows.Load(),
		"save_failures":     s.saver.failures.Load(),
		"save_p50_ns":       s.saver.duration.quantile(0.5).Nanoseconds(),
		"save_p99_ns":       s.saver.duration.quantile(0.99).Nanoseconds(),
		"save_max_ns":       s.saver.duration.max.Load(),
		"save_stall_p99_ns": s.stats.stall.quantile(0.99).Nanoseconds(),
		"save_writing":      s.saver.writing.Load(),
		"journal_written":   s.journal.written.Load(),
		"journal_dropped":   s.journal.dropped.Load(),
		"journal_failures":  s.journal.failures.Load(),
		"save_stall_max_ns": s.stats.stall.max.Load(),
		"handoffs":          s.stats.handoffs.count(),
		"handoff_p50_ns":    s.stats.handoffs.quantile(0.5).Nanoseconds(),
		"handoff_p99_ns":    s.stats.handoffs.quantile(0.99).Nanoseconds(),
		"lua_calls":         s.scripts.Calls(),
		"lua_budget_hits":   s.scripts.BudgetHits(),
		"lua_errors":        s.scripts.Errors(),
		"lua_deferred":      s.scripts.Deferred(),
		"num_gc":            ms.NumGC,
	}
}

// rss is the process's resident memory from /proc, 0 where there is none.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// statsCommand is the admin's view of the same figures, in the game.
func (s *Server) statsCommand() *world.Command {
	return &world.Command{
		Name: "stats", MinRole: world.RoleAdmin, Usage: "stats",
		Help: "Shows the server's figures: uptime, sessions, commands per second, tick durations, output drops, saves, scripts, memory and goroutines.",
		Run: func(c *world.Ctx) {
			st := s.Stats()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			c.Send(fmt.Sprintf("{WServer figures{x\n"+
				"  uptime          %s\n"+
				"  sessions        %d (%d characters in the world)\n"+
				"  commands        %d total, %.1f/s over the last %ds\n"+
				"  tick            p50 %s  p99 %s  max %s  (%d ticks of %s)\n"+
				"  outbox drops    %d messages (full outboxes); %d slow consumers closed\n"+
				"  logins          %d ok, %d failed\n"+
				"  saves           %d writes, %d rows, %d failed\n"+
				"  save write      p99 %s  max %s  (off the loop)\n"+
				"  save stall      p99 %s  max %s  (the loop taking a snapshot)\n"+
				"  lua             %d calls, %d budget hits, %d errors, %d deferred to a later tick, %d scripts\n"+
				"  handoffs        %d out; p50 %s p99 %s\n"+
				"  memory          heap %s in use, rss %s, %d goroutines, %d GCs",
				time.Since(s.stats.started).Round(time.Second), st.Sessions, st.Players,
				st.Commands, st.CommandRate, rateWindow,
				us(st.TickP50), us(st.TickP99), us(st.TickMax), st.Ticks, s.cfg.Tick,
				st.OutboxDrops, st.SlowConsumers, st.Logins, st.LoginFailures,
				s.saver.writes.Load(), s.saver.rows.Load(), s.saver.failures.Load(),
				us(s.saver.duration.quantile(0.99)), us(time.Duration(s.saver.duration.max.Load())),
				us(s.stats.stall.quantile(0.99)), us(time.Duration(s.stats.stall.max.Load())),
				s.scripts.Calls(), s.scripts.BudgetHits(), s.scripts.Errors(), s.scripts.Deferred(), len(s.scripts.Scripts()),
				s.stats.handoffs.count(), s.stats.handoffs.quantile(0.5), s.stats.handoffs.quantile(0.99),
				mib(ms.HeapInuse), mib(rss()), runtime.NumGoroutine(), ms.NumGC))
		},
	}
}

// us rounds d to microseconds: finer is noise, and it keeps lines short.
func us(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
