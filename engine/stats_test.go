package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestStatsCommandIsForAdmins(t *testing.T) {
	srv := startServer(t, testConfig(t))
	admin := login(t, srv, "alice") // the first character is an admin
	player := login(t, srv, "bob")
	admin.send("stats")
	admin.expect("Server figures")
	admin.expect("sessions        2")
	admin.expect("tick            p50")
	player.send("stats")
	player.expect("Huh?") // exactly what an unknown command gets
	player.send("help stats")
	player.expect(`There is no help on "stats"`)
}

func TestDebugVars(t *testing.T) {
	cfg := testConfig(t)
	cfg.PprofAddr = "127.0.0.1:0"
	srv := startServer(t, cfg)
	c := login(t, srv, "alice")
	c.send("look")
	c.expect("Exits:")
	url := fmt.Sprintf("http://%s/debug/vars", srv.DebugAddr())
	checkFor(t, 5*time.Second, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var vars struct {
			Shardmud struct {
				Commands    uint64      `json:"commands"`
				Sessions    int64       `json:"sessions"`
				TickBuckets [][2]uint64 `json:"tick_buckets"`
				RSS         uint64      `json:"rss_bytes"`
			} `json:"shardmud"`
			Memstats json.RawMessage `json:"memstats"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
			return err
		}
		m := vars.Shardmud
		if m.Commands < 1 || m.Sessions != 1 || len(m.TickBuckets) == 0 || m.RSS == 0 || vars.Memstats == nil {
			return fmt.Errorf("incomplete metrics: %+v", m)
		}
		return nil
	})
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/goroutine?debug=1", srv.DebugAddr()))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("pprof: %v %v", resp, err)
	}
	resp.Body.Close()
}
