package engine

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"

	"shardmud/world"
	"shardmud/world/markup"
)

// sshUserNew is the SSH user name that opens the character creation
// dialogue instead of logging in.
const sshUserNew = "new"

type ctxKey string

// recKey holds the character an SSH connection authenticated as.
const recKey ctxKey = "shardmud-character"

// startSSH serves the game over SSH on addr. Authentication happens in
// the SSH handshake (the user name is the character), with the same rate
// limits as telnet; the user "new" gets the creation dialogue.
func (s *Server) startSSH(addr, keyPath string) error {
	signer, err := loadHostKey(keyPath)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ssh listen: %w", err)
	}
	srv := &ssh.Server{
		Handler:          s.serveSSH,
		PasswordHandler:  s.sshPassword,
		PublicKeyHandler: s.sshPublicKey,
		ConnCallback:     s.sshConnOpened,
		// "new" needs no credentials: ssh -p 4022 new@host goes straight
		// to the creation dialogue, without a password prompt.
		ServerConfigCallback: func(ssh.Context) *gossh.ServerConfig {
			return &gossh.ServerConfig{
				NoClientAuth: true,
				NoClientAuthCallback: func(m gossh.ConnMetadata) (*gossh.Permissions, error) {
					if _, banned := s.bans.match("", m.RemoteAddr().String(), time.Now()); banned {
						return nil, errBannedAddr
					}
					if strings.EqualFold(m.User(), sshUserNew) {
						return nil, nil
					}
					return nil, errors.New("authenticate as your character")
				},
				// A banned address is told why before any credentials
				// are asked for (and none is ever checked).
				BannerCallback: func(m gossh.ConnMetadata) string {
					if b, banned := s.bans.match("", m.RemoteAddr().String(), time.Now()); banned {
						return banMessage(b) + "\r\n"
					}
					return ""
				},
			}
		},
		HostSigners: []ssh.Signer{signer},
		Version:     "shardmud",
		IdleTimeout: 0,
	}
	s.ssh = srv
	s.sshAddr = ln.Addr()
	s.listeners = append(s.listeners, ln)
	s.log.Info("ssh listening", "addr", ln.Addr().String(), "host_key", keyPath)
	s.accepts.Add(1)
	go func() {
		defer s.accepts.Done()
		srv.Serve(ln)
	}()
	return nil
}

// errBannedAddr refuses authentication from a banned address.
var errBannedAddr = errors.New("banned address")

// connKey holds the connection's *sshConn.
const connKey ctxKey = "shardmud-conn"

// sshConn is an SSH connection's TCP side, with our deadlines. gliderlabs
// calls SetDeadline on every read and write (to apply its idle timeout,
// here none, so it would clear ours): that is a no-op here. Every write
// has WriteTimeout, and reads have the login deadline from accept until a
// session channel starts, so a client that never finishes the handshake,
// or never opens a session, is not held forever.
type sshConn struct{ net.Conn }

func (c *sshConn) SetDeadline(time.Time) error { return nil }

func (c *sshConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(WriteTimeout))
	return c.Conn.Write(p)
}

// sshConnOpened wraps each accepted connection before its handshake.
func (s *Server) sshConnOpened(ctx ssh.Context, nc net.Conn) net.Conn {
	c := &sshConn{Conn: nc}
	nc.SetReadDeadline(time.Now().Add(s.cfg.LoginTimeout))
	ctx.SetValue(connKey, c)
	return c
}

// SSHAddr is the SSH listener's address, nil if disabled.
func (s *Server) SSHAddr() net.Addr { return s.sshAddr }

// loadHostKey reads the host key at path, creating an ed25519 key there on
// first start, so clients never see the key change.
func loadHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, fmt.Errorf("ssh host key: %w", gerr)
		}
		block, merr := gossh.MarshalPrivateKey(priv, "shardmud host key")
		if merr != nil {
			return nil, fmt.Errorf("ssh host key: %w", merr)
		}
		data = pem.EncodeToMemory(block)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("ssh host key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return signer, nil
}

func (s *Server) sshPassword(ctx ssh.Context, pw string) bool {
	// A banned address costs no password check (bcrypt is the expensive
	// part of a login) and no failed-login count.
	if _, banned := s.bans.match("", ctx.RemoteAddr().String(), time.Now()); banned {
		return false
	}
	if strings.EqualFold(ctx.User(), sshUserNew) {
		return true
	}
	if name, owner := s.ownerElsewhere(ctx.User()); owner != "" {
		// A character of another shard, never here: that shard checks,
		// and the session attaches to it (run finds where it lives).
		if s.checkElsewhere(ctx.RemoteAddr().String(), name, pw, owner) != nil {
			return false
		}
		ctx.SetValue(recKey, world.PlayerRecord{Name: name})
		return true
	}
	rec, err := s.authenticate(ctx.RemoteAddr().String(), ctx.User(), pw)
	if err != nil {
		return false
	}
	ctx.SetValue(recKey, rec)
	return true
}

