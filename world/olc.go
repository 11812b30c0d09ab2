package world

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Building inside the game (online creation). Every edit changes the
// live world at once, for everyone, and marks its area edited: the next
// delta names the area, the engine writes the area out in the area file
// format, and it is saved at once. Rooms, exits, spawn lists and
// prototypes are the area's definition; items and NPCs placed now are the
// world's state, saved with the snapshot like any other.

var keyRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// markEdited records that a's definition changed and asks for a save now.
func (w *World) markEdited(a *Area) {
	if w.editedAreas == nil {
		w.editedAreas = make(map[string]bool)
	}
	w.editedAreas[a.ID] = true
	w.urgent = true
}

// TakeEditedAreas returns the areas whose definition builders changed
// since the last call, and forgets them.
func (w *World) TakeEditedAreas() []string {
	if len(w.editedAreas) == 0 {
		return nil
	}
	ids := make([]string, 0, len(w.editedAreas))
	for id := range w.editedAreas {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	clear(w.editedAreas)
	return ids
}

// RoomRef finds a room by full id, or by key within from's area.
func (w *World) RoomRef(from *Room, ref string) *Room {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if r := w.rooms[ref]; r != nil {
		return r
	}
	if from != nil {
		return w.rooms[from.Area.ID+"."+ref]
	}
	return nil
}

// Qualify turns a reference into a full id: "square" in area thornwick is
// "thornwick.square"; "whisperwood.edge" is already one. Area files,
// scripts and builders' commands all name things this way.
func Qualify(area, ref string) string {
	if strings.Contains(ref, ".") {
		return ref
	}
	return area + "." + ref
}

// slug makes a room key from a name: "The Old Mill" -> "the_old_mill".
func slug(name string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		default:
			under = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	if b.Len() == 0 {
		return "room"
	}
	return b.String()
}

func builderCommands() []*Command {
	b := RoleBuilder
	return []*Command{
		{Name: "dig", MinRole: b, Usage: "dig <direction> <room name>",
			Help: "Makes a new room in this area, with an exit from here to it and one back. Its key comes from the name (\"The Old Mill\" -> the_old_mill). You stay where you are.",
			Run:  cmdDig},
		{Name: "link", MinRole: b, Usage: "link <direction> <room>",
			Help: "Adds an exit from here to a room (its key in this area, or <area>.<key>), and the exit back if that side is free.",
			Run:  cmdLink},
		{Name: "unlink", MinRole: b, Usage: "unlink <direction>",
			Help: "Removes the exit that way, and the exit back if it leads here.",
			Run:  cmdUnlink},
		{Name: "rname", MinRole: b, Usage: "rname <name>",
			Help: "Renames this room.",
			Run:  cmdRname},
		{Name: "rdesc", MinRole: b, Usage: "rdesc [text]",
			Help: "Sets this room's description: the text given, or, with none, the lines you type next until a lone '.'. Lines are joined and wrapped for each reader; a blank line starts a paragraph; a line starting with a space is kept as typed.",
			Run:  cmdRdesc},
		{Name: "exits", MinRole: b, Usage: "exits [<direction> <flag>...]",
			Help: "Lists this room's exits with their flags, or sets flags on one: door, nodoor, closed, open, locked, unlocked, hidden, visible, key <item>, nokey. Doors change on both sides.",
			Run:  cmdExits},
		{Name: "spawn", MinRole: b, Usage: "spawn <prototype> [once]",
			Help: "Places an item or NPC made from a prototype here and adds it to the room's spawn list, so resets put it back when it is gone; with 'once', only places it.",
			Run:  cmdSpawn},
		{Name: "purge", MinRole: b, Usage: "purge <item or NPC>",
			Help: "Destroys an item or NPC here (not a player). Its spawn list entry stays: see resets.",
			Run:  cmdPurge},
		{Name: "resets", MinRole: b, Usage: "resets [remove <n>]",
			Help: "Lists this room's spawn list (what resets put back), or removes entry n from it.",
			Run:  cmdResets},
		{Name: "proto", MinRole: b, Usage: "proto list [area] | show <proto> | new item|mob <key> <short> | set <proto> <field> <value> | desc <proto>",
			Help: "Creates and edits item and NPC prototypes. New ones go in this room's area. " +
				"Fields of items: short, long, keywords, desc, fixed, slot, damage (weapons), armor, bonus <name> <n>, weight, value, capacity, flags. " +
				"Fields of NPCs: short, long, keywords, desc, level (hit points follow), damage, armor, gold, aggressive, flags, " +
				"shop sells <item> <n> | markup <percent> | buys <percent> | none. " +
				"Changes show at once on every item or NPC made from the prototype, and are saved at once.",
			Run: cmdProto},
	}
}

func cmdDig(c *Ctx) {
	dirWord, name, _ := strings.Cut(c.Args, " ")
	name = strings.TrimSpace(name)
	d, ok := ParseDir(dirWord)
	if !ok || name == "" {
		c.Fail("Usage: dig <direction> <room name>")
		return
	}
	here := c.P.Room
	if here.Exits[d] != nil {
		c.Fail(fmt.Sprintf("There is already an exit %s (to %s); unlink it first.", d, here.Exits[d].Target()))
		return
	}
	a := here.Area
	key := slug(name)
	for n := 2; c.W.rooms[a.ID+"."+key] != nil; n++ {
		key = fmt.Sprintf("%s_%d", slug(name), n)
	}
	r := &Room{ID: a.ID + "." + key, Area: a, Name: name}
	a.Rooms = append(a.Rooms, r)
	c.W.rooms[r.ID] = r
	here.Exits[d] = &Exit{To: r}
	r.Exits[d.Reverse()] = &Exit{To: here}
	c.W.markEdited(a)
	c.Target = r.ID
	c.Send(fmt.Sprintf("You dig %s: %s (%s), with an exit back %s.", d, name, r.ID, d.Reverse()))
}

func cmdLink(c *Ctx) {
	dirWord, ref, _ := strings.Cut(c.Args, " ")
	d, ok := ParseDir(dirWord)
	if !ok || strings.TrimSpace(ref) == "" {
		c.Fail("Usage: link <direction> <room> | link <direction> <shard>:[room]")
		return
	}
	here := c.P.Room
	ref = strings.TrimSpace(ref)
	if shard, room, ok := SplitPortal(ref); ok {
		if here.Exits[d] != nil {
			c.Fail(fmt.Sprintf("There is already an exit %s (to %s); unlink it first.", d, here.Exits[d].Target()))
			return
		}
		if !ValidShard(shard) {
			c.Fail(fmt.Sprintf("%q is not a shard name (letters, digits, '_' or '-').", shard))
			return
		}
		here.Exits[d] = &Exit{Shard: shard, Remote: room}
		c.W.markEdited(here.Area)
		c.Target = ref
		c.Send(fmt.Sprintf("You open a portal %s to %s on shard %s. It is one-way: the way back is that shard's to make.", d, cmp.Or(room, "the start room"), shard))
		return
	}
	to := c.W.RoomRef(here, ref)
	switch {
	case to == nil:
		c.Fail(fmt.Sprintf("There is no room %q (give its key in this area, or <area>.<key>).", strings.TrimSpace(ref)))
		return
	case here.Exits[d] != nil:
		c.Fail(fmt.Sprintf("There is already an exit %s (to %s); unlink it first.", d, here.Exits[d].Target()))
		return
	}
	here.Exits[d] = &Exit{To: to}
	c.W.markEdited(here.Area)
	c.Target = to.ID
	msg := fmt.Sprintf("You link %s to %s (%s).", d, to.Name, to.ID)
	if to.Exits[d.Reverse()] == nil && to != here {
		to.Exits[d.Reverse()] = &Exit{To: here}
		c.W.markEdited(to.Area)
		msg += fmt.Sprintf(" The way back, %s, links here.", d.Reverse())
	} else if to != here {
		msg += fmt.Sprintf(" %s already has an exit %s, so the way back is left as it was.", to.Name, d.Reverse())
	}
	c.Send(msg)
}

func cmdUnlink(c *Ctx) {
	d, ok := ParseDir(c.Args)
	if !ok {
		c.Fail("Usage: unlink <direction>")
		return
	}
	here := c.P.Room
	ex := here.Exits[d]
	if ex == nil {
		c.Fail(fmt.Sprintf("There is no exit %s.", d))
		return
	}
	here.Exits[d] = nil
	delete(c.W.dirtyExits, exitKey{here, d})
	c.W.markEdited(here.Area)
	c.Target = ex.Target()
	msg := fmt.Sprintf("You remove the exit %s (to %s).", d, ex.Target())
	if ex.back(here, d) != nil {
		ex.To.Exits[d.Reverse()] = nil
		c.W.markEdited(ex.To.Area)
		msg += " The way back is gone too."
	}
	c.Send(msg)
}

func cmdRname(c *Ctx) {
	if c.Args == "" {
		c.Fail("Usage: rname <name>")
		return
	}
	r := c.P.Room
	r.Name = c.Args
	c.Target = r.ID
	c.W.markEdited(r.Area)
	c.Send(fmt.Sprintf("This room is now called %s.", r.Name))
}

func cmdRdesc(c *Ctx) {
	r := c.P.Room
	c.Target = r.ID
	set := func(text string) {
		r.Desc = Reflow(text)
		c.W.markEdited(r.Area)
		c.P.Send("Description set.")
	}
	if c.Args != "" {
		set(c.Args)
		return
	}
	c.W.editAudited(c, "the description of "+r.Name, set)
}

// editAudited opens the editor for a staff command whose outcome, for the
// audit trail, is the text typed: recorded when the editor closes.
func (w *World) editAudited(c *Ctx, what string, set func(text string)) {
	done := c.Later()
	w.Edit(c.P, what, func(text string) {
		set(text)
		done(editedText(text))
	})
	c.P.editor.quit = func() { done("gave up in the editor; nothing changed") }
}

// editedText sums up a text typed in the editor for the audit trail: its
// length and first line.
func editedText(text string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return fmt.Sprintf("set %d bytes: %s", len(text), Clip(first, 120))
}

// exitFlags describes an exit for builders.
func exitFlags(ex *Exit) string {
	var f []string
	if ex.Door {
		f = append(f, "door")
	}
	if ex.Closed {
		f = append(f, "closed")
	}
	if ex.Locked {
		f = append(f, "locked")
	}
	if ex.Hidden {
		f = append(f, "hidden")
	}
	if ex.Key != "" {
		f = append(f, "key "+ex.Key)
	}
	if len(f) == 0 {
		return ""
	}
	return " [" + strings.Join(f, ", ") + "]"
}

func cmdExits(c *Ctx) {
	r := c.P.Room
	if c.Args == "" {
		var b strings.Builder
		fmt.Fprintf(&b, "Exits of %s (%s):", r.Name, r.ID)
		for d, ex := range r.Exits {
			if ex != nil {
				fmt.Fprintf(&b, "\n  %-9s -> %s%s", Dir(d), ex.Target(), exitFlags(ex))
			}
		}
		c.Send(b.String())
		return
	}
	words := strings.Fields(strings.ToLower(c.Args))
	d, ok := ParseDir(words[0])
	if !ok || len(words) < 2 {
		c.Fail("Usage: exits <direction> <flag>... (door, nodoor, closed, open, locked, unlocked, hidden, visible, key <item>, nokey)")
		return
	}
	ex := r.Exits[d]
	if ex == nil {
		c.Fail(fmt.Sprintf("There is no exit %s.", d))
		return
	}
	next := *ex
	for i := 1; i < len(words); i++ {
		switch words[i] {
		case "door":
			next.Door = true
		case "nodoor":
			next = Exit{To: ex.To, Shard: ex.Shard, Remote: ex.Remote}
		case "closed":
			next.Door, next.Closed = true, true
		case "open":
			next.Closed, next.Locked = false, false
		case "locked":
			next.Door, next.Closed, next.Locked = true, true, true
		case "unlocked":
			next.Locked = false
		case "hidden":
			next.Door, next.Hidden = true, true
		case "visible":
			next.Hidden = false
		case "nokey":
			next.Key = ""
		case "key":
			if i+1 == len(words) {
				c.Fail("key needs an item prototype: key <item>")
				return
			}
			i++
			id := Qualify(r.Area.ID, words[i]) // words are lower case already
			if c.W.items[id] == nil {
				c.Fail(fmt.Sprintf("There is no item prototype %s.", id))
				return
			}
			next.Door, next.Key = true, id
		default:
			c.Fail(fmt.Sprintf("%q is not an exit flag (door, nodoor, closed, open, locked, unlocked, hidden, visible, key <item>, nokey).", words[i]))
			return
		}
	}
	next.StartClosed, next.StartLocked = next.Closed, next.Locked // builders set how the door starts, and is now
	*ex = next
	c.W.touchExit(r, d)
	c.W.markEdited(r.Area)
	msg := fmt.Sprintf("Exit %s -> %s%s.", d, ex.Target(), exitFlags(ex))
	if back := ex.back(r, d); back != nil {
		*back = Exit{To: r, Door: ex.Door, Closed: ex.Closed, Locked: ex.Locked, Hidden: ex.Hidden, Key: ex.Key,
			StartClosed: ex.StartClosed, StartLocked: ex.StartLocked}
		c.W.touchExit(ex.To, d.Reverse())
		c.W.markEdited(ex.To.Area)
		msg += " The other side matches."
	}
	c.Target = r.ID
	c.Send(msg)
}

// protoRef resolves a prototype reference in area a: an id or a key, of
// an item or an NPC ("item:" or "mob:" in front settles a key that names
// both). Exactly one of the results is non-nil, or problem says why not.
func (w *World) protoRef(a *Area, ref string) (it *ItemProto, m *MobProto, problem string) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	kind, rest, typed := strings.Cut(ref, ":")
	if !typed || kind != "item" && kind != "mob" {
		kind, rest = "", ref
	}
	id := Qualify(a.ID, rest)
	if kind != "mob" {
		it = w.items[id]
	}
	if kind != "item" {
		m = w.mobs[id]
	}
	switch {
	case it == nil && m == nil:
		return nil, nil, fmt.Sprintf("There is no item or NPC prototype %s.", id)
	case it != nil && m != nil:
		return nil, nil, fmt.Sprintf("%s is both an item and an NPC prototype: say item:%s or mob:%s.", id, rest, rest)
	}
	return it, m, ""
}

