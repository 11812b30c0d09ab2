package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/engine/report"
	"shardmud/engine/store"
)

// testJournal is a journal on a fresh database, not yet running; problems
// it reports are collected.
type testJournal struct {
	*journal
	mu       sync.Mutex
	problems []error
}

func newTestJournal(t *testing.T) (*testJournal, *store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tj := &testJournal{}
	tj.journal = newJournal(st, "test", testLogger(), func(err error) {
		tj.mu.Lock()
		tj.problems = append(tj.problems, err)
		tj.mu.Unlock()
	})
	return tj, st, path
}

func (tj *testJournal) told() []error {
	tj.mu.Lock()
	defer tj.mu.Unlock()
	return append([]error(nil), tj.problems...)
}

func countEvents(t *testing.T, st *store.Store, kind string) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM events WHERE kind = ?`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A full queue drops the event and counts it; record never waits, even
// with nobody writing.
func TestJournalQueueFullDrops(t *testing.T) {
	tj, _, _ := newTestJournal(t) // not running: nothing drains the queue
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range JournalQueue + 10 {
			tj.record(store.Event{Kind: "test"})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("record blocked on a full queue")
	}
	if got := tj.dropped.Load(); got != 10 {
		t.Errorf("dropped %d, want 10", got)
	}
	if got := len(tj.ch); got != JournalQueue {
		t.Errorf("%d queued, want %d", got, JournalQueue)
	}
}

// Events are written in batches of at most JournalBatch, all of them, and
// a flush has them on disk before it returns.
func TestJournalWritesBatches(t *testing.T) {
	tj, st, _ := newTestJournal(t)
	go tj.run()
	defer tj.close()
	const n = 2*JournalBatch + 7
	for i := range n {
		tj.record(store.Event{Kind: "test", Actor: fmt.Sprint(i)})
	}
	tj.flush(10 * time.Second)
	if got := countEvents(t, st, "test"); got != n {
		t.Fatalf("%d events written, want %d", got, n)
	}
	if tj.written.Load() != n || tj.dropped.Load() != 0 || tj.failures.Load() != 0 {
		t.Errorf("written %d dropped %d failures %d; want %d 0 0", tj.written.Load(), tj.dropped.Load(), tj.failures.Load(), n)
	}
	var distinct int
	st.DB().QueryRow(`SELECT count(DISTINCT actor) FROM events WHERE kind = 'test'`).Scan(&distinct)
	if distinct != n {
		t.Errorf("%d distinct events of %d: some written twice", distinct, n)
	}
}

// A batch that fails is held and retried, each wait longer than the last;
// while it fails, what waits is cut to the newest JournalHeld events (the
// rest counted as dropped); once the database works again, what was held
// is written, once, and staff are told both times.
func TestJournalFailureHeldAndRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for retries")
	}
	tj, st, path := newTestJournal(t)
	ro := openReadOnly(t, path)
	tj.fault.Store(ro)
	go tj.run()
	defer tj.close()

	// Fed in chunks the queue holds, so that only the cut drops.
	const extra = 1000
	total := 0
	for total < JournalHeld+extra {
		for range min(4096, JournalHeld+extra-total) {
			tj.record(store.Event{Kind: "test", Actor: fmt.Sprint(total)})
			total++
		}
		checkFor(t, 10*time.Second, func() error {
			if n := len(tj.ch); n > 0 {
				return fmt.Errorf("%d events still queued", n)
			}
			return nil
		})
	}
	// Two failures: the first write, then a retry a second later.
	start := time.Now()
	checkFor(t, 15*time.Second, func() error {
		if f := tj.failures.Load(); f < 2 {
			return fmt.Errorf("%d failed writes, want 2", f)
		}
		return nil
	})
	if p := tj.told(); len(p) != 1 || p[0] == nil {
		t.Fatalf("staff told %v, want one error", p)
	}
	if got := tj.dropped.Load(); got != extra {
		t.Errorf("dropped %d, want %d: the held events are cut to JournalHeld", got, extra)
	}
	if n := countEvents(t, st, "test"); n != 0 {
		t.Fatalf("%d events written through a read-only handle", n)
	}
	tj.fault.Store(nil)
	checkFor(t, 15*time.Second, func() error {
		if n := countEvents(t, st, "test"); n != JournalHeld {
			return fmt.Errorf("%d events written, want the %d held", n, JournalHeld)
		}
		return nil
	})
	t.Logf("held events written %v after the second failure was seen", time.Since(start).Round(time.Millisecond))
	var oldest int
	st.DB().QueryRow(`SELECT min(CAST(actor AS INTEGER)) FROM events WHERE kind = 'test'`).Scan(&oldest)
	if oldest != extra {
		t.Errorf("the oldest event kept is %d, want %d: the cut drops the oldest", oldest, extra)
	}
	checkFor(t, 5*time.Second, func() error {
		if p := tj.told(); len(p) != 2 || p[1] != nil {
			return fmt.Errorf("staff told %v, want an error and then nil", p)
		}
		return nil
	})
}

// A Lua error becomes a script_error row, which `shardmud report` shows in
// its script errors section (report.Build over a read-only handle is what
// the command runs).
func TestScriptErrorJournaled(t *testing.T) {
	t.Parallel()
	cfg := persistWorld(t)
	cfg.Scripts = fstest.MapFS{"t/counter.lua": {Data: []byte(`
function on_command(room, actor, verb, args)
  if verb == "boom" then
    error("the floor gives way")
  end
  return false
end
`)}}
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	alice.send("boom")
	alice.expect("the floor gives way") // builders (the first character is admin) hear of it
	srv.journal.flush(5 * time.Second)

	ro := openReadOnly(t, cfg.DBPath)
	checkFor(t, 5*time.Second, func() error {
		rep, err := report.Build(context.Background(), ro.DB(), report.Options{})
		if err != nil {
			return err
		}
		se := rep.ScriptErrors
		if se.Total < 1 || len(se.Top) == 0 {
			return errors.New("no script errors in the report")
		}
		if top := se.Top[0]; top.File != "t/counter.lua" || top.Count < 1 {
			return fmt.Errorf("report's script errors: %+v", se)
		}
		return nil
	})
}
