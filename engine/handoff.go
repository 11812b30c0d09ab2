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
	Check    bool    `json:"check,omitempty"`    // only check the password: no session
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

// respond answers a handoff or an attach: yes, or no and why
// (errBadLogin: a wrong password).
func respond(m *nats.Msg, err error) {
	r := handoffReply{OK: err == nil, Denied: errors.Is(err, errBadLogin)}
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
	if err := json.Unmarshal(m.Data, &req); err != nil || req.Record.Name == "" {
		respond(m, errors.New("a handoff this shard cannot read"))
		return
	}
	name := req.Record.Name
	if req.Ledger != s.cfg.Ledger {
		respond(m, fmt.Errorf("shards %s and %s keep different ledgers", req.From, s.cfg.Shard))
		return
	}
	if ch, err := s.store.Character(context.Background(), name); err == nil && ch.Residence.State == "" {
		respond(m, fmt.Errorf("shard %s has a character called %s already", s.cfg.Shard, name))
		return
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		respond(m, fmt.Errorf("shard %s cannot read its characters", s.cfg.Shard))
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
		respond(m, err)
		return
	case seq = <-saved:
	}
	if !s.saver.await(seq, HandoffTimeout) {
		s.discard(name, req.From) // if it is written later, this follows it
		respond(m, fmt.Errorf("shard %s cannot save just now", s.cfg.Shard))
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
					respond(m, errors.New("the crossing was called off"))
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
	respond(m, nil)
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
		go sess.runRemote(&rec, arriving)
	}
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
