package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations in log-linear buckets, the HDR layout: each
// power of two of nanoseconds is cut into 2^histSubBits equal buckets, so a
// bucket's width is under 0.1% of its values and percentiles come out right
// to three significant digits. Many goroutines record into one histogram
// with atomic adds, which at benchmark rates costs less than keeping a
// slice of samples per bot and merging them.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	total  atomic.Uint64
	min    atomic.Int64 // 0 while empty
	max    atomic.Int64
}

const (
	histSubBits = 10
	// histTopBit bounds the range at 2^histTopBit ns (about 18 minutes);
	// longer values land in the last bucket, and max keeps them exactly.
	histTopBit  = 40
	histBuckets = (histTopBit - histSubBits + 1) << histSubBits
)

func histBucket(v uint64) int {
	if v < 1<<histSubBits {
		return int(v)
	}
	e := bits.Len64(v) - 1 // v is in [2^e, 2^(e+1))
	if e >= histTopBit {
		return histBuckets - 1
	}
	sub := (v >> (e - histSubBits)) & (1<<histSubBits - 1)
	return (e-histSubBits+1)<<histSubBits | int(sub)
}

// histUpper is the largest value that falls in bucket i.
func histUpper(i int) uint64 {
	if i < 1<<histSubBits {
		return uint64(i)
	}
	e := i>>histSubBits + histSubBits - 1
	sub := uint64(i & (1<<histSubBits - 1))
	width := uint64(1) << (e - histSubBits)
	return 1<<e + (sub+1)*width - 1
}

func (h *histogram) record(d time.Duration) {
	n := max(d.Nanoseconds(), 1) // 0 would read as "empty" in min
	h.counts[histBucket(uint64(n))].Add(1)
	h.total.Add(1)
	for {
		old := h.max.Load()
		if n <= old || h.max.CompareAndSwap(old, n) {
			break
		}
	}
	for {
		old := h.min.Load()
		if (old != 0 && n >= old) || h.min.CompareAndSwap(old, n) {
			break
		}
	}
}

// quantiles returns, for each q in qs (ascending, 0 < q <= 1), the
// smallest recorded value v such that at least q of the values are <= v,
// to the bucket's precision: the bucket's upper bound, kept within the
// exact min and max, so the results are ordered and never exceed max.
// Call it once recording has stopped.
func (h *histogram) quantiles(qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	total := h.total.Load()
	if total == 0 {
		return out
	}
	lo, hi := h.min.Load(), h.max.Load()
	var seen uint64
	i := 0
	for j, q := range qs {
		rank := ceilRank(q, total)
		for seen < rank && i < histBuckets {
			seen += h.counts[i].Load()
			i++
		}
		v := int64(histUpper(i - 1))
		out[j] = time.Duration(min(max(v, lo), hi))
		// The next quantile may fall in the same bucket: step back so the
		// loop above looks at it again.
		i--
		seen -= h.counts[i].Load()
	}
	return out
}

// latency is a histogram's summary as reported.
type latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

func (h *histogram) summary() latency {
	q := h.quantiles(0.5, 0.9, 0.99, 0.999)
	return latency{
		Count: h.total.Load(),
		P50:   ms3(q[0]),
		P90:   ms3(q[1]),
		P99:   ms3(q[2]),
		P999:  ms3(q[3]),
		Max:   ms3(time.Duration(h.max.Load())),
	}
}
