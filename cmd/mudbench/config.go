package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Limits of the tool itself, in one place.
const (
	// readSize is each bot's read buffer; maxLine the longest line kept
	// (the server wraps text at 80 columns, so real lines are far shorter).
	readSize = 4 << 10
	maxLine  = 1 << 10
	// walkMoves is how far a spread bot wanders from where it logged in.
	walkMoves = 8
	// graceAfter is added to the run's planned length to make its hard
	// deadline.
	graceAfter = 60 * time.Second
	// metricsTimeout bounds one fetch of the server's figures.
	metricsTimeout = 5 * time.Second
	// maxWeight bounds one weight in -mix.
	maxWeight = 1000
	// nameLetters is how many letters follow the prefix in a bot's name:
	// 26^4 names, more than any -max-bots.
	nameLetters = 4
	// maxNameLen is the server's longest character name.
	maxNameLen = 20
	// minPasswordLen is the server's shortest password.
	minPasswordLen = 8
)

// startRoom is the built-in world's start room, where new characters
// appear; a crowd run checks that its bots are all there.
const startRoom = "Thornwick Square"

// Config is one benchmark run. main fills it from flags; tests build it.
type Config struct {
	Addr         string        // telnet address, or SSH with SSH set; must be loopback
	SSH          bool          // bots connect over SSH (no PTY) instead of telnet
	Bots         int           // connections to open
	Ramp         float64       // connections opened per second
	Rate         float64       // commands per second per bot
	Duration     time.Duration // measurement time once every bot is in
	Hold         time.Duration // idle time kept after the measurement
	LoginTimeout time.Duration // one bot's connect and login
	Timeout      time.Duration // one command's answer
	Workload     string        // spread, crowd or idle
	Mix          []mixEntry    // command kinds with weights; nil: the workload's default
	Prefix       string        // bot names: prefix + letters from the bot index
	Password     string
	Seed         uint64
	MetricsURL   string // the server's /debug/vars; "" skips server figures
	MaxBots      int
	Progress     io.Writer // a line every few seconds while running; nil: quiet
}

// Workloads.
const (
	workSpread = "spread" // bots walk off to random rooms, then run commands no one else hears
	workCrowd  = "crowd"  // every bot in the start room, saying things
	workIdle   = "idle"   // log in and hold
)

// defaultMix is each workload's command mix when -mix is not given. The
// spread's commands are heard by no one else, so each bot's load is its
// own whatever the crowding of rooms; who is left out because its answer
// lists every player (a thousand lines at a thousand bots).
var defaultMix = map[string]string{
	workSpread: "look,inventory,score,examine",
	workCrowd:  "say",
	workIdle:   "",
}

// check validates c and fills defaults; it resolves nothing over the
// network except "localhost".
func (c *Config) check() error {
	if c.MaxBots <= 0 {
		c.MaxBots = 20000
	}
	switch {
	case c.Bots < 1:
		return errors.New("-bots must be at least 1")
	case c.Bots > c.MaxBots:
		return fmt.Errorf("-bots %d is over the safety cap -max-bots %d", c.Bots, c.MaxBots)
	case c.Ramp <= 0:
		return errors.New("-ramp must be above 0")
	case c.Rate <= 0 && c.Workload != workIdle:
		return errors.New("-rate must be above 0")
	case c.Duration < 0 || c.Hold < 0:
		return errors.New("-duration and -hold cannot be negative")
	case c.Timeout <= 0 || c.LoginTimeout <= 0:
		return errors.New("-timeout and -login-timeout must be above 0")
	}
	if err := checkPrefix(c.Prefix); err != nil {
		return err
	}
	if len(c.Password) < minPasswordLen || strings.ContainsAny(c.Password, " \t\r\n") {
		return fmt.Errorf("-password must have %d or more characters and no spaces", minPasswordLen)
	}
	if _, ok := defaultMix[c.Workload]; !ok {
		return fmt.Errorf("-workload %q: want spread, crowd or idle", c.Workload)
	}
	if c.Mix == nil {
		c.Mix, _ = parseMix(defaultMix[c.Workload])
	}
	switch {
	case c.Workload == workIdle && len(c.Mix) > 0:
		return errors.New("-mix makes no sense with -workload idle (it sends no commands)")
	case c.Workload != workIdle && len(c.Mix) == 0:
		return errors.New("-mix is empty")
	}
	if c.Workload == workCrowd {
		for _, m := range c.Mix {
			if m.kind == cmdMove {
				return errors.New("-workload crowd keeps every bot in the start room: move is not allowed in its -mix")
			}
		}
	}
	if c.MetricsURL != "" {
		u, err := url.Parse(c.MetricsURL)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("-metrics %q: want http://HOST:PORT/debug/vars", c.MetricsURL)
		}
		if err := checkLoopbackHost(u.Hostname()); err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
	}
	return nil
}

