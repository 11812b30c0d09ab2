package world

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"shardmud/world/markup"
)

// Shops. A shopkeeper is an NPC whose prototype has a Shop; it sells the
// prototypes in Shop.Sells from its Stock (area resets refill it) and buys
// what players bring for a share of its value. Gold never comes from
// nowhere: a shop pays at most what it would ask for the same thing.

// maxBuy is the most items one buy command buys.
const maxBuy = 20

func shopCommands() []*Command {
	return []*Command{
		{Name: "list", Usage: "list [item]",
			Help: "Asks the shopkeeper here what is for sale: each item's price in gold and how many are left. With an item, lists only what matches.",
			Run:  cmdList},
		{Name: "buy", Usage: "buy <item> [count]",
			Help: "Buys something the shopkeeper here sells ('list' shows what), or several: 'buy bread 3'. You need the gold, and the strength to carry it.",
			Run:  cmdBuy},
		{Name: "sell", Usage: "sell <item>",
			Help: "Sells something you carry to the shopkeeper here, for part of what it is worth ('value' asks how much first). Nobody buys what you are wearing, a container with things in it, or worthless things.",
			Run:  cmdSell},
		{Name: "value", Usage: "value <item>",
			Help: "Asks the shopkeeper here what they would pay for something you carry.",
			Run:  cmdValue},
	}
}

// shopkeeper is the first NPC in r that keeps a shop, nil if none does.
func shopkeeper(r *Room) *Mobile {
	for _, m := range r.Mobs {
		if m.Proto.Shop != nil {
			return m
		}
	}
	return nil
}

// keeperSays is a shopkeeper's reply, as its customer hears it.
func keeperSays(m *Mobile, text string) string {
	return fmt.Sprintf(`%s says, "%s"`, capFirst(m.Proto.Short), text)
}

// ware is one thing a shop sells.
type ware struct {
	proto        *ItemProto
	price, stock int
}

func (g ware) matches(word string) bool { return matches(g.proto.Keywords, word) }

// price is what a shop of markup percent asks for an item: at least 1.
func price(p *ItemProto, markup int) int { return max(1, p.Value*markup/100) }

// wares lists what m sells, cheapest first: the order list shows and buy
// counts "2.sword" in.
func (w *World) wares(m *Mobile) []ware {
	var out []ware
	for id := range m.Proto.Shop.Sells {
		if p := w.items[id]; p != nil { // a prototype deleted since is not for sale
			out = append(out, ware{p, price(p, m.Proto.Shop.Markup), m.Stock[id]})
		}
	}
	slices.SortFunc(out, func(a, b ware) int {
		return cmp.Or(cmp.Compare(a.price, b.price), cmp.Compare(a.proto.Short, b.proto.Short), cmp.Compare(a.proto.ID, b.proto.ID))
	})
	return out
}

// atShop finds the shopkeeper for a trade command; on failure it tells the
// player and returns nil.
func atShop(c *Ctx) *Mobile {
	if !awake(c) {
		return nil
	}
	m := shopkeeper(c.P.Room)
	switch {
	case m == nil:
		c.Fail("There is no shopkeeper here.")
		return nil
	case c.P.foe != nil:
		c.Fail("You are fighting: no time to shop!")
		return nil
	case m.foe != nil:
		c.Fail(fmt.Sprintf("%s is too busy fighting to trade.", capFirst(m.Proto.Short)))
		return nil
	}
	return m
}

func cmdList(c *Ctx) {
	m := atShop(c)
	if m == nil {
		return
	}
	wares := c.W.wares(m)
	if c.Args != "" {
		wares = pick(wares, query{word: strings.ToLower(c.Args), all: true})
	}
	if len(wares) == 0 {
		if c.Args != "" {
			c.Fail(keeperSays(m, fmt.Sprintf("I have no %s for sale.", markup.Escape(c.Args))))
		} else {
			c.Fail(keeperSays(m, "I have nothing for sale."))
		}
		return
	}
	var b strings.Builder
	b.WriteString(keeperSays(m, "Here is what I have for sale:"))
	for _, g := range wares {
		left := "sold out"
		if g.stock > 0 {
			left = strconv.Itoa(g.stock) + " left"
		}
		fmt.Fprintf(&b, "\n  %5d gold  %s (%s)", g.price, g.proto.Short, left)
	}
	c.Send(b.String())
}

// splitCount reads "<item> [n]" or "n <item>" (but not "2.sword", the
// second sword) into the item and the count.
func splitCount(args string) (what string, n int) {
	f := strings.Fields(args)
	if len(f) == 2 {
		if i, err := strconv.Atoi(f[1]); err == nil {
			return f[0], i
		}
		if i, err := strconv.Atoi(f[0]); err == nil {
			return f[1], i
		}
	}
	return args, 1
}

