package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"shardmud/world"
	"shardmud/world/markup"
)

// outKind says what an outbox entry asks the writer to do.
type outKind uint8

const (
	outText   outKind = iota // a message: markup, no line end
	outPrompt                // a prompt during login: text, then GA/EOR
	outHide                  // stop echoing input (passwords)
	outShow                  // echo input again
	outClose                 // flush, then close the connection
)

type outItem struct {
	kind outKind
	text string
}

// session is one connection. Its reader goroutine (run) logs the player in
// and feeds lines to the engine; its writer goroutine (writeLoop) drains the
// outbox. The engine never waits on either: it only appends to the outbox,
// which is bounded, and a client that lets it overflow is disconnected.
type session struct {
	id   uint64
	srv  *Server
	door door
	addr string
	log  *slog.Logger

	mu     sync.Mutex
	queue  []outItem
	bytes  int
	closed bool
	wake   chan struct{} // capacity 1: "the outbox has something"

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
	done     chan struct{} // closed when the writer has finished

	// Owned by the engine goroutine.
	player  *world.Player
	pending []string // lines over this tick's allowance, in order
	ran     int      // commands run this tick
}

func newSession(srv *Server, id uint64, d door) *session {
	addr := d.RemoteAddr().String()
	return &session{
		id: id, srv: srv, door: d, addr: addr,
		log:     srv.log.With("session", id, "addr", addr, "proto", d.Protocol()),
		wake:    make(chan struct{}, 1),
		credits: make(chan struct{}, QueuedLinesPerSession),
		done:    make(chan struct{}),
	}
}

// Send queues a message; it implements world.Link and never blocks.
func (s *session) Send(text string) { s.push(outItem{outText, text}) }

// Close flushes what is queued, then closes; it implements world.Link.
func (s *session) Close(reason string) {
	s.log.Info("closing session", "reason", reason)
	s.push(outItem{kind: outClose, text: reason})
}

func (s *session) prompt(text string) { s.push(outItem{outPrompt, text}) }

func (s *session) push(it outItem) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.bytes+len(it.text) > OutboxBytes && it.kind == outText {
		s.closed = true
		s.queue = nil
		s.mu.Unlock()
		s.srv.stats.slowConsumers.Add(1)
		s.log.Warn("disconnecting slow consumer", "outbox_bytes", s.bytes)
		s.door.Close()
		return
	}
	s.queue = append(s.queue, it)
	s.bytes += len(it.text)
	if it.kind == outClose {
		s.closed = true
	}
	// Signal under the lock, so stopWriter cannot close wake in between.
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.mu.Unlock()
}

// writeLoop renders and writes queued output until the session closes.
func (s *session) writeLoop() {
	defer close(s.done)
	defer s.recoverPanic("writer")
	var spare []outItem
	var buf []byte
	for range s.wake {
		s.mu.Lock()
		items := s.queue
		s.queue = spare[:0]
		s.bytes = 0
		s.mu.Unlock()

		t := s.door.Term()
		width := t.Width
		if width <= 0 {
			width = 80
		}
		buf = buf[:0]
		wrote := false
		for i, it := range items {
			switch it.kind {
			case outText:
				if s.atPrompt.Swap(false) {
					buf = append(buf, '\r', '\n')
				}
				buf = render(buf, it.text, width, t.Color)
				wrote = true
			case outPrompt:
				if !s.flush(&buf) || s.door.WritePrompt(markup.Append(nil, it.text, t.Color)) != nil {
					return
				}
				s.atPrompt.Store(true)
				wrote = false
			case outHide, outShow:
				if !s.flush(&buf) || s.door.HideInput(it.kind == outHide) != nil {
					return
				}
			case outClose:
				s.flush(&buf)
				s.door.Close()
				return
			}
			items[i] = outItem{}
		}
		if wrote && s.inGame.Load() {
			buf = append(buf, "> "...)
			if s.door.WritePrompt(buf) != nil {
				return
			}
			buf = buf[:0]
			s.atPrompt.Store(true)
		} else if !s.flush(&buf) {
			return
		}
		spare = items[:0]
		if cap(buf) > 64<<10 {
			buf = nil // do not keep a burst's buffer for the session's life
		}
	}
}

func (s *session) flush(buf *[]byte) bool {
	if len(*buf) == 0 {
		return true
	}
	_, err := s.door.Write(*buf)
	*buf = (*buf)[:0]
	if err != nil {
		s.log.Info("write failed", "err", err)
		s.door.Close()
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

// stopWriter ends the writer goroutine once the connection is gone.
func (s *session) stopWriter() {
	s.mu.Lock()
	s.closed = true
	close(s.wake)
	s.mu.Unlock()
}

func (s *session) recoverPanic(where string) {
	if r := recover(); r != nil {
		s.log.Error("session panic", "in", where, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		s.door.Close()
	}
}

// run is the session's reader goroutine: login, then lines to the engine.
func (s *session) run() {
	defer s.srv.sessionDone(s)
	go s.writeLoop()
	defer func() {
		// The writer must not outlive the reader: it flushes what is queued
		// (a farewell, a refusal), bounded by the write timeout, and exits.
		s.stopWriter()
		<-s.done
		s.door.Close()
	}()
	defer s.recoverPanic("reader")

	rec, err := s.login()
	if err != nil {
		if !errors.Is(err, io.EOF) && !isClosed(err) {
			s.log.Info("login ended", "reason", err)
		}
		return
	}
	s.inGame.Store(true)
	s.entered.Store(true)
	if !s.srv.post(event{kind: evEnter, s: s, rec: rec}) {
		return
	}
	defer s.srv.post(event{kind: evClosed, s: s})
	for {
		line, err := s.door.ReadLine()
		if errors.Is(err, errLineTooLong) {
			s.Send(fmt.Sprintf("That line was too long (over %d bytes) and was ignored.", MaxLineBytes))
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !isClosed(err) {
				s.log.Info("read failed", "err", err)
			}
			return
		}
		s.atPrompt.Store(false)
		select {
		case s.credits <- struct{}{}:
		case <-s.srv.stopping:
			return
		}
		if !s.srv.post(event{kind: evLine, s: s, line: line}) {
			return
		}
	}
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
