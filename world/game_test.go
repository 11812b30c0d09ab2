package world_test

import (
	"testing"

	"shardmud/world"
)

func FuzzParseDice(f *testing.F) {
	for _, s := range []string{"2d6", "1d8+2", "3d4-1", "7", "d6", "2d", "0d0", "-1d4", "1d1-1", "100d1000+10000", "2d6+", "١d6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := world.ParseDice(s)
		if err != nil {
			return
		}
		if d.N < 0 || d.N > 100 || d.Sides < 0 || d.Sides > 1000 {
			t.Fatalf("%q parsed to %+v", s, d)
		}
		back, err := world.ParseDice(d.String())
		if d.String() != "" && (err != nil || back != d) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, d, d.String(), back, err)
		}
	})
}
