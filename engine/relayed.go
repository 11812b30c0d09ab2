package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"shardmud/engine/store"
)

// Connections whose characters live on other shards: the shard a player
// is connected to (its conn shard) relays the player's lines to the shard
// that plays the character (its owner) and the owner's output back; see
// remote.go for the owner's side of a session. This file is the
// bookkeeping around it: where a character lives at login, attaching a
// connection to its owner, and what happens when either shard goes away.

// connRef describes sess's connection for the shard that will play it.
func (sess *session) connRef() connRef {
	c := connRef{Shard: sess.srv.cfg.Shard, Boot: sess.srv.boot, PID: sess.pid, Addr: sess.addr,
		Proto: sess.door.Protocol(), Term: sess.door.Term()}
	if d, ok := sess.door.(*remoteDoor); ok {
		c = d.conn
		c.Term = d.Term()
	}
	sess.gmcpConn(&c)
	return c
}

func (sess *session) isClosed() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.closed
}

// relayLine is a line from a session without a character here: held
// while it crosses, sent on to the shard that plays it. Loop only.
func (s *Server) relayLine(sess *session, line string) {
	switch {
	case sess.crossing:
		if len(sess.held) < MaxHeldLines {
			sess.held = append(sess.held, line)
		}
	case sess.route == "":
		// quit or taken over: nothing to do
	case sess.waiting || !s.link.up.Load():
		sess.Send(fmt.Sprintf("{YShard %s cannot be reached just now; waiting for it to come back.{x", sess.route))
	default:
		m := inMsg{PID: sess.pid, Line: line}
		if t := sess.door.Term(); t != sess.sentTerm {
			sess.sentTerm = t
			m.Term = &t
		}
		s.link.send(subjectIn+sess.route, m)
	}
}

// residence says where the character name lives: "" for here, or the
// shard that plays it; an error if it cannot be played now.
func (sess *session) residence(name string) (string, error) {
	s := sess.srv
	ch, err := s.store.Character(context.Background(), name)
	if errors.Is(err, store.ErrNotFound) { // never here: another shard's, if any
		_, owner := s.ownerElsewhere(name)
		return owner, nil
	}
	if err != nil {
		return "", nil // the game will report on the database
	}
	switch ch.Residence.State {
	case "":
		return "", nil
	case store.ResidenceAway:
	default:
		return "", errors.New("your character is crossing between shards just now; try again in a moment")
	}
	if s.link == nil {
		return "", fmt.Errorf("your character is on shard %s, and this shard is not linked to it", ch.Residence.Peer)
	}
	where := ch.Residence.Peer
	if o, rev, err := s.ledger.get(name); err == nil && rev != 0 {
		where = o.Shard
	}
	if where == s.cfg.Shard {
		s.log.Error("a character's row says away but the ledger says here", "name", name)
		s.post(event{kind: evFunc, fn: func() {
			s.notifyStaff(fmt.Sprintf("{R[shards]{x %s's row here says it lives on %s, but the ledger says here: it cannot be played until that is mended.", name, ch.Residence.Peer))
		}})
		return "", errors.New("your character cannot be found on any shard; the admins have been told")
	}
	return where, nil
}

// attach asks owner to play name for this connection, checking password
// unless it is "" (this shard checked it); errBadLogin if the password is
// wrong.
func (sess *session) attach(name, owner, password string) error {
	s := sess.srv
	var refused *attachRefused
	switch err := s.askAttach(owner, attachReq{Name: name, Password: password, Conn: sess.connRef()}); {
	case errors.Is(err, errBadLogin):
		return err
	case errors.As(err, &refused):
		return fmt.Errorf("your character is on shard %s, but %s; try again later", owner, refused.why)
	case err != nil:
		return fmt.Errorf("your character is on shard %s, which does not answer; try again later", owner)
	}
	sess.logger().Info("playing on another shard", "name", name, "shard", owner)
	done := make(chan struct{})
	s.post(event{kind: evFunc, fn: func() {
		sess.route, sess.charName, sess.waiting = owner, name, false
		close(done)
	}})
	<-done
	return nil
}

// attachRefused is an attach the owner answered no to, saying why.
type attachRefused struct{ why string }

