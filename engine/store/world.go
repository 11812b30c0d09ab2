package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"shardmud/world"
)

// SaveDelta applies one world delta in one transaction: after a crash the
// database holds the world as of the last delta that committed, whole.
// Characters must exist already (accounts are created at login).
func (s *Store) SaveDelta(ctx context.Context, d *world.Delta) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save world: %w", err)
	}
	defer tx.Rollback()
	if err := saveDelta(ctx, tx, d); err != nil {
		return fmt.Errorf("save world: %w", err)
	}
	if s.commitDelay > 0 {
		select {
		case <-time.After(s.commitDelay):
		case <-ctx.Done():
			return fmt.Errorf("save world: %w", ctx.Err())
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save world: %w", err)
	}
	return nil
}

// stmts prepares statements in a transaction and closes them together.
type stmts struct {
	tx   *sql.Tx
	list []*sql.Stmt
	err  error
}

func (p *stmts) prepare(ctx context.Context, q string) *sql.Stmt {
	if p.err != nil {
		return nil
	}
	st, err := p.tx.PrepareContext(ctx, q)
	if err != nil {
		p.err = err
		return nil
	}
	p.list = append(p.list, st)
	return st
}

func (p *stmts) close() {
	for _, st := range p.list {
		st.Close()
	}
}

// upsertItem writes an item whole, whether it exists or not.
const upsertItem = `INSERT INTO items (id, proto, holder_kind, holder, seq, spawn, slot, name, gold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET proto = excluded.proto, holder_kind = excluded.holder_kind,
			holder = excluded.holder, seq = excluded.seq, spawn = excluded.spawn, slot = excluded.slot, name = excluded.name, gold = excluded.gold`

