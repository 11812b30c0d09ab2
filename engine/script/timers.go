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
	owner    world.Scripted // whose script set it; nil for eval
	script   *compiled
	dead     bool
	index    int
}

// timerHeap orders timers by due tick.
type timerHeap []*timer

func (t timerHeap) Len() int           { return len(t) }
func (t timerHeap) Less(i, j int) bool { return t[i].due < t[j].due }
func (t timerHeap) Swap(i, j int)      { t[i], t[j] = t[j], t[i]; t[i].index = i; t[j].index = j }
func (t *timerHeap) Push(x any)        { tm := x.(*timer); tm.index = len(*t); *t = append(*t, tm) }
func (t *timerHeap) Pop() any          { old := *t; tm := old[len(old)-1]; *t = old[:len(old)-1]; return tm }
func (t *timerHeap) add(tm *timer)     { heap.Push(t, tm) }
func (t *timerHeap) cancelOwner(owner world.Scripted) {
	for _, tm := range *t {
		if tm.owner == owner {
			tm.dead = true
		}
	}
}

// cancelScript cancels the timers a script version set, owned or not.
func (t *timerHeap) cancelScript(sc *compiled) {
	for _, tm := range *t {
		if tm.script == sc {
			tm.dead = true
		}
	}
}

// runTimers calls the timers due by now, at most MaxTimersPerTick of them.
func (h *Host) runTimers(now uint64) {
	for n := 0; len(h.timers) > 0 && h.timers[0].due <= now && n < MaxTimersPerTick; n++ {
		tm := heap.Pop(&h.timers).(*timer)
		if tm.dead {
			continue
		}
		if tm.script != nil && tm.script.off > now { // disabled: wait, do not drop
			tm.due = tm.script.off
			h.timers.add(tm)
			continue
		}
		if tm.interval > 0 {
			tm.due = now + tm.interval
			h.timers.add(tm)
		}
		if tm.owner != nil {
			h.run(tm.owner, tm.script, tm.fn, h.value(tm.owner))
		} else {
			h.run(nil, tm.script, tm.fn)
		}
	}
}
