package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

var crashRounds = flag.Int("crash.rounds", 10, "kill -9 rounds in TestCrashRecovery")

// The crash test's world: two rooms, six gems with one prototype each (so
// counting them by name counts every item), and an attic that nobody can
// reach, full of scripted pebbles whose state changes every second (so
// that most snapshots are busy writing when the kill comes) and three rats.
var gems = []string{"ruby", "sapphire", "emerald", "topaz", "opal", "pearl"}

const (
	crashPebbles = 2000
	crashRats    = 3
)

// crashSave is the server's save interval in the test; crashSlack is the
// time allowed on top for the write and a loaded machine.
const (
	crashSave  = 200 * time.Millisecond
	crashSlack = 400 * time.Millisecond
	// crashSlowSave is how long SHARDMUD_CHAOS=save-slow holds each
	// write open (engine's chaosSaveDelay), added to the slack.
	crashSlowSave = 100 * time.Millisecond
)

func crashWorld(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("area: vault\nname: The Vault\nreset: never\nrooms:\n")
	b.WriteString("  hall:\n    name: Great Hall\n    desc: A bare hall of grey stone.\n    exits: {north: store}\n    items: [")
	b.WriteString(strings.Join(gems, ", "))
	b.WriteString("]\n  store:\n    name: Storeroom\n    desc: Empty shelves line the walls.\n    exits: {south: hall}\nitems:\n")
	for _, g := range gems {
		fmt.Fprintf(&b, "  %s:\n    short: a %s\n    long: A %s glints on the floor.\n    keywords: [%s]\n", g, g, g, g)
	}
	pebbles := strings.TrimSuffix(strings.Repeat("pebble, ", crashPebbles), ", ")
	files := map[string]string{
		"world.yaml":       "name: Crash\nstart: vault.hall\n",
		"areas/vault.yaml": b.String(),
		"areas/attic.yaml": "area: attic\nreset: 1s\nrooms:\n  attic:\n    name: Attic\n    desc: Dust.\n    items: [" + pebbles + "]\n" +
			"    mobs: [rat, rat, rat]\nitems:\n  pebble:\n    short: a pebble\n    keywords: [pebble]\n    script: pebble\n" +
			"mobs:\n  rat:\n    short: a rat\n    long: A rat gnaws at a beam.\n    keywords: [rat]\n",
		"scripts/attic/pebble.lua": "function on_tick(item) item.state.n = (item.state.n or 0) + 1 end\n",
	}
	writeFiles(t, dir, files)
	return dir
}

// writeFiles writes a world folder: file names (with their folders) to
// contents.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// worldState is what the players can observe: where each gem is (a
// player's name or a room's) and where each player stands.
type worldState struct {
	gem  map[string]string
	room map[string]string
}

func (s worldState) clone() worldState {
	c := worldState{gem: map[string]string{}, room: map[string]string{}}
	for k, v := range s.gem {
		c.gem[k] = v
	}
	for k, v := range s.room {
		c.room[k] = v
	}
	return c
}

func (s worldState) String() string {
	var parts []string
	for _, g := range gems {
		parts = append(parts, g+"@"+s.gem[g])
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" alice@%s bob@%s", s.room["alice"], s.room["bob"])
}

// moment is a state and when it was known to be in effect.
type moment struct {
	at    time.Time
	state string
}

