package engine

import (
	"testing"
	"time"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		i := bucketOf(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d out of order or range", v, i)
		}
		if up := bucketUpper(i); up < v || (i > 0 && bucketUpper(i-1) >= v) {
			t.Fatalf("value %d in bucket %d with bounds (%d, %d]", v, i, bucketUpper(i-1), up)
		}
		prev = i
	}
}

func TestQuantile(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.observe(time.Duration(i) * time.Millisecond)
	}
	p50, p99 := h.quantile(0.5), h.quantile(0.99)
	if p50 < 50*time.Millisecond || p50 > 63*time.Millisecond {
		t.Errorf("p50 = %v, want 50ms within a bucket", p50)
	}
	if p99 < 99*time.Millisecond || p99 > 100*time.Millisecond {
		t.Errorf("p99 = %v, want 99-100ms", p99)
	}
	if h.quantile(1) != 100*time.Millisecond {
		t.Errorf("max quantile = %v", h.quantile(1))
	}
}
