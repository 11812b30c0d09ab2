package engine

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/engine/report"
	"shardmud/engine/store"
)

// persistWorld is two rooms with a closed door between them, a coin, and a
// room script that counts "bump"s in its state, with a nested table.
func persistWorld(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.World = fstest.MapFS{
		"world.yaml": {Data: []byte("name: Test\nstart: t.a\n")},
		"areas/t.yaml": {Data: []byte(`area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    script: counter
    exits: {north: {to: b, door: true, closed: true}}
    items: [coin]
  b:
    name: Room B
    desc: The second room.
    exits: {south: {to: a, door: true, closed: true}}
items:
  coin:
    short: a silver coin
    long: A silver coin lies here.
    keywords: [coin, silver]
`)},
	}
	cfg.Scripts = fstest.MapFS{"t/counter.lua": {Data: []byte(`
function on_command(room, actor, verb, args)
  if verb ~= "bump" then return false end
  local s = room.state
  s.n = (s.n or 0) + 1
  s.log = s.log or {}
  table.insert(s.log, actor.name)
  s[7] = "seven"
  actor:send("count " .. s.n .. " by " .. table.concat(s.log, ",") .. " " .. s[7])
  return true
end
`)}}
	return cfg
}

func TestWorldSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := persistWorld(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	alice.send("bump")
	alice.expect("count 1 by Alice seven")
	alice.send("get coin")
	alice.expect("You get a silver coin.")
	alice.send("open north")
	alice.expect("You open the door north.")
	alice.send("north")
	alice.expect("Room B")
	alice.send("drop coin")
	alice.expect("You drop a silver coin.")
	alice.send("south")
	alice.expect("Room A")
	alice.send("bump")
	alice.expect("count 2 by Alice,Alice seven")
	stopServer(t, srv)

	srv = startServer(t, cfg)
	alice = connect(t, srv, "alice")
	alice.send("bump")
	alice.expect("count 3 by Alice,Alice,Alice seven") // the room's state, nested table and number key came back
	alice.send("look")
	alice.expect("Exits:")
	alice.reject("silver coin", 300*time.Millisecond) // not back in room A (a reset duplicating it)
	alice.send("north")                               // the door stayed open
	alice.expect("A silver coin lies here.")
}

