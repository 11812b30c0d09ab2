package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shardmud/data"
	"shardmud/engine"
)

// startEngine runs a real shardmud in-process on loopback until the test
// ends.
func startEngine(t *testing.T) *engine.Server {
	t.Helper()
	srv, err := engine.New(engine.Config{
		TelnetAddr: "127.0.0.1:0",
		SSHAddr:    "127.0.0.1:0",
		PprofAddr:  "127.0.0.1:0",
		DBPath:     filepath.Join(t.TempDir(), "b.db"),
		World:      data.FS,
		BcryptCost: bcrypt.MinCost,
		Seed:       1,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

func testRunConfig(addr, workload, prefix string) Config {
	return Config{
		Addr: addr, Bots: 20, Ramp: 1000, Rate: 5, Duration: 2 * time.Second,
		Timeout: 5 * time.Second, LoginTimeout: 20 * time.Second,
		Workload: workload, Prefix: prefix, Password: "password1", Seed: 1,
	}
}

// checkFor polls f until it succeeds or d passes.
func checkFor(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunAgainstServer(t *testing.T) {
	srv := startEngine(t)
	runAgainst(t, srv, srv.TelnetAddr().String(), false)
}

// TestRunAgainstServerSSH is the same runs over SSH: the first two create
// their characters through the "new" user's dialogue, the idle run finds
// them taken and logs in as each character with its password.
func TestRunAgainstServerSSH(t *testing.T) {
	srv := startEngine(t)
	runAgainst(t, srv, srv.SSHAddr().String(), true)
}

func runAgainst(t *testing.T, srv *engine.Server, addr string, overSSH bool) {
	metrics := fmt.Sprintf("http://%s/debug/vars", srv.DebugAddr())
	for _, tc := range []struct {
		name, workload, prefix, mix string
	}{
		{"spread", workSpread, "spread", ""},
		{"crowd", workCrowd, "crowd", ""},
		// Moves make the room unknown: looks ask score again, unmeasured,
		// and are still timed to the room's name (no warning).
		{"spread-moving", workSpread, "mover", "look:2,move"},
		{"idle", workIdle, "spread", ""}, // the names exist now: create falls back to connect
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testRunConfig(addr, tc.workload, tc.prefix)
			cfg.SSH = overSSH
			if tc.mix != "" {
				var err error
				if cfg.Mix, err = parseMix(tc.mix); err != nil {
					t.Fatal(err)
				}
			}
			cfg.MetricsURL = metrics
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var table bytes.Buffer
			res.writeTable(&table)
			t.Logf("\n%s", table.String())

			if res.Held != 20 || res.Logins != 20 || res.LoginFailures != 0 || res.Disconnects != 0 {
				t.Errorf("held %d, logins %d, failures %d (%v), disconnects %d; want all 20 in",
					res.Held, res.Logins, res.LoginFailures, res.LoginFailureReasons, res.Disconnects)
			}
			if res.Login.Count != 20 || !ordered(res.Login) {
				t.Errorf("login latency %+v", res.Login)
			}
			if res.Aborted != "" || len(res.Warnings) > 0 {
				t.Errorf("aborted %q, warnings %q", res.Aborted, res.Warnings)
			}
			if tc.workload == workIdle {
				if res.Sent != 0 {
					t.Errorf("idle sent %d commands", res.Sent)
				}
			} else {
				if res.Answered == 0 || res.TimedOut != 0 || res.Lost != 0 || res.Sent != res.Answered {
					t.Errorf("sent %d, answered %d, timed out %d, lost %d", res.Sent, res.Answered, res.TimedOut, res.Lost)
				}
				// 20 bots at 5/s for 2s: about 200 commands.
				if res.Sent < 150 || res.Sent > 220 {
					t.Errorf("sent %d, want about 200", res.Sent)
				}
				if !ordered(res.RoundTrip) || res.RoundTrip.P50 <= 0 {
					t.Errorf("round trip %+v", res.RoundTrip)
				}
				if res.Throughput <= 0 {
					t.Errorf("throughput %v", res.Throughput)
				}
			}
			if tc.workload == workCrowd && (len(res.ByKind) != 1 || res.ByKind[0].Kind != "say") {
				t.Errorf("crowd sent %+v, want only say", res.ByKind)
			}
			// The default spread sends only what no one else hears.
			if tc.name == "spread" {
				for _, k := range res.ByKind {
					if kind, _ := kindByName(k.Kind); heard[kind] {
						t.Errorf("spread sent %s, which others hear", k.Kind)
					}
				}
				if len(res.Notes) != 0 {
					t.Errorf("notes %q", res.Notes)
				}
			}
			if tc.name == "spread-moving" && (len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "move")) {
				t.Errorf("notes %q, want one saying that moves are heard", res.Notes)
			}

			s := res.Server
			if s == nil || s.Error != "" || s.Sessions == nil || *s.Sessions != 20 || s.RSS == nil || s.RSSPerSession == nil {
				t.Errorf("server figures %+v", s)
			} else if tc.workload != workIdle && (s.CommandsPerSec == nil || *s.CommandsPerSec <= 0 || s.TickP50 == nil) {
				t.Errorf("server figures %+v", s)
			}

			var out bytes.Buffer
			if err := res.writeJSON(&out); err != nil {
				t.Fatal(err)
			}
			var parsed map[string]any
			if err := json.Unmarshal(out.Bytes(), &parsed); err != nil {
				t.Fatalf("JSON output does not parse: %v\n%s", err, out.String())
			}
			for _, key := range []string{"connections_held", "login_failures", "login", "sent", "answered", "timed_out", "round_trip", "throughput_per_s", "server"} {
				if _, ok := parsed[key]; !ok {
					t.Errorf("JSON has no %q", key)
				}
			}
			if !strings.Contains(table.String(), "connections held   20 / 20") {
				t.Errorf("table:\n%s", table.String())
			}

			// Every connection is closed when Run returns.
			checkFor(t, 5*time.Second, func() error {
				if n := srv.Stats().Sessions; n != 0 {
					return fmt.Errorf("%d sessions still open after the run", n)
				}
				return nil
			})
		})
	}
}

func ordered(l latency) bool {
	return l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max
}

// fakeMUD is a scripted telnet server: answer maps a typed line to what it
// sends back (after an optional delay); it handles one line at a time per
// connection, in order, as shardmud does.
type fakeMUD struct {
	ln     net.Listener
	answer func(line string) (reply string, delay time.Duration)
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startFake(t *testing.T, answer func(string) (string, time.Duration)) *fakeMUD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeMUD{ln: ln, answer: answer}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			f.wg.Add(1)
			go f.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *fakeMUD) serve(c net.Conn) {
	defer f.wg.Done()
	defer c.Close()
	c.Write([]byte("\xff\xfb\x03\xff\xfd\x1fWelcome to Fake!\r\nName: \xff\xf9"))
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		reply, delay := f.answer(strings.TrimSpace(sc.Text()))
		time.Sleep(delay)
		if _, err := io.WriteString(c, reply+"\r\n> \xff\xf9"); err != nil {
			return
		}
	}
}

