package engine

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const tintin = "/usr/games/tt++"

// TestTintinAgainstServer drives a real MUD client, TinTin++ (Debian's
// tintin++), against the server: it must negotiate MCCP2 (and MCCP3) and
// play compressed, receive the MSSP variables, and, with GMCP turned on
// by its script as TinTin++ users do, get Room.Info and Char.Vitals. Its
// own log is the evidence. .ci/run installs tintin++ and sets
// SHARDMUD_REQUIRE_TINTIN, so there it cannot quietly skip.
func TestTintinAgainstServer(t *testing.T) {
	if _, err := os.Stat(tintin); err != nil {
		if os.Getenv("SHARDMUD_REQUIRE_TINTIN") != "" {
			t.Fatalf("tintin++ is required here but missing: %v", err)
		}
		t.Skip("tintin++ not installed (apt-get install -y tintin++)")
	}
	t.Parallel()
	srv := startServer(t, testConfig(t))
	dir := t.TempDir()
	logFile := filepath.Join(dir, "tt.log")
	script := fmt.Sprintf(`#config {debug telnet} {on}
#event {SESSION CONNECTED} {#log overwrite {%[1]s}}
#event {IAC WILL GMCP} {#send {\xFF\xFD\xC9\};#send {\xFF\xFA\xC9Core.Supports.Set ["Char 1", "Room 1"]\xFF\xF0\}}
#event {IAC SB GMCP Room.Info IAC SE} {#line log {%[1]s} {GOT-ROOM-INFO %%1}}
#event {IAC SB GMCP Char.Vitals IAC SE} {#line log {%[1]s} {GOT-VITALS %%1}}
#action {^Name:} {#send {create tinny password1}}
#action {^Exits:} {#send {say compressed and well};#delay 1 {#send {quit}}}
#action {^Goodbye} {#end}
#session test 127.0.0.1 %[2]d
`, logFile, srv.TelnetAddr().(*net.TCPAddr).Port)
	if err := os.WriteFile(filepath.Join(dir, "test.tin"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tintin, "-H", "-G", "test.tin")
	cmd.Dir = dir
	cmd.Stdin = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	log := readLog(t, logFile)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`MCCP2 INITIALIZED`),
		regexp.MustCompile(`MCCP3 INITIALIZED`),
		regexp.MustCompile(`VAR NAME +VAL Shardmud`),
		regexp.MustCompile(`VAR CODEBASE +VAL shardmud`),
		regexp.MustCompile(`GOT-ROOM-INFO Room.Info \{.*"id":"thornwick.square"`),
		regexp.MustCompile(`GOT-VITALS Char.Vitals \{.*"hp":20`),
		regexp.MustCompile(`You say, "compressed and well"`), // text, after compression began
		regexp.MustCompile(`COMPRESSION END`),                // the stream ended cleanly at quit
	} {
		if !want.MatchString(log) {
			t.Errorf("tintin's log lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("tintin's log:\n%s", log)
	}
}

var ansiCodes = regexp.MustCompile("\x1b\\[[0-9;]*m")

// readLog is a TinTin++ log without its colour codes.
func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("tintin wrote no log: %v", err)
	}
	return strings.ReplaceAll(ansiCodes.ReplaceAllString(string(b), ""), "\r", "")
}