func (e *attachRefused) Error() string { return e.why }

// askAttach sends an attach (or a password check) to owner: nil if it
// said yes, errBadLogin for a wrong password, *attachRefused for another
// no, or why it did not answer. Not on the loop: it waits.
func (s *Server) askAttach(owner string, req attachReq) error {
	var reply handoffReply
	if err := s.link.request(subjectAttach+owner, req, &reply, HandoffTimeout); err != nil {
		return err
	}
	switch {
	case reply.Denied:
		return errBadLogin
	case !reply.OK:
		return &attachRefused{reply.Error}
	}
	return nil
}

// ownerElsewhere is the shard that owns a character this shard has no
// row for, from the ledger ("" if none does, or this one), and the name
// as it is spelled.
func (s *Server) ownerElsewhere(typed string) (name, owner string) {
	name, problem := validName(typed)
	if s.ledger == nil || problem != "" {
		return name, ""
	}
	if exists, err := s.store.Exists(context.Background(), name); err != nil || exists {
		return name, ""
	}
	o, rev, err := s.ledger.get(name)
	if err != nil || rev == 0 || o.Shard == s.cfg.Shard {
		return name, ""
	}
	return name, o.Shard
}

// checkElsewhere asks owner whether password is name's (an SSH login,
// which is decided before there is a session to attach); errBadLogin if
// it is not, under this shard's limits for addr.
func (s *Server) checkElsewhere(addr, name, password, owner string) error {
	if err := s.loginAllowed(addr, name); err != nil {
		return err
	}
	err := s.askAttach(owner, attachReq{Name: name, Password: password, Check: true})
	if errors.Is(err, errBadLogin) {
		s.loginFailed(addr, name)
	}
	return err
}

// receiveAttach plays one of this shard's characters for a connection on
// another shard, on a goroutine of its own.
func (s *Server) receiveAttach(m *nats.Msg) {
	var req attachReq
	if json.Unmarshal(m.Data, &req) != nil || !req.Check && (req.Conn.Shard == "" || req.Conn.PID == "") {
		respond(m, errors.New("an attach this shard cannot read"))
		return
	}
	ch, err := s.store.Character(context.Background(), req.Name)
	switch {
	case err != nil:
		respond(m, fmt.Errorf("shard %s does not have %s", s.cfg.Shard, req.Name))
		return
	case ch.Residence.State != "":
		respond(m, fmt.Errorf("%s is not settled on shard %s", req.Name, s.cfg.Shard))
		return
	}
	if req.Password != "" || req.Check {
		if ok, err := s.checkPassword(ch.Hash, req.Password); err != nil || !ok {
			respond(m, errBadLogin)
			return
		}
	}
	if req.Check {
		respond(m, nil)
		return
	}
	d := s.newRemoteDoor(req.Conn)
	sess := s.open(d, nil)
	if sess == nil {
		respond(m, errors.New("the shard is stopping"))
		return
	}
	if req.Password != "" { // a login, not a return
		sess.say(fmt.Sprintf("Welcome back, %s.", ch.Record.Name))
	}
	go sess.runRemote(&ch.Record, "")
	respond(m, nil)
}

// fromOwner handles output and news for a connection here (a relay
// goroutine).
func (s *Server) fromOwner(m connMsg) {
	s.mu.Lock()
	sess := s.pids[m.PID]
	s.mu.Unlock()
	if sess == nil {
		if m.Kind != connClose && m.Kind != connWait {
			s.link.send(subjectIn+m.From, inMsg{PID: m.PID, Gone: true})
		}
		return
	}
	switch m.Kind {
	case connBytes:
		sess.push(outItem{outRaw, string(m.Data)}, true)
	case connPrompt:
		sess.push(outItem{outRawPrompt, string(m.Data)}, true)
	case connGMCP:
		sess.push(outItem{outGMCP, m.Text + " " + string(m.Data)}, true)
	case connHide:
		sess.push(outItem{kind: outHide}, true)
	case connShow:
		sess.push(outItem{kind: outShow}, true)
	case connClose:
		s.post(event{kind: evFunc, fn: func() {
			if sess.route == m.From {
				sess.route = ""
				sess.Close("the game ended on shard " + m.From)
			}
		}})
	case connOwner:
		s.post(event{kind: evFunc, fn: func() {
			if sess.player != nil || sess.crossing {
				return // a stale claim: the character is here, or leaving
			}
			if sess.waiting && sess.route == m.From {
				sess.Send(fmt.Sprintf("{GShard %s is back.{x", m.From))
			}
			sess.route, sess.waiting, sess.sentTerm = m.From, false, screen{}
		}})
	case connWait:
		s.post(event{kind: evFunc, fn: func() {
			if sess.route == m.From {
				sess.waiting = true
				sess.Send(fmt.Sprintf("{YShard %s has gone away for now; your character is safe there. Waiting for it to come back...{x", m.From))
			}
		}})
	}
}

