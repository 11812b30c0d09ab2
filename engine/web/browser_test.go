package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Limits and places of the browser test.
const (
	// chromiumPath is where Debian's chromium package puts the browser.
	chromiumPath = "/usr/bin/chromium"
	// browserBudget bounds the whole browser test, Chromium's start included.
	browserBudget = 60 * time.Second
	// browserStep bounds one step: a navigation, a wait, a click.
	browserStep = 15 * time.Second
	// reportsWait is how long the reports may take to show a chart: the
	// journal writes in batches (engine.JournalFlush) and counts commands
	// at every save.
	reportsWait = 10 * time.Second
	// Screenshots are the viewport at this size: big enough to show a page,
	// small enough to keep the PNGs in the repository small.
	screenWidth, screenHeight = 1000, 800
	// screenshotDir is docs/screenshots, from this package's directory.
	screenshotDir = "../../docs/screenshots"
)

// A real browser against a real site: headless Chromium plays /play (logs
// in, talks to a telnet player in the room, walks north by an exit button,
// shows its vitals), then reads /reports and /. With SHARDMUD_SCREENSHOTS=1
// it also writes docs/screenshots/{play,reports,status}.png; otherwise it
// takes them and throws them away, so a CI run leaves the tree clean. It
// skips without Chromium, unless SHARDMUD_REQUIRE_BROWSER=1 (as in CI).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("SHARDMUD_REQUIRE_BROWSER") == "1" {
			t.Fatalf("SHARDMUD_REQUIRE_BROWSER=1 but there is no browser: %v (install Debian's chromium)", err)
		}
		t.Skipf("no browser: %v (install Debian's chromium to run this test)", err)
	}
	t.Parallel()
	site, eng := startSite(t)
	base := "http://" + site.Addr().String()
	watcher := play(t, eng, "watcher")
	b := startBrowser(t)

	// The client connects and is labelled for assistive technology.
	b.navigate(base + "/play")
	b.waitFor("the WebSocket to connect", `document.querySelector('#status[data-state="open"]') !== null`)
	type accessibility struct {
		Role  string `json:"role"`
		Live  string `json:"live"`
		Label string `json:"label"`
	}
	a11y := evaluate[accessibility](b, "read the output's role and the input's label", `(() => {
		const out = document.getElementById('output');
		const label = document.querySelector('label[for=command]');
		return {role: out.getAttribute('role') || '', live: out.getAttribute('aria-live') || '',
			label: label ? label.textContent.trim() : ''};
	})()`)
	if a11y.Role != "log" || a11y.Live == "" {
		t.Errorf("#output has role=%q aria-live=%q, want role=log and an aria-live", a11y.Role, a11y.Live)
	}
	if a11y.Label == "" {
		t.Error("#command has no label[for=command] with text")
	}

	// Log in, talk, and be heard over telnet.
	b.typeLine("create tester " + testPassword)
	b.waitForOutput("Exits:")
	b.typeLine("say hello")
	b.waitForOutput(`You say, "hello"`)
	telnetHears(t, watcher, `Tester says, "hello"`)

	// Walk north from Thornwick Square by its exit button.
	b.waitFor("the exit buttons", `document.querySelector('#exits li button[data-command]') !== null`)
	exits := evaluate[[]string](b, "read the exit buttons",
		`[...document.querySelectorAll('#exits li button[data-command]')].map((e) => e.dataset.command)`)
	if strings.Join(exits, " ") != "north east south west" {
		t.Errorf("Thornwick Square's exit buttons are %q, want north, east, south and west in compass order", exits)
	}
	b.do("click the north exit", chromedp.Click(chromedp.CSS(`#exits li button[data-command="north"]`)))
	b.waitFor("the room to become Market Lane", `document.getElementById('room-name').textContent === 'Market Lane'`)
	b.waitForOutput("Market Lane")
	b.waitFor("the health meter", `!document.getElementById('hp-bar').hidden && document.getElementById('hp').value > 0`)
	b.screenshot("play.png")

	// The reports draw the journal's charts, each in a captioned figure.
	deadline := time.Now().Add(reportsWait)
	for {
		b.navigate(base + "/reports")
		if evaluate[int](b, "count the charts", `document.querySelectorAll('svg[role="img"]').length`) > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.fail("waiting for a chart on /reports", fmt.Errorf("none after %v", reportsWait))
		}
		time.Sleep(250 * time.Millisecond)
	}
	type reportFigures struct {
		Figures     int      `json:"figures"`
		Charts      int      `json:"charts"`
		Uncaptioned []string `json:"uncaptioned"`
		Unnamed     []string `json:"unnamed"`
	}
	figures := evaluate[reportFigures](b, "read the figures", `(() => {
		const figures = [...document.querySelectorAll('figure')];
		const charts = [...document.querySelectorAll('figure svg')];
		const named = (svg) => {
			const ids = (svg.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
			return ids.length > 0 && ids.every((id) => (document.getElementById(id)?.textContent || '').trim() !== '');
		};
		return {
			figures: figures.length,
			charts: charts.length,
			uncaptioned: figures.filter((f) => !f.querySelector('figcaption')?.textContent.trim()).map((f) => f.outerHTML.slice(0, 120)),
			unnamed: charts.filter((s) => !named(s)).map((s) => s.id || s.outerHTML.slice(0, 120)),
		};
	})()`)
	if figures.Charts < 1 {
		t.Errorf("/reports has %d figures and no chart in one", figures.Figures)
	}
	if len(figures.Uncaptioned) > 0 {
		t.Errorf("/reports has figures without a caption: %q", figures.Uncaptioned)
	}
	if len(figures.Unnamed) > 0 {
		t.Errorf("/reports has charts whose aria-labelledby names nothing: %q", figures.Unnamed)
	}
	b.screenshot("reports.png")

	// The status page.
	b.navigate(base + "/")
	if h1 := evaluate[string](b, "read the heading", `document.querySelector('main h1')?.textContent.trim() || ''`); h1 == "" {
		t.Error("the status page has no heading")
	}
	b.screenshot("status.png")
}

