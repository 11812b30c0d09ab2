package engine

import (
	"bufio"
	"bytes"
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

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/term"

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
		HostSigners:      []ssh.Signer{signer},
		Version:          "shardmud",
		IdleTimeout:      0,
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
	if strings.EqualFold(ctx.User(), sshUserNew) {
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
	var pre *world.PlayerRecord
	if rec, ok := sess.Context().Value(recKey).(world.PlayerRecord); ok {
		pre = &rec
	} else if !strings.EqualFold(sess.User(), sshUserNew) {
		fmt.Fprintln(sess, "Not logged in.")
		return
	}
	s.serveSync(newSSHDoor(sess), pre)
}

// sshDoor adapts an SSH session. With a PTY the client sends keystrokes,
// so x/term's line editor echoes and edits them; without one, input comes
// as lines (printf 'say hi\nquit\n' | ssh -T ...).
type sshDoor struct {
	sess   ssh.Session
	term   *term.Terminal // nil without a PTY
	lines  *bufio.Reader  // without a PTY
	width  atomic.Int32
	color  markup.Level
	hidden atomic.Bool
	once   sync.Once

	afterCR bool // line mode: a CR ended the last line; skip its LF
}

func newSSHDoor(sess ssh.Session) *sshDoor {
	d := &sshDoor{sess: sess}
	pty, winch, isPty := sess.Pty()
	if !isPty {
		d.lines = bufio.NewReaderSize(sess, MaxLineBytes)
		return d
	}
	d.term = term.NewTerminal(sess, "")
	d.setSize(pty.Window)
	d.color = colorForTerm(pty.Term)
	go func() { // ends when the session closes winch
		for w := range winch {
			d.setSize(w)
		}
	}()
	return d
}

func (d *sshDoor) setSize(w ssh.Window) {
	d.width.Store(int32(w.Width))
	if d.term != nil && w.Width > 0 && w.Height > 0 {
		d.term.SetSize(w.Width, w.Height)
	}
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

func (d *sshDoor) ReadLine() (string, error) {
	if d.term != nil {
		var line string
		var err error
		if d.hidden.Load() {
			line, err = d.term.ReadPassword("")
		} else {
			line, err = d.term.ReadLine()
		}
		if err != nil {
			return "", err
		}
		return clean(line), nil
	}
	return d.readPlainLine()
}

// readPlainLine reads a line without a PTY. CR LF, bare CR and bare LF
// each end a line; a line over MaxLineBytes is discarded up to its end.
func (d *sshDoor) readPlainLine() (string, error) {
	var buf []byte
	tooLong := false
	for {
		b, err := d.lines.ReadByte()
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return clean(string(buf)), nil
			}
			return "", err
		}
		switch b {
		case '\n':
			if d.afterCR {
				d.afterCR = false
				continue
			}
		case '\r':
			d.afterCR = true
		default:
			d.afterCR = false
			if len(buf) < MaxLineBytes {
				buf = append(buf, b)
			} else {
				tooLong = true
			}
			continue
		}
		if tooLong {
			return "", errLineTooLong
		}
		return clean(string(buf)), nil
	}
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
	if d.term != nil {
		// x/term turns every \n into \r\n itself.
		if _, err := d.term.Write(bytes.ReplaceAll(p, []byte("\r\n"), []byte("\n"))); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return d.sess.Write(p)
}

func (d *sshDoor) WritePrompt(p []byte) error {
	_, err := d.Write(p)
	return err
}

func (d *sshDoor) HideInput(hide bool) error { d.hidden.Store(hide); return nil }

// SetReadDeadline is not available on an SSH channel; the login dialogue
// of "new" is bounded by the connection's own lifetime instead.
func (d *sshDoor) SetReadDeadline(time.Time) error { return nil }

func (d *sshDoor) Term() screen {
	return screen{Width: int(d.width.Load()), Color: d.color, Client: "ssh"}
}

func (d *sshDoor) Close() error {
	var err error
	d.once.Do(func() { err = d.sess.Close() })
	return err
}

func (d *sshDoor) RemoteAddr() net.Addr { return d.sess.RemoteAddr() }
func (d *sshDoor) Protocol() string     { return "ssh" }
