package script

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	lua "github.com/yuin/gopher-lua"

	"shardmud/world"
)

// limitWorld is one room (t.a, running t/room.lua if given) with n NPCs
// running t/npc.lua, a pebble prototype to spawn, and the reports the
// host makes. The tests drive it tick by tick: no clock, no sockets.
type limitWorld struct {
	w       *world.World
	h       *Host
	room    *world.Room
	reports []string
}

func newLimitWorld(t *testing.T, cfg Config, n int, scripts map[string]string) *limitWorld {
	t.Helper()
	area := &world.Area{ID: "t", Name: "T"}
	room := &world.Room{ID: "t.a", Area: area, Name: "A"}
	if _, ok := scripts["t/room.lua"]; ok {
		room.Script = "t/room.lua"
	}
	area.Rooms = []*world.Room{room}
	bp := &world.Blueprint{
		Name: "limits", Start: "t.a", Areas: []*world.Area{area},
		Rooms: map[string]*world.Room{"t.a": room},
		Items: map[string]*world.ItemProto{"t.pebble": {ID: "t.pebble", Short: "a pebble", Keywords: []string{"pebble"}}},
		Mobs: map[string]*world.MobProto{"t.npc": {ID: "t.npc", Short: "a villager",
			Keywords: []string{"villager"}, Script: "t/npc.lua"}},
	}
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: nopHost{}}, bp)
	if err != nil {
		t.Fatal(err)
	}
	lw := &limitWorld{w: w, room: room}
	if cfg.Budget == 0 {
		cfg.Budget = time.Second // behaviour, not speed: never the per-call budget
	}
	cfg.TicksPerSecond = 10
	cfg.Report = func(msg string) { lw.reports = append(lw.reports, msg) }
	fsys := fstest.MapFS{}
	for p, src := range scripts {
		fsys[p] = &fstest.MapFile{Data: []byte(src)}
	}
	h, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Attach(w); err != nil {
		t.Fatal(err)
	}
	lw.h = h
	for range n {
		if _, err := w.SpawnMob(room, "t.npc"); err != nil {
			t.Fatal(err)
		}
	}
	return lw
}

// tickUntil ticks until a report containing want arrives, at most max
// ticks, and returns it.
func (lw *limitWorld) tickUntil(t *testing.T, max int, want string) string {
	t.Helper()
	for range max {
		lw.w.Tick()
		for _, r := range lw.reports {
			if strings.Contains(r, want) {
				return r
			}
		}
	}
	t.Fatalf("no report with %q in %d ticks; reports:\n%s", want, max, strings.Join(lw.reports, "\n"))
	return ""
}

// eval runs code at the lua prompt of a builder standing in the room.
func (lw *limitWorld) eval(t *testing.T, code string) string {
	t.Helper()
	p := &world.Player{Name: "Ada", Role: world.RoleAdmin, Room: lw.room}
	return lw.h.Eval(p, code)
}

// A table held in a file-level local, out of any state, is measured: over
// the script's cap it is emptied and the script disabled, and the report
// names the local and the line that declares it.
func TestMemoryFileLocalGrows(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `-- a hoarder
local hoard = {}
function on_tick(npc)
  for i = 1, 4 do hoard[#hoard + 1] = string.rep("x", 1000000) .. i end
end
`})
	r := lw.tickUntil(t, 2000, "over the cap")
	for _, want := range []string{"t/npc.lua:2: file-level local 'hoard'", "disabled for 10s"} {
		if !strings.Contains(r, want) {
			t.Errorf("report %q: want %q", r, want)
		}
	}
	// Emptied: the next complete walk finds little.
	for range 20 {
		lw.w.Tick()
	}
	if n := lw.h.MemoryUse()["t/npc.lua"]; n > 1<<20 {
		t.Errorf("t/npc.lua still holds about %d bytes after the report", n)
	}
}

// Globals and tables nested in state count the same way.
func TestMemoryGlobalGrows(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `
junk = {}
function on_tick(npc)
  for i = 1, 100000 do junk[#junk + 1] = i end
end
`})
	r := lw.tickUntil(t, 2000, "over the cap")
	if !strings.Contains(r, "t/npc.lua: global 'junk'") {
		t.Errorf("report %q: want it to name global 'junk'", r)
	}
}

