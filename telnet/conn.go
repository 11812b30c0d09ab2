package telnet

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
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
	// MSSP, if set, is asked for the MSSP variables when the client sends
	// DO MSSP (we offer WILL MSSP at Start; without MSSP we do not offer
	// it). Called on the reading goroutine, with no lock held, at most once
	// per connection.
	MSSP func() []MSSPVar
	// OnGMCP, if set, is called on the reading goroutine (no lock held)
	// for each GMCP message the client sends: the package name as sent
	// ("Core.Supports.Set") and the JSON data after the first space (nil if
	// none). Both are the callee's to keep. Messages are delivered as they
	// are parsed, so a line sent before a message may be returned by
	// ReadLine after the message was delivered.
	OnGMCP func(pkg string, data []byte)
	// NoCompression disables offering MCCP2 and MCCP3.
	NoCompression bool
}

// Conn is a telnet connection: lines in, text out, negotiation handled
// underneath. See the package doc for which goroutine may call what.
type Conn struct {
	nc  net.Conn
	cfg Config

	// Reader side: touched only by the goroutine calling ReadLine.
	rbuf [readBufferSize]byte
	// rbuf[rpos:rend] came from the socket and is not parsed (or
	// decompressed) yet: after IAC SB MCCP3 IAC SE the parser stops and
	// the rest is compressed.
	rpos, rend int
	rpending   error     // a socket error that came with data, reported once that is used
	inf        *inflater // MCCP3: non-nil while the client's input is a zlib stream
	parser     Parser
	rerr       error // sticky: the connection's input has ended

	// mu guards proto's negotiation state and Terminal, which SetEcho,
	// WritePrompt and Terminal read or change from other goroutines.
	// (proto.lines is reader-only.) Never held during I/O, except as
	// described at sendRepliesUnlock.
	mu    sync.Mutex
	proto *protocol

	// wmu serialises writes to nc and guards werr. Write buffers come
	// from wbufPool for the length of one write, so ten thousand idle
	// connections hold none.
	wmu      sync.Mutex
	werr     error       // sticky: after a failed or timed-out write the stream may be torn
	def      *deflater   // MCCP2: non-nil while our output is a zlib stream
	switches []outSwitch // sendRepliesUnlock's copy of protocol.switches

	compressing     atomic.Bool   // def != nil, for Compressing without wmu
	rawOut, wireOut atomic.Uint64 // Stats

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
	c.proto.parser = &c.parser
	c.proto.offerMSSP = cfg.MSSP != nil
	c.proto.wantGMCP = cfg.OnGMCP != nil
	c.proto.noCompress = cfg.NoCompression
	return c
}

// Start sends the server's opening negotiation: IAC WILL SGA, IAC WILL EOR,
// IAC DO NAWS, IAC DO TTYPE, IAC WILL CHARSET, IAC WILL MSSP (if
// Config.MSSP is set), IAC WILL GMCP, and unless NoCompression IAC WILL
// MCCP2 and IAC WILL MCCP3. It does not wait for answers; they are handled
// by ReadLine whenever they come, if ever.
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
// way, writing negotiation replies at once, and decompresses MCCP3 input.
//
// A line longer than MaxLine yields ("", ErrLineTooLong) as soon as it
// passes the limit, once; the rest of it is discarded and the next call
// returns the line after it. At end of input an unterminated last line is
// returned, then io.EOF. A read deadline timeout is returned as is (wrapped)
// and reading may go on, except in the middle of a compressed MCCP3 block,
// where it tears the stream and is final; other errors are final, among
// them a corrupt MCCP3 stream and ErrInflateRatio.
func (c *Conn) ReadLine() (string, error) {
	for {
		if r, ok := c.proto.lines.next(); ok {
			return r.s, r.err
		}
		if c.rerr != nil {
			return "", c.rerr
		}
		if c.inf != nil && c.inf.more {
			c.inflate()
			continue
		}
		if c.rpos == c.rend {
			if err := c.fill(); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					return "", fmt.Errorf("telnet: read: %w", err)
				}
				c.endInput(err)
			}
			continue
		}
		if c.inf != nil {
			c.inflate()
			continue
		}
		n, err := c.consume(c.rbuf[c.rpos:c.rend])
		c.rpos += n
		if err != nil && c.rerr == nil {
			c.rerr = fmt.Errorf("telnet: reply to negotiation: %w", err)
		}
		if c.proto.inflating && c.inf == nil {
			// The parser stopped at IAC SB MCCP3 IAC SE (inflating is
			// only set on this goroutine, so no lock is needed to read it).
			c.inf = newInflater(c)
		}
	}
}

