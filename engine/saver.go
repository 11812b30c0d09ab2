package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

// saver writes world deltas to the store from its own goroutine. The loop
// takes a delta at a tick boundary (or at once, for a quit or a trade) and
// hands it over with put, which never waits for the disk. run writes each
// in one transaction; deltas that queue up while a write is slow or
// failing are merged and written together, so the database always moves
// from one whole state of the world to a later whole state, and a failed
// write is retried with everything newer folded in, not lost.
type saver struct {
	store *store.Store
	log   *slog.Logger
	// problem is told when saving starts failing (with the error) and when
	// it works again (nil); it must not block.
	problem func(err error)

	mu     sync.Mutex
	queue  []*world.Delta
	queued uint64        // sequence number of the last delta put
	wrote  chan struct{} // closed (and replaced) each time written moves
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}

	// fault, when set, is written instead of store: tests put a read-only
	// handle on the same file here, so that SQLite refuses the writes as
	// it would for a file or disk gone read-only. (Making the file
	// read-only with chmod proves nothing: the open descriptors keep
	// writing, and tests may run as root.)
	fault atomic.Pointer[store.Store]

	written atomic.Uint64 // sequence number of the last delta written
	writing atomic.Bool   // a transaction is open (for the crash test's aim)

	// Owned by run, then by close: what failed to write, with everything
	// queued since merged in, and the newest sequence number in it.
	held    *world.Delta
	heldSeq uint64

	// Figures for stats: writes, rows, failures and how long writes take.
	writes, rows, failures atomic.Uint64
	duration               histogram
}

// ChaosSaveSlow is the Config.Chaos value that holds every snapshot's
// transaction open for chaosSaveDelay before it commits: the crash test's
// kills aimed at a write then land inside one. The delay stays under the
// crash test's save interval: a saver that holds the write lock all the
// time starves the journal past its busy timeout.
const (
	ChaosSaveSlow  = "save-slow"
	chaosSaveDelay = 100 * time.Millisecond
)

func newSaver(st *store.Store, log *slog.Logger, problem func(error)) *saver {
	return &saver{
		store: st, log: log, problem: problem,
		wake:  make(chan struct{}, 1),
		wrote: make(chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// put queues d to be written and returns its sequence number; written
// reaches it once d is on disk.
func (sv *saver) put(d *world.Delta) uint64 {
	sv.mu.Lock()
	sv.queue = append(sv.queue, d)
	sv.queued++
	seq := sv.queued
	sv.mu.Unlock()
	select {
	case sv.wake <- struct{}{}:
	default:
	}
	return seq
}

func (sv *saver) run() {
	defer close(sv.done)
	retry := time.Duration(0)
	var timer <-chan time.Time
	for {
		select {
		case <-sv.stop:
			return
		case <-sv.wake:
			if retry > 0 {
				continue // wait for the retry time; the queue keeps
			}
		case <-timer:
		}
		timer = nil
		if err := sv.flush(); err != nil {
			if retry == 0 {
				sv.problem(err)
			}
			retry = min(max(2*retry, time.Second), 30*time.Second)
			sv.log.Error("SAVING THE WORLD FAILED; the game goes on and the save is retried",
				"err", err, "retry_in", retry, "rows", sv.held.Size())
			timer = time.After(retry)
			continue
		}
		if retry > 0 {
			sv.log.Info("saving the world works again")
			sv.problem(nil)
			retry = 0
		}
	}
}

// flush merges the queue into what is held and writes it.
func (sv *saver) flush() error {
	sv.mu.Lock()
	queue := sv.queue
	sv.queue = nil
	if len(queue) > 0 {
		sv.heldSeq = sv.queued
	}
	sv.mu.Unlock()
	for _, d := range queue {
		if sv.held == nil {
			sv.held = d
		} else {
			sv.held.Merge(d)
		}
	}
	if sv.held == nil {
		return nil
	}
	if err := sv.write(sv.held); err != nil {
		return err
	}
	sv.written.Store(sv.heldSeq)
	sv.held = nil
	sv.mu.Lock()
	close(sv.wrote)
	sv.wrote = make(chan struct{})
	sv.mu.Unlock()
	return nil
}

// last is the sequence number of the last delta put.
func (sv *saver) last() uint64 {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.queued
}

// await waits until the delta seq is on disk; false if timeout passes
// first. Any goroutine may wait.
func (sv *saver) await(seq uint64, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		sv.mu.Lock()
		wrote := sv.wrote
		sv.mu.Unlock()
		if sv.written.Load() >= seq {
			return true
		}
		select {
		case <-wrote:
		case <-t.C:
			return false
		}
	}
}

func (sv *saver) write(d *world.Delta) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	sv.writing.Store(true)
	st := sv.store
	if f := sv.fault.Load(); f != nil {
		st = f
	}
	err := st.SaveDelta(ctx, d)
	sv.writing.Store(false)
	sv.duration.observe(time.Since(start))
	if err != nil {
		sv.failures.Add(1)
		return err
	}
	sv.writes.Add(1)
	sv.rows.Add(uint64(d.Size()))
	return nil
}

// close stops the goroutine and writes what is left, retrying once.
func (sv *saver) close() error {
	close(sv.stop)
	<-sv.done
	if err := sv.flush(); err != nil {
		time.Sleep(time.Second)
		return sv.flush()
	}
	return nil
}
