package telnet

// Option negotiation follows RFC 1143's Q method: each option has two
// independent halves, "us" (do we perform it: we send WILL/WONT, the client
// DO/DONT) and "him" (does the client perform it: we send DO/DONT, it
// WILL/WONT). Each half is a four-state machine with a one-slot queue, which
// guarantees we never answer a message that does not change state, so two
// sides that both follow it cannot loop.

// qState is one half of one option.
type qState uint8

const (
	qNo      qState = iota // disabled
	qYes                   // enabled
	qWantNo                // we asked to disable, no answer yet
	qWantYes               // we asked to enable, no answer yet
)

// qHalf is the state of one half of one option.
type qHalf struct {
	state qState
	// opposite is RFC 1143's queue bit: while an answer is pending, the
	// opposite of what we asked was requested; ask for it once it arrives.
	opposite bool
	// refused is set once we have refused the client's request for this
	// half. Further requests in the NO state are ignored, so a peer that
	// does not take no for an answer cannot ping-pong with us.
	refused bool
}

// optionState holds both halves of one option.
type optionState struct {
	us, him qHalf
}

// side names a half, to share the Q method code between them.
type side uint8

const (
	sideUs  side = iota // we perform the option
	sideHim             // the client performs it
)

// verb returns the verb we send about a half: WILL/WONT for our half,
// DO/DONT for the client's.
func (s side) verb(enable bool) byte {
	switch {
	case s == sideUs && enable:
		return WILL
	case s == sideUs:
		return WONT
	case enable:
		return DO
	default:
		return DONT
	}
}

// optionSpec is one row of the option table: our policy for an option and
// the hooks that implement it. A zero row refuses the option on both sides.
type optionSpec struct {
	name string
	// acceptUs: agree when the client asks us to perform it (DO => WILL).
	// acceptHim: agree when the client offers to perform it (WILL => DO).
	// Options we start ourselves (Start, SetEcho) need not be accepted: the
	// client's answer to our own request always counts.
	acceptUs, acceptHim bool
	// onUs / onHim run when that half becomes enabled (true) or stops
	// being enabled (false).
	onUs, onHim func(p *protocol, enabled bool)
	// onSub handles a subnegotiation; it only runs while at least one half
	// of the option is enabled (RFC 855: no SB before agreement).
	onSub func(p *protocol, payload []byte)
}

// optionTable is indexed by option code. Later protocols (MSDP, MXP, ...)
// are added by filling their row. It is filled in init because
// the hooks refer back to negotiation code that reads the table.
var optionTable [256]optionSpec

func init() {
	optionTable[OptEcho] = optionSpec{
		// Only SetEcho turns our echo on; a client asking us to echo
		// unprompted (DO ECHO) is refused, as is a client offering to
		// echo (WILL ECHO): that would echo our output back to us.
		name: "ECHO",
	}
	optionTable[OptSGA] = optionSpec{
		// Suppressing go-ahead in either direction is what every client
		// does anyway; agreeing costs nothing.
		name: "SGA", acceptUs: true, acceptHim: true,
	}
	optionTable[OptTTYPE] = optionSpec{
		name: "TTYPE", acceptHim: true,
		onHim: (*protocol).ttypeChanged,
		onSub: (*protocol).ttypeSubneg,
	}
	optionTable[OptEOR] = optionSpec{
		name: "EOR", acceptUs: true,
		onUs: (*protocol).eorChanged,
	}
	optionTable[OptNAWS] = optionSpec{
		name: "NAWS", acceptHim: true,
		onHim: (*protocol).nawsChanged,
		onSub: (*protocol).nawsSubneg,
	}
	optionTable[OptCharset] = optionSpec{
		// Either side may send CHARSET REQUEST once either half is on
		// (RFC 2066), so accept both halves; we only ask ourselves when
		// our half comes on.
		name: "CHARSET", acceptUs: true, acceptHim: true,
		onUs:  (*protocol).charsetChanged,
		onSub: (*protocol).charsetSubneg,
	}
	optionTable[OptGMCP] = optionSpec{
		// Offered at Start; a client asking first is welcome too. The
		// client's half (WILL GMCP) is refused: GMCP runs both ways once
		// our half is on.
		name: "GMCP", acceptUs: true,
		onSub: (*protocol).gmcpSubneg,
	}
	// MSSP, MCCP2 and MCCP3 are only ever on as the answer to our own
	// offer at Start: a client asking unprompted, or asking again after
	// turning one off, is refused. That leaves Config.MSSP and
	// NoCompression the only say over them, and caps the work a client can
	// cause by toggling: one MSSP reply and one compression stream each
	// way per connection.
	optionTable[OptMSSP] = optionSpec{
		name: "MSSP",
		onUs: (*protocol).msspChanged,
	}
	optionTable[OptMCCP2] = optionSpec{
		name: "MCCP2",
		onUs: (*protocol).mccp2Changed,
	}
	optionTable[OptMCCP3] = optionSpec{
		// The client starts its stream with IAC SB MCCP3 IAC SE and ends it
		// with a finished zlib stream; turning the option off is its
		// business (it ends the stream itself).
		name:  "MCCP3",
		onSub: (*protocol).mccp3Subneg,
	}
	for opt, name := range map[byte]string{OptMSDP: "MSDP", OptMXP: "MXP"} {
		// Known by name for logs; refused until implemented.
		optionTable[opt].name = name
	}
	n := 0
	for opt := range optionTable {
		if optionTable[opt].name != "" {
			if n == len(protocol{}.known) {
				panic("telnet: more named options than protocol.known holds")
			}
			n++
			optionSlot[opt] = uint8(n)
		}
	}
}

