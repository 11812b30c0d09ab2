package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"shardmud/engine"
	"shardmud/telnet"
)

// A browser plays through /ws: it logs in, talks, and a telnet player in
// the same room hears it; the engine sees a "websocket" session, and
// quitting closes the WebSocket.
func TestPlayOverWebSocket(t *testing.T) {
	t.Parallel()
	site, eng := startSite(t)
	bob := play(t, eng, "bob")
	p := dialPlayer(t, site)
	p.send("create wanda " + testPassword)
	p.expect("Exits:")
	p.send("say hello")
	p.expect(`You say, "hello"`)
	telnetHears(t, bob, `Wanda says, "hello"`)

	conns, err := eng.Connections()
	if err != nil {
		t.Fatal(err)
	}
	if !hasSession(conns, "Wanda", "websocket") {
		t.Errorf("the engine does not list Wanda's websocket session: %+v", conns)
	}

	p.send("quit")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := p.c.Read(ctx); err != nil {
			if s := websocket.CloseStatus(err); s != websocket.StatusNormalClosure {
				t.Errorf("after quit the WebSocket ended with %v (status %v), want a normal closure", err, s)
			}
			break
		}
	}
}

// A GMCP client on /ws (DO GMCP, Core.Supports.Set) gets Room.Info in a
// binary frame, and closing the WebSocket ends its session.
func TestPlayGMCP(t *testing.T) {
	t.Parallel()
	site, eng := startSite(t)
	p := dialPlayer(t, site)
	p.write([]byte{telnet.IAC, telnet.DO, telnet.OptGMCP})
	p.write(gmcpMessage(`Core.Supports.Set ["Char 1", "Room 1"]`))
	p.send("create gwen " + testPassword)
	room := p.expectGMCP("Room.Info")
	var info struct {
		Name  string         `json:"name"`
		Exits map[string]int `json:"exits"`
	}
	if err := json.Unmarshal([]byte(room), &info); err != nil {
		t.Fatalf("Room.Info %s: %v", room, err)
	}
	if info.Name != "Thornwick Square" || info.Exits["n"] == 0 {
		t.Errorf("Room.Info %s", room)
	}
	p.expectGMCP("Char.Vitals")

	p.c.Close(websocket.StatusNormalClosure, "")
	checkFor(t, 5*time.Second, func() error {
		conns, err := eng.Connections()
		if err == nil && hasSession(conns, "Gwen", "websocket") {
			err = errors.New("the session outlived its closed WebSocket")
		}
		return err
	})
}

