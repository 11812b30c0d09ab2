package world

import (
	"fmt"
	"maps"
	"strconv"
)

// Area resets. Each entry of a room's spawn list is a slot, named by the
// room, the prototype and which occurrence of that prototype in the list it
// is ("thornwick.bakery/thornwick.bread#2"), so reordering the list in the
// file does not change it. A reset fills the slots whose instance is gone
// from the world: an NPC that was removed or killed, an item destroyed,
// sold, crumbled, or taken out of the world by a player who left (it is
// theirs from then on: Remove unlinks it). An item picked up, put in a bag,
// worn or given to an NPC still fills its slot, so a reset never
// duplicates what players carry around. What a restored snapshot brought
// back is linked to its slot, so a reset after a restart adds only what is
// truly missing.

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
		if w.present(slot) {
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

// present reports whether slot's instance is still in the world: an NPC
// not removed, an item somewhere (a room, a container, an NPC, a player
// here) rather than destroyed or gone with a departed player.
func (w *World) present(slot string) bool {
	switch x := w.slots[slot].(type) {
	case *Mobile:
		return x.Room != nil
	case *Item:
		return w.inWorld(x)
	}
	return false
}

// inWorld follows it out through its containers to what holds them all
// and reports whether that is still in the world.
func (w *World) inWorld(it *Item) bool {
	for h := it.in; h != nil; { // no cycles: put refuses a bag into what it holds
		switch x := h.(type) {
		case *Room:
			return true
		case *Mobile:
			return x.Room != nil
		case *Player:
			return w.players[x.Key()] == x
		case *Item:
			h = x.in
		}
	}
	return false
}

// unlinkSpawn makes it no longer fill a reset slot: it left the world
// with a player and is that player's now.
func (w *World) unlinkSpawn(it *Item) {
	if it.spawn == "" {
		return
	}
	if w.slots[it.spawn] == any(it) {
		delete(w.slots, it.spawn)
	}
	it.spawn = ""
	w.touchItem(it)
}

// scheduleReset sets a's next reset one interval from now.
func (w *World) scheduleReset(a *Area) {
	if a.Mode() != ResetNever {
		a.nextReset = w.tick + max(uint64(a.Reset/w.cfg.Tick), 1)
	}
}
