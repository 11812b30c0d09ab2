package engine

import (
	"fmt"
	"time"

	"shardmud/world"
)

// A notice is something staff must hear about: a failing script, a
// database that will not save. Builders and admins online get it at once;
// those who log in later get the latest few, so a problem that struck
// while nobody was watching is not lost.
type notice struct {
	at   time.Time
	text string
}

const (
	// MaxNotices is how many recent notices are kept for staff who log in.
	MaxNotices = 8
	// NoticeAge is how long a notice is worth replaying.
	NoticeAge = time.Hour
)

// notifyStaff tells every builder and admin online, and keeps the notice
// for those who come later. Loop only.
func (s *Server) notifyStaff(text string) {
	if len(s.notices) == MaxNotices {
		copy(s.notices, s.notices[1:])
		s.notices = s.notices[:MaxNotices-1]
	}
	s.notices = append(s.notices, notice{at: time.Now(), text: text})
	if s.world != nil {
		s.world.NotifyStaff(text)
	}
}

// replayNotices shows a builder or admin who just logged in the recent
// notices, oldest first. Loop only.
func (s *Server) replayNotices(p *world.Player) {
	if p == nil || p.Role < world.RoleBuilder {
		return
	}
	now := time.Now()
	var fresh []notice
	for _, n := range s.notices {
		if now.Sub(n.at) < NoticeAge {
			fresh = append(fresh, n)
		}
	}
	if len(fresh) == 0 {
		return
	}
	p.Send(fmt.Sprintf("{YStaff notices from the last hour (%d):{x", len(fresh)))
	for _, n := range fresh {
		p.Send(fmt.Sprintf("  %s ago: %s", now.Sub(n.at).Round(time.Second), n.text))
	}
}