// optionSlot maps an option in the table (one with a name) to 1 + its
// index in protocol.known; 0 for every other option. Only those options
// can ever be on, so only they need the Q method's state: a connection
// keeps a dozen of them rather than 256 (it is per connection, and ten
// thousand idle ones add up).
var optionSlot [256]uint8

// OptionName returns a readable name for an option code, for logs.
func OptionName(opt byte) string {
	if n := optionTable[opt].name; n != "" {
		return n
	}
	return "OPT" + itoa(int(opt))
}

// itoa avoids strconv for the one small number OptionName prints.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [4]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// half is the state of one half of an option in the table; nil for any
// other option, which is always off.
func (p *protocol) half(s side, opt byte) *qHalf {
	slot := optionSlot[opt]
	if slot == 0 {
		return nil
	}
	if s == sideUs {
		return &p.known[slot-1].us
	}
	return &p.known[slot-1].him
}

// enabled reports whether a half of an option is on.
func (p *protocol) enabled(s side, opt byte) bool {
	h := p.half(s, opt)
	return h != nil && h.state == qYes
}

// refuseUnknown answers a request to enable an option we do not know
// (its half is always off): refused once, then ignored, as for a known
// option (qHalf.refused), with one bit per half and option.
func (p *protocol) refuseUnknown(s side, opt byte) {
	word, bit := &p.unknownRefused[s][opt/64], uint64(1)<<(opt%64)
	if *word&bit == 0 {
		*word |= bit
		p.sendVerb(s.verb(false), opt)
	}
}

func (p *protocol) sendVerb(verb, opt byte) {
	p.out = append(p.out, IAC, verb, opt)
}

// changed runs the table hook for a half that went on or off.
func (p *protocol) changed(s side, opt byte, on bool) {
	spec := &optionTable[opt]
	hook := spec.onHim
	if s == sideUs {
		hook = spec.onUs
	}
	if hook != nil {
		hook(p, on)
	}
}

// received applies the client's WILL/WONT (sideHim) or DO/DONT (sideUs)
// to the Q method state, queueing the reply if one is due.
func (p *protocol) received(s side, opt byte, enable bool) {
	h := p.half(s, opt)
	if h == nil {
		if enable {
			p.refuseUnknown(s, opt)
		}
		return // disabling what is off needs no answer
	}
	if enable {
		switch h.state {
		case qNo:
			accept := optionTable[opt].acceptUs
			if s == sideHim {
				accept = optionTable[opt].acceptHim
			}
			if accept {
				h.state = qYes
				p.sendVerb(s.verb(true), opt)
				p.changed(s, opt, true)
			} else if !h.refused {
				h.refused = true
				p.sendVerb(s.verb(false), opt)
			}
		case qYes:
			// Already on: an acknowledgement needs no answer.
		case qWantNo:
			// Our disable was answered by an enable: a protocol error
			// in the peer (RFC 1143). Take its word for the state.
			if h.opposite {
				h.state, h.opposite = qYes, false
				p.changed(s, opt, true)
			} else {
				h.state = qNo
			}
		case qWantYes:
			if h.opposite {
				// Enabled as asked, but meanwhile we decided against it.
				h.state, h.opposite = qWantNo, false
				p.sendVerb(s.verb(false), opt)
			} else {
				h.state = qYes
				p.changed(s, opt, true)
			}
		}
		return
	}
	switch h.state {
	case qNo:
		// Already off.
	case qYes:
		// The hook runs before the acknowledgement: an option stops where
		// the peer asked, and whatever stopping it sends comes first
		// (MCCP2 ends its stream, so the WONT reaches a client that gave up
		// decompressing in plain text).
		h.state = qNo
		p.changed(s, opt, false)
		p.sendVerb(s.verb(false), opt)
	case qWantNo:
		if h.opposite {
			h.state, h.opposite = qWantYes, false
			p.sendVerb(s.verb(true), opt)
		} else {
			h.state = qNo
		}
	case qWantYes:
		// Refused (or, with the queue bit, refused what we no longer
		// want): either way it ends off.
		h.state, h.opposite = qNo, false
	}
}

// ask starts enabling or disabling a half on our initiative. It sends
// nothing when the half is already where asked or on its way there.
func (p *protocol) ask(s side, opt byte, enable bool) {
	h := p.half(s, opt)
	if h == nil {
		panic("telnet: asked for option " + OptionName(opt) + ", which is not in the option table")
	}
	if enable {
		switch h.state {
		case qNo:
			h.state = qWantYes
			p.sendVerb(s.verb(true), opt)
		case qWantNo:
			h.opposite = true
		case qWantYes:
			h.opposite = false
		}
		return
	}
	switch h.state {
	case qYes:
		// Hook first, as in received: the option has stopped by the time
		// the WONT/DONT goes out.
		h.state = qWantNo
		p.changed(s, opt, false)
		p.sendVerb(s.verb(false), opt)
	case qWantNo:
		h.opposite = false
	case qWantYes:
		h.opposite = true
	}
}
