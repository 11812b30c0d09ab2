package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
	"shardmud/world/markup"
)

// outKind says what an outbox entry asks the writer to do.
type outKind uint8

const (
	outText      outKind = iota // a message: markup, no line end
	outPrompt                   // a prompt during login: text, then GA/EOR
	outHide                     // stop echoing input (passwords)
	outShow                     // echo input again
	outClose                    // flush, then close the connection
	outRaw                      // plain text written as it is: no markup, no wrapping (MSSP-REPLY)
	outGMCP                     // a GMCP message: "Package.Name json"
	outRawPrompt                // a prompt rendered by the shard that plays the character
	outReprompt                 // the game prompt again, for a blank line typed in game
)

type outItem struct {
	kind outKind
	text string
}

// message reports whether the item is something to show (not a control
// such as hiding input or closing), so counted when dropped.
func (it outItem) message() bool {
	return it.kind != outHide && it.kind != outShow && it.kind != outClose
}

// session is one connection. Its reader goroutine (run) logs the player in
// and feeds lines to the engine. Output goes through the outbox: the engine
// only appends to it, which is bounded, and a client that lets it overflow
// is disconnected as a slow consumer. A flusher goroutine exists only while
// there is output to write, so an idle session costs one goroutine.
type session struct {
	id   uint64
	pid  string // the session's name to other shards: boot and id
	srv  *Server
	door door
	addr string
	// created: this login made the character (set before the session
	// enters the world, read by the loop after).
	created bool

	mu         sync.Mutex
	queue      []outItem
	bytes      int
	closed     bool           // no more output is accepted
	overflowed bool           // closed because the outbox was full: what is sent after is an outbox drop
	flushing   bool           // a flusher goroutine is running
	kicked     bool           // on the loop's kick list
	flushers   sync.WaitGroup // the flusher, so run can wait for it

	// credits bounds the lines this session has in flight to the engine.
	credits chan struct{}
	// inGame makes the writer show a prompt after output.
	inGame atomic.Bool
	// entered is set once the session has logged in; shutdown closes the
	// others at once, having no character to save.
	entered atomic.Bool
	// atPrompt: the last thing written was a prompt, so the next output
	// starts on a fresh line.
	atPrompt atomic.Bool

	// lastInput is when the client last sent a line (Unix nanoseconds).
	lastInput atomic.Int64
	// color is the player's colour choice (-1: what the client says it
	// shows) and prompt their prompt ("" for "> "); the loop sets them
	// from the character, the writer reads them.
	color      atomic.Int32
	promptText atomic.Pointer[string]
	// colorAsked: the colour choice was typed in this session, so it
	// applies on a screen reader too (a saved one does not).
	colorAsked atomic.Bool

	gmcp gmcpState

	// preauth is the character an SSH handshake already logged in as.
	preauth *world.PlayerRecord
	// badPasswords counts wrong passwords during login (session goroutine).
	badPasswords int
	// attached: the login found the character on another shard, which
	// plays it for this connection (session goroutine).
	attached bool

	// replies counts answers of this session's commands still being
	// worked out off the loop (offLoop); the loop changes it, drain
	// reads it.
	replies atomic.Int32

	// Owned by the engine goroutine.
	// awaiting holds a quit, and the lines after it, until replies is
	// zero or ReplyWait has passed (awaitTimer).
	awaiting   []string
	awaitTimer *time.Timer
	player     *world.Player
	pending    []string // lines over this tick's allowance, in order
	ran        int      // commands run this tick
	// A connection whose character is on another shard: route is that
	// shard, and charName the character. While the character crosses
	// between shards its lines are held; while route cannot be reached the
	// session waits for it.
	route    string
	charName string
	crossing bool
	waiting  bool
	held     []string
	sentTerm screen // the screen route was last told of
}

func newSession(srv *Server, id uint64, d door) *session {
	addr := d.RemoteAddr().String()
	s := &session{
		id: id, pid: fmt.Sprintf("%s-%d", srv.boot, id), srv: srv, door: d, addr: addr,
		credits: make(chan struct{}, QueuedLinesPerSession),
	}
	s.lastInput.Store(time.Now().UnixNano())
	s.color.Store(-1)
	switch d := d.(type) {
	case *telnetDoor:
		d.gmcpIn = s.gmcpIn
	case *remoteDoor:
		d.gmcpIn = s.gmcpIn
		s.adoptGMCP(d.conn)
	}
	return s
}

