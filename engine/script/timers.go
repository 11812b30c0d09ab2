package script

import (
	"container/heap"

	lua "github.com/yuin/gopher-lua"

	"shardmud/world"
)

// timer is one after() or every() registration.
type timer struct {
	due      uint64
	interval uint64 // 0: once
	fn       *lua.LFunction
	owner    world.Scripted // whose script set it; nil for a top level or eval
	script   *compiled
	dead     bool
	index    int
}

// timerKey is whom a timer counts against for MaxTimersPerOwner: its
// entity, or for timers of no entity its script.
type timerKey struct {
	owner  world.Scripted
	script *compiled
}

func (tm *timer) key() timerKey {
	if tm.owner != nil {
		return timerKey{owner: tm.owner}
	}
	return timerKey{script: tm.script}
}

// timerHeap orders timers by due tick.
type timerHeap []*timer

func (t timerHeap) Len() int           { return len(t) }
func (t timerHeap) Less(i, j int) bool { return t[i].due < t[j].due }
func (t timerHeap) Swap(i, j int)      { t[i], t[j] = t[j], t[i]; t[i].index = i; t[j].index = j }
func (t *timerHeap) Push(x any)        { tm := x.(*timer); tm.index = len(*t); *t = append(*t, tm) }
func (t *timerHeap) Pop() any          { old := *t; tm := old[len(old)-1]; *t = old[:len(old)-1]; return tm }

// addTimer registers tm; false if its owner has MaxTimersPerOwner already.
func (h *Host) addTimer(tm *timer) bool {
	k := tm.key()
	if h.timerCount[k] >= MaxTimersPerOwner {
		return false
	}
	h.timerCount[k]++
	heap.Push(&h.timers, tm)
	return true
}

// kill cancels a timer. It stays in the heap until due; when cancelled
// ones are most of a large heap, the heap is rebuilt without them, so
// setting and cancelling long timers in a loop cannot grow it for ever.
func (h *Host) kill(tm *timer) {
	if tm.dead {
		return
	}
	tm.dead = true
	k := tm.key()
	if h.timerCount[k]--; h.timerCount[k] <= 0 {
		delete(h.timerCount, k)
	}
	h.deadTimers++
	if h.deadTimers > 1024 && h.deadTimers > len(h.timers)/2 {
		live := h.timers[:0]
		for _, t := range h.timers {
			if !t.dead {
				live = append(live, t)
			}
		}
		clear(h.timers[len(live):])
		h.timers = live
		for i, t := range h.timers {
			t.index = i
		}
		heap.Init(&h.timers)
		h.deadTimers = 0
	}
}

// cancelOwner cancels the timers of an entity.
func (h *Host) cancelOwner(owner world.Scripted) {
	for _, tm := range h.timersOf(func(tm *timer) bool { return tm.owner == owner }) {
		h.kill(tm)
	}
}

// cancelScript cancels the timers a script version set, owned or not.
func (h *Host) cancelScript(sc *compiled) {
	for _, tm := range h.timersOf(func(tm *timer) bool { return tm.script == sc }) {
		h.kill(tm)
	}
}

func (h *Host) timersOf(match func(*timer) bool) []*timer {
	var out []*timer
	for _, tm := range h.timers {
		if !tm.dead && match(tm) {
			out = append(out, tm)
		}
	}
	return out
}

// runTimers calls the timers due by now, at most MaxTimersPerTick of them
// and within the tick's Lua budget; the rest stay due for the next tick.
func (h *Host) runTimers(now uint64) {
	for n := 0; len(h.timers) > 0 && h.timers[0].due <= now && n < MaxTimersPerTick; n++ {
		if h.timers[0].dead {
			heap.Pop(&h.timers)
			h.deadTimers--
			continue
		}
		if h.spent() {
			h.deferrals.Add(1)
			return
		}
		tm := heap.Pop(&h.timers).(*timer)
		if off := h.timerOff(tm, now); off > now { // disabled: wait, do not drop
			tm.due = off
			heap.Push(&h.timers, tm)
			continue
		}
		if tm.interval > 0 {
			tm.due = now + tm.interval
			heap.Push(&h.timers, tm)
		} else {
			// Spent before the call, so the callback may set its next one.
			tm.dead = true
			k := tm.key()
			if h.timerCount[k]--; h.timerCount[k] <= 0 {
				delete(h.timerCount, k)
			}
		}
		if tm.owner != nil {
			h.run(tm.owner, tm.script, tm.fn, h.value(tm.owner))
		} else {
			h.run(nil, tm.script, tm.fn)
		}
	}
}

// timerOff is the tick until which tm's script, or its entity's hooks,
// are disabled.
func (h *Host) timerOff(tm *timer, now uint64) uint64 {
	off := tm.script.off
	if tm.owner != nil {
		if ef := h.entFails[tm.owner]; ef != nil && ef.path == tm.script.path {
			off = max(off, ef.off)
		}
	}
	return off
}
