package world_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shardmud/data"
	"shardmud/world"
	"shardmud/world/area"
)

// Combat rules, on seeded worlds: every outcome here is the same on every
// run, so the comparisons over many rounds are exact, not statistical.

// configuredWorld is the built-in world with cfg changed by set.
func configuredWorld(t testing.TB, set func(*world.Config)) (*world.World, *fakeHost) {
	t.Helper()
	bp, err := area.Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{departed: make(map[string]world.PlayerRecord)}
	cfg := world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: h, LinkDeadTicks: 50}
	if set != nil {
		set(&cfg)
	}
	w, err := world.New(cfg, bp)
	if err != nil {
		t.Fatal(err)
	}
	return w, h
}

// duel puts two players of level 1 in a PvP arena (the square, flagged),
// with an onlooker, and returns them with their links.
func duel(t *testing.T, w *world.World, hp int) (a, b, o *world.Player, la, lb, lo *fakeLink) {
	t.Helper()
	la, lb, lo = &fakeLink{}, &fakeLink{}, &fakeLink{}
	a = w.Enter(fighterRec("Alice", 1, hp), la)
	b = w.Enter(fighterRec("Bob", 1, hp), lb)
	o = w.Enter(fighterRec("Olga", 1, hp), lo)
	a.Room.Flags.PvP = true
	t.Cleanup(func() { a.Room.Flags.PvP = false })
	return
}

// rounds ticks w through n combat rounds of the default length.
func rounds(w *world.World, n int) {
	for range n * int(world.DefaultRound/(100*time.Millisecond)) {
		w.Tick()
	}
}

var (
	blowRE   = regexp.MustCompile(`^You (scratch|hit|wound|maul|devastate) Bob\. \((\d+)\)$`)
	missRE   = regexp.MustCompile(`^You miss Bob\.$`)
	verbByHP = []struct {
		most int
		verb string
	}{{2, "scratch"}, {5, "hit"}, {9, "wound"}, {14, "maul"}, {1 << 30, "devastate"}}
)

func thirdPerson(verb string) string {
	if strings.HasSuffix(verb, "ch") || strings.HasSuffix(verb, "sh") {
		return verb + "es"
	}
	return verb + "s"
}

// Each blow reads three ways: to the attacker with its damage, to the
// victim with its damage (in red), to onlookers without. The verb follows
// the damage.
func TestBlowMessages(t *testing.T) {
	w, _ := newTestWorld(t)
	a, b, _, la, lb, lo := duel(t, w, 100000)
	w.Do(a, "kill bob")
	rounds(w, 60)
	var hits, misses int
	bi, oi := 0, 0
	// next finds want among the victim's or onlooker's lines from *i on.
	next := func(l *fakeLink, i *int, want string) bool {
		for ; *i < len(l.lines); *i++ {
			if l.lines[*i] == want {
				*i++
				return true
			}
		}
		return false
	}
	for _, line := range la.lines {
		if m := blowRE.FindStringSubmatch(line); m != nil {
			hits++
			dmg, _ := strconv.Atoi(m[2])
			for _, v := range verbByHP {
				if dmg <= v.most {
					if m[1] != v.verb {
						t.Errorf("%d damage reads %q, want %q", dmg, m[1], v.verb)
					}
					break
				}
			}
			if want := fmt.Sprintf("Alice %s you. (%d)", thirdPerson(m[1]), dmg); !next(lb, &bi, want) {
				t.Fatalf("Bob did not read %q after Alice read %q", want, line)
			}
			if want := fmt.Sprintf("Alice %s Bob.", thirdPerson(m[1])); !next(lo, &oi, want) {
				t.Fatalf("Olga did not read %q after Alice read %q", want, line)
			}
		} else if missRE.MatchString(line) {
			misses++
			if !next(lb, &bi, "Alice misses you.") || !next(lo, &oi, "Alice misses Bob.") {
				t.Fatalf("Bob or Olga did not read Alice's miss")
			}
		}
	}
	if hits == 0 || misses == 0 {
		t.Fatalf("in 60 rounds %d hits and %d misses: want some of each", hits, misses)
	}
	// Bob strikes back, and Alice reads his blows as a victim does.
	if !strings.Contains(strings.Join(la.lines, "\n"), "Bob misses you.") || !regexp.MustCompile(`Bob \w+ you\. \(\d+\)`).MatchString(strings.Join(la.lines, "\n")) {
		t.Error("Alice never read Bob's blows or misses")
	}
	if b.Fighting() != a {
		t.Error("Bob does not fight back")
	}
}

// fightStats runs 300 rounds of Alice against Bob, with gear given by
// prepare, and returns the damage Alice dealt and how many of her blows
// landed.
func fightStats(t *testing.T, prepare func(w *world.World, a, b *world.Player)) (damage, landed int) {
	t.Helper()
	w, _ := newTestWorld(t)
	a, b, _, la, _, _ := duel(t, w, 1000000)
	prepare(w, a, b)
	start := b.Stats.HP
	w.Do(a, "kill bob")
	rounds(w, 299)
	for _, line := range la.lines {
		if blowRE.MatchString(line) {
			landed++
		}
	}
	return start - b.Stats.HP, landed
}