func checkPrefix(p string) error {
	if p == "" || len(p)+nameLetters > maxNameLen {
		return fmt.Errorf("-prefix %q: want 1 to %d letters", p, maxNameLen-nameLetters)
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("-prefix %q: letters only (a to z)", p)
		}
	}
	return nil
}

// botName is prefix plus the index in base 26 written with letters, most
// significant first: 0 is aaaa, 1 is aaab.
func botName(prefix string, i int) string {
	var b [nameLetters]byte
	for j := nameLetters - 1; j >= 0; j-- {
		b[j] = byte('a' + i%26)
		i /= 26
	}
	return strings.ToLower(prefix) + string(b[:])
}

// resolveLoopback checks that addr (HOST:PORT) is on this machine and
// returns it with the host as an IP literal, so what is dialled is what was
// checked. This tool opens thousands of connections: it must never point
// them anywhere but the local machine.
func resolveLoopback(ctx context.Context, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("address %q: bad port", addr)
	}
	if err := checkLoopbackHost(host); err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip != nil {
		return net.JoinHostPort(ip.String(), port), nil
	}
	// "localhost": use what it resolves to, provided that is loopback.
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if ip.IP.IsLoopback() {
			return net.JoinHostPort(ip.IP.String(), port), nil
		}
	}
	return "", fmt.Errorf("%s does not resolve to a loopback address here; refusing to load anything but this machine", host)
}

// checkLoopbackHost accepts 127.0.0.0/8, ::1 and localhost.
func checkLoopbackHost(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("host %q is not loopback (127.0.0.0/8, ::1 or localhost); mudbench only loads the local machine", host)
}

// cmdKind is a kind of command in the mix.
type cmdKind uint8

const (
	cmdSay cmdKind = iota
	cmdLook
	cmdMove
	cmdChat
	cmdGet
	cmdDrop
	cmdInventory
	cmdScore
	cmdExamine // "examine <own name>": the bot looks itself over
	cmdWho
	numKinds
)

var kindNames = [numKinds]string{"say", "look", "move", "chat", "get", "drop", "inventory", "score", "examine", "who"}

// heard tells which kinds others see: say, move (leaves and arrivals),
// get and drop in the room, chat everywhere. The rest answer the bot
// alone.
var heard = [numKinds]bool{cmdSay: true, cmdMove: true, cmdChat: true, cmdGet: true, cmdDrop: true}

func (k cmdKind) String() string { return kindNames[k] }

type mixEntry struct {
	kind   cmdKind
	weight int
}

// parseMix reads "say:3,look,move:2": kinds with optional weights (1 if
// left out). The empty string is an empty mix.
func parseMix(s string) ([]mixEntry, error) {
	mix := []mixEntry{}
	if strings.TrimSpace(s) == "" {
		return mix, nil
	}
	var seen [numKinds]bool
	for _, part := range strings.Split(s, ",") {
		name, w, hasWeight := strings.Cut(strings.TrimSpace(part), ":")
		kind, ok := kindByName(name)
		if !ok {
			return nil, fmt.Errorf("-mix: unknown command kind %q (want %s)", name, strings.Join(kindNames[:], ", "))
		}
		if seen[kind] {
			return nil, fmt.Errorf("-mix: %s is listed twice", name)
		}
		seen[kind] = true
		weight := 1
		if hasWeight {
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 || n > maxWeight {
				return nil, fmt.Errorf("-mix: weight %q of %s: want a whole number from 1 to %d", w, name, maxWeight)
			}
			weight = n
		}
		mix = append(mix, mixEntry{kind, weight})
	}
	return mix, nil
}

func kindByName(name string) (cmdKind, bool) {
	for k, n := range kindNames {
		if n == name {
			return cmdKind(k), true
		}
	}
	return 0, false
}

func mixString(mix []mixEntry) string {
	parts := make([]string, len(mix))
	for i, m := range mix {
		parts[i] = m.kind.String()
		if m.weight != 1 {
			parts[i] += ":" + strconv.Itoa(m.weight)
		}
	}
	return strings.Join(parts, ",")
}
