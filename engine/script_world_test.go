package engine

// The default world's behaviours (scripts/), played over telnet on the
// real server: the dog, the crier, the baker, the miller's day and the
// lever. The wight is TestBuiltinBoss in game_test.go.

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shardmud/scripts"
)

// builtinWorld is the default world with its scripts, a game day of day
// (0: the default), and a generous Lua budget: these tests are about
// behaviour (script_hostile_test.go covers the budget).
func builtinWorld(t *testing.T, day time.Duration) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.Scripts = scripts.FS
	cfg.GameDay = day
	cfg.LuaBudget = time.Second
	return cfg
}

// waitLua polls `lua cond` as c until it holds, for up to d.
func waitLua(c *client, cond string, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		c.send("lua (" + cond + ") and 'yes' or 'no'")
		c.expect("=> ")
		if strings.HasPrefix(c.expect("\r\n"), "yes") {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %s did not hold within %s", c.name, cond, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWorldDogWanders(t *testing.T) {
	t.Parallel()
	srv := startServer(t, builtinWorld(t, 0))
	ada := login(t, srv, "ada")
	ada.send("goto thornwick.market_lane")
	ada.expect("A stray dog with one ragged ear")
	// About once every eight seconds it tries a way out of the lane.
	saExpectAny(ada, "A stray dog leaves")
	waitLua(ada, "#here:mobs() == 0 or here:mobs()[1].proto ~= 'thornwick.dog'", 5*time.Second)
}

func TestWorldCrierAnswers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, builtinWorld(t, 0))
	ada := login(t, srv, "ada") // new characters start in the square
	ada.send("north")
	ada.expect("Market Lane")
	ada.send("south")
	ada.expect(`The town crier says, "Welcome to Thornwick, Ada!`)
	ada.send("east")
	ada.expect("East Road")
	ada.send("west")
	ada.expect("The town crier tips his hat to Ada.") // he remembers her
	ada.send("say any news?")
	ada.expect(`The town crier says, "Hear ye! Lights in the old watchtower again`)
	ada.send("say I am so hungry")
	ada.expect(`The town crier says, "Fresh loaves at the Golden Crust`)
	ada.send("say hello there")
	ada.expect(`The town crier says, "And a good day to you, Ada!"`)
	ada.send("say nothing in particular")
	ada.reject("The town crier says", 300*time.Millisecond)
}

func TestWorldBakerTrades(t *testing.T) {
	t.Parallel()
	srv := startServer(t, builtinWorld(t, 0))
	ada := login(t, srv, "ada")
	ada.send("goto thornwick.watermill")
	ada.expect("The Watermill")
	ada.send("get sack")
	ada.expect("You get a sack of flour.")
	ada.send("goto thornwick.bakery")
	ada.expect("The Golden Crust Bakery")
	ada.send("give sack baker")
	ada.expect(`Marta the baker says, "Flour from the mill! Bless you, Ada.`)
	ada.expect("The baker presses a warm loaf of bread into your hands.")
	ada.send("inventory")
	ada.expect("a loaf of bread")
	// Anything else is handed back.
	ada.send("give bread baker")
	ada.expect(`Marta the baker says, "Kind of you, but I've no use for a loaf of bread."`)
	ada.expect("Marta the baker gives you a loaf of bread.")
	ada.send("say hi")
	ada.send("north") // no way north: stay, then come back in to be greeted
	ada.send("goto thornwick.market_lane")
	ada.send("east")
	ada.expect(`Marta the baker says, "Welcome! 1 sacks of flour traded so far this season."`)
}

// The miller follows the game clock: the mill by day, the inn in the
// evening, his cottage at night. A game day of 9.6 seconds makes an hour
// 0.4 seconds.
func TestWorldMillerRoutine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, builtinWorld(t, 9600*time.Millisecond))
	ada := login(t, srv, "ada")
	at := func(room string) string {
		return "(function() for _, m in ipairs(room('" + room + "'):mobs()) do if m.proto == 'thornwick.miller' then return true end end return false end)()"
	}
	saLua(ada, "hour() >= 6 and time_of_day()", "=> morning")
	waitLua(ada, "hour() >= 7 and hour() < 17 and "+at("thornwick.watermill"), 12*time.Second)
	waitLua(ada, "hour() >= 19 and hour() < 22 and "+at("thornwick.inn"), 12*time.Second)
	waitLua(ada, "(hour() >= 23 or hour() < 6) and "+at("thornwick.miller_cottage"), 12*time.Second)
	waitLua(ada, "hour() >= 7 and hour() < 17 and "+at("thornwick.watermill"), 12*time.Second)
	// He walks there, one room at a time, seen by those he passes.
	ada.send("goto thornwick.millpond")
	ada.expect("The Millpond")
	saExpectAny(ada, "Wendel the miller arrives from", "Wendel the miller leaves")
}

