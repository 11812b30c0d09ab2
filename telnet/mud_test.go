package telnet

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// GMCP and MSSP: encoders byte-exact against the spec formats, the
// negotiation, and both over a real socket.

func TestAppendGMCP(t *testing.T) {
	tests := []struct {
		name string
		pkg  string
		data []byte
		want []byte
	}{
		{"no data", "Core.Ping", nil, seq(IAC, SB, 201, "Core.Ping", IAC, SE)},
		{"empty data is no data", "Core.Ping", []byte{}, seq(IAC, SB, 201, "Core.Ping", IAC, SE)},
		{"JSON", "Char.Vitals", []byte(`{"hp":10,"maxhp":20}`),
			seq(IAC, SB, 201, `Char.Vitals {"hp":10,"maxhp":20}`, IAC, SE)},
		// A 255 (not valid UTF-8, but a byte is a byte) is doubled, in the
		// data and in the package name; SE alone needs nothing.
		{"IAC doubled", "Comm.Channel.Text", seq(`{"text":"`, 0xff, 240, `"}`),
			seq(IAC, SB, 201, `Comm.Channel.Text {"text":"`, IAC, IAC, 240, `"}`, IAC, SE)},
		{"IAC in package", "A\xffB", []byte("1"), seq(IAC, SB, 201, "A", IAC, IAC, "B 1", IAC, SE)},
		// Sizes are bytes: UTF-8 goes through untouched.
		{"UTF-8", "Room.Info", []byte(`{"name":"Café ✓"}`), seq(IAC, SB, 201, `Room.Info {"name":"Café ✓"}`, IAC, SE)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("x")
			got := AppendGMCP(prefix, tt.pkg, tt.data)
			if !bytes.Equal(got, append([]byte("x"), tt.want...)) {
				t.Fatalf("AppendGMCP = %s, want x%s", show(got), show(tt.want))
			}
			// The parser gives back the payload as sent.
			wantPayload := tt.pkg
			if len(tt.data) > 0 {
				wantPayload += " " + string(tt.data)
			}
			if ev := parseAll(0, got[1:]); !reflect.DeepEqual(ev, []string{sbEvent(OptGMCP, wantPayload)}) {
				t.Fatalf("parsed back as %q", ev)
			}
		})
	}
}

func sbEvent(opt byte, payload string) string {
	r := &recorder{}
	r.Subneg(opt, []byte(payload))
	return r.events[0]
}

func TestAppendMSSP(t *testing.T) {
	vars := []MSSPVar{
		{Name: "NAME", Values: []string{"Shard MUD"}},
		{Name: "PLAYERS", Values: []string{"3"}},
		{Name: "PORT", Values: []string{"4000", "4001"}}, // repeats its VAL
		{Name: "CO\x00DE\x01BA\x02SE\xff", Values: []string{"shard\xffmud\x00 1\x01.\x022"}},
		{Name: "\x01\x02\xff", Values: []string{"name left empty: skipped"}},
		{Name: "CONTACT"}, // no value: one empty VAL
		{Name: "UPTIME", Values: []string{"1700000000"}},
	}
	want := seq(IAC, SB, 70,
		1, "NAME", 2, "Shard MUD",
		1, "PLAYERS", 2, "3",
		1, "PORT", 2, "4000", 2, "4001",
		1, "CODEBASE", 2, "shardmud 1.2",
		1, "CONTACT", 2,
		1, "UPTIME", 2, "1700000000",
		IAC, SE)
	if got := AppendMSSP(nil, vars); !bytes.Equal(got, want) {
		t.Fatalf("AppendMSSP\n got %s\nwant %s", show(got), show(want))
	}
	if got := AppendMSSP(nil, nil); !bytes.Equal(got, seq(IAC, SB, 70, IAC, SE)) {
		t.Fatalf("empty: %s", show(got))
	}
}

