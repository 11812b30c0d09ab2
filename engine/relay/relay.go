// Package relay runs the NATS side of one shard: an embedded nats-server that
// the shard's process connects to, linked to the other shards' relays.
//
// # Shape
//
// A relay is one or two embedded servers in one process:
//
//	shard ──client──► local server ──leaf (loopback)──► link server ◄──routes──► other relays' link servers
//	                  name = Shard                      name = Shard+"-link"     (cluster "shardmud")
//	                  JetStream, domain = Shard         no JetStream
//
// The local server is what the shard connects to (ClientURL). It runs JetStream
// standalone, in its own JetStream domain named after the shard, storing into
// StoreDir with every write synced to disk (SyncAlways). The link server exists
// when the relay routes (Cluster or Links) or accepts leaf nodes (Leaf): it
// holds the routes to the other relays and the leafnode listener, and has no
// JetStream. With NATS set there is no link server: the local server is itself a
// leaf node of that existing cluster, and the shard sees no difference.
//
// The link server also listens for clients on a random loopback port, with the
// token: nats-server does not start routing without a client listener.
//
// # Why two servers (the JetStream choice)
//
// nats-server requires every server of a routed cluster to share one JetStream
// domain and one meta group, which needs a quorum: with two relays, JetStream
// would stall as soon as one dies, and a lone relay with a cluster listener but
// no routes refuses to start JetStream at all. A JetStream domain can only change
// across a leaf node connection, so each relay's JetStream sits behind one:
//   - each relay's JetStream works when it is alone (other relays down, links cut);
//   - a client uses its own relay's JetStream with no options, and any other
//     relay's with jetstream.NewWithDomain(nc, thatShard) (the server maps
//     $JS.<domain>.API.> and forwards it over the links);
//   - nats-server denies the plain $JS.API.>, $KV.> and $OBJ.> subjects across a
//     leaf connection whose ends have different domains, so two relays holding a
//     bucket of the same name never both take the same write.
//
// A ledger that must have one truth across shards (character ownership) lives
// in one chosen relay's domain and is reached by the others by domain; its
// compare-and-swap (KV Update with the last revision) is then decided by a
// single stream, synced on every write. While that relay is down the ledger
// cannot be written, which stalls handoffs but never duplicates a character.
//
// # Authentication
//
// One shared secret, Token, guards every door:
//   - clients (the shard) give it as a token (nats://TOKEN@host:port, or
//     nats.Token);
//   - routes between link servers use the cluster user "relay" with Token as
//     password: Links get it added as nats://relay:TOKEN@host:port unless the URL
//     carries its own user, and routes that a relay learns by gossip use it too.
//     A relay with another secret is refused and no route forms;
//   - leaf nodes connecting to the Leaf listener, and the local server's own
//     leaf connection to its link server, give it as a token;
//   - with NATS set, the remote URL gets the token as its user part
//     (nats://TOKEN@host:port) unless it carries its own credentials.
//
// An empty Token turns authentication off (logged as a warning).
//
// With TLSCert, TLSKey and TLSCA the links between relays (routes, the leaf
// listener, and the leaf connection to an existing cluster, the local
// server's own loopback one included) are TLS only, and both ends must show
// a certificate signed by TLSCA: a relay without one, or with another CA's,
// is refused before the token is even asked for. The shard's connection to
// its own relay stays plain, on loopback.
//
// # Use
//
// Start, then the accessors, then Shutdown, from any goroutine; a Relay owns the
// servers' goroutines and one watcher of its own, and Shutdown waits for them.
// nats-server logs go to Config.Logger at debug level (its warnings and errors
// at warn level); the relay's own events are logged at info: each listener
// with its real address, links up and down (looked at every watchInterval),
// start and stop.
package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Limits and fixed names.
const (
	// DefaultListen is where a shard finds its relay unless told otherwise.
	DefaultListen = "127.0.0.1:4222"
	// ClusterName names the routed cluster of link servers; relays with
	// another cluster name do not route together.
	ClusterName = "shardmud"
	// RouteUser is the user that link servers present to each other, with
	// the token as password.
	RouteUser = "relay"
	// linkSuffix names the link server after its shard.
	linkSuffix = "-link"
	// readyTimeout bounds how long Start waits for listeners and for the local
	// server's leaf connection to its own link server.
	readyTimeout = 10 * time.Second
	// watchInterval is how often the relay looks at its links to log them
	// coming and going.
	watchInterval = 500 * time.Millisecond
)

