package world_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shardmud/data"
	"shardmud/world"
	"shardmud/world/area"
)

// memStore applies deltas as the database does: rows replaced by key,
// deleted rows gone. Its snapshot is what a restart would load.
type memStore struct {
	players map[string]world.PlayerRecord
	items   map[uint64]world.ItemRecord
	mobs    map[uint64]world.MobRecord
	exits   map[string]world.ExitRecord
	states  map[string][]byte
	areas   []string
	nextID  uint64
	nextSeq uint64
	minute  int // the game clock's minute of the day
}

func newMemStore() *memStore {
	return &memStore{players: map[string]world.PlayerRecord{}, items: map[uint64]world.ItemRecord{},
		mobs: map[uint64]world.MobRecord{}, exits: map[string]world.ExitRecord{}, states: map[string][]byte{}}
}

func (s *memStore) apply(d *world.Delta) {
	for _, p := range d.Players {
		s.players[p.Name] = p
	}
	for _, it := range d.Items {
		s.items[it.ID] = it
	}
	for _, id := range d.GoneItems {
		delete(s.items, id)
		delete(s.states, "item:"+strconv.FormatUint(id, 10))
	}
	for _, m := range d.Mobs {
		s.mobs[m.ID] = m
	}
	for _, id := range d.GoneMobs {
		delete(s.mobs, id)
		delete(s.states, "mob:"+strconv.FormatUint(id, 10))
	}
	for _, e := range d.Exits {
		s.exits[e.Room+e.Dir.String()] = e
	}
	for _, st := range d.States {
		if st.Data == nil {
			delete(s.states, st.Entity)
		} else {
			s.states[st.Entity] = st.Data
		}
	}
	if d.Areas != nil {
		s.areas = d.Areas
	}
	s.nextID, s.nextSeq, s.minute = d.NextID, d.NextSeq, d.GameMinute
}

// carried is the set of item ids characters carry, however deep in
// containers, by character key.
func (s *memStore) carried() map[uint64]string {
	owner := make(map[uint64]string)
	for changed := true; changed; {
		changed = false
		for _, it := range s.items {
			if _, done := owner[it.ID]; done {
				continue
			}
			switch {
			case it.Kind == world.InPlayer:
				owner[it.ID], changed = it.Holder, true
			case it.Kind == world.InItem:
				id, _ := strconv.ParseUint(it.Holder, 10, 64)
				if who, ok := owner[id]; ok {
					owner[it.ID], changed = who, true
				}
			}
		}
	}
	return owner
}

func (s *memStore) snapshot() *world.Snapshot {
	snap := &world.Snapshot{States: s.states, Areas: s.areas, NextID: s.nextID, NextSeq: s.nextSeq, GameMinute: s.minute}
	carried := s.carried()
	for _, it := range s.items {
		if _, ok := carried[it.ID]; !ok {
			snap.Items = append(snap.Items, it)
		}
	}
	for _, m := range s.mobs {
		snap.Mobs = append(snap.Mobs, m)
	}
	for _, e := range s.exits {
		snap.Exits = append(snap.Exits, e)
	}
	return snap
}

// login builds the record a login reads: the character and its items.
func (s *memStore) login(name string) world.PlayerRecord {
	rec := s.players[name]
	rec.Name = name
	for id, who := range s.carried() {
		if who == world.PlayerKey(name) {
			rec.Items = append(rec.Items, s.items[id])
		}
	}
	slices.SortFunc(rec.Items, func(a, b world.ItemRecord) int { return int(a.Seq) - int(b.Seq) })
	return rec
}

func restoredWorld(t *testing.T, snap *world.Snapshot) *world.World {
	t.Helper()
	bp, err := area.Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: &fakeHost{departed: map[string]world.PlayerRecord{}},
		Restore: snap}, bp)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// census counts the items in the world by prototype, and checks that none
// is in two places.
func census(t *testing.T, w *world.World) map[string]int {
	t.Helper()
	if err := w.CheckItems(); err != nil {
		t.Fatal(err)
	}
	n := make(map[string]int)
	for _, it := range w.Items() {
		n[it.Proto.ID]++
	}
	return n
}

