package world

import (
	"fmt"
	"strings"

	"shardmud/world/markup"
)

// Equipment and containers. Wearing moves nothing: a worn item stays in
// its holder's Items with Slot set, so saving, giving and dying need no
// second list, and Slot is the only thing to keep right. Every rule that
// asks "what does p carry" (inventory, drop, give, put, sell) means the
// unworn items: see carried.

// Limits of carrying.
const (
	// A character of strength 13 carries carryBase weight, carryPerStr
	// more for each point above (less below), never under carryMin.
	carryBase   = 50
	carryPerStr = 10
	carryMin    = 10
	// maxContainerItems is the most items a container takes by put,
	// whatever their weight: it bounds a container's listing.
	maxContainerItems = 50
)

// slotText is how each wear slot reads: label in the equipment list, the
// verb for putting something there and where it goes, as its wearer hears
// it ("your" becomes "their" for the room).
var slotText = map[string]struct{ label, verb, where string }{
	"light":  {"used as light", "hold", "as a light"},
	"head":   {"worn on head", "wear", "on your head"},
	"neck":   {"worn around neck", "wear", "around your neck"},
	"body":   {"worn on body", "wear", "on your body"},
	"about":  {"worn about body", "wear", "about your body"},
	"arms":   {"worn on arms", "wear", "on your arms"},
	"hands":  {"worn on hands", "wear", "on your hands"},
	"finger": {"worn on finger", "wear", "on your finger"},
	"waist":  {"worn about waist", "wear", "about your waist"},
	"legs":   {"worn on legs", "wear", "on your legs"},
	"feet":   {"worn on feet", "wear", "on your feet"},
	"shield": {"worn as shield", "wear", "as a shield"},
	"wield":  {"wielded", "wield", ""},
	"hold":   {"held", "hold", "in your hand"},
}

func equipCommands() []*Command {
	return []*Command{
		{Name: "wear", Usage: "wear <item> | wear all",
			Help: "Puts on something you carry, in the place it is made for: a cap on your head, a sword in your hand. 'wear all' puts on everything that has a free place. One thing per place; 'equipment' shows what you use.",
			Run:  cmdWear},
		{Name: "wield", Usage: "wield <weapon>",
			Help: "Takes a weapon you carry in hand to fight with. You wield one weapon at a time.",
			Run:  cmdWield},
		{Name: "remove", Usage: "remove <item> | remove <place> | remove all",
			Help: "Stops using something you wear or wield; it goes back among what you carry. Name the item or its place: " + strings.Join(Slots, ", ") + ".",
			Run:  cmdRemove},
		{Name: "equipment", Aliases: []string{"eq"}, Usage: "equipment",
			Help: "Lists what you wear and wield, place by place.",
			Run:  cmdEquipment},
		{Name: "put", Usage: "put <item> [in] <container> | put all[.<item>] [in] <container>",
			Help: fmt.Sprintf("Puts something you carry into a container you carry or that is here. A container holds a limited weight, and at most %d things.", maxContainerItems),
			Run:  cmdPut},
	}
}

// Worn reports whether its holder wears or wields it.
func (it *Item) Worn() bool { return it.Slot != "" }

// carried is the part of items that is not worn, in order: what a
// character has in its hands and pack.
func carried(items []*Item) []*Item {
	out := make([]*Item, 0, len(items))
	for _, it := range items {
		if !it.Worn() {
			out = append(out, it)
		}
	}
	return out
}

// Equipped is what p uses in slot, nil if nothing.
func (p *Player) Equipped(slot string) *Item { return equipped(p.Items, slot) }

// Equipped is what m uses in slot, nil if nothing.
func (m *Mobile) Equipped(slot string) *Item { return equipped(m.Items, slot) }

func equipped(items []*Item, slot string) *Item {
	for _, it := range items {
		if it.Slot == slot {
			return it
		}
	}
	return nil
}

// Weapon is what p wields, nil if it fights bare-handed.
func (p *Player) Weapon() *Item { return p.Equipped("wield") }

// Bonus is what p's worn items add to one of BonusNames.
func (p *Player) Bonus(name string) int {
	n := 0
	for _, it := range p.Items {
		if it.Worn() {
			n += it.Proto.Bonus[name]
		}
	}
	return n
}

