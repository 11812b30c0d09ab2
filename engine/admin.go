package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"shardmud/engine/store"
	"shardmud/world"
	"shardmud/world/area"
)

// The admins' commands that reach beyond the world: connections, the
// database, files and the process itself. The world's own (wall, goto,
// stat, ...) are in world/admin.go; the command table gates them all.

// banList is the bans in force, read by every login (any goroutine) and
// changed by the loop.
type banList struct {
	mu   sync.RWMutex
	list []store.Ban
}

func (b *banList) set(list []store.Ban) {
	b.mu.Lock()
	b.list = list
	b.mu.Unlock()
}

func (b *banList) put(ban store.Ban) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.list {
		if x.Kind == ban.Kind && x.Target == ban.Target {
			b.list[i] = ban
			return
		}
	}
	b.list = append(b.list, ban)
}

func (b *banList) remove(kind, target string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.list {
		if x.Kind == kind && x.Target == target {
			b.list = append(b.list[:i], b.list[i+1:]...)
			return true
		}
	}
	return false
}

func (b *banList) all() []store.Ban {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]store.Ban(nil), b.list...)
}

// match finds a ban in force against a character name ("" for none yet)
// or a client address ("host:port" or "host").
func (b *banList) match(name, addr string, now time.Time) (store.Ban, bool) {
	ip, ipErr := netip.ParseAddr(hostOf(addr))
	ip = ip.Unmap()
	key := strings.ToLower(name)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, x := range b.list {
		if !x.Expires.IsZero() && now.After(x.Expires) {
			continue
		}
		switch {
		case x.Kind == "name" && key != "" && x.Target == key:
			return x, true
		case x.Kind == "addr" && ipErr == nil:
			if p, err := netip.ParsePrefix(x.Target); err == nil && p.Contains(ip) {
				return x, true
			}
			if a, err := netip.ParseAddr(x.Target); err == nil && a.Unmap() == ip {
				return x, true
			}
		}
	}
	return store.Ban{}, false
}

// banMessage is what a banned client is told.
func banMessage(b store.Ban) string {
	msg := "You are banned from this server"
	if b.Reason != "" {
		msg += ": " + b.Reason
	}
	if b.Expires.IsZero() {
		return msg + ". The ban does not expire."
	}
	return msg + fmt.Sprintf(". The ban expires %s (in %s).", b.Expires.UTC().Format("2006-01-02 15:04 UTC"),
		time.Until(b.Expires).Round(time.Minute))
}

// parseBanTarget tells a name from an address or a CIDR block.
func parseBanTarget(s string) (kind, target, problem string) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return "addr", p.Masked().String(), ""
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return "addr", a.Unmap().String(), ""
	}
	if name, problem := validName(s); problem == "" {
		return "name", strings.ToLower(name), ""
	}
	return "", "", fmt.Sprintf("%q is not a character name, an IP address or a CIDR block (10.0.0.0/8).", s)
}

