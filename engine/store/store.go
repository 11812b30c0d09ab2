// Package store is shardmud's SQLite database: the schema and its
// migrations, and every SQL statement the server runs.
//
// A Store is safe for concurrent use. Methods do disk I/O and may take
// milliseconds or wait on a lock, so the engine goroutine never calls them;
// session goroutines (login) and the engine's saver goroutine do.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"shardmud/world"
)

var (
	ErrNotFound = errors.New("no such character")
	ErrExists   = errors.New("character already exists")
)

// migrations[i] upgrades a database from schema version i to i+1. Append
// only: a released migration never changes.
var migrations = []string{
	// 1: accounts and characters.
	`CREATE TABLE characters (
		name_key      TEXT PRIMARY KEY,           -- lower-case name, the identity
		name          TEXT NOT NULL,              -- as displayed
		password_hash TEXT NOT NULL,              -- bcrypt
		role          TEXT NOT NULL DEFAULT 'player',
		room          TEXT NOT NULL DEFAULT '',   -- room id, '' = start room
		inventory     TEXT NOT NULL DEFAULT '[]', -- JSON array of item prototype ids
		created_at    INTEGER NOT NULL,           -- Unix seconds
		last_login    INTEGER,
		saved_at      INTEGER
	) STRICT;`,
	// 2: attributes scripts set on characters.
	`ALTER TABLE characters ADD COLUMN attrs TEXT NOT NULL DEFAULT '{}'; -- JSON object of name: number`,
	// 3: SSH public keys that log in as a character.
	`CREATE TABLE ssh_keys (
		name_key TEXT NOT NULL REFERENCES characters(name_key) ON DELETE CASCADE,
		key      TEXT NOT NULL,              -- "ssh-ed25519 AAAA...", as in authorized_keys
		comment  TEXT NOT NULL DEFAULT '',
		added_at INTEGER NOT NULL,           -- Unix seconds
		PRIMARY KEY (name_key, key)
	) STRICT;`,
}

// SchemaVersion is the version this binary writes.
var SchemaVersion = len(migrations)

// Store is an open database.
type Store struct {
	db *sql.DB
}

// Open opens or creates the database at path in WAL mode and brings its
// schema up to date. A database written by a newer binary is refused.
func Open(path string) (*Store, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) migrate() error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this server understands (%d): use a newer shardmud", v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Character is a stored account with its last saved state.
type Character struct {
	Hash   []byte
	Record world.PlayerRecord
}

