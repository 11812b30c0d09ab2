package world_test

import (
	"strconv"
	"strings"
	"testing"

	"shardmud/world"
	"shardmud/world/area"
)

// enter brings a character into w at a room, with its link to read.
func enter(t *testing.T, w *world.World, name, room string, gold int, stats world.Stats) (*world.Player, *fakeLink) {
	t.Helper()
	l := &fakeLink{}
	if stats.Level == 0 {
		stats = world.NewStats()
	}
	p := w.Enter(world.PlayerRecord{Name: name, Room: room, Gold: gold, Stats: stats}, l)
	l.lines = nil
	return p, l
}

// do has p type line and checks that a line of what p then sees contains
// want.
func do(t *testing.T, w *world.World, p *world.Player, l *fakeLink, line, want string) {
	t.Helper()
	l.lines = nil
	w.Do(p, line)
	for _, s := range l.lines {
		if strings.Contains(s, want) {
			return
		}
	}
	t.Fatalf("%s typed %q and did not see %q; saw:\n%s", p.Name, line, want, strings.Join(l.lines, "\n"))
}

func stock(w *world.World, room, proto string) int {
	for _, m := range w.Room(room).Mobs {
		if m.Proto.Shop != nil {
			return m.Stock[proto]
		}
	}
	return -1
}

func named(items []*world.Item, proto string) *world.Item {
	for _, it := range items {
		if it.Proto.ID == proto {
			return it
		}
	}
	return nil
}

func TestWornNumbers(t *testing.T) {
	w, _ := newTestWorld(t)
	w.ItemProtos()["thornwick.leather_cap"].Bonus = map[string]int{"str": 2, "dex": 2, "hit": 1}
	st := world.NewStats()
	st.Dex = 15
	alice, l := enter(t, w, "Alice", "thornwick.smithy", 500, st)
	if got := alice.ArmorClass(); got != 1 {
		t.Errorf("armour class in nothing at dex 15: %d, want 1", got)
	}
	if got := alice.CarryLimit(); got != 50 {
		t.Errorf("carry limit at str 13: %d, want 50", got)
	}
	if alice.Weapon() != nil {
		t.Errorf("a new character wields %v", alice.Weapon())
	}
	do(t, w, alice, l, "buy cap", "You buy a leather cap")
	do(t, w, alice, l, "buy jerkin", "You buy a leather jerkin")
	do(t, w, alice, l, "buy shield", "You buy a wooden shield")
	do(t, w, alice, l, "buy dagger", "You buy a dagger")
	if got := alice.CarriedWeight(); got != 2+8+6+2 {
		t.Errorf("carried weight %d, want 18", got)
	}
	do(t, w, alice, l, "wear all", "You wear a leather cap on your head.")
	if alice.Weapon() == nil || alice.Weapon().Proto.ID != "thornwick.dagger" {
		t.Fatalf("after wear all the weapon is %v, want the dagger", alice.Weapon())
	}
	// Cap 1 + jerkin 2 + shield 1, and dex 15+2 gives 2.
	if got := alice.ArmorClass(); got != 6 {
		t.Errorf("armour class %d, want 6", got)
	}
	if got, want := alice.Bonus("str"), 2; got != want {
		t.Errorf("str bonus %d, want %d", got, want)
	}
	if got := alice.Bonus("mana"); got != 0 {
		t.Errorf("mana bonus %d, want 0", got)
	}
	if got := alice.CarryLimit(); got != 70 {
		t.Errorf("carry limit at str 13+2: %d, want 70", got)
	}
	if got := alice.CarriedWeight(); got != 18 {
		t.Errorf("worn things weigh too: %d, want 18", got)
	}
	do(t, w, alice, l, "remove head", "You stop using a leather cap.")
	if got := alice.ArmorClass(); got != 4 {
		t.Errorf("armour class without the cap %d, want 4", got)
	}
	weak := world.NewStats()
	weak.Str = 3
	bob, _ := enter(t, w, "Bob", "thornwick.square", 0, weak)
	if got := bob.CarryLimit(); got != 10 {
		t.Errorf("carry limit at str 3: %d, want the floor of 10", got)
	}
	smith := w.Room("thornwick.smithy").Mobs[0]
	if got := smith.ArmorClass(); got != smith.Proto.Armor {
		t.Errorf("the smith's armour class %d, want his prototype's %d", got, smith.Proto.Armor)
	}
}

