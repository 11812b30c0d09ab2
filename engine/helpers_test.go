package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shardmud/data"
	"shardmud/engine/store"
)

// testConfig is a server on a random loopback port with a fresh database.
func testConfig(t testing.TB) Config {
	t.Helper()
	return Config{
		TelnetAddr: "127.0.0.1:0",
		DBPath:     filepath.Join(t.TempDir(), "test.db"),
		World:      data.FS,
		Tick:       20 * time.Millisecond,
		BcryptCost: bcrypt.MinCost,
		Seed:       1,
		Logger:     testLogger(),
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("SHARDMUD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer runs a server until the test ends.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopServer(t, srv) })
	return srv
}

func stopServer(t testing.TB, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// client is a raw telnet client like nc: it answers no negotiation and
// strips telnet commands from what it reads.
type client struct {
	t     testing.TB
	name  string
	conn  net.Conn
	text  bytes.Buffer // unread text
	state int          // telnet command parsing state
	sub   []byte       // the subnegotiation being read
	// ttype, if set, answers the server's TTYPE SEND requests in turn
	// (the MTTS cycle); the last answer repeats.
	ttype []string
	eof   bool
	// gmcp collects the GMCP messages received ("Package.Name json").
	gmcp []string
	// offers are the options the server offered (IAC WILL), in order.
	offers []byte
	verb   byte
}

func dial(t testing.TB, srv *Server, name string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", srv.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, name: name, conn: conn}
}

// login creates or connects a character with one line and waits for the
// room.
func login(t testing.TB, srv *Server, name string) *client {
	t.Helper()
	return enter(t, srv, "create", name)
}

// connect logs in to an existing character with one line.
func connect(t testing.TB, srv *Server, name string) *client {
	t.Helper()
	return enter(t, srv, "connect", name)
}

func enter(t testing.TB, srv *Server, verb, name string) *client {
	t.Helper()
	c := dial(t, srv, name)
	c.send(verb + " " + name + " password1")
	c.expect("Exits:")
	return c
}

func (c *client) send(line string) {
	c.t.Helper()
	c.sendRaw([]byte(line + "\r\n"))
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

// fill reads what has arrived within d into c.text.
func (c *client) fill(d time.Duration) {
	buf := make([]byte, 64<<10)
	c.conn.SetReadDeadline(time.Now().Add(d))
	n, err := c.conn.Read(buf)
	c.strip(buf[:n])
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.eof = true
	}
}

func (c *client) strip(b []byte) {
	const (
		data = iota
		cmd  // after IAC
		opt  // after WILL/WONT/DO/DONT: skip the option byte
		sub  // inside SB ... IAC SE
		subIAC
	)
	for _, x := range b {
		switch c.state {
		case data:
			if x == 255 {
				c.state = cmd
			} else {
				c.text.WriteByte(x)
			}
		case cmd:
			switch {
			case x == 255:
				c.text.WriteByte(x)
				c.state = data
			case x >= 251:
				c.state = opt
				c.verb = x
			case x == 250:
				c.state = sub
			default:
				c.state = data
			}
		case opt:
			c.state = data
			if c.verb == 251 {
				c.offers = append(c.offers, x)
			}
		case sub:
			if x == 255 {
				c.state = subIAC
			} else {
				c.sub = append(c.sub, x)
			}
		case subIAC:
			if x == 240 {
				c.subneg(c.sub)
				c.sub = c.sub[:0]
				c.state = data
			} else {
				c.sub = append(c.sub, x)
				c.state = sub
			}
		}
	}
}

// subneg answers TTYPE SEND (24 1) from c.ttype.
func (c *client) subneg(p []byte) {
	if len(p) > 0 && p[0] == 201 {
		c.gmcp = append(c.gmcp, string(p[1:]))
		return
	}
	if len(c.ttype) == 0 || len(p) != 2 || p[0] != 24 || p[1] != 1 {
		return
	}
	name := c.ttype[0]
	if len(c.ttype) > 1 {
		c.ttype = c.ttype[1:]
	}
	c.conn.Write(append(append([]byte{255, 250, 24, 0}, name...), 255, 240))
}

// expect waits until the unread text contains want, and consumes the text
// up to and including it.
func (c *client) expect(want string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if i := bytes.Index(c.text.Bytes(), []byte(want)); i >= 0 {
			return string(c.text.Next(i + len(want)))
		}
		if c.eof || time.Now().After(deadline) {
			c.t.Fatalf("%s: did not receive %q (eof=%v); got:\n%s", c.name, want, c.eof, c.text.String())
		}
		c.fill(100 * time.Millisecond)
	}
}

// reject checks that nothing containing unwanted arrives within d.
func (c *client) reject(unwanted string, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && !c.eof {
		c.fill(20 * time.Millisecond)
	}
	if strings.Contains(c.text.String(), unwanted) {
		c.t.Fatalf("%s: received %q but should not have; got:\n%s", c.name, unwanted, c.text.String())
	}
}

// expectClosed waits for the server to close the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !c.eof {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: connection still open; got:\n%s", c.name, c.text.String())
		}
		c.fill(100 * time.Millisecond)
	}
}

// checkFor polls cond until it holds or the timeout passes.
func checkFor(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expectGMCP waits for a GMCP message of pkg whose JSON contains want,
// takes it from those received and returns its data.
func (c *client) expectGMCP(pkg, want string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for i, m := range c.gmcp {
			name, data, _ := strings.Cut(m, " ")
			if name == pkg && strings.Contains(data, want) {
				c.gmcp = append(c.gmcp[:i], c.gmcp[i+1:]...)
				return data
			}
		}
		if c.eof || time.Now().After(deadline) {
			c.t.Fatalf("%s: no GMCP %s with %q; got %q", c.name, pkg, want, c.gmcp)
		}
		c.fill(50 * time.Millisecond)
	}
}

// sendGMCP sends a GMCP message to the server.
func (c *client) sendGMCP(msg string) {
	c.t.Helper()
	c.sendRaw(append(append([]byte{255, 250, 201}, msg...), 255, 240))
}

// openReadOnly opens the database at path as reports do, read-only,
// closed when the test ends.
func openReadOnly(t testing.TB, path string) *store.Store {
	t.Helper()
	ro, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}
