package report

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shardmud/engine/store"
)

var base = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// at is base plus m minutes.
func at(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }

type details = map[string]any

// journal is the fixture most tests read: two hours of a small shard.
func journal() []store.Event {
	return []store.Event{
		{At: at(0), Kind: "start"},
		{At: at(0), Kind: "online", Details: details{"players": 0}},
		{At: at(1), Kind: "online", Details: details{"players": 2}},
		{At: at(2), Kind: "online", Details: details{"players": 4}},
		{At: at(1), Kind: "login", Actor: "Alice", Room: "thornwick.square", Details: details{"protocol": "telnet", "addr": "10.0.0.1:5000", "new": true}},
		{At: at(1), Kind: "login", Actor: "Bob", Room: "thornwick.square", Details: details{"protocol": "ssh", "addr": "10.0.0.2:5000", "new": false}},
		{At: at(3), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 5}},
		{At: at(3), Kind: "command", Target: "say", Room: "thornwick.square", Details: details{"count": 3}},
		{At: at(3), Kind: "command", Target: "look", Room: "thornwick.inn", Details: details{"count": 2}},
		{At: at(4), Kind: "move", Actor: "Bob", Room: "forest.path", Details: details{"from": "thornwick.gate"}},
		{At: at(5), Kind: "script_error", Target: "thornwick/crier.lua", Details: details{"message": "attempt to index a nil value"}},
		{At: at(6), Kind: "death", Actor: "Bob", Target: "wolf", Room: "forest.path", Details: details{"cause": "combat"}},
		{At: at(7), Kind: "logout", Actor: "Bob", Room: "forest.path", Details: details{"reason": "quit", "protocol": "ssh", "seconds": 360}},
		{At: at(8), Kind: "give", Actor: "Alice", Target: "Carol", Details: details{"item": "thornwick.apple", "id": 17}},
		// The second hour.
		{At: at(61), Kind: "online", Details: details{"players": 3}},
		{At: at(62), Kind: "online", Details: details{"players": 5}},
		{At: at(63), Kind: "online", Details: details{"players": 5}},
		{At: at(65), Kind: "login", Actor: "alice", Room: "thornwick.inn", Details: details{"protocol": "telnet", "addr": "10.0.0.1:5001", "new": false}},
		{At: at(65), Kind: "login", Actor: "Carol", Room: "thornwick.square", Details: details{"protocol": "telnet", "addr": "10.0.0.3:5000", "new": true}},
		{At: at(66), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 4}},
		{At: at(66), Kind: "command", Target: "north", Room: "forest.path", Details: details{"count": 1}},
		{At: at(70), Kind: "script_error", Target: "thornwick/crier.lua", Details: details{"message": "instruction budget exceeded"}},
		{At: at(71), Kind: "script_error", Target: "forest/wolf.lua", Details: details{"message": "bad argument #1"}},
		{At: at(72), Kind: "death", Actor: "Carol", Room: "forest.cliff", Details: details{"cause": "fall"}},
		{At: at(73), Kind: "death", Actor: "Alice", Target: "wolf", Room: "forest.path", Details: details{"cause": "combat"}},
		{At: at(80), Kind: "admin", Actor: "Alice", Target: "Carol", Details: details{"command": "restore"}},
		{At: at(90), Kind: "stop"},
	}
}

// newJournal writes evs to a new database the way the server does and
// returns its path.
func newJournal(t testing.TB, evs []store.Event) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shardmud.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AppendEvents(context.Background(), "main", evs); err != nil {
		t.Fatal(err)
	}
	return path
}

