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
// when it is installed, and checks what negotiation learned from it, and
// that the MUD protocols work with it: it takes MCCP2 (our output is
// compressed) and MCCP3 (its input is), reads the MSSP variables, and
// with a script handling IAC WILL GMCP, sends and receives GMCP; through
// all that, text still goes both ways.
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
	// tintin refuses GMCP unless a script takes IAC WILL GMCP; this one
	// agrees and announces what it supports.
	os.WriteFile(script, []byte(fmt.Sprintf(`#config {debug telnet} {on}
#event {SESSION CONNECTED} {#log overwrite {%s}}
#event {IAC WILL GMCP} {#send {\xFF\xFD\xC9};#send {\xFF\xFA\xC9Core.Supports.Set ["Char 1","Room 1"]\xFF\xF0}}
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
	var gmcp gmcpRec
	c := NewConn(nc, Config{
		MSSP: func() []MSSPVar {
			return []MSSPVar{
				{Name: "NAME", Values: []string{"Shard Test"}},
				{Name: "PLAYERS", Values: []string{"1"}},
				{Name: "UPTIME", Values: []string{"1700000000"}},
				{Name: "PORT", Values: []string{"4000", "4001"}},
			}
		},
		OnGMCP: gmcp.on,
	})
	defer c.Close()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	lines := readLoop(c)
	// Let the negotiation settle before the text that triggers the answer.
	waitTerminal(t, c, func(t Terminal) bool { return t.MTTS != 0 && t.Width != 0 })
	checkFor(t, 5*time.Second, func() error {
		if !c.Compressing() || !c.GMCP() {
			return fmt.Errorf("compressing %v, GMCP %v", c.Compressing(), c.GMCP())
		}
		return nil
	})
	c.Write([]byte("Welcome!\r\n"))
	c.WritePrompt([]byte("> "))
	// tintin's #send of raw GMCP bytes ends each with a newline: empty
	// lines.
	expectLineSkipping(t, lines, "", "hello from tintin")
	if got := gmcp.wait(t, 1); got[0].pkg != "Core.Supports.Set" || string(got[0].data) != `["Char 1","Room 1"]` {
		t.Errorf("GMCP from tintin: %q", got)
	}
	if err := c.SendGMCP("Room.Info", []byte(`{"num":1,"name":"Town Square"}`)); err != nil {
		t.Fatal(err)
	}
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
	// tintin quits without ending its MCCP3 stream: that is the end of its
	// input, as a plain disconnect would be.
	for r := range lines {
		if r.err != nil && r.err.Error() != "EOF" {
			t.Errorf("reader ended with %v", r.err)
		}
	}
	st := c.Stats()
	t.Logf("stats: %d bytes of telnet stream, %d on the wire", st.Raw, st.Wire)
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, l := range strings.Split(string(log), "\n") {
		l = strings.TrimSpace(strings.ReplaceAll(l, "\x1b[0m", ""))
		if strings.Contains(l, "IAC") || strings.Contains(l, "MCCP") || strings.Contains(l, "MSSP") {
			t.Log(l)
			shown = append(shown, l)
		}
	}
	all := strings.Join(shown, "\n")
	for _, want := range []string{
		"MCCP2 INITIALIZED", "MCCP3 INITIALIZED",
		"NAME", "Shard Test", "4001",
		"IAC SB GMCP Room.Info IAC SE",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("tintin's log lacks %q", want)
		}
	}
	if !strings.Contains(string(log), "Welcome!") {
		t.Error("tintin's log lacks the text")
	}
}

// expectLineSkipping is expectLine, passing over lines equal to skip.
func expectLineSkipping(t testing.TB, ch <-chan lineOrErr, skip, want string) {
	t.Helper()
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatalf("reader ended, want line %q", want)
			}
			if r.err != nil {
				t.Fatalf("ReadLine error %v, want line %q", r.err, want)
			}
			if r.s == skip {
				continue
			}
			if r.s != want {
				t.Fatalf("ReadLine = %q, want %q", r.s, want)
			}
			return
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out waiting for line %q", want)
		}
	}
}
