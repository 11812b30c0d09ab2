package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shardmud/engine/report"
	"shardmud/engine/store"
)

// writeJournal makes a database at path with a few events of the last
// hour, and one of two days ago, outside the default range.
func writeJournal(t *testing.T, path string) {
	t.Helper()
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	err = s.AppendEvents(context.Background(), "main", []store.Event{
		{At: ago(48 * time.Hour), Kind: "login", Actor: "Old", Details: map[string]any{"protocol": "telnet", "new": true}},
		{At: ago(time.Hour), Kind: "online", Details: map[string]any{"players": 2}},
		{At: ago(50 * time.Minute), Kind: "login", Actor: "Alice", Room: "thornwick.square",
			Details: map[string]any{"protocol": "ssh", "addr": "127.0.0.1:5000", "new": true}},
		{At: ago(40 * time.Minute), Kind: "command", Target: "look", Room: "thornwick.square", Details: map[string]any{"count": 7}},
		{At: ago(30 * time.Minute), Kind: "death", Actor: "Alice", Room: "forest.path", Details: map[string]any{"cause": "fall"}},
		{At: ago(20 * time.Minute), Kind: "script_error", Target: "thornwick/crier.lua", Details: map[string]any{"message": "boom"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func run(args ...string) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = runReport(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

func TestReportText(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shardmud.db")
	writeJournal(t, db)
	status, out, errOut := run("-db", db)
	if status != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", status, errOut)
	}
	for _, want := range []string{
		"shardmud report, from ", "5 events",
		"Players online, per hour (UTC)", "peak: 2 at ",
		"Logins", "  logins          1", "  new characters  1", "  by ssh          1",
		"Most used commands (7 commands, 1 verb)", "  look      7",
		"Busiest rooms (1 room)", "  thornwick.square         7",
		"Busiest areas (1 area)", "  thornwick         7",
		"Deaths (1)", "  fall        1",
		"Script errors (1 in 1 file)", "  thornwick/crier.lua       1  ", "  boom\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	// -since 0 reaches the login of two days ago.
	if _, out, _ := run("-db", db, "-since", "0"); !strings.Contains(out, "  logins          2") {
		t.Errorf("-since 0 does not count the old login:\n%s", out)
	}
	if _, out, _ := run("-db", db, "-since", "3d"); !strings.Contains(out, "  logins          2") {
		t.Errorf("-since 3d does not count the login of two days ago:\n%s", out)
	}
}

func TestReportJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shardmud.db")
	writeJournal(t, db)
	status, out, errOut := run("-db", db, "-format", "json", "-top", "3")
	if status != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", status, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.Range.Events != 5 || r.Logins.Total != 1 || r.Commands.Total != 7 || r.Online.Peak != 2 ||
		r.Deaths.Total != 1 || r.ScriptErrors.Total != 1 {
		t.Errorf("JSON report figures are off:\n%s", out)
	}
	if r.Range.Until.Sub(r.Range.Since) != 24*time.Hour {
		t.Errorf("default range %v to %v, want 24h", r.Range.Since, r.Range.Until)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	noise := make([]byte, 8192)
	rand.Read(noise)
	if err := os.WriteFile(garbage, noise, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "shardmud.db")
	writeJournal(t, good)
	missing := filepath.Join(dir, "missing.db")

	for _, c := range []struct {
		name   string
		args   []string
		status int
		want   string // in the one line on stderr
	}{
		{"missing file", []string{"-db", missing}, 1, "no database at " + missing},
		{"random bytes", []string{"-db", garbage}, 1, "not a database"},
		{"empty file", []string{"-db", empty}, 1, "not a shardmud database"},
		{"directory", []string{"-db", dir}, 1, "is a directory"},
		{"unknown format", []string{"-db", good, "-format", "xml"}, 2, `unknown format "xml"`},
		{"unknown flag", []string{"-db", good, "-verbose"}, 2, "flag provided but not defined: -verbose"},
		{"bad duration", []string{"-db", good, "-since", "yesterday"}, 2, `not a duration: "yesterday"`},
		{"negative duration", []string{"-db", good, "-since", "-1h"}, 2, "negative"},
		{"no top", []string{"-db", good, "-top", "0"}, 2, "-top 0"},
		{"extra argument", []string{"-db", good, "now"}, 2, `unexpected argument "now"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out, errOut := run(c.args...)
			if status != c.status || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", status, errOut, c.status, c.want)
			}
			if out != "" {
				t.Errorf("stdout %q on error", out)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the report created the missing database: %v", err)
	}
}

func TestReportHelp(t *testing.T) {
	status, out, errOut := run("-h")
	if status != 0 || out != "" || !strings.Contains(errOut, "usage: shardmud report") || !strings.Contains(errOut, "-since") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", status, out, errOut)
	}
}
