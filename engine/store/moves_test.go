package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"shardmud/world"
)

// arrival is a character crossing here from the shard east, as the world
// hands it over (its items with ids of this shard).
func arrival(name, id string, items ...world.ItemRecord) world.CharacterMove {
	rec := &world.PlayerRecord{Name: name, Role: world.RoleBuilder, Room: "town.square", Attrs: map[string]float64{"quest": 2},
		Stats: world.NewStats(), Gold: 40, Wimpy: 5, Prefs: world.Prefs{Color: "on", Muted: []string{"gossip"}}, Items: items}
	rec.Stats.Level, rec.Stats.Exp = 3, 120
	for _, it := range items {
		if rec.States == nil {
			rec.States = make(map[uint64][]byte)
		}
		rec.States[it.ID] = []byte(fmt.Sprintf(`{"was":%d}`, it.ID))
	}
	return world.CharacterMove{Kind: world.MoveArrived, Name: name, Peer: "east", ID: id, Record: rec, Hash: []byte("bcrypt-" + name)}
}

func handoff(kind world.MoveKind, name, id string) world.CharacterMove {
	return world.CharacterMove{Kind: kind, Name: name, Peer: "east", ID: id}
}

func held(id uint64, key string, seq uint64) world.ItemRecord {
	return world.ItemRecord{ID: id, Proto: "town.thing", Kind: world.InPlayer, Holder: key, Seq: seq}
}

func inside(id, container, seq uint64) world.ItemRecord {
	return world.ItemRecord{ID: id, Proto: "town.thing", Kind: world.InItem, Holder: fmt.Sprint(container), Seq: seq}
}

func lying(id uint64, room string, seq uint64) world.ItemRecord {
	return world.ItemRecord{ID: id, Proto: "town.thing", Kind: world.InRoom, Holder: room, Seq: seq}
}

