// Package world is shardmud's model and rules: rooms, exits, items, mobiles,
// players and the commands that change them.
//
// The package does no I/O and reads no clock or global randomness: time
// arrives as Tick, input as Do, randomness from the seeded source in Config,
// and everything the world says leaves through each player's Link and the
// Host. A World is not safe for concurrent use; one goroutine (the engine
// loop) owns it, which is why nothing here takes a lock.
package world

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// Blueprint is a loaded world definition: areas with their rooms linked by
// exits, prototypes and help topics. New takes ownership of it.
type Blueprint struct {
	Name  string
	Start string // id of the room new characters start in
	// Recall is where characters come back to life; "" for Start.
	Recall string
	Areas  []*Area
	Rooms  map[string]*Room
	Items  map[string]*ItemProto
	Mobs   map[string]*MobProto
	Help   []HelpTopic
	// Socials are the emotes everyone has (smile, nod...).
	Socials []Social
	// MSSP are the world's entries for MUD listing sites (GENRE, CONTACT,
	// ...), by upper-case name; the server adds the live ones.
	MSSP map[string][]string
}

// HelpTopic is a help entry that is not a command.
type HelpTopic struct {
	Keywords []string
	Title    string
	Text     string
}

// Host is what the world asks of the program that runs it. Calls come from
// the goroutine that drives the world and must not block.
type Host interface {
	// Depart is told that a player has left the world (quit, or link-dead too
	// long), with the state to save. link is the player's connection, nil if
	// there was none; the host closes it.
	Depart(rec PlayerRecord, link Link, reason string)
	// Record is told of something worth keeping in the event journal.
	Record(e Event)
}

// Event is something that happened in the world, for the journal that
// reports and web pages read. Kinds the world records: "command" (Target
// is the verb, Room where it was typed; never the arguments), "move" (a
// character walked into another area; Details["from"] is the room left),
// "give" (Actor gave Target an item; Details "item" and "id").
type Event struct {
	Kind, Actor, Target, Room string
	Details                   map[string]any
}

// Config is what a world needs from outside.
type Config struct {
	Rand    *rand.Rand // the only source of randomness
	Host    Host
	Scripts Scripts // behaviours; nil for none (SetScripts installs one later)
	// LinkDeadTicks is how long a player whose connection dropped stays in
	// the world before being saved and removed; 0 removes at the next tick.
	LinkDeadTicks uint64
	// Tick is how long one tick lasts, to turn areas' reset intervals into
	// ticks; 0 means 100ms.
	Tick time.Duration
	// Round is how long a combat round lasts (DefaultRound if 0);
	// DeathExpLoss the percentage of the next level's experience a death
	// costs (DefaultDeathExpLoss if 0; -1 for nothing).
	Round        time.Duration
	DeathExpLoss int
	// Day is how long one game day lasts in real time (DefaultDay if 0);
	// the game clock (Hour) follows from the tick count.
	Day time.Duration
	// Shards reaches the other shards of a linked world; nil for a world
	// of one shard.
	Shards Shards
	// Restore is the saved world to continue from: its items, NPCs, doors
	// and script state replace the blueprint's spawns, and a reset then
	// adds only what is missing. Nil builds the world fresh.
	Restore *Snapshot
}

// World is the whole mutable game state.
type World struct {
	cfg      Config
	name     string
	start    *Room
	areas    []*Area
	rooms    map[string]*Room
	items    map[string]*ItemProto
	mobs     map[string]*MobProto
	help     []HelpTopic
	socials  []Social
	recall   *Room // where characters come back to life
	commands *commandTable

	players map[string]*Player // by Key, including link-dead ones
	// ordered is players sorted by Key, kept in step with players (an
	// insert or removal is a binary search and a move of pointers, not a
	// sort per tick): rules that draw random numbers for each player walk
	// it, not the map, whose order Go varies from run to run, so a seeded
	// world replays exactly.
	ordered []*Player
	tick    uint64
	// clockBase shifts the game clock from the tick count: a restored
	// world goes on at the time of day it was saved at (clock.go).
	clockBase uint64
	nextID    uint64 // the last id given to an item or NPC
	nextSeq   uint64 // the last arrival order given to an item

	// What changed since the last snapshot (see persist.go).
	dirtyPlayers map[string]*Player // by Key: a player who leaves and comes back is one row
	dirtyItems   []*Item
	goneItems    []uint64
	dirtyMobs    []*Mobile
	goneMobs     []uint64
	dirtyExits   map[exitKey]struct{}
	leftStates   []StateRecord           // script state of items that left with their player
	urgent       bool                    // something happened that must be saved at once
	areasChanged bool                    // an area was populated for the first time
	editedAreas  map[string]bool         // areas whose definition builders changed
	offline      map[string]PlayerRecord // changes to characters not in the world

	fighting []fighter         // everyone in a fight, for the next round
	corpses  []*Item           // corpses, to crumble in time
	wounded  []*Mobile         // NPCs that may need healing
	slots    map[string]any    // spawn slot -> the *Item or *Mobile it made
	pending  map[string][]byte // restored script state, until SetScripts
}

