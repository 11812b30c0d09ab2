package telnet

import (
	"bytes"
	"testing"
)

// TestNegotiationReplies checks the replies to client messages, starting
// from the state after Start, against the exact bytes of the specs.
func TestNegotiationReplies(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		// Answers to our own requests: no reply (RFC 1143: an answer is
		// never answered).
		{"DO SGA acknowledges", seq(IAC, DO, OptSGA), nil},
		{"DO EOR acknowledges", seq(IAC, DO, OptEOR), nil},
		{"DONT EOR refuses", seq(IAC, DONT, OptEOR), nil},
		{"WILL NAWS acknowledges", seq(IAC, WILL, OptNAWS), nil},
		{"WONT NAWS refuses", seq(IAC, WONT, OptNAWS), nil},
		{"WONT TTYPE refuses", seq(IAC, WONT, OptTTYPE), nil},
		{"DONT CHARSET refuses", seq(IAC, DONT, OptCharset), nil},
		// Answers that set things going.
		{"WILL TTYPE asks for the name", seq(IAC, WILL, OptTTYPE), seq(IAC, SB, OptTTYPE, 1, IAC, SE)},
		{"DO CHARSET requests UTF-8", seq(IAC, DO, OptCharset), seq(IAC, SB, OptCharset, 1, ";UTF-8", IAC, SE)},
		// Client offers.
		{"WILL SGA accepted", seq(IAC, WILL, OptSGA), seq(IAC, DO, OptSGA)},
		{"WILL CHARSET accepted", seq(IAC, WILL, OptCharset), seq(IAC, DO, OptCharset)},
		{"WILL ECHO refused", seq(IAC, WILL, OptEcho), seq(IAC, DONT, OptEcho)},
		{"DO ECHO unprompted refused", seq(IAC, DO, OptEcho), seq(IAC, WONT, OptEcho)},
		{"WILL EOR refused", seq(IAC, WILL, OptEOR), seq(IAC, DONT, OptEOR)},
		{"DO NAWS refused", seq(IAC, DO, OptNAWS), seq(IAC, WONT, OptNAWS)},
		{"unknown WILL refused", seq(IAC, WILL, 99), seq(IAC, DONT, 99)},
		{"unknown DO refused", seq(IAC, DO, 99), seq(IAC, WONT, 99)},
		// MUD protocols: our offers answered; the client's half of GMCP
		// refused; unprompted MSSP and MCCP refused (not offered: see
		// TestMUDNegotiation for the Config that offers them).
		{"DO GMCP acknowledges", seq(IAC, DO, OptGMCP), nil},
		{"WILL GMCP refused", seq(IAC, WILL, OptGMCP), seq(IAC, DONT, OptGMCP)},
		{"DO MSSP not offered refused", seq(IAC, DO, OptMSSP), seq(IAC, WONT, OptMSSP)},
		{"DO MCCP2 starts compression", seq(IAC, DO, OptMCCP2), seq(IAC, SB, OptMCCP2, IAC, SE)},
		{"DO MCCP3 acknowledges", seq(IAC, DO, OptMCCP3), nil},
		{"WILL MCCP2 refused", seq(IAC, WILL, OptMCCP2, IAC, WILL, OptMCCP3), seq(IAC, DONT, OptMCCP2, IAC, DONT, OptMCCP3)},
		// Refusal is given once: a client repeating itself gets silence.
		{"unknown refused once", seq(IAC, WILL, 99, IAC, WILL, 99, IAC, DO, 99, IAC, DO, 99),
			seq(IAC, DONT, 99, IAC, WONT, 99)},
		// Disabling an option that is off is not answered.
		{"WONT unknown ignored", seq(IAC, WONT, 99, IAC, DONT, 99), nil},
		// Turning an agreed option off is acknowledged once.
		{"DO then DONT SGA", seq(IAC, DO, OptSGA, IAC, DONT, OptSGA, IAC, DONT, OptSGA), seq(IAC, WONT, OptSGA)},
		{"WILL then WONT NAWS", seq(IAC, WILL, OptNAWS, IAC, WONT, OptNAWS), seq(IAC, DONT, OptNAWS)},
		// Agreed twice: the second is an acknowledgement.
		{"DO SGA twice", seq(IAC, DO, OptSGA, IAC, DO, OptSGA), nil},
		{"AYT", seq(IAC, AYT), seq(AYTReply)},
		{"AYT flood answered once per read", seq(IAC, AYT, IAC, AYT, IAC, AYT), seq(AYTReply)},
		{"NOP GA ignored", seq(IAC, NOP, IAC, GA, IAC, BRK, IAC, IP, IAC, AO, IAC, DM), nil},
		// A SB for an option not agreed is ignored (RFC 855).
		{"CHARSET SB before agreement", seq(IAC, SB, OptCharset, 1, ";UTF-8", IAC, SE), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtocol(0)
			p.start()
			p.out = p.out[:0]
			var ps Parser
			ps.Parse(tt.in, p)
			if !bytes.Equal(p.out, tt.want) {
				t.Fatalf("replies %s, want %s", show(p.out), show(tt.want))
			}
		})
	}
}

