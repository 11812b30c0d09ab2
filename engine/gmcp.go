package engine

import (
	"encoding/json"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
	"sync"

	"shardmud/world"
)

// GMCP (telnet option 201): structured data for MUD clients beside the
// text. The client says what it wants with Core.Supports.Set/Add/Remove;
// the loop sends Char.Vitals, Char.Status, Char.Items and Room.Info when
// they change, and Comm.Channel.Text as things are said. Messages go
// through the session's outbox like text, so the loop never writes.

// gmcpDoor is a door that speaks GMCP (telnet).
type gmcpDoor interface {
	GMCP() bool
	SendGMCP(pkg string, data []byte) error
}

// gmcpState is one session's GMCP: what the client supports (set on the
// reading goroutine, read by the loop) and what was last sent (loop only).
type gmcpState struct {
	mu       sync.Mutex
	supports map[string]bool // lower-case package names: "char", "char.vitals", "room"
	client   string          // from Core.Hello
	fresh    bool            // supports changed: send everything again

	// Loop only: the last of each message sent, to send only changes.
	vitals, status, room, inv, roomItems string
}

// MaxGMCPSupports bounds the packages one client may list.
const MaxGMCPSupports = 64

// gmcpIn handles a message from the client. It runs on the session's
// reading goroutine.
func (s *session) gmcpIn(pkg string, data []byte) {
	g := &s.gmcp
	switch strings.ToLower(pkg) {
	case "core.hello":
		var hello struct{ Client, Version string }
		if json.Unmarshal(data, &hello) == nil {
			g.mu.Lock()
			g.client = world.Clip(strings.TrimSpace(hello.Client+" "+hello.Version), 64)
			g.mu.Unlock()
		}
	case "core.supports.set", "core.supports.add", "core.supports.remove":
		var list []string
		if json.Unmarshal(data, &list) != nil {
			return
		}
		g.mu.Lock()
		if g.supports == nil || strings.EqualFold(pkg, "core.supports.set") {
			g.supports = make(map[string]bool)
		}
		for _, entry := range list {
			name, _, _ := strings.Cut(entry, " ") // "Char 1": the version is not needed
			name = strings.ToLower(name)
			if strings.EqualFold(pkg, "core.supports.remove") {
				delete(g.supports, name)
			} else if len(g.supports) < MaxGMCPSupports {
				g.supports[name] = true
			}
		}
		g.fresh = true
		g.mu.Unlock()
	case "core.ping":
		s.push(outItem{outGMCP, "Core.Ping"}, true)
		return
	}
	if s.srv.link != nil { // the shard playing the character, if elsewhere, hears it too
		msg := pkg + " " + string(data)
		s.srv.post(event{kind: evFunc, fn: func() {
			if s.route != "" {
				s.srv.link.send(subjectIn+s.route, inMsg{PID: s.pid, GMCP: msg})
			}
		}})
	}
}

// helloClient is the client's name and version from Core.Hello, "" if it
// sent none.
func (g *gmcpState) helloClient() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.client
}

// subModules are the GMCP modules clients ask for apart from their
// parent: "Char 1" means vitals and status, not items ("Char.Items 1").
var subModules = []string{"char.items", "char.skills", "comm.channel"}

