package engine

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"shardmud/world"
)

// A MUD client that speaks GMCP: it asks for packages, and gets room data
// for its mapper, vitals, items and channel text as the game goes.
func TestGMCP(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	c := dial(t, srv, "mudlet")
	c.sendRaw([]byte{255, 253, 201}) // DO GMCP
	c.sendGMCP(`Core.Hello {"client":"Mudlet","version":"4.17"}`)
	c.sendGMCP(`Core.Supports.Set ["Char 1", "Room 1", "Comm.Channel 1"]`)
	c.send("create mudlet password1")
	c.expect("Exits:")
	room := c.expectGMCP("Room.Info", `"id":"thornwick.square"`)
	var info struct {
		Num   uint32            `json:"num"`
		Name  string            `json:"name"`
		Area  string            `json:"area"`
		Exits map[string]uint32 `json:"exits"`
	}
	if err := json.Unmarshal([]byte(room), &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "Thornwick Square" || info.Area != "Thornwick Village" || len(info.Exits) != 4 || info.Num == 0 {
		t.Errorf("Room.Info %s", room)
	}
	c.expectGMCP("Char.Vitals", `"hp":20`)
	c.expectGMCP("Char.Status", `"name":"Mudlet"`)

	c.send("north")
	lane := c.expectGMCP("Room.Info", `"id":"thornwick.market_lane"`)
	if !strings.Contains(lane, `"s":`) {
		t.Errorf("the lane's exits lack the way back south: %s", lane)
	}
	var laneInfo struct {
		Num uint32 `json:"num"`
	}
	json.Unmarshal([]byte(lane), &laneInfo)
	if info.Exits["n"] != laneInfo.Num {
		t.Errorf("the square's north exit leads to %d, the lane is %d: a mapper could not link them", info.Exits["n"], laneInfo.Num)
	}
	c.send("say hello mapper")
	c.expectGMCP("Comm.Channel.Text", `"text":"hello mapper"`)
	c.send("get apple")
	c.expect("You get")
	// Char.Items was not asked for: none is sent.
	for _, m := range c.gmcp {
		if strings.HasPrefix(m, "Char.Items") {
			t.Errorf("sent %q, which the client did not ask for", m)
		}
	}
	c.sendGMCP(`Core.Supports.Add ["Char.Items 1"]`)
	c.send("look")
	c.expectGMCP("Char.Items.List", `"location":"inv"`)
	c.sendGMCP(`Core.Supports.Remove ["Room"]`)
	c.sendGMCP("Core.Ping")
	c.expectGMCP("Core.Ping", "")
	c.gmcp = nil // what came before the Remove took effect
	c.send("south")
	c.expect("Thornwick Square")
	c.send("look")
	c.expect("Exits:")
	for _, m := range c.gmcp {
		if strings.HasPrefix(m, "Room.Info") {
			t.Errorf("Room.Info sent after the client removed Room: %q", m)
		}
	}
	// Hostile messages change nothing and break nothing.
	c.sendGMCP(`Core.Supports.Set {"not": "a list"}`)
	c.sendGMCP("Core.Hello " + strings.Repeat("[", 5000))
	c.sendGMCP("")
	c.send("say still here")
	c.expect(`You say, "still here"`)
	// No TTYPE: users names the client as its Core.Hello did.
	c.send("users")
	c.expect("Mudlet 4.17")
}

// Compression is offered to at most MaxCompressed sessions at once; a
// slot is given back when its session ends.
func TestCompressionOfferBounded(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.MaxCompressed = 1
	srv := startServer(t, cfg)
	offered := func(c *client) bool {
		c.expect("Name: ")
		return slices.Contains(c.offers, 86)
	}
	first := dial(t, srv, "first")
	if !offered(first) {
		t.Fatalf("the first session was not offered MCCP2: %v", first.offers)
	}
	second := dial(t, srv, "second")
	if offered(second) || !slices.Contains(second.offers, 201) {
		t.Errorf("the second session: offers %v; want GMCP but no MCCP2 while the first holds the slot", second.offers)
	}
	first.conn.Close()
	checkFor(t, 5*time.Second, func() error {
		third := dial(t, srv, "third")
		if !offered(third) {
			third.conn.Close()
			return fmt.Errorf("no MCCP2 offer after the first session ended: %v", third.offers)
		}
		return nil
	})
}

// Room numbers are crc32 of "shard:room" everywhere: a portal's exit on
// one shard names the very number the room it leads to reports on its own
// shard, so a mapper links rooms across shards.
func TestRoomNumbersAcrossShards(t *testing.T) {
	area := &world.Area{ID: "a", Name: "A"}
	far := &world.Room{ID: "b.hall", Name: "Hall", Area: area}
	near := &world.Room{ID: "a.gate", Name: "Gate", Area: area}
	home := &world.Room{ID: "a.yard", Name: "Yard", Area: area}
	near.Exits[world.North] = &world.Exit{Shard: "east", Remote: "b.hall"}
	near.Exits[world.South] = &world.Exit{To: home}
	home.Exits[world.North] = &world.Exit{To: near}

	gate := roomInfo("west", near)
	hall := roomInfo("east", far)
	exits := gate["exits"].(map[string]uint32)
	if exits["n"] != hall["num"] {
		t.Errorf("the portal north leads to %d; the room there is %d", exits["n"], hall["num"])
	}
	yard := roomInfo("west", home)
	if exits["s"] != yard["num"] || yard["exits"].(map[string]uint32)["n"] != gate["num"] {
		t.Errorf("local exits and rooms disagree: gate %v, yard %v", gate, yard)
	}
	if want := crc32.ChecksumIEEE([]byte("west:a.gate")); gate["num"] != want {
		t.Errorf("gate is %d, want crc32(\"west:a.gate\") = %d", gate["num"], want)
	}
	if roomInfo("east", near)["num"] == gate["num"] {
		t.Error("one room id on two shards has one number")
	}
}

// gmcpClient logs in a client that asked for packages.
func gmcpClient(t *testing.T, srv *Server, name string, packages string) *client {
	t.Helper()
	c := dial(t, srv, name)
	c.sendRaw([]byte{255, 253, 201}) // DO GMCP
	c.sendGMCP(`Core.Supports.Set [` + packages + `]`)
	c.send("create " + name + " password1")
	c.expect("Exits:")
	return c
}

// Tells and chat reach the client's chat window too.
func TestGMCPTellAndChat(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	mud := gmcpClient(t, srv, "mudlet", `"Comm.Channel 1"`)
	bob := login(t, srv, "bob")
	bob.send("tell mudlet psst")
	bob.expect("You tell Mudlet")
	mud.expectGMCP("Comm.Channel.Text", `{"channel":"tell","talker":"Bob","text":"psst"}`)
	mud.send("tell bob hi back")
	mud.expectGMCP("Comm.Channel.Text", `{"channel":"tell","talker":"Mudlet","text":"hi back"}`)
	bob.send("chat hello all")
	mud.expectGMCP("Comm.Channel.Text", `{"channel":"chat","talker":"Bob","text":"hello all"}`)
}

// In a fight, vitals and status follow the blows without any command.
func TestGMCPDuringFight(t *testing.T) {
	t.Parallel()
	srv := startServer(t, gameWorld(t))
	c := gmcpClient(t, srv, "hero", `"Char 1"`)
	c.expectGMCP("Char.Vitals", `"hp":20,`)
	c.expectGMCP("Char.Status", `"position":"standing"`)
	c.send("east")
	c.expect("The Training Pit")
	c.send("kill dummy")
	c.expectGMCP("Char.Status", `"fighting":"a straw dummy"`)
	var vitals struct{ HP, MaxHP int }
	deadline := time.Now().Add(10 * time.Second)
	for vitals.HP == 0 || vitals.HP == vitals.MaxHP {
		if time.Now().After(deadline) {
			t.Fatalf("no Char.Vitals with hit points lost; got %q", c.gmcp)
		}
		data := c.expectGMCP("Char.Vitals", `"hp"`)
		if err := json.Unmarshal([]byte(data), &vitals); err != nil {
			t.Fatal(err)
		}
	}
	c.expect("A straw dummy is dead!")
	// The fight over, the status says so.
	checkFor(t, 10*time.Second, func() error {
		c.fill(20 * time.Millisecond)
		for i := len(c.gmcp) - 1; i >= 0; i-- {
			if name, data, _ := strings.Cut(c.gmcp[i], " "); name == "Char.Status" {
				if strings.Contains(data, `"fighting"`) {
					return fmt.Errorf("still fighting: %s", data)
				}
				return nil
			}
		}
		return fmt.Errorf("no Char.Status after the fight; got %q", c.gmcp)
	})
}

// Char.Items.List for the room: what lies here, and again when it changes.
func TestGMCPRoomItems(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testConfig(t))
	c := gmcpClient(t, srv, "mudlet", `"Char.Items 1"`)
	room := c.expectGMCP("Char.Items.List", `"location":"room"`)
	if !strings.Contains(room, `"name":"a walking stick"`) {
		t.Fatalf("the square's items lack the stick: %s", room)
	}
	c.send("get stick")
	c.expect("You get")
	room = c.expectGMCP("Char.Items.List", `"location":"room"`)
	if strings.Contains(room, "walking stick") {
		t.Errorf("the stick is still listed in the room: %s", room)
	}
	c.expectGMCP("Char.Items.List", `"name":"a walking stick"`) // now in the inventory
}

