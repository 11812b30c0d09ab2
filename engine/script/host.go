// Package script runs builders' Lua behaviours (github.com/yuin/gopher-lua)
// for rooms, NPCs and items.
//
// All scripts share one sandboxed Lua state; each script file runs once in
// its own environment, and the functions it defines there (on_enter,
// on_tick, ...) are its hooks. Every call into Lua runs under a time budget
// (the state's context); errors and overruns are reported to builders with
// file and line, and a script that keeps failing is disabled with a
// backoff until it is reloaded. Per-entity state tables live here, apart
// from the scripts, so a reload keeps them.
//
// A Host belongs to the engine loop: every method must be called from the
// goroutine that owns the world.
package script

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"shardmud/world"
)

// Config tunes a Host.
type Config struct {
	// Budget is the time one hook call (with everything it calls) may
	// take; DefaultBudget if 0.
	Budget time.Duration
	// TickBudget is the Lua time one tick may spend on heartbeats and
	// timers; DefaultTickBudget if 0.
	TickBudget time.Duration
	// TicksPerSecond converts seconds in after/every and heartbeats.
	TicksPerSecond int
	// Report tells builders and the log about a script problem.
	Report func(msg string)
}

// Host runs the scripts of one world.
type Host struct {
	cfg     Config
	w       *world.World
	L       *lua.LState
	globals *lua.LTable
	libs    []lib // the shared libraries scripts see through read-only proxies
	fsys    fs.FS

	scripts map[string]*compiled           // by path, e.g. "thornwick/crier.lua"
	objects map[any]*lua.LUserData         // rooms, mobiles, items: one userdata each
	states  map[world.Scripted]*lua.LTable // per-entity state
	touched map[world.Scripted]struct{}    // whose state was reached since the last TakeStates
	saved   map[world.Scripted]uint64      // hash of the state last handed out for saving
	beats   [][]world.Scripted             // heartbeat buckets, one per tick of a second
	timers  timerHeap
	depth   int // nesting of calls into Lua (a hook that triggers a hook)
	budget  *budget

	// Per-entity failures, for entities that fail alone while others
	// running the same script succeed.
	entFails map[world.Scripted]*backoff
	// What the API let scripts make: timers per owner, spawns per call,
	// and which script made each spawned entity still counted.
	timerCount map[timerKey]int
	deadTimers int // cancelled timers still in the heap
	callSpawns int
	spawner    map[world.Scripted]*compiled
	// watched entities have a large state: where their state is reached
	// is noted, so that a report can name the line.
	watched map[world.Scripted]string

	// This tick's Lua time, for the per-tick budget.
	inTick    bool
	tickSpent time.Duration
	tickRan   int
	tickCost  map[*compiled]time.Duration
	deferred  []world.Scripted // heartbeats put off, oldest first
	deferSet  map[world.Scripted]bool
	hog       *compiled // the script costing most in recent full ticks
	hogTicks  int

	mem walker

	// The entity and script whose code is running, for after/every/log.
	curOwner  world.Scripted
	curScript *compiled

	calls, budgetHits, errors, deferrals atomic.Uint64
}

// backoff is the failure record of a script or an entity.
type backoff struct {
	fails int           // consecutive failures
	off   uint64        // disabled until this tick
	pause time.Duration // the last pause
	path  string        // for an entity: the script it failed in
}

// compiled is one script file, instantiated.
type compiled struct {
	path  string
	src   string // what it was compiled from: a reload of the same text keeps it
	eval  bool   // a builder's lua command: errors go back to them alone
	env   *lua.LTable
	proto *lua.FunctionProto // its top level, for the lines of its locals
	backoff
	quiet    uint64 // no report before this tick (rate limit)
	hogQuiet uint64
	live     int // entities its hooks spawned that are still counted
}

