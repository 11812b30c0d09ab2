package telnet

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTintin connects a real client, tintin++ (Debian package tintin++),
// when it is installed, and checks what negotiation learned from it.
func TestTintin(t *testing.T) {
	const tt = "/usr/games/tt++"
	if _, err := os.Stat(tt); err != nil {
		t.Skip("tintin++ not installed")
	}
	if testing.Short() {
		t.Skip("real client test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "tt.log")
	script := filepath.Join(dir, "test.tin")
	port := ln.Addr().(*net.TCPAddr).Port
	os.WriteFile(script, []byte(fmt.Sprintf(`#config {debug telnet} {on}
#event {SESSION CONNECTED} {#log overwrite {%s}}
#action {^Welcome%%*} {#send {hello from tintin}}
#action {^bye} {#end}
#session test 127.0.0.1 %d
`, logFile, port)), 0o644)
	cmd := exec.Command(tt, "-H", "-G", script)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(nc, Config{})
	defer c.Close()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	lines := readLoop(c)
	// Let the negotiation settle before the text that triggers the answer.
	waitTerminal(t, c, func(t Terminal) bool { return t.MTTS != 0 && t.Width != 0 })
	c.Write([]byte("Welcome!\r\n"))
	c.WritePrompt([]byte("> "))
	expectLine(t, lines, "hello from tintin", nil)
	term := c.Terminal()
	t.Logf("tintin terminal: %+v", term)
	c.Write([]byte("bye\r\n"))
	if term.Client != "TINTIN++" || term.Width == 0 || term.Height == 0 || !term.EOR || term.MTTS == 0 {
		t.Errorf("terminal %+v", term)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	if log, err := os.ReadFile(logFile); err == nil {
		for _, l := range strings.Split(string(log), "\n") {
			if strings.Contains(l, "IAC") {
				t.Log(strings.TrimSpace(l))
			}
		}
	}
}
