package telnet

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// zlibStream compresses parts into one zlib stream, flushed after each part
// as a client flushes each write; finished adds the end of the stream.
func zlibStream(t testing.TB, finished bool, parts ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zlib.NewWriterLevel(&b, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		zw.Write(p)
		zw.Flush()
	}
	if finished {
		zw.Close()
	}
	return b.Bytes()
}

// mccp2Client is the client end of an MCCP2 connection: br reads the
// socket; after IAC SB MCCP2 IAC SE, zr reads the compressed stream. Both
// implement io.ByteReader, so zlib reads exactly its stream from br and
// whatever follows it stays there.
type mccp2Client struct {
	cl net.Conn
	br *bufio.Reader
	zr io.ReadCloser
}

// startMCCP2 agrees to MCCP2 and reads up to the start of the stream.
func startMCCP2(t testing.TB, c *Conn, cl net.Conn) *mccp2Client {
	t.Helper()
	m := &mccp2Client{cl: cl, br: bufio.NewReader(cl)}
	send(t, cl, IAC, DO, OptMCCP2)
	m.expectPlain(t, IAC, SB, OptMCCP2, IAC, SE)
	checkFor(t, 5*time.Second, func() error {
		if !c.Compressing() {
			return errors.New("not compressing yet")
		}
		return nil
	})
	return m
}

// expectPlain reads uncompressed bytes.
func (m *mccp2Client) expectPlain(t testing.TB, parts ...any) {
	t.Helper()
	m.readExpect(t, m.br, seq(parts...))
}

// expectZ reads decompressed bytes.
func (m *mccp2Client) expectZ(t testing.TB, parts ...any) {
	t.Helper()
	if m.zr == nil {
		m.cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		zr, err := zlib.NewReader(m.br)
		if err != nil {
			t.Fatalf("zlib header: %v", err)
		}
		m.zr = zr
	}
	m.readExpect(t, m.zr, seq(parts...))
}

func (m *mccp2Client) readExpect(t testing.TB, r io.Reader, want []byte) {
	t.Helper()
	m.cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if n, err := io.ReadFull(r, got); err != nil {
		t.Fatalf("read (want %s): %v (got %s)", show(want), err, show(got[:n]))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %s, want %s", show(got), show(want))
	}
}

// expectEnd reads the end of the compressed stream: zlib checks the
// checksum and reports io.EOF only for a stream that ended properly.
func (m *mccp2Client) expectEnd(t testing.TB) {
	t.Helper()
	m.cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(m.zr)
	if err != nil || len(rest) != 0 {
		t.Fatalf("end of stream: %v, with %s left", err, show(rest))
	}
	m.zr = nil
}

func TestConnMCCP2RoundTrip(t *testing.T) {
	c, cl, lines := started(t, Config{})
	m := startMCCP2(t, c, cl)
	// Each write is flushed: the client reads it without waiting for the
	// next one.
	hit := []byte("\x1b[1;31mYou hit the grey wolf. (3)\x1b[0m\r\n")
	for i := 0; i < 50; i++ {
		if _, err := c.Write(hit); err != nil {
			t.Fatal(err)
		}
		m.expectZ(t, hit)
	}
	if err := c.WritePrompt([]byte("<20hp> ")); err != nil {
		t.Fatal(err)
	}
	m.expectZ(t, "<20hp> ", IAC, GA)
	// IAC is doubled before compression.
	c.Write([]byte{'a', 255, 'b'})
	m.expectZ(t, 'a', IAC, IAC, 'b')
	// Negotiation replies go through the stream too; input stays plain.
	send(t, cl, IAC, WILL, 99, "look\r\n")
	expectLine(t, lines, "look", nil)
	m.expectZ(t, IAC, DONT, 99)
	send(t, cl, IAC, DO, OptEOR)
	waitTerminal(t, c, func(t Terminal) bool { return t.EOR })
	c.WritePrompt([]byte("> "))
	m.expectZ(t, "> ", IAC, EOR)
	// A write bigger than one chunk.
	big := bytes.Repeat([]byte("The grey wolf bites you. "), 4000)
	wrote := make(chan struct{})
	go func() {
		c.Write(big)
		close(wrote)
	}()
	m.expectZ(t, big)
	<-wrote // Close does not wait for a write in progress (see below)

	st := c.Stats()
	if st.Wire >= st.Raw/4 {
		t.Errorf("stats %+v: expected at least 4:1 on repeated text", st)
	}
	t.Logf("stats %+v: %.1f%% of raw", st, 100*float64(st.Wire)/float64(st.Raw))

	// Close ends the stream properly, then the connection.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	m.expectEnd(t)
	if c.Compressing() {
		t.Fatal("still compressing after Close")
	}
	if n, err := m.br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the stream: %d bytes, %v; want EOF", n, err)
	}
	if c.def != nil {
		t.Fatal("compressor kept after Close")
	}
}

