package engine

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

type eventKind uint8

const (
	evEnter  eventKind = iota // a session logged in: put its character in the world
	evLine                    // a session typed a line
	evClosed                  // a session's connection ended
	evFunc                    // run fn on the loop: results of work done elsewhere
)

type event struct {
	kind eventKind
	s    *session
	line string
	rec  world.PlayerRecord
	// arriving: rec crossed from another shard, and the room is told
	// this rather than of a login.
	arriving string
	fn       func()
}

// loop is the engine goroutine: commands run as they arrive, the tick runs
// timed work, and nothing here waits on I/O.
func (s *Server) loop() {
	defer close(s.loopDone)
	tick := time.NewTicker(s.cfg.Tick)
	defer tick.Stop()
	save := time.NewTicker(s.cfg.SaveInterval)
	defer save.Stop()
	sample := time.NewTicker(OnlineSample)
	defer sample.Stop()
	gmcpTick := time.NewTicker(time.Second) // healing and fights change vitals between commands
	defer gmcpTick.Stop()
	beat := time.NewTicker(PresenceBeat)
	defer beat.Stop()
	handled := 0
	for {
		if len(s.kick) > 0 && (len(s.inbox) == 0 || handled >= KickEvery) {
			for _, sess := range s.kick {
				sess.sync()
				sess.kick()
			}
			clear(s.kick)
			s.kick = s.kick[:0]
			handled = 0
		}
		select {
		case ev := <-s.inbox:
			s.handle(ev)
			handled++
		case <-tick.C:
			start := time.Now()
			s.tick()
			s.stats.tick.observe(time.Since(start))
			s.stats.sample(start, s.world.PlayerCount())
		case <-save.C:
			s.snapshot()
			s.flushCommandCounts()
		case <-sample.C:
			s.sampleOnline()
		case <-gmcpTick.C:
			s.gmcpSweep()
		case <-beat.C:
			s.beat()
		case <-s.stopping:
			s.farewell()
			return
		}
		// Whatever ran (a command, a death in the tick's combat round, a
		// trade queued behind the per-tick allowance, a staff command)
		// may have asked for a save now rather than at the interval.
		if s.world.TakeUrgent() {
			s.snapshot()
		}
	}
}

func (s *Server) handle(ev event) {
	sess := ev.s
	switch ev.kind {
	case evEnter:
		rec := ev.rec
		if newer, ok := s.departed[world.PlayerKey(rec.Name)]; ok && ev.arriving == "" {
			rec = newer.rec
		}
		if _, ok := s.crossings[world.PlayerKey(rec.Name)]; ok {
			sess.Send("{YYour character is crossing between shards just now; log in again in a moment.{x")
			sess.Close("character crossing")
			return
		}
		if p := s.world.Player(rec.Name); p != nil {
			if old, ok := p.Link().(*session); ok && old != sess {
				old.player = nil
				old.inGame.Store(false)
			}
		}
		if ev.arriving != "" {
			sess.player = s.world.HandIn(rec, sess, ev.arriving)
			defer s.beat() // other shards' who shows the arrival at once
		} else {
			sess.player = s.world.Enter(rec, sess)
		}
		sess.charName = rec.Name
		sess.logger().Info("entered world", "name", rec.Name)
		s.entered(sess)
		sess.gmcp.mu.Lock()
		sess.gmcp.fresh = true // a new character: send everything
		sess.gmcp.mu.Unlock()
		s.replayNotices(sess.player)
	case evLine:
		if sess.player == nil { // quit, taken over, elsewhere or crossing
			<-sess.credits
			s.relayLine(sess, ev.line)
			return
		}
		if sess.ran >= CommandsPerTick || len(sess.pending) > 0 {
			sess.pending = append(sess.pending, ev.line)
			return
		}
		s.run(sess, ev.line)
	case evClosed:
		if p := sess.player; p != nil {
			s.world.Disconnect(p, sess)
			sess.player = nil
			sess.logger().Info("link lost", "name", p.Name)
		}
		if sess.route != "" {
			s.link.send(subjectIn+sess.route, inMsg{PID: sess.pid, Gone: true})
			sess.route = ""
		}
		sess.pending, sess.held = nil, nil
		sess.awaiting = nil
		if sess.awaitTimer != nil {
			sess.awaitTimer.Stop()
			sess.awaitTimer = nil
		}
	case evFunc:
		ev.fn()
	}
}

// run executes one command for sess and gives back its credit. A session
// is in s.busy exactly when it has run something this tick. A quit while
// answers are still being worked out off the loop waits for them (and the
// lines after it wait behind it), keeping its credit, so drain waits too.
func (s *Server) run(sess *session, line string) {
	if len(sess.awaiting) > 0 || sess.replies.Load() > 0 && isQuit(line) {
		sess.awaiting = append(sess.awaiting, line)
		if sess.awaitTimer == nil {
			var t *time.Timer
			t = time.AfterFunc(ReplyWait, func() {
				s.post(event{kind: evFunc, fn: func() {
					if sess.awaitTimer == t { // not a wait that ended already
						s.releaseHeld(sess)
					}
				}})
			})
			sess.awaitTimer = t
		}
		return
	}
	s.execute(sess, line)
}

