package world_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"shardmud/world"
)

// The documented abbreviations: a prefix that starts several commands runs
// the first in table order (the tbaMUD convention), so these are fixed.
func TestPrefixPriority(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(world.PlayerRecord{Name: "Alice", Stats: world.NewStats()}, link)
	for _, tc := range []struct{ typed, runs string }{
		{"n", "north"}, {"s", "south"}, {"e", "east"}, {"w", "west"},
		{"u", "up"}, {"d", "down"}, {"ne", "northeast"}, {"sw", "southwest"},
		{"l", "look"}, {"i", "inventory"}, {"inv", "inventory"},
		{"g", "go"}, {"ge", "get"}, {"gi", "give"},
		{"t", "tell"}, {"ta", "take"},
		{"k", "kill"}, {"c", "chat"}, {"h", "help"}, {"sc", "score"},
		{"exa", "examine"}, {"eq", "equipment"}, {"q", ""}, // quit only in full
	} {
		link.lines = nil
		w.Do(p, "help "+tc.typed)
		got := strings.Join(link.lines, "\n")
		if tc.runs == "" {
			if strings.Contains(got, "Usage:") {
				t.Errorf("%q runs a command; want none:\n%s", tc.typed, got)
			}
			continue
		}
		if !strings.Contains(got, "Usage: "+tc.runs) {
			t.Errorf("%q: want %s; help says:\n%s", tc.typed, tc.runs, got)
		}
	}
}

// 'help' shows what each letter runs, from the table itself.
func TestHelpListsShortForms(t *testing.T) {
	w, _ := newTestWorld(t)
	link := &fakeLink{}
	p := w.Enter(world.PlayerRecord{Name: "Alice", Stats: world.NewStats()}, link)
	link.lines = nil
	w.Do(p, "help")
	got := strings.Join(link.lines, " ")
	for _, want := range []string{"g go,", "l look,", "n north,", "t tell,", "i inventory,"} {
		if !strings.Contains(got, want) {
			t.Errorf("help index lacks %q:\n%s", want, strings.Join(link.lines, "\n"))
		}
	}
}

// README.md states the order in which a prefix is resolved; it must be the
// table's.
func TestReadmeStatesPrefixOrder(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)a prefix runs the first command in this order that starts with it: (.*?)\.\n`).FindSubmatch(text)
	if m == nil {
		t.Fatal("README.md does not state the prefix order")
	}
	var documented []string
	for _, f := range strings.Split(string(m[1]), ",") {
		documented = append(documented, strings.Trim(strings.TrimSpace(f), "`"))
	}
	w, _ := newTestWorld(t)
	var table []string
	for _, c := range w.Commands() {
		// Socials come after every command (they never win a prefix), and
		// README names them as a group.
		if c.MinRole == world.RolePlayer && !c.Exact && !strings.HasPrefix(c.Help, "A social") {
			table = append(table, c.Name)
		}
	}
	if !slices.Equal(documented, table) {
		t.Errorf("README order:\n%s\ntable order:\n%s", strings.Join(documented, ", "), strings.Join(table, ", "))
	}
}

// look's layout, line by line: the room's name, its description, a line
// beginning "Exits:" naming the exits in full, then what and who is here.
func TestLookLayout(t *testing.T) {
	w, _ := newTestWorld(t)
	alink, blink := &fakeLink{}, &fakeLink{}
	alice := w.Enter(world.PlayerRecord{Name: "Alice", Stats: world.NewStats()}, alink)
	w.Enter(world.PlayerRecord{Name: "Bob", Stats: world.NewStats()}, blink)
	r := alice.Room
	if r.ID != "thornwick.square" {
		t.Fatalf("start room %s; this test describes thornwick.square", r.ID)
	}
	want := []string{"Thornwick Square"}
	want = append(want, strings.Split(strings.TrimRight(r.Desc, "\n"), "\n")...)
	want = append(want, "Exits: north east south west")
	for _, it := range r.Items {
		want = append(want, it.Long())
	}
	for _, m := range r.Mobs {
		want = append(want, m.Proto.Long)
	}
	want = append(want, "Bob is here.")
	if len(r.Items) == 0 || len(r.Mobs) == 0 {
		t.Fatal("the square has no items or NPCs: the layout is not fully tested")
	}

	alink.lines = nil
	w.Do(alice, "look")
	if !slices.Equal(alink.lines, want) {
		t.Errorf("look shows:\n%s\nwant:\n%s", strings.Join(alink.lines, "\n"), strings.Join(want, "\n"))
	}
}

// A crowd is counted, not listed: every arrival looks, and a list of
// thousands would cost every one of them a page.
func TestLookCountsACrowd(t *testing.T) {
	w, _ := newTestWorld(t)
	alink := &fakeLink{}
	alice := w.Enter(world.PlayerRecord{Name: "Alice", Stats: world.NewStats()}, alink)
	for i := range world.MaxPlayersListed + 5 {
		name := "P" + strings.Repeat("x", i/26) + string(rune('a'+i%26))
		w.Enter(world.PlayerRecord{Name: name, Stats: world.NewStats()}, &fakeLink{})
	}
	alink.lines = nil
	w.Do(alice, "look")
	named := 0
	for _, l := range alink.lines {
		if strings.HasSuffix(l, " is here.") {
			named++
		}
	}
	if named != world.MaxPlayersListed {
		t.Errorf("%d players named, want %d", named, world.MaxPlayersListed)
	}
	if last := alink.lines[len(alink.lines)-1]; last != "...and 5 more are here ('who' lists everyone)." {
		t.Errorf("last line %q, want the count of the rest", last)
	}
}

// A builder who leaves the world with the editor open (link-dead too long,
// a shutdown) closes the audit entry of the edit as given up.
func TestEditorLeftOpenIsAudited(t *testing.T) {
	w, h := newTestWorld(t)
	b := w.Enter(world.PlayerRecord{Name: "Bea", Role: world.RoleBuilder, Stats: world.NewStats()}, &fakeLink{})
	w.Do(b, "rdesc")
	if !b.Editing() {
		t.Fatal("rdesc did not open the editor")
	}
	w.Do(b, "A half-written description")
	h.events = nil
	w.Remove(b)
	for _, e := range h.events {
		if e.Kind == "admin" && e.Details["command"] == "rdesc" {
			if out, _ := e.Details["outcome"].(string); !strings.Contains(out, "gave up") {
				t.Errorf("rdesc audited with outcome %q, want it given up", out)
			}
			return
		}
	}
	t.Fatalf("no audit entry for the rdesc left open; events: %+v", h.events)
}

// A player who names a staff command is answered as if it did not exist,
// and the attempt is audited; a typo that only starts like one is not.
func TestRefusedStaffCommandsAudited(t *testing.T) {
	w, h := newTestWorld(t)
	l := &fakeLink{}
	p := w.Enter(world.PlayerRecord{Name: "Pat", Stats: world.NewStats()}, l)
	refused := func() int {
		n := 0
		for _, e := range h.events {
			if e.Kind == "admin" && e.Details["outcome"] == "refused" {
				n++
			}
		}
		return n
	}
	w.Do(p, "transf pat")
	if n := refused(); n != 0 {
		t.Errorf("a prefix typo was audited as a refused staff command (%d events)", n)
	}
	w.Do(p, "transfer pat")
	if n := refused(); n != 1 {
		t.Errorf("%d refused events after 'transfer', want 1", n)
	}
	if last := l.lines[len(l.lines)-1]; !strings.HasPrefix(last, "Huh?") {
		t.Errorf("the player was told %q, not the unknown-command answer", last)
	}
}
