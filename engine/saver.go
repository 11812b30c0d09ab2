package engine

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

// saver writes characters to the store from its own goroutine. The loop
// calls put, which only records the newest state per character under a
// mutex; run writes everything dirty in one transaction, so a burst of
// saves costs one commit, and a failed write is retried with the newest
// state rather than lost.
type saver struct {
	store *store.Store
	log   *slog.Logger

	mu    sync.Mutex
	dirty map[string]world.PlayerRecord
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}

	// Figures for stats: writes, rows, failures and how long writes take.
	writes, rows, failures atomic.Uint64
	duration               histogram
}

func newSaver(st *store.Store, log *slog.Logger) *saver {
	return &saver{
		store: st, log: log,
		dirty: make(map[string]world.PlayerRecord),
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// put queues rec to be saved; a later put for the same character replaces
// it. It never blocks on the disk.
func (sv *saver) put(rec world.PlayerRecord) {
	sv.mu.Lock()
	sv.dirty[strings.ToLower(rec.Name)] = rec
	sv.mu.Unlock()
	select {
	case sv.wake <- struct{}{}:
	default:
	}
}

func (sv *saver) run() {
	defer close(sv.done)
	retry := time.Duration(0)
	for {
		select {
		case <-sv.stop:
			return
		case <-sv.wake:
		case <-time.After(max(retry, SaveQueueFlush)):
		}
		if err := sv.flush(); err != nil {
			retry = min(max(2*retry, time.Second), 30*time.Second)
			sv.log.Error("saving characters failed; will retry", "err", err, "retry_in", retry)
			continue
		}
		retry = 0
	}
}

// flush writes what is dirty now. On failure the records go back, unless a
// newer state was put meanwhile.
func (sv *saver) flush() error {
	sv.mu.Lock()
	if len(sv.dirty) == 0 {
		sv.mu.Unlock()
		return nil
	}
	batch := sv.dirty
	sv.dirty = make(map[string]world.PlayerRecord, len(batch))
	sv.mu.Unlock()
	recs := make([]world.PlayerRecord, 0, len(batch))
	for _, r := range batch {
		recs = append(recs, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := sv.store.SaveCharacters(ctx, recs)
	sv.duration.observe(time.Since(start))
	if err == nil {
		sv.writes.Add(1)
		sv.rows.Add(uint64(len(recs)))
	} else {
		sv.failures.Add(1)
		sv.mu.Lock()
		for k, r := range batch {
			if _, newer := sv.dirty[k]; !newer {
				sv.dirty[k] = r
			}
		}
		sv.mu.Unlock()
	}
	return err
}

// close stops the goroutine and writes what is left.
func (sv *saver) close() error {
	close(sv.stop)
	<-sv.done
	return sv.flush()
}
