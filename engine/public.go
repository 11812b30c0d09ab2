package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
)

// What other parts of the program (the web side) may ask the engine. Each
// answer is a copy made on the loop, or read from goroutine-safe state, so
// asking never touches the world from outside its goroutine and never
// waits on the game for long.

// askTimeout bounds how long a question waits for the loop.
const askTimeout = 2 * time.Second

// AnswerAge is how long Status and Who reuse an answer: however many
// visitors the site has, the game answers each at most once a second.
const AnswerAge = time.Second

// cached keeps an answer for AnswerAge; fetch runs while mu is held, so
// visitors who come together share one question.
type cached[T any] struct {
	mu sync.Mutex
	at time.Time
	v  T
}

func (c *cached[T]) get(fetch func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < AnswerAge {
		return c.v, nil
	}
	v, err := fetch()
	if err != nil {
		return v, err
	}
	c.v, c.at = v, time.Now()
	return v, nil
}

// errLoopBusy: the loop did not take or answer a question in time.
var errLoopBusy = errors.New("engine: the game did not answer in time")

// ask runs fn on the loop and waits for it.
func (s *Server) ask(fn func()) error {
	done := make(chan struct{})
	ev := event{kind: evFunc, fn: func() { fn(); close(done) }}
	t := time.NewTimer(askTimeout)
	defer t.Stop()
	select {
	case s.inbox <- ev:
	case <-s.loopDone:
		return errLoopBusy
	case <-t.C:
		return errLoopBusy
	}
	select {
	case <-done:
		return nil
	case <-s.loopDone:
		return errLoopBusy
	case <-t.C:
		return errLoopBusy
	}
}

// Status is the shard at a glance.
type Status struct {
	World   string    `json:"world"`
	Shard   string    `json:"shard"`
	Started time.Time `json:"started"`
	// Players is how many characters are in this shard's world;
	// Elsewhere how many the linked shards have (as last heard).
	Players   int      `json:"players"`
	Elsewhere int      `json:"elsewhere"`
	Shards    []string `json:"shards"` // the linked shards heard lately, sorted
	Linked    bool     `json:"linked"` // the link to the relay is up
	Telnet    string   `json:"telnet,omitempty"`
	SSH       string   `json:"ssh,omitempty"`
}

// Status reads the shard's state, as of at most AnswerAge ago.
func (s *Server) Status() (Status, error) { return s.statusCache.get(s.status) }

func (s *Server) status() (Status, error) {
	st := Status{World: s.worldName, Shard: s.cfg.Shard, Started: s.stats.started}
	if a := s.telnetAddr; a != nil {
		st.Telnet = a.String()
	}
	if a := s.sshAddr; a != nil {
		st.SSH = a.String()
	}
	st.Linked = s.link != nil && s.link.up.Load()
	err := s.ask(func() {
		st.Players = s.world.PlayerCount()
		for shard, v := range s.others {
			st.Shards = append(st.Shards, shard)
			st.Elsewhere += len(v.players)
		}
	})
	slices.Sort(st.Shards)
	return st, err
}

// WhoEntry is one player in Who.
type WhoEntry struct {
	Name  string `json:"name"`
	Shard string `json:"shard"`
	Role  string `json:"role,omitempty"` // builder or admin; "" for players
	Level int    `json:"level,omitempty"`
}

// Who lists the players of every linked shard as everyone sees them, as
// of at most AnswerAge ago: invisible admins are left out. This shard's
// come first, then the others by shard, each sorted by name. The list is
// shared: callers must not change it.
func (s *Server) Who() ([]WhoEntry, error) { return s.whoCache.get(s.who) }

func (s *Server) who() ([]WhoEntry, error) {
	var out []WhoEntry
	err := s.ask(func() {
		for _, p := range s.world.Players() {
			if p.Invis {
				continue
			}
			e := WhoEntry{Name: p.Name, Shard: s.cfg.Shard, Level: p.Stats.Level}
			if p.Role > world.RolePlayer {
				e.Role = p.Role.String()
			}
			out = append(out, e)
		}
		for shard, v := range s.others {
			for _, n := range v.players {
				if s.world.Player(n) == nil { // just crossed here
					out = append(out, WhoEntry{Name: n, Shard: shard})
				}
			}
		}
	})
	mine := s.cfg.Shard
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Shard == mine) != (b.Shard == mine) {
			return a.Shard == mine
		}
		if a.Shard != b.Shard {
			return a.Shard < b.Shard
		}
		return a.Name < b.Name
	})
	return out, err
}

// Connection is one session, for admins.
type Connection struct {
	Name     string        `json:"name"` // "" while logging in; name@shard when played elsewhere
	Addr     string        `json:"addr"`
	Protocol string        `json:"protocol"`
	Idle     time.Duration `json:"idle_ns"`
	Client   string        `json:"client,omitempty"`
	Width    int           `json:"width,omitempty"`
	Height   int           `json:"height,omitempty"`
}

