package web

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"shardmud/engine"
	"shardmud/engine/store"
)

// TestStatusWithAPlayer: a character logged in over telnet shows on every
// status page and in the journal's API.
func TestStatusWithAPlayer(t *testing.T) {
	site, eng := startSite(t)
	play(t, eng, "Ada") // the first character: an admin

	resp, body := fetch(t, site, "/")
	wantType(t, resp, "text/html; charset=utf-8")
	telnet := port(eng.TelnetAddr().String())
	for _, want := range []string{
		"<title>Shardmud · shardmud</title>", "<strong>main</strong>",
		"<strong>1</strong> playing here", "telnet 127.0.0.1 " + telnet, `href="/play"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q:\n%s", want, body)
		}
	}
	checkFor(t, 5*time.Second, func() error { // the journal is written in batches
		if _, body := fetch(t, site, "/"); !strings.Contains(body, "Ada entered the world for the first time") {
			return fmt.Errorf("/ does not show Ada's first login:\n%s", body)
		}
		return nil
	})

	resp, body = fetch(t, site, "/who")
	wantType(t, resp, "text/html; charset=utf-8")
	for _, want := range []string{"Shard main", "Ada", "level 1", `class="role role-admin"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/who lacks %q:\n%s", want, body)
		}
	}

	var who []engine.WhoEntry
	getJSON(t, site, "/api/who", http.StatusOK, &who)
	if want := []engine.WhoEntry{{Name: "Ada", Shard: "main", Role: "admin", Level: 1}}; !slices.Equal(who, want) {
		t.Errorf("/api/who = %+v, want %+v", who, want)
	}

	var st apiStatus
	getJSON(t, site, "/api/status", http.StatusOK, &st)
	if st.World != "Shardmud" || st.Shard != "main" || st.Players != 1 || st.Telnet != eng.TelnetAddr().String() ||
		st.UptimeSeconds < 0 || time.Since(st.Started) > time.Minute {
		t.Errorf("/api/status = %+v", st)
	}

	checkFor(t, 5*time.Second, func() error {
		var evs []event
		getJSON(t, site, "/api/events?kind=login", http.StatusOK, &evs)
		if len(evs) != 1 || evs[0].Actor != "Ada" || evs[0].Shard != "main" || evs[0].Details["new"] != true {
			return fmt.Errorf("/api/events?kind=login = %+v", evs)
		}
		if _, ok := evs[0].Details["addr"]; ok {
			return fmt.Errorf("a login's address is public: %+v", evs[0])
		}
		return nil
	})
}

// TestLinkedShards: a shard's pages count and list the players of the
// shards linked to it through the relay, each shard's under its name.
func TestLinkedShards(t *testing.T) {
	t.Parallel()
	relay := natsServer(t)
	site, east := startSiteWith(t, func(c *engine.Config) {
		c.Shard, c.Relay, c.SSHAddr = "east", relay, "127.0.0.1:0"
	})
	_, west := startSiteWith(t, func(c *engine.Config) { c.Shard, c.Relay = "west", relay })
	play(t, east, "Ann")
	play(t, west, "Bob")
	play(t, west, "Cid")

	checkFor(t, 10*time.Second, func() error { // presence is heard every beat
		var st apiStatus
		getJSON(t, site, "/api/status", http.StatusOK, &st)
		if !st.Linked || st.Players != 1 || st.Elsewhere != 2 || !slices.Equal(st.Shards, []string{"west"}) {
			return fmt.Errorf("/api/status = %+v", st)
		}
		return nil
	})
	_, body := fetch(t, site, "/")
	for _, want := range []string{
		"<strong>1</strong> playing here, <strong>2</strong> on the linked shards: 3 in all",
		"Linked shards: west.",
		"ssh -p " + port(mustStatus(t, east).SSH) + " 127.0.0.1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q:\n%s", want, body)
		}
	}

	_, body = fetch(t, site, "/who")
	i, j := strings.Index(body, "<h2>Shard east</h2>"), strings.Index(body, "<h2>Shard west</h2>")
	if !strings.Contains(body, "3 playing.") || i < 0 || j < i ||
		!strings.Contains(body[i:j], "Ann") || !strings.Contains(body[j:], "<li>Bob</li>") || !strings.Contains(body[j:], "<li>Cid</li>") {
		t.Errorf("/who does not list each shard's players under it:\n%s", body)
	}
	var who []engine.WhoEntry
	getJSON(t, site, "/api/who", http.StatusOK, &who)
	want := []engine.WhoEntry{{Name: "Ann", Shard: "east", Role: "admin", Level: 1}, {Name: "Bob", Shard: "west"}, {Name: "Cid", Shard: "west"}}
	if !slices.Equal(who, want) {
		t.Errorf("/api/who = %+v, want %+v", who, want)
	}

	families := scrape(t, site)
	if linked, elsewhere := gaugeValue(families, "shardmud_relay_linked", ""), gaugeValue(families, "shardmud_players_elsewhere", ""); linked != 1 || elsewhere != 2 {
		t.Errorf("/metrics: linked %v, players elsewhere %v", linked, elsewhere)
	}
}