// New makes a host and compiles every script under fsys (paths relative to
// it, e.g. "thornwick/crier.lua"). A script that fails to compile is
// reported and left out; the error lists every such file.
func New(cfg Config, fsys fs.FS) (*Host, error) {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.TickBudget <= 0 {
		cfg.TickBudget = DefaultTickBudget
	}
	if cfg.TicksPerSecond <= 0 {
		cfg.TicksPerSecond = 10
	}
	if cfg.Report == nil {
		cfg.Report = func(string) {}
	}
	h := &Host{
		cfg:        cfg,
		fsys:       fsys,
		scripts:    make(map[string]*compiled),
		objects:    make(map[any]*lua.LUserData),
		states:     make(map[world.Scripted]*lua.LTable),
		touched:    make(map[world.Scripted]struct{}),
		saved:      make(map[world.Scripted]uint64),
		beats:      make([][]world.Scripted, cfg.TicksPerSecond),
		entFails:   make(map[world.Scripted]*backoff),
		timerCount: make(map[timerKey]int),
		spawner:    make(map[world.Scripted]*compiled),
		watched:    make(map[world.Scripted]string),
		tickCost:   make(map[*compiled]time.Duration),
		deferSet:   make(map[world.Scripted]bool),
	}
	h.L, h.libs = newSandboxState()
	h.budget = newBudget()
	h.L.SetContext(h.budget)
	h.globals = h.L.Get(lua.GlobalsIndex).(*lua.LTable)
	h.globals.RawSetString("_G", lua.LNil)
	h.registerAPI()
	return h, nil
}

// Attach binds the host to its world, runs every script's top level (so
// scripts may use the API there), and has the world announce its scripted
// entities. A script that fails to load is reported and left out; the
// error lists every such file.
func (h *Host) Attach(w *world.World) error {
	h.w = w
	_, err := h.load("")
	w.SetScripts(h)
	return err
}

// Calls, BudgetHits, Errors and Deferred are counters for stats; Deferred
// counts heartbeats and timer runs put off to a later tick because the
// tick's Lua budget was spent.
func (h *Host) Calls() uint64      { return h.calls.Load() }
func (h *Host) BudgetHits() uint64 { return h.budgetHits.Load() }
func (h *Host) Errors() uint64     { return h.errors.Load() }
func (h *Host) Deferred() uint64   { return h.deferrals.Load() }

// Scripts lists the loaded script paths.
func (h *Host) Scripts() []string {
	out := make([]string, 0, len(h.scripts))
	for p := range h.scripts {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// load compiles the scripts under prefix ("" for all, "thornwick/" for one
// area) whose text changed and swaps in those that compile; failures keep
// the old version. A script whose text is unchanged keeps running as it
// is, timers and all (and is enabled again if it was disabled). It returns
// the paths swapped in.
func (h *Host) load(prefix string) ([]string, error) {
	var problems []string
	var swapped []string
	err := fs.WalkDir(h.fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == "." && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // a world without scripts
			}
			problems = append(problems, err.Error())
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".lua") || !strings.HasPrefix(path, prefix) {
			return nil
		}
		src, err := fs.ReadFile(h.fsys, path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			return nil
		}
		old := h.scripts[path]
		if old != nil && old.src == string(src) {
			old.backoff = backoff{} // a reload forgives
			return nil
		}
		sc, err := h.instantiate(path, string(src))
		if err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		if old != nil {
			h.cancelScript(old) // timers its old top level set
			sc.live = old.live
			for x, by := range h.spawner {
				if by == old {
					h.spawner[x] = sc
				}
			}
		}
		h.scripts[path] = sc
		swapped = append(swapped, path)
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return swapped, errors.New(strings.Join(problems, "\n"))
	}
	return swapped, nil
}

