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

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	for range 32 << 20 / len(chunk) { // 32 MB, no newline
		alice.sendRaw(chunk)
	}
	alice.sendRaw([]byte("\r\nsay still here\r\n"))
	alice.expect("That line was too long")
	alice.expect(`You say, "still here"`)
	bob.expect(`Alice says, "still here"`)

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 8<<20 {
		t.Errorf("heap grew by %d bytes for one endless line; input must stay bounded", grew)
	}
}

func TestFloodDoesNotStarveOthers(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")

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
}

func TestEveryTelnetCommandPattern(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")

	// Every IAC x y, including subnegotiations that never close until the
	// final IAC SE, and whatever replies they provoke.
	var junk bytes.Buffer
	for x := 0; x < 256; x++ {
		for y := 0; y < 256; y++ {
			junk.Write([]byte{255, byte(x), byte(y)})
		}
	}
	junk.Write([]byte{255, 240, '\r', '\n'})
	go func() {
		alice.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		alice.conn.Write(junk.Bytes())
	}()
	alice.send("say survived")
	alice.expect(`You say, "survived"`)
	bob.expect(`Alice says, "survived"`)
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
}
