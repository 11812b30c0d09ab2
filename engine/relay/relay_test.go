package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	testToken = "s3cret"
	// waitLink bounds how long a test waits for a route or leaf link and
	// for interest to cross it (usually well under a second).
	waitLink = 10 * time.Second
	chat     = "shardmud.chat"
)

// logBuf collects a relay's log lines for the test to read.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRelay starts a relay on loopback random ports with the test token
// unless cfg says otherwise, and shuts it down at the end of the test.
func startRelay(t *testing.T, cfg Config) (*Relay, *logBuf) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	logs := &logBuf{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := Start(cfg)
	if err != nil {
		t.Fatalf("start relay %s: %v", cfg.Shard, err)
	}
	t.Cleanup(func() {
		r.Shutdown()
		if t.Failed() {
			t.Logf("relay %s log:\n%s", cfg.Shard, logs)
		}
	})
	return r, logs
}

func connect(t *testing.T, url, token string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.Token(token), nats.Timeout(2*time.Second), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// checkFor polls f until it returns nil or the time is up, as nats-server's
// own tests do instead of sleeping.
func checkFor(t *testing.T, total, every time.Duration, f func() error) {
	t.Helper()
	end := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %s: %v", total, err)
		}
		time.Sleep(every)
	}
}

// crosses publishes on pub until sub's subscription receives a message or
// the time is up, and returns how long the first crossing took. Publishing
// again and again covers the time interest takes to spread over the links.
func crosses(t *testing.T, pub, sub *nats.Conn, subject string) time.Duration {
	t.Helper()
	s, err := sub.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Unsubscribe()
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; time.Since(start) < waitLink; i++ {
		want := fmt.Sprintf("hello %d", i)
		if err := pub.Publish(subject, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if msg, err := s.NextMsg(10 * time.Millisecond); err == nil {
			if !strings.HasPrefix(string(msg.Data), "hello ") {
				t.Fatalf("got %q", msg.Data)
			}
			return time.Since(start)
		}
	}
	t.Fatalf("no message on %s crossed within %s", subject, waitLink)
	return 0
}

// latency is the time one message takes from pub to sub once the links are
// up: the median of n round trips of a request answered on the far side.
func latency(t *testing.T, pub, sub *nats.Conn, n int) time.Duration {
	t.Helper()
	s, err := sub.Subscribe("shardmud.ping", func(m *nats.Msg) { m.Respond(m.Data) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Unsubscribe()
	sub.Flush()
	var rtts []time.Duration
	checkFor(t, waitLink, 20*time.Millisecond, func() error {
		_, err := pub.Request("shardmud.ping", nil, 100*time.Millisecond)
		return err
	})
	for range n {
		start := time.Now()
		if _, err := pub.Request("shardmud.ping", nil, time.Second); err != nil {
			t.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
	}
	slices.Sort(rtts)
	return rtts[len(rtts)/2] / 2
}

// pair starts relay A with a cluster listener and B linked to it, and waits
// for their route.
func pair(t *testing.T) (a, b *Relay) {
	t.Helper()
	a, _ = startRelay(t, Config{Shard: "A", Cluster: "127.0.0.1:0"})
	b, _ = startRelay(t, Config{Shard: "B", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}})
	waitRoute(t, a, b)
	return a, b
}

func waitRoute(t *testing.T, rs ...*Relay) time.Duration {
	t.Helper()
	start := time.Now()
	checkFor(t, waitLink, 10*time.Millisecond, func() error {
		for _, r := range rs {
			if n := r.link.NumRoutes(); n == 0 {
				return fmt.Errorf("relay %s has no route", r.cfg.Shard)
			}
		}
		return nil
	})
	return time.Since(start)
}

func TestTwoRelaysCarryChat(t *testing.T) {
	t.Parallel()
	start := time.Now()
	a, alog := startRelay(t, Config{Shard: "A", Cluster: "127.0.0.1:0"})
	started := time.Since(start)
	start = time.Now()
	b, blog := startRelay(t, Config{Shard: "B", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}})
	waitRoute(t, a, b)
	route := time.Since(start)
	logShows(t, alog, `msg="relay link up" shard=A peer=B via=route`)
	logShows(t, blog, `msg="relay link up" shard=B peer=A via=route`)
	if !slices.Equal(a.Peers(), []string{"B"}) || !slices.Equal(b.Peers(), []string{"A"}) {
		t.Fatalf("peers: A %v, B %v", a.Peers(), b.Peers())
	}
	if !strings.HasPrefix(a.ClientURL(), "nats://127.0.0.1:") || !strings.HasPrefix(a.ClusterURL(), "nats://127.0.0.1:") {
		t.Fatalf("urls %q %q", a.ClientURL(), a.ClusterURL())
	}

	na, nb := connect(t, a.ClientURL(), testToken), connect(t, b.ClientURL(), testToken)
	ab := crosses(t, nb, na, chat)
	ba := crosses(t, na, nb, chat)
	lat := latency(t, na, nb, 50)
	t.Logf("A started in %s, B started and routed to A in %s, first chat B→A %s, A→B %s, one-way latency %s",
		started.Round(time.Millisecond), route.Round(time.Millisecond), ab.Round(time.Millisecond),
		ba.Round(time.Millisecond), lat.Round(time.Microsecond))
}

func TestWrongTokenIsRefused(t *testing.T) {
	t.Parallel()
	a, alog := startRelay(t, Config{Shard: "A", Cluster: "127.0.0.1:0"})
	b, _ := startRelay(t, Config{Shard: "B", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}})
	waitRoute(t, a, b)
	for _, r := range []*Relay{a, b} {
		for _, tok := range []string{"", "wrong"} {
			nc, err := nats.Connect(r.ClientURL(), nats.Token(tok), nats.Timeout(2*time.Second), nats.MaxReconnects(0))
			if err == nil {
				nc.Close()
				t.Fatalf("relay %s let in a client with token %q", r.cfg.Shard, tok)
			}
			if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
				t.Fatalf("relay %s, token %q: %v", r.cfg.Shard, tok, err)
			}
		}
	}

	// A relay with another secret cannot route to A: nothing it carries
	// reaches A's shard, and A counts no route from it.
	x, _ := startRelay(t, Config{Shard: "X", Token: "wrong", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}})
	na := connect(t, a.ClientURL(), testToken)
	nx := connect(t, x.ClientURL(), "wrong")
	sub, err := na.SubscribeSync(chat)
	if err != nil {
		t.Fatal(err)
	}
	na.Flush()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		nx.Publish(chat, []byte("intruder"))
		if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
			t.Fatalf("A received %q from a relay with the wrong token", m.Data)
		}
	}
	// X dials A again every second; a dial counts as a route until A
	// refuses it, so only a route that stays would be one.
	checkFor(t, waitLink, 20*time.Millisecond, func() error {
		if n := x.link.NumRoutes(); n != 0 {
			return fmt.Errorf("relay with the wrong token has %d routes", n)
		}
		return nil
	})
	if peers := a.Peers(); !slices.Equal(peers, []string{"B"}) {
		t.Fatalf("A is linked to %v, want B only", peers)
	}
	if !strings.Contains(alog.String(), `authentication error - User \"relay\"`) {
		t.Fatalf("A's log does not show the refused route:\n%s", alog)
	}
}

