package engine

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

// journal appends events to the database's events table from its own
// goroutine, in batches. record never blocks: when the queue is full the
// event is dropped and counted, and when the database fails the unwritten
// events are kept (up to JournalHeld) and retried. The game never waits
// for its history.
type journal struct {
	store *store.Store
	shard string
	log   *slog.Logger
	// problem is told when writing starts failing and when it works again.
	problem func(err error)

	ch       chan store.Event
	flushReq chan chan struct{}
	stop     chan struct{}
	done     chan struct{}

	written, dropped, failures atomic.Uint64
	// fault, when set, is written instead of store: tests put a read-only
	// handle on the same file here to make writes fail (see saver.fault).
	fault atomic.Pointer[store.Store]
}

func newJournal(st *store.Store, shard string, log *slog.Logger, problem func(error)) *journal {
	return &journal{
		store: st, shard: shard, log: log, problem: problem,
		ch:       make(chan store.Event, JournalQueue),
		flushReq: make(chan chan struct{}),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// record queues e, stamped now; if the queue is full, e is dropped.
func (j *journal) record(e store.Event) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	select {
	case j.ch <- e:
	default:
		j.dropped.Add(1)
	}
}

func (j *journal) run() {
	defer close(j.done)
	var batch []store.Event
	var waiting []chan struct{} // flush requests to answer
	flush := time.NewTimer(JournalFlush)
	defer flush.Stop()
	retry := time.Duration(0)
	for {
		select {
		case e := <-j.ch:
			batch = append(batch, e)
			if len(batch) < JournalBatch || retry > 0 {
				if len(batch) > JournalHeld {
					j.dropped.Add(uint64(len(batch) - JournalHeld))
					// Resliced, not copied: a copy per event would be
					// JournalHeld events moved for every one that arrives
					// while the database fails. append reallocates, with
					// only the held ones, when the array runs out.
					batch = batch[len(batch)-JournalHeld:]
				}
				continue
			}
		case <-flush.C:
		case done := <-j.flushReq:
			// Everything recorded before the request is in j.ch already.
			for drained := false; !drained; {
				select {
				case e := <-j.ch:
					batch = append(batch, e)
				default:
					drained = true
				}
			}
			waiting = append(waiting, done) // answered once this batch is written (or kept for a retry)
		case <-j.stop:
			for {
				select {
				case e := <-j.ch:
					batch = append(batch, e)
				default:
					if len(batch) > 0 {
						j.write(batch)
					}
					return
				}
			}
		}
		next := JournalFlush
		if len(batch) > 0 {
			// What was written goes, whatever failed after it: a retry
			// never writes an event twice.
			n, err := j.write(batch)
			batch = append(batch[:0], batch[n:]...)
			if err != nil {
				if retry == 0 {
					j.problem(err)
				}
				retry = min(max(2*retry, time.Second), 30*time.Second)
				j.log.Error("JOURNAL WRITE FAILED; events are kept and retried", "err", err, "retry_in", retry, "held", len(batch))
				next = retry
			} else {
				if retry > 0 {
					retry = 0
					j.log.Info("journal writes work again")
					j.problem(nil)
				}
			}
		}
		for _, done := range waiting {
			close(done)
		}
		waiting = waiting[:0]
		flush.Reset(next)
	}
}

// flush has what was recorded so far written before it returns (or kept
// for a retry, if the database fails), for readers that need the latest:
// the audit command. It gives up after timeout.
func (j *journal) flush(timeout time.Duration) {
	done := make(chan struct{})
	select {
	case j.flushReq <- done:
	case <-time.After(timeout):
		return
	}
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// write writes batch in transactions of at most JournalBatch events and
// returns how many of them are on disk.
func (j *journal) write(batch []store.Event) (written int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := j.store
	if f := j.fault.Load(); f != nil {
		st = f
	}
	for written < len(batch) {
		n := min(len(batch)-written, JournalBatch)
		if err := st.AppendEvents(ctx, j.shard, batch[written:written+n]); err != nil {
			j.failures.Add(1)
			return written, err
		}
		j.written.Add(uint64(n))
		written += n
	}
	return written, nil
}

// close writes what is queued and stops the goroutine.
func (j *journal) close() {
	close(j.stop)
	<-j.done
}

// cmdKey counts commands by verb and room between journal flushes.
type cmdKey struct{ verb, room string }

// Record is the world telling the engine something for the journal.
// Commands, the frequent kind, are counted on the loop and written as one
// row per verb and room every CommandFlush.
func (h host) Record(e world.Event) {
	if e.Kind == "command" {
		h.s.commandCounts[cmdKey{e.Target, e.Room}]++
		return
	}
	if e.Kind == "admin" {
		// A staff command may have moved a player, edited an area or
		// thrown someone out: saved at once, as any admin edit is, not at
		// the next interval.
		h.s.world.SaveSoon()
		// Where the staff member connected from.
		if p := h.s.world.Player(e.Actor); p != nil {
			if sess, ok := p.Link().(*session); ok {
				e.Details["addr"] = sess.addr
				e.Details["protocol"] = sess.door.Protocol()
			}
		}
	}
	h.s.journal.record(store.Event{Kind: e.Kind, Actor: e.Actor, Target: e.Target, Room: e.Room, Details: e.Details})
}

// flushCommandCounts hands the counted commands to the journal. Loop only.
func (s *Server) flushCommandCounts() {
	now := time.Now()
	for k, n := range s.commandCounts {
		s.journal.record(store.Event{At: now, Kind: "command", Target: k.verb, Room: k.room, Details: map[string]any{"count": n}})
	}
	clear(s.commandCounts)
}

// journalProblem is the journal telling staff that it fails or works again.
func (s *Server) journalProblem(err error) {
	msg := "{G[db]{x The event journal is written again."
	if err != nil {
		msg = "{R[db]{x Writing the event journal FAILED: " + err.Error() + ". The game goes on; events are kept and retried."
	}
	s.post(event{kind: evFunc, fn: func() { s.notifyStaff(msg) }})
}

// onlineSince is how a character in the world came: for its logout event.
type onlineSince struct {
	at             time.Time
	protocol, addr string
}

// entered records a login. A reconnection to a character still in the
// world (link-dead or taken over) is a login too, but its time online
// runs from the first.
func (s *Server) entered(sess *session) {
	p := sess.player
	key := p.Key()
	proto := sess.door.Protocol()
	// The logout names the connection it ends: the latest.
	since := s.online[key]
	if since.at.IsZero() {
		since.at = time.Now()
	}
	since.protocol, since.addr = proto, sess.addr
	s.online[key] = since
	s.journal.record(store.Event{Kind: "login", Actor: p.Name, Room: p.Room.ID,
		Details: map[string]any{"protocol": proto, "addr": sess.addr, "new": sess.created}})
	s.sampleOnline()
}

// sampleOnline records how many characters are in the world: every
// minute, and whenever that number changes, so peaks are exact.
func (s *Server) sampleOnline() {
	s.journal.record(store.Event{Kind: "online", Details: map[string]any{"players": s.world.PlayerCount()}})
}

// left records a character leaving the world from room.
func (s *Server) left(name, room, reason string) {
	key := world.PlayerKey(name)
	since := s.online[key]
	delete(s.online, key)
	// How it came, as its login said: who was online from where is then
	// known from either end of the session.
	details := map[string]any{"reason": reason, "protocol": since.protocol, "addr": since.addr}
	if !since.at.IsZero() {
		details["seconds"] = int(time.Since(since.at).Seconds())
	}
	s.journal.record(store.Event{Kind: "logout", Actor: name, Room: room, Details: details})
	s.sampleOnline()
}
