package telnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// recorder is a Handler that writes every event as text, merging adjacent
// data runs so that how the input was split does not show.
type recorder struct {
	events []string
	data   []byte // data run not yet closed by another event
}

func (r *recorder) flushData() {
	if len(r.data) > 0 {
		r.events = append(r.events, fmt.Sprintf("data %q", r.data))
		r.data = r.data[:0]
	}
}

func (r *recorder) Data(p []byte) { r.data = append(r.data, p...) }

func (r *recorder) Command(cmd byte) {
	r.flushData()
	r.events = append(r.events, fmt.Sprintf("cmd %d", cmd))
}

func (r *recorder) Negotiate(verb, opt byte) {
	r.flushData()
	r.events = append(r.events, fmt.Sprintf("%s %d", verbName(verb), opt))
}

func (r *recorder) Subneg(opt byte, payload []byte) {
	r.flushData()
	r.events = append(r.events, fmt.Sprintf("sb %d %q", opt, payload))
}

func (r *recorder) result() []string {
	r.flushData()
	return r.events
}

func verbName(v byte) string {
	switch v {
	case WILL:
		return "WILL"
	case WONT:
		return "WONT"
	case DO:
		return "DO"
	case DONT:
		return "DONT"
	}
	return fmt.Sprintf("verb%d", v)
}

// parseAll runs chunks through a fresh parser and returns the events.
func parseAll(maxSB int, chunks ...[]byte) []string {
	p := NewParser(maxSB)
	r := &recorder{}
	for _, c := range chunks {
		p.Parse(c, r)
	}
	return r.result()
}

// feed runs chunks through a fresh parser and protocol, as one Conn would,
// and returns the protocol (lines queued, replies in out).
func feed(maxLine int, chunks ...[]byte) *protocol {
	p := newProtocol(maxLine)
	var ps Parser
	for _, c := range chunks {
		ps.Parse(c, p)
	}
	return p
}

// drain pops every queued line; a too-long notice shows as "<too long>".
func drain(p *protocol) []string {
	var out []string
	for {
		r, ok := p.lines.next()
		if !ok {
			return out
		}
		if r.err != nil {
			out = append(out, "<"+r.err.Error()+">")
		} else {
			out = append(out, r.s)
		}
	}
}

// seq concatenates strings and bytes into one byte slice, for writing
// telnet sequences readably: seq("look", IAC, EC, "\r\n").
func seq(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v...)
		case byte:
			out = append(out, v)
		case int:
			out = append(out, byte(v))
		case rune: // 'a' literals: one byte each here
			out = append(out, byte(v))
		case []byte:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("seq: %T", p))
		}
	}
	return out
}

// tcpPair returns a Conn on the server end of a real loopback TCP
// connection, and the raw client end.
func tcpPair(t testing.TB, cfg Config) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	cl, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	c := NewConn(r.c, cfg)
	t.Cleanup(func() {
		c.Close()
		cl.Close()
	})
	return c, cl
}

// lineOrErr is one ReadLine result.
type lineOrErr struct {
	s   string
	err error
}

// readLoop runs ReadLine in a goroutine, as the engine does, until it
// returns a final error.
func readLoop(c *Conn) <-chan lineOrErr {
	ch := make(chan lineOrErr, 16)
	go func() {
		defer close(ch)
		for {
			s, err := c.ReadLine()
			ch <- lineOrErr{s, err}
			if err != nil && !errors.Is(err, ErrLineTooLong) {
				return
			}
		}
	}()
	return ch
}

// expectLine waits for the next ReadLine result and checks it.
func expectLine(t testing.TB, ch <-chan lineOrErr, want string, wantErr error) {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatalf("reader ended, want line %q", want)
		}
		if !errors.Is(r.err, wantErr) || (wantErr == nil && r.err != nil) {
			t.Fatalf("ReadLine error = %v, want %v (line %q)", r.err, wantErr, r.s)
		}
		if r.s != want {
			t.Fatalf("ReadLine = %q, want %q", r.s, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for line %q", want)
	}
}

// send writes raw bytes from the client.
func send(t testing.TB, cl net.Conn, parts ...any) {
	t.Helper()
	if _, err := cl.Write(seq(parts...)); err != nil {
		t.Fatalf("client write: %v", err)
	}
}

// expect reads exactly len(want) bytes at the client and compares them.
func expect(t testing.TB, cl net.Conn, parts ...any) {
	t.Helper()
	want := seq(parts...)
	got := make([]byte, len(want))
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(cl, got); err != nil {
		t.Fatalf("client read (want %s): %v (got %s)", show(want), err, show(got))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("client got %s, want %s", show(got), show(want))
	}
}

// expectNothingThen proves nothing else was sent: the server writes a
// marker, and the marker must be the very next thing the client reads.
func expectNothingThen(t testing.TB, c *Conn, cl net.Conn) {
	t.Helper()
	if _, err := c.Write([]byte("<mark>")); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, "<mark>")
}

// show renders telnet bytes with command names, for failure messages.
func show(p []byte) string {
	names := map[byte]string{IAC: "IAC", WILL: "WILL", WONT: "WONT", DO: "DO", DONT: "DONT",
		SB: "SB", SE: "SE", GA: "GA", EOR: "EOR", EC: "EC", EL: "EL", AYT: "AYT", NOP: "NOP"}
	var sb strings.Builder
	sb.WriteByte('[')
	for i, c := range p {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if n, ok := names[c]; ok {
			sb.WriteString(n)
		} else if c >= 0x21 && c < 0x7f {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "%d", c)
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

// checkFor polls f until it returns nil or the time runs out (nats-style:
// poll rather than sleep a guessed time).
func checkFor(t testing.TB, total time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitTerminal polls until the Conn's Terminal satisfies ok.
func waitTerminal(t testing.TB, c *Conn, ok func(Terminal) bool) Terminal {
	t.Helper()
	var got Terminal
	checkFor(t, 5*time.Second, func() error {
		got = c.Terminal()
		if ok(got) {
			return nil
		}
		return fmt.Errorf("terminal still %+v", got)
	})
	return got
}

// opening is what Start sends with the zero Config.
var opening = seq(IAC, WILL, OptSGA, IAC, WILL, OptEOR, IAC, DO, OptNAWS, IAC, DO, OptTTYPE, IAC, WILL, OptCharset,
	IAC, WILL, OptGMCP, IAC, WILL, OptMCCP2, IAC, WILL, OptMCCP3)

// fakeConn is an in-memory net.Conn: reads come from chunks in order,
// writes go to out (or nowhere when discard is set).
type fakeConn struct {
	chunks  [][]byte
	out     bytes.Buffer
	discard bool
}

func (f *fakeConn) Read(p []byte) (int, error) {
	for len(f.chunks) > 0 && len(f.chunks[0]) == 0 {
		f.chunks = f.chunks[1:]
	}
	if len(f.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.chunks[0])
	f.chunks[0] = f.chunks[0][n:]
	return n, nil
}

func (f *fakeConn) Write(p []byte) (int, error) {
	if f.discard {
		return len(p), nil
	}
	return f.out.Write(p)
}

func (f *fakeConn) Close() error                       { return nil }
func (f *fakeConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error { return nil }