func cmdSpawn(c *Ctx) {
	words := strings.Fields(c.Args)
	if len(words) == 0 || len(words) > 2 || len(words) == 2 && words[1] != "once" {
		c.Fail("Usage: spawn <prototype> [once]")
		return
	}
	r := c.P.Room
	itp, mp, problem := c.W.protoRef(r.Area, words[0])
	if problem != "" {
		c.Fail(problem)
		return
	}
	sp, short := Spawn{Kind: SpawnItem}, ""
	if mp != nil {
		sp.Kind, sp.Proto, short = SpawnMob, mp.ID, mp.Short
	} else {
		sp.Proto, short = itp.ID, itp.Short
	}
	c.Target = sp.Proto
	if len(words) == 2 { // once: an instance, not a spawn slot
		var err error
		if sp.Kind == SpawnMob {
			_, err = c.W.SpawnMob(r, sp.Proto)
		} else {
			_, err = c.W.SpawnItem(r, sp.Proto)
		}
		if err != nil {
			c.Fail(err.Error())
			return
		}
		c.W.SaveSoon()
		c.Send(fmt.Sprintf("You make %s here (once: resets will not put it back).", short))
		return
	}
	r.Spawns = append(r.Spawns, sp)
	if err := c.W.resetRoom(r); err != nil {
		c.Fail(err.Error())
		return
	}
	c.W.markEdited(r.Area)
	c.Send(fmt.Sprintf("You make %s here, and add it to the room's spawn list.", short))
}

