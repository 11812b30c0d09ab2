package engine

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
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
