package world

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// query is what a player typed to name things: "sword", "2.sword" (the
// second sword), "all" or "all.sword".
type query struct {
	word string // lower case; empty with all means everything
	nth  int    // 1-based
	all  bool
}

func parseQuery(s string) query {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "all" {
		return query{all: true}
	}
	if rest, ok := strings.CutPrefix(s, "all."); ok {
		return query{word: rest, all: true}
	}
	if n, rest, ok := strings.Cut(s, "."); ok && rest != "" { // "2." names nothing, not the second of anything
		if i, err := strconv.Atoi(n); err == nil && i > 0 {
			return query{word: rest, nth: i}
		}
	}
	return query{word: s, nth: 1}
}

// Thing is anything a player can point at: an item, a mobile or a player.
type Thing interface{ matches(word string) bool }

// pick returns the things in list that q names: all matches for "all", else
// at most the nth.
func pick[T Thing](list []T, q query) []T {
	var out []T
	n := 0
	for _, x := range list {
		if q.word != "" && !x.matches(q.word) {
			continue
		}
		if q.all {
			out = append(out, x)
			continue
		}
		if n++; n == q.nth {
			return []T{x}
		}
	}
	return out
}

// pickOne is pick for a single thing.
func pickOne[T Thing](list []T, q query) (T, bool) {
	var zero T
	if q.all || q.word == "" {
		return zero, false
	}
	got := pick(list, q)
	if len(got) == 0 {
		return zero, false
	}
	return got[0], true
}

// findHere looks for a thing the player can see: carried items first, then
// the room's people, mobiles and items.
func (p *Player) findHere(arg string) Thing {
	q := parseQuery(arg)
	if it, ok := pickOne(p.Items, q); ok {
		return it
	}
	if o, ok := pickOne(p.Room.Players, q); ok {
		return o
	}
	if m, ok := pickOne(p.Room.Mobs, q); ok {
		return m
	}
	if it, ok := pickOne(p.Room.Items, q); ok {
		return it
	}
	return nil
}

// findPerson looks for a player or mobile in the player's room.
func (p *Player) findPerson(arg string) Thing {
	q := parseQuery(arg)
	if o, ok := pickOne(p.Room.Players, q); ok {
		return o
	}
	if m, ok := pickOne(p.Room.Mobs, q); ok {
		return m
	}
	return nil
}

// capFirst upper-cases the first letter, skipping leading colour markup, so a
// short description can start a sentence.
func capFirst(s string) string {
	i := 0
	for i+1 < len(s) && s[i] == '{' && s[i+1] != '{' {
		i += 2
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if size == 0 || unicode.IsUpper(r) {
		return s
	}
	return s[:i] + string(unicode.ToUpper(r)) + s[i+size:]
}

// FindHere finds an NPC or an item here or in p's hands by what p calls
// it, for builders' commands; nil if there is none.
func (p *Player) FindHere(arg string) Scripted {
	q := parseQuery(arg)
	if m, ok := pickOne(p.Room.Mobs, q); ok {
		return m
	}
	if it, ok := pickOne(p.Items, q); ok {
		return it
	}
	if it, ok := pickOne(p.Room.Items, q); ok {
		return it
	}
	return nil
}
