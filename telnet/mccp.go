package telnet

import (
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// MCCP2 (option 86): we offer WILL MCCP2 at Start. When the client agrees
// we send IAC SB MCCP2 IAC SE uncompressed, and from the next byte on all
// our output is one zlib stream (RFC 1950), flushed after every write so
// the client can show it at once. DONT MCCP2 or Close ends the stream
// properly (the client sees its end and checksum); output after the end is
// plain.
//
// Memory: compress/flate keeps its hash chains in fixed-size arrays, so a
// zlib.Writer costs about 814 KB at every level from 2 to 9 (1.2 MB at
// level 1), whatever it compresses: that is the price of one compressed
// session, measured by TestMCCP2Memory (the level is chosen on ratio and
// speed, see mccp2Level). A stream's writer is taken from a pool when it
// starts and returned when it ends, so a reconnecting player reuses one
// rather than making garbage; the pool lets idle ones go at garbage
// collection. The compressed output of one write is buffered (up to about
// maxWriteChunk) so that each write is one socket write.
//
// MCCP3 (option 87): we offer WILL MCCP3 at Start. When the client, with
// our WILL agreed, sends IAC SB MCCP3 IAC SE, everything it sends after the
// SE is one zlib stream until that stream ends, then plain telnet again.
// The parser stops at that SE; the rest of the read buffer, then the
// socket, feed a zlib reader through inflater, which implements
// io.ByteReader so flate reads exactly up to the end of the stream and the
// bytes after it stay in the read buffer for the parser. Memory while the
// client compresses: about 40 KB of flate state plus one read buffer for
// the decompressed bytes, pooled the same way. Decompressed input goes
// through the same parser and line caps as plain input, one buffer at a
// time, and the stream may not expand past maxInflateRatio.

// ErrInflateRatio ends the input of a client whose MCCP3 stream expands
// past maxInflateRatio: a decompression bomb, or a client we cannot afford.
var ErrInflateRatio = errors.New("telnet: MCCP3 input expands too much")

// outSwitch marks a point in protocol.out where MCCP2 output compression
// starts (on) or ends.
type outSwitch struct {
	at int
	on bool
}

// mccp2Changed starts the stream when the client agrees to our offer and
// ends it when the client turns it off.
func (p *protocol) mccp2Changed(on bool) {
	if on {
		p.out = append(p.out, IAC, SB, OptMCCP2, IAC, SE)
	}
	p.switches = append(p.switches, outSwitch{at: len(p.out), on: on})
}

// mccp3Subneg handles the client's IAC SB MCCP3 IAC SE: its input is
// compressed from here on.
func (p *protocol) mccp3Subneg(b []byte) {
	if len(b) != 0 || !p.enabled(sideUs, OptMCCP3) || p.inflating {
		// Malformed, not agreed, or a repeat inside the stream itself:
		// nothing starts (a repeat is just data within the stream).
		return
	}
	p.inflating = true
	if p.parser != nil {
		p.parser.Stop()
	}
}

// deflater is one MCCP2 stream: a zlib writer whose output collects in buf
// for one write.
type deflater struct {
	zw  *zlib.Writer
	buf []byte
}

// Write collects the zlib writer's output.
func (d *deflater) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

var deflaterPool sync.Pool

func newDeflater() *deflater {
	if d, ok := deflaterPool.Get().(*deflater); ok {
		d.zw.Reset(d)
		return d
	}
	d := &deflater{}
	zw, err := zlib.NewWriterLevel(d, mccp2Level)
	if err != nil {
		panic(err) // only for a bad level constant
	}
	d.zw = zw
	return d
}

// compress returns b compressed and flushed: the client can inflate all
// of it without waiting for more. The result is valid until the next call.
func (d *deflater) compress(b []byte) []byte {
	d.buf = d.buf[:0]
	// Writing to d cannot fail, so neither can these.
	d.zw.Write(b)
	d.zw.Flush()
	return d.buf
}

// finish returns the end of the stream: the final block and checksum.
func (d *deflater) finish() []byte {
	d.buf = d.buf[:0]
	d.zw.Close()
	return d.buf
}

func (d *deflater) release() {
	if cap(d.buf) > 2*maxWriteChunk {
		d.buf = nil
	}
	deflaterPool.Put(d)
}

// startCompressLocked starts MCCP2 output compression; wmu is held.
func (c *Conn) startCompressLocked() {
	if c.def != nil || c.werr != nil {
		return
	}
	c.def = newDeflater()
	c.compressing.Store(true)
}

// endCompressLocked ends the MCCP2 stream properly, if one is running,
// writing its end within timeout; wmu is held. Output after it is plain.
func (c *Conn) endCompressLocked(timeout time.Duration) error {
	d := c.def
	if d == nil {
		return nil
	}
	c.def = nil
	c.compressing.Store(false)
	defer d.release()
	if c.werr != nil {
		return c.werr
	}
	return c.writeWire(d.finish(), timeout)
}

// Compressing reports whether our output is MCCP2-compressed right now.
func (c *Conn) Compressing() bool { return c.compressing.Load() }

// ConnStats counts what went out so far. Raw is the bytes handed to the
// write path (escaped text, prompts, negotiation, GMCP, MSSP: the telnet
// stream); Wire is the bytes written to the socket, after MCCP2
// compression and including its framing. Without compression they are
// equal.
type ConnStats struct {
	Raw, Wire uint64
}

// Stats returns the byte counts so far. Safe from any goroutine.
func (c *Conn) Stats() ConnStats {
	return ConnStats{Raw: c.rawOut.Load(), Wire: c.wireOut.Load()}
}

// inflater is one MCCP3 stream. It is also the stream's source: it hands
// the zlib reader the Conn's unparsed read buffer, refilling it from the
// socket, one byte at a time or as asked, never more.
type inflater struct {
	c *Conn
	// zr is kept with the inflater in the pool and reset for each stream;
	// started says it has read this stream's header.
	zr      io.ReadCloser
	started bool
	out     [readBufferSize]byte
	// in and out count compressed and decompressed bytes, for the ratio
	// bound.
	nIn, nOut uint64
	// srcErr is the socket error the source met, if any: a zlib error
	// caused by it is the end of input, not corruption.
	srcErr error
	// more: the last read filled out, so the decompressor may hold more
	// output already (a window's worth can come from one flushed write):
	// take it before waiting for the socket.
	more bool
}

var inflaterPool sync.Pool

func newInflater(c *Conn) *inflater {
	f, ok := inflaterPool.Get().(*inflater)
	if !ok {
		f = &inflater{}
	}
	f.c, f.started, f.more, f.nIn, f.nOut, f.srcErr = c, false, false, 0, 0, nil
	return f
}

func (f *inflater) release() {
	f.c, f.srcErr = nil, nil
	inflaterPool.Put(f)
}

// ReadByte implements io.ByteReader for flate: with it flate reads exactly
// the bytes of the stream.
func (f *inflater) ReadByte() (byte, error) {
	c := f.c
	for c.rpos == c.rend {
		if err := c.fill(); err != nil {
			f.srcErr = err
			return 0, err
		}
	}
	b := c.rbuf[c.rpos]
	c.rpos++
	f.nIn++
	return b, nil
}

// Read implements io.Reader for zlib's header and checksum.
func (f *inflater) Read(p []byte) (int, error) {
	c := f.c
	for c.rpos == c.rend {
		if err := c.fill(); err != nil {
			f.srcErr = err
			return 0, err
		}
	}
	n := copy(p, c.rbuf[c.rpos:c.rend])
	c.rpos += n
	f.nIn += uint64(n)
	return n, nil
}

// read decompresses the next piece of the stream into f.out. It returns
// io.EOF, possibly with data, when the stream has ended properly.
func (f *inflater) read() (int, error) {
	if !f.started {
		// A pooled reader is reset to the new stream; either way the
		// two-byte zlib header is read now.
		var err error
		if f.zr != nil {
			err = f.zr.(zlib.Resetter).Reset(f, nil)
		} else {
			f.zr, err = zlib.NewReader(f)
		}
		if err != nil {
			return 0, err
		}
		f.started = true
	}
	n, err := f.zr.Read(f.out[:])
	f.more = n == len(f.out)
	f.nOut += uint64(n)
	if f.nOut > inflateAllowance+maxInflateRatio*f.nIn {
		return 0, ErrInflateRatio
	}
	return n, err
}

// inflate runs one step of MCCP3 input: decompress a piece and parse it.
// ReadLine calls it when rbuf holds unread bytes or the decompressor may
// hold output (inflater.more), and otherwise waits for the socket itself:
// that way a read deadline between the client's writes is an ordinary
// timeout. Once the decompressor has output to give it needs no input;
// when it has given all of a flushed write's output it has read the whole
// write, flush marker included. A deadline that expires in the middle of a
// write (the zlib reader waiting for the rest) tears the stream, though,
// and ends the input.
func (c *Conn) inflate() {
	f := c.inf
	n, err := f.read()
	if n > 0 {
		// The parser cannot stop here: a SB MCCP3 inside the stream is
		// ignored while inflating.
		if _, werr := c.consume(f.out[:n]); werr != nil && c.rerr == nil {
			c.rerr = fmt.Errorf("telnet: reply to negotiation: %w", werr)
		}
	}
	switch {
	case err == nil:
	case err == io.EOF:
		// The client ended its stream: what follows in rbuf is plain.
		c.endInflate()
	case f.srcErr != nil:
		// The socket ended or failed mid-stream: the end of input, as
		// without compression.
		c.endInput(f.srcErr)
	default:
		// A corrupt stream, or a bomb: nothing after this can be parsed.
		// Tell the client (mudstandards.org: WONT MCCP3) and end the input.
		c.endInflate()
		c.mu.Lock()
		c.proto.ask(sideUs, OptMCCP3, false)
		c.sendRepliesUnlock()
		if c.rerr == nil {
			c.rerr = fmt.Errorf("telnet: MCCP3 input: %w", err)
		}
	}
}

// endInflate goes back to plain input.
func (c *Conn) endInflate() {
	if c.inf == nil {
		return
	}
	c.inf.release()
	c.inf = nil
	c.mu.Lock()
	c.proto.inflating = false
	c.mu.Unlock()
}