// serveSSH runs one SSH session as a game session, on the handler's
// goroutine (the session ends when it returns).
func (s *Server) serveSSH(sess ssh.Session) {
	conn, _ := sess.Context().Value(connKey).(*sshConn)
	if conn == nil {
		return // not accepted by startSSH's listener
	}
	// A session is open: from here the login dialogue's own deadline and
	// then the link-dead rules apply, not the handshake's.
	conn.Conn.SetReadDeadline(time.Time{})
	var pre *world.PlayerRecord
	if rec, ok := sess.Context().Value(recKey).(world.PlayerRecord); ok {
		pre = &rec
	} else if !strings.EqualFold(sess.User(), sshUserNew) {
		fmt.Fprintln(sess, "Not logged in.")
		return
	}
	d := newSSHDoor(sess, conn)
	s.serveSync(d, pre)
	d.ended()
}

// sshDoor adapts an SSH session. With a PTY the client sends raw
// keystrokes, so the door echoes and edits them itself; without one, input
// comes as lines (printf 'say hi\nquit\n' | ssh -T ...). A small editor of
// our own rather than x/term's: that one wedged on binary junk in testing,
// and a hostile client must not be able to leave its session stuck.
type sshDoor struct {
	sess   ssh.Session
	conn   *sshConn // the TCP connection under the channel
	pty    bool
	term   string // TERM from the PTY request
	in     *bufio.Reader
	wmu    sync.Mutex // echo and output share the channel
	width  atomic.Int32
	height atomic.Int32
	color  markup.Level
	hidden atomic.Bool
	once   sync.Once

	// closed: no more writes. writing: one is under way, perhaps stuck
	// waiting for a client that stopped reading (for SSH window space or
	// for TCP), which nothing but cutting the connection ends.
	closed  atomic.Bool
	writing atomic.Bool
	wtimer  *time.Timer // under wmu: cuts the connection if a write outlasts WriteTimeout
	grace   *time.Timer // set by Close: cuts the connection if the client ignores the close

	afterCR  bool        // a CR ended the last line; skip its LF
	dmu      sync.Mutex  // not wmu: a stuck writer must not hold up the deadline
	deadline *time.Timer // closes the session if the login dialogue lingers
}

func newSSHDoor(sess ssh.Session, conn *sshConn) *sshDoor {
	d := &sshDoor{sess: sess, conn: conn, in: bufio.NewReaderSize(sess, 512)}
	pty, winch, isPty := sess.Pty()
	if !isPty {
		return d
	}
	d.pty = true
	d.term = pty.Term
	d.width.Store(int32(pty.Window.Width))
	d.height.Store(int32(pty.Window.Height))
	d.color = colorForTerm(pty.Term)
	go func() { // ends when the session closes winch
		for w := range winch {
			d.width.Store(int32(w.Width))
			d.height.Store(int32(w.Height))
		}
	}()
	return d
}

// colorForTerm guesses colour depth from the TERM a PTY request names.
func colorForTerm(t string) markup.Level {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "truecolor") || strings.Contains(t, "direct"):
		return markup.TrueColor
	case strings.Contains(t, "256"):
		return markup.ANSI256
	case t == "" || t == "dumb":
		return markup.None
	}
	return markup.ANSI16
}

// ReadLine reads one line. CR LF, bare CR and bare LF end it; a line over
// MaxLineBytes is discarded up to its end. With a PTY, typed characters
// are echoed (unless input is hidden), backspace and DEL erase, Ctrl-U and
// Ctrl-C drop the line, Ctrl-D on an empty line ends the session, and
// escape sequences (arrow keys...) are skipped.
func (d *sshDoor) ReadLine() (string, error) {
	var buf []byte
	tooLong := false
	for {
		b, err := d.in.ReadByte()
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) && !d.pty {
				return clean(string(buf)), nil
			}
			return "", err
		}
		if b == '\n' && d.afterCR {
			d.afterCR = false
			continue
		}
		d.afterCR = b == '\r'
		switch {
		case b == '\r' || b == '\n':
			d.echo("\r\n")
			if tooLong {
				return "", errLineTooLong
			}
			return clean(string(buf)), nil
		case !d.pty:
		case b == 0x7f || b == 0x08: // erase the last character
			if n := lastRuneStart(buf); n < len(buf) {
				buf = buf[:n]
				d.echo("\b \b")
			}
			continue
		case b == 0x15 || b == 0x03: // Ctrl-U, Ctrl-C: drop the line
			buf, tooLong = buf[:0], false
			d.echo("^C\r\n")
			continue
		case b == 0x04: // Ctrl-D
			if len(buf) == 0 {
				return "", io.EOF
			}
			continue
		case b == 0x1b: // an escape sequence
			d.skipEscape()
			continue
		case b < 0x20:
			continue
		}
		if len(buf) >= MaxLineBytes {
			tooLong = true
			continue
		}
		buf = append(buf, b)
		if !d.pty {
			continue
		}
		if start := lastRuneStart(buf); b < 0x80 || utf8.FullRune(buf[start:]) {
			d.echo(string(buf[start:]))
		}
	}
}

