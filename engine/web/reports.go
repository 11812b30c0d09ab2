package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"shardmud/engine/report"
	"shardmud/engine/store"
)

// The reports: what the event journal says about the last day or week (see
// engine/report), as a page of charts and as JSON. Each request opens the
// database read-only and closes it again: opening SQLite is cheap, and a
// handle held between requests would need an owner to close it.

const (
	// reportTop is how many rows each ranking of the page keeps.
	reportTop = 15
	// reportTimeout bounds building one report, well inside the server's
	// write timeout.
	reportTimeout = 10 * time.Second
	// reportTimeLayout is how the page writes times, in UTC.
	reportTimeLayout = "2006-01-02 15:04"
	// summaryRows is how many rows of a ranking a chart's description reads
	// out; the rest are in its table.
	summaryRows = 5
)

// reportRange is a period the reports offer, by its name in ?range=.
type reportRange struct {
	Name string
	Span time.Duration
}

// reportRanges are the periods, the default first.
var reportRanges = []reportRange{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// readReport builds the report the request asks for, or answers the
// request itself with an error and returns nil.
func (s *Server) readReport(w http.ResponseWriter, r *http.Request) (*report.Report, reportRange) {
	rng, ok := askedRange(r)
	if !ok {
		http.Error(w, `range must be "24h" or "7d"`, http.StatusBadRequest)
		return nil, rng
	}
	rep, err := s.buildReport(r.Context(), rng.Span)
	if err != nil {
		s.log.Warn("report failed", "err", err)
		http.Error(w, "the report could not be made; the log says why", http.StatusInternalServerError)
		return nil, rng
	}
	return rep, rng
}

// askedRange is the period of ?range=, the default if there is none. A
// range given but unknown is not ok, even "": a typo should not quietly
// show another period.
func askedRange(r *http.Request) (reportRange, bool) {
	q := r.URL.Query()
	if !q.Has("range") {
		return reportRanges[0], true
	}
	for _, rr := range reportRanges {
		if q.Get("range") == rr.Name {
			return rr, true
		}
	}
	return reportRanges[0], false
}

// buildReport reads the journal of the last span.
func (s *Server) buildReport(ctx context.Context, span time.Duration) (*report.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	st, err := store.OpenReadOnly(s.eng.DBPath())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	until := time.Now()
	return report.Build(ctx, st.DB(), report.Options{Since: until.Add(-span), Until: until, Top: reportTop})
}

func (s *Server) handleAPIReports(w http.ResponseWriter, r *http.Request) {
	rep, _ := s.readReport(w, r)
	if rep == nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(rep); err != nil {
		s.log.Debug("reports answer not sent", "err", err)
	}
}

// reportsPage is what templates/reports.html shows. A chart is "" when
// there is nothing to draw.
type reportsPage struct {
	Title       string
	Range       string
	Ranges      []reportRange
	Report      *report.Report
	Summary     string
	Online      template.HTML
	Peaks       []hourPeak
	PeakChart   template.HTML
	Rankings    []rankingView
	ErrorsChart template.HTML
	ErrorsNote  string
}

// hourPeak is the most players online at once in one hour of the day.
type hourPeak struct {
	Hour string // "15:00"
	Peak int64
	Seen bool // some sample fell in this hour
}

// rankingView is one ranking of the report, with its chart.
type rankingView struct {
	ID      string
	Caption string
	Column  string     // what a row is: verb, area, cause
	Figure  string     // what its number counts
	Note    string     // its totals in words
	Rows    []chartBar // the rows as named on the page
	Chart   template.HTML
}

func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) {
	rep, rng := s.readReport(w, r)
	if rep == nil {
		return
	}
	s.page(w, "reports.html", newReportsPage(rep, rng))
}

// newReportsPage draws the charts of rep.
func newReportsPage(rep *report.Report, rng reportRange) reportsPage {
	p := reportsPage{Title: "Reports", Range: rng.Name, Ranges: reportRanges, Report: rep,
		Summary: reportSummary(rep), Peaks: hourPeaks(rep.Online)}
	if len(rep.Online.Hours) > 0 {
		p.Online = onlineChart(rep, rng).HTML()
		p.PeakChart = peakChart(p.Peaks, rng).HTML()
	}
	p.Rankings = []rankingView{
		rankingOf("commands", "Commands by verb", "verb", "commands", rep.Commands),
		rankingOf("areas", "Busiest areas", "area", "commands", rep.Areas),
		rankingOf("deaths", "Deaths by cause", "cause", "deaths", rep.Deaths),
	}
	if e := rep.ScriptErrors; len(e.Top) > 0 {
		bars := make([]chartBar, len(e.Top))
		for i, f := range e.Top {
			bars[i] = chartBar{f.File, f.Count}
		}
		p.ErrorsNote = rankNote(e.Total, e.Distinct, len(bars), "error", "file")
		p.ErrorsChart = barChart{Horizontal: true, Bars: bars, svgChart: svgChart{
			ID:    "chart-script-errors",
			Title: "Script errors by file",
			Desc:  p.ErrorsNote + ". " + barsSummary(bars),
		}}.HTML()
	}
	return p
}