// The journal records logins, logouts with their length, command counts by
// verb (never what was said) and gives, readable while the server runs.
func TestJournalRecordsPlay(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = 50 * time.Millisecond // command counts are flushed with each save
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.send("say the password is swordfish")
	alice.expect("You say")
	alice.send("tell bob my secret")
	bob.expect("my secret")
	alice.send("get stick")
	alice.expect("You get")
	alice.send("give stick bob")
	bob.expect("gives you")
	alice.send("quit")
	alice.expectClosed()

	ro := openReadOnly(t, cfg.DBPath)
	count := func(q string, args ...any) int {
		var n int
		if err := ro.DB().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	checkFor(t, 5*time.Second, func() error {
		if n := count(`SELECT count(*) FROM events WHERE kind = 'logout' AND actor = 'Alice'`); n != 1 {
			return fmt.Errorf("%d logout events for Alice", n)
		}
		if n := count(`SELECT coalesce(sum(json_extract(details, '$.count')), 0) FROM events WHERE kind = 'command' AND target = 'say'`); n != 1 {
			return fmt.Errorf("%d says counted", n)
		}
		return nil
	})
	if n := count(`SELECT count(*) FROM events WHERE kind = 'login' AND json_extract(details, '$.protocol') = 'telnet' AND json_extract(details, '$.new') = 1`); n != 2 {
		t.Errorf("%d login events of new characters over telnet, want 2", n)
	}
	if n := count(`SELECT count(*) FROM events WHERE kind = 'give' AND actor = 'Alice' AND target = 'Bob'`); n != 1 {
		t.Errorf("%d give events, want 1", n)
	}
	if n := count(`SELECT count(*) FROM events WHERE details LIKE '%swordfish%' OR details LIKE '%secret%'`); n != 0 {
		t.Errorf("%d events hold what players said", n)
	}
	if n := count(`SELECT count(*) FROM events WHERE kind = 'start'`); n != 1 {
		t.Errorf("%d start events, want 1", n)
	}
}

// A database that cannot be written (another process holds it locked, as
// a stuck backup or a sqlite3 shell in a transaction would) does not stop
// the game: the failure is logged, admins are warned, saving is retried
// and succeeds once the lock is gone, and nothing is lost.
func TestSaveFailureIsRetried(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = 50 * time.Millisecond
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice") // admin: sees the warnings

	locker, err := sql.Open("sqlite3", "file:"+cfg.DBPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	locker.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := locker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	alice.send("get stick")
	alice.expect("You get")
	alice.expect("Saving the world FAILED") // after the store's busy timeout
	for range 3 {                           // the game goes on
		alice.send("north")
		alice.expect("Exits:")
		alice.send("south")
		alice.expect("Exits:")
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	alice.expect("Saving the world works again")
	stopServer(t, srv)

	srv = startServer(t, cfg)
	alice = connect(t, srv, "alice")
	alice.send("inventory")
	alice.expect("walking stick")
}

// await is expect for bots on their own goroutines: it returns what went
// wrong instead of failing the test from there.
func (c *client) await(want string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if i := bytes.Index(c.text.Bytes(), []byte(want)); i >= 0 {
			c.text.Next(i + len(want))
			return nil
		}
		if c.eof || time.Now().After(deadline) {
			return fmt.Errorf("%s: no %q (eof=%v)", c.name, want, c.eof)
		}
		c.fill(100 * time.Millisecond)
	}
}

// tickCounts is the tick histogram's buckets at one moment; windowP99 is
// the p99 of the ticks observed between two such moments.
func tickCounts(srv *Server) (c [histBuckets]uint64) {
	for i := range c {
		c[i] = srv.stats.tick.counts[i].Load()
	}
	return c
}

func windowP99(before, after [histBuckets]uint64) (time.Duration, uint64) {
	var total uint64
	for i := range after {
		total += after[i] - before[i]
	}
	target := (total*99 + 99) / 100
	var seen uint64
	for i := range after {
		if seen += after[i] - before[i]; total > 0 && seen >= target {
			return time.Duration(bucketUpper(i)), total
		}
	}
	return 0, total
}

// Reports read the database, through read-only connections of their own as
// `shardmud report` and the web pages do, while 100 bots play: every bot
// gets every answer and every report succeeds. The tick's p99 in a window
// without reports and in one with them (bucket deltas, not the cumulative
// histogram) is logged for BENCHMARKS.md, not asserted: timing belongs in
// benchmarks.
func TestReportsWhilePlaying(t *testing.T) {
	if testing.Short() {
		t.Skip("100 players")
	}
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = 100 * time.Millisecond
	srv := startServer(t, cfg)
	const bots = 100
	clients := make([]*client, bots)
	for i := range clients {
		clients[i] = login(t, srv, fmt.Sprintf("player%c%c", 'a'+i/26, 'a'+i%26))
	}
	window := 0
	play := func(rounds int) {
		t.Helper()
		window++
		errs := make(chan error, bots)
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					say := fmt.Sprintf("window %d round %d from %d", window, r, i)
					c.sendRaw([]byte("say " + say + "\r\nlook\r\n"))
					if err := c.await(`You say, "`+say+`"`, 10*time.Second); err != nil {
						errs <- err
						return
					}
					if err := c.await("Exits:", 10*time.Second); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("the server stopped answering a bot: %v", err)
		}
	}
	play(2) // warm up: journals, histograms, connections

	quiet0 := tickCounts(srv)
	play(10)
	quiet1 := tickCounts(srv)

	stop := make(chan struct{})
	reports := make(chan int)
	go func() {
		n := 0
		defer func() { reports <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ro, err := store.OpenReadOnly(cfg.DBPath)
			if err != nil {
				t.Errorf("open read-only while playing: %v", err)
				return
			}
			rep, err := report.Build(context.Background(), ro.DB(), report.Options{})
			if err == nil {
				err = rep.WriteText(io.Discard)
			}
			ro.Close()
			if err != nil {
				t.Errorf("report while playing: %v", err)
				return
			}
			n++
		}
	}()
	busy0 := tickCounts(srv)
	play(10)
	busy1 := tickCounts(srv)
	close(stop)
	n := <-reports
	if n == 0 {
		t.Fatal("no report completed while the bots played")
	}
	quiet, qn := windowP99(quiet0, quiet1)
	busy, bn := windowP99(busy0, busy1)
	t.Logf("tick p99: %v over %d ticks without reports, %v over %d ticks with %d reports running alongside", quiet, qn, busy, bn, n)
}

// Logins and logouts name the connection: its address and protocol, as the
// server saw them, end to end through the events table.
func TestLoginLogoutDetails(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	addr := alice.conn.LocalAddr().String() // the server's view of the client
	alice.send("quit")
	alice.expectClosed()

	ro := openReadOnly(t, cfg.DBPath)
	for _, kind := range []string{"login", "logout"} {
		checkFor(t, 5*time.Second, func() error {
			var gotAddr, gotProto string
			err := ro.DB().QueryRow(`SELECT json_extract(details, '$.addr'), json_extract(details, '$.protocol')
				FROM events WHERE kind = ? AND actor = 'Alice'`, kind).Scan(&gotAddr, &gotProto)
			if err != nil {
				return fmt.Errorf("%s event: %w", kind, err)
			}
			if gotAddr != addr || gotProto != "telnet" {
				return fmt.Errorf("%s event: addr %q protocol %q, want %q telnet", kind, gotAddr, gotProto, addr)
			}
			return nil
		})
	}
}

// pollDB polls a read-only connection (the way reports read) until query
// returns want: the change is on disk, not only in the game.
func pollDB(t *testing.T, ro *store.Store, what, want, query string, args ...any) {
	t.Helper()
	checkFor(t, 5*time.Second, func() error {
		var got sql.NullString
		err := ro.DB().QueryRow(query, args...).Scan(&got)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("%s: %w", what, err)
		}
		if got.String != want {
			return fmt.Errorf("%s: the database says %q, want %q (with -save 1h only an immediate save writes it)", what, got.String, want)
		}
		return nil
	})
}

