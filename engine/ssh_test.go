package engine

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"shardmud/engine/store"
)

func sshConfig(t *testing.T) Config {
	cfg := testConfig(t)
	cfg.SSHAddr = "127.0.0.1:0"
	return cfg
}

// sshClient is a session over a real SSH connection; with pty it asks for
// a terminal of the given width.
type sshClient struct {
	t       *testing.T
	name    string
	client  *gossh.Client
	sess    *gossh.Session
	in      interface{ Write([]byte) (int, error) }
	out     *syncBuffer
	hostKey gossh.PublicKey
}

// syncBuffer collects output from the session's goroutine.
type syncBuffer struct {
	ch  chan []byte
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.ch <- append([]byte(nil), p...)
	return len(p), nil
}

func dialSSH(t *testing.T, srv *Server, user, password string, width int) (*sshClient, error) {
	t.Helper()
	opts := sshOpts{}
	if width > 0 {
		opts = sshOpts{term: "xterm", width: width, height: 24}
	}
	return dialSSHWith(t, srv, user, password, opts)
}

// sshOpts are a test client's terminal (no PTY if term is "") and, if
// conn is set, the connection to run SSH over.
type sshOpts struct {
	term          string
	width, height int
	conn          net.Conn
}

func dialSSHWith(t *testing.T, srv *Server, user, password string, o sshOpts) (*sshClient, error) {
	t.Helper()
	c := &sshClient{t: t, name: user, out: &syncBuffer{ch: make(chan []byte, 1024)}}
	cfg := &gossh.ClientConfig{
		User: user,
		Auth: []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: func(_ string, _ net.Addr, key gossh.PublicKey) error {
			c.hostKey = key
			return nil
		},
		Timeout: 10 * time.Second,
	}
	addr := srv.SSHAddr().String()
	conn := o.conn
	if conn == nil {
		var err error
		if conn, err = net.DialTimeout("tcp", addr, 10*time.Second); err != nil {
			return nil, err
		}
	}
	t.Cleanup(func() { conn.Close() })
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return nil, err
	}
	client := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	if o.term != "" {
		if err := sess.RequestPty(o.term, o.height, o.width, gossh.TerminalModes{}); err != nil {
			return nil, err
		}
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	sess.Stdout = c.out
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	c.client, c.sess, c.in = client, sess, in
	return c, nil
}