// Character loads name (any case).
func (s *Store) Character(ctx context.Context, name string) (*Character, error) {
	var c Character
	var role, inv, hash, attrs string
	err := s.db.QueryRowContext(ctx,
		`SELECT name, password_hash, role, room, inventory, attrs FROM characters WHERE name_key = ?`,
		strings.ToLower(name)).Scan(&c.Record.Name, &hash, &role, &c.Record.Room, &inv, &attrs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load character %s: %w", name, err)
	}
	c.Hash = []byte(hash)
	if c.Record.Role, err = world.ParseRole(role); err != nil {
		return nil, fmt.Errorf("load character %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(inv), &c.Record.Items); err != nil {
		return nil, fmt.Errorf("load character %s: inventory: %w", name, err)
	}
	if err := json.Unmarshal([]byte(attrs), &c.Record.Attrs); err != nil {
		return nil, fmt.Errorf("load character %s: attrs: %w", name, err)
	}
	return &c, nil
}

// Exists reports whether a character called name exists.
func (s *Store) Exists(ctx context.Context, name string) (bool, error) {
	_, err := s.Character(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// CreateCharacter adds a character with a password hash. The first
// character of an empty database becomes an admin, so that a new server has
// someone to run it; so does adminName. It returns the role given.
func (s *Store) CreateCharacter(ctx context.Context, name string, hash []byte, adminName string) (world.Role, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("create character %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM characters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("create character %s: %w", name, err)
	}
	role := world.RolePlayer
	if n == 0 || strings.EqualFold(name, adminName) {
		role = world.RoleAdmin
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO characters (name_key, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)`,
		strings.ToLower(name), name, string(hash), role.String(), time.Now().Unix())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return 0, ErrExists
		}
		return 0, fmt.Errorf("create character %s: %w", name, err)
	}
	return role, tx.Commit()
}

// SetRole changes a character's role.
func (s *Store) SetRole(ctx context.Context, name string, role world.Role) error {
	res, err := s.db.ExecContext(ctx, `UPDATE characters SET role = ? WHERE name_key = ?`,
		role.String(), strings.ToLower(name))
	if err != nil {
		return fmt.Errorf("set role of %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchLogin records that name logged in now.
func (s *Store) TouchLogin(ctx context.Context, name string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE characters SET last_login = ? WHERE name_key = ?`,
		time.Now().Unix(), strings.ToLower(name))
	return err
}

// SaveCharacters writes characters' state in one transaction: all of them
// or none. Password and creation time are untouched.
func (s *Store) SaveCharacters(ctx context.Context, recs []world.PlayerRecord) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save characters: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx,
		`UPDATE characters SET role = ?, room = ?, inventory = ?, attrs = ?, saved_at = ? WHERE name_key = ?`)
	if err != nil {
		return fmt.Errorf("save characters: %w", err)
	}
	defer st.Close()
	now := time.Now().Unix()
	for _, r := range recs {
		items := r.Items
		if items == nil {
			items = []string{}
		}
		inv, _ := json.Marshal(items)
		attrs := []byte("{}")
		if len(r.Attrs) > 0 {
			attrs, _ = json.Marshal(r.Attrs)
		}
		if _, err := st.ExecContext(ctx, r.Role.String(), r.Room, string(inv), string(attrs), now, strings.ToLower(r.Name)); err != nil {
			return fmt.Errorf("save character %s: %w", r.Name, err)
		}
	}
	return tx.Commit()
}

// MaxSSHKeys is how many public keys one character may register.
const MaxSSHKeys = 16

// SSHKey is a registered public key.
type SSHKey struct {
	Key     string // "type base64"
	Comment string
}

// SSHKeys lists name's keys, oldest first.
func (s *Store) SSHKeys(ctx context.Context, name string) ([]SSHKey, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT key, comment FROM ssh_keys WHERE name_key = ? ORDER BY added_at, rowid`, strings.ToLower(name))
	if err != nil {
		return nil, fmt.Errorf("ssh keys of %s: %w", name, err)
	}
	defer rows.Close()
	var keys []SSHKey
	for rows.Next() {
		var k SSHKey
		if err := rows.Scan(&k.Key, &k.Comment); err != nil {
			return nil, fmt.Errorf("ssh keys of %s: %w", name, err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// AddSSHKey registers a key for name; ErrExists if it already is.
func (s *Store) AddSSHKey(ctx context.Context, name string, k SSHKey) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add ssh key: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ssh_keys WHERE name_key = ?`, strings.ToLower(name)).Scan(&n); err != nil {
		return fmt.Errorf("add ssh key: %w", err)
	}
	if n >= MaxSSHKeys {
		return fmt.Errorf("at most %d keys per character", MaxSSHKeys)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ssh_keys (name_key, key, comment, added_at) VALUES (?, ?, ?, ?)`,
		strings.ToLower(name), k.Key, k.Comment, time.Now().Unix())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "PRIMARY") {
			return ErrExists
		}
		return fmt.Errorf("add ssh key: %w", err)
	}
	return tx.Commit()
}

// RemoveSSHKey removes one of name's keys; ErrNotFound if it has no such key.
func (s *Store) RemoveSSHKey(ctx context.Context, name, key string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM ssh_keys WHERE name_key = ? AND key = ?`, strings.ToLower(name), key)
	if err != nil {
		return fmt.Errorf("remove ssh key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
