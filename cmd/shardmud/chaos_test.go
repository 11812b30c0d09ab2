package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"shardmud/engine"
	"shardmud/engine/store"
)

// The chaos test kills one process of a two-shard world in the middle of
// a handoff, at each step where a shard can be made to pause
// (SHARDMUD_CHAOS, see engine.ChaosSteps), and checks that the character
// ends up whole on exactly one shard, as the ledger says.
//
// Every step gets a world of its own (two relays, two shards), and the
// five worlds run at once: a round mostly waits (for the pause, for a
// restart, for a handoff timeout), so running them in turn would only add
// up the waits. Both shards of a world run with the same SHARDMUD_CHAOS:
// a step only ever happens on one side of a handoff (frozen, offered and
// answered on the origin, arrived and claimed on the target), so that is
// the same as setting it on the pausing shard alone, and no shard needs a
// restart to change it. The test does not call t.Parallel: its twenty
// processes would load the machine under tests that measure time (the
// crash test allows a save interval and a little slack).

// chaosVictims are the processes a round may kill; origin and target are
// the shards of that round's handoff.
var chaosVictims = []string{"origin", "target", "east relay", "west relay"}

// chaosOriginSteps are the steps that pause on the origin; the others
// pause on the target.
var chaosOriginSteps = map[string]bool{"frozen": true, "offered": true, "answered": true}

const (
	chaosToken = "chaos-s3cret"
	chaosName  = "ann"
	chaosPass  = "password1"
	// chaosSettle bounds how long after a restart the shards may take to
	// agree where the character is; chaosWait bounds every other wait.
	chaosSettle = 15 * time.Second
	chaosWait   = 15 * time.Second
)

// What the character picks up in the hub: four gems, and a bag with the
// fifth gem in it, so that a handoff moves items held inside items too;
// chaosK items in all.
var (
	chaosGems   = [][2]string{{"ruby", "a ruby"}, {"sapphire", "a sapphire"}, {"emerald", "an emerald"}, {"topaz", "a topaz"}, {"opal", "an opal"}}
	chaosTop    = []string{"a ruby", "a sapphire", "an emerald", "a topaz", "a leather bag"}
	chaosInBag  = []string{"an opal"}
	chaosK      = len(chaosTop) + len(chaosInBag)
	chaosPickUp = "get ruby\r\nget sapphire\r\nget emerald\r\nget topaz\r\nget opal\r\nget bag\r\nput opal in bag\r\n"
)

// chaosWorld writes the world both shards load: a hub with the gems and
// the bag, and two rooms beside it.
func chaosWorld(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	area := `area: chaos
name: The Crossing
reset: never
rooms:
  hub:
    name: Crossing Hub
    desc: Roads meet here, and the air hums.
    exits: {north: hall, east: garden}
    items: [ruby, sapphire, emerald, topaz, opal, bag]
  hall:
    name: Quiet Hall
    desc: A long hall of pale wood.
    exits: {south: hub}
  garden:
    name: Walled Garden
    desc: Moss grows between the flagstones.
    exits: {west: hub}
items:
`
	for _, g := range chaosGems {
		area += fmt.Sprintf("  %s:\n    short: %s\n    long: A %s glints on the floor.\n    keywords: [%s]\n    weight: 1\n", g[0], g[1], g[0], g[0])
	}
	area += "  bag:\n    short: a leather bag\n    long: A leather bag lies here.\n    keywords: [bag, leather]\n    weight: 1\n    capacity: 20\n"
	files := map[string]string{
		"world.yaml":       "name: Chaos\nstart: chaos.hub\n",
		"areas/chaos.yaml": area,
	}
	writeFiles(t, dir, files)
	return dir
}

// chaosRow is one round's outcome, for the table at the end.
type chaosRow struct {
	step, victim string
	from, to     string // the handoff's origin and target
	owner        string // where the character lives after the round
	settled      time.Duration
	note         string
}

