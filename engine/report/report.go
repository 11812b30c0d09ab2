// Package report sums up the event journal (the events table the server
// appends to) for operators: players online over time, logins, the commands
// and rooms in use, deaths and script errors.
//
// It only reads, through a handle from store.OpenReadOnly, so it may run
// while the server is writing. Each figure comes from one short query of its
// own, outside any transaction: a report never holds a read snapshot for
// long, and in WAL mode readers never hold up the server's batches. The price
// is that sections may see slightly different moments of a journal that is
// still growing; a report with a fixed Until is exact for the past.
//
// Grouping and summing happen in SQL; Go only sees the grouped rows. The
// details column is trusted for nothing: details that are not a JSON object,
// a missing field, or a field of the wrong type or out of range are read as
// absent, never as an error.
package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

const (
	// DefaultTop is how many rows a ranking shows when Options.Top is not set.
	DefaultTop = 10
	// maxDigits bounds a command count or an online sample. A larger number
	// is not something the server writes, and refusing it keeps the sums in
	// SQL from overflowing whatever the details say.
	maxDigits = 9
	// maxMessage is how many characters of a script error message are kept.
	maxMessage = 300
	// hourMillis is one bucket of the online graph.
	hourMillis = int64(time.Hour / time.Millisecond)
)

// Options chooses what a report covers.
type Options struct {
	// Since and Until bound the events read, Since included and Until
	// excluded; a zero time leaves that end open.
	Since, Until time.Time
	// Top is how many rows each ranking keeps; 0 means DefaultTop.
	Top int
}

// Report is what the journal says about a span of time. Lists are never
// nil, so that JSON readers always find an array.
type Report struct {
	Range        Range        `json:"range"`
	Online       Online       `json:"online"`
	Logins       Logins       `json:"logins"`
	Commands     Ranking      `json:"commands"`      // by verb, figures are command counts
	Rooms        Ranking      `json:"busiest_rooms"` // by room, figures are command counts
	Areas        Ranking      `json:"busiest_areas"` // by area (room id up to the first '.')
	Deaths       Ranking      `json:"deaths"`        // by cause
	ScriptErrors ScriptErrors `json:"script_errors"`
	Ignored      Ignored      `json:"ignored"`
}

// Range is the time covered.
type Range struct {
	Since  time.Time `json:"since,omitzero"` // as asked; absent means from the start
	Until  time.Time `json:"until,omitzero"` // as asked; absent means up to now
	First  time.Time `json:"first,omitzero"` // the first event found
	Last   time.Time `json:"last,omitzero"`  // the last event found
	Events int64     `json:"events"`
	Kinds  []Count   `json:"kinds"` // events by kind, all of them
}

// Online is the players-in-the-world samples the server writes every minute.
type Online struct {
	Hours  []Hour    `json:"hours"` // hours without a sample are left out
	Peak   int64     `json:"peak"`
	PeakAt time.Time `json:"peak_at,omitzero"` // the first sample at the peak
}

// Hour is one UTC hour of online samples.
type Hour struct {
	Start   time.Time `json:"start"`
	Avg     float64   `json:"avg"`
	Max     int64     `json:"max"`
	Samples int64     `json:"samples"`
}

// Logins counts login events.
type Logins struct {
	Total      int64   `json:"total"`
	Characters int64   `json:"characters"` // distinct names, case folded
	New        int64   `json:"new"`        // characters created at that login
	ByProtocol []Count `json:"by_protocol"`
}

// Ranking is a grouping ordered by its figure, largest first.
type Ranking struct {
	Total    int64   `json:"total"`    // over all groups, not only the top ones
	Distinct int64   `json:"distinct"` // how many groups there are
	Top      []Count `json:"top"`
}

// Count is one row of a ranking. An empty Name is an event without that
// field (a command typed outside any room, a death without a cause).
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// ScriptErrors ranks script files by errors.
type ScriptErrors struct {
	Total    int64         `json:"total"`
	Distinct int64         `json:"distinct"`
	Top      []ScriptError `json:"top"`
}

// ScriptError is one script file's errors.
type ScriptError struct {
	File          string    `json:"file"`
	Count         int64     `json:"count"`
	LatestAt      time.Time `json:"latest_at"`
	LatestMessage string    `json:"latest_message"` // at most maxMessage characters
}

// Ignored counts rows whose details could not be used for a figure.
type Ignored struct {
	OnlineSamples int64 `json:"online_samples"` // no usable "players"
	CommandRows   int64 `json:"command_rows"`   // no usable "count"
}

