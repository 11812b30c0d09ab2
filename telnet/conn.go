package telnet

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Config tunes a Conn. The zero value uses the defaults in const.go.
type Config struct {
	MaxLine      int           // bytes per input line; 0 => DefaultMaxLine
	MaxSubneg    int           // bytes per subnegotiation payload; 0 => DefaultMaxSubneg
	WriteTimeout time.Duration // per write; 0 => DefaultWriteTimeout
	// OnTerminal, if set, is called from the reading goroutine (inside
	// ReadLine, with no lock held) whenever the Terminal changes.
	OnTerminal func(Terminal)
}

// Conn is a telnet connection: lines in, text out, negotiation handled
// underneath. See the package doc for which goroutine may call what.
type Conn struct {
	nc  net.Conn
	cfg Config

	// Reader side: touched only by the goroutine calling ReadLine.
	rbuf   [readBufferSize]byte
	parser Parser
	rerr   error // sticky: the connection's input has ended

	// mu guards proto's negotiation state and Terminal, which SetEcho,
	// WritePrompt and Terminal read or change from other goroutines.
	// (proto.lines is reader-only.) Never held during I/O, except as
	// described at sendRepliesUnlock.
	mu    sync.Mutex
	proto *protocol

	// wmu serialises writes to nc and guards werr. Write buffers come
	// from wbufPool for the length of one write, so ten thousand idle
	// connections hold none.
	wmu  sync.Mutex
	werr error // sticky: after a failed or timed-out write the stream may be torn

	closeOnce sync.Once
	closeErr  error
}

