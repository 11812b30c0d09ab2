package engine

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/world/area"
)

// dialFrom connects from a chosen loopback address (127.0.0.2 is loopback
// on Linux too), so that a test can ban one address and not another.
func dialFrom(t *testing.T, srv *Server, name, local string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	conn, err := d.Dial("tcp", srv.TelnetAddr().String())
	if err != nil {
		t.Skipf("cannot connect from %s: %v", local, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, name: name, conn: conn}
}

// onLoop runs fn on the engine's loop and waits for it: tests read the
// world there, as everything else does.
func onLoop(t *testing.T, srv *Server, fn func()) {
	t.Helper()
	done := make(chan struct{})
	if !srv.post(event{kind: evFunc, fn: func() { fn(); close(done) }}) {
		t.Fatal("the loop is gone")
	}
	<-done
}

// Players and builders are answered as if staff commands did not exist.
func TestStaffCommandsRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	login(t, srv, "alice") // the admin
	bob := login(t, srv, "bob")
	for _, line := range []string{"kick alice", "ban alice", "shutdown", "users", "save", "audit", "promote bob admin",
		"wall hi", "goto thornwick.inn", "stat", "invis", "force crier say hi", "dig north Hut", "export", "attach x", "reload"} {
		bob.send(line)
		bob.expect("Huh?")
	}
	bob.send("help kick")
	bob.expect(`There is no help on "kick"`)
	bob.send("help")
	bob.reject("shutdown", 200*time.Millisecond)
}

func TestPromoteAndDemote(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	carol := login(t, srv, "carol")
	carol.send("quit")
	carol.expectClosed()

	alice.send("promote bob builder")
	bob.expect("Alice makes you builder.")
	alice.expect("Bob is now builder.")
	bob.send("dig northeast Shed") // a builder now
	bob.expect("You dig north")
	bob.send("kick alice") // but not an admin
	bob.expect("Huh?")
	alice.send("promote carol admin") // offline
	alice.expect("Carol (offline) is now admin.")
	alice.send("demote carol")
	alice.expect("Carol (offline) is now builder.")
	alice.send("demote bob")
	alice.expect("Bob is now player.")
	alice.send("demote bob")
	alice.expect("Bob is a player already.")
	alice.send("promote bob player")
	alice.expect("Bob is player already.")
	alice.send("promote bob")
	alice.expect("Usage: promote <name> <role>")
	alice.send("promote zebulon builder")
	alice.expect("There is no character called Zebulon.")
	alice.send("promote bob wizard")
	alice.expect("A role is player, builder or admin.")
	alice.send("demote alice")
	alice.expect("You cannot change your own role")
	carol = connect(t, srv, "carol")
	carol.send("score")
	carol.expect("Carol, builder")
}

func TestKick(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	bob.send("get stick")
	bob.expect("You get")
	alice.send("kick bob spamming the square")
	bob.expect("You have been kicked out by Alice: spamming the square")
	bob.expectClosed()
	alice.expect("Bob is gone.")
	alice.send("kick nobody")
	alice.expect(`There is no player "nobody" in the world.`)
	bob = connect(t, srv, "bob") // kicked is not banned, and nothing was lost
	bob.send("inventory")
	bob.expect("walking stick")
}

func TestBans(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	admin := dialFrom(t, srv, "alice", "127.0.0.2")
	admin.send("create alice password1")
	admin.expect("Exits:")
	bob := login(t, srv, "bob") // from 127.0.0.1
	login(t, srv, "carol").send("quit")

	admin.send("ban bob 2h cheating")
	bob.expect("You are banned from this server: cheating. The ban expires")
	bob.expectClosed()
	admin.expect("Banned name bob until")
	again := dial(t, srv, "bob")
	again.send("connect bob password1")
	again.expect("You are banned from this server: cheating. The ban expires")
	again.expectClosed()

	admin.send("ban 127.0.0.1 spam bots")
	admin.expect("Banned addr 127.0.0.1 for good.")
	carol := dial(t, srv, "carol") // another account, the same address
	carol.expect("You are banned from this server: spam bots. The ban does not expire.")
	carol.expectClosed()
	admin.send("ban 127.0.0.0/8")
	admin.expect("That would ban your own address.")
	admin.send("ban ???")
	admin.expect(`"???" is not a character name, an IP address or a CIDR block`)
	admin.send("bans")
	admin.expect("Bans in force (2):")
	admin.expect("name bob")
	admin.expect("addr 127.0.0.1")

	// The bans survive a restart.
	stopServer(t, srv)
	srv = startServer(t, cfg)
	carol = dial(t, srv, "carol")
	carol.expect("spam bots")
	carol.expectClosed()
	admin = dialFrom(t, srv, "alice", "127.0.0.2")
	admin.send("connect alice password1")
	admin.expect("Exits:")
	admin.send("unban 127.0.0.1")
	admin.expect("The ban on 127.0.0.1 is lifted.")
	admin.send("unban 127.0.0.1")
	admin.expect("There is no ban on 127.0.0.1.")
	carol = connect(t, srv, "carol")
	carol.send("say free")
	carol.expect(`You say, "free"`)
}