// TestMUDNegotiation: the offers at Start and what the answers do, from
// the protocol's side (bytes out, switches, flags).
func TestMUDNegotiation(t *testing.T) {
	base := seq(IAC, WILL, OptSGA, IAC, WILL, OptEOR, IAC, DO, OptNAWS, IAC, DO, OptTTYPE, IAC, WILL, OptCharset)
	newP := func(mssp, noCompress bool) *protocol {
		p := newProtocol(0)
		p.offerMSSP, p.noCompress, p.wantGMCP = mssp, noCompress, true
		return p
	}
	t.Run("offers", func(t *testing.T) {
		for _, tt := range []struct {
			mssp, noCompress bool
			want             []byte
		}{
			{false, false, seq(base, IAC, WILL, OptGMCP, IAC, WILL, OptMCCP2, IAC, WILL, OptMCCP3)},
			{true, false, seq(base, IAC, WILL, OptMSSP, IAC, WILL, OptGMCP, IAC, WILL, OptMCCP2, IAC, WILL, OptMCCP3)},
			{true, true, seq(base, IAC, WILL, OptMSSP, IAC, WILL, OptGMCP)},
		} {
			p := newP(tt.mssp, tt.noCompress)
			p.start()
			if !bytes.Equal(p.out, tt.want) {
				t.Errorf("mssp=%v noCompress=%v: start sent %s, want %s", tt.mssp, tt.noCompress, show(p.out), show(tt.want))
			}
		}
	})
	type step struct {
		in        []byte
		out       []byte
		switches  []outSwitch
		msspDue   bool
		inflating bool
	}
	tests := []struct {
		name             string
		mssp, noCompress bool
		steps            []step
	}{
		{"MSSP on, off, not again", true, false, []step{
			{in: seq(IAC, DO, OptMSSP), msspDue: true},
			{in: seq(IAC, DONT, OptMSSP), out: seq(IAC, WONT, OptMSSP)},
			{in: seq(IAC, DO, OptMSSP), out: seq(IAC, WONT, OptMSSP)},
			{in: seq(IAC, DO, OptMSSP)},
		}},
		{"MSSP on and off in one read sends nothing", true, false, []step{
			{in: seq(IAC, DO, OptMSSP, IAC, DONT, OptMSSP), out: seq(IAC, WONT, OptMSSP)},
		}},
		{"MSSP refused", true, false, []step{
			{in: seq(IAC, DONT, OptMSSP)},
		}},
		{"GMCP on, off, on again", false, false, []step{
			{in: seq(IAC, DO, OptGMCP)},
			{in: seq(IAC, DONT, OptGMCP), out: seq(IAC, WONT, OptGMCP)},
			{in: seq(IAC, DO, OptGMCP), out: seq(IAC, WILL, OptGMCP)},
		}},
		{"MCCP2 on then off: the stream ends before the WONT", false, false, []step{
			{in: seq(IAC, DO, OptMCCP2), out: seq(IAC, SB, OptMCCP2, IAC, SE), switches: []outSwitch{{5, true}}},
			{in: seq(IAC, DONT, OptMCCP2), out: seq(IAC, WONT, OptMCCP2), switches: []outSwitch{{0, false}}},
			// Once off, it stays off: a new DO is refused.
			{in: seq(IAC, DO, OptMCCP2), out: seq(IAC, WONT, OptMCCP2)},
		}},
		{"MCCP2 on and off in one read, among other replies", false, false, []step{
			{in: seq(IAC, WILL, OptSGA, IAC, DO, OptMCCP2, IAC, WILL, 99, IAC, DONT, OptMCCP2, IAC, WILL, 98),
				out:      seq(IAC, DO, OptSGA, IAC, SB, OptMCCP2, IAC, SE, IAC, DONT, 99, IAC, WONT, OptMCCP2, IAC, DONT, 98),
				switches: []outSwitch{{8, true}, {11, false}}},
		}},
		{"MCCP2 refused", false, false, []step{
			{in: seq(IAC, DONT, OptMCCP2)},
		}},
		{"no compression: MCCP not offered, refused", false, true, []step{
			{in: seq(IAC, DO, OptMCCP2, IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE),
				out: seq(IAC, WONT, OptMCCP2, IAC, WONT, OptMCCP3)},
		}},
		{"MCCP3 starts at its SB", false, false, []step{
			{in: seq(IAC, SB, OptMCCP3, IAC, SE)}, // before DO: ignored
			{in: seq(IAC, DO, OptMCCP3)},
			{in: seq(IAC, SB, OptMCCP3, "x", IAC, SE)}, // malformed: ignored
			{in: seq(IAC, SB, OptMCCP3, IAC, SE), inflating: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newP(tt.mssp, tt.noCompress)
			p.start()
			p.out = p.out[:0]
			var ps Parser
			for i, s := range tt.steps {
				ps.Parse(s.in, p)
				if !bytes.Equal(p.out, s.out) {
					t.Fatalf("step %d: sent %s, want %s", i, show(p.out), show(s.out))
				}
				if !reflect.DeepEqual(p.switches, s.switches) && len(p.switches)+len(s.switches) > 0 {
					t.Fatalf("step %d: switches %v, want %v", i, p.switches, s.switches)
				}
				if p.msspDue != s.msspDue || p.inflating != s.inflating {
					t.Fatalf("step %d: msspDue %v inflating %v, want %v %v", i, p.msspDue, p.inflating, s.msspDue, s.inflating)
				}
				p.out, p.switches, p.msspDue = p.out[:0], p.switches[:0], false
			}
		})
	}
}

// TestGMCPIn: the client's messages as the protocol keeps them.
func TestGMCPIn(t *testing.T) {
	gmcp := func(parts ...any) []byte { return seq(IAC, SB, OptGMCP, seq(parts...), IAC, SE) }
	in := seq(IAC, DO, OptGMCP,
		gmcp(`Core.Hello {"client":"Mudlet","version":"4.17"}`),
		gmcp(`Core.Supports.Set ["Char 1","Room 1"]`),
		gmcp("Core.Ping"),
		gmcp("Core.Ping "),
		gmcp(` {"no":"package"}`),
		gmcp(),
		gmcp("Comm.Channel.Text {\"text\":\"", IAC, IAC, "\"}"),
		"look\r\n")
	want := []gmcpMsg{
		{"Core.Hello", []byte(`{"client":"Mudlet","version":"4.17"}`)},
		{"Core.Supports.Set", []byte(`["Char 1","Room 1"]`)},
		{"Core.Ping", nil},
		{"Core.Ping", nil},
		{"Comm.Channel.Text", seq("{\"text\":\"", 0xff, "\"}")},
	}
	for i := 0; i <= len(in); i++ {
		p := newProtocol(0)
		p.wantGMCP = true
		p.start()
		var ps Parser
		ps.Parse(in[:i], p)
		ps.Parse(in[i:], p)
		if !reflect.DeepEqual(p.gmcpIn, want) {
			t.Fatalf("split at %d: got %q\nwant %q", i, p.gmcpIn, want)
		}
		if got := drain(p); !reflect.DeepEqual(got, []string{"look"}) {
			t.Fatalf("lines %q", got)
		}
	}
	// Before DO GMCP (and without a handler) messages are not kept.
	p := newProtocol(0)
	p.wantGMCP = true
	p.start()
	var ps Parser
	ps.Parse(gmcp("Core.Ping"), p)
	p2 := newProtocol(0)
	p2.start()
	ps.Parse(seq(IAC, DO, OptGMCP, gmcp("Core.Ping")), p2)
	if len(p.gmcpIn)+len(p2.gmcpIn) != 0 {
		t.Fatalf("kept %q, %q", p.gmcpIn, p2.gmcpIn)
	}
}

type gmcpRec struct {
	mu   sync.Mutex
	msgs []gmcpMsg
}

func (r *gmcpRec) on(pkg string, data []byte) {
	r.mu.Lock()
	r.msgs = append(r.msgs, gmcpMsg{pkg, data})
	r.mu.Unlock()
}

func (r *gmcpRec) wait(t testing.TB, n int) []gmcpMsg {
	t.Helper()
	var got []gmcpMsg
	checkFor(t, 5*time.Second, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		got = append(got[:0], r.msgs...)
		if len(got) >= n {
			return nil
		}
		return errors.New("waiting for GMCP messages")
	})
	return got
}