// TestCrashRecovery kills the real server with SIGKILL at random moments,
// half of them aimed at a snapshot being written, while two players move,
// pick up, drop and give gems; after each restart the world must be one
// consistent past state, no older than a save interval (and the time to
// write it), with every gem in exactly one place.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	t.Parallel()
	bin := buildBinary(t)
	world := crashWorld(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var aimed int
	var pebbles map[int64]int
	var prev *crashServer
	for round := range *crashRounds {
		// Aimed rounds hold each snapshot's transaction open a while
		// (SHARDMUD_CHAOS=save-slow), so the kill lands inside one.
		aim := round%2 == 1
		var env []string
		if aim {
			env = append(env, "SHARDMUD_CHAOS=save-slow")
		}
		srv := startCrashServer(t, bin, world, db, env...)
		srv.slack = crashSlack
		if aim {
			srv.slack += crashSlowSave
		}
		if prev != nil { // what the kill left on disk, before anyone plays
			pebbles = checkDB(t, db, pebbles)
		}
		alice := srv.login(t, "alice", round == 0)
		bob := srv.login(t, "bob", round == 0)
		players := map[string]*player{"alice": alice, "bob": bob}
		st := observe(t, alice, bob)
		if prev != nil {
			prev.check(t, st)
		}
		srv.history = []moment{{time.Now(), st.String()}}

		// Kill at a random moment, or at the first snapshot write seen
		// after a random delay.
		delay := time.Duration(800+rng.IntN(1500)) * time.Millisecond
		killed := make(chan time.Time, 1)
		go func() {
			time.Sleep(delay)
			if aim && srv.waitWriting(2*time.Second) {
				aimed++
			}
			srv.cmd.Process.Kill()
			killed <- time.Now()
		}()
		for {
			name := []string{"alice", "bob"}[rng.IntN(2)]
			other := map[string]string{"alice": "bob", "bob": "alice"}[name]
			line, want, next := act(rng, st, name, other)
			srv.pending = next.String() // may be saved though its answer never came
			_, err := players[name].expect(line, want)
			var wrong wrongAnswer
			if errors.As(err, &wrong) {
				t.Fatal(err)
			}
			if err != nil {
				break // killed
			}
			st = next
			srv.history = append(srv.history, moment{time.Now(), st.String()})
		}
		srv.killedAt = <-killed
		srv.cmd.Wait()
		t.Logf("round %d: killed after %d actions%s", round, len(srv.history)-1, map[bool]string{true: ", aimed at a write"}[aim])
		prev = srv
	}
	// A final clean start: the last crash checked, then a clean shutdown,
	// and the database itself holds each gem once and 2,000 pebbles.
	srv := startCrashServer(t, bin, world, db)
	pebbles = checkDB(t, db, pebbles)
	alice, bob := srv.login(t, "alice", false), srv.login(t, "bob", false)
	prev.check(t, observe(t, alice, bob))
	srv.stop(t)
	checkDB(t, db, pebbles)
	t.Logf("%d rounds, %d kills landed during a snapshot write", *crashRounds, aimed)
	if aimed == 0 && *crashRounds >= 4 {
		t.Errorf("no kill landed during a snapshot write")
	}
}

// checkDB reads the database as the last process left it and checks that
// it is one whole instant of the world: every gem once, every pebble and
// rat once (resets add only what is missing, restores bring back what was
// there), and the pebbles' script state from one moment. Since the last
// read (last: count by pebble) one process has ticked them all, each
// heartbeat once a second, spread over the second: so every pebble's count
// went up by the same number, or one more, never down. It returns the
// counts now.
func checkDB(t *testing.T, db string, last map[int64]int) map[int64]int {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	counts := map[string]int{}
	rows, err := conn.Query(`SELECT proto, count(*) FROM items GROUP BY proto`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		var n int
		rows.Scan(&p, &n)
		counts[p] = n
	}
	rows.Close()
	for _, g := range gems {
		if counts["vault."+g] != 1 {
			t.Errorf("the database holds %d rows of %s, want 1", counts["vault."+g], g)
		}
	}
	if counts["attic.pebble"] != crashPebbles {
		t.Errorf("the database holds %d pebbles, want %d: resets must add only what is missing", counts["attic.pebble"], crashPebbles)
	}
	if len(counts) != len(gems)+1 {
		t.Errorf("the database holds items of %d prototypes, want %d: %v", len(counts), len(gems)+1, counts)
	}
	var rats int
	if err := conn.QueryRow(`SELECT count(*) FROM mobs WHERE proto = 'attic.rat'`).Scan(&rats); err != nil {
		t.Fatal(err)
	}
	if rats != crashRats {
		t.Errorf("the database holds %d rats, want %d", rats, crashRats)
	}
	rows, err = conn.Query(`SELECT i.id, coalesce(json_extract(s.state, '$.n'), 0)
		FROM items i LEFT JOIN script_state s ON s.entity = 'item:' || i.id WHERE i.proto = 'attic.pebble'`)
	if err != nil {
		t.Fatal(err)
	}
	now := map[int64]int{}
	low, high := -1, -1
	for rows.Next() {
		var id int64
		var n int
		rows.Scan(&id, &n)
		now[id] = n
		if before, ok := last[id]; ok {
			d := n - before
			if low < 0 || d < low {
				low = d
			}
			if d > high {
				high = d
			}
		}
	}
	rows.Close()
	if last != nil && (low < 0 || high-low > 1) {
		t.Errorf("since the last restart the pebbles' counts went up by %d to %d: not one moment of the world", low, high)
	}
	return now
}

