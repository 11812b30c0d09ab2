package store

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shardmud/world"
)

func TestSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "w.db"))
	if snap, err := s.Snapshot(ctx); err != nil || len(snap.Areas) != 0 || len(snap.Items) != 0 || snap.NextID != 0 {
		t.Fatalf("a new database has a snapshot: %+v, %v", snap, err)
	}
	if _, err := s.CreateCharacter(ctx, "Alice", []byte("h"), ""); err != nil {
		t.Fatal(err)
	}
	first := &world.Delta{
		Items: []world.ItemRecord{
			{ID: 1, Proto: "a.apple", Kind: world.InRoom, Holder: "a.square", Seq: 1, Spawn: "a.square/a.apple#1"},
			{ID: 2, Proto: "a.bell", Kind: world.InMob, Holder: "3", Seq: 2},
			{ID: 4, Proto: "a.stick", Kind: world.InPlayer, Holder: "alice", Seq: 3},
		},
		Mobs:    []world.MobRecord{{ID: 3, Proto: "a.crier", Room: "a.square", Attrs: map[string]float64{"hp": 5}}},
		Exits:   []world.ExitRecord{{Room: "a.square", Dir: world.North, Closed: true, Locked: true}},
		States:  []world.StateRecord{{Entity: "mob:3", Data: []byte(`{"n":1}`)}, {Entity: "item:4", Data: []byte(`[1]`)}},
		Areas:   []string{"a"},
		NextID:  4,
		NextSeq: 3,
	}
	if err := s.SaveDelta(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &world.Delta{
		Items:     []world.ItemRecord{{ID: 1, Proto: "a.apple", Kind: world.InPlayer, Holder: "alice", Seq: 5}},
		GoneItems: []uint64{2},
		Exits:     []world.ExitRecord{{Room: "a.square", Dir: world.North}},
		States:    []world.StateRecord{{Entity: "mob:3"}},
		NextID:    4,
		NextSeq:   5,
	}
	if err := s.SaveDelta(ctx, second); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Items) != 0 {
		t.Errorf("snapshot items %+v: the apple is alice's, the bell destroyed", snap.Items)
	}
	if len(snap.Mobs) != 1 || snap.Mobs[0].Attrs["hp"] != 5 {
		t.Errorf("snapshot NPCs %+v", snap.Mobs)
	}
	if len(snap.Exits) != 1 || snap.Exits[0].Closed {
		t.Errorf("snapshot exits %+v", snap.Exits)
	}
	if len(snap.States) != 0 {
		t.Errorf("snapshot states %v: the crier's was emptied, the stick's is alice's", snap.States)
	}
	if snap.NextID != 4 || snap.NextSeq != 5 || len(snap.Areas) != 1 {
		t.Errorf("counters %d %d", snap.NextID, snap.NextSeq)
	}
	c, err := s.Character(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Record.Items) != 2 || c.Record.Items[0].ID != 4 || string(c.Record.States[4]) != "[1]" || c.Record.Items[1].ID != 1 {
		t.Fatalf("alice carries %+v", c.Record.Items)
	}
}

// The fixture is a database as schema 3 (the release before the world
// snapshot) wrote it: characters with inventories as JSON and SSH keys.
// go test ./engine/store -run Fixture -update-fixture rewrites it.
var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/v3.db")

