package area

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"shardmud/data"
	"shardmud/world"
)

// exportWorld marshals every area of bp into a world folder with bp's start
// room, and the built-in help file.
func exportWorld(t testing.TB, bp *world.Blueprint) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{"world.yaml": {Data: fmt.Appendf(nil, "name: %q\nstart: %s\n", bp.Name, bp.Start)}}
	for _, a := range bp.Areas {
		out, err := Marshal(a, bp.Items, bp.Mobs)
		if err != nil {
			t.Fatal(err)
		}
		fsys["areas/"+a.ID+".yaml"] = &fstest.MapFile{Data: out}
	}
	return fsys
}

func TestMarshalBuiltinWorldRoundTrip(t *testing.T) {
	want, err := Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	fsys := exportWorld(t, want)
	for _, name := range []string{"world.yaml", "help.yaml"} {
		b, err := fs.ReadFile(data.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	got, err := Load(fsys)
	if err != nil {
		t.Fatalf("exported world does not load: %v", err)
	}
	if d := diffBlueprints(want, got); d != "" {
		t.Fatal(d)
	}
}

func TestMarshalIsStable(t *testing.T) {
	bp, err := Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	first := make(map[string][]byte)
	for i := range 5 { // map order differs between runs; the output must not
		for _, a := range bp.Areas {
			out, err := Marshal(a, bp.Items, bp.Mobs)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first[a.ID] = out
			} else if !bytes.Equal(out, first[a.ID]) {
				t.Fatalf("area %s: marshal %d differs from the first", a.ID, i)
			}
		}
	}
	again, err := Load(exportWorld(t, bp))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range again.Areas {
		out, err := Marshal(a, again.Items, again.Mobs)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, first[a.ID]) {
			t.Fatalf("area %s: Marshal(Load(Marshal(x))) differs from Marshal(x):\n%s\n---\n%s", a.ID, out, first[a.ID])
		}
	}
}

// hostile is text that YAML would read as something else, or that needs
// quoting or escaping, if it were written carelessly.
var hostile = []string{
	`say "hi"`, `it's`, `key: value`, `a # not a comment`, `#hash first`, `: colon first`,
	` leading`, `trailing `, `  both  `, " ", `{rred{x and {Bblue{x`, `Café ☕ 日本語 😀 ﬁ`,
	"tab\there", "\ttab first", "trailing tab\t", `yes`, `no`, `on`, `true`, `False`, `null`, `~`,
	`0x10`, `1e3`, `0o17`, `012`, `.inf`, `-.5`, `2001-12-14`, `-`, `- dash`, `[flow]`, `{flow}`,
	`a, b`, `&anchor`, `*alias`, `!tag`, `!!str`, `%percent`, `@at`, "`tick", `|`, `>`, `---`,
	`...`, `a\b`, `\n`, `=`, `<<`, `?`, `? q`, "line\nbreak", "two\n\nbreaks\n", "\nfirst",
	"line\u2028sep", "para\u2029sep", "nel\u0085", "cr\r", "crlf\r\nx", "bell\a", "nul\x00x",
	"\ufeffbom", "nbsp\u00a0", "\t\n", "\tfirst\nsecond", "\u00a0nbsp first", "'", `"`, `''`,
}

// hostileDescs are descriptions in reflowed form (what Load gives), so
// they must come back unchanged.
var hostileDescs = []string{
	`Para with "quotes", colons: and # hashes, {rcolour{x, café ☕; yes.`,
	"First paragraph: null.\n\nSecond ~ paragraph.\n  | a sign: kept |\n\t|a tab line|\n\nAfter the sign.",
	"\tstarts with a tab\nthen a paragraph", " starts verbatim\n  two spaces\n\n\n\nthree blank lines before",
	"\n\nleading blank lines",
	"yes", "null", "~", "1e3", "- dash", "# hash", "|", ">", "'", `"`,
	"line\u2028separator", "cr\rinside", "tab\tinside", " verbatim nbsp\u00a0",
	"a\u00a0 b with nbsp and space, then a long paragraph that needs wrapping because it goes on " +
		"and on well past the width of one line in the file, with words like ☕☕☕☕☕ and " +
		"averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongwordthatcannotbreak " +
		"and double  spaces  that must  stay double,  even at the  edges of   a wrap.",
}