// ErrConfig is what errors.Is finds in an error that Start returns for a
// Config it cannot run (as opposed to a failure to start the servers).
var ErrConfig = errors.New("relay: bad config")

type configError struct{ msg string }

func (e *configError) Error() string        { return e.msg }
func (e *configError) Is(target error) bool { return target == ErrConfig }

func configErr(format string, v ...any) error {
	return &configError{fmt.Sprintf(format, v...)}
}

var shardName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Config says how to run a relay. Shard and StoreDir are required.
type Config struct {
	Shard    string   // this shard's name: the NATS server's name and its JetStream domain
	Listen   string   // host:port where its own shard connects; default "127.0.0.1:4222" (":0" style ports allowed for tests)
	Cluster  string   // host:port where other relays link in; "" for none (required with Links)
	Links    []string // other relays' cluster URLs, nats://host:port
	Leaf     string   // host:port where leaf nodes (relays run with NATS) connect; "" for none
	Token    string   // shared secret: required from clients (the shard) and from linking relays and leaf nodes
	NATS     string   // an existing NATS cluster's leafnode URL: the relay runs as a leaf node of it instead of routing itself
	StoreDir string   // JetStream storage folder (required)
	// TLS for the links between relays (routes, leaf nodes, and the leaf
	// connection to an existing cluster): this relay's certificate and
	// key, and the CA that signed every relay's (PEM files). All three or
	// none; with them a relay talks to other relays only over TLS, both
	// sides showing a certificate of that CA. The shard's own connection,
	// on loopback, stays plain.
	TLSCert, TLSKey, TLSCA string
	Logger                 *slog.Logger // NATS server logs go through it at debug level; relay events at info; nil: slog.Default()
}

// Relay is a running relay.
type Relay struct {
	cfg   Config
	log   *slog.Logger
	local *server.Server // the shard's server, with JetStream
	link  *server.Server // routes and leaf listener; nil when neither is wanted
	tls   *tls.Config    // for links, nil without TLS files

	clientURL, clusterURL, leafURL string

	quit    chan struct{} // closed by Shutdown: stops the watcher
	watcher sync.WaitGroup
	stop    sync.Once
}