func TestStartBytes(t *testing.T) {
	p := newProtocol(0)
	p.start()
	if !bytes.Equal(p.out, opening) {
		t.Fatalf("start sent %s, want %s", show(p.out), show(opening))
	}
	// Asking again sends nothing: the requests are pending.
	p.out = p.out[:0]
	p.start()
	if len(p.out) != 0 {
		t.Fatalf("second start sent %s", show(p.out))
	}
}

// TestQMethod walks RFC 1143's states for our ECHO half, as SetEcho drives
// it, including the queue bit.
func TestQMethod(t *testing.T) {
	type step struct {
		ask    *bool // SetEcho(*ask), or nil for client input
		in     []byte
		want   []byte
		state  qState
		queued bool
	}
	yes, no := true, false
	tests := []struct {
		name  string
		steps []step
	}{
		{"enable, agreed, disable, agreed", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{ask: &yes, state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
			{ask: &yes, state: qYes},
			{ask: &no, want: seq(IAC, WONT, OptEcho), state: qWantNo},
			{ask: &no, state: qWantNo},
			{in: seq(IAC, DONT, OptEcho), state: qNo},
			{ask: &no, state: qNo},
		}},
		{"enable refused", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{in: seq(IAC, DONT, OptEcho), state: qNo},
		}},
		{"changed mind while enabling", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{ask: &no, state: qWantYes, queued: true},
			// The DO answers the WILL; then the queued WONT goes out.
			{in: seq(IAC, DO, OptEcho), want: seq(IAC, WONT, OptEcho), state: qWantNo},
			{in: seq(IAC, DONT, OptEcho), state: qNo},
		}},
		{"changed mind twice cancels the queue", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{ask: &no, state: qWantYes, queued: true},
			{ask: &yes, state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
		}},
		{"changed mind while disabling", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
			{ask: &no, want: seq(IAC, WONT, OptEcho), state: qWantNo},
			{ask: &yes, state: qWantNo, queued: true},
			{in: seq(IAC, DONT, OptEcho), want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
		}},
		{"client turns it off", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
			{in: seq(IAC, DONT, OptEcho), want: seq(IAC, WONT, OptEcho), state: qNo},
			{in: seq(IAC, DONT, OptEcho), state: qNo},
		}},
		{"peer error: DONT answered by DO", []step{
			{ask: &yes, want: seq(IAC, WILL, OptEcho), state: qWantYes},
			{in: seq(IAC, DO, OptEcho), state: qYes},
			{ask: &no, want: seq(IAC, WONT, OptEcho), state: qWantNo},
			{in: seq(IAC, DO, OptEcho), state: qNo},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtocol(0)
			var ps Parser
			for i, s := range tt.steps {
				p.out = p.out[:0]
				if s.ask != nil {
					p.ask(sideUs, OptEcho, *s.ask)
				} else {
					ps.Parse(s.in, p)
				}
				if !bytes.Equal(p.out, s.want) {
					t.Fatalf("step %d: sent %s, want %s", i, show(p.out), show(s.want))
				}
				h := *p.half(sideUs, OptEcho)
				if h.state != s.state || h.opposite != s.queued {
					t.Fatalf("step %d: state %d queued %v, want %d %v", i, h.state, h.opposite, s.state, s.queued)
				}
			}
		})
	}
}

