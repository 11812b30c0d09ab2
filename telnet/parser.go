package telnet

import "bytes"

// Handler receives what a Parser finds in the byte stream. Slices passed
// to it alias the parser's input or its internal buffer: they are valid
// only during the call and must not be modified or retained.
type Handler interface {
	// Data receives a run of application bytes, IAC IAC already undoubled.
	// One logical run may arrive in several calls (a read boundary or an
	// escaped 255 splits it).
	Data(p []byte)
	// Command receives a two-byte command IAC <cmd>: anything but the
	// negotiation verbs, SB and IAC (e.g. NOP, GA, AYT, EC, EL, a stray SE).
	Command(cmd byte)
	// Negotiate receives IAC <verb> <opt> with verb one of WILL, WONT, DO,
	// DONT.
	Negotiate(verb, opt byte)
	// Subneg receives a complete IAC SB <opt> <payload> IAC SE with the
	// payload IAC-undoubled. Payloads over the parser's cap never arrive.
	Subneg(opt byte, payload []byte)
}

// parserState says what the next input byte means.
type parserState uint8

const (
	// stData: plain application bytes, until an IAC.
	stData parserState = iota
	// stIAC: the byte after IAC picks a command, a verb, SB, or is a
	// literal 255 (IAC IAC).
	stIAC
	// stOption: the byte after WILL/WONT/DO/DONT (kept in verb) is the
	// option it is about.
	stOption
	// stSBOption: the byte after IAC SB is the option being subnegotiated.
	stSBOption
	// stSBData: payload bytes, until an IAC.
	stSBData
	// stSBIAC: after an IAC inside a payload: IAC is a literal 255, SE ends
	// the subnegotiation, anything else means the peer broke off the
	// subnegotiation and is sending a command.
	stSBIAC
)

// Parser is a resumable telnet (RFC 854/855) byte-stream parser. It keeps
// its state between Parse calls, so a sequence split at any byte across
// reads parses the same as one delivered whole. It does no I/O and never
// allocates after its subnegotiation buffer has grown to the largest
// payload seen (at most the cap). The zero value is ready to use with the
// DefaultMaxSubneg cap. A Parser is not safe for concurrent use.
type Parser struct {
	state     parserState
	verb      byte   // negotiation verb awaiting its option byte
	sbOpt     byte   // option of the subnegotiation being collected
	sbTooLong bool   // payload passed the cap: drop it at IAC SE
	sb        []byte // payload collected so far, at most maxSB bytes
	maxSB     int    // 0 means DefaultMaxSubneg
	stopped   bool   // set by Stop during a callback
	lit       [1]byte
}

// NewParser returns a parser that drops subnegotiations whose payload is
// longer than maxSubneg bytes (0 or less: DefaultMaxSubneg).
func NewParser(maxSubneg int) *Parser {
	p := &Parser{}
	p.SetMaxSubneg(maxSubneg)
	return p
}

// SetMaxSubneg changes the subnegotiation cap (0 or less: DefaultMaxSubneg).
func (p *Parser) SetMaxSubneg(n int) {
	if n <= 0 {
		n = DefaultMaxSubneg
	}
	p.maxSB = n
}

// Stop, called from a Handler callback, makes the running Parse return
// right after the sequence that caused the callback. The bytes after it
// are left for the caller (MCCP3: everything after the client's
// IAC SB 87 IAC SE is compressed and must not be parsed as telnet).
func (p *Parser) Stop() { p.stopped = true }

// Parse feeds buf through the state machine, calling h for every data run,
// command, negotiation and complete subnegotiation. It returns how many
// bytes it consumed: len(buf) unless a callback called Stop.
func (p *Parser) Parse(buf []byte, h Handler) int {
	p.stopped = false
	i := 0
	for i < len(buf) {
		switch p.state {
		case stData:
			// The hot path: hand over everything up to the next IAC in one
			// call instead of byte by byte.
			j := bytes.IndexByte(buf[i:], IAC)
			if j < 0 {
				h.Data(buf[i:])
				i = len(buf)
				break
			}
			if j > 0 {
				h.Data(buf[i : i+j])
			}
			i += j + 1
			p.state = stIAC

		case stIAC:
			b := buf[i]
			i++
			switch b {
			case IAC:
				p.state = stData
				p.lit[0] = IAC
				h.Data(p.lit[:])
			case WILL, WONT, DO, DONT:
				p.verb = b
				p.state = stOption
			case SB:
				p.state = stSBOption
			default:
				p.state = stData
				h.Command(b)
			}

		case stOption:
			b := buf[i]
			i++
			p.state = stData
			h.Negotiate(p.verb, b)

		case stSBOption:
			p.sbOpt = buf[i]
			i++
			p.sb = p.sb[:0]
			p.sbTooLong = false
			p.state = stSBData

		case stSBData:
			j := bytes.IndexByte(buf[i:], IAC)
			if j < 0 {
				p.appendSB(buf[i:])
				i = len(buf)
				break
			}
			p.appendSB(buf[i : i+j])
			i += j + 1
			p.state = stSBIAC

		case stSBIAC:
			b := buf[i]
			switch b {
			case IAC:
				i++
				p.lit[0] = IAC
				p.appendSB(p.lit[:])
				p.state = stSBData
			case SE:
				i++
				p.state = stData
				if !p.sbTooLong {
					h.Subneg(p.sbOpt, p.sb)
				}
			default:
				// Malformed: the subnegotiation was never closed. Drop it
				// and read this byte as the command it announces, so a
				// broken SB cannot swallow the negotiation after it.
				p.state = stIAC
				continue
			}
		}
		if p.stopped {
			return i
		}
	}
	return i
}

// appendSB adds payload bytes; past the cap it marks the subnegotiation
// for dropping and keeps nothing more.
func (p *Parser) appendSB(b []byte) {
	if p.sbTooLong || len(b) == 0 {
		return
	}
	limit := p.maxSB
	if limit <= 0 {
		limit = DefaultMaxSubneg
	}
	if len(p.sb)+len(b) > limit {
		p.sbTooLong = true
		p.sb = p.sb[:0]
		return
	}
	p.sb = appendCapped(p.sb, b, limit)
}
