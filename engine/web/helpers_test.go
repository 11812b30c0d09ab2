package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shardmud/data"
	"shardmud/engine"
)

// Helpers the web package's tests share: a real game and site on loopback
// ports, a telnet player, and HTTP and polling shortcuts.

// testPassword is every test character's password.
const testPassword = "password1"

// testLogger discards logs unless SHARDMUD_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("SHARDMUD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startSite runs a game (telnet on a random loopback port, a fresh
// database, fast ticks and cheap password hashes) and its site on another
// port until the test ends; the site stops first.
func startSite(t testing.TB) (*Server, *engine.Server) {
	t.Helper()
	return startSiteWith(t, func(*engine.Config) {})
}

// startSiteWith is startSite with the game's config changed by adjust
// first: another shard name, a relay, SSH.
func startSiteWith(t testing.TB, adjust func(*engine.Config)) (*Server, *engine.Server) {
	t.Helper()
	cfg := engine.Config{
		TelnetAddr: "127.0.0.1:0",
		DBPath:     filepath.Join(t.TempDir(), "test.db"),
		World:      data.FS,
		Tick:       20 * time.Millisecond,
		BcryptCost: bcrypt.MinCost,
		Seed:       1,
		Logger:     testLogger(),
	}
	adjust(&cfg)
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopWithin(t, "game", eng.Shutdown) })
	site, err := New(Config{Addr: "127.0.0.1:0", Engine: eng, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopWithin(t, "site", site.Shutdown) })
	return site, eng
}

// stopWithin shuts what down, giving it ten seconds.
func stopWithin(t testing.TB, what string, shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		t.Errorf("%s shutdown: %v", what, err)
	}
}

// play creates the character name over telnet and waits until it stands
// in the world; the connection closes when the test ends.
func play(t testing.TB, eng *engine.Server, name string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", eng.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("create " + name + " " + testPassword + "\r\n")); err != nil {
		t.Fatalf("%s: write: %v", name, err)
	}
	var heard bytes.Buffer
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !strings.Contains(heard.String(), "Exits:") {
		n, err := conn.Read(buf)
		heard.Write(buf[:n])
		if err != nil {
			t.Fatalf("%s: waiting for the room: %v; heard:\n%s", name, err, heard.String())
		}
	}
	conn.SetReadDeadline(time.Time{})
	return conn
}

// fetch GETs path from the site (redirects not followed) and reads the
// whole answer.
func fetch(t testing.TB, site *Server, path string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get("http://" + site.Addr().String() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, string(body)
}

// checkFor polls check until it returns nil or timeout passes, then fails
// with its last error.
func checkFor(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
