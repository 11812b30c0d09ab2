package telnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// started returns a Conn whose opening negotiation the client has read,
// with ReadLine running in the background.
func started(t *testing.T, cfg Config) (*Conn, net.Conn, <-chan lineOrErr) {
	t.Helper()
	c, cl := tcpPair(t, cfg)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, opening)
	return c, cl, readLoop(c)
}

func TestConnRawClient(t *testing.T) {
	// A client that never negotiates (nc) gets its lines at once, and the
	// zero Terminal.
	c, cl := tcpPair(t, Config{})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	lines := readLoop(c)
	send(t, cl, "hello\n")
	expectLine(t, lines, "hello", nil)
	send(t, cl, "look\r\n")
	expectLine(t, lines, "look", nil)
	if got := c.Terminal(); got != (Terminal{}) {
		t.Fatalf("terminal %+v", got)
	}
	if _, err := c.Write([]byte("bye\r\n")); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, opening, "bye\r\n")
	if c.RemoteAddr().String() != cl.LocalAddr().String() {
		t.Fatalf("RemoteAddr %v, want %v", c.RemoteAddr(), cl.LocalAddr())
	}
}

func TestConnNegotiationReplies(t *testing.T) {
	c, cl, lines := started(t, Config{})
	// A typical MUD client's answers, all in one packet with a command.
	send(t, cl, IAC, DO, OptSGA, IAC, DO, OptEOR, IAC, WILL, OptNAWS, IAC, WILL, OptTTYPE,
		IAC, WONT, OptCharset, IAC, DONT, OptCharset, IAC, WILL, OptGMCP, IAC, DO, OptMSSP, "look\r\n")
	expect(t, cl, ttypeSend, IAC, DONT, OptGMCP, IAC, WONT, OptMSSP)
	expectLine(t, lines, "look", nil)
	waitTerminal(t, c, func(t Terminal) bool { return t.EOR })
	expectNothingThen(t, c, cl)
	// AYT.
	send(t, cl, IAC, AYT)
	expect(t, cl, AYTReply)
}

