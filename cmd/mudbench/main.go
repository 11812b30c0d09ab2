// Command mudbench loads a shardmud server on this machine: it opens many
// telnet (or, with -ssh, SSH) connections at a set rate, logs a bot in on each, runs a workload
// and a command mix for a set time at a set rate per bot, and reports
// logins, round trips (each command timed until its own answer arrives)
// and throughput, with the server's own figures if -metrics is given.
//
//	mudbench -addr 127.0.0.1:4000 -bots 1000 -duration 30s
//	mudbench -workload crowd -bots 200 -metrics http://127.0.0.1:6060/debug/vars
//	mudbench -workload idle -bots 5000 -duration 0 -hold 30s -json
//	mudbench -ssh -addr 127.0.0.1:4022 -bots 200
//
// It refuses any address that is not loopback: it is a load generator, and
// must never point at anything but the local machine. Every run is bounded:
// a hard deadline (ramp + login timeout + duration + hold + 60s) ends it
// with what was measured so far, all of its goroutines stop and every
// connection is closed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var cfg Config
	var mix string
	var asJSON bool
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:4000", "server telnet address HOST:PORT, or its SSH address with -ssh (default then 127.0.0.1:4022); loopback only")
	flag.BoolVar(&cfg.SSH, "ssh", false, "connect over SSH instead of telnet: new bots log in as the user \"new\" and run the creation dialogue, existing ones as their name with -password; no PTY (plain lines)")
	flag.IntVar(&cfg.Bots, "bots", 100, "connections (bots) to open")
	flag.Float64Var(&cfg.Ramp, "ramp", 200, "connections opened per second")
	flag.Float64Var(&cfg.Rate, "rate", 1, "commands per second per bot (open loop, random phase per bot)")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measurement time once every bot is logged in (0: log in, report, exit)")
	flag.DurationVar(&cfg.Hold, "hold", 0, "keep the connections open, idle, this long after the measurement (memory figures)")
	flag.StringVar(&cfg.Workload, "workload", workSpread, "spread (bots walk to random rooms, then by default run only commands no one else hears), crowd (all in the start room, saying things) or idle")
	flag.StringVar(&mix, "mix", "", "command kinds with optional weights, e.g. say:3,look,move (kinds: say look move chat get drop inventory score examine who; spread warns of those others hear); default per workload: spread "+defaultMix[workSpread]+", crowd "+defaultMix[workCrowd])
	flag.BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	flag.StringVar(&cfg.Prefix, "prefix", "bot", "bot name prefix, letters only (bot 0 is <prefix>aaaa)")
	flag.StringVar(&cfg.Password, "password", "benchmark", "bot password (8 or more characters)")
	flag.DurationVar(&cfg.Timeout, "timeout", 5*time.Second, "how long a command may wait for its answer before it counts as timed out")
	flag.DurationVar(&cfg.LoginTimeout, "login-timeout", 60*time.Second, "how long one bot may take to connect and log in (the server hashes passwords with bcrypt, a few dozen per second per core)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed for phases, walks and the mix")
	flag.StringVar(&cfg.MetricsURL, "metrics", "", "the server's expvar URL (shardmud -pprof), e.g. http://127.0.0.1:6060/debug/vars: adds the server's figures")
	flag.IntVar(&cfg.MaxBots, "max-bots", 20000, "safety cap on -bots")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments: %v", flag.Args()))
	}
	addrSet := false
	flag.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if cfg.SSH && !addrSet {
		cfg.Addr = "127.0.0.1:4022" // shardmud's default SSH port
	}
	if mix != "" {
		m, err := parseMix(mix)
		if err != nil {
			fail(err)
		}
		cfg.Mix = m
	}
	cfg.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := Run(ctx, cfg)
	if err != nil {
		fail(err)
	}
	if asJSON {
		err = res.writeJSON(os.Stdout)
	} else {
		err = res.writeTable(os.Stdout)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mudbench:", err)
	os.Exit(2)
}
