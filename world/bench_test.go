package world_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shardmud/world"
)

type countLink struct{ msgs int }

func (l *countLink) Send(string)  { l.msgs++ }
func (l *countLink) Close(string) {}

func benchWorld(b *testing.B, players int) (*world.World, []*world.Player, []*countLink) {
	w, h := newTestWorld(b)
	h.discard = true
	ps := make([]*world.Player, players)
	links := make([]*countLink, players)
	for i := range ps {
		links[i] = &countLink{}
		ps[i] = w.Enter(world.PlayerRecord{Name: fmt.Sprintf("Bench%d", i)}, links[i])
	}
	return w, ps, links
}

// BenchmarkDispatch: one command through the table and its handler.
func BenchmarkDispatch(b *testing.B) {
	w, ps, _ := benchWorld(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		w.Do(ps[0], "inventory")
	}
	reportRate(b, 1, "commands/s", "µs/command")
}

// reportRate reports the game's units: per seconds (perOp of them each
// op) and microseconds each.
func reportRate(b *testing.B, perOp int, rateUnit, usUnit string) {
	n := float64(b.N) * float64(perOp)
	if n == 0 || b.Elapsed() <= 0 {
		return
	}
	b.ReportMetric(n/b.Elapsed().Seconds(), rateUnit)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/n, usUnit)
}

// BenchmarkSayCrowd: say in a room of 100, delivered to each (as markup;
// rendering happens in the session writers).
func BenchmarkSayCrowd(b *testing.B) {
	w, ps, _ := benchWorld(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		w.Do(ps[0], "say hello everyone")
	}
	b.ReportMetric(100, "deliveries/op")
}

// BenchmarkTick: one pulse with N wandering NPCs spread over the world
// and 100 players in the start room. Each NPC steps through a random exit
// once a second (a tenth of them each tick, at 10 ticks a second), as a
// wanderer's heartbeat does, through the world's own move rules: room
// lists, leave and arrive messages to whoever is there, on_leave and
// on_enter checks. The wandering runs inside Tick as a behaviour host
// (wanderers) in Go, so the figure is the world's per-NPC cost without
// Lua's (engine/script's Tick10kNPCs has that). Regeneration and
// aggression run on their own schedule within the same ticks.
func BenchmarkTick(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("npcs=%d", n), func(b *testing.B) {
			w, _, _ := benchWorld(b, 100)
			rooms := w.Rooms()
			wd := &wanderers{rng: rand.New(rand.NewPCG(1, 2)), every: 10}
			for i := range n {
				m, err := w.SpawnMob(rooms[i%len(rooms)], "thornwick.dog")
				if err != nil {
					b.Fatal(err, i)
				}
				wd.mobs = append(wd.mobs, m)
			}
			w.SetScripts(wd)
			b.ReportAllocs()
			for b.Loop() {
				w.Tick()
			}
			if wd.moves == 0 {
				b.Fatal("no NPC moved")
			}
			reportRate(b, 1, "ticks/s", "µs/tick")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/npc/tick")
			b.ReportMetric(float64(wd.moves)/float64(b.N), "moves/tick")
		})
	}
}

// wanderers is a behaviour host that makes every NPC it holds wander: at
// each tick, the NPCs whose turn it is (one in every) step through a
// random exit. The rest of world.Scripts does nothing.
type wanderers struct {
	rng   *rand.Rand
	mobs  []*world.Mobile
	every int
	moves int
}

func (h *wanderers) Tick(w *world.World) {
	turn := int(w.Ticks() % uint64(h.every))
	for i := turn; i < len(h.mobs); i += h.every {
		m := h.mobs[i]
		var open [world.NumDirs]world.Dir
		k := 0
		for d, ex := range m.Room.Exits {
			if ex != nil {
				open[k] = world.Dir(d)
				k++
			}
		}
		if k > 0 && w.MoveMob(m, open[h.rng.IntN(k)]) {
			h.moves++
		}
	}
}