// New builds a world from bp and places everything its rooms spawn.
func New(cfg Config, bp *Blueprint) (*World, error) {
	if cfg.Rand == nil {
		return nil, fmt.Errorf("world: Config.Rand is required")
	}
	if cfg.Host == nil {
		return nil, fmt.Errorf("world: Config.Host is required")
	}
	if cfg.Scripts == nil {
		cfg.Scripts = noScripts{}
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 100 * time.Millisecond
	}
	if cfg.Round <= 0 {
		cfg.Round = DefaultRound
	}
	if cfg.Day <= 0 {
		cfg.Day = DefaultDay
	}
	switch {
	case cfg.DeathExpLoss == 0:
		cfg.DeathExpLoss = DefaultDeathExpLoss
	case cfg.DeathExpLoss < 0:
		cfg.DeathExpLoss = 0
	}
	start := bp.Rooms[bp.Start]
	if start == nil {
		return nil, fmt.Errorf("world: start room %q does not exist", bp.Start)
	}
	w := &World{
		cfg: cfg, name: bp.Name, start: start, areas: bp.Areas,
		rooms: bp.Rooms, items: bp.Items, mobs: bp.Mobs, help: bp.Help, socials: bp.Socials, recall: start,
		commands: newCommandTable(builtinCommands()),
		players:  make(map[string]*Player),

		dirtyPlayers: make(map[string]*Player),
		dirtyExits:   make(map[exitKey]struct{}),
		slots:        make(map[string]any),
	}
	w.addSocials()
	if r := bp.Rooms[bp.Recall]; r != nil {
		w.recall = r
	}
	w.items[CorpseProto] = corpseProto
	w.items[CoinsProto] = coinsProto
	populated := make(map[string]bool)
	if cfg.Restore != nil {
		w.restore(cfg.Restore)
		for _, id := range cfg.Restore.Areas {
			populated[id] = true
		}
	}
	for _, a := range w.areas {
		if populated[a.ID] { // it continues as saved; its next reset comes on schedule
			w.scheduleReset(a)
			continue
		}
		if err := w.resetArea(a); err != nil {
			return nil, fmt.Errorf("world: %w", err)
		}
		w.areasChanged = true
	}
	return w, nil
}

// SpawnMob places a new mobile made from a prototype in r.
func (w *World) SpawnMob(r *Room, proto string) (*Mobile, error) { return w.spawnMob(r, proto, "") }

func (w *World) spawnMob(r *Room, proto, slot string) (*Mobile, error) {
	p := w.mobs[proto]
	if p == nil {
		return nil, fmt.Errorf("no mobile prototype %q", proto)
	}
	w.nextID++
	m := &Mobile{ID: w.nextID, Proto: p, Room: r, spawn: slot}
	m.HP = m.MaxHP()
	if p.Shop != nil {
		m.Stock = maps.Clone(p.Shop.Sells)
	}
	r.Mobs = append(r.Mobs, m)
	w.touchMob(m)
	w.outfit(m)
	if p.Script != "" {
		w.cfg.Scripts.Spawned(m)
	}
	return m, nil
}

// outfit gives a new NPC its prototype's items, wearing or wielding each
// whose slot is still free. They are its own, tied to no reset slot: they
// come back when the NPC does.
func (w *World) outfit(m *Mobile) {
	for _, id := range m.Proto.Items {
		it, err := w.spawnItem(m, id, "")
		if err != nil {
			continue // the loader checked them; one deleted since is skipped
		}
		if slot := it.Proto.Slot; slot != "" && m.Equipped(slot) == nil {
			it.Slot = slot
		}
	}
}

