package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetrics scrapes /metrics with a player in the game: the text parses,
// every figure is there with its type, and the ones a login moves show it.
func TestMetrics(t *testing.T) {
	site, eng := startSite(t)
	play(t, eng, "Ada")

	var families map[string]*dto.MetricFamily
	checkFor(t, 5*time.Second, func() error { // players is sampled once a tick
		families = scrape(t, site)
		if v := gaugeValue(families, "shardmud_players", ""); v != 1 {
			return fmt.Errorf("shardmud_players = %v, want 1", v)
		}
		return nil
	})
	for name, typ := range map[string]dto.MetricType{
		"shardmud_tick_seconds":          dto.MetricType_HISTOGRAM,
		"shardmud_sessions":              dto.MetricType_GAUGE,
		"shardmud_players":               dto.MetricType_GAUGE,
		"shardmud_players_elsewhere":     dto.MetricType_GAUGE,
		"shardmud_commands_total":        dto.MetricType_COUNTER,
		"shardmud_lua_calls_total":       dto.MetricType_COUNTER,
		"shardmud_lua_budget_hits_total": dto.MetricType_COUNTER,
		"shardmud_outbox_drops_total":    dto.MetricType_COUNTER,
		"shardmud_save_write_seconds":    dto.MetricType_GAUGE,
		"shardmud_lua_errors_total":      dto.MetricType_COUNTER,
		"shardmud_save_writes_total":     dto.MetricType_COUNTER,
		"shardmud_save_failures_total":   dto.MetricType_COUNTER,
		"shardmud_save_stall_seconds":    dto.MetricType_GAUGE,
		"shardmud_handoffs_total":        dto.MetricType_COUNTER,
		"shardmud_relay_linked":          dto.MetricType_GAUGE,
		"shardmud_slow_consumers_total":  dto.MetricType_COUNTER,
		"shardmud_logins_total":          dto.MetricType_COUNTER,
		"shardmud_login_failures_total":  dto.MetricType_COUNTER,
		"go_goroutines":                  dto.MetricType_GAUGE,
	} {
		f := families[name]
		if f == nil {
			t.Errorf("no %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is a %v, want a %v", name, f.GetType(), typ)
		}
	}

	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"shardmud_sessions", "protocol=telnet", 1},
		{"shardmud_sessions", "protocol=ssh", 0},
		{"shardmud_players_elsewhere", "", 0},
		{"shardmud_relay_linked", "", 0},
	} {
		if got := gaugeValue(families, c.name, c.label); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.label, got, c.want)
		}
	}
	if logins := families["shardmud_logins_total"].GetMetric()[0].GetCounter().GetValue(); logins != 1 {
		t.Errorf("shardmud_logins_total = %v, want 1", logins)
	}
	for _, name := range []string{"shardmud_save_stall_seconds", "shardmud_save_write_seconds"} {
		for _, q := range []string{"quantile=0.99", "quantile=1"} {
			if v := gaugeValue(families, name, q); math.IsNaN(v) || v < 0 {
				t.Errorf("%s{%s} = %v", name, q, v)
			}
		}
	}

	h := families["shardmud_tick_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() == 0 || len(h.GetBucket()) == 0 {
		t.Fatalf("no ticks counted: %v", h)
	}
	var prev uint64
	for _, b := range h.GetBucket() {
		if b.GetCumulativeCount() < prev || (b.GetUpperBound() > 10 && !math.IsInf(b.GetUpperBound(), 1)) {
			t.Errorf("tick bucket le=%v count %d after %d", b.GetUpperBound(), b.GetCumulativeCount(), prev)
		}
		prev = b.GetCumulativeCount()
	}
	if prev > h.GetSampleCount() || h.GetSampleSum() <= 0 {
		t.Errorf("ticks: buckets end at %d of %d, sum %v", prev, h.GetSampleCount(), h.GetSampleSum())
	}
}

// scrape GETs /metrics and parses it as Prometheus text.
func scrape(t *testing.T, site *Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := fetch(t, site, "/metrics")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/metrics: no security headers: %v", resp.Header)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return families
}

// gaugeValue is the gauge name{label} ("key=value", or "" for none); NaN
// if there is none.
func gaugeValue(families map[string]*dto.MetricFamily, name, label string) float64 {
	key, value, _ := strings.Cut(label, "=")
	for _, m := range families[name].GetMetric() {
		if label == "" && len(m.GetLabel()) == 0 {
			return m.GetGauge().GetValue()
		}
		for _, l := range m.GetLabel() {
			if l.GetName() == key && l.GetValue() == value {
				return m.GetGauge().GetValue()
			}
		}
	}
	return math.NaN()
}