func cmdPurge(c *Ctx) {
	if c.Args == "" {
		c.Fail("Purge what?")
		return
	}
	r := c.P.Room
	q := parseQuery(c.Args)
	if m, ok := pickOne(r.Mobs, q); ok {
		c.Target = "mob:" + strconv.FormatUint(m.ID, 10)
		c.W.RemoveMob(m)
		r.send(fmt.Sprintf("%s is gone in a flash.", capFirst(m.Proto.Short)), nil)
		c.W.SaveSoon()
		return
	}
	if it, ok := pickOne(r.Items, q); ok {
		c.Target = "item:" + strconv.FormatUint(it.ID, 10)
		c.W.RemoveItem(it)
		r.send(fmt.Sprintf("%s is gone in a flash.", capFirst(it.Short())), nil)
		c.W.SaveSoon()
		return
	}
	c.Fail(fmt.Sprintf("There is no %s here to purge (players cannot be purged).", c.Args))
}

func cmdResets(c *Ctx) {
	r := c.P.Room
	words := strings.Fields(c.Args)
	if len(words) == 0 {
		if len(r.Spawns) == 0 {
			c.Send("This room's spawn list is empty.")
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Spawn list of %s (area %s resets every %s):", r.ID, r.Area.ID, resetText(r.Area))
		for i, sp := range r.Spawns {
			kind := "item"
			if sp.Kind == SpawnMob {
				kind = "NPC "
			}
			fmt.Fprintf(&b, "\n  %2d. %s %s", i+1, kind, sp.Proto)
		}
		c.Send(b.String())
		return
	}
	if len(words) != 2 || words[0] != "remove" {
		c.Fail("Usage: resets [remove <n>]")
		return
	}
	n, err := strconv.Atoi(words[1])
	if err != nil || n < 1 || n > len(r.Spawns) {
		c.Fail(fmt.Sprintf("There is no entry %s (the list has %d).", words[1], len(r.Spawns)))
		return
	}
	sp := r.Spawns[n-1]
	r.Spawns = slices.Delete(r.Spawns, n-1, n)
	c.W.markEdited(r.Area)
	c.Target = sp.Proto
	c.Send(fmt.Sprintf("Removed %s from the spawn list; what is here now stays until purged.", sp.Proto))
}

func resetText(a *Area) string {
	switch a.Mode() {
	case ResetNever:
		return "never"
	case ResetEmpty:
		return a.Reset.String() + " when empty"
	}
	return a.Reset.String()
}

func cmdProto(c *Ctx) {
	words := strings.Fields(c.Args)
	if len(words) == 0 {
		c.Fail("Usage: " + c.W.commands.byAlias["proto"].Usage)
		return
	}
	a := c.P.Room.Area
	switch words[0] {
	case "list":
		area := a.ID
		if len(words) > 1 {
			area = strings.ToLower(words[1])
		}
		var lines []string
		for id, p := range c.W.items {
			if strings.HasPrefix(id, area+".") {
				lines = append(lines, fmt.Sprintf("  item %-28s %s", id, p.Short))
			}
		}
		for id, p := range c.W.mobs {
			if strings.HasPrefix(id, area+".") {
				lines = append(lines, fmt.Sprintf("  NPC  %-28s %s", id, p.Short))
			}
		}
		sort.Strings(lines)
		if len(lines) == 0 {
			c.Send(fmt.Sprintf("Area %s has no prototypes.", area))
			return
		}
		c.Send(fmt.Sprintf("Prototypes of %s:\n%s", area, strings.Join(lines, "\n")))
	case "show":
		if len(words) != 2 {
			c.Fail("Usage: proto show <proto>")
			return
		}
		itp, mp, problem := c.W.protoRef(a, words[1])
		switch {
		case problem != "":
			c.Fail(problem)
		case itp != nil:
			c.Target = itp.ID
			c.Send(showProto(c.W, "Item prototype "+itp.ID, itp, itemFields, itp.Script))
		default:
			c.Target = mp.ID
			c.Send(showProto(c.W, "NPC prototype "+mp.ID, mp, mobFields, mp.Script))
		}
	case "new":
		if len(words) < 4 || words[1] != "item" && words[1] != "mob" {
			c.Fail("Usage: proto new item|mob <key> <short description>")
			return
		}
		key := strings.ToLower(words[2])
		if !keyRE.MatchString(key) {
			c.Fail("A key is 1 to 40 of a-z, 0-9 and _.")
			return
		}
		id := a.ID + "." + key
		if c.W.items[id] != nil || c.W.mobs[id] != nil {
			c.Fail(fmt.Sprintf("%s already exists.", id))
			return
		}
		short := strings.Join(words[3:], " ")
		keywords := strings.Fields(strings.ToLower(key))
		if words[1] == "item" {
			c.W.items[id] = &ItemProto{ID: id, Short: short, Long: capFirst(short) + " is here.", Keywords: keywords}
		} else {
			c.W.mobs[id] = &MobProto{ID: id, Short: short, Long: capFirst(short) + " is here.", Keywords: keywords, Level: 1}
		}
		c.W.markEdited(a)
		c.Target = id
		c.Send(fmt.Sprintf("Made %s prototype %s (%s). Set its long description, keywords and desc with proto set and proto desc.", words[1], id, short))
	case "set":
		if len(words) < 4 {
			c.Fail("Usage: proto set <proto> <field> <value> (proto show lists the fields)")
			return
		}
		itp, mp, problem := c.W.protoRef(a, words[1])
		if problem != "" {
			c.Fail(problem)
			return
		}
		// The value is the rest of the line as typed, not re-joined words.
		value := strings.TrimSpace(c.Args)
		for range 3 {
			_, value, _ = strings.Cut(value, " ")
			value = strings.TrimSpace(value)
		}
		field := strings.ToLower(words[2])
		var id string
		var err error
		if itp != nil {
			id = itp.ID
			f := findField(itemFields, field)
			if f == nil {
				c.Fail(fmt.Sprintf("An item prototype has %s; not %q.", fieldNames(itemFields), field))
				return
			}
			err = f.set(c.W, itp, value)
		} else {
			id = mp.ID
			f := findField(mobFields, field)
			if f == nil {
				c.Fail(fmt.Sprintf("An NPC prototype has %s; not %q.", fieldNames(mobFields), field))
				return
			}
			err = f.set(c.W, mp, value)
		}
		c.Target = id
		if err != nil {
			c.Fail(fmt.Sprintf("%s %s is unchanged: %s.", id, field, err))
			return
		}
		c.W.markEdited(c.W.protoArea(id))
		c.Send(fmt.Sprintf("%s %s set.", id, field))
	case "desc":
		if len(words) != 2 {
			c.Fail("Usage: proto desc <proto>")
			return
		}
		itp, mp, problem := c.W.protoRef(a, words[1])
		if problem != "" {
			c.Fail(problem)
			return
		}
		id := words[1]
		set := func(text string) {
			if itp != nil {
				itp.Desc, id = Reflow(text), itp.ID
			} else {
				mp.Desc, id = Reflow(text), mp.ID
			}
			c.W.markEdited(c.W.protoArea(id))
			c.P.Send("Description set.")
		}
		if itp != nil {
			c.Target = itp.ID
		} else {
			c.Target = mp.ID
		}
		c.W.editAudited(c, "the description of "+c.Target, set)
	default:
		c.Fail("Usage: " + c.W.commands.byAlias["proto"].Usage)
	}
}

// protoArea is the area a prototype id belongs to.
func (w *World) protoArea(id string) *Area {
	area, _, _ := strings.Cut(id, ".")
	return w.Area(area)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// SetBehaviour gives a room, or the prototype of an NPC or item, a script
// ("" removes it), and starts or stops it on everything affected. The
// caller checks that the script exists.
func (w *World) SetBehaviour(target Scripted, script string) {
	var affected []Scripted
	var area *Area
	switch t := target.(type) {
	case *Room:
		if t.Script != "" {
			w.cfg.Scripts.Removed(t)
		}
		t.Script = script
		affected = []Scripted{t}
		area = t.Area
	case *Mobile:
		old := t.Proto.Script
		t.Proto.Script = script
		area = w.protoArea(t.Proto.ID)
		for _, r := range w.Rooms() { // area order, not the map's: hooks may roll dice
			for _, m := range r.Mobs {
				if m.Proto == t.Proto {
					if old != "" {
						w.cfg.Scripts.Removed(m)
					}
					affected = append(affected, m)
				}
			}
		}
	case *Item:
		old := t.Proto.Script
		t.Proto.Script = script
		area = w.protoArea(t.Proto.ID)
		for _, it := range w.Items() {
			if it.Proto == t.Proto {
				if old != "" {
					w.cfg.Scripts.Removed(it)
				}
				affected = append(affected, it)
			}
		}
	}
	if script != "" {
		for _, x := range affected {
			w.cfg.Scripts.Spawned(x)
		}
	}
	if area != nil {
		w.markEdited(area)
	}
}

// The limits of prototypes' game fields, as area files allow them.
const (
	MaxProtoLevel    = 100
	MaxProtoArmor    = 100 // and -MaxProtoArmor
	MaxProtoWeight   = 100000
	MaxProtoValue    = 10000000
	MaxProtoCapacity = 100000
	MaxProtoGold     = 10000000
	MaxProtoBonus    = 1000 // and -MaxProtoBonus
	MaxShopMarkup    = 10000
	MaxShopStock     = 10000
)

// protoField is one field of an item or NPC prototype as builders see it:
// proto show lists the fields in table order, proto set finds one by name.
// set validates the value typed and changes the prototype, or says why not.
type protoField[P any] struct {
	name, usage string
	show        func(w *World, p P) string
	set         func(w *World, p P, v string) error
}

// textFields are the fields both kinds of prototype have.
func textFields[P any](parts func(P) (short, long, desc *string, keywords *[]string)) []protoField[P] {
	return []protoField[P]{
		{"short", "<text>", func(_ *World, p P) string { s, _, _, _ := parts(p); return *s },
			func(_ *World, p P, v string) error {
				if v == "" {
					return errors.New("short needs a text (\"a brass lantern\")")
				}
				s, _, _, _ := parts(p)
				*s = v
				return nil
			}},
		{"long", "<text>", func(_ *World, p P) string { _, l, _, _ := parts(p); return *l },
			func(_ *World, p P, v string) error {
				if v == "" {
					return errors.New("long needs a text (the line shown in a room)")
				}
				_, l, _, _ := parts(p)
				*l = v
				return nil
			}},
		{"keywords", "<word>...", func(_ *World, p P) string { _, _, _, k := parts(p); return strings.Join(*k, " ") },
			func(_ *World, p P, v string) error {
				words := strings.Fields(strings.ToLower(v))
				if len(words) == 0 {
					return errors.New("keywords needs at least one word")
				}
				_, _, _, k := parts(p)
				*k = words
				return nil
			}},
		{"desc", "<text> (or proto desc for the editor)", func(_ *World, p P) string { _, _, d, _ := parts(p); return "\n" + *d },
			func(_ *World, p P, v string) error {
				_, _, d, _ := parts(p)
				*d = Reflow(v)
				return nil
			}},
	}
}

func intField[P any](name string, lo, hi int, ptr func(P) *int) protoField[P] {
	return protoField[P]{name, fmt.Sprintf("<%d to %d>", lo, hi),
		func(_ *World, p P) string { return strconv.Itoa(*ptr(p)) },
		func(_ *World, p P, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("%s is a whole number from %d to %d, not %q", name, lo, hi, v)
			}
			*ptr(p) = n
			return nil
		}}
}

func boolField[P any](name string, ptr func(P) *bool) protoField[P] {
	return protoField[P]{name, "yes|no",
		func(_ *World, p P) string { return strconv.FormatBool(*ptr(p)) },
		func(_ *World, p P, v string) error {
			b, ok := parseYes(v)
			if !ok {
				return fmt.Errorf("%s is yes or no, not %q", name, v)
			}
			*ptr(p) = b
			return nil
		}}
}

// parseYes reads yes/no, true/false, on/off.
func parseYes(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes", "y", "true", "on", "1":
		return true, true
	case "no", "n", "false", "off", "0":
		return false, true
	}
	return false, false
}

