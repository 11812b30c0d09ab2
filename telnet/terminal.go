package telnet

import (
	"strconv"
	"strings"
)

// ColorLevel is how many colours the client's terminal shows.
type ColorLevel int

const (
	ColorNone ColorLevel = iota // unknown or monochrome: send no colour codes
	Color16                     // ANSI SGR 30-37/90-97
	Color256                    // xterm 256-colour palette (SGR 38;5;n)
	ColorTrue                   // 24-bit (SGR 38;2;r;g;b)
)

func (c ColorLevel) String() string {
	switch c {
	case ColorNone:
		return "none"
	case Color16:
		return "16"
	case Color256:
		return "256"
	case ColorTrue:
		return "truecolor"
	}
	return "ColorLevel(" + strconv.Itoa(int(c)) + ")"
}

// Terminal is what negotiation has learned about the client. Zero values
// mean unknown; a client that never negotiates keeps the zero Terminal.
type Terminal struct {
	Width, Height int // from NAWS; 0 = unknown
	// Client is the first TTYPE answer (e.g. "MUDLET", "TINTIN++"). For a
	// client without MTTS it is its terminal type.
	Client string
	// TermType is the second TTYPE answer, if it differs from the first
	// (e.g. "XTERM-256COLOR", "ANSI").
	TermType string
	// MTTS is the bitfield from a "MTTS <n>" answer; 0 = none.
	MTTS int
	// Color is derived: from the MTTS bits when MTTS is known, else from
	// the terminal type name, never from a client name alone.
	Color        ColorLevel
	UTF8         bool // MTTS bit 4, or CHARSET ACCEPTED UTF-8
	ScreenReader bool // MTTS bit 64
	// EOR: the client agreed to DO EOR, so prompts end with IAC EOR
	// (else IAC GA).
	EOR bool
}

// colorFromMTTS reads the colour bits of an MTTS bitfield.
func colorFromMTTS(bits int) ColorLevel {
	switch {
	case bits&mttsTrueColor != 0:
		return ColorTrue
	case bits&mtts256Colors != 0:
		return Color256
	case bits&mttsANSI != 0:
		return Color16
	}
	return ColorNone
}

// colorTerminals are terminal type name prefixes known to show at least the
// 16 ANSI colours.
var colorTerminals = []string{"xterm", "ansi", "vt100", "linux", "screen", "tmux", "rxvt"}

// colorFromTermType guesses the colour level from a terminal type name as
// terminfo spells them: the -256color and -direct suffixes are the
// conventions for 256 and 24-bit colour. Case-insensitive without
// lowering a copy: this runs on every Terminal change, NAWS included.
func colorFromTermType(name string) ColorLevel {
	switch {
	case name == "":
		return ColorNone
	case containsFold(name, "truecolor") || hasSuffixFold(name, "-direct"):
		return ColorTrue
	case hasSuffixFold(name, "-256color") || hasSuffixFold(name, "-256colour"):
		return Color256
	}
	for _, t := range colorTerminals {
		if len(name) >= len(t) && strings.EqualFold(name[:len(t)], t) {
			return Color16
		}
	}
	return ColorNone
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// parseMTTS reads an "MTTS <n>" TTYPE answer.
func parseMTTS(name string) (int, bool) {
	if len(name) < 6 || !strings.EqualFold(name[:5], "MTTS ") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(name[5:]))
	if err != nil || n < 0 || n > 1<<30 {
		return 0, false
	}
	return n, true
}

// cleanName keeps the printable ASCII of a client-supplied name (it ends up
// in logs and on admin screens), capped at maxTermName bytes.
func cleanName(b []byte) string {
	var buf [maxTermName]byte
	n := 0
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && n < len(buf) {
			buf[n] = c
			n++
		}
	}
	return string(buf[:n])
}

// isUTF8Name matches the spellings of UTF-8 seen in CHARSET messages.
func isUTF8Name(name []byte) bool {
	s := string(name) // no allocation: only compared
	return strings.EqualFold(s, "UTF-8") || strings.EqualFold(s, "UTF8")
}
