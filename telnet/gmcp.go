package telnet

import (
	"bytes"
	"fmt"
)

// GMCP (option 201): IAC SB GMCP "Package.Name <json>" IAC SE, both ways,
// once the client has agreed to our WILL GMCP. The codec only frames the
// messages: package names and JSON mean nothing here.

// gmcpMsg is one message from the client, waiting to be handed to
// Config.OnGMCP outside the Conn's lock.
type gmcpMsg struct {
	pkg  string
	data []byte
}

// gmcpSubneg keeps a message from the client: the package name up to the
// first space, the data after it. The payload is already bounded by
// MaxSubneg, so the queue is bounded by what one read can hold.
func (p *protocol) gmcpSubneg(b []byte) {
	if !p.wantGMCP {
		return
	}
	pkg, data := b, []byte(nil)
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		pkg = b[:i]
		if i+1 < len(b) {
			data = bytes.Clone(b[i+1:]) // b is the parser's buffer
		}
	}
	if len(pkg) == 0 {
		return // no package to dispatch on: " {...}" or an empty SB
	}
	p.gmcpIn = append(p.gmcpIn, gmcpMsg{pkg: string(pkg), data: data})
}

// AppendGMCP appends the whole GMCP frame IAC SB 201 <pkg> [' ' <data>]
// IAC SE to dst, doubling any IAC (0xFF) in pkg and data. data is the JSON
// text, or nil (or empty) for a message without one ("Core.Ping"). pkg
// should not contain a space: the receiver splits at the first one.
func AppendGMCP(dst []byte, pkg string, data []byte) []byte {
	dst = append(dst, IAC, SB, OptGMCP)
	dst = appendEscapedString(dst, pkg)
	if len(data) > 0 {
		dst = append(dst, ' ')
		dst = AppendEscaped(dst, data)
	}
	return append(dst, IAC, SE)
}

// appendEscapedString is AppendEscaped for a string, without converting
// it to a []byte first.
func appendEscapedString(dst []byte, s string) []byte {
	for {
		i := indexByteString(s, IAC)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, IAC)
		s = s[i+1:]
	}
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// GMCP reports whether the client agreed to GMCP (it sent DO GMCP).
func (c *Conn) GMCP() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proto.enabled(sideUs, OptGMCP)
}

// SendGMCP sends one GMCP message: IAC SB 201 "pkg data" IAC SE, IAC
// doubled, data the JSON text or nil. It does nothing (and returns nil)
// unless the client agreed to GMCP. The size is not bounded by MaxSubneg
// (that caps what the client sends); a large message goes out in pieces
// of maxWriteChunk bytes, in one piece relative to other writers. Safe to
// call from any goroutine.
func (c *Conn) SendGMCP(pkg string, data []byte) error {
	c.mu.Lock()
	if !c.proto.enabled(sideUs, OptGMCP) {
		c.mu.Unlock()
		return nil
	}
	// Take the writer before letting go of mu, as sendRepliesUnlock does,
	// so a DONT GMCP answered meanwhile cannot be overtaken by this frame.
	c.wmu.Lock()
	c.mu.Unlock()
	defer c.wmu.Unlock()
	var hb [64]byte
	head := append(hb[:0], IAC, SB, OptGMCP)
	head = appendEscapedString(head, pkg)
	if len(data) > 0 {
		head = append(head, ' ')
	}
	if _, err := c.writeFramedLocked(head, data, gmcpTail); err != nil {
		return fmt.Errorf("telnet: send GMCP %s: %w", pkg, err)
	}
	return nil
}

var gmcpTail = []byte{IAC, SE}
