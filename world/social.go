package world

import (
	"fmt"
	"strings"

	"shardmud/world/markup"
)

// Being social: socials (data-driven emotes), following, groups and
// channels.
//
// Socials come from the world folder's socials.yaml (see world/area). Each
// has five messages, written by builders:
//
//	Self     what the actor sees with no target     "You smile."
//	Room     what the room sees with no target      "$n smiles."
//	ToActor  what the actor sees with a target      "You smile at $N."
//	ToTarget what the target sees                   "$n smiles at you."
//	ToOthers what everyone else in the room sees    "$n smiles at $N."
//
// $n is the actor's name, $N the target's (a player's name, an NPC's short
// description), $$ a dollar sign. The loader checks the placeholders, so
// expandSocial trusts them. Each message is capitalised after expansion,
// so "$N grins." starts with a capital for an NPC too.
//
// Following is a pointer from follower to leader; follow refuses a leader
// who follows the follower, directly or down a chain, so every chain ends
// and followers walking after followers stop. A group is its leader and
// followers the leader added; every member but the leader follows the
// leader, and a member who stops following leaves the group. A group of one
// ends. Muted channels live on the Player and are not saved.

// Social is a data-driven emote (smile, nod, bow...): what the actor, the
// target and the room see, with and without a target.
type Social struct {
	Name string
	// Without a target.
	Self, Room string
	// With a target: what the actor, the target and the others see.
	ToActor, ToTarget, ToOthers string
}

// Group is players who fight together and share experience.
type Group struct {
	Leader  *Player
	Members []*Player // the leader first
}

func socialCommands() []*Command {
	return []*Command{
		{Name: "socials", Usage: "socials",
			Help: "Lists the socials: emotes such as smile, nod or wave. Type one alone, or with the name of someone here ('smile bob'); 'help <social>' shows what it does.",
			Run:  cmdSocials},
		{Name: "follow", Usage: "follow [<name>|self]",
			Help: "Follows a player here: when they walk, you walk after them. 'follow self' stops following. Alone, says whom you follow.",
			Run:  cmdFollow},
		{Name: "group", Usage: "group [<name>]",
			Help: "Alone, lists your group with each member's level and health. With a name, adds one of your followers to your group; a group shares the experience of what it kills together.",
			Run:  cmdGroup},
		{Name: "ungroup", Usage: "ungroup [<name>]",
			Help: "Alone, leaves your group (a leader who leaves ends it). With a name, the leader removes that member.",
			Run:  cmdUngroup},
		{Name: "channels", Usage: "channels [<channel> [on|off]]",
			Help: "Lists the channels and whether you hear them; 'channels <channel> off' turns one off (you neither hear nor talk on it), 'on' back on, and the name alone flips it. Your choices last until you leave the game.",
			Run:  cmdChannels},
		{Name: "newbie", Usage: "newbie <question>",
			Help: "Asks a question on the newbie channel, where new players ask and others answer. New here? 'help start' is a guide to the game.",
			Run:  func(c *Ctx) { cmdChannel(c, "newbie") }},
	}
}

// addSocials puts the world's socials in the command table after every
// other command, so a social never wins a prefix from a real command
// ("s" stays south, "l" look). A social whose name is already a command or
// an alias is left out, as if it were not defined; w.socials keeps only
// those that became commands.
func (w *World) addSocials() {
	kept := w.socials[:0]
	for _, s := range w.socials {
		if w.commands.byAlias[s.Name] != nil {
			continue
		}
		w.AddCommand(socialCommand(s))
		kept = append(kept, s)
	}
	w.socials = kept
}

func socialCommand(s Social) *Command {
	help := fmt.Sprintf("A social (type 'socials' for all of them). Alone: %s At someone: %s",
		capFirst(expandSocial(s.Self, "you", "")), capFirst(expandSocial(s.ToActor, "you", "someone")))
	return &Command{Name: s.Name, Usage: s.Name + " [<name>]", Help: help,
		Run: func(c *Ctx) { c.W.social(c.P, &s, c.Args) }}
}

