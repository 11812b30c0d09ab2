package world

import (
	"fmt"
	"slices"
	"strings"

	"shardmud/world/markup"
)

// builtinCommands is the command table in priority order: when what a player
// typed is a prefix of several names, the earliest wins, so the commands
// people type most come first.
func builtinCommands() []*Command {
	cmds := []*Command{
		{Name: "look", Aliases: []string{"l"}, Usage: "look [target|direction]",
			Help: "Shows the room you are in: its name on the first line, then its description, then a line beginning 'Exits:' naming each way out in full (or 'none'), then what lies here, the characters and who else is here. With a target, looks at a person or thing; with a direction, at the room that way; 'look in <container>' shows what it holds.",
			Run:  cmdLook},
	}
	for d := Dir(0); d < NumDirs; d++ {
		d := d
		cmds = append(cmds, &Command{Name: d.String(), Aliases: []string{d.Short()}, Usage: d.String(),
			Help: fmt.Sprintf("Walks %s, if there is an exit that way. Abbreviation: %s.", d, d.Short()),
			Run:  func(c *Ctx) { c.W.walk(c.P, d) }})
	}
	cmds = append(cmds,
		&Command{Name: "go", Usage: "go <direction>",
			Help: "Walks in a direction, the same as typing the direction itself.",
			Run:  cmdGo},
		&Command{Name: "get", Usage: "get <item> | get all[.<item>]",
			Help: "Picks up something lying in the room. 'get all' picks up everything you can; '2.apple' means the second apple.",
			Run:  cmdGet},
		&Command{Name: "give", Usage: "give <item> [to] <name>",
			Help: "Hands something you carry to a player or character in the room.",
			Run:  cmdGive},
		&Command{Name: "say", Usage: "say <text>  or  '<text>",
			Help: "Says something aloud; everyone in the room hears it.",
			Run:  cmdSay},
		&Command{Name: "score", Usage: "score",
			Help: "Shows your character: name, role and level; hit points, mana and experience (and what the next level needs); strength, dexterity, constitution, intelligence, armour and gold; your position (or whom you fight), where you are and your wimpy setting.",
			Run:  cmdScore},
		&Command{Name: "tell", Usage: "tell <name> <text>",
			Help: "Says something privately to one player, wherever they are.",
			Run:  cmdTell},
		&Command{Name: "take", Usage: "take <item>",
			Help: "The same as get.",
			Run:  cmdGet},
		&Command{Name: "emote", Aliases: []string{":"}, Usage: "emote <action>",
			Help: "Shows an action to the room: 'emote waves' shows 'Alice waves.'",
			Run:  cmdEmote},
		&Command{Name: "examine", Usage: "examine <target>",
			Help: "Looks closely at a person or thing, here or in your hands.",
			Run:  cmdExamine},
		&Command{Name: "chat", Usage: "chat <text>",
			Help: "Talks on the global chat channel, which every player hears.",
			Run:  cmdChat},
		&Command{Name: "who", Usage: "who",
			Help: "Lists the players in the world.",
			Run:  cmdWho},
		&Command{Name: "inventory", Aliases: []string{"i", "inv"}, Usage: "inventory",
			Help: "Lists what you are carrying.",
			Run:  cmdInventory},
		&Command{Name: "drop", Usage: "drop <item> | drop all[.<item>]",
			Help: "Puts down something you carry.",
			Run:  cmdDrop},
		&Command{Name: "use", Usage: "use <item>",
			Help: "Uses something you carry or something here, if it can be used.",
			Run:  cmdUse},
		doorCommand("open", "open", false, false),
		doorCommand("close", "closed", true, false),
		doorCommand("unlock", "unlocked", true, false),
		doorCommand("lock", "locked", true, true),
		&Command{Name: "help", Aliases: []string{"?"}, Usage: "help [command|topic]",
			Help: "Lists the commands, or explains one command or topic. Try 'help newbie'.",
			Run:  cmdHelp},
		&Command{Name: "quit", Exact: true, Usage: "quit",
			Help: "Saves your character and leaves the game. Type it in full.",
			Run:  cmdQuit},
	)
	cmds = append(cmds, combatCommands()...)
	cmds = append(cmds, equipCommands()...)
	cmds = append(cmds, shopCommands()...)
	cmds = append(cmds, socialCommands()...)
	cmds = append(cmds, prefCommands()...)
	cmds = append(cmds, builderCommands()...)
	return append(cmds, adminCommands()...)
}

