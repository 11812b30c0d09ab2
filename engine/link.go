package engine

import (
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"shardmud/world"
)

// The link to the other shards, through this shard's relay (a NATS
// server). The loop never waits on it: what it sends is queued for the
// link's goroutine (and dropped, counted, if that falls far behind), and
// what arrives is handed to the loop as events. When the relay is
// unreachable the game goes on alone, and the link comes back by itself.

// Subjects. Every shard hears chat and presence; a tell goes to the
// subject of the shard the player is on.
const (
	subjectChat     = "shardmud.chat"
	subjectPresence = "shardmud.presence"
	subjectTellTo   = "shardmud.tell." // + shard
)

const (
	// PresenceBeat is how often a shard announces who is on it; a shard
	// not heard for PresenceMissed beats is taken for gone.
	PresenceBeat   = 2 * time.Second
	PresenceMissed = 3
	// LinkQueue bounds what waits to be sent.
	LinkQueue = 4096
)

type chatMsg struct {
	Shard   string `json:"shard"`
	Channel string `json:"channel"`
	From    string `json:"from"`
	Text    string `json:"text"`
}

type tellMsg struct {
	Shard string `json:"shard"`
	From  string `json:"from"`
	To    string `json:"to"`
	Text  string `json:"text"`
}

type presenceMsg struct {
	Shard   string   `json:"shard"`
	Boot    string   `json:"boot"`
	Players []string `json:"players"`
}

// shardView is what this shard knows of another: who is there, which
// process it is, and when it was last heard.
type shardView struct {
	players []string
	keys    map[string]bool
	boot    string
	seen    time.Time
}

type outMsg struct {
	subject string
	data    []byte
}

// link is the shard's NATS connection and its goroutine.
type link struct {
	srv     *Server
	log     *slog.Logger
	nc      *nats.Conn
	up      atomic.Bool
	out     chan outMsg
	dropped atomic.Uint64
	stop    chan struct{} // closed by close: run sends what is queued and ends
	done    chan struct{}
}

// startLink connects to the relay at url (retrying in the background for
// as long as it takes) and subscribes.
func (s *Server) startLink(url, token string) error {
	l := &link{srv: s, log: s.log.With("relay", url), out: make(chan outMsg, LinkQueue),
		stop: make(chan struct{}), done: make(chan struct{})}
	opts := []nats.Option{
		nats.Name("shardmud " + s.cfg.Shard),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ConnectHandler(func(*nats.Conn) { l.up.Store(true); l.log.Info("linked to the relay") }),
		nats.ReconnectHandler(func(*nats.Conn) { l.up.Store(true); l.log.Info("link to the relay is back") }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if l.up.Swap(false) {
				l.log.Warn("link to the relay lost; this shard plays alone until it returns", "err", err)
			}
		}),
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return err
	}
	l.nc = nc
	if nc.IsConnected() {
		l.up.Store(true)
	}
	shard := s.cfg.Shard
	subs := map[string]nats.MsgHandler{
		subjectChat: func(m *nats.Msg) {
			var c chatMsg
			if json.Unmarshal(m.Data, &c) != nil || c.Shard == shard {
				return
			}
			s.post(event{kind: evFunc, fn: func() { s.world.RemoteChannel(c.Channel, c.Shard, c.From, c.Text) }})
		},
		subjectTellTo + shard: func(m *nats.Msg) {
			var t tellMsg
			if json.Unmarshal(m.Data, &t) != nil {
				return
			}
			s.post(event{kind: evFunc, fn: func() { s.world.RemoteTell(t.Shard, t.From, t.To, t.Text) }})
		},
		subjectPresence: func(m *nats.Msg) {
			var p presenceMsg
			if json.Unmarshal(m.Data, &p) != nil || p.Shard == shard || p.Shard == "" {
				return
			}
			now := time.Now()
			s.post(event{kind: evFunc, fn: func() { s.heardShard(p, now) }})
		},
	}
	subs[subjectHandoff+shard] = func(m *nats.Msg) { go s.receiveHandoff(m) }
	subs[subjectAttach+shard] = func(m *nats.Msg) { go s.receiveAttach(m) }
	subs[subjectIn+shard] = func(m *nats.Msg) {
		var in inMsg
		if json.Unmarshal(m.Data, &in) == nil {
			s.toOwner(in)
		}
	}
	subs[subjectOut+shard] = func(m *nats.Msg) {
		var out connMsg
		if json.Unmarshal(m.Data, &out) == nil && out.From != "" {
			s.fromOwner(out)
		}
	}
	for subject, h := range subs {
		if _, err := nc.Subscribe(subject, h); err != nil {
			nc.Close()
			return err
		}
	}
	s.link = l
	s.ledger = &ledger{nc: nc, domain: s.cfg.Ledger}
	go l.run()
	return nil
}

