package web

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// hostile is a label as a player or builder might choose it.
const hostile = "<script>alert(1)</script>\"'&]]><!-- \x00\x1b[31m\u202e\xff"

func TestChartsAreWellFormed(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	hours := func(n int) []timePoint {
		var pts []timePoint
		for i := range n {
			pts = append(pts, timePoint{start.Add(time.Duration(i) * time.Hour), float64(i%7) * 1.5})
		}
		return pts
	}
	bars := func(n int, label string) []chartBar {
		var bs []chartBar
		for i := range n {
			bs = append(bs, chartBar{fmt.Sprintf("%s%d", label, i), int64(n - i)})
		}
		return bs
	}
	day := func(c svgChart, series ...timeSeries) timeChart {
		return timeChart{svgChart: c, From: start, To: start.Add(24 * time.Hour), Gap: time.Hour, Series: series}
	}
	c := svgChart{ID: "c", Title: "Chart", Desc: "numbers"}
	bad := svgChart{ID: hostile, Title: hostile, Desc: hostile}
	for _, tc := range []struct {
		name    string
		chart   interface{ HTML() template.HTML }
		hostile bool
	}{
		{"time empty", day(c), false},
		{"time series without points", day(c, timeSeries{Name: "avg"}), false},
		{"time one point", day(c, timeSeries{Name: "avg", Points: hours(1)}), false},
		{"time many points", day(c, timeSeries{Name: "avg", Points: hours(24)}, timeSeries{Name: "peak", Points: hours(24)}), false},
		{"time with a gap", day(c, timeSeries{Name: "avg", Points: append(hours(3), timePoint{start.Add(10 * time.Hour), 2})}), false},
		{"time empty span", timeChart{svgChart: c, From: start, To: start}, false},
		{"time hostile", day(bad, timeSeries{Name: hostile, Points: hours(5)}), true},
		{"bars empty", barChart{svgChart: c}, false},
		{"bars one", barChart{svgChart: c, Bars: bars(1, "x")}, false},
		{"bars many", barChart{svgChart: c, Bars: bars(24, "")}, false},
		{"bars hostile", barChart{svgChart: bad, Bars: bars(3, hostile)}, true},
		{"lying empty", barChart{svgChart: c, Horizontal: true}, false},
		{"lying one", barChart{svgChart: c, Horizontal: true, Bars: bars(1, "look")}, false},
		{"lying many", barChart{svgChart: c, Horizontal: true, Bars: bars(15, "verb")}, false},
		{"lying zero", barChart{svgChart: c, Horizontal: true, Bars: []chartBar{{"none", 0}}}, false},
		{"lying hostile", barChart{svgChart: bad, Horizontal: true, Bars: bars(3, hostile)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(tc.chart.HTML())
			checkSVG(t, out)
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Errorf("a label got out unescaped:\n%s", out)
			}
			if tc.hostile && !strings.Contains(out, "&lt;script&gt;") {
				t.Errorf("the hostile label is not there, escaped:\n%s", out)
			}
		})
	}
}

// checkSVG fails t unless out is one well-formed svg element that names
// itself an image, has a title and a description, and has no style
// attribute (the CSP would refuse it).
func checkSVG(t *testing.T, out string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(out))
	var path []string
	texts := map[string]string{}
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(path) == 0 {
				roots++
				if tok.Name.Local != "svg" || attr(tok, "role") != "img" || attr(tok, "width") != "100%" || attr(tok, "viewBox") == "" {
					t.Errorf("root is %v, want an svg with role img, a viewBox and width 100%%", tok)
				}
			}
			if attr(tok, "style") != "" {
				t.Errorf("a style attribute: %v", tok)
			}
			path = append(path, tok.Name.Local)
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) == 2 {
				texts[path[1]] += string(tok)
			}
		}
	}
	if roots != 1 {
		t.Errorf("%d root elements, want one svg", roots)
	}
	if texts["title"] == "" || texts["desc"] == "" {
		t.Errorf("title %q, desc %q: want both", texts["title"], texts["desc"])
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestValueTicksAreRound(t *testing.T) {
	for _, tc := range []struct {
		peak      float64
		step, top int64
	}{
		{0, 1, 1}, {0.4, 1, 1}, {1, 1, 1}, {3, 1, 3}, {5, 1, 5}, {7, 2, 8}, {10, 2, 10},
		{12, 5, 15}, {99, 20, 100}, {1234, 500, 1500}, {math.NaN(), 1, 1}, {math.Inf(1), 1, 1},
	} {
		step, top := valueTicks(tc.peak)
		if step != tc.step || top != tc.top {
			t.Errorf("valueTicks(%v) = %d, %d, want %d, %d", tc.peak, step, top, tc.step, tc.top)
		}
	}
	for peak := 0.5; peak < 1e10; peak *= 1.37 {
		step, top := valueTicks(peak)
		if !round(step) || top%step != 0 || float64(top) < peak || float64(top-step) >= peak || top/step > 2*chartTicks {
			t.Errorf("valueTicks(%v) = %d, %d: want a round step and the first multiple at or above", peak, step, top)
		}
	}
}

// round says whether n is 1, 2 or 5 times a power of ten.
func round(n int64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1 || n == 2 || n == 5
}

func TestTimeTicks(t *testing.T) {
	from := time.Date(2025, 3, 1, 10, 17, 0, 0, time.UTC)
	for _, tc := range []struct {
		span, step time.Duration
	}{
		{time.Hour, time.Hour},
		{24 * time.Hour, 3 * time.Hour},
		{7 * 24 * time.Hour, 24 * time.Hour},
	} {
		ticks := timeTicks(from, from.Add(tc.span))
		if len(ticks) < 1 || len(ticks) > 9 {
			t.Errorf("%v: %d ticks", tc.span, len(ticks))
		}
		for i, tick := range ticks {
			if tick.Before(from) || tick.After(from.Add(tc.span)) || tick.Sub(tick.Truncate(tc.step)) != 0 ||
				(i > 0 && tick.Sub(ticks[i-1]) != tc.step) {
				t.Errorf("%v: ticks %v, want every %v on the %v", tc.span, ticks, tc.step, tc.step)
				break
			}
		}
	}
	if got := timeLabel(time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)); got != "Mar 2" {
		t.Errorf("midnight reads %q, want the day", got)
	}
	if got := timeLabel(time.Date(2025, 3, 2, 15, 0, 0, 0, time.UTC)); got != "15:00" {
		t.Errorf("15:00 reads %q", got)
	}
}

// TestChartAxisIsRound reads the ticks back out of drawn charts.
func TestChartAxisIsRound(t *testing.T) {
	for _, c := range []barChart{
		{Bars: []chartBar{{"a", 1234}, {"b", 7}}},
		{Bars: []chartBar{{"a", 1234}, {"b", 7}}, Horizontal: true},
	} {
		c.svgChart = svgChart{ID: "c", Title: "t", Desc: "d"}
		d := xml.NewDecoder(strings.NewReader(string(c.HTML())))
		var ticks []string
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "text" && attr(e, "class") == "tick" {
				var s string
				d.DecodeElement(&s, &e)
				ticks = append(ticks, s)
			}
		}
		if want := "0 500 1000 1500"; strings.Join(ticks, " ") != want {
			t.Errorf("horizontal %v: ticks %q, want %s", c.Horizontal, ticks, want)
		}
	}
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"look", 10, "look"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghi…"},
		{"a\x1b[31mb\u202ec", 20, "a?[31mb?c"},
		{"\xff", 5, "?"},
		{"héllo wörld", 6, "héllo…"},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
