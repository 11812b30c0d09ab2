package engine

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts durations in log-linear buckets: four per power of two,
// so a percentile read from it is within 25% of the truth, over any range,
// in fixed memory. One goroutine observes; any may read.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	max    atomic.Int64
}

const (
	histSubBits = 2
	histBuckets = 64 << histSubBits
)

func bucketOf(v uint64) int {
	if v < 1<<histSubBits {
		return int(v)
	}
	e := bits.Len64(v) - 1
	m := (v >> (e - histSubBits)) & (1<<histSubBits - 1)
	return (e-histSubBits+1)<<histSubBits + int(m)
}

// bucketUpper is the largest value that falls in bucket i.
func bucketUpper(i int) uint64 {
	if i < 1<<histSubBits {
		return uint64(i)
	}
	block, m := i>>histSubBits, uint64(i&(1<<histSubBits-1))
	e := block + histSubBits - 1
	width := uint64(1) << (e - histSubBits)
	return 1<<e + m*width + width - 1
}

func (h *histogram) observe(d time.Duration) {
	n := max(d.Nanoseconds(), 0)
	h.counts[bucketOf(uint64(n))].Add(1)
	if n > h.max.Load() {
		h.max.Store(n)
	}
}

// buckets returns the non-empty buckets as [upper bound ns, count] pairs.
func (h *histogram) buckets() [][2]uint64 {
	var out [][2]uint64
	for i := range h.counts {
		if c := h.counts[i].Load(); c > 0 {
			out = append(out, [2]uint64{bucketUpper(i), c})
		}
	}
	return out
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	total := h.count()
	if total == 0 {
		return 0
	}
	target := uint64(q*float64(total) + 0.5)
	target = max(target, 1)
	var seen uint64
	for i := range h.counts {
		if seen += h.counts[i].Load(); seen >= target {
			return time.Duration(min(bucketUpper(i), uint64(h.max.Load())))
		}
	}
	return time.Duration(h.max.Load())
}

// count is how many durations were observed.
func (h *histogram) count() uint64 {
	var total uint64
	for i := range h.counts {
		total += h.counts[i].Load()
	}
	return total
}
