// Package engine runs shardmud: the listeners, one goroutine per connection
// for reading and one for writing, the engine loop that alone owns the
// world, and the saver that writes characters to the store.
//
// Invariants: only the loop goroutine touches the world.World and the
// fields marked engine-owned; every other goroutine reaches it through the
// inbox. The loop never blocks on I/O: output goes to bounded per-session
// outboxes and saves to the saver's dirty set. Every goroutine has an owner
// that starts and stops it (Start and Shutdown).
package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing/fstest"
	"time"

	"github.com/gliderlabs/ssh"
	"golang.org/x/crypto/bcrypt"

	"shardmud/engine/script"
	"shardmud/engine/store"
	"shardmud/world"
)

// Config is everything the server is started with; cmd/shardmud fills it
// from flags. Zero values take the defaults.
type Config struct {
	TelnetAddr string        // "" disables telnet
	DBPath     string        // SQLite file, created if missing
	World      fs.FS         // the world folder (world.yaml, areas/, help.yaml)
	Scripts    fs.FS         // Lua behaviours (<area>/<name>.lua); nil for none
	LuaBudget  time.Duration // time one script hook may take; default script.DefaultBudget
	// LuaTickBudget is the Lua time one tick may spend on heartbeats and
	// timers before the rest wait; default script.DefaultTickBudget.
	LuaTickBudget time.Duration
	// GameDay is how long a game day lasts; default world.DefaultDay.
	GameDay      time.Duration
	Tick         time.Duration // pulse length; default 100ms
	LinkDead     time.Duration // how long a dropped player stays; default 10m
	SaveInterval time.Duration // how often online characters are saved; default 5s
	Admin        string        // character granted admin at start
	BcryptCost   int           // default bcrypt.DefaultCost
	Seed         uint64        // world randomness; 0 picks one
	PprofAddr    string        // net/http/pprof and /debug/vars; "" disables
	SSHAddr      string        // "" disables SSH
	SSHHostKey   string        // host key file, created if missing; default DBPath + ".hostkey"
	Shard        string        // this shard's name in the journal; default "main"
	ExportDir    string        // where export writes area files; default "world-export"
	Relay        string        // this shard's relay (nats://host:port); "" plays alone
	RelayToken   string        // the relay's secret
	Ledger       string        // the shard whose relay keeps the ownership ledger; default this one
	// Chaos pauses every handoff at this step (ChaosSteps), for the chaos
	// test, or slows every save's transaction (ChaosSaveSlow), for the
	// crash test; "" for none.
	Chaos       string
	CombatRound time.Duration // length of a combat round; default 2s
	// MaxCompressed is how many telnet sessions are offered MCCP at once
	// (each costs about 0.8 MiB while compressing); default 256, -1 none.
	MaxCompressed int
	DeathExpLoss  int // percent of the next level's experience a death costs; default 10, -1 for none
	Logger        *slog.Logger

	// FailedLoginsPerAddr and FailedLoginsPerAccount override the limits
	// in const.go (tests use them).
	FailedLoginsPerAddr    int
	FailedLoginsPerAccount int
	// LoginTimeout overrides LoginTimeout (tests use it).
	LoginTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Tick <= 0 {
		c.Tick = 100 * time.Millisecond
	}
	if c.LinkDead <= 0 {
		c.LinkDead = 10 * time.Minute
	}
	if c.SaveInterval <= 0 {
		c.SaveInterval = 5 * time.Second
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = bcrypt.DefaultCost
	}
	if c.Seed == 0 {
		c.Seed = rand.Uint64()
	}
	if c.Shard == "" {
		c.Shard = "main"
	}
	if c.Ledger == "" {
		c.Ledger = c.Shard
	}
	switch {
	case c.MaxCompressed == 0:
		c.MaxCompressed = 256
	case c.MaxCompressed < 0:
		c.MaxCompressed = 0
	}
	if c.ExportDir == "" {
		c.ExportDir = "world-export"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.FailedLoginsPerAddr <= 0 {
		c.FailedLoginsPerAddr = FailedLoginsPerAddr
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = LoginTimeout
	}
	if c.FailedLoginsPerAccount <= 0 {
		c.FailedLoginsPerAccount = FailedLoginsPerAccount
	}
}

// Server is one shard: its world, its listeners and its database.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	saver    *saver
	journal  *journal
	limiter  *limiter
	hashJobs chan func() // bcrypt work for the hashing workers
	workers  sync.WaitGroup
	// dummyHash is checked against when an account does not exist, so a
	// wrong name costs what a wrong password does.
	dummyHash []byte
	worldName string
	stats     stats

	inbox    chan event
	stopping chan struct{} // closed when shutdown begins
	loopDone chan struct{} // closed when the loop has returned
	stopOnce sync.Once
	stopErr  error // the first Shutdown's result, for every later call

	listeners  []net.Listener
	telnetAddr net.Addr
	debug      *http.Server
	debugAddr  net.Addr
	ssh        *ssh.Server
	sshAddr    net.Addr
	accepts    sync.WaitGroup

	mu           sync.Mutex
	sessions     map[*session]struct{}
	pids         map[string]*session    // the same, by pid, for what other shards send them
	rmu          sync.Mutex             // guards remotes (a remote door closes under mu at shutdown)
	remotes      map[string]*remoteDoor // sessions played here for connections elsewhere, by the connection's pid
	boot         string                 // this process, to other shards: random
	conns        sync.WaitGroup
	nextID       atomic.Uint64
	mccpSessions atomic.Int64   // telnet sessions offered compression
	statusCache  cached[Status] // the web's questions, answered at most once a second
	whoCache     cached[[]WhoEntry]
	// playersElsewhere is how many players the other linked shards have,
	// as of the last presence beat (for MSSP's PLAYERS).
	playersElsewhere atomic.Int64

	// Engine-owned.
	world         *world.World
	scripts       *script.Host
	departed      map[string]*departure // last state of players who left, newer than what logins may read
	busy          []*session            // sessions that ran commands this tick or have some waiting
	kick          []*session            // sessions with output queued by the loop and no flusher yet
	notices       []notice              // the latest staff notices, replayed to staff as they log in
	countdown     *shutdownClock        // a shutdown counting down, nil if none
	areaEdits     map[string][]byte     // areas edited in the game, as area files: what the files are overlaid with
	bans          banList
	mssp          map[string][]string    // the world's MSSP entries (immutable)
	discarded     []string               // areas whose in-game edits were discarded, for the next snapshot
	link          *link                  // to the other shards; nil without a relay
	others        map[string]*shardView  // the other shards, as last heard (loop only)
	ledger        *ledger                // who owns characters that cross; nil without a relay
	crossings     map[string]*crossing   // characters on their way out, by key
	arrivals      map[string]string      // characters on their way in: the handoff id, by key
	moves         []world.CharacterMove  // residence changes for the next delta
	afterSave     []func(seq uint64)     // told the delta that carries what changed so far
	online        map[string]onlineSince // characters in the world: since when, and how they came
	commandCounts map[cmdKey]int         // commands since the journal last had them
}