// run sends what is queued. Sessions' writers and relay callbacks queue
// too, not only the loop, so out is never closed: stop ends run, which
// sends what was queued by then.
func (l *link) run() {
	defer close(l.done)
	publish := func(m outMsg) {
		if err := l.nc.Publish(m.subject, m.data); err != nil {
			l.dropped.Add(1)
		}
	}
	for {
		select {
		case m := <-l.out:
			publish(m)
		case <-l.stop:
			for {
				select {
				case m := <-l.out:
					publish(m)
				default:
					return
				}
			}
		}
	}
}

// request asks another shard something and waits for its answer, from a
// goroutine that is not the loop.
func (l *link) request(subject string, req, reply any, timeout time.Duration) error {
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	m, err := l.nc.Request(subject, data, timeout)
	if err != nil {
		return err
	}
	return json.Unmarshal(m.Data, reply)
}

// send queues a message; false if the link is down or the queue full.
func (l *link) send(subject string, v any) bool {
	if !l.up.Load() {
		return false
	}
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	select {
	case l.out <- outMsg{subject, data}:
		return true
	default:
		l.dropped.Add(1)
		return false
	}
}

func (l *link) close() {
	close(l.stop)
	<-l.done
	if l.up.Load() {
		l.nc.FlushTimeout(time.Second) // what was queued gets out, if it can
	}
	l.nc.Close()
}

// heardShard records another shard's presence. Loop only.
func (s *Server) heardShard(p presenceMsg, at time.Time) {
	v := &shardView{players: p.Players, keys: make(map[string]bool, len(p.Players)), boot: p.Boot, seen: at}
	for _, n := range p.Players {
		v.keys[world.PlayerKey(n)] = true
	}
	was := s.others[p.Shard]
	s.others[p.Shard] = v
	if was == nil || was.boot != p.Boot {
		s.shardBack(p.Shard, p.Boot, was != nil)
	}
}

// beat announces who is on this shard and forgets shards not heard for
// too long. Loop only.
func (s *Server) beat() {
	if s.link == nil {
		return
	}
	var names []string
	for _, p := range s.world.Players() {
		if !p.Invis {
			names = append(names, p.Name)
		}
	}
	s.link.send(subjectPresence, presenceMsg{Shard: s.cfg.Shard, Boot: s.boot, Players: names})
	elsewhere := 0
	for shard, v := range s.others {
		if time.Since(v.seen) > PresenceMissed*PresenceBeat {
			delete(s.others, shard)
			s.shardLost(shard)
			continue
		}
		elsewhere += len(v.players)
	}
	s.playersElsewhere.Store(int64(elsewhere))
}

// shards is the engine's side of world.Shards.
type shards struct{ s *Server }

func (sh shards) Channel(channel, from, text string) bool {
	return sh.s.link.send(subjectChat, chatMsg{Shard: sh.s.cfg.Shard, Channel: channel, From: from, Text: text})
}

func (sh shards) Tell(from, to, text string) (string, bool) {
	key := world.PlayerKey(to)
	for shard, v := range sh.s.others {
		if v.keys[key] {
			return shard, sh.s.link.send(subjectTellTo+shard, tellMsg{Shard: sh.s.cfg.Shard, From: from, To: to, Text: text})
		}
	}
	return "", false
}

func (sh shards) Who() map[string][]string {
	out := make(map[string][]string, len(sh.s.others))
	for shard, v := range sh.s.others {
		out[shard] = v.players
	}
	return out
}

// shardsFor is the world's Shards: nil for a shard without a relay.
func shardsFor(s *Server) world.Shards {
	if s.cfg.Relay == "" {
		return nil
	}
	return shards{s}
}