// TestHandoffChaos: for every step of a handoff and every process (origin
// shard, target shard, the relay that keeps the ledger, the other relay),
// pause the handoff at that step, SIGKILL the process, restart it on the
// same data, and check that the character lives on exactly one shard with
// everything it carried, that the ledger names that shard, and that the
// player can log in and see it all.
func TestHandoffChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries and kills them many times")
	}
	start := time.Now()
	bins := chaosBinaries{shardmud: buildBinary(t), relay: buildRelay(t)}
	world := chaosWorld(t)
	ports := newChaosPorts(t)

	var mu sync.Mutex
	var rows []chaosRow
	var wg sync.WaitGroup
	for _, step := range engine.ChaosSteps {
		wg.Go(func() {
			// Run may be called from several goroutines; each step's
			// world is its own subtest, so that Fatal ends only it.
			t.Run(step, func(t *testing.T) {
				c := newChaosCluster(t, bins, world, ports, step)
				c.begin(t)
				for i, victim := range chaosVictims {
					row := c.round(t, i, victim)
					t.Logf("step=%-8s victim=%-10s %s->%s: lives on %s, settled %v after the kill%s",
						row.step, row.victim, row.from, row.to, row.owner, row.settled.Round(10*time.Millisecond), row.note)
					mu.Lock()
					rows = append(rows, row)
					mu.Unlock()
				}
			})
		})
	}
	wg.Wait()
	slices.SortFunc(rows, func(a, b chaosRow) int {
		if d := slices.Index(engine.ChaosSteps, a.step) - slices.Index(engine.ChaosSteps, b.step); d != 0 {
			return d
		}
		return slices.Index(chaosVictims, a.victim) - slices.Index(chaosVictims, b.victim)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d rounds in %v:\n%-9s %-11s %-11s %-6s %-8s %s", len(rows), time.Since(start).Round(100*time.Millisecond),
		"step", "victim", "handoff", "lives", "settled", "note")
	for _, r := range rows {
		fmt.Fprintf(&b, "\n%-9s %-11s %-11s %-6s %-8v %s", r.step, r.victim, r.from+"->"+r.to, r.owner,
			r.settled.Round(10*time.Millisecond), strings.TrimPrefix(r.note, "; "))
	}
	t.Log(b.String())
}

type chaosBinaries struct{ shardmud, relay string }

// buildRelay builds shardrelay into a folder of the test's.
func buildRelay(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shardrelay")
	if out, err := exec.Command("go", "build", "-o", bin, "shardmud/cmd/shardrelay").CombinedOutput(); err != nil {
		t.Fatalf("build shardrelay: %v\n%s", err, out)
	}
	return bin
}

// chaosPorts hands out loopback ports that a restarted process can listen
// on again. They are taken below the kernel's ephemeral range, where it
// can be read: a port from there could meanwhile be the local end of any
// outgoing connection (and shards redial a dead relay every 250ms).
type chaosPorts struct {
	mu       sync.Mutex
	rng      *rand.Rand
	low, top int // the range to pick from; top == 0: ask the kernel (port 0)
	used     map[int]bool
}

func newChaosPorts(t *testing.T) *chaosPorts {
	p := &chaosPorts{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11)), used: map[int]bool{}}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil && lo > 12000 {
				p.low, p.top = 10000, lo
			}
		}
	}
	if p.top == 0 {
		t.Log("ephemeral port range unknown: taking ports from the kernel, which a restart may find taken")
	}
	return p
}

// addr returns 127.0.0.1:port for a port free just now.
func (p *chaosPorts) addr(t *testing.T) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for range 100 {
		port := 0
		if p.top != 0 {
			port = p.low + p.rng.IntN(p.top-p.low)
			if p.used[port] {
				continue
			}
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		_, ps, _ := net.SplitHostPort(addr)
		port, _ = strconv.Atoi(ps)
		if p.used[port] {
			continue
		}
		p.used[port] = true
		return addr
	}
	t.Fatal("no free loopback port")
	return ""
}

// chaosProc is one process of a chaos world: how to run it, and the log
// of the instance running now.
type chaosProc struct {
	label string // "east shard", "west relay"
	bin   string
	args  []string
	env   []string
	ready string // the log text that says it serves

	mu      sync.Mutex
	cmd     *exec.Cmd
	lines   []string      // this instance's log
	grew    chan struct{} // closed (and replaced) when a line is added
	done    chan struct{} // closed when this instance has exited
	history []string      // every instance's log, for a failure report
	errs    []string      // ERROR lines and panics, every instance
}