// parseSpan reads a ban's length: a Go duration (90m, 12h) or days (7d).
func parseSpan(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n > 0
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// audited runs fn off the loop, like background, for a staff command whose
// outcome fn decides: the player is told msg, and the audit trail records
// "ok", or msg when failed, once it is known.
func (s *Server) audited(c *world.Ctx, fn func() (msg string, failed bool)) {
	done := c.Later()
	p := c.P
	var msg string
	var failed bool
	s.offLoop(p, func() { msg, failed = fn() }, func() {
		p.Send(msg)
		done(outcomeOf(msg, failed))
	})
}

// outcomeOf is what the audit trail records for a result told as msg.
func outcomeOf(msg string, failed bool) string {
	if failed {
		return msg
	}
	return "ok"
}

func (s *Server) adminCommands() []*world.Command {
	a := world.RoleAdmin
	return []*world.Command{
		{Name: "promote", MinRole: a, Usage: "promote <name> <role>",
			Help: "Gives a character a role: player, builder or admin. Works on characters who are offline too.",
			Run:  s.cmdPromote},
		{Name: "demote", MinRole: a, Usage: "demote <name> [role]",
			Help: "Lowers a character's role, one step (admin to builder, builder to player) or to the role given.",
			Run:  s.cmdPromote},
		{Name: "kick", MinRole: a, Usage: "kick <name> [reason]",
			Help: "Disconnects a player, who is told the reason; the character is saved and leaves the world.",
			Run:  s.cmdKick},
		{Name: "ban", MinRole: a, Usage: "ban <name|address|cidr> [duration] [reason]",
			Help: "Refuses logins by a character name, an IP address or a block of them (10.1.0.0/16), for a duration (90m, 12h, 7d) or for good. Whoever matches is disconnected at once; a refused client is told the reason and the expiry.",
			Run:  s.cmdBan},
		{Name: "unban", MinRole: a, Usage: "unban <name|address|cidr>",
			Help: "Lifts a ban.",
			Run:  s.cmdUnban},
		{Name: "bans", MinRole: a, Usage: "bans",
			Help: "Lists the bans in force.",
			Run:  s.cmdBans},
		{Name: "users", MinRole: a, Usage: "users",
			Help: "Lists every connection: character (or logging in), address, protocol, idle time, client (over SSH, the terminal type) and window size (columns x rows, - if the client did not say).",
			Run:  s.cmdUsers},
		{Name: "save", MinRole: a, Usage: "save",
			Help: "Saves everything that changed now, and reports how long the game paused to copy it and how long the disk took.",
			Run:  s.cmdSave},
		{Name: "shutdown", MinRole: a, Usage: "shutdown [seconds] [reason] | shutdown cancel",
			Help: "Shuts the server down after a countdown (default 30 seconds) that everyone sees; then the world is saved and the process exits. 'shutdown cancel' stops the countdown.",
			Run:  s.cmdShutdown},
		{Name: "audit", MinRole: a, Usage: "audit [name] [n]",
			Help: "Shows the latest staff commands from the journal (20, or n up to 200), of everyone or of one character: when, who, from where, what and how it went.",
			Run:  s.cmdAudit},
	}
}

func (s *Server) cmdPromote(c *world.Ctx) {
	words := strings.Fields(c.Args)
	if len(words) == 0 || len(words) > 2 || c.Verb == "promote" && len(words) != 2 {
		c.Fail("Usage: " + map[string]string{"promote": "promote <name> <role>", "demote": "demote <name> [role]"}[c.Verb])
		return
	}
	name, problem := validName(words[0])
	if problem != "" {
		c.Fail(problem)
		return
	}
	c.Target = name
	if strings.EqualFold(name, c.P.Name) {
		c.Fail("You cannot change your own role; ask another admin.")
		return
	}
	var role world.Role
	if len(words) == 2 {
		r, err := world.ParseRole(words[1])
		if err != nil {
			c.Fail("A role is player, builder or admin.")
			return
		}
		role = r
	}
	apply := func(current world.Role) (world.Role, string) {
		next := role
		if len(words) == 1 { // demote one step
			if current == world.RolePlayer {
				return current, fmt.Sprintf("%s is a player already.", name)
			}
			next = current - 1
		}
		if next == current {
			return current, fmt.Sprintf("%s is %s already.", name, current)
		}
		if c.Verb == "promote" && next < current || c.Verb == "demote" && next > current {
			return current, fmt.Sprintf("%s is %s; %s cannot make them %s.", name, current, c.Verb, next)
		}
		return next, ""
	}
	promoteOnline := func(p *world.Player) (msg string, failed bool) {
		next, problem := apply(p.Role)
		if problem != "" {
			return problem, true
		}
		p.Role = next
		s.world.Touch(p)
		s.world.SaveSoon()
		p.Send(fmt.Sprintf("{Y%s makes you %s.{x", c.P.Name, next))
		return fmt.Sprintf("%s is now %s.", p.Name, next), false
	}
	if p := s.world.Player(name); p != nil {
		if msg, failed := promoteOnline(p); failed {
			c.Fail(msg)
		} else {
			c.Send(msg)
		}
		return
	}
	// Offline: read the character off the loop, change it on the loop, and
	// save it through the snapshot, in order with everything else.
	admin := c.P
	done := c.Later()
	tell := func(msg string, failed bool) {
		admin.Send(msg)
		done(outcomeOf(msg, failed))
	}
	var ch *store.Character
	var err error
	s.offLoop(admin, func() { ch, err = s.store.Character(context.Background(), name) }, func() {
		switch {
		case errors.Is(err, store.ErrNotFound):
			tell(fmt.Sprintf("There is no character called %s.", name), true)
			return
		case err != nil:
			tell("The database failed: "+err.Error(), true)
			return
		}
		if p := s.world.Player(name); p != nil { // logged in meanwhile
			tell(promoteOnline(p))
			return
		}
		rec := ch.Record
		dep := s.departed[world.PlayerKey(name)]
		if dep != nil {
			rec = dep.rec // newer than the database
		}
		next, problem := apply(rec.Role)
		if problem != "" {
			tell(problem, true)
			return
		}
		rec.Role = next
		if dep != nil {
			dep.rec.Role = next
		}
		s.world.SaveOffline(rec)
		s.snapshot()
		tell(fmt.Sprintf("%s (offline) is now %s.", rec.Name, next), false)
	})
}

// expel disconnects p with reason and takes the character out of the
// world, saved. Loop only.
func (s *Server) expel(p *world.Player, reason string) {
	p.Send("{R" + reason + "{x")
	s.world.Expel(p, reason)
}

func (s *Server) cmdKick(c *world.Ctx) {
	name, reason, _ := strings.Cut(c.Args, " ")
	if name == "" {
		c.Fail("Usage: kick <name> [reason]")
		return
	}
	p := s.world.Player(name)
	if p == nil {
		c.Fail(fmt.Sprintf("There is no player %q in the world.", name))
		return
	}
	if p == c.P {
		c.Fail("Use quit.")
		return
	}
	c.Target = p.Name
	msg := fmt.Sprintf("You have been kicked out by %s.", c.P.Name)
	if reason = strings.TrimSpace(reason); reason != "" {
		msg = fmt.Sprintf("You have been kicked out by %s: %s", c.P.Name, reason)
	}
	s.expel(p, msg)
	c.Send(fmt.Sprintf("You kick %s out.", p.Name))
}

func (s *Server) cmdBan(c *world.Ctx) {
	words := strings.Fields(c.Args)
	if len(words) == 0 {
		c.Fail("Usage: ban <name|address|cidr> [duration] [reason]")
		return
	}
	kind, target, problem := parseBanTarget(words[0])
	if problem != "" {
		c.Fail(problem)
		return
	}
	now := time.Now()
	b := store.Ban{Kind: kind, Target: target, By: c.P.Name, Created: now}
	rest := words[1:]
	if len(rest) > 0 {
		if span, ok := parseSpan(rest[0]); ok {
			b.Expires = now.Add(span)
			rest = rest[1:]
		}
	}
	b.Reason = strings.Join(rest, " ")
	c.Target = target
	if kind == "name" && strings.EqualFold(target, c.P.Name) {
		c.Fail("You cannot ban yourself.")
		return
	}
	if kind == "addr" {
		if sess, ok := c.P.Link().(*session); ok {
			if _, hit := (&banList{list: []store.Ban{b}}).match("", sess.addr, now); hit {
				c.Fail("That would ban your own address.")
				return
			}
		}
	}
	s.bans.put(b)
	// Whoever matches now goes at once.
	for _, p := range s.world.Players() {
		addr := ""
		if sess, ok := p.Link().(*session); ok {
			addr = sess.addr
		}
		if _, hit := (&banList{list: []store.Ban{b}}).match(p.Name, addr, now); hit {
			s.expel(p, banMessage(b))
		}
	}
	s.audited(c, func() (string, bool) {
		if err := s.store.PutBan(context.Background(), b); err != nil {
			return "The ban holds until the server restarts, but the database failed: " + err.Error(), true
		}
		until := "for good"
		if !b.Expires.IsZero() {
			until = "until " + b.Expires.UTC().Format("2006-01-02 15:04 UTC")
		}
		return fmt.Sprintf("Banned %s %s %s.", kind, target, until), false
	})
}

func (s *Server) cmdUnban(c *world.Ctx) {
	kind, target, problem := parseBanTarget(strings.TrimSpace(c.Args))
	if problem != "" {
		c.Fail(problem)
		return
	}
	c.Target = target
	if !s.bans.remove(kind, target) {
		c.Fail(fmt.Sprintf("There is no ban on %s.", target))
		return
	}
	s.audited(c, func() (string, bool) {
		if err := s.store.DeleteBan(context.Background(), kind, target); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "Lifted until the server restarts, but the database failed: " + err.Error(), true
		}
		return fmt.Sprintf("The ban on %s is lifted.", target), false
	})
}