func saveDelta(ctx context.Context, tx *sql.Tx, d *world.Delta) error {
	now := time.Now().Unix()
	ps := &stmts{tx: tx}
	defer ps.close()
	moves := world.FoldMoves(d.Moves)
	before, err := earlyMoves(ctx, tx, ps, moves, now)
	if err != nil {
		return err
	}
	if len(d.Players) > 0 {
		st := ps.prepare(ctx, `UPDATE characters SET role = ?, room = ?, attrs = ?, level = ?, exp = ?, gold = ?, stats = ?, prefs = ?, saved_at = ? WHERE name_key = ?`)
		if ps.err != nil {
			return ps.err
		}
		for _, r := range d.Players {
			if _, err := st.ExecContext(ctx, r.Role.String(), r.Room, attrsJSON(r.Attrs), r.Stats.Level, r.Stats.Exp, r.Gold,
				encodeStats(r), encodePrefs(r.Prefs), now, world.PlayerKey(r.Name)); err != nil {
				return fmt.Errorf("character %s: %w", r.Name, err)
			}
		}
	}
	if len(d.Items) > 0 {
		st := ps.prepare(ctx, upsertItem)
		if ps.err != nil {
			return ps.err
		}
		for _, it := range d.Items {
			if _, err := st.ExecContext(ctx, int64(it.ID), it.Proto, it.Kind.String(), it.Holder, int64(it.Seq), it.Spawn, it.Slot, it.Name, it.Gold); err != nil {
				return fmt.Errorf("item %d: %w", it.ID, err)
			}
		}
	}
	if len(d.Mobs) > 0 {
		st := ps.prepare(ctx, `INSERT INTO mobs (id, proto, room, attrs, spawn, hp, stock) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET proto = excluded.proto, room = excluded.room,
			attrs = excluded.attrs, spawn = excluded.spawn, hp = excluded.hp, stock = excluded.stock`)
		if ps.err != nil {
			return ps.err
		}
		for _, m := range d.Mobs {
			stock := "{}"
			if len(m.Stock) > 0 {
				b, _ := json.Marshal(m.Stock)
				stock = string(b)
			}
			if _, err := st.ExecContext(ctx, int64(m.ID), m.Proto, m.Room, attrsJSON(m.Attrs), m.Spawn, m.HP, stock); err != nil {
				return fmt.Errorf("NPC %d: %w", m.ID, err)
			}
		}
	}
	if err := deleteGone(ctx, ps, "items", "item", d.GoneItems); err != nil {
		return err
	}
	if err := deleteGone(ctx, ps, "mobs", "mob", d.GoneMobs); err != nil {
		return err
	}
	if len(d.Exits) > 0 {
		st := ps.prepare(ctx, `INSERT INTO exits (room, dir, closed, locked) VALUES (?, ?, ?, ?)
			ON CONFLICT (room, dir) DO UPDATE SET closed = excluded.closed, locked = excluded.locked`)
		if ps.err != nil {
			return ps.err
		}
		for _, e := range d.Exits {
			if _, err := st.ExecContext(ctx, e.Room, e.Dir.String(), e.Closed, e.Locked); err != nil {
				return fmt.Errorf("exit %s of %s: %w", e.Dir, e.Room, err)
			}
		}
	}
	if len(d.States) > 0 {
		put := ps.prepare(ctx, `INSERT INTO script_state (entity, state) VALUES (?, ?)
			ON CONFLICT (entity) DO UPDATE SET state = excluded.state`)
		del := ps.prepare(ctx, `DELETE FROM script_state WHERE entity = ?`)
		if ps.err != nil {
			return ps.err
		}
		for _, st := range d.States {
			var err error
			if st.Data == nil {
				_, err = del.ExecContext(ctx, st.Entity)
			} else {
				_, err = put.ExecContext(ctx, st.Entity, string(st.Data))
			}
			if err != nil {
				return fmt.Errorf("script state of %s: %w", st.Entity, err)
			}
		}
	}
	for _, f := range d.AreaFiles {
		var err error
		if f.Data == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM area_edits WHERE area = ?`, f.ID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO area_edits (area, yaml, saved_at) VALUES (?, ?, ?)
				ON CONFLICT (area) DO UPDATE SET yaml = excluded.yaml, saved_at = excluded.saved_at`, f.ID, string(f.Data), now)
		}
		if err != nil {
			return fmt.Errorf("area %s: %w", f.ID, err)
		}
	}
	if d.Areas != nil {
		areas, _ := json.Marshal(d.Areas)
		if _, err := tx.ExecContext(ctx, `INSERT INTO world_meta (key, value) VALUES ('areas', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, string(areas)); err != nil {
			return err
		}
	}
	if err := dropBefore(ctx, tx, before, d.Items); err != nil {
		return err
	}
	if err := lateMoves(ctx, tx, moves); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO world_meta (key, value) VALUES ('next_id', ?), ('next_seq', ?), ('saved_at', ?), ('game_minute', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		strconv.FormatUint(d.NextID, 10), strconv.FormatUint(d.NextSeq, 10), strconv.FormatInt(now, 10), strconv.Itoa(d.GameMinute))
	return err
}

// deleteGone deletes destroyed items or NPCs and their script state.
func deleteGone(ctx context.Context, ps *stmts, table, kind string, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	row := ps.prepare(ctx, `DELETE FROM `+table+` WHERE id = ?`)
	state := ps.prepare(ctx, `DELETE FROM script_state WHERE entity = ?`)
	if ps.err != nil {
		return ps.err
	}
	for _, id := range ids {
		if _, err := row.ExecContext(ctx, int64(id)); err != nil {
			return fmt.Errorf("delete %s %d: %w", kind, id, err)
		}
		if _, err := state.ExecContext(ctx, kind+":"+strconv.FormatUint(id, 10)); err != nil {
			return fmt.Errorf("delete state of %s %d: %w", kind, id, err)
		}
	}
	return nil
}

// earlyMoves saves a delta's arrivals and homecomings, before the rest of
// it. It returns what each arriving character held here before, for
// dropBefore to delete after the rest: the delta may be merged from deltas
// that moved some of it away first.
func earlyMoves(ctx context.Context, tx *sql.Tx, ps *stmts, moves []world.CharacterMove, now int64) (map[string][]uint64, error) {
	var before map[string][]uint64
	for _, m := range moves {
		key := world.PlayerKey(m.Name)
		switch m.Kind {
		case world.MoveArrived:
			held, err := heldBy(ctx, tx, key)
			if err != nil {
				return nil, fmt.Errorf("character %s arriving: %w", m.Name, err)
			}
			if before == nil {
				before = make(map[string][]uint64)
			}
			before[key] = append(before[key], held...)
			if err := arrive(ctx, tx, ps, m, now); err != nil {
				return nil, fmt.Errorf("character %s arriving: %w", m.Name, err)
			}
		case world.MoveHome:
			if _, err := tx.ExecContext(ctx, `UPDATE characters SET residence = '' WHERE name_key = ?`, key); err != nil {
				return nil, fmt.Errorf("character %s home: %w", m.Name, err)
			}
		}
	}
	return before, nil
}

// arrive writes the character m brings over whatever row it had, with its
// items and their script state. The row keeps when it was created and
// last logged in here.
func arrive(ctx context.Context, tx *sql.Tx, ps *stmts, m world.CharacterMove, now int64) error {
	r := m.Record
	res := Residence{State: ResidenceArriving, Peer: m.Peer, ID: m.ID}
	if m.Settled {
		res = Residence{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO characters (name_key, name, password_hash, role, room, attrs, level, exp, gold, stats, prefs, residence, created_at, saved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, role = excluded.role,
		room = excluded.room, attrs = excluded.attrs, level = excluded.level, exp = excluded.exp, gold = excluded.gold,
		stats = excluded.stats, prefs = excluded.prefs, residence = excluded.residence, saved_at = excluded.saved_at`,
		world.PlayerKey(m.Name), r.Name, string(m.Hash), r.Role.String(), r.Room, attrsJSON(r.Attrs), r.Stats.Level, r.Stats.Exp, r.Gold,
		encodeStats(*r), encodePrefs(r.Prefs), res.column(), now, now)
	if err != nil {
		return err
	}
	if len(r.Items) == 0 {
		return nil
	}
	item := ps.prepare(ctx, upsertItem)
	put := ps.prepare(ctx, `INSERT INTO script_state (entity, state) VALUES (?, ?)
		ON CONFLICT (entity) DO UPDATE SET state = excluded.state`)
	del := ps.prepare(ctx, `DELETE FROM script_state WHERE entity = ?`)
	if ps.err != nil {
		return ps.err
	}
	for _, it := range r.Items {
		if _, err := item.ExecContext(ctx, int64(it.ID), it.Proto, it.Kind.String(), it.Holder, int64(it.Seq), it.Spawn, it.Slot, it.Name, it.Gold); err != nil {
			return fmt.Errorf("item %d: %w", it.ID, err)
		}
		entity := "item:" + strconv.FormatUint(it.ID, 10)
		if data := r.States[it.ID]; data != nil {
			_, err = put.ExecContext(ctx, entity, string(data))
		} else {
			_, err = del.ExecContext(ctx, entity)
		}
		if err != nil {
			return fmt.Errorf("script state of item %d: %w", it.ID, err)
		}
	}
	return nil
}

