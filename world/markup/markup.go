// Package markup defines the colour markup the world writes and renders it for
// a client: as ANSI escape codes at the colour depth the client supports, or
// stripped for clients that asked for no colour.
//
// Markup is a brace followed by one letter: {r red, {g green, {y yellow,
// {b blue, {m magenta, {c cyan, {w white, {d dark grey (bright black), upper
// case for the bright variant, {x reset. {{ is a literal brace. A brace
// followed by anything else is kept as written, so stray braces in player text
// survive. The package is pure and safe for concurrent use.
package markup

import (
	"strings"
	"unicode/utf8"
)

// Level is how much colour a client can show.
type Level int

const (
	None      Level = iota // no escape codes at all
	ANSI16                 // the sixteen classic SGR colours
	ANSI256                // xterm 256-colour palette
	TrueColor              // 24-bit RGB
)

// colour is one markup letter's colour at each depth.
type colour struct {
	sgr16   string // e.g. "1;31"
	idx256  int
	r, g, b uint8
}

var colours = map[byte]colour{
	'd': {"1;30", 243, 118, 118, 118},
	'r': {"31", 124, 175, 40, 40},
	'g': {"32", 34, 40, 160, 60},
	'y': {"33", 178, 200, 160, 40},
	'b': {"34", 25, 50, 90, 200},
	'm': {"35", 127, 160, 50, 160},
	'c': {"36", 37, 40, 160, 170},
	'w': {"37", 252, 210, 210, 210},
	'D': {"1;30", 245, 128, 128, 128},
	'R': {"1;31", 196, 255, 80, 80},
	'G': {"1;32", 46, 90, 255, 110},
	'Y': {"1;33", 226, 255, 230, 80},
	'B': {"1;34", 69, 100, 150, 255},
	'M': {"1;35", 201, 255, 100, 255},
	'C': {"1;36", 51, 90, 255, 255},
	'W': {"1;37", 231, 255, 255, 255},
}

const reset = "\x1b[0m"

// isCode reports whether b after a brace is markup (consumed when rendering).
func isCode(b byte) bool {
	if b == 'x' || b == '{' {
		return true
	}
	_, ok := colours[b]
	return ok
}

// Strip returns s without markup.
func Strip(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	return string(Append(nil, s, None))
}

// Escape makes player-typed text safe to embed in markup: every brace is
// doubled so that a player cannot colour or reset other players' output.
func Escape(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "{", "{{")
}

// Append renders s at the given depth onto dst. Any colour still open at the
// end of s is reset, so one message never bleeds colour into the next.
func Append(dst []byte, s string, lvl Level) []byte {
	open := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '{' || i+1 >= len(s) || !isCode(s[i+1]) {
			dst = append(dst, c)
			continue
		}
		i++
		code := s[i]
		switch {
		case code == '{':
			dst = append(dst, '{')
		case lvl == None:
		case code == 'x':
			if open {
				dst = append(dst, reset...)
				open = false
			}
		default:
			dst = appendColour(dst, colours[code], lvl)
			open = true
		}
	}
	if open {
		dst = append(dst, reset...)
	}
	return dst
}

func appendColour(dst []byte, c colour, lvl Level) []byte {
	dst = append(dst, "\x1b["...)
	switch lvl {
	case ANSI256:
		dst = append(dst, "38;5;"...)
		dst = appendInt(dst, c.idx256)
	case TrueColor:
		dst = append(dst, "38;2;"...)
		dst = appendInt(dst, int(c.r))
		dst = append(dst, ';')
		dst = appendInt(dst, int(c.g))
		dst = append(dst, ';')
		dst = appendInt(dst, int(c.b))
	default:
		dst = append(dst, "0;"...)
		dst = append(dst, c.sgr16...)
	}
	return append(dst, 'm')
}

func appendInt(dst []byte, n int) []byte {
	if n >= 100 {
		dst = append(dst, byte('0'+n/100))
	}
	if n >= 10 {
		dst = append(dst, byte('0'+n/10%10))
	}
	return append(dst, byte('0'+n%10))
}

// Width is the number of columns s takes on screen once rendered: runes,
// not bytes, and markup takes none.
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '{' && i+1 < len(s) && isCode(s[i+1]) {
			if s[i+1] == '{' {
				n++
			}
			i += 2
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// Wrap breaks each line of s so that no line is wider than width columns,
// breaking at spaces where it can and inside a word only when the word alone
// is wider than the line. Markup is carried through untouched. Width < 1
// disables wrapping.
func Wrap(s string, width int) string {
	if width < 1 || Width(s) <= width && strings.IndexByte(s, '\n') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/width + 8)
	for li, line := range strings.Split(s, "\n") {
		if li > 0 {
			b.WriteByte('\n')
		}
		wrapLine(&b, line, width)
	}
	return b.String()
}

func wrapLine(b *strings.Builder, line string, width int) {
	col := 0
	started := false // anything written on this output line, even markup
	for len(line) > 0 {
		sp := 0
		for sp < len(line) && line[sp] == ' ' {
			sp++
		}
		end := sp
		for end < len(line) && line[end] != ' ' {
			end++
		}
		word, ww := line[sp:end], Width(line[sp:end])
		line = line[end:]
		switch {
		case !started:
			// Leading spaces of a line are indentation: keep them.
			b.WriteString(strings.Repeat(" ", sp))
			col = sp
		case col+sp+ww <= width:
			b.WriteString(strings.Repeat(" ", sp))
			col += sp
		default:
			// The spaces between words are the break point.
			b.WriteByte('\n')
			col = 0
		}
		for ww > width-col && col+ww > width {
			if col > 0 && ww <= width {
				b.WriteByte('\n')
				col = 0
				break
			}
			// A word wider than a whole line is cut.
			cut := cutAt(word, width-col)
			b.WriteString(word[:cut])
			b.WriteByte('\n')
			col = 0
			word = word[cut:]
			ww = Width(word)
		}
		b.WriteString(word)
		col += ww
		started = true
	}
}

// cutAt returns the byte offset in s after n visible columns.
func cutAt(s string, n int) int {
	if n < 1 {
		n = 1
	}
	cols := 0
	for i := 0; i < len(s); {
		if s[i] == '{' && i+1 < len(s) && isCode(s[i+1]) {
			if s[i+1] == '{' {
				if cols == n {
					return i
				}
				cols++
			}
			i += 2
			continue
		}
		if cols == n {
			return i
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		cols++
	}
	return len(s)
}
