package engine

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"shardmud/world/markup"
)

func TestTwoPlayersTalkMoveAndGive(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	alice.send("say hello")
	alice.expect(`You say, "hello"`)
	bob.expect(`Alice says, "hello"`)

	bob.send("north")
	bob.expect("Market Lane")
	alice.expect("Bob leaves north.")
	bob.send("south")
	bob.expect("Thornwick Square")
	alice.expect("Bob arrives from the north.")

	alice.send("get stick")
	alice.expect("You get a")
	bob.expect("Alice gets a")
	alice.send("give stick bob")
	alice.expect("You give")
	bob.expect("Alice gives you")
	bob.send("inventory")
	bob.expect("You are carrying:")
	bob.expect("walking stick")
	alice.send("inv")
	alice.expect("You are carrying nothing.")
}

func TestFirstCharacterIsAdmin(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	alice.send("score")
	alice.expect("Alice, admin")
	bob := login(t, srv, "bob")
	bob.send("score")
	bob.expect("Bob, player")
}

func TestAdminFlagGrantsRole(t *testing.T) {
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	login(t, srv, "alice")
	bob := login(t, srv, "bob")
	bob.send("quit")
	bob.expectClosed()
	stopServer(t, srv)

	cfg.Admin = "Bob"
	srv = startServer(t, cfg)
	bob = dial(t, srv, "bob")
	bob.send("connect bob password1")
	bob.expect("Exits:")
	bob.send("score")
	bob.expect("Bob, admin")
}

func TestWrongPasswordRefused(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	alice.send("quit")
	alice.expectClosed()

	c := dial(t, srv, "intruder")
	c.send("connect alice wrongpass")
	c.expect("Wrong name or password.")
	c.send("connect nosuchname whatever1")
	c.expect("Wrong name or password.")
	c.send("connect alice wrongagain")
	c.expect("Wrong name or password.")
	c.expectClosed() // three strikes per connection

	c = dial(t, srv, "alice")
	c.send("connect alice password1")
	c.expect("Welcome back, Alice.")
	c.expect("Exits:")
}

func TestFailedLoginsRateLimited(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerAccount = 2
	srv := startServer(t, cfg)
	login(t, srv, "alice").send("quit")

	c := dial(t, srv, "guesser")
	c.send("connect alice guess1234")
	c.expect("Wrong name or password.")
	c.send("connect alice guess5678")
	c.expect("Wrong name or password.")
	c2 := dial(t, srv, "guesser2")
	c2.send("connect alice password1") // even the right password waits
	c2.expect("Too many failed logins. Try again in")
	c2.expectClosed()
}

func TestDialogueCreateAndConnect(t *testing.T) {
	srv := startServer(t, testConfig(t))
	c := dial(t, srv, "carol")
	c.expect("Name: ")
	c.send("Carol")
	c.expect("Create a new character named Carol? (yes/no)")
	c.send("yes")
	c.expect("Choose a password")
	c.send("short")
	c.expect("too short")
	c.send("longenough")
	c.expect("Type the password again:")
	c.send("different1")
	c.expect("The passwords differ.")
	c.send("longenough")
	c.send("longenough")
	c.expect("Welcome, Carol!")
	c.expect("Exits:")
	c.send("quit")
	c.expectClosed()

	c = dial(t, srv, "carol")
	c.expect("Name: ")
	c.send("x")
	c.expect("3 to 20 letters")
	c.send("new")
	c.expect("reserved")
	c.send("carol")
	c.expect("Password: ")
	c.send("longenough")
	c.expect("Welcome back, Carol.")
	c.expect("Exits:")
}

func TestPasswordPromptHidesEcho(t *testing.T) {
	srv := startServer(t, testConfig(t))
	login(t, srv, "alice").send("quit")
	c := dial(t, srv, "alice")
	c.send("alice")
	// Read raw bytes: WILL ECHO (255 251 1) must come before the prompt.
	deadline := time.Now().Add(5 * time.Second)
	var raw []byte
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		c.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _ := c.conn.Read(buf)
		raw = append(raw, buf[:n]...)
		if i := indexOf(raw, "Password: "); i >= 0 {
			if j := indexOf(raw, "\xff\xfb\x01"); j < 0 || j > i {
				t.Fatalf("no IAC WILL ECHO before the password prompt: %q", raw)
			}
			c.send("password1")
			c.expect("Welcome back")
			return
		}
	}
	t.Fatalf("no password prompt: %q", raw)
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

