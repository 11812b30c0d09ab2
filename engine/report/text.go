package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// nameWidth and messageWidth bound what one cell shows in text: names
	// and messages come from players and scripts, and a long one must not
	// push every column off the screen.
	nameWidth    = 40
	messageWidth = 80
	// barWidth is the length of the graph bar of the busiest hour.
	barWidth = 40
	// hourLayout and timeLayout are how the text report writes times, in UTC.
	hourLayout = "2006-01-02 15:04"
	timeLayout = "2006-01-02 15:04:05"
)

// WriteText writes r as plain text for a terminal: a heading per section,
// aligned columns, "none" for an empty section. Text from the journal is
// shown with control characters replaced, so that a name or a script
// message cannot send escape sequences to the reader's terminal.
func (r *Report) WriteText(w io.Writer) error {
	p := &printer{w: w}
	r.writeRange(p)
	r.writeOnline(p)
	r.writeLogins(p)
	p.ranking(fmt.Sprintf("Most used commands (%s, %s)", plural(r.Commands.Total, "command"), plural(r.Commands.Distinct, "verb")),
		"verb", "count", r.Commands)
	p.ranking(fmt.Sprintf("Busiest rooms (%s)", plural(r.Rooms.Distinct, "room")), "room", "commands", r.Rooms)
	p.ranking(fmt.Sprintf("Busiest areas (%s)", plural(r.Areas.Distinct, "area")), "area", "commands", r.Areas)
	p.ranking(fmt.Sprintf("Deaths (%d)", r.Deaths.Total), "cause", "deaths", r.Deaths)
	r.writeScriptErrors(p)
	if r.Ignored != (Ignored{}) {
		p.heading("Left out")
		p.linef("  %s and %s had details of an unexpected shape.",
			plural(r.Ignored.OnlineSamples, "online sample"), plural(r.Ignored.CommandRows, "command row"))
	}
	return p.err
}

func (r *Report) writeRange(p *printer) {
	from, to := "the start", "now"
	if !r.Range.Since.IsZero() {
		from = r.Range.Since.Format(timeLayout) + " UTC"
	}
	if !r.Range.Until.IsZero() {
		to = r.Range.Until.Format(timeLayout) + " UTC"
	}
	p.linef("shardmud report, from %s to %s", from, to)
	if r.Range.Events == 0 {
		p.linef("  no events")
		return
	}
	p.linef("  %d events, the first at %s, the last at %s", r.Range.Events,
		r.Range.First.Format(timeLayout), r.Range.Last.Format(timeLayout))
	var kinds []string
	for _, k := range r.Range.Kinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", clean(k.Name, nameWidth), k.Count))
	}
	p.linef("  by kind: %s", strings.Join(kinds, ", "))
}

func (r *Report) writeOnline(p *printer) {
	p.heading("Players online, per hour (UTC)")
	if len(r.Online.Hours) == 0 {
		p.none()
		return
	}
	t := table{right: []bool{false, true, true, false}}
	t.add("hour", "avg", "peak", "")
	for _, h := range r.Online.Hours {
		bar := 0
		if r.Online.Peak > 0 {
			bar = int(math.Round(h.Avg / float64(r.Online.Peak) * barWidth))
		}
		t.add(h.Start.Format(hourLayout), strconv.FormatFloat(h.Avg, 'f', 1, 64), strconv.FormatInt(h.Max, 10),
			strings.Repeat("#", bar))
	}
	t.write(p)
	p.linef("  peak: %d at %s", r.Online.Peak, r.Online.PeakAt.Format(timeLayout))
}

func (r *Report) writeLogins(p *printer) {
	l := r.Logins
	p.heading("Logins")
	if l.Total == 0 {
		p.none()
		return
	}
	t := table{right: []bool{false, true}}
	t.add("logins", strconv.FormatInt(l.Total, 10))
	t.add("characters", strconv.FormatInt(l.Characters, 10))
	t.add("new characters", strconv.FormatInt(l.New, 10))
	for _, c := range l.ByProtocol {
		t.add("by "+clean(c.Name, nameWidth), strconv.FormatInt(c.Count, 10))
	}
	t.write(p)
}

func (r *Report) writeScriptErrors(p *printer) {
	s := r.ScriptErrors
	p.heading(fmt.Sprintf("Script errors (%d in %s)", s.Total, plural(s.Distinct, "file")))
	if len(s.Top) == 0 {
		p.none()
		return
	}
	t := table{right: []bool{false, true, false, false}}
	t.add("file", "errors", "latest", "message")
	for _, e := range s.Top {
		t.add(clean(e.File, nameWidth), strconv.FormatInt(e.Count, 10), e.LatestAt.Format(timeLayout),
			clean(e.LatestMessage, messageWidth))
	}
	t.write(p)
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// printer writes lines and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) linef(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) heading(s string) {
	p.linef("\n%s", s)
}

func (p *printer) none() { p.linef("  none") }

func (p *printer) ranking(heading, name, figure string, r Ranking) {
	p.heading(heading)
	if len(r.Top) == 0 {
		p.none()
		return
	}
	t := table{right: []bool{false, true}}
	t.add(name, figure)
	for _, c := range r.Top {
		t.add(clean(c.Name, nameWidth), strconv.FormatInt(c.Count, 10))
	}
	t.write(p)
}

// table aligns columns of cells already cleaned for display.
type table struct {
	rows  [][]string
	right []bool // per column: align right (numbers)
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(p *printer) {
	widths := make([]int, len(t.right))
	for _, row := range t.rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		b.Reset()
		b.WriteString("  ")
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if t.right[i] {
				b.WriteString(pad + c)
			} else if i < len(row)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		p.linef("%s", strings.TrimRight(b.String(), " "))
	}
}

// clean makes journal text safe and short for a terminal: control and
// format characters (escape sequences, bidirectional overrides) and invalid
// UTF-8 become '?', "" becomes "(none)", and more than width characters are
// cut with an ellipsis.
func clean(s string, width int) string {
	if s == "" {
		return "(none)"
	}
	long := utf8.RuneCountInString(s) > width
	var b strings.Builder
	n := 0
	for _, c := range s {
		if long && n == width-1 {
			b.WriteRune('…')
			break
		}
		if c == utf8.RuneError || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			c = '?'
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}