// compile parses and compiles source named path.
func compile(path, src string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(src), path)
	if err != nil {
		// Builders read file:line everywhere else (and editors jump to
		// it), so the parser's "line:9(column:3)" is said the same way.
		var perr *parse.Error
		if errors.As(err, &perr) {
			if perr.Pos.Line == parse.EOF {
				return nil, fmt.Errorf("%s: at the end of the file: %s", path, perr.Message)
			}
			return nil, fmt.Errorf("%s:%d:%d: near '%s': %s", path, perr.Pos.Line, perr.Pos.Column, perr.Token, perr.Message)
		}
		return nil, fmt.Errorf("%s", strings.TrimSpace(err.Error()))
	}
	proto, err := lua.Compile(chunk, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return proto, nil
}

// newEnv is a fresh script environment: unknown names fall through to
// the sandbox globals, and the shared libraries are read-only proxies of
// its own (so data a script parks in one is counted as its own).
func (h *Host) newEnv() *lua.LTable {
	env := h.L.NewTable()
	mt := h.L.NewTable()
	mt.RawSetString("__index", h.globals)
	h.L.SetMetatable(env, mt)
	for _, l := range h.libs {
		proxy := h.L.NewTable()
		h.L.SetMetatable(proxy, l.mt)
		env.RawSetString(l.name, proxy)
	}
	return env
}

// instantiate compiles a script and runs its top level once in a fresh
// environment.
func (h *Host) instantiate(path, src string) (*compiled, error) {
	proto, err := compile(path, src)
	if err != nil {
		return nil, err
	}
	env := h.newEnv()
	fn := h.L.NewFunctionFromProto(proto)
	fn.Env = env
	sc := &compiled{path: path, src: src, env: env, proto: proto}
	if _, err := h.run(nil, sc, fn); err != nil {
		h.cancelScript(sc)
		return nil, errors.New(h.message(err))
	}
	return sc, nil
}

// scriptOf is owner's script, nil if it has none or it (or owner's own
// hooks) are disabled.
func (h *Host) scriptOf(owner world.Scripted) *compiled {
	sc := h.scripts[owner.Behaviour()]
	if sc == nil || h.w == nil {
		return sc
	}
	now := h.w.Ticks()
	if sc.off > now {
		return nil
	}
	if ef := h.entFails[owner]; ef != nil && ef.off > now && ef.path == sc.path {
		return nil
	}
	return sc
}

// Has reports whether owner's behaviour defines hook.
func (h *Host) Has(owner world.Scripted, hook string) bool {
	sc := h.scriptOf(owner)
	if sc == nil {
		return false
	}
	_, ok := sc.env.RawGetString(hook).(*lua.LFunction)
	return ok
}

// Hook calls owner's hook with (owner, args...) and reports whether it
// returned true.
func (h *Host) Hook(owner world.Scripted, hook string, args ...any) bool {
	ret, ok := h.callHook(owner, hook, args)
	return ok && lua.LVAsBool(ret)
}

// Number calls hook like Hook and returns the number it returned.
func (h *Host) Number(owner world.Scripted, hook string, args ...any) (float64, bool) {
	ret, ok := h.callHook(owner, hook, args)
	n, isNum := ret.(lua.LNumber)
	return float64(n), ok && isNum
}

// callHook runs owner's hook with args, if it has one; ok is false when it
// has none or it failed.
func (h *Host) callHook(owner world.Scripted, hook string, args []any) (lua.LValue, bool) {
	sc := h.scriptOf(owner)
	if sc == nil {
		return lua.LNil, false
	}
	fn, ok := sc.env.RawGetString(hook).(*lua.LFunction)
	if !ok {
		return lua.LNil, false
	}
	lv := make([]lua.LValue, 0, len(args)+1)
	lv = append(lv, h.value(owner))
	for _, a := range args {
		lv = append(lv, h.value(a))
	}
	ret, err := h.run(owner, sc, fn, lv...)
	return ret, err == nil
}