// toOwner hands a connection's input to the session that plays it here (a
// relay goroutine).
func (s *Server) toOwner(m inMsg) {
	s.rmu.Lock()
	d := s.remotes[m.PID]
	s.rmu.Unlock()
	s.mu.Lock()
	sess := s.pids[m.PID]
	s.mu.Unlock()
	switch {
	case d != nil:
		d.input(m)
	case sess != nil && m.Line != "":
		// Typed while the character crossed back to the shard its
		// connection is on.
		s.post(event{kind: evFunc, fn: func() {
			if p := sess.player; p != nil {
				s.safeDo(p, m.Line)
			} else {
				s.relayLine(sess, m.Line)
			}
		}})
	}
}

// shardLost is told, on the loop, that shard stopped beating: connections
// here whose characters it plays wait for it, and characters here played
// for connections there are dropped (link-dead, saved as usual).
func (s *Server) shardLost(shard string) {
	for _, sess := range s.sessionList() {
		if sess.route == shard && !sess.waiting {
			sess.waiting = true
			sess.Send(fmt.Sprintf("{YShard %s has gone quiet; your character is safe there. Waiting for it to come back...{x", shard))
		}
	}
	s.dropRemotes(func(c connRef) bool { return c.Shard == shard })
}

// shardBack is told, on the loop, that shard beats again (or restarted,
// with a new boot): connections waiting for it attach again, and sessions
// for connections of its earlier process end.
func (s *Server) shardBack(shard, boot string, restarted bool) {
	s.dropRemotes(func(c connRef) bool { return c.Shard == shard && c.Boot != boot })
	for _, sess := range s.sessionList() {
		if sess.route == shard && (sess.waiting || restarted) {
			sess.waiting = true
			go s.reattach(sess.charName, shard, sess.connRef())
		}
	}
}

// reattach asks shard to play name for the connection c, for a while: the
// character may not be settled there yet. On success the new session's
// first message tells the connection (connOwner).
func (s *Server) reattach(name, shard string, c connRef) {
	var err error
	for try, wait := 0, 100*time.Millisecond; try < 10; try, wait = try+1, min(2*wait, settleRetry) {
		if err = s.askAttach(shard, attachReq{Name: name, Conn: c}); err == nil {
			return
		}
		select {
		case <-s.stopping:
			return
		case <-time.After(wait):
		}
	}
	s.log.Warn("could not attach a connection to the shard that plays its character", "name", name, "shard", shard, "err", err)
}

func (s *Server) sessionList() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

func (s *Server) dropRemotes(match func(connRef) bool) {
	s.rmu.Lock()
	var drop []*remoteDoor
	for _, d := range s.remotes {
		if match(d.conn) {
			drop = append(drop, d)
		}
	}
	s.rmu.Unlock()
	for _, d := range drop {
		d.quiet.Store(true)
		d.Close()
	}
}

// farewellElsewhere, at shutdown, lets the shards that play characters
// for connections here know the connections are closing.
func (s *Server) farewellElsewhere() {
	for _, sess := range s.sessionList() {
		if sess.route != "" {
			s.link.send(subjectIn+sess.route, inMsg{PID: sess.pid, Gone: true})
			sess.route = ""
			sess.Send("{YThe server you are connected to is shutting down. Your character is saved where it is.{x")
			sess.Close("server shutdown")
		}
	}
}