// copyScripts copies the built-in scripts to a folder the test may edit.
func copyScripts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(scripts.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".lua") {
			return err
		}
		data, err := fs.ReadFile(scripts.FS, path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// The lever opens the hidden vault door for a game hour (three seconds
// here), and it shuts again even when the lever's script is reloaded while
// the door is open (which cancels its timers) or other scripts are (which
// leaves the lever's alone).
func TestWorldLever(t *testing.T) {
	t.Parallel()
	dir := copyScripts(t)
	cfg := builtinWorld(t, 72*time.Second)
	cfg.Scripts = os.DirFS(dir)
	srv := startServer(t, cfg)
	ada := login(t, srv, "ada")
	bob := login(t, srv, "bob")
	bob.send("goto thornwick.square") // a player: goto is staff-only, so Bob walks nowhere
	ada.send("goto whisperwood.tower_cellar")
	ada.expect("Tower Cellar")
	ada.send("north")
	ada.expect("You cannot go that way.")

	pull := func() {
		t.Helper()
		ada.send("goto whisperwood.tower_stair")
		ada.expect("Lever Landing")
		ada.send("pull lever")
		ada.expect("You throw your weight on the lever.")
		ada.expect("Far below, something heavy grinds against stone.")
		ada.send("pull lever")
		ada.expect("The lever is already down")
		ada.send("goto whisperwood.tower_cellar")
		ada.expect("Tower Cellar")
		ada.send("look")
		ada.expect("Exits:")
		if line := ada.expect("\r\n"); !strings.Contains(line, "north") {
			t.Fatalf("exits %q after the lever: want the vault door north", line)
		}
	}
	shut := func() {
		t.Helper()
		ada.expect("The iron door grinds shut again.")
		saLua(ada, "here:exit('north').closed", "=> true")
		ada.send("north")
		ada.expect("You cannot go that way.")
	}

	// Plain: open, then shut an hour later.
	pull()
	ada.send("north")
	ada.expect("The Sealed Vault")
	ada.send("south")
	ada.expect("Tower Cellar")
	shut()

	// Reloading unchanged scripts keeps the lever's timer.
	pull()
	ada.send("reload")
	ada.expect("Reloaded 0 script(s)")
	shut()

	// Reloading the lever's own, changed, file cancels its timers; its
	// state knows when to shut.
	pull()
	path := filepath.Join(dir, "whisperwood", "lever.lua")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(src, "\n-- edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	ada.send("reload whisperwood")
	ada.expect("Reloaded 1 script(s): whisperwood/lever.lua")
	shut()
}

// A restart drops every timer but keeps the open door (it is saved): the
// lever's state says when it should have shut, so the door does not stay
// open for good.
func TestWorldLeverAfterRestart(t *testing.T) {
	t.Parallel()
	cfg := builtinWorld(t, 72*time.Second)
	srv := startServer(t, cfg)
	ada := login(t, srv, "ada")
	ada.send("goto whisperwood.tower_stair")
	ada.expect("Lever Landing")
	ada.send("pull lever")
	ada.expect("Far below, something heavy grinds against stone.")
	saLua(ada, "room('whisperwood.tower_cellar'):exit('north').closed", "=> false")
	stopServer(t, srv)

	srv = startServer(t, cfg)
	ada = connect(t, srv, "ada")
	waitLua(ada, "room('whisperwood.tower_cellar'):exit('north').closed", 10*time.Second)
	ada.send("goto whisperwood.tower_cellar")
	ada.expect("Tower Cellar")
	ada.send("north")
	ada.expect("You cannot go that way.")
}