func TestAccountsSurviveRestart(t *testing.T) {
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	alice.send("get stick")
	alice.expect("You get")
	alice.send("north")
	alice.expect("Market Lane")
	alice.send("quit")
	alice.expectClosed()
	stopServer(t, srv)

	srv = startServer(t, cfg)
	alice = dial(t, srv, "alice")
	alice.send("connect alice password1")
	alice.expect("Market Lane")
	alice.send("inventory")
	alice.expect("walking stick")
	alice.send("score")
	alice.expect("Alice, admin")
}

func TestShutdownSavesEveryone(t *testing.T) {
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	alice.send("get stick")
	alice.expect("You get")
	stopServer(t, srv)
	alice.expect("The server is shutting down.")
	alice.expectClosed()

	srv = startServer(t, cfg)
	alice = dial(t, srv, "alice")
	alice.send("connect alice password1")
	alice.expect("Exits:")
	alice.send("i")
	alice.expect("walking stick")
}

func TestLinkDeadReconnect(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.send("get stick")
	alice.expect("You get")
	alice.conn.Close()
	bob.expect("Alice has lost their link.")
	bob.send("look")
	bob.expect("Alice is here, staring blankly (link-dead).")

	alice = dial(t, srv, "alice")
	alice.send("connect alice password1")
	alice.expect("Reconnecting. Welcome back!")
	bob.expect("Alice has reconnected.")
	alice.send("i")
	alice.expect("walking stick")
}

func TestLinkDeadTimesOut(t *testing.T) {
	cfg := testConfig(t)
	cfg.LinkDead = 200 * time.Millisecond
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.conn.Close()
	bob.expect("Alice has lost their link.")
	bob.expect("Alice's body fades from the world.")
	alice = dial(t, srv, "alice")
	alice.send("connect alice password1")
	alice.expect("Exits:")
	bob.expect("Alice has entered the game.")
}

func TestSecondLoginTakesOver(t *testing.T) {
	srv := startServer(t, testConfig(t))
	first := login(t, srv, "alice")
	first.send("get stick")
	first.expect("You get")
	second := dial(t, srv, "alice2")
	second.send("connect alice password1")
	second.expect("You take over your character")
	first.expect("taken over by a new connection")
	first.expectClosed()
	second.send("i")
	second.expect("walking stick")
	checkFor(t, 5*time.Second, func() error {
		if n := srv.Stats().Sessions; n != 1 {
			return fmt.Errorf("%d sessions, want 1", n)
		}
		return nil
	})
}

func TestUnknownCommandAnswered(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	alice.send("xyzzy")
	alice.expect("Huh?")
	alice.send("")
	alice.send("help")
	alice.expect("Commands")
}