// Start starts the relay and returns once the shard can connect to it and its
// own servers are linked to each other, or an error within a bounded time.
// Links to other relays and to NATS form in the background and are retried
// for as long as the relay runs.
func Start(cfg Config) (*Relay, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	tlsConf, err := cfg.linkTLS()
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, log: cfg.Logger, tls: tlsConf, quit: make(chan struct{})}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.log = r.log.With("shard", cfg.Shard)
	if cfg.Token == "" {
		r.log.Warn("relay has no token: anyone who reaches its listeners can join")
	}
	deadline := time.Now().Add(readyTimeout)

	var leafRemote *url.URL
	if cfg.Cluster != "" || cfg.Leaf != "" {
		link, err := r.startServer(r.linkOptions(), deadline)
		if err != nil {
			return nil, fmt.Errorf("relay %s: link server: %w", cfg.Shard, err)
		}
		r.link = link
		if a := link.ClusterAddr(); a != nil {
			r.clusterURL = natsURL(a.String())
		}
		v, err := link.Varz(nil)
		if err != nil {
			r.Shutdown()
			return nil, fmt.Errorf("relay %s: leaf listener address: %w", cfg.Shard, err)
		}
		leafAddr := net.JoinHostPort(v.LeafNode.Host, strconv.Itoa(v.LeafNode.Port))
		if cfg.Leaf != "" {
			r.leafURL = natsURL(leafAddr)
		}
		leafRemote, _ = url.Parse(natsURL(leafAddr))
	} else if cfg.NATS != "" {
		u, err := url.Parse(cfg.NATS)
		if err != nil {
			return nil, fmt.Errorf("relay %s: nats url %q: %w", cfg.Shard, cfg.NATS, err)
		}
		leafRemote = u
	}
	if leafRemote != nil && leafRemote.User == nil && cfg.Token != "" {
		leafRemote.User = url.User(cfg.Token)
	}

	local, err := r.startServer(r.localOptions(leafRemote), deadline)
	if err != nil {
		r.Shutdown()
		return nil, fmt.Errorf("relay %s: %w", cfg.Shard, err)
	}
	r.local = local
	r.clientURL = natsURL(local.Addr().String())

	if r.link != nil {
		// The local server's leaf link to its own link server is in-process
		// and must come up: without it the shard would be cut off.
		for local.NumLeafNodes() == 0 {
			if time.Now().After(deadline) {
				r.Shutdown()
				return nil, fmt.Errorf("relay %s: local server did not link to its link server within %s", cfg.Shard, readyTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	r.log.Info("relay listening", "client", r.clientURL)
	if r.clusterURL != "" {
		r.log.Info("relay listening", "cluster", r.clusterURL, "links", len(cfg.Links))
	}
	if r.leafURL != "" {
		r.log.Info("relay listening", "leaf", r.leafURL)
	}
	if cfg.NATS != "" {
		r.log.Info("relay joining NATS as a leaf node", "nats", redact(leafRemote))
	}
	r.log.Info("relay started", "jetstream_domain", cfg.Shard, "store", cfg.StoreDir, "tls", r.tls != nil)
	r.watcher.Add(1)
	go r.watch()
	return r, nil
}

// Peers lists the relays (by shard name) and NATS servers this relay is
// linked to right now, sorted: routed relays, relays that are leaf nodes of
// this one, and, with NATS set, the server it is a leaf node of.
func (r *Relay) Peers() []string {
	return slices.Sorted(maps.Keys(r.peers()))
}

// peers maps each peer's name to how it is linked: "route", "leaf" (a leaf
// node of ours) or "nats" (the cluster we are a leaf node of).
func (r *Relay) peers() map[string]string {
	m := map[string]string{}
	if r.link != nil {
		if rz, err := r.link.Routez(nil); err == nil {
			for _, ri := range rz.Routes {
				m[strings.TrimSuffix(ri.RemoteName, linkSuffix)] = "route"
			}
		}
		if lz, err := r.link.Leafz(nil); err == nil {
			for _, li := range lz.Leafs {
				if li.Name != r.cfg.Shard { // our own local server
					m[li.Name] = "leaf"
				}
			}
		}
	}
	if r.cfg.NATS != "" {
		if lz, err := r.local.Leafz(nil); err == nil {
			for _, li := range lz.Leafs {
				m[strings.TrimSuffix(li.Name, linkSuffix)] = "nats"
			}
		}
	}
	return m
}

// watch logs links as they come and go, until Shutdown.
func (r *Relay) watch() {
	defer r.watcher.Done()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	was := map[string]string{}
	for {
		now := r.peers()
		for _, p := range slices.Sorted(maps.Keys(now)) {
			if _, ok := was[p]; !ok {
				r.log.Info("relay link up", "peer", p, "via", now[p])
			}
		}
		for _, p := range slices.Sorted(maps.Keys(was)) {
			if _, ok := now[p]; !ok {
				r.log.Info("relay link down", "peer", p, "via", was[p])
			}
		}
		was = now
		select {
		case <-r.quit:
			return
		case <-t.C:
		}
	}
}

// ClientURL is where the shard connects, as nats://host:port (loopback when
// listening on every interface), without the token.
func (r *Relay) ClientURL() string { return r.clientURL }

// ClusterURL is what other relays give as a link, as nats://host:port without
// credentials; "" when the relay has no cluster listener.
func (r *Relay) ClusterURL() string { return r.clusterURL }

// LeafURL is what a relay run as a leaf node of this one gives as its NATS
// URL; "" when the relay has no leaf listener.
func (r *Relay) LeafURL() string { return r.leafURL }

// Shutdown stops the servers, the shard's first so that JetStream closes its
// store before the links go, and waits for them. It may be called more than
// once.
func (r *Relay) Shutdown() {
	r.stop.Do(func() {
		close(r.quit)
		r.watcher.Wait()
		for _, s := range []*server.Server{r.local, r.link} {
			if s != nil {
				s.Shutdown()
				s.WaitForShutdown()
			}
		}
		if r.local != nil {
			r.log.Info("relay stopped")
		}
	})
}

func (c *Config) check() error {
	if !shardName.MatchString(c.Shard) {
		return configErr("relay: shard name %q: want 1 to 64 letters, digits, '_' or '-'", c.Shard)
	}
	if strings.HasSuffix(c.Shard, linkSuffix) {
		return configErr("relay: shard name %q: must not end in %q (kept for the link server)", c.Shard, linkSuffix)
	}
	if c.StoreDir == "" {
		return configErr("relay %s: no JetStream store folder", c.Shard)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") || (c.TLSCert == "") != (c.TLSCA == "") {
		return configErr("relay %s: TLS needs a certificate, its key and the CA, all three", c.Shard)
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	for _, a := range []struct{ name, addr string }{{"listen", c.Listen}, {"cluster", c.Cluster}, {"leaf", c.Leaf}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := splitAddr(a.addr); err != nil {
			return configErr("relay %s: %s address: %v", c.Shard, a.name, err)
		}
	}
	if len(c.Links) > 0 && c.Cluster == "" {
		return configErr("relay %s: links need a cluster listener that the other relays can reach", c.Shard)
	}
	for _, l := range c.Links {
		if _, err := linkURL(l, ""); err != nil {
			return configErr("relay %s: %v", c.Shard, err)
		}
	}
	if c.NATS != "" {
		if c.Cluster != "" || c.Leaf != "" {
			return configErr("relay %s: with a NATS URL the relay is a leaf node: no cluster or leaf listener of its own", c.Shard)
		}
		u, err := url.Parse(c.NATS)
		if err != nil || u.Host == "" {
			return configErr("relay %s: NATS URL %q: want nats://host:port", c.Shard, c.NATS)
		}
	}
	return nil
}

// linkTLS is the TLS for links, both ways (it listens and dials), or nil
// without TLS files: a certificate of the CA is required of every peer.
func (c *Config) linkTLS() (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	t, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: c.TLSCert, KeyFile: c.TLSKey, CaFile: c.TLSCA, Verify: true})
	if err != nil {
		return nil, configErr("relay %s: TLS: %v", c.Shard, err)
	}
	t.ClientAuth = tls.RequireAndVerifyClientCert
	t.RootCAs = t.ClientCAs // a relay dials other relays too
	return t, nil
}

// linkOptions configures the link server: routes and the leaf listener.
func (r *Relay) linkOptions() *server.Options {
	cfg := r.cfg
	o := r.baseOptions(cfg.Shard + linkSuffix)
	// The shard talks to the local server only, but nats-server does not
	// start routing without a client listener (DontListen leaves routing
	// waiting forever), so the link server has one on a random loopback port.
	o.Host, o.Port = "127.0.0.1", server.RANDOM_PORT
	o.Cluster.Name = ClusterName
	if cfg.Cluster != "" {
		o.Cluster.Host, o.Cluster.Port, _ = splitAddr(cfg.Cluster)
		if cfg.Token != "" {
			o.Cluster.Username, o.Cluster.Password = RouteUser, cfg.Token
		}
		for _, l := range cfg.Links {
			u, _ := linkURL(l, cfg.Token)
			o.Routes = append(o.Routes, u)
		}
	}
	// The leaf listener always exists: the local server links through it.
	// Without Leaf it is a random loopback port.
	o.LeafNode.Host, o.LeafNode.Port = "127.0.0.1", server.RANDOM_PORT
	if cfg.Leaf != "" {
		o.LeafNode.Host, o.LeafNode.Port, _ = splitAddr(cfg.Leaf)
	}
	// Leaf nodes authenticate like clients: Authorization is the token.
	o.LeafNode.ReconnectInterval = time.Second
	if r.tls != nil {
		o.Cluster.TLSConfig, o.Cluster.TLSTimeout = r.tls.Clone(), tlsTimeout
		o.LeafNode.TLSConfig, o.LeafNode.TLSTimeout = r.tls.Clone(), tlsTimeout
	}
	return o
}

// tlsTimeout is how long a link's TLS handshake may take, in seconds.
const tlsTimeout = 2

// localOptions configures the shard's server, with JetStream and, when
// remote is set, a leaf connection to it.
func (r *Relay) localOptions(remote *url.URL) *server.Options {
	cfg := r.cfg
	o := r.baseOptions(cfg.Shard)
	o.Host, o.Port, _ = splitAddr(cfg.Listen)
	o.JetStream = true
	o.JetStreamDomain = cfg.Shard
	o.StoreDir = cfg.StoreDir
	o.SyncAlways = true // a ledger write is on disk before it is acknowledged
	o.DisableJetStreamBanner = true
	if remote != nil {
		o.LeafNode.ReconnectInterval = time.Second
		leaf := &server.RemoteLeafOpts{URLs: []*url.URL{remote}}
		if r.tls != nil {
			leaf.TLS, leaf.TLSConfig, leaf.TLSTimeout = true, r.tls.Clone(), tlsTimeout
		}
		o.LeafNode.Remotes = []*server.RemoteLeafOpts{leaf}
	}
	return o
}

func (r *Relay) baseOptions(name string) *server.Options {
	return &server.Options{
		ServerName:    name,
		Authorization: r.cfg.Token,
		NoSigs:        true, // the program owns its signals
		// Cross-shard messages are small; the default 1 MiB is kept.
	}
}

// startServer starts one embedded server and waits until it listens, or a
// fatal error from it, or the deadline.
func (r *Relay) startServer(o *server.Options, deadline time.Time) (*server.Server, error) {
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("configure %s: %w", o.ServerName, err)
	}
	lg := &natsLogger{log: r.log.With("server", o.ServerName), fatal: make(chan string, 1)}
	s.SetLoggerV2(lg, r.log.Enabled(context.Background(), slog.LevelDebug), false, false)
	go s.Start()
	for {
		select {
		case msg := <-lg.fatal:
			s.Shutdown()
			s.WaitForShutdown()
			return nil, fmt.Errorf("start %s: %s", o.ServerName, msg)
		default:
		}
		if s.ReadyForConnections(25 * time.Millisecond) {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Shutdown()
			s.WaitForShutdown()
			return nil, fmt.Errorf("start %s: not ready within %s", o.ServerName, readyTimeout)
		}
	}
}

// natsLogger passes nats-server's log lines to slog. Its notices are routine
// (connections come and go) and go at debug level; its warnings and errors
// (a refused route, a lost link) at warn, so an operator sees them.
type natsLogger struct {
	log   *slog.Logger
	fatal chan string // the first fatal error, read by startServer
}

func (l *natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Errorf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }

// Fatalf does not exit, unlike nats-server's own logger: the server stops
// itself and Start reports the error.
func (l *natsLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	select {
	case l.fatal <- msg:
	default:
	}
}

// splitAddr turns host:port into nats-server's host and port; port 0 means a
// random port, which nats-server spells -1 (its 0 means "default").
func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// natsURL turns a listener's address into the URL another process dials:
// loopback when it listens on every interface.
func natsURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "nats://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, port)
}

// linkURL parses another relay's cluster URL and adds the route credentials
// unless it carries its own.
func linkURL(link, token string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "nats-route") {
		return nil, fmt.Errorf("link %q: want nats://host:port", link)
	}
	if u.User == nil && token != "" {
		u.User = url.UserPassword(RouteUser, token)
	}
	return u, nil
}

// redact is a URL for the log, without its credentials.
func redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	return c.String()
}

var _ server.Logger = (*natsLogger)(nil)
