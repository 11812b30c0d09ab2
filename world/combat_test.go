package world_test

import (
	"strings"
	"testing"

	"shardmud/world"
)

// fighterRec is a character of a given level with a new character's
// numbers grown to it.
func fighterRec(name string, level, hp int) world.PlayerRecord {
	st := world.NewStats()
	st.Level, st.HP, st.MaxHP = level, hp, hp
	return world.PlayerRecord{Name: name, Role: world.RoleAdmin, Stats: st}
}

// seen reports whether any line l got contains want, and forgets them.
func seen(l *fakeLink, want string) bool {
	defer func() { l.lines = nil }()
	for _, line := range l.lines {
		if strings.Contains(line, want) {
			return true
		}
	}
	return false
}

// fightUntil ticks w until cond holds, at most n rounds' worth of ticks.
func fightUntil(t *testing.T, w *world.World, rounds int, cond func() bool) {
	t.Helper()
	for range rounds * 20 {
		if cond() {
			return
		}
		w.Tick()
	}
	if !cond() {
		t.Fatalf("still not done after %d rounds", rounds)
	}
}

func TestKillingAnNPC(t *testing.T) {
	w, host := newTestWorld(t)
	link := &fakeLink{}
	hero := w.Enter(fighterRec("Hero", 10, 200), link)
	w.Do(hero, "goto whisperwood.trail")
	wolf := hero.Room.Mobs[0]
	if wolf.Proto.ID != "whisperwood.wolf" {
		t.Fatalf("the trail has %s, not the wolf", wolf.Proto.ID)
	}
	w.Do(hero, "consider wolf")
	if !seen(link, "You could kill a grey wolf with a needle.") {
		t.Error("consider: no needle")
	}
	w.Do(hero, "kill wolf")
	fightUntil(t, w, 40, func() bool { return wolf.Room == nil })
	if hero.Gold != 0 {
		t.Errorf("the wolf's gold went to its killer (%d), not onto its corpse", hero.Gold)
	}
	w.Do(hero, "get all corpse")
	got := strings.Join(link.lines, "\n")
	for _, want := range []string{"A grey wolf is dead!", "You receive", "You get 3 gold coins from the corpse of a grey wolf."} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if hero.Gold != 3 || hero.Stats.Exp == 0 || len(hero.Items) != 0 {
		t.Errorf("after the kill and the looting: %d gold, %d experience, %d items (coins are not carried)", hero.Gold, hero.Stats.Exp, len(hero.Items))
	}
	if hero.Fighting() != nil || hero.Pos != world.Standing {
		t.Errorf("after the kill still %v, fighting %v", hero.Pos, hero.Fighting())
	}
	var corpse *world.Item
	for _, it := range hero.Room.Items {
		if it.Short() == "the corpse of a grey wolf" {
			corpse = it
		}
	}
	if corpse == nil {
		t.Fatal("no corpse")
	}
	deaths := 0
	for _, e := range host.events {
		if e.Kind == "death" && e.Actor == "whisperwood.wolf" && e.Target == "Hero" {
			deaths++
		}
	}
	if deaths != 1 {
		t.Errorf("%d death events for the wolf", deaths)
	}
	// The corpse crumbles in time, and the wolf comes back with the reset.
	for range 5 * 60 * 10 {
		w.Tick()
	}
	if corpse.In() != nil {
		t.Error("the corpse did not crumble after five minutes")
	}
	for range 5 * 60 * 10 {
		w.Tick()
	}
	wolves := 0
	for _, m := range w.Room("whisperwood.trail").Mobs {
		if m.Proto.ID == "whisperwood.wolf" {
			wolves++
		}
	}
	if wolves != 1 {
		t.Errorf("%d wolves after the reset, want 1", wolves)
	}
}