// social performs s by p, at the player or NPC that target names, or at
// no one.
func (w *World) social(p *Player, s *Social, target string) {
	r := p.Room
	if target == "" {
		p.Send(capFirst(expandSocial(s.Self, p.Name, "")))
		r.sendAbout(p, capFirst(expandSocial(s.Room, p.Name, "")))
		return
	}
	switch t := p.findPerson(target).(type) {
	case nil:
		p.Send(fmt.Sprintf("There is no %s here.", markup.Escape(target)))
	case *Player:
		if t == p {
			w.social(p, s, "")
			return
		}
		p.Send(capFirst(expandSocial(s.ToActor, p.Name, seenName(t, p))))
		t.Send(capFirst(expandSocial(s.ToTarget, seenName(p, t), t.Name)))
		for _, o := range r.Players {
			if o != p && o != t && p.SeenBy(o) {
				o.Send(capFirst(expandSocial(s.ToOthers, p.Name, seenName(t, o))))
			}
		}
	case *Mobile:
		name := t.Proto.Short
		p.Send(capFirst(expandSocial(s.ToActor, p.Name, name)))
		r.sendAbout(p, capFirst(expandSocial(s.ToOthers, p.Name, name)))
	}
}

// seenName is how viewer names who: "someone" for an invisible admin.
func seenName(who, viewer *Player) string {
	if who.SeenBy(viewer) {
		return who.Name
	}
	return "someone"
}

// expandSocial fills a social message's placeholders: $n the actor, $N
// the target, $$ a dollar sign.
func expandSocial(msg, actor, target string) string {
	if !strings.Contains(msg, "$") {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		if msg[i] != '$' || i+1 == len(msg) {
			b.WriteByte(msg[i])
			continue
		}
		i++
		switch msg[i] {
		case 'n':
			b.WriteString(actor)
		case 'N':
			b.WriteString(target)
		case '$':
			b.WriteByte('$')
		default: // the loader refuses these; shown as written
			b.WriteByte('$')
			b.WriteByte(msg[i])
		}
	}
	return b.String()
}

func cmdSocials(c *Ctx) {
	if len(c.W.socials) == 0 {
		c.Send("This world has no socials.")
		return
	}
	names := make([]string, len(c.W.socials))
	for i, s := range c.W.socials {
		names[i] = s.Name
	}
	c.Send(strings.TrimRight("{WSocials{x (type one alone or with a name: 'smile bob'):"+columns(names, c.P.ScreenReader), " "))
}

// Following.

func cmdFollow(c *Ctx) {
	p := c.P
	switch strings.ToLower(c.Args) {
	case "":
		if p.following == nil {
			c.Send("You are not following anyone.")
		} else {
			c.Send(fmt.Sprintf("You are following %s.", p.following.Name))
		}
		return
	case "self", "me":
		if p.following == nil {
			c.Fail("You are not following anyone.")
			return
		}
		c.W.unfollow(p)
		return
	}
	t, ok := pickOne(p.Room.Players, parseQuery(c.Args))
	switch {
	case !ok:
		if p.findPerson(c.Args) != nil {
			c.Fail("You can only follow players.")
		} else {
			c.Fail(fmt.Sprintf("There is no %s here.", markup.Escape(c.Args)))
		}
		return
	case t == p:
		c.Fail("You follow your own nose. (To stop following, type 'follow self'.)")
		return
	case p.following == t:
		c.Fail(fmt.Sprintf("You are already following %s.", t.Name))
		return
	}
	for l := t; l != nil; l = l.following {
		if l == p {
			how := "already following you"
			if t.following != p {
				how += " through others"
			}
			c.Fail(fmt.Sprintf("You cannot follow %s, who is %s.", t.Name, how))
			return
		}
	}
	if p.following != nil {
		c.W.unfollow(p)
	}
	p.following = t
	c.Send(fmt.Sprintf("You now follow %s.", t.Name))
	t.Send(fmt.Sprintf("%s now follows you.", p.Name))
}

// unfollow stops p following its leader, and so leaves the leader's group.
func (w *World) unfollow(p *Player) {
	l := p.following
	if l == nil {
		return
	}
	p.following = nil
	p.Send(fmt.Sprintf("You stop following %s.", l.Name))
	l.Send(fmt.Sprintf("%s stops following you.", p.Name))
	if p.group != nil && p.group.Leader == l {
		p.Send(fmt.Sprintf("You leave %s's group.", l.Name))
		w.leaveGroup(p)
	}
}

// followLeader walks p's followers who are standing in from, the room p
// just left through direction d, after p. walk calls it last; each
// follower's own walk brings that follower's followers, down the chain.
func (w *World) followLeader(p *Player, from *Room, d Dir) {
	var fs []*Player
	for _, f := range from.Players {
		if f.following == p && f.Pos == Standing {
			fs = append(fs, f)
		}
	}
	for _, f := range fs { // collected first: walking changes from.Players
		if f.Room != from || f.following != p { // a script moved them meanwhile
			continue
		}
		f.Send(fmt.Sprintf("You follow %s %s.", p.Name, d))
		w.walk(f, d)
	}
}