// The shared libraries are read-only: a script cannot change them for
// the others, nor keep data in them.
func TestLibrariesReadOnly(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 0, map[string]string{"t/room.lua": "function on_tick(room) end\n"})
	for code, want := range map[string]string{
		"string.lower = function() return 'x' end":   "string is shared by every script and read-only",
		"table.hoard = {}":                           "table is shared by every script and read-only",
		"math.pi = 3":                                "math is shared by every script and read-only",
		"rawset(string, 'lower', 1)":                 "string is shared by every script and read-only",
		"setmetatable(table, {})":                    "cannot change a protected metatable",
		"getmetatable(math)":                         "=> locked",
		"string.lower('ABC') .. table.concat({1,2})": "=> abc12",
	} {
		if got := lw.eval(t, code); !strings.Contains(got, want) {
			t.Errorf("lua %s: got %q, want %q", code, got, want)
		}
	}
	// A write into its own proxy with table.insert stays its own.
	lw.eval(t, "table.insert(string, 'mine')")
	if got := lw.eval(t, "string[1] == nil and string.upper('a')"); got != "=> A" {
		t.Errorf("a table.insert into string from one lua line is seen by the next: %q", got)
	}
}

// One hook call may spawn so many things, and one script keep so many
// in the world.
func TestSpawnFlood(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `
function on_tick(npc)
  for i = 1, 1000 do npc.room:spawn_item("pebble") end
end
`})
	r := lw.tickUntil(t, 20, "spawned 16 things in one call")
	if !strings.HasPrefix(r, "t/npc.lua:3: ") {
		t.Errorf("report %q: want it to start with t/npc.lua:3:", r)
	}
	if n := len(lw.room.Items); n != MaxSpawnsPerCall {
		t.Errorf("%d pebbles after one flooding call, want %d", n, MaxSpawnsPerCall)
	}

	lw = newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `
function on_tick(npc)
  for i = 1, 10 do npc.room:spawn_item("pebble") end
end
`})
	lw.tickUntil(t, 500, "items and NPCs of its making in the world")
	if n := len(lw.room.Items); n != MaxLiveSpawnsPerScript {
		t.Errorf("%d pebbles, want the cap of %d", n, MaxLiveSpawnsPerScript)
	}
	// Removing some makes room again.
	for _, it := range append([]*world.Item(nil), lw.room.Items[:100]...) {
		lw.w.RemoveItem(it)
	}
	lw.h.entFails, lw.h.scripts["t/npc.lua"].backoff = map[world.Scripted]*backoff{}, backoff{}
	for range 10 {
		lw.w.Tick()
	}
	if n := len(lw.room.Items); n <= MaxLiveSpawnsPerScript-100 {
		t.Errorf("%d pebbles: removing some did not let the script spawn again", n)
	}
}

// An entity may have so many timers; cancelled ones do not pile up.
func TestTimerFlood(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `
function on_spawn(npc)
  for i = 1, 100 do after(3600, function() end) end
end
function on_tick(npc)
  for i = 1, 5000 do after(3600, function() end).cancel() end
end
`})
	found := false
	for _, r := range lw.reports {
		if strings.Contains(r, "t/npc.lua:3: ") && strings.Contains(r, "already has 32 timers") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no timer limit report; got:\n%s", strings.Join(lw.reports, "\n"))
	}
	for range 50 {
		lw.w.Tick()
	}
	if n := len(lw.h.timers); n > 4096 {
		t.Errorf("%d timers in the heap after set-and-cancel loops; cancelled ones should be dropped", n)
	}
	if n := lw.h.timerCount[timerKey{owner: lw.room.Mobs[0]}]; n != MaxTimersPerOwner {
		t.Errorf("the NPC has %d live timers, want %d", n, MaxTimersPerOwner)
	}
}

// Sending, saying and logging are bounded in size.
func TestMessageSize(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": ""})
	if got := lw.eval(t, "here:mobs()[1]:say(string.rep('x', 100000))"); !strings.Contains(got, "over the limit of 8192") {
		t.Errorf("a 100 kB say: got %q", got)
	}
	if got := lw.eval(t, "here:send(string.rep('x', 8192))"); got != "ok" {
		t.Errorf("an 8 kB send: got %q", got)
	}
}

