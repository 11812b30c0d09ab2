package main

import "bytes"

// outcome is what came of one request: the reader's verdict on a line, or
// the driver's when no line came.
type outcome uint8

const (
	outNone     outcome = iota
	outAnswer           // the awaited answer (for a login: in the world)
	outTaken            // create: the name is taken
	outWrong            // connect: wrong name or password
	outRefused          // too many failed logins from here or for this name
	outRejected         // the name or password breaks the server's rules
	outTimeout          // no answer in time
	outClosed           // the connection ended
	outStopped          // the run is ending

	// The SSH creation dialogue's questions (user "new").
	outAskCreate   // "... Create a new character named X? (yes/no) "
	outAskPassword // "Choose a password for X ...: "
	outAskAgain    // "Type the password again: "
	outAskExisting // "Password: ": the name exists
	outSSHAuth     // the SSH handshake refused the name and password
)

var outcomeNames = [...]string{
	outNone:     "none",
	outAnswer:   "answered",
	outTaken:    "name taken",
	outWrong:    "wrong password",
	outRefused:  "refused (failed-login limit)",
	outRejected: "name or password rejected",
	outTimeout:  "timed out",
	outClosed:   "connection closed",
	outStopped:  "stopped",

	outAskCreate:   "asked to create",
	outAskPassword: "asked for a password",
	outAskAgain:    "asked for the password again",
	outAskExisting: "name taken",
	outSSHAuth:     "ssh: wrong password or refused",
}

func (o outcome) String() string { return outcomeNames[o] }

// expectKind says how the reader judges lines while a request is out.
type expectKind uint8

const (
	expNone     expectKind = iota // nothing awaited: lines are only read
	expAnswer                     // a command's answer: see expectation
	expLogin                      // the answer to create or connect
	expLocation                   // score's "You are standing, in Room (Area)." line
)

// expectation is the answer awaited. A command's answer is known by its
// first line, which the server writes to this bot alone: it either equals
// exact (say and chat carry a token unique to the request) or starts with
// one of prefixes. Other players' lines start with their names, so they
// never match.
type expectation struct {
	kind     expectKind
	exact    []byte
	prefixes [][]byte
}

// Lines the bot looks for.
var (
	exitsPrefix    = []byte("Exits:")
	locationPrefix = []byte("You are ")
	locationIn     = []byte(", in ")
	promptPrefix   = []byte("> ")

	lookAnswers      = [][]byte{exitsPrefix}
	moveAnswers      = [][]byte{exitsPrefix, []byte("You cannot go that way.")}
	getAnswers       = [][]byte{[]byte("You get "), []byte("You see no "), []byte("There is nothing here you can take.")}
	dropAnswers      = [][]byte{[]byte("You drop "), []byte("You are not carrying ")}
	inventoryAnswers = [][]byte{[]byte("You are carrying")}
	examineAnswers   = [][]byte{[]byte("You look yourself over.")}
	whoAnswers       = [][]byte{[]byte("Players in ")}

	welcomeNew  = []byte("Welcome, ")
	welcomeBack = []byte("Welcome back, ")
	nameTaken   = []byte(" is taken. Choose another.")
	wrongLogin  = []byte("Wrong name or password.")
	tooMany     = []byte("Too many failed logins")
	// The server's complaints about a name or password it will not take.
	badLogin = [][]byte{[]byte("A name has "), []byte(" is reserved"), []byte("That password is too ")}

	// The creation dialogue's questions, as SSH delivers them: prompts
	// that end a partial line (see lineReader.prompts).
	askCreate   = []byte("(yes/no) ")
	askPassword = []byte("Choose a password for ")
	askAgain    = []byte("Type the password again: ")
	askExisting = []byte("Password: ")
)

// isPrompt reports whether an unfinished line is one of the dialogue's
// questions (or the Name: prompt), all of which end in ": " or "(yes/no) ".
func isPrompt(partial []byte) bool {
	return bytes.HasSuffix(partial, []byte(": ")) || bytes.HasSuffix(partial, askCreate)
}

// dialogueLine judges a line of the SSH creation dialogue; several
// prompts may share a line if they came in one read, so the last question
// on the line is the one asked.
func dialogueLine(line []byte) outcome {
	switch {
	case bytes.HasSuffix(line, askAgain):
		return outAskAgain
	case bytes.HasSuffix(line, askExisting):
		return outAskExisting
	case bytes.HasSuffix(line, askCreate):
		return outAskCreate
	case bytes.Contains(line, askPassword) && bytes.HasSuffix(line, []byte(": ")):
		return outAskPassword
	}
	return outNone
}

// matches reports whether line is the awaited command answer.
func (e *expectation) matches(line []byte) bool {
	if e.exact != nil && bytes.Equal(line, e.exact) {
		return true
	}
	for _, p := range e.prefixes {
		if bytes.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// loginLine judges a line during login. welcome reports a "Welcome" line:
// the room display that follows, ended by its Exits: line, completes the
// login.
func loginLine(line []byte, welcomed bool) (o outcome, welcome bool) {
	if !welcomed {
		if o := dialogueLine(line); o != outNone {
			return o, false
		}
	}
	switch {
	case bytes.HasPrefix(line, welcomeNew), bytes.HasPrefix(line, welcomeBack):
		return outNone, true
	case welcomed && bytes.HasPrefix(line, exitsPrefix):
		return outAnswer, false
	case bytes.HasPrefix(line, []byte("The name ")) && bytes.HasSuffix(line, nameTaken):
		return outTaken, false
	case bytes.Equal(line, wrongLogin):
		return outWrong, false
	case bytes.HasPrefix(line, tooMany):
		return outRefused, false
	}
	for _, p := range badLogin {
		if bytes.Contains(line, p) {
			return outRejected, false
		}
	}
	return outNone, false
}

// parseLocation reads the room's name from score's position line, "You
// are standing, in Thornwick Square (Thornwick Village). Wimpy 0.". ok is
// false for any other line, and for one wrapped before the area, where the
// name might be cut.
func parseLocation(line []byte) (room string, ok bool) {
	if !bytes.HasPrefix(line, locationPrefix) {
		return "", false
	}
	i := bytes.Index(line, locationIn)
	if i < 0 {
		return "", false
	}
	rest := line[i+len(locationIn):]
	j := bytes.LastIndex(rest, []byte(" ("))
	if j <= 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// trimPrompt drops "> " prompts at the start of a line: when the server
// writes a prompt without IAC GA, the next output follows it on the line.
func trimPrompt(line []byte) []byte {
	for bytes.HasPrefix(line, promptPrefix) {
		line = line[len(promptPrefix):]
	}
	return line
}

// Directions, in the order the server lists them; a room's exits are a
// bit set over them.
var dirNames = [...]string{"north", "east", "south", "west", "up", "down", "northeast", "northwest", "southeast", "southwest"}

// parseExits reads "Exits: north east" (or "Exits: none") as a bit set.
func parseExits(line []byte) uint16 {
	var set uint16
	rest := line[len(exitsPrefix):]
	for len(rest) > 0 {
		var word []byte
		if i := bytes.IndexByte(rest, ' '); i >= 0 {
			word, rest = rest[:i], rest[i+1:]
		} else {
			word, rest = rest, nil
		}
		for d, name := range dirNames {
			if string(word) == name {
				set |= 1 << d
				break
			}
		}
	}
	return set
}
