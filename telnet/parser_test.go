package telnet

import (
	"bytes"
	"reflect"
	"testing"
)

func TestParserEvents(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"plain text", seq("hello\r\n"), []string{`data "hello\r\n"`}},
		{"IAC IAC is a literal 255", seq("a", IAC, IAC, "b"), []string{`data "a\xffb"`}},
		{"two literal 255s", seq(IAC, IAC, IAC, IAC), []string{`data "\xff\xff"`}},
		{"commands", seq(IAC, NOP, IAC, GA, IAC, AYT, IAC, EC, IAC, EL, IAC, DM, IAC, EOR),
			[]string{"cmd 241", "cmd 249", "cmd 246", "cmd 247", "cmd 248", "cmd 242", "cmd 239"}},
		{"stray SE is a command", seq(IAC, SE), []string{"cmd 240"}},
		{"negotiation", seq(IAC, WILL, OptTTYPE, IAC, WONT, OptEcho, IAC, DO, OptEOR, IAC, DONT, OptSGA),
			[]string{"WILL 24", "WONT 1", "DO 25", "DONT 3"}},
		{"negotiation on option 255", seq(IAC, DO, IAC, "x"), []string{"DO 255", `data "x"`}},
		{"negotiation glued to text", seq(IAC, WILL, OptNAWS, "look\r\n"),
			[]string{"WILL 31", `data "look\r\n"`}},
		// RFC 1073 example: 80x24.
		{"NAWS", seq(IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE), []string{`sb 31 "\x00P\x00\x18"`}},
		// A width of 255 arrives doubled.
		{"NAWS with doubled 255", seq(IAC, SB, OptNAWS, 0, IAC, IAC, 0, 24, IAC, SE),
			[]string{`sb 31 "\x00\xff\x00\x18"`}},
		// RFC 1091: IAC SB TERMINAL-TYPE IS ... IAC SE.
		{"TTYPE IS", seq(IAC, SB, OptTTYPE, 0, "MUDLET", IAC, SE), []string{`sb 24 "\x00MUDLET"`}},
		{"empty subneg", seq(IAC, SB, OptMCCP2, IAC, SE), []string{`sb 86 ""`}},
		{"SE without IAC is payload", seq(IAC, SB, OptGMCP, "a", SE, "b", IAC, SE), []string{`sb 201 "a\xf0b"`}},
		{"unclosed SB broken by a command", seq(IAC, SB, OptNAWS, 0, 80, IAC, WILL, OptEcho, "x"),
			[]string{"WILL 1", `data "x"`}},
		{"unclosed SB broken by NOP", seq(IAC, SB, OptNAWS, 1, IAC, NOP, "y"), []string{"cmd 241", `data "y"`}},
		{"text around everything", seq("a", IAC, DO, 1, "b", IAC, SB, 24, 1, IAC, SE, "c"),
			[]string{`data "a"`, "DO 1", `data "b"`, `sb 24 "\x01"`, `data "c"`}},
		{"incomplete at end", seq("a", IAC, SB, 24, 0, "x"), []string{`data "a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseAll(0, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events\n got %q\nwant %q", got, tt.want)
			}
			// Any split, even one byte at a time, parses the same.
			for i := 0; i <= len(tt.in); i++ {
				if got := parseAll(0, tt.in[:i], tt.in[i:]); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("split at %d:\n got %q\nwant %q", i, got, tt.want)
				}
			}
			var chunks [][]byte
			for i := range tt.in {
				chunks = append(chunks, tt.in[i:i+1])
			}
			if got := parseAll(0, chunks...); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("byte by byte:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParserSubnegCap(t *testing.T) {
	const limit = 16
	ok := seq(IAC, SB, OptGMCP, bytes.Repeat([]byte("x"), limit), IAC, SE)
	if got := parseAll(limit, ok); len(got) != 1 {
		t.Fatalf("payload at the cap: got %q", got)
	}
	// One byte over (even as a doubled IAC): dropped, and parsing goes on.
	for _, over := range [][]byte{
		seq(bytes.Repeat([]byte("x"), limit+1)),
		seq(bytes.Repeat([]byte("x"), limit), IAC, IAC),
	} {
		in := seq(IAC, SB, OptGMCP, over, IAC, SE, "after", IAC, NOP)
		want := []string{`data "after"`, "cmd 241"}
		if got := parseAll(limit, in); !reflect.DeepEqual(got, want) {
			t.Fatalf("over the cap: got %q, want %q", got, want)
		}
	}
}

// An SB that never closes must not grow memory past the cap.
func TestParserSubnegNeverClosed(t *testing.T) {
	p := NewParser(1024)
	r := &recorder{}
	junk := bytes.Repeat([]byte("0123456789"), 100)
	p.Parse(seq(IAC, SB, OptGMCP), r)
	for i := 0; i < 1000; i++ { // 1 MB
		p.Parse(junk, r)
		if cap(p.sb) > 1024 {
			t.Fatalf("subneg buffer grew to %d", cap(p.sb))
		}
	}
	p.Parse(seq(IAC, SE, "ok"), r)
	if got := r.result(); !reflect.DeepEqual(got, []string{`data "ok"`}) {
		t.Fatalf("got %q", got)
	}
}

// stopper stops the parser at the first subnegotiation, as MCCP3 will.
type stopper struct {
	recorder
	p *Parser
}

func (s *stopper) Subneg(opt byte, payload []byte) {
	s.recorder.Subneg(opt, payload)
	s.p.Stop()
}

func TestParserStop(t *testing.T) {
	in := seq("a", IAC, SB, OptMCCP3, IAC, SE, "compressed")
	p := &Parser{}
	s := &stopper{p: p}
	n := p.Parse(in, s)
	if rest := string(in[n:]); rest != "compressed" {
		t.Fatalf("left %q, want %q", rest, "compressed")
	}
	if got := s.result(); !reflect.DeepEqual(got, []string{`data "a"`, `sb 87 ""`}) {
		t.Fatalf("got %q", got)
	}
}

// nopHandler discards events; it measures the parser alone.
type nopHandler struct{ n int }

func (h *nopHandler) Data(p []byte)             { h.n += len(p) }
func (h *nopHandler) Command(byte)              {}
func (h *nopHandler) Negotiate(byte, byte)      {}
func (h *nopHandler) Subneg(opt byte, p []byte) { h.n += len(p) }

func TestParserNoAllocs(t *testing.T) {
	in := seq("say hello\r\n", IAC, IAC, IAC, NOP, IAC, WILL, OptNAWS,
		IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE, "more text\r\n")
	p := NewParser(0)
	h := &nopHandler{}
	p.Parse(in, h) // first pass may size the subneg buffer
	if n := testing.AllocsPerRun(1000, func() { p.Parse(in, h) }); n != 0 {
		t.Fatalf("Parse allocates %v times per run", n)
	}
}
