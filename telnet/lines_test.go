package telnet

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"CR LF", seq("look\r\n"), []string{"look"}},
		{"CR NUL", seq("look\r\x00"), []string{"look"}},
		{"bare CR", seq("look\rnorth\r"), []string{"look", "north"}},
		{"bare LF", seq("look\nnorth\n"), []string{"look", "north"}},
		{"mixed", seq("a\r\nb\r\x00c\rd\ne\n\r"), []string{"a", "b", "c", "d", "e", ""}},
		{"empty lines", seq("\r\n\r\n\n"), []string{"", "", ""}},
		{"LF CR is two ends", seq("a\n\rb\r\n"), []string{"a", "", "b"}},
		{"CR CR is two ends", seq("a\r\rb\r\n"), []string{"a", "", "b"}},
		{"no end yet", seq("partial"), nil},
		{"tab becomes space", seq("say\thi\r\n"), []string{"say hi"}},
		{"controls dropped", seq("a\x00b\x07c\x1b[31md\x7fe\x08f\r\n"), []string{"abc[31mdef"}},
		{"C1 controls dropped", seq("a\u009b31mb\u0085c\r\n"), []string{"a31mbc"}},
		{"UTF-8 kept", seq("say héllo ✓ 世界\r\n"), []string{"say héllo ✓ 世界"}},
		{"invalid UTF-8 replaced", seq("caf\xe9\r\n"), []string{"caf\uFFFD"}},
		{"invalid run replaced once", seq("a\xfe\xfdb\r\n"), []string{"a\uFFFDb"}},
		{"truncated sequence", seq("a\xe2\x82\r\n"), []string{"a\uFFFD"}},
		{"no C1 from repair", seq("\xc2\xc2\x80\x80\r\n"), []string{"\uFFFD\uFFFD"}},
		{"IAC IAC in text", seq("a", IAC, IAC, "b\r\n"), []string{"a\uFFFDb"}},
		{"EC", seq("abc", IAC, EC, "d\r\n"), []string{"abd"}},
		{"EC on empty line", seq(IAC, EC, IAC, EC, "x\r\n"), []string{"x"}},
		{"EC removes a whole rune", seq("hé", IAC, EC, "\r\n"), []string{"h"}},
		{"EC twice", seq("abc", IAC, EC, IAC, EC, "\r\n"), []string{"a"}},
		{"EL", seq("abc", IAC, EL, "xy\r\n"), []string{"xy"}},
		{"EL only affects the pending line", seq("one\r\ntw", IAC, EL, "two\r\n"), []string{"one", "two"}},
		{"negotiation inside a line", seq("lo", IAC, WILL, OptNAWS, "ok\r", IAC, NOP, "\n"), []string{"look"}},
		{"subneg inside a line", seq("lo", IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE, "ok\r\n"), []string{"look"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, chunks ...[]byte) {
				t.Helper()
				if got := drain(feed(0, chunks...)); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("%s: lines %q, want %q", how, got, tt.want)
				}
			}
			check("whole", tt.in)
			for i := 0; i <= len(tt.in); i++ {
				check("split", tt.in[:i], tt.in[i:])
			}
		})
	}
}

func TestLineTooLong(t *testing.T) {
	const limit = 10
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"at the limit", seq("0123456789\r\n"), []string{"0123456789"}},
		{"one over", seq("0123456789x\r\nok\r\n"), []string{"<telnet: input line too long>", "ok"}},
		// Reported when it passes the limit, not at its end, so a line that
		// never ends is reported too.
		{"never ends", seq(strings.Repeat("x", 100)), []string{"<telnet: input line too long>"}},
		{"reported once", seq(strings.Repeat("x", 100), "\r\n", strings.Repeat("y", 100), "\nz\n"),
			[]string{"<telnet: input line too long>", "<telnet: input line too long>", "z"}},
		{"EL does not end discarding", seq(strings.Repeat("x", 20), IAC, EL, "abc\r\nok\r\n"),
			[]string{"<telnet: input line too long>", "ok"}},
		{"controls do not count", seq("01234\x01\x01\x01\x0156789\r\n"), []string{"0123456789"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := feed(limit, tt.in)
			if got := drain(p); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("lines %q, want %q", got, tt.want)
			}
			if cap(p.lines.buf) > limit {
				t.Fatalf("line buffer grew to %d", cap(p.lines.buf))
			}
		})
	}
}

func TestLineFlushAtEOF(t *testing.T) {
	p := feed(0, seq("look"))
	p.lines.flush()
	if got := drain(p); !reflect.DeepEqual(got, []string{"look"}) {
		t.Fatalf("got %q", got)
	}
	p = feed(0, seq("look\r"))
	p.lines.flush()
	if got := drain(p); !reflect.DeepEqual(got, []string{"look"}) {
		t.Fatalf("got %q", got)
	}
}

// TestLineAllocs: the data path allocates only the returned string, once
// per line; lines that are all in one read share no further allocation.
func TestLineAllocs(t *testing.T) {
	p := newProtocol(0)
	var ps Parser
	in := seq("say hello there, how are you today?\r\n", "x\r\n", IAC, NOP,
		IAC, WILL, OptNAWS, IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE)
	run := func() {
		ps.Parse(in, p)
		for {
			if _, ok := p.lines.next(); !ok {
				break
			}
		}
	}
	run()
	// Two lines per run, each one string.
	if n := testing.AllocsPerRun(1000, run); n > 2 {
		t.Fatalf("%v allocations per run, want at most 2 (one per line)", n)
	}
	// Without a completed line: nothing at all.
	noLine := seq("abc", IAC, EL, IAC, SB, OptNAWS, 0, 81, 0, 24, IAC, SE, "\t", IAC, EC)
	if n := testing.AllocsPerRun(1000, func() { ps.Parse(noLine, p) }); n != 0 {
		t.Fatalf("%v allocations without a line, want 0", n)
	}
	// Empty lines cost nothing either.
	empty := bytes.Repeat([]byte("\r\n"), keepLineQueue/2)
	if n := testing.AllocsPerRun(100, func() {
		ps.Parse(empty, p)
		for {
			if _, ok := p.lines.next(); !ok {
				break
			}
		}
	}); n != 0 {
		t.Fatalf("%v allocations for empty lines, want 0", n)
	}
}

func TestFinishLineValid(t *testing.T) {
	for _, in := range []string{"", "abc", "\xff", "\xc2", "\xc2\x9f", "a\xc2\x80\xc2", "\xed\xa0\x80"} {
		got := finishLine([]byte(in))
		if !utf8.ValidString(got) {
			t.Errorf("finishLine(%q) = %q: invalid", in, got)
		}
		for _, r := range got {
			if r >= 0x80 && r <= 0x9f {
				t.Errorf("finishLine(%q) = %q: C1 left", in, got)
			}
		}
	}
}

// TestLineQueueBounded: a read full of empty lines queues at most one per
// byte, and the queue is not kept at that size once drained.
func TestLineQueueBounded(t *testing.T) {
	p := feed(0, bytes.Repeat([]byte("\n"), readBufferSize))
	if n := len(p.lines.ready); n != readBufferSize {
		t.Fatalf("queued %d lines", n)
	}
	drain(p)
	if c := cap(p.lines.ready); c > keepLineQueue {
		t.Fatalf("queue kept at %d slots", c)
	}
}