func TestConnNAWS(t *testing.T) {
	var mu sync.Mutex
	var seen []Terminal
	c, cl, _ := started(t, Config{OnTerminal: func(t Terminal) {
		mu.Lock()
		seen = append(seen, t)
		mu.Unlock()
	}})
	send(t, cl, IAC, WILL, OptNAWS, IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE)
	waitTerminal(t, c, func(t Terminal) bool { return t.Width == 80 && t.Height == 24 })
	// Split across writes, with a doubled 255.
	send(t, cl, IAC, SB, OptNAWS, 0)
	time.Sleep(10 * time.Millisecond)
	send(t, cl, IAC, IAC, 0, 50, IAC, SE)
	waitTerminal(t, c, func(t Terminal) bool { return t.Width == 255 && t.Height == 50 })
	// Short and long ones are ignored.
	send(t, cl, IAC, SB, OptNAWS, 0, 90, IAC, SE, IAC, SB, OptNAWS, 0, 90, 0, 30, 0, IAC, SE, "x\n")
	expectNothingThen(t, c, cl)
	if got := c.Terminal(); got.Width != 255 || got.Height != 50 {
		t.Fatalf("terminal %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0].Width != 80 || seen[1].Width != 255 {
		t.Fatalf("OnTerminal saw %+v", seen)
	}
}

func TestConnTTYPE(t *testing.T) {
	t.Run("MTTS client", func(t *testing.T) {
		c, cl, _ := started(t, Config{})
		send(t, cl, IAC, WILL, OptTTYPE)
		expect(t, cl, ttypeSend)
		send(t, cl, ttypeIs("MUDLET"))
		expect(t, cl, ttypeSend)
		send(t, cl, ttypeIs("XTERM-256COLOR"))
		expect(t, cl, ttypeSend)
		waitTerminal(t, c, func(t Terminal) bool { return t.Color == Color256 })
		send(t, cl, ttypeIs("MTTS 271"))
		expect(t, cl, ttypeSend)
		send(t, cl, ttypeIs("MTTS 271"))
		expectNothingThen(t, c, cl)
		want := Terminal{Client: "MUDLET", TermType: "XTERM-256COLOR", MTTS: 271, Color: ColorTrue, UTF8: true}
		if got := c.Terminal(); got != want {
			t.Fatalf("terminal\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("bare name repeated", func(t *testing.T) {
		c, cl, _ := started(t, Config{})
		send(t, cl, IAC, WILL, OptTTYPE)
		expect(t, cl, ttypeSend)
		send(t, cl, ttypeIs("MUDLET"))
		expect(t, cl, ttypeSend)
		send(t, cl, ttypeIs("MUDLET"))
		expectNothingThen(t, c, cl)
		if got := c.Terminal(); got != (Terminal{Client: "MUDLET"}) {
			t.Fatalf("terminal %+v", got)
		}
	})
}

func TestConnCharset(t *testing.T) {
	c, cl, _ := started(t, Config{})
	send(t, cl, IAC, DO, OptCharset)
	expect(t, cl, IAC, SB, OptCharset, 1, ";UTF-8", IAC, SE)
	send(t, cl, IAC, SB, OptCharset, 2, "UTF-8", IAC, SE)
	waitTerminal(t, c, func(t Terminal) bool { return t.UTF8 })

	// The client side of CHARSET too.
	c, cl, _ = started(t, Config{})
	send(t, cl, IAC, WILL, OptCharset)
	expect(t, cl, IAC, DO, OptCharset)
	send(t, cl, IAC, SB, OptCharset, 1, ";ISO-8859-1", IAC, SE)
	expect(t, cl, IAC, SB, OptCharset, 3, IAC, SE)
	send(t, cl, IAC, SB, OptCharset, 1, ";ISO-8859-1;UTF-8", IAC, SE)
	expect(t, cl, IAC, SB, OptCharset, 2, "UTF-8", IAC, SE)
	waitTerminal(t, c, func(t Terminal) bool { return t.UTF8 })
}

func TestConnLineEndings(t *testing.T) {
	_, cl, lines := started(t, Config{})
	send(t, cl, "a\r\nb\r\x00c\rd\n")
	for _, want := range []string{"a", "b", "c", "d"} {
		expectLine(t, lines, want, nil)
	}
	// CR LF split across writes: the LF must not make an empty line. The
	// line is already returned at the CR.
	send(t, cl, "e\r")
	expectLine(t, lines, "e", nil)
	send(t, cl, "\nf\r")
	expectLine(t, lines, "f", nil)
	send(t, cl, "\x00g\r\n")
	expectLine(t, lines, "g", nil)
	// Empty lines are lines.
	send(t, cl, "\r\n")
	expectLine(t, lines, "", nil)
	// Sequences split at every byte, as slow links deliver them.
	for _, c := range seq("h", IAC, WILL, OptSGA, "i", IAC, IAC, "\r\n") {
		send(t, cl, c)
		time.Sleep(time.Millisecond)
	}
	expectLine(t, lines, "hi\uFFFD", nil)
}

func TestConnIACEscaping(t *testing.T) {
	c, cl, lines := started(t, Config{})
	if _, err := c.Write([]byte{'a', 255, 'b', 255, 255}); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, 'a', IAC, IAC, 'b', IAC, IAC, IAC, IAC)
	// Input: a doubled IAC is one 0xFF byte, which no UTF-8 has.
	send(t, cl, "x", IAC, IAC, "y\r\n")
	expectLine(t, lines, "x\uFFFDy", nil)
	// Prompt with an IAC in it.
	if err := c.WritePrompt([]byte{'>', 255}); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, '>', IAC, IAC, IAC, GA)
}

func TestConnEditing(t *testing.T) {
	_, cl, lines := started(t, Config{})
	send(t, cl, "abc", IAC, EC, "d\r\n")
	expectLine(t, lines, "abd", nil)
	send(t, cl, "junk", IAC, EL, "look\r\n")
	expectLine(t, lines, "look", nil)
}

func TestConnInvalidUTF8(t *testing.T) {
	_, cl, lines := started(t, Config{})
	send(t, cl, "caf\xe9 \x1b[1mbold\x07\r\n")
	expectLine(t, lines, "caf\uFFFD [1mbold", nil)
}

func TestConnLineTooLong(t *testing.T) {
	c, cl, lines := started(t, Config{})
	done := make(chan error, 1)
	go func() {
		// 1 MB without a newline; the server must not buffer it.
		_, err := cl.Write(bytes.Repeat([]byte("x"), 1<<20))
		done <- err
	}()
	expectLine(t, lines, "", ErrLineTooLong)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	send(t, cl, "still x\r\nhello\r\n")
	expectLine(t, lines, "hello", nil)
	if cap(c.proto.lines.buf) > DefaultMaxLine {
		t.Fatalf("line buffer grew to %d", cap(c.proto.lines.buf))
	}
}

func TestConnSetEcho(t *testing.T) {
	c, cl, _ := started(t, Config{})
	if err := c.SetEcho(true); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, IAC, WILL, OptEcho)
	if err := c.SetEcho(true); err != nil { // no change: nothing sent
		t.Fatal(err)
	}
	send(t, cl, IAC, DO, OptEcho) // the client's answer: not answered
	expectNothingThen(t, c, cl)
	if err := c.SetEcho(false); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, IAC, WONT, OptEcho)
	send(t, cl, IAC, DONT, OptEcho)
	if err := c.SetEcho(false); err != nil {
		t.Fatal(err)
	}
	expectNothingThen(t, c, cl)
}

func TestConnWritePrompt(t *testing.T) {
	c, cl, _ := started(t, Config{})
	if err := c.WritePrompt([]byte("> ")); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, "> ", IAC, GA)
	send(t, cl, IAC, DO, OptEOR)
	waitTerminal(t, c, func(t Terminal) bool { return t.EOR })
	if err := c.WritePrompt([]byte("> ")); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, "> ", IAC, EOR)
}

