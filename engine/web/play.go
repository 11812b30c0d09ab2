package web

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// The browser client: /play is the page, static/play.js its code, and /ws
// the WebSocket it plays through. The WebSocket carries the telnet stream
// itself in binary frames (the mudstandards.org telnet subprotocol), so a
// browser player goes through the same telnet codec, limits and GMCP as a
// MUD client; the web side only moves bytes.

// Subprotocol is the only WebSocket subprotocol /ws speaks: the telnet
// byte stream in binary frames.
const Subprotocol = "telnet.mudstandards.org"

// MaxFrameBytes bounds one WebSocket message from a browser. The page
// sends one typed line (the engine keeps at most 4 KiB of it, in up to
// 4 bytes a character) or one GMCP message (at most 8 KiB) per message;
// anything bigger is not a player typing, and closes the connection.
const MaxFrameBytes = 32 << 10

// playPage is what play.html shows.
type playPage struct {
	Title string
}

func (s *Server) handlePlay(w http.ResponseWriter, r *http.Request) {
	s.page(w, "play.html", playPage{Title: "Play"})
}

// handleWebSocket hands a browser's WebSocket to the engine as a telnet
// connection. Cross-origin requests are refused by websocket.Accept (its
// default), so another site's page cannot play as a visitor.
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	if !offersSubprotocol(r, Subprotocol) {
		http.Error(w, "this endpoint speaks only the "+Subprotocol+" subprotocol", http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		s.log.Debug("websocket refused", "addr", r.RemoteAddr, "err", err)
		return // Accept has answered
	}
	// Not r.Context(): once Accept has hijacked the connection net/http
	// no longer watches it, so that context says nothing of the player.
	// Only closing the conn (by the engine, or the browser going) ends the
	// session.
	nc := websocket.NetConn(context.Background(), c, websocket.MessageBinary)
	c.SetReadLimit(MaxFrameBytes) // after NetConn, which lifts the limit
	conn := &wsConn{Conn: nc, ws: c, closed: make(chan struct{})}
	if !s.eng.ServeTelnet(conn, "websocket") {
		conn.Close() // the engine is stopping
		return
	}
	// The request lasts as long as the session, so whatever wraps this
	// handler (logs, limits) sees the visit's real length and nothing
	// tied to the request ends under the session.
	<-conn.closed
}

// offersSubprotocol reports whether the handshake asks for proto, matched
// as websocket.Accept matches it.
func offersSubprotocol(r *http.Request, proto string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), proto) {
				return true
			}
		}
	}
	return false
}

// wsConn is the net.Conn a session plays on. It says when it has been
// closed, so the handler knows when the session is over, and it ends the
// WebSocket with a close frame: NetConn's own Close cancels the pending
// read first, on which coder/websocket drops the TCP connection, and the
// browser would see an abnormal closure instead of the game ending.
type wsConn struct {
	net.Conn
	ws     *websocket.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *wsConn) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	c.Conn.Close() // stops NetConn's deadline timers; the WebSocket is already closed
	c.once.Do(func() { close(c.closed) })
	return err
}