func (s *Server) cmdBans(c *world.Ctx) {
	now := time.Now()
	var b strings.Builder
	n := 0
	for _, x := range s.bans.all() {
		if !x.Expires.IsZero() && now.After(x.Expires) {
			continue
		}
		until := "never"
		if !x.Expires.IsZero() {
			until = x.Expires.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(&b, "\n  %-4s %-20s expires %-16s by %-12s %s", x.Kind, x.Target, until, x.By, x.Reason)
		n++
	}
	if n == 0 {
		c.Send("No bans are in force.")
		return
	}
	c.Send(fmt.Sprintf("Bans in force (%d):", n) + b.String())
}

func (s *Server) cmdUsers(c *world.Ctx) {
	conns := s.connections()
	var b strings.Builder
	// 80 columns hold a row: a long client name is TERM over SSH.
	fmt.Fprintf(&b, "%-14s %-22s %-6s %-7s %-18s %s", "character", "address", "proto", "idle", "client", "window")
	for _, cn := range conns {
		window := "-"
		switch {
		case cn.Width > 0 && cn.Height > 0:
			window = fmt.Sprintf("%dx%d", cn.Width, cn.Height)
		case cn.Width > 0: // NAWS always gives both; GMCP or a web client may not
			window = fmt.Sprintf("%dx?", cn.Width)
		}
		fmt.Fprintf(&b, "\n%-14s %-22s %-6s %-7s %-18s %s", cmp.Or(cn.Name, "(logging in)"), cn.Addr, cn.Protocol, cn.Idle,
			cmp.Or(cn.Client, "-"), window)
	}
	fmt.Fprintf(&b, "\n%d connection(s).", len(conns))
	c.Send(b.String())
}

func (s *Server) cmdSave(c *world.Ctx) {
	start := time.Now()
	seq := s.snapshot()
	stall := time.Since(start)
	if seq == 0 {
		c.Send(fmt.Sprintf("Nothing had changed since the last save (%s to check).", stall.Round(time.Microsecond)))
		return
	}
	s.audited(c, func() (string, bool) {
		deadline := time.Now().Add(time.Minute)
		for s.saver.written.Load() < seq {
			if time.Now().After(deadline) {
				return "The save is still not on disk after a minute; the log says why.", true
			}
			time.Sleep(2 * time.Millisecond)
		}
		return fmt.Sprintf("Saved: the game paused %s to copy the changes; on disk %s after.",
			stall.Round(time.Microsecond), time.Since(start).Round(time.Microsecond)), false
	})
}

// shutdownClock is a countdown in progress.
type shutdownClock struct {
	at     time.Time
	reason string
	by     string
	timer  *time.Timer
}

func (s *Server) cmdShutdown(c *world.Ctx) {
	words := strings.Fields(c.Args)
	if len(words) > 0 && words[0] == "cancel" {
		if err := s.cancelShutdown(c.P.Name); err != nil {
			c.Fail("No shutdown is counting down.")
		}
		return
	}
	secs := 30
	if len(words) > 0 {
		if n, err := strconv.Atoi(words[0]); err == nil {
			if n < 0 || n > 3600 {
				c.Fail("The countdown is 0 to 3600 seconds.")
				return
			}
			secs, words = n, words[1:]
		}
	}
	c.Target = strconv.Itoa(secs) + "s"
	s.startShutdown(c.P.Name, secs, strings.Join(words, " "))
}

// startShutdown starts a countdown of secs, replacing any, as admin by
// ordered it. Loop only.
func (s *Server) startShutdown(by string, secs int, reason string) {
	if s.countdown != nil {
		s.countdown.timer.Stop()
	}
	sc := &shutdownClock{at: time.Now().Add(time.Duration(secs) * time.Second), reason: strings.TrimSpace(reason), by: by}
	s.countdown = sc
	s.tickShutdown(sc)
}

// errNoCountdown: there is no shutdown to cancel.
var errNoCountdown = errors.New("no shutdown is counting down")

// cancelShutdown stops the countdown, telling everyone. Loop only.
func (s *Server) cancelShutdown(by string) error {
	if s.countdown == nil {
		return errNoCountdown
	}
	s.countdown.timer.Stop()
	s.countdown = nil
	for _, p := range s.world.Players() {
		p.Send(fmt.Sprintf("{G%s has cancelled the shutdown.{x", by))
	}
	return nil
}

// tickShutdown announces the time left and schedules the next
// announcement, or shuts down when none is left. Loop only.
func (s *Server) tickShutdown(sc *shutdownClock) {
	if s.countdown != sc {
		return // cancelled or replaced
	}
	left := time.Until(sc.at)
	if left <= 0 {
		s.log.Info("shutdown by an admin", "by", sc.by, "reason", sc.reason)
		s.countdown = nil
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil { // main asks again and exits non-zero
				s.log.Error("shutdown by an admin failed", "err", err)
			}
		}()
		return
	}
	secs := int((left + time.Second - 1) / time.Second) // rounded up: never "0s" while time is left
	msg := fmt.Sprintf("{RThe server shuts down in %s", time.Duration(secs)*time.Second)
	if sc.reason != "" {
		msg += ": " + sc.reason
	}
	for _, p := range s.world.Players() {
		p.Send(msg + ".{x")
	}
	next := time.Duration(nextMark(secs)) * time.Second
	sc.timer = time.AfterFunc(left-next, func() {
		s.post(event{kind: evFunc, fn: func() { s.tickShutdown(sc) }})
	})
}

