package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"
	"time"

	"shardmud/engine/report"
)

func TestReports(t *testing.T) {
	site, eng := startSite(t)
	conn := play(t, eng, "Alice")
	if _, err := conn.Write([]byte("say hello\r\n")); err != nil {
		t.Fatal(err)
	}

	// The journal writes in batches, and commands only every save
	// interval: poll until it has the login, the online sample the login
	// takes, and the command.
	var rep report.Report
	checkFor(t, 15*time.Second, func() error {
		resp, body := fetch(t, site, "/api/reports")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("/api/reports: %s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), body)
		}
		rep = report.Report{}
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("/api/reports is not JSON: %v\n%s", err, body)
		}
		if rep.Logins.Total == 0 || rep.Commands.Total == 0 || len(rep.Online.Hours) == 0 {
			return fmt.Errorf("the journal never showed the login, the online sample and the command:\n%s", body)
		}
		return nil
	})
	if rep.Logins.Characters != 1 || rep.Logins.New != 1 {
		t.Errorf("logins %+v, want one new character", rep.Logins)
	}
	if len(rep.Commands.Top) == 0 || rep.Commands.Top[0].Name != "say" {
		t.Errorf("commands %+v, want say", rep.Commands)
	}

	// The JSON has every section, under its documented name.
	_, body := fetch(t, site, "/api/reports?range=7d")
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"range", "online", "logins", "commands", "busiest_rooms", "busiest_areas", "deaths", "script_errors", "ignored"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("/api/reports has no %q:\n%s", f, body)
		}
	}

	resp, page := fetch(t, site, "/reports")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/reports: %s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), page)
	}
	for _, want := range []string{
		`<svg`, `role="img"`, `<figcaption>Players online per hour`, `<figcaption>Peak players online by hour of day`,
		`<figcaption>Commands by verb`, `<figcaption>Busiest areas`, `<title id="chart-commands-title">`,
		`<details>`, `aria-current="page">Last 24h`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/reports has no %s", want)
		}
	}
	// Nobody died and no script failed.
	if strings.Count(page, "Nothing recorded yet") != 2 {
		t.Errorf("/reports should say nothing was recorded for deaths and script errors")
	}

	resp, page = fetch(t, site, "/reports?range=7d")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `aria-current="page">Last 7d`) || !strings.Contains(page, "<svg") {
		t.Errorf("/reports?range=7d: %s\n%s", resp.Status, page)
	}
	for _, path := range []string{"/reports?range=1y", "/reports?range=", "/api/reports?range=24", "/api/reports?range=%3Cscript%3E"} {
		if resp, body := fetch(t, site, path); resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "<script") {
			t.Errorf("%s: %s %q, want 400", path, resp.Status, body)
		}
	}
}

// TestReportsPageEscapes renders a report whose names are hostile, as
// players and builders may choose them.
func TestReportsPageEscapes(t *testing.T) {
	evil := "<script>alert(1)</script>"
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ranking := report.Ranking{Total: 3, Distinct: 1, Top: []report.Count{{Name: evil, Count: 3}}}
	rep := &report.Report{
		Range:    report.Range{Since: at.Add(-24 * time.Hour), Until: at, First: at, Last: at, Events: 9},
		Online:   report.Online{Hours: []report.Hour{{Start: at.Add(-time.Hour), Avg: 1.5, Max: 2, Samples: 60}}, Peak: 2, PeakAt: at},
		Commands: ranking, Areas: ranking, Deaths: ranking,
		ScriptErrors: report.ScriptErrors{Total: 1, Distinct: 1, Top: []report.ScriptError{
			{File: evil, Count: 1, LatestAt: at, LatestMessage: evil},
		}},
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, "reports.html", newReportsPage(rep, reportRanges[0])); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") {
		t.Errorf("a name got out unescaped:\n%s", page)
	}
	if n := strings.Count(page, "<svg"); n != 6 {
		t.Errorf("%d charts, want 6 (online, peaks, commands, areas, deaths, script errors)", n)
	}
	if strings.Contains(page, "Nothing recorded yet") {
		t.Errorf("a section with data says nothing was recorded")
	}
}