// logShows waits for a line in a relay's log.
func logShows(t *testing.T, logs *logBuf, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	checkFor(t, waitLink, 20*time.Millisecond, func() error {
		if !re.MatchString(logs.String()) {
			return fmt.Errorf("no %q in the log:\n%s", pattern, logs)
		}
		return nil
	})
}

func TestRelayRestartsAndRelinks(t *testing.T) {
	t.Parallel()
	a, alog := startRelay(t, Config{Shard: "A", Cluster: "127.0.0.1:0"})
	bcfg := Config{Shard: "B", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}, StoreDir: t.TempDir()}
	b, _ := startRelay(t, bcfg)
	bcfg.Listen = strings.TrimPrefix(b.ClientURL(), "nats://") // same port after the restart
	waitRoute(t, a, b)
	na := connect(t, a.ClientURL(), testToken)
	nb := connect(t, b.ClientURL(), testToken)
	crosses(t, nb, na, chat)

	// B's shard stays connected through the restart, as a shard does: it
	// reconnects by itself and its subscription comes back with it.
	shard, err := nats.Connect(b.ClientURL(), nats.Token(testToken), nats.MaxReconnects(-1),
		nats.ReconnectWait(20*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer shard.Close()
	shardSub, err := shard.SubscribeSync("shardmud.tell.B")
	if err != nil {
		t.Fatal(err)
	}
	shard.Flush()

	// Something B's JetStream must still hold after the restart.
	ctx, cancel := context.WithTimeout(context.Background(), waitLink)
	defer cancel()
	js, _ := jetstream.New(nb)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "owners"})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Create(ctx, "alice", []byte("B"))
	if err != nil {
		t.Fatal(err)
	}
	nb.Close()

	// The relay looks at its links every watchInterval: B's must have been
	// seen up for its going down to be seen.
	logShows(t, alog, `msg="relay link up" shard=A peer=B via=route`)
	b.Shutdown()
	logShows(t, alog, `msg="relay link down" shard=A peer=B via=route`)
	if n := a.link.NumRoutes(); n != 0 {
		t.Fatalf("A still has %d routes", n)
	}
	start := time.Now()
	b, _ = startRelay(t, bcfg)
	waitRoute(t, a, b)
	route := time.Since(start)
	nb = connect(t, b.ClientURL(), testToken)
	back := crosses(t, nb, na, chat)
	crosses(t, na, nb, chat)
	t.Logf("B restarted and routed to A in %s, chat crossed %s later",
		route.Round(time.Millisecond), back.Round(time.Millisecond))

	checkFor(t, waitLink, 10*time.Millisecond, func() error {
		if !shard.IsConnected() {
			return errors.New("B's shard has not reconnected")
		}
		return nil
	})
	crosses(t, shard, na, chat)
	checkFor(t, waitLink, 10*time.Millisecond, func() error {
		na.Publish("shardmud.tell.B", []byte("welcome back"))
		_, err := shardSub.NextMsg(10 * time.Millisecond)
		return err
	})

	js, _ = jetstream.New(nb)
	kv, err = js.KeyValue(ctx, "owners")
	if err != nil {
		t.Fatalf("bucket after restart: %v", err)
	}
	e, err := kv.Get(ctx, "alice")
	if err != nil || string(e.Value()) != "B" || e.Revision() != rev {
		t.Fatalf("alice after restart: %v %v", e, err)
	}
}

