package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// scriptedWorld is a two-room world whose first room runs roomScript as
// t/room.lua.
func scriptedWorld(t *testing.T, scripts fstest.MapFS) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.World = fstest.MapFS{
		"world.yaml": {Data: []byte("name: Test\nstart: t.a\n")},
		"areas/t.yaml": {Data: []byte(`area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    script: room
    exits: {north: b}
    mobs: [npc]
    items: [trinket]
  b:
    name: Room B
    desc: The second room.
    exits: {south: a}
mobs:
  npc: {short: a villager, keywords: [villager], script: npc}
items:
  trinket: {short: a trinket, keywords: [trinket], script: item}
`)},
	}
	cfg.Scripts = scripts
	// Generous for a machine running many tests under the race detector;
	// an endless loop is stopped all the same.
	cfg.LuaBudget = 50 * time.Millisecond
	return cfg
}

// hostile runs a room whose on_tick misbehaves (the body is line 2 of
// t/room.lua) and checks that the world keeps its rhythm, others keep
// being answered, and the builder online is told, with file and line.
func hostile(t *testing.T, body string, wantReport string) {
	t.Helper()
	hostileRun(t, "room", body, "t/room.lua:2: ", wantReport, true)
}

// hostileRun is hostile for the on_tick of kind ("room", "npc" or "item",
// each in its own file t/<kind>.lua), expecting a report that starts with
// where and contains wantReport on the same line.
func hostileRun(t *testing.T, kind, body, where, wantReport string, wantDisabled bool) {
	t.Helper()
	file := "t/" + kind + ".lua"
	src := "function on_tick(" + kind + ")\n" + body + "\nend\n"
	srv := startServer(t, scriptedWorld(t, fstest.MapFS{file: {Data: []byte(src)}}))
	admin := login(t, srv, "alice") // the first character: an admin, who sees reports
	bob := login(t, srv, "bob")
	admin.expect("[script] " + where)
	// The client wraps long lines: compare with the line ends undone.
	if report := strings.Join(strings.Fields(admin.expect("\r\n> ")), " "); !strings.Contains(report, wantReport) {
		t.Fatalf("report [script] %s%s: want it to contain %q", where, report, wantReport)
	}
	for i := range 5 {
		bob.send(fmt.Sprintf("say still here %d", i))
		bob.expect(fmt.Sprintf(`You say, "still here %d"`, i))
	}
	if wantDisabled { // three failures in a row disable it for a while
		admin.expect("disabled")
	}
	st := srv.Stats()
	// Generous: tests run in parallel under the race detector. A script
	// without a budget would stall the tick for good.
	if st.TickMax > time.Second {
		t.Errorf("a tick took %v with a hostile script (budget 50ms); the tick must keep its rhythm", st.TickMax)
	}
	t.Logf("tick p50 %v p99 %v max %v over %d ticks", st.TickP50, st.TickP99, st.TickMax, st.Ticks)
}

func TestHostileInfiniteLoop(t *testing.T) {
	t.Parallel()
	hostile(t, "while true do end", "ran over its time budget")
}

func TestHostileDeepRecursion(t *testing.T) {
	t.Parallel()
	hostile(t, "local function f(n) return f(n + 1) + 1 end f(1)", "stack overflow")
}

func TestHostileHugeString(t *testing.T) {
	t.Parallel()
	hostile(t, `local s = string.rep("x", 1024 * 1024 * 1024)`, "over the limit")
}

func TestHostileHugeFormat(t *testing.T) {
	t.Parallel()
	hostile(t, `local s = string.format("%999999999d", 1)`, "too long")
}

// A state table grown without bound: the report names the line that last
// reached it (line 7: room.state.n = ...).
func TestHostileUnboundedTable(t *testing.T) {
	t.Parallel()
	hostileRun(t, "room", `
  local t = room.state.t or {}
  room.state.t = t
  local n = room.state.n or 0
  for i = 1, 4000 do t[n + i] = i end
  room.state.n = n + 4000`, "t/room.lua:7: ", "state of t.a held over 10000 entries and was emptied", false)
}

// NPC and item heartbeats are held to the same limits as rooms'.
func TestHostileNPCAndItemHooks(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"npc", "item"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			hostileRun(t, kind, "while true do end", "t/"+kind+".lua:2: ", "ran over its time budget", true)
		})
		t.Run(kind+"/recursion", func(t *testing.T) {
			t.Parallel()
			hostileRun(t, kind, "local function f(n) return f(n + 1) + 1 end f(1)", "t/"+kind+".lua:2: ", "stack overflow", true)
		})
		t.Run(kind+"/string.rep", func(t *testing.T) {
			t.Parallel()
			hostileRun(t, kind, `local s = string.rep("x", 1024 * 1024 * 1024)`, "t/"+kind+".lua:2: ", "over the limit", true)
		})
		t.Run(kind+"/library", func(t *testing.T) {
			t.Parallel()
			hostileRun(t, kind, `string.upper = nil`, "t/"+kind+".lua:2: ", "string is shared by every script and read-only", true)
		})
	}
}

func TestHostileErrorEveryTick(t *testing.T) {
	t.Parallel()
	hostile(t, `error("boom")`, "boom")
}

func TestHostileRemovedLibraries(t *testing.T) {
	t.Parallel()
	for _, lib := range []string{"os.exit(1)", "io.write('x')", "debug.traceback()", "require('os')", "dofile('/etc/passwd')", "load('return 1')()"} {
		t.Run(strings.Fields(lib)[0], func(t *testing.T) {
			t.Parallel()
			hostile(t, lib, "attempt to")
		})
	}
}