func cmdLook(c *Ctx) {
	if c.P.Pos == Sleeping {
		c.Send("You see nothing but the backs of your eyelids: you are asleep.")
		return
	}
	if c.Args == "" {
		c.W.look(c.P)
		return
	}
	if rest, ok := strings.CutPrefix(c.Args, "in "); ok {
		lookIn(c, rest)
		return
	}
	if d, ok := ParseDir(c.Args); ok {
		ex := c.P.Room.Exits[d]
		if ex == nil || !ex.Visible() {
			c.Send("You see nothing special that way.")
			return
		}
		if ex.Closed {
			c.Send(fmt.Sprintf("The way %s is closed.", d))
			return
		}
		if ex.Portal() {
			c.Send(fmt.Sprintf("To the %s the air shimmers: the way leads to another world, shard {C%s{x.", d, ex.Shard))
			return
		}
		c.Send(fmt.Sprintf("To the %s you see {C%s{x.", d, ex.To.Name))
		return
	}
	cmdExamine(c)
}

// look shows p the room it is in.
func (w *World) look(p *Player) {
	r := p.Room
	var b strings.Builder
	b.WriteString("{C")
	b.WriteString(r.Name)
	b.WriteString("{x\n")
	b.WriteString(strings.TrimRight(r.Desc, "\n"))
	b.WriteString("\n{gExits:")
	n := 0
	for d, ex := range r.Exits {
		if ex != nil && ex.Visible() {
			b.WriteByte(' ')
			b.WriteString(Dir(d).String())
			if ex.Closed {
				b.WriteString(" (closed)")
			}
			n++
		}
	}
	if n == 0 {
		b.WriteString(" none")
	}
	b.WriteString("{x")
	for _, g := range groupItems(r.Items) {
		b.WriteString("\n")
		if g.n > 1 {
			fmt.Fprintf(&b, "[%d] ", g.n)
		}
		b.WriteString(g.first.Long())
	}
	for _, m := range r.Mobs {
		b.WriteString("\n{y")
		b.WriteString(m.Proto.Long)
		b.WriteString("{x")
	}
	listed, others := 0, 0
	for _, o := range r.Players {
		if o == p || !o.SeenBy(p) {
			continue
		}
		if listed == MaxPlayersListed {
			others++
			continue
		}
		listed++
		b.WriteString("\n")
		b.WriteString(o.Name)
		if o.link == nil {
			b.WriteString(" is here, staring blankly (link-dead).")
		} else {
			b.WriteString(" is here.")
		}
	}
	switch {
	case others == 1:
		b.WriteString("\n...and one more is here.")
	case others > 1:
		fmt.Fprintf(&b, "\n...and %d more are here ('who' lists everyone).", others)
	}
	p.Send(b.String())
}

// MaxPlayersListed is how many other players a room's description names
// one by one; a crowd beyond it is counted. A square with ten thousand
// people in it is a crowd, not a list, and every arrival looks.
const MaxPlayersListed = 20

func cmdGo(c *Ctx) {
	d, ok := ParseDir(c.Args)
	if !ok {
		c.Send("Go where? (north, south, east, west, up, down, northeast, northwest, southeast or southwest)")
		return
	}
	c.W.walk(c.P, d)
}

// walk moves p through the exit in direction d.
func (w *World) walk(p *Player, d Dir) {
	ex := p.Room.Exits[d]
	switch {
	case p.Pos == Sleeping:
		p.Send("In your dreams, perhaps. Wake up first.")
		return
	case p.Pos == Sitting || p.Pos == Resting:
		p.Send("You need to stand up first.")
		return
	case p.foe != nil:
		p.Send("You are fighting! Flee, if you must.")
		return
	case ex == nil || !ex.Visible():
		p.Send("You cannot go that way.")
		return
	case ex.Closed:
		p.Send(fmt.Sprintf("The way %s is closed.", d))
		return
	}
	from, to := p.Room, ex.To
	if from.Script != "" {
		w.hook(from, "on_leave", p, d.String())
		if p.Room != from { // a script moved them meanwhile
			return
		}
	}
	if ex.Portal() {
		w.cross(p, ex.Shard, ex.Remote, fmt.Sprintf("%s steps %s into the shimmering air and is gone.", p.Name, d))
		return
	}
	from.sendAbout(p, fmt.Sprintf("%s leaves %s.", p.Name, d))
	w.unplace(p)
	to.sendAbout(p, fmt.Sprintf("%s arrives from %s.", p.Name, d.Reverse().from()))
	w.place(p, to)
	if from.Area != to.Area {
		w.cfg.Host.Record(Event{Kind: "move", Actor: p.Name, Room: to.ID, Details: map[string]any{"from": from.ID}})
	}
	w.look(p)
	w.arrived(to, p, d.Reverse())
	w.followLeader(p, from, d)
}

