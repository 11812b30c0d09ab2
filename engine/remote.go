package engine

import (
	"io"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shardmud/world"
)

// A player's connection stays on the shard it came in on, its conn shard,
// whichever shard the character lives on, its owner. While they differ the
// conn shard relays the player's lines to the owner and the owner's output
// back, as EVE's proxies and Evennia's portal do. On the owner the
// character is played by an ordinary session, with its outbox, fairness
// and prompt, whose door is a remoteDoor: output is rendered there for the
// client's screen as the conn shard described it, and travels as bytes.

// Subjects between conn shards and owners.
const (
	subjectIn  = "shardmud.in."  // + owner: a connection's input
	subjectOut = "shardmud.out." // + conn shard: output for a connection
)

// connRef names a connection on its conn shard and describes it.
type connRef struct {
	Shard string `json:"shard"`
	Boot  string `json:"boot"` // the conn shard's process: a restart ends its connections
	PID   string `json:"pid"`  // the session, unique across shards and restarts
	Addr  string `json:"addr"`
	Proto string `json:"proto"`
	Term  screen `json:"term"`
	// GMCP: the client speaks it, asked for Supports (lower-case
	// modules) and said it is Client in Core.Hello.
	GMCP     bool     `json:"gmcp,omitempty"`
	Supports []string `json:"supports,omitempty"`
	Client   string   `json:"client,omitempty"`
}

// inMsg is a connection's input, for the owner.
type inMsg struct {
	PID  string  `json:"pid"`
	Line string  `json:"line,omitempty"`
	Term *screen `json:"term,omitempty"` // the client's screen, when it changed
	GMCP string  `json:"gmcp,omitempty"` // a GMCP message from the client: "Package.Name json"
	Gone bool    `json:"gone,omitempty"` // the connection closed
}

// Kinds of connMsg.
const (
	connBytes  = "bytes"  // rendered output
	connPrompt = "prompt" // a rendered prompt (the client marks its end)
	connGMCP   = "gmcp"   // a GMCP message: Text the package, Data its JSON
	connHide   = "hide"   // stop echoing input
	connShow   = "show"   // echo input again
	connClose  = "close"  // the session ended (Text: why): close the connection
	connOwner  = "owner"  // From plays this connection's character now
	connWait   = "wait"   // From is going away; its sessions end, the character is safe there
)

// connMsg is output and news for a connection, from its owner.
type connMsg struct {
	PID  string `json:"pid"`
	From string `json:"from"`
	Kind string `json:"kind"`
	Data []byte `json:"data,omitempty"`
	Text string `json:"text,omitempty"`
}

// remoteDoor is the door of a session played for a connection on another
// shard.
type remoteDoor struct {
	srv   *Server
	conn  connRef
	term  atomic.Pointer[screen]
	lines chan string
	done  chan struct{}
	once  sync.Once
	// quiet: the connection is no longer this session's (the character
	// crossed on, or the conn shard said it closed), so closing tells it
	// nothing.
	quiet atomic.Bool
	// stopping: this shard is shutting down, so closing tells the
	// connection to wait for it rather than to close.
	stopping atomic.Bool
	// gmcpIn is the session's handler for the client's GMCP messages.
	gmcpIn func(pkg string, data []byte)
}

func (s *Server) newRemoteDoor(c connRef) *remoteDoor {
	d := &remoteDoor{srv: s, conn: c, lines: make(chan string, 2*QueuedLinesPerSession), done: make(chan struct{})}
	t := c.Term
	d.term.Store(&t)
	s.rmu.Lock()
	old := s.remotes[c.PID]
	s.remotes[c.PID] = d
	s.rmu.Unlock()
	if old != nil { // a second attach for the same connection replaces the first
		old.quiet.Store(true)
		old.Close()
	}
	d.send(connMsg{Kind: connOwner})
	return d
}