// fill reads the socket into rbuf, which must be used up. A read that
// brings data and an error keeps the error for the next fill.
func (c *Conn) fill() error {
	if err := c.rpending; err != nil {
		c.rpending = nil
		return err
	}
	n, err := c.nc.Read(c.rbuf[:])
	c.rpos, c.rend = 0, n
	if n > 0 && err != nil {
		c.rpending = err
		return nil
	}
	return err
}

// endInput handles the end of the client's input: a last unterminated line
// is kept, and the error sticks.
func (c *Conn) endInput(err error) {
	c.proto.lines.flush()
	c.endInflate()
	if c.rerr == nil {
		if err == io.EOF {
			c.rerr = io.EOF // never wrapped: callers compare with ==
		} else {
			c.rerr = fmt.Errorf("telnet: read: %w", err)
		}
	}
}

// consume parses b, sends the replies it caused and reports what it
// learned: Terminal changes, GMCP messages, and MSSP requests (asked of
// Config.MSSP). Callbacks run without mu: they may call back into the
// Conn. It returns how much of b was parsed: all of it unless the client
// started MCCP3 within it.
func (c *Conn) consume(b []byte) (int, error) {
	c.mu.Lock()
	p := c.proto
	p.aytAnswered = false
	n := c.parser.Parse(b, p)
	if p.msspDue {
		p.msspDue = false
		if c.cfg.MSSP != nil {
			c.mu.Unlock()
			vars := c.cfg.MSSP()
			c.mu.Lock()
			if p.enabled(sideUs, OptMSSP) { // not turned off meanwhile
				p.out = AppendMSSP(p.out, vars)
			}
		}
	}
	changed, term := p.termChanged, p.term
	p.termChanged = false
	gmcp := p.gmcpIn
	p.gmcpIn = nil
	err := c.sendRepliesUnlock()
	if changed && c.cfg.OnTerminal != nil {
		c.cfg.OnTerminal(term)
	}
	for _, m := range gmcp {
		c.cfg.OnGMCP(m.pkg, m.data)
	}
	return n, err
}

// sendRepliesUnlock sends the queued replies, if any, and releases mu, which
// the caller holds. It takes wmu before letting go of mu, so replies reach
// the wire in the order of the state changes that caused them even when
// the reader and SetEcho race; both locks are always taken in that order.
// MCCP2 starts and ends exactly where the protocol marked it among them.
func (c *Conn) sendRepliesUnlock() error {
	p := c.proto
	if len(p.out) == 0 && len(p.switches) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.wmu.Lock()
	bp := wbufPool.Get().(*[]byte)
	*bp = append((*bp)[:0], p.out...)
	c.switches = append(c.switches[:0], p.switches...)
	p.out = p.out[:0]
	p.switches = p.switches[:0]
	if cap(p.out) > maxWriteChunk {
		p.out = nil // a big MSSP reply: don't keep its buffer
	}
	c.mu.Unlock()
	err := c.writeRepliesLocked(*bp, c.switches)
	c.wmu.Unlock()
	putWriteBuf(bp)
	return err
}

// writeRepliesLocked writes b, switching compression at the marks.
func (c *Conn) writeRepliesLocked(b []byte, switches []outSwitch) error {
	at := 0
	for _, sw := range switches {
		if sw.at > at {
			if err := c.writeLocked(b[at:sw.at]); err != nil {
				return err
			}
			at = sw.at
		}
		if sw.on {
			c.startCompressLocked()
		} else if err := c.endCompressLocked(c.cfg.WriteTimeout); err != nil {
			return err
		}
	}
	return c.writeLocked(b[at:])
}

// wbufPool holds escape buffers of up to maxWriteChunk bytes.
var wbufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// putWriteBuf returns a buffer to wbufPool unless it grew past the bound.
func putWriteBuf(bp *[]byte) {
	if cap(*bp) <= maxWriteChunk {
		wbufPool.Put(bp)
	}
}