// start runs a new instance and waits until it serves.
func (p *chaosProc) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SHARDMUD_") || strings.HasPrefix(kv, "GOTRACEBACK=")
	}), p.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.label, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.lines, p.grew, p.done = cmd, nil, make(chan struct{}), done
	p.history = append(p.history, fmt.Sprintf("--- %s started (pid %d)", p.label, cmd.Process.Pid))
	p.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		quitting := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.history = append(p.history, line)
			switch {
			case strings.HasPrefix(line, "SIGQUIT"):
				quitting = true // what follows is the goroutine dump that unwedge asked for
			case quitting:
			case strings.Contains(line, "level=ERROR"), strings.HasPrefix(line, "panic:"), strings.HasPrefix(line, "fatal error:"):
				p.errs = append(p.errs, line)
			}
			close(p.grew)
			p.grew = make(chan struct{})
			p.mu.Unlock()
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(done)
	}()
	if _, err := p.waitLog(0, 20*time.Second, p.ready); err != nil {
		t.Fatalf("%s did not start: %v", p.label, err)
	}
}

// kill sends SIGKILL and waits for the instance to be gone.
func (p *chaosProc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
	p.mu.Lock()
	p.history = append(p.history, "--- killed")
	p.mu.Unlock()
}

// quit stops the instance with SIGQUIT, so that it logs every
// goroutine.
func (p *chaosProc) quit() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
	p.mu.Lock()
	p.history = append(p.history, "--- stopped with SIGQUIT")
	p.mu.Unlock()
}

// mark is where this instance's log stands now.
func (p *chaosProc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}

// waitLog waits for a line of this instance's log, from line since on,
// that holds every one of want, and returns it.
func (p *chaosProc) waitLog(since int, limit time.Duration, want ...string) (string, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		p.mu.Lock()
		lines, grew, done := p.lines, p.grew, p.done
		p.mu.Unlock()
		for _, line := range lines[min(since, len(lines)):] {
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(line, w) }) {
				return line, nil
			}
		}
		since = len(lines)
		select {
		case <-grew:
		case <-done:
			p.mu.Lock()
			more := len(p.lines) > since
			p.mu.Unlock()
			if !more {
				return "", fmt.Errorf("%s exited before logging %q", p.label, want)
			}
		case <-timer.C:
			return "", fmt.Errorf("%s did not log %q within %v", p.label, want, limit)
		}
	}
}

// chaosCluster is one step's world: relays and shards east and west.
type chaosCluster struct {
	step   string
	relays map[string]*chaosProc // by shard
	shards map[string]*chaosProc
	telnet map[string]string // telnet address by shard
	dbs    map[string]string
	ledger string // the east relay's client URL

	player    *chaosConn      // the player's connection, nil when it has none
	owner     string          // where the character lives, as last checked
	hasRow    map[string]bool // the shards that have a row for the character, as last checked
	hadLedger bool            // the ledger has had an entry for the character
}