// hostileWorld builds two areas that link to each other: "hostile", full of
// tricky text, and "other", the target of its cross-area references.
func hostileWorld(t *testing.T) *world.Blueprint {
	t.Helper()
	for _, d := range hostileDescs {
		if reflow(d) != d {
			t.Fatalf("fixture %q is not in reflowed form: reflow gives %q", d, reflow(d))
		}
	}
	bp := &world.Blueprint{Name: "Hostile", Start: "hostile.r0", Rooms: map[string]*world.Room{},
		Items: map[string]*world.ItemProto{}, Mobs: map[string]*world.MobProto{}}
	h := &world.Area{ID: "hostile", Name: "null", Author: `Ann "the builder" O'Neil: #1`, Reset: 0}
	o := &world.Area{ID: "other", Name: "Other: ~ ☕", Reset: 90 * time.Second}
	bp.Areas = []*world.Area{h, o}
	room := func(a *world.Area, key, name, desc string) *world.Room {
		r := &world.Room{ID: a.ID + "." + key, Area: a, Name: name, Desc: desc}
		a.Rooms = append(a.Rooms, r)
		bp.Rooms[r.ID] = r
		return r
	}
	var rooms []*world.Room
	for i, s := range hostile {
		rooms = append(rooms, room(h, fmt.Sprintf("r%d", i), s, hostileDescs[i%len(hostileDescs)]))
		// Keywords are lower-cased, as Load makes them; "" is a keyword too.
		id := fmt.Sprintf("hostile.i%d", i)
		bp.Items[id] = &world.ItemProto{ID: id, Short: s, Long: s + " lies here.", Desc: hostileDescs[(i+1)%len(hostileDescs)],
			Keywords: []string{strings.ToLower(s), "thing", ""}, Fixed: i%2 == 0}
		id = fmt.Sprintf("hostile.m%d", i)
		bp.Mobs[id] = &world.MobProto{ID: id, Short: s, Long: "Standing: " + s, Desc: hostileDescs[(i+2)%len(hostileDescs)],
			Keywords: []string{strings.ToLower(s)}}
	}
	bp.Items["hostile.plain"] = &world.ItemProto{ID: "hostile.plain", Short: "a plain thing", Long: "A plain thing is here.",
		Keywords: []string{"plain"}, Script: "hostile/plain.lua"}
	bp.Items["hostile.i1"].Script = "hostile/sub/nested.lua"
	bp.Items["hostile.i2"].Script = "hostile/odd.lua.lua"
	bp.Mobs["hostile.m0"].Script = "common/wander.lua"

	gate := room(o, "gate", "Gate", "")
	vault := room(o, "vault", "Vault", "A vault.")
	bp.Items["other.key"] = &world.ItemProto{ID: "other.key", Short: "a key", Long: "A key is here.", Keywords: []string{"key"}}
	bp.Mobs["other.guard"] = &world.MobProto{ID: "other.guard", Short: "a guard", Long: "A guard is here.", Keywords: []string{"guard"},
		Script: "other/guard.lua"}
	gate.Exits[world.West] = &world.Exit{To: rooms[0]}
	gate.Exits[world.Down] = &world.Exit{To: vault, Door: true, Closed: true, Locked: true, Key: "hostile.i3", StartClosed: true, StartLocked: true}
	vault.Exits[world.Up] = &world.Exit{To: gate, Door: true}
	gate.Spawns = []world.Spawn{{Kind: world.SpawnItem, Proto: "hostile.i0"}, {Kind: world.SpawnMob, Proto: "other.guard"}}
	gate.Script = "other/gate.lua"

	r0, r1 := rooms[0], rooms[1]
	r0.Exits[world.North] = &world.Exit{To: gate}
	r0.Exits[world.East] = &world.Exit{To: vault, Door: true, Closed: true, Locked: true, Key: "other.key", StartClosed: true, StartLocked: true}
	r0.Exits[world.South] = &world.Exit{To: r1, Door: true, Closed: true, Hidden: true, Key: "hostile.plain", StartClosed: true}
	r0.Exits[world.West] = &world.Exit{To: r1, Hidden: true}
	r0.Exits[world.Up] = &world.Exit{To: r1, Door: true, Hidden: true}
	r0.Exits[world.Down] = &world.Exit{To: r0}
	r0.Exits[world.Southwest] = &world.Exit{To: rooms[len(rooms)-1]} // a room further down the list
	r0.Spawns = []world.Spawn{
		{Kind: world.SpawnItem, Proto: "hostile.plain"}, {Kind: world.SpawnItem, Proto: "other.key"},
		{Kind: world.SpawnItem, Proto: "hostile.plain"}, {Kind: world.SpawnMob, Proto: "other.guard"},
		{Kind: world.SpawnMob, Proto: "hostile.m1"}, {Kind: world.SpawnMob, Proto: "hostile.m1"},
	}
	r0.Script = "hostile/crier.lua"
	r1.Script = "other/lever.lua"
	r1.Exits[world.Northeast] = &world.Exit{To: r0}

	// Keys that YAML would read as something else unless quoted.
	for _, key := range []string{"null", "true", "yes", "1e3", "0x10", "012", "_"} {
		r := room(h, key, key, "")
		r.Exits[world.Southeast] = &world.Exit{To: r1}
		r1.Exits[world.Southeast] = &world.Exit{To: r}
		id := "hostile." + key
		bp.Items[id] = &world.ItemProto{ID: id, Short: key, Long: key, Keywords: []string{key}}
		bp.Mobs[id] = &world.MobProto{ID: id, Short: key, Long: key, Keywords: []string{key}}
		r1.Spawns = append(r1.Spawns, world.Spawn{Kind: world.SpawnItem, Proto: id})
		r.Spawns = []world.Spawn{{Kind: world.SpawnItem, Proto: id}, {Kind: world.SpawnMob, Proto: id}}
	}
	return bp
}