func setDamage(d *Dice, v string) error {
	if strings.EqualFold(v, "none") || v == "" {
		*d = Dice{}
		return nil
	}
	x, err := ParseDice(v)
	if err != nil {
		return fmt.Errorf("damage is dice like 2d6+1, or none: %w", err)
	}
	*d = x
	return nil
}

var itemFields = append(textFields(func(p *ItemProto) (*string, *string, *string, *[]string) {
	return &p.Short, &p.Long, &p.Desc, &p.Keywords
}),
	boolField("fixed", func(p *ItemProto) *bool { return &p.Fixed }),
	protoField[*ItemProto]{"slot", "<slot>|none", func(_ *World, p *ItemProto) string { return orNone(p.Slot) },
		func(_ *World, p *ItemProto, v string) error {
			v = strings.ToLower(v)
			if v == "none" {
				v = ""
			}
			if v != "" && !ValidSlot(v) {
				return fmt.Errorf("slot is none or one of %s, not %q", strings.Join(Slots, ", "), v)
			}
			if v != "wield" && p.Damage != (Dice{}) {
				return errors.New("an item with damage is a weapon, worn in slot wield: set damage none first")
			}
			p.Slot = v
			return nil
		}},
	protoField[*ItemProto]{"damage", "<dice>|none (weapons: slot wield)", func(_ *World, p *ItemProto) string { return orNone(p.Damage.String()) },
		func(_ *World, p *ItemProto, v string) error {
			var d Dice
			if err := setDamage(&d, v); err != nil {
				return err
			}
			if d != (Dice{}) && p.Slot != "wield" {
				return errors.New("damage is for weapons: set slot wield first")
			}
			p.Damage = d
			return nil
		}},
	intField("armor", -MaxProtoArmor, MaxProtoArmor, func(p *ItemProto) *int { return &p.Armor }),
	protoField[*ItemProto]{"bonus", "<" + strings.Join(BonusNames, "|") + "> <n> (0 removes)", func(_ *World, p *ItemProto) string { return bonusText(p.Bonus) },
		func(_ *World, p *ItemProto, v string) error {
			name, amount, _ := strings.Cut(strings.ToLower(v), " ")
			if !slices.Contains(BonusNames, name) {
				return fmt.Errorf("a bonus is one of %s, then a number: bonus str 2", strings.Join(BonusNames, ", "))
			}
			n, err := strconv.Atoi(strings.TrimSpace(amount))
			if err != nil || n < -MaxProtoBonus || n > MaxProtoBonus {
				return fmt.Errorf("a bonus is a whole number from %d to %d (0 removes it)", -MaxProtoBonus, MaxProtoBonus)
			}
			if n == 0 {
				delete(p.Bonus, name)
				return nil
			}
			if p.Bonus == nil {
				p.Bonus = make(map[string]int)
			}
			p.Bonus[name] = n
			return nil
		}},
	intField("weight", 0, MaxProtoWeight, func(p *ItemProto) *int { return &p.Weight }),
	intField("value", 0, MaxProtoValue, func(p *ItemProto) *int { return &p.Value }),
	intField("capacity", 0, MaxProtoCapacity, func(p *ItemProto) *int { return &p.Capacity }),
	protoField[*ItemProto]{"flags", "fixed|none", func(_ *World, p *ItemProto) string {
		if p.Fixed {
			return "fixed"
		}
		return "none"
	}, func(_ *World, p *ItemProto, v string) error {
		fixed := false
		for _, f := range strings.Fields(strings.ToLower(v)) {
			switch f {
			case "fixed":
				fixed = true
			case "none":
			default:
				return fmt.Errorf("%q is not an item flag (fixed, or none)", f)
			}
		}
		p.Fixed = fixed
		return nil
	}},
)