// run calls fn with owner and sc recorded as the running code.
func (h *Host) run(owner world.Scripted, sc *compiled, fn *lua.LFunction, args ...lua.LValue) (lua.LValue, error) {
	prevOwner, prevScript := h.curOwner, h.curScript
	h.curOwner, h.curScript = owner, sc
	defer func() { h.curOwner, h.curScript = prevOwner, prevScript }()
	if h.depth >= maxDepth {
		err := fmt.Errorf("%s: hooks nested more than %d deep", sc.path, maxDepth)
		h.failed(sc, owner, err)
		return lua.LNil, err
	}
	outer := h.depth == 0
	var start time.Time
	if outer {
		h.budget.start(h.cfg.Budget)
		h.callSpawns = 0
		if h.inTick { // heartbeats and timers count against the tick's budget
			start = time.Now()
		}
	}
	h.depth++
	h.calls.Add(1)
	// Protect turns errors and panics in Lua and the API into err, so the
	// bookkeeping below always runs (no defer: this is the hot path).
	err := h.L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...)
	h.depth--
	if outer {
		h.budget.stop()
		if h.inTick {
			d := time.Since(start)
			h.tickSpent += d
			h.tickCost[sc] += d
			h.tickRan++
		}
	}
	if err != nil {
		h.failed(sc, owner, err)
		return lua.LNil, err
	}
	ret := h.L.Get(-1)
	h.L.Pop(1)
	sc.fails = 0
	if ef := h.entFails[owner]; ef != nil {
		ef.fails = 0
	}
	return ret, nil
}

func (h *Host) now() uint64 {
	if h.w == nil {
		return 0
	}
	return h.w.Ticks()
}

// failed counts and reports a failure. A script that keeps failing is
// disabled; so are the hooks of one entity that keeps failing while
// others running the same script succeed.
func (h *Host) failed(sc *compiled, owner world.Scripted, err error) {
	h.errors.Add(1)
	msg := h.message(err)
	if sc.eval {
		return
	}
	if !strings.HasPrefix(msg, sc.path) {
		msg = placeOf(err, sc.path) + " " + msg
	}
	now := h.now()
	sc.fails++
	if sc.fails >= FailuresToDisable {
		h.disable(sc, func(pause time.Duration) string {
			return fmt.Sprintf("%s (failed %d times in a row: disabled for %s, or until reload)", msg, FailuresToDisable, pause)
		})
		return
	}
	if owner != nil {
		ef := h.entFails[owner]
		if ef == nil || ef.path != sc.path {
			ef = &backoff{path: sc.path}
			h.entFails[owner] = ef
		}
		ef.fails++
		if ef.fails >= FailuresToDisable {
			ef.pause = nextPause(ef.pause)
			ef.off = now + h.ticks(ef.pause.Seconds())
			ef.fails = 0
			h.cfg.Report(fmt.Sprintf("%s (failed %d times in a row for %s: its hooks are disabled for %s, or until reload)", msg, FailuresToDisable, describe(owner), ef.pause))
			return
		}
	}
	if now >= sc.quiet {
		sc.quiet = now + h.ticks(1)
		h.cfg.Report(msg)
	}
}

// disable switches a script's hooks off for its next backoff and reports
// why, in words that name the pause.
func (h *Host) disable(sc *compiled, report func(pause time.Duration) string) {
	sc.pause = nextPause(sc.pause)
	sc.off = h.now() + h.ticks(sc.pause.Seconds())
	sc.fails = 0
	h.cfg.Report(report(sc.pause))
}

// nextPause doubles a backoff, within MinBackoff and MaxBackoff.
func nextPause(d time.Duration) time.Duration { return min(max(2*d, MinBackoff), MaxBackoff) }

// message is what builders are told of a Lua error: its first line, with
// the budget's deadline in words.
func (h *Host) message(err error) string {
	msg := firstLine(err)
	if strings.Contains(msg, context.DeadlineExceeded.Error()) {
		h.budgetHits.Add(1)
		msg = strings.Replace(msg, context.DeadlineExceeded.Error(),
			fmt.Sprintf("ran over its time budget of %s", h.cfg.Budget), 1)
	}
	return msg
}

