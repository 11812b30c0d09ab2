package world

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Saving the world works by deltas. Every change marks what it changed
// (a player, an item, an NPC, a door); TakeDelta hands the marked state over
// as plain values and clears the marks. A store that applies the deltas in
// order, each in one transaction, holds the world exactly as it was at the
// instant of the last delta it applied: nothing half-moved, since a move
// marks the item, its old holder and its new holder together.

// HolderKind says what kind of thing holds an item.
type HolderKind uint8

const (
	InRoom   HolderKind = iota + 1
	InPlayer            // Holder is the character's name key
	InMob               // Holder is the NPC's id
	InItem              // Holder is the container's id
)

var holderKinds = [...]string{InRoom: "room", InPlayer: "player", InMob: "mob", InItem: "item"}

// String is the kind as the database writes it.
func (k HolderKind) String() string {
	if int(k) < len(holderKinds) {
		return holderKinds[k]
	}
	return "?"
}

// ParseHolderKind reads what String wrote.
func ParseHolderKind(s string) (HolderKind, bool) {
	for k, name := range holderKinds {
		if name != "" && name == s {
			return HolderKind(k), true
		}
	}
	return 0, false
}

// ItemRecord is the saved form of one item.
type ItemRecord struct {
	ID     uint64
	Proto  string
	Kind   HolderKind
	Holder string // room id, character name key or NPC id
	Seq    uint64 // arrival order: a holder's items sort by it
	Spawn  string // the spawn slot that made it, "" if none
	Slot   string // where its holder wears it, "" if carried
	Name   string // its own name, "" for its prototype's
	Gold   int    // a pile of coins: how many
}

// MobRecord is the saved form of one NPC.
type MobRecord struct {
	ID    uint64
	Proto string
	Room  string
	Attrs map[string]float64
	Spawn string
	HP    int            // 0: full
	Stock map[string]int // a shopkeeper's stock
}

// ExitRecord is the state of one door.
type ExitRecord struct {
	Room           string
	Dir            Dir
	Closed, Locked bool
}

// StateRecord is one entity's script state, encoded by the Scripts; nil
// Data means it has none.
type StateRecord struct {
	Entity string // EntityKey
	Data   []byte
}

// Delta is what changed in the world since the previous one.
type Delta struct {
	Players   []PlayerRecord // their Items are left empty: items come in Items
	Items     []ItemRecord   // items created or moved
	GoneItems []uint64       // items destroyed
	Mobs      []MobRecord    // NPCs created, moved or changed
	GoneMobs  []uint64       // NPCs removed
	Exits     []ExitRecord
	States    []StateRecord
	Areas     []string // the areas populated, when that changed (nil: unchanged)
	// AreaFiles are areas builders edited in the game, written out as area
	// files by the host (nil Data: the edits were discarded).
	AreaFiles []AreaFile
	// Moves are handoffs, in the order they were made. A store folds them
	// (FoldMoves) and applies them in two phases, so that a merged delta
	// is right: MoveArrived and MoveHome before the rest of the delta
	// (what the character did after it arrived comes in Players and
	// Items, to apply over it), MoveLeaving and MoveGone after it (the row
	// and items it left with are saved first; MoveGone then deletes the
	// items).
	Moves   []CharacterMove
	NextID  uint64 // counters to continue from
	NextSeq uint64
	// GameMinute is the minute of the game day (0 to 1439) when the
	// delta was taken.
	GameMinute int
}

// AreaFile is an area's definition as builders left it, in the area file
// format.
type AreaFile struct {
	ID   string
	Data []byte
}

// Empty reports whether d changes nothing.
func (d *Delta) Empty() bool {
	return len(d.Players) == 0 && len(d.Items) == 0 && len(d.GoneItems) == 0 &&
		len(d.Mobs) == 0 && len(d.GoneMobs) == 0 && len(d.Exits) == 0 && len(d.States) == 0 && d.Areas == nil && len(d.AreaFiles) == 0 &&
		len(d.Moves) == 0
}

// Size is the number of rows d writes.
func (d *Delta) Size() int {
	return len(d.Players) + len(d.Items) + len(d.GoneItems) + len(d.Mobs) +
		len(d.GoneMobs) + len(d.Exits) + len(d.States) + len(d.AreaFiles) + len(d.Moves)
}

