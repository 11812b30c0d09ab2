package engine

import (
	"fmt"
	"time"

	"shardmud/world"
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
func (s *Server) snapshot() {
	start := time.Now()
	d := s.world.TakeDelta()
	var seq uint64
	if !d.Empty() {
		seq = s.saver.put(d)
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