func TestNegotiatedWidthAndColour(t *testing.T) {
	srv := startServer(t, testConfig(t))
	c := dial(t, srv, "mudlet")
	c.ttype = []string{"MUDLET", "XTERM-256COLOR", "MTTS 137"}
	// WILL NAWS with a 40-column window, WILL TTYPE; the client answers
	// the TTYPE cycle as the server asks.
	c.sendRaw([]byte{255, 251, 31, 255, 250, 31, 0, 40, 0, 24, 255, 240, 255, 251, 24})
	c.expect("Name: ")
	checkFor(t, 5*time.Second, func() error {
		c.fill(20 * time.Millisecond)
		var got screen
		srv.mu.Lock()
		for sess := range srv.sessions {
			got = sess.door.Term()
		}
		srv.mu.Unlock()
		if got.Width != 40 || got.Color != markup.ANSI256 {
			return fmt.Errorf("terminal = %+v, want width 40 and 256 colours", got)
		}
		return nil
	})
	c.send("create mudlet password1")
	room := c.expect("Exits:")
	if !strings.Contains(room, "\x1b[38;5;") {
		t.Errorf("no 256-colour codes for an MTTS 256-colour client: %q", room)
	}
	for _, line := range strings.Split(room, "\r\n") {
		if w := utf8.RuneCountInString(ansi.ReplaceAllString(line, "")); w > 40 {
			t.Errorf("line of %d columns for a 40-column client: %q", w, line)
		}
	}

	plain := login(t, srv, "plain") // like nc: no negotiation, no colour
	plain.send("look")
	if room := plain.expect("Exits:"); strings.Contains(room, "\x1b[") {
		t.Errorf("colour codes sent to a client that asked for none: %q", room)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Typos in the name are not failed logins: only wrong passwords count
// toward the three per connection.
func TestNameTyposDoNotDisconnect(t *testing.T) {
	srv := startServer(t, testConfig(t))
	c := dial(t, srv, "typist")
	for range 5 {
		c.send("x")
		c.expect("3 to 20 letters")
	}
	c.send("dave")
	c.expect("Create a new character named Dave?")
	c.send("no")
	c.expect("Then choose another name.")
	c.send("create dave password1")
	c.expect("Exits:")
}

// Commands run when the loop takes them, not on the next pulse: with a
// tick of an hour, a command is still answered at once.
func TestCommandsDoNotWaitForTheTick(t *testing.T) {
	cfg := testConfig(t)
	cfg.Tick = time.Hour
	srv := startServer(t, cfg)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	for i := range 3 {
		alice.send(fmt.Sprintf("say now %d", i))
		// expect polls for at most 10 seconds: far under the hour a
		// command held for the tick would wait.
		alice.expect(fmt.Sprintf(`You say, "now %d"`, i))
		bob.expect(fmt.Sprintf(`Alice says, "now %d"`, i))
	}
	if n := srv.Stats().Ticks; n != 0 {
		t.Errorf("%d ticks ran in a test shorter than one tick", n)
	}
}

// bcrypt at its real cost runs on the logging-in connection's goroutine,
// never the loop's: while several logins hash, a player already in the
// game is answered and the tick keeps counting.
func TestBcryptNeverDelaysTheLoop(t *testing.T) {
	cfg := testConfig(t)
	cfg.BcryptCost = bcrypt.DefaultCost
	srv := startServer(t, cfg)
	bob := login(t, srv, "bob")

	const logins = 6
	base := srv.Stats().Logins
	var newcomers []*client
	for i := range logins {
		name := "newbie" + string(rune('a'+i))
		c := dial(t, srv, name)
		c.send("create " + name + " password1")
		newcomers = append(newcomers, c)
	}
	hashing := func() bool { return srv.Stats().Logins < base+logins }
	ticks := srv.Stats().Ticks
	answered, ticked := 0, false
	for i := 0; hashing(); i++ {
		bob.send(fmt.Sprintf("say ping %d", i))
		bob.expect(fmt.Sprintf(`You say, "ping %d"`, i))
		if hashing() {
			answered++
			ticked = ticked || srv.Stats().Ticks > ticks
		}
	}
	for _, c := range newcomers {
		c.expect("Exits:")
	}
	if answered == 0 {
		t.Fatal("no command of Bob's was answered while the passwords were hashed")
	}
	if !ticked {
		t.Errorf("the tick did not advance while %d passwords were hashed (Bob was answered %d times)", logins, answered)
	}
	t.Logf("%d of Bob's commands answered while %d logins hashed at cost %d", answered, logins, cfg.BcryptCost)
}

// Failures from one address count across accounts: guessing many names
// from one place is refused like guessing one name's password.
func TestFailedLoginsPerAddress(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerAddr = 3
	cfg.FailedLoginsPerAccount = 100
	srv := startServer(t, cfg)
	login(t, srv, "alice").send("quit")

	for _, name := range []string{"ann", "bea", "cid"} {
		c := dial(t, srv, "guesser")
		c.send("connect " + name + " guess1234")
		c.expect("Wrong name or password.")
	}
	c := dial(t, srv, "guesser")
	c.send("connect alice password1") // another account, the right password: still refused
	c.expect("Too many failed logins. Try again in")
	c.expectClosed()
}

// Names are unique whatever their case.
func TestNamesUniqueIgnoringCase(t *testing.T) {
	srv := startServer(t, testConfig(t))
	login(t, srv, "alice")
	c := dial(t, srv, "shouter")
	c.send("create ALICE password1")
	c.expect("The name Alice is taken. Choose another.")
	c.send("create aLiCe password1")
	c.expect("The name Alice is taken. Choose another.")
}

// An empty line in the game shows the prompt again.
func TestBlankLineShowsPrompt(t *testing.T) {
	srv := startServer(t, testConfig(t))
	alice := login(t, srv, "alice")
	alice.expect("> ") // the prompt after the room
	for range 2 {
		alice.send("")
		alice.expect("> ")
	}
	alice.send("   ")
	alice.expect("> ")
	alice.send("say still here")
	alice.expect(`You say, "still here"`)
}
