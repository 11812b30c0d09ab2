package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shardmud/engine"
	"shardmud/engine/store"
)

// The status pages and their JSON: what this world is, who is in it, what
// happened lately and how to connect. Players and shards come from the
// engine's copies (Status, Who); events from the journal, through a
// read-only connection opened for the request, so that the Server keeps no
// database state of its own (opening one is a file open and a schema check).

// Limits on what the status pages read.
const (
	// recentEvents is how many notable events the status page lists.
	recentEvents = 15
	// defaultEventLimit and maxEventLimit bound /api/events' limit.
	defaultEventLimit = 50
	maxEventLimit     = 500
)

// publicDetails is what the journal may tell anyone: the kinds /api/events
// serves and, for each, the details shown. The rest is for the admin pages:
// addresses, staff commands (admin), where players walk (move), trades
// (give), script errors, command counts, and logout reasons (a kick's
// reason is a moderator's note).
var publicDetails = map[string][]string{
	"login":   {"new", "protocol"},
	"logout":  {"seconds", "protocol"},
	"death":   {"cause", "npc"},
	"level":   {"level"},
	"handoff": {"to", "ms"},
	"online":  {"players"},
	"start":   {"world"},
	"stop":    nil,
}

// publicKinds is publicDetails' kinds, sorted, for messages and queries.
var publicKinds = slices.Sorted(maps.Keys(publicDetails))

// kindQuery picks one kind's rows from the journal; where, if set, is a SQL
// condition on them.
type kindQuery struct {
	kind, where string
}

// notable is what the status page lists: deaths, level-ups, handoffs and
// characters logging in for the first time (a login whose details say
// "new": true; a row whose details are not JSON is not one).
var notable = []kindQuery{
	{kind: "death"},
	{kind: "level"},
	{kind: "handoff"},
	{kind: "login", where: `CASE WHEN json_valid(details) THEN json_type(details, '$.new') = 'true' END`},
}

// event is one journal row as the site shows it, with only its public
// details.
type event struct {
	At      time.Time      `json:"at"`
	Shard   string         `json:"shard"`
	Kind    string         `json:"kind"`
	Actor   string         `json:"actor"`
	Target  string         `json:"target"`
	Room    string         `json:"room"`
	Details map[string]any `json:"details"`
}

