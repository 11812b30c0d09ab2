package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/data"
	"shardmud/world"
)

// expectAll reads c's output up to last and checks it holds every line
// of want, in any order.
func expectAll(t *testing.T, c *client, last string, want ...string) string {
	t.Helper()
	out := c.expect(last)
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", c.name, w, out)
		}
	}
	return out
}

// widen tells the server c's window is 1000 columns wide (NAWS), so that
// long lines such as stat's arrive unwrapped.
func widen(c *client) *client {
	c.t.Helper()
	c.sendRaw([]byte{255, 251, 31, 255, 250, 31, 3, 232, 0, 40, 255, 240})
	return c
}

// answer sends line and returns all it answers: everything up to a
// marker said after it.
func answer(c *client, line string) string {
	c.t.Helper()
	c.send(line)
	c.send("say end-of-answer")
	return c.expect(`You say, "end-of-answer"`)
}

// stat shows every field of each kind of thing, over a real connection.
func TestStatEveryKind(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	alice := widen(login(t, srv, "alice")) // admin
	bob := login(t, srv, "bob")
	bob.send("get stick")
	bob.expect("You get")

	alice.send("goto thornwick.smithy")
	alice.expect("Exits:")
	alice.send("exits east locked key horseshoe")
	alice.expect("The other side matches.")
	alice.send("stat")
	expectAll(t, alice, "players:",
		"Room thornwick.smithy", "area:       thornwick (Thornwick Village), resets every", "flags:      none",
		"script:     none", "east      -> thornwick.market_lane [door, closed, locked, key thornwick.horseshoe] (starts locked)",
		"resets:", "item thornwick.anvil", "NPC thornwick.blacksmith", "an iron horseshoe (thornwick.horseshoe#",
		"NPCs:       Hobb the blacksmith (thornwick.blacksmith#")

	alice.send("stat smith")
	expectAll(t, alice, "desc:",
		"short:      Hobb the blacksmith", "room:       thornwick.smithy", "home:       thornwick.smithy", "level:      1",
		"hp:         10/10", "mana:", "position:   standing", "armour:     0", "gold:       0", "aggressive: false",
		"fighting:   nobody", "shop:       markup 120%, buys at 50%; stock: thornwick.dagger 5/5", "script:     none")

	alice.send("spawn small_pack once")
	alice.expect("You make a small pack here")
	alice.send("get horseshoe")
	alice.expect("You get")
	alice.send("put horseshoe in pack")
	alice.expect("You put")
	alice.send("stat pack")
	expectAll(t, alice, "desc:",
		"Item", "short:      a small pack", "where:      on the floor of thornwick.smithy", "slot:       none",
		"weight:     2", "value:      10", "capacity:   30", "contents:   an iron horseshoe (thornwick.horseshoe#",
		"damage:     none", "armour:     0", "bonus:      none")
	alice.send("stat wooden_sword")
	alice.send("stat sword")
	expectAll(t, alice, "desc:", "slot:       wield", "damage:     1d")

	bob.send("wield stick")
	bob.send("stat bob") // a player gets no answer
	bob.expect("Huh?")
	alice.send("stat bob")
	expectAll(t, alice, "inventory:",
		"Player Bob", "role:       player", "link:       connected from 127.0.0.1:", "by telnet",
		"room:       thornwick.square", "level:      1", "hp:         ", "mana:       ", "stats:      str 13, dex 13, con 13, int 13",
		"gold:       30", "position:   standing")
	alice.send("stat item:999999")
	alice.expect("There is no item with id 999999 in the world.")
}

