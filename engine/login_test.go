package engine

import (
	"strings"
	"testing"
	"unicode"
)

func TestParseLoginLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want loginLine
	}{
		{"", loginLine{}},
		{"   ", loginLine{}},
		{"alice", loginLine{verb: "name", name: "alice"}},
		{"  Alice  ", loginLine{verb: "name", name: "Alice"}},
		{"connect alice secret12", loginLine{verb: "connect", name: "alice", password: "secret12"}},
		{"CONNECT alice secret12", loginLine{verb: "connect", name: "alice", password: "secret12"}},
		{"create bob two words", loginLine{verb: "create", name: "bob", password: "two words"}},
		{"create   bob   pw", loginLine{verb: "create", name: "bob", password: "  pw"}},
		{"connect", loginLine{verb: "connect"}},
		{"mssp-request", loginLine{verb: "mssp-request"}},
		{"MSSP-REQUEST", loginLine{verb: "mssp-request"}},
		{"alice smith", loginLine{verb: "words"}},
	} {
		if got := parseLoginLine(tc.in); got != tc.want {
			t.Errorf("parseLoginLine(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// FuzzLoginLine: the one-line login never panics, never loses or invents
// what was typed, and a name it passes on is either refused by validName
// or a clean, capitalised name of letters.
func FuzzLoginLine(f *testing.F) {
	for _, s := range []string{
		"connect alice password1", "create Bob hunter22 with spaces", "alice", "", "  ",
		"connect", "create x", "mssp-request", "CoNnEcT ALICE pw", "connect \x00 \xff",
		"create ĀLICE password1", "connect alice\tpassword1", "new", "create all password1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		in := parseLoginLine(line)
		switch in.verb {
		case "":
			if strings.TrimSpace(line) != "" {
				t.Fatalf("%q read as blank", line)
			}
		case "connect", "create":
			if strings.Contains(in.name, " ") {
				t.Fatalf("%q: name %q has a space", line, in.name)
			}
			// Nothing typed is lost: the words are those of the line.
			back := strings.Fields(in.verb + " " + in.name + " " + in.password)
			typed := strings.Fields(line)
			typed[0] = strings.ToLower(typed[0])
			if strings.Join(back, " ") != strings.Join(typed, " ") {
				t.Fatalf("%q read as %+v", line, in)
			}
		case "name":
			if in.name != strings.TrimSpace(line) || strings.Contains(in.name, " ") {
				t.Fatalf("%q: name %q", line, in.name)
			}
		case "mssp-request", "words":
		default:
			t.Fatalf("%q: verb %q", line, in.verb)
		}
		name, problem := validName(in.name)
		if problem != "" {
			return
		}
		if len(name) < 3 || len(name) > 20 || reservedNames[strings.ToLower(name)] {
			t.Fatalf("%q: accepted name %q", line, name)
		}
		for i, r := range name {
			if r > unicode.MaxASCII || !unicode.IsLetter(r) || (i == 0) != unicode.IsUpper(r) {
				t.Fatalf("%q: accepted name %q", line, name)
			}
		}
		if !strings.EqualFold(name, in.name) {
			t.Fatalf("%q: name %q became %q", line, in.name, name)
		}
	})
}
