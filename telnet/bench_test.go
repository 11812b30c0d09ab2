package telnet

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkParseData: plain text lines through the parser and line
// assembler, as a busy player's input arrives.
func BenchmarkParseData(b *testing.B) {
	var in bytes.Buffer
	lines := 0
	for in.Len() < readBufferSize-64 {
		fmt.Fprintf(&in, "say I am typing command number %d now\r\n", lines)
		lines++
	}
	buf := in.Bytes()
	p := newProtocol(0)
	var ps Parser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		ps.Parse(buf, p)
		for {
			if _, ok := p.lines.next(); !ok {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
	reportThroughput(b, len(buf), lines)
}

// reportThroughput reports bytes/s, and lines/s when the input is lines;
// SetBytes' MB/s says the same in other units, these are the game's.
func reportThroughput(b *testing.B, bytesPerOp, linesPerOp int) {
	secs := b.Elapsed().Seconds()
	if secs <= 0 {
		return
	}
	b.ReportMetric(float64(b.N)*float64(bytesPerOp)/secs, "bytes/s")
	if linesPerOp > 0 {
		b.ReportMetric(float64(b.N)*float64(linesPerOp)/secs, "lines/s")
	}
}

// BenchmarkParseDataNoLines: the parser alone over text, no line strings.
func BenchmarkParseDataNoLines(b *testing.B) {
	buf := bytes.Repeat([]byte("say I am typing a command now\r\n"), 128)
	ps := NewParser(0)
	h := &nopHandler{}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		ps.Parse(buf, h)
	}
	reportThroughput(b, len(buf), 128)
}

// BenchmarkParseNegotiation: a stream of negotiation and subnegotiation
// (window resizes, option toggles, TTYPE answers) through the protocol.
func BenchmarkParseNegotiation(b *testing.B) {
	var in []byte
	for i := 0; i < 50; i++ {
		in = append(in, seq(IAC, SB, OptNAWS, 0, byte(80+i%2), 0, 24, IAC, SE,
			IAC, WILL, OptSGA, IAC, WONT, OptSGA, IAC, DO, OptEOR, IAC, DONT, OptEOR,
			IAC, SB, OptTTYPE, 0, "XTERM-256COLOR", IAC, SE, IAC, NOP, IAC, GA)...)
	}
	p := newProtocol(0)
	p.start()
	var ps Parser
	ps.Parse(seq(IAC, WILL, OptNAWS, IAC, WILL, OptTTYPE), p)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		ps.Parse(in, p)
		p.out = p.out[:0]
	}
	reportThroughput(b, len(in), 0)
}

func BenchmarkAppendEscaped(b *testing.B) {
	src := bytes.Repeat([]byte("The goblin hits you hard. \xff\r\n"), 64)
	dst := make([]byte, 0, 2*len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendEscaped(dst[:0], src)
	}
	reportThroughput(b, len(src), 64)
}

// BenchmarkConnWrite: the whole write path (escape, deadline, write) to an
// in-memory connection.
func BenchmarkConnWrite(b *testing.B) {
	c := NewConn(&fakeConn{discard: true}, Config{})
	msg := []byte("The goblin hits you hard. You feel less healthy.\r\n")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		c.Write(msg)
	}
	reportThroughput(b, len(msg), 1)
}

// combatRounds returns n rounds of realistic MUD output: each round is the
// text of one combat round (two to four coloured lines, numbers varying)
// and the prompt after it, as the engine writes them.
func combatRounds(n int) (texts, prompts [][]byte) {
	rng := rand.New(rand.NewSource(1))
	mobs := []string{"the grey wolf", "a goblin scout", "the town guard", "a giant rat"}
	verbs := []string{"hit", "slash", "pierce", "bash"}
	hp := 30
	for i := 0; i < n; i++ {
		mob := mobs[(i/25)%len(mobs)]
		var b bytes.Buffer
		for k := 0; k < 1+rng.Intn(3); k++ {
			switch rng.Intn(4) {
			case 0:
				fmt.Fprintf(&b, "\x1b[33mYou miss %s.\x1b[0m\r\n", mob)
			case 1:
				fmt.Fprintf(&b, "\x1b[1;31m%s bites you. (%d)\x1b[0m\r\n", strings.ToUpper(mob[:1])+mob[1:], 1+rng.Intn(4))
			default:
				fmt.Fprintf(&b, "\x1b[1;32mYou %s %s. (%d)\x1b[0m\r\n", verbs[rng.Intn(len(verbs))], mob, 1+rng.Intn(6))
			}
		}
		if i%25 == 24 {
			fmt.Fprintf(&b, "\x1b[1;37m%s is DEAD!\x1b[0m\r\nYou receive %d experience points.\r\n", mob, 20+rng.Intn(30))
		}
		hp = 10 + rng.Intn(21)
		texts = append(texts, b.Bytes())
		prompts = append(prompts, []byte(fmt.Sprintf("\x1b[32m<%dhp %dmp %dmv>\x1b[0m ", hp, 40+rng.Intn(10), 90+rng.Intn(10))))
	}
	return texts, prompts
}

// BenchmarkMCCP2: 1,000 rounds of combat output through a Conn, raw and
// compressed: bytes on the wire against bytes of telnet stream, time and
// allocations per write (a round is two writes: text, prompt).
func BenchmarkMCCP2(b *testing.B) {
	texts, prompts := combatRounds(1000)
	for _, compress := range []bool{false, true} {
		name := "raw"
		if compress {
			name = "mccp2"
		}
		b.Run(name, func(b *testing.B) {
			c := NewConn(&fakeConn{discard: true}, Config{})
			if compress {
				c.wmu.Lock()
				c.startCompressLocked()
				c.wmu.Unlock()
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Write(texts[i%len(texts)])
				c.WritePrompt(prompts[i%len(prompts)])
				i++
			}
			st := c.Stats()
			b.SetBytes(int64(st.Raw) / int64(i))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*i), "ns/write")
			b.ReportMetric(float64(st.Wire)/float64(st.Raw), "wire/raw")
			b.ReportMetric(float64(st.Wire)/float64(i), "wireB/round")
		})
	}
}

// BenchmarkMCCP2Levels: the same output straight through zlib at every
// level, flushed per write as MCCP2 does, to choose mccp2Level; with the
// live heap each writer holds.
func BenchmarkMCCP2Levels(b *testing.B) {
	texts, prompts := combatRounds(1000)
	for level := 1; level <= 9; level++ {
		b.Run(fmt.Sprintf("level%d", level), func(b *testing.B) {
			var out countWriter
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			zw, _ := zlib.NewWriterLevel(&out, level)
			zw.Write(texts[0])
			zw.Flush()
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			b.ReportAllocs()
			raw, i := 0, 0
			for b.Loop() {
				for _, p := range [][]byte{texts[i%len(texts)], prompts[i%len(prompts)]} {
					zw.Write(p)
					zw.Flush()
					raw += len(p)
				}
				i++
			}
			runtime.KeepAlive(zw)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*i), "ns/write")
			b.ReportMetric(float64(out.n)/float64(raw), "wire/raw")
			b.ReportMetric(float64(ms1.HeapAlloc-ms0.HeapAlloc), "heapB/writer")
		})
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
