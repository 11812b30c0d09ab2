package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nats-io/nats.go"

	"shardmud/data"
	"shardmud/engine/relay"
	"shardmud/engine/store"
	"shardmud/world"
)

// portalWorld is the built-in world with a gate whose north exit leads to
// shard west's square, and whose up exit to west's start room.
func portalWorld(t testing.TB) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(data.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(data.FS, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m["areas/portal.yaml"] = &fstest.MapFile{Data: []byte(`area: portal
name: The Gate
rooms:
  gate:
    name: Shimmering Gate
    desc: The air to the north shimmers; so does the air above.
    exits:
      south: thornwick.square
      north: west:thornwick.square
      up: "west:"
      east: "nowhere:thornwick.square"
`)}
	return m
}

// linkedConfigs starts relays east and west, linked, and returns the
// configurations of a shard for each (the portal world, east's ledger),
// changed by adjust if not nil.
func linkedConfigs(t testing.TB, adjust func(*Config)) (east, west Config) {
	t.Helper()
	const token = "s3cret"
	a := startRelay(t, relay.Config{Shard: "east", Cluster: "127.0.0.1:0", Token: token})
	b := startRelay(t, relay.Config{Shard: "west", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}, Token: token})
	config := func(name string, r *relay.Relay) Config {
		cfg := testConfig(t)
		cfg.World = portalWorld(t)
		cfg.Shard, cfg.Relay, cfg.RelayToken, cfg.Ledger = name, r.ClientURL(), token, "east"
		if adjust != nil {
			adjust(&cfg)
		}
		return cfg
	}
	return config("east", a), config("west", b)
}

// startPair starts relays east and west, linked, and a shard on each with
// the portal world and east's ledger (changed by adjust if not nil).
func startPair(t testing.TB, adjust func(*Config)) (east, west *Server) {
	t.Helper()
	eastCfg, westCfg := linkedConfigs(t, adjust)
	return startShards(t, eastCfg, westCfg)
}

// startShards starts the two shards and waits until each hears the other.
func startShards(t testing.TB, eastCfg, westCfg Config) (east, west *Server) {
	t.Helper()
	east, west = startServer(t, eastCfg), startServer(t, westCfg)
	waitLinked(t, east, "west")
	waitLinked(t, west, "east")
	return east, west
}

