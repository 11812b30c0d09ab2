package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Charts drawn on the server as inline SVG, so that the reports need no
// script (the site's CSP allows none inline) and read the same everywhere.
//
// Every chart has a fixed viewBox and width 100%, so it scales with the
// page; its look comes from classes in site.css, never from style
// attributes, which the CSP forbids. Text in a chart (labels, titles,
// descriptions) comes from the journal, so from players and builders: all
// of it is escaped as XML, which is also safe as HTML, and anything that is
// not a valid XML character becomes U+FFFD.

const (
	// chartWidth is the width of every chart's viewBox.
	chartWidth = 640
	// chartTicks is about how many steps a value axis is cut into.
	chartTicks = 5
	// chartLabelRunes bounds a label drawn in a chart; the full text is in
	// its tooltip and in the figure's table.
	chartLabelRunes = 22
)

// svgChart is what every chart has besides its data.
type svgChart struct {
	// ID is unique in the page: the title and description are named by it
	// for aria-labelledby.
	ID string
	// Title names the chart; Desc says its numbers in words, for those who
	// cannot see it.
	Title, Desc string
}

// timePoint is one value at one time.
type timePoint struct {
	At    time.Time
	Value float64
}

// timeSeries is one line of a timeChart.
type timeSeries struct {
	Name   string
	Points []timePoint // in time order
}

// timeChart draws values over time: the first series as an area, the
// others as lines over it.
type timeChart struct {
	svgChart
	From, To time.Time // the span of the time axis
	// Gap is how far apart two points may be and still be joined: beyond
	// it the series has no data, which a line across would hide.
	Gap    time.Duration
	Series []timeSeries
}

// chartBar is one bar of a barChart.
type chartBar struct {
	Label string
	Value int64
}

// barChart draws one bar per label: upright with the labels below, or
// lying with the labels on the left, which suits long labels and rankings.
type barChart struct {
	svgChart
	Bars       []chartBar
	Horizontal bool
}

// valueTicks is a value axis for values up to peak: a round step (1, 2 or
// 5 times a power of ten) and the top of the axis, the first multiple of
// the step at or above peak. The figures are counts of things, so the step
// is at least 1; an axis is never empty, so top is at least 1.
func valueTicks(peak float64) (step, top int64) {
	if !(peak > 0) || math.IsInf(peak, 1) {
		return 1, 1
	}
	raw := peak / chartTicks
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	s := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			s = m * mag
			break
		}
	}
	step = int64(math.Max(s, 1))
	return step, step * int64(math.Ceil(peak/float64(step)))
}