func cmdBuy(c *Ctx) {
	if c.Args == "" {
		c.Send("Buy what? ('list' shows what is for sale.)")
		return
	}
	m := atShop(c)
	if m == nil {
		return
	}
	p := c.P
	what, n := splitCount(c.Args)
	if n < 1 || n > maxBuy {
		c.Fail(keeperSays(m, fmt.Sprintf("I sell from 1 to %d at a time.", maxBuy)))
		return
	}
	g, ok := pickOne(c.W.wares(m), parseQuery(what))
	switch {
	case !ok:
		c.Fail(keeperSays(m, fmt.Sprintf("I have no %s for sale.", markup.Escape(what))))
		return
	case g.stock == 0:
		c.Fail(keeperSays(m, fmt.Sprintf("I am out of %s; come back another day.", g.proto.Short)))
		return
	case g.stock < n:
		c.Fail(keeperSays(m, fmt.Sprintf("I only have %d of %s.", g.stock, g.proto.Short)))
		return
	}
	name := g.proto.Short
	if n > 1 {
		name = fmt.Sprintf("%s (x%d)", name, n)
	}
	cost := g.price * n
	if cost > p.Gold {
		c.Fail(keeperSays(m, fmt.Sprintf("%s costs %d gold, and you have %d.", capFirst(name), cost, p.Gold)))
		return
	}
	if p.CarriedWeight()+g.proto.Weight*n > p.CarryLimit() {
		c.Fail(keeperSays(m, fmt.Sprintf("You could not carry %s.", name)))
		return
	}
	p.Gold -= cost
	c.W.touch(p)
	m.Stock[g.proto.ID] -= n
	c.W.touchMob(m)
	for range n {
		c.W.SpawnItem(p, g.proto.ID) // the prototype exists: wares checked
	}
	c.W.SaveSoon()
	c.Send(fmt.Sprintf("You buy %s from %s for %d gold.", name, m.Proto.Short, cost))
	p.Room.sendAbout(p, fmt.Sprintf("%s buys %s from %s.", p.Name, name, m.Proto.Short))
}

// offer is what m pays for it, or why it will not buy it.
func offer(m *Mobile, it *Item, worn bool) (gold int, refusal string) {
	shop := m.Proto.Shop
	switch {
	case shop.Buys == 0:
		return 0, "I don't buy anything, I only sell."
	case worn:
		return 0, fmt.Sprintf("You are using %s; take it off first.", it.Short())
	case it.Proto.Fixed:
		return 0, fmt.Sprintf("I cannot take %s.", it.Short())
	case len(it.Items) > 0:
		return 0, fmt.Sprintf("Empty %s first.", it.Short())
	}
	gold = min(it.Proto.Value*shop.Buys/100, price(it.Proto, shop.Markup))
	if gold < 1 {
		return 0, fmt.Sprintf("%s is worth nothing to me.", capFirst(it.Short()))
	}
	return gold, ""
}

// forSale finds what a player wants to sell or value; on failure it tells
// the player and returns nil.
func forSale(c *Ctx) (*Mobile, *Item, int) {
	if c.Args == "" {
		c.Send(capFirst(c.Verb) + " what?")
		return nil, nil, 0
	}
	m := atShop(c)
	if m == nil {
		return nil, nil, 0
	}
	it, worn := findOwn(c.P, c.Args)
	if it == nil {
		c.Fail(fmt.Sprintf("You are not carrying %s.", withArticle(markup.Escape(c.Args))))
		return nil, nil, 0
	}
	gold, why := offer(m, it, worn)
	if why != "" {
		c.Fail(keeperSays(m, why))
		return nil, nil, 0
	}
	return m, it, gold
}

func cmdValue(c *Ctx) {
	if m, it, gold := forSale(c); m != nil {
		c.Send(keeperSays(m, fmt.Sprintf("I would give you %d gold for %s.", gold, it.Short())))
	}
}

func cmdSell(c *Ctx) {
	m, it, gold := forSale(c)
	if m == nil {
		return
	}
	p := c.P
	name := it.Short()
	p.Gold += gold
	c.W.touch(p)
	id := it.Proto.ID
	if most, ok := m.Proto.Shop.Sells[id]; ok && m.Stock[id] < most {
		if m.Stock == nil {
			m.Stock = make(map[string]int)
		}
		m.Stock[id]++
		c.W.touchMob(m)
	}
	c.W.RemoveItem(it)
	c.W.SaveSoon()
	c.Send(fmt.Sprintf("You sell %s to %s for %d gold.", name, m.Proto.Short, gold))
	p.Room.sendAbout(p, fmt.Sprintf("%s sells %s to %s.", p.Name, name, m.Proto.Short))
}