// act picks a legal action for name and returns the line, the text its
// success prints, and the state after it.
func act(rng *rand.Rand, st worldState, name, other string) (line, want string, next worldState) {
	next = st.clone()
	here := st.room[name]
	var carried, onFloor []string
	for _, g := range gems {
		switch st.gem[g] {
		case name:
			carried = append(carried, g)
		case here:
			onFloor = append(onFloor, g)
		}
	}
	for {
		switch rng.IntN(4) {
		case 0:
			if here == "hall" {
				next.room[name] = "store"
				return "north", "Storeroom", next
			}
			next.room[name] = "hall"
			return "south", "Great Hall", next
		case 1:
			if len(onFloor) > 0 {
				g := onFloor[rng.IntN(len(onFloor))]
				next.gem[g] = name
				return "get " + g, "You get a " + g, next
			}
		case 2:
			if len(carried) > 0 {
				g := carried[rng.IntN(len(carried))]
				next.gem[g] = here
				return "drop " + g, "You drop a " + g, next
			}
		case 3:
			if len(carried) > 0 && st.room[other] == here {
				g := carried[rng.IntN(len(carried))]
				next.gem[g] = other
				return "give " + g + " " + other, "You give a " + g, next
			}
		}
	}
}

// observe reads the state through the players' eyes: what each carries,
// and what lies in each room (alice walks to both).
func observe(t *testing.T, alice, bob *player) worldState {
	t.Helper()
	st := worldState{gem: map[string]string{}, room: map[string]string{}}
	seen := map[string][]string{}
	for _, p := range []*player{alice, bob} {
		out := p.must(t, "look", "Exits:")
		st.room[p.name] = roomOf(t, out)
		inv := p.must(t, "inventory", "")
		for _, g := range gems {
			if strings.Contains(inv, g) {
				seen[g] = append(seen[g], p.name)
			}
		}
	}
	for range 2 {
		out := alice.must(t, "look", "Exits:")
		room := roomOf(t, out)
		for _, g := range gems {
			if strings.Contains(out, "A "+g+" glints") {
				seen[g] = append(seen[g], room)
			}
		}
		if room == "hall" {
			alice.must(t, "north", "Storeroom")
		} else {
			alice.must(t, "south", "Great Hall")
		}
	}
	st.room["alice"] = roomOf(t, alice.must(t, "look", "Exits:"))
	for _, g := range gems {
		if len(seen[g]) != 1 {
			t.Fatalf("the %s is in %d places %v after a crash; want exactly one", g, len(seen[g]), seen[g])
		}
		st.gem[g] = seen[g][0]
	}
	return st
}

func roomOf(t *testing.T, look string) string {
	t.Helper()
	h, s := strings.LastIndex(look, "Great Hall"), strings.LastIndex(look, "Storeroom")
	switch {
	case h > s:
		return "hall"
	case s > h:
		return "store"
	}
	t.Fatalf("no room name in %q", look)
	return ""
}

type crashServer struct {
	cmd      *exec.Cmd
	telnet   string
	debug    string
	history  []moment
	pending  string
	killedAt time.Time
	slack    time.Duration // on top of the save interval, for the write
}

var pprofRE = regexp.MustCompile(`msg="pprof listening" addr=(\S+)`)

func startCrashServer(t *testing.T, bin, world, db string, env ...string) *crashServer {
	t.Helper()
	cmd := exec.Command(bin, "-telnet", "127.0.0.1:0", "-ssh", "", "-http", "", "-pprof", "127.0.0.1:0",
		"-db", db, "-world", world, "-save", crashSave.String(),
		"-lua-budget", "100ms") // budgets are not under test; a loaded CI machine is slow
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	srv := &crashServer{cmd: cmd, slack: crashSlack}
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := listenRE.FindStringSubmatch(line); m != nil {
				srv.telnet = m[1]
			}
			if m := pprofRE.FindStringSubmatch(line); m != nil {
				srv.debug = m[1]
			}
			if strings.Contains(line, "panic") || strings.Contains(line, "level=ERROR") {
				t.Errorf("server log: %s", line)
			}
			if strings.Contains(line, "world running") {
				once.Do(func() { close(ready) })
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	return srv
}

// waitWriting polls the metrics until a snapshot write is in progress.
func (s *crashServer) waitWriting(limit time.Duration) bool {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + s.debug + "/debug/vars")
		if err != nil {
			return false
		}
		var vars struct {
			Shardmud struct {
				SaveWriting bool `json:"save_writing"`
			} `json:"shardmud"`
		}
		json.NewDecoder(resp.Body).Decode(&vars)
		resp.Body.Close()
		if vars.Shardmud.SaveWriting {
			return true
		}
	}
	return false
}

