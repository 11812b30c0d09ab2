package world

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want query
	}{
		{"apple", query{word: "apple", nth: 1}},
		{"  Apple ", query{word: "apple", nth: 1}},
		{"2.apple", query{word: "apple", nth: 2}},
		{"all", query{all: true}},
		{"ALL", query{all: true}},
		{"all.apple", query{word: "apple", all: true}},
		{"0.apple", query{word: "0.apple", nth: 1}},
		{"-1.apple", query{word: "-1.apple", nth: 1}},
		{"2.", query{word: "2.", nth: 1}},
		{"x.apple", query{word: "x.apple", nth: 1}},
	} {
		if got := parseQuery(tc.in); got != tc.want {
			t.Errorf("parseQuery(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// FuzzParseQuery: whatever is typed, the query is well formed, names
// something unless it says "all", and reads back the same from its own
// spelling.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"apple", "2.apple", "all", "all.apple", "all.", "2.", ".", "0.x", "99999999999999999999.x", "all.2.apple", "3.all", " ", "ÄPFEL", "2.2.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := parseQuery(s)
		if q.word != strings.ToLower(q.word) {
			t.Fatalf("%q: word %q is not lower case", s, q.word)
		}
		if q.all {
			if q.nth != 0 {
				t.Fatalf("%q: all with nth %d", s, q.nth)
			}
		} else {
			if q.nth < 1 {
				t.Fatalf("%q: nth %d", s, q.nth)
			}
			if q.word == "" && strings.TrimSpace(s) != "" {
				t.Fatalf("%q names nothing yet is not all: %+v", s, q)
			}
		}
		var spelled string
		switch {
		case q.all && q.word == "":
			spelled = "all"
		case q.all:
			spelled = "all." + q.word
		default: // "1.2.x" is the first "2.x"; the number keeps it so
			spelled = strconv.Itoa(q.nth) + "." + q.word
		}
		if strings.TrimSpace(s) != "" && parseQuery(spelled) != q {
			t.Fatalf("%q -> %+v -> %q -> %+v", s, q, spelled, parseQuery(spelled))
		}
	})
}