// wants reports whether the client asked for the module pkg
// ("Char.Vitals") belongs to.
func (g *gmcpState) wants(pkg string) bool {
	pkg = strings.ToLower(pkg)
	module, _, _ := strings.Cut(pkg, ".")
	for _, m := range subModules {
		if pkg == m || strings.HasPrefix(pkg, m+".") {
			module = m
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.supports[module]
}

// on reports whether this session speaks GMCP at all.
func (s *session) gmcpOn() bool {
	d, ok := s.door.(gmcpDoor)
	return ok && d.GMCP()
}

// sendGMCP queues a message if the client wants its package. Loop only.
func (s *session) sendGMCP(pkg string, v any) {
	if !s.gmcp.wants(pkg) {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.push(outItem{outGMCP, pkg + " " + string(data)}, false)
}

// changed sends pkg if its JSON differs from what was last sent. Loop only.
func (s *session) changed(last *string, pkg string, v any) {
	if !s.gmcp.wants(pkg) {
		return
	}
	data, err := json.Marshal(v)
	if err != nil || string(data) == *last {
		return
	}
	*last = string(data)
	s.push(outItem{outGMCP, pkg + " " + string(data)}, false)
}

// gmcpUpdate sends what changed for s's character since it was last sent.
// Loop only; cheap when nothing did.
func (s *session) gmcpUpdate() {
	p := s.player
	if p == nil || !s.gmcpOn() {
		return
	}
	g := &s.gmcp
	g.mu.Lock()
	if g.fresh {
		g.fresh = false
		g.vitals, g.status, g.room, g.inv, g.roomItems = "", "", "", "", ""
	}
	g.mu.Unlock()
	hp, maxHP := p.Stats.HP, p.Stats.MaxHP+p.Bonus("hp")
	s.changed(&g.vitals, "Char.Vitals", map[string]any{
		"hp": hp, "maxhp": maxHP, "mp": p.Stats.Mana, "maxmp": p.Stats.MaxMana,
		"string": "HP:" + strconv.Itoa(hp) + "/" + strconv.Itoa(maxHP) + " MP:" + strconv.Itoa(p.Stats.Mana) + "/" + strconv.Itoa(p.Stats.MaxMana),
	})
	status := map[string]any{"name": p.Name, "level": p.Stats.Level, "exp": p.Stats.Exp, "tnl": world.ExpToLevel(p.Stats.Level),
		"gold": p.Gold, "position": p.Pos.String(), "role": p.Role.String()}
	if f := p.Fighting(); f != nil {
		status["fighting"] = fighterName(f)
	}
	s.changed(&g.status, "Char.Status", status)
	s.changed(&g.room, "Room.Info", roomInfo(s.srv.cfg.Shard, p.Room))
	s.changed(&g.inv, "Char.Items.List", itemList("inv", p.Items))
	s.changed(&g.roomItems, "Char.Items.List", itemList("room", p.Room.Items))
}

func fighterName(f any) string {
	switch x := f.(type) {
	case *world.Player:
		return x.Name
	case *world.Mobile:
		return x.Proto.Short
	}
	return ""
}

// roomNum is a room's number for clients' mappers: crc32 of
// "shard:room", so it is stable across restarts and releases (it comes
// from ids, not memory) and the same whichever shard computes it. A
// portal's exit on one shard and the room it leads to on another thus
// carry one number, and a mapper links them.
func roomNum(shard, room string) uint32 { return crc32.ChecksumIEEE([]byte(shard + ":" + room)) }

// roomInfo is Room.Info for a room of shard: the room's number and id,
// name, area, and its visible exits by short direction, each to the number
// of the room it leads to (what Mudlet's mapper draws from).
func roomInfo(shard string, r *world.Room) map[string]any {
	exits := make(map[string]uint32)
	for d, ex := range r.Exits {
		if ex == nil || !ex.Visible() {
			continue
		}
		if ex.Portal() {
			exits[world.Dir(d).Short()] = roomNum(ex.Shard, ex.Remote)
		} else if ex.To != nil {
			exits[world.Dir(d).Short()] = roomNum(shard, ex.To.ID)
		}
	}
	return map[string]any{"num": roomNum(shard, r.ID), "id": r.ID, "name": r.Name, "area": r.Area.Name, "exits": exits}
}

type gmcpItem struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Attrib string `json:"attrib,omitempty"` // w: worn, c: container
}

func itemList(location string, items []*world.Item) map[string]any {
	list := make([]gmcpItem, 0, len(items))
	for _, it := range items {
		gi := gmcpItem{ID: strconv.FormatUint(it.ID, 10), Name: it.Short()}
		if it.Slot != "" {
			gi.Attrib += "w"
		}
		if it.Proto.Capacity > 0 {
			gi.Attrib += "c"
		}
		list = append(list, gi)
	}
	return map[string]any{"location": location, "items": list}
}

// Channel is world.ChannelLink: what is said reaches the client's chat
// window as Comm.Channel.Text.
func (s *session) Channel(channel, talker, text string) {
	if !s.gmcpOn() {
		return
	}
	s.sendGMCP("Comm.Channel.Text", map[string]string{"channel": channel, "talker": talker, "text": text})
}

// gmcpSweep sends what changed to every GMCP session: for what changes
// without a command (healing, fights). Loop only.
func (s *Server) gmcpSweep() {
	s.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	for _, sess := range slices.Clip(sessions) {
		sess.gmcpUpdate()
	}
}
