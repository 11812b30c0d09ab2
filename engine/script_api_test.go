package engine

// Tests of the Lua scripting as players meet it: each test builds a small
// world in memory, starts a server and drives it over telnet. The first
// character created is an admin (who may use the lua command and sees
// [script] reports); the second is a plain player.

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// saServer starts a server on a world of one area ("t", start room t.a)
// described by areaYAML, with scripts mapping paths such as "t/room.lua"
// to Lua source.
func saServer(t *testing.T, areaYAML string, scripts map[string]string) *Server {
	t.Helper()
	cfg := testConfig(t)
	cfg.World = fstest.MapFS{
		"world.yaml":   {Data: []byte("name: Test\nstart: t.a\n")},
		"areas/t.yaml": {Data: []byte(areaYAML)},
	}
	sfs := fstest.MapFS{}
	for path, src := range scripts {
		sfs[path] = &fstest.MapFile{Data: []byte(src)}
	}
	cfg.Scripts = sfs
	// A generous budget: these tests are about behaviour, and a 5ms
	// wall-clock budget is overrun now and then under -race on a busy
	// machine (script_hostile_test.go covers the budget).
	cfg.LuaBudget = time.Second
	return startServer(t, cfg)
}

// saLua runs `lua code` as c, a builder, and waits for the answer want
// ("=> 2", "ok", "error: ..."), which must end its line.
func saLua(c *client, code, want string) {
	c.t.Helper()
	c.send("lua " + code)
	c.expect(want + "\r\n")
}

// saLuaErr runs `lua code` as c and waits for an error containing want.
func saLuaErr(c *client, code, want string) {
	c.t.Helper()
	c.send("lua " + code)
	c.expect("error: ")
	line := c.expect("\r\n")
	if !strings.Contains(line, want) {
		c.t.Fatalf("%s: lua %s: got error %q, want it to contain %q", c.name, code, strings.TrimSpace(line), want)
	}
}

