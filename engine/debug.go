package engine

import (
	"encoding/json"
	"expvar"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startDebug serves net/http/pprof, /debug/vars (expvar's JSON plus a
// "shardmud" key with Metrics) and /metrics (the same figures as
// Prometheus text, as the web site serves them) on addr. It is for
// operators and benchmarks: bind it to loopback.
func (s *Server) startDebug(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/vars", s.serveVars)
	mux.Handle("GET /metrics", s.PrometheusHandler())
	s.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.debugAddr = ln.Addr()
	s.log.Info("pprof listening", "addr", ln.Addr().String())
	go s.debug.Serve(ln)
	return nil
}

// serveVars writes every published expvar and the server's own figures
// (not published globally, so several servers can live in one process).
func (s *Server) serveVars(w http.ResponseWriter, r *http.Request) {
	vars := map[string]any{"shardmud": s.Metrics()}
	expvar.Do(func(kv expvar.KeyValue) {
		vars[kv.Key] = json.RawMessage(kv.Value.String())
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(vars)
}

// PrometheusHandler serves the game's figures with the Go runtime's and
// the process's as Prometheus text, from a registry of its own rather
// than the global default, which any imported library may fill. Figures
// are read when scraped: the counters (which any goroutine may read) and
// the loop's answers (Status, Connections). A scrape during which the
// loop does not answer still serves the figures that need no answer; the
// rest are logged and counted in promhttp_metric_handler_errors_total.
// Both the debug listener and the web site's /metrics use it.
func (s *Server) PrometheusHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		promCollector{s},
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      reg,
	})
}

// promCounter is one of the server's counters, exported as it is.
type promCounter struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	read func(*Server) float64
}

func promDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("shardmud_"+name, help, labels, nil)
}

var promCounters = []promCounter{
	{promDesc("players", "Characters in this shard's world."), prometheus.GaugeValue,
		func(s *Server) float64 { return float64(s.stats.players.Load()) }},
	{promDesc("commands_total", "Commands players have run."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.commands.Load()) }},
	{promDesc("lua_calls_total", "Script hook calls."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.scripts.Calls()) }},
	{promDesc("lua_budget_hits_total", "Script hooks stopped for running past their time budget."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.scripts.BudgetHits()) }},
	{promDesc("lua_errors_total", "Script hooks that failed."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.scripts.Errors()) }},
	{promDesc("save_writes_total", "Writes of the world's changes to the database."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.saver.writes.Load()) }},
	{promDesc("save_failures_total", "Writes of the world's changes that failed."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.saver.failures.Load()) }},
	{promDesc("handoffs_total", "Characters handed to other shards."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.handoffs.count()) }},
	{promDesc("slow_consumers_total", "Sessions closed for not reading their output."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.slowConsumers.Load()) }},
	{promDesc("outbox_drops_total", "Messages dropped because a session's outbox was full (the session is then closed as a slow consumer)."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.outboxDrops.Load()) }},
	{promDesc("logins_total", "Logins that succeeded."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.logins.Load()) }},
	{promDesc("login_failures_total", "Logins that failed."), prometheus.CounterValue,
		func(s *Server) float64 { return float64(s.stats.loginFailures.Load()) }},
}

// promQuantiles are histograms the server keeps but exports as two
// quantiles: the 99th percentile and the longest (quantile 1).
var promQuantiles = []struct {
	desc *prometheus.Desc
	hist func(*Server) *histogram
}{
	{promDesc("save_stall_seconds", "How long the game loop stops to take a snapshot for saving: the 99th percentile and the longest (quantile 1).", "quantile"),
		func(s *Server) *histogram { return &s.stats.stall }},
	{promDesc("save_write_seconds", "How long one write of a snapshot to the database takes, off the game loop: the 99th percentile and the longest (quantile 1).", "quantile"),
		func(s *Server) *histogram { return &s.saver.duration }},
}

var (
	promTick = promDesc("tick_seconds",
		"How long a game tick took. The sum is estimated from the buckets' upper bounds (at most 25% high): the engine keeps no exact sum.")
	promSessions = promDesc("sessions",
		"Connections, logged in or not, by protocol (protocol@shard for characters played through another shard).", "protocol")
	promElsewhere = promDesc("players_elsewhere", "Characters in the linked shards' worlds, as last heard.")
	promLinked    = promDesc("relay_linked", "1 while the link to the relay is up.")
)

// promDoors are the protocols counted even with no sessions, so that
// their series do not vanish at zero.
var promDoors = []string{"telnet", "ssh"}

// promCollector reads the server's figures at each scrape.
type promCollector struct{ s *Server }

func (c promCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range promCounters {
		ch <- f.desc
	}
	for _, q := range promQuantiles {
		ch <- q.desc
	}
	for _, d := range []*prometheus.Desc{promTick, promSessions, promElsewhere, promLinked} {
		ch <- d
	}
}

func (c promCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	for _, f := range promCounters {
		ch <- prometheus.MustNewConstMetric(f.desc, f.typ, f.read(s))
	}
	for _, q := range promQuantiles {
		h := q.hist(s)
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, h.quantile(0.99).Seconds(), "0.99")
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, time.Duration(h.max.Load()).Seconds(), "1")
	}
	ch <- tickHistogram(s.stats.tick.buckets())

	// Linked is known without asking the loop, so it is there even when
	// the game does not answer.
	st, err := s.Status()
	ch <- prometheus.MustNewConstMetric(promLinked, prometheus.GaugeValue, boolFloat(st.Linked))
	if err != nil {
		ch <- prometheus.NewInvalidMetric(promElsewhere, err)
	} else {
		ch <- prometheus.MustNewConstMetric(promElsewhere, prometheus.GaugeValue, float64(st.Elsewhere))
	}
	c.collectSessions(ch)
}

// collectSessions counts the connections by protocol.
func (c promCollector) collectSessions(ch chan<- prometheus.Metric) {
	conns, err := c.s.Connections()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(promSessions, err)
		return
	}
	by := map[string]int{}
	for _, p := range promDoors {
		by[p] = 0
	}
	for _, cn := range conns {
		by[cn.Protocol]++
	}
	for p, n := range by {
		ch <- prometheus.MustNewConstMetric(promSessions, prometheus.GaugeValue, float64(n), p)
	}
}

// tickHistogram turns the engine's [upper bound ns, count] tick buckets
// into a histogram in seconds. Only the buckets that ever counted a tick
// are there, and a bucket never empties, so the le series only ever grow.
func tickHistogram(buckets [][2]uint64) prometheus.Metric {
	cumulative := make(map[float64]uint64, len(buckets))
	var count uint64
	var sum float64
	for _, b := range buckets {
		upper := float64(b[0]) / 1e9
		count += b[1]
		sum += upper * float64(b[1])
		cumulative[upper] = count
	}
	return prometheus.MustNewConstHistogram(promTick, count, sum, cumulative)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
