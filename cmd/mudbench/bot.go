package main

import (
	"context"
	"io"
	"math/bits"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// resyncTries is how many fresh "say" tokens a bot sends, one timeout each,
// to get back in step after a timed-out request; a bot that fails them all
// stops sending (it stays connected).
const resyncTries = 3

// bot is one simulated player. Two goroutines serve it: run (the driver)
// dials, logs in, walks and sends commands on schedule, one request out at
// a time; read drains everything the server sends, so the server never
// sees a slow consumer, and judges each line against the awaited answer.
// They share the fields under mu; the reader hands its verdict to the
// driver through ans.
type bot struct {
	r     *runner
	idx   int
	name  string // login name, lower case
	score []byte // the first line of score's answer starts with this: "Botaaaa, "
	rng   *rand.Rand
	conn  net.Conn  // the TCP connection (under SSH's, with -ssh)
	w     io.Writer // where commands go: conn, or the SSH session's input
	// unhook cancels the hook that closes conn when the run ends.
	unhook func() bool
	timer  *time.Timer

	// Driver-owned.
	out   []byte // the line being sent, reused for every request
	seq   int    // counts say and chat tokens
	stuck bool   // resync failed: send nothing more
	in    bool   // logged in; set before ready.Done, so the runner may read it after ready.Wait

	// dialogue is set while an SSH bot answers the creation dialogue:
	// its reader then ends a line at a prompt (see lineReader.prompts).
	dialogue atomic.Bool

	ans        chan outcome  // capacity 1; holds a value only while the driver has not taken it
	readerDone chan struct{} // closed when the connection has ended

	mu       sync.Mutex
	want     expectation
	token    []byte // want.exact points here for say and chat
	sentAt   time.Time
	gotAt    time.Time
	exits    uint16 // exits of the last room display seen
	welcomed bool   // login: a Welcome line has come
	// room is the name of the room the bot is in, from score, or empty
	// when unknown (after a move). A look's want.exact points here: it
	// changes only while no look is out.
	room []byte
}

func newBot(r *runner, idx int) *bot {
	name := botName(r.cfg.Prefix, idx)
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &bot{
		r:          r,
		idx:        idx,
		name:       name,
		score:      []byte(strings.ToUpper(name[:1]) + name[1:] + ", "),
		rng:        rand.New(rand.NewPCG(r.cfg.Seed, uint64(idx))),
		timer:      t,
		ans:        make(chan outcome, 1),
		readerDone: make(chan struct{}),
	}
}

// run is the bot's life. It calls r.ready.Done once logged in (or failed)
// and r.measured.Done once its measurement is over, whatever happens, then
// holds the connection until the run closes it.
func (b *bot) run() {
	r := b.r
	defer r.all.Done()
	readyDone, measuredDone := false, false
	defer func() {
		b.hangUp()
		if !readyDone {
			r.ready.Done()
		}
		if !measuredDone {
			r.measured.Done()
		}
	}()

	if !b.login() {
		return
	}
	b.in = true
	switch r.cfg.Workload {
	case workSpread:
		b.walk()
		b.whereAmI()
	case workCrowd:
		if b.whereAmI() && b.knownRoom() != startRoom {
			r.outside.Add(1)
		}
	}
	r.ready.Done()
	readyDone = true

	select {
	case <-r.start:
		b.work()
	case <-r.connCtx.Done():
	case <-b.readerDone:
	}
	r.measured.Done()
	measuredDone = true

	select { // hold until the run closes the connections
	case <-r.connCtx.Done():
	case <-b.readerDone:
	}
}

// dial opens the TCP connection, closed when the run ends.
func (b *bot) dial(deadline time.Time) bool {
	ctx, cancel := context.WithDeadline(b.r.connCtx, deadline)
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", b.r.addr)
	cancel()
	if err != nil {
		b.r.loginFailed("dial: " + lastPart(err.Error()))
		return false
	}
	b.conn, b.w = conn, conn
	b.unhook = context.AfterFunc(b.r.connCtx, func() { conn.Close() })
	return true
}

// hangUp closes the connection, if there is one, and waits for its
// reader.
func (b *bot) hangUp() {
	if b.conn == nil {
		return
	}
	b.unhook()
	b.conn.Close()
	<-b.readerDone
	b.conn, b.w = nil, nil
}

// login dials and logs in: create first, connect if the name is taken, so
// a rerun against the same database finds its characters.
func (b *bot) login() bool {
	if b.r.cfg.SSH {
		return b.loginSSH()
	}
	r := b.r
	start := time.Now()
	deadline := start.Add(r.cfg.LoginTimeout)
	if !b.dial(deadline) {
		return false
	}
	go b.read(newLineReader(b.conn, readSize, maxLine), b.readerDone)

	verb := "create"
	for {
		b.out = append(b.out[:0], verb+" "+b.name+" "+r.cfg.Password+"\r\n"...)
		o := b.request(expectation{kind: expLogin}, time.Until(deadline))
		switch {
		case o == outAnswer:
			r.login.record(time.Since(start))
			r.logins.Add(1)
			return true
		case o == outTaken && verb == "create":
			verb = "connect"
		default:
			r.loginFailed(o.String())
			return false
		}
	}
}

// lastPart keeps the end of a wrapped error: "connection refused".
func lastPart(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// walk takes a random path of walkMoves to 2*walkMoves steps from the room
// the bot logged in to, so spread bots end up in rooms all over the world.
// It is setup: nothing is measured.
func (b *bot) walk() {
	for range walkMoves + b.rng.IntN(walkMoves+1) {
		if b.stuck || !b.command(cmdMove, false) {
			return
		}
	}
}

// whereAmI asks score which room the bot is in: a look is timed until
// that room's name arrives, and a crowd needs everyone in the start room
// (characters saved elsewhere by an earlier run are not). It is setup,
// not measured; false if score did not say.
func (b *bot) whereAmI() bool {
	b.out = append(b.out[:0], "score\r\n"...)
	return b.request(expectation{kind: expLocation}, b.r.cfg.Timeout) == outAnswer
}

// knownRoom is the room score last named; "" after a move, until score is
// asked again.
func (b *bot) knownRoom() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.room)
}

