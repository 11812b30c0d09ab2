package world

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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
		{Name: "force", MinRole: a, Usage: "force <NPC|2.NPC|mob:id> <command>",
			Help: "Makes an NPC anywhere act (the nearest that matches: here, then this area, then the world): say, emote, go <direction> or a direction, get, drop, give <item> <name>, wear, remove, kill <name>. Players cannot be forced.",
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
	m := c.W.findMob(c.P.Room, who)
	if m == nil {
		if c.W.findPlayer(who) != nil {
			c.Fail("Players cannot be forced; only NPCs.")
			return
		}
		c.Fail(fmt.Sprintf("There is no NPC %q in the world.", who))
		return
	}
	c.Target = "mob:" + strconv.FormatUint(m.ID, 10)
	verb, rest, _ := strings.Cut(cmd, " ")
	if strings.HasPrefix(cmd, "'") {
		verb, rest = "say", cmd[1:]
	}
	rest = strings.TrimSpace(rest)
	mc := findMobCommand(strings.ToLower(verb))
	if mc == nil {
		if d, ok := ParseDir(verb); ok {
			mc, rest = findMobCommand("go"), d.String()
		} else {
			c.Fail(fmt.Sprintf("An NPC can be made to: %s, or walk a direction.", mobCommandNames()))
			return
		}
	}
	if problem := mc.run(c.W, m, rest); problem != "" {
		c.Fail(fmt.Sprintf("%s cannot: %s", capFirst(m.Proto.Short), problem))
		return
	}
	c.W.SaveSoon()
	c.Send(fmt.Sprintf("%s (%s) obeys.", capFirst(m.Proto.Short), mobWhere(m)))
}

func mobWhere(m *Mobile) string {
	if m.Room == nil {
		return "gone"
	}
	return m.Room.ID
}

// findMob finds an NPC anywhere by what an admin typed: mob:<id>, or a
// keyword ("2.guard" for the second), nearest first: here, then this
// area, then the rest of the world in area order.
func (w *World) findMob(here *Room, ref string) *Mobile {
	if idText, ok := strings.CutPrefix(strings.ToLower(ref), "mob:"); ok {
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			return nil
		}
		for _, r := range w.Rooms() {
			for _, m := range r.Mobs {
				if m.ID == id {
					return m
				}
			}
		}
		return nil
	}
	mobs := slices.Clone(here.Mobs)
	for _, r := range here.Area.Rooms {
		if r != here {
			mobs = append(mobs, r.Mobs...)
		}
	}
	for _, a := range w.areas {
		if a != here.Area {
			for _, r := range a.Rooms {
				mobs = append(mobs, r.Mobs...)
			}
		}
	}
	m, _ := pickOne(mobs, parseQuery(ref))
	return m
}

// mobCommand is something an admin can make an NPC do (force): the NPCs'
// command table. run returns "" when done, else why it could not.
type mobCommand struct {
	name, usage string
	run         func(w *World, m *Mobile, args string) string
}

var mobCommands = []mobCommand{
	{"say", "say <text>", mobSay},
	{"emote", "emote <text>", mobEmote},
	{"go", "go <direction>", mobGo},
	{"get", "get <item>", mobGet},
	{"drop", "drop <item>", mobDrop},
	{"give", "give <item> <name>", mobGive},
	{"wear", "wear <item>", mobWear},
	{"remove", "remove <item>", mobRemove},
	{"kill", "kill <name>", mobKill},
}

// findMobCommand finds an NPC command by name or unique-enough prefix, in
// table order as players' commands are.
func findMobCommand(verb string) *mobCommand {
	if verb == "" {
		return nil
	}
	for i := range mobCommands {
		if mobCommands[i].name == verb {
			return &mobCommands[i]
		}
	}
	for i := range mobCommands {
		if strings.HasPrefix(mobCommands[i].name, verb) {
			return &mobCommands[i]
		}
	}
	return nil
}

func mobCommandNames() string {
	names := make([]string, len(mobCommands))
	for i, mc := range mobCommands {
		names[i] = mc.usage
	}
	return strings.Join(names, ", ")
}