func TestConnGMCP(t *testing.T) {
	var rec gmcpRec
	var c *Conn
	c, cl, lines := started(t, Config{OnGMCP: func(pkg string, data []byte) {
		c.GMCP() // no lock is held: calling back in must not deadlock
		rec.on(pkg, data)
	}})
	// Before the client agrees, nothing is sent and nothing kept.
	if c.GMCP() {
		t.Fatal("GMCP on before DO")
	}
	if err := c.SendGMCP("Char.Vitals", []byte(`{"hp":1}`)); err != nil {
		t.Fatal(err)
	}
	send(t, cl, IAC, SB, OptGMCP, "Core.Ping", IAC, SE)
	expectNothingThen(t, c, cl)

	send(t, cl, IAC, DO, OptGMCP)
	checkFor(t, 5*time.Second, func() error {
		if !c.GMCP() {
			return errors.New("GMCP still off")
		}
		return nil
	})
	// A Core.Supports.Set split across writes, glued to a line.
	msg := seq(IAC, SB, OptGMCP, `Core.Supports.Set ["Char 1", "Room 1"]`, IAC, SE, "look\r\n")
	send(t, cl, msg[:7])
	time.Sleep(10 * time.Millisecond)
	send(t, cl, msg[7:20])
	time.Sleep(10 * time.Millisecond)
	send(t, cl, msg[20:])
	expectLine(t, lines, "look", nil)
	// A doubled IAC, and a message without data.
	send(t, cl, IAC, SB, OptGMCP, "X.Y [\"", IAC, IAC, "\"]", IAC, SE, IAC, SB, OptGMCP, "Core.Ping", IAC, SE)
	got := rec.wait(t, 3)
	want := []gmcpMsg{
		{"Core.Supports.Set", []byte(`["Char 1", "Room 1"]`)},
		{"X.Y", seq("[\"", 0xff, "\"]")},
		{"Core.Ping", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OnGMCP got %q\nwant %q", got, want)
	}

	// Out: byte-exact, and not bounded by MaxSubneg.
	if err := c.SendGMCP("Room.Info", []byte(`{"num":1,"name":"x`+"\xff"+`"}`)); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, AppendGMCP(nil, "Room.Info", []byte(`{"num":1,"name":"x`+"\xff"+`"}`)))
	big := []byte(`{"list":"` + strings.Repeat("item \xff ", 20000) + `"}`)
	go c.SendGMCP("Char.Items.List", big)
	expect(t, cl, AppendGMCP(nil, "Char.Items.List", big))
	if err := c.SendGMCP("Core.Goodbye", nil); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, IAC, SB, OptGMCP, "Core.Goodbye", IAC, SE)

	// The client turns it off: acknowledged, and sending stops.
	send(t, cl, IAC, DONT, OptGMCP)
	expect(t, cl, IAC, WONT, OptGMCP)
	if err := c.SendGMCP("Char.Vitals", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	expectNothingThen(t, c, cl)
}