// reportSummary is the report's few headline figures in words.
func reportSummary(rep *report.Report) string {
	if rep.Range.Events == 0 {
		return "No events recorded yet."
	}
	l := rep.Logins
	sum := fmt.Sprintf("%s, the last at %s UTC. %s by %s, %d of them new.",
		counted(rep.Range.Events, "event"), rep.Range.Last.Format(reportTimeLayout),
		counted(l.Total, "login"), counted(l.Characters, "character"), l.New)
	if rep.Online.Peak > 0 {
		sum += fmt.Sprintf(" At most %s online at once, at %s UTC.",
			counted(rep.Online.Peak, "player"), rep.Online.PeakAt.Format(reportTimeLayout))
	}
	return sum
}

// onlineChart is the hourly average and peak of players online over the
// period.
func onlineChart(rep *report.Report, rng reportRange) timeChart {
	avg := timeSeries{Name: "average"}
	peak := timeSeries{Name: "peak"}
	for _, h := range rep.Online.Hours {
		avg.Points = append(avg.Points, timePoint{h.Start, h.Avg})
		peak.Points = append(peak.Points, timePoint{h.Start, float64(h.Max)})
	}
	since := rep.Range.Since.Truncate(time.Hour)
	return timeChart{
		svgChart: svgChart{
			ID:    "chart-online",
			Title: "Players online per hour, last " + rng.Name,
			Desc: fmt.Sprintf("Players online from %s to %s UTC, each hour's average and peak, from the samples taken every minute. Peak: %d at %s UTC.",
				since.Format(reportTimeLayout), rep.Range.Until.Format(reportTimeLayout),
				rep.Online.Peak, rep.Online.PeakAt.Format(reportTimeLayout)),
		},
		From: since, To: rep.Range.Until, Gap: time.Hour, Series: []timeSeries{avg, peak},
	}
}

// hourPeaks is the peak of each hour of the day (UTC) over the report's
// hours: when the game is busiest.
func hourPeaks(o report.Online) []hourPeak {
	peaks := make([]hourPeak, 24)
	for i := range peaks {
		peaks[i].Hour = fmt.Sprintf("%02d:00", i)
	}
	for _, h := range o.Hours {
		p := &peaks[h.Start.UTC().Hour()]
		p.Peak, p.Seen = max(p.Peak, h.Max), true
	}
	return peaks
}

func peakChart(peaks []hourPeak, rng reportRange) barChart {
	bars := make([]chartBar, len(peaks))
	busiest := peaks[0]
	for i, p := range peaks {
		bars[i] = chartBar{p.Hour[:2], p.Peak}
		if p.Peak > busiest.Peak {
			busiest = p
		}
	}
	return barChart{Bars: bars, svgChart: svgChart{
		ID:    "chart-peaks",
		Title: "Peak players online by hour of day (UTC), last " + rng.Name,
		Desc: fmt.Sprintf("The most players online at once in each hour of the day, UTC. The busiest hour is %s with %s.",
			busiest.Hour, counted(busiest.Peak, "player")),
	}}
}

// rankingOf is the view of one ranking; its chart is drawn only if it has
// rows. Rows without a name (a command outside any room, a death without a
// cause) read "(none)", as in the text report.
func rankingOf(id, caption, column, figure string, r report.Ranking) rankingView {
	v := rankingView{ID: id, Caption: caption, Column: column, Figure: figure,
		Note: rankNote(r.Total, r.Distinct, len(r.Top), strings.TrimSuffix(figure, "s"), column)}
	if len(r.Top) == 0 {
		return v
	}
	bars := make([]chartBar, len(r.Top))
	for i, c := range r.Top {
		bars[i] = chartBar{rankName(c.Name), c.Count}
	}
	v.Rows = bars
	v.Chart = barChart{Horizontal: true, Bars: bars, svgChart: svgChart{
		ID:    "chart-" + id,
		Title: caption,
		Desc:  v.Note + ". " + barsSummary(bars),
	}}.HTML()
	return v
}

// rankNote says a ranking's totals: "120 commands over 14 verbs, the
// first 10 shown".
func rankNote(total, distinct int64, shown int, figure, column string) string {
	note := counted(total, figure) + " over " + counted(distinct, column)
	if distinct > int64(shown) {
		note += fmt.Sprintf(", the first %d shown", shown)
	}
	return note
}

// rankName is how the page names a row of a ranking.
func rankName(name string) string {
	if name == "" {
		return "(none)"
	}
	return name
}

// barsSummary reads out the first bars, for a chart's description.
func barsSummary(bars []chartBar) string {
	var parts []string
	for _, b := range bars[:min(len(bars), summaryRows)] {
		parts = append(parts, fmt.Sprintf("%s: %d", b.Label, b.Value))
	}
	more := ""
	if len(bars) > summaryRows {
		more = "; the rest are in the table"
	}
	return "Most: " + strings.Join(parts, ", ") + more + "."
}

// counted says n of word, in the plural unless n is 1.
func counted(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
