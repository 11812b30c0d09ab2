package main

import "io"

// Telnet bytes the line reader must know. It answers no negotiation (it is
// like nc), so the server treats it as a plain client: no colour, 80
// columns, prompts ended with IAC GA.
const (
	tnSE   = 240
	tnGA   = 249
	tnSB   = 250
	tnWILL = 251 // WILL, WONT, DO and DONT (251..254) take one option byte
	tnIAC  = 255
	tnEOR  = 239
)

// lrState is where the telnet parser stands between two bytes, so a
// command split across reads is resumed, not misread.
type lrState uint8

const (
	lrText   lrState = iota // ordinary text
	lrIAC                   // after IAC: a command byte follows
	lrOption                // after IAC WILL/WONT/DO/DONT: one option byte to skip
	lrSub                   // inside IAC SB ... : skip until IAC SE
	lrSubIAC                // IAC inside a subnegotiation: SE ends it, anything else is payload
)

// lineReader turns the server's telnet byte stream into text lines: telnet
// commands are removed, CR and NUL dropped, LF ends a line, and IAC GA or
// IAC EOR (a prompt's end) ends one too, so the answer typed after a "> "
// prompt starts a line of its own. Lines longer than the line buffer are
// cut to its size. It reads into one fixed buffer and assembles lines in
// another: after the first line it does not allocate.
//
// A lineReader belongs to one goroutine; the line returned by next is valid
// until the following call.
type lineReader struct {
	r     io.Reader
	buf   []byte // read buffer; buf[pos:n] is not parsed yet
	pos   int
	n     int
	line  []byte // the line being assembled; cap is the longest line kept
	state lrState
	// prompts, when set, is asked about an unfinished line once every
	// byte read so far is parsed: true ends it as a line. Over SSH a
	// prompt has no IAC GA after it, and the server waits for an answer
	// to it, so it is the last thing received; this lets the SSH login
	// dialogue see its questions.
	prompts func(partial []byte) bool
}

func newLineReader(r io.Reader, readSize, maxLine int) *lineReader {
	return &lineReader{r: r, buf: make([]byte, readSize), line: make([]byte, 0, maxLine)}
}

// next returns the next non-empty line, or the read error once the stream
// ends (a last line without an end is dropped: the connection is gone).
func (lr *lineReader) next() ([]byte, error) {
	lr.line = lr.line[:0]
	for {
		if line, ok := lr.scan(); ok {
			return line, nil
		}
		if len(lr.line) > 0 && lr.prompts != nil && lr.prompts(lr.line) {
			return lr.line, nil
		}
		n, err := lr.r.Read(lr.buf)
		if n > 0 {
			lr.pos, lr.n = 0, n
			continue
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return nil, err
	}
}

// scan parses buffered bytes until a non-empty line is complete.
func (lr *lineReader) scan() ([]byte, bool) {
	for lr.pos < lr.n {
		c := lr.buf[lr.pos]
		lr.pos++
		switch lr.state {
		case lrText:
			switch c {
			case tnIAC:
				lr.state = lrIAC
			case '\n':
				if len(lr.line) > 0 {
					return lr.line, true
				}
			case '\r', 0:
			default:
				lr.add(c)
			}
		case lrIAC:
			lr.state = lrText
			switch {
			case c == tnIAC: // doubled: a literal 255
				lr.add(c)
			case c >= tnWILL:
				lr.state = lrOption
			case c == tnSB:
				lr.state = lrSub
			case c == tnGA || c == tnEOR:
				if len(lr.line) > 0 {
					return lr.line, true
				}
			}
		case lrOption:
			lr.state = lrText
		case lrSub:
			if c == tnIAC {
				lr.state = lrSubIAC
			}
		case lrSubIAC:
			if c == tnSE {
				lr.state = lrText
			} else {
				lr.state = lrSub
			}
		}
	}
	return nil, false
}

func (lr *lineReader) add(c byte) {
	if len(lr.line) < cap(lr.line) {
		lr.line = append(lr.line, c)
	}
}