// TestConnMCCP2CloseSlowConsumer: Close while a compressed write is stuck
// on a client that does not read returns at once (the game loop drops slow
// consumers with it) and the stuck write fails.
func TestConnMCCP2CloseSlowConsumer(t *testing.T) {
	c, cl, _ := started(t, Config{WriteTimeout: 10 * time.Second})
	startMCCP2(t, c, cl)
	// Incompressible, so the socket buffers fill.
	junk := make([]byte, 8<<20)
	rand.New(rand.NewSource(1)).Read(junk)
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(junk)
		werr <- err
	}()
	time.Sleep(100 * time.Millisecond) // let it block
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v", d)
	}
	select {
	case err := <-werr:
		if err == nil {
			t.Fatal("stuck write succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write still stuck after Close")
	}
}

// TestConnMCCP2Dont: the client turns compression off; the stream ends
// properly, the WONT and everything after it are plain.
func TestConnMCCP2Dont(t *testing.T) {
	c, cl, _ := started(t, Config{})
	m := startMCCP2(t, c, cl)
	c.Write([]byte("compressed\r\n"))
	m.expectZ(t, "compressed\r\n")
	send(t, cl, IAC, DONT, OptMCCP2)
	m.expectEnd(t)
	m.expectPlain(t, IAC, WONT, OptMCCP2)
	if c.Compressing() {
		t.Fatal("still compressing")
	}
	c.Write([]byte("plain\r\n"))
	m.expectPlain(t, "plain\r\n")
	// Asking again is refused: one stream per connection.
	send(t, cl, IAC, DO, OptMCCP2)
	m.expectPlain(t, IAC, WONT, OptMCCP2)
	c.Write([]byte("still plain\r\n"))
	m.expectPlain(t, "still plain\r\n")
	st := c.Stats()
	if st.Raw == 0 || st.Wire == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestConnMCCP2Stats: without compression, raw and wire agree with what
// the client read; NoCompression leaves the MCCP offers out.
func TestConnMCCP2Stats(t *testing.T) {
	c, cl := tcpPair(t, Config{NoCompression: true})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello\r\n"))
	want := seq(opening[:len(opening)-6], "hello\r\n")
	expect(t, cl, want)
	if st := c.Stats(); st.Raw != uint64(len(want)) || st.Wire != uint64(len(want)) {
		t.Fatalf("stats %+v, want %d each", st, len(want))
	}
}

func TestConnMCCP2WriteAllocs(t *testing.T) {
	c := NewConn(&fakeConn{discard: true}, Config{})
	c.wmu.Lock()
	c.startCompressLocked()
	c.wmu.Unlock()
	msg := []byte("\x1b[32mThe goblin hits you.\x1b[0m You feel \xff less healthy.\r\n")
	c.Write(msg)
	if n := testing.AllocsPerRun(1000, func() { c.Write(msg) }); n != 0 {
		t.Fatalf("compressed Write allocates %v times", n)
	}
	if n := testing.AllocsPerRun(1000, func() { c.WritePrompt([]byte("> ")) }); n != 0 {
		t.Fatalf("compressed WritePrompt allocates %v times", n)
	}
}

// heapPerConn measures the live heap each of n Conns adds once start has
// run on it.
func heapPerConn(n int, start func(c *Conn)) uint64 {
	conns := make([]*Conn, n)
	for i := range conns {
		conns[i] = NewConn(&fakeConn{discard: true}, Config{})
	}
	// Twice: the pools' victim caches go on the second collection, so
	// every compressor below is a new one.
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, c := range conns {
		start(c)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(conns)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return (after.HeapAlloc - before.HeapAlloc) / uint64(n)
}

// TestMCCP2Memory measures what a compressed session costs: the number
// quoted in mccp.go and const.go. It fails if that grows past what one
// compress/flate writer should cost (a second writer, a leaked buffer).
func TestMCCP2Memory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	msg := []byte("\x1b[1;31mYou hit the grey wolf. (3)\x1b[0m\r\n")
	per := heapPerConn(20, func(c *Conn) {
		c.wmu.Lock()
		c.startCompressLocked()
		c.wmu.Unlock()
		for i := 0; i < 100; i++ {
			c.Write(msg)
		}
	})
	t.Logf("MCCP2 at level %d: %d bytes per compressed session", mccp2Level, per)
	if per > 1<<20 {
		t.Fatalf("%d bytes per compressed session", per)
	}
	// Ending the stream gives the writer back.
	c := NewConn(&fakeConn{discard: true}, Config{})
	c.wmu.Lock()
	c.startCompressLocked()
	c.wmu.Unlock()
	c.Write(msg)
	c.Close()
	if c.def != nil || c.Compressing() {
		t.Fatal("compressor kept after Close")
	}
	// MCCP3: the decompressor while the client compresses.
	in := seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, zlibStream(t, false, []byte("look\r\n")))
	per3 := heapPerConn(20, func(c *Conn) {
		c.fakeInput(in)
		c.Start()
		if s, err := c.ReadLine(); s != "look" || err != nil {
			t.Fatalf("ReadLine = %q, %v", s, err)
		}
	})
	t.Logf("MCCP3: %d bytes per session while the client compresses", per3)
	if per3 > 128<<10 {
		t.Fatalf("%d bytes per decompressing session", per3)
	}
}

