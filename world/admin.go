package world

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The admins' commands that need nothing but the world. Those that reach
// connections, the database or the process (kick, ban, shutdown, users,
// save, promote, audit) are the engine's.

func adminCommands() []*Command {
	a := RoleAdmin
	return []*Command{
		{Name: "wall", MinRole: a, Usage: "wall <text>",
			Help: "Sends a message to every player in the world.",
			Run:  cmdWall},
		{Name: "goto", MinRole: a, Usage: "goto <room|player|shard:[room]>",
			Help: "Takes you to a room (its key in this area, or <area>.<key>), to a player, or to a room on another linked shard (shard:room; shard: for its start room), carrying what you carry.",
			Run:  cmdGoto},
		{Name: "transfer", MinRole: a, Usage: "transfer <player> [room]",
			Help: "Brings a player here, or sends them to a room.",
			Run:  cmdTransfer},
		{Name: "stat", MinRole: a, Usage: "stat [room|<room id>|<player>|<NPC or item here>|mob:<id>|item:<id>]",
			Help: "Shows every field of a room (this one by default), a player, an NPC or an item.",
			Run:  cmdStat},
		{Name: "invis", MinRole: a, Usage: "invis",
			Help: "Makes you invisible to everyone but admins (who list, rooms, comings and goings), or visible again.",
			Run:  cmdInvis},
		{Name: "force", MinRole: a, Usage: "force <NPC> <command>",
			Help: "Makes an NPC here act: say <text>, emote <text>, or walk (a direction, or go <direction>).",
			Run:  cmdForce},
	}
}

func cmdWall(c *Ctx) {
	if c.Args == "" {
		c.Fail("Usage: wall <text>")
		return
	}
	for _, p := range c.W.players {
		p.Send(fmt.Sprintf("{R[%s]{x %s", c.P.Name, c.Args))
	}
}

// teleport moves p to r with the messages an admin's magic makes.
func (w *World) teleport(p *Player, r *Room) {
	if p.Room == r {
		w.look(p)
		return
	}
	p.Room.sendAbout(p, fmt.Sprintf("%s vanishes.", p.Name))
	w.unplace(p)
	r.sendAbout(p, fmt.Sprintf("%s appears out of thin air.", p.Name))
	w.place(p, r)
	w.look(p)
}

func cmdGoto(c *Ctx) {
	if c.Args == "" {
		c.Fail("Usage: goto <room|player>")
		return
	}
	if shard, room, ok := SplitPortal(c.Args); ok {
		c.Target = c.Args
		c.W.cross(c.P, shard, room, fmt.Sprintf("%s vanishes.", c.P.Name))
		return
	}
	r := c.W.RoomRef(c.P.Room, c.Args)
	if r == nil {
		if p := c.W.findPlayer(c.Args); p != nil {
			r = p.Room
		}
	}
	if r == nil {
		c.Fail(fmt.Sprintf("There is no room or player %q.", c.Args))
		return
	}
	c.Target = r.ID
	c.W.teleport(c.P, r)
}

func cmdTransfer(c *Ctx) {
	name, ref, _ := strings.Cut(c.Args, " ")
	if name == "" {
		c.Fail("Usage: transfer <player> [room]")
		return
	}
	p := c.W.findPlayer(name)
	if p == nil {
		c.Fail(fmt.Sprintf("There is no player %q in the world.", name))
		return
	}
	r := c.P.Room
	if ref = strings.TrimSpace(ref); ref != "" {
		if r = c.W.RoomRef(c.P.Room, ref); r == nil {
			c.Fail(fmt.Sprintf("There is no room %q.", ref))
			return
		}
	}
	c.Target = p.Name
	p.Send(fmt.Sprintf("%s summons you.", c.P.Name))
	c.W.teleport(p, r)
	if p != c.P {
		c.Send(fmt.Sprintf("You send %s to %s (%s).", p.Name, r.Name, r.ID))
	}
}

func cmdInvis(c *Ctx) {
	p := c.P
	if p.Invis {
		p.Invis = false
		p.Room.sendAbout(p, fmt.Sprintf("%s fades into view.", p.Name))
		c.Send("You are visible again.")
		return
	}
	p.Room.sendAbout(p, fmt.Sprintf("%s fades from view.", p.Name))
	p.Invis = true
	c.Send("You are invisible to all but admins.")
}

func cmdForce(c *Ctx) {
	who, cmd, _ := strings.Cut(c.Args, " ")
	cmd = strings.TrimSpace(cmd)
	if who == "" || cmd == "" {
		c.Fail("Usage: force <NPC> <command>")
		return
	}
	m, ok := pickOne(c.P.Room.Mobs, parseQuery(who))
	switch {
	case !ok && c.W.findPlayer(who) != nil:
		c.Fail("Players cannot be forced; only NPCs.")
		return
	case !ok:
		c.Fail(fmt.Sprintf("There is no NPC %q here.", who))
		return
	}
	c.Target = "mob:" + strconv.FormatUint(m.ID, 10)
	verb, rest, _ := strings.Cut(cmd, " ")
	verb = strings.ToLower(verb)
	if verb == "go" {
		verb = strings.TrimSpace(rest)
	}
	switch {
	case verb == "say" || strings.HasPrefix(cmd, "'"):
		text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(cmd, "'"), "say"))
		c.W.MobSay(m, text)
	case verb == "emote":
		c.W.MobEmote(m, strings.TrimSpace(rest))
	default:
		d, ok := ParseDir(verb)
		if !ok {
			c.Fail("An NPC can be made to say, emote or walk (a direction, or go <direction>).")
			return
		}
		if !c.W.MoveMob(m, d) {
			c.Fail(fmt.Sprintf("%s cannot go %s.", capFirst(m.Proto.Short), d))
			return
		}
		c.W.SaveSoon()
	}
	c.Send(fmt.Sprintf("%s obeys.", capFirst(m.Proto.Short)))
}