// ArmorClass is how hard p is to hit: the armour of what it wears plus
// what its dexterity (worn bonuses included) gives. Higher is better; an
// average character in nothing has 0.
func (p *Player) ArmorClass() int {
	return armorOf(p.Items) + statBonus(p.Stats.Dex+p.Bonus("dex"))
}

// ArmorClass is how hard m is to hit: its prototype's armour plus that of
// anything it wears.
func (m *Mobile) ArmorClass() int { return m.Proto.Armor + armorOf(m.Items) }

func armorOf(items []*Item) int {
	n := 0
	for _, it := range items {
		if it.Worn() {
			n += it.Proto.Armor
		}
	}
	return n
}

// CarriedWeight is the weight of everything p has, worn or not, and
// everything in its containers.
func (p *Player) CarriedWeight() int {
	n := 0
	for _, it := range p.Items {
		n += weight(it)
	}
	return n
}

// CarryLimit is the most weight p can carry: carryBase at strength 13
// (worn bonuses included), carryPerStr per point more or less, at least
// carryMin.
func (p *Player) CarryLimit() int {
	return max(carryMin, carryBase+carryPerStr*(p.Stats.Str+p.Bonus("str")-13))
}

// weight is an item's own weight plus that of everything in it.
func weight(it *Item) int {
	n := it.Proto.Weight
	for _, x := range it.Items {
		n += weight(x)
	}
	return n
}

// carriedBy reports whether it is p's, in its hands or in one of its
// containers at any depth.
func carriedBy(it *Item, p *Player) bool {
	h := it.in
	for {
		switch x := h.(type) {
		case *Player:
			return x == p
		case *Item:
			h = x.in
		default:
			return false
		}
	}
}

// canCarry is why p cannot take it ("" if it can): its weight, with what
// it holds, would take p over its limit. What p already has (in a pack)
// weighs nothing more.
func canCarry(p *Player, it *Item) string {
	if carriedBy(it, p) || p.CarriedWeight()+weight(it) <= p.CarryLimit() {
		return ""
	}
	return fmt.Sprintf("%s: you cannot carry that much weight.", capFirst(it.Short()))
}

// within reports whether it is c or lies inside c at any depth.
func within(it, c *Item) bool {
	for h := Holder(it); h != nil; {
		x, ok := h.(*Item)
		if !ok {
			return false
		}
		if x == c {
			return true
		}
		h = x.in
	}
	return false
}

// awake refuses, for a sleeping character, what needs open eyes.
func awake(c *Ctx) bool {
	if c.P.Pos == Sleeping {
		c.Fail("You are asleep: wake up first.")
		return false
	}
	return true
}

// findOwn finds an item p has by what it typed: among what it carries
// first, then among what it wears (worn tells which).
func findOwn(p *Player, arg string) (it *Item, worn bool) {
	q := parseQuery(arg)
	if it, ok := pickOne(carried(p.Items), q); ok {
		return it, false
	}
	if it, ok := pickOne(p.Items, q); ok {
		return it, true
	}
	return nil, false
}

// findNear finds an item p has (worn too) or that lies in the room: where
// containers are.
func findNear(p *Player, arg string) *Item {
	q := parseQuery(arg)
	if it, ok := pickOne(p.Items, q); ok {
		return it
	}
	if it, ok := pickOne(p.Room.Items, q); ok {
		return it
	}
	return nil
}

func cmdWear(c *Ctx) {
	if c.Args == "" {
		c.Send("Wear what?")
		return
	}
	if !awake(c) {
		return
	}
	p := c.P
	if strings.EqualFold(c.Args, "all") {
		n := 0
		for _, it := range carried(p.Items) {
			if ValidSlot(it.Proto.Slot) && p.Equipped(it.Proto.Slot) == nil {
				c.W.wear(p, it)
				n++
			}
		}
		if n == 0 {
			c.Fail("You have nothing more you can wear.")
		}
		return
	}
	it, worn := findOwn(p, c.Args)
	switch {
	case it == nil:
		c.Fail(fmt.Sprintf("You are not carrying %s.", withArticle(markup.Escape(c.Args))))
	case worn:
		c.Fail(fmt.Sprintf("You are already using %s.", it.Short()))
	case !ValidSlot(it.Proto.Slot):
		c.Fail(fmt.Sprintf("You cannot wear %s.", it.Short()))
	default:
		if other := p.Equipped(it.Proto.Slot); other != nil {
			c.Fail(fmt.Sprintf("You are already using %s (%s); remove it first.", other.Short(), slotText[other.Slot].label))
			return
		}
		c.W.wear(p, it)
	}
}

