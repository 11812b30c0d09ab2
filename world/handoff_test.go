package world_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"shardmud/data"
	"shardmud/world"
	"shardmud/world/area"
)

// fakeShards takes whoever crosses, keeping the record.
type fakeShards struct {
	w       *world.World
	refuse  string
	crossed []world.PlayerRecord
	to      []string
}

func (f *fakeShards) Channel(channel, from, text string) bool   { return true }
func (f *fakeShards) Tell(from, to, text string) (string, bool) { return "", false }
func (f *fakeShards) Who() map[string][]string                  { return nil }
func (f *fakeShards) Cross(p *world.Player, shard, room, leaving string) string {
	if f.refuse != "" {
		return f.refuse
	}
	f.crossed = append(f.crossed, f.w.HandOut(p, leaving))
	f.to = append(f.to, shard+":"+room)
	return ""
}

// A character leaves whole (items in containers, in order) and comes into
// another world with that world's item ids.
func TestHandOutAdoptHandIn(t *testing.T) {
	origin, _ := newTestWorld(t)
	ann, annL := enter(t, origin, "Ann", "thornwick.square", 0, world.Stats{})
	bob, bobL := enter(t, origin, "Bob", "thornwick.square", 0, world.Stats{})
	do(t, origin, ann, annL, "get stick", "You get")
	for _, proto := range []string{"thornwick.small_pack", "thornwick.candle", "thornwick.leather_cap"} {
		if _, err := origin.SpawnItem(ann, proto); err != nil {
			t.Fatal(err)
		}
	}
	do(t, origin, ann, annL, "put candle in pack", "You put")
	do(t, origin, ann, annL, "wear cap", "You wear")
	do(t, origin, bob, bobL, "follow ann", "You now follow Ann")

	rec := origin.HandOut(ann, "Ann steps into the shimmering air and is gone.")
	if origin.Player("ann") != nil {
		t.Fatal("ann is still in the origin world")
	}
	if !strings.Contains(strings.Join(bobL.lines, "\n"), "Ann steps into the shimmering air") {
		t.Fatalf("bob did not see ann go: %q", bobL.lines)
	}
	if len(rec.Items) != 4 {
		t.Fatalf("record carries %d items, want 4: %+v", len(rec.Items), rec.Items)
	}

	target, _ := newTestWorld(t)
	for range 5 { // the target's ids have moved on: the record's clash
		target.SpawnItem(target.Room("thornwick.square"), "thornwick.candle")
	}
	before := map[uint64]bool{}
	for _, it := range target.Items() {
		before[it.ID] = true
	}
	rec.Room = "thornwick.chapel"
	if err := target.Adopt(&rec); err != nil {
		t.Fatal(err)
	}
	for _, it := range rec.Items {
		if before[it.ID] {
			t.Fatalf("adopted item %d clashes with one of the target's", it.ID)
		}
	}
	l := &fakeLink{}
	p := target.HandIn(rec, l, "Ann steps out of the shimmering air.")
	if p.Room.ID != "thornwick.chapel" {
		t.Fatalf("ann arrived in %s", p.Room.ID)
	}
	do(t, target, p, l, "inventory", "a walking stick")
	do(t, target, p, l, "look in pack", "a beeswax candle")
	do(t, target, p, l, "equipment", "a leather cap") // still worn
	if err := target.CheckItems(); err != nil {
		t.Fatal(err)
	}
}

// Adopt refuses what this world cannot hold and leaves the record as it
// was.
func TestAdoptRefuses(t *testing.T) {
	w, _ := newTestWorld(t)
	for _, c := range []struct {
		rec  world.PlayerRecord
		want string
	}{
		{world.PlayerRecord{Name: "Ann", Room: "nowhere.room"}, "there is no room nowhere.room"},
		{world.PlayerRecord{Name: "Ann", Items: []world.ItemRecord{{ID: 1, Proto: "far.thing", Kind: world.InPlayer}}}, "no item prototype far.thing"},
		{world.PlayerRecord{Name: "Ann", Items: []world.ItemRecord{{ID: 1, Proto: "thornwick.candle", Kind: world.InItem, Holder: "99"}}}, "item 1 is in item 99"},
		{world.PlayerRecord{Name: "Ann", Items: []world.ItemRecord{{ID: 1, Proto: "thornwick.candle"}, {ID: 1, Proto: "thornwick.candle"}}}, "item 1 is in the record twice"},
		{world.PlayerRecord{Name: "Ann", Items: []world.ItemRecord{{ID: 1, Proto: "thornwick.small_pack", Kind: world.InItem, Holder: "2"},
			{ID: 2, Proto: "thornwick.small_pack", Kind: world.InItem, Holder: "1"}}}, "inside itself"},
	} {
		rec := c.rec
		err := w.Adopt(&rec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Adopt(%+v) = %v, want %q", c.rec, err, c.want)
		}
		if len(rec.Items) > 0 && rec.Items[0].ID != 1 {
			t.Errorf("a refused record was changed: %+v", rec)
		}
	}
	rec := world.PlayerRecord{Name: "Ann"}
	if err := w.Adopt(&rec); err != nil || rec.Room != w.Start().ID {
		t.Fatalf("no room: %v, room %q; want the start room", err, rec.Room)
	}
}

