package telnet

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"reflect"
	"strings"
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
	// MUD protocols.
	seq(IAC, DO, OptGMCP, IAC, SB, OptGMCP, `Core.Supports.Set ["Char 1"]`, IAC, SE, IAC, SB, OptGMCP, "Core.Ping", IAC, SE),
	seq(IAC, DO, OptGMCP, IAC, SB, OptGMCP, "A ", IAC, IAC, IAC, SE, IAC, DONT, OptGMCP, IAC, SB, OptGMCP, "B", IAC, SE),
	seq(IAC, DO, OptMSSP, IAC, DONT, OptMSSP, IAC, DO, OptMSSP),
	seq(IAC, DO, OptMCCP2, "x\r\n", IAC, DONT, OptMCCP2, IAC, DO, OptMCCP2),
	seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE, "x"),
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
		// mud is what the MUD protocols left for the Conn: GMCP messages,
		// compression switches, MSSP and MCCP3 flags.
		type mud struct {
			gmcp      []gmcpMsg
			switches  []outSwitch
			mssp, inf bool
		}
		run := func(chunks ...[]byte) ([]string, []byte, Terminal, mud) {
			p := newProtocol(maxLine)
			p.offerMSSP, p.wantGMCP = true, true
			p.start()
			ps := NewParser(maxSB)
			for _, c := range chunks {
				ps.Parse(c, p)
			}
			checkInvariants(t, p, ps, maxLine, maxSB)
			for _, sw := range p.switches {
				if sw.at > len(p.out) {
					t.Fatalf("switch at %d past %d bytes of replies", sw.at, len(p.out))
				}
			}
			for _, m := range p.gmcpIn {
				if m.pkg == "" || len(m.pkg)+len(m.data) > maxSB {
					t.Fatalf("GMCP message %q", m)
				}
			}
			return drain(p), p.out, p.term, mud{p.gmcpIn, p.switches, p.msspDue, p.inflating}
		}
		we := events(in)
		wl, wo, wt, wm := run(in)
		for i := 0; i <= len(in); i++ {
			if ge := events(in[:i], in[i:]); !bytes.Equal(ge, we) {
				t.Fatalf("split at %d: events %q, want %q", i, ge, we)
			}
			gl, gout, gt, gm := run(in[:i], in[i:])
			if !reflect.DeepEqual(gl, wl) || !bytes.Equal(gout, wo) || gt != wt || !reflect.DeepEqual(gm, wm) {
				t.Fatalf("split at %d:\nlines %q / %q\nout %s / %s\nterm %+v / %+v\nmud %+v / %+v",
					i, gl, wl, show(gout), show(wo), gt, wt, gm, wm)
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

// FuzzMCCP3 sends the input through a Conn twice: as plain telnet, and
// with its first part compressed as an MCCP3 stream (the rest plain after
// the stream ends), cut into reads of sizes taken from step. The lines
// must be the same: decompressed input is parsed as if it came plain. Then
// the input itself follows IAC SB MCCP3 IAC SE as a (most likely corrupt)
// stream: whatever happens must end, within the limits.
func FuzzMCCP3(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(byte(3), uint16(len(s)/2), s)
	}
	f.Add(byte(0), uint16(2), seq(0x78, 0x9c, 0x03, 0x00, 0, 0, 0, 1, "x\r\n"))
	f.Add(byte(0x85), uint16(8000), bytes.Repeat([]byte("say hello there\r\n"), 500))
	f.Fuzz(func(t *testing.T, step byte, k uint16, in []byte) {
		if len(in) > 8*maxFuzzInput {
			in = in[:8*maxFuzzInput]
		}
		const maxLine, maxSB = 32, 64
		start := seq(IAC, DO, OptMCCP3, IAC, SB, OptMCCP3, IAC, SE)
		read := func(cfg Config, chunks ...[]byte) ([]string, *Conn, error) {
			cfg.MaxLine, cfg.MaxSubneg = maxLine, maxSB
			c := NewConn(&fakeConn{chunks: chunks, discard: true}, cfg)
			c.Start()
			var lines []string
			for {
				s, err := c.ReadLine()
				checkInvariants(t, c.proto, &c.parser, maxLine, maxSB)
				if err == ErrLineTooLong {
					lines = append(lines, "<too long>")
					continue
				}
				if err != nil {
					return lines, c, err
				}
				lines = append(lines, s)
			}
		}
		cut := func(b []byte) [][]byte {
			n := int(step%16) + 1
			var chunks [][]byte
			for len(b) > 0 {
				m := min(n, len(b))
				chunks = append(chunks, bytes.Clone(b[:m]))
				b = b[m:]
			}
			return chunks
		}

		// Garbage after SB MCCP3: ends, within the limits (checked in read).
		if _, c, err := read(Config{}, cut(seq(start, in))...); err == nil || c.inf != nil {
			t.Fatalf("ended with %v, decompressor %v", err, c.inf != nil)
		}

		if bytes.Contains(in, []byte{SB, OptMCCP3}) {
			return // a new MCCP3 start in the plain part would make its rest garbage
		}
		split := int(k) % (len(in) + 1)
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, int(step)%10)
		half := split / 2
		zw.Write(in[:half])
		zw.Flush()
		zw.Write(in[half:split])
		plain := in
		tail := in[split:]
		if step&0x80 == 0 {
			zw.Close()
		} else {
			// The client disconnects without ending its stream.
			zw.Flush()
			plain, tail = in[:split], nil
		}
		want, _, werr := read(Config{NoCompression: true}, seq(start, plain))
		got, c, gerr := read(Config{}, cut(seq(start, z.Bytes(), tail))...)
		if !reflect.DeepEqual(got, want) || gerr != werr {
			t.Fatalf("compressed up to %d, reads of %d:\n got %q, %v\nwant %q, %v", split, step%16+1, got, gerr, want, werr)
		}
		if c.inf != nil {
			t.Fatal("decompressor kept after the input ended")
		}
	})
}

