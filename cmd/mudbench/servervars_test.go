package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTickWindow(t *testing.T) {
	before := [][2]uint64{{1023, 100}, {2047, 10}}
	after := [][2]uint64{{1023, 150}, {2047, 10}, {4095, 49}, {1 << 20, 1}}
	w := bucketDelta(before, after)
	want := [][2]uint64{{1023, 50}, {4095, 49}, {1 << 20, 1}}
	if fmt.Sprint(w) != fmt.Sprint(want) {
		t.Fatalf("delta %v, want %v", w, want)
	}
	q := bucketQuantiles(w, 0.5, 0.99, 1)
	if q[0] != 1023 || q[1] != 4095 || q[2] != 1<<20 {
		t.Errorf("quantiles %v", q)
	}
	if q := bucketQuantiles(nil, 0.5); q[0] != 0 {
		t.Errorf("empty: %v", q)
	}
}

func TestFiguresToleratesMissingFields(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	i := func(v int64) *int64 { return &v }
	t0 := time.Now()
	start := &serverVars{at: t0, SlowConsumers: u(2), OutboxDrops: u(10)}
	before := &serverVars{at: t0.Add(time.Second), Commands: u(100), TickBuckets: [][2]uint64{{1023, 10}}}
	after := &serverVars{at: t0.Add(3 * time.Second), Commands: u(2100), TickBuckets: [][2]uint64{{1023, 30}}}
	final := &serverVars{SlowConsumers: u(3), OutboxDrops: u(17), Sessions: i(100), RSS: u(100 << 20)}
	f := figures(start, before, after, final, true)
	if f.CommandsPerSec == nil || *f.CommandsPerSec != 1000 {
		t.Errorf("commands/s %v", f.CommandsPerSec)
	}
	if f.TickP50 == nil || *f.TickP50 != 0.00102 {
		t.Errorf("tick p50 %v", f.TickP50)
	}
	if f.OutboxDrops == nil || *f.OutboxDrops != 7 {
		t.Errorf("outbox drops %v", f.OutboxDrops)
	}
	if f.SlowConsumers == nil || *f.SlowConsumers != 1 {
		t.Errorf("slow consumers %v", f.SlowConsumers)
	}
	if f.RSSPerSession == nil || *f.RSSPerSession != 1<<20 {
		t.Errorf("rss/session %v", f.RSSPerSession)
	}
	if f.HeapInuse != nil || f.Ticks != nil || f.Goroutines != nil {
		t.Errorf("missing fields should stay nil: %+v", f)
	}
	// Without a measurement, ticks come from the hold and there is no rate.
	after.TickBuckets = [][2]uint64{{1023, 30}, {2047, 5}}
	final.TickBuckets = [][2]uint64{{1023, 30}, {2047, 9}}
	f = figures(start, before, after, final, false)
	if f.CommandsPerSec != nil || f.TickP50 == nil || *f.TickP50 != 0.00205 {
		t.Errorf("hold only: commands/s %v, tick p50 %v", f.CommandsPerSec, f.TickP50)
	}
	if f := figures(nil, nil, nil, nil, true); f.CommandsPerSec != nil || f.RSS != nil {
		t.Errorf("no figures: %+v", f)
	}
}

func TestFetchVars(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"cmdline": ["x"], "shardmud": {"commands": 7, "sessions": 2, "tick_buckets": [[1023, 5]], "new_field": {"a": 1}}}`)
	}))
	defer srv.Close()
	v, err := fetchVars(context.Background(), srv.URL+"/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	if *v.Commands != 7 || *v.Sessions != 2 || len(v.TickBuckets) != 1 || v.RSS != nil {
		t.Errorf("got %+v", v)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"memstats": {}}`)
	}))
	defer bare.Close()
	if _, err := fetchVars(context.Background(), bare.URL); err == nil {
		t.Error("no shardmud key: want an error")
	}
}
