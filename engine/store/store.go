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
	// 4: the whole world, not only characters; the event journal.
	`CREATE TABLE world_meta (
		key   TEXT PRIMARY KEY,  -- next_id, next_seq, saved_at
		value TEXT NOT NULL
	) STRICT;
	CREATE TABLE items (
		id          INTEGER PRIMARY KEY,          -- stable across restarts
		proto       TEXT NOT NULL,                -- item prototype id, "<area>.<key>"
		holder_kind TEXT NOT NULL CHECK (holder_kind IN ('room', 'player', 'mob')),
		holder      TEXT NOT NULL,                -- room id, characters.name_key, or mobs.id
		seq         INTEGER NOT NULL,             -- arrival order: a holder's items sort by it
		spawn       TEXT NOT NULL DEFAULT ''      -- the area reset slot that made it
	) STRICT;
	CREATE INDEX items_by_holder ON items (holder_kind, holder);
	CREATE TABLE mobs (
		id    INTEGER PRIMARY KEY,
		proto TEXT NOT NULL,                      -- NPC prototype id
		room  TEXT NOT NULL,
		attrs TEXT NOT NULL DEFAULT '{}',         -- JSON object of name: number
		spawn TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE TABLE exits (
		room   TEXT NOT NULL,
		dir    TEXT NOT NULL,                     -- north, ..., southwest
		closed INTEGER NOT NULL,
		locked INTEGER NOT NULL,
		PRIMARY KEY (room, dir)
	) STRICT;
	CREATE TABLE script_state (
		entity TEXT PRIMARY KEY,                  -- room:<id>, mob:<id>, item:<id>
		state  TEXT NOT NULL                      -- JSON, see docs/lua.md
	) STRICT;
	CREATE TABLE events (
		id      INTEGER PRIMARY KEY,
		at      INTEGER NOT NULL,                 -- Unix milliseconds
		shard   TEXT NOT NULL,
		kind    TEXT NOT NULL,                    -- login, logout, command, move, death, give, script_error, admin
		actor   TEXT NOT NULL DEFAULT '',
		target  TEXT NOT NULL DEFAULT '',
		room    TEXT NOT NULL DEFAULT '',
		details TEXT NOT NULL DEFAULT '{}'        -- JSON object
	) STRICT;
	CREATE INDEX events_by_time ON events (at);
	CREATE INDEX events_by_kind ON events (kind, at);
	INSERT INTO items (id, proto, holder_kind, holder, seq)
		SELECT row_number() OVER (ORDER BY c.name_key, CAST(j.key AS INTEGER)), j.value, 'player', c.name_key,
			row_number() OVER (ORDER BY c.name_key, CAST(j.key AS INTEGER))
		FROM characters c, json_each(c.inventory) j;
	ALTER TABLE characters DROP COLUMN inventory;`,
	// 5: bans, and areas edited in the game.
	`CREATE TABLE bans (
		kind       TEXT NOT NULL CHECK (kind IN ('name', 'addr')),
		target     TEXT NOT NULL,             -- a name key, an IP address, or a CIDR block
		reason     TEXT NOT NULL DEFAULT '',
		banned_by  TEXT NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL,          -- Unix seconds
		expires_at INTEGER,                   -- Unix seconds, NULL for never
		PRIMARY KEY (kind, target)
	) STRICT;
	CREATE TABLE area_edits (
		area     TEXT PRIMARY KEY,            -- area id
		yaml     TEXT NOT NULL,               -- the whole area file, as builders left it
		saved_at INTEGER NOT NULL             -- Unix seconds
	) STRICT;`,
	// 6: the game: characters' numbers, worn items and containers, NPCs'
	// health and shops' stock.
	`ALTER TABLE characters ADD COLUMN level INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE characters ADD COLUMN exp INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE characters ADD COLUMN gold INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE characters ADD COLUMN stats TEXT NOT NULL DEFAULT '{}'; -- JSON: hp, max_hp, mana, max_mana, str, dex, con, int, wimpy
	ALTER TABLE characters ADD COLUMN prefs TEXT NOT NULL DEFAULT '{}'; -- JSON: color, prompt
	CREATE TABLE items6 (
		id          INTEGER PRIMARY KEY,
		proto       TEXT NOT NULL,
		holder_kind TEXT NOT NULL CHECK (holder_kind IN ('room', 'player', 'mob', 'item')),
		holder      TEXT NOT NULL,                -- room id, characters.name_key, mobs.id, or the container's items.id
		seq         INTEGER NOT NULL,
		spawn       TEXT NOT NULL DEFAULT '',
		slot        TEXT NOT NULL DEFAULT '',     -- where its holder wears it, '' if carried
		name        TEXT NOT NULL DEFAULT ''      -- its own name, '' for its prototype's (corpses)
	) STRICT;
	INSERT INTO items6 (id, proto, holder_kind, holder, seq, spawn) SELECT id, proto, holder_kind, holder, seq, spawn FROM items;
	DROP TABLE items;
	ALTER TABLE items6 RENAME TO items;
	CREATE INDEX items_by_holder ON items (holder_kind, holder);
	ALTER TABLE mobs ADD COLUMN hp INTEGER NOT NULL DEFAULT 0;      -- 0: full health
	ALTER TABLE mobs ADD COLUMN stock TEXT NOT NULL DEFAULT '{}';   -- JSON: a shopkeeper's stock by item prototype`,
	// 7: handoffs between shards.
	`ALTER TABLE characters ADD COLUMN residence TEXT NOT NULL DEFAULT ''; -- '' = lives here; otherwise JSON {"state":"leaving"|"arriving"|"away","peer":"<shard>","id":"<handoff id>"}`,
	// 8: a pile of coins (an NPC's gold on its corpse) is an item with an amount.
	`ALTER TABLE items ADD COLUMN gold INTEGER NOT NULL DEFAULT 0; -- coins: how many; 0 for any other item`,
}

