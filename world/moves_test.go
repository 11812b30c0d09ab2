package world

import (
	"slices"
	"strings"
	"testing"
)

var moveKindNames = [...]string{MoveLeaving: "leaving", MoveGone: "gone", MoveArrived: "arrived", MoveHome: "home"}

// parseMove parses "kind name[@id]", e.g. "arrived Ada@h2".
func parseMove(s string) CharacterMove {
	kind, name, _ := strings.Cut(s, " ")
	name, id, _ := strings.Cut(name, "@")
	m := CharacterMove{Kind: MoveKind(slices.Index(moveKindNames[:], kind)), Name: name, Peer: "east", ID: id}
	if m.Kind == MoveArrived {
		m.Record, m.Hash = &PlayerRecord{Name: name}, []byte("hash-"+id)
	}
	return m
}

func parseMoves(list ...string) []CharacterMove {
	var out []CharacterMove
	for _, s := range list {
		out = append(out, parseMove(s))
	}
	return out
}

// movesString writes ms as parseMove reads them, a settled arrival as
// "arrived+home".
func movesString(ms []CharacterMove) string {
	var out []string
	for _, m := range ms {
		s := moveKindNames[m.Kind]
		if m.Settled {
			s += "+home"
		}
		s += " " + m.Name
		if m.ID != "" {
			s += "@" + m.ID
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestMergeMoves(t *testing.T) {
	for _, tc := range []struct {
		name           string
		earlier, later []string
		want           string
	}{
		{"leaving then home", []string{"leaving ada@h1"}, []string{"home ada"}, "home ada"},
		{"leaving then gone", []string{"leaving ada@h1"}, []string{"gone ada@h1"}, "gone ada@h1"},
		{"gone then arrived", []string{"gone ada@h1"}, []string{"arrived ada@h2"}, "arrived ada@h2"},
		{"arrived then home", []string{"arrived ada@h1"}, []string{"home ada"}, "arrived+home ada@h1"},
		{"home then leaving", []string{"home ada"}, []string{"leaving ada@h2"}, "leaving ada@h2"},
		{"leaving again", []string{"leaving ada@h1"}, []string{"leaving ada@h2"}, "leaving ada@h2"},
		{"home then arrived", []string{"home ada"}, []string{"arrived ada@h2"}, "arrived ada@h2"},
		// The arrival's row and items are still to be written.
		{"arrived then gone", []string{"arrived ada@h1"}, []string{"gone ada@h1"}, "arrived ada@h1, gone ada@h1"},
		{"arrived then leaving", []string{"arrived ada@h1"}, []string{"leaving ada@h2"}, "arrived ada@h1, leaving ada@h2"},
		{"arrived, leaving, home", []string{"arrived ada@h1", "leaving ada@h2"}, []string{"home ada"}, "arrived+home ada@h1"},
		{"settled, then leaving", []string{"arrived ada@h1"}, []string{"home ada", "leaving ada@h2"}, "arrived+home ada@h1, leaving ada@h2"},
		{"arrived, gone, arrived", []string{"arrived ada@h1", "gone ada@h1"}, []string{"arrived ada@h3"}, "arrived ada@h3"},
		// A delta's own moves are in the order they were made.
		{"back in one delta", []string{"leaving ada@h1"}, []string{"gone ada@h1", "arrived ada@h2"}, "arrived ada@h2"},
		{"back and gone in one delta", []string{"leaving ada@h1"}, []string{"arrived ada@h2", "gone ada@h2"}, "arrived ada@h2, gone ada@h2"},
		{"unfolded earlier delta", []string{"leaving ada@h1", "home ada"}, []string{"leaving bo@h2"}, "home ada, leaving bo@h2"},
		{"name in any case", []string{"leaving Ada@h1"}, []string{"home ADA"}, "home ADA"},
		{"order kept", []string{"leaving ada@h1", "leaving bo@h2", "arrived cy@h3"}, []string{"home bo", "home ada", "leaving di@h4"},
			"home ada, home bo, arrived cy@h3, leaving di@h4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, later := &Delta{Moves: parseMoves(tc.earlier...)}, &Delta{Moves: parseMoves(tc.later...)}
			d.Merge(later)
			if got := movesString(d.Moves); got != tc.want {
				t.Errorf("merged moves %q, want %q", got, tc.want)
			}
		})
	}
}

// A store folds a delta's moves, made in order, before saving them in two
// phases.
func TestFoldMoves(t *testing.T) {
	for _, tc := range []struct {
		moves []string
		want  string
	}{
		{[]string{"leaving ada@h1", "home ada"}, "home ada"}, // saved as they are, ada would end leaving
		{[]string{"gone ada@h1", "arrived ada@h2"}, "arrived ada@h2"},
		{[]string{"arrived ada@h1", "home ada", "leaving bo@h2"}, "arrived+home ada@h1, leaving bo@h2"},
		{[]string{"arrived ada@h1", "gone ada@h1"}, "arrived ada@h1, gone ada@h1"},
		{nil, ""},
	} {
		moves := parseMoves(tc.moves...)
		before := movesString(moves)
		if got := movesString(FoldMoves(moves)); got != tc.want {
			t.Errorf("FoldMoves(%q) = %q, want %q", before, got, tc.want)
		}
		if movesString(moves) != before {
			t.Errorf("FoldMoves changed its argument to %q", movesString(moves))
		}
	}
}

func TestMergeKeepsArrivalRecord(t *testing.T) {
	d := &Delta{Moves: parseMoves("arrived Ada@h1")}
	rec := d.Moves[0].Record
	d.Merge(&Delta{Moves: parseMoves("home ada")})
	if m := d.Moves[0]; m.Record != rec || string(m.Hash) != "hash-h1" || !m.Settled {
		t.Fatalf("arrival then home merged to %+v", m)
	}
	if d.Empty() || d.Size() != 1 {
		t.Fatalf("a delta with a move: Empty %v, Size %d", d.Empty(), d.Size())
	}
}

// An arrival replaces the character whole: what earlier deltas saved of
// it must not be written over the arrival.
func TestMergeArrivalForgetsTheCharacterBefore(t *testing.T) {
	d := &Delta{
		Players: []PlayerRecord{{Name: "Ada", Gold: 1}, {Name: "Bo", Gold: 2}},
		Items: []ItemRecord{
			{ID: 1, Kind: InPlayer, Holder: "ada"}, // picked up before she left
			{ID: 2, Kind: InItem, Holder: "1"},     // in that
			{ID: 3, Kind: InRoom, Holder: "town"},  // put down before she left
			{ID: 4, Kind: InItem, Holder: "3"},     // in that
			{ID: 5, Kind: InPlayer, Holder: "bo"},
			{ID: 6, Kind: InItem, Holder: "99"}, // in a container d does not move: the store's to find
		},
		States:    []StateRecord{{Entity: "item:1", Data: []byte("1")}, {Entity: "item:3", Data: []byte("3")}, {Entity: "item:5", Data: []byte("5")}},
		GoneItems: []uint64{7},
		Moves:     parseMoves("leaving Ada@h1"),
	}
	arrival := parseMove("arrived ada@h2")
	arrival.Record.Items = []ItemRecord{{ID: 10, Kind: InPlayer, Holder: "ada"}}
	d.Merge(&Delta{
		Moves:   []CharacterMove{arrival},
		Players: []PlayerRecord{{Name: "Ada", Gold: 3}},
		Items:   []ItemRecord{{ID: 11, Kind: InPlayer, Holder: "ada"}}, // picked up after she arrived
	})
	if len(d.Players) != 2 || d.Players[0].Name != "Bo" || d.Players[1].Gold != 3 {
		t.Errorf("players %+v: want Bo's and Ada's after she arrived", d.Players)
	}
	var ids []uint64
	for _, it := range d.Items {
		ids = append(ids, it.ID)
	}
	if want := []uint64{3, 4, 5, 6, 11}; !slices.Equal(ids, want) {
		t.Errorf("items %v, want %v", ids, want)
	}
	if want := []uint64{7, 1, 2}; !slices.Equal(d.GoneItems, want) {
		t.Errorf("gone items %v, want %v", d.GoneItems, want)
	}
	if len(d.States) != 2 || d.States[0].Entity != "item:3" || d.States[1].Entity != "item:5" {
		t.Errorf("states %+v: the state of what she held is gone", d.States)
	}
}

// An arrival that a second one replaces is never written as such: what
// the character put down in between is saved where it lies, with what it
// holds and its script state.
func TestMergeSecondArrivalKeepsWhatTheFirstPutDown(t *testing.T) {
	first := parseMove("arrived ada@h1")
	first.Record.Items = []ItemRecord{
		{ID: 10, Kind: InPlayer, Holder: "ada"},
		{ID: 11, Kind: InItem, Holder: "10"},
		{ID: 12, Kind: InPlayer, Holder: "ada"},
	}
	first.Record.States = map[uint64][]byte{10: []byte("bag"), 11: []byte("gem"), 12: []byte("cup")}
	d := &Delta{Moves: []CharacterMove{first}, Items: []ItemRecord{{ID: 10, Kind: InRoom, Holder: "town"}}}
	d.Merge(&Delta{Moves: parseMoves("leaving ada@h2")})
	d.Merge(&Delta{Moves: parseMoves("gone ada@h2")})
	d.Merge(&Delta{Moves: parseMoves("arrived ada@h3")})
	if got := movesString(d.Moves); got != "arrived ada@h3" {
		t.Fatalf("moves %q", got)
	}
	if len(d.Items) != 2 || d.Items[0].ID != 11 || d.Items[1].ID != 10 || d.Items[1].Kind != InRoom {
		t.Errorf("items %+v: want the gem in the bag in town", d.Items)
	}
	if !slices.Equal(d.GoneItems, []uint64{12}) {
		t.Errorf("gone items %v: want the cup, which left with her", d.GoneItems)
	}
	if len(d.States) != 2 || string(d.States[0].Data) != "bag" || string(d.States[1].Data) != "gem" {
		t.Errorf("states %+v", d.States)
	}
}