// There are no coroutines, so none can run on outside its hook's budget:
// creating one fails, and so does coroutine.wrap, each with the line.
func TestHostileCoroutine(t *testing.T) {
	t.Parallel()
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		hostile(t, `local co = coroutine.create(function() while true do end end) coroutine.resume(co)`,
			"coroutine.create: coroutines are not available to scripts")
	})
	t.Run("wrap", func(t *testing.T) {
		t.Parallel()
		hostile(t, `local f = coroutine.wrap(function() while true do end end) f()`,
			"coroutine.wrap: coroutines are not available to scripts")
	})
}

func TestHostileTopLevelLoop(t *testing.T) {
	// A script whose top level never ends: reported at start, the server
	// starts all the same.
	srv := startServer(t, scriptedWorld(t, fstest.MapFS{"t/room.lua": {Data: []byte("while true do end")}}))
	c := login(t, srv, "alice")
	c.send("say hello")
	c.expect(`You say, "hello"`)
}

func TestLuaEvalHasBudget(t *testing.T) {
	srv := startServer(t, scriptedWorld(t, fstest.MapFS{"t/room.lua": {Data: []byte("")}}))
	admin := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	admin.send("lua while true do end")
	admin.expect("error: lua:1: ran over its time budget of 50ms")
	admin.send("lua here.name")
	admin.expect("=> Room A")
	admin.send("lua me.name .. ' is ' .. me.role")
	admin.expect("=> Alice is admin")
	admin.send("lua 1 +")
	admin.expect("error: lua")
	// Pattern matching runs in Go, out of the budget's reach: patterns that
	// could backtrack for minutes are refused up front.
	admin.send("lua string.find(string.rep('a', 3000), '.-.-.-.-b')")
	admin.expect("too many repetitions")
	admin.send("lua string.find(string.rep('a', 3000) .. 'b', 'b', 1, true)")
	admin.expect("=> 3001")
	admin.send("lua getmetatable(me)")
	admin.expect("=> locked")
	admin.send("lua getmetatable('')")
	admin.expect("=> locked")
	bob.send("lua 1")
	bob.expect("Huh?")
	bob.send("say fine")
	bob.expect(`You say, "fine"`)
}

func TestReloadKeepsStateAndPlayers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t", "room.lua")
	write := func(src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := func(version string) string {
		return `function on_say(room, actor, text)
  room.state.n = (room.state.n or 0) + 1
  room:send("` + version + ` heard " .. room.state.n)
end
`
	}
	write(script("v1"))
	cfg := scriptedWorld(t, nil)
	cfg.Scripts = os.DirFS(dir)
	srv := startServer(t, cfg)
	admin := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	bob.send("say one")
	bob.expect("v1 heard 1")
	bob.send("say two")
	bob.expect("v1 heard 2")

	write(script("v2"))
	admin.send("reload")
	admin.expect("Reloaded 1 script(s): t/room.lua")
	bob.send("say three")
	bob.expect("v2 heard 3") // new code, same state

	write("function on_say(room, actor, text)\n  room:send('broken'\nend\n")
	admin.send("reload t")
	admin.expect("These failed and keep their old version:")
	admin.expect("t/room.lua:3:") // file:line, where the call left open meets 'end'
	bob.send("say four")
	bob.expect("v2 heard 4")
	if n := srv.Stats().Sessions; n != 2 {
		t.Fatalf("%d sessions after reloads, want 2: nobody is disconnected", n)
	}
}

func TestReloadAreaData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("world.yaml", "name: Test\nstart: t.a\n")
	write("areas/t.yaml", `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    items: [lamp]
items:
  lamp: {short: a brass lamp, keywords: [lamp]}
`)
	cfg := testConfig(t)
	cfg.World = os.DirFS(dir)
	cfg.Scripts = os.DirFS(filepath.Join(dir, "scripts"))
	srv := startServer(t, cfg)
	admin := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	bob.send("get lamp")
	bob.expect("You get a brass lamp.")

	write("areas/t.yaml", `area: t
rooms:
  a:
    name: The Renamed Room
    desc: The first room, rewritten.
    exits: {north: b}
    items: [lamp]
  b:
    name: Room B
    desc: A new room.
    exits: {south: a}
    mobs: [cat]
items:
  lamp: {short: a silver lamp, keywords: [lamp]}
mobs:
  cat: {short: a grey cat, long: A grey cat dozes here., keywords: [cat]}
`)
	admin.send("reload")
	admin.expect("Area data: 1 room(s) updated, 1 added")
	bob.send("look")
	bob.expect("The Renamed Room")
	bob.expect("Exits: north")
	bob.send("inventory")
	bob.expect("a silver lamp") // the item Bob holds shows its prototype's new text
	bob.send("north")
	bob.expect("A grey cat dozes here.")

	write("areas/t.yaml", "area: t\nrooms:\n  a:\n    nmae: broken\n")
	admin.send("reload t")
	admin.expect("Area data not reloaded:")
	admin.expect(`areas/t.yaml:4: unknown key "nmae"`)
	bob.send("look")
	bob.expect("Room B") // the world is as it was
}

// A script that breaks while no builder is online is not lost: staff who
// log in later are shown the recent notices, players are not.
func TestStaffSeeNoticesFromBeforeTheyLoggedIn(t *testing.T) {
	t.Parallel()
	srv := startServer(t, scriptedWorld(t, fstest.MapFS{"t/room.lua": {Data: []byte("function on_tick(\n")}}))
	alice := login(t, srv, "alice") // the first character: an admin
	alice.expect("Staff notices from the last hour (1):")
	alice.expect("[script] t/room.lua")
	bob := login(t, srv, "bob")
	bob.send("say hi")
	bob.expect(`You say, "hi"`)
	bob.reject("Staff notices", 100*time.Millisecond)
}