func TestNAWS(t *testing.T) {
	tests := []struct {
		name          string
		sb            []byte
		width, height int
	}{
		{"80x24", seq(0, 80, 0, 24), 80, 24},
		{"big", seq(1, 0, 0, 100), 256, 100},
		{"255 doubled", seq(0, IAC, IAC, 0, IAC, IAC), 255, 255},
		{"65535", seq(IAC, IAC, IAC, IAC, IAC, IAC, IAC, IAC), 65535, 65535},
		{"zero is unknown", seq(0, 0, 0, 0), 0, 0},
		{"short ignored", seq(0, 80), 0, 0},
		{"three bytes ignored", seq(0, 80, 0), 0, 0},
		{"empty ignored", nil, 0, 0},
		{"long ignored", seq(0, 80, 0, 24, 0), 0, 0},
		{"undoubled 255 breaks it", seq(0, IAC, 0, 24), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := feed(0, seq(IAC, WILL, OptNAWS, IAC, SB, OptNAWS, tt.sb, IAC, SE))
			if p.term.Width != tt.width || p.term.Height != tt.height {
				t.Fatalf("size %dx%d, want %dx%d", p.term.Width, p.term.Height, tt.width, tt.height)
			}
		})
	}
	// NAWS before WILL NAWS is not agreed: ignored.
	p := feed(0, seq(IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE))
	if p.term.Width != 0 {
		t.Fatalf("unagreed NAWS applied: %+v", p.term)
	}
	// A later report replaces the size; WONT NAWS forgets it.
	p = feed(0, seq(IAC, WILL, OptNAWS, IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE,
		IAC, SB, OptNAWS, 0, 120, 0, 40, IAC, SE))
	if p.term.Width != 120 || p.term.Height != 40 {
		t.Fatalf("resize: %+v", p.term)
	}
	var ps Parser
	ps.Parse(seq(IAC, WONT, OptNAWS), p)
	if p.term.Width != 0 || p.term.Height != 0 {
		t.Fatalf("WONT NAWS kept %+v", p.term)
	}
}

// ttypeIs builds a client's TTYPE IS answer.
func ttypeIs(name string) []byte { return seq(IAC, SB, OptTTYPE, 0, name, IAC, SE) }

var ttypeSend = seq(IAC, SB, OptTTYPE, 1, IAC, SE)

func TestTTYPECycle(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		sends   int // SEND requests we make in total
		want    Terminal
	}{
		{"MTTS client", []string{"MUDLET", "XTERM-256COLOR", "MTTS 271", "MTTS 271"}, 4,
			Terminal{Client: "MUDLET", TermType: "XTERM-256COLOR", MTTS: 271, Color: ColorTrue, UTF8: true}},
		{"tintin", []string{"TINTIN++", "xterm", "MTTS 2381", "MTTS 2381"}, 4,
			// 2381 = 2048+256+64+8+4+1: truecolor, screen reader, UTF-8.
			Terminal{Client: "TINTIN++", TermType: "xterm", MTTS: 2381, Color: ColorTrue, UTF8: true, ScreenReader: true}},
		{"MTTS ANSI only", []string{"CMUD", "ANSI", "MTTS 1"}, 4,
			Terminal{Client: "CMUD", TermType: "ANSI", MTTS: 1, Color: Color16}},
		{"MTTS overrides the name", []string{"X", "XTERM-256COLOR", "MTTS 4"}, 4,
			Terminal{Client: "X", TermType: "XTERM-256COLOR", MTTS: 4, Color: ColorNone, UTF8: true}},
		{"bare name repeated", []string{"MUDLET", "MUDLET"}, 2,
			Terminal{Client: "MUDLET"}},
		{"plain telnet: one terminal type", []string{"XTERM-256COLOR", "XTERM-256COLOR"}, 2,
			Terminal{Client: "XTERM-256COLOR", Color: Color256}},
		{"two names then repeat", []string{"FOO", "vt100", "vt100"}, 3,
			Terminal{Client: "FOO", TermType: "vt100", Color: Color16}},
		{"truecolor name", []string{"FOO", "xterm-direct", "xterm-direct"}, 3,
			Terminal{Client: "FOO", TermType: "xterm-direct", Color: ColorTrue}},
		{"unknown terminal", []string{"FOO", "dumb", "dumb"}, 3,
			Terminal{Client: "FOO", TermType: "dumb"}},
		{"client name is not a colour", []string{"ANSI-CLIENT-NOT", "MUDLET", "MUDLET"}, 3,
			// First answer looks like a terminal, but there is a second.
			Terminal{Client: "ANSI-CLIENT-NOT", TermType: "MUDLET"}},
		{"never repeats: capped", []string{"A", "B", "C", "D", "E", "F"}, maxTTYPERequests,
			Terminal{Client: "A", TermType: "B"}},
		{"control bytes in names dropped", []string{"MUD\x1b[31mLET\x00"}, 2,
			Terminal{Client: "MUD[31mLET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtocol(0)
			p.start()
			p.out = p.out[:0]
			var ps Parser
			sends := 0
			count := func() {
				sends += bytes.Count(p.out, ttypeSend)
				p.out = p.out[:0]
			}
			ps.Parse(seq(IAC, WILL, OptTTYPE), p)
			count()
			for _, a := range tt.answers {
				ps.Parse(ttypeIs(a), p)
				count()
			}
			if sends != tt.sends {
				t.Fatalf("sent %d SEND requests, want %d", sends, tt.sends)
			}
			if p.term != tt.want {
				t.Fatalf("terminal\n got %+v\nwant %+v", p.term, tt.want)
			}
		})
	}
}

