package main

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := rng.Uint64N(1 << uint(rng.IntN(histTopBit)+1))
		i := histBucket(v)
		hi := histUpper(i)
		lo := uint64(0)
		if i > 0 {
			lo = histUpper(i-1) + 1
		}
		if v < lo || v > hi {
			t.Fatalf("%d in bucket %d [%d, %d]", v, i, lo, hi)
		}
		if v >= 1<<histSubBits && float64(hi-lo+1)/float64(lo) > 1.0/(1<<histSubBits) {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its values", i, lo, hi, 1<<histSubBits)
		}
	}
	if histBucket(1<<62) != histBuckets-1 {
		t.Error("huge values must land in the last bucket")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if q := h.quantiles(0.5, 1); q[0] != 0 || q[1] != 0 {
		t.Fatalf("empty: %v", q)
	}
	// 1ms, 2ms, ... 1000ms, shuffled.
	for _, i := range rand.New(rand.NewPCG(3, 4)).Perm(1000) {
		h.record(time.Duration(i+1) * time.Millisecond)
	}
	q := h.quantiles(0.5, 0.9, 0.99, 0.999, 1)
	want := []time.Duration{500, 900, 990, 999, 1000}
	for i, w := range want {
		w *= time.Millisecond
		if q[i] < w || float64(q[i]-w) > float64(w)/1000 {
			t.Errorf("quantile %d: %v, want %v to 0.1%%", i, q[i], w)
		}
	}
	if q[4] != time.Second {
		t.Errorf("q(1) = %v, want the max exactly", q[4])
	}
	s := h.summary()
	if s.Count != 1000 || s.P50 != 500 || s.P99 != 990 || s.Max != 1000 {
		t.Errorf("summary %+v", s)
	}

	// One value: every quantile is that value.
	var one histogram
	one.record(1234567 * time.Nanosecond)
	for _, v := range one.quantiles(0.5, 0.999) {
		if v != 1234567 {
			t.Errorf("single value: %v", v)
		}
	}
	// Several quantiles in one bucket, ordered.
	var same histogram
	for range 10 {
		same.record(time.Millisecond)
	}
	same.record(time.Second)
	q = same.quantiles(0.5, 0.9, 0.99)
	near := func(d time.Duration) bool {
		return d >= time.Millisecond && d <= time.Millisecond+time.Millisecond/1000
	}
	if !near(q[0]) || !near(q[1]) || q[2] != time.Second {
		t.Errorf("got %v", q)
	}
}

func TestRound3(t *testing.T) {
	for x, want := range map[float64]float64{0.41234: 0.412, 1.2345: 1.23, 12345: 12300, 999.7: 1000, 0.0061449: 0.00614, 0: 0} {
		if got := round3(x); got != want {
			t.Errorf("round3(%v) = %v, want %v", x, got, want)
		}
	}
	for ms, want := range map[float64]string{0.412: "0.412ms", 8: "8ms", 1230: "1.23s"} {
		if got := fmtMs(ms); got != want {
			t.Errorf("fmtMs(%v) = %q, want %q", ms, got, want)
		}
	}
	if got := fmtBytes(64 << 20); got != "64MiB" {
		t.Errorf("fmtBytes: %q", got)
	}
}
