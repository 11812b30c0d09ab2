package web

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"shardmud/engine"
	"shardmud/engine/store"
)

func TestAdminSessionsExpireAndAreBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ss := newAdminSessions(func() time.Time { return now })

	first := ss.start("ada")
	if len(first.id) != 64 || len(first.csrf) != 64 || first.id == first.csrf {
		t.Fatalf("id %q, token %q: want two different 32-byte hex strings", first.id, first.csrf)
	}
	now = now.Add(adminSessionTTL - time.Second)
	if _, ok := ss.get(first.id); !ok {
		t.Fatal("a session ended before its time")
	}
	now = now.Add(time.Second) // fixed from the login: using it did not extend it
	if _, ok := ss.get(first.id); ok {
		t.Fatal("a session outlived adminSessionTTL")
	}
	if len(ss.byID) != 0 {
		t.Fatalf("%d expired sessions kept", len(ss.byID))
	}

	oldest := ss.start("ada")
	for range maxAdminSessions {
		now = now.Add(time.Millisecond)
		ss.start("bea")
	}
	if len(ss.byID) != maxAdminSessions {
		t.Fatalf("%d sessions kept, want %d", len(ss.byID), maxAdminSessions)
	}
	if _, ok := ss.get(oldest.id); ok {
		t.Fatal("the oldest session survived a login beyond the limit")
	}
}

func TestAdminFlashShowsOnce(t *testing.T) {
	ss := newAdminSessions(time.Now)
	sess := ss.start("ada")
	ss.setFlash(sess.id, "done")
	if got := ss.takeFlash(sess.id); got != "done" {
		t.Fatalf("flash %q, want done", got)
	}
	if got := ss.takeFlash(sess.id); got != "" {
		t.Fatalf("flash %q shown twice", got)
	}
}

func TestSessionCookieSecureOverTLS(t *testing.T) {
	if c := sessionCookie(httptest.NewRequest(http.MethodPost, "https://mud.example/admin/login", nil), "id", 60); !c.Secure {
		t.Fatalf("cookie over TLS: %+v", c)
	}
	if c := sessionCookie(httptest.NewRequest(http.MethodPost, "http://mud.example/admin/login", nil), "id", 60); c.Secure {
		t.Fatalf("cookie over plain HTTP: %+v", c)
	}
}

func TestBansInForce(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	bans := []store.Ban{
		{Target: "forever"},
		{Target: "later", Expires: now.Add(time.Second)},
		{Target: "expired", Expires: now},
	}
	var got []string
	for _, b := range inForce(bans, now) {
		got = append(got, b.Target)
	}
	if strings.Join(got, " ") != "forever later" {
		t.Fatalf("in force: %v", got)
	}
}

func TestShutdownForm(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		secs   int
		reason string
		fault  string // in the problem; "" for none
	}{
		{"now", url.Values{"secs": {"0"}}, 0, "", ""},
		{"reason", url.Values{"secs": {" 300 "}, "reason": {"  reboot  "}}, 300, "reboot", ""},
		{"longest", url.Values{"secs": {"3600"}}, 3600, "", ""},
		{"missing secs", url.Values{"reason": {"x"}}, 0, "", "Missing field secs"},
		{"empty secs", url.Values{"secs": {""}}, 0, "", "whole number"},
		{"words", url.Values{"secs": {"soon"}}, 0, "", "whole number"},
		{"fraction", url.Values{"secs": {"1.5"}}, 0, "", "whole number"},
		{"negative", url.Values{"secs": {"-1"}}, 0, "", "from 0 to 3600"},
		{"too long", url.Values{"secs": {"99999"}}, 0, "", "from 0 to 3600"},
		{"overflow", url.Values{"secs": {"99999999999999999999999"}}, 0, "", "whole number"},
		{"long reason", url.Values{"secs": {"5"}, "reason": {strings.Repeat("x", maxShutdownReason+1)}}, 0, "", "too long"},
		{"two lines", url.Values{"secs": {"5"}, "reason": {"a\r\nb"}}, 0, "", "one line"},
		{"escape", url.Values{"secs": {"5"}, "reason": {"\x1b[2J"}}, 0, "", "one line"},
		{"bad utf-8", url.Values{"secs": {"5"}, "reason": {"\xff\xfe"}}, 0, "", "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs, reason, problem := shutdownForm(tt.form)
			if tt.fault == "" {
				if problem != "" || secs != tt.secs || reason != tt.reason {
					t.Fatalf("got %d %q %q, want %d %q", secs, reason, problem, tt.secs, tt.reason)
				}
				return
			}
			if !strings.Contains(problem, tt.fault) {
				t.Fatalf("problem %q, want it to say %q", problem, tt.fault)
			}
		})
	}
}

