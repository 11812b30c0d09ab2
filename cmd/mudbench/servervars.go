package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// serverVars is the server's own figures: the "shardmud" object of its
// expvar JSON (/debug/vars with -pprof). Every field may be missing, from
// an older or newer server: nil means "not reported".
type serverVars struct {
	at            time.Time
	Commands      *uint64     `json:"commands"`
	Ticks         *uint64     `json:"ticks"`
	TickBuckets   [][2]uint64 `json:"tick_buckets"` // [upper bound ns, count since start]
	TickMaxNs     *int64      `json:"tick_max_ns"`
	Sessions      *int64      `json:"sessions"`
	SlowConsumers *uint64     `json:"slow_consumers"`
	OutboxDrops   *uint64     `json:"outbox_drops"`
	HeapInuse     *uint64     `json:"heap_inuse_bytes"`
	RSS           *uint64     `json:"rss_bytes"`
	Goroutines    *int64      `json:"goroutines"`
}

// maxVarsBytes bounds what is read of one /debug/vars answer.
const maxVarsBytes = 8 << 20

// fetchVars reads the server's figures from url.
func fetchVars(ctx context.Context, url string) (*serverVars, error) {
	ctx, cancel := context.WithTimeout(ctx, metricsTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch server figures: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch server figures: %s", resp.Status)
	}
	var doc struct {
		Shardmud *serverVars `json:"shardmud"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxVarsBytes)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("read server figures: %w", err)
	}
	if doc.Shardmud == nil {
		return nil, fmt.Errorf("read server figures: no \"shardmud\" key in %s", url)
	}
	doc.Shardmud.at = time.Now()
	return doc.Shardmud, nil
}

// serverFigures is what the report shows of the server. Nil fields were
// not reported (or could not be worked out) and print as "-".
type serverFigures struct {
	CommandsPerSec *float64 `json:"commands_per_s"`
	Ticks          *uint64  `json:"ticks"`
	TickP50        *float64 `json:"tick_p50_ms"`
	TickP99        *float64 `json:"tick_p99_ms"`
	TickMax        *float64 `json:"tick_max_ms"` // the window's highest bucket's upper bound
	Sessions       *int64   `json:"sessions"`
	SlowConsumers  *uint64  `json:"slow_consumers"` // during the whole run
	OutboxDrops    *uint64  `json:"outbox_drops"`   // messages lost to full outboxes, during the whole run
	RSS            *uint64  `json:"rss_bytes"`
	HeapInuse      *uint64  `json:"heap_inuse_bytes"`
	Goroutines     *int64   `json:"goroutines"`
	RSSPerSession  *float64 `json:"rss_per_session_bytes"`
	Error          string   `json:"error,omitempty"`
}

// figures compares the server's figures: start is before the first bot
// connected, before and after frame the measurement, final is the end of
// the hold. Any of them may be nil (a fetch failed). Commands/s are over
// the measurement; ticks too, or over the hold for a run without one
// (-duration 0 -hold D: the idle tick cost of many sessions).
func figures(start, before, after, final *serverVars, measured bool) *serverFigures {
	f := &serverFigures{}
	if before != nil && after != nil {
		secs := after.at.Sub(before.at).Seconds()
		if d, ok := delta(before.Commands, after.Commands); ok && measured && secs > 0 {
			f.CommandsPerSec = ptr(round3(float64(d) / secs))
		}
	}
	from, to := before, after
	if !measured {
		from, to = after, final
	}
	if from != nil && to != nil {
		if d, ok := delta(from.Ticks, to.Ticks); ok {
			f.Ticks = &d
		}
		if w := bucketDelta(from.TickBuckets, to.TickBuckets); len(w) > 0 {
			p := bucketQuantiles(w, 0.5, 0.99)
			f.TickP50 = ptr(ms3(time.Duration(p[0])))
			f.TickP99 = ptr(ms3(time.Duration(p[1])))
			f.TickMax = ptr(ms3(time.Duration(w[len(w)-1][0])))
		}
	}
	if start != nil && final != nil {
		if d, ok := delta(start.SlowConsumers, final.SlowConsumers); ok {
			f.SlowConsumers = &d
		}
		if d, ok := delta(start.OutboxDrops, final.OutboxDrops); ok {
			f.OutboxDrops = &d
		}
	}
	if final != nil {
		f.Sessions = final.Sessions
		f.RSS = final.RSS
		f.HeapInuse = final.HeapInuse
		f.Goroutines = final.Goroutines
		if f.RSS != nil && f.Sessions != nil && *f.Sessions > 0 {
			f.RSSPerSession = ptr(float64(*f.RSS) / float64(*f.Sessions))
		}
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// delta is b-a for a counter reported both times (and not reset between).
func delta(a, b *uint64) (uint64, bool) {
	if a == nil || b == nil || *b < *a {
		return 0, false
	}
	return *b - *a, true
}

// bucketDelta is after minus before, bucket by bucket (matched on upper
// bound; a bucket missing from before had no count then), sorted by bound,
// without empty buckets.
func bucketDelta(before, after [][2]uint64) [][2]uint64 {
	was := make(map[uint64]uint64, len(before))
	for _, b := range before {
		was[b[0]] += b[1]
	}
	var out [][2]uint64
	for _, a := range after {
		if a[1] > was[a[0]] {
			out = append(out, [2]uint64{a[0], a[1] - was[a[0]]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// bucketQuantiles returns, for each ascending q, the upper bound of the
// bucket holding the nearest-rank q-th value of sorted buckets.
func bucketQuantiles(buckets [][2]uint64, qs ...float64) []uint64 {
	var total uint64
	for _, b := range buckets {
		total += b[1]
	}
	out := make([]uint64, len(qs))
	if total == 0 {
		return out
	}
	for j, q := range qs {
		rank := ceilRank(q, total)
		var seen uint64
		for _, b := range buckets {
			seen += b[1]
			if seen >= rank {
				out[j] = b[0]
				break
			}
		}
	}
	return out
}

// ceilRank is the nearest rank of quantile q among total values: at least
// 1, at most total.
func ceilRank(q float64, total uint64) uint64 {
	x := q * float64(total)
	rank := uint64(x)
	if float64(rank) < x {
		rank++
	}
	return min(max(rank, 1), total)
}