func TestTTYPEUnaskedIgnored(t *testing.T) {
	// Answers without a SEND (or before agreement) change nothing.
	p := feed(0, ttypeIs("MUDLET"))
	if p.term.Client != "" {
		t.Fatalf("unagreed TTYPE applied: %+v", p.term)
	}
	p = feed(0, seq(IAC, WILL, OptTTYPE), ttypeIs("MUDLET"), ttypeIs("OTHER"), ttypeIs("THIRD"))
	if p.term.Client != "MUDLET" || p.term.TermType != "OTHER" {
		t.Fatalf("terminal %+v", p.term)
	}
	// A SEND from the client (we are no terminal) is ignored.
	p = feed(0, seq(IAC, WILL, OptTTYPE, IAC, SB, OptTTYPE, 1, IAC, SE))
	if !bytes.Equal(p.out, seq(IAC, DO, OptTTYPE, IAC, SB, OptTTYPE, 1, IAC, SE)) {
		t.Fatalf("replies %s", show(p.out))
	}
}

func TestCharset(t *testing.T) {
	charsetSB := func(parts ...any) []byte {
		return seq(IAC, SB, OptCharset, seq(parts...), IAC, SE)
	}
	tests := []struct {
		name  string
		in    []byte
		reply []byte
		utf8  bool
	}{
		{"accepted", seq(IAC, DO, OptCharset, charsetSB(2, "UTF-8")),
			seq(charsetSB(1, ";UTF-8")), true},
		{"accepted lower case", seq(IAC, DO, OptCharset, charsetSB(2, "utf-8")),
			seq(charsetSB(1, ";UTF-8")), true},
		{"accepted something else", seq(IAC, DO, OptCharset, charsetSB(2, "ISO-8859-1")),
			seq(charsetSB(1, ";UTF-8")), false},
		{"rejected", seq(IAC, DO, OptCharset, charsetSB(3)),
			seq(charsetSB(1, ";UTF-8")), false},
		{"accepted without a request", seq(IAC, WILL, OptCharset, charsetSB(2, "UTF-8")),
			seq(IAC, DO, OptCharset), false},
		{"client request offering UTF-8", seq(IAC, WILL, OptCharset, charsetSB(1, " ISO-8859-1 utf-8")),
			seq(IAC, DO, OptCharset, charsetSB(2, "utf-8")), true},
		{"client request with TTABLE version", seq(IAC, WILL, OptCharset, charsetSB(1, "[TTABLE]", 1, ";UTF-8")),
			seq(IAC, DO, OptCharset, charsetSB(2, "UTF-8")), true},
		{"client request without UTF-8", seq(IAC, WILL, OptCharset, charsetSB(1, ";ISO-8859-1;US-ASCII")),
			seq(IAC, DO, OptCharset, charsetSB(3)), false},
		{"client request empty", seq(IAC, WILL, OptCharset, charsetSB(1)),
			seq(IAC, DO, OptCharset, charsetSB(3)), false},
		{"crossing requests: ours stands", seq(IAC, DO, OptCharset, charsetSB(1, ";UTF-8")),
			seq(charsetSB(1, ";UTF-8"), charsetSB(3)), false},
		{"crossing, then our answer", seq(IAC, DO, OptCharset, charsetSB(1, ";UTF-8"), charsetSB(2, "UTF-8")),
			seq(charsetSB(1, ";UTF-8"), charsetSB(3)), true},
		{"ttable refused", seq(IAC, WILL, OptCharset, charsetSB(4, 1)),
			seq(IAC, DO, OptCharset, charsetSB(5)), false},
		{"before agreement ignored", seq(charsetSB(1, ";UTF-8")), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtocol(0)
			p.start()
			p.out = p.out[:0]
			var ps Parser
			ps.Parse(tt.in, p)
			if !bytes.Equal(p.out, tt.reply) {
				t.Fatalf("replies %s, want %s", show(p.out), show(tt.reply))
			}
			if p.term.UTF8 != tt.utf8 {
				t.Fatalf("UTF8 = %v, want %v", p.term.UTF8, tt.utf8)
			}
		})
	}
}