// TestAdminSite walks the admin pages as an admin would, over real
// sockets: telnet players in the game, a browser without redirects on the
// site.
func TestAdminSite(t *testing.T) {
	site, eng := startSite(t)
	base := "http://" + site.Addr().String()

	resp, body := fetch(t, site, "/admin/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<label for="name">`) || !strings.Contains(body, `<label for="password">`) {
		t.Fatalf("login form: %d\n%s", resp.StatusCode, body)
	}

	ada := play(t, eng, "Ada") // the first character: an admin
	bea := play(t, eng, "Bea")
	say(t, ada, "wall hello from the game")
	telnetHears(t, bea, "hello from the game")
	say(t, ada, "ban 10.9.0.0/16 2h spammers")
	telnetHears(t, ada, "10.9.0.0/16")

	for _, who := range []struct{ name, password string }{{"Ada", "wrong password"}, {"Bea", testPassword}, {"Nobody", testPassword}} {
		page := adminPost(t, base+"/admin/login", nil, url.Values{"name": {who.name}, "password": {who.password}}, nil)
		if page.status != http.StatusUnauthorized || page.cookie != nil || !strings.Contains(page.body, "Wrong name or password") {
			t.Fatalf("%s logs in: %d, cookie %v\n%s", who.name, page.status, page.cookie, page.body)
		}
	}
	page := adminPost(t, base+"/admin/login", nil, url.Values{"name": {"Ada"}}, nil)
	if page.status != http.StatusBadRequest || !strings.Contains(page.body, "both a name and a password") {
		t.Fatalf("no password: %d\n%s", page.status, page.body)
	}

	if resp, _ := fetch(t, site, "/admin"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/login" {
		t.Fatalf("no cookie: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	page = adminPost(t, base+"/admin/login", nil, url.Values{"name": {"ada"}, "password": {testPassword}}, nil)
	cookie := page.cookie
	if page.status != http.StatusSeeOther || page.location != "/admin" || cookie == nil {
		t.Fatalf("admin logs in: %d to %q, cookie %v", page.status, page.location, cookie)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/admin" || cookie.Secure ||
		cookie.MaxAge != int(adminSessionTTL/time.Second) || len(cookie.Value) != 64 {
		t.Fatalf("cookie %+v", cookie)
	}

	page = adminGet(t, base+"/admin", cookie)
	for _, want := range []string{"Logged in as Ada", "<td>Ada</td>", "<td>Bea</td>", "<td>telnet</td>", "<td>wall</td>", "hello from the game",
		"<td>10.9.0.0/16</td><td>addr</td><td>spammers</td><td>Ada</td>", "No shutdown is counting down"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the admin page lacks %q: %d\n%s", want, page.status, page.body)
		}
	}
	if page.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", page.header.Get("Cache-Control"))
	}
	token := formToken(t, page.body)

	// Forged requests: no token, a wrong one, another site's page.
	shutdown := url.Values{"secs": {"120"}, "reason": {"new areas"}}
	for _, forged := range []struct {
		name   string
		token  string
		origin string
	}{{"no token", "", ""}, {"wrong token", strings.Repeat("0", 64), ""}, {"other site", token, "https://evil.example"}, {"null origin", token, "null"}} {
		form := url.Values{"secs": shutdown["secs"], "reason": shutdown["reason"]}
		if forged.token != "" {
			form.Set("csrf", forged.token)
		}
		h := http.Header{}
		if forged.origin != "" {
			h.Set("Origin", forged.origin)
		}
		page := adminPost(t, base+"/admin/shutdown", cookie, form, h)
		if page.status != http.StatusForbidden {
			t.Fatalf("%s: %d\n%s", forged.name, page.status, page.body)
		}
	}
	if at := eng.ShutdownAt(); !at.IsZero() {
		t.Fatalf("a forged request started a countdown to %v", at)
	}

	// Hostile forms, with the right token.
	for _, bad := range []struct {
		name   string
		body   string
		status int
		says   string
	}{
		{"huge", "csrf=" + token + "&secs=60&reason=" + strings.Repeat("x", MaxRequestBody), http.StatusRequestEntityTooLarge, "too large"},
		{"missing secs", "csrf=" + token + "&reason=x", http.StatusBadRequest, "Missing field secs"},
		{"words", "csrf=" + token + "&secs=soon", http.StatusBadRequest, "whole number"},
		{"too long", "csrf=" + token + "&secs=99999", http.StatusBadRequest, "from 0 to 3600"},
		{"broken encoding", "csrf=" + token + "&secs=%zz", http.StatusBadRequest, "could not be read"},
	} {
		page := adminPostRaw(t, base+"/admin/shutdown", cookie, bad.body, nil)
		if page.status != bad.status || !strings.Contains(page.body, bad.says) {
			t.Fatalf("%s: %d\n%s", bad.name, page.status, page.body)
		}
	}
	if at := eng.ShutdownAt(); !at.IsZero() {
		t.Fatalf("a bad form started a countdown to %v", at)
	}

	shutdown.Set("csrf", token)
	h := http.Header{"Origin": {base}}
	page = adminPost(t, base+"/admin/shutdown", cookie, shutdown, h)
	if page.status != http.StatusSeeOther || page.location != "/admin" {
		t.Fatalf("shutdown: %d to %q\n%s", page.status, page.location, page.body)
	}
	if at := eng.ShutdownAt(); at.IsZero() || time.Until(at) > 2*time.Minute {
		t.Fatalf("countdown to %v, want in 2 minutes", at)
	}
	telnetHears(t, bea, "The server shuts down in 2m0s: new areas")
	page = adminGet(t, base+"/admin", cookie)
	for _, want := range []string{"The server shuts down in 2m0s.", `class="countdown"`, "Cancel the shutdown"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the admin page lacks %q\n%s", want, page.body)
		}
	}
	if page = adminGet(t, base+"/admin", cookie); strings.Contains(page.body, `class="flash"`) {
		t.Fatalf("the outcome was shown twice\n%s", page.body)
	}

	page = adminPost(t, base+"/admin/shutdown/cancel", cookie, url.Values{"csrf": {token}}, nil)
	if page.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", page.status, page.body)
	}
	if at := eng.ShutdownAt(); !at.IsZero() {
		t.Fatalf("cancelled, yet counting down to %v", at)
	}
	telnetHears(t, bea, "Ada has cancelled the shutdown")
	adminPost(t, base+"/admin/shutdown/cancel", cookie, url.Values{"csrf": {token}}, nil)
	if page = adminGet(t, base+"/admin", cookie); !strings.Contains(page.body, "Nothing cancelled: no shutdown is counting down.") {
		t.Fatalf("cancelling nothing\n%s", page.body)
	}
	// The site's shutdowns are in the audit trail, as the command's are.
	audit, err := eng.Audit(10)
	if err != nil {
		t.Fatal(err)
	}
	var webShutdowns int
	for _, e := range audit {
		if strings.Contains(e.Details, `"command":"shutdown"`) && strings.Contains(e.Details, `"protocol":"web"`) {
			webShutdowns++
		}
	}
	if webShutdowns != 3 { // started, cancelled, and the cancel of nothing
		t.Fatalf("audit has %d shutdowns from the site, want 3: %+v", webShutdowns, audit)
	}

	page = adminPost(t, base+"/admin/logout", cookie, url.Values{"csrf": {token}}, nil)
	if page.status != http.StatusSeeOther || page.location != "/admin/login" || page.cookie == nil || page.cookie.MaxAge >= 0 {
		t.Fatalf("logout: %d to %q, cookie %+v", page.status, page.location, page.cookie)
	}
	if page = adminGet(t, base+"/admin", cookie); page.status != http.StatusSeeOther || page.location != "/admin/login" {
		t.Fatalf("the page after logout: %d to %q", page.status, page.location)
	}
	if page = adminPost(t, base+"/admin/shutdown", cookie, shutdown, nil); page.status != http.StatusSeeOther || page.location != "/admin/login" {
		t.Fatalf("a shutdown after logout: %d to %q", page.status, page.location)
	}
	if at := eng.ShutdownAt(); !at.IsZero() {
		t.Fatalf("a logged-out cookie started a countdown to %v", at)
	}
}