func TestConnFlood(t *testing.T) {
	_, cl, lines := started(t, Config{})
	const n = 10000
	go func() {
		var buf bytes.Buffer
		for i := 0; i < n; i++ {
			fmt.Fprintf(&buf, "line %d\r\n", i)
		}
		cl.Write(buf.Bytes())
	}()
	for i := 0; i < n; i++ {
		expectLine(t, lines, fmt.Sprintf("line %d", i), nil)
	}
}

func TestConnEOF(t *testing.T) {
	c, cl, lines := started(t, Config{})
	send(t, cl, "one\r\nlast words")
	cl.Close()
	expectLine(t, lines, "one", nil)
	expectLine(t, lines, "last words", nil)
	expectLine(t, lines, "", io.EOF)
	if _, err := c.ReadLine(); err != io.EOF {
		t.Fatalf("after EOF: %v", err)
	}
}

func TestConnCloseUnblocksReader(t *testing.T) {
	c, _, lines := started(t, Config{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.Close() // twice is fine
	select {
	case r := <-lines:
		if !errors.Is(r.err, net.ErrClosed) {
			t.Fatalf("ReadLine after Close: %v", r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadLine still blocked after Close")
	}
}

func TestConnReadDeadline(t *testing.T) {
	c, cl := tcpPair(t, Config{})
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.ReadLine()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadLine = %v, want a timeout", err)
	}
	// A timeout is not the end: reading goes on.
	c.SetReadDeadline(time.Time{})
	send(t, cl, "later\n")
	if s, err := c.ReadLine(); s != "later" || err != nil {
		t.Fatalf("ReadLine = %q, %v", s, err)
	}
}

// TestConnWriteTimeout: a client that stops reading makes writes fail
// within the timeout, and the failure sticks.
func TestConnWriteTimeout(t *testing.T) {
	c, _ := tcpPair(t, Config{WriteTimeout: 50 * time.Millisecond})
	big := bytes.Repeat([]byte("spam "), 1<<20)
	start := time.Now()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Write(big)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Write = %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if _, err2 := c.Write([]byte("x")); err2 == nil {
		t.Fatal("write after a timeout succeeded")
	}
}

// TestConnConcurrentWriters: Write from several goroutines while the
// reader answers negotiation; every message arrives whole (run with -race).
func TestConnConcurrentWriters(t *testing.T) {
	c, cl, _ := started(t, Config{})
	const writers, msgs = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < msgs; i++ {
				c.Write([]byte(fmt.Sprintf("<%d:%d>\r\n", w, i)))
				if i%50 == 0 {
					c.SetEcho(i%100 == 0)
					c.WritePrompt([]byte("> "))
					c.Terminal()
				}
			}
		}(w)
	}
	go func() {
		for i := 0; i < 100; i++ {
			cl.Write(seq(IAC, SB, OptNAWS, 0, byte(i), 0, 24, IAC, SE, IAC, WILL, 99, IAC, AYT))
		}
	}()
	wg.Wait()
	c.Write([]byte("<end>"))
	var got bytes.Buffer
	buf := make([]byte, 4096)
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !bytes.Contains(got.Bytes(), []byte("<end>")) {
		n, err := cl.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(buf[:n])
	}
	text := got.String()
	for w := 0; w < writers; w++ {
		for i := 0; i < msgs; i++ {
			if !strings.Contains(text, fmt.Sprintf("<%d:%d>\r\n", w, i)) {
				t.Fatalf("message %d:%d missing or torn", w, i)
			}
		}
	}
}

func TestConnWriteAllocs(t *testing.T) {
	fc := &fakeConn{discard: true}
	c := NewConn(fc, Config{})
	msg := []byte("The goblin hits you. You feel \xff less healthy.\r\n")
	c.Write(msg)
	if n := testing.AllocsPerRun(1000, func() { c.Write(msg) }); n != 0 {
		t.Fatalf("Write allocates %v times", n)
	}
	if n := testing.AllocsPerRun(1000, func() { c.WritePrompt([]byte("> ")) }); n != 0 {
		t.Fatalf("WritePrompt allocates %v times", n)
	}
	// A large write goes out in bounded chunks.
	big := bytes.Repeat([]byte{255}, 3*maxWriteChunk)
	if n, err := c.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	bp := wbufPool.Get().(*[]byte)
	if cap(*bp) > maxWriteChunk {
		t.Fatalf("write buffer grew to %d", cap(*bp))
	}
	wbufPool.Put(bp)
}

// TestConnReadAllocs: through a whole Conn, a read with N lines costs N
// string allocations and nothing else.
func TestConnReadAllocs(t *testing.T) {
	line := []byte("say hello there\r\n")
	fc := &fakeConn{discard: true}
	c := NewConn(fc, Config{})
	const runs = 200
	for i := 0; i < runs+2; i++ {
		fc.chunks = append(fc.chunks, line)
	}
	c.ReadLine()
	if n := testing.AllocsPerRun(runs, func() {
		if _, err := c.ReadLine(); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Fatalf("ReadLine allocates %v times per line, want 1 (the string)", n)
	}
}
