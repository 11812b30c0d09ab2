package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

// errGaveUp ends a login that used up its attempts or was refused.
var errGaveUp = errors.New("login refused")

// reservedNames cannot be characters: they would read as commands, targets
// or staff.
var reservedNames = map[string]bool{
	"new": true, "all": true, "self": true, "me": true, "someone": true, "something": true,
	"anyone": true, "nobody": true, "here": true, "quit": true, "connect": true, "create": true,
	"admin": true, "builder": true, "root": true, "god": true, "system": true, "server": true,
	"shardmud": true, "guest": true, "who": true, "look": true,
}

// validName checks the name rules and returns the name as displayed, or
// what is wrong with it, worded for the player.
func validName(name string) (string, string) {
	if len(name) < 3 || len(name) > 20 {
		return "", "A name has 3 to 20 letters."
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", "A name has letters only (a to z)."
		}
	}
	lower := strings.ToLower(name)
	if reservedNames[lower] {
		return "", fmt.Sprintf("%q is reserved; choose another name.", name)
	}
	return strings.ToUpper(lower[:1]) + lower[1:], ""
}

// login runs the login dialogue on the session goroutine: it may wait on the
// client, the database and bcrypt, none of which may touch the loop.
func (s *session) login() (world.PlayerRecord, error) {
	s.door.SetReadDeadline(time.Now().Add(s.srv.cfg.LoginTimeout))
	defer s.door.SetReadDeadline(time.Time{})
	s.say(fmt.Sprintf("{CWelcome to %s!{x\n"+
		"Type the name of your character, or a new name to create one.\n"+
		"(Clients and bots may log in with one line: connect <name> <password>, or create <name> <password>.)",
		s.srv.worldName))
	for rounds := 0; ; rounds++ {
		switch {
		case s.badPasswords >= LoginAttemptsPerConn:
			s.Close("too many failed logins")
			return world.PlayerRecord{}, errGaveUp
		case rounds >= MaxLoginRounds: // typos are fine; a script of junk is not
			s.say("Too many tries; goodbye.")
			s.Close("too many login rounds")
			return world.PlayerRecord{}, errGaveUp
		}
		s.prompt("Name: ")
		line, err := s.readLine()
		if err != nil {
			return world.PlayerRecord{}, err
		}
		in := parseLoginLine(line)
		var rec world.PlayerRecord
		var ok bool
		switch in.verb {
		case "":
			continue
		case "mssp-request": // a listing site's crawler, in plain text
			s.push(outItem{outRaw, s.srv.msspText()}, true)
			s.Close("MSSP request answered")
			return world.PlayerRecord{}, errGaveUp
		case "connect":
			rec, ok, err = s.connect(in.name, in.password)
		case "create":
			rec, ok, err = s.create(in.name, in.password)
		case "name":
			rec, ok, err = s.dialogue(in.name)
		default:
			s.say("A name is one word. (Or: connect <name> <password>)")
			continue
		}
		if err != nil {
			return world.PlayerRecord{}, err
		}
		if ok {
			s.srv.stats.logins.Add(1)
			s.store().TouchLogin(context.Background(), rec.Name)
			s.logger().Info("login", "name", rec.Name, "role", rec.Role)
			return rec, nil
		}
	}
}

// loginLine is a line typed at the name prompt, read.
type loginLine struct {
	// verb is "connect", "create" or "mssp-request"; "name" for a word
	// alone (the dialogue); "" for a blank line; "words" for several words
	// that are none of these.
	verb     string
	name     string // as typed, not yet checked
	password string // the rest after the name: may hold spaces
}

// parseLoginLine reads a line at the name prompt. It decides nothing
// about the name or password (validName and the store do); a fuzz target
// holds it to never losing what was typed.
func parseLoginLine(line string) loginLine {
	line = strings.TrimSpace(line)
	verb, rest, _ := strings.Cut(line, " ")
	switch v := strings.ToLower(verb); v {
	case "":
		return loginLine{}
	case "connect", "create":
		name, pw, _ := strings.Cut(strings.TrimSpace(rest), " ")
		return loginLine{verb: v, name: name, password: pw}
	case "mssp-request":
		return loginLine{verb: v}
	}
	if rest != "" {
		return loginLine{verb: "words"}
	}
	return loginLine{verb: "name", name: line}
}

func (s *session) store() *store.Store { return s.srv.store }

