package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shardmud/engine/report"
)

// TestBinaryShutsDownCleanly runs the real binary: a player acts, SIGTERM
// arrives, the player is told, the process exits 0, and a restart on the
// same database has the character as it was.
func TestBinaryShutsDownCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	db := filepath.Join(dir, "test.db")

	var site string
	cmd, addr := startBinary(t, bin, db, nil, &site)
	conn := dialAndWait(t, addr, "create alice password1\r\nget stick\r\n", "You get a")
	// The web side runs beside the game by default.
	resp, err := http.Get("http://" + site + "/api/who")
	if err != nil {
		t.Fatal(err)
	}
	who, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(who), `"name":"Alice"`) {
		t.Fatalf("/api/who: %d %s", resp.StatusCode, who)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	readUntil(t, conn, "The server is shutting down.")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}

	cmd, addr = startBinary(t, bin, db, nil, nil)
	conn = dialAndWait(t, addr, "connect alice password1\r\ninventory\r\n", "walking stick")
	conn.Close()
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
}

// TestBinaryReport runs the real binary as `shardmud report`.
func TestBinaryReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	db := filepath.Join(dir, "test.db")
	writeJournal(t, db)
	out, err := exec.Command(bin, "report", "-db", db, "-format", "json").Output()
	if err != nil {
		t.Fatalf("shardmud report: %v", err)
	}
	var r report.Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.Range.Events != 5 || r.Commands.Total != 7 {
		t.Errorf("report of %d events, %d commands; want 5 and 7:\n%s", r.Range.Events, r.Commands.Total, out)
	}
}

var built struct {
	sync.Mutex
	bin, dir string
}

// buildBinary builds the server binary once for all the tests that run it.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if built.bin != "" {
		return built.bin
	}
	dir, err := os.MkdirTemp("", "shardmud-test")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "shardmud")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("build: %v\n%s", err, out)
	}
	built.bin, built.dir = bin, dir
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

var (
	listenRE = regexp.MustCompile(`msg="telnet listening" addr=(\S+)`)
	httpRE   = regexp.MustCompile(`msg="http listening" .*addr=(\S+)`)
)

// startBinary runs the server with every listener on a free port and
// returns its telnet address, its web address through web and its log
// lines through logs (either may be nil).
func startBinary(t *testing.T, bin, db string, logs *logBuffer, web *string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "-telnet", "127.0.0.1:0", "-ssh", "127.0.0.1:0", "-http", "127.0.0.1:0", "-db", db)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	found, site := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if logs != nil {
				logs.add(sc.Text())
			}
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
			if m := httpRE.FindStringSubmatch(sc.Text()); m != nil {
				site <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var addr string
	for _, ch := range []chan string{found, site} {
		select {
		case a := <-ch:
			if ch == site && web != nil {
				*web = a
			} else if ch == found {
				addr = a
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the server never logged its telnet and http addresses")
		}
	}
	return cmd, addr
}

func dialAndWait(t *testing.T, addr, send, want string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.Write([]byte(send))
	readUntil(t, conn, want)
	return conn
}

func readUntil(t *testing.T, conn net.Conn, want string) {
	t.Helper()
	var got strings.Builder
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !strings.Contains(got.String(), want) {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("did not read %q: %v; got %q", want, err, got.String())
		}
	}
}

// TestBinaryShutdownCommand: an admin's shutdown counts down to everyone,
// then the process saves and exits 0.
func TestBinaryShutdownCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "test.db")
	cmd, addr := startBinary(t, bin, db, nil, nil)
	admin := dialAndWait(t, addr, "create alice password1\r\n", "Exits:")
	bob := dialAndWait(t, addr, "create bob password1\r\nget stick\r\n", "You get a")
	admin.Write([]byte("shutdown 1 maintenance\r\n"))
	readUntil(t, bob, "The server shuts down in 1s: maintenance.")
	readUntil(t, bob, "The server is shutting down.")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after shutdown: %v, want status 0", err)
	}
	cmd, addr = startBinary(t, bin, db, nil, nil)
	dialAndWait(t, addr, "connect bob password1\r\ninventory\r\n", "walking stick")
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}