// Trades, quits, staff moves and builders' edits are saved at once: with
// the save interval at an hour, each reaches the disk within seconds.
func TestUrgentSavesReachDisk(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = time.Hour
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice") // the first character: admin
	bob := login(t, srv, "bob")
	carol := login(t, srv, "carol")
	ro := openReadOnly(t, cfg.DBPath)
	const stickHolder = `SELECT holder_kind || ':' || holder FROM items WHERE proto = 'thornwick.walking_stick'`

	alice.send("get stick")
	alice.expect("You get")
	alice.send("give stick bob")
	bob.expect("gives you")
	pollDB(t, ro, "give", "player:bob", stickHolder)

	bob.send("drop stick") // not urgent by itself: the quit saves it
	bob.expect("You drop")
	bob.send("quit")
	bob.expectClosed()
	pollDB(t, ro, "quit", "room:thornwick.square", stickHolder)

	alice.send("transfer carol thornwick.smithy")
	alice.expect("You send Carol")
	carol.expect("summons you")
	pollDB(t, ro, "transfer", "thornwick.smithy", `SELECT room FROM characters WHERE name_key = 'carol'`)

	alice.send("rname The Renamed Square")
	alice.expect("Renamed")
	pollDB(t, ro, "rname", "1", `SELECT instr(yaml, 'The Renamed Square') > 0 FROM area_edits WHERE area = 'thornwick'`)

	alice.send("get stick") // giving to an NPC may be a sale (on_give): saved at once too
	alice.expect("You get")
	alice.send("give stick crier")
	alice.expect("You give")
	pollDB(t, ro, "give to an NPC", "mob", `SELECT holder_kind FROM items WHERE proto = 'thornwick.walking_stick'`)
}

// logTail is a logger's output, readable by the test while the server
// writes it.
type logTail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logTail) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, nil))
}

// A database that refuses writes (a file or disk gone read-only) does not
// stop the game: every failed save is logged as an error, retried with a
// growing wait, admins online are warned, and once writes work again the
// next save has everything, nothing lost.
//
// The fault is a read-only handle on the same file put in the saver's way
// (saver.fault): SQLite itself refuses the writes. chmod would prove
// nothing: the server's open descriptors keep writing whatever the mode,
// and tests may run as root.
func TestSaveFailsOnReadOnlyDatabase(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = 50 * time.Millisecond
	var logs logTail
	cfg.Logger = logs.logger()
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice") // admin: sees the warnings

	ro := openReadOnly(t, cfg.DBPath)
	srv.saver.fault.Store(ro)
	alice.send("get stick")
	alice.expect("You get")
	alice.expect("Saving the world FAILED")
	alice.expect("readonly")
	for range 3 { // the game goes on
		alice.send("north")
		alice.expect("Exits:")
		alice.send("south")
		alice.expect("Exits:")
	}
	// Retried, each wait longer than the last.
	checkFor(t, 10*time.Second, func() error {
		l := logs.String()
		if !strings.Contains(l, `level=ERROR msg="SAVING THE WORLD FAILED`) || !strings.Contains(l, "retry_in=1s") || !strings.Contains(l, "retry_in=2s") {
			return fmt.Errorf("no failed saves retried after 1s and then 2s logged as errors:\n%s", l)
		}
		return nil
	})
	srv.saver.fault.Store(nil)
	alice.expect("Saving the world works again")
	stopServer(t, srv)

	srv = startServer(t, cfg)
	alice = connect(t, srv, "alice")
	alice.send("inventory")
	alice.expect("walking stick")
}