// check asserts that st, observed after the restart, is a state the world
// was in before the kill and no older than allowed.
func (s *crashServer) check(t *testing.T, st worldState) {
	t.Helper()
	got := st.String()
	// The newest state that must have been saved: in effect a save
	// interval, plus time for the write and a loaded machine, before the
	// kill.
	limit := s.killedAt.Add(-crashSave - s.slack)
	oldest := 0
	for i, m := range s.history {
		if !m.at.After(limit) {
			oldest = i
		}
	}
	for i := len(s.history) - 1; i >= 0; i-- {
		if s.history[i].state == got {
			if i < oldest {
				t.Errorf("after the kill the world went back to state %d of %d (%v before the kill); at most one save interval may be lost",
					i, len(s.history), s.killedAt.Sub(s.history[i].at))
			}
			return
		}
	}
	if got == s.pending {
		return // the last command ran and was saved; its answer was lost with the process
	}
	t.Errorf("after the kill the world is in a state it never was in:\n got  %s\n last %s", got, s.history[len(s.history)-1].state)
}

func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("clean shutdown: %v", err)
	}
}

// wrongAnswer: the server answered, but not as the test's model of the
// world predicted.
type wrongAnswer struct{ error }

type player struct {
	name string
	conn net.Conn
	r    *bufio.Reader
	mark int
}

func (s *crashServer) login(t *testing.T, name string, create bool) *player {
	t.Helper()
	conn, err := net.Dial("tcp", s.telnet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &player{name: name, conn: conn, r: bufio.NewReader(conn)}
	verb := "connect"
	if create {
		verb = "create"
	}
	if _, err := p.expect(verb+" "+name+" password1", "Exits:"); err != nil {
		t.Fatalf("%s %s: %v", verb, name, err)
	}
	return p
}

func (p *player) must(t *testing.T, line, want string) string {
	t.Helper()
	out, err := p.expect(line, want)
	if err != nil {
		t.Fatalf("%s: %s: %v", p.name, line, err)
	}
	return out
}

// expect sends line followed by a marker say, reads up to the marker's
// echo, and checks that what came before it contains want.
func (p *player) expect(line, want string) (string, error) {
	p.mark++
	marker := fmt.Sprintf("mark-%d", p.mark)
	p.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(p.conn, "%s\r\nsay %s\r\n", line, marker); err != nil {
		return "", err
	}
	var out strings.Builder
	buf := make([]byte, 4096)
	echo := `You say, "` + marker + `"`
	for !strings.Contains(out.String(), echo) {
		n, err := p.r.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String(), err
		}
	}
	text := out.String()
	text = text[:strings.Index(text, echo)]
	if !strings.Contains(text, want) {
		return text, wrongAnswer{fmt.Errorf("%s: the answer to %q lacks %q: %q", p.name, line, want, text)}
	}
	return text, nil
}

// A database file that is not one (or is corrupt) is refused at start with
// its error, and left as it was: the server never overwrites what it
// cannot read.
func TestCorruptDatabaseRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "bad.db")
	junk := []byte(strings.Repeat("this is not a database ", 500))
	if err := os.WriteFile(db, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-telnet", "127.0.0.1:0", "-ssh", "", "-http", "", "-db", db).CombinedOutput()
	if err == nil {
		t.Fatalf("the server started on a corrupt database:\n%s", out)
	}
	if !strings.Contains(string(out), "not a database") || !strings.Contains(string(out), db) {
		t.Errorf("the error does not say what is wrong with which file:\n%s", out)
	}
	if after, _ := os.ReadFile(db); string(after) != string(junk) {
		t.Error("the corrupt file was changed")
	}
}

// logBuffer collects a process's log lines for a test to read while it
// runs.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	b.lines = append(b.lines, line)
	b.mu.Unlock()
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// When the final save fails (another process holds the database locked
// through the shutdown), the process says so and exits non-zero, though an
// admin's shutdown command ran the shutdown and main only asked for its
// result.
func TestFailedFinalSaveExitsNonZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "test.db")
	var logs logBuffer
	cmd, telnet := startBinary(t, bin, db, &logs, nil)
	admin := dialAndWait(t, telnet, "create alice password1\r\n", "Exits:")

	locker, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	conn, err := locker.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	admin.Write([]byte("get stick\r\nshutdown 0\r\n"))
	readUntil(t, admin, "The server is shutting down.")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(90 * time.Second): // each failing write waits out the 5 s busy timeout
		t.Fatalf("the server did not exit; log:\n%s", logs.String())
	}
	conn.ExecContext(t.Context(), `ROLLBACK`)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit: %v, want a non-zero status; log:\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "THE FINAL SAVE FAILED") {
		t.Errorf("the log does not say the final save failed:\n%s", logs.String())
	}
}
