package script

import (
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"shardmud/world"
)

// The memory walker measures the Lua data each script holds. Go's heap
// figures are for the whole process, and gopher-lua keeps no count of its
// own, so the walker follows what a script can reach: its globals, the
// file-level locals its functions close over (upvalues), its timers'
// closures, and the state of every entity running it. It estimates bytes
// (TableBytes a table, EntryBytes an entry, plus string bytes) and does
// at most a budget of entries per tick, resuming where it stopped, so a
// large world is measured over several ticks and no tick pays for all of
// it. A table reached twice in one walk is counted once, under the first
// root that reached it; a walk may see a table changing under it, so its
// figures are estimates, which is all a cap needs.

// rootKind says what a root is, for the report and for emptying it.
type rootKind int8

const (
	rootGlobal rootKind = iota
	rootLocal
	rootTimer
	rootState
)

// memRoot is one place a script holds data.
type memRoot struct {
	sc    *compiled
	kind  rootKind
	val   lua.LValue
	key   lua.LValue     // rootGlobal: its name
	up    *lua.Upvalue   // rootLocal
	name  string         // rootLocal: the local's name
	line  int            // rootLocal: where it is declared
	tm    *timer         // rootTimer
	owner world.Scripted // rootState
}

// walkItem is a table being walked and the last key counted in it.
type walkItem struct {
	t   *lua.LTable
	key lua.LValue
}

type walker struct {
	roots   []memRoot
	next    int // the root to start after the current one
	cur     *memRoot
	stack   []walkItem
	bytes   int64 // of the current root
	entries int   // of the current root, for MaxStateEntries
	seen    map[any]struct{}
	total   map[*compiled]int64
	last    map[string]int64 // the last complete walk's totals
	largest map[*compiled]rootSize
	skip    map[*compiled]bool // acted on this walk: not measured further
	started uint64             // the tick the current walk started
}

type rootSize struct {
	root  memRoot
	bytes int64
}

// walkMemory advances the walk by at most steps entries, starting a new
// walk when the last one is done.
func (h *Host) walkMemory(steps int) {
	m := &h.mem
	started := false
	for steps > 0 {
		if m.cur == nil {
			if m.next >= len(m.roots) {
				if started || m.seen != nil && h.now() < m.started+uint64(h.cfg.TicksPerSecond) {
					return // at most one walk a second, and one start per tick
				}
				if m.roots != nil {
					h.endWalk()
				}
				h.startWalk()
				started = true
				if len(m.roots) == 0 {
					return
				}
			}
			r := &m.roots[m.next] // the list is fixed while a walk runs
			m.next++
			if m.skip[r.sc] || !h.rootLive(r) {
				continue
			}
			m.cur, m.bytes, m.entries = r, 0, 0
			m.stack = m.stack[:0]
			h.visit(r.val)
			steps--
		}
		for steps > 0 && len(m.stack) > 0 {
			top := &m.stack[len(m.stack)-1]
			k, v := top.t.Next(top.key)
			if k == lua.LNil {
				m.stack = m.stack[:len(m.stack)-1]
				continue
			}
			top.key = k
			steps--
			m.bytes += EntryBytes
			m.entries++
			h.visit(k)
			h.visit(v)
			if h.overflow() {
				break
			}
		}
		if m.cur != nil && len(m.stack) == 0 {
			h.endRoot()
		}
	}
}

// visit counts a value and queues a table or a closure's upvalues.
func (h *Host) visit(v lua.LValue) {
	m := &h.mem
	switch x := v.(type) {
	case lua.LString:
		m.bytes += int64(len(x))
		m.entries += len(x) / 64
	case *lua.LTable:
		if _, ok := m.seen[x]; ok {
			return
		}
		m.seen[x] = struct{}{}
		m.bytes += TableBytes
		m.stack = append(m.stack, walkItem{t: x, key: lua.LNil})
		if mt, ok := x.Metatable.(*lua.LTable); ok {
			h.visit(mt)
		}
	case *lua.LFunction:
		if _, ok := m.seen[x]; ok {
			return
		}
		m.seen[x] = struct{}{}
		for _, up := range x.Upvalues {
			if up != nil {
				h.visit(up.Value())
			}
		}
	}
}