// fakeInput makes a Conn on a fakeConn read in.
func (c *Conn) fakeInput(in ...[]byte) {
	c.nc.(*fakeConn).chunks = in
}

// readAll reads lines until a final error, too-long notices as "<too
// long>".
func readAll(c *Conn) ([]string, error) {
	var lines []string
	for {
		s, err := c.ReadLine()
		if errors.Is(err, ErrLineTooLong) {
			lines = append(lines, "<too long>")
			continue
		}
		if err != nil {
			return lines, err
		}
		lines = append(lines, s)
	}
}

// mccp3Conn returns a started Conn reading chunks from a fakeConn.
func mccp3Conn(chunks ...[]byte) (*Conn, *fakeConn) {
	fc := &fakeConn{chunks: chunks}
	c := NewConn(fc, Config{})
	c.Start()
	return c, fc
}

// TestConnMCCP3: the client's input after IAC SB MCCP3 IAC SE is a zlib
// stream, here in the same read as the SB, with negotiation inside and a
// line split across the end of the stream; whatever the reads' sizes.
func TestConnMCCP3(t *testing.T) {
	in := seq("before\r\n", IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE,
		zlibStream(t, true,
			[]byte("look\r\n"),
			seq(IAC, WILL, OptNAWS, IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE),
			seq("say ", IAC, IAC, "hi\r\n"),
			seq(IAC, SB, OptMCCP3, IAC, SE, "kill wolf\r\n"), // a repeat inside: just data
			[]byte("par")),
		"tial\r\nafter\r\n")
	want := []string{"before", "look", "say \uFFFDhi", "kill wolf", "partial", "after"}
	check := func(name string, chunks [][]byte) {
		t.Helper()
		c, fc := mccp3Conn(chunks...)
		got, err := readAll(c)
		if err != io.EOF || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: lines %q, %v\nwant %q", name, got, err, want)
		}
		if c.Terminal().Width != 80 {
			t.Fatalf("%s: NAWS inside the stream not applied: %+v", name, c.Terminal())
		}
		if c.inf != nil || c.proto.inflating {
			t.Fatalf("%s: still inflating after the stream ended", name)
		}
		if !bytes.Equal(fc.out.Bytes(), opening) {
			t.Fatalf("%s: sent %s", name, show(fc.out.Bytes()))
		}
	}
	check("one read", [][]byte{bytes.Clone(in)})
	for i := 0; i <= len(in); i++ {
		check("split", [][]byte{bytes.Clone(in[:i]), bytes.Clone(in[i:])})
	}
	for n := 1; n <= 17; n++ {
		var chunks [][]byte
		for rest := in; len(rest) > 0; rest = rest[min(n, len(rest)):] {
			chunks = append(chunks, bytes.Clone(rest[:min(n, len(rest))]))
		}
		check("reads of "+strings.Repeat("x", n), chunks)
	}
}

