package area

// Writing an area back out: the inverse of Load for one area file, so that
// areas built or edited in the game can go into version control and be
// saved in the database in the same form a builder would write by hand.
//
// The invariant is Load(Marshal(a)) == a: every field Load sets comes back
// exactly, or Marshal refuses with an error naming what cannot be written.
// There are two deliberate exceptions.
//
// A room's spawn list comes back with its items first, then its mobs, each
// in the order they had: the file has one list of each. Resets name spawn
// slots by prototype and occurrence, not by position, so the same slots
// are filled; only the order in which one reset creates things differs.
// Refusing would instead leave unsaved the edits of a builder who added an
// item spawn after a mob spawn.
//
// Description text is reflowed by Load (see reflow), so Marshal writes
// reflow(desc): a description already in reflowed form (anything that came
// from Load, or that an editor reflowed when it was set) comes back
// unchanged, and any other comes back as reflow gives it, exactly as if a
// builder had typed it into the file. What reflow changes, and so what does not survive in a description
// that was never reflowed:
//   - a single line break inside a paragraph becomes a space, and spaces and
//     tabs around it collapse to that one space;
//   - leading and trailing white space of a paragraph line is dropped, so a
//     paragraph line cannot begin with white space: a line that begins with a
//     space or a tab is by definition a verbatim line;
//   - trailing spaces and tabs of a verbatim line are dropped;
//   - a line of only white space becomes an empty line;
//   - line breaks at the very end are dropped.
//
// Marshal reads the area, its rooms and the prototype maps without locking:
// call it on the goroutine that owns them (the engine loop) or on a
// blueprint nobody is changing, and write the bytes out anywhere.

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"shardmud/world"
)

// wrapWidth is how many characters of a description paragraph Marshal puts
// on one line of the file. Load joins the lines again, so this only keeps
// exported files as readable, and their diffs as small, as hand-written ones.
const wrapWidth = 72