func TestDeltaHasOnlyWhatChanged(t *testing.T) {
	w, _ := newTestWorld(t)
	if d := w.TakeDelta(); d.Empty() {
		t.Fatal("a new world's first delta is empty; it must hold every spawned item and NPC")
	}
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	w.Enter(world.PlayerRecord{Name: "Bob"}, &fakeLink{})
	if d := w.TakeDelta(); len(d.Players) != 2 {
		t.Fatalf("after two logins %d players in the delta, want 2", len(d.Players))
	}
	if d := w.TakeDelta(); !d.Empty() {
		t.Fatalf("nothing changed, yet the delta has %d rows", d.Size())
	}
	w.Do(alice, "get stick")
	d := w.TakeDelta()
	if len(d.Players) != 1 || d.Players[0].Name != "Alice" || len(d.Items) != 1 ||
		d.Items[0].Kind != world.InPlayer || d.Items[0].Holder != "alice" || d.Items[0].Proto != "thornwick.walking_stick" {
		t.Fatalf("after get: %+v", d)
	}
	w.Do(alice, "look")
	w.Do(alice, "say hi")
	if d := w.TakeDelta(); !d.Empty() {
		t.Fatalf("look and say changed nothing, yet the delta has %d rows", d.Size())
	}
	w.Do(alice, "north")
	if d := w.TakeDelta(); len(d.Players) != 1 || d.Players[0].Room != "thornwick.market_lane" {
		t.Fatalf("after moving: %+v", d.Players)
	}
}

func TestRestoreContinuesTheWorld(t *testing.T) {
	w, _ := newTestWorld(t)
	st := newMemStore()
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	bob := w.Enter(world.PlayerRecord{Name: "Bob"}, &fakeLink{})
	w.Do(alice, "get stick")
	w.Do(alice, "drop stick")
	w.Do(alice, "get stick")
	w.Do(alice, "give stick bob")
	w.Do(bob, "east") // the bakery? wherever: he carries the stick there
	w.Do(alice, "north")
	w.Do(alice, "get apple")
	st.apply(w.TakeDelta())
	before := census(t, w)
	stickID := bob.Items[0].ID

	// The players quit: their rows and their items' rows stay.
	w.Do(alice, "quit")
	w.Do(bob, "quit")
	st.apply(w.TakeDelta())

	w2 := restoredWorld(t, st.snapshot())
	a2 := w2.Enter(st.login("Alice"), &fakeLink{})
	b2 := w2.Enter(st.login("Bob"), &fakeLink{})
	if a2.Room.ID != "thornwick.market_lane" || len(a2.Items) != 1 || a2.Items[0].Proto.ID != "thornwick.apple" {
		t.Fatalf("alice restored in %s with %v", a2.Room.ID, a2.Items)
	}
	if len(b2.Items) != 1 || b2.Items[0].ID != stickID {
		t.Fatalf("bob restored with %v, want the stick with id %d", b2.Items, stickID)
	}
	// The world continues as it was: nothing respawns at boot (areas reset
	// on their schedule), nothing is duplicated or lost.
	after := census(t, w2)
	for proto, n := range before {
		if after[proto] != n {
			t.Errorf("%s: %d before, %d after restore", proto, n, after[proto])
		}
	}
	// New items never reuse a saved id.
	it, err := w2.SpawnItem(a2, "thornwick.apple")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range w2.Items() {
		if x != it && x.ID == it.ID {
			t.Fatalf("new item got id %d, already %s's", it.ID, x.Proto.ID)
		}
	}
}

func TestRestoreKeepsDoorsAndDropsWhatNoLongerExists(t *testing.T) {
	w, _ := newTestWorld(t)
	st := newMemStore()
	st.apply(w.TakeDelta())
	var door *world.Room
	var dir world.Dir
	for _, r := range w.Rooms() {
		for d, ex := range r.Exits {
			if ex != nil && ex.Door && ex.Closed {
				door, dir = r, world.Dir(d)
			}
		}
	}
	if door == nil {
		t.Fatal("the built-in world has no closed door")
	}
	w.SetDoor(door, dir, false, false)
	st.apply(w.TakeDelta())
	// An item whose prototype was deleted from the area files since.
	st.items[999999] = world.ItemRecord{ID: 999999, Proto: "thornwick.gone", Kind: world.InRoom, Holder: "thornwick.square", Seq: 1}
	w2 := restoredWorld(t, st.snapshot())
	if ex := w2.Room(door.ID).Exits[dir]; ex.Closed {
		t.Errorf("the door %s of %s was saved open and came back closed", dir, door.ID)
	}
	d := w2.TakeDelta()
	if !slices.Contains(d.GoneItems, 999999) {
		t.Errorf("the item of a deleted prototype is not dropped from the save: gone %v", d.GoneItems)
	}
	if len(d.Items) != 0 || len(d.Mobs) != 0 {
		t.Errorf("a restored world rewrote %d items and %d NPCs that did not change", len(d.Items), len(d.Mobs))
	}
}

