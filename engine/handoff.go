package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"shardmud/engine/store"
	"shardmud/world"
)

// Handoff: a character walks through a portal (or an admin does goto
// shard:room) and moves, whole, to another shard. The steps, each of which
// any process may die in:
//
//  1. freeze: the origin takes the character out of its world and saves
//     its row marked leaving (its items stay with it);
//  2. the origin swaps the ledger entry to "origin, crossing to target";
//  3. transfer: the origin sends the whole record to the target, which
//     saves it marked arriving;
//  4. acknowledge: the target swaps the ledger entry to itself, then
//     plays the character and answers;
//  5. resume: the origin drops its copy (the row stays, away) and relays
//     the connection to the target.
//
// If the target refuses or does not answer in time the origin swaps the
// entry back to itself and resumes the character where it was. Both
// swaps start from the revision step 2 wrote, so exactly one wins; a
// shard that cannot tell (the ledger is unreachable, or a swap's answer
// was lost) reads the entry until it can, and after a restart every row
// still marked leaving or arriving is settled the same way. The ledger is
// the truth; the copies follow it.

const (
	subjectHandoff = "shardmud.handoff." // + target: take this character
	subjectAttach  = "shardmud.attach."  // + owner: play this character for a connection elsewhere
	// HandoffTimeout is how long an origin waits for the target to take a
	// character before taking it back.
	HandoffTimeout = 5 * time.Second
	// settleRetry bounds the wait between ledger reads while settling.
	settleRetry = 2 * time.Second
	// MaxHeldLines bounds what a player may type while crossing.
	MaxHeldLines = QueuedLinesPerSession
)

// crossing is a character on its way out of this shard. Its fields are
// set on the loop before the handoff goroutine starts, and read only
// after.
type crossing struct {
	id      string
	rec     world.PlayerRecord
	to      string // target shard
	room    string // room there, "" for its start room
	sess    *session
	conn    connRef
	start   time.Time
	rev     uint64 // the ledger entry's revision once it says "crossing"
	leaving string
}

type handoffReq struct {
	ID     string             `json:"id"`
	From   string             `json:"from"`
	Ledger string             `json:"ledger"`
	Rev    uint64             `json:"rev"`
	Room   string             `json:"room"`
	Record world.PlayerRecord `json:"record"`
	Hash   []byte             `json:"hash"`
	Conn   connRef            `json:"conn"` // Shard "" for no connection
}

type handoffReply struct {
	OK     bool   `json:"ok"`
	Denied bool   `json:"denied,omitempty"` // an attach with a wrong password
	Error  string `json:"error,omitempty"`
}