// send tells the connection something; dropped while the link is down,
// and once the connection is no longer this session's.
func (d *remoteDoor) send(m connMsg) {
	if d.srv.link == nil || d.quiet.Load() {
		return
	}
	m.PID, m.From = d.conn.PID, d.srv.cfg.Shard
	d.srv.link.send(subjectOut+d.conn.Shard, m)
}

// input is a message from the connection (a relay goroutine).
func (d *remoteDoor) input(m inMsg) {
	if m.Term != nil {
		t := *m.Term
		d.term.Store(&t)
	}
	if m.Gone {
		d.quiet.Store(true)
		d.Close()
		return
	}
	if m.GMCP != "" {
		if pkg, data, _ := strings.Cut(m.GMCP, " "); d.gmcpIn != nil {
			d.gmcpIn(pkg, []byte(data))
		}
		return
	}
	if m.Line == "" && m.Term != nil {
		return
	}
	select {
	case d.lines <- m.Line:
	case <-d.done:
	default:
		// The conn shard bounds what a session has in flight; more
		// means a misbehaving peer.
		d.srv.log.Warn("remote input over its bound; line dropped", "pid", d.conn.PID)
	}
}

func (d *remoteDoor) ReadLine() (string, error) {
	select {
	case line := <-d.lines:
		return line, nil
	case <-d.done:
		return "", io.EOF
	}
}

func (d *remoteDoor) Write(p []byte) (int, error) {
	d.send(connMsg{Kind: connBytes, Data: p})
	return len(p), nil
}

func (d *remoteDoor) WritePrompt(p []byte) error {
	d.send(connMsg{Kind: connPrompt, Data: p})
	return nil
}

func (d *remoteDoor) HideInput(hide bool) error {
	kind := connShow
	if hide {
		kind = connHide
	}
	d.send(connMsg{Kind: kind})
	return nil
}

func (d *remoteDoor) GMCP() bool { return d.conn.GMCP }

func (d *remoteDoor) SendGMCP(pkg string, data []byte) error {
	d.send(connMsg{Kind: connGMCP, Text: pkg, Data: data})
	return nil
}

func (d *remoteDoor) SetReadDeadline(time.Time) error { return nil }
func (d *remoteDoor) Term() screen                    { return *d.term.Load() }
func (d *remoteDoor) RemoteAddr() net.Addr            { return remoteAddr(d.conn.Addr) }
func (d *remoteDoor) Protocol() string                { return d.conn.Proto + "@" + d.conn.Shard }

// Close ends the session's side; the connection is told unless it is no
// longer ours.
func (d *remoteDoor) Close() error {
	d.once.Do(func() {
		close(d.done)
		d.srv.rmu.Lock()
		if d.srv.remotes[d.conn.PID] == d {
			delete(d.srv.remotes, d.conn.PID)
		}
		d.srv.rmu.Unlock()
		if d.stopping.Load() {
			d.send(connMsg{Kind: connWait})
		} else {
			d.send(connMsg{Kind: connClose})
		}
	})
	return nil
}

// remoteAddr is a player's address as their conn shard saw it.
type remoteAddr string

func (a remoteAddr) Network() string { return "tcp" }
func (a remoteAddr) String() string  { return string(a) }

// gmcpConn adds what the client said over GMCP to c.
func (sess *session) gmcpConn(c *connRef) {
	g := &sess.gmcp
	c.GMCP = sess.gmcpOn()
	g.mu.Lock()
	c.Supports, c.Client = slices.Sorted(maps.Keys(g.supports)), g.client
	g.mu.Unlock()
}

// adoptGMCP starts a session played for a connection elsewhere with what
// its client asked for there.
func (sess *session) adoptGMCP(c connRef) {
	g := &sess.gmcp
	g.mu.Lock()
	g.supports = make(map[string]bool, len(c.Supports))
	for _, m := range c.Supports {
		if len(g.supports) < MaxGMCPSupports {
			g.supports[m] = true
		}
	}
	g.client, g.fresh = world.Clip(c.Client, 64), true
	g.mu.Unlock()
}
