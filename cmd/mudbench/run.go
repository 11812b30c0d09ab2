package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errHardDeadline = errors.New("hard deadline reached (ramp + login timeout + duration + hold + 60s)")
	errInterrupted  = errors.New("interrupted")
)

// runner is the state one run shares with its bots. Counters and
// histograms are written by many bot goroutines at once (atomics); the
// rest is set before the bots read it (t0 and end before start closes).
type runner struct {
	cfg  Config
	addr string // resolved loopback HOST:PORT
	cum  []int  // cumulative mix weights, for pick
	// connCtx ends when every connection must close: at the end of the
	// run, at the hard deadline or on interrupt.
	connCtx context.Context
	start   chan struct{} // closed when the measurement begins
	t0, end time.Time     // the measurement window

	// ready counts bots not yet logged in (or failed), measured bots not
	// done measuring, all bot goroutines still running.
	ready, measured, all sync.WaitGroup

	login, rtt                     histogram
	byKind                         [numKinds]histogram
	sent, answered, timedOut, lost [numKinds]atomic.Uint64
	logins, late, stuck, outside   atomic.Int64
	unsent                         atomic.Int64 // due within the window, still unsent when it closed
	lookByExits                    atomic.Int64 // looks timed to Exits: (score did not name the room)

	mu            sync.Mutex
	loginFailures map[string]int // by reason
}

func newRunner(cfg Config, addr string, connCtx context.Context) *runner {
	r := &runner{
		cfg:           cfg,
		addr:          addr,
		connCtx:       connCtx,
		start:         make(chan struct{}),
		loginFailures: make(map[string]int),
	}
	total := 0
	for _, m := range cfg.Mix {
		total += m.weight
		r.cum = append(r.cum, total)
	}
	return r
}

// pick draws a command kind from the mix.
func (r *runner) pick(rng *rand.Rand) cmdKind {
	x := rng.IntN(r.cum[len(r.cum)-1])
	i := sort.SearchInts(r.cum, x+1)
	return r.cfg.Mix[i].kind
}

func (r *runner) loginFailed(reason string) {
	r.mu.Lock()
	r.loginFailures[reason]++
	r.mu.Unlock()
}

