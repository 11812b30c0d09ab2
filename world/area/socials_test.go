package area

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"shardmud/data"
	"shardmud/world"
)

// The socials the game ships with load, through the folder on disk (the
// file as builders edit it) and through the embedded world the server runs.
func TestLoadDefaultSocials(t *testing.T) {
	bp, err := Load(os.DirFS("../../data"))
	if err != nil {
		t.Fatal(err)
	}
	checkDefaultSocials(t, bp.Socials)

	if _, err := fs.Stat(data.FS, socialsFile); err != nil {
		t.Skip("data/embed.go does not embed socials.yaml yet")
	}
	bp, err = Load(data.FS)
	if err != nil {
		t.Fatal(err)
	}
	checkDefaultSocials(t, bp.Socials)
}

func checkDefaultSocials(t *testing.T, socials []world.Social) {
	t.Helper()
	if len(socials) < 20 {
		t.Fatalf("%d socials, want at least 20", len(socials))
	}
	byName := make(map[string]world.Social)
	for _, s := range socials {
		byName[s.Name] = s
	}
	for _, name := range []string{"smile", "nod", "wave", "bow", "laugh", "grin", "shrug", "sigh", "cheer", "clap",
		"frown", "hug", "poke", "wink", "dance", "cry", "thank", "applaud", "yawn", "ponder"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no social %q", name)
		}
	}
	if s := byName["smile"]; s.ToOthers != "$n smiles at $N." {
		t.Errorf("smile's others message = %q", s.ToOthers)
	}
}

// A social the world would leave out for taking a command's name is a
// mistake in the data: it fails here rather than silently in the game.
func TestDefaultSocialsTakeNoCommandNames(t *testing.T) {
	bp, err := Load(os.DirFS("../../data"))
	if err != nil {
		t.Fatal(err)
	}
	socials := bp.Socials
	bp.Socials = nil // the table as it is before socials join it
	w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: nopHost{}}, bp)
	if err != nil {
		t.Fatal(err)
	}
	taken := make(map[string]string)
	for _, c := range w.Commands() {
		taken[c.Name] = c.Name
		for _, a := range c.Aliases {
			taken[a] = c.Name
		}
	}
	for _, s := range socials {
		if c, ok := taken[s.Name]; ok {
			t.Errorf("social %q is also the command %q's name or alias", s.Name, c)
		}
	}
}

type nopHost struct{}

func (nopHost) Depart(world.PlayerRecord, world.Link, string) {}
func (nopHost) Record(world.Event)                            {}

const goodSocial = `socials:
  smile:
    self: You smile.
    room: $n smiles.
    actor: You smile at $N.
    target: $n smiles at you.
    others: $n smiles at $N.
`

