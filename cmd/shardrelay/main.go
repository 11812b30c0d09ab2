// Command shardrelay runs the NATS relay beside one shardmud shard: the shard
// connects to it (shardmud -relay), and it links to the other shards' relays.
//
//	shardrelay -shard east -cluster :7222 -token SECRET
//	shardrelay -shard west -cluster :7222 -link nats://east-host:7222 -token SECRET
//	shardrelay -shard north -nats nats://hub:7422 -token SECRET   # leaf node of an existing NATS
//	shardrelay -shard east -cluster :7222 -token SECRET -tls-cert east.pem -tls-key east-key.pem -tls-ca ca.pem
//
// It logs with slog to stderr, one line per listener with its real address,
// and stops cleanly (exit 0) on SIGINT or SIGTERM. Bad flags exit 2; a relay
// that cannot start exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"shardmud/engine/relay"
)

// tokenEnv is where the token comes from when -token is not given, so that it
// need not show in the process list.
const tokenEnv = "SHARDMUD_RELAY_TOKEN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr))
}

// run is the whole program: it returns the exit status once ctx is done (0),
// or at once for bad flags (2) or a relay that cannot start (1).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, debug, err := parse(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "shardrelay:", err)
		return 2
	}
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log

	r, err := relay.Start(cfg)
	if errors.Is(err, relay.ErrConfig) {
		fmt.Fprintln(stderr, "shardrelay:", err)
		return 2
	}
	if err != nil {
		log.Error("relay did not start", "err", err)
		return 1
	}
	<-ctx.Done()
	log.Info("relay stopping", "shard", cfg.Shard)
	r.Shutdown()
	return 0
}

// parse reads the flags (and the token from the environment unless -token is
// given) into a relay.Config.
func parse(args []string, getenv func(string) string, stderr io.Writer) (relay.Config, bool, error) {
	var cfg relay.Config
	var debug bool
	fs := flag.NewFlagSet("shardrelay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: shardrelay -shard NAME [flags]\n\nRuns the NATS relay beside one shardmud shard. Flags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Shard, "shard", "", "this shard's name (required): the NATS server's name and its JetStream domain")
	fs.StringVar(&cfg.Listen, "listen", relay.DefaultListen, "host:port where the shard connects")
	fs.StringVar(&cfg.Cluster, "cluster", "", "host:port where other relays link in (needed with -link)")
	fs.Func("link", "other relays' cluster URLs, nats://host:port, comma-separated or repeated", func(s string) error {
		for l := range strings.SplitSeq(s, ",") {
			if l = strings.TrimSpace(l); l != "" {
				cfg.Links = append(cfg.Links, l)
			}
		}
		return nil
	})
	fs.StringVar(&cfg.Leaf, "leaf", "", "host:port where relays run with -nats connect as leaf nodes")
	fs.StringVar(&cfg.Token, "token", "", "shared secret for the shard, linking relays and leaf nodes (default $"+tokenEnv+")")
	fs.StringVar(&cfg.NATS, "nats", "", "an existing NATS cluster's leafnode URL: run as a leaf node of it instead of routing")
	fs.StringVar(&cfg.StoreDir, "store", "", "JetStream storage folder (default shardrelay-<shard>.js)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "this relay's certificate (PEM): links to other relays over TLS only, with -tls-key and -tls-ca")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the certificate's private key (PEM)")
	fs.StringVar(&cfg.TLSCA, "tls-ca", "", "the CA (PEM) that signed every relay's certificate; relays without one are refused")
	fs.BoolVar(&debug, "debug", false, "log the NATS servers' own lines too")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, false, err
		}
		// The flag package has printed the error and the usage.
		return cfg, false, fmt.Errorf("bad flags: %w", err)
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected argument %q (flags only; -h lists them)", fs.Arg(0))
	}
	if cfg.Shard == "" {
		return cfg, false, errors.New("-shard NAME is required (-h lists the flags)")
	}
	tokenSet := false
	fs.Visit(func(f *flag.Flag) { tokenSet = tokenSet || f.Name == "token" })
	if !tokenSet {
		cfg.Token = getenv(tokenEnv)
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = "shardrelay-" + cfg.Shard + ".js"
	}
	return cfg, debug, nil
}