// TestConnMCCP3TCP: the same over a socket, the way tintin does it: DO,
// SB and the first compressed bytes in one segment, then a flushed write
// per command, then the stream ends and plain input follows.
func TestConnMCCP3TCP(t *testing.T) {
	_, cl, lines := started(t, Config{})
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zsend := func(s string) []byte {
		z.Reset()
		zw.Write([]byte(s))
		zw.Flush()
		return bytes.Clone(z.Bytes())
	}
	send(t, cl, IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, zsend("north\r\n"))
	expectLine(t, lines, "north", nil)
	for _, cmd := range []string{"look", "get all", "say hello"} {
		send(t, cl, zsend(cmd+"\r\n"))
		expectLine(t, lines, cmd, nil)
	}
	z.Reset()
	zw.Write([]byte("quit"))
	zw.Close()
	send(t, cl, z.Bytes(), "\r\nplain again\r\n")
	expectLine(t, lines, "quit", nil)
	expectLine(t, lines, "plain again", nil)
}

// TestConnMCCP3Unfinished: a client that disconnects without ending its
// stream (tintin does) has its input read to the end, as without
// compression.
func TestConnMCCP3Unfinished(t *testing.T) {
	c, _ := mccp3Conn(seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE,
		zlibStream(t, false, []byte("look\r\nlast words"))))
	got, err := readAll(c)
	if err != io.EOF || !reflect.DeepEqual(got, []string{"look", "last words"}) {
		t.Fatalf("lines %q, %v", got, err)
	}
	// Cut in the middle of a block: the same end.
	z := zlibStream(t, false, []byte(strings.Repeat("look around\r\n", 100)))
	c, _ = mccp3Conn(seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, z[:len(z)/2]))
	if _, err := readAll(c); err != io.EOF {
		t.Fatalf("cut stream: %v", err)
	}
}

// TestConnMCCP3Hostile: garbage or a bomb after SB MCCP3 ends the input
// with an error, with memory bounded; the server says WONT MCCP3.
func TestConnMCCP3Hostile(t *testing.T) {
	start := seq("ok\r\n", IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE)
	good := zlibStream(t, true, []byte("fine\r\n"))
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1
	var dict bytes.Buffer
	zw, _ := zlib.NewWriterLevelDict(&dict, 6, []byte("look"))
	zw.Write([]byte("look\r\n"))
	zw.Close()
	tests := []struct {
		name  string
		after []byte
		lines []string
		err   error
	}{
		{"plain text instead", []byte("look\r\nnorth\r\n"), []string{"ok"}, zlib.ErrHeader},
		{"telnet instead", seq(IAC, WILL, OptNAWS, "x\r\n"), []string{"ok"}, zlib.ErrHeader},
		{"header then junk", seq(0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, "junk\r\n"), []string{"ok"}, nil},
		{"preset dictionary", dict.Bytes(), []string{"ok"}, zlib.ErrDictionary},
		{"bad checksum", badSum, []string{"ok", "fine"}, zlib.ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fc := mccp3Conn(seq(start, tt.after))
			got, err := readAll(c)
			if !reflect.DeepEqual(got, tt.lines) || err == nil || err == io.EOF || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Fatalf("lines %q, %v; want %q, %v", got, err, tt.lines, tt.err)
			}
			if !strings.Contains(err.Error(), "MCCP3") {
				t.Fatalf("error %v does not say MCCP3", err)
			}
			if !bytes.Equal(fc.out.Bytes(), seq(opening, IAC, WONT, OptMCCP3)) {
				t.Fatalf("sent %s", show(fc.out.Bytes()))
			}
			if c.inf != nil {
				t.Fatal("decompressor kept")
			}
		})
	}
}

