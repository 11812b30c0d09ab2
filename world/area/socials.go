package area

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"shardmud/world"
)

// socials.yaml (optional) defines the socials every player has:
//
//	socials:
//	  smile:                       # the command: 2 to 20 lower-case letters
//	    self:   You smile.         # the actor, alone
//	    room:   $n smiles.         # the others in the room
//	    actor:  You smile at $N.   # the actor, at someone
//	    target: $n smiles at you.  # that someone
//	    others: $n smiles at $N.   # everyone else in the room
//
// $n is the actor's name, $N the target's, $$ a dollar sign. Every message
// is required, and each must name whom the reader needs named: the room
// and the target are told who acted ($n), the actor whom they acted at
// ($N), the others both. Messages without a target cannot use $N.

const socialsFile = "socials.yaml"

var socialNameRE = regexp.MustCompile(`^[a-z]{2,20}$`)

// socialMessage is one message of a social: its key in the file, where it
// goes in world.Social, and the placeholders it must and may use.
type socialMessage struct {
	key        string
	field      func(*world.Social) *string
	must       string // placeholders required, as letters: "nN"
	noTarget   bool   // $N is not allowed: there is no target
	whatItIsIn string // for "social smile has no ...: <whatItIsIn>"
}

var socialMessages = []socialMessage{
	{key: "self", field: func(s *world.Social) *string { return &s.Self }, noTarget: true,
		whatItIsIn: "what the actor sees when no one is named"},
	{key: "room", field: func(s *world.Social) *string { return &s.Room }, must: "n", noTarget: true,
		whatItIsIn: "what the room sees when no one is named"},
	{key: "actor", field: func(s *world.Social) *string { return &s.ToActor }, must: "N",
		whatItIsIn: "what the actor sees when doing it at someone"},
	{key: "target", field: func(s *world.Social) *string { return &s.ToTarget }, must: "n",
		whatItIsIn: "what that someone sees"},
	{key: "others", field: func(s *world.Social) *string { return &s.ToOthers }, must: "nN",
		whatItIsIn: "what everyone else in the room sees"},
}

// loadSocials reads socials.yaml if the world folder has one.
func loadSocials(fsys fs.FS, errs *errorList) []world.Social {
	data, err := readFile(fsys, socialsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		errs.add(socialsFile, 0, err.Error())
		return nil
	}
	return parseSocials(socialsFile, data, errs)
}

func parseSocials(file string, data []byte, errs *errorList) []world.Social {
	root := parseDoc(file, data, errs)
	if root == nil {
		return nil
	}
	f := fields(file, root, errs, "socials")
	var out []world.Social
	keys := make([]string, len(socialMessages))
	for i, m := range socialMessages {
		keys[i] = m.key
	}
	eachEntry(file, f["socials"], errs, func(name str, n *yaml.Node) {
		if !socialNameRE.MatchString(name.value) {
			errs.add(file, name.line, fmt.Sprintf("social %q: a social's name is the command players type: 2 to 20 lower-case letters", name.value))
			return
		}
		mf := fields(file, n, errs, keys...)
		if n.Kind != yaml.MappingNode {
			return // fields said so
		}
		s := world.Social{Name: name.value}
		ok := true
		for _, m := range socialMessages {
			node := mf[m.key]
			if node != nil && node.Kind != yaml.ScalarNode {
				text(file, node, errs) // says it should be text
				ok = false
				continue
			}
			v := text(file, node, errs)
			if strings.TrimSpace(v.value) == "" {
				line := n.Line
				if node != nil {
					line = v.line
				}
				errs.add(file, line, fmt.Sprintf("social %s has no %s: %s", name.value, m.key, m.whatItIsIn))
				ok = false
				continue
			}
			if !checkPlaceholders(file, name.value, m, v, errs) {
				ok = false
			}
			*m.field(&s) = strings.TrimSpace(v.value)
		}
		if ok {
			out = append(out, s)
		}
	})
	if f["socials"] == nil {
		errs.add(file, root.Line, "missing socials: a mapping of social names to their messages")
	}
	return out
}

// checkPlaceholders reports a message's unknown, misplaced and missing
// placeholders.
func checkPlaceholders(file, social string, m socialMessage, v str, errs *errorList) bool {
	ok := true
	used := make(map[byte]bool)
	for i := 0; i < len(v.value); i++ {
		if v.value[i] != '$' {
			continue
		}
		if i+1 == len(v.value) {
			errs.add(file, v.line, fmt.Sprintf("social %s, %s: a lone $ at the end (write $$ for a dollar sign)", social, m.key))
			return false
		}
		i++
		switch c := v.value[i]; c {
		case 'n', '$':
			used[c] = true
		case 'N':
			if m.noTarget {
				errs.add(file, v.line, fmt.Sprintf("social %s, %s: $N names the target, and there is none here", social, m.key))
				ok = false
			}
			used[c] = true
		default:
			_, size := utf8.DecodeRuneInString(v.value[i:])
			errs.add(file, v.line, fmt.Sprintf("social %s, %s: unknown placeholder %q (use $n for the actor, $N for the target, $$ for a dollar sign)", social, m.key, v.value[i-1:i+size]))
			i += size - 1
			ok = false
		}
	}
	for i := 0; i < len(m.must); i++ {
		if !used[m.must[i]] {
			who := "the actor ($n)"
			if m.must[i] == 'N' {
				who = "the target ($N)"
			}
			errs.add(file, v.line, fmt.Sprintf("social %s, %s: must name %s, or readers cannot tell who did what", social, m.key, who))
			ok = false
		}
	}
	return ok
}