// Marshal writes area a as an area file: its rooms (in a.Rooms order) with
// exits, spawn lists and scripts, and the item and NPC prototypes whose id
// is "<a.ID>.<key>" (sorted by key), in the format Load reads.
//
// It returns an error, listing every problem, for anything that Load would
// reject or read back differently: a room or prototype id that is not
// "<a.ID>.<key>", an exit with no target, a reference to something missing
// from the area, flags that Load would normalise (a closed exit that is not
// a door), text that is not UTF-8. Descriptions are written reflowed and a
// room's item spawns before its mob spawns (see the top of this file).
func Marshal(a *world.Area, items map[string]*world.ItemProto, mobs map[string]*world.MobProto) ([]byte, error) {
	if a == nil {
		return nil, fmt.Errorf("marshal area: no area")
	}
	m := &marshaller{area: a, prefix: a.ID + ".", items: items, mobs: mobs}
	root := m.file()
	if len(m.errs) > 0 {
		return nil, fmt.Errorf("marshal area %s: %s", a.ID, strings.Join(m.errs, "\n  "))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("marshal area %s: %w", a.ID, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal area %s: %w", a.ID, err)
	}
	if buf.Len() > MaxFileSize {
		return nil, fmt.Errorf("marshal area %s: the file would be %d bytes, more than the %d Load accepts", a.ID, buf.Len(), MaxFileSize)
	}
	return buf.Bytes(), nil
}

// marshaller builds the node tree of one area file and gathers what cannot
// be written.
type marshaller struct {
	area   *world.Area
	prefix string // a.ID + ".": what the ids of the area's rooms and prototypes begin with
	items  map[string]*world.ItemProto
	mobs   map[string]*world.MobProto
	rooms  map[string]bool // ids of the area's rooms, for references inside it
	errs   []string
}

func (m *marshaller) fail(format string, args ...any) {
	if len(m.errs) == maxErrors {
		m.errs = append(m.errs, "too many errors; fix these first")
	}
	if len(m.errs) <= maxErrors {
		m.errs = append(m.errs, fmt.Sprintf(format, args...))
	}
}

func (m *marshaller) file() *yaml.Node {
	a := m.area
	if a.ID == "" || strings.Contains(a.ID, "/") || !fs.ValidPath("areas/"+a.ID+".yaml") {
		m.fail("area id %q cannot be a file name areas/<id>.yaml", a.ID)
	}
	if a.Name == "" {
		m.fail("the area has no name (Load would name it %q)", a.ID)
	}
	root := mapping()
	add(root, "area", m.text(a.ID, "area id"))
	add(root, "name", m.text(a.Name, "area name"))
	if a.Author != "" {
		add(root, "author", m.text(a.Author, "author"))
	}
	add(root, "reset", m.reset(a.Reset))
	if a.ResetMode != world.ResetAlways {
		add(root, "reset_mode", scalar(a.ResetMode.String()))
	}

	// Every room key first: exits may lead to rooms further down the list.
	m.rooms = make(map[string]bool, len(a.Rooms))
	keys := make([]string, len(a.Rooms))
	for i, r := range a.Rooms {
		if r == nil {
			m.fail("room %d of the list is nil", i)
			continue
		}
		key, ok := m.key(r.ID)
		switch {
		case !ok:
			m.fail("room id %q is not %s<key> (key: 1 to 40 of a-z, 0-9, _)", r.ID, m.prefix)
		case m.rooms[r.ID]:
			m.fail("room %s is listed twice", r.ID)
		default:
			m.rooms[r.ID] = true
			keys[i] = key
		}
	}
	if len(a.Rooms) > 0 {
		rooms := mapping()
		for i, r := range a.Rooms {
			if r != nil && keys[i] != "" {
				add(rooms, keys[i], m.room(r))
			}
		}
		add(root, "rooms", rooms)
	}

	if n := m.protos("item", sortedKeys(m.prefix, m.items), func(id string) *yaml.Node { return m.item(id, m.items[id]) }); n != nil {
		add(root, "items", n)
	}
	if n := m.protos("mob", sortedKeys(m.prefix, m.mobs), func(id string) *yaml.Node { return m.mob(id, m.mobs[id]) }); n != nil {
		add(root, "mobs", n)
	}
	return root
}

// reset writes an interval in its shortest usual form: 10m, 1h30m, 1m30s.
func (m *marshaller) reset(d time.Duration) *yaml.Node {
	switch {
	case d == 0:
		return scalar("never")
	case d < time.Second:
		m.fail("reset %v is not 0 (never) or at least a second", d)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return scalar(s)
}

func (m *marshaller) room(r *world.Room) *yaml.Node {
	what := "room " + r.ID
	n := mapping()
	if r.Name == "" {
		m.fail("%s has no name", what)
	}
	add(n, "name", m.text(r.Name, what+" name"))
	if d := m.desc(r.Desc, what+" desc"); d != nil {
		add(n, "desc", d)
	}

	exits := mapping()
	for d := world.Dir(0); d < world.NumDirs; d++ {
		if ex := r.Exits[d]; ex != nil {
			add(exits, d.String(), m.exit(fmt.Sprintf("%s exit %s", what, d), ex))
		}
	}
	if len(exits.Content) > 0 {
		add(n, "exits", exits)
	}

	items, mobs := flowSeq(), flowSeq()
	for _, sp := range r.Spawns {
		switch sp.Kind {
		case world.SpawnItem:
			items.Content = append(items.Content, scalar(m.ref(sp.Proto, "item", what+" spawn")))
		case world.SpawnMob:
			mobs.Content = append(mobs.Content, scalar(m.ref(sp.Proto, "mob", what+" spawn")))
		default:
			m.fail("%s spawns %s of unknown kind %d", what, sp.Proto, sp.Kind)
		}
	}
	if len(items.Content) > 0 {
		add(n, "items", items)
	}
	if len(mobs.Content) > 0 {
		add(n, "mobs", mobs)
	}
	if r.Script != "" {
		add(n, "script", scalar(m.script(r.Script, what)))
	}
	if r.Flags != (world.RoomFlags{}) {
		fl := flowSeq()
		if r.Flags.PvP {
			fl.Content = append(fl.Content, scalar("pvp"))
		}
		if r.Flags.Peaceful {
			fl.Content = append(fl.Content, scalar("peaceful"))
		}
		add(n, "flags", fl)
	}
	return n
}

// num adds a whole-number field unless it is zero.
func num(n *yaml.Node, key string, v int) {
	if v != 0 {
		add(n, key, scalar(strconv.Itoa(v)))
	}
}

// exit writes a plain exit as its target and anything else as a mapping
// with the flags that are set. Load makes an exit with closed, locked or a
// key a door, and a locked one closed; flags that break those rules could
// not come back as they are.
func (m *marshaller) exit(what string, ex *world.Exit) *yaml.Node {
	var to *yaml.Node
	switch {
	case ex.Portal():
		to = scalar(ex.Target())
	case ex.To == nil:
		m.fail("%s leads nowhere (no target room)", what)
		return scalar("")
	default:
		to = scalar(m.ref(ex.To.ID, "room", what))
	}
	closed, locked := ex.StartClosed, ex.StartLocked // as defined, not as players left it
	if !ex.Door && !closed && !locked && !ex.Hidden && ex.Key == "" {
		return to
	}
	if !ex.Door && (closed || locked || ex.Key != "") {
		m.fail("%s is closed, locked or has a key but is not a door", what)
	}
	if locked && !closed {
		m.fail("%s is locked but not closed", what)
	}
	n := mapping()
	n.Style = yaml.FlowStyle
	add(n, "to", to)
	for _, f := range []struct {
		name string
		set  bool
	}{{"door", ex.Door}, {"closed", closed}, {"locked", locked}, {"hidden", ex.Hidden}} {
		if f.set {
			add(n, f.name, yes())
		}
	}
	if ex.Key != "" {
		add(n, "key", scalar(m.ref(ex.Key, "item", what+" key")))
	}
	return n
}

func (m *marshaller) protos(kind string, ids []string, write func(id string) *yaml.Node) *yaml.Node {
	if len(ids) == 0 {
		return nil
	}
	n := mapping()
	for _, id := range ids {
		key, ok := m.key(id)
		if !ok {
			m.fail("%s id %q is not %s<key> (key: 1 to 40 of a-z, 0-9, _)", kind, id, m.prefix)
			continue
		}
		add(n, key, write(id))
	}
	return n
}

func (m *marshaller) item(id string, p *world.ItemProto) *yaml.Node {
	if p == nil {
		m.fail("item %s is nil", id)
		return mapping()
	}
	n := m.proto("item", id, p.ID, p.Short, p.Long, p.Desc, p.Keywords)
	if p.Fixed {
		add(n, "fixed", yes())
	}
	if p.Script != "" {
		add(n, "script", scalar(m.script(p.Script, "item "+id)))
	}
	if p.Slot != "" {
		add(n, "slot", scalar(p.Slot))
	}
	if p.Damage != (world.Dice{}) {
		add(n, "damage", scalar(p.Damage.String()))
	}
	num(n, "armor", p.Armor)
	if len(p.Bonus) > 0 {
		b := mapping()
		b.Style = yaml.FlowStyle
		for _, k := range world.BonusNames {
			if v, ok := p.Bonus[k]; ok {
				add(b, k, scalar(strconv.Itoa(v)))
			}
		}
		add(n, "bonus", b)
	}
	num(n, "weight", p.Weight)
	num(n, "value", p.Value)
	num(n, "capacity", p.Capacity)
	return n
}

func (m *marshaller) mob(id string, p *world.MobProto) *yaml.Node {
	if p == nil {
		m.fail("mob %s is nil", id)
		return mapping()
	}
	n := m.proto("mob", id, p.ID, p.Short, p.Long, p.Desc, p.Keywords)
	if p.Script != "" {
		add(n, "script", scalar(m.script(p.Script, "mob "+id)))
	}
	if p.Level > 1 {
		num(n, "level", p.Level)
	}
	if p.Damage != (world.Dice{}) {
		add(n, "damage", scalar(p.Damage.String()))
	}
	num(n, "armor", p.Armor)
	num(n, "gold", p.Gold)
	if p.Aggressive {
		add(n, "aggressive", yes())
	}
	if len(p.Items) > 0 {
		items := flowSeq()
		for _, item := range p.Items {
			items.Content = append(items.Content, scalar(m.ref(item, "item", "mob "+id+" items")))
		}
		add(n, "items", items)
	}
	if p.Shop != nil {
		shop := mapping()
		sells := mapping()
		for _, item := range slices.Sorted(maps.Keys(p.Shop.Sells)) {
			add(sells, m.ref(item, "item", "mob "+id+" shop"), scalar(strconv.Itoa(p.Shop.Sells[item])))
		}
		add(shop, "sells", sells)
		add(shop, "markup", scalar(strconv.Itoa(p.Shop.Markup)))
		add(shop, "buys", scalar(strconv.Itoa(p.Shop.Buys)))
		add(n, "shop", shop)
	}
	return n
}

// proto writes what items and mobs share. Load fills in an empty long line
// and lower-cases keywords, so an empty long line or a capital in a keyword
// would not come back as it is.
func (m *marshaller) proto(kind, id, protoID, short, long, desc string, keywords []string) *yaml.Node {
	what := kind + " " + id
	if protoID != id {
		m.fail("%s is filed under another id, %q", what, protoID)
	}
	if short == "" {
		m.fail("%s has no short description", what)
	}
	if long == "" {
		m.fail("%s has no long description", what)
	}
	if len(keywords) == 0 {
		m.fail("%s has no keywords", what)
	}
	n := mapping()
	add(n, "short", m.text(short, what+" short"))
	if long != capitalise(short)+" is here." {
		add(n, "long", m.text(long, what+" long"))
	}
	if d := m.desc(desc, what+" desc"); d != nil {
		add(n, "desc", d)
	}
	kw := flowSeq()
	for _, k := range keywords {
		if k != strings.ToLower(k) {
			m.fail("%s keyword %q is not lower case", what, k)
		}
		kw.Content = append(kw.Content, m.text(k, what+" keyword"))
	}
	add(n, "keywords", kw)
	return n
}

// key returns the key of an id in this area: "square" for
// "thornwick.square".
func (m *marshaller) key(id string) (string, bool) {
	key, ok := strings.CutPrefix(id, m.prefix)
	return key, ok && keyRE.MatchString(key)
}

// ref writes a reference to a room or prototype the way a builder would: a
// bare key inside the area, the full id for another area. A reference
// inside the area must name something the file defines, or Load would
// refuse it; one into another area is resolved only when the whole world
// loads.
func (m *marshaller) ref(id, kind, what string) string {
	out := id
	if key, ok := strings.CutPrefix(id, m.prefix); ok && !strings.Contains(key, ".") {
		var defined bool
		switch kind {
		case "room":
			defined = m.rooms[id]
		case "item":
			defined = m.items[id] != nil
		case "mob":
			defined = m.mobs[id] != nil
		}
		if !keyRE.MatchString(key) || !defined {
			m.fail("%s names %s %q, which is not in the area", what, kind, id)
			return id
		}
		out = key
	}
	if world.Qualify(m.area.ID, out) != id || !utf8.ValidString(id) {
		m.fail("%s names %s %q, which is not an id of the form <area>.<key>", what, kind, id)
	}
	return out
}

// script writes a behaviour path as a builder would: "crier" for
// "thornwick/crier.lua" in thornwick, "common/wander" for
// "common/wander.lua". The written form must give the path back through
// scriptPath, which Load uses; a path it cannot produce is an error.
func (m *marshaller) script(path, what string) string {
	ref := path
	if base, ok := strings.CutSuffix(ref, ".lua"); ok && !strings.HasSuffix(base, ".lua") {
		ref = base // scriptPath adds .lua back only if it is not there
	}
	if rest, ok := strings.CutPrefix(ref, m.area.ID+"/"); ok && rest != "" && !strings.Contains(rest, "/") {
		ref = rest
	}
	if ref == "" || scriptPath(m.area.ID, ref) != path || !utf8.ValidString(path) {
		m.fail("%s script %q is not a path <area>/<name>.lua", what, path)
	}
	return ref
}

// text makes a string scalar of builder-written text.
func (m *marshaller) text(s, what string) *yaml.Node {
	if !utf8.ValidString(s) {
		// YAML text is Unicode; the encoder would write such bytes as
		// base64 !!binary, which Load would read back as the base64 text.
		m.fail("%s %q is not valid UTF-8", what, s)
	}
	return scalar(s)
}

// desc writes description text as Load will reflow it, its paragraphs
// wrapped at wrapWidth, as a literal block when it takes more than one
// line. Empty text is left out.
func (m *marshaller) desc(s, what string) *yaml.Node {
	s = reflow(s)
	if s == "" {
		return nil
	}
	n := m.text(wrapParagraphs(s, wrapWidth), what)
	if n.Style == 0 && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// wrapParagraphs breaks the paragraph lines of reflowed text at spaces so
// that reflow joins them back into exactly the same text. In reflowed text
// a paragraph line is one that is neither empty nor begins with a space or
// a tab, and the lines next to it are empty, verbatim or absent, so reflow
// joins only the pieces of one paragraph. reflow trims each piece and joins
// them with one space, so a break may only replace a single space between
// two characters that are not white space.
func wrapParagraphs(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if line != "" && line[0] != ' ' && line[0] != '\t' {
			lines[i] = wrapLine(line, width)
		}
	}
	return strings.Join(lines, "\n")
}

func wrapLine(line string, width int) string {
	var b strings.Builder
	for utf8.RuneCountInString(line) > width {
		// The last break that keeps the piece within width, or failing
		// that (a word longer than the width) the first one after it.
		cut, n := -1, 0
		for i, r := range line {
			if n > width && cut >= 0 {
				break
			}
			if r == ' ' && breakable(line, i) {
				cut = i
			}
			n++
		}
		if cut < 0 {
			break
		}
		b.WriteString(line[:cut])
		b.WriteByte('\n')
		line = line[cut+1:]
	}
	b.WriteString(line)
	return b.String()
}

// breakable reports whether the space at s[i] stands alone between two
// characters that are not white space.
func breakable(s string, i int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, size := utf8.DecodeRuneInString(s[i+1:])
	return i > 0 && size > 0 && !unicode.IsSpace(before) && !unicode.IsSpace(after)
}

// sortedKeys lists the ids of a prototype map that belong to the area, in
// key order. An id with a further dot after the prefix belongs to another
// area whose id begins with this one's ("town" and "town.old").
func sortedKeys[P any](prefix string, protos map[string]P) []string {
	var ids []string
	for id := range protos {
		if key, ok := strings.CutPrefix(id, prefix); ok && !strings.Contains(key, ".") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// yaml11Bools are the words YAML 1.1 reads as booleans and 1.2 does not.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true,
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func yes() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"} }

func flowSeq() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle} }

// scalar makes a string scalar. Tagging it !!str makes the encoder quote
// values that would otherwise read as something else (null, 1e3, ~).
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	// YAML 1.1 readers (other tools builders may use) take yes, no, on and
	// off for booleans; the encoder quotes only what YAML 1.2 would
	// misread, so quote these too, as it does for Go strings.
	if yaml11Bools[s] {
		n.Style = yaml.DoubleQuotedStyle
	}
	// The encoder writes text with a line break as a literal block, and
	// gives the block an indentation indicator only when it starts with a
	// space or a line break. A block whose first line starts with a tab
	// then has no indentation the parser can find, and it rejects the file
	// ("found a tab character where an indentation space is expected").
	if strings.HasPrefix(s, "\t") && strings.Contains(s, "\n") {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func add(n *yaml.Node, key string, v *yaml.Node) {
	n.Content = append(n.Content, scalar(key), v)
}