func TestLevellingUp(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(fighterRec("Hero", 1, 500), link)
	p.Stats.Str = 30 // a strong beginner
	w.Do(p, "goto whisperwood.trail")
	fightUntil(t, w, 100, func() bool { return p.Stats.Level > 1 || len(p.Room.Mobs) == 0 })
	if p.Stats.Level != 1 || p.Stats.Exp != 70 {
		t.Fatalf("one wolf of level 2 gives 70 of the 100 a level-1 character needs: level %d, exp %d", p.Stats.Level, p.Stats.Exp)
	}
	w.Do(p, "goto whisperwood.trail")
	w.Do(p, "kill wolf")
	if !seen(link, "There is no wolf here.") {
		t.Fatal("a second wolf is here before the reset")
	}
}

func TestDeathAndRecall(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(fighterRec("Victim", 1, 10), link)
	w.Do(p, "get stick")
	w.Do(p, "goto whisperwood.tower_vault")
	w.Do(p, "kill wight") // no scripts here: the wight's Lua is tested over sockets
	fightUntil(t, w, 100, func() bool { return p.Room.ID == "thornwick.chapel" })
	got := strings.Join(link.lines, "\n")
	if !strings.Contains(got, "You are DEAD!") || !strings.Contains(got, "Chapel") {
		t.Errorf("death messages:\n%s", got)
	}
	if len(p.Items) != 0 || p.Stats.HP < 5 || p.Fighting() != nil {
		t.Errorf("after death: %d items, %d hp, fighting %v", len(p.Items), p.Stats.HP, p.Fighting())
	}
	vault := w.Room("whisperwood.tower_vault")
	var corpse *world.Item
	for _, it := range vault.Items {
		if it.Short() == "the corpse of Victim" {
			corpse = it
		}
	}
	if corpse == nil || len(corpse.Items) != 1 || corpse.Items[0].Proto.ID != "thornwick.walking_stick" {
		t.Fatalf("the corpse does not hold the stick: %+v", corpse)
	}
	// It survives a save and a restart with its name and contents.
	st := newMemStore()
	st.apply(w.TakeDelta())
	w2 := restoredWorld(t, st.snapshot())
	for _, it := range w2.Room("whisperwood.tower_vault").Items {
		if it.Short() == "the corpse of Victim" && len(it.Items) == 1 {
			return
		}
	}
	t.Error("the corpse and its contents did not survive a restart")
}

func TestFleeWimpyAndRules(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(fighterRec("Runner", 1, 1000), link)
	bob := w.Enter(fighterRec("Bob", 1, 20), &fakeLink{})
	w.Do(p, "kill bob")
	if !seen(link, "Players may not fight each other here.") {
		t.Error("PvP allowed in a room without the flag")
	}
	p.Room.Flags.PvP = true
	w.Do(p, "kill bob")
	if p.Fighting() != bob || bob.Fighting() != p {
		t.Fatal("PvP refused in a pvp room")
	}
	w.Do(p, "quit")
	if !seen(link, "No way! You are fighting for your life!") {
		t.Error("quit during a fight")
	}
	w.Do(p, "north")
	if !seen(link, "You are fighting! Flee, if you must.") {
		t.Error("walked out of a fight")
	}
	fightUntil(t, w, 50, func() bool {
		if p.Fighting() != nil {
			w.Do(p, "flee")
		}
		return p.Fighting() == nil
	})
	if p.Room.ID == "thornwick.square" || bob.Fighting() != nil {
		t.Errorf("after fleeing: in %s; Bob fighting %v", p.Room.ID, bob.Fighting())
	}
	p.Room.Flags.Peaceful = true
	w.Do(p, "kill bob")
	if !seen(link, "nobody fights here") {
		t.Error("fighting in a peaceful room")
	}

	// Wimpy: a weak character flees by itself.
	weak := w.Enter(fighterRec("Weak", 1, 30), &fakeLink{})
	w.Do(weak, "wimpy 15")
	w.Do(weak, "goto whisperwood.trail")
	fightUntil(t, w, 100, func() bool { return weak.Room.ID != "whisperwood.trail" || weak.Stats.HP <= 0 })
	if weak.Room.ID == "thornwick.chapel" {
		t.Error("wimpy did not flee before death")
	}
}