// arrived runs the hooks of someone entering r from direction from: the
// room's on_enter, then each NPC's on_greet (for players).
func (w *World) arrived(r *Room, actor any, from Dir) {
	if r.Script != "" {
		w.hook(r, "on_enter", actor, from.String())
	}
	if _, ok := actor.(*Player); !ok {
		return
	}
	for _, m := range scripted(r.Mobs) {
		if m.Room == r {
			w.hook(m, "on_greet", actor)
		}
	}
}

// MoveMob walks a mobile through an open exit, with the messages players
// see; false if there is no open exit that way.
func (w *World) MoveMob(m *Mobile, d Dir) bool {
	if m.Room == nil {
		return false
	}
	ex := m.Room.Exits[d]
	if ex == nil || ex.Closed || ex.Portal() { // NPCs belong to their shard
		return false
	}
	from, to := m.Room, ex.To
	w.hook(from, "on_leave", m, d.String())
	if m.Room != from {
		return true
	}
	from.send(fmt.Sprintf("%s leaves %s.", capFirst(m.Proto.Short), d), nil)
	from.Mobs = remove(from.Mobs, m)
	to.send(fmt.Sprintf("%s arrives from %s.", capFirst(m.Proto.Short), d.Reverse().from()), nil)
	to.Mobs = append(to.Mobs, m)
	m.Room = to
	w.arrived(to, m, d.Reverse())
	return true
}

// MobSay has a mobile say something to its room.
func (w *World) MobSay(m *Mobile, text string) {
	if m.Room != nil {
		m.Room.send(fmt.Sprintf(`%s says, "%s"`, capFirst(m.Proto.Short), text), nil)
	}
}

// MobEmote shows a mobile's action to its room: "The dog wags its tail."
func (w *World) MobEmote(m *Mobile, text string) {
	if m.Room != nil {
		m.Room.send(capFirst(m.Proto.Short)+" "+text, nil)
	}
}

// Announce shows text to everyone in r.
func (w *World) Announce(r *Room, text string) { r.send(text, nil) }

func cmdSay(c *Ctx) {
	if c.Args == "" {
		c.Send("Say what?")
		return
	}
	text := markup.Escape(c.Args)
	c.Send(`You say, "` + text + `"`)
	r := c.P.Room
	r.send(c.P.Name+` says, "`+text+`"`, c.P)
	for _, o := range r.Players {
		o.channelText("say", c.P.Name, c.Args)
	}
	if r.Script != "" {
		c.W.hook(r, "on_say", c.P, text)
	}
	for _, m := range scripted(r.Mobs) {
		if m.Room == r {
			c.W.hook(m, "on_say", c.P, text)
		}
	}
}

func cmdEmote(c *Ctx) {
	if c.Args == "" {
		c.Send("Emote what? (For example: emote waves.)")
		return
	}
	text := c.P.Name + " " + markup.Escape(c.Args)
	if !strings.ContainsAny(text[len(text)-1:], ".!?") {
		text += "."
	}
	c.P.Room.send(text, nil)
}

func cmdTell(c *Ctx) {
	who, text, _ := strings.Cut(c.Args, " ")
	text = strings.TrimSpace(text)
	if who == "" || text == "" {
		c.Send("Tell whom what? (tell <name> <text>)")
		return
	}
	to := c.W.findPlayer(who)
	switch {
	case to == nil:
		c.W.remoteTell(c, who, text)
		return
	case to == c.P:
		c.Send("You mutter something to yourself.")
		return
	case to.link == nil:
		c.Send(fmt.Sprintf("%s has lost their link and cannot hear you.", to.Name))
		return
	}
	plain := text
	text = markup.Escape(text)
	c.Send(fmt.Sprintf(`{mYou tell %s, "%s"{x`, to.Name, text))
	to.Send(fmt.Sprintf(`{m%s tells you, "%s"{x`, c.P.Name, text))
	c.P.channelText("tell", c.P.Name, plain)
	to.channelText("tell", c.P.Name, plain)
}