// Groups.

func cmdGroup(c *Ctx) {
	p := c.P
	if c.Args == "" {
		if p.group == nil {
			c.Send("You are not in a group. (Have someone follow you, then 'group <name>'.)")
			return
		}
		c.Send(groupList(p.group))
		return
	}
	if p.group != nil && p.group.Leader != p {
		c.Fail(fmt.Sprintf("Only the leader, %s, can add members to your group.", p.group.Leader.Name))
		return
	}
	t, ok := pickOne(p.Room.Players, parseQuery(c.Args))
	switch {
	case !ok:
		c.Fail(fmt.Sprintf("There is no player %s here.", markup.Escape(c.Args)))
		return
	case t == p:
		c.Fail("You lead your group already; add your followers to it.")
		return
	case t.following != p:
		c.Fail(fmt.Sprintf("%s is not following you.", t.Name))
		return
	case t.group != nil && t.group == p.group:
		c.Fail(fmt.Sprintf("%s is already in your group.", t.Name))
		return
	case t.group != nil:
		c.Fail(fmt.Sprintf("%s is in another group.", t.Name))
		return
	}
	g := p.group
	if g == nil {
		g = &Group{Leader: p, Members: []*Player{p}}
		p.group = g
	}
	for _, m := range g.Members {
		if m != p {
			m.Send(fmt.Sprintf("%s joins the group.", t.Name))
		}
	}
	g.Members = append(g.Members, t)
	t.group = g
	c.Send(fmt.Sprintf("%s joins your group.", t.Name))
	t.Send(fmt.Sprintf("You join %s's group.", p.Name))
}

