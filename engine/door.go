package engine

import (
	"errors"
	"net"
	"sync"
	"time"

	"shardmud/telnet"
	"shardmud/world/markup"
)

// door is a session's connection as the engine sees it, whatever the
// protocol: lines in, rendered text out. Telnet is the first; SSH and the
// browser implement the same.
type door interface {
	// ReadLine blocks for the next line of input. errLineTooLong is not
	// fatal; any other error ends the session.
	ReadLine() (string, error)
	// Write sends rendered text (CRLF line ends, ANSI if any).
	Write(p []byte) (int, error)
	// WritePrompt sends a prompt and marks its end for MUD clients.
	WritePrompt(p []byte) error
	// HideInput asks the client not to show what is typed (passwords).
	HideInput(hide bool) error
	SetReadDeadline(t time.Time) error
	Term() screen
	Close() error
	RemoteAddr() net.Addr
	Protocol() string
}

// screen is what the session knows of the client's screen.
type screen struct {
	Width        int // columns; 0 = unknown
	Height       int // rows; 0 = unknown
	Color        markup.Level
	ScreenReader bool
	Client       string
}

var errLineTooLong = errors.New("input line too long")

// telnetDoor adapts a telnet.Conn.
type telnetDoor struct {
	*telnet.Conn
	// gmcpIn is where GMCP messages from the client go: the session sets
	// it before the first read.
	gmcpIn func(pkg string, data []byte)
	srv    *Server
	mccp   bool   // compression was offered: counted in srv.mccpSessions
	proto  string // "telnet", or what carries the telnet stream (websocket)
	closed sync.Once
}

// Close closes the connection and gives back its compression slot.
func (d *telnetDoor) Close() error {
	err := d.Conn.Close()
	d.closed.Do(func() {
		if d.mccp {
			d.srv.mccpSessions.Add(-1)
		}
	})
	return err
}

func (s *Server) newTelnetDoor(nc net.Conn) *telnetDoor {
	d := &telnetDoor{srv: s, proto: "telnet"}
	// MCCP costs the server hundreds of KiB a session: offer it only while
	// fewer than MaxCompressedSessions have it on offer.
	d.mccp = s.mccpSessions.Add(1) <= int64(s.cfg.MaxCompressed)
	if !d.mccp {
		s.mccpSessions.Add(-1)
	}
	d.Conn = telnet.NewConn(nc, telnet.Config{
		MaxLine:      MaxLineBytes,
		MaxSubneg:    MaxSubnegBytes,
		WriteTimeout: WriteTimeout,
		MSSP:         s.telnetMSSP,
		OnGMCP: func(pkg string, data []byte) {
			if d.gmcpIn != nil {
				d.gmcpIn(pkg, data)
			}
		},
		NoCompression: !d.mccp,
	})
	return d
}

func (d *telnetDoor) ReadLine() (string, error) {
	line, err := d.Conn.ReadLine()
	if errors.Is(err, telnet.ErrLineTooLong) {
		return "", errLineTooLong
	}
	return line, err
}

func (d *telnetDoor) HideInput(hide bool) error { return d.Conn.SetEcho(hide) }
func (d *telnetDoor) Protocol() string          { return d.proto }

func (d *telnetDoor) Term() screen {
	t := d.Conn.Terminal()
	out := screen{Width: t.Width, Height: t.Height, ScreenReader: t.ScreenReader, Client: t.Client}
	switch t.Color {
	case telnet.Color16:
		out.Color = markup.ANSI16
	case telnet.Color256:
		out.Color = markup.ANSI256
	case telnet.ColorTrue:
		out.Color = markup.TrueColor
	}
	return out
}