// RemoveMob takes a mobile, and what it carries, out of the world.
func (w *World) RemoveMob(m *Mobile) {
	if m.Room == nil {
		return
	}
	for len(m.Items) > 0 {
		w.RemoveItem(m.Items[len(m.Items)-1])
	}
	m.Room.Mobs = remove(m.Room.Mobs, m)
	m.Room = nil
	w.goneMobs = append(w.goneMobs, m.ID)
	w.cfg.Scripts.Removed(m) // also unscripted: scripts may hold it or its state
}

// Rand is the world's seeded random source, for rules and scripts.
func (w *World) Rand() *rand.Rand { return w.cfg.Rand }

// SpawnItem makes a new item from a prototype in h.
func (w *World) SpawnItem(h Holder, proto string) (*Item, error) { return w.spawnItem(h, proto, "") }

func (w *World) spawnItem(h Holder, proto, slot string) (*Item, error) {
	p := w.items[proto]
	if p == nil {
		return nil, fmt.Errorf("no item prototype %q", proto)
	}
	w.nextID++
	it := &Item{ID: w.nextID, Proto: p, spawn: slot}
	w.MoveItem(it, h)
	if p.Script != "" {
		w.cfg.Scripts.Spawned(it)
	}
	return it, nil
}

// MoveItem takes it from wherever it is and puts it in h, so that an item
// is always in exactly one place.
func (w *World) MoveItem(it *Item, h Holder) {
	if it.in != nil {
		list := it.in.itemList()
		*list = remove(*list, it)
		w.touchHolder(it.in)
	}
	w.put(it, h)
	w.touchHolder(h)
}

// put places an item that is nowhere at the end of h's list.
func (w *World) put(it *Item, h Holder) {
	it.in = h
	it.Slot = "" // a moved item is never worn
	w.nextSeq++
	it.seq = w.nextSeq
	list := h.itemList()
	*list = append(*list, it)
	w.touchItem(it)
}

// RemoveItem destroys it, and what it contains.
func (w *World) RemoveItem(it *Item) {
	if it.in == nil {
		return
	}
	for len(it.Items) > 0 {
		w.RemoveItem(it.Items[len(it.Items)-1])
	}
	list := it.in.itemList()
	*list = remove(*list, it)
	w.touchHolder(it.in)
	it.in = nil
	w.goneItems = append(w.goneItems, it.ID)
	w.cfg.Scripts.Removed(it) // also unscripted: scripts may hold it or its state
}

func (w *World) touchHolder(h Holder) {
	switch x := h.(type) {
	case *Player:
		w.touch(x)
	case *Mobile:
		w.touchMob(x)
	}
}

// Name is the world's display name.
func (w *World) Name() string { return w.name }

// Room finds a room by id.
func (w *World) Room(id string) *Room { return w.rooms[id] }

// Start is the room new characters begin in.
func (w *World) Start() *Room { return w.start }

// Ticks is how many ticks have run.
func (w *World) Ticks() uint64 { return w.tick }

// Player finds a character in the world (online or link-dead) by name.
func (w *World) Player(name string) *Player { return w.players[strings.ToLower(name)] }

