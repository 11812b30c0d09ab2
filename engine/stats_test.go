package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The figures an operator and the load tool need (the list):
// tick p50/p99/max, commands/s, sessions, outbox drops, Lua calls and
// budget hits, snapshot write duration and stall, heap and goroutines.

func TestStatsCommandIsForAdmins(t *testing.T) {
	srv := startServer(t, testConfig(t))
	admin := login(t, srv, "alice") // the first character is an admin
	player := login(t, srv, "bob")
	admin.send("stats")
	admin.expect("Server figures")
	admin.expect("sessions        2")
	admin.expect("commands        ")
	admin.expect("/s over the last 10s")
	admin.expect("tick            p50 ")
	admin.expect(" p99 ")
	admin.expect(" max ")
	admin.expect("outbox drops    0 messages (full outboxes); 0 slow consumers closed")
	admin.expect("saves           ")
	admin.expect("save write      p99 ")
	admin.expect("save stall      p99 ")
	admin.expect("lua             0 calls, 0 budget hits")
	admin.expect("memory          heap ")
	admin.expect(" goroutines")
	player.send("stats")
	player.expect("Huh?") // exactly what an unknown command gets
	player.send("help stats")
	player.expect(`There is no help on "stats"`)
}

// debugVarsKeys are the figures /debug/vars must carry, all numbers.
var debugVarsKeys = []string{
	"tick_p50_ns", "tick_p99_ns", "tick_max_ns", "commands", "commands_per_s",
	"sessions", "outbox_drops", "slow_consumers", "lua_calls", "lua_budget_hits",
	"save_p50_ns", "save_p99_ns", "save_max_ns", "save_stall_p99_ns", "save_stall_max_ns",
	"heap_inuse_bytes", "rss_bytes", "goroutines",
}

func TestDebugVars(t *testing.T) {
	cfg := testConfig(t)
	cfg.PprofAddr = "127.0.0.1:0"
	cfg.SaveInterval = 50 * time.Millisecond
	srv := startServer(t, cfg)
	c := login(t, srv, "alice")
	c.send("look")
	c.expect("Exits:")
	checkFor(t, 5*time.Second, func() error {
		m, err := debugVars(srv)
		if err != nil {
			return err
		}
		for _, key := range debugVarsKeys {
			if _, ok := m[key].(float64); !ok {
				return fmt.Errorf("/debug/vars: %s is %v, want a number", key, m[key])
			}
		}
		if m["commands"].(float64) < 1 || m["sessions"].(float64) != 1 || m["rss_bytes"].(float64) == 0 ||
			m["heap_inuse_bytes"].(float64) == 0 || m["goroutines"].(float64) == 0 {
			return fmt.Errorf("/debug/vars: %v", m)
		}
		// A save has happened (the login's), timed, and the loop's stall
		// for it too; the tick has run.
		if m["save_max_ns"].(float64) == 0 || m["save_stall_max_ns"].(float64) == 0 || m["tick_max_ns"].(float64) == 0 {
			return fmt.Errorf("no save or tick timed yet: %v", m)
		}
		return nil
	})
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/goroutine?debug=1", srv.DebugAddr()))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("pprof: %v %v", resp, err)
	}
	resp.Body.Close()

	// The same figures as Prometheus text on the debug address.
	families := scrapeDebug(t, srv)
	for _, name := range []string{
		"shardmud_tick_seconds", "shardmud_commands_total", "shardmud_sessions", "shardmud_outbox_drops_total",
		"shardmud_slow_consumers_total", "shardmud_lua_calls_total", "shardmud_lua_budget_hits_total",
		"shardmud_save_write_seconds", "shardmud_save_stall_seconds", "go_memstats_heap_inuse_bytes", "go_goroutines",
	} {
		if families[name] == nil {
			t.Errorf("/metrics on the debug address has no %s", name)
		}
	}
	if n := families["shardmud_commands_total"].GetMetric()[0].GetCounter().GetValue(); n < 1 {
		t.Errorf("shardmud_commands_total = %v", n)
	}
}