type attachReq struct {
	Name     string  `json:"name"`
	Password string  `json:"password,omitempty"` // "" when the connection's shard checked it
	Conn     connRef `json:"conn"`
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ChaosSteps are the handoff's steps where Config.Chaos can pause it: on
// the origin, frozen (the character saved as leaving), offered (the ledger
// says crossing) and answered (the target said yes); on the target,
// arrived (the character saved as arriving) and claimed (the ledger names
// the target).
var ChaosSteps = []string{"frozen", "offered", "arrived", "claimed", "answered"}

// chaos pauses a handoff at step when the chaos test asks for it, and
// says so in the log, so that the test can kill a process right there.
func (s *Server) chaos(step string) {
	if s.cfg.Chaos == step {
		s.log.Warn("chaos: paused", "step", step)
		time.Sleep(ChaosPause)
	}
}

// ChaosPause is how long a chaos step holds the handoff.
const ChaosPause = 2 * time.Second

// onSaved calls fn, on the loop, with the sequence number of the delta
// that carries every change made so far, which is taken at once.
func (s *Server) onSaved(fn func(seq uint64)) {
	s.afterSave = append(s.afterSave, fn)
	s.world.SaveSoon()
}

// move records a change of residence for the next delta.
func (s *Server) move(m world.CharacterMove) {
	s.moves = append(s.moves, m)
	s.world.SaveSoon()
}

// Cross is world.Shards.Cross: it freezes p and starts the handoff.
func (sh shards) Cross(p *world.Player, shard, room, leaving string) string {
	s := sh.s
	switch {
	case shard == s.cfg.Shard:
		return fmt.Sprintf("You are on shard %s already.", shard)
	case !s.link.up.Load():
		return fmt.Sprintf("The way to shard %s is closed: the link to the other shards is down.", shard)
	case s.others[shard] == nil:
		return fmt.Sprintf("The way to shard %s is closed: that shard cannot be reached.", shard)
	}
	c := &crossing{id: randomID(), to: shard, room: room, start: time.Now(), leaving: leaving}
	if sess, ok := p.Link().(*session); ok {
		c.sess, c.conn = sess, sess.connRef()
		sess.player, sess.crossing = nil, true
	}
	p.Send("{cThe world blurs and tilts around you...{x")
	c.rec = s.world.HandOut(p, leaving)
	s.crossings[p.Key()] = c
	s.move(world.CharacterMove{Kind: world.MoveLeaving, Name: c.rec.Name, Peer: shard, ID: c.id})
	s.onSaved(func(seq uint64) { go s.handOff(c, seq) })
	return ""
}

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

// handOff runs steps 2 to 5 for the origin, off the loop.
func (s *Server) handOff(c *crossing, seq uint64) {
	name := c.rec.Name
	if !s.saver.await(seq, HandoffTimeout) {
		s.resume(c, "this shard cannot save just now")
		return
	}
	ch, err := s.store.Character(context.Background(), name)
	if err != nil {
		s.resume(c, "this shard cannot read your character")
		return
	}
	s.chaos("frozen")
	o, rev, err := s.ledger.get(name)
	switch {
	case err != nil:
		s.resume(c, "the shards' ledger cannot be reached")
		return
	case rev != 0 && o.Shard != s.cfg.Shard:
		s.log.Error("the ledger gives a character played here to another shard; it stays here", "name", name, "owner", o.Shard)
		s.resume(c, "the shards' ledger disagrees with this shard")
		return
	}
	c.rev, err = s.ledger.swap(name, owner{Shard: s.cfg.Shard, To: c.to, ID: c.id}, rev)
	switch {
	case errors.Is(err, errLost):
		s.resume(c, "the shards' ledger changed meanwhile")
		return
	case err != nil:
		s.settle(c) // the write may have happened
		return
	}
	s.chaos("offered")
	req := handoffReq{ID: c.id, From: s.cfg.Shard, Ledger: s.cfg.Ledger, Rev: c.rev, Room: c.room,
		Record: c.rec, Hash: ch.Hash, Conn: c.conn}
	var reply handoffReply
	if err := s.link.request(subjectHandoff+c.to, req, &reply, HandoffTimeout); err != nil {
		reply.Error = fmt.Sprintf("shard %s did not answer", c.to)
	}
	if reply.OK {
		s.chaos("answered")
		s.handedOn(c, true)
		return
	}
	// Take it back, unless the target took it after all.
	if _, err := s.ledger.swap(name, owner{Shard: s.cfg.Shard}, c.rev); err == nil {
		s.resume(c, reply.Error)
		return
	}
	s.settle(c)
}

// settle reads the ledger until it says where c's character is.
func (s *Server) settle(c *crossing) {
	told := false
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, settleRetry) {
		o, rev, err := s.ledger.get(c.rec.Name)
		switch {
		case err != nil:
		case rev == 0 || o.Shard == s.cfg.Shard && o.To == "":
			s.resume(c, "the crossing was called off")
			return
		case o.Shard != s.cfg.Shard:
			s.handedOn(c, false)
			return
		default: // still crossing: call it off
			if _, err := s.ledger.swap(c.rec.Name, owner{Shard: s.cfg.Shard}, rev); err == nil {
				s.resume(c, fmt.Sprintf("shard %s did not answer", c.to))
				return
			}
		}
		if !told && c.sess != nil {
			told = true
			s.post(event{kind: evFunc, fn: func() {
				c.sess.Send("{YYou hang between worlds while the shards settle where you are...{x")
			}})
		}
		select {
		case <-s.stopping:
			return // the next start settles it
		case <-time.After(wait):
		}
	}
}