func TestUsersSaveAndAudit(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := dial(t, srv, "bob")
	bob.ttype = []string{"MUDLET", "XTERM-256COLOR", "MTTS 137"}
	// WILL NAWS with a 120x40 window, WILL TTYPE; the client answers the
	// TTYPE cycle as the server asks.
	bob.sendRaw([]byte{255, 251, 31, 255, 250, 31, 0, 120, 0, 40, 255, 240, 255, 251, 24})
	bob.expect("Name: ")
	bob.reject("no such text", 300*time.Millisecond) // let the TTYPE cycle finish
	bob.send("create bob password1")
	bob.expect("Exits:")
	lurker := dial(t, srv, "lurker") // still at the name prompt
	lurker.expect("Name: ")

	alice.send("users")
	out := alice.expect("connection(s).")
	for _, want := range []string{"Alice", "Bob", "(logging in)", "telnet", "MUDLET", "120x40", "127.0.0.1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("users lacks %q:\n%s", want, out)
		}
	}
	bob.send("get stick")
	bob.expect("You get")
	alice.send("save")
	alice.expect("Saved: the game paused")
	alice.send("save")
	alice.expect("Nothing had changed since the last save")

	alice.send("kick bob")
	alice.send("goto nowhere")
	alice.expect("There is no room or player")
	alice.send("audit")
	alice.expect("Latest staff commands, newest first:")
	alice.expect("goto nowhere -> There is no room")
	alice.expect("kick bob -> ok")
	alice.expect("save")
	alice.send("audit bob")
	alice.expect("No staff commands in the journal.")
}