// lookWant is what answers a look: the room's name, the first line of the
// display. The name is asked of score first if a move made it unknown (an
// extra command, not measured: only mixes with move need it). False if
// the connection or the run ended meanwhile.
func (b *bot) lookWant(want *expectation) bool {
	b.mu.Lock()
	known := len(b.room) > 0
	b.mu.Unlock()
	if !known {
		b.whereAmI()
		if closed(b.readerDone) || b.r.connCtx.Err() != nil {
			return false
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.room) == 0 { // score did not answer: fall back to the display's end
		want.prefixes = lookAnswers
		b.r.lookByExits.Add(1)
		return true
	}
	want.exact = b.room
	return true
}

// work sends the mix on an open-loop schedule: the k-th command is due at
// t0 + phase + k/rate, the phase random per bot so bots do not fire in
// step. A command due while the previous one is still out is sent as soon
// as that one is answered or times out (and counted late).
func (b *bot) work() {
	r := b.r
	if r.cfg.Workload == workIdle {
		return
	}
	period := time.Duration(float64(time.Second) / r.cfg.Rate)
	next := r.t0.Add(time.Duration(b.rng.Int64N(int64(max(period, 1)))))
	for next.Before(r.end) && !b.stuck {
		if !b.sleepUntil(next) {
			return
		}
		if now := time.Now(); now.After(r.end) {
			// The window closed while this bot was behind schedule
			// (its answers were slow): what it did not send in time is
			// counted, not sent, so the run ends with its window
			// rather than when an overloaded server catches up.
			r.unsent.Add(int64((r.end.Sub(next) + period - 1) / period))
			return
		}
		if !b.command(r.pick(b.rng), true) {
			return
		}
		next = next.Add(period)
		if time.Now().After(next) && next.Before(r.end) {
			r.late.Add(1)
		}
	}
}

// sleepUntil waits for t; false if the connection or the run ended first.
func (b *bot) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	b.timer.Reset(d)
	select {
	case <-b.timer.C:
		return true
	case <-b.r.connCtx.Done():
	case <-b.readerDone:
	}
	b.timer.Stop()
	return false
}

