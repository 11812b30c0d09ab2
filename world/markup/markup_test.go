package markup

import (
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	tests := []struct {
		in   string
		lvl  Level
		want string
	}{
		{"plain", ANSI16, "plain"},
		{"{rred{x", None, "red"},
		{"{rred{x", ANSI16, "\x1b[0;31mred\x1b[0m"},
		{"{Rbright", ANSI16, "\x1b[0;1;31mbright\x1b[0m"},
		{"{rred{x", ANSI256, "\x1b[38;5;124mred\x1b[0m"},
		{"{rred{x", TrueColor, "\x1b[38;2;175;40;40mred\x1b[0m"},
		{"{{literal", ANSI16, "{literal"},
		{"{{r not colour", ANSI16, "{r not colour"},
		{"{q stays", ANSI16, "{q stays"},
		{"ends {", ANSI16, "ends {"},
		{"{x reset only", ANSI16, " reset only"},
	}
	for _, tt := range tests {
		if got := string(Append(nil, tt.in, tt.lvl)); got != tt.want {
			t.Errorf("Append(%q, %d) = %q, want %q", tt.in, tt.lvl, got, tt.want)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"{r evil {x", "{{", "a{", "none"} {
		if got := Strip(Escape(s)); got != s {
			t.Errorf("Strip(Escape(%q)) = %q", s, got)
		}
	}
}

func TestWidth(t *testing.T) {
	if w := Width("{rhé{x{{"); w != 3 {
		t.Errorf("Width = %d, want 3", w)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short line", 20, "short line"},
		{"the quick brown fox jumps", 10, "the quick\nbrown fox\njumps"},
		{"{rthe quick{x brown", 9, "{rthe quick{x\nbrown"},
		{"abcdefghijkl", 5, "abcde\nfghij\nkl"},
		{"  indented text here", 10, "  indented\ntext here"},
		{"a\nb c", 3, "a\nb c"},
		{"word toolongword", 6, "word\ntoolon\ngword"},
	}
	for _, tt := range tests {
		if got := Wrap(tt.in, tt.width); got != tt.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("the quick {rbrown{x fox", 7)
	f.Add("{{{{{", 1)
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width%200 + 1
		if width < 1 {
			width = -width + 1
		}
		out := Wrap(s, width)
		// Wrapping only ever removes spaces and adds line breaks.
		norm := func(x string) string { return strings.Join(strings.Fields(x), "") }
		if norm(Strip(out)) != norm(Strip(s)) {
			t.Fatalf("Wrap changed the text: %q -> %q", s, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if Width(line) > width && strings.Contains(strings.TrimLeft(line, " "), " ") {
				t.Fatalf("line %q wider than %d", line, width)
			}
		}
		_ = Append(nil, s, TrueColor)
	})
}