// findPlayer finds an online player by name, or by a prefix that names only
// one of them.
func (w *World) findPlayer(name string) *Player {
	key := strings.ToLower(name)
	if p := w.players[key]; p != nil {
		return p
	}
	var found *Player
	for k, p := range w.players {
		if strings.HasPrefix(k, key) {
			if found != nil {
				return nil
			}
			found = p
		}
	}
	return found
}

func cmdChat(c *Ctx) {
	if c.Args == "" {
		c.Send("Chat what?")
		return
	}
	c.W.broadcast("chat", c.P, c.Args)
}

func cmdWho(c *Ctx) {
	var b strings.Builder
	fmt.Fprintf(&b, "Players in %s:", c.W.name)
	var ps []*Player
	for _, p := range c.W.Players() {
		if p.SeenBy(c.P) {
			ps = append(ps, p)
		}
	}
	for _, p := range ps {
		b.WriteString("\n  ")
		if p.Role > RolePlayer {
			fmt.Fprintf(&b, "[%s] ", p.Role)
		}
		b.WriteString(p.Name)
		if p.link == nil {
			b.WriteString(" (link-dead)")
		}
		if p.Invis {
			b.WriteString(" (invisible)")
		}
	}
	if len(ps) == 1 {
		b.WriteString("\nOne player.")
	} else {
		fmt.Fprintf(&b, "\n%d players.", len(ps))
	}
	b.WriteString(c.W.whoElsewhere())
	c.Send(b.String())
}

func cmdInventory(c *Ctx) {
	items := carried(c.P.Items) // what is worn is under equipment
	if len(items) == 0 {
		c.Send("You are carrying nothing.")
		return
	}
	var b strings.Builder
	b.WriteString("You are carrying:")
	for _, line := range countedList(items) {
		b.WriteString("\n  ")
		b.WriteString(line)
	}
	c.Send(b.String())
}

type itemGroup struct {
	first *Item // the group's items differ in nothing players see
	n     int
}

// groupItems folds identical items (same prototype, same name), keeping
// the order of first appearance.
func groupItems(items []*Item) []itemGroup {
	type look struct {
		proto *ItemProto
		name  string
	}
	var groups []itemGroup
	at := make(map[look]int)
	for _, it := range items {
		k := look{it.Proto, it.Name}
		if i, ok := at[k]; ok {
			groups[i].n++
			continue
		}
		at[k] = len(groups)
		groups = append(groups, itemGroup{it, 1})
	}
	return groups
}

// countedList names items, folding identical ones: "a red apple (x2)".
func countedList(items []*Item) []string {
	var lines []string
	for _, g := range groupItems(items) {
		if g.n > 1 {
			lines = append(lines, fmt.Sprintf("%s (x%d)", g.first.Short(), g.n))
		} else {
			lines = append(lines, g.first.Short())
		}
	}
	return lines
}

func cmdGet(c *Ctx) {
	if getFrom(c) {
		return
	}
	if c.Args == "" {
		c.Send("Get what?")
		return
	}
	q := parseQuery(c.Args)
	items := pick(c.P.Room.Items, q)
	if len(items) == 0 {
		c.Send(fmt.Sprintf("You see no %s here.", strings.TrimPrefix(c.Args, "all.")))
		return
	}
	got := 0
	for _, it := range items {
		if it.Proto.Fixed {
			if !q.all {
				c.Send(fmt.Sprintf("You cannot take %s.", it.Short()))
			}
			continue
		}
		if why := canCarry(c.P, it); why != "" {
			c.Send(why)
			continue
		}
		c.W.MoveItem(it, c.P)
		c.Send(fmt.Sprintf("You get %s.", it.Short()))
		c.P.Room.send(fmt.Sprintf("%s gets %s.", c.P.Name, it.Short()), c.P)
		c.W.hook(it, "on_get", c.P)
		c.W.pocket(c.P, it)
		got++
	}
	if got == 0 && q.all {
		c.Send("There is nothing here you can take.")
	}
}