// browser is one headless Chromium tab, closed when the test ends. Every
// step is bounded, and a failed step shows what the page's #output held.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab; the browser lives until browserBudget ends
}

// startBrowser launches Chromium with only the flags the test needs, in a
// profile of its own under the test's temporary directory.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	budget, cancelBudget := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(budget,
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(screenWidth, screenHeight),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser gracefully, then wait for it to exit before the
		// temporary directory holding its profile is removed.
		closing, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Cancel(closing); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc()
		cancelBudget()
	})
	// The first action starts the browser, which lives as long as the
	// context it is given: so not a step's context; browserBudget bounds
	// the start. The window's size includes what headless Chromium counts
	// as its frame, so the viewport is set to the screenshots' size too.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(screenWidth, screenHeight)); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return &browser{t: t, ctx: ctx}
}

// do runs actions, failing the test with the page's output if they fail
// or take longer than browserStep.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// evaluate is the value of the JavaScript expression expr.
func evaluate[T any](b *browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// navigate opens url and waits for it to load.
func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
}

// waitFor polls the page until the JavaScript expression expr is true.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	b.do("waiting for "+what, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(browserStep-time.Second)))
}

// waitForOutput waits until the game's output shows want.
func (b *browser) waitForOutput(want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q in #output", want),
		fmt.Sprintf(`document.getElementById('output').textContent.includes(%s)`, jsString(want)))
}

// typeLine types line into the command input and presses Enter.
func (b *browser) typeLine(line string) {
	b.t.Helper()
	b.do("type "+line, chromedp.SendKeys(chromedp.CSS("#command"), line+"\n"))
}

// screenshot captures the viewport and, with SHARDMUD_SCREENSHOTS=1,
// writes it to docs/screenshots/name.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.fail("screenshot "+name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if os.Getenv("SHARDMUD_SCREENSHOTS") != "1" {
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(screenshotDir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s: %dx%d, %d bytes", path, cfg.Width, cfg.Height, len(shot))
}

// fail ends the test with what failed, why, and the page's output.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	b.t.Fatalf("%s: %v\n%s", what, err, b.dump())
}

// dump is the page's address, the client's status and #output's text, for
// a failure message.
func (b *browser) dump() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const out = document.getElementById('output');
		const status = document.getElementById('status');
		return 'page ' + location.href +
			(status ? '\nstatus: ' + status.textContent : '') +
			(out ? '\n#output:\n' + out.innerText : '\n(no #output on this page)');
	})()`))
	if err != nil {
		return fmt.Sprintf("(the page could not be read: %v)", err)
	}
	return text
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	j, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Go string always marshals
	}
	return string(j)
}