// writeLocked is the one place that writes the telnet stream; wmu must
// be held. While MCCP2 is on, b goes through the compressor, flushed, and
// the compressed bytes go out in one socket write.
func (c *Conn) writeLocked(b []byte) error {
	if c.werr != nil {
		return c.werr
	}
	if len(b) == 0 {
		return nil
	}
	wire := b
	if c.def != nil {
		wire = c.def.compress(b)
	}
	if err := c.writeWire(wire, c.cfg.WriteTimeout); err != nil {
		return err
	}
	c.rawOut.Add(uint64(len(b)))
	return nil
}

// writeWire writes bytes as they go on the wire, within timeout; wmu is
// held. A failure sticks, and drops the MCCP2 stream: it is torn.
func (c *Conn) writeWire(b []byte, timeout time.Duration) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		c.failWriteLocked(fmt.Errorf("telnet: set write deadline: %w", err))
		return c.werr
	}
	n, err := c.nc.Write(b)
	c.wireOut.Add(uint64(n))
	if err != nil {
		c.failWriteLocked(fmt.Errorf("telnet: write: %w", err))
		return c.werr
	}
	return nil
}

func (c *Conn) failWriteLocked(err error) {
	c.werr = err
	if d := c.def; d != nil {
		c.def = nil
		c.compressing.Store(false)
		d.release()
	}
}

// writeFramed writes head, then p escaped, then tail, in one piece
// relative to other writers. See writeFramedLocked.
func (c *Conn) writeFramed(head, p, tail []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeFramedLocked(head, p, tail)
}

// writeFramedLocked writes head and tail as they are (already in wire
// form) around p with its IAC bytes doubled, in writes of at most
// maxWriteChunk bytes so the escape buffer stays bounded (a head that is
// itself bigger goes out whole). It returns how many bytes of p went out.
// wmu is held.
func (c *Conn) writeFramedLocked(head, p, tail []byte) (int, error) {
	bp := wbufPool.Get().(*[]byte)
	defer putWriteBuf(bp)
	buf := (*bp)[:0]
	if len(head) > cap(buf) {
		buf = make([]byte, 0, max(len(head), min(len(head)+2*len(p)+len(tail), maxWriteChunk)))
	}
	buf = append(buf, head...)
	n := 0
	for {
		// Size the buffer for the worst case (every byte an IAC) up
		// front, so append's growth policy cannot overshoot the cap.
		room := max((maxWriteChunk-len(buf)-len(tail))/2, 64)
		chunk := p[n:]
		last := true
		if len(chunk) > room {
			chunk, last = chunk[:room], false
		}
		need := len(buf) + 2*len(chunk)
		if last {
			need += len(tail)
		}
		if cap(buf) < need {
			grown := make([]byte, len(buf), max(need, min(2*cap(buf), maxWriteChunk)))
			copy(grown, buf)
			buf = grown
		}
		buf = AppendEscaped(buf, chunk)
		if last {
			buf = append(buf, tail...)
		}
		*bp = buf
		if err := c.writeLocked(buf); err != nil {
			return n, err
		}
		n += len(chunk)
		if last {
			return n, nil
		}
		buf = buf[:0]
	}
}

// Write sends text, doubling IAC bytes. The text must already have CRLF
// line ends. Safe to call concurrently with ReadLine and other writers;
// each call reaches the wire in one piece relative to other calls.
func (c *Conn) Write(p []byte) (int, error) {
	return c.writeFramed(nil, p, nil)
}

// WritePrompt writes p followed by IAC EOR if the client agreed to EOR,
// else IAC GA, so clients can tell a prompt from an unfinished line.
func (c *Conn) WritePrompt(p []byte) error {
	c.mu.Lock()
	eor := c.proto.enabled(sideUs, OptEOR)
	c.mu.Unlock()
	tail := promptGA
	if eor {
		tail = promptEOR
	}
	_, err := c.writeFramed(nil, p, tail)
	return err
}

var (
	promptGA  = []byte{IAC, GA}
	promptEOR = []byte{IAC, EOR}
)

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
// call more than once and from any goroutine. It ends an MCCP2 stream
// properly first, so the client sees its end, unless another write is in
// progress (a slow consumer being dropped): Close never waits for one, and
// gives the end of the stream closeFinishTimeout at most.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		if c.wmu.TryLock() {
			c.endCompressLocked(min(closeFinishTimeout, c.cfg.WriteTimeout))
			c.closeErr = c.nc.Close()
			c.wmu.Unlock()
			return
		}
		c.closeErr = c.nc.Close()
	})
	return c.closeErr
}