var mobFields = append(textFields(func(p *MobProto) (*string, *string, *string, *[]string) {
	return &p.Short, &p.Long, &p.Desc, &p.Keywords
}),
	levelField(),
	protoField[*MobProto]{"hp", "(follows from level)", func(_ *World, p *MobProto) string {
		return strconv.Itoa((&Mobile{Proto: p}).MaxHP()) + " (6 x level + 4)"
	}, func(*World, *MobProto, string) error {
		return errors.New("an NPC's hit points follow from its level (6 x level + 4): set level")
	}},
	protoField[*MobProto]{"damage", "<dice>|none (none: by level)", func(_ *World, p *MobProto) string { return cmp.Or(p.Damage.String(), "by level") },
		func(_ *World, p *MobProto, v string) error { return setDamage(&p.Damage, v) }},
	intField("armor", -MaxProtoArmor, MaxProtoArmor, func(p *MobProto) *int { return &p.Armor }),
	intField("gold", 0, MaxProtoGold, func(p *MobProto) *int { return &p.Gold }),
	boolField("aggressive", func(p *MobProto) *bool { return &p.Aggressive }),
	protoField[*MobProto]{"flags", "aggressive|none", func(_ *World, p *MobProto) string {
		if p.Aggressive {
			return "aggressive"
		}
		return "none"
	}, func(_ *World, p *MobProto, v string) error {
		aggressive := false
		for _, f := range strings.Fields(strings.ToLower(v)) {
			switch f {
			case "aggressive":
				aggressive = true
			case "none":
			default:
				return fmt.Errorf("%q is not an NPC flag (aggressive, or none)", f)
			}
		}
		p.Aggressive = aggressive
		return nil
	}},
	protoField[*MobProto]{"shop", "sells <item> <n> (0 stops) | markup <percent> | buys <percent> | none",
		func(_ *World, p *MobProto) string { return shopText(p.Shop, p.Shop.maxStock()) },
		setShop},
)