// natsServer runs a NATS server, the shards' relay, on a random loopback
// port until the test ends and returns its URL.
func natsServer(t *testing.T) string {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns.ClientURL()
}

func mustStatus(t *testing.T, eng *engine.Server) engine.Status {
	t.Helper()
	st, err := eng.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestGameGone: when the game does not answer (here: it has stopped), the
// status page says so and shows what it knows without it, the who pages
// and APIs answer 503, the journal is still read and /metrics serves the
// figures that need no answer.
func TestGameGone(t *testing.T) {
	site, eng := startSite(t)
	stopWithin(t, "game", eng.Shutdown)

	resp, body := fetch(t, site, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The game did not answer in time") ||
		!strings.Contains(body, "<h1>Shardmud</h1>") || strings.Contains(body, "playing here") {
		t.Errorf("/: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := fetch(t, site, "/who"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/who: %d\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/status", "/api/who"} {
		var e struct{ Error string }
		getJSON(t, site, path, http.StatusServiceUnavailable, &e)
		if e.Error == "" {
			t.Errorf("%s: no error message", path)
		}
	}
	var evs []event
	getJSON(t, site, "/api/events?kind=stop", http.StatusOK, &evs)
	if len(evs) != 1 {
		t.Errorf("the journal after the game stopped: %+v", evs)
	}
	families := scrape(t, site)
	if families["shardmud_commands_total"] == nil || families["shardmud_relay_linked"] == nil {
		t.Errorf("/metrics lacks the figures that need no answer: %v", slices.Collect(maps.Keys(families)))
	}
}

// TestStatusEmpty: a world with no one in it and nothing of note.
func TestStatusEmpty(t *testing.T) {
	site, _ := startSite(t)
	_, body := fetch(t, site, "/")
	for _, want := range []string{"<strong>0</strong> playing here", "Nothing of note yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q:\n%s", want, body)
		}
	}
	_, body = fetch(t, site, "/who")
	if !strings.Contains(body, "No one is playing just now.") {
		t.Errorf("/who:\n%s", body)
	}
	var who []engine.WhoEntry
	if raw := getJSON(t, site, "/api/who", http.StatusOK, &who); strings.TrimSpace(raw) != "[]" {
		t.Errorf("/api/who = %s, want []", raw)
	}
}

// TestJournalEvents reads a journal written here: the status page lists
// only the notable events, newest first, and the API serves the public
// kinds with their public details only.
func TestJournalEvents(t *testing.T) {
	site, eng := startSite(t)
	st, err := store.Open(eng.DBPath()) // a second writer, beside the game's
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	at := func(m int) time.Time { return now.Add(time.Duration(m-60) * time.Minute) } // an hour ago and on
	addr := "10.9.8.7:5000"
	err = st.AppendEvents(t.Context(), "east", []store.Event{
		{At: at(1), Kind: "death", Actor: "thornwick.rat", Target: "Ada", Room: "thornwick.cellar", Details: map[string]any{"cause": "combat", "npc": true}},
		{At: at(2), Kind: "level", Actor: "Ada", Room: "thornwick.cellar", Details: map[string]any{"level": 2}},
		{At: at(3), Kind: "handoff", Actor: "Ada", Room: "thornwick.gate", Details: map[string]any{"to": "west", "ms": 12}},
		{At: at(4), Kind: "login", Actor: "Bea", Details: map[string]any{"new": true, "addr": addr, "protocol": "ssh"}},
		{At: at(5), Kind: "login", Actor: "Cid", Details: map[string]any{"new": false, "addr": addr, "protocol": "telnet"}},
		{At: at(6), Kind: "move", Actor: "Ada", Room: "thornwick.square"},
		{At: at(7), Kind: "admin", Actor: "Ada", Target: "Bea", Details: map[string]any{"addr": addr}},
		{At: at(8), Kind: "logout", Actor: "Bea", Details: map[string]any{"reason": "kicked: rude", "seconds": 30}},
		{At: at(9), Kind: "death", Actor: "Cid", Details: map[string]any{"cause": "poison"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Rows the game never writes: details that are not a JSON object.
	for i, details := range []string{"not json", "[1, 2]", `{"new": "yes"}`} {
		if _, err := st.DB().Exec(`INSERT INTO events (at, shard, kind, actor, details) VALUES (?, 'east', 'login', ?, ?)`,
			at(10+i).UnixMilli(), fmt.Sprintf("Odd%d", i), details); err != nil {
			t.Fatal(err)
		}
	}

	_, body := fetch(t, site, "/")
	lines := []string{
		"Cid died",
		"Bea entered the world for the first time",
		"Ada crossed to shard west",
		"Ada reached level 2",
		"thornwick.rat was killed by Ada",
	}
	last := -1
	for _, want := range lines {
		i := strings.Index(body, want)
		if i < 0 || i < last {
			t.Fatalf("/ lacks %q or shows it out of order:\n%s", want, body)
		}
		last = i
	}
	for _, unwanted := range []string{"Cid entered", "Odd", addr, "kicked"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("/ shows %q:\n%s", unwanted, body)
		}
	}
	if !strings.Contains(body, "51m ago") || !strings.Contains(body, `datetime="`) {
		t.Errorf("/ does not say when:\n%s", body)
	}

	var evs []event
	raw := getJSON(t, site, "/api/events?limit=500", http.StatusOK, &evs)
	if strings.Contains(raw, addr) || strings.Contains(raw, "kicked") || strings.Contains(raw, `"move"`) || strings.Contains(raw, `"admin"`) {
		t.Errorf("/api/events tells what is not public: %s", raw)
	}
	if !slices.IsSortedFunc(evs, func(a, b event) int { return b.At.Compare(a.At) }) {
		t.Errorf("/api/events is not newest first: %s", raw)
	}
	want := map[string]string{ // actor and kind: the details shown
		"thornwick.rat death": `{"cause":"combat","npc":true}`,
		"Ada level":           `{"level":2}`,
		"Ada handoff":         `{"ms":12,"to":"west"}`,
		"Bea login":           `{"new":true,"protocol":"ssh"}`,
		"Cid login":           `{"new":false,"protocol":"telnet"}`,
		"Bea logout":          `{"seconds":30}`,
		"Cid death":           `{"cause":"poison"}`,
		"Odd0 login":          `{}`,
		"Odd1 login":          `{}`,
		"Odd2 login":          `{"new":"yes"}`, // public, if odd
	}
	for _, e := range evs {
		if e.Shard != "east" {
			continue // the game's own: start, online
		}
		key := e.Actor + " " + e.Kind
		got, _ := json.Marshal(e.Details)
		if string(got) != want[key] {
			t.Errorf("%s: details %s, want %s", key, got, want[key])
		}
		delete(want, key)
	}
	if len(want) > 0 {
		t.Errorf("/api/events lacks %v", want)
	}
	if !strings.Contains(raw, `"at":"`+at(9).UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)+`"`) {
		t.Errorf("/api/events does not give times in RFC 3339: %s", raw)
	}

	getJSON(t, site, "/api/events?kind=death&limit=1", http.StatusOK, &evs)
	if len(evs) != 1 || evs[0].Actor != "Cid" || evs[0].Kind != "death" {
		t.Errorf("the latest death: %+v", evs)
	}
	getJSON(t, site, "/api/events?kind=death", http.StatusOK, &evs)
	if len(evs) != 2 || evs[1].Actor != "thornwick.rat" || evs[1].Target != "Ada" || evs[1].Room != "thornwick.cellar" {
		t.Errorf("deaths: %+v", evs)
	}
	getJSON(t, site, "/api/events?limit=2", http.StatusOK, &evs)
	if len(evs) != 2 {
		t.Errorf("limit=2 gave %d events", len(evs))
	}
}

// TestAPIEventsRefuses: a query that is not understood is answered 400
// with a JSON error, and changes nothing.
func TestAPIEventsRefuses(t *testing.T) {
	site, _ := startSite(t)
	for _, q := range []string{
		"kind=bogus",
		"kind=" + url.QueryEscape("login' OR '1'='1"),
		"kind=" + url.QueryEscape("login; DROP TABLE events; --"),
		"kind=command", // private
		"kind=admin",
		"kind=" + strings.Repeat("a", 8000),
		"kind=LOGIN",
		"limit=0",
		"limit=501",
		"limit=-1",
		"limit=ten",
		"limit=1e3",
		"limit=0x10",
		"limit=99999999999999999999999",
		"limit=" + url.QueryEscape(" 5"),
		"kind=%zz",
		"kind=login;limit=5",
	} {
		var e struct{ Error string }
		getJSON(t, site, "/api/events?"+q, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%.60s: no error message", q)
		}
	}
	checkFor(t, 5*time.Second, func() error { // the journal is written in batches
		var evs []event
		getJSON(t, site, "/api/events?kind=start&ignored="+url.QueryEscape("'\"<>"), http.StatusOK, &evs)
		if len(evs) != 1 {
			return fmt.Errorf("the journal after the hostile queries: %+v", evs)
		}
		return nil
	})
}

// TestSiteAnswers: every status path's status, type and security headers,
// including an unknown path and a request too large to read.
func TestSiteAnswers(t *testing.T) {
	site, _ := startSite(t)
	for _, c := range []struct {
		path, ctype string
		status      int
	}{
		{"/", "text/html; charset=utf-8", http.StatusOK},
		{"/who", "text/html; charset=utf-8", http.StatusOK},
		{"/api/status", "application/json", http.StatusOK},
		{"/api/who", "application/json", http.StatusOK},
		{"/api/events", "application/json", http.StatusOK},
		{"/api/events?kind=nope", "application/json", http.StatusBadRequest},
		{"/no/such/page", "text/plain; charset=utf-8", http.StatusNotFound},
		{"/api/nope", "text/plain; charset=utf-8", http.StatusNotFound},
		{"/?" + strings.Repeat("x=1&", 1000), "text/html; charset=utf-8", http.StatusOK},
		{"/api/events?" + strings.Repeat("x", 64<<10), "", http.StatusRequestHeaderFieldsTooLarge},
	} {
		resp, body := fetch(t, site, c.path)
		name := c.path[:min(len(c.path), 40)]
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d\n%s", name, resp.StatusCode, c.status, body)
		}
		if c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s: Content-Type %q, want %q", name, resp.Header.Get("Content-Type"), c.ctype)
		}
		if resp.StatusCode == http.StatusRequestHeaderFieldsTooLarge {
			continue // refused before the site sees it
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", name, h, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", name, csp)
		}
	}
}

