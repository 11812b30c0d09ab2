package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Result is what a run measured; -json prints it as one object.
type Result struct {
	Addr     string  `json:"addr"`
	Protocol string  `json:"protocol"` // telnet or ssh
	Workload string  `json:"workload"`
	Bots     int     `json:"bots"`
	Ramp     float64 `json:"ramp_per_s"`
	Rate     float64 `json:"rate_per_bot"`
	Duration float64 `json:"duration_s"`
	Hold     float64 `json:"hold_s"`
	Mix      string  `json:"mix"`
	Seed     uint64  `json:"seed"`

	Held                int            `json:"connections_held"` // open at the end
	Logins              int64          `json:"logins"`
	LoginFailures       int            `json:"login_failures"`
	LoginFailureReasons map[string]int `json:"login_failure_reasons,omitempty"`
	Login               latency        `json:"login"`         // connect to in the world
	LoginPhase          float64        `json:"login_phase_s"` // first connect to the last bot in (or failed)
	Disconnects         int64          `json:"disconnects"`   // logged in, then lost before the end
	OutsideStart        int64          `json:"crowd_outside_start,omitempty"`

	Sent       uint64       `json:"sent"`
	Answered   uint64       `json:"answered"`
	TimedOut   uint64       `json:"timed_out"`
	Lost       uint64       `json:"lost"`   // sent, then the connection ended
	Late       int64        `json:"late"`   // sent behind schedule: the previous one was still out
	Unsent     int64        `json:"unsent"` // due in the window, not yet sent when it closed (answers were that slow)
	Throughput float64      `json:"throughput_per_s"`
	RoundTrip  latency      `json:"round_trip"`
	ByKind     []kindResult `json:"by_kind"`

	Server   *serverFigures `json:"server,omitempty"`
	Notes    []string       `json:"notes,omitempty"` // about how to read the figures
	Warnings []string       `json:"warnings,omitempty"`
	Aborted  string         `json:"aborted,omitempty"`
}

type kindResult struct {
	Kind      string  `json:"kind"`
	Sent      uint64  `json:"sent"`
	Answered  uint64  `json:"answered"`
	TimedOut  uint64  `json:"timed_out"`
	RoundTrip latency `json:"round_trip"`
}

func newResult(cfg Config, addr string) *Result {
	return &Result{
		Addr:     addr,
		Protocol: protocolName(cfg.SSH),
		Workload: cfg.Workload,
		Bots:     cfg.Bots,
		Ramp:     cfg.Ramp,
		Rate:     cfg.Rate,
		Duration: secs(cfg.Duration),
		Hold:     secs(cfg.Hold),
		Mix:      mixString(cfg.Mix),
		Seed:     cfg.Seed,
	}
}

func protocolName(ssh bool) string {
	if ssh {
		return "ssh"
	}
	return "telnet"
}

func (res *Result) warn(format string, args ...any) {
	res.Warnings = append(res.Warnings, fmt.Sprintf(format, args...))
}

// fill takes the counters once every bot has stopped.
func (res *Result) fill(r *runner, window time.Duration) {
	res.Logins = r.logins.Load()
	res.LoginFailureReasons = r.loginFailures
	for _, n := range r.loginFailures {
		res.LoginFailures += n
	}
	res.Login = r.login.summary()
	res.Disconnects = res.Logins - int64(res.Held)
	res.OutsideStart = r.outside.Load()
	for k := range numKinds {
		kr := kindResult{
			Kind:      k.String(),
			Sent:      r.sent[k].Load(),
			Answered:  r.answered[k].Load(),
			TimedOut:  r.timedOut[k].Load(),
			RoundTrip: r.byKind[k].summary(),
		}
		res.Sent += kr.Sent
		res.Answered += kr.Answered
		res.TimedOut += kr.TimedOut
		res.Lost += r.lost[k].Load()
		if kr.Sent > 0 {
			res.ByKind = append(res.ByKind, kr)
		}
	}
	res.Late = r.late.Load()
	res.Unsent = r.unsent.Load()
	res.RoundTrip = r.rtt.summary()
	if window > 0 {
		res.Throughput = math.Round(float64(res.Answered)/window.Seconds()*10) / 10
	}
	if n := r.stuck.Load(); n > 0 {
		res.warn("%d bots stopped sending: after a timeout, %d more in a row went unanswered", n, resyncTries)
	}
	if n := r.lookByExits.Load(); n > 0 {
		res.warn("%d looks were timed to their Exits: line, not the room's name: score did not name the room before them", n)
	}
	if res.OutsideStart > 0 {
		res.warn("crowd: %d bots were not in %s at login (characters saved elsewhere by an earlier run); use another -prefix or a fresh database", res.OutsideStart, startRoom)
	}
}