// Snapshot is a saved world to continue from: everything that is not a
// character (characters come back as they log in).
type Snapshot struct {
	Items  []ItemRecord // in rooms and carried by NPCs
	Mobs   []MobRecord
	Exits  []ExitRecord
	States map[string][]byte // script state by EntityKey
	// Areas were populated when saved: they continue as saved, and reset
	// on their schedule; other areas (new in the files) are populated at
	// once.
	Areas   []string
	NextID  uint64
	NextSeq uint64
	// GameMinute is the minute of the game day when it was saved; -1
	// for none (a database from before the clock was saved): dawn.
	GameMinute int
}

// EntityKey names a scripted entity in saved state: "room:<id>",
// "mob:<id>" or "item:<id>".
func EntityKey(x Scripted) string {
	switch x := x.(type) {
	case *Room:
		return "room:" + x.ID
	case *Mobile:
		return "mob:" + strconv.FormatUint(x.ID, 10)
	case *Item:
		return "item:" + strconv.FormatUint(x.ID, 10)
	}
	return ""
}

type exitKey struct {
	room *Room
	dir  Dir
}

// touch marks p as changed.
func (w *World) touch(p *Player) { w.dirtyPlayers[p.Key()] = p }

// Touch marks a player or NPC changed outside the world's rules (scripts
// setting attributes), so the next snapshot has it.
func (w *World) Touch(x any) {
	switch x := x.(type) {
	case *Player:
		if w.players[x.Key()] == x {
			w.touch(x)
		}
	case *Mobile:
		w.touchMob(x)
	}
}

func (w *World) touchItem(it *Item) {
	if !it.dirty {
		it.dirty = true
		w.dirtyItems = append(w.dirtyItems, it)
	}
}

func (w *World) touchMob(m *Mobile) {
	if !m.dirty {
		m.dirty = true
		w.dirtyMobs = append(w.dirtyMobs, m)
	}
}

func (w *World) touchExit(r *Room, d Dir) { w.dirtyExits[exitKey{r, d}] = struct{}{} }

// SaveOffline saves a change to a character who is not in the world (an
// admin's promotion): it goes into the next delta, in order with the rest.
// If the character is in the world by then, its live state wins.
func (w *World) SaveOffline(rec PlayerRecord) {
	if w.offline == nil {
		w.offline = make(map[string]PlayerRecord)
	}
	w.offline[PlayerKey(rec.Name)] = rec
	w.urgent = true
}

// SaveSoon asks for a snapshot now rather than at the next interval: for
// what players would be upset to lose (a quit, a trade, an admin's edit).
func (w *World) SaveSoon() { w.urgent = true }

// TakeUrgent reports whether SaveSoon was called since it last reported
// so, and forgets it.
func (w *World) TakeUrgent() bool {
	u := w.urgent
	w.urgent = false
	return u
}

// TakeDelta returns everything changed since the last call, as values that
// share nothing with the world, and clears the marks. Its cost is in
// proportion to what changed, not to the size of the world.
func (w *World) TakeDelta() *Delta {
	d := &Delta{NextID: w.nextID, NextSeq: w.nextSeq, GameMinute: w.GameMinute()}
	if len(w.dirtyPlayers) > 0 {
		d.Players = make([]PlayerRecord, 0, len(w.dirtyPlayers))
		for _, p := range w.dirtyPlayers {
			d.Players = append(d.Players, p.row())
		}
		clear(w.dirtyPlayers)
	}
	for key, rec := range w.offline {
		if w.players[key] == nil {
			rec.Items, rec.States = nil, nil
			d.Players = append(d.Players, rec)
		}
	}
	clear(w.offline)
	if len(w.dirtyItems) > 0 {
		d.Items = make([]ItemRecord, 0, len(w.dirtyItems))
		for _, it := range w.dirtyItems {
			it.dirty = false
			if it.in != nil { // a destroyed item is in GoneItems
				d.Items = append(d.Items, it.record())
			}
		}
		clear(w.dirtyItems)
		w.dirtyItems = w.dirtyItems[:0]
	}
	if len(w.dirtyMobs) > 0 {
		d.Mobs = make([]MobRecord, 0, len(w.dirtyMobs))
		for _, m := range w.dirtyMobs {
			m.dirty = false
			if m.Room != nil {
				d.Mobs = append(d.Mobs, m.record())
			}
		}
		clear(w.dirtyMobs)
		w.dirtyMobs = w.dirtyMobs[:0]
	}
	d.GoneItems, w.goneItems = w.goneItems, nil
	d.GoneMobs, w.goneMobs = w.goneMobs, nil
	for k := range w.dirtyExits {
		if ex := k.room.Exits[k.dir]; ex != nil {
			d.Exits = append(d.Exits, ExitRecord{Room: k.room.ID, Dir: k.dir, Closed: ex.Closed, Locked: ex.Locked})
		}
	}
	clear(w.dirtyExits)
	if w.areasChanged {
		w.areasChanged = false
		d.Areas = make([]string, len(w.areas))
		for i, a := range w.areas {
			d.Areas[i] = a.ID
		}
	}
	d.States, w.leftStates = w.leftStates, nil
	for _, st := range w.cfg.Scripts.TakeStates() {
		d.States = append(d.States, StateRecord{Entity: EntityKey(st.Owner), Data: st.Data})
	}
	return d
}