func TestMarshalHostileTextRoundTrip(t *testing.T) {
	want := hostileWorld(t)
	fsys := exportWorld(t, want)
	got, err := Load(fsys)
	if err != nil {
		t.Fatalf("%v\n%s", err, fsys["areas/hostile.yaml"].Data)
	}
	if d := diffBlueprints(want, got); d != "" {
		t.Fatalf("%s\nfile:\n%s", d, fsys["areas/hostile.yaml"].Data)
	}
	out := string(fsys["areas/hostile.yaml"].Data)
	for _, s := range []string{
		"reset: never\n",
		"    script: crier\n",
		"    script: other/lever\n",
		"    script: hostile/sub/nested\n",
		"    script: odd.lua.lua\n",
		"    script: common/wander\n",
		"      north: other.gate\n",
		"      east: {to: other.vault, door: true, closed: true, locked: true, key: other.key}\n",
		"      south: {to: r1, door: true, closed: true, hidden: true, key: plain}\n",
		"      west: {to: r1, hidden: true}\n",
		"    items: [plain, other.key, plain]\n",
		"    mobs: [other.guard, m1, m1]\n",
		"    name: \"yes\"\n",
		"    name: \"1e3\"\n",
		"    name: \"~\"\n",
		"  \"1e3\":\n",
		"    items: [\"null\", \"true\", \"yes\", \"1e3\", \"0x10\", \"012\", _]\n",
		"  plain:\n    short: a plain thing\n    keywords: [plain]\n", // the default long line is left out
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	if o := string(fsys["areas/other.yaml"].Data); !strings.Contains(o, "reset: 1m30s\n") || !strings.Contains(o, "key: hostile.i3}") {
		t.Errorf("other area:\n%s", o)
	}
}

func TestMarshalWrapsLongParagraphs(t *testing.T) {
	desc := hostileDescs[len(hostileDescs)-1]
	fsys := exportWorld(t, oneRoom(desc, "a thing"))
	out := string(fsys["areas/fuzz.yaml"].Data)
	_, block, _ := strings.Cut(out, "    desc: |-\n")
	lines := 0
	for _, line := range strings.Split(block, "\n") {
		body, ok := strings.CutPrefix(line, "      ")
		if !ok {
			break
		}
		lines++
		if n := utf8.RuneCountInString(body); n > wrapWidth && !strings.Contains(body, "cannotbreak") {
			t.Errorf("line of %d characters: %q", n, body)
		}
	}
	if lines < 4 {
		t.Errorf("the description was not wrapped:\n%s", out)
	}
	got, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rooms["fuzz.room"].Desc != desc {
		t.Fatalf("wrapped desc came back as %q", got.Rooms["fuzz.room"].Desc)
	}
	for _, tt := range []struct {
		in    string
		width int
		want  string
	}{
		{"one two three", 7, "one two\nthree"},
		{"one two three", 3, "one\ntwo\nthree"},
		{"one two three", 2, "one\ntwo\nthree"},
		{"onetwo three", 3, "onetwo\nthree"},
		{"one  two three", 5, "one  two\nthree"}, // a double space is not a break
		{"one\u00a0 two", 3, "one\u00a0 two"},
		{"ab", 1, "ab"},
		{"", 1, ""},
	} {
		if got := wrapLine(tt.in, tt.width); got != tt.want {
			t.Errorf("wrapLine(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if got := reflow(wrapLine(tt.in, tt.width)); got != reflow(tt.in) {
			t.Errorf("reflow(wrapLine(%q, %d)) = %q", tt.in, tt.width, got)
		}
	}
}

// TestMarshalReflowsDescriptions documents what does not come back as it
// was: a description that is not in reflowed form comes back reflowed.
func TestMarshalReflowsDescriptions(t *testing.T) {
	tests := []struct{ desc, want string }{
		{"one\ntwo\n", "one two"},
		{"one   \ntwo", "one two"},
		{"one   \n   two  ", "one\n   two"},
		{"  verbatim  \n\tkept\t", "  verbatim\n\tkept"},
		{"para\n   \nnext", "para\n\nnext"},
		{"end\n\n\n", "end"},
		{"\n\n", ""},
		{"one\r\ntwo", "one two"},
	}
	for _, tt := range tests {
		bp := oneRoom(tt.desc, "a thing")
		got, err := Load(exportWorld(t, bp))
		if err != nil {
			t.Fatalf("%q: %v", tt.desc, err)
		}
		if d := got.Rooms["fuzz.room"].Desc; d != tt.want {
			t.Errorf("desc %q came back as %q, want %q", tt.desc, d, tt.want)
		}
	}
}

// TestMarshalSpawnOrder documents the other thing that does not come back
// as it was: the file lists a room's items before its mobs.
func TestMarshalSpawnOrder(t *testing.T) {
	bp := oneRoom("", "a thing")
	bp.Mobs["fuzz.cat"] = &world.MobProto{ID: "fuzz.cat", Short: "a cat", Long: "A cat is here.", Keywords: []string{"cat"}}
	item := func(id string) world.Spawn { return world.Spawn{Kind: world.SpawnItem, Proto: id} }
	mob := func(id string) world.Spawn { return world.Spawn{Kind: world.SpawnMob, Proto: id} }
	room(bp).Spawns = []world.Spawn{mob("fuzz.cat"), item("fuzz.thing"), mob("other.dog"), item("other.bone"), item("fuzz.thing")}
	out, err := Marshal(bp.Areas[0], bp.Items, bp.Mobs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "    items: [thing, other.bone, thing]\n    mobs: [cat, other.dog]\n") {
		t.Fatalf("spawn lists not in order:\n%s", out)
	}
	fsys := exportWorld(t, bp)
	fsys["areas/other.yaml"] = &fstest.MapFile{Data: []byte("area: other\nrooms:\n  den:\n    name: Den\n" +
		"items:\n  bone: {short: a bone, keywords: [bone]}\nmobs:\n  dog: {short: a dog, keywords: [dog]}\n")}
	got, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []world.Spawn{item("fuzz.thing"), item("other.bone"), item("fuzz.thing"), mob("fuzz.cat"), mob("other.dog")}
	if s := got.Rooms["fuzz.room"].Spawns; !slices.Equal(s, want) {
		t.Fatalf("spawns came back as %v, want %v", s, want)
	}
}

func TestMarshalResetForms(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "never", 10 * time.Minute: "10m", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s",
		time.Hour: "1h", 25 * time.Hour: "25h", time.Hour + 5*time.Second: "1h0m5s", 1500 * time.Millisecond: "1.5s",
		time.Second: "1s", time.Minute + time.Nanosecond: "1m0.000000001s",
	} {
		bp := oneRoom("", "a thing")
		bp.Areas[0].Reset = d
		fsys := exportWorld(t, bp)
		if out := string(fsys["areas/fuzz.yaml"].Data); !strings.Contains(out, "\nreset: "+want+"\n") {
			t.Errorf("reset %v: want reset: %s in\n%s", d, want, out)
		}
		got, err := Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got.Areas[0].Reset != d {
			t.Errorf("reset %v came back as %v", d, got.Areas[0].Reset)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(bp *world.Blueprint)
		want   string
	}{
		{"room outside the area", func(bp *world.Blueprint) { bp.Areas[0].Rooms[0].ID = "elsewhere.room" }, `room id "elsewhere.room" is not fuzz.<key>`},
		{"bad room key", func(bp *world.Blueprint) { bp.Areas[0].Rooms[0].ID = "fuzz.Big Room" }, `room id "fuzz.Big Room"`},
		{"room twice", func(bp *world.Blueprint) { a := bp.Areas[0]; a.Rooms = append(a.Rooms, a.Rooms[0]) }, "room fuzz.room is listed twice"},
		{"nil room", func(bp *world.Blueprint) { a := bp.Areas[0]; a.Rooms = append(a.Rooms, nil) }, "room 1 of the list is nil"},
		{"nil exit target", func(bp *world.Blueprint) { room(bp).Exits[world.North] = &world.Exit{} }, "room fuzz.room exit north leads nowhere"},
		{"exit to a room not in the area", func(bp *world.Blueprint) {
			room(bp).Exits[world.Up] = &world.Exit{To: &world.Room{ID: "fuzz.gone"}}
		}, `room fuzz.room exit up names room "fuzz.gone", which is not in the area`},
		{"exit to an id with no area", func(bp *world.Blueprint) {
			room(bp).Exits[world.Up] = &world.Exit{To: &world.Room{ID: "gone"}}
		}, `names room "gone", which is not an id`},
		{"closed but not a door", func(bp *world.Blueprint) {
			room(bp).Exits[world.Down] = &world.Exit{To: room(bp), Closed: true, StartClosed: true}
		}, "exit down is closed, locked or has a key but is not a door"},
		{"key but not a door", func(bp *world.Blueprint) {
			room(bp).Exits[world.Down] = &world.Exit{To: room(bp), Key: "fuzz.thing"}
		}, "but is not a door"},
		{"locked but open", func(bp *world.Blueprint) {
			room(bp).Exits[world.Down] = &world.Exit{To: room(bp), Door: true, Locked: true, StartLocked: true}
		}, "exit down is locked but not closed"},
		{"missing key", func(bp *world.Blueprint) {
			room(bp).Exits[world.Down] = &world.Exit{To: room(bp), Door: true, Key: "fuzz.nokey"}
		}, `exit down key names item "fuzz.nokey", which is not in the area`},
		{"unknown spawn", func(bp *world.Blueprint) { room(bp).Spawns = []world.Spawn{{Kind: 7, Proto: "fuzz.thing"}} }, "of unknown kind 7"},
		{"missing mob", func(bp *world.Blueprint) {
			room(bp).Spawns = []world.Spawn{{Kind: world.SpawnMob, Proto: "fuzz.thing"}}
		}, `names mob "fuzz.thing", which is not in the area`},
		{"room without name", func(bp *world.Blueprint) { room(bp).Name = "" }, "room fuzz.room has no name"},
		{"area without name", func(bp *world.Blueprint) { bp.Areas[0].Name = "" }, "the area has no name"},
		{"area id with a slash", func(bp *world.Blueprint) { bp.Areas[0].ID = "a/b" }, `area id "a/b" cannot be a file name`},
		{"short reset", func(bp *world.Blueprint) { bp.Areas[0].Reset = time.Second / 2 }, "reset 500ms is not 0"},
		{"negative reset", func(bp *world.Blueprint) { bp.Areas[0].Reset = -time.Minute }, "reset -1m0s is not 0"},
		{"invalid UTF-8", func(bp *world.Blueprint) { room(bp).Name = "bad \xff" }, "room fuzz.room name \"bad \\xff\" is not valid UTF-8"},
		{"invalid UTF-8 desc", func(bp *world.Blueprint) { room(bp).Desc = "bad \xff" }, "room fuzz.room desc"},
		{"script without .lua", func(bp *world.Blueprint) { room(bp).Script = "fuzz/lever" }, `room fuzz.room script "fuzz/lever" is not a path`},
		{"script without area", func(bp *world.Blueprint) { room(bp).Script = "lever.lua" }, `script "lever.lua" is not a path`},
		{"capital keyword", func(bp *world.Blueprint) { bp.Items["fuzz.thing"].Keywords = []string{"Thing"} }, `item fuzz.thing keyword "Thing" is not lower case`},
		{"no keywords", func(bp *world.Blueprint) { bp.Items["fuzz.thing"].Keywords = nil }, "item fuzz.thing has no keywords"},
		{"no short", func(bp *world.Blueprint) { bp.Items["fuzz.thing"].Short = "" }, "item fuzz.thing has no short description"},
		{"no long", func(bp *world.Blueprint) { bp.Items["fuzz.thing"].Long = "" }, "item fuzz.thing has no long description"},
		{"filed under another id", func(bp *world.Blueprint) { bp.Items["fuzz.thing"].ID = "fuzz.other" }, `item fuzz.thing is filed under another id, "fuzz.other"`},
		{"nil proto", func(bp *world.Blueprint) { bp.Mobs["fuzz.ghost"] = nil }, "mob fuzz.ghost is nil"},
		{"bad proto key", func(bp *world.Blueprint) { bp.Mobs["fuzz.Ghost"] = &world.MobProto{ID: "fuzz.Ghost"} }, `mob id "fuzz.Ghost" is not fuzz.<key>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bp := oneRoom("", "a thing")
			tt.change(bp)
			_, err := Marshal(bp.Areas[0], bp.Items, bp.Mobs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Marshal(nil, nil, nil); err == nil {
		t.Fatal("Marshal(nil) succeeded")
	}
}

func TestMarshalReportsEveryProblem(t *testing.T) {
	bp := oneRoom("", "a thing")
	room(bp).Name = ""
	bp.Items["fuzz.thing"].Short = ""
	_, err := Marshal(bp.Areas[0], bp.Items, bp.Mobs)
	if err == nil || !strings.Contains(err.Error(), "has no name") || !strings.Contains(err.Error(), "has no short") {
		t.Fatalf("error = %v, want both problems", err)
	}
}

// oneRoom is the world the fuzz target and small tests export: area fuzz
// with room fuzz.room, which places item fuzz.thing.
func oneRoom(desc, short string) *world.Blueprint {
	a := &world.Area{ID: "fuzz", Name: "Fuzz", Reset: DefaultReset}
	r := &world.Room{ID: "fuzz.room", Area: a, Name: "Room", Desc: desc,
		Spawns: []world.Spawn{{Kind: world.SpawnItem, Proto: "fuzz.thing"}}}
	a.Rooms = []*world.Room{r}
	return &world.Blueprint{Name: "Fuzz", Start: r.ID, Areas: []*world.Area{a}, Rooms: map[string]*world.Room{r.ID: r},
		Items: map[string]*world.ItemProto{"fuzz.thing": {ID: "fuzz.thing", Short: short,
			Long: capitalise(short) + " is here.", Desc: desc, Keywords: []string{"thing"}}},
		Mobs: map[string]*world.MobProto{}}
}

func room(bp *world.Blueprint) *world.Room { return bp.Areas[0].Rooms[0] }

func FuzzMarshalRoundTrip(f *testing.F) {
	f.Add("Thornwick Square", "Four roads meet.\nA fountain.\n\n  | a sign |\nMore.", "a red apple")
	f.Add("yes", "null", "~")
	f.Add(" lead", " verbatim \n\ttab", "trail ")
	f.Add("a: b # c", "line\u2028sep\n\n\n", "éclair")
	f.Add("{rRed{x", strings.Repeat("word ", 40), "\"quoted\"")
	f.Add("\n  a\n b\n", "\n  a\n b\n", "\t\n")
	f.Add("nul\x00\r\n", "\ufeffbom\u0085nel\r\n\n \tverbatim\u00a0\n\u00a0para", "😀 \u2029")
	f.Fuzz(func(t *testing.T, name, desc, short string) {
		// Load rightly rejects a room without a name and an item without a
		// short description.
		if name == "" || short == "" {
			return
		}
		// YAML text is Unicode: Marshal refuses invalid UTF-8 (tested in
		// TestMarshalErrors) rather than let the encoder write it as base64.
		if !utf8.ValidString(name) || !utf8.ValidString(desc) || !utf8.ValidString(short) {
			return
		}
		want := reflow(desc)
		if again := reflow(want); again != want {
			t.Fatalf("reflow is not idempotent: %q gives %q, then %q", desc, want, again)
		}
		bp := oneRoom(desc, short)
		room(bp).Name = name
		// The same text at the top level and in a flow sequence, where the
		// encoder picks styles by other rules.
		bp.Areas[0].Author = name
		thing := bp.Items["fuzz.thing"]
		thing.Keywords = append(thing.Keywords, strings.ToLower(short))
		fsys := exportWorld(t, bp)
		got, err := Load(fsys)
		if err != nil {
			t.Fatalf("%v\nfile:\n%s", err, fsys["areas/fuzz.yaml"].Data)
		}
		r, it := got.Rooms["fuzz.room"], got.Items["fuzz.thing"]
		if r.Name != name || r.Desc != want || it.Short != short || it.Desc != want || it.Long != thing.Long ||
			got.Areas[0].Author != name || !slices.Equal(it.Keywords, thing.Keywords) {
			t.Fatalf("round trip changed the text:\nname %q -> %q\ndesc %q -> %q (want %q)\nshort %q -> %q\nkeywords %q -> %q\nfile:\n%s",
				name, r.Name, desc, r.Desc, want, short, it.Short, thing.Keywords, it.Keywords, fsys["areas/fuzz.yaml"].Data)
		}
		if again := exportWorld(t, got); !bytes.Equal(again["areas/fuzz.yaml"].Data, fsys["areas/fuzz.yaml"].Data) {
			t.Fatalf("second export differs:\n%s\n---\n%s", fsys["areas/fuzz.yaml"].Data, again["areas/fuzz.yaml"].Data)
		}
	})
}

func ExampleMarshal() {
	a := &world.Area{ID: "hamlet", Name: "The Hamlet", Author: "ann", Reset: 90 * time.Minute}
	well := &world.Room{ID: "hamlet.well", Area: a, Name: "The Well",
		Desc: "A mossy well. A sign: no swimming.\n\n  +----------+\n  |  WISHES  |\n  +----------+"}
	hut := &world.Room{ID: "hamlet.hut", Area: a, Name: "yes", Script: "hamlet/hut.lua"}
	a.Rooms = []*world.Room{well, hut}
	well.Exits[world.North] = &world.Exit{To: hut, Door: true, Closed: true, Locked: true, Key: "hamlet.key", StartClosed: true, StartLocked: true}
	well.Exits[world.East] = &world.Exit{To: &world.Room{ID: "whisperwood.edge"}}
	well.Spawns = []world.Spawn{{Kind: world.SpawnItem, Proto: "hamlet.key"}, {Kind: world.SpawnMob, Proto: "whisperwood.fox"}}
	hut.Exits[world.South] = &world.Exit{To: well, Door: true}
	items := map[string]*world.ItemProto{
		"hamlet.key": {ID: "hamlet.key", Short: "a tin key", Long: "A tin key is here.", Keywords: []string{"key", "tin"}},
		"hamlet.rock": {ID: "hamlet.rock", Short: "a rock: #1", Long: "A rock sits here, 'heavy'.", Desc: "Just a rock.",
			Keywords: []string{"rock"}, Fixed: true, Script: "common/rock.lua"},
	}
	out, err := Marshal(a, items, nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// area: hamlet
	// name: The Hamlet
	// author: ann
	// reset: 1h30m
	// rooms:
	//   well:
	//     name: The Well
	//     desc: |-
	//       A mossy well. A sign: no swimming.
	//
	//         +----------+
	//         |  WISHES  |
	//         +----------+
	//     exits:
	//       north: {to: hut, door: true, closed: true, locked: true, key: key}
	//       east: whisperwood.edge
	//     items: [key]
	//     mobs: [whisperwood.fox]
	//   hut:
	//     name: "yes"
	//     exits:
	//       south: {to: well, door: true}
	//     script: hut
	// items:
	//   key:
	//     short: a tin key
	//     keywords: [key, tin]
	//   rock:
	//     short: 'a rock: #1'
	//     long: A rock sits here, 'heavy'.
	//     desc: Just a rock.
	//     keywords: [rock]
	//     fixed: true
	//     script: common/rock
}

// diffBlueprints describes the first difference between two blueprints,
// or returns "". Rooms are compared by id, never by pointer.
func diffBlueprints(want, got *world.Blueprint) string {
	if want.Name != got.Name || want.Start != got.Start {
		return fmt.Sprintf("world name/start %q/%q, want %q/%q", got.Name, got.Start, want.Name, want.Start)
	}
	if len(want.Areas) != len(got.Areas) {
		return fmt.Sprintf("%d areas, want %d", len(got.Areas), len(want.Areas))
	}
	// Load orders areas by file name.
	wantAreas := slices.Clone(want.Areas)
	sort.Slice(wantAreas, func(i, j int) bool { return wantAreas[i].ID < wantAreas[j].ID })
	for i, w := range wantAreas {
		g := got.Areas[i]
		if w.ID != g.ID || w.Name != g.Name || w.Author != g.Author || w.Reset != g.Reset || w.ResetMode != g.ResetMode {
			return fmt.Sprintf("area %d: id/name/author/reset %q/%q/%q/%v, want %q/%q/%q/%v",
				i, g.ID, g.Name, g.Author, g.Reset, w.ID, w.Name, w.Author, w.Reset)
		}
		if len(w.Rooms) != len(g.Rooms) {
			return fmt.Sprintf("area %s: %d rooms, want %d", w.ID, len(g.Rooms), len(w.Rooms))
		}
		for j := range w.Rooms {
			if d := diffRooms(w.Rooms[j], g.Rooms[j]); d != "" {
				return fmt.Sprintf("area %s room %d: %s", w.ID, j, d)
			}
		}
	}
	if d := diffKeys("room", want.Rooms, got.Rooms); d != "" {
		return d
	}
	if d := diffKeys("item", want.Items, got.Items); d != "" {
		return d
	}
	if d := diffKeys("mob", want.Mobs, got.Mobs); d != "" {
		return d
	}
	for _, id := range allKeys(want.Items) {
		w, g := want.Items[id], got.Items[id]
		if w.ID != g.ID || w.Short != g.Short || w.Long != g.Long || w.Desc != g.Desc ||
			!slices.Equal(w.Keywords, g.Keywords) || w.Fixed != g.Fixed || w.Script != g.Script ||
			w.Slot != g.Slot || w.Damage != g.Damage || w.Armor != g.Armor || !maps.Equal(w.Bonus, g.Bonus) ||
			w.Weight != g.Weight || w.Value != g.Value || w.Capacity != g.Capacity {
			return fmt.Sprintf("item %s:\n got %+v\nwant %+v", id, *g, *w)
		}
	}
	for _, id := range allKeys(want.Mobs) {
		w, g := want.Mobs[id], got.Mobs[id]
		if w.ID != g.ID || w.Short != g.Short || w.Long != g.Long || w.Desc != g.Desc ||
			!slices.Equal(w.Keywords, g.Keywords) || w.Script != g.Script ||
			max(w.Level, 1) != max(g.Level, 1) || w.Damage != g.Damage || w.Armor != g.Armor || w.Gold != g.Gold ||
			w.Aggressive != g.Aggressive || !reflect.DeepEqual(w.Shop, g.Shop) {
			return fmt.Sprintf("mob %s:\n got %+v\nwant %+v", id, *g, *w)
		}
	}
	if len(want.Help) != len(got.Help) {
		return fmt.Sprintf("%d help topics, want %d", len(got.Help), len(want.Help))
	}
	for i, w := range want.Help {
		g := got.Help[i]
		if w.Title != g.Title || w.Text != g.Text || !slices.Equal(w.Keywords, g.Keywords) {
			return fmt.Sprintf("help topic %d: got %+v, want %+v", i, g, w)
		}
	}
	return ""
}

func diffRooms(w, g *world.Room) string {
	switch {
	case w.ID != g.ID:
		return fmt.Sprintf("id %q, want %q", g.ID, w.ID)
	case g.Area == nil || w.Area.ID != g.Area.ID:
		return fmt.Sprintf("room %s is not in area %s", g.ID, w.Area.ID)
	case w.Name != g.Name:
		return fmt.Sprintf("room %s name %q, want %q", w.ID, g.Name, w.Name)
	case w.Desc != g.Desc:
		return fmt.Sprintf("room %s desc %q, want %q", w.ID, g.Desc, w.Desc)
	case w.Script != g.Script:
		return fmt.Sprintf("room %s script %q, want %q", w.ID, g.Script, w.Script)
	case w.Flags != g.Flags:
		return fmt.Sprintf("room %s flags %+v, want %+v", w.ID, g.Flags, w.Flags)
	case !slices.Equal(w.Spawns, g.Spawns):
		return fmt.Sprintf("room %s spawns %v, want %v", w.ID, g.Spawns, w.Spawns)
	}
	for d := world.Dir(0); d < world.NumDirs; d++ {
		we, ge := w.Exits[d], g.Exits[d]
		if (we == nil) != (ge == nil) {
			return fmt.Sprintf("room %s exit %s: got %v, want %v", w.ID, d, ge != nil, we != nil)
		}
		if we == nil {
			continue
		}
		if we.Target() != ge.Target() || we.Door != ge.Door || we.Closed != ge.Closed || we.Locked != ge.Locked || we.StartClosed != ge.StartClosed || we.StartLocked != ge.StartLocked ||
			we.Hidden != ge.Hidden || we.Key != ge.Key {
			return fmt.Sprintf("room %s exit %s: got to=%s door=%v closed=%v locked=%v hidden=%v key=%q, want to=%s door=%v closed=%v locked=%v hidden=%v key=%q",
				w.ID, d, ge.Target(), ge.Door, ge.Closed, ge.Locked, ge.Hidden, ge.Key,
				we.Target(), we.Door, we.Closed, we.Locked, we.Hidden, we.Key)
		}
	}
	return ""
}

func allKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func diffKeys[V any](kind string, want, got map[string]V) string {
	for _, id := range allKeys(want) {
		if _, ok := got[id]; !ok {
			return fmt.Sprintf("%s %s is missing", kind, id)
		}
	}
	for _, id := range allKeys(got) {
		if _, ok := want[id]; !ok {
			return fmt.Sprintf("%s %s was not there before", kind, id)
		}
	}
	return ""
}