// SchemaVersion is the version this binary writes.
var SchemaVersion = len(migrations)

// Store is an open database.
type Store struct {
	db *sql.DB
	// commitDelay is how long SaveDelta waits inside its transaction (see
	// SlowCommits); 0 in production.
	commitDelay time.Duration
}

// SlowCommits makes every SaveDelta wait d inside its transaction, before
// the commit: a failpoint for the crash test (SHARDMUD_CHAOS=save-slow),
// so that a kill aimed at a write lands in the middle of one. Call it
// before the store is shared.
func (s *Store) SlowCommits(d time.Duration) { s.commitDelay = d }

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
	Hash      []byte
	Record    world.PlayerRecord
	Residence Residence
}

// Residence is where a character lives, as this shard's handoffs left it
// (see world.CharacterMove).
type Residence struct {
	State string // "" (lives here), ResidenceLeaving, ResidenceArriving or ResidenceAway
	Peer  string // the other shard
	ID    string // the handoff's id
}

// Residence states.
const (
	ResidenceLeaving  = "leaving"  // crossing to Peer: the row and items stay until the ledger decides
	ResidenceArriving = "arriving" // came from Peer, until the ledger confirms it
	ResidenceAway     = "away"     // lives on Peer: the row keeps its name and password, without items
)

// residenceJSON is the characters.residence column (empty for living
// here).
type residenceJSON struct {
	State string `json:"state"`
	Peer  string `json:"peer"`
	ID    string `json:"id"`
}

func (r Residence) column() string {
	if r.State == "" {
		return ""
	}
	b, _ := json.Marshal(residenceJSON(r))
	return string(b)
}

func parseResidence(text string) (Residence, error) {
	if text == "" {
		return Residence{}, nil
	}
	var rj residenceJSON
	err := json.Unmarshal([]byte(text), &rj)
	return Residence(rj), err
}

// carried lists, as the table carried(id), the items a character (the
// query's first parameter, a name key) holds, however deep.
const carried = `WITH RECURSIVE carried(id) AS (
			SELECT id FROM items WHERE holder_kind = 'player' AND holder = ?
			UNION SELECT i.id FROM items i JOIN carried c ON i.holder_kind = 'item' AND i.holder = CAST(c.id AS TEXT))`