// maxStock is a shop's full stock, what its prototype shows.
func (s *Shop) maxStock() map[string]int {
	if s == nil {
		return nil
	}
	return s.Sells
}

// setShop changes an NPC prototype's shop; the shopkeepers in the world
// stock what is new, and stop selling what is dropped, at once.
func setShop(w *World, p *MobProto, v string) error {
	words := strings.Fields(strings.ToLower(v))
	if len(words) == 1 && words[0] == "none" {
		p.Shop = nil
		w.eachMob(p, func(m *Mobile) { m.Stock = nil })
		return nil
	}
	if len(words) < 2 {
		return errors.New("shop sells <item> <n> | shop markup <percent> | shop buys <percent> | shop none")
	}
	shop := p.Shop
	if shop == nil {
		shop = &Shop{Sells: make(map[string]int), Markup: 120, Buys: 50} // the defaults of area files
	}
	number := func(s string, lo, hi int, what string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s is a whole number from %d to %d", what, lo, hi)
		}
		return n, nil
	}
	switch words[0] {
	case "markup":
		n, err := number(words[1], 1, MaxShopMarkup, "markup (the percentage of value asked)")
		if err != nil {
			return err
		}
		shop.Markup = n
	case "buys":
		n, err := number(words[1], 0, 100, "buys (the percentage of value paid; 0 buys nothing)")
		if err != nil {
			return err
		}
		shop.Buys = n
	case "sells":
		if len(words) != 3 {
			return errors.New("shop sells <item> <n>: n is the most in stock, 0 stops selling it")
		}
		area, _, _ := strings.Cut(p.ID, ".")
		id := Qualify(area, words[1])
		if w.items[id] == nil {
			return fmt.Errorf("there is no item prototype %s", id)
		}
		n, err := number(words[2], 0, MaxShopStock, "the stock")
		if err != nil {
			return err
		}
		if n == 0 {
			delete(shop.Sells, id)
		} else {
			shop.Sells[id] = n
		}
		w.eachMob(p, func(m *Mobile) {
			if n == 0 {
				delete(m.Stock, id)
				return
			}
			if m.Stock == nil {
				m.Stock = make(map[string]int)
			}
			m.Stock[id] = n
		})
	default:
		return fmt.Errorf("%q is not part of a shop (sells, markup, buys, none)", words[0])
	}
	p.Shop = shop
	return nil
}