// Build reads the journal through db (see store.OpenReadOnly) and returns the
// report for opt. It is safe to call while the server writes the database.
func Build(ctx context.Context, db *sql.DB, opt Options) (*Report, error) {
	q := &query{ctx: ctx, db: db, from: math.MinInt64, to: math.MaxInt64, top: opt.Top}
	if !opt.Since.IsZero() {
		q.from = opt.Since.UnixMilli()
	}
	if !opt.Until.IsZero() {
		q.to = opt.Until.UnixMilli()
	}
	if q.top <= 0 {
		q.top = DefaultTop
	}
	r := &Report{}
	r.Range.Since, r.Range.Until = utc(opt.Since), utc(opt.Until)
	for _, s := range []struct {
		name string
		fn   func(*query, *Report) error
	}{
		{"time range", readRange},
		{"players online", readOnline},
		{"logins", readLogins},
		{"commands", readCommands},
		{"deaths", readDeaths},
		{"script errors", readScriptErrors},
	} {
		if err := s.fn(q, r); err != nil {
			return nil, fmt.Errorf("report: %s: %w", s.name, err)
		}
	}
	return r, nil
}

// query is one Build: the handle, the range in Unix milliseconds and the
// ranking length. Statements take the kind of event they read as ?1, the
// range as ?2 and ?3, and the ranking length as ?4.
type query struct {
	ctx      context.Context
	db       *sql.DB
	from, to int64
	top      int
}

// events is the start of every per-kind statement: the events of kind ?1 in
// the range, their details as d, which is always valid JSON, so that the
// JSON functions applied to it cannot fail. (CASE evaluates lazily. A path
// into JSON that is not an object, such as [1,2], is simply NULL.)
const events = `WITH ev AS (
	SELECT id, at, actor, target, room, CASE WHEN json_valid(details) THEN details ELSE '{}' END AS d
	FROM events WHERE kind = ?1 AND at >= ?2 AND at < ?3)
`

// wholeNumber is SQL for v, the JSON text of a details field (d -> '$.f'),
// as an integer if it is a whole number of at most maxDigits digits, else
// NULL. Matching the JSON text rejects what json_extract would turn into a
// number: true, "5", 2.5.
func wholeNumber(v string) string {
	return fmt.Sprintf(`(CASE WHEN %[1]s GLOB '[0-9]*' AND %[1]s NOT GLOB '*[^0-9]*' AND length(%[1]s) <= %[2]d
		THEN CAST(%[1]s AS INTEGER) END)`, v, maxDigits)
}

// field is SQL for a subquery of ev with the JSON text of details field f
// as the column v. Its LIMIT keeps SQLite from flattening it into the outer
// query, which would extract v once per use instead of once per row: the
// commands of a big journal take a third less time.
func field(f string) string {
	return `(SELECT *, d -> '$.` + f + `' AS v FROM ev LIMIT -1)`
}

// textField is SQL for the string at path in d, or the empty string if
// it is not a string.
func textField(path string) string {
	return fmt.Sprintf(`(CASE WHEN json_type(d, '%[1]s') = 'text' THEN json_extract(d, '%[1]s') ELSE '' END)`, path)
}

// area is SQL for the area part of a room id.
const area = `(CASE WHEN instr(room, '.') > 0 THEN substr(room, 1, instr(room, '.') - 1) ELSE room END)`

func (q *query) rows(stmt, kind string, scan func(*sql.Rows) error) error {
	rows, err := q.db.QueryContext(q.ctx, stmt, kind, q.from, q.to, q.top)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rank is one ranking of a statement: the rows of its source grouped by
// the SQL expression name, ranked by the aggregate figure.
type rank struct {
	into         *Ranking
	name, figure string
}

// rankings fills ranks from one statement over the events of kind: with
// adds common table expressions after ev, and source is the one the ranks
// group. One statement means one pass over the events, however many ranks.
// Groups whose figure is 0 count in neither Distinct nor Top.
func (q *query) rankings(kind, with, source string, ranks ...rank) error {
	var arms []string
	for i, rk := range ranks {
		*rk.into = Ranking{Top: []Count{}}
		// Window functions see every group; LIMIT applies after them.
		arms = append(arms, fmt.Sprintf(`SELECT * FROM (
			SELECT %d, name, n, sum(n) OVER (), count(nullif(n, 0)) OVER () FROM (
				SELECT %s AS name, coalesce(%s, 0) AS n FROM %s GROUP BY name)
			ORDER BY n DESC, name LIMIT ?4)`, i, rk.name, rk.figure, source))
	}
	return q.rows(events+with+strings.Join(arms, "\nUNION ALL "), kind, func(rows *sql.Rows) error {
		var i int
		var c Count
		var total, distinct int64
		if err := rows.Scan(&i, &c.Name, &c.Count, &total, &distinct); err != nil {
			return err
		}
		r := ranks[i].into
		r.Total, r.Distinct = total, distinct
		if c.Count > 0 {
			r.Top = append(r.Top, c)
		}
		return nil
	})
}

func readRange(q *query, r *Report) error {
	// Each of min and max alone is one step down the index of times.
	var first, last sql.NullInt64
	err := q.db.QueryRowContext(q.ctx, `SELECT (SELECT min(at) FROM events WHERE at >= ?1 AND at < ?2),
		(SELECT max(at) FROM events WHERE at >= ?1 AND at < ?2)`, q.from, q.to).Scan(&first, &last)
	if err != nil {
		return err
	}
	if first.Valid {
		r.Range.First, r.Range.Last = fromMillis(first.Int64), fromMillis(last.Int64)
	}
	r.Range.Kinds = []Count{}
	rows, err := q.db.QueryContext(q.ctx, `SELECT kind, count(*) AS n FROM events WHERE at >= ?1 AND at < ?2
		GROUP BY kind ORDER BY n DESC, kind`, q.from, q.to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Name, &c.Count); err != nil {
			return err
		}
		r.Range.Kinds = append(r.Range.Kinds, c)
		r.Range.Events += c.Count
	}
	return rows.Err()
}