// nextMark is when, in seconds before a shutdown, the countdown speaks
// next after secs: every whole minute, then 30, 10, 5, 4, 3, 2 and 1
// seconds before; 0 is the shutdown itself.
func nextMark(secs int) int {
	if secs > 60 {
		return (secs - 1) / 60 * 60
	}
	for _, m := range []int{30, 10, 5, 4, 3, 2, 1} {
		if m < secs {
			return m
		}
	}
	return 0
}

func (s *Server) cmdAudit(c *world.Ctx) {
	name, n := "", 20
	for _, w := range strings.Fields(c.Args) {
		if v, err := strconv.Atoi(w); err == nil {
			n = min(max(v, 1), 200)
		} else {
			name = w
		}
	}
	c.Target = name
	s.audited(c, func() (string, bool) {
		s.journal.flush(5 * time.Second) // the latest commands, not only those written so far
		// Read as reports read, through a read-only connection of its
		// own: never one of the writer's, which the saver and the journal
		// need.
		ro, err := store.OpenReadOnly(s.cfg.DBPath)
		if err != nil {
			return "The database failed: " + err.Error(), true
		}
		defer ro.Close()
		entries, err := ro.Audit(context.Background(), name, n)
		if err != nil {
			return "The database failed: " + err.Error(), true
		}
		if len(entries) == 0 {
			return "No staff commands in the journal.", false
		}
		var b strings.Builder
		b.WriteString("Latest staff commands, newest first:")
		for _, e := range entries {
			var d struct {
				Command, Args, Outcome, Addr string
			}
			json.Unmarshal([]byte(e.Details), &d)
			fmt.Fprintf(&b, "\n  %s %-12s %-15s %s %s -> %s", e.At.UTC().Format("01-02 15:04:05"), e.Actor, hostOf(d.Addr),
				d.Command, d.Args, d.Outcome)
		}
		return b.String(), false
	})
}