// FuzzAppendGMCP: any frame parses back to exactly the message.
func FuzzAppendGMCP(f *testing.F) {
	f.Add("Core.Hello", []byte(`{"client":"x"}`))
	f.Add("A\xffB", []byte("\xff\xf0\xff"))
	f.Add("", []byte(nil))
	f.Fuzz(func(t *testing.T, pkg string, data []byte) {
		frame := AppendGMCP(nil, pkg, data)
		want := pkg
		if len(data) > 0 {
			want += " " + string(data)
		}
		var tp tape
		if n := NewParser(len(frame)).Parse(frame, &tp); n != len(frame) {
			t.Fatalf("parsed %d of %d", n, len(frame))
		}
		var wt tape
		wt.Subneg(OptGMCP, []byte(want))
		if tp.flush(); !bytes.Equal(tp.out, wt.out) {
			t.Fatalf("frame %s parsed as %q", show(frame), tp.out)
		}
		// And the protocol hands it over as sent, when it can be split.
		if pkg == "" || strings.IndexByte(pkg, ' ') >= 0 {
			return
		}
		p := newProtocol(0)
		p.wantGMCP = true
		p.start()
		ps := NewParser(len(frame))
		ps.Parse(seq(IAC, DO, OptGMCP, frame), p)
		wd := []byte(nil)
		if len(data) > 0 {
			wd = data
		}
		if len(p.gmcpIn) != 1 || p.gmcpIn[0].pkg != pkg || !bytes.Equal(p.gmcpIn[0].data, wd) {
			t.Fatalf("got %q", p.gmcpIn)
		}
	})
}

// FuzzAppendMSSP: any frame parses back to the variables, stripped of the
// bytes MSSP cannot carry.
func FuzzAppendMSSP(f *testing.F) {
	f.Add("NAME", "Shard", "PORT", "4000")
	f.Add("A\x00\x01", "\x02\xffB", "", "x")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		vars := []MSSPVar{{Name: n1, Values: []string{v1}}, {Name: n2, Values: []string{v1, v2}}, {Name: n2}}
		frame := AppendMSSP(nil, vars)
		var payload []byte
		var tp tape
		if n := NewParser(len(frame)).Parse(frame, &tp); n != len(frame) {
			t.Fatal("short parse")
		}
		if len(tp.out) < 2 || tp.out[0] != 's' || tp.out[1] != OptMSSP {
			t.Fatalf("frame %s parsed as %q", show(frame), tp.out)
		}
		payload = frame[3 : len(frame)-2]
		strip := func(s string) string {
			var b []byte
			for i := 0; i < len(s); i++ {
				if c := s[i]; c > 2 && c != 0xff {
					b = append(b, c)
				}
			}
			return string(b)
		}
		var want []byte
		for _, v := range vars {
			if strip(v.Name) == "" {
				continue
			}
			want = append(want, 1)
			want = append(want, strip(v.Name)...)
			if len(v.Values) == 0 {
				want = append(want, 2)
			}
			for _, val := range v.Values {
				want = append(want, 2)
				want = append(want, strip(val)...)
			}
		}
		if !bytes.Equal(payload, want) {
			t.Fatalf("payload %s, want %s", show(payload), show(want))
		}
	})
}