// logger is the server's logger with the session's id, address and
// protocol. It is made per call rather than kept: a session logs a few
// lines in its life, and ten thousand idle sessions need not each hold
// a formatted copy of their attributes.
func (s *session) logger() *slog.Logger {
	return s.srv.log.With("session", s.id, "addr", s.addr, "proto", s.door.Protocol())
}

// sync copies what the writer needs from the character: its colour choice
// and its prompt. Loop only.
func (s *session) sync() {
	p := s.player
	if p == nil {
		return
	}
	level := int32(-1)
	switch p.Prefs.Color {
	case "off":
		level = int32(markup.None)
	case "16":
		level = int32(markup.ANSI16)
	case "256":
		level = int32(markup.ANSI256)
	case "true":
		level = int32(markup.TrueColor)
	}
	s.color.Store(level)
	s.colorAsked.Store(p.ColorAsked())
	s.gmcpUpdate()
	if prompt := p.Prompt(); prompt != "" || s.promptText.Load() != nil {
		s.promptText.Store(&prompt)
	}
}

// Send queues a message; it implements world.Link, so only the loop calls
// it. The write is left to the loop's next kick, so that a burst of
// messages to one client goes out as one write.
func (s *session) Send(text string) { s.push(outItem{outText, text}, false) }

// Close flushes what is queued, then closes; it implements world.Link.
func (s *session) Close(reason string) {
	s.logger().Info("closing session", "reason", reason)
	s.push(outItem{kind: outClose, text: reason}, true)
}

// say and prompt are for the session's own goroutine (login): written at
// once.
func (s *session) say(text string)    { s.push(outItem{outText, text}, true) }
func (s *session) prompt(text string) { s.push(outItem{outPrompt, text}, true) }

// push queues an item. With now, a flusher starts at once; otherwise the
// session is put on the loop's kick list (only the loop may do that).
func (s *session) push(it outItem, now bool) {
	s.mu.Lock()
	if s.closed {
		overflowed := s.overflowed
		s.mu.Unlock()
		if overflowed && it.message() {
			s.srv.stats.outboxDrops.Add(1)
		}
		return
	}
	if s.bytes+len(it.text) > OutboxBytes && it.kind != outClose && it.kind != outHide && it.kind != outShow && it.kind != outPrompt {
		dropped := 1 // this one
		for _, q := range s.queue {
			if q.message() {
				dropped++
			}
		}
		s.closed, s.overflowed = true, true
		s.queue = nil
		s.mu.Unlock()
		s.srv.stats.outboxDrops.Add(uint64(dropped))
		s.srv.stats.slowConsumers.Add(1)
		s.logger().Warn("disconnecting slow consumer", "outbox_bytes", s.bytes)
		s.door.Close()
		return
	}
	s.queue = append(s.queue, it)
	s.bytes += len(it.text)
	if it.kind == outClose {
		s.closed = true
	}
	start := false
	switch {
	case s.flushing:
	case now:
		start = true
		s.startFlushLocked()
	case !s.kicked:
		s.kicked = true
		s.srv.kick = append(s.srv.kick, s)
	}
	s.mu.Unlock()
	if start {
		go s.flush()
	}
}

// kick starts a flusher for output the loop queued; called by the loop.
func (s *session) kick() {
	s.mu.Lock()
	s.kicked = false
	start := !s.flushing && len(s.queue) > 0
	if start {
		s.startFlushLocked()
	}
	s.mu.Unlock()
	if start {
		go s.flush()
	}
}

// startFlushLocked marks a flusher as running; the caller starts it after
// unlocking mu.
func (s *session) startFlushLocked() {
	s.flushing = true
	s.flushers.Add(1)
}

// bufPool holds render buffers, so idle sessions keep none.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// flush renders and writes the outbox until it is empty, then exits.
func (s *session) flush() {
	defer s.flushers.Done()
	defer s.recoverPanic("writer")
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 { // do not keep a burst's buffer
			bufPool.Put(bp)
		}
	}()
	for {
		s.mu.Lock()
		items := s.queue
		if len(items) == 0 {
			s.flushing = false
			s.mu.Unlock()
			return
		}
		s.queue = nil
		s.bytes = 0
		s.mu.Unlock()
		if !s.write(items, bp) {
			s.mu.Lock()
			s.closed, s.flushing, s.queue = true, false, nil
			s.mu.Unlock()
			s.door.Close()
			return
		}
	}
}

