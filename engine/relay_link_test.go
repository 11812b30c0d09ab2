package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"shardmud/engine/relay"
)

func startRelay(t testing.TB, cfg relay.Config) *relay.Relay {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	cfg.Logger = testLogger()
	r, err := relay.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Shutdown)
	return r
}

// Two shards, each with its own relay, the relays linked: chat, tell and
// who cross; a relay restart heals presence by itself.
func TestTwoRelays(t *testing.T) {
	t.Parallel()
	const token = "s3cret"
	a := startRelay(t, relay.Config{Shard: "east", Cluster: "127.0.0.1:0", Token: token})
	bStore := t.TempDir()
	b := startRelay(t, relay.Config{Shard: "west", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}, Token: token, StoreDir: bStore})

	shard := func(name string, r *relay.Relay) *Server {
		cfg := testConfig(t)
		cfg.Shard, cfg.Relay, cfg.RelayToken = name, r.ClientURL(), token
		return startServer(t, cfg)
	}
	east, west := shard("east", a), shard("west", b)
	ann, bob := login(t, east, "ann"), login(t, west, "bob")
	whoShows(t, ann, "On shard west (1):\r\n  Bob")
	whoShows(t, bob, "On shard east (1):\r\n  Ann")
	ann.send("chat over the route")
	bob.expect(`Ann@east chats, "over the route"`)
	bob.send("tell ann and back")
	ann.expect(`Bob@west tells you, "and back"`)

	// West's relay restarts on the same store: the link returns, presence
	// heals without anyone doing anything.
	b.Shutdown()
	startRelay(t, relay.Config{Shard: "west", Listen: hostPort(b.ClientURL()), Cluster: "127.0.0.1:0",
		Links: []string{a.ClusterURL()}, Token: token, StoreDir: bStore})
	// Until west's client has reconnected, its chat stays on west (and
	// says so); then it crosses again.
	deadline := time.Now().Add(15 * time.Second)
	for n := 0; ; n++ {
		line := fmt.Sprintf("back again %d", n)
		bob.send("chat " + line)
		bob.expect(line)
		ann.fill(500 * time.Millisecond)
		if strings.Contains(ann.text.String(), `Bob@west chats, "`+line+`"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("chat never crossed again after west's relay restarted")
		}
	}
	whoShows(t, ann, "On shard west (1):\r\n  Bob")
}

// whoShows asks who until its answer contains want, for a few beats.
func whoShows(t testing.TB, c *client, want string) {
	t.Helper()
	deadline := time.Now().Add(6 * PresenceBeat)
	for {
		c.send("who")
		if out := c.expect("Players in") + c.expect("> "); strings.Contains(out, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: who never showed %q", c.name, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A shard with the wrong secret is refused by its relay: it plays alone
// and says so.
func TestRelayRefusesWrongToken(t *testing.T) {
	t.Parallel()
	r := startRelay(t, relay.Config{Shard: "east", Token: "right"})
	cfg := testConfig(t)
	cfg.Shard, cfg.Relay, cfg.RelayToken = "intruder", r.ClientURL(), "wrong"
	srv := startServer(t, cfg)
	c := login(t, srv, "eve")
	c.send("chat let me in")
	c.expect("only this shard hears you")
}

// hostPort is the host:port of a nats:// URL.
func hostPort(url string) string { return strings.TrimPrefix(url, "nats://") }
