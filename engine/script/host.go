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
	// take; default 5ms.
	Budget time.Duration
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

	// The entity and script whose code is running, for after/every/log.
	curOwner  world.Scripted
	curScript *compiled

	calls, budgetHits, errors atomic.Uint64
}

// compiled is one script file, instantiated.
type compiled struct {
	path    string
	eval    bool // a builder's lua command: errors go back to them alone
	env     *lua.LTable
	fails   int    // consecutive failures
	off     uint64 // disabled until this tick
	backoff time.Duration
	quiet   uint64 // no report before this tick (rate limit)
}

// maxDepth bounds hooks triggering hooks (an NPC walking into a room whose
// on_enter moves it on, and so on).
const maxDepth = 8

// New makes a host and compiles every script under fsys (paths relative to
// it, e.g. "thornwick/crier.lua"). A script that fails to compile is
// reported and left out; the error lists every such file.
func New(cfg Config, fsys fs.FS) (*Host, error) {
	if cfg.Budget <= 0 {
		cfg.Budget = 5 * time.Millisecond
	}
	if cfg.TicksPerSecond <= 0 {
		cfg.TicksPerSecond = 10
	}
	if cfg.Report == nil {
		cfg.Report = func(string) {}
	}
	h := &Host{
		cfg:     cfg,
		L:       newSandboxState(),
		fsys:    fsys,
		scripts: make(map[string]*compiled),
		objects: make(map[any]*lua.LUserData),
		states:  make(map[world.Scripted]*lua.LTable),
		touched: make(map[world.Scripted]struct{}),
		saved:   make(map[world.Scripted]uint64),
		beats:   make([][]world.Scripted, cfg.TicksPerSecond),
	}
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

// Calls, BudgetHits and Errors are counters for stats.
func (h *Host) Calls() uint64      { return h.calls.Load() }
func (h *Host) BudgetHits() uint64 { return h.budgetHits.Load() }
func (h *Host) Errors() uint64     { return h.errors.Load() }

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
// area) and swaps in those that compile; failures keep the old version.
// It returns the paths swapped in.
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
		sc, err := h.instantiate(path, string(src))
		if err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		if old := h.scripts[path]; old != nil {
			h.timers.cancelScript(old) // timers its old top level set
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
		return nil, fmt.Errorf("%s", strings.TrimSpace(err.Error()))
	}
	proto, err := lua.Compile(chunk, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return proto, nil
}

// instantiate compiles a script and runs its top level once in a fresh
// environment whose unknown names fall through to the sandbox globals.
func (h *Host) instantiate(path, src string) (*compiled, error) {
	proto, err := compile(path, src)
	if err != nil {
		return nil, err
	}
	env := h.L.NewTable()
	mt := h.L.NewTable()
	mt.RawSetString("__index", h.globals)
	h.L.SetMetatable(env, mt)
	fn := h.L.NewFunctionFromProto(proto)
	fn.Env = env
	sc := &compiled{path: path, env: env}
	if _, err := h.run(nil, sc, fn); err != nil {
		return nil, errors.New(h.message(err))
	}
	return sc, nil
}

func (h *Host) scriptOf(owner world.Scripted) *compiled {
	sc := h.scripts[owner.Behaviour()]
	if sc == nil || (h.w != nil && sc.off > h.w.Ticks()) {
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

// run is call with owner and sc recorded as the running code.
func (h *Host) run(owner world.Scripted, sc *compiled, fn *lua.LFunction, args ...lua.LValue) (lua.LValue, error) {
	prevOwner, prevScript := h.curOwner, h.curScript
	h.curOwner, h.curScript = owner, sc
	defer func() { h.curOwner, h.curScript = prevOwner, prevScript }()
	return h.call(sc, fn, args...)
}

// call runs fn under the budget. Nested calls (a hook run by an API
// function another hook called) share the outermost call's deadline.
func (h *Host) call(sc *compiled, fn *lua.LFunction, args ...lua.LValue) (lua.LValue, error) {
	if h.depth >= maxDepth {
		err := fmt.Errorf("%s: hooks nested more than %d deep", sc.path, maxDepth)
		h.failed(sc, err)
		return lua.LNil, err
	}
	if h.depth == 0 {
		h.budget.start(h.cfg.Budget)
		defer h.budget.stop()
	}
	h.depth++
	defer func() { h.depth-- }()
	h.calls.Add(1)
	err := h.L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...)
	if err != nil {
		h.failed(sc, err)
		return lua.LNil, err
	}
	ret := h.L.Get(-1)
	h.L.Pop(1)
	sc.fails = 0
	return ret, nil
}

// failed counts and reports a failure, and disables a script that keeps
// failing.
func (h *Host) failed(sc *compiled, err error) {
	h.errors.Add(1)
	msg := h.message(err)
	if sc.eval {
		return
	}
	if !strings.HasPrefix(msg, sc.path) {
		msg = sc.path + ": " + msg
	}
	var now uint64
	if h.w != nil {
		now = h.w.Ticks()
	}
	sc.fails++
	if sc.fails >= FailuresToDisable {
		sc.backoff = min(max(2*sc.backoff, 10*time.Second), 10*time.Minute)
		sc.off = now + h.ticks(sc.backoff.Seconds())
		sc.fails = 0
		h.cfg.Report(fmt.Sprintf("%s (failed %d times in a row: disabled for %s, or until reload)", msg, FailuresToDisable, sc.backoff))
		return
	}
	if now >= sc.quiet {
		sc.quiet = now + h.ticks(1)
		h.cfg.Report(msg)
	}
}

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
	h.timers.cancelOwner(owner)
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
// and the timers that are due.
func (h *Host) Tick(w *world.World) {
	now := w.Ticks()
	for _, owner := range append([]world.Scripted(nil), h.beats[now%uint64(len(h.beats))]...) {
		h.Hook(owner, "on_tick")
	}
	h.runTimers(now)
	h.checkMemory(int(now % uint64(len(h.beats))))
}

// checkMemory enforces MaxStateEntries on the state of the entities in one
// heartbeat bucket (so every entity is checked once a second, spread over
// the ticks like the heartbeats) and, in bucket 0, on every script's own
// globals. A script that grows a table without bound has it emptied, is
// reported, and counts a failure.
func (h *Host) checkMemory(bucket int) {
	for _, owner := range h.beats[bucket] {
		t := h.states[owner]
		if t == nil || countEntries(t, MaxStateEntries+1) <= MaxStateEntries {
			continue
		}
		h.states[owner] = h.L.NewTable()
		h.touched[owner] = struct{}{}
		if sc := h.scripts[owner.Behaviour()]; sc != nil {
			h.failed(sc, fmt.Errorf("%s: state of %s held over %d entries and was emptied", sc.path, describe(owner), MaxStateEntries))
		}
	}
	if bucket != 0 {
		return
	}
	for _, sc := range h.scripts {
		if countEntries(sc.env, MaxStateEntries+1) <= MaxStateEntries {
			continue
		}
		var drop []lua.LValue
		sc.env.ForEach(func(k, v lua.LValue) {
			if _, isFn := v.(*lua.LFunction); !isFn {
				drop = append(drop, k)
			}
		})
		for _, k := range drop {
			sc.env.RawSet(k, lua.LNil)
		}
		h.failed(sc, fmt.Errorf("%s: its globals held over %d entries and were emptied", sc.path, MaxStateEntries))
	}
}

// countEntries counts the entries of t and the tables in it, stopping at
// limit; each table is counted once however often it is referenced.
func countEntries(t *lua.LTable, limit int) int {
	n := 0
	var seen map[*lua.LTable]bool // only for nested tables
	stack := []*lua.LTable{t}
	for len(stack) > 0 && n < limit {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for k, v := cur.Next(lua.LNil); k != lua.LNil && n < limit; k, v = cur.Next(k) {
			n++
			switch x := v.(type) {
			case *lua.LTable:
				if seen == nil {
					seen = map[*lua.LTable]bool{t: true}
				}
				if !seen[x] {
					seen[x] = true
					stack = append(stack, x)
				}
			case lua.LString:
				n += len(x) / 64 // long strings count by size
			}
		}
	}
	return n
}

// ReloadFrom is Reload reading the scripts from fsys from now on (a copy
// read off the loop, so the loop does no file I/O).
func (h *Host) ReloadFrom(fsys fs.FS, area string) ([]string, error) {
	h.fsys = fsys
	return h.Reload(area)
}

// Reload recompiles the scripts (all, or one area's with area != ""),
// keeping every entity's state. Entities whose script was swapped lose
// their timers and get on_spawn again, so they restart cleanly with the new
// code. It returns what was reloaded and the compile errors (the old
// version of a failing file keeps running).
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
	for _, bucket := range h.beats {
		for _, owner := range append([]world.Scripted(nil), bucket...) {
			if fresh[owner.Behaviour()] {
				h.timers.cancelOwner(owner)
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
	env := h.L.NewTable()
	mt := h.L.NewTable()
	mt.RawSetString("__index", h.globals)
	h.L.SetMetatable(env, mt)
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
	sc := &compiled{path: "lua", env: env, eval: true}
	ret, err := h.run(nil, sc, fn)
	if err != nil {
		return "error: " + h.message(err)
	}
	if ret == lua.LNil {
		return "ok"
	}
	return "=> " + h.L.ToStringMeta(ret).String()
}
