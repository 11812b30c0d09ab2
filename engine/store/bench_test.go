package store

import (
	"context"
	"path/filepath"
	"testing"

	"shardmud/world"
)

// BenchmarkSaveDelta100k: one snapshot transaction of 100,000 entities
// (80,000 items and 20,000 NPCs, every one of them changed).
func BenchmarkSaveDelta100k(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	d := &world.Delta{NextID: 100000, NextSeq: 80000}
	for i := range 80000 {
		d.Items = append(d.Items, world.ItemRecord{ID: uint64(i + 1), Proto: "thornwick.apple", Kind: world.InRoom,
			Holder: "thornwick.square", Seq: uint64(i + 1)})
	}
	for i := range 20000 {
		d.Mobs = append(d.Mobs, world.MobRecord{ID: uint64(80001 + i), Proto: "thornwick.dog", Room: "thornwick.square",
			Attrs: map[string]float64{"hp": 10}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveDelta(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.Size()*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAppendEvents: journal batches of 256 rows.
func BenchmarkAppendEvents(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]Event, 256)
	for i := range batch {
		batch[i] = Event{Kind: "command", Actor: "alice", Room: "thornwick.square", Details: map[string]any{"verb": "look"}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.AppendEvents(ctx, "main", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