// writeJSON prints res as one JSON object.
func (res *Result) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// writeTable prints res for people.
func (res *Result) writeTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "workload %s  bots %d  ramp %s/s", res.Workload, res.Bots, num(res.Ramp))
	if res.Workload != workIdle {
		fmt.Fprintf(&b, "  rate %s/s", num(res.Rate))
	}
	fmt.Fprintf(&b, "  duration %s", fmtSecs(res.Duration))
	if res.Hold > 0 {
		fmt.Fprintf(&b, "  hold %s", fmtSecs(res.Hold))
	}
	if res.Mix != "" {
		fmt.Fprintf(&b, "  mix %s", res.Mix)
	}
	fmt.Fprintf(&b, "  (%s %s)\n", res.Protocol, res.Addr)

	fmt.Fprintf(&b, "connections held   %d / %d   login failures %d", res.Held, res.Bots, res.LoginFailures)
	if len(res.LoginFailureReasons) > 0 {
		fmt.Fprintf(&b, " (%s)", reasons(res.LoginFailureReasons))
	}
	fmt.Fprintf(&b, "   login p50 %s p99 %s max %s", fmtMs(res.Login.P50), fmtMs(res.Login.P99), fmtMs(res.Login.Max))
	if res.LoginPhase > 0 {
		fmt.Fprintf(&b, "   (%d in %s: %s/s)", res.Logins, fmtSecs(res.LoginPhase), num(math.Round(float64(res.Logins)/res.LoginPhase*10)/10))
	}
	b.WriteByte('\n')
	if res.Disconnects > 0 {
		fmt.Fprintf(&b, "disconnects        %d (logged in, then closed by the server)\n", res.Disconnects)
	}

	if res.Workload != workIdle && res.Duration > 0 {
		fmt.Fprintf(&b, "commands           sent %d  answered %d  timed out %d  throughput %s/s", res.Sent, res.Answered, res.TimedOut, num(res.Throughput))
		if res.Lost > 0 {
			fmt.Fprintf(&b, "  lost %d", res.Lost)
		}
		if res.Late > 0 {
			fmt.Fprintf(&b, "  late %d", res.Late)
		}
		if res.Unsent > 0 {
			fmt.Fprintf(&b, "  unsent %d (due, not sent before the window closed)", res.Unsent)
		}
		b.WriteByte('\n')
		fmt.Fprintf(&b, "round trip         %s\n", fmtLatency(res.RoundTrip))
		if len(res.ByKind) > 1 {
			for _, k := range res.ByKind {
				fmt.Fprintf(&b, "  %-16s %-7d %s", k.Kind, k.Answered, fmtLatency(k.RoundTrip))
				if k.TimedOut > 0 {
					fmt.Fprintf(&b, "  timed out %d", k.TimedOut)
				}
				b.WriteByte('\n')
			}
		}
	}
	if s := res.Server; s != nil {
		fmt.Fprintf(&b, "server             commands/s %s  tick p50 %s p99 %s max %s  sessions %s  slow consumers %s  outbox drops %s  rss %s",
			optF(s.CommandsPerSec, num), optF(s.TickP50, fmtMs), optF(s.TickP99, fmtMs), optF(s.TickMax, fmtMs),
			optI(s.Sessions), optU(s.SlowConsumers), optU(s.OutboxDrops), optBytes(s.RSS))
		if s.RSSPerSession != nil {
			fmt.Fprintf(&b, " (%s/session)", fmtBytes(uint64(*s.RSSPerSession)))
		}
		fmt.Fprintf(&b, "  heap %s  goroutines %s\n", optBytes(s.HeapInuse), optI(s.Goroutines))
		if s.Error != "" {
			fmt.Fprintf(&b, "server figures     %s\n", s.Error)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	if res.Aborted != "" {
		fmt.Fprintf(&b, "aborted: %s; figures are what was measured until then\n", res.Aborted)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtLatency(l latency) string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
		fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P99), fmtMs(l.P999), fmtMs(l.Max))
}

func reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// round3 rounds x to three significant digits.
func round3(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	scale := math.Pow(10, 3-math.Ceil(math.Log10(math.Abs(x))))
	return math.Round(x*scale) / scale
}

// ms3 is d in milliseconds to three significant digits.
func ms3(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func secs(d time.Duration) float64 { return d.Seconds() }

// fmtMs writes milliseconds to three significant digits, as seconds from
// one second up.
func fmtMs(ms float64) string {
	if ms >= 1000 {
		return num(round3(ms/1000)) + "s"
	}
	return num(round3(ms)) + "ms"
}

func fmtSecs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// fmtBytes writes a size to three significant digits: 61.2MiB, 62.5KiB.
func fmtBytes(n uint64) string {
	x := float64(n)
	for _, unit := range []string{"B", "KiB", "MiB", "GiB"} {
		if x < 1000 || unit == "GiB" {
			return num(round3(x)) + unit
		}
		x /= 1024
	}
	return ""
}

func optF(p *float64, f func(float64) string) string {
	if p == nil {
		return "-"
	}
	return f(*p)
}

func optU(p *uint64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatUint(*p, 10)
}

func optBytes(p *uint64) string {
	if p == nil {
		return "-"
	}
	return fmtBytes(*p)
}

func optI(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}
