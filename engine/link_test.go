package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// natsOn starts a NATS server on a loopback port until the test ends (or
// stop is called) and returns its URL. port 0 picks one.
func natsOn(t testing.TB, port int) (url string, stop func()) {
	t.Helper()
	if port == 0 {
		port = -1 // RANDOM_PORT
	}
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats server not ready")
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	}
	t.Cleanup(stop)
	return ns.ClientURL(), stop
}

func linkedShard(t testing.TB, name, relay string) *Server {
	t.Helper()
	cfg := testConfig(t)
	cfg.Shard, cfg.Relay = name, relay
	return startServer(t, cfg)
}

// Two shards on one relay: chat and tell cross, who lists both, and when
// the relay goes the shards say so and play on, and pick up again when it
// is back.
func TestLinkedShardsTalk(t *testing.T) {
	t.Parallel()
	url, stop := natsOn(t, 0)
	east := linkedShard(t, "east", url)
	west := linkedShard(t, "west", url)
	ann := login(t, east, "ann")
	bob := login(t, west, "bob")

	// Presence: each shard learns the other's players within a beat or two.
	waitWho := func(c *client, want string) {
		t.Helper()
		deadline := time.Now().Add(4 * PresenceBeat)
		for {
			c.send("who")
			out := c.expect("Players in") + c.expect("> ")
			if strings.Contains(out, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: who never showed %q; last:\n%s", c.name, want, out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitWho(ann, "On shard west (1):\r\n  Bob")
	waitWho(bob, "On shard east (1):\r\n  Ann")
	// Listing sites see every shard's players.
	checkFor(t, 3*PresenceBeat, func() error {
		crawler := dial(t, east, "crawler")
		crawler.send("MSSP-REQUEST")
		if out := crawler.expect("MSSP-REPLY-END"); !strings.Contains(out, "PLAYERS\t2\r\n") {
			return errors.New("MSSP PLAYERS is not the total of both shards yet")
		}
		return nil
	})

	ann.send("chat hello west")
	bob.expect(`Ann@east chats, "hello west"`)
	bob.send("tell ann hello east")
	bob.expect(`You tell Ann@east, "hello east"`)
	ann.expect(`Bob@west tells you, "hello east"`)
	bob.send("tell nobodyhere hi")
	bob.expect(`No one called "nobodyhere" is playing, on any shard.`)

	// The relay goes: chat says only this shard hears, local play goes on.
	stop()
	checkFor(t, 5*time.Second, func() error {
		ann.send("chat anyone?")
		out := ann.expect(`You chat, "anyone?"`) + ann.expect("> ")
		if !strings.Contains(out, "only this shard hears you") {
			return errors.New("no degraded-mode notice yet")
		}
		return nil
	})
	bob.send("tell ann are you there")
	bob.expect("but the link to other shards is down")
	ann.send("say still playing")
	ann.expect(`You say, "still playing"`)
}

// BenchmarkCrossShardChat: a chat line from a player on one shard to a
// player on another, through NATS, over real telnet connections; p50 and
// p99 of the whole trip are reported (ns/op includes the pacing).
func BenchmarkCrossShardChat(b *testing.B) {
	url, _ := natsOn(b, 0)
	east := linkedShard(b, "east", url)
	west := linkedShard(b, "west", url)
	ann := login(b, east, "ann")
	bob := login(b, west, "bob")
	ann.send("chat warm up")
	bob.expect(`Ann@east chats, "warm up"`)
	var trips []time.Duration
	i := 0
	for b.Loop() {
		// Paced like a person, not a flood: a session may run only a few
		// commands a tick, and this measures the trip, not that limit.
		time.Sleep(10 * time.Millisecond)
		i++
		line := fmt.Sprintf("ping %d", i)
		start := time.Now()
		ann.send("chat " + line)
		bob.expect(`chats, "` + line + `"`)
		trips = append(trips, time.Since(start))
	}
	slices.Sort(trips)
	b.ReportMetric(float64(trips[len(trips)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(trips[len(trips)*99/100].Microseconds()), "p99-µs")
}