// saWaitLua polls `lua cond` as c until the condition holds.
func saWaitLua(c *client, cond string) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.send("lua (" + cond + ") and 'yes' or 'no'")
		c.expect("=> ")
		line := c.expect("\r\n")
		if strings.HasPrefix(line, "yes") {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %s never held", c.name, cond)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// saLine sends line as c and returns the next full line of output that
// contains want.
func saLine(c *client, line, want string) string {
	c.t.Helper()
	c.send(line)
	c.expect(want)
	return want + c.expect("\r\n")
}

const saTwoRooms = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    script: room
    exits:
      north: b
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
mobs:
  dog:
    short: a dog
    keywords: [dog]
`

func TestScriptRoomHooks(t *testing.T) {
	srv := saServer(t, saTwoRooms, map[string]string{"t/room.lua": `
function on_enter(room, actor, from)
  room:send("enter " .. actor.name .. " from " .. from)
end

function on_leave(room, actor, to)
  room:send("leave " .. actor.name .. " to " .. to)
end

function on_say(room, actor, text)
  room:send("room heard " .. actor.name .. ": " .. text)
end

function on_command(room, actor, verb, args)
  room.state.verbs = (room.state.verbs or "") .. verb .. ","
  if verb ~= "pull" or args ~= "rope" then
    return false
  end
  actor:send("You pull the rope.")
  for _, p in ipairs(room:players()) do
    if p ~= actor then
      p:send(actor.name .. " pulls the rope; a bell rings.")
    end
  end
  return true
end

function on_tick(room)
  room.state.ticks = (room.state.ticks or 0) + 1
  room:send("The clock ticks.")
end
`})
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	// on_tick: the room's heartbeat, once a second.
	alice.expect("The clock ticks.")
	bob.expect("The clock ticks.")
	saLua(alice, "here.state.ticks >= 1", "=> true")

	// on_leave runs while the walker is still in the room, with the way out.
	bob.send("north")
	bob.expect("leave Bob to north")
	bob.expect("Room B")
	alice.expect("leave Bob to north")
	alice.expect("Bob leaves north.")
	// on_enter runs once the walker is in, with where they came from.
	bob.send("south")
	bob.expect("Room A")
	bob.expect("enter Bob from north")
	alice.expect("Bob arrives from the north.")
	alice.expect("enter Bob from north")

	// NPCs walking trigger the same hooks.
	// (Output the lua command causes comes before its answer.)
	alice.send("lua here:spawn_mob('dog'):move('north')")
	alice.expect("leave a dog to north")
	alice.expect("A dog leaves north.")
	alice.expect("=> true")
	alice.send("lua room('t.b'):mobs()[1]:move('s')")
	alice.expect("A dog arrives from the north.")
	alice.expect("enter a dog from north")
	alice.expect("=> true")

	// on_say hears the text as typed.
	bob.send("say ring the bell")
	alice.expect(`Bob says, "ring the bell"`)
	alice.expect("room heard Bob: ring the bell")
	bob.expect("room heard Bob: ring the bell")

	// on_command claims "pull rope" (the verb comes lower-cased)...
	bob.send("PULL rope")
	bob.expect("You pull the rope.")
	alice.expect("Bob pulls the rope; a bell rings.")
	// ...and lets everything else through to the normal commands.
	bob.send("pull lever")
	bob.expect("Huh?")
	bob.send("look")
	bob.expect("Exits: north")
	// Staff commands (lua) and quit are never offered to behaviours.
	saLua(alice, "here.state.verbs", ",say,pull,pull,look,")
}

const saNPCWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    exits:
      north: b
    items: [pebble]
    mobs: [keeper]
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
items:
  pebble:
    short: a pebble
    keywords: [pebble]
mobs:
  keeper:
    short: the keeper
    long: The keeper of the hall stands here.
    keywords: [keeper]
    script: keeper
`

func TestScriptNPCHooks(t *testing.T) {
	srv := saServer(t, saNPCWorld, map[string]string{"t/keeper.lua": `
function on_spawn(npc)
  npc.state.spawns = (npc.state.spawns or 0) + 1
  npc.state.spawn_room = npc.room.id
end

function on_greet(npc, actor)
  npc:say("Welcome, " .. actor.name .. "!")
end

function on_say(npc, actor, text)
  if text == "hello" then
    npc:emote("bows to " .. actor.name .. ".")
  elseif text == "secret" then
    npc:tell(actor, "the word is swordfish")
  end
end

function on_give(npc, actor, item)
  npc:say("I have no use for " .. item.name .. ".")
  npc:give(item, actor)
end

function on_tick(npc)
  npc.state.beats = (npc.state.beats or 0) + 1
  if not npc.state.stretched and #npc.room:players() > 0 then
    npc.state.stretched = true
    npc:emote("stretches.")
  end
end
`})
	alice := login(t, srv, "alice")
	// on_tick: the NPC's heartbeat notices someone is here.
	alice.expect("The keeper stretches.")
	// on_spawn ran once, at server start, in the NPC's room.
	saLua(alice, "here:mobs()[1].state.spawns", "=> 1")
	saLua(alice, "here:mobs()[1].state.spawn_room", "=> t.a")
	saLua(alice, "here:mobs()[1].state.beats >= 1", "=> true")

	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	// on_greet: a player walks in.
	alice.send("north")
	alice.expect("Room B")
	alice.send("south")
	alice.expect("Room A")
	alice.expect(`The keeper says, "Welcome, Alice!"`)
	bob.expect(`The keeper says, "Welcome, Alice!"`)

	// on_say.
	bob.send("say hello")
	bob.expect("The keeper bows to Bob.")
	alice.expect("The keeper bows to Bob.")
	bob.send("say secret")
	bob.expect(`The keeper tells you, "the word is swordfish"`)
	alice.expect(`Bob says, "secret"`)

	// on_give: the keeper hands the pebble back.
	bob.send("get pebble")
	bob.expect("You get a pebble.")
	bob.send("give pebble keeper")
	bob.expect("You give a pebble to the keeper.")
	alice.expect("Bob gives a pebble to the keeper.")
	bob.expect(`The keeper says, "I have no use for a pebble."`)
	bob.expect("The keeper gives you a pebble.")
	bob.send("inventory")
	bob.expect("You are carrying:")
	bob.expect("a pebble")
	saLua(alice, "#here:mobs()[1]:items()", "=> 0")

	alice.reject("swordfish", 100*time.Millisecond) // a tell is private
}

const saItemWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    exits:
      north: b
    items: [lamp, stone, rock]
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
items:
  lamp:
    short: a brass lamp
    keywords: [lamp, brass]
    script: lamp
  stone:
    short: a grey stone
    keywords: [stone]
    script: stone
  rock:
    short: a rock
    keywords: [rock]
`

func TestScriptItemHooks(t *testing.T) {
	srv := saServer(t, saItemWorld, map[string]string{
		"t/lamp.lua": `
function on_get(item, actor)
  actor:send("The lamp warms in your hand.")
end

function on_drop(item, actor)
  actor.room:send(item.name .. " clatters to the floor.")
end

function on_use(item, actor)
  item.state.uses = (item.state.uses or 0) + 1
  actor:send("You light " .. item.name .. " (" .. item.state.uses .. ").")
end

function on_command(item, actor, verb, args)
  if verb == "rub" and args == "lamp" then
    actor:send("You rub " .. item.name .. "; it hums.")
    return true
  end
  return false
end
`,
		"t/stone.lua": `
function on_get(item, actor)
  actor:send("The stone is heavy.")
end
`,
	})
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	// Items lying in the room: use and their own commands work.
	alice.send("use lamp")
	alice.expect("You light a brass lamp (1).")
	alice.send("rub lamp")
	alice.expect("You rub a brass lamp; it hums.")

	// on_get.
	alice.send("get lamp")
	alice.expect("You get a brass lamp.")
	alice.expect("The lamp warms in your hand.")
	bob.expect("Alice gets a brass lamp.")
	// Items in hand: use (state kept) and their commands.
	alice.send("use lamp")
	alice.expect("You light a brass lamp (2).")
	alice.send("rub lamp")
	alice.expect("You rub a brass lamp; it hums.")
	bob.send("rub lamp") // the lamp is in Alice's hands, not Bob's or the room's
	bob.expect("Huh?")
	alice.send("rub stone")
	alice.expect("Huh?")

	// use on an item without on_use, scripted or not.
	alice.send("use stone")
	alice.expect("You cannot think of a way to use a grey stone.")
	alice.send("use rock")
	alice.expect("You cannot think of a way to use a rock.")
	alice.send("get stone")
	alice.expect("The stone is heavy.")

	// on_drop.
	alice.send("drop lamp")
	alice.expect("You drop a brass lamp.")
	alice.expect("a brass lamp clatters to the floor.")
	bob.expect("Alice drops a brass lamp.")
	bob.expect("a brass lamp clatters to the floor.")
	bob.send("use lamp")
	bob.expect("You light a brass lamp (3).")
}

func TestScriptGlobals(t *testing.T) {
	srv := saServer(t, saNPCWorld, map[string]string{"t/keeper.lua": `
function on_spawn(npc)
  npc.state.pulses = 0
  every(0.2, function(n) n.state.pulses = n.state.pulses + 1 end)
end

function on_say(npc, actor, text)
  if text == "later" then
    after(0.2, function(n) n:say("later, " .. actor.name) end)
  elseif text == "start" then
    npc.state.n = 0
    npc.state.clock = every(0.2, function(n)
      n.state.n = n.state.n + 1
      n:say("tock " .. n.state.n)
    end)
  elseif text == "stop" then
    npc.state.clock.cancel()
    npc:say("stopped")
  elseif text == "log" then
    log("keeper heard " .. actor.name)
  end
end
`})
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	// random is the world's seeded source, within the range asked.
	saLua(alice, "random(1)", "=> 1")
	saLua(alice, "random(3, 3)", "=> 3")
	saLua(alice, "random(-2, -2)", "=> -2")
	saLua(alice, "(function() for i = 1, 200 do local r = random(2, 4) if r < 2 or r > 4 or r % 1 ~= 0 then return r end end return 'in range' end)()", "=> in range")
	saLua(alice, "(function() for i = 1, 200 do local r = random() if r < 0 or r >= 1 then return r end end return 'in range' end)()", "=> in range")
	saLuaErr(alice, "random(0)", "must be at least 1")
	saLuaErr(alice, "random(3, 2)", "must not be below the first")

	// send, room, find_player.
	saLua(alice, "send(find_player('bob'), 'psst, Bob')", "ok")
	bob.expect("psst, Bob")
	saLua(alice, "room('t.b').name", "=> Room B")
	saLua(alice, "room('t.b').id", "=> t.b")
	saLua(alice, "room('t.nowhere') == nil", "=> true")
	saLua(alice, "find_player('Bob').name", "=> Bob")
	saLua(alice, "find_player('bob').role", "=> player")
	saLua(alice, "find_player('nobody') == nil", "=> true")

	// log: builders see it, players do not.
	bob.send("say log")
	alice.expect("[script] t/keeper.lua says: keeper heard Bob")
	alice.send("lua log('from the prompt')")
	alice.expect("[script] lua says: from the prompt")
	alice.expect("ok\r\n")
	bob.reject("[script]", 200*time.Millisecond)

	// every, started by on_spawn at server start, keeps running.
	saWaitLua(alice, "here:mobs()[1].state.pulses >= 3")

	// after fires later, once.
	bob.send("say later")
	bob.expect(`You say, "later"`)
	bob.expect(`The keeper says, "later, Bob"`)
	bob.reject("later, Bob", 600*time.Millisecond)

	// every repeats until cancelled with its handle.
	bob.send("say start")
	bob.expect(`The keeper says, "tock 1"`)
	bob.expect(`The keeper says, "tock 2"`)
	bob.expect(`The keeper says, "tock 3"`)
	bob.send("say stop")
	bob.expect(`The keeper says, "stopped"`)
	bob.reject("tock", 600*time.Millisecond)

	// after from the lua prompt runs with the builder's environment.
	alice.send("lua after(0.2, function() send(me, 'eval timer fired') end)")
	alice.expect("=> table")
	alice.expect("eval timer fired")
	saLuaErr(alice, "every(0.01, function() end)", "at least 0.1 seconds")
	saLuaErr(alice, "after(-1, function() end)", "between 0 and a week")
}

// A timer callback is code of the entity that set it: it may set timers
// and log under its script's name like any hook.
func TestScriptTimerInTimer(t *testing.T) {
	srv := saServer(t, saNPCWorld, map[string]string{"t/keeper.lua": `
function on_say(npc, actor, text)
  if text == "chain" then
    after(0.1, function(n)
      after(0.1, function(m) m:say("chained") end)
    end)
  elseif text == "logtimer" then
    after(0.1, function(n) log("from a timer") end)
  end
end
`})
	alice := login(t, srv, "alice")
	alice.send("say chain")
	if got := saExpectAny(alice, `The keeper says, "chained"`, "can only be used inside a hook"); got != `The keeper says, "chained"` {
		t.Fatalf("after() inside an after() callback fails: %q", got)
	}
	alice.send("say logtimer")
	alice.expect("[script] ")
	line := alice.expect("from a timer")
	if !strings.Contains(line, "t/keeper.lua says:") {
		t.Fatalf("log() in a timer callback does not name its script: %q", line)
	}
}

// saExpectAny waits until one of wants arrives and returns the first to
// appear, consuming the text up to it.
func saExpectAny(c *client, wants ...string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		best, at := "", -1
		for _, w := range wants {
			if i := strings.Index(c.text.String(), w); i >= 0 && (at < 0 || i < at) {
				best, at = w, i
			}
		}
		if at >= 0 {
			c.text.Next(at + len(best))
			return best
		}
		if c.eof || time.Now().After(deadline) {
			c.t.Fatalf("%s: received none of %q; got:\n%s", c.name, wants, c.text.String())
		}
		c.fill(100 * time.Millisecond)
	}
}

const saDoorWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    exits:
      north: b
      east: {to: c, door: true, closed: true, hidden: true}
      west: {to: d, door: true, closed: true, locked: true, key: key}
      down: "far:t.b"
    items: [pebble]
    mobs: [dog]
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
  c:
    name: Hidden Room
    desc: A secret room.
    exits:
      west: {to: a, door: true, closed: true, hidden: true}
  d:
    name: The Vault
    desc: A vault.
    exits:
      east: {to: a, door: true, closed: true, locked: true, key: key}
items:
  pebble:
    short: a pebble
    long: A pebble lies here.
    keywords: [pebble]
  key:
    short: an iron key
    keywords: [key, iron]
mobs:
  dog:
    short: a dog
    long: A dog sniffs around.
    keywords: [dog]
`

func TestScriptRoomAPI(t *testing.T) {
	srv := saServer(t, saDoorWorld, nil)
	alice := login(t, srv, "alice")

	saLua(alice, "here.id .. '|' .. here.name .. '|' .. here.area", "=> t.a|Room A|t")
	saLua(alice, "#here:players()", "=> 1")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")
	saLua(alice, "#here:players()", "=> 2")
	saLua(alice, "here:players()[2].name", "=> Bob")
	saLua(alice, "#here:mobs() .. ' ' .. here:mobs()[1].name", "=> 1 a dog")
	saLua(alice, "#here:items() .. ' ' .. here:items()[1].proto", "=> 1 t.pebble")

	// room:send reaches everyone in the room.
	alice.send("lua here:send('A cold wind blows.')")
	alice.expect("A cold wind blows.")
	alice.expect("ok\r\n")
	bob.expect("A cold wind blows.")

	// exit and its fields.
	saLua(alice, "here:exit('north').to.id", "=> t.b")
	saLua(alice, "here:exit('n').to == room('t.b')", "=> true")
	saLua(alice, "tostring(here:exit('north').door)", "=> false")
	saLua(alice, "here:exit('up') == nil", "=> true")
	saLua(alice, "here:exit('down').shard .. '|' .. here:exit('down').remote .. '|' .. tostring(here:exit('down').to)", "=> far|t.b|nil")
	saLua(alice, "tostring(here.mobs and here:mobs()[1]:move('down'))", "=> false") // NPCs do not cross
	saLuaErr(alice, "here:exit('sideways')", "direction expected")
	e := "here:exit('east')"
	saLua(alice, e+".door and "+e+".closed and "+e+".hidden and not "+e+".locked", "=> true")
	saLua(alice, "here:exit('west').locked", "=> true")

	// A hidden closed door is neither shown nor walkable...
	exits := strings.TrimSpace(saLine(alice, "look", "Exits:"))
	if strings.Contains(exits, "east") || !strings.Contains(exits, "west (closed)") {
		t.Fatalf("exits line %q: want west (closed) and no east", exits)
	}
	alice.send("east")
	alice.expect("You cannot go that way.")
	alice.send("open east")
	alice.expect("There is no door that way.")
	// ...until a script opens it, both sides.
	saLua(alice, "here:open('east')", "=> true")
	exits = saLine(alice, "look", "Exits:")
	if !strings.Contains(exits, "east") {
		t.Fatalf("exits line %q: the opened hidden door should show", exits)
	}
	saLua(alice, "tostring(room('t.c'):exit('west').closed)", "=> false")
	alice.send("east")
	alice.expect("Hidden Room")
	alice.send("west")
	alice.expect("Room A")
	// Closed again, it is hidden again.
	saLua(alice, "here:close('east')", "=> true")
	saLua(alice, "here:exit('east').closed", "=> true")
	saLua(alice, "room('t.c'):exit('west').closed", "=> true")
	alice.send("east")
	alice.expect("You cannot go that way.")
	saLua(alice, "here:open('up')", "=> false")

	// unlock and lock, no key needed.
	alice.send("open west")
	alice.expect("The door west is locked.")
	saLua(alice, "here:unlock('west')", "=> true")
	saLua(alice, "tostring(here:exit('west').locked) .. ' ' .. tostring(here:exit('west').closed)", "=> false true")
	alice.send("open west")
	alice.expect("You open the door west.")
	bob.expect("Alice opens the door west.")
	alice.send("west")
	alice.expect("The Vault")
	alice.send("east")
	alice.expect("Room A")
	saLua(alice, "here:lock('west')", "=> true")
	saLua(alice, "here:exit('west').locked and here:exit('west').closed", "=> true")
	saLua(alice, "room('t.d'):exit('east').locked", "=> true")
	alice.send("west")
	alice.expect("The way west is closed.")

	// spawn_item and spawn_mob: by key in the room's area, or full id.
	saLua(alice, "here:spawn_item('key').name", "=> an iron key")
	alice.send("get key")
	alice.expect("You get an iron key.")
	alice.send("unlock west")
	alice.expect("You unlock the door west.")
	saLua(alice, "here:spawn_item('t.pebble').proto", "=> t.pebble")
	alice.send("look")
	alice.expect("[2] A pebble lies here.")
	saLua(alice, "here:spawn_mob('dog').proto", "=> t.dog")
	saLua(alice, "#here:mobs()", "=> 2")
	bob.send("look")
	bob.expect("A dog sniffs around.")
	bob.expect("A dog sniffs around.")
	saLuaErr(alice, "here:spawn_item('ghost')", `no item prototype "t.ghost"`)
	saLuaErr(alice, "here:spawn_mob('ghost')", `no mobile prototype "t.ghost"`)
}

const saObjectWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    exits:
      north: b
    items: [pebble]
    mobs: [guard]
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
items:
  pebble:
    short: a pebble
    long: A pebble lies here.
    keywords: [pebble]
mobs:
  guard:
    short: the guard
    long: A guard stands watch.
    keywords: [guard]
`

func TestScriptObjectAPI(t *testing.T) {
	srv := saServer(t, saObjectWorld, nil)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")
	g := "here:mobs()[1]"

	// Fields.
	saLua(alice, g+".name .. '|' .. "+g+".proto .. '|' .. "+g+".room.id", "=> the guard|t.guard|t.a")
	saLua(alice, "tostring("+g+".is_player)", "=> false")
	saLua(alice, "me.name .. '|' .. me.role .. '|' .. me.room.id", "=> Alice|admin|t.a")
	saLua(alice, "me.is_player and me.room == here", "=> true")
	saLua(alice, "here:items()[1].name .. '|' .. here:items()[1].proto", "=> a pebble|t.pebble")

	// Fields are read-only; state is the place for data.
	saLuaErr(alice, g+".name = 'x'", "Mobile fields are read-only; keep your data in .state")
	saLuaErr(alice, "here.name = 'x'", "Room fields are read-only")
	saLuaErr(alice, "me.name = 'x'", "Player fields are read-only")
	saLuaErr(alice, "here:items()[1].name = 'x'", "Item fields are read-only")
	saLua(alice, g+".name", "=> the guard")
	saLua(alice, g+".state.mood = 'grumpy'", "ok")
	saLua(alice, g+".state.mood", "=> grumpy")
	saLua(alice, "here:items()[1].state.shine = 3", "ok")
	saLua(alice, "here:items()[1].state.shine + 1", "=> 4")

	// NPC say, emote, tell.
	saLua(alice, g+":say('Halt!')", "ok")
	bob.expect(`The guard says, "Halt!"`)
	saLua(alice, g+":emote('yawns.')", "ok")
	bob.expect("The guard yawns.")
	saLua(alice, g+":tell(find_player('bob'), 'move along')", "ok")
	bob.expect(`The guard tells you, "move along"`)

	// NPC and player attributes: the rules' numbers, within bounds, and
	// free-form ones.
	saLua(alice, g+":attr('hp') == "+g+".max_hp and "+g+".hp", "=> 10")
	saLua(alice, g+":set_attr('hp', 12)", "ok") // over max_hp: clamped
	saLua(alice, g+":attr('hp')", "=> 10")
	saLua(alice, g+":set_attr('hp', 3)", "ok")
	saLua(alice, g+".hp", "=> 3")
	saLuaErr(alice, g+":set_attr('level', 5)", "level of an NPC follows its prototype")
	saLua(alice, "me:set_attr('gold', 7)", "ok")
	saLua(alice, "me:attr('gold') + 1 .. ' ' .. me.gold", "=> 8 7")
	saLua(alice, "find_player('bob'):attr('gold')", "=> 30")
	saLua(alice, "me:set_attr('hp', -4)", "ok")
	saLua(alice, "me.hp", "=> 0")
	saLua(alice, "me:set_attr('str', 99)", "ok")
	saLua(alice, "me:attr('str')", "=> 25")
	saLua(alice, "me:set_attr('favours', 2)", "ok")
	saLua(alice, "me:attr('favours') + me:attr('never_set')", "=> 2")

	// Items: move_to an NPC, which carries and gives them.
	saLua(alice, "here:items()[1]:move_to("+g+")", "ok")
	saLua(alice, "#here:items() .. ' ' .. #"+g+":items()", "=> 0 1")
	saLua(alice, g+":items()[1].name", "=> a pebble")
	saLua(alice, g+":give("+g+":items()[1], find_player('bob'))", "ok")
	bob.expect("The guard gives you a pebble.")
	saLua(alice, "#"+g+":items()", "=> 0")
	saLuaErr(alice, g+":give(find_player('bob'):items()[1], me)", "the guard does not carry a pebble")

	// Player items, has, send.
	saLua(alice, "#find_player('bob'):items() .. ' ' .. find_player('bob'):items()[1].name", "=> 1 a pebble")
	saLua(alice, "find_player('bob'):has('pebble').proto", "=> t.pebble")
	saLua(alice, "find_player('bob'):has('t.pebble') ~= nil", "=> true")
	saLua(alice, "me:has('pebble') == nil", "=> true")
	saLua(alice, "find_player('bob'):send('You feel watched.')", "ok")
	bob.expect("You feel watched.")

	// Item move_to a player and a room, then remove.
	saLua(alice, "find_player('bob'):items()[1]:move_to(me)", "ok")
	alice.send("inventory")
	alice.expect("You are carrying:")
	alice.expect("a pebble")
	bob.send("inventory")
	bob.expect("You are carrying nothing.")
	saLua(alice, "me:items()[1]:move_to(here)", "ok")
	bob.send("look")
	bob.expect("A pebble lies here.")
	saLuaErr(alice, "local it = here:items()[1] it:remove() it:move_to(me)", "this item is no longer in the world")
	saLua(alice, "#here:items()", "=> 0")

	// NPC move.
	saLua(alice, g+":move('north')", "=> true")
	bob.expect("The guard leaves north.")
	saLua(alice, "room('t.b'):mobs()[1].room.id", "=> t.b")
	saLua(alice, "room('t.b'):mobs()[1]:move('south')", "=> true")
	bob.expect("The guard arrives from the north.")
	saLua(alice, g+":move('up')", "=> false")

	// NPC remove: gone, and its handle refuses further use.
	saLuaErr(alice, "local m = "+g+" m:remove() m:say('boo')", "this NPC is no longer in the world")
	saLua(alice, "#here:mobs()", "=> 0")
	bob.send("look")
	out := bob.expect("Exits:")
	out += bob.expect("> ")
	if strings.Contains(out, "guard") {
		t.Fatalf("removed guard still shown: %q", out)
	}
}

const saErrorWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    script: broken
    exits:
      north: b
    mobs: [keeper]
  b:
    name: Room B
    desc: The second room.
    exits:
      south: a
mobs:
  keeper:
    short: the keeper
    keywords: [keeper]
    script: keeper
`

func TestScriptErrorsAndRoles(t *testing.T) {
	srv := saServer(t, saErrorWorld, map[string]string{
		"t/broken.lua": `-- A room whose on_say calls a function that does not exist.
function on_say(room, actor, text)
  if text == "boom" then
    no_such_function(text)
  end
  room:send("room heard " .. text)
end
`,
		"t/keeper.lua": `
function on_say(npc, actor, text)
  if text == "rename" then
    npc.name = "Bob the keeper"
  end
  npc.state.heard = text
end
`,
	})
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")

	// A hook calling an undefined function: the builder is told where.
	bob.send("say boom")
	bob.expect(`You say, "boom"`)
	alice.expect(`Bob says, "boom"`)
	alice.expect("[script] t/broken.lua:4:")
	// The failure cost that hook only: the next one runs.
	bob.send("say fine")
	bob.expect("room heard fine")
	alice.expect("room heard fine")

	// Writing a field from a script raises the read-only error, with the
	// file and line of the write.
	bob.send("say rename")
	alice.expect("[script] t/keeper.lua:4:")
	line := alice.expect("\r\n")
	if !strings.Contains(line, "fields are read-only") {
		t.Fatalf("report %q: want the read-only error", line)
	}
	saLua(alice, "here:mobs()[1].name", "=> the keeper")
	bob.send("say after")
	bob.expect("room heard after")
	saLua(alice, "here:mobs()[1].state.heard", "=> after")

	// Players see none of it, and cannot use the builder commands: they
	// are refused exactly like unknown ones.
	bob.reject("[script]", 100*time.Millisecond)
	bob.send("lua 1 + 1")
	bob.expect("Huh? (Type 'help' for a list of commands.)")
	bob.send("reload")
	bob.expect("Huh? (Type 'help' for a list of commands.)")
	bob.send("frobnicate")
	bob.expect("Huh? (Type 'help' for a list of commands.)")
	saLua(alice, "1 + 1", "=> 2")
}

const saLifeWorld = `area: t
rooms:
  a:
    name: Room A
    desc: The first room.
    script: room
    exits:
      west: {to: b, door: true, closed: true, locked: true}
    items: [clock]
  b:
    name: Room B
    desc: The second room.
    exits:
      east: {to: a, door: true, closed: true, locked: true}
items:
  clock:
    short: a clock
    keywords: [clock]
    script: clock
  charm:
    short: a lucky charm
    keywords: [charm]
    script: charm
`

var saLifeScripts = map[string]string{
	"t/room.lua": `
function on_say(room, actor, text)
  room:send("echo: " .. text)
end
`,
	"t/clock.lua": `
function on_spawn(item)
  item.state.spawned = true
end

function on_tick(item)
  item.state.ticks = (item.state.ticks or 0) + 1
end
`,
	"t/charm.lua": `
function on_tick(item)
  local a = room("t.a")
  a.state.charm = (a.state.charm or 0) + 1
end
`,
}

// Items are scripted entities like NPCs: on_spawn and a heartbeat, from
// the start of the world or from when they are made.
func TestScriptItemSpawnAndTick(t *testing.T) {
	srv := saServer(t, saLifeWorld, saLifeScripts)
	alice := login(t, srv, "alice")
	saLua(alice, "here:spawn_item('clock').state.spawned", "=> true")
	saWaitLua(alice, "(here:items()[2].state.ticks or 0) >= 1")

	// An item placed by its area at start gets on_spawn and a heartbeat.
	alice.send("lua tostring(here:items()[1].state.spawned)")
	alice.expect("=> ")
	if got := strings.TrimSpace(alice.expect("\r\n")); got != "true" {
		t.Fatalf("an item placed at world start got no on_spawn (state.spawned = %s)", got)
	}
	saWaitLua(alice, "(here:items()[1].state.ticks or 0) >= 1")
}

// A scripted item leaves the world with the player who carries it: its
// heartbeat stops.
func TestScriptCarriedItemLeavesWithPlayer(t *testing.T) {
	srv := saServer(t, saLifeWorld, saLifeScripts)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")
	saLua(alice, "here:spawn_item('charm'):move_to(find_player('bob'))", "ok")
	saWaitLua(alice, "(here.state.charm or 0) >= 1")
	bob.send("quit")
	bob.expectClosed()
	saLua(alice, "find_player('bob') == nil", "=> true")
	saLua(alice, "here.state.before = here.state.charm", "ok")
	time.Sleep(1200 * time.Millisecond) // more than one heartbeat
	alice.send("lua here.state.charm - here.state.before")
	alice.expect("=> ")
	if got := strings.TrimSpace(alice.expect("\r\n")); got != "0" {
		t.Fatalf("the charm of a player who quit still ticks (%s more heartbeats)", got)
	}
}

// Closing a locked door from a script leaves it locked.
func TestScriptCloseKeepsLock(t *testing.T) {
	srv := saServer(t, saLifeWorld, saLifeScripts)
	alice := login(t, srv, "alice")
	saLua(alice, "here:exit('west').locked", "=> true")
	saLua(alice, "here:close('west')", "=> true")
	alice.send("lua tostring(here:exit('west').locked)")
	alice.expect("=> ")
	if got := strings.TrimSpace(alice.expect("\r\n")); got != "true" {
		t.Fatalf("room:close() on a locked door unlocked it (locked = %s)", got)
	}
}

// What a player types reaches scripts as text; echoing it must not let the
// player colour other players' screens, as say itself does not.
func TestScriptPlayerTextStaysPlain(t *testing.T) {
	srv := saServer(t, saLifeWorld, saLifeScripts)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")
	bob.send("say {Rred")
	alice.expect(`Bob says, "{Rred"`) // say escapes the markup
	alice.expect("echo: ")
	if got := strings.TrimSpace(alice.expect("\r\n")); got != "{Rred" {
		t.Fatalf("a script echo of player text renders its markup (got %q)", got)
	}
}

// The combat API: an NPC starts a fight (npc:attack), hurts someone
// directly (npc:hurt), and the fighters' fields follow.
func TestScriptCombatAPI(t *testing.T) {
	srv := saServer(t, saObjectWorld, nil)
	alice := login(t, srv, "alice")
	bob := login(t, srv, "bob")
	alice.expect("Bob has entered the game.")
	g := "here:mobs()[1]"

	saLua(alice, g+".level .. ' ' .. "+g+".hp .. '/' .. "+g+".max_hp", "=> 1 10/10")
	saLua(alice, "tostring("+g+".fighting)", "=> nil")
	saLua(alice, "me.level .. ' ' .. me.gold", "=> 1 30")

	saLua(alice, g+":attack(find_player('bob'))", "=> true")
	saLua(alice, g+".fighting.name .. ' / ' .. find_player('bob').fighting.name", "=> Bob / the guard")
	saLua(alice, g+":attack(me)", "=> false") // one fight at a time
	saLuaErr(alice, g+":attack(here)", "bad argument")

	// Damage that a script deals goes straight to hit points.
	saLua(alice, "local b = find_player('bob') local before = b.hp "+g+":hurt(b, 3) return before - b.hp", "=> 3")
	saLuaErr(alice, g+":hurt(me, -1)", "damage must be 0 to 1000000")

	// Enough of it kills: the victim is told, wakes at the recall point,
	// and the fight is over.
	saLua(alice, g+":hurt(find_player('bob'), 1000)", "ok")
	bob.expect("You are DEAD!")
	saLua(alice, "tostring(find_player('bob').fighting) .. ' ' .. tostring("+g+".fighting)", "=> nil nil")
}
