// Package area reads builders' world files into a world.Blueprint.
//
// A world folder holds world.yaml (name and start room), areas/*.yaml (one
// area per file: rooms, item and mobile prototypes) and optionally help.yaml
// (help topics). The format is documented in the README. Every error names
// the file and line it comes from, and a load reports all the errors it
// finds, not only the first. Loading is pure parsing over an fs.FS and safe
// to run on any goroutine.
package area

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"shardmud/world"
)

// MaxFileSize bounds what one file may hold, so a runaway file cannot
// exhaust memory at load.
const MaxFileSize = 4 << 20

// DefaultReset is how often an area that does not say respawns what is
// missing from its rooms.
const DefaultReset = 10 * time.Minute

// maxErrors is how many problems one load reports before it stops listing.
const maxErrors = 50

var keyRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Load reads a world folder.
func Load(fsys fs.FS) (*world.Blueprint, error) {
	var errs errorList
	bp := &world.Blueprint{
		Rooms: make(map[string]*world.Room),
		Items: make(map[string]*world.ItemProto),
		Mobs:  make(map[string]*world.MobProto),
	}
	start := loadWorldFile(fsys, bp, &errs)

	files, err := fs.Glob(fsys, "areas/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		errs.add("areas/", 0, "no area files (areas/*.yaml)")
	}
	var defs []*areaDef
	for _, f := range files {
		data, err := readFile(fsys, f)
		if err != nil {
			errs.add(f, 0, err.Error())
			continue
		}
		if def := parseArea(f, data, &errs); def != nil {
			defs = append(defs, def)
		}
	}
	link(defs, bp, &errs)
	if start.value != "" {
		if bp.Rooms[start.value] == nil {
			errs.add("world.yaml", start.line, fmt.Sprintf("start room %q does not exist", start.value))
		}
		bp.Start = start.value
	}
	if bp.Recall != "" && bp.Rooms[bp.Recall] == nil {
		errs.add("world.yaml", 0, fmt.Sprintf("recall room %q does not exist", bp.Recall))
	}
	if data, err := readFile(fsys, "help.yaml"); err == nil {
		bp.Help = parseHelp("help.yaml", data, &errs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		errs.add("help.yaml", 0, err.Error())
	}
	bp.Socials = loadSocials(fsys, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return bp, nil
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("file is %d bytes, more than the %d allowed", st.Size(), MaxFileSize)
	}
	return fs.ReadFile(fsys, name)
}

func loadWorldFile(fsys fs.FS, bp *world.Blueprint, errs *errorList) str {
	const file = "world.yaml"
	data, err := readFile(fsys, file)
	if err != nil {
		errs.add(file, 0, err.Error())
		return str{}
	}
	root := parseDoc(file, data, errs)
	if root == nil {
		return str{}
	}
	f := fields(file, root, errs, "name", "start", "recall", "mssp")
	bp.Name = text(file, f["name"], errs).value
	bp.Recall = text(file, f["recall"], errs).value
	eachEntry(file, f["mssp"], errs, func(key str, v *yaml.Node) {
		name := strings.ToUpper(strings.ReplaceAll(key.value, "_", " ")) // minimum_age: MINIMUM AGE
		var values []string
		if v.Kind == yaml.SequenceNode {
			for _, x := range list(file, v, errs) {
				values = append(values, x.value)
			}
		} else {
			values = []string{text(file, v, errs).value}
		}
		if bp.MSSP == nil {
			bp.MSSP = make(map[string][]string)
		}
		bp.MSSP[name] = values
	})
	if bp.Name == "" {
		bp.Name = "shardmud"
	}
	start := text(file, f["start"], errs)
	if f["start"] == nil {
		errs.add(file, root.Line, "missing start: the room new characters begin in, as <area>.<room>")
	}
	return start
}

// areaDef is an area file as written, before references are resolved.
type areaDef struct {
	file      string
	id        str
	name      string
	auth      string
	reset     time.Duration
	resetMode world.ResetMode
	rooms     []roomDef
	items     []protoDef
	mobs      []protoDef
}

type roomDef struct {
	key    str
	script str
	flags  world.RoomFlags
	name   string
	desc   string
	exits  []exitDef
	items  []str
	mobs   []str
}

type exitDef struct {
	dir world.Dir
	to  str
	// A door: door, closed, locked, hidden flags and the key prototype.
	door, closed, locked, hidden bool
	key                          str
}

type protoDef struct {
	fields            map[string]*yaml.Node // for the game fields, read once names are known
	key               str
	script            str
	short, long, desc string
	keywords          []string
	fixed             bool
}

func parseArea(file string, data []byte, errs *errorList) *areaDef {
	root := parseDoc(file, data, errs)
	if root == nil {
		return nil
	}
	f := fields(file, root, errs, "area", "name", "author", "reset", "reset_mode", "rooms", "items", "mobs")
	def := &areaDef{file: file, id: text(file, f["area"], errs)}
	want := strings.TrimSuffix(path.Base(file), ".yaml")
	switch {
	case f["area"] == nil:
		errs.add(file, root.Line, fmt.Sprintf("missing area: the area id (%q for this file)", want))
		def.id = str{value: want, line: root.Line}
	case def.id.value != want:
		errs.add(file, def.id.line, fmt.Sprintf("area id %q must match the file name %q", def.id.value, want))
	}
	def.name = text(file, f["name"], errs).value
	if def.name == "" {
		def.name = def.id.value
	}
	def.auth = text(file, f["author"], errs).value
	def.reset = DefaultReset
	if n := f["reset"]; n != nil {
		switch v := text(file, n, errs); v.value {
		case "never":
			def.reset = 0
		default:
			d, err := time.ParseDuration(v.value)
			if err != nil || d < time.Second {
				errs.add(file, v.line, fmt.Sprintf("reset must be a duration of at least a second (10m, 1h30m) or never, not %q", v.value))
			} else {
				def.reset = d
			}
		}
	}

	if n := f["reset_mode"]; n != nil {
		v := text(file, n, errs)
		if m, ok := world.ParseResetMode(v.value); ok {
			def.resetMode = m
		} else {
			errs.add(file, v.line, fmt.Sprintf("reset_mode must be always, empty or never, not %q", v.value))
		}
	}

	eachEntry(file, f["rooms"], errs, func(key str, n *yaml.Node) {
		rf := fields(file, n, errs, "name", "desc", "exits", "items", "mobs", "script", "flags")
		r := roomDef{key: key, name: text(file, rf["name"], errs).value, desc: reflow(text(file, rf["desc"], errs).value),
			script: text(file, rf["script"], errs), flags: roomFlags(file, rf["flags"], errs)}
		if r.name == "" {
			errs.add(file, n.Line, fmt.Sprintf("room %s has no name", key.value))
		}
		eachEntry(file, rf["exits"], errs, func(dir str, to *yaml.Node) {
			d, ok := world.ParseDir(dir.value)
			if !ok {
				errs.add(file, dir.line, fmt.Sprintf("%q is not a direction (north, east, south, west, up, down, northeast, northwest, southeast, southwest)", dir.value))
				return
			}
			r.exits = append(r.exits, parseExit(file, d, to, errs))
		})
		r.items = list(file, rf["items"], errs)
		r.mobs = list(file, rf["mobs"], errs)
		def.rooms = append(def.rooms, r)
	})
	def.items = parseProtos(file, f["items"], errs, "item", "fixed", "slot", "damage", "armor", "bonus", "weight", "value", "capacity")
	def.mobs = parseProtos(file, f["mobs"], errs, "mob", "level", "damage", "armor", "gold", "aggressive", "shop", "items")
	return def
}

func parseProtos(file string, n *yaml.Node, errs *errorList, kind string, extra ...string) []protoDef {
	var out []protoDef
	allowed := append([]string{"short", "long", "desc", "keywords", "script"}, extra...)
	eachEntry(file, n, errs, func(key str, v *yaml.Node) {
		pf := fields(file, v, errs, allowed...)
		p := protoDef{
			fields: pf,
			key:    key,
			short:  text(file, pf["short"], errs).value,
			long:   text(file, pf["long"], errs).value,
			desc:   reflow(text(file, pf["desc"], errs).value),
			script: text(file, pf["script"], errs),
		}
		for _, k := range list(file, pf["keywords"], errs) {
			p.keywords = append(p.keywords, strings.ToLower(k.value))
		}
		p.fixed = flag(file, pf["fixed"], "fixed", errs)
		if p.short == "" {
			errs.add(file, v.Line, fmt.Sprintf("%s %s has no short description", kind, key.value))
		}
		if p.long == "" {
			p.long = capitalise(p.short) + " is here."
		}
		if len(p.keywords) == 0 {
			errs.add(file, v.Line, fmt.Sprintf("%s %s has no keywords: players could not name it", kind, key.value))
		}
		out = append(out, p)
	})
	return out
}

// reflow is world.Reflow: builders' text is wrapped the same way whether
// it comes from a file or from the game.
func reflow(s string) string { return world.Reflow(s) }

// parseExit reads an exit: a room reference, or a mapping for a door:
// {to: cellar, door: true, closed: true, locked: true, key: rusty_key,
// hidden: true}.
func parseExit(file string, d world.Dir, n *yaml.Node, errs *errorList) exitDef {
	if n.Kind != yaml.MappingNode {
		return exitDef{dir: d, to: text(file, n, errs)}
	}
	f := fields(file, n, errs, "to", "door", "closed", "locked", "hidden", "key")
	ex := exitDef{dir: d, to: text(file, f["to"], errs),
		door:   flag(file, f["door"], "door", errs),
		closed: flag(file, f["closed"], "closed", errs),
		locked: flag(file, f["locked"], "locked", errs),
		hidden: flag(file, f["hidden"], "hidden", errs),
		key:    text(file, f["key"], errs),
	}
	if f["to"] == nil {
		errs.add(file, n.Line, fmt.Sprintf("exit %s has no to: the room it leads to", d))
	}
	if (ex.closed || ex.locked || ex.key.value != "") && !ex.door {
		ex.door = true // a closed or locked exit is a door whether or not it says so
	}
	if ex.locked {
		ex.closed = true
	}
	return ex
}

// flag reads an optional true/false value.
func flag(file string, n *yaml.Node, name string, errs *errorList) bool {
	if n == nil {
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		errs.add(file, n.Line, name+" must be true or false")
	}
	return b
}

// capitalise upper-cases the first letter (a whole character, not a
// byte, so "éclair" stays UTF-8).
func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// link builds rooms and prototypes from every area, then resolves exits and
// spawns, which may point into other areas.
func link(defs []*areaDef, bp *world.Blueprint, errs *errorList) {
	type pending struct {
		def  *areaDef
		room *world.Room
		rd   *roomDef
	}
	var todo []pending
	seenArea := make(map[string]string)
	for _, def := range defs {
		if prev, ok := seenArea[def.id.value]; ok {
			errs.add(def.file, def.id.line, fmt.Sprintf("area %q is already defined in %s", def.id.value, prev))
			continue
		}
		seenArea[def.id.value] = def.file
		a := &world.Area{ID: def.id.value, Name: def.name, Author: def.auth, Reset: def.reset, ResetMode: def.resetMode}
		bp.Areas = append(bp.Areas, a)
		for i := range def.rooms {
			rd := &def.rooms[i]
			r := &world.Room{ID: a.ID + "." + rd.key.value, Area: a, Name: rd.name, Desc: rd.desc,
				Script: scriptPath(a.ID, rd.script.value), Flags: rd.flags}
			a.Rooms = append(a.Rooms, r)
			bp.Rooms[r.ID] = r
			todo = append(todo, pending{def, r, rd})
		}
		for _, p := range def.items {
			bp.Items[a.ID+"."+p.key.value] = &world.ItemProto{ID: a.ID + "." + p.key.value,
				Short: p.short, Long: p.long, Desc: p.desc, Keywords: p.keywords, Fixed: p.fixed,
				Script: scriptPath(a.ID, p.script.value)}
		}
		for _, p := range def.mobs {
			bp.Mobs[a.ID+"."+p.key.value] = &world.MobProto{ID: a.ID + "." + p.key.value,
				Short: p.short, Long: p.long, Desc: p.desc, Keywords: p.keywords,
				Script: scriptPath(a.ID, p.script.value)}
		}
	}
	for _, def := range defs {
		for _, p := range def.items {
			if proto := bp.Items[def.id.value+"."+p.key.value]; proto != nil {
				itemGame(def.file, p.fields, proto, errs)
			}
		}
		for _, p := range def.mobs {
			if proto := bp.Mobs[def.id.value+"."+p.key.value]; proto != nil {
				mobGame(def.file, def.id.value, p.fields, proto, bp.Items, errs)
			}
		}
	}
	for _, t := range todo {
		area := t.def.id.value
		for _, ex := range t.rd.exits {
			e := &world.Exit{Door: ex.door, Closed: ex.closed, Locked: ex.locked, Hidden: ex.hidden,
				StartClosed: ex.closed, StartLocked: ex.locked}
			if shard, room, ok := world.SplitPortal(ex.to.value); ok {
				// A portal: the room is the other shard's to know.
				if !world.ValidShard(shard) {
					errs.add(t.def.file, ex.to.line, fmt.Sprintf("exit %s of room %s leads to shard %q: a shard name is 1 to 64 letters, digits, '_' or '-'", ex.dir, t.rd.key.value, shard))
					continue
				}
				e.Shard, e.Remote = shard, room
			} else if e.To = bp.Rooms[world.Qualify(area, ex.to.value)]; e.To == nil {
				errs.add(t.def.file, ex.to.line, fmt.Sprintf("exit %s of room %s leads to %q, which does not exist", ex.dir, t.rd.key.value, ex.to.value))
				continue
			}
			if ex.key.value != "" {
				e.Key = world.Qualify(area, ex.key.value)
				if bp.Items[e.Key] == nil {
					errs.add(t.def.file, ex.key.line, fmt.Sprintf("exit %s of room %s needs key %q, which is not defined", ex.dir, t.rd.key.value, ex.key.value))
				}
			}
			t.room.Exits[ex.dir] = e
		}
		place := func(kind world.SpawnKind, noun string, refs []str, defined func(string) bool) {
			for _, ref := range refs {
				id := world.Qualify(area, ref.value)
				if !defined(id) {
					errs.add(t.def.file, ref.line, fmt.Sprintf("room %s places %s %q, which is not defined", t.rd.key.value, noun, ref.value))
					continue
				}
				t.room.Spawns = append(t.room.Spawns, world.Spawn{Kind: kind, Proto: id})
			}
		}
		place(world.SpawnItem, "item", t.rd.items, func(id string) bool { return bp.Items[id] != nil })
		place(world.SpawnMob, "mob", t.rd.mobs, func(id string) bool { return bp.Mobs[id] != nil })
	}
}

// scriptPath names a behaviour file under scripts/: "lever" in area
// whisperwood is "whisperwood/lever.lua"; "common/wander" is
// "common/wander.lua".
func scriptPath(area, ref string) string {
	if ref == "" {
		return ""
	}
	if !strings.HasSuffix(ref, ".lua") {
		ref += ".lua"
	}
	if !strings.Contains(ref, "/") {
		ref = area + "/" + ref
	}
	return ref
}

func parseHelp(file string, data []byte, errs *errorList) []world.HelpTopic {
	root := parseDoc(file, data, errs)
	if root == nil {
		return nil
	}
	f := fields(file, root, errs, "topics")
	n := f["topics"]
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		errs.add(file, n.Line, "topics must be a list")
		return nil
	}
	var out []world.HelpTopic
	for _, item := range n.Content {
		tf := fields(file, item, errs, "keywords", "title", "text")
		t := world.HelpTopic{Title: text(file, tf["title"], errs).value, Text: text(file, tf["text"], errs).value}
		for _, k := range list(file, tf["keywords"], errs) {
			t.Keywords = append(t.Keywords, strings.ToLower(k.value))
		}
		if len(t.Keywords) == 0 || t.Text == "" {
			errs.add(file, item.Line, "a help topic needs keywords and text")
			continue
		}
		if t.Title == "" {
			t.Title = t.Keywords[0]
		}
		out = append(out, t)
	}
	return out
}