func TestResetRespawnsOnlyWhatIsMissing(t *testing.T) {
	w, _ := newTestWorld(t) // ticks of 100ms
	before := census(t, w)
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	w.Do(alice, "get stick")
	w.Do(alice, "north")
	w.Do(alice, "get apple")
	w.Do(alice, "eat apple") // there is no eating: the apple stays carried
	ticks := int(area.DefaultReset / (100 * 1e6))
	for range ticks {
		w.Tick()
	}
	after := census(t, w)
	if after["thornwick.walking_stick"] != 1 || after["thornwick.apple"] != 2 {
		t.Errorf("after the reset %d sticks and %d apples, want 1 and 2: what alice carries still fills its slot",
			after["thornwick.walking_stick"], after["thornwick.apple"])
	}
	for proto, n := range before {
		if after[proto] != n {
			t.Errorf("%s: %d before the reset, %d after", proto, n, after[proto])
		}
	}
}

// A slot's item in a bag on the floor, or worn by an NPC, is saved with
// its slot: after a restart the reset does not make a second one.
func TestResetSlotsSurviveRestart(t *testing.T) {
	w, _ := newTestWorld(t)
	st := newMemStore()
	st.apply(w.TakeDelta())
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	for _, cmd := range []string{"west", "south", "up", "get blanket", "put blanket in footlocker", "down", "get lantern", "up", "drop lantern"} {
		w.Do(alice, cmd)
	}
	if n := len(w.Room("thornwick.inn_loft").Items); n != 2 { // the footlocker, the lantern
		t.Fatalf("%d items in the loft, want the footlocker and the lantern", n)
	}
	w.Do(alice, "get stick") // she has none here: the stick stays in the square
	w.Remove(alice)
	st.apply(w.TakeDelta())
	w2 := restoredWorld(t, st.snapshot())
	before := census(t, w2)
	for range int(area.DefaultReset/(100*1e6)) + 1 {
		w2.Tick()
	}
	after := census(t, w2)
	for proto, n := range before {
		if after[proto] != n {
			t.Errorf("%s: %d after the restart, %d after the reset", proto, n, after[proto])
		}
	}
	if after["thornwick.blanket"] != 1 || after["thornwick.lantern"] != 1 {
		t.Errorf("%d blankets and %d lanterns, want one each", after["thornwick.blanket"], after["thornwick.lantern"])
	}
}

func TestJournalEvents(t *testing.T) {
	w, host := newTestWorld(t)
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	w.Enter(world.PlayerRecord{Name: "Bob"}, &fakeLink{})
	w.Do(alice, "get stick")
	w.Do(alice, "give stick bob")
	w.Do(alice, "tell bob a secret")
	w.Do(alice, "xyzzy")
	for _, d := range []string{"east", "east", "east"} { // square, east road, east gate, the wood's edge
		w.Do(alice, d)
	}
	var verbs []string
	var moves, gives []world.Event
	for _, e := range host.events {
		switch e.Kind {
		case "command":
			verbs = append(verbs, e.Target)
			if e.Actor != "" || e.Details != nil {
				t.Errorf("a command event carries more than its verb and room: %+v", e)
			}
		case "move":
			moves = append(moves, e)
		case "give":
			gives = append(gives, e)
		}
	}
	if want := []string{"get", "give", "tell", "east", "east", "east"}; !slices.Equal(verbs, want) {
		t.Errorf("command events %v, want %v (unknown verbs are not recorded)", verbs, want)
	}
	if len(gives) != 1 || gives[0].Actor != "Alice" || gives[0].Target != "Bob" || gives[0].Details["item"] != "thornwick.walking_stick" {
		t.Errorf("give events %+v", gives)
	}
	if len(moves) != 1 || moves[0].Room != "whisperwood.edge" || moves[0].Details["from"] != "thornwick.east_gate" {
		t.Errorf("move events %+v, want one into whisperwood", moves)
	}
}