func TestShutdownCountdown(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.send("shutdown 60 testing")
	bob.expect("The server shuts down in 1m0s: testing.")
	alice.send("shutdown cancel")
	bob.expect("Alice has cancelled the shutdown.")
	alice.send("shutdown cancel")
	alice.expect("No shutdown is counting down.")

	bob.send("get stick")
	bob.expect("You get")
	alice.send("shutdown 2 new release")
	bob.expect("The server shuts down in 2s: new release.")
	bob.expect("The server shuts down in 1s: new release.") // rounded up, so a late timer still says it
	bob.expect("The server is shutting down. Your character has been saved.")
	bob.expectClosed()
	select {
	case <-srv.Stopping():
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	stopServer(t, srv) // waits for the shutdown under way
	srv = startServer(t, cfg)
	bob = connect(t, srv, "bob")
	bob.send("inventory")
	bob.expect("walking stick")
}

// buildWorld is a one-room area t with a greeter script builders can attach.
func buildWorld(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.World = fstest.MapFS{
		"world.yaml": {Data: []byte("name: Test\nstart: t.yard\n")},
		"areas/t.yaml": {Data: []byte(`area: t
rooms:
  yard:
    name: The Yard
    desc: A muddy yard.
`)},
	}
	cfg.Scripts = fstest.MapFS{"t/greeter.lua": {Data: []byte(`
function on_greet(npc, actor)
  npc:say("Welcome to my shop, " .. actor.name .. "!")
end
function on_say(npc, actor, text)
  if string.find(text, "wares") then npc:say("Only the finest goats.") end
end
`)}}
	cfg.ExportDir = t.TempDir()
	return cfg
}

// A builder builds two rooms, links them, describes them, makes an NPC
// with a behaviour; another player walks in and meets all of it; a restart
// keeps it; export writes an area file that a fresh server loads the same.
func TestLiveBuilding(t *testing.T) {
	t.Parallel()
	cfg := buildWorld(t)
	srv := startServer(t, cfg)
	admin := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	dave := login(t, srv, "dave")
	admin.send("promote bob builder")
	admin.expect("Bob is now builder.")

	bob.send("dig east Goat Shop")
	bob.expect("You dig east: Goat Shop (t.goat_shop), with an exit back west.")
	bob.send("east")
	bob.expect("Goat Shop")
	bob.send("rdesc")
	bob.expect("Enter the description of Goat Shop.")
	for _, line := range []string{"Goats everywhere: on the shelves,", "on the counter, on the roof.", "", "  NO REFUNDS", "."} {
		bob.send(line)
	}
	bob.expect("Description set.")
	bob.send("dig north Back Room")
	bob.expect("You dig north: Back Room (t.back_room)")
	bob.send("north")
	bob.send("rdesc Straw and a ledger.")
	bob.expect("Description set.")
	bob.send("unlink south")
	bob.expect("The way back is gone too.")
	bob.send("link south goat_shop")
	bob.expect("You link south to Goat Shop (t.goat_shop). The way back, north, links here.")
	bob.send("south")
	bob.send("proto new mob shopkeeper a wiry shopkeeper")
	bob.expect("Made mob prototype t.shopkeeper (a wiry shopkeeper).")
	bob.send("proto set shopkeeper long A wiry shopkeeper counts coins behind the counter.")
	bob.expect("t.shopkeeper long set.")
	bob.send("proto set shopkeeper keywords shopkeeper wiry keeper")
	bob.expect("t.shopkeeper keywords set.")
	bob.send("spawn shopkeeper")
	bob.expect("You make a wiry shopkeeper here, and add it to the room's spawn list.")
	bob.send("attach nosuch shopkeeper")
	bob.expect("There is no loaded script t/nosuch.lua")
	bob.send("attach greeter shopkeeper")
	bob.expect("Gave every a wiry shopkeeper (t.shopkeeper) the behaviour t/greeter.lua.")

	dave.send("east")
	dave.expect("Goat Shop")
	dave.expect("Goats everywhere: on the shelves, on the counter, on the roof.")
	dave.expect("  NO REFUNDS")
	dave.expect("A wiry shopkeeper counts coins behind the counter.")
	dave.expect(`A wiry shopkeeper says, "Welcome to my shop, Dave!"`)
	dave.send("say show me your wares")
	dave.expect(`"Only the finest goats."`)
	dave.send("north")
	dave.expect("Straw and a ledger.")
	dave.send("south")
	dave.expect("Goat Shop")

	var before []byte
	onLoop(t, srv, func() {
		var err error
		before, err = area.Marshal(srv.world.Area("t"), srv.world.ItemProtos(), srv.world.MobProtos())
		if err != nil {
			t.Error(err)
		}
	})
	stopServer(t, srv)

	// After a restart, all still there, and the shopkeeper only once.
	srv = startServer(t, cfg)
	dave = dial(t, srv, "dave")
	dave.send("connect dave password1")
	dave.expect("Goat Shop")
	dave.send("west")
	dave.send("east")
	dave.expect(`"Welcome to my shop, Dave!"`) // the behaviour too
	dave.send("look")
	out := dave.expect("Exits:")
	out += dave.expect("counts coins")
	dave.reject("counts coins", 300*time.Millisecond)
	if !strings.Contains(out, "NO REFUNDS") {
		t.Errorf("the description did not survive the restart:\n%s", out)
	}
	bob = connect(t, srv, "bob")
	bob.send("export")
	bob.expect("Wrote " + filepath.Join(cfg.ExportDir, "areas", "t.yaml"))

	// A fresh server on the exported files builds the same area.
	exported, err := os.ReadFile(filepath.Join(cfg.ExportDir, "areas", "t.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := testConfig(t)
	fresh.World = fstest.MapFS{"world.yaml": {Data: []byte("name: Test\nstart: t.yard\n")}, "areas/t.yaml": {Data: exported}}
	fresh.Scripts = cfg.Scripts
	srv2 := startServer(t, fresh)
	var after []byte
	onLoop(t, srv2, func() {
		after, _ = area.Marshal(srv2.world.Area("t"), srv2.world.ItemProtos(), srv2.world.MobProtos())
	})
	if string(after) != string(before) || string(exported) != string(before) {
		t.Errorf("export does not round-trip:\nbuilt:\n%s\nexported:\n%s\nloaded again:\n%s", before, exported, after)
	}
	eve := login(t, srv2, "eve")
	eve.send("east")
	eve.expect(`"Welcome to my shop, Eve!"`)
}

// The admins' world commands over real connections: what others see.
func TestAdminWorldCommands(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	ada := login(t, srv, "ada")
	cal := login(t, srv, "cal")
	ada.send("wall Reboot at noon.")
	cal.expect("[Ada] Reboot at noon.")
	ada.send("invis")
	cal.expect("Ada fades from view.")
	cal.send("who")
	cal.reject("Ada", 300*time.Millisecond)
	ada.send("goto whisperwood.edge")
	ada.expect("Edge of the Whisperwood")
	cal.reject("Ada vanishes", 200*time.Millisecond)
	ada.send("transfer cal")
	cal.expect("Ada summons you.")
	cal.expect("Edge of the Whisperwood")
	ada.send("invis")
	cal.expect("Ada fades into view.")
	ada.send("stat cal")
	ada.expect("Player Cal")
	ada.expect("room:       whisperwood.edge")
	ada.send("goto thornwick.square")
	ada.send("force crier emote rings his bell.")
	ada.expect("The town crier (thornwick.square) obeys.")
	ada.send("stat crier")
	ada.expect("thornwick.crier")
	ada.expect("room:       thornwick.square")
}

// auditOutcome waits until the newest audit row of actor's command is
// outcome, reading the events table as a reporting tool would.
func auditOutcome(t *testing.T, cfg Config, actor, command, want string) {
	t.Helper()
	ro := openReadOnly(t, cfg.DBPath)
	checkFor(t, 10*time.Second, func() error {
		var got string
		err := ro.DB().QueryRow(`SELECT json_extract(details, '$.outcome') FROM events
			WHERE kind = 'admin' AND actor = ? AND json_extract(details, '$.command') = ?
			ORDER BY id DESC LIMIT 1`, actor, command).Scan(&got)
		if err != nil {
			return fmt.Errorf("audit of %s %s: %v", actor, command, err)
		}
		if !strings.Contains(got, want) {
			return fmt.Errorf("audit of %s %s is %q, want %q", actor, command, got, want)
		}
		return nil
	})
}

// Staff commands whose result comes later are audited with that result,
// not "ok" up front; editors record the text; attempts by those below the
// role are journaled as refused and answered as if unknown.
func TestAuditOutcomes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.ExportDir = blocker // a file, not a folder: export must fail
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	carol := login(t, srv, "carol")
	alice.send("promote carol builder")
	alice.expect("Carol is now builder.")

	alice.send("promote zebulon builder")
	alice.expect("There is no character called Zebulon.")
	auditOutcome(t, cfg, "Alice", "promote", "There is no character called Zebulon.")
	alice.send("export")
	alice.expect("Export failed:")
	auditOutcome(t, cfg, "Alice", "export", "Export failed:")
	alice.send("ban dave 1h")
	alice.expect("Banned name dave until")
	auditOutcome(t, cfg, "Alice", "ban", "ok")
	alice.send("unban dave")
	alice.expect("The ban on dave is lifted.")
	auditOutcome(t, cfg, "Alice", "unban", "ok")
	bob.send("get stick") // something to save
	bob.expect("You get")
	alice.send("save")
	alice.expect("Saved: the game paused")
	auditOutcome(t, cfg, "Alice", "save", "ok")

	alice.send("rdesc")
	alice.expect("Enter the description of")
	for _, line := range []string{"A square swept clean for the fair.", "Bunting hangs everywhere.", "."} {
		alice.send(line)
	}
	alice.expect("Description set.")
	auditOutcome(t, cfg, "Alice", "rdesc", "set 60 bytes: A square swept clean for the fair.")
	alice.send("rdesc")
	alice.expect("Enter the description of")
	alice.send("never mind")
	alice.send(".q")
	alice.expect("nothing changed")
	auditOutcome(t, cfg, "Alice", "rdesc", "gave up in the editor")

	bob.send("kick alice")
	bob.expect("Huh?")
	auditOutcome(t, cfg, "Bob", "kick", "refused")
	carol.send("ban bob")
	carol.expect("Huh?")
	auditOutcome(t, cfg, "Carol", "ban", "refused")
	carol.send("exits") // within her role: not refused
	carol.expect("Exits of")
	auditOutcome(t, cfg, "Carol", "exits", "ok")

	alice.send("audit bob 5")
	out := alice.expect("-> refused")
	if !strings.Contains(out, "Bob") || !strings.Contains(out, "kick alice") {
		t.Errorf("audit bob lacks the refused kick:\n%s", out)
	}
	alice.send("audit carol 1")
	out = alice.expect("Latest staff commands, newest first:")
	out += alice.expect("-> ok")
	alice.reject("refused", 300*time.Millisecond) // only the newest one: the exits
	if !strings.Contains(out, "Carol") || !strings.Contains(out, "exits") {
		t.Errorf("audit carol 1 is not the exits:\n%s", out)
	}
	auditOutcome(t, cfg, "Alice", "audit", "ok")
	bob.reject("audit", 100*time.Millisecond) // nothing was revealed to bob
}
