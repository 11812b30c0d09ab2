package world

import (
	"fmt"
	"maps"
	"strconv"
)

// Area resets. Each entry of a room's spawn list is a slot, named by the
// room, the prototype and which occurrence of that prototype in the list it
// is ("thornwick.bakery/thornwick.bread#2"), so reordering the list in the
// file does not change it. A reset fills the slots whose instance is
// missing: an NPC that was removed, an item destroyed or taken out of the
// room. What a restored snapshot brought back is linked to its slot, so a
// reset after a restart adds only what is truly missing.

// resetArea fills the missing slots of a's rooms and schedules the next
// reset. An unknown prototype is an error (the loader checks them, so this
// happens only with a hand-built blueprint).
func (w *World) resetArea(a *Area) error {
	w.scheduleReset(a)
	for _, r := range a.Rooms {
		if err := w.resetRoom(r); err != nil {
			return fmt.Errorf("room %s: %w", r.ID, err)
		}
	}
	return nil
}

func (w *World) resetRoom(r *Room) error {
	for d, ex := range r.Exits { // doors go back to how the area defines them
		if ex != nil && ex.Door && (ex.Closed != ex.StartClosed || ex.Locked != ex.StartLocked) {
			ex.Closed, ex.Locked = ex.StartClosed, ex.StartLocked
			w.touchExit(r, Dir(d))
		}
	}
	for _, m := range r.Mobs { // shopkeepers restock
		if m.Proto.Shop != nil && !maps.Equal(m.Stock, m.Proto.Shop.Sells) {
			m.Stock = maps.Clone(m.Proto.Shop.Sells)
			w.touchMob(m)
		}
	}
	var seen map[string]int
	for _, sp := range r.Spawns {
		if seen == nil {
			seen = make(map[string]int, len(r.Spawns))
		}
		seen[sp.Proto]++
		slot := r.ID + "/" + sp.Proto + "#" + strconv.Itoa(seen[sp.Proto])
		if w.present(slot, r) {
			continue
		}
		switch sp.Kind {
		case SpawnItem:
			it, err := w.spawnItem(r, sp.Proto, slot)
			if err != nil {
				return err
			}
			w.slots[slot] = it
		case SpawnMob:
			m, err := w.spawnMob(r, sp.Proto, slot)
			if err != nil {
				return err
			}
			w.slots[slot] = m
		}
	}
	return nil
}

// present reports whether slot's instance is still there: an NPC still in
// the world, an item still in its room.
func (w *World) present(slot string, r *Room) bool {
	switch x := w.slots[slot].(type) {
	case *Mobile:
		return x.Room != nil
	case *Item:
		return x.in == Holder(r)
	}
	return false
}

// scheduleReset sets a's next reset one interval from now.
func (w *World) scheduleReset(a *Area) {
	if a.Reset > 0 {
		a.nextReset = w.tick + max(uint64(a.Reset/w.cfg.Tick), 1)
	}
}