// Players returns everyone in the world sorted by name.
func (w *World) Players() []*Player {
	ps := make([]*Player, 0, len(w.players))
	for _, p := range w.players {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// byKey is everyone in the world in a stable order (by Key). The slice is
// shared and changed in place by logins and departures: callers must not
// change it, keep it, or let anyone enter or leave while they walk it.
func (w *World) byKey() []*Player { return w.ordered }

// orderedAt is where key is, or belongs, in w.ordered.
func (w *World) orderedAt(key string) (int, bool) {
	return slices.BinarySearchFunc(w.ordered, key, func(p *Player, k string) int { return strings.Compare(p.Key(), k) })
}

// NotifyStaff tells every builder and admin in the world.
func (w *World) NotifyStaff(text string) {
	for _, p := range w.players {
		if p.Role >= RoleBuilder {
			p.Send(text)
		}
	}
}

// PlayerCount is the number of characters in the world, link-dead included.
func (w *World) PlayerCount() int { return len(w.players) }

// Tick advances time by one pulse and runs what is due.
func (w *World) Tick() {
	w.tick++
	w.cfg.Scripts.Tick(w)
	w.gameTick()
	for _, a := range w.areas {
		if a.Mode() != ResetNever && w.tick >= a.nextReset {
			if a.Mode() == ResetEmpty && w.occupied(a) {
				a.nextReset = w.tick + w.ticks(time.Minute) // try again when they may have gone
				continue
			}
			w.resetArea(a) // prototypes were checked at load; a vanished one is skipped
		}
	}
	var gone []*Player // departed after the walk: a departure changes byKey's slice
	for _, p := range w.byKey() {
		if p.link == nil && w.tick-p.linkDeadTick >= w.cfg.LinkDeadTicks {
			gone = append(gone, p)
		}
	}
	for _, p := range gone {
		p.Room.sendAbout(p, fmt.Sprintf("%s's body fades from the world.", p.Name))
		w.depart(p, "link-dead too long")
	}
}

// occupied reports whether a player is in area a.
func (w *World) occupied(a *Area) bool {
	for _, p := range w.players {
		if p.Room.Area == a {
			return true
		}
	}
	return false
}

// PlayerRecord is the saved form of a character's state in the world.
type PlayerRecord struct {
	Name  string
	Role  Role
	Room  string             // room id
	Items []ItemRecord       // what the character carries, in carrying order, and what that holds
	Attrs map[string]float64 // attributes scripts set
	Stats Stats
	Gold  int
	Wimpy int
	Prefs Prefs
	// States is the script state of carried items, by item id.
	States map[uint64][]byte
}

// Record captures p's state for saving, without the script state of what
// p carries (Remove adds that).
func (p *Player) Record() PlayerRecord {
	rec := p.row()
	eachItem(p.Items, func(it *Item) { rec.Items = append(rec.Items, it.record()) })
	return rec
}

// row is p's character row, without its items.
func (p *Player) row() PlayerRecord {
	rec := PlayerRecord{Name: p.Name, Role: p.Role, Attrs: copyAttrs(p.Attrs), Stats: p.Stats, Gold: p.Gold, Wimpy: p.Wimpy, Prefs: p.Prefs}
	rec.Prefs.Muted = nil
	for ch, off := range p.Muted {
		if off {
			rec.Prefs.Muted = append(rec.Prefs.Muted, ch)
		}
	}
	slices.Sort(rec.Prefs.Muted)
	if p.Room != nil {
		rec.Room = p.Room.ID
	}
	return rec
}

// eachItem calls fn for every item in list and, depth first, for what
// each contains.
func eachItem(list []*Item, fn func(*Item)) {
	for _, it := range list {
		fn(it)
		eachItem(it.Items, fn)
	}
}

// Enter puts a character into the world attached to link, or, if the
// character is already in the world, attaches link to that body: a link-dead
// player resumes, a connected one is taken over and its old connection
// closed. Items whose prototype no longer exists are left out.
func (w *World) Enter(rec PlayerRecord, link Link) *Player {
	return w.enter(rec, link, fmt.Sprintf("%s has entered the game.", rec.Name))
}

func (w *World) enter(rec PlayerRecord, link Link, arriving string) *Player {
	if p := w.players[strings.ToLower(rec.Name)]; p != nil {
		old := p.link
		p.link = link
		if old != nil {
			old.Send("Your character has been taken over by a new connection.")
			old.Close("taken over")
			p.Send("You take over your character, which was already playing.")
		} else {
			p.Send("Reconnecting. Welcome back!")
			p.Room.sendAbout(p, fmt.Sprintf("%s has reconnected.", p.Name))
		}
		w.look(p)
		return p
	}
	p := &Player{Name: rec.Name, Role: rec.Role, Attrs: rec.Attrs, Stats: rec.Stats, Gold: rec.Gold, Wimpy: rec.Wimpy, Prefs: rec.Prefs,
		link: link, loginTick: w.tick, linkDeadTick: w.tick} // with no link it is link-dead from now
	for _, ch := range rec.Prefs.Muted {
		if p.Muted == nil {
			p.Muted = make(map[string]bool)
		}
		p.Muted[ch] = true
	}
	p.Prefs.Muted = nil     // p.Muted is the truth while playing
	if p.Stats.Level == 0 { // a new character
		p.Stats = NewStats()
		p.Gold = max(p.Gold, StartingGold)
	}
	for _, it := range w.restoreItems(rec.Items, map[string]Holder{p.Key(): p}) {
		w.unlinkSpawn(it) // it left the world with p once (quit, crash, crossing): its slot has refilled since
		if it.Proto.Script != "" {
			if data := rec.States[it.ID]; data != nil {
				w.cfg.Scripts.LoadState(it, data)
			}
			w.cfg.Scripts.Spawned(it)
		}
	}
	room := w.rooms[rec.Room]
	if room == nil {
		room = w.start
	}
	w.players[p.Key()] = p
	if i, found := w.orderedAt(p.Key()); !found {
		w.ordered = slices.Insert(w.ordered, i, p)
	}
	room.send(arriving, nil)
	w.place(p, room)
	w.look(p)
	return p
}

// Disconnect tells the world that link, p's connection, has dropped. p stays
// in the world link-dead until it reconnects or LinkDeadTicks pass. A link
// that is no longer p's (taken over) changes nothing.
func (w *World) Disconnect(p *Player, link Link) {
	if p.link != link || link == nil {
		return
	}
	p.link = nil
	p.linkDeadTick = w.tick
	p.Room.sendAbout(p, fmt.Sprintf("%s has lost their link.", p.Name))
}

// Remove takes p out of the world without a word (shutdown) and returns its
// state to save, with the script state of what it carries. The character's
// row and its items' rows go into the next snapshot.
func (w *World) Remove(p *Player) PlayerRecord {
	if ed := p.editor; ed != nil { // left mid-text: as if given up, so the audit trail closes
		p.editor = nil
		if ed.quit != nil {
			ed.quit()
		}
	}
	eachItem(p.Items, w.unlinkSpawn) // theirs now: their slots may refill
	rec := p.Record()
	var carried []*Item
	eachItem(p.Items, func(it *Item) { carried = append(carried, it) })
	for _, it := range carried { // they leave with the player, in the record
		if it.Proto.Script == "" {
			continue
		}
		data := w.cfg.Scripts.SaveState(it)
		if data != nil {
			if rec.States == nil {
				rec.States = make(map[uint64][]byte)
			}
			rec.States[it.ID] = data
		}
		w.leftStates = append(w.leftStates, StateRecord{Entity: EntityKey(it), Data: data})
		w.cfg.Scripts.Removed(it)
	}
	w.unplace(p)
	delete(w.players, p.Key())
	if i, found := w.orderedAt(p.Key()); found {
		w.ordered = slices.Delete(w.ordered, i, i+1)
	}
	w.touch(p) // the snapshot writes its last state
	return rec
}

// Expel takes p out of the world for reason (kicked, banned): saved, and
// its connection closed after what it was told.
func (w *World) Expel(p *Player, reason string) {
	p.Room.sendAbout(p, fmt.Sprintf("%s is gone.", p.Name))
	w.depart(p, reason)
}

func (w *World) depart(p *Player, reason string) {
	w.leaveGroups(p)
	link := p.link
	rec := w.Remove(p)
	w.urgent = true
	w.cfg.Host.Depart(rec, link, reason)
}

func (w *World) place(p *Player, r *Room) {
	p.Room = r
	r.Players = append(r.Players, p)
	w.touch(p)
}

func (w *World) unplace(p *Player) {
	if p.Room != nil {
		p.Room.Players = remove(p.Room.Players, p)
	}
}

// SeenBy reports whether viewer can see p: invisible admins are seen only
// by admins.
func (p *Player) SeenBy(viewer *Player) bool { return !p.Invis || viewer.Role >= RoleAdmin }

// sendAbout tells everyone in the room but actor something about actor,
// if they can see actor.
func (r *Room) sendAbout(actor *Player, text string) {
	for _, o := range r.Players {
		if o != actor && actor.SeenBy(o) {
			o.Send(text)
		}
	}
}

// send writes text to every connected player in the room except one.
func (r *Room) send(text string, except *Player) {
	for _, p := range r.Players {
		if p != except {
			p.Send(text)
		}
	}
}