// An entity's state over MaxStateEntries is emptied and reported, with
// the line that reached it.
func TestStateOverLimit(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": `
function on_tick(npc)
  local t = npc.state
  local n = #t
  for i = 1, 3000 do t[n + i] = i end
end
`})
	r := lw.tickUntil(t, 200, "entries and was emptied")
	if !strings.HasPrefix(r, "t/npc.lua:3: state of t.npc #") {
		t.Errorf("report %q: want it to start with t/npc.lua:3: state of t.npc #", r)
	}
}

// The tick's Lua budget: NPCs each spending most of a call's budget are
// spread over several ticks; the rest are deferred and counted, every one
// runs in the end, and the script costing the most is reported.
func TestTickBudget(t *testing.T) {
	const n = 40
	lw := newLimitWorld(t, Config{TickBudget: time.Millisecond}, n, map[string]string{"t/npc.lua": `
function on_tick(npc)
  npc.state.beats = (npc.state.beats or 0) + 1
  local x = 0
  for i = 1, 20000 do x = x + i end
end
`})
	for range 300 {
		lw.w.Tick()
	}
	if lw.h.Deferred() == 0 {
		t.Fatalf("no heartbeat was deferred with %d busy NPCs and a 1ms tick budget", n)
	}
	for _, m := range lw.room.Mobs {
		if lw.h.states[m] == nil || lw.h.states[m].RawGetString("beats") == lua.LNil {
			t.Fatalf("%s never ran its heartbeat", describe(m))
		}
	}
	t.Logf("%d deferred over 300 ticks", lw.h.Deferred())
	found := false
	for _, r := range lw.reports {
		found = found || strings.Contains(r, "t/npc.lua: its hooks cost the most Lua time")
	}
	if !found {
		t.Errorf("the hog was not reported; reports:\n%s", strings.Join(lw.reports, "\n"))
	}
}

// One entity failing every second while the others succeed is disabled on
// its own; the others go on.
func TestEntityBackoff(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 3, map[string]string{"t/npc.lua": `
function on_tick(npc)
  npc.state.beats = (npc.state.beats or 0) + 1
  if npc.id == 1 then error("only me") end
end
`})
	r := lw.tickUntil(t, 100, "failed 3 times in a row for t.npc #1")
	if !strings.HasPrefix(r, "t/npc.lua:4: only me") || !strings.Contains(r, "disabled for 10s") {
		t.Errorf("report %q", r)
	}
	bad, good := lw.room.Mobs[0], lw.room.Mobs[1]
	beats := func(m *world.Mobile) lua.LValue { return lw.h.states[m].RawGetString("beats") }
	b0, g0 := beats(bad), beats(good)
	for range 50 { // 5 seconds: within the pause
		lw.w.Tick()
	}
	if beats(bad) != b0 {
		t.Errorf("the failing NPC still ran: %v then %v", b0, beats(bad))
	}
	if beats(good) == g0 {
		t.Errorf("the healthy NPC stopped too")
	}
	if lw.h.scripts["t/npc.lua"].off != 0 {
		t.Errorf("the whole script was disabled for one NPC's failures")
	}
}

// The rules' numbers are reached by attr and set_attr, within bounds.
func TestAttrsMapRules(t *testing.T) {
	lw := newLimitWorld(t, Config{}, 1, map[string]string{"t/npc.lua": ""})
	m := lw.room.Mobs[0]
	for _, c := range [][2]string{
		{"here:mobs()[1]:attr('hp') == here:mobs()[1].max_hp", "=> true"},
		{"here:mobs()[1]:attr('level')", "=> 1"},
		{"here:mobs()[1]:set_attr('level', 9)", "cannot be set"},
		{"here:mobs()[1]:set_attr('hp', 0/0)", "a finite number expected"},
		{"here:mobs()[1]:set_attr('mood', 2.5)", "ok"},
		{"here:mobs()[1]:attr('mood')", "=> 2.5"},
	} {
		code, want := c[0], c[1]
		if got := lw.eval(t, code); !strings.Contains(got, want) {
			t.Errorf("lua %s: got %q, want %q", code, got, want)
		}
	}
	lw.eval(t, "here:mobs()[1]:set_attr('hp', 1e9)")
	if m.HP != m.MaxHP() {
		t.Errorf("hp set to 1e9: %d, want clamped to max_hp %d", m.HP, m.MaxHP())
	}
	lw.eval(t, "here:mobs()[1]:set_attr('hp', -5)")
	if m.HP != 0 {
		t.Errorf("hp set to -5: %d, want 0", m.HP)
	}
}
