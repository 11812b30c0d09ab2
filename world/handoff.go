package world

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// Handoff: a character crossing to another shard leaves this world as a
// record (HandOut) and enters the other's from it (Adopt, then HandIn). The
// host moves the record and decides, with its ledger, which shard holds it;
// if the crossing fails the character comes back here the same way.

// cross sends p towards room on shard, if the host can take it there.
func (w *World) cross(p *Player, shard, room, leaving string) {
	if w.cfg.Shards == nil {
		p.Send(fmt.Sprintf("That way lies shard %s, but this shard is linked to no others.", shard))
		return
	}
	if !ValidShard(shard) {
		p.Send(fmt.Sprintf("%q is not a shard name.", shard))
		return
	}
	if why := w.cfg.Shards.Cross(p, shard, room, leaving); why != "" {
		p.Send(why)
	}
}

// HandOut takes p out of the world to cross to another shard: its fight
// and group left behind, the room told leaving, and its whole state
// returned (with the script state of what it carries). The character's
// row is saved as it was when it left.
func (w *World) HandOut(p *Player, leaving string) PlayerRecord {
	if p.foe != nil {
		w.stopFighting(p) // whoever fought p stops at its next round
	}
	w.leaveGroups(p)
	p.Room.sendAbout(p, leaving)
	rec := w.Remove(p)
	w.urgent = true
	return rec
}

// HandIn puts a character that crossed from another shard (or came back
// from a failed crossing) into the world on link, the room told arriving.
func (w *World) HandIn(rec PlayerRecord, link Link, arriving string) *Player {
	return w.enter(rec, link, arriving)
}

// Adopt makes rec, a character from another shard, fit this world: its
// items get ids of this world (containers keep their contents), and every
// item prototype and its room must exist here; if one does not, the error
// says which and rec is unchanged. An empty or unknown room is the start
// room only if room is empty.
func (w *World) Adopt(rec *PlayerRecord) error {
	if rec.Room != "" && w.rooms[rec.Room] == nil {
		return fmt.Errorf("there is no room %s on this shard", rec.Room)
	}
	held := make(map[string]bool, len(rec.Items))
	for _, it := range rec.Items {
		id := strconv.FormatUint(it.ID, 10)
		if held[id] {
			return fmt.Errorf("item %d is in the record twice", it.ID)
		}
		held[id] = true
	}
	in := make(map[string]string, len(rec.Items)) // container of each contained item
	for _, it := range rec.Items {
		if w.items[it.Proto] == nil {
			return fmt.Errorf("this shard has no item prototype %s", it.Proto)
		}
		if it.Kind == InItem {
			if !held[it.Holder] {
				return fmt.Errorf("item %d is in item %s, which the character does not carry", it.ID, it.Holder)
			}
			in[strconv.FormatUint(it.ID, 10)] = it.Holder
		}
	}
	for id := range in { // every chain of containers ends in the character's hands
		at := id
		for steps := 0; in[at] != ""; steps++ {
			if steps > len(in) {
				return fmt.Errorf("item %s is inside itself", id)
			}
			at = in[at]
		}
	}
	if rec.Room == "" {
		rec.Room = w.start.ID
	}
	ids := make(map[uint64]uint64, len(rec.Items))
	for _, it := range rec.Items {
		w.nextID++
		ids[it.ID] = w.nextID
	}
	states := make(map[uint64][]byte, len(rec.States))
	items := slices.SortedStableFunc(slices.Values(rec.Items), func(a, b ItemRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	for i, it := range items {
		w.nextSeq++
		it.ID, it.Seq = ids[it.ID], w.nextSeq
		if it.Kind == InItem {
			old, _ := strconv.ParseUint(it.Holder, 10, 64)
			it.Holder = strconv.FormatUint(ids[old], 10)
		} else {
			it.Kind, it.Holder = InPlayer, PlayerKey(rec.Name)
		}
		items[i] = it
	}
	for old, data := range rec.States {
		if id, ok := ids[old]; ok {
			states[id] = data
		}
	}
	rec.Items, rec.States = items, states
	return nil
}