// Character loads name (any case) with what it carries.
func (s *Store) Character(ctx context.Context, name string) (*Character, error) {
	var c Character
	var role, hash, attrs, stats, prefs, residence string
	key := strings.ToLower(name)
	err := s.db.QueryRowContext(ctx,
		`SELECT name, password_hash, role, room, attrs, level, exp, gold, stats, prefs, residence FROM characters WHERE name_key = ?`,
		key).Scan(&c.Record.Name, &hash, &role, &c.Record.Room, &attrs, &c.Record.Stats.Level, &c.Record.Stats.Exp, &c.Record.Gold, &stats, &prefs, &residence)
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
	if err := json.Unmarshal([]byte(attrs), &c.Record.Attrs); err != nil {
		return nil, fmt.Errorf("load character %s: attrs: %w", name, err)
	}
	if err := decodeStats(&c.Record, stats); err != nil {
		return nil, fmt.Errorf("load character %s: stats: %w", name, err)
	}
	var pj prefsJSON
	if err := json.Unmarshal([]byte(prefs), &pj); err != nil {
		return nil, fmt.Errorf("load character %s: prefs: %w", name, err)
	}
	c.Record.Prefs = world.Prefs{Color: pj.Color, Prompt: pj.Prompt, Muted: pj.Muted}
	if c.Residence, err = parseResidence(residence); err != nil {
		return nil, fmt.Errorf("load character %s: residence: %w", name, err)
	}
	// What the character carries, and what that holds, however deep.
	rows, err := s.db.QueryContext(ctx, carried+`
		SELECT i.id, i.proto, i.holder_kind, i.holder, i.seq, i.spawn, i.slot, i.name, i.gold, s.state FROM items i JOIN carried USING (id)
		LEFT JOIN script_state s ON s.entity = 'item:' || i.id
		ORDER BY i.seq`, key)
	if err != nil {
		return nil, fmt.Errorf("load character %s: items: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it world.ItemRecord
		var kind string
		var state sql.NullString
		if err := rows.Scan(&it.ID, &it.Proto, &kind, &it.Holder, &it.Seq, &it.Spawn, &it.Slot, &it.Name, &it.Gold, &state); err != nil {
			return nil, fmt.Errorf("load character %s: items: %w", name, err)
		}
		it.Kind, _ = world.ParseHolderKind(kind)
		if state.Valid {
			if c.Record.States == nil {
				c.Record.States = make(map[uint64][]byte)
			}
			c.Record.States[it.ID] = []byte(state.String)
		}
		c.Record.Items = append(c.Record.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load character %s: items: %w", name, err)
	}
	return &c, nil
}

// CharacterItems counts the items name (any case) holds, however deep.
func (s *Store) CharacterItems(ctx context.Context, name string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, carried+` SELECT count(*) FROM carried`, strings.ToLower(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("items of %s: %w", name, err)
	}
	return n, nil
}

// Transit is a character in the middle of a handoff.
type Transit struct {
	Name      string
	Residence Residence
}

// InTransit lists the characters leaving or arriving, by name key: at
// boot, the host asks the ledger how each of their handoffs ended.
func (s *Store) InTransit(ctx context.Context) ([]Transit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, residence FROM characters
		WHERE json_extract(nullif(residence, ''), '$.state') IN (?, ?) ORDER BY name_key`, ResidenceLeaving, ResidenceArriving)
	if err != nil {
		return nil, fmt.Errorf("characters in transit: %w", err)
	}
	defer rows.Close()
	var out []Transit
	for rows.Next() {
		var t Transit
		var residence string
		if err := rows.Scan(&t.Name, &residence); err != nil {
			return nil, fmt.Errorf("characters in transit: %w", err)
		}
		if t.Residence, err = parseResidence(residence); err != nil {
			return nil, fmt.Errorf("characters in transit: %s: %w", t.Name, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
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

// statsJSON is the characters.stats column: the numbers that are not
// columns of their own.
type statsJSON struct {
	HP      int `json:"hp"`
	MaxHP   int `json:"max_hp"`
	Mana    int `json:"mana"`
	MaxMana int `json:"max_mana"`
	Str     int `json:"str"`
	Dex     int `json:"dex"`
	Con     int `json:"con"`
	Int     int `json:"int"`
	Wimpy   int `json:"wimpy"`
}

func encodeStats(r world.PlayerRecord) string {
	b, _ := json.Marshal(statsJSON{HP: r.Stats.HP, MaxHP: r.Stats.MaxHP, Mana: r.Stats.Mana, MaxMana: r.Stats.MaxMana,
		Str: r.Stats.Str, Dex: r.Stats.Dex, Con: r.Stats.Con, Int: r.Stats.Int, Wimpy: r.Wimpy})
	return string(b)
}

// decodeStats fills r's numbers from the stats column; a character saved
// before the game had numbers ("{}") gets a new character's.
func decodeStats(r *world.PlayerRecord, text string) error {
	var st statsJSON
	if err := json.Unmarshal([]byte(text), &st); err != nil {
		return err
	}
	if st.MaxHP == 0 {
		level, exp := r.Stats.Level, r.Stats.Exp
		r.Stats = world.NewStats()
		r.Stats.Level, r.Stats.Exp = max(level, 1), exp
		return nil
	}
	r.Stats.HP, r.Stats.MaxHP, r.Stats.Mana, r.Stats.MaxMana = st.HP, st.MaxHP, st.Mana, st.MaxMana
	r.Stats.Str, r.Stats.Dex, r.Stats.Con, r.Stats.Int = st.Str, st.Dex, st.Con, st.Int
	r.Wimpy = st.Wimpy
	return nil
}

// prefsJSON is the characters.prefs column.
type prefsJSON struct {
	Color  string   `json:"color,omitempty"`
	Prompt string   `json:"prompt,omitempty"`
	Muted  []string `json:"muted,omitempty"`
}

func encodePrefs(p world.Prefs) string {
	b, _ := json.Marshal(prefsJSON{Color: p.Color, Prompt: p.Prompt, Muted: p.Muted})
	return string(b)
}
