package world

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"shardmud/world/markup"
)

// Linked shards. A world may be one of several shards linked by their
// relays; Shards is how the world reaches the others. The world calls it
// from its own goroutine and it must not block: messages are queued and
// sent by the host.
type Shards interface {
	// Channel sends what from said on a channel to the other shards; false
	// when the link is down (only this shard heard it).
	Channel(channel, from, text string) bool
	// Tell sends a tell to a player on another shard: the shard they are
	// on ("" if no shard has them) and whether the link carried it.
	Tell(from, to, text string) (shard string, sent bool)
	// Who is the players of the other shards, by shard, as last seen.
	Who() map[string][]string
	// Cross starts taking p to room on shard ("" for that shard's start
	// room). It returns "" once it has taken p out of the world with
	// HandOut (telling the room leaving) and the crossing is under way, or
	// why p cannot go, with p untouched.
	Cross(p *Player, shard, room, leaving string) (refusal string)
}

var shardName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidShard reports whether name can name a shard: 1 to 64 letters,
// digits, '_' or '-' (what NATS subjects and JetStream domains allow).
func ValidShard(name string) bool { return shardName.MatchString(name) }

// RemoteChannel delivers what someone on another shard said on a channel
// to the players here who listen to it.
func (w *World) RemoteChannel(channel, shard, from, text string) {
	ch := findChannel(channel)
	if ch == nil {
		return // a channel this version does not know
	}
	msg := fmt.Sprintf(ch.format, from+"@"+markup.Escape(shard), markup.Escape(text))
	for _, p := range w.players {
		if !p.Muted[channel] {
			p.Send(msg)
			p.channelText(channel, from+"@"+shard, text)
		}
	}
}

// RemoteTell delivers a tell from another shard; false if to is not here.
func (w *World) RemoteTell(shard, from, to, text string) bool {
	p := w.players[PlayerKey(to)]
	if p == nil || p.link == nil {
		return false
	}
	p.Send(fmt.Sprintf(`{m%s@%s tells you, "%s"{x`, from, markup.Escape(shard), markup.Escape(text)))
	p.channelText("tell", from+"@"+shard, text)
	return true
}

// remoteTell is tell's way to a player who is not on this shard.
func (w *World) remoteTell(c *Ctx, to, text string) {
	if w.cfg.Shards == nil {
		c.Send(fmt.Sprintf("No one called %q is playing.", to))
		return
	}
	shard, sent := w.cfg.Shards.Tell(c.P.Name, to, text)
	switch {
	case shard == "":
		c.Send(fmt.Sprintf("No one called %q is playing, on any shard.", to))
	case !sent:
		c.Send(fmt.Sprintf("%s is on shard %s, but the link to other shards is down; try again soon.", capFirst(to), shard))
	default:
		c.Send(fmt.Sprintf(`{mYou tell %s@%s, "%s"{x`, capFirst(to), shard, markup.Escape(text)))
		c.P.channelText("tell", c.P.Name, text)
	}
}

// whoElsewhere lists the other shards' players for who.
func (w *World) whoElsewhere() string {
	if w.cfg.Shards == nil {
		return ""
	}
	others := w.cfg.Shards.Who()
	var b strings.Builder
	for _, shard := range slices.Sorted(maps.Keys(others)) {
		// Someone who just crossed here may still be in the other
		// shard's last beat.
		names := slices.DeleteFunc(slices.Sorted(slices.Values(others[shard])), func(n string) bool { return w.players[PlayerKey(n)] != nil })
		fmt.Fprintf(&b, "\nOn shard %s (%d):", shard, len(names))
		for _, n := range names {
			b.WriteString("\n  " + n)
		}
	}
	return b.String()
}