// dropBefore deletes what arriving characters held before they arrived
// (before, by character), with what that holds by now, however deep. An
// item the delta writes (a merged delta's: the character put it down
// before it last left) stays where the delta puts it, with what it holds.
func dropBefore(ctx context.Context, tx *sql.Tx, before map[string][]uint64, items []world.ItemRecord) error {
	if len(before) == 0 {
		return nil
	}
	moved := make(map[uint64]bool, len(items))
	for _, it := range items {
		moved[it.ID] = true
	}
	for key, held := range before {
		held = slices.DeleteFunc(held, func(id uint64) bool { return moved[id] })
		if err := deleteItems(ctx, tx, held); err != nil {
			return fmt.Errorf("character %s's items before it arrived: %w", key, err)
		}
	}
	return nil
}

// lateMoves saves a delta's leavings and departures, after the rest of it.
func lateMoves(ctx context.Context, tx *sql.Tx, moves []world.CharacterMove) error {
	for _, m := range moves {
		key := world.PlayerKey(m.Name)
		switch m.Kind {
		case world.MoveLeaving:
			res := Residence{State: ResidenceLeaving, Peer: m.Peer, ID: m.ID}
			if _, err := tx.ExecContext(ctx, `UPDATE characters SET residence = ? WHERE name_key = ?`, res.column(), key); err != nil {
				return fmt.Errorf("character %s leaving: %w", m.Name, err)
			}
		case world.MoveGone:
			res := Residence{State: ResidenceAway, Peer: m.Peer, ID: m.ID}
			r, err := tx.ExecContext(ctx, `UPDATE characters SET residence = ? WHERE name_key = ?`, res.column(), key)
			if err != nil {
				return fmt.Errorf("character %s gone: %w", m.Name, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				continue
			}
			held, err := heldBy(ctx, tx, key)
			if err == nil {
				err = deleteItems(ctx, tx, held)
			}
			if err != nil {
				return fmt.Errorf("character %s gone: items: %w", m.Name, err)
			}
		}
	}
	return nil
}

// heldBy lists the items the character key holds itself (not those in
// its containers).
func heldBy(ctx context.Context, tx *sql.Tx, key string) ([]uint64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM items WHERE holder_kind = 'player' AND holder = ?`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// deleteItems deletes the items ids, what they contain however deep, and
// the script state of them all.
func deleteItems(ctx context.Context, tx *sql.Tx, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	list, _ := json.Marshal(ids)
	const tree = `WITH RECURSIVE tree(id) AS (
			SELECT value FROM json_each(?)
			UNION SELECT i.id FROM items i JOIN tree t ON i.holder_kind = 'item' AND i.holder = CAST(t.id AS TEXT)) `
	if _, err := tx.ExecContext(ctx, tree+`DELETE FROM script_state WHERE entity IN (SELECT 'item:' || id FROM tree)`, string(list)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, tree+`DELETE FROM items WHERE id IN (SELECT id FROM tree)`, string(list))
	return err
}

func attrsJSON(a map[string]float64) string {
	if len(a) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// Snapshot loads the saved world (everything but the characters, who come
// back as they log in). A database without a saved world gives a snapshot
// with no areas, so every area is populated afresh, and with counters past
// the ids already in use.
func (s *Store) Snapshot(ctx context.Context) (*world.Snapshot, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("load world: %w", err)
	}
	defer tx.Rollback()
	meta := make(map[string]string)
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM world_meta`)
	if err != nil {
		return nil, fmt.Errorf("load world: %w", err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load world: %w", err)
		}
		meta[k] = v
	}
	rows.Close()
	snap := &world.Snapshot{States: make(map[string][]byte)}
	snap.NextID, _ = strconv.ParseUint(meta["next_id"], 10, 64)
	snap.NextSeq, _ = strconv.ParseUint(meta["next_seq"], 10, 64)
	snap.GameMinute = -1
	if m, err := strconv.Atoi(meta["game_minute"]); err == nil {
		snap.GameMinute = m
	}
	// Ids and arrival orders continue after every one in use, whatever the
	// counters say (an upgraded database has items but no counters).
	var maxItem, maxMob, maxSeq sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM items), (SELECT max(id) FROM mobs), (SELECT max(seq) FROM items)`).
		Scan(&maxItem, &maxMob, &maxSeq); err != nil {
		return nil, fmt.Errorf("load world: %w", err)
	}
	snap.NextID = max(snap.NextID, uint64(maxItem.Int64), uint64(maxMob.Int64))
	snap.NextSeq = max(snap.NextSeq, uint64(maxSeq.Int64))
	if a := meta["areas"]; a != "" {
		if err := json.Unmarshal([]byte(a), &snap.Areas); err != nil {
			return nil, fmt.Errorf("load world: areas: %w", err)
		}
	}
	// Everything but what characters carry (and what that holds).
	err = each(ctx, tx, `WITH RECURSIVE carried(id) AS (
			SELECT id FROM items WHERE holder_kind = 'player'
			UNION SELECT i.id FROM items i JOIN carried c ON i.holder_kind = 'item' AND i.holder = CAST(c.id AS TEXT))
		SELECT id, proto, holder_kind, holder, seq, spawn, slot, name, gold FROM items WHERE id NOT IN (SELECT id FROM carried)`, func(r *sql.Rows) error {
		var it world.ItemRecord
		var kind string
		if err := r.Scan(&it.ID, &it.Proto, &kind, &it.Holder, &it.Seq, &it.Spawn, &it.Slot, &it.Name, &it.Gold); err != nil {
			return err
		}
		var ok bool
		if it.Kind, ok = world.ParseHolderKind(kind); !ok {
			return fmt.Errorf("item %d: unknown holder kind %q", it.ID, kind)
		}
		snap.Items = append(snap.Items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load world: items: %w", err)
	}
	err = each(ctx, tx, `SELECT id, proto, room, attrs, spawn, hp, stock FROM mobs`, func(r *sql.Rows) error {
		var m world.MobRecord
		var attrs, stock string
		if err := r.Scan(&m.ID, &m.Proto, &m.Room, &attrs, &m.Spawn, &m.HP, &stock); err != nil {
			return err
		}
		if stock != "{}" {
			if err := json.Unmarshal([]byte(stock), &m.Stock); err != nil {
				return fmt.Errorf("NPC %d: stock: %w", m.ID, err)
			}
		}
		if err := json.Unmarshal([]byte(attrs), &m.Attrs); err != nil {
			return fmt.Errorf("NPC %d: attrs: %w", m.ID, err)
		}
		snap.Mobs = append(snap.Mobs, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load world: NPCs: %w", err)
	}
	err = each(ctx, tx, `SELECT room, dir, closed, locked FROM exits`, func(r *sql.Rows) error {
		var e world.ExitRecord
		var dir string
		if err := r.Scan(&e.Room, &dir, &e.Closed, &e.Locked); err != nil {
			return err
		}
		d, ok := world.ParseDir(dir)
		if !ok {
			return fmt.Errorf("exit of %s: %q is not a direction", e.Room, dir)
		}
		e.Dir = d
		snap.Exits = append(snap.Exits, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load world: exits: %w", err)
	}
	err = each(ctx, tx, `WITH RECURSIVE carried(id) AS (
			SELECT id FROM items WHERE holder_kind = 'player'
			UNION SELECT i.id FROM items i JOIN carried c ON i.holder_kind = 'item' AND i.holder = CAST(c.id AS TEXT))
		SELECT entity, state FROM script_state WHERE entity NOT LIKE 'item:%'
		OR CAST(substr(entity, 6) AS INTEGER) NOT IN (SELECT id FROM carried)`, func(r *sql.Rows) error {
		var k, v string
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		snap.States[k] = []byte(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load world: script state: %w", err)
	}
	return snap, nil
}

func each(ctx context.Context, tx *sql.Tx, q string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Event is one row of the journal.
type Event struct {
	At      time.Time
	Kind    string // login, logout, command, move, death, give, script_error, admin
	Actor   string
	Target  string
	Room    string
	Details map[string]any // small: counts, addresses, verbs; never passwords or tells
}

// AppendEvents writes a batch of journal rows in one transaction.
func (s *Store) AppendEvents(ctx context.Context, shard string, evs []Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO events (at, shard, kind, actor, target, room, details) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer st.Close()
	for _, e := range evs {
		details := "{}"
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return fmt.Errorf("journal: %s details: %w", e.Kind, err)
			}
			details = string(b)
		}
		if _, err := st.ExecContext(ctx, e.At.UnixMilli(), shard, e.Kind, e.Actor, e.Target, e.Room, details); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// ErrReadOnly is returned by OpenReadOnly for a file without a schema.
var ErrReadOnly = errors.New("not a shardmud database")

// OpenReadOnly opens a database for reading only (reports, web pages),
// while the server may be writing it. It never creates or migrates; a file
// of another schema version than this binary's is refused.
func OpenReadOnly(path string) (*Store, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000&_query_only=1")
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	switch {
	case v == 0:
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, ErrReadOnly)
	case v != SchemaVersion:
		db.Close()
		return nil, fmt.Errorf("open database %s: schema version %d, this binary reads %d: start the server of this version once to upgrade it", path, v, SchemaVersion)
	}
	return &Store{db: db}, nil
}

// DB is the underlying database, for read-side queries (reports).
func (s *Store) DB() *sql.DB { return s.db }
