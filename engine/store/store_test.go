package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shardmud/world"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestCharactersRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	s := open(t, path)
	role, err := s.CreateCharacter(ctx, "Alice", []byte("hash-a"), "")
	if err != nil || role != world.RoleAdmin {
		t.Fatalf("first character: role %v, err %v; want admin", role, err)
	}
	role, err = s.CreateCharacter(ctx, "Bob", []byte("hash-b"), "")
	if err != nil || role != world.RolePlayer {
		t.Fatalf("second character: role %v, err %v; want player", role, err)
	}
	if _, err := s.CreateCharacter(ctx, "ALICE", []byte("x"), ""); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate name (other case): err %v, want ErrExists", err)
	}
	if role, _ := s.CreateCharacter(ctx, "Carol", []byte("x"), "carol"); role != world.RoleAdmin {
		t.Fatalf("-admin name: role %v", role)
	}
	rec := world.PlayerRecord{Name: "Bob", Role: world.RoleBuilder, Room: "town.square", Attrs: map[string]float64{"quest": 2}}
	d := &world.Delta{Players: []world.PlayerRecord{rec}, Items: []world.ItemRecord{
		{ID: 7, Proto: "town.lamp", Kind: world.InPlayer, Holder: "bob", Seq: 9},
		{ID: 3, Proto: "town.lamp", Kind: world.InPlayer, Holder: "bob", Seq: 4},
	}, States: []world.StateRecord{{Entity: "item:7", Data: []byte(`{"lit":true}`)}}}
	if err := s.SaveDelta(ctx, d); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, path)
	c, err := s.Character(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Hash) != "hash-b" || c.Record.Name != "Bob" || c.Record.Role != world.RoleBuilder ||
		c.Record.Room != "town.square" || len(c.Record.Items) != 2 || c.Record.Attrs["quest"] != 2 {
		t.Fatalf("reloaded %+v", c)
	}
	if it := c.Record.Items; it[0].ID != 3 || it[1].ID != 7 || string(c.Record.States[7]) != `{"lit":true}` || c.Record.States[3] != nil {
		t.Fatalf("items not in carrying order with their state: %+v", it)
	}
	if _, err := s.Character(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing character: %v", err)
	}
	if err := s.SetRole(ctx, "nobody", world.RoleAdmin); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetRole missing: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	s := open(t, path)
	if _, err := s.db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("err = %v, want a refusal naming a newer schema", err)
	}
}

func TestCorruptFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil {
		t.Fatal("opened a corrupt file")
	}
}

// A database written by the first release (schema 1) is upgraded in place
// and keeps its characters.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0],
		`INSERT INTO characters (name_key, name, password_hash, role, room, inventory, created_at) VALUES ('old', 'Old', 'h', 'admin', 'x.y', '["a.b"]', 1)`,
		`PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := open(t, path)
	c, err := s.Character(context.Background(), "old")
	if err != nil || c.Record.Role != world.RoleAdmin || len(c.Record.Items) != 1 {
		t.Fatalf("after migration: %+v, %v", c, err)
	}
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != SchemaVersion {
		t.Fatalf("schema version %d, want %d", v, SchemaVersion)
	}
}