// New loads the world and opens the database; Start begins serving.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.World == nil {
		return nil, errors.New("engine: no world given")
	}
	st, err := store.Open(cfg.DBPath)
	if err != nil {
		return nil, err
	}
	// Areas builders edited in the game override their files.
	edits, err := st.AreaEdits(context.Background())
	if err != nil {
		st.Close()
		return nil, err
	}
	bp, err := loadSnapshot(cfg.World, edits)
	if err != nil {
		st.Close()
		if len(edits) > 0 {
			return nil, fmt.Errorf("%w\n(areas edited in the game, from the database: %s)", err, strings.Join(slices.Sorted(maps.Keys(edits)), ", "))
		}
		return nil, err
	}
	bans, err := st.Bans(context.Background())
	if err != nil {
		st.Close()
		return nil, err
	}
	s := &Server{
		cfg:           cfg,
		log:           cfg.Logger,
		store:         st,
		limiter:       newLimiter(),
		hashJobs:      make(chan func(), MaxQueuedHashes),
		inbox:         make(chan event, InboxSize),
		stopping:      make(chan struct{}),
		loopDone:      make(chan struct{}),
		sessions:      make(map[*session]struct{}),
		pids:          make(map[string]*session),
		remotes:       make(map[string]*remoteDoor),
		boot:          randomID(),
		crossings:     make(map[string]*crossing),
		arrivals:      make(map[string]string),
		departed:      make(map[string]*departure),
		online:        make(map[string]onlineSince),
		commandCounts: make(map[cmdKey]int),
		others:        make(map[string]*shardView),
		areaEdits:     edits,
		mssp:          bp.MSSP,
	}
	s.bans.set(bans)
	s.journal = newJournal(st, cfg.Shard, s.log, s.journalProblem)
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		st.Close()
		return nil, err
	}
	ticks := uint64(cfg.LinkDead / cfg.Tick)
	w, err := world.New(world.Config{
		Rand:          rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		Host:          host{s},
		LinkDeadTicks: ticks,
		Tick:          cfg.Tick,
		Round:         cfg.CombatRound,
		Shards:        shardsFor(s),
		DeathExpLoss:  cfg.DeathExpLoss,
		Day:           cfg.GameDay,
		Restore:       snap,
	}, bp)
	if err != nil {
		st.Close()
		return nil, err
	}
	s.world = w
	s.worldName = w.Name()
	scripts := cfg.Scripts
	if scripts == nil {
		scripts = fstest.MapFS{}
	}
	s.scripts, err = script.New(script.Config{
		Budget:         cfg.LuaBudget,
		TickBudget:     cfg.LuaTickBudget,
		TicksPerSecond: max(int(time.Second/cfg.Tick), 1),
		Report:         s.reportScript,
	}, scripts)
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := s.scripts.Attach(w); err != nil {
		// A broken script must not keep the world from starting: the
		// rest runs, and builders see the error with file and line.
		s.log.Error("scripts failed to load", "err", err)
		for _, line := range strings.Split(err.Error(), "\n") {
			s.notifyStaff("{R[script]{x " + line)
		}
	}
	w.AddCommand(s.statsCommand())
	for _, c := range s.adminCommands() {
		w.AddCommand(c)
	}
	for _, c := range s.builderFiles() {
		w.AddCommand(c)
	}
	w.AddCommand(s.sshkeyCommand())
	for _, c := range s.builderCommands() {
		w.AddCommand(c)
	}
	if s.dummyHash, err = bcrypt.GenerateFromPassword([]byte("no such account"), cfg.BcryptCost); err != nil {
		st.Close()
		return nil, err
	}
	if cfg.Admin != "" {
		switch err := st.SetRole(context.Background(), cfg.Admin, world.RoleAdmin); {
		case err == nil:
			s.log.Info("granted admin", "name", cfg.Admin)
		case errors.Is(err, store.ErrNotFound):
			s.log.Info("admin character does not exist yet; it will be admin when created", "name", cfg.Admin)
		default:
			st.Close()
			return nil, err
		}
	}
	if cfg.Chaos == ChaosSaveSlow {
		st.SlowCommits(chaosSaveDelay)
	}
	s.saver = newSaver(st, s.log, s.saveProblem)
	return s, nil
}

