package world

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"shardmud/world/markup"
)

// Command is one entry of the command table: the single place where names,
// abbreviations, the role gate and help text live.
type Command struct {
	Name    string
	Aliases []string // exact abbreviations that win over prefix matching
	MinRole Role
	Exact   bool   // must be typed in full (quit), never reached by a prefix
	Usage   string // e.g. "give <item> <name>"
	Help    string
	Run     func(c *Ctx)
}

// Ctx is one command invocation.
type Ctx struct {
	W    *World
	P    *Player
	Verb string // the command's full name
	Args string // the rest of the line, trimmed
	// Target and Outcome describe what a staff command did, for the audit
	// trail: whom or what it acted on, and "ok" or why it failed.
	Target  string
	Outcome string

	room  string // where the command was typed, for the audit trail
	later bool   // the outcome comes later, through the function Later returned
}

// Later tells the audit trail that this staff command's outcome is not
// known when Run returns (a database write, a file, an editor still open),
// and returns the function that records it once it is: "ok" or what went
// wrong. Call it once, on the world's goroutine.
func (c *Ctx) Later() func(outcome string) {
	c.later = true
	return func(outcome string) { c.W.audit(c.P.Name, c.Verb, c.Target, c.room, c.Args, outcome) }
}

// Send writes to the player who typed the command.
func (c *Ctx) Send(text string) { c.P.Send(text) }

// Fail tells the player why the command did nothing and records that as
// its outcome.
func (c *Ctx) Fail(text string) {
	c.Outcome = text
	c.P.Send(text)
}

type commandTable struct {
	list    []*Command // in priority order: the first prefix match wins
	byAlias map[string]*Command
}

func newCommandTable(cmds []*Command) *commandTable {
	t := &commandTable{list: cmds, byAlias: make(map[string]*Command)}
	for _, c := range cmds {
		t.byAlias[c.Name] = c
		for _, a := range c.Aliases {
			t.byAlias[a] = c
		}
	}
	return t
}

// find resolves what a player of role typed as a verb: an exact name or
// alias first, then the first command in table order whose name starts with
// it. Commands above the role are invisible, exactly as if they did not
// exist.
//
// An ambiguous prefix is not an error: like tbaMUD's interpreter, the table
// order is the priority, so "g" is go (not get or give) and "t" is tell
// (not take), and the commands typed most come first. The order is part of
// the interface: README.md lists it, 'help' shows what each letter runs,
// and TestPrefixPriority pins the common abbreviations.
func (t *commandTable) find(verb string, role Role) *Command {
	if c := t.byAlias[verb]; c != nil && c.MinRole <= role {
		return c
	}
	for _, c := range t.list {
		if c.MinRole <= role && !c.Exact && strings.HasPrefix(c.Name, verb) {
			return c
		}
	}
	return nil
}

// Abbreviations lists what each single letter runs for role, in
// alphabetical order: "g go". Help shows it, so the table order that
// settles ambiguous prefixes is never a surprise.
func (t *commandTable) abbreviations(role Role) []string {
	var out []string
	for c := 'a'; c <= 'z'; c++ {
		if cmd := t.find(string(c), role); cmd != nil {
			out = append(out, string(c)+" "+cmd.Name)
		}
	}
	return out
}

// AddCommand adds a command the host provides (the engine's stats, for
// example), after the built-in ones in priority.
func (w *World) AddCommand(c *Command) {
	w.commands.list = append(w.commands.list, c)
	w.commands.byAlias[c.Name] = c
	for _, a := range c.Aliases {
		w.commands.byAlias[a] = c
	}
}

// Commands returns the table in order; help and tests read it.
func (w *World) Commands() []*Command { return w.commands.list }

// Do runs one line of input from p.
func (w *World) Do(p *Player, line string) {
	if p.editor != nil {
		w.edit(p, line)
		return
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	var verb, args string
	switch line[0] { // 'hello and :waves need no space, as MUD players type them
	case '\'':
		verb, args = "say", line[1:]
	case ':':
		verb, args = "emote", line[1:]
	default:
		verb, args, _ = strings.Cut(line, " ")
	}
	verb = strings.ToLower(verb)
	args = strings.TrimSpace(args)
	c := w.commands.find(verb, p.Role)
	// Behaviours may claim any line but quit and the staff's commands, so
	// no room can trap a player or an admin.
	if (c == nil || !c.Exact && c.MinRole == RolePlayer) && w.claimed(p, verb, markup.Escape(args)) {
		w.cfg.Host.Record(Event{Kind: "command", Target: verb, Room: p.Room.ID})
		return
	}
	if c == nil {
		// A staff command typed by someone below its role is answered as
		// if it did not exist, but the attempt goes on the audit trail:
		// named in full (or by its alias), not a typo that happens to be
		// the prefix of one.
		if staff := w.commands.find(verb, RoleAdmin); staff != nil && staff.MinRole > p.Role &&
			(staff.Name == verb || slices.Contains(staff.Aliases, verb)) {
			w.audit(p.Name, staff.Name, "", p.Room.ID, args, "refused")
		}
		p.Send("Huh? (Type 'help' for a list of commands.)")
		return
	}
	w.cfg.Host.Record(Event{Kind: "command", Target: c.Name, Room: p.Room.ID})
	ctx := &Ctx{W: w, P: p, Verb: c.Name, Args: args, room: p.Room.ID}
	c.Run(ctx)
	if c.MinRole > RolePlayer && !ctx.later { // the audit trail of staff commands
		w.audit(p.Name, c.Name, ctx.Target, ctx.room, args, cmp.Or(ctx.Outcome, "ok"))
	}
}

// audit records one staff command, or an attempt at one, in the journal.
func (w *World) audit(actor, command, target, room, args, outcome string) {
	w.cfg.Host.Record(Event{Kind: "admin", Actor: actor, Target: target, Room: room,
		Details: map[string]any{"command": command, "args": Clip(args, 200), "outcome": Clip(outcome, 200)}})
}

// Clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// claimed offers a typed line to the behaviours around p, which may take
// it as their own command ("pull lever"): the room first, then items in
// hand, then items in the room.
func (w *World) claimed(p *Player, verb, args string) bool {
	r := p.Room
	// Checked here, not only in hook: building hook's arguments allocates,
	// and this runs for every line every player types.
	if r.Script != "" && w.hook(r, "on_command", p, verb, args) {
		return true
	}
	if !anyScripted(p.Items) && !anyScripted(r.Items) {
		return false
	}
	for _, it := range scripted(p.Items, r.Items) {
		if w.hook(it, "on_command", p, verb, args) {
			return true
		}
	}
	return false
}