func TestEORAndOptionName(t *testing.T) {
	p := newProtocol(0)
	p.start()
	var ps Parser
	ps.Parse(seq(IAC, DO, OptEOR), p)
	if !p.term.EOR {
		t.Fatal("DO EOR did not set EOR")
	}
	ps.Parse(seq(IAC, DONT, OptEOR), p)
	if p.term.EOR {
		t.Fatal("DONT EOR kept EOR")
	}
	for opt, want := range map[byte]string{OptNAWS: "NAWS", OptGMCP: "GMCP", 0: "OPT0", 123: "OPT123", 255: "OPT255"} {
		if got := OptionName(opt); got != want {
			t.Errorf("OptionName(%d) = %q, want %q", opt, got, want)
		}
	}
}

func TestColorFromTermType(t *testing.T) {
	tests := map[string]ColorLevel{
		"": ColorNone, "dumb": ColorNone, "MUDLET": ColorNone, "TINTIN++": ColorNone,
		"xterm": Color16, "XTERM": Color16, "ansi": Color16, "vt100": Color16, "linux": Color16,
		"screen": Color16, "tmux": Color16, "rxvt-unicode": Color16, "xterm-color": Color16,
		"xterm-256color": Color256, "XTERM-256COLOR": Color256, "screen-256color": Color256, "tmux-256color": Color256,
		"xterm-direct": ColorTrue, "truecolor": ColorTrue, "xterm-truecolor": ColorTrue,
	}
	for name, want := range tests {
		if got := colorFromTermType(name); got != want {
			t.Errorf("colorFromTermType(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestNegotiationNoAllocs: negotiation and subnegotiation in steady state
// (resizes, toggles, answers) allocate nothing.
func TestNegotiationNoAllocs(t *testing.T) {
	p := newProtocol(0)
	p.start()
	var ps Parser
	ps.Parse(seq(IAC, WILL, OptNAWS, IAC, WILL, OptTTYPE, ttypeIs("A"), ttypeIs("XTERM-256COLOR"), ttypeIs("MTTS 271"), ttypeIs("MTTS 271")), p)
	in := seq(IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE, IAC, SB, OptNAWS, 0, 81, 0, 24, IAC, SE,
		IAC, WILL, OptSGA, IAC, WONT, OptSGA, IAC, DO, OptEOR, IAC, DONT, OptEOR,
		ttypeIs("B"), IAC, NOP, IAC, GA, IAC, AYT)
	run := func() {
		p.aytAnswered = false
		ps.Parse(in, p)
		p.out = p.out[:0]
	}
	run()
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Fatalf("%v allocations per run, want 0", n)
	}
}
