package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"shardmud/world"
)

// BenchmarkSaveCharacters: one save transaction of 1,000 characters (the
// periodic save of a full server), each carrying five items.
func BenchmarkSaveCharacters(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	recs := make([]world.PlayerRecord, 1000)
	for i := range recs {
		name := fmt.Sprintf("Bench%d", i)
		if _, err := s.CreateCharacter(ctx, name, []byte("x"), ""); err != nil {
			b.Fatal(err)
		}
		recs[i] = world.PlayerRecord{Name: name, Room: "thornwick.square",
			Items: []string{"a.b", "a.c", "a.d", "a.e", "a.f"}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveCharacters(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
