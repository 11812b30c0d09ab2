package area

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"shardmud/world"
)

// The game's fields of area files: item stats, NPC combat and shops, room
// flags. They are read after the names are known, so that a shop may sell
// an item of another area.

// number reads an optional whole number within [lo, hi].
func number(file string, n *yaml.Node, name string, lo, hi int, errs *errorList) int {
	if n == nil {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if n.Kind != yaml.ScalarNode || err != nil || v < lo || v > hi {
		errs.add(file, n.Line, fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi))
		return 0
	}
	return v
}

func dice(file string, n *yaml.Node, name string, errs *errorList) world.Dice {
	if n == nil {
		return world.Dice{}
	}
	d, err := world.ParseDice(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		errs.add(file, n.Line, fmt.Sprintf("%s must be dice like 2d6+1", name))
	}
	return d
}

// itemGame reads an item prototype's game fields into p.
func itemGame(file string, f map[string]*yaml.Node, p *world.ItemProto, errs *errorList) {
	if n := f["slot"]; n != nil {
		p.Slot = strings.ToLower(text(file, n, errs).value)
		if !world.ValidSlot(p.Slot) {
			errs.add(file, n.Line, fmt.Sprintf("slot %q is not one of %s", p.Slot, strings.Join(world.Slots, ", ")))
		}
	}
	p.Damage = dice(file, f["damage"], "damage", errs)
	p.Armor = number(file, f["armor"], "armor", -100, 100, errs)
	p.Weight = number(file, f["weight"], "weight", 0, 100000, errs)
	p.Value = number(file, f["value"], "value", 0, 10000000, errs)
	p.Capacity = number(file, f["capacity"], "capacity", 0, 100000, errs)
	eachEntry(file, f["bonus"], errs, func(key str, v *yaml.Node) {
		if !contains(world.BonusNames, key.value) {
			errs.add(file, key.line, fmt.Sprintf("bonus %q is not one of %s", key.value, strings.Join(world.BonusNames, ", ")))
			return
		}
		if p.Bonus == nil {
			p.Bonus = make(map[string]int)
		}
		p.Bonus[key.value] = number(file, v, "bonus "+key.value, -1000, 1000, errs)
	})
	if p.Damage != (world.Dice{}) && p.Slot != "wield" {
		errs.add(file, f["damage"].Line, "damage is for weapons: give the item slot: wield")
	}
}

// mobGame reads an NPC prototype's game fields into p; area qualifies
// the shop's item references.
func mobGame(file, area string, f map[string]*yaml.Node, p *world.MobProto, items map[string]*world.ItemProto, errs *errorList) {
	p.Level = 1
	if f["level"] != nil {
		p.Level = number(file, f["level"], "level", 1, 100, errs)
	}
	p.Damage = dice(file, f["damage"], "damage", errs)
	p.Armor = number(file, f["armor"], "armor", -100, 100, errs)
	p.Gold = number(file, f["gold"], "gold", 0, 10000000, errs)
	p.Aggressive = flag(file, f["aggressive"], "aggressive", errs)
	for _, ref := range list(file, f["items"], errs) {
		id := world.Qualify(area, ref.value)
		if items[id] == nil {
			errs.add(file, ref.line, fmt.Sprintf("the NPC carries %q, which is not an item prototype", ref.value))
			continue
		}
		p.Items = append(p.Items, id)
	}
	n := f["shop"]
	if n == nil {
		return
	}
	sf := fields(file, n, errs, "sells", "markup", "buys")
	shop := &world.Shop{Sells: make(map[string]int), Markup: 120, Buys: 50}
	if sf["markup"] != nil {
		shop.Markup = number(file, sf["markup"], "markup", 1, 10000, errs)
	}
	if sf["buys"] != nil {
		shop.Buys = number(file, sf["buys"], "buys", 0, 100, errs)
	}
	eachEntry(file, sf["sells"], errs, func(key str, v *yaml.Node) {
		id := world.Qualify(area, key.value)
		if items[id] == nil {
			errs.add(file, key.line, fmt.Sprintf("the shop sells %q, which is not an item prototype", key.value))
			return
		}
		shop.Sells[id] = number(file, v, "stock of "+key.value, 1, 10000, errs)
	})
	p.Shop = shop
}

// roomFlags reads a room's flags list.
func roomFlags(file string, n *yaml.Node, errs *errorList) world.RoomFlags {
	var fl world.RoomFlags
	for _, f := range list(file, n, errs) {
		switch f.value {
		case "pvp":
			fl.PvP = true
		case "peaceful":
			fl.Peaceful = true
		default:
			errs.add(file, f.line, fmt.Sprintf("%q is not a room flag (pvp, peaceful)", f.value))
		}
	}
	return fl
}
