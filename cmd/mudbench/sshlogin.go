package main

import (
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// sshUserNew is the SSH user name that opens shardmud's creation dialogue.
const sshUserNew = "new"

// maxDialogueSteps bounds the creation dialogue: name, yes, password,
// password again, and a spare, so a server that keeps asking cannot hold
// a bot forever.
const maxDialogueSteps = 6

// loginSSH logs in as a person with an SSH client would: as the user
// "new", through the creation dialogue; if the dialogue finds the name
// taken (a rerun against the same database), it hangs up and logs in as
// the character, with its password, in the SSH handshake. The login is
// timed from the first dial to the room shown after the welcome.
func (b *bot) loginSSH() bool {
	r := b.r
	start := time.Now()
	deadline := start.Add(r.cfg.LoginTimeout)
	o := b.createSSH(deadline)
	if o == outAskExisting {
		b.hangUp()
		o = b.connectSSH(deadline)
	}
	b.dialogue.Store(false)
	if o != outAnswer {
		if o != outNone { // outNone: already counted
			r.loginFailed(o.String())
		}
		return false
	}
	r.login.record(time.Since(start))
	r.logins.Add(1)
	return true
}

// createSSH runs the creation dialogue as the user "new". It returns
// outAnswer once in the world, outAskExisting if the name is taken, or
// why it failed.
func (b *bot) createSSH(deadline time.Time) outcome {
	if o := b.openSSH(sshUserNew, "", deadline); o != outAnswer {
		return o
	}
	answer := b.name
	for range maxDialogueSteps {
		b.out = append(append(b.out[:0], answer...), '\r', '\n')
		o := b.request(expectation{kind: expLogin}, time.Until(deadline))
		switch o {
		case outAskCreate:
			answer = "yes"
		case outAskPassword, outAskAgain:
			answer = b.r.cfg.Password
		default:
			return o
		}
	}
	return outRejected
}

// connectSSH logs in as the bot's character: the server checks the
// password in the handshake and shows the room at once.
func (b *bot) connectSSH(deadline time.Time) outcome {
	if o := b.openSSH(b.name, b.r.cfg.Password, deadline); o != outAnswer {
		return o
	}
	// Nothing to send: openSSH awaits the welcome and the room already.
	return b.await(time.Until(deadline))
}

// openSSH dials, shakes hands as user (with password, if any) and opens a
// shell session without a PTY: shardmud then reads plain lines, echoes
// nothing and sends no colour, so every line the bot reads is the
// server's text, as with telnet. The reader starts on the session's
// output. outNone means the failure is already counted.
func (b *bot) openSSH(user, password string, deadline time.Time) outcome {
	if !b.dial(deadline) {
		return outNone
	}
	conn := b.conn
	fail := func(err error) outcome {
		b.unhook()
		conn.Close()
		b.conn, b.w = nil, nil
		if strings.Contains(err.Error(), "unable to authenticate") {
			return outSSHAuth
		}
		b.r.loginFailed("ssh: " + lastPart(err.Error()))
		return outNone
	}
	// The handshake has no deadline of its own.
	conn.SetDeadline(deadline)
	cfg := &gossh.ClientConfig{
		User: user,
		// mudbench only dials this machine (resolveLoopback), and the
		// server makes its host key on first start: there is nothing to
		// verify it against.
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	}
	if password != "" {
		cfg.Auth = []gossh.AuthMethod{gossh.Password(password)}
	}
	c, chans, reqs, err := gossh.NewClientConn(conn, b.r.addr, cfg)
	if err != nil {
		return fail(err)
	}
	client := gossh.NewClient(c, chans, reqs)
	sess, err := client.NewSession()
	if err != nil {
		return fail(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := sess.Shell(); err != nil {
		return fail(err)
	}
	conn.SetDeadline(time.Time{})
	b.w = in
	if closed(b.readerDone) { // the reader of the "new" connection
		b.readerDone = make(chan struct{})
	}
	// Await the login before the reader starts: a character is shown
	// its room as soon as the shell opens.
	b.mu.Lock()
	b.want = expectation{kind: expLogin}
	b.welcomed = false
	b.mu.Unlock()
	lr := newLineReader(out, readSize, maxLine)
	lr.prompts = func(partial []byte) bool { return b.dialogue.Load() && isPrompt(partial) }
	b.dialogue.Store(user == sshUserNew)
	go b.read(lr, b.readerDone)
	return outAnswer
}