func (c *sshClient) send(line string) {
	c.t.Helper()
	if _, err := c.in.Write([]byte(line + "\r")); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

func (c *sshClient) expect(want string) string {
	c.t.Helper()
	got, err := c.waitFor(want)
	if err != nil {
		c.t.Fatal(err)
	}
	return got
}

// waitFor is expect for goroutines other than the test's: it returns an
// error rather than failing the test.
func (c *sshClient) waitFor(want string) (string, error) {
	deadline := time.After(10 * time.Second)
	for {
		if i := bytes.Index(c.out.buf.Bytes(), []byte(want)); i >= 0 {
			return string(c.out.buf.Next(i + len(want))), nil
		}
		select {
		case p := <-c.out.ch:
			c.out.buf.Write(p)
		case <-deadline:
			return "", fmt.Errorf("%s: did not receive %q; got:\n%s", c.name, want, c.out.buf.String())
		}
	}
}

func TestSSHPasswordLoginAndTelnetTogether(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	alice := login(t, srv, "alice") // over telnet
	alice.send("quit")
	alice.expectClosed()
	bob := login(t, srv, "bob")

	a, err := dialSSH(t, srv, "alice", "password1", 60)
	if err != nil {
		t.Fatal(err)
	}
	a.expect("Welcome back, Alice.")
	a.expect("Exits:")
	bob.expect("Alice has entered the game.")
	a.send("say hello over ssh")
	a.expect(`You say, "hello over ssh"`)
	bob.expect(`Alice says, "hello over ssh"`)
	bob.send("say hello over telnet")
	a.expect(`Bob says, "hello over telnet"`)

	// The window width applies to word-wrap.
	a.send("look")
	room := a.expect("Exits:")
	for _, line := range strings.Split(room, "\r\n") {
		if w := len([]rune(ansi.ReplaceAllString(line, ""))); w > 60 {
			t.Errorf("line of %d columns for a 60-column terminal: %q", w, line)
		}
	}
}

func TestSSHRefusals(t *testing.T) {
	cfg := sshConfig(t)
	cfg.FailedLoginsPerAccount = 2
	srv := startServer(t, cfg)
	login(t, srv, "alice").send("quit")

	if _, err := dialSSH(t, srv, "nobody", "password1", 0); err == nil {
		t.Fatal("an unknown user logged in")
	}
	if _, err := dialSSH(t, srv, "alice", "wrongpass", 0); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if _, err := dialSSH(t, srv, "alice", "wrongpass", 0); err == nil {
		t.Fatal("a wrong password logged in")
	}
	// Now the account is rate-limited: even the right password waits.
	if _, err := dialSSH(t, srv, "alice", "password1", 0); err == nil {
		t.Fatal("logged in past the rate limit")
	}
}

func TestSSHNewUserAndLineMode(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	// Without a PTY, input is plain lines: what scripts pipe in.
	c, err := dialSSH(t, srv, "new", "anything", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("Name: ")
	c.send("create carol longenough")
	c.expect("Welcome, Carol!")
	c.expect("Exits:")
	c.send(strings.Repeat("x", 10_000)) // hostile: over the line limit
	c.expect("too long")
	c.send("say still here")
	c.expect(`You say, "still here"`)
	c.send("quit")
	c.expect("Goodbye, Carol.")

	// A script pipes its commands and closes its input at once: every
	// answer still arrives before the session ends.
	c2, err := dialSSH(t, srv, "carol", "longenough", 0)
	if err != nil {
		t.Fatal(err)
	}
	c2.send("say piped one")
	c2.send("say piped two")
	c2.in.(interface{ Close() error }).Close()
	c2.expect(`You say, "piped one"`)
	c2.expect(`You say, "piped two"`)
}

// "new" needs no credentials at all; anyone else does.
func TestSSHNewNeedsNoPassword(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	none := func(user string) (*gossh.Client, error) {
		return gossh.Dial("tcp", srv.SSHAddr().String(), &gossh.ClientConfig{
			User: user, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
	}
	client, err := none("new")
	if err != nil {
		t.Fatalf("new without credentials: %v", err)
	}
	client.Close()
	login(t, srv, "alice").send("quit")
	if _, err := none("alice"); err == nil {
		t.Fatal("alice logged in without credentials")
	}
}

func TestSSHHostKeyKeptAcrossRestart(t *testing.T) {
	cfg := sshConfig(t)
	cfg.SSHHostKey = filepath.Join(t.TempDir(), "host_key")
	srv := startServer(t, cfg)
	c, err := dialSSH(t, srv, "new", "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	first := c.hostKey.Marshal()
	c.client.Close()
	stopServer(t, srv)

	srv = startServer(t, cfg)
	c, err = dialSSH(t, srv, "new", "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, c.hostKey.Marshal()) {
		t.Fatal("the host key changed across a restart")
	}
}

func TestSSHManyConnections(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	before := runtime.NumGoroutine()
	for i := range 20 {
		c, err := dialSSH(t, srv, "new", "x", 0)
		if err != nil {
			t.Fatal(err)
		}
		c.expect("Name: ")
		c.client.Close()
		_ = i
	}
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 0 {
			return fmt.Errorf("%d sessions left after every client closed", n)
		}
		// Teardown is clean on the server's side: no goroutine per
		// closed connection is left behind.
		if n := runtime.NumGoroutine(); n > before+2 {
			return fmt.Errorf("%d goroutines, %d before 20 connections came and went", n, before)
		}
		return nil
	})
}

func TestSSHPublicKeyLogin(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " alice@laptop"

	alice := login(t, srv, "alice")
	alice.send("sshkey list")
	alice.expect("You have no SSH keys.")
	alice.send("sshkey add not-a-key")
	alice.expect("That is not a public key line")
	alice.send("sshkey add " + line)
	alice.expect("Key added (SHA256:")
	alice.send("sshkey add " + line)
	alice.expect("That key is already registered.")
	alice.send("sshkey list")
	alice.expect("1. SHA256:")
	alice.expect("alice@laptop")

	keyLogin := func(user string) (*gossh.Client, error) {
		return gossh.Dial("tcp", srv.SSHAddr().String(), &gossh.ClientConfig{
			User:            user,
			Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(),
			Timeout:         10 * time.Second,
		})
	}
	client, err := keyLogin("alice")
	if err != nil {
		t.Fatalf("key login: %v", err)
	}
	sess, _ := client.NewSession()
	out := &syncBuffer{ch: make(chan []byte, 1024)}
	sess.Stdout = out
	in, _ := sess.StdinPipe()
	sess.Shell()
	c := &sshClient{t: t, name: "alice-key", client: client, sess: sess, in: in, out: out}
	c.expect("Exits:")
	alice.expect("taken over by a new connection") // the key login took over the telnet body
	client.Close()

	if _, err := keyLogin("bob"); err == nil {
		t.Fatal("alice's key logged in as someone else")
	}
	alice2 := dial(t, srv, "alice2")
	alice2.send("connect alice password1")
	alice2.expect("Exits:")
	alice2.send("sshkey remove 1")
	alice2.expect("Key 1 removed.")
	if _, err := keyLogin("alice"); err == nil {
		t.Fatal("a removed key still logs in")
	}
}

func TestSSHWindowChangeAndHostileInput(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	login(t, srv, "alice").send("quit")
	c, err := dialSSH(t, srv, "alice", "password1", 100)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("Exits:")
	if err := c.sess.WindowChange(24, 40); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		c.send("look")
		room := c.expect("Exits:")
		for _, line := range strings.Split(room, "\r\n") {
			if w := len([]rune(ansi.ReplaceAllString(line, ""))); w > 40 {
				return fmt.Errorf("line of %d columns after a change to 40: %q", w, line)
			}
		}
		return nil
	})
	// Binary junk, escape sequences and control keys through another
	// client's line editor: whatever state that leaves its session in,
	// the server and everyone else carry on, and closing it cleans up.
	junk := make([]byte, 0, 8192)
	for i := range 8192 {
		junk = append(junk, byte(i*7+i/256))
	}
	j, err := dialSSH(t, srv, "new", "x", 80)
	if err != nil {
		t.Fatal(err)
	}
	j.expect("Name: ")
	j.in.Write(junk)
	// The same junk typed into a logged-in session: it stays usable (Ctrl-D
	// left out: on an empty line it is the user's own way to leave).
	c.in.Write(bytes.ReplaceAll(junk, []byte{4}, nil))
	c.send("")
	c.send("say after junk")
	c.expect(`You say, "after junk"`)
	j.client.Close()
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 1 {
			return fmt.Errorf("%d sessions after the junk client left, want 1", n)
		}
		return nil
	})
}