// TestAdminLoginRateLimit: the site's logins count against the game's
// limits, and the page says when they bite.
func TestAdminLoginRateLimit(t *testing.T) {
	site, eng := startSite(t)
	base := "http://" + site.Addr().String()
	play(t, eng, "Ada")
	wrong := url.Values{"name": {"Ada"}, "password": {"not the password"}}
	for range engine.FailedLoginsPerAccount {
		if page := adminPost(t, base+"/admin/login", nil, wrong, nil); page.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", page.status)
		}
	}
	page := adminPost(t, base+"/admin/login", nil, url.Values{"name": {"Ada"}, "password": {testPassword}}, nil)
	if page.status != http.StatusTooManyRequests || page.cookie != nil || !strings.Contains(page.body, "Too many failed logins") {
		t.Fatalf("after %d failures: %d, cookie %v\n%s", engine.FailedLoginsPerAccount, page.status, page.cookie, page.body)
	}
}

// response is what the site answered, redirects not followed.
type response struct {
	status   int
	location string
	cookie   *http.Cookie // the admin cookie set, if any
	header   http.Header
	body     string
}

func adminGet(t *testing.T, url string, cookie *http.Cookie) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return adminDo(t, req, cookie)
}

func adminPost(t *testing.T, url string, cookie *http.Cookie, form url.Values, h http.Header) response {
	t.Helper()
	return adminPostRaw(t, url, cookie, form.Encode(), h)
}

