package world

import (
	"fmt"
	"strconv"
	"strings"
)

// Prefs are a player's settings for their client, saved with the
// character.
type Prefs struct {
	// Color is "" (what the client says it can show), "off", "16", "256"
	// or "true".
	Color string
	// Prompt is the prompt's format, "" for the plain "> "; see
	// promptTokens.
	Prompt string
	// Muted are the channels turned off (the player's Muted, as saved).
	Muted []string
}

// ChannelLink is a Link that also wants what is said on channels as data
// (a MUD client's chat window: GMCP Comm.Channel.Text). The world calls it
// besides Send, for the speaker too.
type ChannelLink interface {
	Channel(channel, talker, text string)
}

// channelText tells p's link, if it wants it, what was said.
func (p *Player) channelText(channel, talker, text string) {
	if cl, ok := p.link.(ChannelLink); ok {
		cl.Channel(channel, talker, text)
	}
}

// The prompt's tokens, for the prompt command's help.
const promptTokens = "%h hit points, %H most hit points, %m mana, %M most mana, %x exits, %g gold, %l level, %e experience, %% a percent sign"

// MaxPrompt is the longest prompt format kept.
const MaxPrompt = 120

// Prompt is p's prompt now, from its format; "" for the default.
func (p *Player) Prompt() string {
	f := p.Prefs.Prompt
	if f == "" {
		return ""
	}
	hp, maxHP := p.health()
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'h':
			b.WriteString(strconv.Itoa(hp))
		case 'H':
			b.WriteString(strconv.Itoa(maxHP))
		case 'm':
			b.WriteString(strconv.Itoa(p.Stats.Mana))
		case 'M':
			b.WriteString(strconv.Itoa(p.Stats.MaxMana))
		case 'g':
			b.WriteString(strconv.Itoa(p.Gold))
		case 'l':
			b.WriteString(strconv.Itoa(p.Stats.Level))
		case 'e':
			b.WriteString(strconv.Itoa(p.Stats.Exp))
		case 'x':
			for d, ex := range p.Room.Exits {
				if ex != nil && ex.Visible() {
					b.WriteString(Dir(d).Short())
				}
			}
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String() + " "
}

func prefCommands() []*Command {
	return []*Command{
		{Name: "color", Aliases: []string{"colour"}, Usage: "color [auto|off|16|256|true]",
			Help: "Shows or sets how many colours you get: auto (what your client says it can show), off, 16, 256 or true (24-bit). Remembered with your character.",
			Run:  cmdColor},
		{Name: "prompt", Usage: "prompt [format|default]",
			Help: "Shows or sets your prompt. Tokens: " + promptTokens + ". Example: prompt <%h/%Hhp %m/%Mm %x>",
			Run:  cmdPrompt},
	}
}

func cmdColor(c *Ctx) {
	arg := strings.ToLower(strings.TrimSpace(c.Args))
	switch arg {
	case "":
		now := c.P.Prefs.Color
		if now == "" {
			now = "auto"
		}
		c.Send(fmt.Sprintf("Colour: %s. (color auto|off|16|256|true)", now))
		return
	case "auto":
		arg = ""
	case "off", "16", "256", "true":
	case "none", "0":
		arg = "off"
	case "truecolor", "24bit":
		arg = "true"
	default:
		c.Send("Colour is auto, off, 16, 256 or true.")
		return
	}
	c.P.Prefs.Color = arg
	c.P.colorAsked = true
	c.W.touch(c.P)
	if arg == "" {
		arg = "auto"
	}
	c.Send(fmt.Sprintf("{gColour set to %s.{x", arg))
}

func cmdPrompt(c *Ctx) {
	arg := c.Args
	switch {
	case arg == "":
		if c.P.Prefs.Prompt == "" {
			c.Send("Your prompt is the plain '>'. Set one with: prompt <format>. Tokens: " + promptTokens + ".")
			return
		}
		c.Send(fmt.Sprintf("Your prompt is %q. 'prompt default' goes back to '>'.", c.P.Prefs.Prompt))
		return
	case strings.EqualFold(arg, "default"):
		c.P.Prefs.Prompt = ""
	case len(arg) > MaxPrompt:
		c.Send(fmt.Sprintf("A prompt is at most %d characters.", MaxPrompt))
		return
	default:
		c.P.Prefs.Prompt = arg
	}
	c.W.touch(c.P)
	c.Send("Prompt set.")
}
