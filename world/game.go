package world

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The game's numbers: what fights, grows, is worn and is sold.

// Stats are a character's numbers. NPCs have theirs from their prototype's
// level; players' are saved.
type Stats struct {
	Level, Exp         int
	HP, MaxHP          int
	Mana, MaxMana      int
	Str, Dex, Con, Int int
}

// Position is how a character is: it limits what it can do and how fast
// it heals.
type Position int8

const (
	Standing Position = iota
	Sitting
	Resting
	Sleeping
	Fighting
)

var positionNames = [...]string{"standing", "sitting", "resting", "sleeping", "fighting"}

func (p Position) String() string { return positionNames[p] }

// Dice is an amount rolled: N dice of Sides sides, plus Bonus ("2d6+1").
type Dice struct{ N, Sides, Bonus int }

// ParseDice reads "2d6", "1d8+2", "3d4-1" or a plain number.
func ParseDice(s string) (Dice, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(s); err == nil {
		if n < -10000 || n > 10000 {
			return Dice{}, fmt.Errorf("%q is out of range (-10000 to 10000)", s)
		}
		return Dice{Bonus: n}, nil
	}
	var d Dice
	nText, rest, ok := strings.Cut(s, "d")
	if !ok {
		return d, fmt.Errorf("%q is not dice (like 2d6+1)", s)
	}
	sidesText, bonusText := rest, ""
	if i := strings.IndexAny(rest, "+-"); i >= 0 {
		sidesText, bonusText = rest[:i], rest[i:]
	}
	var err error
	if d.N, err = strconv.Atoi(nText); err != nil || d.N < 1 || d.N > 100 {
		return d, fmt.Errorf("%q is not dice (like 2d6+1): 1 to 100 dice", s)
	}
	if d.Sides, err = strconv.Atoi(sidesText); err != nil || d.Sides < 1 || d.Sides > 1000 {
		return d, fmt.Errorf("%q is not dice (like 2d6+1): 1 to 1000 sides", s)
	}
	if bonusText != "" {
		if d.Bonus, err = strconv.Atoi(bonusText); err != nil || d.Bonus < -10000 || d.Bonus > 10000 {
			return d, fmt.Errorf("%q is not dice (like 2d6+1)", s)
		}
	}
	return d, nil
}

// String writes d as ParseDice reads it; "" for no dice.
func (d Dice) String() string {
	switch {
	case d == Dice{}:
		return ""
	case d.N == 0:
		return strconv.Itoa(d.Bonus)
	case d.Bonus > 0:
		return fmt.Sprintf("%dd%d+%d", d.N, d.Sides, d.Bonus)
	case d.Bonus < 0:
		return fmt.Sprintf("%dd%d%d", d.N, d.Sides, d.Bonus)
	}
	return fmt.Sprintf("%dd%d", d.N, d.Sides)
}

// Roll rolls d.
func (d Dice) Roll(r *rand.Rand) int {
	total := d.Bonus
	for range d.N {
		total += 1 + r.IntN(d.Sides)
	}
	return total
}

// Slots are where things are worn, in the order equipment lists them.
var Slots = []string{"light", "head", "neck", "body", "about", "arms", "hands", "finger", "waist", "legs", "feet", "shield", "wield", "hold"}

// ValidSlot reports whether s is a wear slot.
func ValidSlot(s string) bool {
	for _, x := range Slots {
		if x == s {
			return true
		}
	}
	return false
}

// Bonuses items may give their wearer.
var BonusNames = []string{"str", "dex", "con", "int", "hp", "mana", "hit", "dam"}

// Shop is what an NPC sells and buys.
type Shop struct {
	// Sells maps item prototype ids to the most in stock; resets refill it.
	Sells map[string]int
	// Markup is the percentage of an item's value the shop asks (default
	// 120); Buys the percentage it pays for what players sell (default 50;
	// 0: it buys nothing).
	Markup, Buys int
}

// ResetMode says when an area's resets run.
type ResetMode int8

const (
	ResetAlways ResetMode = iota // on its interval, players there or not
	ResetEmpty                   // on its interval, only when no player is in the area
	ResetNever                   // never: the area is populated once, when first loaded
)

var resetModeNames = [...]string{ResetAlways: "always", ResetEmpty: "empty", ResetNever: "never"}

func (m ResetMode) String() string {
	if m >= 0 && int(m) < len(resetModeNames) {
		return resetModeNames[m]
	}
	return "always"
}

// ParseResetMode reads what String writes.
func ParseResetMode(s string) (ResetMode, bool) {
	for m, name := range resetModeNames {
		if name == s {
			return ResetMode(m), true
		}
	}
	return 0, false
}

// RoomFlags change the rules in a room.
type RoomFlags struct {
	PvP      bool // players may attack players here
	Peaceful bool // no fighting at all
}

// StartingGold is what a new character has, enough for a first weapon.
const StartingGold = 30

// NewStats are a new character's: level 1, average in everything.
func NewStats() Stats {
	s := Stats{Level: 1, Str: 13, Dex: 13, Con: 13, Int: 13}
	s.MaxHP, s.MaxMana = levelHP(1, 13), levelMana(1, 13)
	s.HP, s.Mana = s.MaxHP, s.MaxMana
	return s
}

// levelHP and levelMana are a player's maximums at a level.
func levelHP(level, con int) int    { return 20 + (level-1)*(10+statBonus(con)) }
func levelMana(level, intl int) int { return 10 + (level-1)*(5+statBonus(intl)) }

// statBonus is what a base stat adds to rolls: 0 at 13, +1 every 2 above.
func statBonus(v int) int { return (v - 13) / 2 }

// ExpToLevel is the experience a character needs to reach level+1.
func ExpToLevel(level int) int { return 100 * level * level }

// MaxHP is an NPC's hit points at full health.
func (m *Mobile) MaxHP() int { return 6*max(m.Proto.Level, 1) + 4 }

// Short is how the item is named in sentences.
func (it *Item) Short() string {
	if it.Name != "" {
		return it.Name
	}
	return it.Proto.Short
}

// Long is the line the item has in a room.
func (it *Item) Long() string {
	if it.Proto == coinsProto && it.Gold != 1 {
		return capFirst(it.Name) + " lie here."
	}
	if it.Name != "" {
		return capFirst(it.Name) + " lies here."
	}
	return it.Proto.Long
}
