package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"shardmud/engine"
	"shardmud/engine/store"
)

// The admin pages: an admin logs in with their character's name and
// password, sees who is connected, the bans and the audit trail, and may
// start or cancel a shutdown countdown. Sessions live in this process's
// memory only, so a restart logs every admin out. Every form posted must
// come from this site's pages (as the browser's Sec-Fetch-Site or Origin
// header tells), and those that act carry their session's token too, so
// another site cannot act with an admin's cookie.

// Limits of the admin pages.
const (
	// adminSessionTTL is how long a login lasts. It is fixed from the
	// login, not renewed by use, so a stolen cookie is worth half a day
	// at most.
	adminSessionTTL = 12 * time.Hour
	// maxAdminSessions bounds the sessions kept; a login beyond it
	// drops the oldest.
	maxAdminSessions = 1000
	// adminAuditRows is how many audit entries the page shows.
	adminAuditRows = 50
	// maxShutdownSecs is the longest countdown (the engine's limit).
	maxShutdownSecs = 3600
	// maxShutdownReason bounds the reason every player is told, in bytes.
	maxShutdownReason = 200
)

// adminCookie names the session cookie.
const adminCookie = "shardmud_admin"

// adminSession is one admin logged in to the site.
type adminSession struct {
	id      string // the cookie's value
	name    string // the admin's character
	csrf    string // the token the session's forms carry
	created time.Time
	flash   string // the outcome of the last action, shown once
}

// adminSessions are the sessions by id. Expired ones are swept whenever
// the map is used, so it needs no goroutine of its own.
type adminSessions struct {
	mu   sync.Mutex
	byID map[string]*adminSession
	now  func() time.Time // time.Now, but tests move it
}

func newAdminSessions(now func() time.Time) *adminSessions {
	return &adminSessions{byID: make(map[string]*adminSession), now: now}
}

// start logs name in with a new session.
func (ss *adminSessions) start(name string) adminSession {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	ss.sweep(now)
	if len(ss.byID) >= maxAdminSessions {
		ss.dropOldest()
	}
	sess := &adminSession{id: randomToken(), name: name, csrf: randomToken(), created: now}
	ss.byID[sess.id] = sess
	return *sess
}

// get finds a session in force.
func (ss *adminSessions) get(id string) (adminSession, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.sweep(ss.now())
	sess, ok := ss.byID[id]
	if !ok {
		return adminSession{}, false
	}
	return *sess, true
}

// setFlash leaves a message for the session's next page.
func (ss *adminSessions) setFlash(id, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if sess, ok := ss.byID[id]; ok {
		sess.flash = msg
	}
}

// takeFlash returns the session's message once.
func (ss *adminSessions) takeFlash(id string) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess, ok := ss.byID[id]
	if !ok {
		return ""
	}
	msg := sess.flash
	sess.flash = ""
	return msg
}

// end logs a session out.
func (ss *adminSessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

// sweep drops the expired sessions; the caller holds mu. The map is
// small (maxAdminSessions), so a full pass costs little.
func (ss *adminSessions) sweep(now time.Time) {
	for id, sess := range ss.byID {
		if !now.Before(sess.created.Add(adminSessionTTL)) {
			delete(ss.byID, id)
		}
	}
}

// dropOldest makes room for a login; the caller holds mu.
func (ss *adminSessions) dropOldest() {
	var oldest *adminSession
	for _, sess := range ss.byID {
		if oldest == nil || sess.created.Before(oldest.created) {
			oldest = sess
		}
	}
	if oldest != nil {
		delete(ss.byID, oldest.id)
	}
}

// randomToken is 32 random bytes in hex: a session id or a form token.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// adminSite serves the admin pages with the sessions of its admins.
type adminSite struct {
	s        *Server
	sessions *adminSessions
	origins  *http.CrossOriginProtection
}

// adminHandler serves a request of a logged-in admin.
type adminHandler func(w http.ResponseWriter, r *http.Request, sess adminSession)

// adminRoutes serves the admin pages. Their sessions are kept here, in
// the handlers' adminSite, as the site's Server has no place for them.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	a := &adminSite{s: s, sessions: newAdminSessions(time.Now), origins: http.NewCrossOriginProtection()}
	mux.HandleFunc("GET /admin/login", a.loginForm)
	mux.HandleFunc("POST /admin/login", a.login)
	mux.HandleFunc("GET /admin", a.signedIn(a.dashboard))
	mux.HandleFunc("POST /admin/logout", a.action(a.logout))
	mux.HandleFunc("POST /admin/shutdown", a.action(a.shutdown))
	mux.HandleFunc("POST /admin/shutdown/cancel", a.action(a.cancelShutdown))
}