// A database file corrupted under the running server (pages overwritten
// by something else) does not bring it down: the errors are logged, admins
// are warned, and players keep playing.
func TestCorruptWhileRunning(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SaveInterval = 50 * time.Millisecond
	var logs logTail
	cfg.Logger = logs.logger()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv.Shutdown(ctx) // fails, as the database does
		}
	})
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")

	// Everything moves from the write-ahead log into the file, so that
	// reading anything reads the file; then everything but its header
	// page becomes noise.
	cp, err := sql.Open("sqlite3", "file:"+cfg.DBPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	cp.Close()
	f, err := os.OpenFile(cfg.DBPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	noise := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1024)
	for off := int64(4096); off < info.Size(); off += int64(len(noise)) {
		if _, err := f.WriteAt(noise, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	// Saves, logins and the journal all reach the broken file.
	for i := range 5 {
		alice.send("get stick")
		alice.send("drop stick")
		alice.send("say still here " + strconv.Itoa(i))
		alice.expect("still here " + strconv.Itoa(i))
		c := dial(t, srv, "carol")
		c.send("create carol" + strconv.Itoa(i) + " password1")
		c.fill(200 * time.Millisecond)
		c.conn.Close()
		if strings.Contains(logs.String(), "FAILED") {
			break
		}
	}
	alice.expect("FAILED") // the save or the journal
	bob.send("say the game goes on")
	bob.expect("You say")
	alice.expect("Bob says")
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "malformed") {
		t.Errorf("the corruption is not logged as an error naming it:\n%s", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stopped = true
	if err := srv.Shutdown(ctx); err == nil {
		t.Error("Shutdown reported success on a corrupt database")
	} else {
		t.Logf("shutdown: %v", err)
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", logs.String())
	}
}

// An item an NPC carries comes back with that NPC after a restart, once:
// the same item, not back on the floor, not a second copy. (A reset would
// make a new coin in the room, as it does without a restart: the slot's
// coin left the room; "reset: never" keeps that rule out of the count.)
func TestNPCCarriedItemSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.World = fstest.MapFS{
		"world.yaml": {Data: []byte("name: Test\nstart: t.a\n")},
		"areas/t.yaml": {Data: []byte(`area: t
reset: never
rooms:
  a:
    name: Room A
    desc: The first room.
    items: [coin]
    mobs: [clerk]
items:
  coin:
    short: a silver coin
    long: A silver coin lies here.
    keywords: [coin, silver]
mobs:
  clerk:
    short: a bored clerk
    long: A bored clerk leans on the counter.
    keywords: [clerk]
`)},
	}
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice") // admin: may stat the clerk
	alice.send("get coin")
	alice.expect("You get a silver coin.")
	alice.send("give coin clerk")
	alice.expect("You give a silver coin to a bored clerk.") // saved at once: a give may be a sale
	stopServer(t, srv)

	ro, err := store.OpenReadOnly(cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := func() string {
		var got string
		ro.DB().QueryRow(`SELECT group_concat(i.id || '@' || i.holder_kind || ':' || coalesce(m.proto, i.holder), ',') FROM items i
			LEFT JOIN mobs m ON i.holder_kind = 'mob' AND m.id = CAST(i.holder AS INTEGER) WHERE i.proto = 't.coin'`).Scan(&got)
		return got
	}
	first := rows()
	if _, holder, _ := strings.Cut(first, "@"); holder != "mob:t.clerk" {
		t.Fatalf("the coin's rows after the first run: %q, want one held by the clerk", first)
	}

	srv = startServer(t, cfg)
	alice = connect(t, srv, "alice")
	alice.send("stat clerk")
	alice.expect("a silver coin (t.coin#") // the clerk still carries it
	alice.send("look")
	alice.expect("Exits:")
	alice.reject("A silver coin lies here.", 300*time.Millisecond)
	stopServer(t, srv)
	if got := rows(); got != first {
		t.Errorf("the coin's rows after a restart: %q, want %q as before", got, first)
	}
	ro.Close()
}

// A death in a combat round (on the tick, not in a command) is saved at
// once: with the save interval at an hour, the character's new place at
// the recall point reaches the disk within seconds.
func TestDeathInCombatSavedAtOnce(t *testing.T) {
	t.Parallel()
	cfg := gameWorld(t)
	cfg.SaveInterval = time.Hour
	srv := startServer(t, cfg)
	hero := login(t, srv, "hero")
	ro := openReadOnly(t, cfg.DBPath)
	hero.send("east")
	hero.expect("The Training Pit")
	hero.send("east")
	hero.expect("The Lair")
	hero.send("kill ogre")
	hero.expect("You are DEAD!")
	hero.expect("You wake in The Shrine")
	pollDB(t, ro, "death", "a.shrine", `SELECT room FROM characters WHERE name_key = 'hero'`)
}