// groupList is what 'group' shows: each member's level and health.
func groupList(g *Group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{W%s's group:{x", g.Leader.Name)
	for _, m := range g.Members {
		fmt.Fprintf(&b, "\n  %-14s level %-3d HP %d/%d", m.Name, m.Stats.Level, m.Stats.HP, m.Stats.MaxHP)
		if m == g.Leader {
			b.WriteString("  (leader)")
		}
		if m.link == nil {
			b.WriteString("  (link-dead)")
		}
	}
	return b.String()
}

func cmdUngroup(c *Ctx) {
	p := c.P
	g := p.group
	if g == nil {
		c.Fail("You are not in a group.")
		return
	}
	if c.Args == "" {
		if g.Leader == p {
			c.Send("You disband your group.")
		} else {
			c.Send(fmt.Sprintf("You leave %s's group.", g.Leader.Name))
		}
		c.W.leaveGroup(p)
		return
	}
	if g.Leader != p {
		c.Fail("Only the group's leader can remove members; 'ungroup' alone leaves the group.")
		return
	}
	q := parseQuery(c.Args)
	t, ok := pickOne(g.Members, q)
	switch {
	case !ok:
		c.Fail(fmt.Sprintf("There is no %s in your group.", markup.Escape(c.Args)))
		return
	case t == p:
		c.Fail("To end your group, type 'ungroup' alone.")
		return
	}
	t.Send(fmt.Sprintf("%s removes you from the group.", p.Name))
	c.W.leaveGroup(t)
}

// leaveGroup takes p out of its group, telling the others. A leader who
// leaves ends the group; so does the last member leaving its leader
// alone.
func (w *World) leaveGroup(p *Player) {
	g := p.group
	if g == nil {
		return
	}
	if g.Leader == p {
		for _, m := range g.Members {
			m.group = nil
			if m != p {
				m.Send(fmt.Sprintf("%s has ended the group.", p.Name))
			}
		}
		g.Members = nil
		return
	}
	g.Members = remove(g.Members, p)
	p.group = nil
	for _, m := range g.Members {
		m.Send(fmt.Sprintf("%s leaves the group.", p.Name))
	}
	if len(g.Members) == 1 {
		g.Leader.group = nil
		g.Members = nil
	}
}

// GroupShare is who shares the experience of what killer kills: the
// members of killer's group in killer's room, killer first; killer alone
// when not grouped.
func (w *World) GroupShare(killer *Player) []*Player {
	out := []*Player{killer}
	if killer.group == nil {
		return out
	}
	for _, m := range killer.group.Members {
		if m != killer && m.Room == killer.Room && w.players[m.Key()] == m {
			out = append(out, m)
		}
	}
	return out
}

// leaveGroups undoes p's ties before p leaves the world: p leaves its
// group (ending it if p leads it), stops following, and whoever follows p
// stops. Only the others are told: p is on its way out.
func (w *World) leaveGroups(p *Player) {
	w.leaveGroup(p)
	if l := p.following; l != nil {
		p.following = nil
		l.Send(fmt.Sprintf("%s stops following you.", p.Name))
	}
	for _, f := range w.players {
		if f.following == p { // p's group, if p led one, has ended already
			f.following = nil
			f.Send(fmt.Sprintf("You stop following %s.", p.Name))
		}
	}
}

// Channels.

// channel is a world-wide conversation players can turn off.
type channel struct {
	name   string
	about  string
	echo   string // what the speaker sees, from the text
	format string // what the others see, from the speaker's name and the text
}

// channelList is every channel, in the order 'channels' lists them.
var channelList = []channel{
	{name: "chat", about: "talk with everyone playing",
		echo: `{MYou chat, "%s"{x`, format: `{M%s chats, "%s"{x`},
	{name: "newbie", about: "questions from new players, answers from everyone",
		echo: `{G[newbie] You: %s{x`, format: `{G[newbie] %s: %s{x`},
}

func findChannel(name string) *channel {
	for i := range channelList {
		if channelList[i].name == name {
			return &channelList[i]
		}
	}
	return nil
}

// broadcast says text (as typed: it is escaped here) from from on a
// channel to everyone who has not turned it off. Someone who turned it
// off cannot talk on it either: they would not hear the answers.
func (w *World) broadcast(name string, from *Player, text string) {
	ch := findChannel(name)
	if ch == nil {
		panic("world: no channel " + name) // callers name channels in code
	}
	if from.Muted[name] {
		from.Send(fmt.Sprintf("You have turned the %s channel off. (Type 'channels %s on'.)", name, name))
		return
	}
	plain := text
	text = markup.Escape(text)
	from.Send(fmt.Sprintf(ch.echo, text))
	from.channelText(name, from.Name, plain)
	msg := fmt.Sprintf(ch.format, from.Name, text)
	for _, p := range w.players {
		if p != from && !p.Muted[name] {
			p.Send(msg)
			p.channelText(name, from.Name, plain)
		}
	}
	if w.cfg.Shards != nil && !w.cfg.Shards.Channel(name, from.Name, plain) {
		from.Send("(The link to the other shards is down: only this shard hears you.)")
	}
}

// cmdChannel is the command that talks on a channel.
func cmdChannel(c *Ctx, name string) {
	if c.Args == "" {
		c.Fail(fmt.Sprintf("Say what on the %s channel? (%s <text>)", name, name))
		return
	}
	c.W.broadcast(name, c.P, c.Args)
}

func cmdChannels(c *Ctx) {
	p := c.P
	name, state, _ := strings.Cut(strings.ToLower(c.Args), " ")
	if name == "" {
		var b strings.Builder
		b.WriteString("{WChannels{x ('channels <channel> on|off'):")
		for _, ch := range channelList {
			on := "{gon{x "
			if p.Muted[ch.name] {
				on = "{roff{x"
			}
			fmt.Fprintf(&b, "\n  %-8s %s  %s", ch.name, on, ch.about)
		}
		c.Send(b.String())
		return
	}
	ch := findChannel(name)
	if ch == nil {
		names := make([]string, len(channelList))
		for i, ch := range channelList {
			names[i] = ch.name
		}
		c.Fail(fmt.Sprintf("There is no channel %q. The channels are: %s.", name, strings.Join(names, ", ")))
		return
	}
	var off bool
	switch strings.TrimSpace(state) {
	case "":
		off = !p.Muted[name]
	case "off":
		off = true
	case "on":
	default:
		c.Fail(fmt.Sprintf("Turn the %s channel on or off? (channels %s on|off)", name, name))
		return
	}
	if off {
		if p.Muted == nil {
			p.Muted = make(map[string]bool)
		}
		p.Muted[name] = true
		c.W.touch(p) // remembered with the character
		c.Send(fmt.Sprintf("You turn the %s channel off.", name))
		return
	}
	delete(p.Muted, name)
	c.W.touch(p)
	c.Send(fmt.Sprintf("You turn the %s channel on.", name))
}