func TestSSHManyChannelsOnOneConnection(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	login(t, srv, "alice").send("quit")
	c, err := dialSSH(t, srv, "alice", "password1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("Exits:")
	// More sessions on the same connection: each is a login of the same
	// character, so each takes the body over; the server stays well.
	for range 10 {
		s, err := c.client.NewSession()
		if err != nil {
			break // the server may refuse more channels: that is fine too
		}
		s.Shell()
	}
	bob := login(t, srv, "bob")
	bob.send("say still serving")
	bob.expect(`You say, "still serving"`)
	c.client.Close()
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 1 {
			return fmt.Errorf("%d sessions, want only Bob's", n)
		}
		return nil
	})
}

// stallConn is a client's TCP connection that stops reading once stall is
// closed: the whole SSH client hangs, as a frozen one does, and what the
// server sends piles up in the socket buffers.
type stallConn struct {
	net.Conn
	stall chan struct{}
	gone  chan struct{}
}

func (c *stallConn) Read(p []byte) (int, error) {
	select {
	case <-c.stall:
		<-c.gone
		return 0, net.ErrClosed
	default:
	}
	return c.Conn.Read(p)
}

// dialSmallWindow connects to addr with a tiny receive buffer, so the
// server's writes back up quickly once the client stops reading.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
		})
		return serr
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestSSHClientThatReadsNothing(t *testing.T) {
	cfg := sshConfig(t)
	cfg.Tick = 5 * time.Millisecond // run Bob's chatter quickly
	srv := startServer(t, cfg)
	login(t, srv, "sleeper").send("quit")

	sc := &stallConn{Conn: dialSmallWindow(t, srv.SSHAddr().String()), stall: make(chan struct{}), gone: make(chan struct{})}
	t.Cleanup(func() { close(sc.gone) })
	sleeper, err := dialSSHWith(t, srv, "sleeper", "password1", sshOpts{term: "xterm", width: 80, height: 24, conn: sc})
	if err != nil {
		t.Fatal(err)
	}
	sleeper.expect("Exits:")
	close(sc.stall)

	bob := login(t, srv, "bob")
	long := strings.Repeat("blah ", 700)
	for i := 0; srv.Stats().SlowConsumers == 0; i++ {
		if i > 5000 {
			t.Fatal("the server never gave up on an SSH client that reads nothing")
		}
		bob.send("chat " + long)
		bob.expect("You chat") // Bob reads; only the sleeper falls behind
	}
	// Gone like a telnet client would be: link-dead, not in who's list
	// of connected players, and the others carry on.
	bob.expect("Sleeper has lost their link.")
	bob.send("look")
	bob.expect("Sleeper is here, staring blankly (link-dead).")
	bob.send("say still fine")
	bob.expect(`You say, "still fine"`)
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 1 {
			return fmt.Errorf("%d sessions, want only Bob's", n)
		}
		return nil
	})

	// And shutdown does not wait for it.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown hangs on an SSH client that reads nothing")
	}
}