// readLine reads a line during login, skipping over-long ones.
func (s *session) readLine() (string, error) {
	for {
		line, err := s.door.ReadLine()
		if errors.Is(err, errLineTooLong) {
			s.say("That line was too long.")
			continue
		}
		return line, err
	}
}

// readSecret reads a password with the client's echo turned off.
func (s *session) readSecret(prompt string) (string, error) {
	s.push(outItem{kind: outHide}, true)
	s.prompt(prompt)
	line, err := s.readLine()
	s.push(outItem{kind: outShow}, true)
	s.say("")
	return line, err
}

// dialogue is the interactive path for a name typed alone.
func (s *session) dialogue(typed string) (world.PlayerRecord, bool, error) {
	name, problem := validName(typed)
	if problem != "" {
		s.say(problem)
		return world.PlayerRecord{}, false, nil
	}
	exists, err := s.store().Exists(context.Background(), name)
	if err != nil {
		return s.storeFailed(err)
	}
	if !exists { // another shard's, perhaps
		_, owner := s.srv.ownerElsewhere(name)
		exists = owner != ""
	}
	if exists {
		pw, err := s.readSecret("Password: ")
		if err != nil {
			return world.PlayerRecord{}, false, err
		}
		return s.connect(name, pw)
	}
	s.prompt(fmt.Sprintf("There is no %s yet. Create a new character named %s? (yes/no) ", name, name))
	answer, err := s.readLine()
	if err != nil {
		return world.PlayerRecord{}, false, err
	}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "y") {
		s.say("Then choose another name.")
		return world.PlayerRecord{}, false, nil
	}
	for {
		pw, err := s.readSecret(fmt.Sprintf("Choose a password for %s (%d or more characters): ", name, MinPasswordLen))
		if err != nil {
			return world.PlayerRecord{}, false, err
		}
		if msg := passwordProblem(pw); msg != "" {
			s.say(msg)
			continue
		}
		again, err := s.readSecret("Type the password again: ")
		if err != nil {
			return world.PlayerRecord{}, false, err
		}
		if again != pw {
			s.say("The passwords differ. Let's try again.")
			continue
		}
		return s.create(name, pw)
	}
}