func cmdDrop(c *Ctx) {
	if c.Args == "" {
		c.Send("Drop what?")
		return
	}
	items := pick(carried(c.P.Items), parseQuery(c.Args))
	if len(items) == 0 {
		c.Send(fmt.Sprintf("You are not carrying %s.", withArticle(c.Args)))
		return
	}
	for _, it := range items {
		c.W.MoveItem(it, c.P.Room)
		c.Send(fmt.Sprintf("You drop %s.", it.Short()))
		c.P.Room.send(fmt.Sprintf("%s drops %s.", c.P.Name, it.Short()), c.P)
		c.W.hook(it, "on_drop", c.P)
	}
}

func withArticle(word string) string {
	if word == "all" {
		return "anything"
	}
	return "any " + strings.TrimPrefix(word, "all.")
}

func cmdGive(c *Ctx) {
	fields := strings.Fields(c.Args)
	if len(fields) == 3 && strings.EqualFold(fields[1], "to") {
		fields = []string{fields[0], fields[2]}
	}
	if len(fields) != 2 {
		c.Send("Give what to whom? (give <item> <name>)")
		return
	}
	it, ok := pickOne(carried(c.P.Items), parseQuery(fields[0]))
	if !ok {
		c.Send(fmt.Sprintf("You are not carrying %s.", withArticle(fields[0])))
		return
	}
	target := c.P.findPerson(fields[1])
	switch to := target.(type) {
	case nil:
		c.Send(fmt.Sprintf("There is no %s here.", fields[1]))
	case *Player:
		if to == c.P {
			c.Send("You already have it.")
			return
		}
		c.W.MoveItem(it, to)
		c.W.SaveSoon() // a trade: not to be undone by a crash
		c.W.cfg.Host.Record(Event{Kind: "give", Actor: c.P.Name, Target: to.Name, Room: c.P.Room.ID,
			Details: map[string]any{"item": it.Proto.ID, "id": it.ID}})
		c.Send(fmt.Sprintf("You give %s to %s.", it.Short(), to.Name))
		to.Send(fmt.Sprintf("%s gives you %s.", c.P.Name, it.Short()))
		c.W.sendExcept(c.P.Room, fmt.Sprintf("%s gives %s to %s.", c.P.Name, it.Short(), to.Name), c.P, to)
	case *Mobile:
		c.W.MoveItem(it, to)
		c.Send(fmt.Sprintf("You give %s to %s.", it.Short(), to.Proto.Short))
		c.P.Room.send(fmt.Sprintf("%s gives %s to %s.", c.P.Name, it.Short(), to.Proto.Short), c.P)
		c.W.hook(to, "on_give", c.P, it)
		c.W.SaveSoon() // a trade too when the NPC pays for it (on_give)
	}
}

// sendExcept writes to everyone in r but a and b.
func (w *World) sendExcept(r *Room, text string, a, b *Player) {
	for _, p := range r.Players {
		if p != a && p != b {
			p.Send(text)
		}
	}
}

func cmdExamine(c *Ctx) {
	if c.Args == "" {
		c.Send("Examine what?")
		return
	}
	switch t := c.P.findHere(c.Args).(type) {
	case nil:
		c.Send(fmt.Sprintf("You see no %s here.", c.Args))
	case *Item:
		c.Send(describe(t.Short(), t.Proto.Desc) + containerText(t))
	case *Mobile:
		text := describe(t.Proto.Short, t.Proto.Desc)
		if len(t.Items) > 0 {
			text += "\n" + capFirst(t.Proto.Short) + " is carrying:\n  " + strings.Join(countedList(t.Items), "\n  ")
		}
		c.Send(text)
	case *Player:
		text := t.Name + " is a " + t.Role.String() + "."
		if t == c.P {
			text = "You look yourself over. You are a " + t.Role.String() + "."
		}
		if len(t.Items) > 0 {
			text += "\nCarrying:\n  " + strings.Join(countedList(t.Items), "\n  ")
		}
		c.Send(text)
	}
}

func describe(short, desc string) string {
	desc = strings.TrimRight(desc, "\n")
	if desc == "" {
		return fmt.Sprintf("You see nothing special about %s.", short)
	}
	return desc
}

func cmdScore(c *Ctx) { c.Send(scoreText(c.P)) }

