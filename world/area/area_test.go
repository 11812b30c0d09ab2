package area

import (
	"strings"
	"testing"
	"testing/fstest"

	"shardmud/data"
	"shardmud/world"
)

func TestLoadDefaultWorld(t *testing.T) {
	bp, err := Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(bp.Areas) < 2 || len(bp.Rooms) < 25 {
		t.Fatalf("default world has %d areas and %d rooms, want at least 2 and 25", len(bp.Areas), len(bp.Rooms))
	}
	if bp.Rooms[bp.Start] == nil {
		t.Fatalf("start room %q missing", bp.Start)
	}
	if len(bp.Mobs) == 0 || len(bp.Items) == 0 || len(bp.Help) == 0 {
		t.Fatalf("default world lacks mobs (%d), items (%d) or help (%d)", len(bp.Mobs), len(bp.Items), len(bp.Help))
	}
}

const worldFile = "name: Test\nstart: town.square\n"

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, area, want string
	}{
		{"unknown exit target", `area: town
rooms:
  square:
    name: Square
    exits:
      north: nowhere
`, `areas/town.yaml:6: exit north of room square leads to "nowhere"`},
		{"bad direction", `area: town
rooms:
  square:
    name: Square
    exits:
      sideways: square
`, `areas/town.yaml:6: "sideways" is not a direction`},
		{"typo in key", `area: town
rooms:
  square:
    nmae: Square
`, `areas/town.yaml:4: unknown key "nmae"`},
		{"missing item proto", `area: town
rooms:
  square:
    name: Square
    items: [lamp]
`, `areas/town.yaml:5: room square places item "lamp", which is not defined`},
		{"syntax error", "area: town\nrooms: [\n", "areas/town.yaml: "},
		{"bad shard", "area: town\nrooms:\n  square:\n    name: S\n    exits: {north: 'far away:town.square'}\n", `areas/town.yaml:5: exit north of room square leads to shard "far away": a shard name is 1 to 64 letters`},
		{"empty shard", "area: town\nrooms:\n  square:\n    name: S\n    exits: {north: ':town.square'}\n", `areas/town.yaml:5: exit north of room square leads to shard ""`},
		{"bad slot", "area: town\nrooms:\n  square:\n    name: S\nitems:\n  hat:\n    short: a hat\n    keywords: [hat]\n    slot: tail\n", `areas/town.yaml:9: slot "tail" is not one of light, head`},
		{"bad dice", "area: town\nrooms:\n  square:\n    name: S\nitems:\n  axe:\n    short: an axe\n    keywords: [axe]\n    slot: wield\n    damage: 2x6\n", `areas/town.yaml:10: damage must be dice like 2d6+1`},
		{"huge dice", "area: town\nrooms:\n  square:\n    name: S\nmobs:\n  ogre:\n    short: an ogre\n    keywords: [ogre]\n    damage: 999999d6\n", `areas/town.yaml:9: damage must be dice`},
		{"damage on a hat", "area: town\nrooms:\n  square:\n    name: S\nitems:\n  hat:\n    short: a hat\n    keywords: [hat]\n    slot: head\n    damage: 1d4\n", `damage is for weapons`},
		{"unknown bonus", "area: town\nrooms:\n  square:\n    name: S\nitems:\n  hat:\n    short: a hat\n    keywords: [hat]\n    bonus: {luck: 3}\n", `areas/town.yaml:9: bonus "luck" is not one of`},
		{"level too high", "area: town\nrooms:\n  square:\n    name: S\nmobs:\n  god:\n    short: a god\n    keywords: [god]\n    level: 1000\n", `areas/town.yaml:9: level must be a whole number from 1 to 100`},
		{"shop sells nothing real", "area: town\nrooms:\n  square:\n    name: S\nmobs:\n  smith:\n    short: a smith\n    keywords: [smith]\n    shop: {sells: {unicorn: 1}}\n", `the shop sells "unicorn", which is not an item prototype`},
		{"bad room flag", "area: town\nrooms:\n  square:\n    name: S\n    flags: [bouncy]\n", `areas/town.yaml:5: "bouncy" is not a room flag`},
		{"NPC carries an unknown item", "area: town\nrooms:\n  square:\n    name: S\nmobs:\n  guard:\n    short: a guard\n    items: [nothing]\n", `areas/town.yaml:8: the NPC carries "nothing", which is not an item prototype`},
		{"bad reset mode", "area: town\nreset_mode: sometimes\nrooms:\n  square:\n    name: S\n", `areas/town.yaml:2: reset_mode must be always, empty or never`},
		{"reset without unit", "area: town\nreset: 10\nrooms:\n  square:\n    name: S\n", `areas/town.yaml:2: reset must be a duration of at least a second`},
		{"negative reset", "area: town\nreset: -5m\nrooms:\n  square:\n    name: S\n", `areas/town.yaml:2: reset must be a duration`},
		{"reset as a list", "area: town\nreset: [1m]\nrooms:\n  square:\n    name: S\n", `areas/town.yaml:2:`},
		{"area id mismatch", "area: city\nrooms:\n  square:\n    name: S\n", `areas/town.yaml:1: area id "city" must match`},
		{"bad room key", "area: town\nrooms:\n  Big Square:\n    name: S\n", `areas/town.yaml:3: key "Big Square"`},
		{"proto without keywords", "area: town\nrooms:\n  square:\n    name: S\nitems:\n  lamp:\n    short: a lamp\n", "areas/town.yaml:7: item lamp has no keywords"},
		{"not a mapping", "- a\n- b\n", "areas/town.yaml:1: the file must be a mapping"},
		{"duplicate key", "area: town\nrooms:\n  square:\n    name: S\n    name: T\n", `areas/town.yaml:5: key "name" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"world.yaml":      {Data: []byte(worldFile)},
				"areas/town.yaml": {Data: []byte(tt.area)},
			}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadCrossAreaExitsAndSpawns(t *testing.T) {
	fsys := fstest.MapFS{
		"world.yaml": {Data: []byte(worldFile)},
		"areas/town.yaml": {Data: []byte(`area: town
rooms:
  square:
    name: Square
    exits: {east: forest.edge}
    items: [lamp, lamp]
    mobs: [forest.fox]
items:
  lamp: {short: a lamp, keywords: [lamp]}
`)},
		"areas/forest.yaml": {Data: []byte(`area: forest
rooms:
  edge:
    name: Edge
    exits: {west: town.square}
mobs:
  fox: {short: a fox, keywords: [fox]}
`)},
	}
	bp, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	sq := bp.Rooms["town.square"]
	if sq.Exits[world.East] == nil || sq.Exits[world.East].To != bp.Rooms["forest.edge"] {
		t.Fatal("east exit not linked to forest.edge")
	}
	if len(sq.Spawns) != 3 {
		t.Fatalf("spawns = %v, want two lamps and a fox", sq.Spawns)
	}
	if bp.Items["town.lamp"].Long != "A lamp is here." {
		t.Fatalf("default long line = %q", bp.Items["town.lamp"].Long)
	}
}

func FuzzParseArea(f *testing.F) {
	seeds, _ := data.FS.ReadFile("areas/thornwick.yaml")
	f.Add(string(seeds))
	f.Add("area: town\nrooms:\n  a:\n    name: A\n    exits: {north: a}\n")
	f.Add("a: &a [*a, *a]\n")
	f.Add("area: [\n")
	f.Add("area: town\nrooms:\n  a:\n    name: A\n    exits: {north: 'far:b.c', up: {to: 'far:', door: true}, east: ':x'}\n")
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{
			"world.yaml":      {Data: []byte("start: town.a\n")},
			"areas/town.yaml": {Data: []byte(src)},
		}
		bp, err := Load(fsys)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "load world: ") {
				t.Fatalf("unexpected error form: %v", err)
			}
			return
		}
		// A world that loads must build.
		for _, r := range bp.Rooms {
			for _, ex := range r.Exits {
				if ex != nil && ex.To == nil && !world.ValidShard(ex.Shard) {
					t.Fatal("exit with no target")
				}
			}
		}
	})
}

func TestReflow(t *testing.T) {
	tests := []struct{ in, want string }{
		{"one\ntwo\n", "one two"},
		{"para one\ncontinues\n\npara two\n", "para one continues\n\npara two"},
		{"text\n  | a sign |\n  | kept |\nmore\n", "text\n  | a sign |\n  | kept |\nmore"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := reflow(tt.in); got != tt.want {
			t.Errorf("reflow(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestResetIntervals(t *testing.T) {
	for src, want := range map[string]string{"": DefaultReset.String(), "reset: never\n": "0s", "reset: 90s\n": "1m30s"} {
		fsys := fstest.MapFS{
			"world.yaml":      {Data: []byte(worldFile)},
			"areas/town.yaml": {Data: []byte("area: town\n" + src + "rooms:\n  square:\n    name: S\n")},
		}
		bp, err := Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got := bp.Areas[0].Reset.String(); got != want {
			t.Errorf("%q: reset %s, want %s", src, got, want)
		}
	}
}

func TestResetModes(t *testing.T) {
	for src, want := range map[string]world.ResetMode{
		"":                                  world.ResetAlways,
		"reset_mode: always\n":              world.ResetAlways,
		"reset_mode: empty\n":               world.ResetEmpty,
		"reset_mode: never\n":               world.ResetNever,
		"reset: never\n":                    world.ResetNever,
		"reset: never\nreset_mode: empty\n": world.ResetNever, // no interval: nothing to wait for
	} {
		fsys := fstest.MapFS{
			"world.yaml":      {Data: []byte(worldFile)},
			"areas/town.yaml": {Data: []byte("area: town\n" + src + "rooms:\n  square:\n    name: S\n")},
		}
		bp, err := Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got := bp.Areas[0].Mode(); got != want {
			t.Errorf("%q: mode %s, want %s", src, got, want)
		}
		out, err := Marshal(bp.Areas[0], bp.Items, bp.Mobs)
		if err != nil {
			t.Fatal(err)
		}
		fsys["areas/town.yaml"] = &fstest.MapFile{Data: out}
		if bp, err = Load(fsys); err != nil {
			t.Fatalf("%q: the export does not load: %v\n%s", src, err, out)
		}
		if got := bp.Areas[0].Mode(); got != want {
			t.Errorf("%q: mode %s after an export, want %s:\n%s", src, got, want, out)
		}
	}
}

// An exit to shard:room is a portal: no room here, the target kept as
// written (the other shard checks it), doors allowed; it survives export.
func TestPortalExits(t *testing.T) {
	fsys := fstest.MapFS{
		"world.yaml": {Data: []byte(worldFile)},
		"areas/town.yaml": {Data: []byte(`area: town
rooms:
  square:
    name: Square
    exits:
      north: west:town.square
      up: {to: "west:", door: true, closed: true}
      east: square
`)},
	}
	bp, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	sq := bp.Rooms["town.square"]
	north, up := sq.Exits[world.North], sq.Exits[world.Up]
	if !north.Portal() || north.To != nil || north.Shard != "west" || north.Remote != "town.square" {
		t.Fatalf("north = %+v, want a portal to west:town.square", north)
	}
	if !up.Portal() || up.Remote != "" || !up.Door || !up.Closed || up.Target() != "west:" {
		t.Fatalf("up = %+v, want a closed door to west's start room", up)
	}
	if sq.Exits[world.East].Portal() {
		t.Fatal("a plain exit is no portal")
	}
	out := exportWorld(t, bp)
	out["world.yaml"] = fsys["world.yaml"]
	again, err := Load(out)
	if err != nil {
		t.Fatalf("exported portals do not load: %v", err)
	}
	if d := diffBlueprints(bp, again); d != "" {
		t.Fatal(d)
	}
	if got := again.Rooms["town.square"].Exits[world.Up]; got.Target() != "west:" || !got.Closed {
		t.Fatalf("up after export = %+v", got)
	}
}
