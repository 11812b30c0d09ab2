package telnet

import (
	"bytes"
	"strings"
)

// protocol is a connection's telnet state above the byte parser: option
// negotiation, what it taught us about the terminal, and line assembly. It
// does no I/O: replies accumulate in out, lines in lines, and the Conn
// sends and hands them over. That keeps every rule testable from byte
// slices alone.
type protocol struct {
	// known is the Q method state of the options in the table (see
	// optionSlot); unknownRefused has a bit per half and option for the
	// rest, which are refused once and then ignored.
	known          [12]optionState
	unknownRefused [2][4]uint64

	// out holds replies (negotiation, subnegotiation, AYT) waiting to be
	// sent, already in wire form.
	out []byte

	term        Terminal
	termChanged bool // term changed since the Conn last looked

	ttypeRequests int    // SEND requests sent so far
	ttypeWaiting  bool   // a SEND is unanswered
	ttypeAnswers  int    // distinct answers received
	ttypeLast     string // previous answer, to spot the repeat that ends the cycle
	ttypeSingle   bool   // the cycle ended repeating its first answer: a plain terminal type

	charsetWaiting bool // our CHARSET REQUEST is unanswered
	charsetUTF8    bool // UTF-8 agreed through CHARSET

	aytAnswered bool // one AYT answer per read is plenty; more would amplify a flood

	// MUD protocols (mssp.go, gmcp.go, mccp.go).
	offerMSSP  bool // Config.MSSP is set: offer MSSP at start
	noCompress bool // Config.NoCompression: do not offer MCCP2 and MCCP3
	msspDue    bool // the client took our MSSP offer: the Conn fetches the variables and sends them
	wantGMCP   bool // Config.OnGMCP is set: keep the client's GMCP messages in gmcpIn
	gmcpIn     []gmcpMsg
	// switches marks where in out MCCP2 compression starts or ends, in
	// order. The bytes before a switch go out as they were, those after it
	// in the new mode.
	switches []outSwitch
	// inflating: the client's input is an MCCP3 zlib stream from the end
	// of its IAC SB MCCP3 IAC SE. Set here; the Conn clears it when the
	// stream ends.
	inflating bool
	// parser, when set, is stopped right after IAC SB MCCP3 IAC SE so the
	// Conn can hand the rest of its input to the decompressor.
	parser *Parser

	lines lineAssembler
}

func newProtocol(maxLine int) *protocol {
	p := &protocol{}
	p.lines.max = maxLine
	return p
}

// Data implements Handler: application bytes go to the line assembler.
func (p *protocol) Data(b []byte) { p.lines.write(b) }

// Command implements Handler.
func (p *protocol) Command(cmd byte) {
	switch cmd {
	case EC:
		p.lines.eraseChar()
	case EL:
		p.lines.eraseLine()
	case AYT:
		if !p.aytAnswered {
			p.aytAnswered = true
			p.out = append(p.out, AYTReply...)
		}
	}
	// NOP, GA, DM, BRK, IP, AO, EOR and stray SE mean nothing to a line
	// based server: IP/BRK/AO are keyboard signals a MUD has no process
	// for, and the data mark only matters with urgent data, which we never
	// read.
}

// Negotiate implements Handler.
func (p *protocol) Negotiate(verb, opt byte) {
	switch verb {
	case WILL:
		p.received(sideHim, opt, true)
	case WONT:
		p.received(sideHim, opt, false)
	case DO:
		p.received(sideUs, opt, true)
	case DONT:
		p.received(sideUs, opt, false)
	}
}

// Subneg implements Handler.
func (p *protocol) Subneg(opt byte, payload []byte) {
	spec := &optionTable[opt]
	if spec.onSub == nil || !(p.enabled(sideUs, opt) || p.enabled(sideHim, opt)) {
		return
	}
	spec.onSub(p, payload)
}

// start queues the opening negotiation.
func (p *protocol) start() {
	p.ask(sideUs, OptSGA, true)
	p.ask(sideUs, OptEOR, true)
	p.ask(sideHim, OptNAWS, true)
	p.ask(sideHim, OptTTYPE, true)
	p.ask(sideUs, OptCharset, true)
	if p.offerMSSP {
		p.ask(sideUs, OptMSSP, true)
	}
	p.ask(sideUs, OptGMCP, true)
	if !p.noCompress {
		p.ask(sideUs, OptMCCP2, true)
		p.ask(sideUs, OptMCCP3, true)
	}
}

// sendSubneg queues IAC SB opt <payload> IAC SE, doubling any IAC in the
// payload.
func (p *protocol) sendSubneg(opt byte, payload ...[]byte) {
	p.out = append(p.out, IAC, SB, opt)
	for _, part := range payload {
		p.out = AppendEscaped(p.out, part)
	}
	p.out = append(p.out, IAC, SE)
}