func mobSay(w *World, m *Mobile, text string) string {
	if text == "" {
		return "say what?"
	}
	w.MobSay(m, text)
	return ""
}

func mobEmote(w *World, m *Mobile, text string) string {
	if text == "" {
		return "emote what?"
	}
	w.MobEmote(m, text)
	return ""
}

func mobGo(w *World, m *Mobile, args string) string {
	d, ok := ParseDir(args)
	if !ok {
		return fmt.Sprintf("%q is not a direction", args)
	}
	if !w.MoveMob(m, d) {
		return fmt.Sprintf("there is no open way %s from %s", d, mobWhere(m))
	}
	return ""
}

func mobGet(w *World, m *Mobile, args string) string {
	it, ok := pickOne(m.Room.Items, parseQuery(args))
	switch {
	case !ok:
		return fmt.Sprintf("there is no %q in %s", args, m.Room.ID)
	case it.Proto.Fixed:
		return fmt.Sprintf("%s is fixed in place", it.Short())
	}
	w.MoveItem(it, m)
	m.Room.send(fmt.Sprintf("%s gets %s.", capFirst(m.Proto.Short), it.Short()), nil)
	return ""
}

func mobDrop(w *World, m *Mobile, args string) string {
	it, ok := pickOne(carried(m.Items), parseQuery(args))
	if !ok {
		return fmt.Sprintf("it carries no %q", args)
	}
	w.MoveItem(it, m.Room)
	m.Room.send(fmt.Sprintf("%s drops %s.", capFirst(m.Proto.Short), it.Short()), nil)
	return ""
}

func mobGive(w *World, m *Mobile, args string) string {
	what, to, ok := strings.Cut(args, " ")
	if !ok {
		return "give <item> <name>"
	}
	it, ok := pickOne(carried(m.Items), parseQuery(what))
	if !ok {
		return fmt.Sprintf("it carries no %q", what)
	}
	q := parseQuery(strings.TrimSpace(to))
	if p, ok := pickOne(m.Room.Players, q); ok {
		w.MoveItem(it, p)
		p.Send(fmt.Sprintf("%s gives you %s.", capFirst(m.Proto.Short), it.Short()))
		m.Room.send(fmt.Sprintf("%s gives %s to %s.", capFirst(m.Proto.Short), it.Short(), p.Name), p)
		return ""
	}
	if o, ok := pickOne(m.Room.Mobs, q); ok && o != m {
		w.MoveItem(it, o)
		m.Room.send(fmt.Sprintf("%s gives %s to %s.", capFirst(m.Proto.Short), it.Short(), o.Proto.Short), nil)
		return ""
	}
	return fmt.Sprintf("there is nobody %q in %s", strings.TrimSpace(to), m.Room.ID)
}

func mobWear(w *World, m *Mobile, args string) string {
	it, ok := pickOne(carried(m.Items), parseQuery(args))
	if !ok {
		return fmt.Sprintf("it carries no %q", args)
	}
	slot := it.Proto.Slot
	if slot == "" {
		return fmt.Sprintf("%s cannot be worn", it.Short())
	}
	for _, x := range m.Items {
		if x.Slot == slot {
			return fmt.Sprintf("it already wears %s (%s)", x.Short(), slot)
		}
	}
	it.Slot = slot
	w.touchItem(it)
	w.touchMob(m)
	m.Room.send(fmt.Sprintf("%s wears %s.", capFirst(m.Proto.Short), it.Short()), nil)
	return ""
}

func mobRemove(w *World, m *Mobile, args string) string {
	var worn []*Item
	for _, it := range m.Items {
		if it.Worn() {
			worn = append(worn, it)
		}
	}
	it, ok := pickOne(worn, parseQuery(args))
	if !ok {
		return fmt.Sprintf("it wears no %q", args)
	}
	it.Slot = ""
	w.touchItem(it)
	w.touchMob(m)
	m.Room.send(fmt.Sprintf("%s stops using %s.", capFirst(m.Proto.Short), it.Short()), nil)
	return ""
}