// Only the telnet subprotocol, and only from the site's own pages: another
// site's page must not play as its visitor.
func TestWebSocketRefused(t *testing.T) {
	t.Parallel()
	site, eng := startSite(t)
	own := "http://" + site.Addr().String()
	for _, tc := range []struct {
		name      string
		origin    string
		protocols []string
		status    int
	}{
		{"no subprotocol", own, nil, http.StatusBadRequest},
		{"another subprotocol", own, []string{"gmcp.mudstandards.org"}, http.StatusBadRequest},
		{"another origin", "http://evil.example", []string{Subprotocol}, http.StatusForbidden},
	} {
		c, resp, err := dialWS(t, site, tc.origin, tc.protocols)
		if err == nil {
			c.CloseNow()
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if resp == nil || resp.StatusCode != tc.status {
			t.Errorf("%s: %v, want status %d", tc.name, err, tc.status)
		}
	}
	conns, err := eng.Connections()
	if err != nil || len(conns) != 0 {
		t.Errorf("refused handshakes left sessions: %+v, %v", conns, err)
	}
}

// The page is usable under the site's CSP and by screen readers: no
// inline script or style, every label names a field, the output is a
// polite live log; its script and style are served.
func TestPlayPage(t *testing.T) {
	t.Parallel()
	site, _ := startSite(t)
	resp, page := fetch(t, site, "/play")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /play: %s", resp.Status)
	}
	for _, want := range []string{
		`id="output" role="log" aria-live="polite"`,
		`<label for="command"`,
		`<button type="submit" id="send"`,
		`id="status" role="status"`,
		`<meter id="hp"`,
		`id="exits"`,
		`<script src="/static/play.js"></script>`,
		`<link rel="stylesheet" href="/static/play.css">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, script := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(script, " src=") {
			t.Errorf("inline script %s: the CSP blocks it", script)
		}
	}
	if m := regexp.MustCompile(`(?i)\sstyle=|\son[a-z]+=`).FindString(page); m != "" {
		t.Errorf("inline style or handler %q: the CSP blocks it", m)
	}
	for _, m := range regexp.MustCompile(`<label for="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+m[1]+`"`) {
			t.Errorf("label for %q names no field", m[1])
		}
	}

	for path, ctype := range map[string]string{"/static/play.js": "javascript", "/static/play.css": "text/css"} {
		resp, body := fetch(t, site, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), ctype) || body == "" {
			t.Errorf("GET %s: %s, %q, %d bytes", path, resp.Status, resp.Header.Get("Content-Type"), len(body))
		}
	}
}

// wsPlayer is the page's side of /ws: binary frames of telnet, read
// through the telnet package's parser into text and GMCP messages. It
// answers no negotiation, like a client that knows none.
type wsPlayer struct {
	t      *testing.T
	c      *websocket.Conn
	parser telnet.Parser
	text   strings.Builder // unread text
	gmcp   []string        // unread GMCP messages, "Package.Name json"
}

// dialPlayer opens /ws as the site's own page would.
func dialPlayer(t *testing.T, site *Server) *wsPlayer {
	t.Helper()
	c, _, err := dialWS(t, site, "http://"+site.Addr().String(), []string{Subprotocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &wsPlayer{t: t, c: c}
}

func dialWS(t *testing.T, site *Server, origin string, protocols []string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws://"+site.Addr().String()+"/ws", &websocket.DialOptions{
		Subprotocols: protocols,
		HTTPHeader:   http.Header{"Origin": {origin}},
	})
}

func (p *wsPlayer) Data(b []byte)       { p.text.Write(b) }
func (p *wsPlayer) Command(byte)        {}
func (p *wsPlayer) Negotiate(_, _ byte) {}
func (p *wsPlayer) Subneg(opt byte, payload []byte) {
	if opt == telnet.OptGMCP {
		p.gmcp = append(p.gmcp, string(payload))
	}
}

func (p *wsPlayer) write(b []byte) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 5*time.Second)
	defer cancel()
	if err := p.c.Write(ctx, websocket.MessageBinary, b); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// send types a line.
func (p *wsPlayer) send(line string) {
	p.t.Helper()
	p.write([]byte(line + "\r\n"))
}

// await reads frames until found, given what has arrived, is true; every
// frame must be binary, as the subprotocol says.
func (p *wsPlayer) await(what string, found func() bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 5*time.Second)
	defer cancel()
	for !found() {
		typ, frame, err := p.c.Read(ctx)
		if err != nil {
			p.t.Fatalf("waiting for %s: %v; heard:\n%s", what, err, p.text.String())
		}
		if typ != websocket.MessageBinary {
			p.t.Fatalf("a %v frame: the telnet subprotocol sends only binary ones", typ)
		}
		p.parser.Parse(frame, p)
	}
}

// expect waits for want in the text, and forgets the text up to it.
func (p *wsPlayer) expect(want string) {
	p.t.Helper()
	p.await(fmt.Sprintf("%q", want), func() bool {
		heard := p.text.String()
		i := strings.Index(heard, want)
		if i < 0 {
			return false
		}
		p.text.Reset()
		p.text.WriteString(heard[i+len(want):])
		return true
	})
}

// expectGMCP waits for a message of package pkg and returns its JSON.
func (p *wsPlayer) expectGMCP(pkg string) string {
	p.t.Helper()
	var data string
	p.await("GMCP "+pkg, func() bool {
		for i, m := range p.gmcp {
			if name, rest, _ := strings.Cut(m, " "); name == pkg {
				data = rest
				p.gmcp = slices.Delete(p.gmcp, i, i+1)
				return true
			}
		}
		return false
	})
	return data
}

// gmcpMessage frames a GMCP message (without 255 bytes) for the wire.
func gmcpMessage(msg string) []byte {
	return append(append([]byte{telnet.IAC, telnet.SB, telnet.OptGMCP}, msg...), telnet.IAC, telnet.SE)
}

func hasSession(conns []engine.Connection, name, protocol string) bool {
	for _, c := range conns {
		if c.Name == name && c.Protocol == protocol {
			return true
		}
	}
	return false
}
