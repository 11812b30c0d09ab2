package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Ban refuses logins by character name or by address.
type Ban struct {
	Kind    string // "name" or "addr"
	Target  string // name key, IP address or CIDR block
	Reason  string
	By      string
	Created time.Time
	Expires time.Time // zero: never
}

// PutBan adds or replaces a ban.
func (s *Store) PutBan(ctx context.Context, b Ban) error {
	var expires any
	if !b.Expires.IsZero() {
		expires = b.Expires.Unix()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO bans (kind, target, reason, banned_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, target) DO UPDATE SET reason = excluded.reason, banned_by = excluded.banned_by,
		created_at = excluded.created_at, expires_at = excluded.expires_at`,
		b.Kind, b.Target, b.Reason, b.By, b.Created.Unix(), expires)
	if err != nil {
		return fmt.Errorf("ban %s: %w", b.Target, err)
	}
	return nil
}

// DeleteBan lifts a ban; ErrNotFound if there was none.
func (s *Store) DeleteBan(ctx context.Context, kind, target string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bans WHERE kind = ? AND target = ?`, kind, target)
	if err != nil {
		return fmt.Errorf("unban %s: %w", target, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Bans lists every ban, expired ones included (the caller ignores them).
func (s *Store) Bans(ctx context.Context) ([]Ban, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, target, reason, banned_by, created_at, expires_at FROM bans ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("bans: %w", err)
	}
	defer rows.Close()
	var out []Ban
	for rows.Next() {
		var b Ban
		var created int64
		var expires sql.NullInt64
		if err := rows.Scan(&b.Kind, &b.Target, &b.Reason, &b.By, &created, &expires); err != nil {
			return nil, fmt.Errorf("bans: %w", err)
		}
		b.Created = time.Unix(created, 0)
		if expires.Valid {
			b.Expires = time.Unix(expires.Int64, 0)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// AreaEdits returns the areas builders edited in the game, as area files
// by area id.
func (s *Store) AreaEdits(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT area, yaml FROM area_edits`)
	if err != nil {
		return nil, fmt.Errorf("area edits: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]byte)
	for rows.Next() {
		var id, y string
		if err := rows.Scan(&id, &y); err != nil {
			return nil, fmt.Errorf("area edits: %w", err)
		}
		out[id] = []byte(y)
	}
	return out, rows.Err()
}

// AuditEntry is one staff command from the journal.
type AuditEntry struct {
	At      time.Time
	Actor   string
	Target  string
	Details string // JSON: command, args, outcome, addr, protocol
}

// Audit returns the latest n staff commands, newest first, of actor if
// not empty.
func (s *Store) Audit(ctx context.Context, actor string, n int) ([]AuditEntry, error) {
	q := `SELECT at, actor, target, details FROM events WHERE kind = 'admin'`
	args := []any{}
	if actor != "" {
		q += ` AND actor = ? COLLATE NOCASE`
		args = append(args, actor)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, n)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Target, &e.Details); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