// readOnly opens path the way the report command does.
func readOnly(t testing.TB, path string) *sql.DB {
	t.Helper()
	s, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

func build(t *testing.T, path string, opt Options) *Report {
	t.Helper()
	r, err := Build(context.Background(), readOnly(t, path), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sameJSON compares reports as JSON, which shows a difference readably.
func sameJSON(t *testing.T, got, want *Report) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if !bytes.Equal(g, w) {
		t.Errorf("report:\n%s\nwant:\n%s", g, w)
	}
}

func TestBuild(t *testing.T) {
	r := build(t, newJournal(t, journal()), Options{})
	sameJSON(t, r, &Report{
		Range: Range{First: at(0), Last: at(90), Events: 27, Kinds: []Count{
			{"online", 6}, {"command", 5}, {"login", 4}, {"death", 3}, {"script_error", 3},
			{"admin", 1}, {"give", 1}, {"logout", 1}, {"move", 1}, {"start", 1}, {"stop", 1},
		}},
		Online: Online{
			Hours: []Hour{
				{Start: at(0), Avg: 2, Max: 4, Samples: 3},
				{Start: at(60), Avg: 13.0 / 3, Max: 5, Samples: 3},
			},
			Peak: 5, PeakAt: at(62),
		},
		Logins:   Logins{Total: 4, Characters: 3, New: 2, ByProtocol: []Count{{"telnet", 3}, {"ssh", 1}}},
		Commands: Ranking{Total: 15, Distinct: 3, Top: []Count{{"look", 11}, {"say", 3}, {"north", 1}}},
		Rooms: Ranking{Total: 15, Distinct: 3, Top: []Count{
			{"thornwick.square", 12}, {"thornwick.inn", 2}, {"forest.path", 1}}},
		Areas:  Ranking{Total: 15, Distinct: 2, Top: []Count{{"thornwick", 14}, {"forest", 1}}},
		Deaths: Ranking{Total: 3, Distinct: 2, Top: []Count{{"combat", 2}, {"fall", 1}}},
		ScriptErrors: ScriptErrors{Total: 3, Distinct: 2, Top: []ScriptError{
			{File: "thornwick/crier.lua", Count: 2, LatestAt: at(70), LatestMessage: "instruction budget exceeded"},
			{File: "forest/wolf.lua", Count: 1, LatestAt: at(71), LatestMessage: "bad argument #1"},
		}},
	})
}

// TestBuildTop: rankings keep Top rows, and their totals still count all.
func TestBuildTop(t *testing.T) {
	r := build(t, newJournal(t, journal()), Options{Top: 1})
	want := build(t, newJournal(t, journal()), Options{})
	want.Logins.ByProtocol = want.Logins.ByProtocol[:1]
	for _, rk := range []*Ranking{&want.Commands, &want.Rooms, &want.Areas, &want.Deaths} {
		rk.Top = rk.Top[:1]
	}
	want.ScriptErrors.Top = want.ScriptErrors.Top[:1]
	sameJSON(t, r, want)
	if r.Commands.Total != 15 || r.Commands.Distinct != 3 || r.ScriptErrors.Total != 3 {
		t.Errorf("totals of a cut ranking: commands %d in %d verbs, %d script errors; want 15, 3, 3",
			r.Commands.Total, r.Commands.Distinct, r.ScriptErrors.Total)
	}
}

// TestBuildRange: Since is included, Until excluded.
func TestBuildRange(t *testing.T) {
	r := build(t, newJournal(t, journal()), Options{Since: at(60), Until: at(80)})
	sameJSON(t, r, &Report{
		Range: Range{Since: at(60), Until: at(80), First: at(61), Last: at(73), Events: 11, Kinds: []Count{
			{"online", 3}, {"command", 2}, {"death", 2}, {"login", 2}, {"script_error", 2},
		}},
		Online: Online{
			Hours: []Hour{{Start: at(60), Avg: 13.0 / 3, Max: 5, Samples: 3}},
			Peak:  5, PeakAt: at(62),
		},
		Logins:   Logins{Total: 2, Characters: 2, New: 1, ByProtocol: []Count{{"telnet", 2}}},
		Commands: Ranking{Total: 5, Distinct: 2, Top: []Count{{"look", 4}, {"north", 1}}},
		Rooms:    Ranking{Total: 5, Distinct: 2, Top: []Count{{"thornwick.square", 4}, {"forest.path", 1}}},
		Areas:    Ranking{Total: 5, Distinct: 2, Top: []Count{{"thornwick", 4}, {"forest", 1}}},
		Deaths:   Ranking{Total: 2, Distinct: 2, Top: []Count{{"combat", 1}, {"fall", 1}}},
		ScriptErrors: ScriptErrors{Total: 2, Distinct: 2, Top: []ScriptError{
			{File: "forest/wolf.lua", Count: 1, LatestAt: at(71), LatestMessage: "bad argument #1"},
			{File: "thornwick/crier.lua", Count: 1, LatestAt: at(70), LatestMessage: "instruction budget exceeded"},
		}},
	})
	// Only Since: everything from the second hour on.
	r = build(t, newJournal(t, journal()), Options{Since: at(60)})
	if r.Range.Events != 13 || r.Range.First != at(61) || r.Range.Last != at(90) {
		t.Errorf("since the second hour: %d events from %v to %v, want 13 from %v to %v",
			r.Range.Events, r.Range.First, r.Range.Last, at(61), at(90))
	}
}

// TestBuildEmpty: a database without events, or a range without any, has
// every section empty, and every list an array in JSON.
func TestBuildEmpty(t *testing.T) {
	empty := &Report{
		Range:        Range{Kinds: []Count{}},
		Online:       Online{Hours: []Hour{}},
		Logins:       Logins{ByProtocol: []Count{}},
		Commands:     Ranking{Top: []Count{}},
		Rooms:        Ranking{Top: []Count{}},
		Areas:        Ranking{Top: []Count{}},
		Deaths:       Ranking{Top: []Count{}},
		ScriptErrors: ScriptErrors{Top: []ScriptError{}},
	}
	sameJSON(t, build(t, newJournal(t, nil), Options{}), empty)

	r := build(t, newJournal(t, journal()), Options{Since: at(100)})
	empty.Range.Since = at(100)
	sameJSON(t, r, empty)
	j, _ := json.Marshal(r)
	if bytes.Contains(j, []byte("null")) {
		t.Errorf("empty report has a null in JSON: %s", j)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text.String(), "  none\n"); n != 7 {
		t.Errorf("empty report has %d sections saying none, want 7:\n%s", n, text.String())
	}
}

// TestBuildHostileDetails: details of any shape, even not JSON, are read
// as absent and counted as left out; nothing fails.
func TestBuildHostileDetails(t *testing.T) {
	path := newJournal(t, []store.Event{
		{At: at(0), Kind: "online", Details: details{"players": 3}},
		{At: at(1), Kind: "online", Details: details{"players": "many"}},
		{At: at(2), Kind: "online"},
		{At: at(3), Kind: "online", Details: details{"players": -1}},
		{At: at(4), Kind: "online", Details: details{"players": 1e300}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 4}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square"},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": "5"}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": -3}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 2.5}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 1e12}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": details{"n": 1}}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": true}},
		{At: at(0), Kind: "command", Target: "look", Room: "thornwick.square", Details: details{"count": 999_999_999}},
		{At: at(0), Kind: "command", Target: "\x1b[2J", Room: "nowhere", Details: details{"count": 1}},
		{At: at(0), Kind: "command", Target: "say", Details: details{"verb": "say"}},
		{At: at(0), Kind: "login", Actor: "mallory", Details: details{"protocol": 7, "new": "yes"}},
		{At: at(0), Kind: "death", Actor: "mallory", Details: details{"cause": []string{"x"}}},
		{At: at(0), Kind: "script_error", Details: details{"message": 42}},
	})
	// Rows only a broken or foreign writer could leave: not JSON, or JSON
	// that is not an object.
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct{ kind, details string }{
		{"online", "garbage"}, {"online", "[1,2]"},
		{"command", "not json"}, {"command", "[1,2]"}, {"command", `"count"`}, {"command", "null"},
		{"login", "{"}, {"death", "{"}, {"script_error", "{"},
	} {
		_, err := s.DB().Exec(`INSERT INTO events (at, shard, kind, details) VALUES (?, 'main', ?, ?)`,
			at(5).UnixMilli(), row.kind, row.details)
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	r := build(t, path, Options{})
	want := &Report{
		Range: Range{First: at(0), Last: at(5), Events: 28, Kinds: []Count{
			{"command", 15}, {"online", 7}, {"death", 2}, {"login", 2}, {"script_error", 2},
		}},
		Online:   Online{Hours: []Hour{{Start: at(0), Avg: 3, Max: 3, Samples: 1}}, Peak: 3, PeakAt: at(0)},
		Logins:   Logins{Total: 2, Characters: 1, ByProtocol: []Count{{"", 2}}},
		Commands: Ranking{Total: 1_000_000_004, Distinct: 2, Top: []Count{{"look", 1_000_000_003}, {"\x1b[2J", 1}}},
		Rooms:    Ranking{Total: 1_000_000_004, Distinct: 2, Top: []Count{{"thornwick.square", 1_000_000_003}, {"nowhere", 1}}},
		Areas:    Ranking{Total: 1_000_000_004, Distinct: 2, Top: []Count{{"thornwick", 1_000_000_003}, {"nowhere", 1}}},
		Deaths:   Ranking{Total: 2, Distinct: 1, Top: []Count{{"", 2}}},
		ScriptErrors: ScriptErrors{Total: 2, Distinct: 1, Top: []ScriptError{
			{File: "", Count: 2, LatestAt: at(5), LatestMessage: ""},
		}},
		Ignored: Ignored{OnlineSamples: 6, CommandRows: 12},
	}
	sameJSON(t, r, want)

	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(text.String(), 0x1b) || !strings.Contains(text.String(), "?[2J") {
		t.Errorf("an escape sequence from the journal reaches the terminal:\n%q", text.String())
	}
}

func TestWriteText(t *testing.T) {
	r := build(t, newJournal(t, journal()), Options{Since: at(0), Until: at(120)})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"shardmud report, from 2026-03-01 10:00:00 UTC to 2026-03-01 12:00:00 UTC",
		"27 events, the first at 2026-03-01 10:00:00, the last at 2026-03-01 11:30:00",
		"Players online, per hour (UTC)",
		"  2026-03-01 11:00  4.3     5  " + strings.Repeat("#", 35) + "\n",
		"  peak: 5 at 2026-03-01 11:02:00",
		"Logins", "  logins          4", "  new characters  2", "  by telnet       3",
		"Most used commands (15 commands, 3 verbs)", "  look      11",
		"Busiest rooms (3 rooms)", "  thornwick.square        12",
		"Busiest areas (2 areas)", "  thornwick        14",
		"Deaths (3)", "  combat       2",
		"Script errors (3 in 2 files)",
		"  thornwick/crier.lua       2  2026-03-01 11:10:00  instruction budget exceeded",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "none") || strings.Contains(text, "Left out") {
		t.Errorf("full report has an empty section or left-out rows:\n%s", text)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "(none)"},
		{"look", "look"},
		{"a\x1b[31mb", "a?[31mb"},
		{"tab\tb\nc", "tab?b?c"},
		{"rtl\u202eevil", "rtl?evil"},
		{"bad\xffutf8", "bad?utf8"},
		{"0123456789", "0123456789"},
		{"0123456789a", "012345678…"},
		{"ééééééééééé", "ééééééééé…"},
	} {
		if got := clean(c.in, 10); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestBuildWhileServerWrites: reports run on a read-only handle while the
// server appends batches; neither side fails or waits on the other.
func TestBuildWhileServerWrites(t *testing.T) {
	path := newJournal(t, syntheticJournal(20000, base))
	w, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	db := readOnly(t, path)

	ctx := context.Background()
	stop := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	var writeErr error
	var slowest time.Duration
	batches := 0
	wg.Go(func() {
		next := base.Add(7 * 24 * time.Hour)
		for time.Now().Before(stop) {
			batch := syntheticJournal(256, next)
			next = next.Add(time.Hour)
			start := time.Now()
			if writeErr = w.AppendEvents(ctx, "main", batch); writeErr != nil {
				return
			}
			slowest = max(slowest, time.Since(start))
			batches++
			time.Sleep(5 * time.Millisecond)
		}
	})
	reports := 0
	var last int64
	for time.Now().Before(stop) {
		r, err := Build(ctx, db, Options{})
		if err != nil {
			t.Fatalf("report %d while writing: %v", reports+1, err)
		}
		if r.Range.Events < last {
			t.Errorf("report %d saw %d events, the one before %d", reports+1, r.Range.Events, last)
		}
		last = r.Range.Events
		reports++
	}
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writer, after %d batches: %v", batches, writeErr)
	}
	if slowest > time.Second {
		t.Errorf("a batch waited %v for the reports", slowest)
	}
	t.Logf("%d reports, %d batches, slowest batch %v", reports, batches, slowest)
	if reports < 2 || batches < 10 {
		t.Errorf("%d reports and %d batches in a second: the two did not overlap", reports, batches)
	}
}

