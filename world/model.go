package world

import (
	"strings"
	"time"
)

// Area is a named group of rooms that builders write as one file.
type Area struct {
	ID, Name, Author string
	Rooms            []*Room
	// Reset is how often the area respawns what is missing from its rooms'
	// spawn lists; 0 never does, whatever ResetMode says.
	Reset     time.Duration
	ResetMode ResetMode
	nextReset uint64 // tick of the next reset
}

// Mode is when the area resets: ResetNever also for an interval of 0
// (an area file's "reset: never"), so the two ways of saying it agree.
func (a *Area) Mode() ResetMode {
	if a.Reset <= 0 {
		return ResetNever
	}
	return a.ResetMode
}

// Room is a place. Its contents are owned by the world and change only
// through World methods, so that every entity is in exactly one place.
type Room struct {
	ID   string // "<area>.<key>", stable across restarts
	Area *Area
	Name string
	Desc string

	Exits [NumDirs]*Exit

	// Spawns lists what the area places here when the world is built.
	Spawns []Spawn
	// Script names the room's behaviour ("" for none).
	Script string
	Flags  RoomFlags

	Items   []*Item
	Mobs    []*Mobile
	Players []*Player
}

// Exit is one way out of a room.
type Exit struct {
	To *Room
	// Door: the exit can be closed. Closed blocks walking; Locked blocks
	// opening without Key (an item prototype id). Hidden exits are not
	// listed while closed: a lever or a script reveals them.
	Door, Closed, Locked, Hidden bool
	Key                          string
	// StartClosed and StartLocked are the door's state as the area defines
	// it: where resets put it back, and what an export writes. Closed and
	// Locked are its state now.
	StartClosed, StartLocked bool
	// Shard makes the exit a portal to another shard: it leads to the room
	// Remote there ("" for that shard's start room), and To is nil.
	Shard, Remote string
}

// Visible reports whether the exit shows in the Exits: line.
func (e *Exit) Visible() bool { return !(e.Hidden && e.Closed) }

// Portal reports whether the exit leads to another shard.
func (e *Exit) Portal() bool { return e.Shard != "" }

// Target names where the exit leads: a room id, or shard:room for a portal.
func (e *Exit) Target() string {
	if e.Portal() {
		return e.Shard + ":" + e.Remote
	}
	if e.To == nil {
		return ""
	}
	return e.To.ID
}

// SplitPortal reads a portal target, shard:room; ok is false for a plain
// room reference (no colon).
func SplitPortal(ref string) (shard, room string, ok bool) {
	return strings.Cut(ref, ":")
}

// SpawnKind says whether a Spawn places an item or a mobile.
type SpawnKind int8

const (
	SpawnItem SpawnKind = iota
	SpawnMob
)

// Spawn is one entry of a room's load list.
type Spawn struct {
	Kind  SpawnKind
	Proto string // prototype id
}

// ItemProto is the shared definition of an item; instances point to it.
type ItemProto struct {
	ID       string // "<area>.<key>"
	Short    string // "a brass lantern": used inside sentences
	Long     string // the line shown when it lies in a room
	Desc     string // what examine shows
	Keywords []string
	Fixed    bool   // cannot be picked up
	Script   string // behaviour of every item made from this prototype

	Slot     string         // where it is worn ("wield" for weapons), "" if not
	Damage   Dice           // a weapon's damage
	Armor    int            // armour it gives when worn
	Bonus    map[string]int // what it adds to its wearer: str, dex, con, int, hp, mana, hit, dam
	Weight   int
	Value    int // in gold: shops' prices start here
	Capacity int // a container: the weight it holds; 0 if it is not one
}

// Item is one object in the world.
type Item struct {
	ID    uint64
	Proto *ItemProto
	Slot  string  // where its holder wears it, "" if carried
	Items []*Item // a container's contents
	Name  string  // this one's own short description, "" for its prototype's (a corpse's "the corpse of ...")
	Gold  int     // a pile of coins (CoinsProto): how many; whoever picks it up pockets them
	decay uint64  // tick at which it crumbles away, 0 for never
	in    Holder  // where it is: exactly one place
	seq   uint64  // when it arrived there: orders a holder's items
	spawn string  // the spawn slot that made it, "" if none
	dirty bool    // changed since the last snapshot
}

// Holder is anything items can be in: a *Room, a *Player, a *Mobile or a
// container *Item.
type Holder interface{ itemList() *[]*Item }

// In is where the item is.
func (it *Item) In() Holder { return it.in }