func TestMigrateFixtureV3(t *testing.T) {
	fixture := filepath.Join("testdata", "v3.db")
	if *updateFixture {
		os.Remove(fixture)
		db, err := sql.Open("sqlite3", "file:"+fixture)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range append(append([]string{}, migrations[:3]...),
			`INSERT INTO characters (name_key, name, password_hash, role, room, inventory, created_at, attrs)
				VALUES ('ada', 'Ada', 'h1', 'admin', 'thornwick.square', '["thornwick.apple","thornwick.lantern"]', 1, '{"quest":1}'),
				       ('bo', 'Bo', 'h2', 'player', '', '[]', 2, '{}'),
				       ('cy', 'Cy', 'h3', 'builder', 'whisperwood.glade', '["thornwick.apple"]', 3, '{}')`,
			`INSERT INTO ssh_keys (name_key, key, comment, added_at) VALUES ('ada', 'ssh-ed25519 AAAA', 'laptop', 1)`,
			`PRAGMA user_version = 3`) {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	path := filepath.Join(t.TempDir(), "v3.db")
	copyFile(t, fixture, path)
	s := open(t, path)
	ctx := context.Background()
	ada, err := s.Character(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if ada.Record.Role != world.RoleAdmin || ada.Record.Room != "thornwick.square" || ada.Record.Attrs["quest"] != 1 ||
		len(ada.Record.Items) != 2 || ada.Record.Items[0].Proto != "thornwick.apple" || ada.Record.Items[1].Proto != "thornwick.lantern" {
		t.Fatalf("ada after migration: %+v", ada.Record)
	}
	cy, err := s.Character(ctx, "cy")
	if err != nil || len(cy.Record.Items) != 1 {
		t.Fatalf("cy after migration: %+v, %v", cy, err)
	}
	ids := map[uint64]bool{}
	for _, it := range append(ada.Record.Items, cy.Record.Items...) {
		if ids[it.ID] {
			t.Fatalf("item id %d given twice", it.ID)
		}
		ids[it.ID] = true
	}
	keys, err := s.SSHKeys(ctx, "ada")
	if err != nil || len(keys) != 1 {
		t.Fatalf("ssh keys after migration: %v, %v", keys, err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil || len(snap.Areas) != 0 || len(snap.Items) != 0 {
		t.Fatalf("a migrated database has no world snapshot yet: %+v, %v", snap, err)
	}
	if snap.NextID < 3 || snap.NextSeq < 3 {
		t.Fatalf("new ids would collide with the migrated items: next id %d, next seq %d", snap.NextID, snap.NextSeq)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyRefusesOtherVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	if _, err := OpenReadOnly(path); err == nil {
		t.Fatal("opened a missing file read-only")
	}
	s := open(t, path)
	s.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.DB().Exec(`DELETE FROM characters`); err == nil {
		t.Error("a read-only store accepted a write")
	}
	ro.Close()

	// Copies written by a newer and an older binary are refused, naming
	// both versions, and left as they were.
	for _, v := range []int{SchemaVersion + 1, SchemaVersion - 1} {
		other := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", v))
		copyFile(t, path, other)
		db, err := sql.Open("sqlite3", "file:"+other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
			t.Fatal(err)
		}
		db.Close()
		ro, err := OpenReadOnly(other)
		if err == nil {
			ro.Close()
			t.Fatalf("opened a file of schema version %d read-only (this binary reads %d)", v, SchemaVersion)
		}
		want := fmt.Sprintf("schema version %d, this binary reads %d", v, SchemaVersion)
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), other) {
			t.Errorf("version %d: error %q does not name the file and say %q", v, err, want)
		}
		db, _ = sql.Open("sqlite3", "file:"+other+"?mode=ro")
		var got int
		db.QueryRow(`PRAGMA user_version`).Scan(&got)
		db.Close()
		if got != v {
			t.Errorf("the refused file's version became %d, want %d untouched", got, v)
		}
	}
}

// A pile of coins keeps its amount (schema 8: items.gold).
func TestCoinsKeepTheirAmount(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "w.db"))
	d := &world.Delta{Items: []world.ItemRecord{
		{ID: 1, Proto: world.CorpseProto, Kind: world.InRoom, Holder: "a.square", Seq: 1, Name: "the corpse of a wolf"},
		{ID: 2, Proto: world.CoinsProto, Kind: world.InItem, Holder: "1", Seq: 2, Name: "60 gold coins", Gold: 60},
	}, NextID: 2, NextSeq: 2}
	if err := s.SaveDelta(ctx, d); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range snap.Items {
		if it.ID == 2 && it.Gold == 60 {
			return
		}
	}
	t.Errorf("the coins came back as %+v", snap.Items)
}
