package world

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Combat. A fight is a pair of fighters, each with a foe; every round (a
// configurable number of ticks) each fighter whose foe is here strikes
// once. Hits, misses and damage come from levels, stats, weapons and
// armour, and from builders' hooks: on_attacked when an NPC is attacked,
// on_damage to change the blows an NPC deals, on_death when one dies.

// fighter is a *Player or a *Mobile in a fight.
type fighter interface {
	label() string // as a sentence's subject: "Alice", "The grey wolf"
	where() *Room
	health() (hp, max int)
	hurt(n int)
	level() int
	toHit() int
	armor() int
	damage(w *World) int
	foeOf() fighter
	setFoe(f fighter)
	tell(text string)
}

func (p *Player) label() string { return p.Name }
func (p *Player) where() *Room  { return p.Room }
func (p *Player) health() (int, int) {
	return p.Stats.HP, p.Stats.MaxHP + p.Bonus("hp")
}
func (p *Player) hurt(n int)       { p.Stats.HP -= n }
func (p *Player) level() int       { return p.Stats.Level }
func (p *Player) toHit() int       { return p.Bonus("hit") + statBonus(p.Stats.Dex+p.Bonus("dex")) }
func (p *Player) armor() int       { return p.ArmorClass() }
func (p *Player) foeOf() fighter   { return p.foe }
func (p *Player) setFoe(f fighter) { p.foe = f }
func (p *Player) tell(text string) { p.Send(text) }
func (p *Player) damage(w *World) int {
	d := Dice{N: 1, Sides: 3}
	if wp := p.Weapon(); wp != nil && wp.Proto.Damage != (Dice{}) {
		d = wp.Proto.Damage
	}
	// Training counts: half a point a level, rounded up.
	return d.Roll(w.cfg.Rand) + p.Bonus("dam") + statBonus(p.Stats.Str+p.Bonus("str")) + (p.Stats.Level+1)/2
}

func (m *Mobile) label() string      { return capFirst(m.Proto.Short) }
func (m *Mobile) where() *Room       { return m.Room }
func (m *Mobile) health() (int, int) { return m.HP, m.MaxHP() }
func (m *Mobile) hurt(n int)         { m.HP -= n }
func (m *Mobile) level() int         { return max(m.Proto.Level, 1) }
func (m *Mobile) toHit() int         { return m.level() / 2 }
func (m *Mobile) armor() int         { return m.ArmorClass() }
func (m *Mobile) foeOf() fighter     { return m.foe }
func (m *Mobile) setFoe(f fighter)   { m.foe = f }
func (m *Mobile) tell(string)        {}
func (m *Mobile) damage(w *World) int {
	// A builder's damage is the NPC's blow, weapon or not; without one it
	// strikes with what it wields, or what its level gives.
	d := m.Proto.Damage
	if wp := m.Equipped("wield"); d == (Dice{}) && wp != nil {
		d = wp.Proto.Damage
	}
	if d == (Dice{}) {
		d = Dice{N: 1, Sides: m.level() + 1}
	}
	return d.Roll(w.cfg.Rand)
}

// other names f for an onlooker or the victim: "Alice", "the grey wolf".
func other(f fighter) string {
	if m, ok := f.(*Mobile); ok {
		return m.Proto.Short
	}
	return f.label()
}

func combatCommands() []*Command {
	return []*Command{
		{Name: "kill", Aliases: []string{"k"}, Usage: "kill <target>",
			Help: "Attacks someone here. The fight goes on in rounds until one of you dies or flees. Players can be attacked only in rooms where that is allowed.",
			Run:  cmdKill},
		{Name: "attack", Usage: "attack <target>", Help: "The same as kill.", Run: cmdKill},
		{Name: "flee", Usage: "flee", Help: "Tries to run from a fight through a random open exit. It may fail.", Run: cmdFlee},
		{Name: "consider", Aliases: []string{"con"}, Usage: "consider <target>",
			Help: "Sizes up an opponent: how your levels compare.", Run: cmdConsider},
		{Name: "wimpy", Usage: "wimpy [hit points]",
			Help: "Shows or sets the hit points below which you flee a fight by yourself; 0 never flees.", Run: cmdWimpy},
		{Name: "rest", Usage: "rest", Help: "Rests: you heal three times as fast, and must stand to walk.", Run: posCommand(Resting)},
		{Name: "sit", Usage: "sit", Help: "Sits down: you heal twice as fast, and must stand to walk.", Run: posCommand(Sitting)},
		{Name: "sleep", Usage: "sleep", Help: "Sleeps: you heal four times as fast, but see and hear little; wake to get up.", Run: posCommand(Sleeping)},
		{Name: "stand", Usage: "stand", Help: "Stands up.", Run: posCommand(Standing)},
		{Name: "wake", Usage: "wake", Help: "Wakes up and stands.", Run: posCommand(Standing)},
	}
}

// CombatDefaults: a round every 2 seconds; death costs a tenth of what the
// next level needs; corpses last 5 minutes (NPCs') and 30 (players').
const (
	DefaultRound          = 2 * time.Second
	DefaultDeathExpLoss   = 10
	DefaultNPCCorpseLife  = 5 * time.Minute
	DefaultUserCorpseLife = 30 * time.Minute
	CorpseProto           = "@corpse"
	CoinsProto            = "@coins"
)

// corpseProto is the prototype of every corpse; each names itself.
var corpseProto = &ItemProto{ID: CorpseProto, Short: "a corpse", Long: "A corpse lies here.",
	Keywords: []string{"corpse", "body"}, Fixed: true, Capacity: 1 << 30}

// coinsProto is a pile of gold coins, such as an NPC leaves on its corpse;
// each pile holds its amount (Item.Gold) and names itself by it. Picking it
// up adds the coins to the taker's gold: a pile is never carried.
var coinsProto = &ItemProto{ID: CoinsProto, Short: "some gold coins", Long: "Some gold coins lie here.",
	Keywords: []string{"coins", "gold", "coin"}}

// coinsName is what a pile of n coins is called.
func coinsName(n int) string {
	if n == 1 {
		return "a gold coin"
	}
	return fmt.Sprintf("%d gold coins", n)
}

// makeCoins puts a pile of n gold coins in h.
func (w *World) makeCoins(h Holder, n int) *Item {
	w.nextID++
	it := &Item{ID: w.nextID, Proto: coinsProto, Name: coinsName(n), Gold: n}
	w.MoveItem(it, h)
	return it
}

// pocket turns coins p just picked up into gold; other items stay as
// they are.
func (w *World) pocket(p *Player, it *Item) {
	if it.Proto != coinsProto || it.in != Holder(p) {
		return
	}
	p.Gold += it.Gold
	w.RemoveItem(it)
	w.touch(p)
}

func cmdKill(c *Ctx) {
	if c.Args == "" {
		c.Send("Attack whom?")
		return
	}
	p := c.P
	if p.Room.Flags.Peaceful {
		c.Send("A sense of peace stays your hand: nobody fights here.")
		return
	}
	if p.foe != nil {
		c.Send(fmt.Sprintf("You are already fighting %s!", other(p.foe)))
		return
	}
	var foe fighter
	switch t := p.findPerson(c.Args).(type) {
	case nil:
		c.Send(fmt.Sprintf("There is no %s here.", c.Args))
		return
	case *Player:
		switch {
		case t == p:
			c.Send("You hit yourself. Ouch!")
			return
		case !p.Room.Flags.PvP:
			c.Send("Players may not fight each other here.")
			return
		}
		foe = t
	case *Mobile:
		foe = t
	}
	c.W.startFight(p, foe)
	c.W.strike(p, foe) // the first blow falls at once
}

// startFight sets a against b, and b against a if b is not busy.
func (w *World) startFight(a, b fighter) {
	if p, ok := a.(*Player); ok {
		p.Pos = Fighting
	}
	a.setFoe(b)
	if b.foeOf() == nil {
		b.setFoe(a)
		if p, ok := b.(*Player); ok {
			p.Pos = Fighting
		}
		if m, ok := b.(*Mobile); ok && m.Proto.Script != "" {
			w.hook(m, "on_attacked", a)
		}
	}
	w.fighting = append(w.fighting, a, b)
}

// combatRound is one round of every fight.
func (w *World) combatRound() {
	fighters := w.fighting
	w.fighting = nil
	seen := make(map[fighter]bool, len(fighters))
	for _, f := range fighters {
		if seen[f] {
			continue
		}
		seen[f] = true
		foe := f.foeOf()
		if foe == nil || !w.alive(f) {
			continue
		}
		if !w.alive(foe) || foe.where() != f.where() {
			w.stopFighting(f)
			continue
		}
		w.fighting = append(w.fighting, f)
		w.strike(f, foe)
	}
}

// alive reports whether f is still in the world and standing.
func (w *World) alive(f fighter) bool {
	switch x := f.(type) {
	case *Player:
		return w.players[x.Key()] == x && x.Stats.HP > 0
	case *Mobile:
		return x.Room != nil && x.HP > 0
	}
	return false
}

func (w *World) stopFighting(f fighter) {
	f.setFoe(nil)
	if p, ok := f.(*Player); ok && p.Pos == Fighting {
		p.Pos = Standing
	}
}

// strike is one blow of a against b.
func (w *World) strike(a, b fighter) {
	room := a.where()
	chance := 55 + 5*(a.level()-b.level()) + 3*a.toHit() - 3*b.armor()
	chance = min(max(chance, 5), 95)
	if w.cfg.Rand.IntN(100) >= chance {
		a.tell(fmt.Sprintf("You miss %s.", other(b)))
		b.tell(fmt.Sprintf("%s misses you.", a.label()))
		w.sendFight(room, fmt.Sprintf("%s misses %s.", a.label(), other(b)), a, b)
		return
	}
	dmg := max(a.damage(w), 1)
	if m, ok := a.(*Mobile); ok && m.Proto.Script != "" {
		if v, ok := w.cfg.Scripts.Number(m, "on_damage", b, dmg); ok {
			dmg = max(int(v), 0)
		}
	}
	if m, ok := b.(*Mobile); ok && m.Proto.Script != "" {
		if v, ok := w.cfg.Scripts.Number(m, "on_damaged", a, dmg); ok {
			dmg = max(int(v), 0)
		}
	}
	if !w.alive(a) || !w.alive(b) || a.where() != b.where() { // a hook ended it
		return
	}
	verb := hitVerb(dmg)
	a.tell(fmt.Sprintf("You %s %s. (%d)", verb, other(b), dmg))
	b.tell(fmt.Sprintf("{R%s %s you. (%d){x", a.label(), thirdPerson(verb), dmg))
	w.sendFight(room, fmt.Sprintf("%s %s %s.", a.label(), thirdPerson(verb), other(b)), a, b)
	if m, ok := b.(*Mobile); ok {
		if m.HP >= m.MaxHP() {
			w.wounded = append(w.wounded, m) // healed once the fight is over
		}
		w.touchMob(m)
	}
	b.hurt(dmg)
	if p, ok := b.(*Player); ok {
		w.touch(p)
	}
	if hp, _ := b.health(); hp <= 0 {
		w.die(b, a)
		return
	}
	if p, ok := b.(*Player); ok && p.Wimpy > 0 && p.Stats.HP < p.Wimpy {
		p.Send("You panic and try to flee!")
		w.flee(p)
	}
}

// sendFight tells the room, but for the two fighters.
func (w *World) sendFight(r *Room, text string, a, b fighter) {
	for _, o := range r.Players {
		if fighter(o) != a && fighter(o) != b && o.Pos != Sleeping {
			o.Send(text)
		}
	}
}

// thirdPerson is a verb after "he": hits, scratches.
func thirdPerson(verb string) string {
	if strings.HasSuffix(verb, "ch") || strings.HasSuffix(verb, "sh") {
		return verb + "es"
	}
	return verb + "s"
}

func hitVerb(dmg int) string {
	switch {
	case dmg <= 2:
		return "scratch"
	case dmg <= 5:
		return "hit"
	case dmg <= 9:
		return "wound"
	case dmg <= 14:
		return "maul"
	}
	return "devastate"
}

// die ends victim, killed by killer (nil for no one).
func (w *World) die(victim, killer fighter) {
	room := victim.where()
	w.stopFighting(victim)
	if killer != nil && killer.foeOf() == victim {
		w.stopFighting(killer)
	}
	for _, f := range w.fighting { // whoever else fought it stops
		if f.foeOf() == victim {
			w.stopFighting(f)
		}
	}
	cause := "combat"
	killerName := ""
	if killer != nil {
		killerName = killer.label()
	}
	switch v := victim.(type) {
	case *Mobile:
		if v.Proto.Script != "" {
			w.hook(v, "on_death", killer)
		}
		room.send(fmt.Sprintf("{R%s is dead!{x", v.label()), nil)
		corpse := w.makeCorpse(room, "the corpse of "+v.Proto.Short, DefaultNPCCorpseLife)
		for len(v.Items) > 0 { // what it wore and carried, to loot
			w.MoveItem(v.Items[0], corpse)
		}
		if v.Proto.Gold > 0 {
			w.makeCoins(corpse, v.Proto.Gold)
		}
		if kp, ok := killer.(*Player); ok {
			w.award(kp, v)
		}
		w.cfg.Host.Record(Event{Kind: "death", Actor: v.Proto.ID, Target: killerName, Room: room.ID,
			Details: map[string]any{"cause": cause, "npc": true}})
		w.RemoveMob(v)
	case *Player:
		w.cfg.Host.Record(Event{Kind: "death", Actor: v.Name, Target: killerName, Room: room.ID,
			Details: map[string]any{"cause": cause}})
		v.Send("{RYou are DEAD!{x")
		room.sendAbout(v, fmt.Sprintf("{R%s is dead!{x", v.Name))
		corpse := w.makeCorpse(room, "the corpse of "+v.Name, DefaultUserCorpseLife)
		for len(v.Items) > 0 {
			w.MoveItem(v.Items[0], corpse)
		}
		loss := min(ExpToLevel(v.Stats.Level)*w.cfg.DeathExpLoss/100, v.Stats.Exp) // never below none: told what it really cost
		v.Stats.Exp -= loss
		v.Stats.HP = max(v.Stats.MaxHP/2, 1)
		v.Pos = Standing
		w.unplace(v)
		w.place(v, w.recall)
		v.Send(fmt.Sprintf("You lose %d experience. You wake in %s; your belongings lie on your corpse where you fell.", loss, w.recall.Name))
		w.recall.sendAbout(v, fmt.Sprintf("%s appears, pale and shaken.", v.Name))
		w.look(v)
		w.SaveSoon()
	}
}

// makeCorpse leaves a corpse named name in r, crumbling after life.
func (w *World) makeCorpse(r *Room, name string, life time.Duration) *Item {
	w.nextID++
	it := &Item{ID: w.nextID, Proto: corpseProto, Name: name, decay: w.tick + w.ticks(life)}
	w.MoveItem(it, r)
	w.corpses = append(w.corpses, it)
	return it
}

// ticks converts a duration to ticks, at least one.
func (w *World) ticks(d time.Duration) uint64 { return max(uint64(d/w.cfg.Tick), 1) }

// decayCorpses crumbles corpses whose time is up; what they held falls to
// the floor.
func (w *World) decayCorpses() {
	kept := w.corpses[:0]
	for _, it := range w.corpses {
		if it.in == nil {
			continue // looted away or destroyed
		}
		if it.decay > w.tick {
			kept = append(kept, it)
			continue
		}
		if r, ok := it.in.(*Room); ok {
			for len(it.Items) > 0 {
				w.MoveItem(it.Items[0], r)
			}
			r.send(fmt.Sprintf("%s crumbles into dust.", capFirst(it.Short())), nil)
		}
		w.RemoveItem(it)
	}
	clear(w.corpses[len(kept):])
	w.corpses = kept
}

// award gives the experience of killing m to killer's group here.
func (w *World) award(killer *Player, m *Mobile) {
	base := 30*m.level() + 10*(m.level()-killer.level())
	base = max(base, 5)
	group := w.GroupShare(killer)
	share := max(base/len(group), 1)
	for _, p := range group {
		p.Send(fmt.Sprintf("You receive %d experience.", share))
		w.gainExp(p, share)
	}
}

// gainExp adds experience and raises levels it pays for.
func (w *World) gainExp(p *Player, n int) {
	p.Stats.Exp += n
	for p.Stats.Level < 100 && p.Stats.Exp >= ExpToLevel(p.Stats.Level) {
		p.Stats.Exp -= ExpToLevel(p.Stats.Level)
		p.Stats.Level++
		p.Stats.MaxHP = levelHP(p.Stats.Level, p.Stats.Con)
		p.Stats.MaxMana = levelMana(p.Stats.Level, p.Stats.Int)
		p.Stats.HP, p.Stats.Mana = p.Stats.MaxHP, p.Stats.MaxMana
		p.Send(fmt.Sprintf("{YYou rise to level %d!{x", p.Stats.Level))
		w.cfg.Host.Record(Event{Kind: "level", Actor: p.Name, Room: p.Room.ID, Details: map[string]any{"level": p.Stats.Level}})
	}
	w.touch(p)
}

func cmdFlee(c *Ctx) {
	if c.P.foe == nil {
		c.Send("You are not fighting anyone.")
		return
	}
	c.W.flee(c.P)
}

// flee tries to take p out of its fight through a random open exit.
func (w *World) flee(p *Player) {
	var open []Dir
	for d, ex := range p.Room.Exits {
		if ex != nil && !ex.Closed && ex.Visible() && !ex.Portal() { // no crossing shards in a panic
			open = append(open, Dir(d))
		}
	}
	if len(open) == 0 || w.cfg.Rand.IntN(100) < 30 {
		p.Send("You try to flee, but cannot get away!")
		return
	}
	foe := p.foe
	w.stopFighting(p)
	if foe != nil && foe.foeOf() == fighter(p) {
		w.stopFighting(foe)
	}
	p.Send("You flee head over heels!")
	p.Room.sendAbout(p, fmt.Sprintf("%s panics and flees!", p.Name))
	w.walk(p, open[w.cfg.Rand.IntN(len(open))])
}

func cmdConsider(c *Ctx) {
	var f fighter
	switch t := c.P.findPerson(c.Args).(type) {
	case *Player:
		f = t
	case *Mobile:
		f = t
	default:
		c.Send(fmt.Sprintf("There is no %s here.", c.Args))
		return
	}
	diff := f.level() - c.P.level()
	var say string
	switch {
	case diff <= -5:
		say = "You could kill %s with a needle."
	case diff <= -2:
		say = "%s is no match for you."
	case diff <= 1:
		say = "%s is a fair match for you."
	case diff <= 4:
		say = "%s looks dangerous. You would need some luck."
	default:
		say = "Death itself would think twice before fighting %s."
	}
	c.Send(fmt.Sprintf(say, other(f)))
}

func cmdWimpy(c *Ctx) {
	if c.Args == "" {
		c.Send(fmt.Sprintf("You flee when your hit points fall below %d (0: never).", c.P.Wimpy))
		return
	}
	n, err := strconv.Atoi(c.Args)
	if err != nil || n < 0 || n > c.P.Stats.MaxHP/2 {
		c.Send(fmt.Sprintf("Wimpy is 0 to half your hit points (%d).", c.P.Stats.MaxHP/2))
		return
	}
	c.P.Wimpy = n
	c.W.touch(c.P)
	c.Send(fmt.Sprintf("You will flee when your hit points fall below %d.", n))
}

// posCommand changes position: sit, rest, sleep, stand, wake.
func posCommand(to Position) func(*Ctx) {
	return func(c *Ctx) {
		p := c.P
		switch {
		case p.foe != nil:
			c.Send("You are fighting!")
			return
		case p.Pos == to:
			c.Send(fmt.Sprintf("You are %s already.", to))
			return
		case c.Verb == "wake" && p.Pos != Sleeping:
			c.Send("You are awake already.")
			return
		case c.Verb == "stand" && p.Pos == Sleeping:
			c.Send("You have to wake up first.")
			return
		}
		p.Pos = to
		msg := map[Position][2]string{
			Standing: {"You stand up.", "%s stands up."},
			Sitting:  {"You sit down.", "%s sits down."},
			Resting:  {"You sit down and rest.", "%s sits down and rests."},
			Sleeping: {"You lie down and go to sleep.", "%s lies down and falls asleep."},
		}[to]
		if c.Verb == "wake" {
			msg = [2]string{"You wake and stand up.", "%s wakes and stands up."}
		}
		c.Send(msg[0])
		p.Room.sendAbout(p, fmt.Sprintf(msg[1], p.Name))
	}
}

// gameTick runs the game's timed rules: combat rounds, aggressive NPCs,
// healing, corpses crumbling.
func (w *World) gameTick() {
	if w.tick%w.ticks(w.cfg.Round) == 0 {
		w.combatRound()
		w.aggression()
	}
	if w.tick%w.ticks(time.Second) == 0 {
		w.regenerate()
		w.decayCorpses()
	}
}

// aggression has aggressive NPCs not yet fighting attack a player they see.
func (w *World) aggression() {
	for _, p := range w.byKey() { // in a stable order: each attack rolls dice
		r := p.Room
		if r.Flags.Peaceful || p.Invis || p.Stats.HP <= 0 {
			continue
		}
		for _, m := range r.Mobs {
			if m.Proto.Aggressive && m.foe == nil {
				r.send(fmt.Sprintf("{R%s attacks %s!{x", m.label(), p.Name), p)
				p.Send(fmt.Sprintf("{R%s attacks you!{x", m.label()))
				w.startFight(m, p)
				w.strike(m, p)
				break
			}
		}
	}
}

// regenerate heals, once a second, everyone not fighting.
func (w *World) regenerate() {
	for _, p := range w.players {
		if p.foe != nil || p.Stats.HP <= 0 {
			continue
		}
		mult := map[Position]int{Standing: 1, Sitting: 2, Resting: 3, Sleeping: 4}[p.Pos]
		hp, maxHP := p.health()
		if hp < maxHP || p.Stats.Mana < p.Stats.MaxMana {
			p.Stats.HP = min(hp+mult*max(maxHP/30, 1), maxHP)
			p.Stats.Mana = min(p.Stats.Mana+mult*max(p.Stats.MaxMana/30, 1), p.Stats.MaxMana)
			w.touch(p)
		}
	}
	for _, m := range w.hurtMobs() {
		m.HP = min(m.HP+max(m.MaxHP()/30, 1), m.MaxHP())
		w.touchMob(m)
	}
}

// hurtMobs lists the NPCs below full health and not fighting; the list
// is kept as NPCs are hurt, so healing costs nothing for a healthy world.
func (w *World) hurtMobs() []*Mobile {
	kept := w.wounded[:0]
	for _, m := range w.wounded {
		if m.Room != nil && m.HP < m.MaxHP() {
			kept = append(kept, m)
		}
	}
	clear(w.wounded[len(kept):])
	w.wounded = kept
	var out []*Mobile
	for _, m := range kept {
		if m.foe == nil {
			out = append(out, m)
		}
	}
	return out
}

// scoreText is the score command's body.
func scoreText(p *Player) string {
	hp, maxHP := p.health()
	var b strings.Builder
	fmt.Fprintf(&b, "{W%s{x, %s of level %d\n", p.Name, p.Role, p.Stats.Level)
	fmt.Fprintf(&b, "Hit points %d/%d  Mana %d/%d  Experience %d (next level at %d)\n",
		hp, maxHP, p.Stats.Mana, p.Stats.MaxMana, p.Stats.Exp, ExpToLevel(p.Stats.Level))
	fmt.Fprintf(&b, "Str %d  Dex %d  Con %d  Int %d  Armour %d  Gold %d\n",
		p.Stats.Str+p.Bonus("str"), p.Stats.Dex+p.Bonus("dex"), p.Stats.Con+p.Bonus("con"), p.Stats.Int+p.Bonus("int"),
		p.ArmorClass(), p.Gold)
	pos := p.Pos.String()
	if p.foe != nil {
		pos = "fighting " + other(p.foe)
	}
	fmt.Fprintf(&b, "You are %s, in %s (%s). Wimpy %d.", pos, p.Room.Name, p.Room.Area.Name, p.Wimpy)
	return b.String()
}

// Fighting is whom m fights: a *Player, a *Mobile, or nil.
func (m *Mobile) Fighting() any { return m.foe }

// Fighting is whom p fights: a *Player, a *Mobile, or nil.
func (p *Player) Fighting() any { return p.foe }

// asFighter turns a *Player or *Mobile into a fighter; nil otherwise.
func asFighter(x any) fighter {
	switch f := x.(type) {
	case *Player:
		return f
	case *Mobile:
		return f
	}
	return nil
}

// Attack has m start a fight with target, a player or NPC in its room
// (scripts' npc:attack). It reports whether the fight started.
func (w *World) Attack(m *Mobile, target any) bool {
	f := asFighter(target)
	if f == nil || m.Room == nil || f.where() != m.Room || m.Room.Flags.Peaceful || m.foe != nil || fighter(m) == f || !w.alive(f) {
		return false
	}
	w.startFight(m, f)
	return true
}

// Hurt deals n damage from m to target outright (scripts' special
// attacks): no roll, no hooks, but death if it kills.
func (w *World) Hurt(m *Mobile, target any, n int) {
	f := asFighter(target)
	if f == nil || !w.alive(f) || n <= 0 {
		return
	}
	if tm, ok := f.(*Mobile); ok && tm.HP >= tm.MaxHP() {
		w.wounded = append(w.wounded, tm)
	}
	f.hurt(n)
	switch x := f.(type) {
	case *Player:
		w.touch(x)
	case *Mobile:
		w.touchMob(x)
	}
	if hp, _ := f.health(); hp <= 0 {
		w.die(f, m)
	}
}