// latestEvents reads the newest n events picked by qs, newest first. Each
// kind is read on its own down the (kind, at) index and stops at n, so a
// request costs the rows it returns, not the journal's size.
func (s *Server) latestEvents(ctx context.Context, qs []kindQuery, n int) ([]event, error) {
	st, err := store.OpenReadOnly(s.eng.DBPath())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	parts := make([]string, len(qs))
	var args []any
	for i, q := range qs {
		cond := "kind = ?"
		if q.where != "" {
			cond += " AND (" + q.where + ")"
		}
		parts[i] = `SELECT * FROM (SELECT id, at, shard, kind, actor, target, room, details FROM events WHERE ` +
			cond + ` ORDER BY at DESC, id DESC LIMIT ?)`
		args = append(args, q.kind, n)
	}
	query := strings.Join(parts, " UNION ALL ") + ` ORDER BY at DESC, id DESC LIMIT ?`
	rows, err := st.DB().QueryContext(ctx, query, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	out := []event{}
	for rows.Next() {
		var (
			id, at  int64 // id only orders events of the same millisecond
			e       event
			details string
		)
		if err := rows.Scan(&id, &at, &e.Shard, &e.Kind, &e.Actor, &e.Target, &e.Room, &details); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		e.Details = publicOnly(e.Kind, details)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// publicOnly is the details of a kind's event that publicDetails allows. It
// trusts the column for nothing: text that is not a JSON object reads as no
// details.
func publicOnly(kind, text string) map[string]any {
	var all map[string]any
	json.Unmarshal([]byte(text), &all)
	out := map[string]any{}
	for _, k := range publicDetails[kind] {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return out
}

// eventLine is a notable event on the status page.
type eventLine struct {
	At   time.Time
	Ago  string
	Text string
}

// sentences tell the notable events in words, by kind; every kind of
// notable has one (a test checks).
var sentences = map[string]func(e event) string{
	"death": func(e event) string {
		if e.Target == "" {
			return e.Actor + " died"
		}
		return e.Actor + " was killed by " + e.Target
	},
	"level":   func(e event) string { return fmt.Sprintf("%s reached level %v", e.Actor, e.Details["level"]) },
	"handoff": func(e event) string { return fmt.Sprintf("%s crossed to shard %v", e.Actor, e.Details["to"]) },
	"login":   func(e event) string { return e.Actor + " entered the world for the first time" },
}

// ago says roughly how long before now t was.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// statusPage is what status.html shows.
type statusPage struct {
	Title  string
	Status engine.Status
	// Busy: the game did not answer in time, so the player counts and
	// shards are missing; the rest is known without asking it.
	Busy bool
	// Everyone is the players here and on the linked shards.
	Everyone int
	// Events are the notable events; NoEvents says the journal could not
	// be read.
	Events   []eventLine
	NoEvents bool
	// Host is where the visitor reached this site, for the connect lines;
	// the ports are "" for a door that is not open.
	Host                string
	TelnetPort, SSHPort string
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status()
	p := statusPage{Title: st.World, Status: st, Busy: err != nil, Everyone: st.Players + st.Elsewhere, Host: requestHost(r),
		TelnetPort: port(st.Telnet), SSHPort: port(st.SSH)}
	if err != nil {
		s.log.Warn("status: the game did not answer", "err", err)
	}
	evs, err := s.latestEvents(r.Context(), notable, recentEvents)
	if err != nil {
		s.log.Warn("status: journal", "err", err)
		p.NoEvents = true
	}
	now := time.Now()
	for _, e := range evs {
		p.Events = append(p.Events, eventLine{At: e.At, Ago: ago(now, e.At), Text: sentences[e.Kind](e)})
	}
	s.page(w, "status.html", p)
}

// requestHost is the host the visitor asked for, without a port.
func requestHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		return h
	}
	return r.Host
}

// port is addr's port; "" for no address.
func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// whoPage is what who.html shows: the players by shard, this one's first.
type whoPage struct {
	Title  string
	Shards []shardPlayers
	Total  int
}

type shardPlayers struct {
	Shard   string
	Players []engine.WhoEntry
}

func (s *Server) handleWho(w http.ResponseWriter, r *http.Request) {
	who, err := s.eng.Who()
	if err != nil {
		s.log.Warn("who: the game did not answer", "err", err)
		http.Error(w, "The game did not answer in time; try again.", http.StatusServiceUnavailable)
		return
	}
	p := whoPage{Title: "Who is online", Total: len(who)}
	for _, e := range who { // Who lists each shard's players together
		if n := len(p.Shards); n == 0 || p.Shards[n-1].Shard != e.Shard {
			p.Shards = append(p.Shards, shardPlayers{Shard: e.Shard})
		}
		last := &p.Shards[len(p.Shards)-1]
		last.Players = append(last.Players, e)
	}
	s.page(w, "who.html", p)
}

// apiStatus is /api/status: the engine's Status and the uptime.
type apiStatus struct {
	engine.Status
	UptimeSeconds int64 `json:"uptime_seconds"`
}

func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status()
	if err != nil {
		s.log.Warn("api status: the game did not answer", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "the game did not answer in time")
		return
	}
	if st.Shards == nil {
		st.Shards = []string{} // an empty list, not null
	}
	writeJSON(w, http.StatusOK, apiStatus{Status: st, UptimeSeconds: int64(time.Since(st.Started).Seconds())})
}

func (s *Server) handleAPIWho(w http.ResponseWriter, r *http.Request) {
	who, err := s.eng.Who()
	if err != nil {
		s.log.Warn("api who: the game did not answer", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "the game did not answer in time")
		return
	}
	if who == nil {
		who = []engine.WhoEntry{} // an empty list, not null
	}
	writeJSON(w, http.StatusOK, who)
}

func (s *Server) handleAPIEvents(w http.ResponseWriter, r *http.Request) {
	qs, n, err := eventsRequest(r.URL.RawQuery)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	evs, err := s.latestEvents(r.Context(), qs, n)
	if err != nil {
		s.log.Warn("api events: journal", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the journal could not be read")
		return
	}
	writeJSON(w, http.StatusOK, evs)
}

// eventsRequest reads /api/events' query: kind, one of publicKinds (all of
// them if absent), and limit, 1 to maxEventLimit. A malformed query is an
// error rather than read in part.
func eventsRequest(raw string) ([]kindQuery, int, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, 0, errors.New("malformed query string")
	}
	n := defaultEventLimit
	if l := v.Get("limit"); l != "" {
		n, err = strconv.Atoi(l)
		if err != nil || n < 1 || n > maxEventLimit {
			return nil, 0, fmt.Errorf("limit must be a number from 1 to %d", maxEventLimit)
		}
	}
	kinds := publicKinds
	if k := v.Get("kind"); k != "" {
		if _, ok := publicDetails[k]; !ok {
			return nil, 0, fmt.Errorf("unknown kind; it is one of %s", strings.Join(publicKinds, ", "))
		}
		kinds = []string{k}
	}
	qs := make([]kindQuery, len(kinds))
	for i, k := range kinds {
		qs[i] = kindQuery{kind: k}
	}
	return qs, n, nil
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// writeJSONError answers with {"error": msg}.
func writeJSONError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
