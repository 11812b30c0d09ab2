package engine

import (
	"fmt"
	"time"

	"shardmud/world"
	"shardmud/world/area"
)

// departure is the last state of a character who left the world. A login
// reads the database, which may not have it yet; the loop hands this one
// over instead until the save that carries it is on disk (and a while
// after, for logins that read the database just before).
type departure struct {
	rec  world.PlayerRecord
	seq  uint64    // the delta that saves it; 0 until taken
	done time.Time // when that delta was seen written
}

// departedGrace is how long a departure is kept once its save is written.
const departedGrace = time.Minute

// snapshot takes what changed in the world since the last one and hands it
// to the saver, on the loop, at a boundary between events. Its cost is the
// tick's stall, measured.
func (s *Server) snapshot() (seq uint64) {
	start := time.Now()
	d := s.world.TakeDelta()
	s.addAreaFiles(d)
	d.Moves, s.moves = s.moves, nil
	if !d.Empty() {
		seq = s.saver.put(d)
	}
	if len(s.afterSave) > 0 {
		carried := s.saver.last() // this delta, or the last one if nothing changed since
		for _, fn := range s.afterSave {
			fn(carried)
		}
		s.afterSave = s.afterSave[:0]
	}
	s.stats.stall.observe(time.Since(start))
	written := s.saver.written.Load()
	for key, dep := range s.departed {
		switch {
		case dep.seq == 0:
			if seq != 0 {
				dep.seq = seq
			}
		case dep.seq <= written && dep.done.IsZero():
			dep.done = start
		case !dep.done.IsZero() && start.Sub(dep.done) > departedGrace:
			delete(s.departed, key)
		}
	}
	return seq
}

// addAreaFiles writes the areas builders edited since the last snapshot
// into d, as area files, and keeps them for reloads to overlay.
func (s *Server) addAreaFiles(d *world.Delta) {
	for _, id := range s.discarded {
		d.AreaFiles = append(d.AreaFiles, world.AreaFile{ID: id})
	}
	s.discarded = nil
	for _, id := range s.world.TakeEditedAreas() {
		a := s.world.Area(id)
		if a == nil {
			continue
		}
		data, err := area.Marshal(a, s.world.ItemProtos(), s.world.MobProtos())
		if err != nil {
			s.log.Error("cannot write an edited area; its edits are not saved", "area", id, "err", err)
			s.notifyStaff(fmt.Sprintf("{R[db]{x The edits to area %s cannot be saved: %v", id, err))
			continue
		}
		s.areaEdits[id] = data
		d.AreaFiles = append(d.AreaFiles, world.AreaFile{ID: id, Data: data})
	}
}

// saveProblem is the saver telling that saving fails (err) or works again
// (nil); staff online hear it, and those who log in later.
func (s *Server) saveProblem(err error) {
	msg := "{G[db]{x Saving the world works again."
	if err != nil {
		msg = fmt.Sprintf("{R[db]{x Saving the world FAILED: %v. The game goes on and the save is retried; nothing is lost unless the server stops.", err)
	}
	s.post(event{kind: evFunc, fn: func() { s.notifyStaff(msg) }})
}