func TestWearingOneThingPerPlace(t *testing.T) {
	w, _ := newTestWorld(t)
	alice, l := enter(t, w, "Alice", "thornwick.smithy", 500, world.Stats{})
	_, bl := enter(t, w, "Bob", "thornwick.smithy", 0, world.Stats{})
	do(t, w, alice, l, "buy cap 2", "You buy a leather cap (x2)")
	do(t, w, alice, l, "buy dagger", "You buy a dagger")
	do(t, w, alice, l, "get sword", "You get a wooden practice sword.")
	bl.lines = nil
	do(t, w, alice, l, "wear cap", "You wear a leather cap on your head.")
	if !strings.Contains(strings.Join(bl.lines, "\n"), "Alice wears a leather cap on their head.") {
		t.Errorf("Bob saw %q", bl.lines)
	}
	do(t, w, alice, l, "wear cap", "You are already using a leather cap (worn on head); remove it first.")
	do(t, w, alice, l, "wield dagger", "You wield a dagger.")
	do(t, w, alice, l, "wield sword", "You are already wielding a dagger; remove it first.")
	do(t, w, alice, l, "wear all", "You have nothing more you can wear.")
	worn := 0
	for _, it := range alice.Items {
		if it.Worn() {
			worn++
			if it.Slot != it.Proto.Slot {
				t.Errorf("%s worn at %q, made for %q", it.Proto.ID, it.Slot, it.Proto.Slot)
			}
		}
	}
	if worn != 2 || len(alice.Items) != 4 {
		t.Errorf("%d of %d things worn, want 2 of 4", worn, len(alice.Items))
	}
	do(t, w, alice, l, "equipment", "<worn on head>      a leather cap")
	do(t, w, alice, l, "remove dagger", "You stop using a dagger.")
	do(t, w, alice, l, "wield sword", "You wield a wooden practice sword.")
}

func TestContainerLimits(t *testing.T) {
	w, _ := newTestWorld(t)
	alice, l := enter(t, w, "Alice", "thornwick.smithy", 500, world.Stats{})
	do(t, w, alice, l, "buy pack 2", "You buy a small pack (x2)")
	do(t, w, alice, l, "put pack in pack", "You cannot put a small pack inside itself.")
	do(t, w, alice, l, "put pack in 2.pack", "You put a small pack in a small pack.")
	outer := alice.Items[0]
	if len(alice.Items) != 1 || len(outer.Items) != 1 {
		t.Fatalf("after putting one pack in the other alice has %d things, the pack %d", len(alice.Items), len(outer.Items))
	}
	inner := outer.Items[0]
	// By weight: the pack holds 30, and the inner pack weighs 2.
	if _, err := w.SpawnItem(alice, "thornwick.flour_sack"); err != nil {
		t.Fatal(err)
	}
	do(t, w, alice, l, "buy jerkin", "You buy a leather jerkin")
	do(t, w, alice, l, "buy shield", "You buy a wooden shield")
	do(t, w, alice, l, "put sack in pack", "You put a sack of flour in a small pack.")
	if got := alice.CarriedWeight(); got != 2+2+20+8+6 {
		t.Errorf("carried weight %d, want 38 (contents count)", got)
	}
	do(t, w, alice, l, "put shield in pack", "You put a wooden shield in a small pack.")
	do(t, w, alice, l, "put jerkin in pack", "A leather jerkin does not fit in a small pack.")
	// By count: 50 things, whatever they weigh.
	do(t, w, alice, l, "get pack pack", "You get a small pack from a small pack.")
	for range 49 {
		if _, err := w.SpawnItem(inner, "thornwick.apple"); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := w.SpawnItem(alice, "thornwick.apple"); err != nil {
			t.Fatal(err)
		}
	}
	do(t, w, alice, l, "put apple in 2.pack", "You put a red apple in a small pack.")
	do(t, w, alice, l, "put apple in 2.pack", "A small pack is full.")
	do(t, w, alice, l, "put all.apple in 2.pack", "A small pack is full.")
	if len(inner.Items) != 50 {
		t.Fatalf("the full pack holds %d", len(inner.Items))
	}
	do(t, w, alice, l, "get all.apple 2.pack", "You get a red apple from a small pack.")
	if len(inner.Items) != 0 {
		t.Fatalf("after get all.apple the pack holds %d", len(inner.Items))
	}
	if err := w.CheckItems(); err != nil {
		t.Fatal(err)
	}
	// Taking from a container on the floor counts against the carry limit;
	// taking from one carried does not.
	do(t, w, alice, l, "drop all", "You drop")
	weak := world.NewStats()
	weak.Str = 3 // carries 10
	bob, bl := enter(t, w, "Bob", "thornwick.smithy", 0, weak)
	do(t, w, bob, bl, "get sack from pack", "A sack of flour: you cannot carry that much weight.")
	do(t, w, bob, bl, "get shield from pack", "You get a wooden shield from a small pack.")
	if len(bob.Items) != 1 {
		t.Fatalf("bob carries %d things, want the shield", len(bob.Items))
	}
	do(t, w, bob, bl, "get all from pack", "A sack of flour: you cannot carry that much weight.")
}

