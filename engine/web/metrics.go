package web

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"shardmud/engine"
)

// The Prometheus endpoint. Figures are read when scraped: the engine's
// counters (Metrics, TickBuckets, which any goroutine may read) and its
// answers (Status, Connections, which ask the loop). Nothing here keeps
// state or runs between scrapes.

// metricsHandler serves the game's figures with the Go runtime's and the
// process's, from a registry of its own rather than the global default,
// which any imported library may fill. A scrape during which the game does
// not answer still serves the figures that need no answer; the rest are
// logged and counted in promhttp_metric_handler_errors_total.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gameCollector{s.eng},
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      reg,
	})
}

// figure is one of engine.Metrics exported as it is.
type figure struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	key  string // in engine.Metrics
}

var figures = []figure{
	{prometheus.NewDesc("shardmud_players", "Characters in this shard's world.", nil, nil), prometheus.GaugeValue, "players"},
	{prometheus.NewDesc("shardmud_commands_total", "Commands players have run.", nil, nil), prometheus.CounterValue, "commands"},
	{prometheus.NewDesc("shardmud_lua_budget_hits_total", "Script hooks stopped for running past their time budget.", nil, nil), prometheus.CounterValue, "lua_budget_hits"},
	{prometheus.NewDesc("shardmud_lua_errors_total", "Script hooks that failed.", nil, nil), prometheus.CounterValue, "lua_errors"},
	{prometheus.NewDesc("shardmud_save_writes_total", "Writes of the world's changes to the database.", nil, nil), prometheus.CounterValue, "save_writes"},
	{prometheus.NewDesc("shardmud_save_failures_total", "Writes of the world's changes that failed.", nil, nil), prometheus.CounterValue, "save_failures"},
	{prometheus.NewDesc("shardmud_handoffs_total", "Characters handed to other shards.", nil, nil), prometheus.CounterValue, "handoffs"},
	{prometheus.NewDesc("shardmud_slow_consumers_total", "Sessions closed for not reading their output.", nil, nil), prometheus.CounterValue, "slow_consumers"},
	{prometheus.NewDesc("shardmud_logins_total", "Logins that succeeded.", nil, nil), prometheus.CounterValue, "logins"},
	{prometheus.NewDesc("shardmud_login_failures_total", "Logins that failed.", nil, nil), prometheus.CounterValue, "login_failures"},
}

// stallQuantiles are the snapshot stall's figures in engine.Metrics, by
// quantile: the engine keeps a histogram but exports only these.
var stallQuantiles = []struct{ quantile, key string }{
	{"0.99", "save_stall_p99_ns"},
	{"1", "save_stall_max_ns"},
}

var (
	tickDesc = prometheus.NewDesc("shardmud_tick_seconds",
		"How long a game tick took. The sum is estimated from the buckets' upper bounds (at most 25% high): the engine keeps no exact sum.", nil, nil)
	stallDesc = prometheus.NewDesc("shardmud_save_stall_seconds",
		"How long the game loop stops to take a snapshot for saving: the 99th percentile and the longest (quantile 1).", []string{"quantile"}, nil)
	sessionsDesc = prometheus.NewDesc("shardmud_sessions",
		"Connections, logged in or not, by protocol (protocol@shard for characters played through another shard).", []string{"protocol"}, nil)
	elsewhereDesc = prometheus.NewDesc("shardmud_players_elsewhere",
		"Characters in the linked shards' worlds, as last heard.", nil, nil)
	linkedDesc = prometheus.NewDesc("shardmud_relay_linked",
		"1 while the link to the relay is up.", nil, nil)
)

// localDoors are the protocols counted even with no sessions, so that
// their series do not vanish at zero.
var localDoors = []string{"telnet", "ssh"}

// gameCollector reads the engine's figures at each scrape.
type gameCollector struct{ eng *engine.Server }

func (c gameCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range figures {
		ch <- f.desc
	}
	for _, d := range []*prometheus.Desc{tickDesc, stallDesc, sessionsDesc, elsewhereDesc, linkedDesc} {
		ch <- d
	}
}

func (c gameCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.eng.Metrics()
	for _, f := range figures {
		v, err := number(m, f.key)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(f.desc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(f.desc, f.typ, v)
	}
	for _, q := range stallQuantiles {
		ns, err := number(m, q.key)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(stallDesc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(stallDesc, prometheus.GaugeValue, ns/1e9, q.quantile)
	}
	ch <- tickHistogram(c.eng.TickBuckets())

	// Linked is known without asking the loop, so it is there even when
	// the game does not answer.
	st, err := c.eng.Status()
	ch <- prometheus.MustNewConstMetric(linkedDesc, prometheus.GaugeValue, boolFloat(st.Linked))
	if err != nil {
		ch <- prometheus.NewInvalidMetric(elsewhereDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(elsewhereDesc, prometheus.GaugeValue, float64(st.Elsewhere))
	}
	c.collectSessions(ch)
}

// collectSessions counts the connections by protocol.
func (c gameCollector) collectSessions(ch chan<- prometheus.Metric) {
	conns, err := c.eng.Connections()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(sessionsDesc, err)
		return
	}
	by := map[string]int{}
	for _, p := range localDoors {
		by[p] = 0
	}
	for _, cn := range conns {
		by[cn.Protocol]++
	}
	for p, n := range by {
		ch <- prometheus.MustNewConstMetric(sessionsDesc, prometheus.GaugeValue, float64(n), p)
	}
}

// tickHistogram turns the engine's [upper bound ns, count] buckets into a
// histogram in seconds. Only the buckets that ever counted a tick are
// there, and a bucket never empties, so the le series only ever grow.
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
	return prometheus.MustNewConstHistogram(tickDesc, count, sum, cumulative)
}

// number is engine.Metrics' figure key as a float.
func number(m map[string]any, key string) (float64, error) {
	switch v := m[key].(type) {
	case uint64:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case int:
		return float64(v), nil
	}
	return 0, fmt.Errorf("engine metrics: %q is %T, not a number", key, m[key])
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