// FuzzGMCPIn: whatever package name and data a client sends, the session
// neither panics nor lets its supports grow past the bound.
func FuzzGMCPIn(f *testing.F) {
	for _, s := range [][2]string{
		{"Core.Hello", `{"client":"Mudlet","version":"4.17"}`},
		{"Core.Supports.Set", `["Char 1","Room 1"]`},
		{"core.supports.add", `["Char.Items 1"]`},
		{"Core.Supports.Remove", `["Room"]`},
		{"Core.Supports.Set", `{"not":"a list"}`},
		{"Core.Supports.Set", `[1,2,3]`},
		{"Core.Ping", ""},
		{"Core.Hello", `[[[[`},
		{"", ""},
		{"Char.Login", `{"name":"x","password":"y"}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	srv := &Server{}
	f.Fuzz(func(t *testing.T, pkg string, data []byte) {
		s := &session{srv: srv, door: nopDoor{}}
		s.gmcpIn(pkg, data)
		s.gmcpIn("Core.Supports.Add", data) // the data again, as a list of packages
		if n := len(s.gmcp.supports); n > MaxGMCPSupports {
			t.Fatalf("%d packages supported, bound %d", n, MaxGMCPSupports)
		}
		if len(s.gmcp.client) > 64+len("...") {
			t.Fatalf("client name of %d bytes kept", len(s.gmcp.client))
		}
		s.gmcp.wants(pkg)
	})
}

// nopDoor is a door with no client behind it, for driving a session's
// handlers directly.
type nopDoor struct{}

func (nopDoor) ReadLine() (string, error)       { return "", io.EOF }
func (nopDoor) Write(p []byte) (int, error)     { return len(p), nil }
func (nopDoor) WritePrompt([]byte) error        { return nil }
func (nopDoor) HideInput(bool) error            { return nil }
func (nopDoor) SetReadDeadline(time.Time) error { return nil }
func (nopDoor) Term() screen                    { return screen{} }
func (nopDoor) Close() error                    { return nil }
func (nopDoor) RemoteAddr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (nopDoor) Protocol() string                { return "test" }

// Every MSSP variable listing sites ask for is sent, for a world with an
// mssp section and for one without (built-in defaults), and UPTIME is when
// this server started.
func TestMSSPVariables(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string]string // a value that must be among the variable's
	}{
		{"world.yaml", testConfig(t), map[string]string{"NAME": "Shardmud", "CONTACT": "admin@localhost", "GAMEPLAY": "Hack and Slash"}},
		{"no mssp section", gameWorld(t), map[string]string{"NAME": "Arena", "CONTACT": "", "CREATED": "2026",
			"LANGUAGE": "English", "GENRE": "Fantasy", "GAMEPLAY": "Adventure", "STATUS": "Alpha"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := time.Now().Unix()
			srv := startServer(t, tc.cfg)
			c := dial(t, srv, "crawler")
			c.send("MSSP-REQUEST")
			out := c.expect("MSSP-REPLY-END")
			got := make(map[string][]string)
			for _, line := range strings.Split(out, "\r\n") {
				if name, value, ok := strings.Cut(line, "\t"); ok {
					got[name] = append(got[name], value)
				}
			}
			for _, name := range []string{"NAME", "PLAYERS", "UPTIME", "CODEBASE", "PORT", "CONTACT", "CREATED", "LANGUAGE", "GENRE", "GAMEPLAY", "STATUS"} {
				if len(got[name]) == 0 {
					t.Errorf("no %s in:\n%s", name, out)
				}
			}
			for name, want := range tc.want {
				if !slices.Contains(got[name], want) {
					t.Errorf("%s = %q, want %q among them", name, got[name], want)
				}
			}
			if port := fmt.Sprint(srv.TelnetAddr().(*net.TCPAddr).Port); !slices.Contains(got["PORT"], port) {
				t.Errorf("PORT = %q, want %s", got["PORT"], port)
			}
			if len(got["UPTIME"]) == 1 {
				var up int64
				fmt.Sscan(got["UPTIME"][0], &up)
				if up < started-1 || up > time.Now().Unix() {
					t.Errorf("UPTIME %d is not this server's start (about %d)", up, started)
				}
			}
		})
	}
}