// timeSteps are the steps a time axis may take, shortest first.
var timeSteps = []time.Duration{
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// timeTicks is the ticks of a time axis from from to to: whole hours or
// days in UTC, at most about eight of them.
func timeTicks(from, to time.Time) []time.Time {
	span := to.Sub(from)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	// Truncate counts from the zero time, which is midnight UTC, so a
	// multiple of a day is a UTC midnight.
	var ticks []time.Time
	for t := from.UTC().Truncate(step); !t.After(to); t = t.Add(step) {
		if !t.Before(from) {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// timeLabel is how a tick of a time axis reads: the hour, or the day at
// midnight.
func timeLabel(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}

// svgBuf writes SVG. Markup and numbers go through printf; text from
// anywhere else goes through text or escape, never printf.
type svgBuf struct {
	bytes.Buffer
}

func (b *svgBuf) printf(format string, args ...any) { fmt.Fprintf(b, format, args...) }

func (b *svgBuf) escape(s string) { xml.EscapeText(b, []byte(s)) }

// text writes s at (x, y), anchored at its start, middle or end.
func (b *svgBuf) text(x, y float64, anchor, class, s string) {
	b.printf(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">`, x, y, anchor, class)
	b.escape(s)
	b.WriteString("</text>")
}

// open starts the chart: the svg element, sized h in the viewBox, with its
// title and description.
func (b *svgBuf) open(c svgChart, h int) {
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" class="chart" role="img" aria-labelledby="`, chartWidth, h)
	b.escape(c.ID + "-title " + c.ID + "-desc")
	b.WriteString(`"><title id="`)
	b.escape(c.ID + "-title")
	b.WriteString(`">`)
	b.escape(c.Title)
	b.WriteString(`</title><desc id="`)
	b.escape(c.ID + "-desc")
	b.WriteString(`">`)
	b.escape(c.Desc)
	b.WriteString("</desc>")
}

// html ends the chart and hands it to a template.
func (b *svgBuf) html() template.HTML {
	b.WriteString("</svg>")
	// Safe: every text was escaped on its way in.
	return template.HTML(b.String())
}

// valueAxis draws the horizontal grid lines and their labels of an upright
// value axis over the plot from top to bottom, left to right.
func (b *svgBuf) valueAxis(step, top int64, left, right, ytop, ybottom float64) {
	for v := int64(0); v <= top; v += step {
		y := ybottom - float64(v)/float64(top)*(ybottom-ytop)
		b.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="grid"/>`, left, y, right, y)
		b.text(left-6, y+4, "end", "tick", strconv.FormatInt(v, 10))
	}
	b.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="axis"/>`, left, ybottom, right, ybottom)
}

// bar draws one bar, its label and value in a tooltip.
func (b *svgBuf) bar(x, y, w, h float64, bar chartBar) {
	b.printf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar"><title>`, x, y, w, h)
	b.escape(bar.Label + ": " + strconv.FormatInt(bar.Value, 10))
	b.WriteString("</title></rect>")
}

// HTML draws the chart.
func (c timeChart) HTML() template.HTML {
	const (
		h                             = 240
		left, right, top, bottom, key = 44.0, chartWidth - 12.0, 28.0, h - 24.0, 14.0
		keyWidth                      = 130.0 // room for one series' name in the key
	)
	from, to := c.From, c.To
	if !to.After(from) {
		to = from.Add(time.Hour)
	}
	peak := 0.0
	for _, s := range c.Series {
		for _, p := range s.Points {
			peak = math.Max(peak, p.Value)
		}
	}
	step, ymax := valueTicks(peak)
	x := func(t time.Time) float64 {
		f := float64(t.Sub(from)) / float64(to.Sub(from))
		return left + math.Min(math.Max(f, 0), 1)*(right-left)
	}
	y := func(v float64) float64 { return bottom - v/float64(ymax)*(bottom-top) }

	var b svgBuf
	b.open(c.svgChart, h)
	b.valueAxis(step, ymax, left, right, top, bottom)
	for _, t := range timeTicks(from, to) {
		b.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="axis"/>`, x(t), bottom, x(t), bottom+4)
		b.text(x(t), bottom+17, "middle", "tick", timeLabel(t))
	}
	for i, s := range c.Series {
		class := "s" + strconv.Itoa(i)
		kx := left + float64(i)*keyWidth
		b.printf(`<rect x="%.1f" y="%.1f" width="10" height="10" class="key %s"/>`, kx, key-9, class)
		b.text(kx+14, key, "start", "key", s.Name)
		for _, run := range c.runs(s.Points) {
			b.series(run, i == 0, class, x, y, bottom)
		}
	}
	return b.html()
}

// runs cuts points into the runs whose neighbours are at most Gap apart.
func (c timeChart) runs(points []timePoint) [][]timePoint {
	var runs [][]timePoint
	start := 0
	for i := 1; i <= len(points); i++ {
		if i == len(points) || points[i].At.Sub(points[i-1].At) > c.Gap {
			runs = append(runs, points[start:i])
			start = i
		}
	}
	return runs
}

// series draws one run of points: a dot if it is alone, else a line, with
// the area under it filled if area is set.
func (b *svgBuf) series(run []timePoint, area bool, class string, x func(time.Time) float64, y func(float64) float64, base float64) {
	if len(run) == 1 {
		b.printf(`<circle cx="%.1f" cy="%.1f" r="3" class="dot %s"/>`, x(run[0].At), y(run[0].Value), class)
		return
	}
	var pts bytes.Buffer
	for _, p := range run {
		fmt.Fprintf(&pts, "%.1f,%.1f ", x(p.At), y(p.Value))
	}
	if area {
		b.printf(`<polygon points="%.1f,%.1f %s%.1f,%.1f" class="area %s"/>`,
			x(run[0].At), base, pts.String(), x(run[len(run)-1].At), base, class)
	}
	b.printf(`<polyline points="%s" fill="none" class="line %s"/>`, bytes.TrimSpace(pts.Bytes()), class)
}

// HTML draws the chart.
func (c barChart) HTML() template.HTML {
	if c.Horizontal {
		return c.lying()
	}
	return c.upright()
}

func (c barChart) peak() float64 {
	var m int64
	for _, bar := range c.Bars {
		m = max(m, bar.Value)
	}
	return float64(m)
}

func (c barChart) upright() template.HTML {
	const (
		h                        = 220
		left, right, top, bottom = 44.0, chartWidth - 12.0, 14.0, h - 24.0
		// labelSpace is about the room a label of a few characters needs.
		labelSpace = 30.0
		runeWidth  = 7.0
	)
	step, ymax := valueTicks(c.peak())
	var b svgBuf
	b.open(c.svgChart, h)
	b.valueAxis(step, ymax, left, right, top, bottom)
	slot := (right - left) / float64(max(len(c.Bars), 1))
	// Only one bar in every is labelled, so that labels do not run into
	// each other.
	every := int(math.Ceil(labelSpace / slot))
	for i, bar := range c.Bars {
		bh := float64(bar.Value) / float64(ymax) * (bottom - top)
		bx := left + float64(i)*slot
		b.bar(bx+slot*0.15, bottom-bh, slot*0.7, bh, bar)
		if i%every == 0 {
			b.text(bx+slot/2, bottom+16, "middle", "label", shorten(bar.Label, max(int(slot*float64(every)/runeWidth), 1)))
		}
	}
	return b.html()
}

func (c barChart) lying() template.HTML {
	const (
		row, thick         = 22.0, 14.0
		left, right, first = 172.0, chartWidth - 60.0, 8.0
	)
	bottom := first + row*float64(len(c.Bars))
	h := int(bottom) + 26
	step, xmax := valueTicks(c.peak())
	x := func(v int64) float64 { return left + float64(v)/float64(xmax)*(right-left) }
	var b svgBuf
	b.open(c.svgChart, h)
	for v := int64(0); v <= xmax; v += step {
		b.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="grid"/>`, x(v), first, x(v), bottom)
		b.text(x(v), bottom+17, "middle", "tick", strconv.FormatInt(v, 10))
	}
	for i, bar := range c.Bars {
		y := first + float64(i)*row
		b.text(left-8, y+row/2+4, "end", "label", shorten(bar.Label, chartLabelRunes))
		b.bar(left, y+(row-thick)/2, x(bar.Value)-left, thick, bar)
		b.text(x(bar.Value)+6, y+row/2+4, "start", "value", strconv.FormatInt(bar.Value, 10))
	}
	b.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="axis"/>`, left, first, left, bottom)
	return b.html()
}

// shorten fits a label in n characters, cutting it with an ellipsis, and
// shows control and format characters (bidirectional overrides among them,
// which could turn the chart's text around) as '?'. Escaping is still
// needed after it.
func shorten(s string, n int) string {
	long := utf8.RuneCountInString(s) > n
	out := make([]rune, 0, min(len(s), n))
	for _, r := range s {
		if long && len(out) == n-1 {
			return string(append(out, '…'))
		}
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