// TestLuaCountersGoUp: a script that runs counts calls; one that runs
// past its budget counts budget hits, in the stats, /debug/vars and
// Prometheus alike.
func TestLuaCountersGoUp(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		budgetHits bool
	}{
		{"well-behaved", "local x = 1", false},
		{"endless", "while true do end", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scriptedWorld(t, fstest.MapFS{"t/room.lua": {Data: []byte("function on_tick(room)\n" + tc.body + "\nend\n")}})
			cfg.PprofAddr = "127.0.0.1:0"
			srv := startServer(t, cfg)
			login(t, srv, "alice") // the room's heartbeat runs while someone is in the world
			checkFor(t, 10*time.Second, func() error {
				st := srv.Metrics()
				if calls := st["lua_calls"].(uint64); calls < 2 {
					return fmt.Errorf("lua_calls %d", calls)
				}
				if hits := st["lua_budget_hits"].(uint64); tc.budgetHits && hits == 0 {
					return fmt.Errorf("lua_budget_hits %d", hits)
				}
				return nil
			})
			m, err := debugVars(srv)
			if err != nil {
				t.Fatal(err)
			}
			families := scrapeDebug(t, srv)
			calls := families["shardmud_lua_calls_total"].GetMetric()[0].GetCounter().GetValue()
			hits := families["shardmud_lua_budget_hits_total"].GetMetric()[0].GetCounter().GetValue()
			if m["lua_calls"].(float64) < 2 || calls < 2 {
				t.Errorf("lua calls: /debug/vars %v, /metrics %v", m["lua_calls"], calls)
			}
			if tc.budgetHits != (hits > 0) || tc.budgetHits != (m["lua_budget_hits"].(float64) > 0) {
				t.Errorf("budget hits: /debug/vars %v, /metrics %v; want some: %v", m["lua_budget_hits"], hits, tc.budgetHits)
			}
		})
	}
}

func TestTickHistogram(t *testing.T) {
	m := &dto.Metric{}
	if err := tickHistogram([][2]uint64{{1_000_000 - 1, 3}, {20_000_000 - 1, 5}, {2_000_000_000 - 1, 1}}).Write(m); err != nil {
		t.Fatal(err)
	}
	h := m.GetHistogram()
	var got []string
	for _, b := range h.GetBucket() {
		got = append(got, fmt.Sprintf("%g:%d", b.GetUpperBound(), b.GetCumulativeCount()))
	}
	if want := "0.000999999:3 0.019999999:8 1.999999999:9"; strings.Join(got, " ") != want {
		t.Errorf("buckets %v, want %s", got, want)
	}
	if sum := h.GetSampleSum(); h.GetSampleCount() != 9 || math.Abs(sum-(3*0.000999999+5*0.019999999+1.999999999)) > 1e-9 {
		t.Errorf("count %d sum %v", h.GetSampleCount(), sum)
	}
	if err := tickHistogram(nil).Write(m); err != nil || m.GetHistogram().GetSampleCount() != 0 {
		t.Errorf("no ticks yet: %v %v", m, err)
	}
}

// debugVars reads the "shardmud" object of /debug/vars.
func debugVars(srv *Server) (map[string]any, error) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/vars", srv.DebugAddr()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var vars struct {
		Shardmud map[string]any  `json:"shardmud"`
		Memstats json.RawMessage `json:"memstats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return nil, fmt.Errorf("/debug/vars: %w", err)
	}
	if vars.Memstats == nil {
		return nil, fmt.Errorf("/debug/vars has no memstats")
	}
	return vars.Shardmud, nil
}

// scrapeDebug GETs /metrics from the debug listener and parses it.
func scrapeDebug(t *testing.T, srv *Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://%s/metrics", srv.DebugAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}