func newChaosCluster(t *testing.T, bins chaosBinaries, world string, ports *chaosPorts, step string) *chaosCluster {
	c := &chaosCluster{step: step, relays: map[string]*chaosProc{}, shards: map[string]*chaosProc{},
		telnet: map[string]string{}, dbs: map[string]string{}, hasRow: map[string]bool{}}
	dir := t.TempDir()
	clusterEast := ports.addr(t)
	for _, shard := range []string{"east", "west"} {
		listen, cluster := ports.addr(t), clusterEast
		args := []string{"-shard", shard, "-listen", listen, "-token", chaosToken, "-store", filepath.Join(dir, shard+".js")}
		if shard == "west" {
			cluster = ports.addr(t)
			args = append(args, "-link", "nats://"+clusterEast)
		}
		args = append(args, "-cluster", cluster)
		c.relays[shard] = &chaosProc{label: shard + " relay", bin: bins.relay, args: args, ready: `msg="relay started"`}
		if shard == "east" {
			c.ledger = "nats://" + listen
		}
		c.telnet[shard] = ports.addr(t)
		c.dbs[shard] = filepath.Join(dir, shard+".db")
		c.shards[shard] = &chaosProc{label: shard + " shard", bin: bins.shardmud,
			args: []string{"-telnet", c.telnet[shard], "-ssh", "", "-http", "", "-db", c.dbs[shard], "-shard", shard,
				"-relay", "nats://" + listen, "-relay-token", chaosToken, "-ledger", "east", "-world", world,
				"-save", "200ms", "-lua-budget", "100ms"},
			env:   []string{"SHARDMUD_CHAOS=" + step, "GOTRACEBACK=all"},
			ready: `msg="world running"`}
	}
	procs := []*chaosProc{c.relays["east"], c.relays["west"], c.shards["east"], c.shards["west"]}
	t.Cleanup(func() {
		if c.player != nil {
			c.player.conn.Close()
		}
		for _, p := range procs {
			p.kill()
		}
		// Every ERROR line is a finding, whichever process wrote it.
		for _, p := range procs {
			p.mu.Lock()
			for _, line := range p.errs {
				t.Errorf("%s logged: %s", p.label, line)
			}
			p.mu.Unlock()
		}
		if t.Failed() {
			for _, p := range procs {
				p.mu.Lock()
				h := p.history[max(0, len(p.history)-300):]
				p.mu.Unlock()
				t.Logf("%s, the end of its log:\n%s", p.label, strings.Join(h, "\n"))
			}
		}
	})
	for _, p := range procs {
		p.start(t)
	}
	return c
}

// begin creates the character on east, picks everything up, and checks
// that east has it all (and that the ledger, which has an entry once the
// name is claimed, names east).
func (c *chaosCluster) begin(t *testing.T) {
	t.Helper()
	p, err := dialChaos("east", c.telnet["east"])
	if err != nil {
		t.Fatal(err)
	}
	c.player = p
	p.send("create " + chaosName + " " + chaosPass + "\r\n" + chaosPickUp)
	if _, _, err := p.await(chaosWait, "You put an opal"); err != nil {
		t.Fatalf("create and pick up: %v", err)
	}
	owner, err := c.waitSettled(time.Now().Add(chaosSettle))
	if err != nil {
		t.Fatal(err)
	}
	if owner != "east" {
		t.Fatalf("the new character lives on %s, want east", owner)
	}
	c.owner = owner
	if err := p.inventory(chaosWait); err != nil {
		t.Fatal(err)
	}
}