func gear(t *testing.T, w *world.World, p *world.Player, verb string, protos ...string) {
	t.Helper()
	for _, proto := range protos {
		it, err := w.SpawnItem(p, proto)
		if err != nil {
			t.Fatal(err)
		}
		w.Do(p, verb+" "+it.Proto.Keywords[0])
		if !it.Worn() {
			t.Fatalf("%s could not %s %s", p.Name, verb, proto)
		}
	}
}

// A weapon raises the damage a character deals; armour lowers how often
// it is hit.
func TestWeaponsAndArmour(t *testing.T) {
	bareDmg, bareHits := fightStats(t, func(*world.World, *world.Player, *world.Player) {})
	swordDmg, _ := fightStats(t, func(w *world.World, a, _ *world.Player) { gear(t, w, a, "wield", "thornwick.short_sword") })
	_, armouredHits := fightStats(t, func(w *world.World, _, b *world.Player) {
		gear(t, w, b, "wear", "thornwick.leather_cap", "thornwick.leather_jerkin", "thornwick.wooden_shield")
	})
	t.Logf("300 rounds: bare hands %d damage in %d blows; a short sword %d damage; against armour %d blows landed",
		bareDmg, bareHits, swordDmg, armouredHits)
	if swordDmg <= bareDmg*5/4 {
		t.Errorf("a short sword (1d6) dealt %d, bare hands (1d3) %d: want clearly more", swordDmg, bareDmg)
	}
	if armouredHits >= bareHits*9/10 {
		t.Errorf("against 4 armour %d blows landed, against none %d: want clearly fewer", armouredHits, bareHits)
	}
}

// Dying costs the configured share of the next level's experience; -1
// costs nothing.
func TestDeathCostsExperience(t *testing.T) {
	for _, tt := range []struct {
		setting, lost int
	}{
		{0, 40},    // the default, 10% of the 400 level 2 needs
		{25, 100},  // 25%
		{-1, 0},    // none
		{100, 150}, // all of it, but never below zero
	} {
		t.Run(strconv.Itoa(tt.setting), func(t *testing.T) {
			w, _ := configuredWorld(t, func(c *world.Config) { c.DeathExpLoss = tt.setting })
			link := &fakeLink{}
			rec := fighterRec("Mortal", 2, 30)
			rec.Stats.Exp = 150
			p := w.Enter(rec, link)
			w.Do(p, "goto whisperwood.tower_vault")
			wight := p.Room.Mobs[0]
			w.Hurt(wight, p, 1000)
			if p.Room.ID != "thornwick.chapel" {
				t.Fatalf("after dying in %s", p.Room.ID)
			}
			if p.Stats.Exp != 150-tt.lost {
				t.Errorf("experience %d after death, want %d", p.Stats.Exp, 150-tt.lost)
			}
			if want := fmt.Sprintf("You lose %d experience.", tt.lost); !seen(link, want) {
				t.Errorf("no %q", want)
			}
		})
	}
}

// A flight can fail: the fighter is told, stays, and fights on.
func TestFailedFlee(t *testing.T) {
	w, _ := newTestWorld(t)
	a, b, _, la, _, _ := duel(t, w, 100000)
	w.Do(a, "kill bob")
	for range 50 {
		w.Do(a, "flee")
		if seen(la, "You try to flee, but cannot get away!") {
			if a.Room.ID != "thornwick.square" || a.Fighting() != b || a.Pos != world.Fighting {
				t.Fatalf("after a failed flight: in %s, fighting %v, %v", a.Room.ID, a.Fighting(), a.Pos)
			}
			return
		}
		if a.Fighting() == nil { // got away: start again
			w.Do(a, "goto thornwick.square")
			w.Do(a, "kill bob")
		}
	}
	t.Fatal("fifty flights, none failed (30% should)")
}

// Rounds come every Round: a shorter round makes blows come sooner.
func TestRoundLength(t *testing.T) {
	for _, round := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 3 * time.Second} {
		t.Run(round.String(), func(t *testing.T) {
			w, _ := configuredWorld(t, func(c *world.Config) { c.Round = round })
			a, _, _, la, _, _ := duel(t, w, 100000)
			w.Do(a, "kill bob") // the first blow falls at once
			la.lines = nil
			per := uint64(round / (100 * time.Millisecond))
			var at []uint64
			for range 10 * per {
				w.Tick()
				for _, line := range la.lines {
					if blowRE.MatchString(line) || missRE.MatchString(line) {
						at = append(at, w.Ticks())
					}
				}
				la.lines = nil
			}
			if len(at) != 10 {
				t.Fatalf("%d of Alice's blows in ten rounds of %v, want 10: at ticks %v", len(at), round, at)
			}
			for _, tick := range at {
				if tick%per != 0 {
					t.Fatalf("a blow at tick %d, not on a round of %d ticks: %v", tick, per, at)
				}
			}
		})
	}
}