// A door players opened is open now, but the area still defines it closed:
// an export writes it closed and the area's reset closes it again.
func TestDoorsStartAsDefined(t *testing.T) {
	w, _ := newTestWorld(t) // ticks of 100ms
	var door *world.Room
	var dir world.Dir
	for _, r := range w.Rooms() {
		for d, ex := range r.Exits {
			if ex != nil && ex.Door && ex.Closed && !ex.Locked && door == nil {
				door, dir = r, world.Dir(d)
			}
		}
	}
	w.SetDoor(door, dir, false, false)
	out, err := area.Marshal(door.Area, w.ItemProtos(), w.MobProtos())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "closed: true") {
		t.Errorf("the export of %s lost the door's defined state:\n%s", door.Area.ID, out)
	}
	for range int(area.DefaultReset / (100 * 1e6)) {
		w.Tick()
	}
	if !door.Exits[dir].Closed {
		t.Errorf("the reset did not close the door %s of %s", dir, door.ID)
	}
}

// An area that resets only when empty waits for its players to leave.
func TestResetWhenEmpty(t *testing.T) {
	w, _ := newTestWorld(t)
	area := w.Area("thornwick")
	area.ResetMode = world.ResetEmpty
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	w.Do(alice, "get stick")
	w.RemoveItem(alice.Items[0]) // gone: its slot is empty
	for range int(area.Reset/(100*1e6)) + 10 {
		w.Tick()
	}
	if n := census(t, w)["thornwick.walking_stick"]; n != 0 {
		t.Fatalf("%d sticks: the area reset with a player in it", n)
	}
	for range 5 {
		w.Do(alice, "east")
	}
	if alice.Room.Area == area {
		t.Fatalf("alice is still in %s", alice.Room.ID)
	}
	for range 60 * 10 {
		w.Tick()
	}
	if n := census(t, w)["thornwick.walking_stick"]; n != 1 {
		t.Errorf("%d sticks: the area did not reset once empty", n)
	}
}

// Each reset mode, with a player standing in the area while the stick she
// took is destroyed: always refills it on the interval, empty waits for her
// to leave, never does not refill it at all.
func TestResetModeBehaviour(t *testing.T) {
	for _, tt := range []struct {
		name             string
		set              func(*world.Area)
		whileIn, leftFor int // sticks after an interval with her in the area, then after she left
	}{
		{"always", func(a *world.Area) { a.ResetMode = world.ResetAlways }, 1, 1},
		{"empty", func(a *world.Area) { a.ResetMode = world.ResetEmpty }, 0, 1},
		{"never", func(a *world.Area) { a.ResetMode = world.ResetNever }, 0, 0},
		{"reset: never", func(a *world.Area) { a.Reset = 0 }, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWorld(t) // ticks of 100ms
			a := w.Area("thornwick")
			interval := int(a.Reset / (100 * 1e6))
			tt.set(a)
			alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
			w.Do(alice, "get stick")
			w.RemoveItem(alice.Items[0])
			for range interval + 10 {
				w.Tick()
			}
			if n := census(t, w)["thornwick.walking_stick"]; n != tt.whileIn {
				t.Errorf("%d sticks after an interval with alice in the area, want %d", n, tt.whileIn)
			}
			for range 5 {
				w.Do(alice, "east")
			}
			if alice.Room.Area == a {
				t.Fatalf("alice is still in %s", alice.Room.ID)
			}
			for range interval + 60*10 {
				w.Tick()
			}
			if n := census(t, w)["thornwick.walking_stick"]; n != tt.leftFor {
				t.Errorf("%d sticks after an interval with the area empty, want %d", n, tt.leftFor)
			}
		})
	}
}

// The game clock goes on across a restart: a restored world is at the
// minute of the day it was saved at, not at dawn again.
func TestClockSurvivesRestore(t *testing.T) {
	w, _ := newTestWorld(t)
	if got := w.GameMinute(); got != world.DawnHour*60 {
		t.Fatalf("a new world starts at minute %d, want dawn (%d)", got, world.DawnHour*60)
	}
	for range 5000 { // some eight game hours at the default day
		w.Tick()
	}
	st := newMemStore()
	st.apply(w.TakeDelta())
	want := w.GameMinute()
	if want < 13*60 || want > 16*60 {
		t.Fatalf("after 5,000 ticks the clock says minute %d: not the afternoon this test means", want)
	}
	if got := restoredWorld(t, st.snapshot()).GameMinute(); got != want {
		t.Errorf("restored at minute %d, want %d (as saved)", got, want)
	}
	snap := st.snapshot()
	snap.GameMinute = -1 // a database from before the clock was saved
	if got := restoredWorld(t, snap).Hour(); got != world.DawnHour {
		t.Errorf("with no saved time the world starts at hour %d, want dawn", got)
	}
}
