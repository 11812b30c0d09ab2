package report

import (
	"context"
	"testing"
	"time"

	"shardmud/engine/store"
)

// BenchmarkBuild: a report on a journal of 200,000 events (over two days and
// a bit, one a second), all of it and the last day.
func BenchmarkBuild(b *testing.B) {
	const n = 200_000
	evs := syntheticJournal(n, base)
	path := newJournal(b, nil)
	s, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	for len(evs) > 0 {
		k := min(len(evs), 1024)
		if err := s.AppendEvents(context.Background(), "main", evs[:k]); err != nil {
			b.Fatal(err)
		}
		evs = evs[k:]
	}
	s.Close()
	db := readOnly(b, path)
	end := base.Add(n * time.Second)

	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"all", Options{}},
		{"last24h", Options{Since: end.Add(-24 * time.Hour), Until: end}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var events int64
			for b.Loop() {
				r, err := Build(context.Background(), db, c.opt)
				if err != nil {
					b.Fatal(err)
				}
				events = r.Range.Events
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
