package script

import "time"

// Limits on what scripts may do, in one place. Each bounds what one
// builder's mistake (or malice) can cost the shared Lua state and the
// tick; docs/lua.md lists them for builders.
const (
	// DefaultBudget is the time one hook call (with everything it calls)
	// may take, unless Config.Budget says otherwise.
	DefaultBudget = 5 * time.Millisecond
	// DefaultTickBudget is the Lua time one tick may spend on heartbeats
	// and timers (Config.TickBudget overrides it); the rest of that tick's
	// on_tick hooks and timers wait for the next tick.
	DefaultTickBudget = 25 * time.Millisecond
	// HogTicksToReport: a script whose hooks cost the most in this many
	// ticks in a row that used up the tick budget is reported (at most
	// once a minute).
	HogTicksToReport = 50

	// CallStackSize bounds Lua call depth: deep recursion fails with
	// "stack overflow" instead of eating memory.
	CallStackSize = 200
	// RegistrySize and RegistryMaxSize bound the Lua value stack.
	RegistrySize    = 16 << 10
	RegistryMaxSize = 256 << 10
	// maxDepth bounds hooks triggering hooks (an NPC walking into a room
	// whose on_enter moves it on, and so on).
	maxDepth = 8

	// MaxStringBytes bounds strings built by string.rep and string.format.
	MaxStringBytes = 1 << 20
	// MaxMessageBytes bounds one text a script sends, says or logs.
	MaxMessageBytes = 8 << 10
	// MaxPatternSteps bounds the worst case of one pattern call. Lua
	// patterns backtrack: each repetition (*, +, -, ?) can multiply the
	// work by the subject's length, and gopher-lua matches in Go, where
	// the time budget cannot interrupt it. So a pattern with q repetitions
	// is refused on a subject longer than the (q+1)th root of this (q=1:
	// 1000 bytes, q=2: 100, q=3: 31); plain find has no such limit.
	MaxPatternSteps = 1_000_000

	// MaxStateEntries bounds the entries (counted through nested tables,
	// long strings one more per 64 bytes) one entity's state may hold.
	MaxStateEntries = 10_000
	// MaxScriptBytes bounds the Lua data one script holds: its globals,
	// its file-level locals (upvalues of its functions), its timers'
	// closures and the state of every entity running it, as estimated by
	// the memory walker (TableBytes a table, EntryBytes an entry, plus
	// string bytes). Over it, the largest of those is emptied and the
	// script disabled.
	MaxScriptBytes = 16 << 20
	// MaxLuaBytes bounds all scripts together: over it at the end of a
	// walk, the script holding the most is treated as over its own cap.
	MaxLuaBytes = 128 << 20
	// TableBytes and EntryBytes are the walker's estimates of what a table
	// and one of its entries cost.
	TableBytes = 64
	EntryBytes = 40
	// MemWalkStepsPerTick bounds the walker's work per tick (one step is
	// one table entry), so a large world is measured over several ticks.
	MemWalkStepsPerTick = 4096

	// FailuresToDisable consecutive errors disable a script's hooks, or
	// one entity's hooks when that entity alone keeps failing, for a
	// backoff that doubles from MinBackoff up to MaxBackoff.
	FailuresToDisable = 3
	MinBackoff        = 10 * time.Second
	MaxBackoff        = 10 * time.Minute

	// MaxTimersPerTick bounds the timers run in one tick; the rest wait.
	MaxTimersPerTick = 2000
	// MaxTimersPerOwner bounds the live timers of one entity (or of one
	// script's top level, or one lua command).
	MaxTimersPerOwner = 32
	// MaxSpawnsPerCall bounds the items and NPCs one hook call may make;
	// MaxLiveSpawnsPerScript those a script's hooks made that are still in
	// the world.
	MaxSpawnsPerCall       = 16
	MaxLiveSpawnsPerScript = 256
	// MaxAttrs bounds the free-form attributes of one NPC or player.
	MaxAttrs = 64

	// MaxStateDepth is how deeply nested a saved state may be; deeper
	// tables are left out.
	MaxStateDepth = 32
)