// NewConn wraps nc. It sends nothing until Start.
func NewConn(nc net.Conn, cfg Config) *Conn {
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.MaxSubneg <= 0 {
		cfg.MaxSubneg = DefaultMaxSubneg
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	c := &Conn{
		nc:    nc,
		cfg:   cfg,
		proto: newProtocol(cfg.MaxLine),
	}
	c.parser.SetMaxSubneg(cfg.MaxSubneg)
	return c
}

// Start sends the server's opening negotiation: IAC WILL SGA, IAC WILL EOR,
// IAC DO NAWS, IAC DO TTYPE, IAC WILL CHARSET. It does not wait for
// answers; they are handled by ReadLine whenever they come, if ever.
func (c *Conn) Start() error {
	c.mu.Lock()
	c.proto.start()
	if err := c.sendRepliesUnlock(); err != nil {
		return fmt.Errorf("telnet: start negotiation: %w", err)
	}
	return nil
}

// ReadLine blocks until a full line arrives and returns it without its
// terminator, as valid UTF-8 without control characters. Lines end at
// CR LF, CR NUL, bare CR or bare LF. It handles all telnet commands on the
// way, writing negotiation replies at once.
//
// A line longer than MaxLine yields ("", ErrLineTooLong) as soon as it
// passes the limit, once; the rest of it is discarded and the next call
// returns the line after it. At end of input an unterminated last line is
// returned, then io.EOF. A read deadline timeout is returned as is (wrapped)
// and reading may go on; other errors are final.
func (c *Conn) ReadLine() (string, error) {
	for {
		if r, ok := c.proto.lines.next(); ok {
			return r.s, r.err
		}
		if c.rerr != nil {
			return "", c.rerr
		}
		n, err := c.nc.Read(c.rbuf[:])
		if n > 0 {
			if werr := c.consume(c.rbuf[:n]); werr != nil {
				c.rerr = fmt.Errorf("telnet: reply to negotiation: %w", werr)
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "", fmt.Errorf("telnet: read: %w", err)
			}
			c.proto.lines.flush()
			if c.rerr == nil {
				if err == io.EOF {
					c.rerr = io.EOF // never wrapped: callers compare with ==
				} else {
					c.rerr = fmt.Errorf("telnet: read: %w", err)
				}
			}
		}
	}
}

// consume parses one read's worth of input, sends the replies it caused and
// reports a Terminal change.
func (c *Conn) consume(b []byte) error {
	c.mu.Lock()
	c.proto.aytAnswered = false
	c.parser.Parse(b, c.proto)
	changed, term := c.proto.termChanged, c.proto.term
	c.proto.termChanged = false
	err := c.sendRepliesUnlock()
	if changed && c.cfg.OnTerminal != nil {
		c.cfg.OnTerminal(term)
	}
	return err
}

// sendRepliesUnlock sends the queued replies, if any, and releases mu, which
// the caller holds. It takes wmu before letting go of mu, so replies reach
// the wire in the order of the state changes that caused them even when
// the reader and SetEcho race; both locks are always taken in that order.
func (c *Conn) sendRepliesUnlock() error {
	if len(c.proto.out) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.wmu.Lock()
	bp := wbufPool.Get().(*[]byte)
	*bp = append((*bp)[:0], c.proto.out...)
	c.proto.out = c.proto.out[:0]
	c.mu.Unlock()
	err := c.writeLocked(*bp)
	c.wmu.Unlock()
	wbufPool.Put(bp)
	return err
}

// wbufPool holds escape buffers of up to maxWriteChunk bytes.
var wbufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// writeLocked is the one place that writes to the socket; wmu must be
// held. Output compression (MCCP2) belongs here.
func (c *Conn) writeLocked(b []byte) error {
	if c.werr != nil {
		return c.werr
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		c.werr = fmt.Errorf("telnet: set write deadline: %w", err)
		return c.werr
	}
	if _, err := c.nc.Write(b); err != nil {
		c.werr = fmt.Errorf("telnet: write: %w", err)
		return c.werr
	}
	return nil
}

// textChunk is the most text escaped at once: doubled by escaping, plus a
// prompt mark, it fits maxWriteChunk.
const textChunk = (maxWriteChunk - 2) / 2

// writeText escapes p and writes it, in chunks that bound the buffer, then
// the prompt mark (IAC mark) if mark is not 0. It returns how many bytes of
// p went out.
func (c *Conn) writeText(p []byte, mark byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	bp := wbufPool.Get().(*[]byte)
	defer wbufPool.Put(bp)
	n := 0
	for {
		chunk := p[n:]
		last := true
		if len(chunk) > textChunk {
			chunk, last = chunk[:textChunk], false
		}
		// Size the buffer for the worst case (every byte an IAC) up
		// front, so append's growth policy cannot overshoot the cap.
		if need := 2*len(chunk) + 2; cap(*bp) < need {
			*bp = make([]byte, 0, min(max(need, 2*cap(*bp)), maxWriteChunk))
		}
		buf := AppendEscaped((*bp)[:0], chunk)
		if last && mark != 0 {
			buf = append(buf, IAC, mark)
		}
		*bp = buf
		if len(buf) > 0 {
			if err := c.writeLocked(buf); err != nil {
				return n, err
			}
		}
		n += len(chunk)
		if last {
			return n, nil
		}
	}
}

// Write sends text, doubling IAC bytes. The text must already have CRLF
// line ends. Safe to call concurrently with ReadLine and other writers;
// each call reaches the wire in one piece relative to other calls.
func (c *Conn) Write(p []byte) (int, error) {
	return c.writeText(p, 0)
}

// WritePrompt writes p followed by IAC EOR if the client agreed to EOR,
// else IAC GA, so clients can tell a prompt from an unfinished line.
func (c *Conn) WritePrompt(p []byte) error {
	c.mu.Lock()
	eor := c.proto.enabled(sideUs, OptEOR)
	c.mu.Unlock()
	mark := GA
	if eor {
		mark = EOR
	}
	_, err := c.writeText(p, mark)
	return err
}

// SetEcho(true) asks the client to stop echoing locally (IAC WILL ECHO: we
// pretend to echo and don't, so passwords stay hidden); SetEcho(false)
// hands echo back (IAC WONT ECHO). Nothing is sent when the option is
// already, or already going, where asked.
func (c *Conn) SetEcho(serverEchoes bool) error {
	c.mu.Lock()
	c.proto.ask(sideUs, OptEcho, serverEchoes)
	if err := c.sendRepliesUnlock(); err != nil {
		return fmt.Errorf("telnet: set echo: %w", err)
	}
	return nil
}

// Terminal returns a snapshot of what negotiation has learned so far.
func (c *Conn) Terminal() Terminal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proto.term
}

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetReadDeadline sets the deadline for ReadLine (idle timeouts). A
// timeout does not end the connection.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// Close closes the connection; a blocked ReadLine returns an error. Safe to
// call more than once and from any goroutine.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.nc.Close() })
	return c.closeErr
}
