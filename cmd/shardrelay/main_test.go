package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// runMainEnv makes the test binary run main instead of the tests: the tests
// start it as the shardrelay program, real process, real signals.
const runMainEnv = "SHARDRELAY_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// relayCmd is the shardrelay program with args and the environment env.
func relayCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, tokenEnv+"=")
	}), runMainEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

var clientLine = regexp.MustCompile(`msg="relay listening".* client=(nats://\S+)`)

func TestProgramServesAndStopsOnSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string // besides -shard, -listen and -store
		want string   // in the log
	}{
		{syscall.SIGTERM, []string{"-cluster", "127.0.0.1:0"}, "cluster=nats://127.0.0.1:"},
		{syscall.SIGINT, nil, "jetstream_domain=east"}, // alone: no link server
	} {
		sig := tc.sig
		t.Run(sig.String(), func(t *testing.T) {
			store := filepath.Join(t.TempDir(), "js")
			cmd := relayCmd(t, []string{tokenEnv + "=fromenv"},
				append([]string{"-shard", "east", "-listen", "127.0.0.1:0", "-store", store}, tc.args...)...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			defer func() {
				cmd.Process.Kill()
				<-done
			}()

			// Read the log as it comes; the client address is on a line of
			// its own.
			var log bytes.Buffer
			urls := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					log.WriteString(sc.Text() + "\n")
					if m := clientLine.FindStringSubmatch(sc.Text()); m != nil {
						urls <- m[1]
					}
				}
				done <- cmd.Wait()
			}()
			var url string
			select {
			case url = <-urls:
			case err := <-done:
				done <- err
				t.Fatalf("shardrelay exited before listening: %v\n%s", err, log.String())
			case <-time.After(10 * time.Second):
				t.Fatal("no client address in the log within 10s")
			}

			// The token came from the environment; without it, no entry.
			if nc, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
				nc.Close()
				t.Fatal("connected without the token")
			}
			nc, err := nats.Connect(url, nats.Token("fromenv"), nats.MaxReconnects(0))
			if err != nil {
				t.Fatalf("connect %s: %v", url, err)
			}
			defer nc.Close()
			sub, err := nc.SubscribeSync("shardmud.chat")
			if err != nil {
				t.Fatal(err)
			}
			nc.Publish("shardmud.chat", []byte("hi"))
			if m, err := sub.NextMsg(2 * time.Second); err != nil || string(m.Data) != "hi" {
				t.Fatalf("round trip: %v %v", m, err)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				done <- err
				if err != nil {
					t.Fatalf("exit after %s: %v\n%s", sig, err, log.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10s after %s", sig)
			}
			if _, err := os.Stat(filepath.Join(store, "jetstream")); err != nil {
				t.Fatalf("JetStream store not in -store: %v", err)
			}
			for _, want := range []string{tc.want, `msg="relay stopped"`} {
				if !strings.Contains(log.String(), want) {
					t.Fatalf("log lacks %q:\n%s", want, log.String())
				}
			}
		})
	}
}

func TestProgramBadFlagExits2(t *testing.T) {
	cmd := relayCmd(t, nil, "-shard", "east", "-bogus")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "flag provided but not defined: -bogus") {
		t.Fatalf("no clear message:\n%s", out)
	}
}

func TestBadConfigExits2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-shard NAME is required"},
		{[]string{"-shard", "east", "extra"}, `unexpected argument "extra"`},
		{[]string{"-shard", "east", "-listen", "nohost"}, "listen address"},
		{[]string{"-shard", "east", "-link", "nats://127.0.0.1:1"}, "cluster listener"},
		{[]string{"-shard", "east", "-cluster", "127.0.0.1:0", "-link", "not a url"}, "link"},
		{[]string{"-shard", "a.b"}, "shard name"},
		{[]string{"-shard", "east", "-cluster", "127.0.0.1:0", "-nats", "nats://127.0.0.1:1"}, "leaf node"},
		{[]string{"-shard", "east", "-cluster", "127.0.0.1:0", "-tls-cert", "c.pem"}, "TLS needs a certificate, its key and the CA"},
		{[]string{"-shard", "east", "-cluster", "127.0.0.1:0", "-tls-cert", "no.pem", "-tls-key", "no.pem", "-tls-ca", "no.pem"}, "TLS"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			store := filepath.Join(t.TempDir(), "js")
			if tc.args != nil {
				tc.args = append(tc.args, "-store", store)
			}
			if code := run(context.Background(), tc.args, func(string) string { return "" }, &out); code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("message lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}

func TestHelpExits0(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, os.Getenv, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"-shard", "-listen", "-cluster", "-link", "-token", "-nats", "-store", "-leaf"} {
		if !strings.Contains(out.String(), f) {
			t.Fatalf("-h does not list %s:\n%s", f, out.String())
		}
	}
}

func TestParse(t *testing.T) {
	env := func(k string) string {
		if k == tokenEnv {
			return "fromenv"
		}
		return ""
	}
	for _, tc := range []struct {
		name  string
		args  []string
		token string
		store string
		links []string
	}{
		{"token from the environment", []string{"-shard", "east"}, "fromenv", "shardrelay-east.js", nil},
		{"the flag wins", []string{"-shard", "east", "-token", "fromflag"}, "fromflag", "shardrelay-east.js", nil},
		{"an empty flag wins too", []string{"-shard", "east", "-token="}, "", "shardrelay-east.js", nil},
		{"links", []string{"-shard", "w", "-store", "s", "-link", "nats://a:1, nats://b:2", "-link", "nats://c:3"},
			"fromenv", "s", []string{"nats://a:1", "nats://b:2", "nats://c:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := parse(tc.args, env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token != tc.token || cfg.StoreDir != tc.store || !slices.Equal(cfg.Links, tc.links) || cfg.Listen != "127.0.0.1:4222" {
				t.Fatalf("got %+v", cfg)
			}
		})
	}
	cfg, _, err := parse([]string{"-shard", "e", "-tls-cert", "c.pem", "-tls-key", "k.pem", "-tls-ca", "ca.pem"}, env, io.Discard)
	if err != nil || cfg.TLSCert != "c.pem" || cfg.TLSKey != "k.pem" || cfg.TLSCA != "ca.pem" {
		t.Fatalf("TLS flags: %+v, %v", cfg, err)
	}
}