// signedIn serves h to a logged-in admin and sends anyone else to the
// login form.
func (a *adminSite) signedIn(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sess adminSession
		ok := false
		if c, err := r.Cookie(adminCookie); err == nil {
			sess, ok = a.sessions.get(c.Value)
		}
		if !ok {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// action is signedIn for a form that changes something: it must come
// from this site and carry the session's token.
func (a *adminSite) action(h adminHandler) http.HandlerFunc {
	checked := a.signedIn(func(w http.ResponseWriter, r *http.Request, sess adminSession) {
		if !readForm(w, r) {
			return
		}
		token := r.PostForm.Get("csrf")
		if subtle.ConstantTimeCompare([]byte(token), []byte(sess.csrf)) != 1 {
			http.Error(w, "Forbidden: the form's token is missing or wrong. Reload the admin page and try again.", http.StatusForbidden)
			return
		}
		h(w, r, sess)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if a.fromElsewhere(w, r) {
			return
		}
		checked(w, r)
	}
}

// fromElsewhere refuses a request another site's page made a browser send.
func (a *adminSite) fromElsewhere(w http.ResponseWriter, r *http.Request) bool {
	if err := a.origins.Check(r); err != nil {
		http.Error(w, "Forbidden: this form must be sent from this site's own pages.", http.StatusForbidden)
		return true
	}
	return false
}

// readForm parses a posted form, or answers why it cannot.
func readForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		http.Error(w, fmt.Sprintf("The form is too large: at most %d bytes.", MaxRequestBody), http.StatusRequestEntityTooLarge)
	} else {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
	}
	return false
}

// render shows an admin page. They are never cached: they carry tokens
// and the state of the server.
func (a *adminSite) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	a.s.page(w, name, data)
}

// loginPage is the login form's data.
type loginPage struct {
	Title   string
	Name    string // as typed, kept after a failure
	Problem string
}

func (a *adminSite) loginForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, "admin_login.html", loginPage{Title: "Admin login"})
}

