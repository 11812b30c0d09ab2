package world_test

import (
	"fmt"
	"testing"

	"shardmud/world"
)

type countLink struct{ msgs int }

func (l *countLink) Send(string)  { l.msgs++ }
func (l *countLink) Close(string) {}

func benchWorld(b *testing.B, players int) (*world.World, []*world.Player, []*countLink) {
	w, _ := newTestWorld(b)
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

// BenchmarkTick: one pulse with many NPCs in the world. NPCs have no
// behaviour until scripting lands, so this is the loop's floor.
func BenchmarkTick(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("npcs=%d", n), func(b *testing.B) {
			w, _, _ := benchWorld(b, 100)
			for i := range n {
				if _, err := w.SpawnMob(w.Start(), "thornwick.dog"); err != nil {
					b.Fatal(err, i)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				w.Tick()
			}
		})
	}
}