// TestConnGMCPHuge: a message over MaxSubneg is dropped whole, and what
// follows is read as usual.
func TestConnGMCPHuge(t *testing.T) {
	var rec gmcpRec
	c, cl, lines := started(t, Config{OnGMCP: rec.on})
	send(t, cl, IAC, DO, OptGMCP)
	go func() {
		cl.Write(seq(IAC, SB, OptGMCP, "Core.Huge ", bytes.Repeat([]byte("x"), 1<<20), IAC, SE))
		cl.Write(seq(IAC, SB, OptGMCP, "Core.Small 1", IAC, SE, "look\r\n"))
	}()
	expectLine(t, lines, "look", nil)
	if got := rec.wait(t, 1); len(got) != 1 || got[0].pkg != "Core.Small" {
		t.Fatalf("got %q", got)
	}
	if cap(c.parser.sb) > DefaultMaxSubneg {
		t.Fatalf("subneg buffer grew to %d", cap(c.parser.sb))
	}
}

func TestConnMSSP(t *testing.T) {
	var calls atomic.Int32
	var c *Conn
	vars := []MSSPVar{
		{Name: "NAME", Values: []string{"Shard"}},
		{Name: "PLAYERS", Values: []string{"2"}},
		{Name: "UPTIME", Values: []string{"1700000000"}},
		{Name: "PORT", Values: []string{"4000", "4001"}},
	}
	c, cl := tcpPair(t, Config{MSSP: func() []MSSPVar {
		calls.Add(1)
		c.Terminal() // no lock is held: calling back in must not deadlock
		return vars
	}})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	expect(t, cl, opening[:15], IAC, WILL, OptMSSP, opening[15:])
	readLoop(c)
	send(t, cl, IAC, DO, OptMSSP)
	expect(t, cl, IAC, SB, 70, 1, "NAME", 2, "Shard", 1, "PLAYERS", 2, "2", 1, "UPTIME", 2, "1700000000",
		1, "PORT", 2, "4000", 2, "4001", IAC, SE)
	// Off, and not again.
	send(t, cl, IAC, DONT, OptMSSP)
	expect(t, cl, IAC, WONT, OptMSSP)
	send(t, cl, IAC, DO, OptMSSP)
	expect(t, cl, IAC, WONT, OptMSSP)
	expectNothingThen(t, c, cl)
	if n := calls.Load(); n != 1 {
		t.Fatalf("MSSP called %d times", n)
	}
}

// TestConnNoMSSPOffer: without Config.MSSP, MSSP is neither offered nor
// accepted.
func TestConnNoMSSPOffer(t *testing.T) {
	c, cl, _ := started(t, Config{})
	send(t, cl, IAC, DO, OptMSSP)
	expect(t, cl, IAC, WONT, OptMSSP)
	expectNothingThen(t, c, cl)
}