func cmdWield(c *Ctx) {
	if c.Args == "" {
		c.Send("Wield what?")
		return
	}
	if !awake(c) {
		return
	}
	p := c.P
	it, worn := findOwn(p, c.Args)
	switch {
	case it == nil:
		c.Fail(fmt.Sprintf("You are not carrying %s.", withArticle(markup.Escape(c.Args))))
	case worn && it.Slot == "wield":
		c.Fail(fmt.Sprintf("You are already wielding %s.", it.Short()))
	case worn:
		c.Fail(fmt.Sprintf("You are already using %s.", it.Short()))
	case it.Proto.Slot != "wield":
		c.Fail(fmt.Sprintf("You cannot wield %s.", it.Short()))
	default:
		if other := p.Weapon(); other != nil {
			c.Fail(fmt.Sprintf("You are already wielding %s; remove it first.", other.Short()))
			return
		}
		c.W.wear(p, it)
	}
}

// wear puts it, which p carries, in its slot, which is free.
func (w *World) wear(p *Player, it *Item) {
	it.Slot = it.Proto.Slot
	w.touchItem(it)
	t := slotText[it.Slot]
	where := ""
	if t.where != "" {
		where = " " + t.where
	}
	p.Send(fmt.Sprintf("You %s %s%s.", t.verb, it.Short(), where))
	p.Room.sendAbout(p, fmt.Sprintf("%s %ss %s%s.", p.Name, t.verb, it.Short(), strings.ReplaceAll(where, "your", "their")))
}