// handedOn is step 5: the target has the character. Unless it answered
// (confirmed), it may not play it for the connection (it restarted, or its
// answer was lost), so it is asked to.
func (s *Server) handedOn(c *crossing, confirmed bool) {
	s.post(event{kind: evFunc, fn: func() {
		key := world.PlayerKey(c.rec.Name)
		delete(s.crossings, key)
		delete(s.departed, key)
		s.move(world.CharacterMove{Kind: world.MoveGone, Name: c.rec.Name, Peer: c.to, ID: c.id})
		s.left(c.rec.Name, c.rec.Room, "crossed to shard "+c.to)
		ms := time.Since(c.start).Milliseconds()
		s.journal.record(store.Event{Kind: "handoff", Actor: c.rec.Name, Room: c.rec.Room,
			Details: map[string]any{"to": c.to, "ms": ms}})
		s.stats.handoffs.observe(time.Since(c.start))
		s.beat() // the other shards' who should not show it here a moment longer
		sess := c.sess
		if sess == nil {
			return
		}
		if !confirmed && !sess.isClosed() {
			go s.reattach(c.rec.Name, c.to, c.conn)
		}
		sess.crossing = false
		held := sess.held
		sess.held = nil
		if sess.isClosed() { // the player left while crossing
			s.link.send(subjectIn+c.to, inMsg{PID: c.conn.PID, Gone: true})
			return
		}
		if d, ok := sess.door.(*remoteDoor); ok {
			// The connection is on another shard; the target relays it
			// now. What was typed meanwhile goes there too.
			for _, line := range held {
				s.link.send(subjectIn+c.to, inMsg{PID: d.conn.PID, Line: line})
			}
			d.quiet.Store(true)
			sess.Close("crossed to shard " + c.to)
			return
		}
		sess.route, sess.charName = c.to, c.rec.Name
		for _, line := range held {
			s.relayLine(sess, line)
		}
	}})
}