// write renders one batch; false once the connection is finished with.
func (s *session) write(items []outItem, bp *[]byte) bool {
	t := s.door.Term()
	width := t.Width
	if width <= 0 {
		width = 80
	}
	switch c := s.color.Load(); {
	case t.ScreenReader && !s.colorAsked.Load():
		// Colour codes are noise read aloud: a choice saved from another
		// client does not bring them back, only one typed here.
		t.Color = markup.None
	case c >= 0: // the player's choice wins
		t.Color = markup.Level(c)
	}
	buf := (*bp)[:0]
	defer func() { *bp = buf[:0] }()
	wrote := false
	for _, it := range items {
		switch it.kind {
		case outText:
			if s.atPrompt.Swap(false) {
				buf = append(buf, '\r', '\n')
			}
			buf = render(buf, it.text, width, t.Color)
			wrote = true
		case outPrompt:
			if !s.flushBuf(&buf) || s.door.WritePrompt(markup.Append(nil, it.text, t.Color)) != nil {
				return false
			}
			s.atPrompt.Store(true)
			wrote = false
		case outReprompt:
			// Nothing to say but the prompt, on a line of its own as after
			// any other output: the MUD convention for an empty line.
			if s.atPrompt.Swap(false) {
				buf = append(buf, '\r', '\n')
			}
			wrote = true
		case outRaw:
			buf = append(buf, it.text...)
		case outRawPrompt:
			if !s.flushBuf(&buf) || s.door.WritePrompt([]byte(it.text)) != nil {
				return false
			}
		case outGMCP:
			d, ok := s.door.(gmcpDoor)
			if !ok {
				continue
			}
			pkg, data, _ := strings.Cut(it.text, " ")
			var payload []byte
			if data != "" {
				payload = []byte(data)
			}
			if !s.flushBuf(&buf) || d.SendGMCP(pkg, payload) != nil {
				return false
			}
		case outHide, outShow:
			if !s.flushBuf(&buf) || s.door.HideInput(it.kind == outHide) != nil {
				return false
			}
		case outClose:
			s.flushBuf(&buf)
			return false
		}
	}
	if wrote && s.inGame.Load() {
		if p := s.promptText.Load(); p != nil && *p != "" {
			buf = markup.Append(buf, *p, t.Color) // no line end: the client shows it as the prompt
		} else {
			buf = append(buf, "> "...)
		}
		if err := s.door.WritePrompt(buf); err != nil {
			s.logger().Info("write failed", "err", err)
			return false
		}
		s.atPrompt.Store(true)
		return true
	}
	return s.flushBuf(&buf)
}

func (s *session) flushBuf(buf *[]byte) bool {
	if len(*buf) == 0 {
		return true
	}
	_, err := s.door.Write(*buf)
	*buf = (*buf)[:0]
	if err != nil {
		s.logger().Info("write failed", "err", err)
		return false
	}
	return true
}

// render appends one message: wrapped to width, coloured for the client,
// each line ended with CRLF.
func render(dst []byte, text string, width int, color markup.Level) []byte {
	text = markup.Wrap(text, width)
	for {
		line, rest, more := strings.Cut(text, "\n")
		dst = markup.Append(dst, line, color)
		dst = append(dst, '\r', '\n')
		if !more {
			return dst
		}
		text = rest
	}
}

// finish ends output: nothing more is accepted, a flush under way (a
// farewell, a refusal) completes, bounded by the write timeout, and the
// connection closes.
func (s *session) finish() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.flushers.Wait()
	s.door.Close()
}