func TestEventsRequest(t *testing.T) {
	for _, c := range []struct {
		query string
		kinds []string
		limit int
	}{
		{"", publicKinds, defaultEventLimit},
		{"kind=death", []string{"death"}, defaultEventLimit},
		{"kind=death&limit=1", []string{"death"}, 1},
		{"limit=500", publicKinds, 500},
		{"kind=&limit=", publicKinds, defaultEventLimit},
		{"other=1", publicKinds, defaultEventLimit},
	} {
		qs, n, err := eventsRequest(c.query)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		var kinds []string
		for _, q := range qs {
			kinds = append(kinds, q.kind)
		}
		if !slices.Equal(kinds, c.kinds) || n != c.limit {
			t.Errorf("%q: kinds %v limit %d, want %v %d", c.query, kinds, n, c.kinds, c.limit)
		}
	}
}

func TestNotableKindsHaveSentences(t *testing.T) {
	for _, q := range notable {
		if sentences[q.kind] == nil {
			t.Errorf("no sentence tells a %s", q.kind)
		}
		if _, ok := publicDetails[q.kind]; !ok {
			t.Errorf("%s is notable but not public", q.kind)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		before time.Duration
		want   string
	}{
		{-time.Second, "just now"}, // another shard's clock runs ahead
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1m ago"},
		{59*time.Minute + 59*time.Second, "59m ago"},
		{time.Hour, "1h ago"},
		{47 * time.Hour, "47h ago"},
		{48 * time.Hour, "2d ago"},
		{400 * 24 * time.Hour, "400d ago"},
	} {
		if got := ago(now, now.Add(-c.before)); got != c.want {
			t.Errorf("%v before: %q, want %q", c.before, got, c.want)
		}
	}
}

// wantType fails unless resp has Content-Type ctype.
func wantType(t *testing.T, resp *http.Response, ctype string) {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != ctype {
		t.Errorf("%s: Content-Type %q, want %q", resp.Request.URL.Path, got, ctype)
	}
}

// getJSON GETs path, wants status and a JSON answer, decodes it into v and
// returns it raw.
func getJSON(t *testing.T, site *Server, path string, status int, v any) string {
	t.Helper()
	resp, body := fetch(t, site, path)
	name := path[:min(len(path), 60)]
	if resp.StatusCode != status {
		t.Fatalf("%s: %d, want %d\n%s", name, resp.StatusCode, status, body)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("%s: Content-Type %q", name, got)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, body)
	}
	return body
}

