package world_test

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"shardmud/data"
	"shardmud/world"
	"shardmud/world/area"
)

// fuzzBlueprint is the built-in world, loaded once for all fuzz inputs.
var fuzzBlueprint = sync.OnceValues(func() (*world.Blueprint, error) { return area.Load(data.FS) })

// FuzzDo sends random command lines through a world: whatever is typed,
// nothing panics and a line with anything in it gets some answer (a line
// that does nothing silently leaves the player guessing).
func FuzzDo(f *testing.F) {
	for _, s := range []string{
		"look", "l", "n", "go north", "get all", "get 2.stick", "get all.stick", "drop all",
		"give stick bob", "give stick to bob", "say hello", "'hi", "emote waves", ": grins",
		"tell bob psst", "tell nobody x", "chat hi", "who", "inv", "i", "examine stick",
		"look in fountain", "put stick in fountain", "kill crier", "k bob", "flee", "wimpy 5",
		"sleep", "wake", "rest", "stand", "wear all", "wield stick", "remove all", "eq",
		"list", "buy bread", "sell stick", "value stick", "follow bob", "group", "ungroup",
		"channels", "channels chat off", "newbie help", "colour off", "prompt %h>",
		"smile bob", "socials", "help", "help score", "help 2.", "?", "score", "open north",
		"lock east", "use stick", "quit", "xyzzy", "g", "t bob hi", "all.", "2.", ".",
		"\x00\xff", "say \u202e", strings.Repeat("a", 5000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		bp, err := fuzzBlueprint()
		if err != nil {
			t.Fatal(err)
		}
		w, err := world.New(world.Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: &fakeHost{departed: map[string]world.PlayerRecord{}}, LinkDeadTicks: 50}, bp)
		if err != nil {
			t.Fatal(err)
		}
		alink := &fakeLink{}
		alice := w.Enter(world.PlayerRecord{Name: "Alice", Stats: world.NewStats()}, alink)
		w.Enter(world.PlayerRecord{Name: "Bob", Stats: world.NewStats()}, &fakeLink{})
		alink.lines = nil
		w.Do(alice, line)
		w.Tick()
		if strings.TrimSpace(line) != "" && len(alink.lines) == 0 {
			t.Fatalf("%q got no answer", line)
		}
	})
}