func passwordProblem(pw string) string {
	switch {
	case len(pw) < MinPasswordLen:
		return fmt.Sprintf("That password is too short: use %d or more characters.", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Sprintf("That password is too long: use at most %d bytes.", MaxPasswordLen)
	}
	return ""
}

// connect checks a password, under the per-address and per-account limits.
func (s *session) connect(typed, pw string) (world.PlayerRecord, bool, error) {
	var rec world.PlayerRecord
	var err error
	if _, owner := s.srv.ownerElsewhere(typed); owner != "" {
		rec, err = s.connectElsewhere(typed, pw, owner)
	} else {
		rec, err = s.srv.authenticate(s.addr, typed, pw)
	}
	var limited *rateLimited
	switch {
	case errors.Is(err, errGaveUp):
		return world.PlayerRecord{}, false, err
	case err == nil:
		if !s.attached { // else the shard that plays it says so, before the room
			s.say(fmt.Sprintf("Welcome back, %s.", rec.Name))
		}
		return rec, true, nil
	case errors.Is(err, errBadLogin):
		s.badPasswords++
		s.say("Wrong name or password.")
		return world.PlayerRecord{}, false, nil
	case errors.As(err, &limited):
		s.say(fmt.Sprintf("Too many failed logins. Try again in %s.", limited.wait.Round(time.Second)))
		s.Close("login rate limit")
		return world.PlayerRecord{}, false, errGaveUp
	case errors.Is(err, errBusy):
		s.say("The server is busy logging others in; please try again in a moment.")
		s.Close("login queue full")
		return world.PlayerRecord{}, false, errGaveUp
	}
	return s.storeFailed(err)
}

// connectElsewhere logs in a character that lives on owner and has never
// been here: owner checks the password, under this shard's limits, and
// plays the character for this connection.
func (s *session) connectElsewhere(typed, pw, owner string) (world.PlayerRecord, error) {
	name, _ := validName(typed)
	if err := s.srv.loginAllowed(s.addr, name); err != nil {
		return world.PlayerRecord{}, err
	}
	switch err := s.attach(name, owner, pw); {
	case errors.Is(err, errBadLogin):
		s.srv.loginFailed(s.addr, name)
		return world.PlayerRecord{}, err
	case err != nil:
		s.sayProblem(err)
		s.Close("owner unreachable")
		return world.PlayerRecord{}, errGaveUp
	}
	s.attached = true
	return world.PlayerRecord{Name: name}, nil
}

// errBadLogin is a wrong name or password: the two are not told apart.
var errBadLogin = errors.New("wrong name or password")

// rateLimited: the address or the account failed too often lately.
type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string { return fmt.Sprintf("too many failed logins; wait %s", e.wait) }

// authenticate checks a character's password for a client at addr, under
// the per-address and per-account limits; telnet and SSH share it. It
// runs on the caller's goroutine (never the loop's) and waits for bcrypt.
func (s *Server) authenticate(addr, typed, pw string) (world.PlayerRecord, error) {
	name, problem := validName(typed)
	if problem != "" {
		return world.PlayerRecord{}, errBadLogin
	}
	if err := s.loginAllowed(addr, name); err != nil {
		return world.PlayerRecord{}, err
	}
	c, err := s.store.Character(context.Background(), name)
	hash := s.dummyHash // a missing name costs what a wrong password does
	if err == nil {
		hash = c.Hash
	} else if !errors.Is(err, store.ErrNotFound) {
		return world.PlayerRecord{}, err
	}
	ok, err := s.checkPassword(hash, pw)
	if err != nil {
		return world.PlayerRecord{}, err
	}
	if !ok || c == nil {
		s.loginFailed(addr, name)
		return world.PlayerRecord{}, errBadLogin
	}
	return c.Record, nil
}

// loginAllowed is nil unless addr or the account name failed to log in
// too often lately.
func (s *Server) loginAllowed(addr, name string) error {
	now := time.Now()
	wait, blocked := s.limiter.blocked("addr:"+hostOf(addr), s.cfg.FailedLoginsPerAddr, now)
	if !blocked {
		wait, blocked = s.limiter.blocked("acct:"+strings.ToLower(name), s.cfg.FailedLoginsPerAccount, now)
	}
	if blocked {
		s.log.Warn("login refused: too many failures", "name", name, "addr", addr)
		return &rateLimited{wait}
	}
	return nil
}

// loginFailed counts a wrong name or password against addr and name.
func (s *Server) loginFailed(addr, name string) {
	now := time.Now()
	s.stats.loginFailures.Add(1)
	s.limiter.fail("addr:"+hostOf(addr), now)
	s.limiter.fail("acct:"+strings.ToLower(name), now)
	s.log.Info("failed login", "name", name, "addr", addr)
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// create makes a new character.
func (s *session) create(typed, pw string) (world.PlayerRecord, bool, error) {
	name, problem := validName(typed)
	if problem != "" {
		s.say(problem)
		return world.PlayerRecord{}, false, nil
	}
	if msg := passwordProblem(pw); msg != "" {
		s.say(msg)
		return world.PlayerRecord{}, false, nil
	}
	// Hashing is the slow part: do not spend it on a name that is taken.
	if exists, err := s.store().Exists(context.Background(), name); err != nil {
		return s.storeFailed(err)
	} else if exists {
		s.say(fmt.Sprintf("The name %s is taken. Choose another.", name))
		return world.PlayerRecord{}, false, nil
	}
	if why := s.srv.claimName(name); why != "" {
		s.say(why)
		return world.PlayerRecord{}, false, nil
	}
	hash, err := s.srv.hashPassword(pw)
	if errors.Is(err, errBusy) {
		s.say("The server is busy logging others in; please try again in a moment.")
		s.Close("login queue full")
		return world.PlayerRecord{}, false, errGaveUp
	}
	if err != nil {
		return world.PlayerRecord{}, false, fmt.Errorf("hash password: %w", err)
	}
	role, err := s.store().CreateCharacter(context.Background(), name, hash, s.srv.cfg.Admin)
	if errors.Is(err, store.ErrExists) {
		s.say(fmt.Sprintf("The name %s is taken. Choose another.", name))
		return world.PlayerRecord{}, false, nil
	}
	if err != nil {
		return s.storeFailed(err)
	}
	s.logger().Info("character created", "name", name, "role", role)
	s.created = true
	s.say(fmt.Sprintf("Welcome, %s! Your character has been created.", name))
	if role == world.RoleAdmin {
		s.say("{YYou are an admin of this world.{x")
	}
	return world.PlayerRecord{Name: name, Role: role}, true, nil
}

func (s *session) storeFailed(err error) (world.PlayerRecord, bool, error) {
	s.logger().Error("login: database error", "err", err)
	s.say("{RThe character database is not answering; please try again later.{x")
	s.Close("database error")
	return world.PlayerRecord{}, false, errGaveUp
}