func TestSSHLoginTimeout(t *testing.T) {
	cfg := sshConfig(t)
	cfg.LoginTimeout = 300 * time.Millisecond
	srv := startServer(t, cfg)
	login(t, srv, "alice").send("quit")
	addr := srv.SSHAddr().String()

	// A connection that never starts the handshake is closed.
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, raw); err != nil {
		t.Fatalf("the server held a connection that never did the handshake: %v", err)
	}

	// One that authenticates and never opens a session is closed too.
	cc, chans, reqs, err := gossh.NewClientConn(mustDial(t, addr), addr, &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.Password("password1")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	idle := gossh.NewClient(cc, chans, reqs)
	defer idle.Close()
	closed := make(chan error, 1)
	go func() { closed <- idle.Wait() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the server held an authenticated connection that never opened a session")
	}

	// Once a session is open, the login deadline no longer applies.
	a, err := dialSSH(t, srv, "alice", "password1", 0)
	if err != nil {
		t.Fatal(err)
	}
	a.expect("Exits:")
	for start := time.Now(); time.Since(start) < 3*cfg.LoginTimeout; {
		a.send("say still here")
		a.expect(`You say, "still here"`)
	}
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestSSHBannedAddressCostsNoHash(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	login(t, srv, "alice").send("quit")
	srv.bans.put(store.Ban{Kind: "addr", Target: "127.0.0.0/8", Reason: "testing", Created: time.Now()})

	hashes, failures := srv.stats.hashes.Load(), srv.stats.loginFailures.Load()
	for _, user := range []string{"alice", "new"} {
		var banner string
		_, err := gossh.Dial("tcp", srv.SSHAddr().String(), &gossh.ClientConfig{
			User: user, Auth: []gossh.AuthMethod{gossh.Password("password1")},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
			BannerCallback: func(msg string) error { banner += msg; return nil },
		})
		if err == nil {
			t.Fatalf("%s logged in from a banned address", user)
		}
		if !strings.Contains(banner, "You are banned from this server: testing") {
			t.Errorf("%s: the banner does not say why: %q", user, banner)
		}
	}
	if n := srv.stats.hashes.Load(); n != hashes {
		t.Errorf("%d password hashes for a banned address", n-hashes)
	}
	if n := srv.stats.loginFailures.Load(); n != failures {
		t.Errorf("%d failed logins counted for a banned address", n-failures)
	}
}

func TestSSHFailedLoginsPerAddress(t *testing.T) {
	cfg := sshConfig(t)
	cfg.FailedLoginsPerAddr = 3
	srv := startServer(t, cfg)
	login(t, srv, "dave").send("quit")
	// Wrong passwords for different names from one address: the address
	// limit, not any account's, is what they reach.
	for _, name := range []string{"alice", "bob", "carol"} {
		if _, err := dialSSH(t, srv, name, "wrongpass", 0); err == nil {
			t.Fatalf("%s logged in with a wrong password", name)
		}
	}
	if _, err := dialSSH(t, srv, "dave", "password1", 0); err == nil {
		t.Fatal("logged in from an address past its failed-login limit")
	}
}

func TestSSHLinkDeadReconnect(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	login(t, srv, "alice").send("quit")
	bob := login(t, srv, "bob")
	a, err := dialSSH(t, srv, "alice", "password1", 80)
	if err != nil {
		t.Fatal(err)
	}
	a.expect("Exits:")
	a.send("get stick")
	a.expect("You get")
	a.client.Close() // the connection drops, no quit
	bob.expect("Alice has lost their link.")
	bob.send("look")
	bob.expect("Alice is here, staring blankly (link-dead).")

	a2, err := dialSSH(t, srv, "alice", "password1", 80)
	if err != nil {
		t.Fatal(err)
	}
	a2.expect("Reconnecting. Welcome back!")
	bob.expect("Alice has reconnected.")
	a2.send("inventory")
	a2.expect("stick") // the same body, with what it carried
}

func TestSSHPTYSessionsLeaveNoGoroutines(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	names := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	for _, n := range names {
		login(t, srv, n).send("quit")
	}
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 0 {
			return fmt.Errorf("%d sessions after the telnet logins", n)
		}
		return nil
	})
	before := runtime.NumGoroutine()
	for i, n := range names {
		c, err := dialSSH(t, srv, n, "password1", 80)
		if err != nil {
			t.Fatal(err)
		}
		c.expect("Exits:")
		c.send("say hello")
		c.expect(`You say, "hello"`)
		c.sess.WindowChange(30, 100)
		if i%2 == 0 {
			c.send("quit") // half leave politely, half drop
			c.expect("Goodbye")
		}
		c.client.Close()
	}
	checkFor(t, 10*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 0 {
			return fmt.Errorf("%d sessions left after every client closed", n)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			return fmt.Errorf("%d goroutines, %d before %d PTY sessions came and went", n, before, len(names))
		}
		return nil
	})
}