func TestJetStreamKVPerRelay(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitLink)
	defer cancel()
	na, nb := connect(t, a.ClientURL(), testToken), connect(t, b.ClientURL(), testToken)

	// Each relay's own JetStream, reached with no domain, holds its own
	// bucket, even with the same name on both.
	kvs := map[string]jetstream.KeyValue{}
	for name, nc := range map[string]*nats.Conn{"A": na, "B": nb} {
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "ledger", History: 1})
		if err != nil {
			t.Fatalf("relay %s: create bucket: %v", name, err)
		}
		kvs[name] = kv
		rev, err := kv.Create(ctx, "alice", []byte(name))
		if err != nil {
			t.Fatalf("relay %s: create key: %v", name, err)
		}
		rev2, err := kv.Update(ctx, "alice", []byte(name+"2"), rev)
		if err != nil {
			t.Fatalf("relay %s: update at revision %d: %v", name, rev, err)
		}
		if _, err := kv.Update(ctx, "alice", []byte("stale"), rev); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			t.Fatalf("relay %s: update at stale revision %d (now %d): %v", name, rev, rev2, err)
		}
		if _, err := kv.Create(ctx, "alice", []byte("again")); !errors.Is(err, jetstream.ErrKeyExists) {
			t.Fatalf("relay %s: create of an existing key: %v", name, err)
		}
	}
	for name, kv := range kvs {
		e, err := kv.Get(ctx, "alice")
		if err != nil || string(e.Value()) != name+"2" {
			t.Fatalf("relay %s: alice is %v %v: the other relay's writes leaked in", name, e, err)
		}
	}

	// A client on B reaches A's JetStream by its domain: the way every
	// shard reaches the one ledger.
	jsA, err := jetstream.NewWithDomain(nb, "A")
	if err != nil {
		t.Fatal(err)
	}
	var remote jetstream.KeyValue
	checkFor(t, waitLink, 50*time.Millisecond, func() error {
		var err error
		remote, err = jsA.KeyValue(ctx, "ledger")
		return err
	})
	e, err := remote.Get(ctx, "alice")
	if err != nil || string(e.Value()) != "A2" {
		t.Fatalf("alice in domain A seen from B: %v %v", e, err)
	}
	if _, err := remote.Update(ctx, "alice", []byte("B"), e.Revision()-1); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		t.Fatalf("stale cross-domain update: %v", err)
	}
	rev, err := remote.Update(ctx, "alice", []byte("moved to B"), e.Revision())
	if err != nil {
		t.Fatalf("cross-domain update: %v", err)
	}
	if e, err := kvs["A"].Get(ctx, "alice"); err != nil || string(e.Value()) != "moved to B" || e.Revision() != rev {
		t.Fatalf("A does not see B's update: %v %v", e, err)
	}
	if e, err := kvs["B"].Get(ctx, "alice"); err != nil || string(e.Value()) != "B2" {
		t.Fatalf("B's own bucket changed: %v %v", e, err)
	}

	// Alone, B's JetStream still works.
	a.Shutdown()
	if _, err := kvs["B"].Put(ctx, "bob", []byte("B")); err != nil {
		t.Fatalf("B alone: %v", err)
	}
}