// builderFiles are the builders' commands that reach files and the script
// host: export, attach, detach.
func (s *Server) builderFiles() []*world.Command {
	b := world.RoleBuilder
	return []*world.Command{
		{Name: "export", MinRole: b, Usage: "export [area]",
			Help: "Writes an area (this room's by default) as an area file, areas/<area>.yaml under the export folder (-export), in the format the server loads, for version control and the next release of the world.",
			Run:  s.cmdExport},
		{Name: "attach", MinRole: b, Usage: "attach <script> [NPC or item here]",
			Help: "Gives this room, or the prototype of an NPC or item here (so every copy of it), a Lua behaviour: <name> for scripts/<area>/<name>.lua of this area, or <area>/<name>. It starts at once.",
			Run:  s.cmdAttach},
		{Name: "detach", MinRole: b, Usage: "detach [NPC or item here]",
			Help: "Takes the behaviour off this room, or off the prototype of an NPC or item here. Its state is forgotten.",
			Run:  s.cmdAttach},
	}
}

func (s *Server) cmdExport(c *world.Ctx) {
	id := strings.ToLower(strings.TrimSpace(c.Args))
	if id == "" {
		id = c.P.Room.Area.ID
	}
	a := s.world.Area(id)
	if a == nil {
		c.Fail(fmt.Sprintf("There is no area %q.", id))
		return
	}
	c.Target = id
	data, err := area.Marshal(a, s.world.ItemProtos(), s.world.MobProtos())
	if err != nil {
		c.Fail("Cannot write the area: " + err.Error())
		return
	}
	dir := s.cfg.ExportDir
	s.audited(c, func() (string, bool) {
		path := filepath.Join(dir, "areas", id+".yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "Export failed: " + err.Error(), true
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return "Export failed: " + err.Error(), true
		}
		if err := os.Rename(tmp, path); err != nil {
			return "Export failed: " + err.Error(), true
		}
		return fmt.Sprintf("Wrote %s (%d bytes).", path, len(data)), false
	})
}

