package world

// Merge applies a reloaded world definition to the running world without
// disturbing who and what is in it: rooms keep their occupants and items,
// prototypes keep their identity (so existing items and NPCs show the new
// text at once), doors keep their current state where the exit already
// existed. New rooms, areas and prototypes are added and their spawns
// placed; rooms that vanished from the files are kept, since someone may
// stand in them. It returns what changed, for the builder.
func (w *World) Merge(bp *Blueprint) MergeReport {
	var rep MergeReport
	areas := make(map[string]*Area, len(w.areas))
	for _, a := range w.areas {
		areas[a.ID] = a
	}
	var added []*Room
	for _, na := range bp.Areas {
		a := areas[na.ID]
		if a == nil {
			a = &Area{ID: na.ID}
			w.areas = append(w.areas, a)
			areas[a.ID] = a
			rep.Areas++
		}
		a.Name, a.Author = na.Name, na.Author
		for _, nr := range na.Rooms {
			r := w.rooms[nr.ID]
			if r == nil {
				r = &Room{ID: nr.ID, Area: a, Spawns: nr.Spawns}
				w.rooms[r.ID] = r
				a.Rooms = append(a.Rooms, r)
				added = append(added, r)
				rep.RoomsAdded++
			} else {
				rep.RoomsUpdated++
			}
			r.Name, r.Desc = nr.Name, nr.Desc
			if r.Script != nr.Script {
				r.Script = nr.Script
				if r.Script != "" {
					w.cfg.Scripts.Spawned(r)
				}
			}
		}
	}
	// Exits once every room exists, pointing at the live rooms.
	for _, na := range bp.Areas {
		for _, nr := range na.Rooms {
			r := w.rooms[nr.ID]
			for d, ne := range nr.Exits {
				if ne == nil {
					r.Exits[d] = nil
					continue
				}
				ex := &Exit{Shard: ne.Shard, Remote: ne.Remote, Door: ne.Door, Closed: ne.Closed,
					Locked: ne.Locked, Hidden: ne.Hidden, Key: ne.Key, StartClosed: ne.StartClosed, StartLocked: ne.StartLocked}
				if ne.To != nil {
					ex.To = w.rooms[ne.To.ID]
				}
				if old := r.Exits[d]; old != nil && old.Door && ex.Door {
					ex.Closed, ex.Locked = old.Closed, old.Locked // a door keeps its state
				}
				r.Exits[d] = ex
			}
		}
	}
	newlyScripted := make(map[any]bool) // prototypes that gained a script
	for id, np := range bp.Items {
		if p := w.items[id]; p != nil {
			if p.Script == "" && np.Script != "" {
				newlyScripted[p] = true
			}
			*p = *np
			rep.ProtosUpdated++
		} else {
			w.items[id] = np
			rep.ProtosAdded++
		}
	}
	for id, np := range bp.Mobs {
		if p := w.mobs[id]; p != nil {
			if p.Script == "" && np.Script != "" {
				newlyScripted[p] = true
			}
			*p = *np
			rep.ProtosUpdated++
		} else {
			w.mobs[id] = np
			rep.ProtosAdded++
		}
	}
	if len(newlyScripted) > 0 { // existing instances start their behaviour
		for _, r := range w.Rooms() { // area order, not the map's: on_spawn hooks may roll dice
			for _, m := range r.Mobs {
				if newlyScripted[m.Proto] {
					w.cfg.Scripts.Spawned(m)
				}
			}
			for _, it := range r.Items {
				if newlyScripted[it.Proto] {
					w.cfg.Scripts.Spawned(it)
				}
			}
		}
	}
	if start := w.rooms[bp.Start]; start != nil {
		w.start = start
	}
	if bp.Name != "" {
		w.name = bp.Name
	}
	w.help = bp.Help
	for _, r := range added {
		w.resetRoom(r) // prototypes were checked at load
	}
	if rep.Areas > 0 {
		w.areasChanged = true
	}
	return rep
}

// MergeReport counts what a Merge changed.
type MergeReport struct {
	Areas, RoomsAdded, RoomsUpdated, ProtosAdded, ProtosUpdated int
}