func adminPostRaw(t *testing.T, url string, cookie *http.Cookie, body string, h http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	return adminDo(t, req, cookie)
}

func adminDo(t *testing.T, req *http.Request, cookie *http.Cookie) response {
	t.Helper()
	if cookie != nil {
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}
	for _, c := range resp.Cookies() {
		if c.Name == adminCookie {
			r.cookie = c
		}
	}
	return r
}

// formToken finds the CSRF token in the admin page's forms.
func formToken(t *testing.T, page string) string {
	t.Helper()
	const field = `name="csrf" value="`
	i := strings.Index(page, field)
	if i < 0 {
		t.Fatalf("no token in the page\n%s", page)
	}
	token, _, _ := strings.Cut(page[i+len(field):], `"`)
	return token
}

// say sends a line to the game.
func say(t *testing.T, conn net.Conn, line string) {
	t.Helper()
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(line + "\r\n")); err != nil {
		t.Fatal(err)
	}
}

// telnetHears reads the game's output until want arrives.
func telnetHears(t *testing.T, conn net.Conn, want string) {
	t.Helper()
	var heard bytes.Buffer
	buf := make([]byte, 4096)
	deadline := time.Now().Add(5 * time.Second)
	conn.SetReadDeadline(deadline)
	for !strings.Contains(heard.String(), want) {
		n, err := conn.Read(buf)
		heard.Write(buf[:n])
		if err != nil && !(errors.Is(err, os.ErrDeadlineExceeded) && time.Now().Before(deadline)) {
			t.Fatalf("waiting for %q: %v; heard:\n%s", want, err, heard.String())
		}
	}
}