func (*wanderers) Hook(world.Scripted, string, ...any) bool              { return false }
func (*wanderers) Has(world.Scripted, string) bool                       { return false }
func (*wanderers) Number(world.Scripted, string, ...any) (float64, bool) { return 0, false }
func (*wanderers) Spawned(world.Scripted)                                {}
func (*wanderers) Removed(world.Scripted)                                {}
func (*wanderers) SaveState(world.Scripted) []byte                       { return nil }
func (*wanderers) LoadState(world.Scripted, []byte)                      {}
func (*wanderers) TakeStates() []world.ScriptState                       { return nil }

// BenchmarkTakeDelta: the loop's side of a snapshot (its stall), in a
// world of 100,000 entities (80,000 items, 20,000 NPCs), when all of them
// changed (the first save of a new world) and when 1% did (a busy
// interval).
func BenchmarkTakeDelta(b *testing.B) {
	w, _, _ := benchWorld(b, 0)
	rooms := w.Rooms()
	var items []*world.Item
	for i := range 80000 {
		it, err := w.SpawnItem(rooms[i%len(rooms)], "thornwick.apple")
		if err != nil {
			b.Fatal(err)
		}
		items = append(items, it)
	}
	for i := range 20000 {
		if _, err := w.SpawnMob(rooms[i%len(rooms)], "thornwick.dog"); err != nil {
			b.Fatal(err)
		}
	}
	w.TakeDelta()
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			w.TouchAll()
			b.StartTimer()
			if d := w.TakeDelta(); d.Size() < 100000 {
				b.Fatalf("delta of %d rows", d.Size())
			}
		}
	})
	b.Run("1pct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for i := 0; i < len(items); i += 100 {
				w.MoveItem(items[i], rooms[i%len(rooms)])
			}
			b.StartTimer()
			w.TakeDelta()
		}
	})
}

// BenchmarkCombatTick: 500 players and 2,000 NPCs, all fighting at once:
// four NPCs attack each player, who fights the first back, in groups spread
// over the world's rooms (about 15 players and 60 NPCs a room, so every
// blow also reaches a dozen onlookers). Rounds come every 20 ticks; each
// op is one tick, and p50/p99 of the ticks are reported (a round tick,
// with its ~2,500 blows, costs the most).
func BenchmarkCombatTick(b *testing.B) {
	w, _ := newTestWorld(b)
	rooms := w.Rooms()
	const players, perPlayer = 500, 4
	ps := make([]*world.Player, players)
	var mobs []*world.Mobile
	for i := range ps {
		room := rooms[i%len(rooms)]
		ps[i] = w.Enter(world.PlayerRecord{Name: fmt.Sprintf("Bench%d", i), Room: room.ID}, &countLink{})
		p := ps[i]
		p.Stats.HP, p.Stats.MaxHP = 1<<30, 1<<30 // nobody dies: the fights go on
		for range perPlayer {
			m, err := w.SpawnMob(room, "thornwick.dog")
			if err != nil {
				b.Fatal(err)
			}
			m.HP = 1 << 30
			mobs = append(mobs, m)
			if !w.Attack(m, p) { // the first one's target fights it back
				b.Fatalf("NPC %d does not attack %s", m.ID, p.Name)
			}
		}
	}
	for _, m := range mobs {
		if m.Fighting() == nil {
			b.Fatalf("NPC %d is not fighting", m.ID)
		}
	}
	for range 40 { // two rounds: every fight under way
		w.Tick()
	}
	var ticks []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		w.Tick()
		ticks = append(ticks, time.Since(start))
	}
	fighting := 0
	for _, m := range mobs {
		if m.Fighting() != nil {
			fighting++
		}
	}
	for _, p := range ps {
		if p.Fighting() != nil {
			fighting++
		}
	}
	if fighting != players*(perPlayer+1) {
		b.Fatalf("only %d of %d fighters are fighting", fighting, players*(perPlayer+1))
	}
	slices.Sort(ticks)
	b.ReportMetric(float64(ticks[len(ticks)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(ticks[len(ticks)*99/100])/1e3, "p99-µs")
}