func mobKill(w *World, m *Mobile, args string) string {
	q := parseQuery(args)
	var target any
	if p, ok := pickOne(m.Room.Players, q); ok {
		target = p
	} else if o, ok := pickOne(m.Room.Mobs, q); ok && o != m {
		target = o
	} else {
		return fmt.Sprintf("there is nobody %q in %s", args, m.Room.ID)
	}
	if !w.Attack(m, target) {
		return "it cannot start that fight (peaceful room, already fighting, or the target is dead)"
	}
	return ""
}

func cmdStat(c *Ctx) {
	arg := strings.TrimSpace(c.Args)
	w := c.W
	switch {
	case arg == "" || arg == "room":
		c.Target = c.P.Room.ID
		c.Send(w.statRoom(c.P.Room))
		return
	case strings.HasPrefix(arg, "mob:") || strings.HasPrefix(arg, "item:"):
		kind, idText, _ := strings.Cut(arg, ":")
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			c.Fail(fmt.Sprintf("%q is not an id.", idText))
			return
		}
		c.Target = arg
		if kind == "mob" {
			for _, r := range w.rooms {
				for _, m := range r.Mobs {
					if m.ID == id {
						c.Send(w.statMob(m))
						return
					}
				}
			}
		} else {
			for _, it := range w.Items() {
				if it.ID == id {
					c.Send(w.statItem(it))
					return
				}
			}
		}
		c.Fail(fmt.Sprintf("There is no %s with id %d in the world.", kind, id))
		return
	}
	c.Target = arg
	if r := w.rooms[strings.ToLower(arg)]; r != nil {
		c.Send(w.statRoom(r))
		return
	}
	q := parseQuery(arg)
	if m, ok := pickOne(c.P.Room.Mobs, q); ok {
		c.Send(w.statMob(m))
		return
	}
	if it, ok := pickOne(c.P.Items, q); ok {
		c.Send(w.statItem(it))
		return
	}
	if it, ok := pickOne(c.P.Room.Items, q); ok {
		c.Send(w.statItem(it))
		return
	}
	if p := w.findPlayer(arg); p != nil {
		c.Send(w.statPlayer(p))
		return
	}
	if r := w.RoomRef(c.P.Room, arg); r != nil {
		c.Send(w.statRoom(r))
		return
	}
	c.Fail(fmt.Sprintf("There is no %q to stat: try a room id, a player, an NPC or item here, mob:<id> or item:<id>.", arg))
}

// statLine writes one "  label: value" line of a stat listing.
func statLine(b *strings.Builder, label string, format string, args ...any) {
	fmt.Fprintf(b, "\n  %-11s ", label+":")
	fmt.Fprintf(b, format, args...)
}

