package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"shardmud/engine/report"
	"shardmud/engine/store"
)

const reportUsage = `usage: shardmud report [-db PATH] [-format text|json] [-since DURATION] [-top N]

Sums up the event journal of a shardmud database: players online per hour,
logins, the most used commands, the busiest rooms and areas, deaths and
script errors. It only reads, so it may run while the server does.

`

// runReport is `shardmud report`: see engine/report. It returns the exit
// status: 0, 1 when the report cannot be made, 2 for a wrong command line.
func runReport(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("report", flag.ContinueOnError)
	// Parse errors are printed below as one line; usage only when asked.
	flags.SetOutput(io.Discard)
	dbPath := flags.String("db", "shardmud.db", "SQLite database the server writes")
	format := flags.String("format", "text", "output format: text or json")
	since := sinceFlag(24 * time.Hour)
	flags.Var(&since, "since", "how far back to look: a Go duration (90m, 24h) or days (7d); 0 for everything")
	top := flags.Int("top", report.DefaultTop, "rows in each ranking")

	fail := func(status int, format string, args ...any) int {
		fmt.Fprintf(stderr, "shardmud report: "+format+"\n", args...)
		return status
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, reportUsage)
			flags.SetOutput(stderr)
			flags.PrintDefaults()
			return 0
		}
		return fail(2, "%v (see shardmud report -h)", err)
	}
	switch {
	case flags.NArg() > 0:
		return fail(2, "unexpected argument %q (see shardmud report -h)", flags.Arg(0))
	case *format != "text" && *format != "json":
		return fail(2, "unknown format %q: text or json", *format)
	case *top < 1:
		return fail(2, "-top %d: must be at least 1", *top)
	}

	// Opening a missing file, even read-only, must not leave an empty
	// database behind, and "no such file" says more than SQLite would.
	if info, err := os.Stat(*dbPath); errors.Is(err, fs.ErrNotExist) {
		return fail(1, "no database at %s (the server creates it when it first starts; -db names another)", *dbPath)
	} else if err != nil {
		return fail(1, "%v", err)
	} else if info.IsDir() {
		return fail(1, "%s is a directory, not a database", *dbPath)
	}
	st, err := store.OpenReadOnly(*dbPath)
	if err != nil {
		return fail(1, "%v", err)
	}
	defer st.Close()

	opt := report.Options{Until: time.Now(), Top: *top}
	if since > 0 {
		opt.Since = opt.Until.Add(-time.Duration(since))
	}
	r, err := report.Build(context.Background(), st.DB(), opt)
	if err != nil {
		return fail(1, "%s: %v", *dbPath, err)
	}

	out := bufio.NewWriter(stdout)
	if *format == "json" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fail(1, "%v", err)
		}
		out.Write(append(b, '\n'))
	} else {
		r.WriteText(out) // a write error stays in out and is seen by Flush
	}
	if err := out.Flush(); err != nil {
		return fail(1, "write report: %v", err)
	}
	return 0
}

// sinceFlag is a duration that also takes whole days ("7d"), the unit one
// thinks of for a report, which time.ParseDuration lacks.
type sinceFlag time.Duration

func (f *sinceFlag) String() string { return time.Duration(*f).String() }

func (f *sinceFlag) Set(s string) error {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100_000 {
			return fmt.Errorf("not a number of days: %q", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return fmt.Errorf("not a duration: %q (e.g. 90m, 24h, 7d)", s)
		}
	}
	if d < 0 {
		return fmt.Errorf("negative: %q", s)
	}
	*f = sinceFlag(d)
	return nil
}