// Walking into a portal asks the host to cross; a refusal leaves the
// player where it was, and NPCs never cross.
func TestPortalWalk(t *testing.T) {
	bp, err := area.Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	shards := &fakeShards{}
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: &fakeHost{departed: map[string]world.PlayerRecord{}},
		LinkDeadTicks: 50, Shards: shards}, bp)
	if err != nil {
		t.Fatal(err)
	}
	shards.w = w
	ann, l := enter(t, w, "Ann", "thornwick.square", 0, world.Stats{})
	ann.Role = world.RoleAdmin
	do(t, w, ann, l, "link up west:thornwick.chapel", "You open a portal up to thornwick.chapel on shard west")
	do(t, w, ann, l, "look up", "the way leads to another world, shard west")
	do(t, w, ann, l, "exits", "up")
	shards.refuse = "The way to shard west is closed."
	do(t, w, ann, l, "up", "The way to shard west is closed.")
	if ann.Room.ID != "thornwick.square" {
		t.Fatal("a refused crossing moved ann")
	}
	shards.refuse = ""
	w.Do(ann, "up")
	if len(shards.crossed) != 1 || shards.to[0] != "west:thornwick.chapel" || w.Player("ann") != nil {
		t.Fatalf("crossed %v to %v", shards.crossed, shards.to)
	}
	bob, bl := enter(t, w, "Bob", "thornwick.square", 0, world.Stats{})
	bob.Role = world.RoleAdmin
	bl.lines = nil
	w.Do(bob, "goto west:")
	if len(shards.to) != 2 || shards.to[1] != "west:" {
		t.Fatalf("goto west: crossed to %v", shards.to)
	}
	cy, cl := enter(t, w, "Cy", "thornwick.square", 0, world.Stats{})
	cy.Role = world.RoleAdmin
	do(t, w, cy, cl, "link down bad shard:x", "is not a shard name")
	do(t, w, cy, cl, "goto ???:", "is not a shard name")
}

// FuzzAdopt: whatever record another shard sends, Adopt refuses it or the
// character enters whole, every item held exactly once.
func FuzzAdopt(f *testing.F) {
	f.Add(`{"Name":"Ann","Room":"thornwick.chapel","Items":[{"ID":4,"Proto":"thornwick.small_pack","Kind":2,"Holder":"ann","Seq":9},{"ID":5,"Proto":"thornwick.candle","Kind":4,"Holder":"4","Seq":3}],"States":{"5":"e30="}}`)
	f.Add(`{"Name":"Ann","Items":[{"ID":1,"Proto":"thornwick.candle","Kind":4,"Holder":"1"}]}`)
	f.Add(`{"Name":"Ann","Items":[{"ID":1,"Proto":"thornwick.candle","Kind":4,"Holder":"2"},{"ID":2,"Proto":"thornwick.small_pack","Kind":4,"Holder":"1"}]}`)
	f.Add(`{"Name":"Ann","Items":[{"ID":1,"Proto":"thornwick.candle"},{"ID":1,"Proto":"thornwick.candle"}]}`)
	w, _ := newTestWorld(f) // one world: each input leaves it as it found it
	f.Fuzz(func(t *testing.T, src string) {
		var rec world.PlayerRecord
		if json.Unmarshal([]byte(src), &rec) != nil || rec.Name == "" {
			return
		}
		rec.Name = "Ann"
		if w.Adopt(&rec) != nil {
			return
		}
		p := w.HandIn(rec, &fakeLink{}, "Ann arrives.")
		if err := w.CheckItems(); err != nil {
			t.Fatal(err)
		}
		out := w.HandOut(p, "Ann leaves.")
		if len(out.Items) != len(rec.Items) { // none lost, none made
			t.Fatalf("%d items left, %d came", len(out.Items), len(rec.Items))
		}
	})
}