func cmdHelp(c *Ctx) {
	if c.Args == "" {
		c.Send(c.W.helpIndex(c.P.Role, c.P.ScreenReader))
		return
	}
	word := strings.ToLower(c.Args)
	// A command and a topic of the same name ("help color", "help newbie")
	// both show, the command first: a topic must not hide how to type it.
	// Otherwise a topic named exactly wins over a command's prefix.
	var topic *HelpTopic
	for i, t := range c.W.help {
		if slices.Contains(t.Keywords, word) {
			topic = &c.W.help[i]
			break
		}
	}
	cmd := c.W.commands.find(word, c.P.Role)
	named := cmd != nil && (cmd.Name == word || slices.Contains(cmd.Aliases, word))
	switch {
	case topic != nil && named:
		c.Send(commandHelp(cmd) + "\n\n" + topicText(topic))
		return
	case topic != nil:
		c.Send(topicText(topic))
		return
	case cmd != nil:
		c.Send(commandHelp(cmd))
		return
	}
	for i, t := range c.W.help {
		if matches(t.Keywords, word) {
			c.Send(topicText(&c.W.help[i]))
			return
		}
	}
	c.Send(fmt.Sprintf("There is no help on %q. Type 'help' for the list.", c.Args))
}

// commandHelp is a command's usage and help text.
func commandHelp(cmd *Command) string {
	text := fmt.Sprintf("{WUsage:{x %s\n%s", cmd.Usage, cmd.Help)
	if len(cmd.Aliases) > 0 {
		text += "\nShort forms: " + strings.Join(cmd.Aliases, ", ")
	}
	return text + "\nFor: " + roleAudience(cmd.MinRole)
}

// topicText is a help topic with its title.
func topicText(t *HelpTopic) string {
	return "{W" + t.Title + "{x\n" + strings.TrimRight(t.Text, "\n")
}

// helpIndex lists the commands a role can use, in columns (a sentence for a
// screen reader, sr), and the topics.
func (w *World) helpIndex(role Role, sr bool) string {
	var names []string
	for _, c := range w.commands.list {
		if c.MinRole <= role {
			names = append(names, c.Name)
		}
	}
	var b strings.Builder
	b.WriteString("{WCommands{x (type 'help <command>' for more):")
	b.WriteString(columns(names, sr))
	b.WriteString("\n{WShort forms:{x a command may be cut short; when several start the same, the\n" +
		"most used wins. One letter runs: ")
	b.WriteString(strings.Join(w.commands.abbreviations(role), ", "))
	b.WriteString(".")
	if len(w.help) > 0 {
		b.WriteString("\n{WTopics:{x")
		for _, t := range w.help {
			b.WriteString(" ")
			b.WriteString(t.Keywords[0])
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func cmdUse(c *Ctx) {
	if c.Args == "" {
		c.Send("Use what?")
		return
	}
	q := parseQuery(c.Args)
	it, ok := pickOne(c.P.Items, q)
	if !ok {
		if it, ok = pickOne(c.P.Room.Items, q); !ok {
			c.Send(fmt.Sprintf("You see no %s here.", c.Args))
			return
		}
	}
	if it.Behaviour() == "" || !c.W.cfg.Scripts.Has(it, "on_use") {
		c.Send(fmt.Sprintf("You cannot think of a way to use %s.", it.Short()))
		return
	}
	c.W.hook(it, "on_use", c.P)
}

func cmdQuit(c *Ctx) {
	p := c.P
	if p.foe != nil {
		c.Send("No way! You are fighting for your life!")
		return
	}
	p.Send(fmt.Sprintf("Goodbye, %s. Your character is saved; come back soon!", p.Name))
	p.Room.send(fmt.Sprintf("%s has left the game.", p.Name), p)
	c.W.depart(p, "quit")
}

// columns lays names out sorted, five to a line, each line indented; for
// a screen reader, as one sentence.
func columns(names []string, screenReader bool) string {
	names = slices.Sorted(slices.Values(names))
	if screenReader {
		return "\n" + strings.Join(names, ", ") + "."
	}
	var b strings.Builder
	for i, n := range names {
		if i%5 == 0 {
			b.WriteString("\n  ")
		}
		fmt.Fprintf(&b, "%-14s", n)
	}
	return b.String()
}