// TouchAll marks the whole world changed, so the next delta is a full
// snapshot: for a database that has none yet.
func (w *World) TouchAll() {
	for _, a := range w.areas {
		for _, r := range a.Rooms {
			for _, m := range r.Mobs {
				w.touchMob(m)
				eachItem(m.Items, w.touchItem)
			}
			eachItem(r.Items, w.touchItem)
			for d, ex := range r.Exits {
				if ex != nil && ex.Door {
					w.touchExit(r, Dir(d))
				}
			}
		}
	}
	for _, p := range w.players {
		w.touch(p)
		eachItem(p.Items, w.touchItem)
	}
}

func (it *Item) record() ItemRecord {
	rec := ItemRecord{ID: it.ID, Proto: it.Proto.ID, Seq: it.seq, Spawn: it.spawn, Slot: it.Slot, Name: it.Name, Gold: it.Gold}
	switch h := it.in.(type) {
	case *Item:
		rec.Kind, rec.Holder = InItem, strconv.FormatUint(h.ID, 10)
	case *Room:
		rec.Kind, rec.Holder = InRoom, h.ID
	case *Player:
		rec.Kind, rec.Holder = InPlayer, h.Key()
	case *Mobile:
		rec.Kind, rec.Holder = InMob, strconv.FormatUint(h.ID, 10)
	}
	return rec
}

func (m *Mobile) record() MobRecord {
	rec := MobRecord{ID: m.ID, Proto: m.Proto.ID, Room: m.Room.ID, Attrs: copyAttrs(m.Attrs), Spawn: m.spawn}
	if m.HP < m.MaxHP() {
		rec.HP = m.HP
	}
	if len(m.Stock) > 0 {
		rec.Stock = maps.Clone(m.Stock)
	}
	return rec
}

