// Command shardmud runs one shard of the shardmud world: go run ./cmd/shardmud
// serves the built-in world on telnet port 4000.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shardmud/data"
	"shardmud/engine"
	"shardmud/engine/script"
	"shardmud/engine/web"
	"shardmud/scripts"
	"shardmud/world"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		os.Exit(runReport(os.Args[2:], os.Stdout, os.Stderr))
	}
	var cfg engine.Config
	var worldDir, httpAddr string
	flag.StringVar(&cfg.TelnetAddr, "telnet", ":4000", "telnet listen address (empty disables)")
	flag.StringVar(&cfg.SSHAddr, "ssh", ":4022", "SSH listen address (empty disables)")
	flag.StringVar(&cfg.SSHHostKey, "ssh-hostkey", "", "SSH host key file, created on first start (default: the -db path + .hostkey)")
	flag.StringVar(&cfg.DBPath, "db", "shardmud.db", "SQLite database file (created if missing)")
	flag.StringVar(&worldDir, "world", "", "world folder to load instead of the built-in world")
	flag.DurationVar(&cfg.Tick, "tick", 100*time.Millisecond, "length of one pulse of the world")
	flag.DurationVar(&cfg.CombatRound, "round", 2*time.Second, "length of a combat round")
	flag.IntVar(&cfg.DeathExpLoss, "death-exp", 10, "percent of the next level's experience a death costs (-1: nothing)")
	flag.IntVar(&cfg.MaxCompressed, "max-compressed", 256, "telnet sessions offered MCCP compression at once (-1: none)")
	flag.DurationVar(&cfg.LinkDead, "linkdead", 10*time.Minute, "how long a disconnected character stays in the world")
	flag.DurationVar(&cfg.SaveInterval, "save", 5*time.Second, "how often the world's changes are saved (quits and trades are saved at once)")
	flag.StringVar(&cfg.Shard, "shard", "main", "this shard's name: in the journal, and to the other shards when linked")
	flag.StringVar(&cfg.Relay, "relay", "", "this shard's relay (shardrelay), e.g. nats://127.0.0.1:4222; empty plays alone")
	flag.StringVar(&cfg.RelayToken, "relay-token", "", "the relay's secret (default: $SHARDMUD_RELAY_TOKEN)")
	cfg.Chaos = os.Getenv("SHARDMUD_CHAOS") // the chaos test's pause in handoffs; see engine.ChaosSteps
	flag.StringVar(&cfg.Ledger, "ledger", "", "the shard whose relay keeps the ledger of who owns each character; every linked shard must name the same one (default: this shard)")
	flag.StringVar(&cfg.ExportDir, "export", "", "where builders' export writes area files (default: the -world folder, else world-export)")
	flag.StringVar(&cfg.Admin, "admin", "", "grant the admin role to this character at start")
	flag.DurationVar(&cfg.LuaBudget, "lua-budget", script.DefaultBudget, "time one Lua hook call may take before it is stopped")
	flag.DurationVar(&cfg.LuaTickBudget, "lua-tick-budget", script.DefaultTickBudget, "Lua time one tick may spend on heartbeats and timers; the rest wait for the next tick")
	flag.DurationVar(&cfg.GameDay, "game-day", world.DefaultDay, "how long one day of the game clock lasts")
	flag.StringVar(&httpAddr, "http", ":8080", "web site address: status, reports, /metrics, /api, the browser client at /play, /admin (empty disables)")
	flag.IntVar(&cfg.BcryptCost, "hash-cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt cost of new password hashes (%d to %d); lower only for load tests: it weakens stored passwords", bcrypt.MinCost, bcrypt.MaxCost))
	flag.StringVar(&cfg.PprofAddr, "pprof", "", "serve net/http/pprof and /debug/vars metrics on this address (e.g. 127.0.0.1:6060)")
	flag.Parse()
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		fmt.Fprintf(os.Stderr, "shardmud: -hash-cost %d: want %d to %d (default %d; lower only for load tests)\n", cfg.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost, bcrypt.DefaultCost)
		os.Exit(2)
	}
	if cfg.RelayToken == "" {
		cfg.RelayToken = os.Getenv("SHARDMUD_RELAY_TOKEN")
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.Logger = log
	cfg.World, cfg.Scripts = data.FS, scripts.FS
	if worldDir != "" {
		if cfg.ExportDir == "" {
			cfg.ExportDir = worldDir
		}
		cfg.World = os.DirFS(worldDir)
		cfg.Scripts = os.DirFS(filepath.Join(worldDir, "scripts"))
	}
	srv, err := engine.New(cfg)
	if err == nil {
		err = srv.Start()
	}
	var site *web.Server
	if err == nil && httpAddr != "" {
		site, err = web.New(web.Config{Addr: httpAddr, Engine: srv, Logger: log})
		if err == nil {
			err = site.Start()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shardmud:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-srv.Stopping():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if site != nil {
		site.Shutdown(shutdownCtx) // the web first: it only reads
	}
	// Shutdown may have run already (an admin's shutdown command); it
	// then gives that run's result. A final save that failed must not end
	// in status 0: whoever restarts the server has to know.
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("THE FINAL SAVE FAILED; changes since the last good save are lost", "err", err)
		fmt.Fprintln(os.Stderr, "shardmud: shutdown:", err)
		os.Exit(1)
	}
}
