package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "say:3,look", want: "say:3,look"},
		{in: " say , look:1 ,move:2", want: "say,look,move:2"},
		{in: "say,look,move,chat,get,drop,inventory,score", want: "say,look,move,chat,get,drop,inventory,score"},
		{in: "", want: ""},
		{in: "dance", err: `unknown command kind "dance"`},
		{in: "say,", err: `unknown command kind ""`},
		{in: "say:0", err: `weight "0" of say`},
		{in: "say:x", err: `weight "x" of say`},
		{in: "say:1001", err: `weight "1001"`},
		{in: "say:-1", err: `weight "-1"`},
		{in: "say,say:2", err: "say is listed twice"},
		{in: "Say", err: `unknown command kind "Say"`},
	} {
		mix, err := parseMix(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseMix(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseMix(%q): %v", tc.in, err)
			continue
		}
		if got := mixString(mix); got != tc.want {
			t.Errorf("parseMix(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		addr, want string // want "" means refused
	}{
		{"127.0.0.1:4000", "127.0.0.1:4000"},
		{"127.1.2.3:4000", "127.1.2.3:4000"},
		{"[::1]:4000", "[::1]:4000"},
		{"localhost:4000", ""}, // checked below: resolves to a loopback IP
		{"10.0.0.1:4000", ""},
		{"192.168.1.1:4000", ""},
		{"0.0.0.0:4000", ""},
		{"[::]:4000", ""},
		{":4000", ""},
		{"example.com:4000", ""},
		{"127.0.0.1.example.com:4000", ""},
		{"127.0.0.1", ""},       // no port
		{"127.0.0.1:99999", ""}, // bad port
	} {
		got, err := resolveLoopback(ctx, tc.addr)
		switch {
		case tc.addr == "localhost:4000":
			if err != nil || !(strings.HasPrefix(got, "127.") || strings.HasPrefix(got, "[::1]")) {
				t.Errorf("localhost: got %q, %v", got, err)
			}
		case tc.want == "":
			if err == nil {
				t.Errorf("%s accepted as %s, want refused", tc.addr, got)
			}
		case err != nil || got != tc.want:
			t.Errorf("%s: got %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	if err := checkLoopbackHost("example.com"); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Errorf("example.com: %v, want a clear refusal", err)
	}
}

func TestConfigCheck(t *testing.T) {
	good := func() Config {
		return Config{Addr: "127.0.0.1:1", Bots: 10, Ramp: 10, Rate: 1, Duration: time.Second,
			Timeout: time.Second, LoginTimeout: time.Second, Workload: workSpread,
			Prefix: "bot", Password: "password1"}
	}
	c := good()
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	if got := mixString(c.Mix); got != defaultMix[workSpread] {
		t.Errorf("default spread mix %q", got)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		err  string
	}{
		{"move in crowd", func(c *Config) { c.Workload = workCrowd; c.Mix, _ = parseMix("say,move") }, "move is not allowed"},
		{"mix with idle", func(c *Config) { c.Workload = workIdle; c.Mix, _ = parseMix("say") }, "-mix"},
		{"unknown workload", func(c *Config) { c.Workload = "party" }, "-workload"},
		{"over the cap", func(c *Config) { c.Bots = 30000 }, "safety cap"},
		{"no bots", func(c *Config) { c.Bots = 0 }, "-bots"},
		{"prefix with digits", func(c *Config) { c.Prefix = "bot1" }, "letters only"},
		{"prefix too long", func(c *Config) { c.Prefix = strings.Repeat("a", 17) }, "-prefix"},
		{"short password", func(c *Config) { c.Password = "short" }, "-password"},
		{"remote metrics", func(c *Config) { c.MetricsURL = "http://10.0.0.1:6060/debug/vars" }, "not loopback"},
		{"metrics not http", func(c *Config) { c.MetricsURL = "file:///etc/passwd" }, "-metrics"},
	} {
		c := good()
		tc.edit(&c)
		if err := c.check(); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	c = good()
	c.Workload = workCrowd
	if err := c.check(); err != nil || mixString(c.Mix) != "say" {
		t.Errorf("crowd default: %v %q", err, mixString(c.Mix))
	}
}

func TestBotName(t *testing.T) {
	for i, want := range map[int]string{0: "botaaaa", 1: "botaaab", 26: "botaaba", 26*26*26*26 - 1: "botzzzz"} {
		if got := botName("Bot", i); got != want {
			t.Errorf("botName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestPick(t *testing.T) {
	cfg := Config{Seed: 1}
	cfg.Mix, _ = parseMix("say:3,look")
	r := newRunner(cfg, "", context.Background())
	b := newBot(r, 0)
	var n [numKinds]int
	for range 4000 {
		n[r.pick(b.rng)]++
	}
	if n[cmdSay] < 2700 || n[cmdSay] > 3300 || n[cmdSay]+n[cmdLook] != 4000 {
		t.Errorf("say %d look %d of 4000, want about 3000 and 1000", n[cmdSay], n[cmdLook])
	}
}