// login checks an admin's name and password with the engine, whose login
// limits (by address and by account) apply as they do in the game.
func (a *adminSite) login(w http.ResponseWriter, r *http.Request) {
	if a.fromElsewhere(w, r) || !readForm(w, r) {
		return
	}
	page := loginPage{Title: "Admin login", Name: strings.TrimSpace(r.PostForm.Get("name"))}
	password := r.PostForm.Get("password")
	if page.Name == "" || password == "" {
		page.Problem = "Give both a name and a password."
		a.render(w, http.StatusBadRequest, "admin_login.html", page)
		return
	}
	name, err := a.s.eng.CheckAdmin(r.RemoteAddr, page.Name, password)
	if err != nil {
		// A wrong name, password or role look alike; so do a busy server
		// and a database failure, whose details are for the log only.
		status := http.StatusUnauthorized
		page.Problem = "Wrong name or password, or not an admin."
		switch wait := engine.RetryAfter(err); {
		case wait > 0:
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
			page.Problem = fmt.Sprintf("Too many failed logins. Try again in %s.", wait.Round(time.Second))
		case !errors.Is(err, engine.ErrBadLogin):
			a.s.log.Warn("admin login refused", "name", page.Name, "addr", r.RemoteAddr, "err", err)
			status = http.StatusServiceUnavailable
			page.Problem = "The server cannot check logins just now; please try again later."
		}
		a.render(w, status, "admin_login.html", page)
		return
	}
	sess := a.sessions.start(name)
	a.s.log.Info("admin logged in to the site", "name", name, "addr", r.RemoteAddr)
	http.SetCookie(w, sessionCookie(r, sess.id, int(adminSessionTTL/time.Second)))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// sessionCookie carries a session id, or with maxAge < 0 forgets it.
func sessionCookie(r *http.Request, id string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     adminCookie,
		Value:    id,
		Path:     "/admin",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

func (a *adminSite) logout(w http.ResponseWriter, r *http.Request, sess adminSession) {
	a.sessions.end(sess.id)
	a.s.log.Info("admin logged out of the site", "name", sess.name, "addr", r.RemoteAddr)
	http.SetCookie(w, sessionCookie(r, "", -1))
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// dashboardPage is the admin page's data.
type dashboardPage struct {
	Title       string
	Name        string // the admin
	CSRF        string
	Flash       string
	Connections []engine.Connection
	Bans        []store.Ban // those in force
	Audit       []auditRow
	ShutdownAt  time.Time // zero: no countdown
	ShutdownIn  time.Duration
	MaxSecs     int
	// Problems are the questions the engine could not answer; the page
	// shows what it has.
	Problems []string
}

func (a *adminSite) dashboard(w http.ResponseWriter, r *http.Request, sess adminSession) {
	p := dashboardPage{Title: "Admin", Name: sess.name, CSRF: sess.csrf,
		Flash: a.sessions.takeFlash(sess.id), MaxSecs: maxShutdownSecs}
	var err error
	if p.Connections, err = a.s.eng.Connections(); err != nil {
		p.Problems = append(p.Problems, "connections: "+err.Error())
	}
	bans, err := a.s.eng.Bans()
	if err != nil {
		p.Problems = append(p.Problems, "bans: "+err.Error())
	}
	p.Bans = inForce(bans, time.Now())
	audit, err := a.s.eng.Audit(adminAuditRows)
	if err != nil {
		p.Problems = append(p.Problems, "audit: "+err.Error())
	}
	for _, e := range audit {
		p.Audit = append(p.Audit, readAudit(e))
	}
	if p.ShutdownAt = a.s.eng.ShutdownAt(); !p.ShutdownAt.IsZero() {
		p.ShutdownIn = time.Until(p.ShutdownAt).Round(time.Second)
	}
	a.render(w, http.StatusOK, "admin.html", p)
}

// inForce leaves out the bans that have expired (the store keeps them).
func inForce(bans []store.Ban, now time.Time) []store.Ban {
	var out []store.Ban
	for _, b := range bans {
		if b.Expires.IsZero() || b.Expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}

// auditRow is an audit entry with its details read for the page.
type auditRow struct {
	store.AuditEntry
	Did auditDetails
}

// auditDetails are what the journal records of a staff command.
type auditDetails struct {
	Command  string `json:"command"`
	Args     string `json:"args"`
	Outcome  string `json:"outcome"`
	Addr     string `json:"addr"`
	Protocol string `json:"protocol"`
}

// readAudit reads an entry's details; details it cannot read are shown
// as they are.
func readAudit(e store.AuditEntry) auditRow {
	row := auditRow{AuditEntry: e}
	if err := json.Unmarshal([]byte(e.Details), &row.Did); err != nil {
		row.Did.Args = e.Details
	}
	return row
}

func (a *adminSite) shutdown(w http.ResponseWriter, r *http.Request, sess adminSession) {
	secs, reason, problem := shutdownForm(r.PostForm)
	if problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	outcome := fmt.Sprintf("The server shuts down in %s.", time.Duration(secs)*time.Second)
	if err := a.s.eng.ShutdownIn(sess.name, r.RemoteAddr, secs, reason); err != nil {
		outcome = "The countdown did not start: " + err.Error() + "."
	}
	a.s.log.Info("shutdown ordered on the site", "by", sess.name, "secs", secs, "reason", reason, "addr", r.RemoteAddr, "outcome", outcome)
	a.done(w, r, sess, outcome)
}

// shutdownForm reads the countdown's seconds and reason; problem, if not
// empty, says what is wrong with them. The reason is optional, as in the
// game, but it is told to every player, so it must be one line of text.
func shutdownForm(f url.Values) (secs int, reason, problem string) {
	if !f.Has("secs") {
		return 0, "", "Missing field secs: the seconds before the shutdown."
	}
	secs, err := strconv.Atoi(strings.TrimSpace(f.Get("secs")))
	if err != nil || secs < 0 || secs > maxShutdownSecs {
		return 0, "", fmt.Sprintf("secs must be a whole number of seconds from 0 to %d.", maxShutdownSecs)
	}
	reason = strings.TrimSpace(f.Get("reason"))
	switch {
	case len(reason) > maxShutdownReason:
		return 0, "", fmt.Sprintf("The reason is too long: at most %d bytes.", maxShutdownReason)
	case !utf8.ValidString(reason) || strings.ContainsFunc(reason, unicode.IsControl):
		return 0, "", "The reason must be one line of text."
	}
	return secs, reason, ""
}

func (a *adminSite) cancelShutdown(w http.ResponseWriter, r *http.Request, sess adminSession) {
	outcome := "The shutdown is cancelled."
	if err := a.s.eng.ShutdownIn(sess.name, r.RemoteAddr, -1, ""); err != nil {
		outcome = "Nothing cancelled: " + err.Error() + "."
	}
	a.s.log.Info("shutdown cancelled on the site", "by", sess.name, "addr", r.RemoteAddr, "outcome", outcome)
	a.done(w, r, sess, outcome)
}

// done sends the admin back to the page, which shows the outcome once.
func (a *adminSite) done(w http.ResponseWriter, r *http.Request, sess adminSession, outcome string) {
	a.sessions.setFlash(sess.id, outcome)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}