// resume puts a character whose crossing failed back where it was.
func (s *Server) resume(c *crossing, why string) {
	s.post(event{kind: evFunc, fn: func() {
		key := world.PlayerKey(c.rec.Name)
		delete(s.crossings, key)
		s.move(world.CharacterMove{Kind: world.MoveHome, Name: c.rec.Name})
		var link world.Link
		sess := c.sess
		if sess != nil && !sess.isClosed() {
			link = sess
		}
		p := s.world.HandIn(c.rec, link, fmt.Sprintf("%s stumbles back out of the shimmering air.", c.rec.Name))
		if link == nil {
			return // link-dead: it fades and is saved as usual
		}
		sess.player, sess.crossing = p, false
		p.Send(fmt.Sprintf("{YThe crossing failed: %s. You are back where you were.{x", why))
		held := sess.held
		sess.held = nil
		for _, line := range held {
			s.safeDo(p, line)
		}
	}})
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

// respond answers a handoff or an attach: yes, or no and why.
func respond(m *nats.Msg, err error) {
	r := handoffReply{OK: err == nil}
	if err != nil {
		r.Error = err.Error()
	}
	data, _ := json.Marshal(r)
	m.Respond(data)
}

// receiveHandoff is steps 3 and 4 for the target, on a goroutine of its
// own.
func (s *Server) receiveHandoff(m *nats.Msg) {
	var req handoffReq
	answer := func(err error) { respond(m, err) }
	if err := json.Unmarshal(m.Data, &req); err != nil || req.Record.Name == "" {
		answer(errors.New("a handoff this shard cannot read"))
		return
	}
	name := req.Record.Name
	if req.Ledger != s.cfg.Ledger {
		answer(fmt.Errorf("shards %s and %s keep different ledgers", req.From, s.cfg.Shard))
		return
	}
	if ch, err := s.store.Character(context.Background(), name); err == nil && ch.Residence.State == "" {
		answer(fmt.Errorf("shard %s has a character called %s already", s.cfg.Shard, name))
		return
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		answer(fmt.Errorf("shard %s cannot read its characters", s.cfg.Shard))
		return
	}
	rec := req.Record
	rec.Room = req.Room
	saved := make(chan uint64, 1)
	refused := make(chan error, 1)
	if !s.post(event{kind: evFunc, fn: func() {
		key := world.PlayerKey(name)
		switch {
		case s.world.Player(name) != nil || s.crossings[key] != nil:
			refused <- fmt.Errorf("%s is playing on shard %s already", name, s.cfg.Shard)
			return
		case s.arrivals[key] != "":
			refused <- fmt.Errorf("%s is arriving on shard %s already", name, s.cfg.Shard)
			return
		}
		if err := s.world.Adopt(&rec); err != nil {
			refused <- err
			return
		}
		s.arrivals[key] = req.ID
		s.move(world.CharacterMove{Kind: world.MoveArrived, Name: name, Peer: req.From, ID: req.ID, Record: &rec, Hash: req.Hash})
		s.onSaved(func(seq uint64) { saved <- seq })
	}}) {
		return
	}
	var seq uint64
	select {
	case err := <-refused:
		answer(err)
		return
	case seq = <-saved:
	}
	if !s.saver.await(seq, HandoffTimeout) {
		s.discard(name, req.From) // if it is written later, this follows it
		answer(fmt.Errorf("shard %s cannot save just now", s.cfg.Shard))
		return
	}
	s.chaos("arrived")
	_, err := s.ledger.swap(name, owner{Shard: s.cfg.Shard, ID: req.ID}, req.Rev)
	if err != nil {
		// Lost, or unknown: the ledger says which.
		for wait := 50 * time.Millisecond; ; wait = min(2*wait, settleRetry) {
			o, _, gerr := s.ledger.get(name)
			if gerr == nil {
				if o.Shard != s.cfg.Shard || o.To != "" || o.ID != req.ID {
					s.discard(name, o.Shard)
					answer(errors.New("the crossing was called off"))
					return
				}
				break // the swap was applied; its answer was lost
			}
			select {
			case <-s.stopping:
				return
			case <-time.After(wait):
			}
		}
	}
	s.chaos("claimed")
	s.post(event{kind: evFunc, fn: func() { s.arrive(rec, req) }})
	answer(nil)
}

// discard forgets a character that did not arrive after all.
func (s *Server) discard(name, owner string) {
	s.post(event{kind: evFunc, fn: func() {
		delete(s.arrivals, world.PlayerKey(name))
		s.move(world.CharacterMove{Kind: world.MoveGone, Name: name, Peer: owner})
	}})
}

// arrive puts a character that crossed here into the world, for its
// connection wherever that is. Loop only.
func (s *Server) arrive(rec world.PlayerRecord, req handoffReq) {
	key := world.PlayerKey(rec.Name)
	delete(s.departed, key)
	delete(s.arrivals, key)
	s.move(world.CharacterMove{Kind: world.MoveHome, Name: rec.Name})
	arriving := fmt.Sprintf("%s steps out of the shimmering air.", rec.Name)
	if req.Conn.Shard == "" {
		s.world.HandIn(rec, nil, arriving) // link-dead: it fades and is saved as usual
		return
	}
	if req.Conn.Shard == s.cfg.Shard {
		// Back on the shard the player is connected to.
		s.mu.Lock()
		sess := s.pids[req.Conn.PID]
		s.mu.Unlock()
		if sess == nil || sess.isClosed() {
			s.world.HandIn(rec, nil, arriving)
			return
		}
		sess.route, sess.waiting = "", false
		s.handle(event{kind: evEnter, s: sess, rec: rec, arriving: arriving})
		return
	}
	d := s.newRemoteDoor(req.Conn)
	if sess := s.open(d, nil); sess != nil {
		go sess.runRemote(rec, arriving)
	}
}

// residence says where the character name lives: "" for here, or the
// shard that plays it; an error if it cannot be played now.
func (sess *session) residence(name string) (string, error) {
	s := sess.srv
	ch, err := s.store.Character(context.Background(), name)
	if err != nil {
		return "", nil // a character just created, or one the game will report on
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
	var reply handoffReply
	err := s.link.request(subjectAttach+owner, attachReq{Name: name, Password: password, Conn: sess.connRef()}, &reply, HandoffTimeout)
	switch {
	case err != nil:
		return fmt.Errorf("your character is on shard %s, which does not answer; try again later", owner)
	case reply.Denied:
		return errBadLogin
	case !reply.OK:
		return fmt.Errorf("your character is on shard %s, but %s; try again later", owner, reply.Error)
	}
	sess.log.Info("playing on another shard", "name", name, "shard", owner)
	done := make(chan struct{})
	s.post(event{kind: evFunc, fn: func() {
		sess.route, sess.charName, sess.waiting = owner, name, false
		close(done)
	}})
	<-done
	return nil
}

// elsewhere is the shard that owns a character this shard has no row
// for, from the ledger; "" if none does, or this one.
func (sess *session) elsewhere(typed string) string {
	s := sess.srv
	name, problem := validName(typed)
	if s.ledger == nil || problem != "" {
		return ""
	}
	if exists, err := s.store.Exists(context.Background(), name); err != nil || exists {
		return ""
	}
	o, rev, err := s.ledger.get(name)
	if err != nil || rev == 0 || o.Shard == s.cfg.Shard {
		return ""
	}
	return o.Shard
}

// claimName registers a new character's name in the ledger, so that no
// two shards make characters of the same name; it says why not if the name
// is taken. While the ledger cannot be reached, play here goes on: the
// name is claimed by the character's first crossing, which is refused if
// another shard has claimed it meanwhile.
func (s *Server) claimName(name string) string {
	if s.ledger == nil {
		return ""
	}
	_, err := s.ledger.swap(name, owner{Shard: s.cfg.Shard}, 0)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errLost):
		if o, _, err := s.ledger.get(name); err == nil && o.Shard == s.cfg.Shard {
			return "" // claimed here before (a creation that failed later)
		}
		return fmt.Sprintf("The name %s is taken on another shard. Choose another.", name)
	}
	s.log.Warn("a new character's name is not claimed in the ledger, which is unreachable", "name", name, "err", err)
	return ""
}

