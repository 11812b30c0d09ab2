package engine

import (
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"shardmud/scripts"
)

// gameWorld is a small arena: a shop, a training dummy that barely fights
// back, and a boss behind it whose Lua hooks make it deadly.
func gameWorld(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.CombatRound = 40 * time.Millisecond
	cfg.World = fstest.MapFS{
		"world.yaml": {Data: []byte("name: Arena\nstart: a.gate\nrecall: a.shrine\n")},
		"areas/a.yaml": {Data: []byte(`area: a
rooms:
  gate:
    name: Arena Gate
    desc: Sand and banners.
    exits: {north: shop, east: pit, south: shrine}
    flags: [peaceful]
  shrine:
    name: The Shrine
    desc: A quiet shrine where the fallen wake.
    exits: {north: gate}
    flags: [peaceful]
  shop:
    name: The Armoury
    desc: Racks of blades.
    exits: {south: gate}
    mobs: [armourer]
    flags: [peaceful]
  pit:
    name: The Training Pit
    desc: A dummy on a post.
    exits: {west: gate, east: lair}
    mobs: [dummy]
  lair:
    name: The Lair
    desc: Bones everywhere.
    exits: {west: pit}
    mobs: [ogre]
items:
  blade:
    short: a keen blade
    keywords: [blade, keen]
    slot: wield
    damage: 3d4+2
    value: 20
  helm:
    short: an iron helm
    keywords: [helm, iron]
    slot: head
    armor: 2
    value: 5
mobs:
  armourer:
    short: the armourer
    keywords: [armourer]
    shop: {sells: {blade: 2, helm: 2}, markup: 100, buys: 50}
  dummy:
    short: a straw dummy
    keywords: [dummy, straw]
    level: 3
    damage: 1d1-1   # one point a blow, the least there is
    script: dummy
  ogre:
    short: the ogre chief
    keywords: [ogre, chief]
    level: 8
    damage: 4d6+10
    script: ogre
`)},
	}
	cfg.Scripts = fstest.MapFS{"a/dummy.lua": {Data: []byte(`
function on_death(npc, killer) npc.room:send("Straw scatters everywhere. Well struck, " .. killer.name .. "!") end
`)}, "a/ogre.lua": {Data: []byte(`
function on_attacked(npc, attacker) npc:say("You will make a fine stew, " .. attacker.name .. ".") end
function on_damaged(npc, attacker, amount) return 0 end -- nothing hurts the chief
function on_damage(npc, victim, amount)
  victim:send("The chief's club comes down like a tree!")
  return amount
end
`)}}
	return cfg
}

// A new player buys and wears gear, kills an NPC and levels up, dies to
// the boss, wakes at the shrine and takes everything back from the corpse.
func TestPlayerLife(t *testing.T) {
	t.Parallel()
	srv := startServer(t, gameWorld(t))
	hero := login(t, srv, "hero")
	hero.send("score")
	hero.expect("Gold 30")

	hero.send("north")
	hero.expect("The Armoury")
	hero.send("list")
	hero.expect("a keen blade")
	hero.send("buy blade")
	hero.expect("You buy a keen blade from the armourer for 20 gold.")
	hero.send("buy helm")
	hero.expect("You buy an iron helm from the armourer for 5 gold.")
	hero.send("wield blade")
	hero.expect("You wield a keen blade.")
	hero.send("wear helm")
	hero.expect("You wear an iron helm on your head.")
	hero.send("equipment")
	hero.expect("an iron helm")
	hero.send("score")
	hero.expect("Armour 2")

	hero.send("south")
	hero.send("east")
	hero.expect("The Training Pit")
	hero.send("consider dummy")
	hero.expect("looks dangerous")
	hero.send("kill dummy")
	hero.expect("Straw scatters everywhere. Well struck, Hero!")
	hero.expect("A straw dummy is dead!")
	hero.expect("You receive 110 experience.")
	hero.expect("You rise to level 2!")
	hero.send("score")
	hero.expect("of level 2")

	hero.send("east")
	hero.expect("The Lair")
	hero.send("kill ogre")
	hero.expect(`The ogre chief says, "You will make a fine stew, Hero."`)
	hero.expect("The chief's club comes down like a tree!")
	hero.expect("You are DEAD!")
	hero.expect("You wake in The Shrine")
	hero.send("inventory")
	hero.expect("You are carrying nothing.")
	hero.send("equipment")
	hero.expect("You are using nothing.")

	hero.send("north")
	hero.send("east")
	hero.send("east")
	hero.expect("The corpse of Hero lies here.")
	hero.send("get all corpse")
	hero.expect("You get a keen blade from the corpse of Hero.")
	hero.expect("You get an iron helm from the corpse of Hero.")
	hero.send("wield blade")
	hero.expect("You wield a keen blade.")
}

// The built-in world's boss, with its Lua: it speaks when attacked, and
// sends a new character to the chapel (before its freezing third blow, as
// a rule; TestPlayerLife covers on_damage, on_damaged and on_death).
func TestBuiltinBoss(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Scripts = scripts.FS
	cfg.CombatRound = 40 * time.Millisecond
	srv := startServer(t, cfg)
	ada := login(t, srv, "ada") // the first character: an admin, who can go there
	ada.send("goto whisperwood.tower_vault")
	ada.expect("A barrow wight stands among the empty niches")
	ada.send("kill wight")
	ada.expect(`The barrow wight says, "Who dares wake the captain of the watch?"`)
	ada.expect("You are DEAD!")
	ada.expect("Chapel of the Quiet Flame")
}