func TestShopTrades(t *testing.T) {
	w, _ := newTestWorld(t)
	const smithy, dagger = "thornwick.smithy", "thornwick.dagger"
	alice, l := enter(t, w, "Alice", smithy, 100, world.Stats{})
	w.TakeDelta()
	w.TakeUrgent()
	do(t, w, alice, l, "buy dagger 2", "You buy a dagger (x2) from Hobb the blacksmith for 24 gold.")
	if alice.Gold != 76 || stock(w, smithy, dagger) != 3 || len(alice.Items) != 2 {
		t.Fatalf("after buying 2 daggers: gold %d, stock %d, %d things", alice.Gold, stock(w, smithy, dagger), len(alice.Items))
	}
	if !w.TakeUrgent() {
		t.Error("a purchase did not ask to be saved soon")
	}
	d := w.TakeDelta()
	if len(d.Players) != 1 || d.Players[0].Gold != 76 {
		t.Errorf("the delta's players after a purchase: %+v", d.Players)
	}
	if len(d.Mobs) != 1 || d.Mobs[0].Stock[dagger] != 3 {
		t.Errorf("the delta's NPCs after a purchase: %+v", d.Mobs)
	}
	if len(d.Items) != 2 || d.Items[0].Kind != world.InPlayer {
		t.Errorf("the delta's items after a purchase: %+v", d.Items)
	}

	do(t, w, alice, l, "value dagger", "I would give you 5 gold for a dagger.")
	do(t, w, alice, l, "sell dagger", "You sell a dagger to Hobb the blacksmith for 5 gold.")
	if alice.Gold != 81 || stock(w, smithy, dagger) != 4 || len(alice.Items) != 1 {
		t.Fatalf("after selling a dagger: gold %d, stock %d, %d things", alice.Gold, stock(w, smithy, dagger), len(alice.Items))
	}
	if !w.TakeUrgent() {
		t.Error("a sale did not ask to be saved soon")
	}
	if d := w.TakeDelta(); len(d.GoneItems) != 1 || len(d.Mobs) != 1 || len(d.Players) != 1 {
		t.Errorf("the delta after a sale: %+v", d)
	}
	// Stock never rises above the most the shop keeps.
	if _, err := w.SpawnItem(alice, dagger); err != nil {
		t.Fatal(err)
	}
	do(t, w, alice, l, "sell dagger", "for 5 gold")
	do(t, w, alice, l, "sell dagger", "for 5 gold")
	if got := stock(w, smithy, dagger); got != 5 {
		t.Errorf("stock after selling back more than was bought: %d, want the most, 5", got)
	}

	// Not sold: what is worn, a container with something in it.
	do(t, w, alice, l, "buy cap", "You buy a leather cap")
	do(t, w, alice, l, "wear cap", "You wear")
	do(t, w, alice, l, "sell cap", `Hobb the blacksmith says, "You are using a leather cap; take it off first."`)
	do(t, w, alice, l, "buy pack", "You buy a small pack")
	do(t, w, alice, l, "remove cap", "You stop")
	do(t, w, alice, l, "put cap in pack", "You put")
	do(t, w, alice, l, "sell pack", "Empty a small pack first.")
	do(t, w, alice, l, "get cap from pack", "You get")
	do(t, w, alice, l, "sell pack", "You sell a small pack")

	// Sold out until the area's reset restocks the shop.
	do(t, w, alice, l, "buy 5 dagger", "for 60 gold")
	do(t, w, alice, l, "buy dagger", `Hobb the blacksmith says, "I am out of a dagger; come back another day."`)
	do(t, w, alice, l, "list dagger", "a dagger (sold out)")
	for range int(area.DefaultReset / (100 * 1e6)) {
		w.Tick()
	}
	if got := stock(w, smithy, dagger); got != 5 {
		t.Errorf("stock after the reset %d, want 5", got)
	}
	if err := w.CheckItems(); err != nil {
		t.Fatal(err)
	}
}