// itemList names items for a stat listing: short description, prototype
// and id, with where each is worn.
func itemList(items []*Item) string {
	if len(items) == 0 {
		return "none"
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%s (%s#%d)", it.Short(), it.Proto.ID, it.ID)
		if it.Slot != "" {
			parts[i] += " [" + it.Slot + "]"
		}
	}
	return strings.Join(parts, ", ")
}

// scriptText names an entity's behaviour and sums up its saved state.
func (w *World) scriptText(x Scripted) string {
	if x.Behaviour() == "" {
		return "none"
	}
	state := w.cfg.Scripts.SaveState(x)
	if len(state) == 0 {
		return x.Behaviour() + " (no state)"
	}
	return fmt.Sprintf("%s (state %d bytes: %s)", x.Behaviour(), len(state), Clip(string(state), 120))
}

func (w *World) statRoom(r *Room) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{WRoom %s{x", r.ID)
	statLine(&b, "name", "%s", r.Name)
	statLine(&b, "area", "%s (%s), resets every %s%s", r.Area.ID, r.Area.Name, resetText(r.Area),
		map[ResetMode]string{ResetAlways: "", ResetEmpty: " when empty"}[r.Area.ResetMode])
	statLine(&b, "flags", "%s", roomFlagsText(r.Flags))
	statLine(&b, "script", "%s", w.scriptText(r))
	b.WriteString("\n  desc:\n" + r.Desc)
	b.WriteString("\n  exits:")
	n := 0
	for d, ex := range r.Exits {
		if ex != nil {
			fmt.Fprintf(&b, "\n    %-9s -> %s%s", Dir(d), ex.Target(), exitFlags(ex))
			if ex.Door {
				fmt.Fprintf(&b, " (starts %s)", doorStart(ex))
			}
			n++
		}
	}
	if n == 0 {
		b.WriteString(" none")
	}
	b.WriteString("\n  resets:")
	for i, sp := range r.Spawns {
		kind := "item"
		if sp.Kind == SpawnMob {
			kind = "NPC"
		}
		fmt.Fprintf(&b, "\n    %2d. %s %s", i+1, kind, sp.Proto)
	}
	if len(r.Spawns) == 0 {
		b.WriteString(" none")
	}
	statLine(&b, "items", "%s", itemList(r.Items))
	mobs := make([]string, len(r.Mobs))
	for i, m := range r.Mobs {
		mobs[i] = fmt.Sprintf("%s (%s#%d)", m.Proto.Short, m.Proto.ID, m.ID)
	}
	statLine(&b, "NPCs", "%s", orNone(strings.Join(mobs, ", ")))
	players := make([]string, len(r.Players))
	for i, p := range r.Players {
		players[i] = p.Name
	}
	statLine(&b, "players", "%s", orNone(strings.Join(players, ", ")))
	return b.String()
}

func roomFlagsText(f RoomFlags) string {
	var names []string
	if f.PvP {
		names = append(names, "pvp")
	}
	if f.Peaceful {
		names = append(names, "peaceful")
	}
	return orNone(strings.Join(names, " "))
}

// doorStart is how resets leave a door.
func doorStart(ex *Exit) string {
	switch {
	case ex.StartLocked:
		return "locked"
	case ex.StartClosed:
		return "closed"
	}
	return "open"
}

// fighterName names whom a character fights, for admins.
func fighterName(f fighter) string {
	switch x := f.(type) {
	case nil:
		return "nobody"
	case *Player:
		return x.Name
	case *Mobile:
		return fmt.Sprintf("%s (%s#%d)", x.Proto.Short, x.Proto.ID, x.ID)
	}
	return f.label()
}

func (w *World) statMob(m *Mobile) string {
	room := "nowhere"
	if m.Room != nil {
		room = m.Room.ID
	}
	home := "none (made once, not by a reset)"
	if m.spawn != "" {
		r, _, _ := strings.Cut(m.spawn, "/")
		home = fmt.Sprintf("%s (spawn slot %s)", r, m.spawn)
	}
	p := m.Proto
	var b strings.Builder
	fmt.Fprintf(&b, "{WNPC %d{x %s", m.ID, p.ID)
	statLine(&b, "short", "%s", p.Short)
	statLine(&b, "long", "%s", p.Long)
	statLine(&b, "keywords", "%s", strings.Join(p.Keywords, " "))
	statLine(&b, "room", "%s", room)
	statLine(&b, "home", "%s", home)
	statLine(&b, "level", "%d", m.level())
	statLine(&b, "hp", "%d/%d", m.HP, m.MaxHP())
	statLine(&b, "mana", "none (NPCs cast no spells)")
	statLine(&b, "position", "%s", m.Pos)
	statLine(&b, "armour", "%d (prototype %d)", m.ArmorClass(), p.Armor)
	statLine(&b, "damage", "%s", cmp.Or(p.Damage.String(), "by level"))
	statLine(&b, "gold", "%d", p.Gold)
	statLine(&b, "aggressive", "%t", p.Aggressive)
	statLine(&b, "fighting", "%s", fighterName(m.foe))
	statLine(&b, "shop", "%s", shopText(p.Shop, m.Stock))
	statLine(&b, "script", "%s", w.scriptText(m))
	statLine(&b, "attrs", "%s", attrsText(m.Attrs))
	statLine(&b, "carries", "%s", itemList(m.Items))
	b.WriteString("\n  desc:\n" + p.Desc)
	return b.String()
}

// shopText is a shop's terms and what it has in stock now.
func shopText(s *Shop, stock map[string]int) string {
	if s == nil {
		return "none"
	}
	ids := slices.Sorted(maps.Keys(s.Sells))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %d/%d", id, stock[id], s.Sells[id])
	}
	return fmt.Sprintf("markup %d%%, buys at %d%%; stock: %s", s.Markup, s.Buys, orNone(strings.Join(parts, ", ")))
}

func (w *World) statItem(it *Item) string {
	where := "nowhere"
	switch h := it.in.(type) {
	case *Room:
		where = "on the floor of " + h.ID
	case *Player:
		where = "carried by " + h.Name
		if it.Slot != "" {
			where = "worn by " + h.Name + " (" + it.Slot + ")"
		}
	case *Mobile:
		where = fmt.Sprintf("carried by %s (%s#%d)", h.Proto.Short, h.Proto.ID, h.ID)
		if it.Slot != "" {
			where += " (" + it.Slot + ")"
		}
	case *Item:
		where = fmt.Sprintf("inside %s (%s#%d)", h.Short(), h.Proto.ID, h.ID)
	}
	p := it.Proto
	var b strings.Builder
	fmt.Fprintf(&b, "{WItem %d{x %s", it.ID, p.ID)
	statLine(&b, "short", "%s", it.Short())
	statLine(&b, "long", "%s", it.Long())
	statLine(&b, "keywords", "%s", strings.Join(p.Keywords, " "))
	statLine(&b, "where", "%s (arrived %d)", where, it.seq)
	statLine(&b, "fixed", "%t", p.Fixed)
	statLine(&b, "slot", "%s", orNone(p.Slot))
	statLine(&b, "damage", "%s", orNone(p.Damage.String()))
	statLine(&b, "armour", "%d", p.Armor)
	statLine(&b, "bonus", "%s", bonusText(p.Bonus))
	statLine(&b, "weight", "%d", p.Weight)
	statLine(&b, "value", "%d", p.Value)
	statLine(&b, "capacity", "%d", p.Capacity)
	statLine(&b, "contents", "%s", itemList(it.Items))
	if it.decay != 0 {
		statLine(&b, "decays", "at tick %d", it.decay)
	}
	statLine(&b, "script", "%s", w.scriptText(it))
	statLine(&b, "spawn", "%s", orNone(it.spawn))
	b.WriteString("\n  desc:\n" + p.Desc)
	return b.String()
}

func bonusText(bonus map[string]int) string {
	keys := slices.Sorted(maps.Keys(bonus))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s%+d", k, bonus[k])
	}
	return orNone(strings.Join(parts, " "))
}

