package telnet

import (
	"bytes"
	"fmt"
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
}

func BenchmarkAppendEscaped(b *testing.B) {
	src := bytes.Repeat([]byte("The goblin hits you hard. \xff\r\n"), 64)
	dst := make([]byte, 0, 2*len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendEscaped(dst[:0], src)
	}
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
}