const fakeRoom = "Welcome back, Bot.\r\nA Room\r\nIt is a room.\r\nExits: north"

func TestLateAnswersAreNotMistaken(t *testing.T) {
	// Looks are answered after the bench's timeout; says and moves at once.
	fake := startFake(t, func(line string) (string, time.Duration) {
		verb, rest, _ := strings.Cut(line, " ")
		switch verb {
		case "create", "connect":
			return fakeRoom, 0
		case "say":
			return `You say, "` + rest + `"`, 0
		case "look":
			return "A Room\r\nExits: north", 150 * time.Millisecond
		case "north":
			return "A Room\r\nExits: north", 0
		case "score":
			return "Bot, player\r\nYou are standing, in A Room (Somewhere). Wimpy 0.", 0
		case "examine":
			return "You see no " + rest + " here.", 0
		}
		return "Huh?", 0
	})
	cfg := testRunConfig(fake.ln.Addr().String(), workSpread, "bot")
	cfg.Bots, cfg.Rate, cfg.Duration, cfg.Timeout = 3, 4, 1500*time.Millisecond, 100*time.Millisecond
	cfg.Mix, _ = parseMix("say,look")
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]kindResult{}
	for _, k := range res.ByKind {
		kinds[k.Kind] = k
	}
	look, say := kinds["look"], kinds["say"]
	if look.Sent == 0 || look.TimedOut != look.Sent || look.Answered != 0 {
		t.Errorf("look: %+v; want every one timed out (a late room name must not answer a later look)", look)
	}
	if say.Sent == 0 || say.Answered != say.Sent {
		t.Errorf("say: %+v; want every one answered", say)
	}
	if res.Held != 3 || len(res.Warnings) > 0 {
		t.Errorf("held %d, warnings %q", res.Held, res.Warnings)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "say") {
		t.Errorf("notes %q, want one saying that say is heard by others", res.Notes)
	}
}

func TestLoginFailuresAreCounted(t *testing.T) {
	fake := startFake(t, func(line string) (string, time.Duration) {
		if strings.HasPrefix(line, "create ") {
			return "The name Bot is taken. Choose another.\r\nName: ", 0
		}
		return "Wrong name or password.", 0
	})
	cfg := testRunConfig(fake.ln.Addr().String(), workIdle, "bot")
	cfg.Bots, cfg.Duration = 4, 0
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.LoginFailures != 4 || res.LoginFailureReasons["wrong password"] != 4 || res.Held != 0 {
		t.Errorf("failures %d %v, held %d", res.LoginFailures, res.LoginFailureReasons, res.Held)
	}
}

func TestRunEndsWhenCancelled(t *testing.T) {
	fake := startFake(t, func(line string) (string, time.Duration) {
		verb, rest, _ := strings.Cut(line, " ")
		switch verb {
		case "create", "connect":
			return fakeRoom, 0
		case "say":
			return `You say, "` + rest + `"`, 0
		case "score":
			return "Bot, player\r\nYou are standing, in " + startRoom + " (Thornwick Village). Wimpy 0.", 0
		}
		return "Huh?", 0
	})
	cfg := testRunConfig(fake.ln.Addr().String(), workCrowd, "bot")
	cfg.Bots, cfg.Duration, cfg.Hold = 5, time.Minute, time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v after its context ended", took)
	}
	if res.Aborted == "" || res.Answered == 0 {
		t.Errorf("aborted %q, answered %d", res.Aborted, res.Answered)
	}
}

func TestRunRefusesRemoteHosts(t *testing.T) {
	for _, addr := range []string{"10.0.0.1:4000", "example.com:4000"} {
		cfg := testRunConfig(addr, workIdle, "bot")
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: %v, want refused", addr, err)
		}
	}
}