func (s *session) recoverPanic(where string) {
	if r := recover(); r != nil {
		s.logger().Error("session panic", "in", where, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		s.door.Close()
	}
}

// run is the session's reader goroutine: login, then lines to the engine.
//
// The goroutine spends its life parked in play's read, so what lies below
// that read on its stack is kept as long as the connection: the login's
// big frame (records, events) lives in enter, which has returned by then,
// and play keeps its own small, so an idle session's stack fits in 4 KiB
// (the runtime halves a stack at GC while a quarter of it is enough).
func (s *session) run() {
	defer s.srv.sessionDone(s)
	defer s.finish()
	defer s.recoverPanic("reader")
	if s.enter() {
		s.play()
	}
}

// enter logs the connection in and puts its character in the world (or
// attaches it to the shard that plays it); false if the session ends
// instead. Kept out of run's frame (see run).
//
//go:noinline
func (s *session) enter() bool {
	if b, banned := s.srv.bans.match("", s.addr, time.Now()); banned {
		s.refuse(b)
		return false
	}
	var rec world.PlayerRecord
	var err error
	if s.preauth != nil {
		rec = *s.preauth
		s.srv.stats.logins.Add(1)
		s.store().TouchLogin(context.Background(), rec.Name)
		s.logger().Info("login", "name", rec.Name, "role", rec.Role)
		s.say(fmt.Sprintf("Welcome back, %s.", rec.Name))
	} else {
		rec, err = s.login()
	}
	if err != nil {
		if !errors.Is(err, io.EOF) && !isClosed(err) {
			s.logger().Info("login ended", "reason", err)
		}
		return false
	}
	if b, banned := s.srv.bans.match(rec.Name, s.addr, time.Now()); banned {
		s.refuse(b)
		return false
	}
	s.inGame.Store(true)
	s.entered.Store(true)
	switch owner, err := s.residence(rec.Name); {
	case err != nil:
		s.sayProblem(err)
		s.Close("character elsewhere")
		return false
	case s.attached: // the login did it
	case owner != "":
		if err := s.attach(rec.Name, owner, ""); err != nil {
			s.sayProblem(err)
			s.Close("owner unreachable")
			return false
		}
	default:
		return s.srv.post(event{kind: evEnter, s: s, rec: rec})
	}
	return true
}

// sayProblem tells the client what err says, as a sentence.
func (s *session) sayProblem(err error) {
	msg := err.Error()
	s.say("{R" + strings.ToUpper(msg[:1]) + msg[1:] + ".{x")
}

// runRemote plays rec for a connection on another shard, which logged it
// in: arriving is what the room is told ("" for an ordinary login).
// (Like run, it leaves nothing big on the stack below play.)
func (s *session) runRemote(rec *world.PlayerRecord, arriving string) {
	defer s.srv.sessionDone(s)
	defer s.finish()
	defer s.recoverPanic("reader")
	if s.enterRemote(rec, arriving) {
		s.play()
	}
}

//go:noinline
func (s *session) enterRemote(rec *world.PlayerRecord, arriving string) bool {
	if b, banned := s.srv.bans.match(rec.Name, s.addr, time.Now()); banned {
		s.refuse(b)
		return false
	}
	s.inGame.Store(true)
	s.entered.Store(true)
	return s.srv.post(event{kind: evEnter, s: s, rec: *rec, arriving: arriving})
}

// play feeds the client's lines to the engine until the connection ends.
func (s *session) play() {
	defer s.postClosed()
	for {
		line, err := s.door.ReadLine()
		if errors.Is(err, errLineTooLong) {
			s.say(fmt.Sprintf("That line was too long (over %d bytes) and was ignored.", MaxLineBytes))
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// The client closed its side only (a script piping
				// commands): let what it typed run and its answers
				// reach it before the session ends.
				s.drain(5 * time.Second)
			} else if !isClosed(err) {
				s.logger().Info("read failed", "err", err)
			}
			return
		}
		s.atPrompt.Store(false)
		s.lastInput.Store(time.Now().UnixNano())
		select {
		case s.credits <- struct{}{}:
		case <-s.srv.stopping:
			return
		}
		if !s.postLine(line) {
			return
		}
	}
}

// postLine and postClosed hand play's events to the loop. An event is
// big (it can carry a whole character record), so it is built in their
// frames, not in play's, which stays on the stack for the session's life.
//
//go:noinline
func (s *session) postLine(line string) bool {
	return s.srv.post(event{kind: evLine, s: s, line: line})
}

//go:noinline
func (s *session) postClosed() { s.srv.post(event{kind: evClosed, s: s}) }

// refuse tells a banned client why and closes the connection.
func (s *session) refuse(b store.Ban) {
	s.logger().Info("login refused: banned", "target", b.Target)
	s.say("{R" + banMessage(b) + "{x")
	s.Close("banned")
	s.flushers.Wait()
}

// drain waits, up to timeout, until the engine has run every line this
// session sent, the answers worked out off the loop have come, and its
// output has been written.
func (s *session) drain(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		idle := len(s.credits) == 0 && s.replies.Load() == 0 && len(s.queue) == 0 && !s.flushing && !s.kicked
		closed := s.closed
		s.mu.Unlock()
		if idle || closed {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