// placeOf is "path:line:" for an error raised without a position (a call
// stack overflow, an error from Go), from the innermost frame of path in
// its traceback; "path:" if there is none.
func placeOf(err error, path string) string {
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		trace := ae.StackTrace
		for i := strings.Index(trace, path+":"); i >= 0; {
			rest := trace[i+len(path)+1:]
			n := 0
			for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n > 0 && n < len(rest) && rest[n] == ':' {
				return path + ":" + rest[:n+1]
			}
			j := strings.Index(rest, path+":")
			if j < 0 {
				break
			}
			i += len(path) + 1 + j
		}
	}
	return path + ":"
}

// firstLine is the message of a Lua error without its traceback.
func firstLine(err error) string {
	var ae *lua.ApiError
	msg := err.Error()
	if errors.As(err, &ae) && ae.Object != nil {
		msg = ae.Object.String()
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// ticks converts seconds to ticks, at least one.
func (h *Host) ticks(seconds float64) uint64 {
	return uint64(max(seconds*float64(h.cfg.TicksPerSecond), 1))
}

// Spawned registers a scripted entity: its heartbeat, then on_spawn.
func (h *Host) Spawned(owner world.Scripted) {
	b := h.bucket(owner)
	for _, x := range h.beats[b] {
		if x == owner { // announced again (a reload): no second heartbeat
			h.Hook(owner, "on_spawn")
			return
		}
	}
	h.beats[b] = append(h.beats[b], owner)
	h.Hook(owner, "on_spawn")
}

// Removed forgets an entity: its heartbeat, timers, state and userdata.
func (h *Host) Removed(owner world.Scripted) {
	b := h.bucket(owner)
	for i, x := range h.beats[b] {
		if x == owner {
			h.beats[b] = append(h.beats[b][:i], h.beats[b][i+1:]...)
			break
		}
	}
	h.cancelOwner(owner)
	if sc := h.spawner[owner]; sc != nil {
		sc.live--
		delete(h.spawner, owner)
	}
	delete(h.deferSet, owner)
	delete(h.entFails, owner)
	delete(h.watched, owner)
	delete(h.states, owner)
	delete(h.touched, owner)
	delete(h.saved, owner)
	delete(h.objects, owner)
}

func (h *Host) bucket(owner world.Scripted) int {
	var id uint64
	switch x := owner.(type) {
	case *world.Mobile:
		id = x.ID
	case *world.Item:
		id = x.ID
	case *world.Room:
		for _, c := range x.ID {
			id = id*31 + uint64(c)
		}
	}
	return int(id % uint64(len(h.beats)))
}

// Tick runs this tick's share of heartbeats (each entity once a second)
// and the timers that are due, within the tick's Lua budget: what the
// budget leaves out waits for the next tick, heartbeats in the order they
// were put off, so none waits for ever. Heartbeats and timers take turns
// going first. Then the memory walker takes its step.
func (h *Host) Tick(w *world.World) {
	now := w.Ticks()
	h.inTick, h.tickSpent, h.tickRan = true, 0, 0
	clear(h.tickCost)
	if now%2 == 1 {
		h.runTimers(now)
		h.runBeats(now)
	} else {
		h.runBeats(now)
		h.runTimers(now)
	}
	h.inTick = false
	h.noteHog(now)
	h.walkMemory(MemWalkStepsPerTick)
}

// spent reports whether this tick's Lua budget is used up; the first call
// of a tick always runs, so every tick makes progress.
func (h *Host) spent() bool {
	return h.tickRan > 0 && h.tickSpent >= h.cfg.TickBudget
}

// runBeats runs the heartbeats put off earlier, then this tick's bucket.
// What the budget leaves out joins the end of the waiting list; an entity
// already waiting gets one beat for the two.
func (h *Host) runBeats(now uint64) {
	queue := h.deferred
	waiting := len(queue)
	h.deferred = nil
	queue = append(queue, h.beats[now%uint64(len(h.beats))]...)
	for i, owner := range queue {
		late := i < waiting
		if late && !h.deferSet[owner] {
			continue // removed while it waited
		}
		if h.spent() {
			switch {
			case late:
				h.deferred = append(h.deferred, owner)
			case !h.deferSet[owner]:
				h.deferSet[owner] = true
				h.deferred = append(h.deferred, owner)
				h.deferrals.Add(1)
			}
			continue
		}
		if late {
			delete(h.deferSet, owner)
		} else if h.deferSet[owner] {
			continue // still waiting from an earlier tick: that beat comes first
		}
		h.Hook(owner, "on_tick")
	}
}

// noteHog reports a script whose hooks keep costing the most in ticks
// that use up the Lua budget.
func (h *Host) noteHog(now uint64) {
	if h.tickSpent < h.cfg.TickBudget {
		h.hog, h.hogTicks = nil, 0
		return
	}
	var top *compiled
	for sc, d := range h.tickCost {
		if top == nil || d > h.tickCost[top] || d == h.tickCost[top] && sc.path < top.path {
			top = sc
		}
	}
	if top != h.hog {
		h.hog, h.hogTicks = top, 0
	}
	h.hogTicks++
	if top == nil || top.eval || h.hogTicks < HogTicksToReport || now < top.hogQuiet {
		return
	}
	top.hogQuiet = now + h.ticks(60)
	h.hogTicks = 0
	h.cfg.Report(fmt.Sprintf("%s: its hooks cost the most Lua time in %d ticks in a row that used up the per-tick budget of %s (%s of %s in the last); hooks beyond the budget wait for later ticks",
		top.path, HogTicksToReport, h.cfg.TickBudget, h.tickCost[top].Round(time.Microsecond), h.tickSpent.Round(time.Microsecond)))
}

// ReloadFrom is Reload reading the scripts from fsys from now on (a copy
// read off the loop, so the loop does no file I/O).
func (h *Host) ReloadFrom(fsys fs.FS, area string) ([]string, error) {
	h.fsys = fsys
	return h.Reload(area)
}

// Reload recompiles the scripts whose text changed (all, or one area's
// with area != ""), keeping every entity's state. Entities whose script
// was swapped lose their timers and get on_spawn again, so they restart
// cleanly with the new code; entities of unchanged scripts keep theirs.
// It returns what was reloaded and the compile errors (the old version of
// a failing file keeps running).
func (h *Host) Reload(area string) ([]string, error) {
	prefix := ""
	if area != "" {
		prefix = area + "/"
	}
	swapped, err := h.load(prefix)
	fresh := make(map[string]bool, len(swapped))
	for _, p := range swapped {
		fresh[p] = true
	}
	for owner, ef := range h.entFails {
		if strings.HasPrefix(ef.path, prefix) {
			delete(h.entFails, owner) // a reload forgives
		}
	}
	for _, bucket := range h.beats {
		for _, owner := range append([]world.Scripted(nil), bucket...) {
			if fresh[owner.Behaviour()] {
				h.cancelOwner(owner)
				h.Hook(owner, "on_spawn")
			}
		}
	}
	return swapped, err
}

// Eval runs a builder's snippet in the sandbox and budget, with here (the
// room) and me (the builder) bound, and returns what to show them: the
// value it returns, or the error.
func (h *Host) Eval(p *world.Player, code string) string {
	env := h.newEnv()
	env.RawSetString("me", h.value(p))
	env.RawSetString("here", h.value(p.Room))
	proto, err := compile("lua", "return "+code)
	if err != nil {
		if proto, err = compile("lua", code); err != nil {
			return "error: " + firstLine(err)
		}
	}
	fn := h.L.NewFunctionFromProto(proto)
	fn.Env = env
	sc := &compiled{path: "lua", env: env, eval: true, proto: proto}
	ret, err := h.run(nil, sc, fn)
	if err != nil {
		return "error: " + h.message(err)
	}
	if ret == lua.LNil {
		return "ok"
	}
	return "=> " + h.L.ToStringMeta(ret).String()
}