func copyAttrs(a map[string]float64) map[string]float64 {
	if len(a) == 0 {
		return nil
	}
	out := make(map[string]float64, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// restore places a saved world over the blueprint's rooms. What no longer
// fits (a prototype or room deleted from the area files since) is left out
// and marked gone, so the next snapshot forgets it too.
func (w *World) restore(s *Snapshot) {
	w.nextID = max(w.nextID, s.NextID)
	w.nextSeq = max(w.nextSeq, s.NextSeq)
	w.setGameMinute(s.GameMinute)
	w.pending = make(map[string][]byte)
	mobs := make(map[string]*Mobile, len(s.Mobs))
	for _, mr := range slices.SortedFunc(slices.Values(s.Mobs), func(a, b MobRecord) int { return cmp.Compare(a.ID, b.ID) }) {
		proto, room := w.mobs[mr.Proto], w.rooms[mr.Room]
		if proto == nil || room == nil {
			w.goneMobs = append(w.goneMobs, mr.ID)
			continue
		}
		m := &Mobile{ID: mr.ID, Proto: proto, Room: room, Attrs: mr.Attrs, spawn: mr.Spawn, HP: mr.HP, Stock: mr.Stock}
		if m.HP <= 0 {
			m.HP = m.MaxHP()
		}
		room.Mobs = append(room.Mobs, m)
		w.nextID = max(w.nextID, m.ID)
		mobs[strconv.FormatUint(m.ID, 10)] = m
		if m.spawn != "" {
			w.slots[m.spawn] = m
		}
		w.keepState(s, m)
	}
	holders := make(map[string]Holder, len(w.rooms)+len(mobs))
	for id, r := range w.rooms {
		holders["room:"+id] = r
	}
	for id, m := range mobs {
		holders["mob:"+id] = m
	}
	for _, it := range w.restoreItems(s.Items, holders) {
		if it.spawn != "" {
			w.slots[it.spawn] = it
		}
		w.keepState(s, it)
	}
	for _, er := range s.Exits {
		if r := w.rooms[er.Room]; r != nil {
			if ex := r.Exits[er.Dir]; ex != nil && ex.Door {
				ex.Closed, ex.Locked = er.Closed, er.Locked && er.Closed
			}
		}
	}
	for _, r := range w.rooms {
		w.keepState(s, r)
	}
}

// keepState holds x's saved script state until the scripts are installed.
func (w *World) keepState(s *Snapshot, x Scripted) {
	if x.Behaviour() == "" {
		return
	}
	if data := s.States[EntityKey(x)]; data != nil {
		w.pending[EntityKey(x)] = data
	}
}

// restoreItems puts saved items back where they were, with their
// identity, arrival order and slot, and returns them. Holders are found in
// holders by "room:<id>", "mob:<id>", or by a player's key, and among the
// items restored (containers). What cannot be placed (its prototype or
// holder no longer exists) is left out and marked gone.
func (w *World) restoreItems(recs []ItemRecord, holders map[string]Holder) []*Item {
	recs = slices.SortedFunc(slices.Values(recs), func(a, b ItemRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	containers := make(map[string]*Item)
	var out []*Item
	placed := make([]bool, len(recs))
	// Containers come before what they hold, however deep: pass again
	// while a pass places something.
	for progress := true; progress; {
		progress = false
		for i, ir := range recs {
			if placed[i] {
				continue
			}
			var h Holder
			switch ir.Kind {
			case InRoom:
				h = holders["room:"+ir.Holder]
			case InMob:
				h = holders["mob:"+ir.Holder]
			case InPlayer:
				h = holders[ir.Holder]
			case InItem:
				if c := containers[ir.Holder]; c != nil {
					h = c
				} else {
					continue // its container may come in a later pass
				}
			}
			placed[i], progress = true, true
			proto := w.items[ir.Proto]
			if h == nil || proto == nil {
				w.goneItems = append(w.goneItems, ir.ID)
				continue
			}
			it := &Item{ID: ir.ID, Proto: proto, in: h, seq: ir.Seq, spawn: ir.Spawn, Slot: ir.Slot, Name: ir.Name, Gold: ir.Gold}
			if proto == corpseProto { // its time starts again
				it.decay = w.tick + w.ticks(DefaultUserCorpseLife)
				w.corpses = append(w.corpses, it)
			}
			list := h.itemList()
			*list = append(*list, it)
			w.nextID = max(w.nextID, it.ID)
			w.nextSeq = max(w.nextSeq, it.seq)
			containers[strconv.FormatUint(it.ID, 10)] = it
			out = append(out, it)
		}
	}
	for i, ir := range recs {
		if !placed[i] { // in a container that is gone
			w.goneItems = append(w.goneItems, ir.ID)
		}
	}
	return out
}

// eachScripted calls fn for every room, NPC and item in rooms or carried
// by NPCs that has a behaviour.
func (w *World) eachScripted(fn func(Scripted)) {
	for _, a := range w.areas {
		for _, r := range a.Rooms {
			if r.Script != "" {
				fn(r)
			}
			for _, m := range r.Mobs {
				if m.Proto.Script != "" {
					fn(m)
				}
				eachItem(m.Items, func(it *Item) {
					if it.Proto.Script != "" {
						fn(it)
					}
				})
			}
			eachItem(r.Items, func(it *Item) {
				if it.Proto.Script != "" {
					fn(it)
				}
			})
		}
	}
}

// CheckItems verifies that every item is listed by exactly the holder it
// names, once: the invariant saving relies on. Tests and the crash check
// call it.
func (w *World) CheckItems() error {
	seen := make(map[uint64]Holder)
	var check func(h Holder) error
	check = func(h Holder) error {
		for _, it := range *h.itemList() {
			if it.in != h {
				return fmt.Errorf("item %d (%s) is listed by a holder it is not in", it.ID, it.Proto.ID)
			}
			if _, dup := seen[it.ID]; dup {
				return fmt.Errorf("item %d (%s) is in two places", it.ID, it.Proto.ID)
			}
			seen[it.ID] = h
			if err := check(it); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range w.rooms {
		if err := check(r); err != nil {
			return err
		}
		for _, m := range r.Mobs {
			if err := check(m); err != nil {
				return err
			}
		}
	}
	for _, p := range w.players {
		if err := check(p); err != nil {
			return err
		}
	}
	return nil
}

// PlayerKey is the key a character is saved under: its name folded to
// lower case.
func PlayerKey(name string) string { return strings.ToLower(name) }

// Items lists every item in the world: in rooms, carried by NPCs and by
// players.
func (w *World) Items() []*Item {
	var out []*Item
	add := func(it *Item) { out = append(out, it) }
	for _, a := range w.areas {
		for _, r := range a.Rooms {
			eachItem(r.Items, add)
			for _, m := range r.Mobs {
				eachItem(m.Items, add)
			}
		}
	}
	for _, p := range w.players {
		eachItem(p.Items, add)
	}
	return out
}

// Rooms lists every room, area by area in the files' order.
func (w *World) Rooms() []*Room {
	var out []*Room
	for _, a := range w.areas {
		out = append(out, a.Rooms...)
	}
	return out
}

// Merge folds later, a delta taken after d, into d, so that writing d
// alone has the effect of writing both in order: what a writer that fell
// behind does with the deltas that queued up.
func (d *Delta) Merge(later *Delta) {
	d.mergeMoves(later.Moves)
	d.Players = mergeBy(d.Players, later.Players, func(r PlayerRecord) string { return PlayerKey(r.Name) })
	gone := make(map[string]bool, len(later.GoneItems)+len(later.GoneMobs))
	for _, id := range later.GoneItems {
		gone["item:"+strconv.FormatUint(id, 10)] = true
	}
	for _, id := range later.GoneMobs {
		gone["mob:"+strconv.FormatUint(id, 10)] = true
	}
	d.Items = mergeBy(d.Items, later.Items, func(r ItemRecord) uint64 { return r.ID })
	d.Items = slices.DeleteFunc(d.Items, func(r ItemRecord) bool { return gone["item:"+strconv.FormatUint(r.ID, 10)] })
	d.Mobs = mergeBy(d.Mobs, later.Mobs, func(r MobRecord) uint64 { return r.ID })
	d.Mobs = slices.DeleteFunc(d.Mobs, func(r MobRecord) bool { return gone["mob:"+strconv.FormatUint(r.ID, 10)] })
	d.GoneItems = append(d.GoneItems, later.GoneItems...)
	d.GoneMobs = append(d.GoneMobs, later.GoneMobs...)
	d.Exits = mergeBy(d.Exits, later.Exits, func(r ExitRecord) exitID { return exitID{r.Room, r.Dir} })
	d.States = slices.DeleteFunc(d.States, func(r StateRecord) bool { return gone[r.Entity] })
	d.States = mergeBy(d.States, later.States, func(r StateRecord) string { return r.Entity })
	if later.Areas != nil {
		d.Areas = later.Areas
	}
	d.AreaFiles = mergeBy(d.AreaFiles, later.AreaFiles, func(r AreaFile) string { return r.ID })
	d.NextID, d.NextSeq, d.GameMinute = later.NextID, later.NextSeq, later.GameMinute
}

type exitID struct {
	room string
	dir  Dir
}

// mergeBy returns a's records with b's replacing those of the same key and
// the rest of b's appended.
func mergeBy[T any, K comparable](a, b []T, key func(T) K) []T {
	if len(b) == 0 {
		return a
	}
	at := make(map[K]int, len(a))
	for i, r := range a {
		at[key(r)] = i
	}
	for _, r := range b {
		if i, ok := at[key(r)]; ok {
			a[i] = r
		} else {
			at[key(r)] = len(a)
			a = append(a, r)
		}
	}
	return a
}

// Areas lists the areas in the order they were loaded.
func (w *World) Areas() []*Area { return w.areas }

// Area finds an area by id.
func (w *World) Area(id string) *Area {
	for _, a := range w.areas {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// ItemProtos and MobProtos are the prototypes by id; callers must not
// change the maps.
func (w *World) ItemProtos() map[string]*ItemProto { return w.items }
func (w *World) MobProtos() map[string]*MobProto   { return w.mobs }