// Start opens the listeners and starts the loop; it returns at once.
func (s *Server) Start() error {
	if s.cfg.TelnetAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.TelnetAddr)
		if err != nil {
			return fmt.Errorf("telnet listen: %w", err)
		}
		s.listeners = append(s.listeners, ln)
		s.telnetAddr = ln.Addr()
		s.log.Info("telnet listening", "addr", ln.Addr().String())
		s.accepts.Add(1)
		go s.acceptLoop(ln, func(nc net.Conn) door {
			d := s.newTelnetDoor(nc)
			d.Start()
			return d
		})
	}
	if s.cfg.SSHAddr != "" {
		key := s.cfg.SSHHostKey
		if key == "" {
			key = s.cfg.DBPath + ".hostkey"
		}
		if err := s.startSSH(s.cfg.SSHAddr, key); err != nil {
			return err
		}
	}
	if s.cfg.PprofAddr != "" {
		if err := s.startDebug(s.cfg.PprofAddr); err != nil {
			return fmt.Errorf("pprof listen: %w", err)
		}
	}
	s.stats.started = time.Now()
	for range runtime.NumCPU() {
		s.workers.Add(1)
		go s.hashWorker()
	}
	if s.cfg.Relay != "" {
		if err := s.startLink(s.cfg.Relay, s.cfg.RelayToken); err != nil {
			return fmt.Errorf("relay %s: %w", s.cfg.Relay, err)
		}
		s.settleTransits()
	}
	// A new world (or new areas) is saved whole before anyone plays, so the
	// tick never copies the whole world.
	if d := s.world.TakeDelta(); !d.Empty() {
		s.saver.put(d)
	}
	go s.saver.run()
	go s.journal.run()
	s.journal.record(store.Event{Kind: "start", Details: map[string]any{"world": s.world.Name()}})
	s.journal.record(store.Event{Kind: "online", Details: map[string]any{"players": 0}})
	go s.loop()
	s.log.Info("world running", "world", s.world.Name(), "tick", s.cfg.Tick, "db", s.cfg.DBPath)
	return nil
}

// TelnetAddr is the telnet listener's address (useful with port 0).
func (s *Server) TelnetAddr() net.Addr { return s.telnetAddr }

// DebugAddr is the pprof/metrics listener's address, nil if disabled.
func (s *Server) DebugAddr() net.Addr { return s.debugAddr }