// TestConnMCCP3Bomb: a stream that expands a thousandfold is stopped by
// the ratio bound, and until then costs no more memory than plain input.
func TestConnMCCP3Bomb(t *testing.T) {
	for _, tt := range []struct {
		name string
		unit []byte
	}{
		{"one endless line", []byte("AAAAAAAAAAAAAAAA")},
		{"empty lines", []byte("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n")},
		{"zeros", make([]byte, 16)},
		{"subnegotiation", seq(IAC, SB, OptGMCP, bytes.Repeat([]byte("x"), 100))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plain := bytes.Repeat(tt.unit, (4<<20)/len(tt.unit)) // 4 MB
			z := zlibStream(t, true, plain)
			t.Logf("%d MB in %d KB", len(plain)>>20, len(z)>>10)
			fc := &fakeConn{chunks: [][]byte{seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE), z}}
			c := NewConn(fc, Config{MaxLine: 256, MaxSubneg: 256})
			c.Start()
			lines := 0
			var err error
			for {
				var s string
				s, err = c.ReadLine()
				if errors.Is(err, ErrLineTooLong) {
					continue
				}
				if err != nil {
					break
				}
				if s != "" {
					t.Fatalf("line %q", s)
				}
				lines++
				if len(c.proto.lines.ready) > readBufferSize {
					t.Fatalf("%d lines queued", len(c.proto.lines.ready))
				}
			}
			if !errors.Is(err, ErrInflateRatio) {
				t.Fatalf("ReadLine = %v, want ErrInflateRatio", err)
			}
			if cap(c.proto.lines.buf) > 256 || cap(c.parser.sb) > 256 {
				t.Fatalf("buffers grew: line %d, subneg %d", cap(c.proto.lines.buf), cap(c.parser.sb))
			}
			if bound := inflateAllowance + maxInflateRatio*len(z); lines > bound {
				t.Fatalf("%d lines from %d compressed bytes", lines, len(z))
			}
		})
	}
}

// TestConnMCCP3ReadDeadline: a timeout between the client's writes is an
// ordinary timeout: reading goes on in the same stream.
func TestConnMCCP3ReadDeadline(t *testing.T) {
	c, cl := tcpPair(t, Config{})
	c.Start()
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, 9)
	zw.Write([]byte("one\r\n"))
	zw.Flush()
	send(t, cl, IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, z.Bytes())
	if s, err := c.ReadLine(); s != "one" || err != nil {
		t.Fatalf("ReadLine = %q, %v", s, err)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.ReadLine()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadLine = %v, want a timeout", err)
	}
	c.SetReadDeadline(time.Time{})
	z.Reset()
	zw.Write([]byte("two\r\n"))
	zw.Flush()
	send(t, cl, z.Bytes())
	if s, err := c.ReadLine(); s != "two" || err != nil {
		t.Fatalf("ReadLine after timeout = %q, %v", s, err)
	}
}

// TestConnMCCPBothWays: compressed both ways at once over a socket, with
// GMCP inside both streams.
func TestConnMCCPBothWays(t *testing.T) {
	var rec gmcpRec
	c, cl, lines := started(t, Config{OnGMCP: rec.on})
	m := startMCCP2(t, c, cl)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(seq(IAC, DO, OptGMCP, IAC, SB, OptGMCP, `Core.Hello {"client":"test"}`, IAC, SE, "look\r\n"))
	zw.Flush()
	send(t, cl, IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, z.Bytes())
	expectLine(t, lines, "look", nil)
	if got := rec.wait(t, 1); got[0].pkg != "Core.Hello" || string(got[0].data) != `{"client":"test"}` {
		t.Fatalf("GMCP %q", got)
	}
	if err := c.SendGMCP("Room.Info", []byte(`{"num":1}`)); err != nil {
		t.Fatal(err)
	}
	m.expectZ(t, AppendGMCP(nil, "Room.Info", []byte(`{"num":1}`)))
}

// TestConnMCCP3BigPaste: one flushed write that inflates to more than the
// read buffer and the zlib window is read whole without waiting for more
// input from the client.
func TestConnMCCP3BigPaste(t *testing.T) {
	var paste bytes.Buffer
	var want []string
	for i := 0; i < 300; i++ {
		l := fmt.Sprintf("say line %d %s", i, strings.Repeat("abcdefghij", 30))
		paste.WriteString(l + "\r\n")
		want = append(want, l)
	}
	z := zlibStream(t, false, paste.Bytes())
	in := seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, z)
	// In memory: after the input comes EOF, which must not cut the lines.
	c, _ := mccp3Conn(in)
	got, err := readAll(c)
	if err != io.EOF || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d lines, %v; want %d", len(got), err, len(want))
	}
	// Over a socket that stays open: every line arrives.
	_, cl, lines := started(t, Config{})
	send(t, cl, in)
	for _, w := range want {
		expectLine(t, lines, w, nil)
	}
}