func TestPositionsAndHealing(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(fighterRec("Tired", 1, 30), link)
	p.Stats.HP = 1
	w.Do(p, "sleep")
	w.Do(p, "look")
	if !seen(link, "you are asleep") {
		t.Error("sleeping, yet seeing")
	}
	w.Do(p, "north")
	if !seen(link, "Wake up first") {
		t.Error("walked in sleep")
	}
	for range 10 * 5 {
		w.Tick()
	}
	asleep := p.Stats.HP
	w.Do(p, "wake")
	p.Stats.HP = 1
	for range 10 * 5 {
		w.Tick()
	}
	if awake := p.Stats.HP; asleep <= awake {
		t.Errorf("five seconds of sleep healed %d, of standing %d: sleep must heal faster", asleep-1, awake-1)
	}
	w.Do(p, "sit")
	w.Do(p, "north")
	if !seen(link, "You need to stand up first.") {
		t.Error("walked sitting")
	}
}

func TestNewCharactersStartWithGold(t *testing.T) {
	w, _ := newTestWorld(t)
	p := w.Enter(world.PlayerRecord{Name: "Newbie"}, &fakeLink{})
	if p.Gold != world.StartingGold || p.Stats.Level != 1 || p.Stats.HP != p.Stats.MaxHP {
		t.Errorf("a new character has %d gold, level %d, %d/%d hp", p.Gold, p.Stats.Level, p.Stats.HP, p.Stats.MaxHP)
	}
}

// A kill's experience is split among the killer's group in the room.
func TestGroupSharesExperience(t *testing.T) {
	w, _ := newTestWorld(t)
	hero := w.Enter(fighterRec("Hero", 10, 500), &fakeLink{})
	pal := w.Enter(fighterRec("Pal", 10, 500), &fakeLink{})
	far := w.Enter(fighterRec("Far", 10, 500), &fakeLink{})
	for _, p := range []*world.Player{pal, far} {
		w.Do(p, "follow hero")
		w.Do(hero, "group "+p.Name)
	}
	w.Do(far, "goto thornwick.inn") // grouped, but not here: no share
	w.Do(hero, "goto whisperwood.trail")
	w.Do(pal, "goto whisperwood.trail")
	wolf := hero.Room.Mobs[0]
	if hero.Fighting() == nil {
		w.Do(hero, "kill wolf")
	}
	fightUntil(t, w, 60, func() bool { return wolf.Room == nil })
	// A level-2 wolf is worth 30*2 + 10*(2-10) = -20, so the floor of 5.
	if hero.Stats.Exp+pal.Stats.Exp != 4 || hero.Stats.Exp != 2 || far.Stats.Exp != 0 {
		t.Errorf("experience hero %d, pal %d, far %d: want 2, 2 and 0", hero.Stats.Exp, pal.Stats.Exp, far.Stats.Exp)
	}
}

// Aggressive NPCs pick their victims in a stable order (by name), not in
// the players map's order, which Go varies: the same seed replays the same
// fights, blow by blow.
func TestAggressionIsDeterministic(t *testing.T) {
	names := []string{"Zed", "Mia", "Ann", "Kit", "Bo", "Lu"}
	var first string
	for run := range 10 {
		w, _ := newTestWorld(t)
		links := make(map[string]*fakeLink)
		for _, n := range names {
			rec := fighterRec(n, 3, 40)
			rec.Room = "whisperwood.trail"
			links[n] = &fakeLink{}
			w.Enter(rec, links[n])
		}
		for range 20 * 10 { // ten rounds
			w.Tick()
		}
		if !seen(links["Ann"], "A grey wolf attacks you!") {
			t.Fatalf("run %d: the wolf did not attack Ann, the first by name", run)
		}
		var transcript strings.Builder
		for _, n := range names {
			transcript.WriteString(strings.Join(links[n].lines, "\n"))
		}
		if run == 0 {
			first = transcript.String()
		} else if transcript.String() != first {
			t.Fatalf("run %d differs from run 0 with the same seed", run)
		}
	}
}
