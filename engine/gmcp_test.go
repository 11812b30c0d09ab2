package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
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