// heal has c sleep until its hit points are full, then wake: between the
// fights of a long test, so that none of them is a gamble.
func (c *client) heal() {
	c.t.Helper()
	c.send("sleep")
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.send("score")
		c.expect("Hit points ")
		line := c.expect("Mana")
		var hp, most int
		if _, err := fmt.Sscanf(line, "%d/%d", &hp, &most); err != nil {
			c.t.Fatalf("%s: score reads %q: %v", c.name, line, err)
		}
		if hp >= most {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: still at %d/%d hit points after sleeping", c.name, hp, most)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.send("wake")
	c.expect("You wake and stand up.")
}

// A new player's life in the built-in world, as players live it: not an
// admin (ada, the first character, is), it buys gear from the smith with
// its starting gold, wears it, kills villagers until it rises a level,
// fights the wolf that waylays it in the wood, dies to the barrow wight
// and takes its belongings back from its corpse in the vault.
func TestPlayerLifeInTheBuiltinWorld(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Scripts = scripts.FS
	cfg.CombatRound = 40 * time.Millisecond
	srv := startServer(t, cfg)
	login(t, srv, "ada") // the first character is an admin
	hero := login(t, srv, "hero")
	hero.send("goto thornwick.chapel")
	hero.expect("Huh?") // not an admin
	hero.send("score")
	hero.expect("Gold 30")

	hero.send("north")
	hero.expect("Market Lane")
	hero.send("west")
	hero.expect("Hobb's Smithy")
	hero.send("list")
	hero.expect("a dagger")
	hero.send("buy dagger")
	hero.expect("You buy a dagger from Hobb the blacksmith for 12 gold.")
	hero.send("buy cap")
	hero.expect("You buy a leather cap from Hobb the blacksmith for 9 gold.")
	hero.send("wield dagger")
	hero.expect("You wield a dagger.")
	hero.send("wear cap")
	hero.expect("You wear a leather cap on your head.")
	hero.send("score")
	hero.expect("Armour 1  Gold 9")

	// Four villagers of level 1, 30 experience each: level 2 needs 100.
	hero.send("east")
	hero.send("south")
	hero.expect("Thornwick Square")
	for i, v := range []struct{ walk, target, dead string }{
		{"", "crier", "The town crier is dead!"},
		{"west", "", ""}, {"west", "sexton", "Old Ned the sexton is dead!"},
		{"west", "keeper", "Sister Elowen is dead!"},
		{"east", "", ""}, {"east", "", ""}, {"south", "innkeeper", "Tobias the innkeeper is dead!"},
	} {
		if v.walk != "" {
			hero.send(v.walk)
		}
		if v.target == "" {
			continue
		}
		hero.heal()
		hero.send("kill " + v.target)
		hero.expect(v.dead)
		hero.expect("You receive 30 experience.")
		if i == 6 {
			hero.expect("You rise to level 2!")
		}
		hero.send("get all corpse") // villagers carry nothing
		hero.expect("is empty")
	}
	hero.send("score")
	hero.expect("of level 2")
	hero.heal()

	// Into the wood: the wolf attacks on the trail; it has to be fought.
	hero.send("north")
	hero.expect("West Lane")
	hero.send("east")
	hero.expect("Thornwick Square")
	for _, room := range []string{"East Road", "The Wood Gate", "", "", "", "", ""} {
		hero.send("east")
		if room != "" {
			hero.expect(room)
		}
	}
	hero.expect("A grey wolf attacks you!")
	hero.expect("A grey wolf is dead!")
	hero.send("get all corpse")
	hero.expect("You get 3 gold coins from the corpse of a grey wolf.")
	hero.send("score")
	hero.expect("Gold 12")

	// The lever opens the vault; the wight is too much for level 2.
	hero.send("north")
	hero.send("north")
	hero.send("up")
	hero.send("pull lever")
	hero.expect("You throw your weight on the lever.")
	hero.send("down")
	hero.send("down")
	hero.send("north")
	hero.expect("A barrow wight stands among the empty niches")
	hero.send("kill wight")
	hero.expect(`The barrow wight says, "Who dares wake the captain of the watch?"`)
	hero.expect("You are DEAD!")
	hero.expect("You wake in Chapel of the Quiet Flame")
	hero.send("equipment")
	hero.expect("You are using nothing.")

	// Back to the vault for the corpse.
	for _, d := range []string{"east", "east", "east", "east", "east", "east", "east", "east", "east", "east", "north", "north", "up"} {
		hero.send(d)
	}
	hero.expect("Lever Landing")
	hero.send("pull lever") // the door may have shut meanwhile
	hero.send("down")
	hero.send("down")
	hero.send("north")
	hero.expect("The corpse of Hero lies here.")
	hero.send("get all corpse")
	hero.expect("You get a dagger from the corpse of Hero.")
	hero.expect("You get a leather cap from the corpse of Hero.")
	hero.send("wield dagger")
	hero.expect("You wield a dagger.")
}
