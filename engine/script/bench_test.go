package script

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/world"
)

type nopHost struct{}

func (nopHost) Depart(world.PlayerRecord, world.Link, string) {}
func (nopHost) Record(world.Event)                            {}

// benchWorld is one room with n NPCs running src as t/npc.lua.
func benchWorld(tb testing.TB, n int, src string) (*world.World, *Host) {
	tb.Helper()
	area := &world.Area{ID: "t", Name: "T"}
	room := &world.Room{ID: "t.a", Area: area, Name: "A"}
	area.Rooms = []*world.Room{room}
	bp := &world.Blueprint{
		Name: "bench", Start: "t.a", Areas: []*world.Area{area},
		Rooms: map[string]*world.Room{"t.a": room},
		Items: map[string]*world.ItemProto{},
		Mobs: map[string]*world.MobProto{"t.npc": {ID: "t.npc", Short: "a villager",
			Keywords: []string{"villager"}, Script: "t/npc.lua"}},
	}
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: nopHost{}}, bp)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := New(Config{TicksPerSecond: 10, Budget: time.Second}, fstest.MapFS{"t/npc.lua": {Data: []byte(src)}})
	if err != nil {
		tb.Fatal(err)
	}
	h.Attach(w)
	for range n {
		if _, err := w.SpawnMob(room, "t.npc"); err != nil {
			tb.Fatal(err)
		}
	}
	return w, h
}

const heartbeat = `
function on_spawn(npc) npc.state.beats = 0 end
function on_tick(npc) npc.state.beats = npc.state.beats + 1 end
`

// BenchmarkHookCall: the cost of one Go-to-Lua hook call, budget included.
func BenchmarkHookCall(b *testing.B) {
	w, h := benchWorld(b, 1, heartbeat)
	m := w.Start().Mobs[0]
	b.ReportAllocs()
	for b.Loop() {
		h.Hook(m, "on_tick")
	}
}

// BenchmarkTick10kNPCs: a tick of a world whose 10,000 NPCs each have an
// on_tick heartbeat once a second (a tenth of them per tick).
func BenchmarkTick10kNPCs(b *testing.B) {
	w, h := benchWorld(b, 10_000, heartbeat)
	var durs []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		w.Tick()
		durs = append(durs, time.Since(start))
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs/tick")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs/tick")
	b.ReportMetric(float64(h.Calls())/float64(b.N), "lua-calls/tick")
}

// TestMemoryPerScriptedNPC reports what one scripted NPC with a small
// state costs (a figure, not an assertion beyond a sanity bound).
func TestMemoryPerScriptedNPC(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 10_000
	w, h := benchWorld(t, n, heartbeat)
	for range 10 {
		w.Tick() // every NPC gets its heartbeat: state tables exist
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapInuse-before.HeapInuse) / n
	t.Logf("%d scripted NPCs: %.0f bytes each (heap), %d hook calls", n, per, h.Calls())
	if per > 64<<10 {
		t.Errorf("%.0f bytes per scripted NPC; want far less", per)
	}
}
