package world_test

import (
	"testing"

	"shardmud/world"
)

func TestTakeDirtyHasOnlyChangedPlayers(t *testing.T) {
	w, _ := newTestWorld(t)
	alice := w.Enter(world.PlayerRecord{Name: "Alice"}, &fakeLink{})
	w.Enter(world.PlayerRecord{Name: "Bob"}, &fakeLink{})
	if got := len(w.TakeDirty()); got != 2 {
		t.Fatalf("after two logins %d dirty, want 2", got)
	}
	if got := len(w.TakeDirty()); got != 0 {
		t.Fatalf("nothing changed, yet %d dirty", got)
	}
	w.Do(alice, "get stick")
	recs := w.TakeDirty()
	if len(recs) != 1 || recs[0].Name != "Alice" || len(recs[0].Items) != 1 {
		t.Fatalf("after get: %+v", recs)
	}
	w.Do(alice, "look")
	w.Do(alice, "say hi")
	if got := len(w.TakeDirty()); got != 0 {
		t.Fatalf("look and say changed nothing, yet %d dirty", got)
	}
	w.Do(alice, "north")
	if recs := w.TakeDirty(); len(recs) != 1 || recs[0].Room != "thornwick.market_lane" {
		t.Fatalf("after moving: %+v", recs)
	}
}