func (s *Server) cmdAttach(c *world.Ctx) {
	args := strings.Fields(c.Args)
	var script string
	if c.Verb == "attach" {
		if len(args) == 0 || len(args) > 2 {
			c.Fail("Usage: attach <script> [NPC or item here]")
			return
		}
		script, args = args[0], args[1:]
		if !strings.HasSuffix(script, ".lua") {
			script += ".lua"
		}
		if !strings.Contains(script, "/") {
			script = c.P.Room.Area.ID + "/" + script
		}
		if !slices.Contains(s.scripts.Scripts(), script) {
			c.Fail(fmt.Sprintf("There is no loaded script %s (add the file and reload first).", script))
			return
		}
	} else if len(args) > 1 {
		c.Fail("Usage: detach [NPC or item here]")
		return
	}
	var target world.Scripted = c.P.Room
	what := "this room"
	if len(args) == 1 {
		t := c.P.FindHere(args[0])
		if t == nil {
			c.Fail(fmt.Sprintf("There is no NPC or item %q here.", args[0]))
			return
		}
		target = t
		switch x := t.(type) {
		case *world.Mobile:
			what = "every " + x.Proto.Short + " (" + x.Proto.ID + ")"
		case *world.Item:
			what = "every " + x.Proto.Short + " (" + x.Proto.ID + ")"
		}
	}
	if c.Verb == "detach" && target.Behaviour() == "" {
		c.Fail(what + " has no behaviour.")
		return
	}
	c.Target = world.EntityKey(target)
	s.world.SetBehaviour(target, script)
	if script == "" {
		c.Send(fmt.Sprintf("Took the behaviour off %s.", what))
		return
	}
	c.Send(fmt.Sprintf("Gave %s the behaviour %s.", what, script))
}

// Addr and Protocol tell admins (stat) where a player connects from; they
// make a session a world.LinkInfo.
func (s *session) Addr() string     { return s.addr }
func (s *session) Protocol() string { return s.door.Protocol() }