// eachMob calls fn for every NPC in the world made from p, marking it
// changed for the next snapshot.
func (w *World) eachMob(p *MobProto, fn func(m *Mobile)) {
	for _, r := range w.rooms {
		for _, m := range r.Mobs {
			if m.Proto == p {
				fn(m)
				w.Touch(m)
			}
		}
	}
}

// findField finds a prototype field by name ("armour" is armor).
func findField[P any](fields []protoField[P], name string) *protoField[P] {
	if name == "armour" {
		name = "armor"
	}
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	return nil
}

func fieldNames[P any](fields []protoField[P]) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// showProto lists every field of a prototype.
func showProto[P any](w *World, title string, p P, fields []protoField[P], script string) string {
	var b strings.Builder
	b.WriteString(title)
	for _, f := range fields {
		if f.name == "desc" || f.name == "flags" {
			continue // desc goes last; flags repeats fixed and aggressive
		}
		fmt.Fprintf(&b, "\n  %-11s %s", f.name+":", f.show(w, p))
	}
	fmt.Fprintf(&b, "\n  %-11s %s", "script:", orNone(script))
	b.WriteString("\n  desc:\n" + findField(fields, "desc").show(w, p)[1:])
	return b.String()
}

// levelField sets an NPC prototype's level; the NPCs made from it keep no
// more hit points than the new level gives.
func levelField() protoField[*MobProto] {
	f := intField("level", 1, MaxProtoLevel, func(p *MobProto) *int { return &p.Level })
	set := f.set
	f.set = func(w *World, p *MobProto, v string) error {
		if err := set(w, p, v); err != nil {
			return err
		}
		w.eachMob(p, func(m *Mobile) { m.HP = min(m.HP, m.MaxHP()) })
		return nil
	}
	return f
}