// Connections lists every session, oldest first.
func (s *Server) Connections() ([]Connection, error) {
	var out []Connection
	err := s.ask(func() { out = s.connections() })
	return out, err
}

// connections is Connections, and the users command's list. Loop only.
func (s *Server) connections() []Connection {
	sessions := s.sessionList()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].id < sessions[j].id })
	out := make([]Connection, len(sessions))
	now := time.Now()
	for i, sess := range sessions {
		c := Connection{Addr: sess.addr, Protocol: sess.door.Protocol(),
			Idle: now.Sub(time.Unix(0, sess.lastInput.Load())).Truncate(time.Second)}
		switch {
		case sess.player != nil:
			c.Name = sess.player.Name
		case sess.route != "":
			c.Name = sess.charName + "@" + sess.route
		}
		t := sess.door.Term()
		// The client from TTYPE, else what GMCP's Core.Hello said.
		c.Client, c.Width, c.Height = cmp.Or(t.Client, sess.gmcp.helloClient()), t.Width, t.Height
		out[i] = c
	}
	return out
}

// CheckAdmin reports whether name and password are an admin's; a wrong
// name, password or role all give the same error, under the login limits
// for addr.
func (s *Server) CheckAdmin(addr, name, password string) (string, error) {
	rec, err := s.authenticate(addr, name, password)
	if err != nil {
		return "", err
	}
	if rec.Role < world.RoleAdmin {
		s.loginFailed(addr, name)
		return "", errBadLogin
	}
	return rec.Name, nil
}

// ErrBadLogin is CheckAdmin's answer to a wrong name, password or role.
var ErrBadLogin = errBadLogin

// RetryAfter is how long a client must wait when err is CheckAdmin's
// refusal for too many failed logins; 0 for any other error.
func RetryAfter(err error) time.Duration {
	var limited *rateLimited
	if errors.As(err, &limited) {
		return limited.wait
	}
	return 0
}

// Bans lists the bans in force.
func (s *Server) Bans() ([]store.Ban, error) {
	return s.store.Bans(context.Background())
}

// Audit is the latest staff commands, newest first.
func (s *Server) Audit(n int) ([]store.AuditEntry, error) {
	s.journal.flush(askTimeout)
	return s.store.Audit(context.Background(), "", n)
}

// ShutdownIn starts (or replaces) a shutdown countdown as admin by would
// in the game: secs 0 to 3600; a negative secs cancels one. It goes into
// the audit trail like the command, from addr over the web.
func (s *Server) ShutdownIn(by, addr string, secs int, reason string) (err error) {
	if secs > 3600 {
		return fmt.Errorf("the countdown is 0 to 3600 seconds")
	}
	defer func() {
		args, outcome := fmt.Sprintf("%d %s", secs, reason), "ok"
		if secs < 0 {
			args = "cancel"
		}
		if err != nil {
			outcome = err.Error()
		}
		s.journal.record(store.Event{Kind: "admin", Actor: by, Target: strconv.Itoa(secs) + "s",
			Details: map[string]any{"command": "shutdown", "args": world.Clip(strings.TrimSpace(args), 200),
				"outcome": world.Clip(outcome, 200), "addr": addr, "protocol": "web"}})
	}()
	var problem error
	err = s.ask(func() {
		if secs < 0 {
			problem = s.cancelShutdown(by)
			return
		}
		s.startShutdown(by, secs, reason)
	})
	if err != nil {
		return err
	}
	return problem
}

// ShutdownAt is when a counting-down shutdown happens; zero if none is.
func (s *Server) ShutdownAt() time.Time {
	var at time.Time
	s.ask(func() {
		if s.countdown != nil {
			at = s.countdown.at
		}
	})
	return at
}

// ServeTelnet plays a telnet session on nc, a connection another listener
// accepted (the web side's WebSocket, whose frames carry the telnet
// stream); proto names it in logs and users ("websocket"). It returns at
// once; false if the server is stopping.
func (s *Server) ServeTelnet(nc net.Conn, proto string) bool {
	d := s.newTelnetDoor(nc)
	d.proto = proto
	d.Start()
	return s.serve(d)
}

// DBPath is the database file, for readers that open it read-only.
func (s *Server) DBPath() string { return s.cfg.DBPath }

// ShardName is this shard's name.
func (s *Server) ShardName() string { return s.cfg.Shard }

// TickBuckets is the tick duration histogram: [upper bound ns, count]
// pairs for the non-empty buckets, in order.
func (s *Server) TickBuckets() [][2]uint64 { return s.stats.tick.buckets() }
