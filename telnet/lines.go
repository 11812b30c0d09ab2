package telnet

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrLineTooLong is returned by ReadLine, once per offending line, when a
// line grows past the limit. It is not fatal: the line is discarded up to
// its end and the next ReadLine reads the line after it.
var ErrLineTooLong = errors.New("telnet: input line too long")

// lineResult is one completed line, or the too-long notice that replaces
// an overlong one.
type lineResult struct {
	s   string
	err error
}

// lineAssembler turns the data bytes of the stream into lines. Its memory
// is bounded: the pending line never holds more than max bytes, and the
// queue of completed lines grows only within one read buffer (each entry
// consumed at least one input byte).
type lineAssembler struct {
	max        int    // 0 means DefaultMaxLine
	buf        []byte // the pending line, controls already dropped
	sawCR      bool   // a CR just ended a line: a LF or NUL right after it belongs to it
	discarding bool   // the pending line went over max: drop bytes until it ends

	ready []lineResult
	head  int // ready[head:] are yet to be returned
}

func (l *lineAssembler) limit() int {
	if l.max <= 0 {
		return DefaultMaxLine
	}
	return l.max
}

// write feeds data bytes. Lines end at CR LF, CR NUL, bare CR or bare LF.
func (l *lineAssembler) write(p []byte) {
	for i := 0; i < len(p); {
		b := p[i]
		if l.sawCR {
			l.sawCR = false
			if b == '\n' || b == 0 {
				i++
				continue
			}
		}
		if printable(b) {
			// Copy the whole printable run at once: this is the path
			// nearly every byte takes.
			j := i + 1
			for j < len(p) && printable(p[j]) {
				j++
			}
			l.add(p[i:j])
			i = j
			continue
		}
		i++
		switch b {
		case '\r':
			l.sawCR = true
			l.end()
		case '\n':
			l.end()
		case '\t':
			l.add([]byte{' '})
		default:
			// Other C0 controls and DEL are dropped: in a command they are
			// noise, and echoed to other players they would drive their
			// terminals (ESC sequences, bells).
		}
	}
}

func printable(b byte) bool { return b >= 0x20 && b != 0x7f }

// add appends to the pending line, switching to discarding when it would
// pass the limit.
func (l *lineAssembler) add(run []byte) {
	if l.discarding {
		return
	}
	lim := l.limit()
	if len(l.buf)+len(run) > lim {
		l.discarding = true
		l.buf = l.buf[:0]
		l.push(lineResult{err: ErrLineTooLong})
		return
	}
	l.buf = appendCapped(l.buf, run, lim)
}

// end completes the pending line.
func (l *lineAssembler) end() {
	if l.discarding {
		l.discarding = false
		l.buf = l.buf[:0]
		return
	}
	l.push(lineResult{s: finishLine(l.buf)})
	l.buf = l.buf[:0]
}

// eraseChar applies EC: remove the last character (a whole UTF-8
// sequence) of the pending line.
func (l *lineAssembler) eraseChar() {
	if l.discarding || len(l.buf) == 0 {
		return
	}
	_, size := utf8.DecodeLastRune(l.buf)
	l.buf = l.buf[:len(l.buf)-size]
}

// eraseLine applies EL: drop the pending line.
func (l *lineAssembler) eraseLine() {
	if !l.discarding {
		l.buf = l.buf[:0]
	}
}

// flush completes an unterminated last line at end of input, as
// bufio.Scanner does, so "look" sent without a newline before closing is
// still read.
func (l *lineAssembler) flush() {
	if len(l.buf) > 0 && !l.discarding {
		l.end()
	}
	l.sawCR = false
	l.discarding = false
}

// push queues a completed line. The queue starts small (an idle
// connection of ten thousand should cost little) and grows with a burst.
func (l *lineAssembler) push(r lineResult) {
	if l.ready == nil {
		l.ready = make([]lineResult, 0, 4)
	}
	l.ready = append(l.ready, r)
}

// next pops the oldest completed line.
func (l *lineAssembler) next() (lineResult, bool) {
	if l.head == len(l.ready) {
		return lineResult{}, false
	}
	r := l.ready[l.head]
	l.ready[l.head] = lineResult{} // let the string go
	l.head++
	if l.head == len(l.ready) {
		l.head = 0
		l.ready = l.ready[:0]
		if cap(l.ready) > keepLineQueue {
			l.ready = nil // a flood of short lines grew it: don't keep that
		}
	}
	return r, true
}

// finishLine turns the pending bytes into the returned string: valid UTF-8
// (bad bytes become U+FFFD) without C1 controls (U+0080..U+009F, which
// some terminals obey like ESC sequences). It may reorder b in place.
func finishLine(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !utf8.Valid(b) {
		// Rare: a client in a legacy charset. Repair first, so the C1
		// check below sees whole runes and cannot be fooled by bytes
		// that only pair up after a removal.
		b = []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	// In valid UTF-8 a C1 control is exactly 0xC2 followed by 0x80..0x9F,
	// and removing whole runes keeps the rest valid.
	w := 0
	for i := 0; i < len(b); i++ {
		if b[i] == 0xC2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9F {
			i++
			continue
		}
		b[w] = b[i]
		w++
	}
	return string(b[:w])
}

// appendCapped appends src to dst, growing dst by doubling but never to a
// capacity above limit (plain append could overshoot it). The caller
// ensures len(dst)+len(src) <= limit.
func appendCapped(dst, src []byte, limit int) []byte {
	n := len(dst) + len(src)
	if n > cap(dst) {
		c := 2 * cap(dst)
		if c < 64 {
			c = 64
		}
		for c < n {
			c *= 2
		}
		if c > limit {
			c = limit
		}
		grown := make([]byte, len(dst), c)
		copy(grown, dst)
		dst = grown
	}
	return append(dst, src...)
}