// setTerm records a new Terminal, re-deriving what depends on the rest.
func (p *protocol) setTerm(t Terminal) {
	if t.MTTS != 0 {
		t.Color = colorFromMTTS(t.MTTS)
	} else {
		name := t.TermType
		if name == "" && p.ttypeSingle {
			// Only one name came: RFC 1091 clients send their terminal
			// type, not a client name.
			name = t.Client
		}
		t.Color = colorFromTermType(name)
	}
	t.UTF8 = t.MTTS&mttsUTF8 != 0 || p.charsetUTF8
	t.ScreenReader = t.MTTS&mttsScreenReader != 0
	if t != p.term {
		p.term = t
		p.termChanged = true
	}
}

func (p *protocol) eorChanged(on bool) {
	t := p.term
	t.EOR = on
	p.setTerm(t)
}

func (p *protocol) nawsChanged(on bool) {
	if !on {
		// The client stopped reporting: the last size may be stale.
		t := p.term
		t.Width, t.Height = 0, 0
		p.setTerm(t)
	}
}

// nawsSubneg reads IAC SB NAWS w_hi w_lo h_hi h_lo IAC SE (RFC 1073).
func (p *protocol) nawsSubneg(b []byte) {
	if len(b) != 4 {
		return // malformed: ignore rather than guess
	}
	t := p.term
	t.Width = int(b[0])<<8 | int(b[1])
	t.Height = int(b[2])<<8 | int(b[3])
	p.setTerm(t)
}

func (p *protocol) ttypeChanged(on bool) {
	if on {
		p.ttypeRequest()
	} else {
		p.ttypeWaiting = false
	}
}

// ttypeRequest asks for the next terminal type name, within the cap.
func (p *protocol) ttypeRequest() {
	if p.ttypeRequests >= maxTTYPERequests {
		return
	}
	p.ttypeRequests++
	p.ttypeWaiting = true
	p.out = append(p.out, IAC, SB, OptTTYPE, ttypeSEND, IAC, SE)
}

// ttypeSubneg reads IAC SB TTYPE IS <name> IAC SE and drives the MTTS
// cycle: each SEND makes an MTTS client answer with the next of client
// name, terminal type, "MTTS <bits>"; repeating an answer marks the end.
func (p *protocol) ttypeSubneg(b []byte) {
	if len(b) == 0 || b[0] != ttypeIS || !p.ttypeWaiting {
		return // not an answer, or not to a question we asked
	}
	p.ttypeWaiting = false
	name := cleanName(b[1:])
	if p.ttypeAnswers > 0 && strings.EqualFold(name, p.ttypeLast) {
		if p.ttypeAnswers == 1 {
			p.ttypeSingle = true
			p.setTerm(p.term)
		}
		return
	}
	t := p.term
	if bits, ok := parseMTTS(name); ok {
		t.MTTS = bits
	} else {
		switch p.ttypeAnswers {
		case 0:
			t.Client = name
		case 1:
			t.TermType = name
		}
	}
	p.ttypeAnswers++
	p.ttypeLast = name
	p.setTerm(t)
	p.ttypeRequest()
}

func (p *protocol) charsetChanged(on bool) {
	if on {
		// REQUEST with ';' as the list separator, offering only UTF-8:
		// the one charset we produce.
		p.charsetWaiting = true
		p.out = append(p.out, IAC, SB, OptCharset, charsetRequest)
		p.out = append(p.out, ";UTF-8"...)
		p.out = append(p.out, IAC, SE)
	} else {
		p.charsetWaiting = false
	}
}

// charsetSubneg handles RFC 2066 messages: answers to our REQUEST, and a
// REQUEST from the client.
func (p *protocol) charsetSubneg(b []byte) {
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case charsetAccepted:
		if !p.charsetWaiting {
			return
		}
		p.charsetWaiting = false
		if isUTF8Name(b[1:]) {
			p.charsetUTF8 = true
			p.setTerm(p.term)
		}
	case charsetRejected:
		p.charsetWaiting = false
	case charsetRequest:
		if p.charsetWaiting {
			// Crossing REQUESTs: ours stands, and the client still owes
			// us its answer to it.
			p.sendSubneg(OptCharset, []byte{charsetRejected})
			return
		}
		if name := pickUTF8(b[1:]); name != nil {
			p.sendSubneg(OptCharset, []byte{charsetAccepted}, name)
			p.charsetUTF8 = true
			p.setTerm(p.term)
		} else {
			p.sendSubneg(OptCharset, []byte{charsetRejected})
		}
	case charsetTTableIs:
		// We never offer translation tables, so none should come.
		p.sendSubneg(OptCharset, []byte{charsetTTableRj})
	}
}

// pickUTF8 returns the client's spelling of UTF-8 from a REQUEST's
// [ "[TTABLE]" version ] <sep> name { <sep> name } list, or nil.
func pickUTF8(list []byte) []byte {
	if bytes.HasPrefix(list, []byte("[TTABLE]")) {
		if len(list) < len("[TTABLE]")+1 {
			return nil
		}
		list = list[len("[TTABLE]")+1:] // skip the version octet too
	}
	if len(list) < 2 {
		return nil
	}
	sep := list[0]
	for _, name := range bytes.Split(list[1:], []byte{sep}) {
		if isUTF8Name(name) {
			return name
		}
	}
	return nil
}