// receiveAttach plays one of this shard's characters for a connection on
// another shard, on a goroutine of its own.
func (s *Server) receiveAttach(m *nats.Msg) {
	var req attachReq
	answer := func(err error) { respond(m, err) }
	if json.Unmarshal(m.Data, &req) != nil || req.Conn.Shard == "" || req.Conn.PID == "" {
		answer(errors.New("an attach this shard cannot read"))
		return
	}
	ch, err := s.store.Character(context.Background(), req.Name)
	switch {
	case err != nil:
		answer(fmt.Errorf("shard %s does not have %s", s.cfg.Shard, req.Name))
		return
	case ch.Residence.State != "":
		answer(fmt.Errorf("%s is not settled on shard %s", req.Name, s.cfg.Shard))
		return
	}
	if req.Password != "" {
		if ok, err := s.checkPassword(ch.Hash, req.Password); err != nil || !ok {
			data, _ := json.Marshal(handoffReply{Denied: true, Error: "wrong password"})
			m.Respond(data)
			return
		}
	}
	d := s.newRemoteDoor(req.Conn)
	sess := s.open(d, nil)
	if sess == nil {
		answer(errors.New("the shard is stopping"))
		return
	}
	if req.Password != "" { // a login, not a return
		sess.say(fmt.Sprintf("Welcome back, %s.", ch.Record.Name))
	}
	go sess.runRemote(ch.Record, "")
	answer(nil)
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
	var why string
	for try, wait := 0, 100*time.Millisecond; try < 10; try, wait = try+1, min(2*wait, settleRetry) {
		var reply handoffReply
		err := s.link.request(subjectAttach+shard, attachReq{Name: name, Conn: c}, &reply, HandoffTimeout)
		if err == nil && reply.OK {
			return
		}
		why = reply.Error
		if err != nil {
			why = err.Error()
		}
		select {
		case <-s.stopping:
			return
		case <-time.After(wait):
		}
	}
	s.log.Warn("could not attach a connection to the shard that plays its character", "name", name, "shard", shard, "why", why)
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

// settleTransits, at start, settles every character a crash left marked
// leaving or arriving, by what the ledger says. Until then its logins
// are refused.
func (s *Server) settleTransits() {
	ts, err := s.store.InTransit(context.Background())
	if err != nil {
		s.log.Error("cannot list characters between shards", "err", err)
		return
	}
	for _, t := range ts {
		go s.settleTransit(t)
	}
}

func (s *Server) settleTransit(t store.Transit) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, settleRetry) {
		o, rev, err := s.ledger.get(t.Name)
		if err == nil {
			self, res := s.cfg.Shard, t.Residence
			home := world.CharacterMove{Kind: world.MoveHome, Name: t.Name}
			gone := world.CharacterMove{Kind: world.MoveGone, Name: t.Name, Peer: o.Shard}
			var m world.CharacterMove
			switch {
			case rev == 0: // the crossing never reached the ledger
				m = home
				if res.State == store.ResidenceArriving {
					gone.Peer = res.Peer
					m = gone
				}
			case o.To == "": // decided
				m = gone
				if o.Shard == self {
					m = home
				}
			case o.Shard == self && res.State == store.ResidenceLeaving,
				o.To == self && o.ID == res.ID && res.State == store.ResidenceArriving:
				// Undecided, and this shard holds the whole character:
				// decide for it here.
				if _, err := s.ledger.swap(t.Name, owner{Shard: self}, rev); err != nil {
					continue
				}
				m = home
			default: // a crossing this row is not part of
				m = gone
			}
			s.log.Info("settled a character left between shards", "name", t.Name, "was", t.Residence.State, "owner", o.Shard)
			s.post(event{kind: evFunc, fn: func() { s.move(m) }})
			return
		}
		select {
		case <-s.stopping:
			return
		case <-time.After(wait):
		}
	}
}