func TestLeafNodeOfAnotherCluster(t *testing.T) {
	t.Parallel()
	a, alog := startRelay(t, Config{Shard: "A", Leaf: "127.0.0.1:0"})
	if a.ClusterURL() != "" || !strings.HasPrefix(a.LeafURL(), "nats://127.0.0.1:") {
		t.Fatalf("cluster %q leaf %q", a.ClusterURL(), a.LeafURL())
	}
	if !strings.Contains(alog.String(), "leaf="+a.LeafURL()) {
		t.Fatalf("no leaf listener in the log:\n%s", alog)
	}
	start := time.Now()
	c, clog := startRelay(t, Config{Shard: "C", NATS: a.LeafURL()})
	na, nc := connect(t, a.ClientURL(), testToken), connect(t, c.ClientURL(), testToken)
	ca := crosses(t, nc, na, chat)
	ac := crosses(t, na, nc, chat)
	t.Logf("leaf relay started and carried chat C→A in %s, then A→C in %s",
		(time.Since(start) - ac).Round(time.Millisecond), ac.Round(time.Millisecond))
	_ = ca
	logShows(t, alog, `msg="relay link up" shard=A peer=C via=leaf`)
	logShows(t, clog, `msg="relay link up" shard=C peer=A via=nats`)

	ctx, cancel := context.WithTimeout(context.Background(), waitLink)
	defer cancel()
	js, _ := jetstream.New(nc)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "ledger"})
	if err != nil {
		t.Fatalf("JetStream on the leaf relay: %v", err)
	}
	if _, err := kv.Create(ctx, "carol", []byte("C")); err != nil {
		t.Fatal(err)
	}

	// A leaf relay with the wrong token is refused.
	bad, badlog := startRelay(t, Config{Shard: "Z", NATS: a.LeafURL(), Token: "wrong"})
	checkFor(t, waitLink, 20*time.Millisecond, func() error {
		if !strings.Contains(badlog.String(), "Authorization Violation") {
			return errors.New("no refusal in the leaf relay's log")
		}
		return nil
	})
	if n := bad.local.NumLeafNodes(); n != 0 {
		t.Fatalf("leaf relay with the wrong token has %d leaf connections", n)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	quiet := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		// The first ones are errors in the Config (ErrConfig); the ports
		// taken are not.
		{"no shard", Config{StoreDir: dir}, "shard name"},
		{"bad shard", Config{Shard: "a.b", StoreDir: dir}, "shard name"},
		{"link suffix", Config{Shard: "a-link", StoreDir: dir}, "link server"},
		{"no store", Config{Shard: "A"}, "store"},
		{"bad listen", Config{Shard: "A", StoreDir: dir, Listen: "nohost"}, "listen address"},
		{"links without cluster", Config{Shard: "A", StoreDir: dir, Links: []string{"nats://127.0.0.1:1"}}, "cluster listener"},
		{"bad link", Config{Shard: "A", StoreDir: dir, Cluster: "127.0.0.1:0", Links: []string{"127.0.0.1:1"}}, "link"},
		{"nats and cluster", Config{Shard: "A", StoreDir: dir, Cluster: "127.0.0.1:0", NATS: "nats://127.0.0.1:1"}, "leaf node"},
		{"port taken", Config{Shard: "A", StoreDir: dir, Listen: taken.Addr().String()}, "start A"},
		{"cluster port taken", Config{Shard: "A", StoreDir: dir, Listen: "127.0.0.1:0", Cluster: taken.Addr().String()}, "start A-link"},
		{"leaf port taken", Config{Shard: "A", StoreDir: dir, Listen: "127.0.0.1:0", Leaf: taken.Addr().String()}, "start A-link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			tc.cfg.Logger = quiet
			r, err := Start(tc.cfg)
			if err == nil {
				r.Shutdown()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if isConfig := !strings.Contains(tc.name, "taken"); errors.Is(err, ErrConfig) != isConfig {
				t.Fatalf("errors.Is(%q, ErrConfig) = %v", err, !isConfig)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s to fail", d)
			}
		})
	}
}
