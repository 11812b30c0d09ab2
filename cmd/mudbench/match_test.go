package main

import (
	"slices"
	"strings"
	"testing"
)

func TestLoginLine(t *testing.T) {
	for _, tc := range []struct {
		line     string
		welcomed bool
		want     outcome
		welcome  bool
	}{
		{"Welcome to Thornwick!", false, outNone, false}, // the banner is not a login
		{"Welcome, Botaaaa! Your character has been created.", false, outNone, true},
		{"Welcome back, Botaaaa.", false, outNone, true},
		{"Exits: north east south west", false, outNone, false}, // no room before the welcome
		{"Exits: north east south west", true, outAnswer, false},
		{"The name Botaaaa is taken. Choose another.", false, outTaken, false},
		{"Wrong name or password.", false, outWrong, false},
		{"Too many failed logins. Try again in 4m0s.", false, outRefused, false},
		{"A name has letters only (a to z).", false, outRejected, false},
		{`"Admin" is reserved; choose another name.`, false, outRejected, false},
		{"That password is too short: use 8 or more characters.", false, outRejected, false},
		{"Botaaab has entered the game.", true, outNone, false},
	} {
		o, w := loginLine([]byte(tc.line), tc.welcomed)
		if o != tc.want || w != tc.welcome {
			t.Errorf("loginLine(%q, %v) = %v, %v; want %v, %v", tc.line, tc.welcomed, o, w, tc.want, tc.welcome)
		}
	}
}

func TestAnswerMatching(t *testing.T) {
	say := expectation{kind: expAnswer, exact: []byte(`You say, "b3 n7"`)}
	score := expectation{kind: expAnswer, prefixes: [][]byte{[]byte("Botaaad, ")}}
	move := expectation{kind: expAnswer, prefixes: moveAnswers}
	for _, tc := range []struct {
		e    *expectation
		line string
		want bool
	}{
		{&say, `You say, "b3 n7"`, true},
		{&say, `You say, "b3 n70"`, false}, // an earlier or later request
		{&say, `Botaaad says, "b3 n7"`, false},
		{&score, "Botaaad, player", true},
		{&score, "Botaaae, player", false},
		{&move, "Exits: north", true},
		{&move, "You cannot go that way.", true},
		{&move, "Botaaab leaves north.", false},
	} {
		if got := tc.e.matches([]byte(tc.line)); got != tc.want {
			t.Errorf("%q: matches = %v, want %v", tc.line, got, tc.want)
		}
	}
}

func TestParseExits(t *testing.T) {
	for line, want := range map[string]uint16{
		"Exits: north east south west": 0b1111,
		"Exits: up southwest":          1<<4 | 1<<9,
		"Exits: none":                  0,
		"Exits:":                       0,
		"Exits: north  northeast":      1 | 1<<6,
	} {
		if got := parseExits([]byte(line)); got != want {
			t.Errorf("parseExits(%q) = %b, want %b", line, got, want)
		}
	}
	if nthBit(0b1010, 0) != 1 || nthBit(0b1010, 1) != 3 {
		t.Error("nthBit")
	}
	if got := string(trimPrompt([]byte("> > You say, \"x\""))); got != `You say, "x"` {
		t.Errorf("trimPrompt: %q", got)
	}
}

func TestParseLocation(t *testing.T) {
	for line, want := range map[string]string{
		"You are standing, in Thornwick Square (Thornwick Village). Wimpy 0.":   "Thornwick Square",
		"You are sleeping, in The Inn (Upstairs) (Thornwick Village). Wimpy 5.": "The Inn (Upstairs)",
		"You are standing, in A Long Room Name That Wraps":                      "", // wrapped: the name may be cut
		"You are carrying nothing.":                                             "",
		"Botaaaa says, \"You are standing, in X (Y).\"":                         "",
	} {
		got, ok := parseLocation([]byte(line))
		if got != want || ok != (want != "") {
			t.Errorf("parseLocation(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}

func TestDialogueLines(t *testing.T) {
	for line, want := range map[string]outcome{
		"There is no Botaaaa yet. Create a new character named Botaaaa? (yes/no) ": outAskCreate,
		"Choose a password for Botaaaa (8 or more characters): ":                   outAskPassword,
		"Type the password again: ":                                                outAskAgain,
		"Password: ":                                                               outAskExisting,
		// Two prompts in one read: the last is the question.
		"Name: There is no Botaaaa yet. Create a new character named Botaaaa? (yes/no) ": outAskCreate,
		"Name: ": outNone,
		"Welcome, Botaaaa! Your character has been created.": outNone,
	} {
		if got := dialogueLine([]byte(line)); got != want {
			t.Errorf("dialogueLine(%q) = %v, want %v", line, got, want)
		}
	}
	for line, want := range map[string]bool{"Name: ": true, "(yes/no) ": true, "Exits: north": false, "> ": false} {
		if isPrompt([]byte(line)) != want {
			t.Errorf("isPrompt(%q) = %v", line, !want)
		}
	}
	// A prompt ends a line once everything received is read.
	lr := newLineReader(strings.NewReader("Welcome\r\nName: "), readSize, maxLine)
	lr.prompts = isPrompt
	if got := readAll(t, lr); !slices.Equal(got, []string{"Welcome", "Name: "}) {
		t.Errorf("lines %q", got)
	}
}
