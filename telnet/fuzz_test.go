package telnet

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

// fuzzSeeds are sequences worth starting from.
var fuzzSeeds = [][]byte{
	seq("look\r\n"),
	seq("a\r\x00b\rc\nd"),
	seq("a", IAC, IAC, "b", IAC, EC, IAC, EL, "\r\n"),
	seq(IAC, WILL, OptTTYPE, IAC, SB, OptTTYPE, 0, "MUDLET", IAC, SE, IAC, SB, OptTTYPE, 0, "MTTS 271", IAC, SE),
	seq(IAC, WILL, OptNAWS, IAC, SB, OptNAWS, 0, IAC, IAC, 0, 24, IAC, SE),
	seq(IAC, SB, OptNAWS, 0, 80, IAC, SE),
	seq(IAC, DO, OptCharset, IAC, SB, OptCharset, 2, "UTF-8", IAC, SE),
	seq(IAC, WILL, OptCharset, IAC, SB, OptCharset, 1, "[TTABLE]", 1, ";UTF-8", IAC, SE),
	seq(IAC, SB, OptGMCP, "Core.Hello {}", IAC, WILL, 1, "x\r\n"),
	seq(IAC, DO, OptEcho, IAC, DONT, OptEcho, IAC, WILL, 99, IAC, AYT, IAC, NOP),
	seq(IAC, SB, IAC, SE, IAC),
	seq("caf\xe9\xc2\x9b\x1b[0m\r\n"),
}

// tape is a fast Handler for fuzzing: it encodes every event into one
// byte string, merging adjacent data runs so splits do not show.
type tape struct {
	out, data []byte
}

func (t *tape) flush() {
	if len(t.data) > 0 {
		t.out = binary.AppendUvarint(append(t.out, 'd'), uint64(len(t.data)))
		t.out = append(t.out, t.data...)
		t.data = t.data[:0]
	}
}
func (t *tape) Data(p []byte)       { t.data = append(t.data, p...) }
func (t *tape) Command(cmd byte)    { t.flush(); t.out = append(t.out, 'c', cmd) }
func (t *tape) Negotiate(v, o byte) { t.flush(); t.out = append(t.out, 'n', v, o) }
func (t *tape) Subneg(opt byte, p []byte) {
	t.flush()
	t.out = binary.AppendUvarint(append(t.out, 's', opt), uint64(len(p)))
	t.out = append(t.out, p...)
}

// maxFuzzInput bounds the input: checking every split is quadratic, and
// telnet's sequences are short, so longer inputs only slow the fuzzer.
const maxFuzzInput = 1024

// FuzzParser feeds the input whole and split in two at every position, as
// TCP may deliver it, and requires the same events; then the same for the
// protocol layer (lines, replies and Terminal).
func FuzzParser(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			in = in[:maxFuzzInput]
		}
		const maxSB, maxLine = 64, 32
		events := func(chunks ...[]byte) []byte {
			ps := NewParser(maxSB)
			var tp tape
			for _, c := range chunks {
				if n := ps.Parse(c, &tp); n != len(c) {
					t.Fatalf("Parse consumed %d of %d without Stop", n, len(c))
				}
			}
			tp.flush()
			return tp.out
		}
		run := func(chunks ...[]byte) ([]string, []byte, Terminal) {
			p := newProtocol(maxLine)
			p.start()
			ps := NewParser(maxSB)
			for _, c := range chunks {
				ps.Parse(c, p)
			}
			checkInvariants(t, p, ps, maxLine, maxSB)
			return drain(p), p.out, p.term
		}
		we := events(in)
		wl, wo, wt := run(in)
		for i := 0; i <= len(in); i++ {
			if ge := events(in[:i], in[i:]); !bytes.Equal(ge, we) {
				t.Fatalf("split at %d: events %q, want %q", i, ge, we)
			}
			gl, gout, gt := run(in[:i], in[i:])
			if !reflect.DeepEqual(gl, wl) || !bytes.Equal(gout, wo) || gt != wt {
				t.Fatalf("split at %d:\nlines %q / %q\nout %s / %s\nterm %+v / %+v",
					i, gl, wl, show(gout), show(wo), gt, wt)
			}
		}
	})
}

// FuzzConnLines drives a whole Conn over an in-memory connection, with the
// input cut into reads of sizes taken from the first byte, and checks the
// lines against those of a single read.
func FuzzConnLines(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(byte(3), s)
	}
	f.Fuzz(func(t *testing.T, step byte, in []byte) {
		if len(in) > 64*maxFuzzInput {
			in = in[:64*maxFuzzInput]
		}
		read := func(chunks [][]byte) []string {
			fc := &fakeConn{chunks: chunks}
			c := NewConn(fc, Config{MaxLine: 32, MaxSubneg: 64})
			var lines []string
			for {
				s, err := c.ReadLine()
				if err == ErrLineTooLong {
					lines = append(lines, "<too long>")
					continue
				}
				if err != nil {
					return lines
				}
				lines = append(lines, s)
			}
		}
		want := read([][]byte{bytes.Clone(in)})
		n := int(step%16) + 1
		var chunks [][]byte
		for rest := in; len(rest) > 0; {
			k := min(n, len(rest))
			chunks = append(chunks, bytes.Clone(rest[:k]))
			rest = rest[k:]
		}
		if got := read(chunks); !reflect.DeepEqual(got, want) {
			t.Fatalf("reads of %d:\n got %q\nwant %q", n, got, want)
		}
	})
}