// round has the character cross from where it lives to the other shard,
// pauses the handoff at c.step, kills victim there and restarts it, and
// checks where the character ends up.
func (c *chaosCluster) round(t *testing.T, i int, victim string) chaosRow {
	t.Helper()
	from := c.owner
	to := chaosOther[from]
	row := chaosRow{step: c.step, victim: victim, from: from, to: to}
	pauser := to
	if chaosOriginSteps[c.step] {
		pauser = from
	}
	var proc *chaosProc
	switch victim {
	case "origin":
		proc = c.shards[from]
	case "target":
		proc = c.shards[to]
	case "east relay":
		proc = c.relays["east"]
	case "west relay":
		proc = c.relays["west"]
	}

	mark := c.shards[pauser].mark()
	if err := c.cross(to); err != nil {
		row.note += c.unwedge(t, "goto "+to+":", err)
		mark = c.shards[pauser].mark() // a new instance, a new log
		if err := c.cross(to); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.shards[pauser].waitLog(mark, chaosWait, "chaos: paused", "step="+c.step); err != nil {
		t.Fatalf("round %d: the crossing started, but %v", i, err)
	}
	killed := time.Now()
	proc.kill()
	if c.player != nil && proc == c.shards[c.player.shard] {
		c.player.conn.Close() // its server is gone: the connection is
		c.player = nil
	}
	proc.start(t)

	owner, err := c.waitSettled(killed.Add(chaosSettle))
	if err != nil {
		row.note += c.unwedge(t, fmt.Sprintf("round %d (step %s, %s killed)", i, c.step, victim), err)
		owner = c.owner
	}
	row.settled, row.owner, c.owner = time.Since(killed), owner, owner
	row.note += c.checkPlayer(t, i)
	return row
}

var chaosOther = map[string]string{"east": "west", "west": "east"}

// unwedge is called when something that should have happened did not
// (err): it stops both shards with SIGQUIT, which dumps their goroutines
// into their logs (printed with the failure), and fails the test.
func (c *chaosCluster) unwedge(t *testing.T, what string, err error) string {
	t.Helper()
	for _, shard := range []string{"east", "west"} {
		c.shards[shard].quit()
	}
	t.Fatalf("%s: %v (the shards' goroutines are at the end of their logs)", what, err)
	return ""
}

// cross types goto <to>: until the crossing starts; a shard that has not
// heard the other since a restart refuses it for a moment.
func (c *chaosCluster) cross(to string) error {
	deadline := time.Now().Add(chaosWait)
	for {
		if c.player == nil {
			p, err := c.login(c.owner, deadline)
			if err != nil {
				return err
			}
			c.player = p
		}
		c.player.send("goto " + to + ":\r\n")
		n, text, err := c.player.await(time.Until(deadline), "The world blurs", "The way to shard", "The crossing failed", "You are on shard")
		switch {
		case err != nil:
			return fmt.Errorf("goto %s on %s: %w (got %q)", to, c.player.shard, err, lastLine(text))
		case n == 0:
			return nil
		case n == 1 && time.Now().Before(deadline):
			time.Sleep(200 * time.Millisecond) // presence beats every 2s
		default:
			_, why, _ := c.player.await(time.Second, "\n") // the rest of the line
			return fmt.Errorf("goto %s on %s: %s%s", to, c.player.shard, lastLine(text), why)
		}
	}
}

// checkPlayer makes sure the player sees everything the character
// carries: on its connection if that outlived the round, then on a login
// to each shard (one where the character is away relays to the other).
// The last login stays the player's connection, on the shard that the
// next round will not kill, so that a connection lives through every
// kill of a shard. It returns a note for the table.
func (c *chaosCluster) checkPlayer(t *testing.T, i int) string {
	t.Helper()
	var notes []string
	if p := c.player; p != nil {
		// A connection whose shard lost its peer waits for it to come
		// back (presence beats every 2s), then attaches again.
		err := p.inventory(6 * time.Second)
		var ne net.Error
		switch {
		case err == nil:
			notes = append(notes, "connection on "+p.shard+" kept")
		case errors.As(err, &ne) && ne.Timeout():
			t.Errorf("step %s: the player's connection on %s outlived the round but never answered again: %v", c.step, p.shard, err)
			notes = append(notes, "CONNECTION ON "+strings.ToUpper(p.shard)+" STUCK")
		default:
			notes = append(notes, fmt.Sprintf("connection on %s closed (%v)", p.shard, err))
		}
		p.conn.Close()
		c.player = nil
	}
	keep := []string{"east", "west"}[i%2]
	if i+1 < len(chaosVictims) {
		switch chaosVictims[i+1] {
		case "origin":
			keep = chaosOther[c.owner]
		case "target":
			keep = c.owner
		}
	}
	for _, shard := range []string{chaosOther[keep], keep} {
		p, err := c.play(shard, 10*time.Second)
		if err != nil {
			if _, ok := errors.AsType[chaosRefused](err); ok {
				t.Fatal(err)
			}
			notes = append(notes, strings.TrimPrefix(c.unwedge(t, "play on "+shard, err), "; "))
			if p, err = c.play(shard, chaosWait); err != nil {
				t.Fatal(err)
			}
		}
		if c.player != nil {
			c.player.conn.Close() // taken over by p already
		}
		c.player = p
	}
	notes = append(notes, "played on "+chaosOther[keep]+", "+keep)
	return "; " + strings.Join(notes, "; ")
}

// play logs in on shard and checks the inventory there.
func (c *chaosCluster) play(shard string, limit time.Duration) (*chaosConn, error) {
	deadline := time.Now().Add(limit)
	p, err := c.login(shard, deadline)
	if err != nil {
		return nil, err
	}
	if err := p.inventory(time.Until(deadline)); err != nil {
		p.conn.Close()
		return nil, fmt.Errorf("logged in on %s: %w", shard, err)
	}
	return p, nil
}

// chaosRefused is a login refusal that trying again will not change.
type chaosRefused struct{ error }

// login connects the player to shard, trying again while the character
// is between shards or its owner does not answer, until deadline.
func (c *chaosCluster) login(shard string, deadline time.Time) (*chaosConn, error) {
	for {
		p, err := dialChaos(shard, c.telnet[shard])
		if err == nil {
			p.send("connect " + chaosName + " " + chaosPass + "\r\n")
			n, text, aerr := p.await(time.Until(deadline), "Exits:", "try again", "Try again", "log in again",
				"Wrong name or password", "cannot be found", "Too many failed logins")
			switch {
			case n == 0:
				return p, nil
			case n == 4 && !c.hasRow[shard]:
				// It has no row: it asks the ledger, which it may not
				// reach just after a relay restarted.
			case n >= 4:
				p.conn.Close()
				return nil, chaosRefused{fmt.Errorf("connect on %s: %q", shard, lastLine(text))}
			}
			p.conn.Close()
			err = aerr
			if err == nil {
				err = fmt.Errorf("refused: %q", lastLine(text))
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("could not log in on %s: %w", shard, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// waitSettled polls the shards' databases and the ledger until the
// character lives on exactly one shard with everything it carried, or
// deadline passes, and returns that shard.
func (c *chaosCluster) waitSettled(deadline time.Time) (string, error) {
	for {
		owner, err := c.settled()
		if err == nil {
			return owner, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("not settled: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settled checks the invariant once.
func (c *chaosCluster) settled() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	owner := ""
	type copyOf struct {
		res   store.Residence
		found bool
		items int
	}
	copies := map[string]copyOf{}
	for _, shard := range []string{"east", "west"} {
		st, err := store.OpenReadOnly(c.dbs[shard])
		if err != nil {
			return "", err
		}
		ch, err := st.Character(ctx, chaosName)
		var cp copyOf
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			st.Close()
			return "", err
		default:
			cp.found, cp.res = true, ch.Residence
			if cp.items, err = st.CharacterItems(ctx, chaosName); err != nil {
				st.Close()
				return "", err
			}
		}
		st.Close()
		copies[shard] = cp
		switch {
		case cp.found && cp.res.State == "":
			if owner != "" {
				return "", fmt.Errorf("both shards have %s living there", chaosName)
			}
			owner = shard
			if cp.items != chaosK {
				return "", fmt.Errorf("%s has %s with %d items, want %d", shard, chaosName, cp.items, chaosK)
			}
		case cp.found && cp.res.State != store.ResidenceAway:
			return "", fmt.Errorf("%s has %s %s (peer %s)", shard, chaosName, cp.res.State, cp.res.Peer)
		case cp.items != 0:
			return "", fmt.Errorf("%s has %s away with %d items", shard, chaosName, cp.items)
		}
	}
	if owner == "" {
		return "", fmt.Errorf("no shard has %s living there: east %+v, west %+v", chaosName, copies["east"], copies["west"])
	}
	for shard, cp := range copies {
		if shard != owner && cp.found && cp.res.Peer != owner {
			return "", fmt.Errorf("%s has %s away on %s, but it lives on %s", shard, chaosName, cp.res.Peer, owner)
		}
	}
	o, found, err := readLedger(ctx, c.ledger, chaosName)
	switch {
	case err != nil:
		return "", err
	case !found && c.hadLedger:
		return "", fmt.Errorf("the ledger lost its entry for %s", chaosName)
	case !found && owner != "east":
		return "", fmt.Errorf("%s lives on %s, but the ledger has no entry", chaosName, owner)
	case found && (o.Shard != owner || o.To != ""):
		return "", fmt.Errorf("%s lives on %s, but the ledger says %+v", chaosName, owner, o)
	}
	c.hadLedger = c.hadLedger || found
	for shard, cp := range copies {
		c.hasRow[shard] = cp.found
	}
	return owner, nil
}

// chaosOwner is a ledger entry (engine's owner).
type chaosOwner struct {
	Shard string `json:"shard"`
	To    string `json:"to,omitempty"`
	ID    string `json:"id,omitempty"`
}

// readLedger reads name's entry from the ledger on the relay at url,
// through the JetStream domain east, as the shards do.
func readLedger(ctx context.Context, url, name string) (chaosOwner, bool, error) {
	var o chaosOwner
	nc, err := nats.Connect(url, nats.Token(chaosToken), nats.MaxReconnects(0), nats.Timeout(time.Second))
	if err != nil {
		return o, false, fmt.Errorf("ledger: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.NewWithDomain(nc, "east")
	if err != nil {
		return o, false, fmt.Errorf("ledger: %w", err)
	}
	kv, err := js.KeyValue(ctx, "shardmud_owners")
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("ledger: %w", err)
	}
	e, err := kv.Get(ctx, strings.ToLower(name))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return o, false, nil
	case err != nil:
		return o, false, fmt.Errorf("ledger: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &o); err != nil {
		return o, false, fmt.Errorf("ledger entry %q: %w", e.Value(), err)
	}
	return o, true, nil
}

// chaosConn is the player's telnet connection.
type chaosConn struct {
	shard string // the shard it is connected to
	conn  net.Conn
	buf   string // read, not yet consumed
	mark  int
}

func dialChaos(shard, addr string) (*chaosConn, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &chaosConn{shard: shard, conn: conn}, nil
}

func (c *chaosConn) send(text string) {
	c.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	c.conn.Write([]byte(text))
}

// await reads until one of wants shows, and returns which, with the text
// up to its end (consumed); -1 and an error if the connection fails or
// limit passes first.
func (c *chaosConn) await(limit time.Duration, wants ...string) (int, string, error) {
	c.conn.SetReadDeadline(time.Now().Add(limit))
	buf := make([]byte, 4096)
	for {
		best, at := -1, -1
		for i, w := range wants {
			if j := strings.Index(c.buf, w); j >= 0 && (at < 0 || j < at) {
				best, at = i, j
			}
		}
		if best >= 0 {
			end := at + len(wants[best])
			text := c.buf[:end]
			c.buf = c.buf[end:]
			return best, text, nil
		}
		n, err := c.conn.Read(buf)
		c.buf += string(buf[:n])
		if err != nil {
			return -1, c.buf, err
		}
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plain drops colours and telnet commands (IAC, and the option of WILL,
// WONT, DO and DONT) from what a client read.
func plain(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != 0xff || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		i++
		if s[i] >= 0xfb && s[i] <= 0xfe {
			i++
		}
	}
	return ansiRE.ReplaceAllString(string(b), "")
}

// inventory asks for the inventory and the bag's contents, and checks
// that they list exactly what the character picked up. It asks again
// while no answer comes (the connection may be waiting for the shard
// that plays the character to come back), until limit.
func (c *chaosConn) inventory(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c.mark++
		marker := fmt.Sprintf(`You say, "chaos-%d"`, c.mark)
		c.send(fmt.Sprintf("inventory\r\nlook in bag\r\nsay chaos-%d\r\n", c.mark))
		_, text, err := c.await(min(3*time.Second, time.Until(deadline)), marker)
		var ne net.Error
		switch {
		case err == nil:
			text = plain(text)
			top := listed(text, "You are carrying:")
			in := listed(text, "A leather bag contains:")
			if slices.Equal(sortedCopy(top), sortedCopy(chaosTop)) && slices.Equal(sortedCopy(in), sortedCopy(chaosInBag)) {
				return nil
			}
			return fmt.Errorf("on %s the character carries %q and its bag holds %q; want %q and %q", c.shard, top, in, chaosTop, chaosInBag)
		case errors.As(err, &ne) && ne.Timeout() && time.Now().Before(deadline):
			continue
		default:
			return fmt.Errorf("inventory on %s: %w (got %q)", c.shard, err, lastLine(text))
		}
	}
}

// listed returns the indented lines under the last header in text.
func listed(text, header string) []string {
	i := strings.LastIndex(text, header)
	if i < 0 {
		return nil
	}
	var out []string
	for _, line := range strings.Split(text[i+len(header):], "\n")[1:] {
		line = strings.TrimRight(line, "\r")
		if !strings.HasPrefix(line, "  ") {
			break
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