func TestShopCarryLimitAndPrices(t *testing.T) {
	w, _ := newTestWorld(t)
	weak := world.NewStats()
	weak.Str = 3 // carries 10
	bob, l := enter(t, w, "Bob", "thornwick.smithy", 100, weak)
	do(t, w, bob, l, "buy jerkin", "You buy a leather jerkin")
	do(t, w, bob, l, "buy sword", `Hobb the blacksmith says, "You could not carry a short sword."`)
	if bob.Gold != 76 || len(bob.Items) != 1 {
		t.Errorf("a refused purchase changed gold to %d and things to %d", bob.Gold, len(bob.Items))
	}
	// With two shopkeepers in a room the first one trades.
	if _, err := w.SpawnMob(bob.Room, "thornwick.baker"); err != nil {
		t.Fatal(err)
	}
	do(t, w, bob, l, "list", "Hobb the blacksmith says")
	do(t, w, bob, l, "buy bread", "I have no bread for sale.")

	// A shop asks at least 1 gold, and never pays more than it asks.
	w2, _ := newTestWorld(t)
	w2.ItemProtos()["thornwick.bread"].Value = 0
	shop := w2.MobProtos()["thornwick.blacksmith"].Shop
	shop.Markup, shop.Buys = 10, 100
	carol, cl := enter(t, w2, "Carol", "thornwick.bakery", 10, world.Stats{})
	do(t, w2, carol, cl, "list", "1 gold  a loaf of bread")
	do(t, w2, carol, cl, "buy bread", "for 1 gold")
	do(t, w2, carol, cl, "w", "Market Lane")
	do(t, w2, carol, cl, "w", "Smithy")
	do(t, w2, carol, cl, "sell bread", "A loaf of bread is worth nothing to me.")
	do(t, w2, carol, cl, "buy dagger", "for 1 gold") // a dagger is worth 10
	do(t, w2, carol, cl, "value dagger", "I would give you 1 gold for a dagger.")

	// Nobody trades in the middle of a fight.
	dave, dl := enter(t, w2, "Dave", "thornwick.smithy", 0, world.Stats{})
	w2.Do(dave, "kill hobb")
	if dave.Fighting() == nil {
		t.Fatal("dave is not fighting the smith")
	}
	do(t, w2, dave, dl, "list", "You are fighting: no time to shop!")
	do(t, w2, carol, cl, "list", "Hobb the blacksmith is too busy fighting to trade.")
}