// LinkInfo is what a Link may tell admins about the connection behind it.
type LinkInfo interface {
	Addr() string
	Protocol() string
}

func (w *World) statPlayer(p *Player) string {
	link := "link-dead"
	if p.link != nil {
		link = "connected"
		if li, ok := p.link.(LinkInfo); ok {
			link = fmt.Sprintf("connected from %s by %s", li.Addr(), li.Protocol())
		}
	}
	st := p.Stats
	var worn, carried []*Item
	for _, it := range p.Items {
		if it.Slot != "" {
			worn = append(worn, it)
		} else {
			carried = append(carried, it)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{WPlayer %s{x", p.Name)
	statLine(&b, "role", "%s", p.Role)
	statLine(&b, "link", "%s", link)
	statLine(&b, "room", "%s", p.Room.ID)
	statLine(&b, "level", "%d (exp %d, next at %d)", st.Level, st.Exp, ExpToLevel(st.Level))
	statLine(&b, "hp", "%d/%d", st.HP, st.MaxHP)
	statLine(&b, "mana", "%d/%d", st.Mana, st.MaxMana)
	statLine(&b, "stats", "str %d, dex %d, con %d, int %d", st.Str, st.Dex, st.Con, st.Int)
	statLine(&b, "armour", "%d", p.ArmorClass())
	statLine(&b, "gold", "%d", p.Gold)
	statLine(&b, "position", "%s", p.Pos)
	statLine(&b, "fighting", "%s", fighterName(p.foe))
	statLine(&b, "wimpy", "%d", p.Wimpy)
	statLine(&b, "invis", "%t", p.Invis)
	statLine(&b, "editing", "%t", p.editor != nil)
	statLine(&b, "attrs", "%s", attrsText(p.Attrs))
	statLine(&b, "equipment", "%s", itemList(worn))
	statLine(&b, "inventory", "%s", itemList(carried))
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