func TestParseSocials(t *testing.T) {
	src := goodSocial + `  tip:
    self: You tip your hat.
    room: "{y$n{x tips a hat: $$1 says it is a fine day."
    actor: You tip your hat to $N.
    target: $n tips a hat to you.
    others: |
      $n tips a hat
      to $N.
`
	var errs errorList
	got := parseSocials(socialsFile, []byte(src), &errs)
	if err := errs.err(); err != nil {
		t.Fatal(err)
	}
	want := []world.Social{
		{Name: "smile", Self: "You smile.", Room: "$n smiles.", ToActor: "You smile at $N.", ToTarget: "$n smiles at you.", ToOthers: "$n smiles at $N."},
		{Name: "tip", Self: "You tip your hat.", Room: "{y$n{x tips a hat: $$1 says it is a fine day.", ToActor: "You tip your hat to $N.",
			ToTarget: "$n tips a hat to you.", ToOthers: "$n tips a hat\nto $N."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d socials, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("social %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// Builders' mistakes and hostile files: each is reported with file and
// line, and none panics.
func TestParseSocialsErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"bad yaml", "socials: [\n", []string{"socials.yaml: "}},
		{"not a mapping", "- smile\n", []string{"socials.yaml:1: the file must be a mapping"}},
		{"no socials key", "emotes: {}\n", []string{`socials.yaml:1: unknown key "emotes"`, "socials.yaml:1: missing socials"}},
		{"socials is a list", "socials: [smile, nod]\n", []string{"socials.yaml:1: expected a mapping of keys to entries"}},
		{"entry is text", "socials:\n  smile: You smile.\n", []string{"socials.yaml:2: expected a mapping with keys self, room, actor, target, others"}},
		{"unknown key", strings.Replace(goodSocial, "    others:", "    other: $n smiles at $N.\n    others:", 1),
			[]string{`socials.yaml:7: unknown key "other"`}},
		{"missing messages", "socials:\n  smile:\n    self: You smile.\n    room: $n smiles.\n",
			[]string{"socials.yaml:3: social smile has no actor", "socials.yaml:3: social smile has no target", "socials.yaml:3: social smile has no others"}},
		{"empty message", strings.Replace(goodSocial, "self: You smile.", `self: "  "`, 1),
			[]string{"socials.yaml:3: social smile has no self"}},
		{"message is a list", strings.Replace(goodSocial, "self: You smile.", "self: [You, smile]", 1),
			[]string{"socials.yaml:3: expected text"}},
		{"unknown placeholder", strings.Replace(goodSocial, "room: $n smiles.", "room: $n smiles at $m.", 1),
			[]string{`socials.yaml:4: social smile, room: unknown placeholder "$m"`}},
		{"unknown placeholder, not ascii", strings.Replace(goodSocial, "room: $n smiles.", "room: $n smiles $é.", 1),
			[]string{`socials.yaml:4: social smile, room: unknown placeholder "$é"`}},
		{"lone dollar", strings.Replace(goodSocial, "room: $n smiles.", "room: $n smiles $", 1),
			[]string{"socials.yaml:4: social smile, room: a lone $ at the end"}},
		{"target without a target", strings.Replace(goodSocial, "self: You smile.", "self: You smile at $N.", 1),
			[]string{"socials.yaml:3: social smile, self: $N names the target, and there is none here"}},
		{"actor not named", strings.Replace(goodSocial, "others: $n smiles at $N.", "others: Someone smiles at $N.", 1),
			[]string{"socials.yaml:7: social smile, others: must name the actor ($n)"}},
		{"target not named", strings.Replace(goodSocial, "actor: You smile at $N.", "actor: You smile.", 1),
			[]string{"socials.yaml:5: social smile, actor: must name the target ($N)"}},
		{"duplicate name", goodSocial + strings.TrimPrefix(goodSocial, "socials:\n"),
			[]string{`socials.yaml:8: "smile" is defined twice`}},
		{"repeated message", strings.Replace(goodSocial, "    room:", "    self: You grin.\n    room:", 1),
			[]string{`socials.yaml:4: key "self" appears twice`}},
		{"name with a space", strings.Replace(goodSocial, "  smile:", "  big smile:", 1),
			[]string{`socials.yaml:2: key "big smile" must be`}},
		{"name with digits", strings.Replace(goodSocial, "  smile:", "  smile2:", 1),
			[]string{`socials.yaml:2: social "smile2": a social's name is the command players type`}},
		{"one-letter name", strings.Replace(goodSocial, "  smile:", "  s:", 1),
			[]string{`socials.yaml:2: social "s"`}},
		{"alias bomb", "a: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nsocials: *a\n", []string{"socials.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"world.yaml":      {Data: []byte(worldFile)},
				"areas/town.yaml": {Data: []byte("area: town\nrooms:\n  square:\n    name: Square\n")},
				socialsFile:       {Data: []byte(tt.src)},
			}
			_, err := Load(fsys)
			if err == nil {
				t.Fatal("loaded without an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error = %v\nwant it to contain %q", err, want)
				}
			}
		})
	}
}

// socials.yaml is optional; an unreadable one is an error, not silence.
func TestSocialsFileOptional(t *testing.T) {
	fsys := fstest.MapFS{
		"world.yaml":      {Data: []byte(worldFile)},
		"areas/town.yaml": {Data: []byte("area: town\nrooms:\n  square:\n    name: Square\n")},
	}
	bp, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(bp.Socials) != 0 {
		t.Fatalf("socials without a file: %v", bp.Socials)
	}
	fsys[socialsFile] = &fstest.MapFile{Data: make([]byte, MaxFileSize+1)}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "socials.yaml: file is") {
		t.Fatalf("oversized file: error = %v", err)
	}
}

func FuzzParseSocials(f *testing.F) {
	seed, _ := os.ReadFile("../../data/socials.yaml")
	f.Add(string(seed))
	f.Add(goodSocial)
	f.Add("socials:\n  smile: {self: $, room: $n$$, actor: $N$N, target: $n, others: $n$N$x}\n")
	f.Add("a: &a [*a, *a]\nsocials: *a\n")
	f.Fuzz(func(t *testing.T, src string) {
		var errs errorList
		socials := parseSocials(socialsFile, []byte(src), &errs)
		if errs.err() != nil {
			return
		}
		for _, s := range socials {
			if !socialNameRE.MatchString(s.Name) || s.Self == "" || s.Room == "" || s.ToActor == "" || s.ToTarget == "" || s.ToOthers == "" {
				t.Fatalf("accepted a bad social: %+v", s)
			}
			for _, msg := range []string{s.Self, s.Room, s.ToActor, s.ToTarget, s.ToOthers} {
				if strings.HasSuffix(strings.ReplaceAll(msg, "$$", ""), "$") {
					t.Fatalf("accepted a lone $ in %q", msg)
				}
			}
		}
	})
}