// A player's corpse crumbles after its time; what it held falls to the
// floor, once: nothing is lost or duplicated.
func TestPlayerCorpseCrumbles(t *testing.T) {
	w, _ := newTestWorld(t)
	p := w.Enter(fighterRec("Victim", 1, 10), &fakeLink{})
	w.Do(p, "get stick")
	w.Do(p, "goto whisperwood.tower_vault")
	vault := p.Room
	w.Hurt(vault.Mobs[0], p, 1000)
	var corpse *world.Item
	for _, it := range vault.Items {
		if it.Short() == "the corpse of Victim" {
			corpse = it
		}
	}
	if corpse == nil || len(corpse.Items) != 1 {
		t.Fatal("no corpse holding the stick")
	}
	before := census(t, w)
	for range int(world.DefaultUserCorpseLife/(100*time.Millisecond)) - 20 {
		w.Tick()
	}
	if corpse.In() == nil {
		t.Fatal("the corpse crumbled before its time")
	}
	for range 20 {
		w.Tick()
	}
	if corpse.In() != nil {
		t.Fatal("the corpse did not crumble after 30 minutes")
	}
	after := census(t, w)
	if after["thornwick.walking_stick"] != 1 || before["thornwick.walking_stick"] != 1 {
		t.Errorf("sticks: %d before, %d after the corpse crumbled; want one, on the floor", before["thornwick.walking_stick"], after["thornwick.walking_stick"])
	}
	found := false
	for _, it := range vault.Items {
		found = found || it.Proto.ID == "thornwick.walking_stick"
	}
	if !found {
		t.Error("the stick is not on the vault's floor")
	}
	if after[world.CorpseProto] != 0 {
		t.Errorf("%d corpses left", after[world.CorpseProto])
	}
}

// An NPC wears and wields its prototype's items, and leaves them with its
// gold on its corpse; get all corpse takes them and the coins.
func TestNPCCorpseHoldsItsGear(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	hero := w.Enter(fighterRec("Hero", 10, 500), link)
	w.Do(hero, "goto thornwick.north_gate")
	warden := hero.Room.Mobs[0]
	if warden.Proto.ID != "thornwick.warden" || len(warden.Items) != 2 {
		t.Fatalf("the gate has %s with %d items", warden.Proto.ID, len(warden.Items))
	}
	if sp := warden.Equipped("wield"); sp == nil || sp.Proto.ID != "thornwick.spear" {
		t.Errorf("the warden wields %v, want her spear", sp)
	}
	if j := warden.Equipped("body"); j == nil || j.Proto.ID != "thornwick.leather_jerkin" {
		t.Errorf("the warden wears %v, want her jerkin", j)
	}
	if warden.ArmorClass() != 2 {
		t.Errorf("the warden's armour %d, want 2 from her jerkin", warden.ArmorClass())
	}
	w.Do(hero, "kill warden")
	fightUntil(t, w, 60, func() bool { return warden.Room == nil })
	var corpse *world.Item
	for _, it := range hero.Room.Items {
		if it.Short() == "the corpse of the gate warden" {
			corpse = it
		}
	}
	if corpse == nil {
		t.Fatal("no corpse")
	}
	var in []string
	for _, it := range corpse.Items {
		in = append(in, it.Short())
		if it.Worn() {
			t.Errorf("%s is still worn on the corpse", it.Short())
		}
	}
	if got := strings.Join(in, ", "); got != "an ash spear, a leather jerkin, 5 gold coins" {
		t.Errorf("the corpse holds %q", got)
	}
	w.Do(hero, "look in corpse")
	if !seen(link, "5 gold coins") {
		t.Error("looking in the corpse does not show the coins")
	}
	w.Do(hero, "get all corpse")
	if hero.Gold != 5 || len(hero.Items) != 2 || len(corpse.Items) != 0 {
		t.Errorf("after get all corpse: %d gold, %d items, %d left in the corpse", hero.Gold, len(hero.Items), len(corpse.Items))
	}
	// Coins left on a corpse are saved with their amount.
	st := newMemStore()
	w2, _ := newTestWorld(t)
	h2 := w2.Enter(fighterRec("Hero", 10, 500), &fakeLink{})
	w2.Do(h2, "goto thornwick.north_gate")
	w2.Do(h2, "kill warden")
	fightUntil(t, w2, 60, func() bool { return len(h2.Room.Mobs) == 0 })
	st.apply(w2.TakeDelta())
	w3 := restoredWorld(t, st.snapshot())
	h3 := w3.Enter(fighterRec("Hero", 10, 500), &fakeLink{})
	w3.Do(h3, "goto thornwick.north_gate")
	w3.Do(h3, "get all corpse")
	if h3.Gold != 5 {
		t.Errorf("after a restart the corpse's coins gave %d gold, want 5", h3.Gold)
	}
}