func save(t *testing.T, s *Store, ds ...*world.Delta) {
	t.Helper()
	for _, d := range ds {
		if err := s.SaveDelta(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
}

func character(t *testing.T, s *Store, name string) *Character {
	t.Helper()
	c, err := s.Character(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itemCount(t *testing.T, s *Store, name string) int {
	t.Helper()
	n, err := s.CharacterItems(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestArrivedCharacterRoundTrip(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	m := arrival("Ada", "h1", held(10, "ada", 1), inside(11, 10, 2), inside(12, 10, 3), inside(13, 12, 4), held(14, "ada", 5))
	m.Record.Items[4].Slot = "wield"
	save(t, s, &world.Delta{Moves: []world.CharacterMove{m}})
	c := character(t, s, "ADA")
	if !reflect.DeepEqual(c.Record, *m.Record) {
		t.Errorf("arrived as\n%+v\nloaded as\n%+v", *m.Record, c.Record)
	}
	if string(c.Hash) != "bcrypt-Ada" || c.Residence != (Residence{ResidenceArriving, "east", "h1"}) {
		t.Errorf("hash %q, residence %+v", c.Hash, c.Residence)
	}
	if n := itemCount(t, s, "ada"); n != 5 {
		t.Errorf("ada holds %d items, want 5", n)
	}
	save(t, s, &world.Delta{Moves: []world.CharacterMove{handoff(world.MoveHome, "ada", "")}})
	if r := character(t, s, "ada").Residence; r != (Residence{}) {
		t.Errorf("home, residence %+v", r)
	}
}

// stateRows counts script state of items.
func stateRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM script_state WHERE entity LIKE 'item:%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLeavingThenGone(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	for _, name := range []string{"Ada", "Bo"} {
		if _, err := s.CreateCharacter(ctx, name, []byte("hash-"+name), ""); err != nil {
			t.Fatal(err)
		}
	}
	save(t, s, &world.Delta{
		Items: []world.ItemRecord{held(1, "ada", 1), inside(2, 1, 2), inside(3, 2, 3), held(4, "bo", 4), lying(5, "town.square", 5)},
		States: []world.StateRecord{{Entity: "item:1", Data: []byte("1")}, {Entity: "item:3", Data: []byte("3")},
			{Entity: "item:4", Data: []byte("4")}, {Entity: "item:5", Data: []byte("5")}},
	})
	save(t, s, &world.Delta{Players: []world.PlayerRecord{{Name: "Ada", Gold: 9}}, Moves: []world.CharacterMove{handoff(world.MoveLeaving, "Ada", "h1")}})
	c := character(t, s, "ada")
	if c.Residence != (Residence{ResidenceLeaving, "east", "h1"}) || c.Record.Gold != 9 || len(c.Record.Items) != 3 || len(c.Record.States) != 2 {
		t.Fatalf("leaving: residence %+v, record %+v", c.Residence, c.Record)
	}
	save(t, s, &world.Delta{Moves: []world.CharacterMove{handoff(world.MoveGone, "ada", "h1"), handoff(world.MoveGone, "nobody", "h2")}})
	c = character(t, s, "ada")
	if c.Residence != (Residence{ResidenceAway, "east", "h1"}) || string(c.Hash) != "hash-Ada" || len(c.Record.Items) != 0 {
		t.Fatalf("gone: residence %+v, hash %q, items %+v", c.Residence, c.Hash, c.Record.Items)
	}
	if n := stateRows(t, s); n != 2 {
		t.Errorf("%d item states, want Bo's and the one in the square", n)
	}
	if n := itemCount(t, s, "bo"); n != 1 {
		t.Errorf("bo holds %d items", n)
	}
	if ok, _ := s.Exists(ctx, "nobody"); ok {
		t.Error("a departure made a character")
	}
}

func TestArrivedReplacesRowAndItems(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	if _, err := s.CreateCharacter(ctx, "Ada", []byte("old-hash"), ""); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchLogin(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	save(t, s, &world.Delta{
		Players: []world.PlayerRecord{{Name: "Ada", Gold: 1}},
		Items:   []world.ItemRecord{held(1, "ada", 1), inside(2, 1, 2), inside(3, 2, 3)},
		States:  []world.StateRecord{{Entity: "item:3", Data: []byte("3")}},
	})
	var created, login int64
	s.db.QueryRow(`SELECT created_at, last_login FROM characters WHERE name_key = 'ada'`).Scan(&created, &login)
	save(t, s, &world.Delta{Moves: []world.CharacterMove{arrival("ada", "h1", held(10, "ada", 10))}})
	c := character(t, s, "ada")
	if len(c.Record.Items) != 1 || c.Record.Items[0].ID != 10 || c.Record.Gold != 40 || string(c.Hash) != "bcrypt-ada" {
		t.Fatalf("after arriving: hash %q, record %+v", c.Hash, c.Record)
	}
	var items int
	s.db.QueryRow(`SELECT count(*) FROM items`).Scan(&items)
	if items != 1 || stateRows(t, s) != 1 {
		t.Errorf("%d items, %d item states: the old ones are left", items, stateRows(t, s))
	}
	var created2, login2 int64
	s.db.QueryRow(`SELECT created_at, last_login FROM characters WHERE name_key = 'ada'`).Scan(&created2, &login2)
	if created2 != created || login2 != login {
		t.Errorf("created %d, last login %d; were %d, %d", created2, login2, created, login)
	}
}

// dump is the saved state that moves change, as text to compare.
func dump(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT name_key, name, password_hash, role, room, attrs, level, exp, gold, stats, prefs, residence FROM characters ORDER BY name_key`,
		`SELECT id, proto, holder_kind, holder, seq, spawn, slot, name FROM items ORDER BY id`,
		`SELECT entity, state FROM script_state ORDER BY entity`,
	} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%s|", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// Deltas that queued up, merged and saved in one SaveDelta, leave the
// database as saving them one by one does.
func TestMergedMovesSaveAsInOrder(t *testing.T) {
	moves := func(ms ...world.CharacterMove) []world.CharacterMove { return ms }
	players := func(name string, gold int) []world.PlayerRecord {
		return []world.PlayerRecord{{Name: name, Stats: world.NewStats(), Gold: gold}}
	}
	for _, tc := range []struct {
		name   string
		deltas []*world.Delta
		check  func(t *testing.T, s *Store)
	}{{
		name: "arrived and played",
		deltas: []*world.Delta{
			{Moves: moves(arrival("Eve", "h1", held(40, "eve", 40)))},
			{Players: players("Eve", 3), Items: []world.ItemRecord{held(41, "eve", 41), inside(40, 41, 42)}},
			{Moves: moves(handoff(world.MoveHome, "eve", ""))},
		},
		check: func(t *testing.T, s *Store) {
			c := character(t, s, "eve")
			if c.Residence.State != "" || c.Record.Gold != 3 || len(c.Record.Items) != 2 || c.Record.Items[1].Holder != "41" {
				t.Errorf("eve: %+v, %+v", c.Residence, c.Record)
			}
		},
	}, {
		name: "gone and back",
		deltas: []*world.Delta{
			{ // she picks up the lamp and drops her bag (with the gem), then leaves
				Players: players("Ada", 5),
				Items:   []world.ItemRecord{held(20, "ada", 20), lying(1, "town.square", 21)},
				States:  []world.StateRecord{{Entity: "item:20", Data: []byte("lamp")}},
				Moves:   moves(handoff(world.MoveLeaving, "Ada", "h1")),
			},
			{Moves: moves(handoff(world.MoveGone, "Ada", "h1"))},
			{Moves: moves(arrival("Ada", "h2", held(30, "ada", 30), inside(31, 30, 31))), Players: players("Ada", 7),
				Items: []world.ItemRecord{held(32, "ada", 32)}},
			{Items: []world.ItemRecord{lying(31, "town.square", 33)}, Moves: moves(handoff(world.MoveHome, "Ada", ""))},
		},
		check: func(t *testing.T, s *Store) {
			c := character(t, s, "ada")
			var ids []uint64
			for _, it := range c.Record.Items {
				ids = append(ids, it.ID)
			}
			if c.Residence.State != "" || c.Record.Gold != 7 || !slices.Equal(ids, []uint64{30, 32}) {
				t.Errorf("ada: %+v, gold %d, items %v", c.Residence, c.Record.Gold, ids)
			}
			snap, err := s.Snapshot(context.Background())
			if err != nil || len(snap.Items) != 5 || string(snap.States["item:2"]) != "gem" || snap.States["item:20"] != nil {
				t.Errorf("the square holds %+v, states %v (%v): want the bag she dropped with what it holds, the pebble, and what she took from the new bag",
					snap.Items, snap.States, err)
			}
		},
	}, {
		name: "arrived, then gone back",
		deltas: []*world.Delta{
			{Moves: moves(arrival("Eve", "h1", held(40, "eve", 40), inside(41, 40, 41)))},
			{Players: players("Eve", 3), Items: []world.ItemRecord{held(42, "eve", 42)}, Moves: moves(handoff(world.MoveLeaving, "Eve", "h2"))},
			{Moves: moves(handoff(world.MoveGone, "Eve", "h2"))},
		},
		check: func(t *testing.T, s *Store) {
			c := character(t, s, "eve")
			if c.Residence != (Residence{ResidenceAway, "east", "h2"}) || string(c.Hash) != "bcrypt-Eve" || itemCount(t, s, "eve") != 0 {
				t.Errorf("eve: %+v, hash %q", c.Residence, c.Hash)
			}
		},
	}, {
		name: "arrived twice",
		deltas: []*world.Delta{
			{Moves: moves(arrival("Zed", "h1", held(50, "zed", 50), inside(51, 50, 51), held(52, "zed", 52)))},
			{Items: []world.ItemRecord{lying(50, "town.square", 53)}}, // he drops the bag, the gem in it
			{Players: players("Zed", 1), Moves: moves(handoff(world.MoveLeaving, "Zed", "h2"))},
			{Moves: moves(handoff(world.MoveGone, "Zed", "h2"))},
			{Moves: moves(arrival("Zed", "h3", held(60, "zed", 60)))},
		},
		check: func(t *testing.T, s *Store) {
			c := character(t, s, "zed")
			if c.Residence.ID != "h3" || len(c.Record.Items) != 1 || c.Record.Items[0].ID != 60 {
				t.Errorf("zed: %+v, %+v", c.Residence, c.Record.Items)
			}
			snap, _ := s.Snapshot(context.Background())
			if string(snap.States["item:51"]) != `{"was":51}` {
				t.Errorf("the gem in the bag he dropped lost its state: %v", snap.States)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			inOrder, merged := open(t, filepath.Join(dir, "order.db")), open(t, filepath.Join(dir, "merged.db"))
			for _, s := range []*Store{inOrder, merged} {
				if _, err := s.CreateCharacter(context.Background(), "Ada", []byte("hash-Ada"), ""); err != nil {
					t.Fatal(err)
				}
				// Ada's bag holds a gem and a cup; a pebble lies in the square.
				save(t, s, &world.Delta{
					Items:  []world.ItemRecord{held(1, "ada", 1), inside(2, 1, 2), inside(3, 1, 3), held(4, "ada", 4), lying(5, "town.square", 5)},
					States: []world.StateRecord{{Entity: "item:2", Data: []byte("gem")}, {Entity: "item:4", Data: []byte("four")}},
				})
			}
			save(t, inOrder, tc.deltas...)
			d := tc.deltas[0]
			for _, later := range tc.deltas[1:] {
				d.Merge(later)
			}
			save(t, merged, d)
			if a, b := dump(t, inOrder), dump(t, merged); a != b {
				t.Errorf("saved in order:\n%s\nmerged:\n%s", a, b)
			}
			tc.check(t, merged)
		})
	}
}

// One delta's moves are saved in the order they were made.
func TestMovesOfOneDelta(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	if _, err := s.CreateCharacter(ctx, "Ada", []byte("h"), ""); err != nil {
		t.Fatal(err)
	}
	save(t, s, &world.Delta{Moves: []world.CharacterMove{
		handoff(world.MoveLeaving, "Ada", "h1"), handoff(world.MoveHome, "Ada", ""),
		handoff(world.MoveGone, "Bo", "h2"), arrival("Bo", "h3", held(1, "bo", 1)),
	}})
	if r := character(t, s, "ada").Residence; r != (Residence{}) {
		t.Errorf("ada left and came back: residence %+v", r)
	}
	if r := character(t, s, "bo").Residence; r != (Residence{ResidenceArriving, "east", "h3"}) || itemCount(t, s, "bo") != 1 {
		t.Errorf("bo went and came back: residence %+v, %d items", r, itemCount(t, s, "bo"))
	}
}

func TestInTransit(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	for _, name := range []string{"Ada", "Bo", "Di"} {
		if _, err := s.CreateCharacter(ctx, name, []byte("h"), ""); err != nil {
			t.Fatal(err)
		}
	}
	save(t, s, &world.Delta{Moves: []world.CharacterMove{
		handoff(world.MoveLeaving, "bo", "h1"), arrival("Cy", "h2"), handoff(world.MoveLeaving, "di", "h3"),
	}}, &world.Delta{Moves: []world.CharacterMove{handoff(world.MoveGone, "di", "h3")}})
	got, err := s.InTransit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Transit{{"Bo", Residence{ResidenceLeaving, "east", "h1"}}, {"Cy", Residence{ResidenceArriving, "east", "h2"}}}
	if !slices.Equal(got, want) {
		t.Errorf("in transit %+v, want %+v", got, want)
	}
}

// A database of schema 6 (the release before handoffs) is upgraded in
// place: its characters live here.
func TestMigrateFromVersion6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(slices.Clone(migrations[:6]),
		`INSERT INTO characters (name_key, name, password_hash, role, created_at, gold) VALUES ('ada', 'Ada', 'h', 'admin', 1, 12)`,
		`INSERT INTO items (id, proto, holder_kind, holder, seq) VALUES (1, 'town.bag', 'player', 'ada', 1), (2, 'town.gem', 'item', '1', 2)`,
		`PRAGMA user_version = 6`) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := open(t, path)
	c := character(t, s, "ada")
	if c.Residence != (Residence{}) || c.Record.Gold != 12 || len(c.Record.Items) != 2 {
		t.Fatalf("after migration: %+v, %+v", c.Residence, c.Record)
	}
	if transit, err := s.InTransit(context.Background()); err != nil || len(transit) != 0 {
		t.Fatalf("in transit after migration: %v, %v", transit, err)
	}
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != SchemaVersion || SchemaVersion < 7 {
		t.Fatalf("schema version %d, want %d", v, SchemaVersion)
	}
}