func readOnline(q *query, r *Report) error {
	samples := events + `, s AS (SELECT id, at, ` + wholeNumber("v") + ` AS p FROM ` + field("players") + `)
	`
	// The hour start is at rounded down, also before 1970, where % is
	// negative. ?4 is the length of an hour here, not Top.
	stmt := samples + `SELECT at - ((at % ?4) + ?4) % ?4 AS hour, avg(p), max(p), count(p), count(*) - count(p)
		FROM s GROUP BY hour ORDER BY hour`
	r.Online.Hours = []Hour{}
	rows, err := q.db.QueryContext(q.ctx, stmt, "online", q.from, q.to, hourMillis)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var start, ignored int64
		var avg sql.NullFloat64
		var max sql.NullInt64
		var h Hour
		if err := rows.Scan(&start, &avg, &max, &h.Samples, &ignored); err != nil {
			return err
		}
		r.Ignored.OnlineSamples += ignored
		if h.Samples == 0 {
			continue
		}
		h.Start, h.Avg, h.Max = fromMillis(start), avg.Float64, max.Int64
		r.Online.Hours = append(r.Online.Hours, h)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var at int64
	err = q.db.QueryRowContext(q.ctx, samples+`SELECT p, at FROM s WHERE p IS NOT NULL ORDER BY p DESC, at, id LIMIT 1`,
		"online", q.from, q.to).Scan(&r.Online.Peak, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	r.Online.PeakAt = fromMillis(at)
	return err
}

func readLogins(q *query, r *Report) error {
	l := &r.Logins
	err := q.db.QueryRowContext(q.ctx, events+`SELECT count(*), count(DISTINCT nullif(lower(actor), '')),
		count(CASE WHEN json_type(d, '$.new') = 'true' THEN 1 END) FROM ev`,
		"login", q.from, q.to).Scan(&l.Total, &l.Characters, &l.New)
	if err != nil {
		return err
	}
	var protocols Ranking
	err = q.rankings("login", "", "ev", rank{&protocols, textField("$.protocol"), "count(*)"})
	l.ByProtocol = protocols.Top
	return err
}

func readCommands(q *query, r *Report) error {
	// Verbs, rooms and areas are all sums of the same counts: sum them once
	// per verb and room, then group those few rows three ways. The rows
	// without a usable count are counted by a fourth ranking of one group.
	pairs := `, pairs AS MATERIALIZED (
		SELECT target, room, sum(n) AS n, count(*) - count(n) AS bad
		FROM (SELECT target, room, ` + wholeNumber("v") + ` AS n FROM ` + field("count") + `)
		GROUP BY target, room)
	`
	var ignored Ranking
	err := q.rankings("command", pairs, "pairs",
		rank{&r.Commands, "target", "sum(n)"},
		rank{&r.Rooms, "room", "sum(n)"},
		rank{&r.Areas, area, "sum(n)"},
		rank{&ignored, "''", "sum(bad)"})
	r.Ignored.CommandRows = ignored.Total
	return err
}

func readDeaths(q *query, r *Report) error {
	return q.rankings("death", "", "ev", rank{&r.Deaths, textField("$.cause"), "count(*)"})
}

func readScriptErrors(q *query, r *Report) error {
	// The latest message of a file is that of its row with the greatest
	// time, the greatest id among equals.
	stmt := events + `, e AS (
		SELECT target, at, ` + textField("$.message") + ` AS msg,
			count(*) OVER (PARTITION BY target) AS n,
			row_number() OVER (PARTITION BY target ORDER BY at DESC, id DESC) AS latest
		FROM ev)
	SELECT target, n, at, substr(msg, 1, ` + fmt.Sprint(maxMessage) + `), sum(n) OVER (), count(*) OVER ()
	FROM e WHERE latest = 1 ORDER BY n DESC, target LIMIT ?4`
	s := &r.ScriptErrors
	s.Top = []ScriptError{}
	return q.rows(stmt, "script_error", func(rows *sql.Rows) error {
		var e ScriptError
		var at int64
		if err := rows.Scan(&e.File, &e.Count, &at, &e.LatestMessage, &s.Total, &s.Distinct); err != nil {
			return err
		}
		e.LatestAt = fromMillis(at)
		s.Top = append(s.Top, e)
		return nil
	})
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