// Every game field of prototypes is editable, takes effect at once, is
// saved at once and survives export into a fresh server.
func TestProtoSetLive(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.ExportDir = t.TempDir()
	srv := startServer(t, cfg)
	alice := widen(login(t, srv, "alice"))
	bob := widen(login(t, srv, "bob"))
	alice.send("goto thornwick.smithy")
	alice.expect("Exits:")
	bob.send("north")
	bob.send("west")
	bob.expect("Hobb the blacksmith")

	edits := []string{
		"proto set dagger value 40", "proto set dagger weight 3", "proto set dagger bonus hit 1", "proto set dagger armour 2",
		"proto set small_pack capacity 45", "proto set anvil fixed no",
		"proto set blacksmith shop sells bread 4", "proto set blacksmith shop markup 200", "proto set blacksmith shop buys 25",
		"proto set blacksmith level 12", "proto set blacksmith gold 99", "proto set blacksmith damage 2d6+3",
		"proto set blacksmith armor 5", "proto set blacksmith aggressive no",
	}
	for _, line := range edits {
		alice.send(line)
		alice.expect(" set.")
	}
	alice.send("proto set dagger weight heavy")
	alice.expect("thornwick.dagger weight is unchanged: weight is a whole number from 0 to 100000")
	alice.send("proto set blacksmith shop sells dagger many")
	alice.expect("thornwick.blacksmith shop is unchanged: the stock is a whole number from 0 to 10000")

	// At once: the shop's list shows the new ware and the new prices.
	if out := answer(bob, "list"); !strings.Contains(out, "bread") || !strings.Contains(out, "80 gold") {
		t.Errorf("the shop does not sell bread, or the dagger at 80 gold (value 40 at 200%%):\n%s", out)
	}
	bob.send("consider smith")
	bob.expect("smith")

	show := func(c *client, proto, last string) string {
		c.send("proto show " + proto)
		return c.expect(last)
	}
	wantDagger := []string{"value:      40", "weight:     3", "bonus:      hit+1", "armor:      2"}
	wantSmith := []string{"level:      12", "gold:       99", "damage:     2d6+3", "armor:      5",
		"shop:       markup 200%, buys at 25%; stock: thornwick.bread 4/4, thornwick.dagger 5/5"}
	check := func(who *client) {
		t.Helper()
		d := show(who, "dagger", "desc:")
		for _, w := range wantDagger {
			if !strings.Contains(d, w) {
				t.Errorf("proto show dagger lacks %q:\n%s", w, d)
			}
		}
		m := show(who, "blacksmith", "desc:")
		for _, w := range wantSmith {
			if !strings.Contains(m, w) {
				t.Errorf("proto show blacksmith lacks %q:\n%s", w, m)
			}
		}
	}
	check(alice)

	// Saved at once: a restart keeps them.
	stopServer(t, srv)
	srv = startServer(t, cfg)
	alice = widen(connect(t, srv, "alice"))
	check(alice)

	// Export round-trip: a fresh server on the exported file has them too.
	alice.send("export")
	alice.expect("Wrote " + filepath.Join(cfg.ExportDir, "areas", "thornwick.yaml"))
	exported, err := os.ReadFile(filepath.Join(cfg.ExportDir, "areas", "thornwick.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := snapshotFS(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	files["areas/thornwick.yaml"] = &fstest.MapFile{Data: exported}
	fresh := testConfig(t)
	fresh.World = files
	srv2 := startServer(t, fresh)
	check(widen(login(t, srv2, "zed")))
}

// force finds an NPC anywhere and has it do what NPCs can; players are
// never forced.
func TestForceAnywhere(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.send("goto thornwick.inn")
	alice.expect("Exits:")

	alice.send("force crier say Hear ye!")
	bob.expect(`The town crier says, "Hear ye!"`)
	alice.expect("The town crier (thornwick.square) obeys.")
	alice.send("force crier get stick")
	bob.expect("The town crier gets a walking stick.")
	alice.send("force crier give stick bob")
	bob.expect("The town crier gives you a walking stick.")
	alice.send("force 2.crier say twice")
	alice.expect(`There is no NPC "2.crier" in the world.`)
	alice.send("force bob say I am forced")
	alice.expect("Players cannot be forced; only NPCs.")
	bob.reject("I am forced", 200*time.Millisecond)
	alice.send("force crier emote rings his bell.")
	bob.expect("The town crier rings his bell.")
	alice.send("force crier north")
	bob.expect("The town crier leaves north.")
	alice.send("force crier kill bob")
	alice.expect("The town crier cannot:") // not in bob's room any more
}

// The builders' commands over real connections, with what another player
// sees.
func TestBuilderCommandsSeen(t *testing.T) {
	t.Parallel()
	cfg := buildWorld(t)
	cfg.World.(fstest.MapFS)["areas/t.yaml"] = &fstest.MapFile{Data: []byte(`area: t
rooms:
  yard:
    name: The Yard
    desc: A muddy yard.
    exits:
      north: barn
  barn:
    name: The Barn
    desc: Hay.
    exits:
      south: yard
items:
  key:
    short: an iron key
    keywords: [key, iron]
  bucket:
    short: a tin bucket
    keywords: [bucket]
`)}
	srv := startServer(t, cfg)
	alice := widen(login(t, srv, "alice")) // admin, and so builder
	bob := login(t, srv, "bob")

	alice.send("rname The Old Yard")
	alice.expect("This room is now called The Old Yard.")
	bob.send("look")
	bob.expect("The Old Yard")

	alice.send("exits north door closed")
	alice.expect("Exit north -> t.barn [door, closed]. The other side matches.")
	bob.send("north")
	bob.expect("The way north is closed.")
	alice.send("exits north locked key key")
	alice.expect("Exit north -> t.barn [door, closed, locked, key t.key]")
	bob.send("open north")
	bob.expect("locked")
	alice.send("exits")
	alice.expect("north     -> t.barn [door, closed, locked, key t.key]")
	alice.send("exits north nodoor")
	alice.expect("Exit north -> t.barn.")
	bob.send("north")
	bob.expect("The Barn")
	bob.send("south")
	bob.expect("The Old Yard")

	alice.send("proto new item pail a wooden pail")
	alice.expect("Made item prototype t.pail (a wooden pail).")
	alice.send("proto list")
	expectAll(t, alice, "t.pail", "item t.bucket", "item t.key")
	alice.send("proto desc pail")
	alice.expect("Enter the description of t.pail.")
	alice.send("Staved oak, hooped with iron.")
	alice.send(".")
	alice.expect("Description set.")
	alice.send("proto show pail")
	expectAll(t, alice, "Staved oak, hooped with iron.", "Item prototype t.pail", "short:      a wooden pail")
	alice.send("spawn pail")
	alice.expect("You make a wooden pail here")
	bob.send("look")
	bob.expect("A wooden pail is here.")
	alice.send("resets")
	alice.expect("1. item t.pail")
	alice.send("purge pail")
	bob.expect("A wooden pail is gone in a flash.")
	alice.send("resets remove 1")
	alice.expect("Removed t.pail from the spawn list")
	alice.send("resets")
	alice.expect("This room's spawn list is empty.")

	alice.send("attach greeter")
	alice.expect("Gave this room the behaviour t/greeter.lua.")
	alice.send("detach")
	alice.expect("Took the behaviour off this room.")
	alice.send("detach")
	alice.expect("this room has no behaviour.")

	// goto NAME and transfer NAME ROOM.
	bob.send("north")
	bob.expect("The Barn")
	alice.send("goto bob")
	alice.expect("The Barn")
	bob.expect("Alice appears out of thin air.")
	alice.send("transfer bob t.yard")
	bob.expect("Alice summons you.")
	bob.expect("The Old Yard")
	alice.expect("You send Bob to The Old Yard (t.yard).")
	alice.send("transfer bob nowhere")
	alice.expect(`There is no room "nowhere".`)
}

// A CIDR ban refuses a new login from inside the block, not from outside.
func TestCIDRBanOnNewLogin(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	admin := dialFrom(t, srv, "alice", "127.0.0.9")
	admin.send("create alice password1")
	admin.expect("Exits:")
	login(t, srv, "bob").send("quit")
	admin.send("ban 127.0.0.0/30 bots")
	admin.expect("Banned addr 127.0.0.0/30 for good.")
	bob := dialFrom(t, srv, "bob", "127.0.0.2")
	bob.expect("You are banned from this server: bots.")
	bob.expectClosed()
	bob = dialFrom(t, srv, "bob", "127.0.0.5") // outside the block
	bob.send("connect bob password1")
	bob.expect("Exits:")
}

// Every staff command, walked from the running server's whole table, is
// answered to those below its role exactly as a word that is no command.
func TestEveryStaffCommandRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	login(t, srv, "alice")
	bob := login(t, srv, "bob")
	carol := login(t, srv, "carol")
	var cmds []*world.Command
	onLoop(t, srv, func() {
		cmds = srv.world.Commands()
		srv.world.Player("carol").Role = world.RoleBuilder
	})
	for _, c := range cmds {
		for _, who := range []struct {
			cl   *client
			role world.Role
		}{{bob, world.RolePlayer}, {carol, world.RoleBuilder}} {
			if c.MinRole <= who.role {
				continue
			}
			out := answer(who.cl, c.Name+" x")
			if !strings.Contains(out, "Huh?") {
				t.Errorf("%s (%s) typed %q and got:\n%s", who.cl.name, who.role, c.Name, out)
			}
			out = answer(who.cl, "help "+c.Name)
			if strings.Contains(out, "Usage:") {
				t.Errorf("%s (%s) got help on %q:\n%s", who.cl.name, who.role, c.Name, out)
			}
		}
	}
}

// Every command of the running server, the engine's included, has help
// that names who may use it.
func TestHelpForEveryCommand(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice") // admin: sees every command
	var cmds []*world.Command
	onLoop(t, srv, func() { cmds = srv.world.Commands() })
	seen := map[string]bool{}
	for _, name := range []string{"promote", "ban", "save", "export", "attach", "sshkey", "reload", "lua", "stats", "force", "proto"} {
		seen[name] = false
	}
	role := regexp.MustCompile(`For: (everyone|builders|admins)`)
	for _, c := range cmds {
		if _, ok := seen[c.Name]; ok {
			seen[c.Name] = true
		}
		if c.Help == "" || c.Usage == "" {
			t.Errorf("command %q has no help or usage", c.Name)
			continue
		}
		out := answer(alice, "help "+c.Name)
		if !strings.Contains(out, "Usage:") {
			continue // a help topic of that name wins; the command's own text is checked below
		}
		want := map[world.Role]string{world.RolePlayer: "everyone", world.RoleBuilder: "builders", world.RoleAdmin: "admins"}[c.MinRole]
		if m := role.FindStringSubmatch(out); m == nil || m[1] != want {
			t.Errorf("help %s does not say it is for %s:\n%s", c.Name, want, out)
		}
	}
	for name, ok := range seen {
		if !ok {
			t.Errorf("the command table lacks %q", name)
		}
	}
}
