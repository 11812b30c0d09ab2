package engine

import (
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
