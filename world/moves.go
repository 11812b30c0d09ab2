package world

import (
	"slices"
	"strconv"
)

// Handoff moves. The host records in its deltas how a character's saved
// row follows it across shards, in order with the rest of what changed, so
// that the database of a shard never shows a character both gone and here,
// nor its items in two places.

// MoveKind says how a character's row changes in a handoff.
type MoveKind uint8

const (
	MoveLeaving MoveKind = iota + 1 // the character is crossing to Peer (handoff ID): its row and items stay as they are, marked leaving, until the ledger decides
	MoveGone                        // the character now lives on Peer: its items (however deeply contained) and their script state are deleted; the row stays, marked away at Peer, so its name and password are still known here
	MoveArrived                     // the character arrives from Peer (handoff ID): Record (with Items and States) and Hash replace whatever row and items it had here; marked arriving until MoveHome
	MoveHome                        // the character is an ordinary resident again: leaving/arriving/away marks cleared
)

// early reports whether moves of kind k are saved before the rest of their
// delta (see Delta.Moves).
func (k MoveKind) early() bool { return k == MoveArrived || k == MoveHome }

// CharacterMove is one change of a character's residence, saved in a Delta.
type CharacterMove struct {
	Kind   MoveKind
	Name   string        // the character's name (any case; the key is PlayerKey(Name))
	Peer   string        // the other shard
	ID     string        // the handoff's id
	Record *PlayerRecord // MoveArrived only: the whole character, items and their States included
	Hash   []byte        // MoveArrived only: the bcrypt password hash
	// Settled is for MoveArrived only: a MoveHome followed it and
	// FoldMoves or Merge folded the two, so the row ends an ordinary
	// resident's. A MoveHome in its place would lose Record and Hash.
	Settled bool
}

// FoldMoves returns moves, listed in the order they were made, folded into
// as few as have the same effect saved in two phases (see Delta.Moves):
// one per character, or two when an arrival is followed by a leaving or a
// departure (the arrival's row and items must still be written). A store
// folds a delta's moves before it saves them. moves is left as it is.
func FoldMoves(moves []CharacterMove) []CharacterMove {
	out := make([]CharacterMove, 0, len(moves))
	for _, m := range moves {
		out = addMove(out, m)
	}
	return out
}

// addMove adds m, made after all of ms (folded), to ms, in place of the
// character's moves it overrides.
func addMove(ms []CharacterMove, m CharacterMove) []CharacterMove {
	early, late := movesOf(ms, PlayerKey(m.Name))
	switch m.Kind {
	case MoveArrived:
		if early < 0 {
			early, late = late, -1
		}
	case MoveHome:
		if early >= 0 {
			settled := ms[early].Kind == MoveArrived
			m = ms[early]
			m.Settled = settled
		} else {
			early, late = late, -1
		}
	case MoveLeaving, MoveGone:
		if early < 0 || ms[early].Kind != MoveHome { // a MoveHome does nothing a later mark does not undo
			early, late = late, -1
		}
	}
	if early < 0 {
		return append(ms, m)
	}
	ms[early] = m
	if late >= 0 {
		ms = slices.Delete(ms, late, late+1)
	}
	return ms
}

// movesOf finds the moves of the character key in ms, by phase: -1 for
// none.
func movesOf(ms []CharacterMove, key string) (early, late int) {
	early, late = -1, -1
	for i, m := range ms {
		if PlayerKey(m.Name) == key {
			if m.Kind.early() {
				early = i
			} else {
				late = i
			}
		}
	}
	return early, late
}

// mergeMoves adds later's moves to d's. Merge calls it before it merges
// the rest of later, so that an arrival forgets only what d saved of the
// character before it.
func (d *Delta) mergeMoves(later []CharacterMove) {
	d.Moves = FoldMoves(d.Moves)
	for _, m := range later {
		if m.Kind == MoveArrived {
			key := PlayerKey(m.Name)
			if early, _ := movesOf(d.Moves, key); early >= 0 && d.Moves[early].Kind == MoveArrived {
				d.unpack(d.Moves[early].Record)
			}
			d.forget(key)
		}
		d.Moves = addMove(d.Moves, m)
	}
}

// unpack turns an arrival that a later one replaces into ordinary changes
// of d: its items become Items (unless d moved or destroyed them since),
// so that those the character put down before it left again are saved
// where they lie, contents and script state included.
func (d *Delta) unpack(rec *PlayerRecord) {
	gone := make(map[uint64]bool, len(d.GoneItems))
	for _, id := range d.GoneItems {
		gone[id] = true
	}
	moved := make(map[uint64]bool, len(d.Items))
	for _, it := range d.Items {
		moved[it.ID] = true
	}
	stated := make(map[string]bool, len(d.States))
	for _, st := range d.States {
		stated[st.Entity] = true
	}
	var items []ItemRecord
	var states []StateRecord
	for _, it := range rec.Items {
		if gone[it.ID] {
			continue
		}
		if !moved[it.ID] {
			items = append(items, it)
		}
		entity := "item:" + strconv.FormatUint(it.ID, 10)
		if data := rec.States[it.ID]; data != nil && !stated[entity] {
			states = append(states, StateRecord{Entity: entity, Data: data})
		}
	}
	d.Items = append(items, d.Items...)
	d.States = append(states, d.States...)
}

// forget drops what d saved of the character key before an arrival
// replaces it whole: its row, and the items d put in its hands, however
// deep, which become gone (they left with it). Items d put in containers
// it does not move are for the store to find: it deletes what the
// character held before it arrived after the rest of the delta.
func (d *Delta) forget(key string) {
	d.Players = slices.DeleteFunc(d.Players, func(r PlayerRecord) bool { return PlayerKey(r.Name) == key })
	byID := make(map[string]ItemRecord, len(d.Items))
	for _, it := range d.Items {
		byID[strconv.FormatUint(it.ID, 10)] = it
	}
	held := func(it ItemRecord) bool {
		for range len(byID) + 1 { // bounded, should a bad delta nest items in a loop
			switch it.Kind {
			case InPlayer:
				return it.Holder == key
			case InItem:
				var ok bool
				if it, ok = byID[it.Holder]; !ok {
					return false
				}
			default:
				return false
			}
		}
		return false
	}
	gone := make(map[string]bool)
	d.Items = slices.DeleteFunc(d.Items, func(it ItemRecord) bool {
		if !held(it) {
			return false
		}
		d.GoneItems = append(d.GoneItems, it.ID)
		gone["item:"+strconv.FormatUint(it.ID, 10)] = true
		return true
	})
	d.States = slices.DeleteFunc(d.States, func(r StateRecord) bool { return gone[r.Entity] })
}