// BenchmarkLatestEvents reads the status page's events and the API's
// longest answer from a journal of 100,000 events, mostly commands and
// moves as a live one is, opening the database for each read as the
// handlers do; "open" is that opening alone.
func BenchmarkLatestEvents(b *testing.B) {
	site, eng := startSite(b)
	st, err := store.Open(eng.DBPath())
	if err != nil {
		b.Fatal(err)
	}
	kinds := []string{"command", "move", "move", "command", "online", "login", "logout", "death", "level", "handoff"}
	start := time.Now().Add(-100_000 * time.Second)
	for i := 0; i < 100_000; i += 1000 {
		batch := make([]store.Event, 1000)
		for j := range batch {
			batch[j] = store.Event{At: start.Add(time.Duration(i+j) * time.Second), Kind: kinds[(i+j)%len(kinds)], Actor: "Ada",
				Details: map[string]any{"new": j%7 == 0, "addr": "10.0.0.1:5000", "level": 3}}
		}
		if err := st.AppendEvents(b.Context(), "main", batch); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	qs, _, _ := eventsRequest("")
	for _, c := range []struct {
		name string
		qs   []kindQuery
		n    int
	}{
		{"status", notable, recentEvents},
		{"api-all-500", qs, maxEventLimit},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				evs, err := site.latestEvents(b.Context(), c.qs, c.n)
				if err != nil || len(evs) != c.n {
					b.Fatalf("%d events, %v", len(evs), err)
				}
			}
		})
	}
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st, err := store.OpenReadOnly(eng.DBPath())
			if err != nil {
				b.Fatal(err)
			}
			st.Close()
		}
	})
}

// BenchmarkStatusPages: the status page and /api/who under many visitors
// at once, over real HTTP, while a player plays; the game is asked at most
// once a second however many come (engine.AnswerAge).
func BenchmarkStatusPages(b *testing.B) {
	site, eng := startSite(b)
	play(b, eng, "Ann")
	base := "http://" + site.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			path := "/"
			if i%2 == 1 {
				path = "/api/who"
			}
			resp, err := client.Get(base + path)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s: %d", path, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(eng.Stats().TickP99.Microseconds()), "tick-p99-µs") // the game meanwhile
}