// skipEscape consumes the rest of an escape sequence: ESC [ or ESC O, then
// parameters, then a final byte in @..~ (bounded, so junk cannot hold it).
func (d *sshDoor) skipEscape() {
	b, err := d.in.ReadByte()
	if err != nil || (b != '[' && b != 'O') {
		return
	}
	for range 16 {
		b, err = d.in.ReadByte()
		if err != nil || b >= 0x40 && b <= 0x7e {
			return
		}
	}
}

// lastRuneStart is where the last UTF-8 character of b begins.
func lastRuneStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && b[i]&0xc0 == 0x80 && len(b)-i < utf8.UTFMax {
		i--
	}
	return max(i, 0)
}

// echo shows what the user typed, on a PTY, unless input is hidden.
func (d *sshDoor) echo(s string) {
	if !d.pty || d.hidden.Load() && s != "\r\n" {
		return
	}
	d.wmu.Lock()
	d.writeLocked([]byte(s))
	d.wmu.Unlock()
}

// clean makes typed input valid UTF-8 without control characters, as the
// telnet codec does for telnet.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func (d *sshDoor) Write(p []byte) (int, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.writeLocked(p)
}

// writeLocked writes p within WriteTimeout: a write still blocked then
// (the client reads nothing, so the SSH window or TCP stays full) has the
// connection cut under it, as telnet's write deadline does. Caller holds
// wmu.
func (d *sshDoor) writeLocked(p []byte) (int, error) {
	// writing is set before closed is read, and Close sets closed before
	// it reads writing: either this write sees the close, or Close sees
	// the write and cuts the connection under it.
	d.writing.Store(true)
	defer d.writing.Store(false)
	if d.closed.Load() {
		return 0, net.ErrClosed
	}
	if d.wtimer == nil {
		d.wtimer = time.AfterFunc(WriteTimeout, d.abort)
	} else {
		d.wtimer.Reset(WriteTimeout)
	}
	n, err := d.sess.Write(p)
	d.wtimer.Stop()
	return n, err
}

// abort cuts the TCP connection: every read and write on it, blocked or
// not, returns.
func (d *sshDoor) abort() {
	d.closed.Store(true)
	d.conn.Close()
}

func (d *sshDoor) WritePrompt(p []byte) error {
	_, err := d.Write(p)
	return err
}

func (d *sshDoor) HideInput(hide bool) error { d.hidden.Store(hide); return nil }

// SetReadDeadline bounds the login dialogue of "new": an SSH channel has
// no read deadline, so a timer closes the session if t passes first.
func (d *sshDoor) SetReadDeadline(t time.Time) error {
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if d.deadline != nil {
		d.deadline.Stop()
		d.deadline = nil
	}
	if !t.IsZero() {
		d.deadline = time.AfterFunc(time.Until(t), func() { d.Close() })
	}
	return nil
}

func (d *sshDoor) Term() screen {
	client := "ssh"
	if d.term != "" {
		client += " " + d.term
	}
	return screen{Width: int(d.width.Load()), Height: int(d.height.Load()), Color: d.color, Client: client}
}

// Close ends the session without blocking, whoever calls it (the loop
// does, for a slow consumer). With a write under way, perhaps stuck, the
// connection is cut at once, as telnet's would be. Otherwise the channel
// is closed politely (exit status 0, then close) so that other channels
// of the connection live on; our reader returns when the client answers,
// and if it does not within SSHCloseGrace the connection is cut.
func (d *sshDoor) Close() error {
	d.once.Do(func() {
		d.closed.Store(true)
		if d.writing.Load() {
			d.conn.Close()
			return
		}
		d.grace = time.AfterFunc(SSHCloseGrace, d.abort)
		// The close message may wait behind other writes on the
		// connection; bounded by sshConn's write deadline.
		go d.sess.Exit(0)
	})
	return nil
}

// ended is called once the session's handler is done: its reader has
// returned, so the client answered the close (or left) in time.
func (d *sshDoor) ended() {
	d.once.Do(func() { d.closed.Store(true) }) // closed without Close: nothing to cut
	if d.grace != nil {
		d.grace.Stop()
	}
}

func (d *sshDoor) RemoteAddr() net.Addr { return d.sess.RemoteAddr() }
func (d *sshDoor) Protocol() string     { return "ssh" }
