package world

import "strings"

// Dir is one of the ten directions an exit can lead.
type Dir int8

const (
	North Dir = iota
	East
	South
	West
	Up
	Down
	Northeast
	Northwest
	Southeast
	Southwest
	NumDirs
)

var dirNames = [NumDirs]string{"north", "east", "south", "west", "up", "down",
	"northeast", "northwest", "southeast", "southwest"}

var dirShort = [NumDirs]string{"n", "e", "s", "w", "u", "d", "ne", "nw", "se", "sw"}

var dirReverse = [NumDirs]Dir{South, West, North, East, Down, Up,
	Southwest, Southeast, Northwest, Northeast}

func (d Dir) String() string { return dirNames[d] }

// Short is the one- or two-letter abbreviation players type.
func (d Dir) Short() string { return dirShort[d] }

// Reverse is the direction that leads back.
func (d Dir) Reverse() Dir { return dirReverse[d] }

// from words arrival messages: "arrives from the north", "arrives from below".
func (d Dir) from() string {
	switch d {
	case Up:
		return "above"
	case Down:
		return "below"
	}
	return "the " + dirNames[d]
}

// ParseDir reads a full direction name or its abbreviation.
func ParseDir(s string) (Dir, bool) {
	s = strings.ToLower(s)
	for d := Dir(0); d < NumDirs; d++ {
		if s == dirNames[d] || s == dirShort[d] {
			return d, true
		}
	}
	return 0, false
}