// startWalk lists the roots of every script, in path order.
func (h *Host) startWalk() {
	m := &h.mem
	clear(m.roots) // let go of what the last walk listed
	m.roots, m.next, m.cur = m.roots[:0], 0, nil
	if m.seen == nil {
		m.seen = make(map[any]struct{})
		m.total = make(map[*compiled]int64)
		m.largest = make(map[*compiled]rootSize)
		m.skip = make(map[*compiled]bool)
	}
	clear(m.seen) // reused: a walk of a large world would otherwise allocate it afresh
	clear(m.total)
	clear(m.largest)
	clear(m.skip)
	m.started = h.now()
	paths := h.Scripts()
	for _, p := range paths {
		sc := h.scripts[p]
		ups := make(map[*lua.Upvalue]bool)
		sc.env.ForEach(func(k, v lua.LValue) {
			fn, isFn := v.(*lua.LFunction)
			if !isFn {
				m.roots = append(m.roots, memRoot{sc: sc, kind: rootGlobal, key: k, val: v})
				return
			}
			h.localRoots(sc, fn, ups)
		})
	}
	for _, tm := range h.timers {
		if !tm.dead && !tm.script.eval {
			m.roots = append(m.roots, memRoot{sc: tm.script, kind: rootTimer, tm: tm, val: tm.fn})
		}
	}
	for owner, t := range h.states {
		if sc := h.scripts[owner.Behaviour()]; sc != nil {
			m.roots = append(m.roots, memRoot{sc: sc, kind: rootState, owner: owner, val: t})
		}
	}
}

// localRoots adds the file-level locals fn closes over, each once, named
// and with the line of their declaration where the top level says.
func (h *Host) localRoots(sc *compiled, fn *lua.LFunction, done map[*lua.Upvalue]bool) {
	for i, up := range fn.Upvalues {
		if up == nil || done[up] {
			continue
		}
		done[up] = true
		r := memRoot{sc: sc, kind: rootLocal, up: up, val: up.Value()}
		if fn.Proto != nil && i < len(fn.Proto.DbgUpvalues) {
			r.name = fn.Proto.DbgUpvalues[i]
			r.line = localLine(sc.proto, r.name)
		}
		h.mem.roots = append(h.mem.roots, r)
	}
}

// localLine is the line where the top level declares local name, 0 if
// unknown.
func localLine(proto *lua.FunctionProto, name string) int {
	if proto == nil {
		return 0
	}
	for _, l := range proto.DbgLocals {
		if l.Name == name && l.StartPc > 0 && l.StartPc-1 < len(proto.DbgSourcePositions) {
			return proto.DbgSourcePositions[l.StartPc-1]
		}
	}
	return 0
}

// rootLive reports whether a root still holds what was listed (an entity
// removed meanwhile, a global replaced: nothing to measure).
func (h *Host) rootLive(r *memRoot) bool {
	if h.scripts[r.sc.path] != r.sc {
		return false
	}
	switch r.kind {
	case rootState:
		return h.states[r.owner] == r.val
	case rootTimer:
		return !r.tm.dead
	case rootLocal:
		return r.up.Value() == r.val
	case rootGlobal:
		return r.sc.env.RawGet(r.key) == r.val
	}
	return false
}

// endRoot adds the finished root to its script's total.
func (h *Host) endRoot() {
	m := &h.mem
	r := *m.cur
	m.cur = nil
	m.total[r.sc] += m.bytes
	if m.bytes > m.largest[r.sc].bytes {
		m.largest[r.sc] = rootSize{root: r, bytes: m.bytes}
	}
	if r.kind == rootState && m.entries > MaxStateEntries/2 {
		if _, ok := h.watched[r.owner]; !ok {
			h.watched[r.owner] = "" // note where its state is reached from now on
		}
	}
}