func cmdStat(c *Ctx) {
	arg := strings.TrimSpace(c.Args)
	switch {
	case arg == "" || arg == "room":
		c.Send(statRoom(c.P.Room))
		return
	case strings.HasPrefix(arg, "mob:") || strings.HasPrefix(arg, "item:"):
		kind, idText, _ := strings.Cut(arg, ":")
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			c.Fail(fmt.Sprintf("%q is not an id.", idText))
			return
		}
		if kind == "mob" {
			for _, r := range c.W.rooms {
				for _, m := range r.Mobs {
					if m.ID == id {
						c.Send(statMob(m))
						return
					}
				}
			}
		} else {
			for _, it := range c.W.Items() {
				if it.ID == id {
					c.Send(statItem(it))
					return
				}
			}
		}
		c.Fail(fmt.Sprintf("There is no %s with id %d in the world.", kind, id))
		return
	}
	if r := c.W.rooms[strings.ToLower(arg)]; r != nil {
		c.Send(statRoom(r))
		return
	}
	q := parseQuery(arg)
	if m, ok := pickOne(c.P.Room.Mobs, q); ok {
		c.Send(statMob(m))
		return
	}
	if it, ok := pickOne(c.P.Items, q); ok {
		c.Send(statItem(it))
		return
	}
	if it, ok := pickOne(c.P.Room.Items, q); ok {
		c.Send(statItem(it))
		return
	}
	if p := c.W.findPlayer(arg); p != nil {
		c.Send(statPlayer(p))
		return
	}
	if r := c.W.RoomRef(c.P.Room, arg); r != nil {
		c.Send(statRoom(r))
		return
	}
	c.Fail(fmt.Sprintf("There is no %q to stat: try a room id, a player, an NPC or item here, mob:<id> or item:<id>.", arg))
}

func statRoom(r *Room) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{WRoom %s{x (area %s, resets %s)\n  name:   %s\n  script: %s\n  desc:\n%s\n  exits:", r.ID, r.Area.ID, resetText(r.Area),
		r.Name, orNone(r.Script), r.Desc)
	for d, ex := range r.Exits {
		if ex != nil {
			fmt.Fprintf(&b, "\n    %-9s -> %s%s", Dir(d), ex.Target(), exitFlags(ex))
		}
	}
	b.WriteString("\n  spawns:")
	for _, sp := range r.Spawns {
		b.WriteString(" " + sp.Proto)
	}
	b.WriteString("\n  items: ")
	for _, it := range r.Items {
		fmt.Fprintf(&b, " %s#%d", it.Proto.ID, it.ID)
	}
	b.WriteString("\n  NPCs:  ")
	for _, m := range r.Mobs {
		fmt.Fprintf(&b, " %s#%d", m.Proto.ID, m.ID)
	}
	b.WriteString("\n  players:")
	for _, p := range r.Players {
		b.WriteString(" " + p.Name)
	}
	return b.String()
}

func statMob(m *Mobile) string {
	room := "nowhere"
	if m.Room != nil {
		room = m.Room.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{WNPC %d{x %s\n  short:    %s\n  long:     %s\n  keywords: %s\n  room:     %s\n  script:   %s\n  spawn:    %s\n  attrs:    %s\n  carries: ",
		m.ID, m.Proto.ID, m.Proto.Short, m.Proto.Long, strings.Join(m.Proto.Keywords, " "), room, orNone(m.Proto.Script),
		orNone(m.spawn), attrsText(m.Attrs))
	for _, it := range m.Items {
		fmt.Fprintf(&b, " %s#%d", it.Proto.ID, it.ID)
	}
	return b.String()
}

func statItem(it *Item) string {
	where := "nowhere"
	if it.in != nil {
		rec := it.record()
		where = rec.Kind.String() + " " + rec.Holder
	}
	return fmt.Sprintf("{WItem %d{x %s\n  short:    %s\n  long:     %s\n  keywords: %s\n  fixed:    %t\n  in:       %s (arrived %d)\n  script:   %s\n  spawn:    %s",
		it.ID, it.Proto.ID, it.Short(), it.Proto.Long, strings.Join(it.Proto.Keywords, " "), it.Proto.Fixed,
		where, it.seq, orNone(it.Proto.Script), orNone(it.spawn))
}

func statPlayer(p *Player) string {
	link := "connected"
	if p.link == nil {
		link = "link-dead"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{WPlayer %s{x\n  role:   %s\n  room:   %s\n  link:   %s\n  invis:  %t\n  attrs:  %s\n  editing: %t\n  carries:",
		p.Name, p.Role, p.Room.ID, link, p.Invis, attrsText(p.Attrs), p.editor != nil)
	for _, it := range p.Items {
		fmt.Fprintf(&b, " %s#%d", it.Proto.ID, it.ID)
	}
	return b.String()
}

func attrsText(a map[string]float64) string {
	if len(a) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%g", k, a[k])
	}
	return strings.Join(parts, " ")
}
