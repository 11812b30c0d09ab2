package world

import (
	"cmp"
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
		{Name: "proto", MinRole: b, Usage: "proto list [area] | show <proto> | new item|mob <key> <short> | set <proto> short|long|keywords|fixed <value> | desc <proto>",
			Help: "Creates and edits item and NPC prototypes. New ones go in this room's area. Changes show at once on every item or NPC made from the prototype.",
			Run:  cmdProto},
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
	c.Outcome = "editor opened"
	c.W.Edit(c.P, "the description of "+r.Name, set)
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
			c.Send(fmt.Sprintf("Item prototype %s\n  short:    %s\n  long:     %s\n  keywords: %s\n  fixed:    %t\n  script:   %s\n  desc:\n%s",
				itp.ID, itp.Short, itp.Long, strings.Join(itp.Keywords, " "), itp.Fixed, orNone(itp.Script), itp.Desc))
		default:
			c.Send(fmt.Sprintf("NPC prototype %s\n  short:    %s\n  long:     %s\n  keywords: %s\n  script:   %s\n  desc:\n%s",
				mp.ID, mp.Short, mp.Long, strings.Join(mp.Keywords, " "), orNone(mp.Script), mp.Desc))
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
			c.W.mobs[id] = &MobProto{ID: id, Short: short, Long: capFirst(short) + " is here.", Keywords: keywords}
		}
		c.W.markEdited(a)
		c.Target = id
		c.Send(fmt.Sprintf("Made %s prototype %s (%s). Set its long description, keywords and desc with proto set and proto desc.", words[1], id, short))
	case "set":
		if len(words) < 4 {
			c.Fail("Usage: proto set <proto> short|long|keywords|fixed <value>")
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
		field := words[2]
		// The fields both kinds share, and fixed for items.
		var id string
		var short, long *string
		var keywords *[]string
		if itp != nil {
			id, short, long, keywords = itp.ID, &itp.Short, &itp.Long, &itp.Keywords
		} else {
			id, short, long, keywords = mp.ID, &mp.Short, &mp.Long, &mp.Keywords
		}
		switch {
		case field == "short":
			*short = value
		case field == "long":
			*long = value
		case field == "keywords":
			*keywords = strings.Fields(strings.ToLower(value))
		case field == "fixed" && itp != nil:
			b, err := strconv.ParseBool(value)
			if err != nil {
				c.Fail("fixed is true or false.")
				return
			}
			itp.Fixed = b
		default:
			c.Fail(fmt.Sprintf("A prototype has short, long and keywords, an item also fixed (desc: proto desc), not %q.", field))
			return
		}
		c.W.markEdited(c.W.protoArea(id))
		c.Target = id
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
		c.Outcome = "editor opened"
		c.W.Edit(c.P, "the description of "+words[1], set)
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