// overflow checks the current root against the limits and acts; true if
// it did (the root's walk is then abandoned).
func (h *Host) overflow() bool {
	m := &h.mem
	r := m.cur
	if r.kind == rootState && m.entries > MaxStateEntries {
		h.stop()
		if h.states[r.owner] == r.val {
			h.states[r.owner] = h.L.NewTable()
			h.touched[r.owner] = struct{}{}
		}
		where := h.watched[r.owner]
		if where == "" {
			where = r.sc.path + ": "
		}
		h.failed(r.sc, r.owner, fmt.Errorf("%sstate of %s held over %d entries and was emptied", where, describe(r.owner), MaxStateEntries))
		return true
	}
	if m.total[r.sc]+m.bytes <= MaxScriptBytes {
		return false
	}
	cur := rootSize{root: *r, bytes: m.bytes}
	h.stop()
	big := m.largest[r.sc]
	if cur.bytes >= big.bytes {
		big = cur
	}
	h.overCap(r.sc, big, m.total[r.sc]+cur.bytes, MaxScriptBytes)
	return true
}

// stop abandons the current root.
func (h *Host) stop() {
	m := &h.mem
	m.cur = nil
	m.stack = m.stack[:0]
}

// endWalk checks the total of all scripts once a walk is complete.
func (h *Host) endWalk() {
	m := &h.mem
	m.last = make(map[string]int64, len(m.total))
	for sc, n := range m.total {
		m.last[sc.path] += n
	}
	var all int64
	var top *compiled
	for sc, n := range m.total {
		all += n
		if top == nil || n > m.total[top] {
			top = sc
		}
	}
	if all > MaxLuaBytes && top != nil && h.scripts[top.path] == top {
		h.overCap(top, m.largest[top], all, MaxLuaBytes)
	}
}

// overCap empties the largest thing a script holds and disables it.
func (h *Host) overCap(sc *compiled, big rootSize, total int64, limit int64) {
	h.mem.skip[sc] = true
	r := big.root
	what := h.describeRoot(&r)
	if h.rootLive(&r) {
		empty := lua.LValue(lua.LNil)
		if _, isTable := r.val.(*lua.LTable); isTable {
			empty = h.L.NewTable()
		}
		switch r.kind {
		case rootState:
			h.states[r.owner] = empty.(*lua.LTable)
			h.touched[r.owner] = struct{}{}
		case rootTimer:
			h.kill(r.tm)
		case rootLocal:
			r.up.SetValue(empty)
		case rootGlobal:
			sc.env.RawSet(r.key, empty)
		}
	}
	h.errors.Add(1)
	h.disable(sc, func(pause time.Duration) string {
		return fmt.Sprintf("%s holds about %s, which put the script's Lua data (about %s) over the cap of %s: it was emptied, and the script is disabled for %s, or until reload",
			what, mibs(big.bytes), mibs(total), mibs(limit), pause)
	})
}

// describeRoot names a root for builders, with file and line where known.
func (h *Host) describeRoot(r *memRoot) string {
	switch r.kind {
	case rootLocal:
		if r.line > 0 {
			return fmt.Sprintf("%s:%d: file-level local '%s'", r.sc.path, r.line, r.name)
		}
		return fmt.Sprintf("%s: file-level local '%s'", r.sc.path, r.name)
	case rootGlobal:
		return fmt.Sprintf("%s: global '%s'", r.sc.path, lua.LVAsString(r.key))
	case rootTimer:
		return fmt.Sprintf("%s: a timer's closure", r.sc.path)
	}
	if where := h.watched[r.owner]; where != "" {
		return fmt.Sprintf("%sthe state of %s", where, describe(r.owner)) // where ends "line: "
	}
	return fmt.Sprintf("%s: the state of %s", r.sc.path, describe(r.owner))
}

func mibs(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// MemoryUse is the last complete walk's estimate of the Lua data each
// script holds, in bytes, by path.
func (h *Host) MemoryUse() map[string]int64 { return h.mem.last }