func (r *Room) itemList() *[]*Item   { return &r.Items }
func (p *Player) itemList() *[]*Item { return &p.Items }
func (m *Mobile) itemList() *[]*Item { return &m.Items }
func (it *Item) itemList() *[]*Item  { return &it.Items }

// MobProto is the shared definition of a non-player character.
type MobProto struct {
	ID       string
	Short    string
	Long     string
	Desc     string
	Keywords []string
	Script   string

	Level      int  // 1 and up: hit points, damage and experience follow from it
	Damage     Dice // its bare-handed blow; "" for what its level gives
	Armor      int
	Gold       int  // carried, left on its corpse as coins
	Aggressive bool // attacks players on sight
	Shop       *Shop
	// Items are the item prototypes each NPC made from it is spawned
	// with: worn or wielded where their slot is free, carried otherwise,
	// and left on its corpse.
	Items []string
}

// Mobile is a non-player character.
type Mobile struct {
	ID    uint64
	Proto *MobProto
	Room  *Room // nil once removed
	Items []*Item
	Attrs map[string]float64 // numeric attributes scripts may read and change
	HP    int
	Pos   Position
	Stock map[string]int // a shopkeeper's stock by item prototype
	foe   fighter        // whom it is fighting, nil if nobody
	spawn string         // the spawn slot that made it, "" if none
	dirty bool           // changed since the last snapshot
}

// Link is how the world reaches a player's connection. The engine implements
// it; calls come from the engine goroutine and must never block.
type Link interface {
	// Send queues one message (one or more lines of markup, no line end).
	Send(text string)
	// Close ends the connection after what was already sent, for reason.
	Close(reason string)
}

// Player is a character controlled by a person.
type Player struct {
	Name  string // as displayed, capitalised
	Role  Role
	Room  *Room
	Items []*Item

	Attrs map[string]float64
	Stats Stats
	Gold  int
	Pos   Position
	Wimpy int // flee when hit points fall below this
	Prefs Prefs
	foe   fighter // whom it is fighting, nil if nobody

	// Invis hides an admin from who, room listings and arrival messages
	// for everyone below admin.
	Invis bool

	link         Link   // nil while link-dead
	linkDeadTick uint64 // tick at which the link dropped
	loginTick    uint64
	editor       *editor // non-nil while typing a long text

	following *Player         // whom this player walks after; nil for no one
	group     *Group          // the group this player is in; nil for none
	Muted     map[string]bool // channel name -> turned off; not saved
	key       string          // Key, once folded

	// ScreenReader: the client reads text aloud (MTTS bit 64), so lists are
	// written as sentences rather than padded grids, which a reader speaks
	// as runs of blanks. The engine sets it before each command.
	ScreenReader bool
	// colorAsked: the player typed a colour setting in this session, so it
	// applies even on a screen reader, where a saved one does not.
	colorAsked bool
}

// ColorAsked reports whether p chose its colour setting in this session
// (not only from its saved preferences): a screen reader gets colour only
// then.
func (p *Player) ColorAsked() bool { return p.colorAsked }

// Key is the case-folded name that identifies the character.
func (p *Player) Key() string {
	if p.key == "" { // a name never changes: fold it once (rules sort and look up by it)
		p.key = strings.ToLower(p.Name)
	}
	return p.key
}

// Send writes a message to the player if anyone is connected to it.
func (p *Player) Send(text string) {
	if p.link != nil {
		p.link.Send(text)
	}
}

// Link returns the player's current connection, nil while link-dead.
func (p *Player) Link() Link { return p.link }

// LinkDead reports whether the player's connection has dropped.
func (p *Player) LinkDead() bool { return p.link == nil }

// matches reports whether word names something with these keywords: a
// keyword equal to it or starting with it.
func matches(keywords []string, word string) bool {
	for _, k := range keywords {
		if strings.HasPrefix(k, word) {
			return true
		}
	}
	return false
}

func (it *Item) matches(word string) bool  { return matches(it.Proto.Keywords, word) }
func (m *Mobile) matches(word string) bool { return matches(m.Proto.Keywords, word) }
func (p *Player) matches(word string) bool { return strings.HasPrefix(p.Key(), word) }

// remove deletes x from list keeping the order players see.
func remove[T comparable](list []T, x T) []T {
	for i, y := range list {
		if y == x {
			copy(list[i:], list[i+1:])
			var zero T
			list[len(list)-1] = zero
			return list[:len(list)-1]
		}
	}
	return list
}