// command sends one command of the given kind and waits for its answer,
// recording it if measured. False if the connection or the run ended.
func (b *bot) command(kind cmdKind, measured bool) bool {
	r := b.r
	want := expectation{kind: expAnswer}
	b.out = b.out[:0]
	switch kind {
	case cmdSay, cmdChat:
		b.seq++
		b.out = append(b.out, kind.String()...)
		b.out = append(b.out, ' ')
		start := len(b.out)
		b.out = append(b.out, 'b')
		b.out = strconv.AppendInt(b.out, int64(b.idx), 10)
		b.out = append(b.out, " n"...)
		b.out = strconv.AppendInt(b.out, int64(b.seq), 10)
		b.mu.Lock()
		if kind == cmdSay {
			b.token = append(b.token[:0], `You say, "`...)
		} else {
			b.token = append(b.token[:0], `You chat, "`...)
		}
		b.token = append(append(b.token, b.out[start:]...), '"')
		want.exact = b.token
		b.mu.Unlock()
	case cmdLook:
		if !b.lookWant(&want) {
			return false
		}
		b.out = append(b.out[:0], "look"...)
	case cmdMove:
		b.mu.Lock()
		exits := b.exits
		b.mu.Unlock()
		if exits == 0 { // nowhere to go (or no room seen): look instead
			kind = cmdLook
			if !b.lookWant(&want) {
				return false
			}
			b.out = append(b.out[:0], "look"...)
			break
		}
		b.out = append(b.out, dirNames[nthBit(exits, b.rng.IntN(bits.OnesCount16(exits)))]...)
		// The new room's name is not known before it arrives, and other
		// players' lines may come first, so a move is timed to the
		// display's Exits: line (written with the name, in one piece).
		want.prefixes = moveAnswers
		b.mu.Lock()
		b.room = b.room[:0]
		b.mu.Unlock()
	case cmdExamine:
		b.out = append(append(b.out, "examine "...), b.name...) // the world has no "me"; the full name picks the bot out
		want.prefixes = examineAnswers
	case cmdWho:
		b.out = append(b.out, "who"...)
		want.prefixes = whoAnswers
	case cmdGet:
		b.out = append(b.out, "get all"...)
		want.prefixes = getAnswers
	case cmdDrop:
		b.out = append(b.out, "drop all"...)
		want.prefixes = dropAnswers
	case cmdInventory:
		b.out = append(b.out, "inventory"...)
		want.prefixes = inventoryAnswers
	case cmdScore:
		b.out = append(b.out, "score"...)
		want.prefixes = [][]byte{b.score}
	}
	b.out = append(b.out, '\r', '\n')

	if measured {
		r.sent[kind].Add(1)
	}
	o := b.request(want, r.cfg.Timeout)
	switch o {
	case outAnswer:
		if measured {
			d := b.rtt()
			r.answered[kind].Add(1)
			r.rtt.record(d)
			r.byKind[kind].record(d)
		}
		return true
	case outTimeout:
		if measured {
			r.timedOut[kind].Add(1)
		}
		return b.resync()
	default:
		if measured {
			r.lost[kind].Add(1)
		}
		return false
	}
}