// releaseHeld runs the lines a quit held back: its answers came, or it
// has waited ReplyWait. Loop only.
func (s *Server) releaseHeld(sess *session) {
	if sess.awaitTimer != nil {
		sess.awaitTimer.Stop()
		sess.awaitTimer = nil
	}
	lines := sess.awaiting
	sess.awaiting = nil
	for _, line := range lines {
		s.execute(sess, line)
	}
}

// offLoop runs work, which may do I/O, on a worker goroutine, then then on
// the loop. Loop only. Until then has run, it counts as an answer in
// flight for p's session, so that a quit typed after the command (a
// script's next line) waits for it rather than leaving first. Every
// command that answers after a database call or a file goes through here.
func (s *Server) offLoop(p *world.Player, work, then func()) {
	sess, _ := p.Link().(*session)
	if sess != nil {
		sess.replies.Add(1)
	}
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		work()
		s.post(event{kind: evFunc, fn: func() {
			then()
			if sess != nil && sess.replies.Add(-1) == 0 {
				s.releaseHeld(sess)
			}
		}})
	}()
}

// background runs fn off the loop and shows its answer to p (offLoop).
func (s *Server) background(p *world.Player, fn func() string) {
	var msg string
	s.offLoop(p, func() { msg = fn() }, func() { p.Send(msg) })
}

// isQuit reports whether line is the quit command (which takes no
// prefix).
func isQuit(line string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return strings.EqualFold(verb, "quit")
}

func (s *Server) execute(sess *session, line string) {
	if sess.ran == 0 {
		s.busy = append(s.busy, sess)
	}
	sess.ran++
	// The line's credit is given back once it has run, not before: until
	// then the session has work in hand, and a reader draining at the end
	// of input (drain) must not see it idle between the two and leave
	// before an answer worked out off the loop has been counted.
	defer func() { <-sess.credits }()
	s.stats.commands.Add(1)
	if p := sess.player; p != nil {
		// A blank line does nothing in the world, but the player pressed
		// Enter to see the prompt again (the MUD convention); the editor
		// takes blank lines as text and shows no prompt.
		reprompt := strings.TrimSpace(line) == "" && !p.Editing()
		p.ScreenReader = sess.door.Term().ScreenReader
		s.safeDo(p, line)
		sess.sync() // a colour or prompt changed by this command applies to its own answer
		if reprompt {
			sess.push(outItem{kind: outReprompt}, false)
		}
	}
}

// safeDo runs a command; a bug in a command costs that command, not the
// server.
func (s *Server) safeDo(p *world.Player, line string) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("command panicked", "player", p.Name, "line", line,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			p.Send("{RSomething went wrong with that command; it has been logged.{x")
		}
	}()
	s.world.Do(p, line)
}

// tick gives every session a fresh allowance, runs what waited for it, and
// advances the world.
func (s *Server) tick() {
	busy := s.busy
	s.busy = nil
	for _, sess := range busy {
		sess.ran = 0
		for len(sess.pending) > 0 && sess.ran < CommandsPerTick {
			line := sess.pending[0]
			sess.pending = sess.pending[1:]
			s.run(sess, line)
		}
	}
	s.world.Tick()
}

// farewell runs on the loop at shutdown: every player is told, removed and
// queued for saving, and their connections closed after the message.
func (s *Server) farewell() {
	for _, p := range s.world.Players() {
		s.left(p.Name, p.Room.ID, "server shutdown")
		link := p.Link()
		p.Send("{YThe server is shutting down. Your character has been saved.{x")
		s.world.Remove(p)
		if sess, ok := link.(*session); ok {
			sess.player = nil
			sess.inGame.Store(false)
			if d, ok := sess.door.(*remoteDoor); ok { // the connection waits for this shard to return
				d.stopping.Store(true)
			}
			sess.Close("server shutdown")
		}
	}
	s.farewellElsewhere()
	s.snapshot()
	s.flushCommandCounts()
	s.journal.record(store.Event{Kind: "online", Details: map[string]any{"players": 0}})
	s.journal.record(store.Event{Kind: "stop"})
}

// host is the engine's side of world.Host.
type host struct{ s *Server }

func (h host) Depart(rec world.PlayerRecord, link world.Link, reason string) {
	h.s.departed[world.PlayerKey(rec.Name)] = &departure{rec: rec}
	h.s.left(rec.Name, rec.Room, reason)
	if sess, ok := link.(*session); ok {
		sess.player = nil
		sess.inGame.Store(false)
		sess.Close(reason)
	}
}