// waitLinked waits until srv hears shard's presence.
func waitLinked(t testing.TB, srv *Server, shard string) {
	t.Helper()
	for deadline := time.Now().Add(6 * PresenceBeat); ; time.Sleep(20 * time.Millisecond) {
		heard := make(chan bool)
		srv.post(event{kind: evFunc, fn: func() { heard <- srv.others[shard] != nil }})
		if <-heard {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has not heard %s", srv.cfg.Shard, shard)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// itemsOf counts what name carries in srv's database, however deep.
func itemsOf(t testing.TB, srv *Server, name string) int {
	t.Helper()
	n, err := srv.store.CharacterItems(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func residenceOf(t testing.TB, srv *Server, name string) store.Residence {
	t.Helper()
	c, err := srv.store.Character(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c.Residence
}

// A character walks through a portal with what it carries, plays on the
// other shard through its first connection, comes back by goto, and after
// quitting there logs in again where it connects.
func TestHandoffPortalAndGoto(t *testing.T) {
	t.Parallel()
	east, west := startPair(t, nil)
	ann := login(t, east, "ann") // east's first character: admin
	bob := login(t, west, "bob")
	ann.send("get stick")
	ann.expect("You get a walking stick")
	ann.send("goto portal.gate")
	ann.expect("Shimmering Gate")

	ann.send("north")
	ann.expect("The world blurs")
	ann.expect("Thornwick Square")
	bob.expect("Ann steps out of the shimmering air.")
	ann.send("inventory")
	ann.expect("a walking stick")
	ann.send("say hello from east")
	bob.expect(`Ann says, "hello from east"`)
	bob.send("say welcome")
	ann.expect(`Bob says, "welcome"`)
	checkFor(t, 5*time.Second, func() error {
		if r := residenceOf(t, east, "ann"); r.State != store.ResidenceAway || r.Peer != "west" {
			return errString("east has ann as " + r.State + " " + r.Peer)
		}
		if n := itemsOf(t, east, "ann"); n != 0 {
			return errString("east still holds ann's items")
		}
		return nil
	})
	if n := itemsOf(t, west, "ann"); n != 1 {
		t.Fatalf("west holds %d items of ann's, want 1", n)
	}

	// A room the other shard does not have: refused, and ann stays.
	ann.send("goto east:nowhere.room")
	ann.expect("The crossing failed: there is no room nowhere.room on this shard")
	ann.send("look")
	ann.expect("Thornwick Square")
	bob.expect("Ann stumbles back out of the shimmering air.")

	// Home by goto; the stick comes too.
	ann.send("goto east:thornwick.chapel")
	ann.expect("Chapel of the Quiet Flame")
	ann.send("inventory")
	ann.expect("a walking stick")
	whoShows(t, bob, "On shard east (1):\r\n  Ann")

	// Over again, and quit there: the next login on east plays on west.
	ann.send("up")
	ann.reject("no such text", 100*time.Millisecond)
	ann.send("goto west:thornwick.chapel")
	ann.expect("The world blurs")
	ann.send("quit")
	ann.expect("Goodbye, Ann")
	ann.expectClosed()
	ann = connect(t, east, "ann")
	ann.send("look")
	ann.expect("Chapel of the Quiet Flame")
	ann.send("inventory")
	ann.expect("a walking stick")
	ann.send("users") // run on west, where ann plays
	ann.expect("telnet@east")
}

// A portal to a shard that is not linked, or to no room there, leaves the
// player where it was.
func TestHandoffRefused(t *testing.T) {
	t.Parallel()
	east, _ := startPair(t, nil)
	ann := login(t, east, "ann")
	ann.send("goto portal.gate")
	ann.expect("Shimmering Gate")
	ann.send("east")
	ann.expect("The way to shard nowhere is closed: that shard cannot be reached.")
	ann.send("goto east:thornwick.square")
	ann.expect("You are on shard east already.")
	ann.send("look")
	ann.expect("Shimmering Gate")

	// Alone, the same portal goes nowhere.
	alone := startServer(t, func() Config { c := testConfig(t); c.World = portalWorld(t); return c }())
	bea := login(t, alone, "bea")
	bea.send("goto portal.gate")
	bea.expect("Shimmering Gate")
	bea.send("north")
	bea.expect("That way lies shard west, but this shard is linked to no others.")
	bea.send("look north")
	bea.expect("the way leads to another world, shard west")
}

// BenchmarkHandoff: a character with a few items crosses from one shard to
// the other and back, over real relays and telnet; p50 and p99 of one
// crossing, from the command to the room on the other side, are reported.
func BenchmarkHandoff(b *testing.B) {
	east, _ := startPair(b, nil)
	ann := login(b, east, "ann")
	ann.send("get stick")
	ann.expect("You get")
	var trips []time.Duration
	to := []string{"west", "east"}
	i := 0
	for b.Loop() {
		time.Sleep(10 * time.Millisecond) // paced like a person
		start := time.Now()
		ann.send("goto " + to[i%2] + ":thornwick.square")
		ann.expect("The world blurs")
		ann.expect("Exits:")
		trips = append(trips, time.Since(start))
		i++
	}
	slices.Sort(trips)
	b.ReportMetric(float64(trips[len(trips)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(trips[len(trips)*99/100].Microseconds()), "p99-µs")
}

// Whatever another process publishes on the handoff subjects, a shard
// answers clearly, takes no character it should not, and plays on.
func TestHandoffHostile(t *testing.T) {
	t.Parallel()
	east, west := startPair(t, nil)
	nc, err := nats.Connect(west.cfg.Relay, nats.Token(west.cfg.RelayToken))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ask := func(subject string, data []byte) handoffReply {
		t.Helper()
		m, err := nc.Request(subject, data, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
		var r handoffReply
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatalf("%s: reply %q: %v", subject, m.Data, err)
		}
		return r
	}
	for _, junk := range []string{"", "{", "null", `{"record":{}}`, `[1,2,3]`, strings.Repeat("x", 100000)} {
		if r := ask(subjectHandoff+"west", []byte(junk)); r.OK || r.Error == "" {
			t.Errorf("handoff %.20q: %+v", junk, r)
		}
		if r := ask(subjectAttach+"west", []byte(junk)); r.OK || r.Error == "" {
			t.Errorf("attach %.20q: %+v", junk, r)
		}
		nc.Publish(subjectIn+"west", []byte(junk))
		nc.Publish(subjectOut+"west", []byte(junk))
	}
	nc.Publish(subjectOut+"west", []byte(`{"pid":"nobody-1","from":"east","kind":"bytes","data":"aGk="}`))
	nc.Publish(subjectIn+"west", []byte(`{"pid":"nobody-1","line":"shutdown"}`))

	// A forged handoff: the ledger has no crossing at that revision, so
	// west claims nothing and forgets what it was sent.
	forged := handoffReq{ID: "forged", From: "east", Ledger: "east", Rev: 999, Room: "thornwick.square",
		Record: world.PlayerRecord{Name: "Mallory", Role: world.RoleAdmin,
			Items: []world.ItemRecord{{ID: 7, Proto: "thornwick.walking_stick", Kind: world.InPlayer, Holder: "mallory"}}},
		Hash: []byte("$2a$04$not a real hash")}
	data, _ := json.Marshal(forged)
	if r := ask(subjectHandoff+"west", data); r.OK {
		t.Fatalf("a forged handoff was taken: %+v", r)
	}
	other := forged
	other.Ledger = "west"
	data, _ = json.Marshal(other)
	if r := ask(subjectHandoff+"west", data); r.OK || !strings.Contains(r.Error, "different ledgers") {
		t.Fatalf("a handoff under another ledger: %+v", r)
	}
	bad := forged
	bad.Record.Items = []world.ItemRecord{{ID: 7, Proto: "no.such_thing", Kind: world.InPlayer}}
	data, _ = json.Marshal(bad)
	if r := ask(subjectHandoff+"west", data); r.OK || !strings.Contains(r.Error, "no item prototype no.such_thing") {
		t.Fatalf("a handoff with an unknown item: %+v", r)
	}
	checkFor(t, 5*time.Second, func() error {
		c, err := west.store.Character(context.Background(), "mallory")
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil
		case err != nil:
			return err
		case c.Residence.State == "":
			return errString("west took mallory in")
		}
		if n := itemsOf(t, west, "mallory"); n != 0 {
			return errString("west keeps mallory's items")
		}
		return nil
	})

	// A real crossing cannot be delivered twice.
	seen, err := nc.SubscribeSync(subjectHandoff + "west")
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	bob := login(t, west, "bob")
	ann := login(t, east, "ann")
	ann.send("get stick")
	ann.expect("You get")
	ann.send("goto west:")
	bob.expect("Ann steps out of the shimmering air.")
	m, err := seen.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r := ask(subjectHandoff+"west", m.Data); r.OK || !strings.Contains(r.Error, "Ann") {
		t.Fatalf("the same handoff again: %+v", r)
	}
	ann.send("inventory")
	ann.expect("a walking stick")
	if n := itemsOf(t, west, "ann"); n != 1 {
		t.Fatalf("west holds %d of ann's items after a replay, want 1", n)
	}
	ann.send("say still whole")
	bob.expect(`Ann says, "still whole"`)
}

// The shard that plays a character stops and starts again: the player's
// connection, on the other shard, waits, and plays on when it is back.
func TestHandoffOwnerRestarts(t *testing.T) {
	t.Parallel()
	eastCfg, westCfg := linkedConfigs(t, nil)
	east, west := startShards(t, eastCfg, westCfg)
	ann := login(t, east, "ann")
	ann.send("get stick")
	ann.expect("You get")
	ann.send("goto west:thornwick.chapel")
	ann.expect("Chapel of the Quiet Flame")

	stopServer(t, west)
	ann.expect("The server is shutting down")
	ann.expect("Shard west has gone away for now")
	ann.send("look")
	ann.expect("Shard west cannot be reached just now")

	startServer(t, westCfg)
	ann.expect("Shard west is back.")
	ann.send("look")
	ann.expect("Chapel of the Quiet Flame")
	ann.send("inventory")
	ann.expect("a walking stick")
	ann.send("goto east:")
	ann.expect("The world blurs")
	ann.expect("Thornwick Square")
	ann.send("inventory")
	ann.expect("a walking stick")
}

// A MUD client's GMCP keeps working across shards: the owner sends what
// the client asked for on its shard, and hears what it asks for later.
func TestHandoffGMCP(t *testing.T) {
	t.Parallel()
	east, _ := startPair(t, nil)
	c := dial(t, east, "mudlet")
	c.sendRaw([]byte{255, 253, 201}) // DO GMCP
	c.sendGMCP(`Core.Supports.Set ["Char 1", "Room 1"]`)
	c.send("create mudlet password1")
	c.expect("Exits:")
	c.expectGMCP("Room.Info", `"id":"thornwick.square"`)
	c.send("goto west:thornwick.chapel")
	c.expect("Chapel of the Quiet Flame")
	c.expectGMCP("Room.Info", `"id":"thornwick.chapel"`)
	c.expectGMCP("Char.Status", `"name":"Mudlet"`)
	c.sendGMCP(`Core.Supports.Add ["Char.Items 1"]`)
	c.send("look") // the next change brings the items
	c.expectGMCP("Char.Items.List", `"location":"room"`)
}

// A character made on one shard can log in through any other; its name
// is taken on all of them.
func TestLoginThroughAnotherShard(t *testing.T) {
	t.Parallel()
	east, west := startPair(t, nil)
	login(t, east, "ann") // east's admin, so that west's next is not
	bea := login(t, west, "bea")
	bea.send("get stick")
	bea.expect("You get")
	bea.send("quit")
	bea.expectClosed()

	c := dial(t, east, "bea")
	c.send("create bea password1")
	c.expect("The name Bea is taken on another shard.")
	c.send("connect bea wrong-password")
	c.expect("Wrong name or password.")
	c.send("bea")
	c.expect("Password: ")
	c.send("password1")
	c.expect("Welcome back, Bea.")
	c.expect("Thornwick Square")
	c.send("inventory")
	c.expect("a walking stick")
	c.send("users")
	c.expect("telnet@east")
	if _, err := east.store.Character(context.Background(), "bea"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("east has a row for bea: %v", err)
	}
	// The wrong password counted here, as for a character of this shard.
	c.send("quit")
	c.expectClosed()
}

// While the ledger cannot be reached, crossings are refused and the
// player stays, whole; new characters are still made.
func TestHandoffWithoutLedger(t *testing.T) {
	t.Parallel()
	east, west := startPair(t, func(c *Config) { c.Ledger = "gone" }) // no relay is called gone
	ann := login(t, east, "ann")
	ann.send("get stick")
	ann.expect("You get")
	ann.send("goto west:")
	ann.expect("The crossing failed: the shards' ledger cannot be reached.")
	ann.send("inventory")
	ann.expect("a walking stick")
	checkFor(t, 5*time.Second, func() error { // the leaving mark is taken back
		if r := residenceOf(t, east, "ann"); r.State != "" {
			return errString("ann is " + r.State + " on east")
		}
		return nil
	})
	if _, err := west.store.Character(context.Background(), "ann"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("west has a row for ann: %v", err)
	}
}

// Over SSH too: a character of another shard logs in with its password,
// which that shard checks, and plays there.
func TestSSHThroughAnotherShard(t *testing.T) {
	t.Parallel()
	east, west := startPair(t, func(c *Config) { c.SSHAddr = "127.0.0.1:0" })
	login(t, east, "ann")
	bea := login(t, west, "bea")
	bea.send("get stick")
	bea.expect("You get")

	if _, err := dialSSH(t, east, "bea", "wrong-password", 0); err == nil {
		t.Fatal("a wrong password logged in")
	}
	c, err := dialSSH(t, east, "bea", "password1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("Welcome back, Bea.")
	c.expect("You take over your character") // the telnet session on west had it
	c.send("inventory")
	c.expect("a walking stick")
	bea.expectClosed()
}

// A mapper links a portal exit to the room behind it: the exit's number
// in Room.Info on one shard is the number the other shard gives the room.
func TestHandoffRoomNumbers(t *testing.T) {
	t.Parallel()
	east, _ := startPair(t, nil)
	c := dial(t, east, "mapper")
	c.sendRaw([]byte{255, 253, 201}) // DO GMCP
	c.sendGMCP(`Core.Supports.Set ["Room 1"]`)
	c.send("create mapper password1") // east's first character: an admin, who may link
	c.expect("Exits:")
	c.expectGMCP("Room.Info", `"id":"thornwick.square"`)
	c.send("link up west:thornwick.chapel")
	c.expect("You open a portal up")
	var here struct {
		Exits map[string]uint32 `json:"exits"`
	}
	if err := json.Unmarshal([]byte(c.expectGMCP("Room.Info", `"u":`)), &here); err != nil { // sent again: its exits changed
		t.Fatal(err)
	}
	portal, ok := here.Exits["u"]
	if !ok {
		t.Fatalf("Room.Info of the square has no exit up: %v", here.Exits)
	}
	c.send("up")
	c.expect("Chapel of the Quiet Flame")
	var there struct {
		Num uint32 `json:"num"`
	}
	if err := json.Unmarshal([]byte(c.expectGMCP("Room.Info", `"id":"thornwick.chapel"`)), &there); err != nil {
		t.Fatal(err)
	}
	if there.Num != portal {
		t.Errorf("the portal exit says room %d, the room on the other shard says %d", portal, there.Num)
	}
}
