package world_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"shardmud/data"
	"shardmud/world"
	"shardmud/world/area"
	"shardmud/world/markup"
)

// A scenario file drives a world with no sockets, line by line:
//
//	login NAME [ROLE]      a character enters (player unless ROLE given)
//	input NAME TEXT...     NAME types TEXT
//	expect NAME TEXT...    a line of NAME's unread output contains TEXT;
//	                       output up to that line is then read
//	reject NAME TEXT...    no unread line of NAME's output contains TEXT
//	clear NAME             forget NAME's unread output
//	drop NAME              NAME's connection drops (link-dead)
//	reconnect NAME         a new connection for NAME (resume or take over)
//	tick [N]               N pulses pass (default 1)
//	departed NAME          NAME has left the world and was handed to the host
//	carrying NAME N        NAME carries N items
//	count PROTO N          N items of prototype PROTO are in the world
//	                       (rooms, containers, NPCs, players in the world)
//
// Blank lines and lines starting with # are ignored.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScenario(t, f) })
	}
}

type fakeLink struct {
	lines  []string
	closed string
}

func (l *fakeLink) Send(text string) {
	l.lines = append(l.lines, strings.Split(markup.Strip(text), "\n")...)
}
func (l *fakeLink) Close(reason string) { l.closed = reason }

type fakeHost struct {
	departed map[string]world.PlayerRecord
	events   []world.Event
	discard  bool // benchmarks: keep no events (a journal writes them elsewhere)
}

func (h *fakeHost) Record(e world.Event) {
	if !h.discard {
		h.events = append(h.events, e)
	}
}

func (h *fakeHost) Depart(rec world.PlayerRecord, link world.Link, reason string) {
	h.departed[strings.ToLower(rec.Name)] = rec
	if link != nil {
		link.Close(reason)
	}
}

func newTestWorld(t testing.TB) (*world.World, *fakeHost) {
	t.Helper()
	bp, err := area.Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{departed: make(map[string]world.PlayerRecord)}
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: h, LinkDeadTicks: 50}, bp)
	if err != nil {
		t.Fatal(err)
	}
	return w, h
}

func runScenario(t *testing.T, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, host := newTestWorld(t)
	links := make(map[string]*fakeLink)
	records := make(map[string]world.PlayerRecord)
	sc := bufio.NewScanner(f)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, lineNo)
		op, rest, _ := strings.Cut(line, " ")
		who, text, _ := strings.Cut(rest, " ")
		who = strings.ToLower(who)
		link := links[who]
		player := func() *world.Player {
			p := w.Player(who)
			if p == nil {
				t.Fatalf("%s: %s is not in the world", where, who)
			}
			return p
		}
		switch op {
		case "login", "reconnect":
			rec, ok := records[who]
			if !ok {
				rec = world.PlayerRecord{Name: strings.ToUpper(who[:1]) + who[1:], Stats: world.NewStats()} // an existing character: no starting gold
				if text != "" {
					if rec.Role, err = world.ParseRole(text); err != nil {
						t.Fatalf("%s: %v", where, err)
					}
				}
				records[who] = rec
			}
			if r, ok := host.departed[who]; ok {
				rec = r
			}
			links[who] = &fakeLink{}
			w.Enter(rec, links[who])
		case "input":
			w.Do(player(), text)
		case "expect", "reject":
			if link == nil {
				t.Fatalf("%s: %s never logged in", where, who)
			}
			found := -1
			for i, l := range link.lines {
				if strings.Contains(l, text) {
					found = i
					break
				}
			}
			if op == "expect" && found < 0 {
				t.Fatalf("%s: %s did not see %q; unread output:\n%s", where, who, text, strings.Join(link.lines, "\n"))
			}
			if op == "reject" && found >= 0 {
				t.Fatalf("%s: %s saw %q but should not have", where, who, text)
			}
			if found >= 0 {
				link.lines = link.lines[found+1:]
			}
		case "clear":
			link.lines = nil
		case "drop":
			w.Disconnect(player(), link)
		case "tick":
			n := 1
			if who != "" {
				if n, err = strconv.Atoi(who); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
			}
			for range n {
				w.Tick()
			}
		case "departed":
			if _, ok := host.departed[who]; !ok || w.Player(who) != nil {
				t.Fatalf("%s: %s has not departed", where, who)
			}
		case "carrying":
			n, _ := strconv.Atoi(text)
			if got := len(player().Items); got != n {
				t.Fatalf("%s: %s carries %d items, want %d", where, who, got, n)
			}
		case "count":
			n, err := strconv.Atoi(text)
			if err != nil {
				t.Fatalf("%s: count %s: %v", where, who, err)
			}
			got := 0
			for _, it := range w.Items() {
				if it.Proto.ID == who {
					got++
				}
			}
			if got != n {
				t.Fatalf("%s: %d items of %s in the world, want %d", where, got, who, n)
			}
		default:
			t.Fatalf("%s: unknown step %q", where, op)
		}
	}
}

// Every command has usage and help text: a missing one fails here, not in
// front of a player.
func TestEveryCommandHasHelp(t *testing.T) {
	w, _ := newTestWorld(t)
	for _, c := range w.Commands() {
		if c.Usage == "" || len(c.Help) < 10 {
			t.Errorf("command %q lacks usage or help", c.Name)
		}
	}
}
