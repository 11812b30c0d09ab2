package world

import (
	"fmt"
	"strings"
)

// An editor takes a player's lines as text instead of commands, for
// descriptions too long for one line: every line typed is kept as typed
// (leading spaces included: they mark verbatim lines) until a lone "."
// ends it, or ".q" drops it.
type editor struct {
	what  string // "the description of Room A", for the prompts
	lines []string
	size  int
	done  func(text string)
	quit  func() // called when the player gives up, if set
}

// Limits of one editor session.
const (
	MaxEditorLines = 200
	MaxEditorBytes = 16 << 10
)

// Edit starts an editor for p; done gets the text when p ends it with ".".
func (w *World) Edit(p *Player, what string, done func(text string)) {
	p.editor = &editor{what: what, done: done}
	p.Send(fmt.Sprintf("Enter %s. End with a line holding only '.', or '.q' to give up.", what))
}

// Editing reports whether p is typing into an editor.
func (p *Player) Editing() bool { return p.editor != nil }

func (w *World) edit(p *Player, line string) {
	ed := p.editor
	line = strings.TrimRight(line, " \t\r")
	switch line {
	case ".":
		p.editor = nil
		ed.done(strings.Join(ed.lines, "\n"))
		return
	case ".q":
		p.editor = nil
		p.Send(fmt.Sprintf("You stop editing %s; nothing changed.", ed.what))
		if ed.quit != nil {
			ed.quit()
		}
		return
	}
	if len(ed.lines) >= MaxEditorLines || ed.size+len(line) > MaxEditorBytes {
		p.Send(fmt.Sprintf("That is as long as it can be (%d lines, %d bytes); end with '.' or give up with '.q'.", MaxEditorLines, MaxEditorBytes))
		return
	}
	ed.lines = append(ed.lines, line)
	ed.size += len(line) + 1
}