// resync gets the bot back in step after a timeout. The server answers a
// connection's commands in order, so once the answer naming a fresh token
// arrives, every late answer to the timed-out request has come before it
// and cannot be taken for the answer to a later one. The token is
// examined, not said: no one else hears it.
func (b *bot) resync() bool {
	if time.Now().After(b.r.end) {
		return true // no measured command follows: nothing to keep in step
	}
	for range resyncTries {
		b.seq++
		b.out = append(b.out[:0], "examine sync"...)
		b.out = strconv.AppendInt(b.out, int64(b.seq), 10)
		b.mu.Lock()
		b.token = append(append(append(b.token[:0], "You see no "...), b.out[len("examine "):]...), " here."...)
		want := expectation{kind: expAnswer, exact: b.token}
		b.mu.Unlock()
		b.out = append(b.out, '\r', '\n')
		switch b.request(want, b.r.cfg.Timeout) {
		case outAnswer:
			return true
		case outTimeout:
			continue
		default:
			return false
		}
	}
	b.stuck = true
	b.r.stuck.Add(1)
	return true
}

// nthBit is the index of the n-th set bit of set (n from 0).
func nthBit(set uint16, n int) int {
	for i := range 16 {
		if set&(1<<i) != 0 {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return 0
}

// request sends b.out, awaiting want, and waits up to timeout for the
// reader's verdict.
func (b *bot) request(want expectation, timeout time.Duration) outcome {
	b.mu.Lock()
	b.want = want
	b.welcomed = false
	b.sentAt = time.Now()
	b.mu.Unlock()
	if _, err := b.w.Write(b.out); err != nil {
		b.cancelWant()
		return b.ended()
	}
	return b.await(timeout)
}

// await waits up to timeout for the reader's verdict on the awaited
// answer.
func (b *bot) await(timeout time.Duration) outcome {
	if timeout <= 0 {
		timeout = 1
	}
	b.timer.Reset(timeout)
	var o outcome
	select {
	case o = <-b.ans:
		b.timer.Stop()
		return o
	case <-b.timer.C:
		o = outTimeout
	case <-b.r.connCtx.Done():
		o = outStopped
	case <-b.readerDone:
		o = outClosed
	}
	b.timer.Stop()
	if got, ok := b.cancelWant(); ok { // the answer won the race
		return got
	}
	return o
}

// cancelWant stops awaiting; if the reader delivered meanwhile, it returns
// that verdict.
func (b *bot) cancelWant() (outcome, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.want = expectation{}
	select {
	case o := <-b.ans:
		return o, true
	default:
		return outNone, false
	}
}

// ended tells why a write failed.
func (b *bot) ended() outcome {
	if b.r.connCtx.Err() != nil {
		return outStopped
	}
	return outClosed
}

// rtt is the last request's round trip.
func (b *bot) rtt() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gotAt.Sub(b.sentAt)
}

// read is the reader goroutine: it reads until the connection ends.
func (b *bot) read(lr *lineReader, done chan struct{}) {
	defer close(done)
	for {
		line, err := lr.next()
		if err != nil {
			return
		}
		b.judge(trimPrompt(line))
	}
}

// judge notes room exits and delivers the verdict if line is the awaited
// answer.
func (b *bot) judge(line []byte) {
	if len(line) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(line) >= len(exitsPrefix) && string(line[:len(exitsPrefix)]) == string(exitsPrefix) {
		b.exits = parseExits(line)
	}
	o := outNone
	switch b.want.kind {
	case expNone:
		return
	case expAnswer:
		if b.want.matches(line) {
			o = outAnswer
		}
	case expLogin:
		var welcome bool
		o, welcome = loginLine(line, b.welcomed)
		b.welcomed = b.welcomed || welcome
		if welcome {
			b.dialogue.Store(false) // the room display follows: no prompts to find in it
		}
	case expLocation:
		if room, ok := parseLocation(line); ok {
			b.room = append(b.room[:0], room...)
			o = outAnswer
		}
	}
	if o == outNone {
		return
	}
	b.want = expectation{}
	b.gotAt = time.Now()
	select {
	case b.ans <- o:
	default: // cannot happen: ans is emptied before each request
	}
}
