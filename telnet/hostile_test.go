package telnet

import (
	"bytes"
	"math/rand"
	"testing"
	"unicode/utf8"
)

// checkInvariants asserts what must hold whatever the client sent.
func checkInvariants(t testing.TB, p *protocol, ps *Parser, maxLine, maxSB int) {
	t.Helper()
	if cap(p.lines.buf) > maxLine {
		t.Fatalf("line buffer cap %d > %d", cap(p.lines.buf), maxLine)
	}
	if cap(ps.sb) > maxSB {
		t.Fatalf("subneg buffer cap %d > %d", cap(ps.sb), maxSB)
	}
	for _, r := range p.lines.ready[p.lines.head:] {
		if !utf8.ValidString(r.s) {
			t.Fatalf("invalid UTF-8 line %q", r.s)
		}
		for _, c := range r.s {
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) {
				t.Fatalf("control %U in line %q", c, r.s)
			}
		}
	}
}

// TestEveryIACTriple feeds IAC x y for every x, y, alone and after the
// opening negotiation, then checks the stream still works.
func TestEveryIACTriple(t *testing.T) {
	for x := 0; x < 256; x++ {
		for y := 0; y < 256; y++ {
			for _, withStart := range []bool{false, true} {
				p := newProtocol(0)
				if withStart {
					p.start()
				}
				var ps Parser
				ps.Parse([]byte{IAC, byte(x), byte(y)}, p)
				// Close whatever was opened, then a line must come through.
				ps.Parse(seq(IAC, SE, "\r\nok\r\n"), p)
				checkInvariants(t, p, &ps, DefaultMaxLine, DefaultMaxSubneg)
				lines := drain(p)
				if len(lines) == 0 || lines[len(lines)-1] != "ok" {
					t.Fatalf("IAC %d %d: lines %q", x, y, lines)
				}
				if len(p.out) > 64 {
					t.Fatalf("IAC %d %d: %d bytes of replies", x, y, len(p.out))
				}
			}
		}
	}
	// And all of them in one stream.
	var all []byte
	for x := 0; x < 256; x++ {
		for y := 0; y < 256; y++ {
			all = append(all, IAC, byte(x), byte(y))
		}
	}
	p := newProtocol(0)
	p.start()
	var ps Parser
	ps.Parse(all, p)
	checkInvariants(t, p, &ps, DefaultMaxLine, DefaultMaxSubneg)
}

func TestRandomJunk(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const maxLine, maxSB = 256, 128
	for round := 0; round < 200; round++ {
		p := newProtocol(maxLine)
		p.start()
		ps := NewParser(maxSB)
		junk := make([]byte, 1+rng.Intn(20000))
		rng.Read(junk)
		// Bias towards telnet bytes so the interesting states are reached.
		for i := range junk {
			if rng.Intn(4) == 0 {
				junk[i] = byte(236 + rng.Intn(20))
			}
		}
		for len(junk) > 0 {
			n := 1 + rng.Intn(len(junk))
			ps.Parse(junk[:n], p)
			junk = junk[n:]
			checkInvariants(t, p, ps, maxLine, maxSB)
			drain(p)
			p.out = p.out[:0]
		}
	}
}

// TestSubnegNeverClosedProtocol: a client opening a subnegotiation and
// sending forever costs at most the cap, and text resumes after IAC SE.
func TestSubnegNeverClosedProtocol(t *testing.T) {
	p := newProtocol(0)
	p.start()
	ps := NewParser(DefaultMaxSubneg)
	ps.Parse(seq(IAC, WILL, OptTTYPE, IAC, SB, OptTTYPE, 0), p)
	chunk := bytes.Repeat([]byte("A"), 4096)
	for i := 0; i < 256; i++ { // 1 MB
		ps.Parse(chunk, p)
	}
	checkInvariants(t, p, ps, DefaultMaxLine, DefaultMaxSubneg)
	ps.Parse(seq(IAC, SE, "look\r\n"), p)
	if got := drain(p); len(got) != 1 || got[0] != "look" {
		t.Fatalf("lines %q", got)
	}
	if p.term.Client != "" {
		t.Fatalf("oversized TTYPE applied: %q", p.term.Client)
	}
}