func cmdRemove(c *Ctx) {
	if c.Args == "" {
		c.Send("Remove what?")
		return
	}
	if !awake(c) {
		return
	}
	p := c.P
	arg := strings.ToLower(c.Args)
	var items []*Item
	switch {
	case arg == "all":
		for _, slot := range Slots {
			if it := p.Equipped(slot); it != nil {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			c.Fail("You are not using anything.")
			return
		}
	case ValidSlot(arg) && p.Equipped(arg) != nil:
		items = []*Item{p.Equipped(arg)}
	default:
		var worn []*Item
		for _, it := range p.Items {
			if it.Worn() {
				worn = append(worn, it)
			}
		}
		it, ok := pickOne(worn, parseQuery(arg))
		if !ok {
			c.Fail(fmt.Sprintf("You are not using %s.", withArticle(markup.Escape(c.Args))))
			return
		}
		items = []*Item{it}
	}
	for _, it := range items {
		it.Slot = ""
		c.W.touchItem(it)
		c.Send(fmt.Sprintf("You stop using %s.", it.Short()))
		p.Room.sendAbout(p, fmt.Sprintf("%s stops using %s.", p.Name, it.Short()))
	}
}

func cmdEquipment(c *Ctx) {
	var b strings.Builder
	b.WriteString("You are using:")
	n := 0
	for _, slot := range Slots {
		if it := c.P.Equipped(slot); it != nil {
			fmt.Fprintf(&b, "\n  %-19s %s", "<"+slotText[slot].label+">", it.Short())
			n++
		}
	}
	if n == 0 {
		c.Send("You are using nothing.")
		return
	}
	c.Send(b.String())
}

// splitIn reads "<what> [in|into|from] <container>" into its two names;
// ok is false if the line does not have that shape.
func splitIn(args string, words ...string) (what, container string, ok bool) {
	f := strings.Fields(args)
	switch {
	case len(f) == 3:
		for _, w := range words {
			if strings.EqualFold(f[1], w) {
				return f[0], f[2], true
			}
		}
	case len(f) == 2:
		return f[0], f[1], true
	}
	return "", "", false
}

// container finds the container p names, near it; on failure it tells p
// why and returns nil.
func container(c *Ctx, name string) *Item {
	it := findNear(c.P, name)
	switch {
	case it == nil:
		c.Fail(fmt.Sprintf("You see no %s here.", markup.Escape(name)))
		return nil
	case it.Proto.Capacity <= 0:
		c.Fail(fmt.Sprintf("%s is not a container.", capFirst(it.Short())))
		return nil
	}
	return it
}

func cmdPut(c *Ctx) {
	what, into, ok := splitIn(c.Args, "in", "into", "inside")
	if !ok {
		c.Send("Put what in what? (put <item> in <container>)")
		return
	}
	if !awake(c) {
		return
	}
	p := c.P
	bag := container(c, into)
	if bag == nil {
		return
	}
	q := parseQuery(what)
	if !q.all {
		it, worn := findOwn(p, what)
		switch {
		case it == nil:
			c.Fail(fmt.Sprintf("You are not carrying %s.", withArticle(markup.Escape(what))))
		case worn:
			c.Fail(fmt.Sprintf("You must stop using %s first.", it.Short()))
		default:
			if why := fits(it, bag); why != "" {
				c.Fail(why)
				return
			}
			c.W.putIn(p, it, bag)
		}
		return
	}
	n := 0
	for _, it := range pick(carried(p.Items), q) {
		if within(bag, it) { // the bag itself, or what holds it
			continue
		}
		if why := fits(it, bag); why != "" {
			c.Send(why)
			if len(bag.Items) >= maxContainerItems {
				return
			}
			continue
		}
		c.W.putIn(p, it, bag)
		n++
	}
	if n == 0 {
		c.Fail(fmt.Sprintf("You have nothing to put in %s.", bag.Short()))
	}
}

// fits is why it cannot go into bag ("" if it can).
func fits(it, bag *Item) string {
	switch {
	case it == bag:
		return fmt.Sprintf("You cannot put %s inside itself.", it.Short())
	case within(bag, it):
		return fmt.Sprintf("You cannot put %s into something it holds.", it.Short())
	case len(bag.Items) >= maxContainerItems:
		return fmt.Sprintf("%s is full.", capFirst(bag.Short()))
	case weight(bag)-bag.Proto.Weight+weight(it) > bag.Proto.Capacity:
		return fmt.Sprintf("%s does not fit in %s.", capFirst(it.Short()), bag.Short())
	}
	return ""
}

func (w *World) putIn(p *Player, it, bag *Item) {
	w.MoveItem(it, bag)
	p.Send(fmt.Sprintf("You put %s in %s.", it.Short(), bag.Short()))
	p.Room.sendAbout(p, fmt.Sprintf("%s puts %s in %s.", p.Name, it.Short(), bag.Short()))
}

// getFrom handles "get <item> from <container>", "get <item> <container>"
// and their "all" and "all.<item>" forms; it reports whether it took the
// command (a plain "get <item>" is cmdGet's).
func getFrom(c *Ctx) bool {
	what, from, ok := splitIn(c.Args, "from")
	if !ok {
		return false
	}
	if strings.EqualFold(from, "from") {
		c.Send(fmt.Sprintf("Get %s from what?", markup.Escape(what)))
		return true
	}
	if !awake(c) {
		return true
	}
	bag := container(c, from)
	if bag == nil {
		return true
	}
	q := parseQuery(what)
	items := pick(bag.Items, q)
	if len(items) == 0 {
		if q.word == "" {
			c.Fail(fmt.Sprintf("%s is empty.", capFirst(bag.Short())))
		} else {
			c.Fail(fmt.Sprintf("There is no %s in %s.", markup.Escape(q.word), bag.Short()))
		}
		return true
	}
	p := c.P
	for _, it := range items {
		if it.Proto.Fixed {
			c.Send(fmt.Sprintf("You cannot take %s.", it.Short()))
			continue
		}
		if why := canCarry(p, it); why != "" {
			c.Send(why)
			continue
		}
		c.W.MoveItem(it, p)
		c.Send(fmt.Sprintf("You get %s from %s.", it.Short(), bag.Short()))
		p.Room.sendAbout(p, fmt.Sprintf("%s gets %s from %s.", p.Name, it.Short(), bag.Short()))
		c.W.hook(it, "on_get", p)
		c.W.pocket(p, it)
	}
	return true
}

// containerText is what examining a container adds under its description:
// a newline and what it holds; "" for an item that is not a container.
func containerText(it *Item) string {
	if it.Proto.Capacity <= 0 {
		return ""
	}
	if len(it.Items) == 0 {
		return fmt.Sprintf("\n%s is empty.", capFirst(it.Short()))
	}
	return fmt.Sprintf("\n%s contains:\n  %s", capFirst(it.Short()), strings.Join(countedList(it.Items), "\n  "))
}

// lookIn is "look in <container>": what the container holds.
func lookIn(c *Ctx, name string) {
	if !awake(c) {
		return
	}
	if bag := container(c, name); bag != nil {
		c.Send(strings.TrimPrefix(containerText(bag), "\n"))
	}
}