func TestSSHManyAtOnce(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	before := runtime.NumGoroutine()
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- func() error {
				c, err := dialSSHWith(t, srv, "new", "x", sshOpts{term: "xterm", width: 80, height: 24})
				if err != nil {
					return err
				}
				defer c.client.Close()
				name := "bot" + string(rune('a'+i/26)) + string(rune('a'+i%26))
				if _, err := c.waitFor("Name: "); err != nil {
					return err
				}
				c.in.Write([]byte("create " + name + " password1\r"))
				if _, err := c.waitFor("Exits:"); err != nil {
					return err
				}
				c.in.Write([]byte("say hi\r"))
				if _, err := c.waitFor(`You say, "hi"`); err != nil {
					return err
				}
				c.in.Write([]byte("quit\r"))
				_, err = c.waitFor("Goodbye")
				return err
			}()
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	checkFor(t, 20*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 0 {
			return fmt.Errorf("%d sessions left after every client closed", n)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			return fmt.Errorf("%d goroutines, %d before %d connections came and went", n, before, n)
		}
		return nil
	})
}

func TestSSHUsersShowsTermAndWindow(t *testing.T) {
	cfg := sshConfig(t)
	cfg.Admin = "alice"
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	login(t, srv, "bob").send("quit")
	b, err := dialSSHWith(t, srv, "bob", "password1", sshOpts{term: "xterm-256color", width: 100, height: 30})
	if err != nil {
		t.Fatal(err)
	}
	b.expect("Exits:")
	alice.send("users")
	out := alice.expect("connection(s).")
	var row string
	for _, line := range strings.Split(out, "\r\n") {
		if strings.HasPrefix(line, "Bob ") {
			row = line
		}
	}
	for _, want := range []string{" ssh ", "ssh xterm-256color", "100x30", "127.0.0.1:"} {
		if !strings.Contains(row, want) {
			t.Errorf("Bob's users row lacks %q:\n%s", want, out)
		}
	}
	if err := b.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() error {
		alice.send("users")
		if out := alice.expect("connection(s)."); !strings.Contains(out, "120x40") {
			return fmt.Errorf("users does not show the new window 120x40:\n%s", out)
		}
		return nil
	})
}

// A script pipes commands and closes its input: answers that come from
// off the loop (sshkey's, after a database call) still arrive, before the
// farewell of a quit that follows them.
func TestPipedRepliesBeforeQuit(t *testing.T) {
	srv := startServer(t, sshConfig(t))
	login(t, srv, "alice").send("quit")

	c, err := dialSSH(t, srv, "alice", "password1", 0) // ssh -T
	if err != nil {
		t.Fatal(err)
	}
	c.in.Write([]byte("sshkey list\nsay x\nquit\n"))
	c.in.(interface{ Close() error }).Close()
	// say answers at once, sshkey after its database call: only the
	// farewell must come after both.
	out := c.expect("Goodbye, Alice.")
	for _, want := range []string{"You have no SSH keys.", `You say, "x"`} {
		if !strings.Contains(out, want) {
			t.Errorf("ssh -T: %q did not come before the farewell:\n%s", want, out)
		}
	}

	// End of input with no quit waits for the answer too.
	c, err = dialSSH(t, srv, "alice", "password1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("Exits:")
	c.in.Write([]byte("sshkey list\n"))
	c.in.(interface{ Close() error }).Close()
	c.expect("You have no SSH keys.")

	// The same over telnet.
	tc := dial(t, srv, "alice-telnet")
	// save is a staff command that answers off the loop too (alice is
	// the first character: an admin), through the same mechanism.
	tc.sendRaw([]byte("connect alice password1\r\nsshkey list\r\nsave\r\nsay y\r\nquit\r\n"))
	tc.conn.(*net.TCPConn).CloseWrite()
	out = tc.expect("Goodbye, Alice.")
	for _, want := range []string{"You have no SSH keys.", "Saved", `You say, "y"`} {
		if !strings.Contains(out, want) {
			t.Errorf("telnet: %q did not come before the farewell:\n%s", want, out)
		}
	}
}