// Worn things, containers' contents and shop stock are saved and come
// back after a restart.
func TestEquipmentSurvivesRestore(t *testing.T) {
	w, _ := newTestWorld(t)
	st := newMemStore()
	alice, l := enter(t, w, "Alice", "thornwick.smithy", 100, world.Stats{})
	do(t, w, alice, l, "buy cap", "You buy")
	do(t, w, alice, l, "buy pack 2", "You buy")
	do(t, w, alice, l, "buy dagger 2", "You buy")
	do(t, w, alice, l, "wear cap", "You wear")
	do(t, w, alice, l, "wield dagger", "You wield")
	do(t, w, alice, l, "put dagger in pack", "You put")
	do(t, w, alice, l, "put pack in 2.pack", "You put")
	do(t, w, alice, l, "drop pack", "You drop") // a pack holding a pack holding a dagger
	st.apply(w.TakeDelta())
	cap, dagger := named(alice.Items, "thornwick.leather_cap"), named(alice.Items, "thornwick.dagger")
	w.Do(alice, "quit")
	st.apply(w.TakeDelta())

	snap, rec := splitSave(st, "Alice")
	w2 := restoredWorld(t, snap)
	a2 := w2.Enter(rec, &fakeLink{})
	if a2.Gold != alice.Gold {
		t.Errorf("gold %d after restore, want %d", a2.Gold, alice.Gold)
	}
	c2, d2 := named(a2.Items, "thornwick.leather_cap"), named(a2.Items, "thornwick.dagger")
	if c2 == nil || c2.ID != cap.ID || c2.Slot != "head" {
		t.Errorf("the worn cap came back as %+v", c2)
	}
	if d2 == nil || d2.ID != dagger.ID || a2.Weapon() != d2 {
		t.Errorf("the wielded dagger came back as %+v", d2)
	}
	var outer *world.Item
	for _, it := range w2.Room("thornwick.smithy").Items {
		if it.Proto.ID == "thornwick.small_pack" {
			outer = it
		}
	}
	if outer == nil || len(outer.Items) != 1 || len(outer.Items[0].Items) != 1 || outer.Items[0].Items[0].Proto.ID != "thornwick.dagger" {
		t.Fatalf("the packs on the floor came back as %+v", outer)
	}
	if got := stock(w2, "thornwick.smithy", "thornwick.dagger"); got != 3 {
		t.Errorf("the smith's daggers after restore %d, want 3", got)
	}
	if err := w2.CheckItems(); err != nil {
		t.Fatal(err)
	}
	// A player's containers and what they hold go with the player.
	l2 := &fakeLink{}
	a2 = w2.Enter(rec, l2) // a new connection to the same body
	do(t, w2, a2, l2, "get pack", "You get a small pack.")
	do(t, w2, a2, l2, "quit", "Goodbye")
	st.apply(w2.TakeDelta())
	snap, rec = splitSave(st, "Alice")
	for _, it := range snap.Items {
		if it.Proto == "thornwick.dagger" || it.Proto == "thornwick.small_pack" {
			t.Errorf("what Alice carries is in the world's snapshot: %+v", it)
		}
	}
	w3 := restoredWorld(t, snap)
	a3 := w3.Enter(rec, &fakeLink{})
	pack := named(a3.Items, "thornwick.small_pack")
	if pack == nil || len(pack.Items) != 1 || len(pack.Items[0].Items) != 1 || pack.Items[0].Items[0].Proto.ID != "thornwick.dagger" {
		t.Fatalf("alice's packs came back as %+v", pack)
	}
	if err := w3.CheckItems(); err != nil {
		t.Fatal(err)
	}
}

// splitSave is what the database loads: the world's snapshot without what
// characters carry at any depth, and name's record with all of that.
func splitSave(st *memStore, name string) (*world.Snapshot, world.PlayerRecord) {
	owner := make(map[uint64]string) // item id -> the character carrying it
	for changed := true; changed; {
		changed = false
		for _, it := range st.items {
			if _, ok := owner[it.ID]; ok {
				continue
			}
			switch it.Kind {
			case world.InPlayer:
				owner[it.ID], changed = it.Holder, true
			case world.InItem:
				id, _ := strconv.ParseUint(it.Holder, 10, 64)
				if o, ok := owner[id]; ok {
					owner[it.ID], changed = o, true
				}
			}
		}
	}
	snap := st.snapshot()
	snap.Items = snap.Items[:0]
	for _, it := range st.items {
		if _, ok := owner[it.ID]; !ok {
			snap.Items = append(snap.Items, it)
		}
	}
	rec := st.login(name)
	rec.Items = nil
	for _, it := range st.items {
		if owner[it.ID] == world.PlayerKey(name) {
			rec.Items = append(rec.Items, it)
		}
	}
	return snap, rec
}