func (s *Server) acceptLoop(ln net.Listener, open func(net.Conn) door) {
	defer s.accepts.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stopping:
				return
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			s.log.Error("accept failed", "err", err)
			time.Sleep(50 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		if !s.serve(open(nc)) {
			return
		}
	}
}

// serve starts a session on an open door; false if the server is stopping.
func (s *Server) serve(d door) bool {
	sess := s.open(d, nil)
	if sess == nil {
		return false
	}
	go sess.run()
	return true
}

// serveSync runs a session on the calling goroutine (an SSH handler's),
// already logged in as pre if that is not nil.
func (s *Server) serveSync(d door, pre *world.PlayerRecord) {
	if sess := s.open(d, pre); sess != nil {
		sess.run()
	}
}

// open registers a session; nil if the server is stopping.
func (s *Server) open(d door, pre *world.PlayerRecord) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stopping:
		d.Close()
		return nil
	default:
	}
	sess := newSession(s, s.nextID.Add(1), d)
	sess.preauth = pre
	s.sessions[sess] = struct{}{}
	s.pids[sess.pid] = sess
	s.conns.Add(1)
	s.stats.sessions.Add(1)
	return sess
}

func (s *Server) sessionDone(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	delete(s.pids, sess.pid)
	s.mu.Unlock()
	s.stats.sessions.Add(-1)
	s.conns.Done()
}

// post hands an event to the loop; false once the loop has stopped.
func (s *Server) post(ev event) bool {
	select {
	case s.inbox <- ev:
		return true
	case <-s.loopDone:
		return false
	}
}

// Shutdown tells everyone, saves every character, closes every connection
// and the database. It waits for sessions to flush until ctx ends. Every
// call returns the result of the one that did the work (an admin's
// shutdown runs it, then main asks again for its exit status), so a final
// save that failed is never reported as success.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		var err error
		s.log.Info("shutting down")
		s.mu.Lock()
		close(s.stopping)
		s.mu.Unlock()
		for _, ln := range s.listeners {
			ln.Close()
		}
		s.accepts.Wait()
		<-s.loopDone // the loop has said goodbye and queued every save

		// Sessions still logging in have no character to save.
		s.mu.Lock()
		for sess := range s.sessions {
			if !sess.entered.Load() {
				sess.door.Close()
			}
		}
		s.mu.Unlock()
		flushed := make(chan struct{})
		go func() { s.conns.Wait(); close(flushed) }()
		select {
		case <-flushed:
		case <-ctx.Done():
			s.mu.Lock()
			for sess := range s.sessions {
				sess.door.Close()
			}
			s.mu.Unlock()
			<-flushed
		}
		if s.ssh != nil {
			s.ssh.Close()
		}
		close(s.hashJobs) // no session is left to wait for a hash
		s.workers.Wait()
		if s.debug != nil {
			s.debug.Close()
		}
		if e := s.saver.close(); e != nil {
			err = e
		}
		s.journal.close()
		if s.link != nil {
			s.link.close()
		}
		if e := s.store.Close(); e != nil && err == nil {
			err = e
		}
		if err != nil {
			s.log.Error("SHUTDOWN FAILED: the last changes may not be saved", "err", err)
		} else {
			s.log.Info("shutdown complete")
		}
		s.stopErr = err
	})
	return s.stopErr
}

// Stopping is closed once shutdown has begun.
func (s *Server) Stopping() <-chan struct{} { return s.stopping }

// errBusy: too many logins are waiting for a password check already.
var errBusy = errors.New("login queue full")

// hashing runs fn (a bcrypt call) on one of the hashing workers, one per
// CPU, and waits for it. bcrypt is slow on purpose and deep in stack: on
// the workers it neither delays the loop nor grows every session's stack.
// At most MaxQueuedHashes logins wait; beyond that the login is refused at
// once rather than left waiting for minutes.
func (s *Server) hashing(fn func()) error {
	done := make(chan struct{})
	s.stats.hashes.Add(1)
	select {
	case s.hashJobs <- func() { fn(); close(done) }:
	default:
		return errBusy
	}
	<-done
	return nil
}

// hashWorker runs hashing jobs until Shutdown closes the queue.
func (s *Server) hashWorker() {
	defer s.workers.Done()
	for job := range s.hashJobs {
		job()
	}
}

func (s *Server) hashPassword(pw string) (hash []byte, err error) {
	if berr := s.hashing(func() { hash, err = bcrypt.GenerateFromPassword([]byte(pw), s.cfg.BcryptCost) }); berr != nil {
		return nil, berr
	}
	return hash, err
}

func (s *Server) checkPassword(hash []byte, pw string) (ok bool, err error) {
	err = s.hashing(func() { ok = bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil })
	return ok, err
}
