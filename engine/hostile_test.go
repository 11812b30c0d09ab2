package engine

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

func TestHugeLineWithoutNewline(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")

	before := heapInUse()
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	for range 32 << 20 / len(chunk) { // 32 MB, no newline
		alice.sendRaw(chunk)
	}
	alice.sendRaw([]byte("\r\nsay still here\r\n"))
	alice.expect("That line was too long")
	alice.expect(`You say, "still here"`)
	bob.expect(`Alice says, "still here"`)

	checkHeap(t, before, 8<<20, "one endless line")
}

func TestFloodDoesNotStarveOthers(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	before := heapInUse()

	flood := []byte(strings.Repeat("xyzzy\r\n", 10_000))
	done := make(chan error, 1)
	go func() {
		alice.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := alice.conn.Write(flood)
		done <- err
	}()
	// Drain Alice's output so she is a fast reader, not a slow consumer.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			alice.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			alice.conn.Read(buf)
		}
	}()
	time.Sleep(100 * time.Millisecond) // the flood is under way
	for i := range 5 {
		bob.send(fmt.Sprintf("say ping %d", i))
		bob.expect(fmt.Sprintf(`You say, "ping %d"`, i))
	}
	if c := srv.Stats().Commands; c >= 10_000 {
		t.Fatalf("the whole flood (%d commands) ran before Bob's; want Bob served during it", c)
	}
	if err := <-done; err != nil {
		t.Fatalf("alice's flood: %v", err)
	}
	// The flood is in: whatever of it waits must be bounded by the session's
	// queue, not held whole.
	checkHeap(t, before, 8<<20, "a 10,000-line flood")
}

// Every IAC x y, one group of 256 per command byte x, in order on one
// connection. After each group a line must still be understood: a parser
// that lost its place (a subnegotiation never closed, a command eating the
// next line) fails at the group that broke it, not somewhere later.
func TestEveryTelnetCommandPattern(t *testing.T) {
	cfg := testConfig(t)
	cfg.Tick = 5 * time.Millisecond // the junk lines wait their turn per tick
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	before := heapInUse()

	const (
		iac, se, sb, do = 255, 240, 250, 253
		mccp2, mccp3    = 86, 87
	)
	for x := 0; x < 256; x++ {
		var junk bytes.Buffer
		for y := 0; y < 256; y++ {
			switch {
			case x == do && y == mccp2:
				// A real request to compress what we are sent: granted, and
				// then this nc-like client could not read the answers.
				continue
			case x == sb && y == mccp3:
				// Starts a compressed input stream: what follows would be
				// read as zlib, by design.
				continue
			}
			junk.Write([]byte{iac, byte(x), byte(y)})
			if x == sb {
				// Close it, twice over: once if y was taken as the option,
				// and once more if y == IAC made the first IAC SE data. A
				// spare IAC SE outside a subnegotiation is a no-op.
				junk.Write([]byte{iac, se, iac, se})
			}
		}
		// End whatever partial line the data bytes among the junk (IAC NOP
		// y: y is data) left, then the line that must be answered.
		fmt.Fprintf(&junk, "\r\nsay after %d\r\n", x)
		alice.sendRaw(junk.Bytes())
		alice.expect(fmt.Sprintf(`You say, "after %d"`, x))
		bob.expect(fmt.Sprintf(`Alice says, "after %d"`, x))
	}
	bob.send("say and me")
	bob.expect(`You say, "and me"`)
	alice.expect(`Bob says, "and me"`)
	checkHeap(t, before, 8<<20, "every telnet command pattern")
}

func TestInvalidUTF8(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.sendRaw([]byte("say bad \xc3\x28 \xe2\x82 \x80 bytes\x00\x07\r\n"))
	got := bob.expect("bytes\"")
	if !utf8.ValidString(got) {
		t.Fatalf("invalid UTF-8 relayed to another player: %q", got)
	}
	if strings.ContainsAny(got, "\x00\x07") {
		t.Fatalf("control characters relayed: %q", got)
	}
}

func TestClientThatReadsNothing(t *testing.T) {
	cfg := testConfig(t)
	cfg.Tick = 5 * time.Millisecond // run Bob's chatter quickly
	srv := startServer(t, cfg)
	// A tiny receive window, so the server's writes back up quickly.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
		})
		return serr
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", srv.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sleeper := &client{t: t, name: "sleeper", conn: conn}
	sleeper.send("create sleeper password1")
	sleeper.expect("Exits:")

	bob := login(t, srv, "bob")
	before := heapInUse()
	long := strings.Repeat("blah ", 700)
	for i := 0; srv.Stats().SlowConsumers == 0; i++ {
		if i > 5000 {
			t.Fatal("the server never gave up on a client that reads nothing")
		}
		bob.send("chat " + long)
		bob.expect("You chat") // Bob reads; only the sleeper falls behind
	}
	bob.expect("Sleeper has lost their link.")
	// What the sleeper's outbox held when it overflowed is counted as
	// dropped, apart from the disconnect.
	if st := srv.Stats(); st.OutboxDrops == 0 || st.SlowConsumers != 1 {
		t.Errorf("outbox drops %d, slow consumers %d; want some drops and one disconnect", st.OutboxDrops, st.SlowConsumers)
	}
	bob.send("say still fine")
	bob.expect(`You say, "still fine"`)
	// The sleeper's outbox is dropped with it, not kept for a reader that
	// never comes.
	checkHeap(t, before, 8<<20, "a client that reads nothing")
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// checkHeap fails if the live heap grew by more than limit since before.
// The bound is generous (other tests' servers in this process shut down
// meanwhile, buffers are pooled): it catches input kept without bound,
// which grows by the size of the flood, not by noise.
func checkHeap(t *testing.T, before uint64, limit int64, what string) {
	t.Helper()
	if grew := int64(heapInUse()) - int64(before); grew > limit {
		t.Errorf("heap grew by %d bytes after %s (limit %d); input must stay bounded", grew, what, limit)
	}
}
