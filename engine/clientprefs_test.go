package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A player's colour choice and prompt: applied at once, kept across logins.
func TestColorAndPrompt(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	c := login(t, srv, "alice") // no negotiation: no colour
	c.send("color 16")
	c.expect("Colour set to 16.")
	c.send("look")
	if room := c.expect("Exits:"); !strings.Contains(room, "\x1b[") {
		t.Errorf("color 16, yet no colour codes: %q", room)
	}
	c.send("color sparkly")
	c.expect("Colour is auto, off, 16, 256 or true.")
	c.send("prompt <%h/%Hhp %mm %x>")
	c.expect("Prompt set.")
	c.send("look")
	c.expect("<20/20hp 10m nesw> ")
	c.send("prompt " + strings.Repeat("x", 200))
	c.expect("A prompt is at most 120 characters.")
	c.send("quit")
	c.expectClosed()

	c = connect(t, srv, "alice")
	c.send("color")
	c.expect("Colour: 16.")
	c.send("look")
	c.expect("<20/20hp 10m nesw> ")
	c.send("prompt default")
	c.expect("Prompt set.")
	c.send("color off")
	c.send("look")
	out := c.expect("Exits:")
	c.reject("hp", 200*time.Millisecond)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("color off, yet colour codes: %q", out)
	}
}

// A screen reader (MTTS bit 64) gets no colour codes, however the client
// describes its terminal.
func TestScreenReaderGetsNoColour(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	c := dial(t, srv, "reader")
	c.ttype = []string{"MUDLET", "XTERM-256COLOR", "MTTS 329"} // 1 + 8 + 64 + 256
	c.sendRaw([]byte{255, 251, 24})
	c.expect("Name: ")
	c.reject("no such text", 300*time.Millisecond)
	c.send("create reader password1")
	if room := c.expect("Exits:"); strings.Contains(room, "\x1b[") {
		t.Errorf("colour codes for a screen reader: %q", room)
	}
	// Lists are sentences, not grids padded with blanks to be read aloud.
	c.send("help")
	if index := c.expect("Short forms"); strings.Contains(index, "   ") || !strings.Contains(index, ", look, ") {
		t.Errorf("help index for a screen reader is not a sentence: %q", index)
	}
	// Asked for in this session, colour comes back; a choice saved from
	// another client does not.
	c.send("color 256")
	c.expect("Colour set to 256.")
	c.send("look")
	if room := c.expect("Exits:"); !strings.Contains(room, "\x1b[") {
		t.Errorf("color 256 typed on a screen reader, yet no colour: %q", room)
	}
	c.send("quit")
	c.expectClosed()

	c = dial(t, srv, "reader")
	c.ttype = []string{"MUDLET", "XTERM-256COLOR", "MTTS 329"}
	c.sendRaw([]byte{255, 251, 24})
	c.expect("Name: ")
	c.reject("no such text", 300*time.Millisecond)
	c.send("connect reader password1")
	if room := c.expect("Exits:"); strings.Contains(room, "\x1b[") {
		t.Errorf("a saved colour choice brought colour back to a screen reader: %q", room)
	}
	c.send("color")
	c.expect("Colour: 256.")
}

// A listing site's crawler asks in plain text and gets the MSSP variables.
func TestMSSPPlainText(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	login(t, srv, "alice")
	checkFor(t, 5*time.Second, func() error { // the count is sampled every tick
		if n := srv.Stats().Players; n != 1 {
			return fmt.Errorf("%d players counted", n)
		}
		return nil
	})
	c := dial(t, srv, "crawler")
	c.send("MSSP-REQUEST")
	out := c.expect("MSSP-REPLY-END")
	c.expectClosed()
	for _, want := range []string{"MSSP-REPLY-START\r\n", "NAME\tShardmud\r\n", "PLAYERS\t1\r\n", "CODEBASE\tshardmud\r\n",
		"GENRE\tFantasy\r\n", "GAMEPLAY\tAdventure\r\n", "GAMEPLAY\tHack and Slash\r\n", "MINIMUM AGE\t0\r\n", "PORT\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("MSSP reply lacks %q:\n%s", want, out)
		}
	}
}

// Channels turned off stay off across logins.
func TestMutedChannelsRemembered(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	c := login(t, srv, "alice")
	c.send("channels newbie off")
	c.expect("You turn the newbie channel off.")
	c.send("quit")
	c.expectClosed()
	c = connect(t, srv, "alice")
	c.send("channels")
	c.expect("newbie   off")
	c.send("channels newbie on")
	c.expect("You turn the newbie channel on.")
	c.send("quit")
	c.expectClosed()
	c = connect(t, srv, "alice")
	c.send("channels")
	c.expect("newbie   on")
}