// Run opens the connections, logs the bots in, runs the workload and
// reports. It returns an error only for a bad Config; a run cut short (the
// hard deadline, ctx ending) still reports what it measured, with Aborted
// set. Every goroutine it starts has ended and every connection is closed
// when it returns.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	addr, err := resolveLoopback(ctx, cfg.Addr)
	if err != nil {
		return nil, err
	}
	res := newResult(cfg, addr)
	if limit, err := raiseFileLimit(); err != nil {
		res.warn("could not raise the open-file limit: %v", err)
	} else if need := uint64(cfg.Bots) + 64; need > limit {
		res.warn("%d bots need about %d open files; the limit is %d (raise the hard limit: ulimit -Hn), so some connections will fail", cfg.Bots, need, limit)
	}

	if n := heardNote(cfg); n != "" {
		res.Notes = append(res.Notes, n)
	}
	if cfg.Progress != nil {
		for _, n := range res.Notes {
			fmt.Fprintf(cfg.Progress, "mudbench: note: %s\n", n)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(cfg.Progress, "mudbench: warning: %s\n", w)
		}
	}

	rampTime := time.Duration(float64(cfg.Bots-1) / cfg.Ramp * float64(time.Second))
	planned := rampTime + cfg.LoginTimeout + cfg.Duration + cfg.Hold
	ctx, cancel := context.WithTimeoutCause(ctx, planned+graceAfter, errHardDeadline)
	defer cancel()
	connCtx, closeConns := context.WithCancel(ctx)
	defer closeConns()
	r := newRunner(cfg, addr, connCtx)

	progress := startProgress(cfg.Progress, r)
	defer progress.stop()

	// Server figures are fetched even when the run is cut short.
	varsCtx := context.WithoutCancel(ctx)
	var fetchErr error
	fetch := func() *serverVars {
		if cfg.MetricsURL == "" {
			return nil
		}
		v, err := fetchVars(varsCtx, cfg.MetricsURL)
		if err != nil && fetchErr == nil {
			fetchErr = err
		}
		return v
	}
	varsStart := fetch()

	progress.phase("connecting")
	rampStart := time.Now()
	bots := make([]*bot, 0, cfg.Bots)
	for i := range cfg.Bots {
		at := rampStart.Add(time.Duration(float64(i) / cfg.Ramp * float64(time.Second)))
		if !sleepUntil(ctx, at) {
			break
		}
		b := newBot(r, i)
		bots = append(bots, b)
		r.ready.Add(1)
		r.measured.Add(1)
		r.all.Add(1)
		go b.run()
	}
	r.ready.Wait()
	res.LoginPhase = secs(time.Since(rampStart))

	varsBefore := fetch()
	progress.phase("measuring")
	r.t0 = time.Now()
	r.end = r.t0.Add(cfg.Duration)
	close(r.start)
	sleepUntil(ctx, r.end)
	r.measured.Wait()
	window := min(time.Since(r.t0), cfg.Duration)
	varsAfter := fetch()

	varsFinal := varsAfter
	if cfg.Hold > 0 {
		progress.phase("holding")
		sleepUntil(ctx, time.Now().Add(cfg.Hold))
		varsFinal = fetch()
	}
	for _, b := range bots {
		if b.in && !closed(b.readerDone) {
			res.Held++
		}
	}
	progress.phase("closing")
	closeConns()
	r.all.Wait()

	if err := context.Cause(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			err = errInterrupted
		}
		res.Aborted = err.Error()
	}
	res.fill(r, window)
	if cfg.MetricsURL != "" {
		res.Server = figures(varsStart, varsBefore, varsAfter, varsFinal, cfg.Duration > 0)
		if fetchErr != nil {
			res.Server.Error = fetchErr.Error()
		}
	}
	return res, nil
}

// heardNote says which commands of a spread's mix others hear: the
// spread is meant to load the server with bots that do not load each
// other, so a -mix that breaks that is worth a word.
func heardNote(cfg Config) string {
	if cfg.Workload != workSpread {
		return ""
	}
	var kinds []string
	for _, m := range cfg.Mix {
		if heard[m.kind] {
			kinds = append(kinds, m.kind.String())
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	return fmt.Sprintf("spread with %s: others hear these (in the room; chat everywhere), so bots that share a room also load each other", strings.Join(kinds, ", "))
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// progress writes a line to w every few seconds while a run goes on, for
// whoever watches a long run; it writes nothing if w is nil.
type progress struct {
	w     io.Writer
	r     *runner
	name  atomic.Value // string: the phase
	quit  chan struct{}
	wg    sync.WaitGroup
	begin time.Time
}

const progressEvery = 5 * time.Second

func startProgress(w io.Writer, r *runner) *progress {
	p := &progress{w: w, r: r, quit: make(chan struct{}), begin: time.Now()}
	p.name.Store("starting")
	if w == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.report()
			case <-p.quit:
				return
			}
		}
	}()
	return p
}

func (p *progress) phase(name string) { p.name.Store(name) }

func (p *progress) report() {
	r := p.r
	r.mu.Lock()
	failed := 0
	for _, n := range r.loginFailures {
		failed += n
	}
	r.mu.Unlock()
	var answered, timedOut uint64
	for k := range numKinds {
		answered += r.answered[k].Load()
		timedOut += r.timedOut[k].Load()
	}
	fmt.Fprintf(p.w, "mudbench: %5.0fs %-10s logged in %d/%d, login failures %d, answered %d, timed out %d\n",
		time.Since(p.begin).Seconds(), p.name.Load(), r.logins.Load(), r.cfg.Bots, failed, answered, timedOut)
}

func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
}