// syntheticJournal is n events of a busy shard from start on, one a second:
// mostly command counts, a sample a minute, some logins, deaths and errors.
func syntheticJournal(n int, start time.Time) []store.Event {
	verbs := []string{"look", "say", "north", "south", "east", "west", "get", "drop", "kill", "inventory"}
	areas := []string{"thornwick", "forest", "caves", "harbour", "keep"}
	evs := make([]store.Event, 0, n)
	for i := range n {
		t := start.Add(time.Duration(i) * time.Second)
		room := areas[i%len(areas)] + ".room" + string(rune('a'+i%20))
		name := "player" + string(rune('a'+i%26))
		var e store.Event
		switch {
		case i%60 == 0:
			e = store.Event{Kind: "online", Details: details{"players": i % 97}}
		case i%50 == 1:
			e = store.Event{Kind: "login", Actor: name, Room: room,
				Details: details{"protocol": []string{"telnet", "ssh"}[i%2], "addr": "10.0.0.1:5000", "new": i%7 == 0}}
		case i%50 == 2:
			e = store.Event{Kind: "logout", Actor: name, Room: room, Details: details{"reason": "quit", "seconds": i % 3600}}
		case i%100 == 3:
			e = store.Event{Kind: "death", Actor: name, Room: room, Details: details{"cause": []string{"combat", "fall"}[i%2]}}
		case i%500 == 4:
			e = store.Event{Kind: "script_error", Target: areas[i%len(areas)] + "/crier.lua", Details: details{"message": "boom"}}
		case i%20 == 5:
			e = store.Event{Kind: "move", Actor: name, Room: room, Details: details{"from": "thornwick.square"}}
		default:
			e = store.Event{Kind: "command", Target: verbs[i%len(verbs)], Room: room, Details: details{"count": 1 + i%5}}
		}
		e.At = t
		evs = append(evs, e)
	}
	return evs
}
