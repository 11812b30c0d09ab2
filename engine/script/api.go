package script

import (
	"fmt"
	"math"
	"sort"

	lua "github.com/yuin/gopher-lua"

	"shardmud/world"
	"shardmud/world/markup"
)

// The API scripts see, as a table of names: docs/lua.md documents every
// one, and a test checks that it does. Globals are plain functions; the
// other tables are methods of the objects hooks receive.
var (
	apiGlobals = map[string]lua.LGFunction{
		"send":        apiSend,
		"random":      nil, // bound to the host: the world's seeded source
		"after":       nil,
		"every":       nil,
		"room":        nil,
		"find_player": nil,
		"log":         nil,
		"hour":        nil,
		"time_of_day": nil,
		"hours":       nil,
		"now":         nil,
	}
	roomMethods = map[string]lua.LGFunction{
		"send":       roomSend,
		"players":    roomPlayers,
		"mobs":       roomMobs,
		"items":      roomItems,
		"exit":       roomExit,
		"open":       roomDoor(func(*world.Exit) (bool, bool) { return false, false }),
		"close":      roomDoor(func(ex *world.Exit) (bool, bool) { return true, ex.Locked }),
		"lock":       roomDoor(func(*world.Exit) (bool, bool) { return true, true }),
		"unlock":     roomDoor(func(ex *world.Exit) (bool, bool) { return ex.Closed, false }),
		"spawn_item": roomSpawnItem,
		"spawn_mob":  roomSpawnMob,
	}
	mobMethods = map[string]lua.LGFunction{
		"say":      mobSay,
		"emote":    mobEmote,
		"tell":     mobTell,
		"move":     mobMove,
		"remove":   mobRemove,
		"attr":     attrGet,
		"set_attr": attrSet,
		"items":    mobItems,
		"give":     mobGive,
		"attack":   mobAttack,
		"hurt":     mobHurt,
	}
	playerMethods = map[string]lua.LGFunction{
		"send":     playerSend,
		"attr":     attrGet,
		"set_attr": attrSet,
		"items":    playerItems,
		"has":      playerHas,
	}
	itemMethods = map[string]lua.LGFunction{
		"remove":  itemRemove,
		"move_to": itemMoveTo,
	}
)

// Fields each kind of object has (read-only, except state's contents).
var (
	roomFields   = []string{"id", "name", "area", "state"}
	mobFields    = []string{"id", "name", "proto", "room", "state", "is_player", "hp", "max_hp", "level", "fighting"}
	playerFields = []string{"name", "role", "room", "is_player", "hp", "max_hp", "level", "gold", "fighting"}
	itemFields   = []string{"id", "name", "proto", "state"}
)

// The host is stored in the state's registry-like upvalue: every API
// function is a closure over it via hostOf.
const hostKey = "__shardmud_host"

func (h *Host) registerAPI() {
	L := h.L
	hostUD := L.NewUserData()
	hostUD.Value = h
	L.SetField(L.Get(lua.RegistryIndex), hostKey, hostUD)

	bound := map[string]lua.LGFunction{
		"random":      h.apiRandom,
		"after":       h.apiTimer(false),
		"every":       h.apiTimer(true),
		"room":        h.apiRoom,
		"find_player": h.apiFindPlayer,
		"log":         h.apiLog,
		"hour":        h.apiHour,
		"time_of_day": h.apiTimeOfDay,
		"hours":       h.apiHours,
		"now":         h.apiNow,
	}
	for name, fn := range apiGlobals {
		if fn == nil {
			fn = bound[name]
		}
		h.globals.RawSetString(name, L.NewFunction(fn))
	}
	h.newKind("Room", roomMethods, h.roomField)
	h.newKind("Mobile", mobMethods, h.mobField)
	h.newKind("Player", playerMethods, h.playerField)
	h.newKind("Item", itemMethods, h.itemField)
}

// newKind makes the metatable of one kind of object: methods first, then
// fields read through get.
func (h *Host) newKind(name string, methods map[string]lua.LGFunction, get func(L *lua.LState, v any, key string) lua.LValue) {
	L := h.L
	mt := L.NewTypeMetatable(name)
	ms := L.NewTable()
	for k, fn := range methods {
		ms.RawSetString(k, L.NewFunction(fn))
	}
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		ud := L.CheckUserData(1)
		key := L.CheckString(2)
		if m := ms.RawGetString(key); m != lua.LNil {
			L.Push(m)
			return 1
		}
		L.Push(get(L, ud.Value, key))
		return 1
	}))
	L.SetField(mt, "__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s fields are read-only; keep your data in .state", name)
		return 0
	}))
	L.SetField(mt, "__metatable", lua.LString("locked")) // getmetatable cannot reach it
	L.SetField(mt, "__eq", L.NewFunction(func(L *lua.LState) int {
		a, b := L.CheckUserData(1), L.CheckUserData(2)
		L.Push(lua.LBool(a.Value == b.Value))
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(fmt.Sprintf("%s(%s)", name, describe(L.CheckUserData(1).Value))))
		return 1
	}))
}

func describe(v any) string {
	switch x := v.(type) {
	case *world.Room:
		return x.ID
	case *world.Mobile:
		return fmt.Sprintf("%s #%d", x.Proto.ID, x.ID)
	case *world.Player:
		return x.Name
	case *world.Item:
		return fmt.Sprintf("%s #%d", x.Proto.ID, x.ID)
	}
	return "?"
}

// value converts a Go value from the world into Lua.
func (h *Host) value(v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case int:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case *world.Player:
		ud := h.L.NewUserData() // players come and go without notice: not cached
		ud.Value = x
		h.L.SetMetatable(ud, h.L.GetTypeMetatable("Player"))
		return ud
	case *world.Room, *world.Mobile, *world.Item:
		if ud := h.objects[x]; ud != nil {
			return ud
		}
		ud := h.L.NewUserData()
		ud.Value = x
		var kind string
		switch x.(type) {
		case *world.Room:
			kind = "Room"
		case *world.Mobile:
			kind = "Mobile"
		case *world.Item:
			kind = "Item"
		}
		h.L.SetMetatable(ud, h.L.GetTypeMetatable(kind))
		h.objects[x] = ud
		return ud
	}
	return lua.LNil
}

func hostOf(L *lua.LState) *Host {
	return L.GetField(L.Get(lua.RegistryIndex), hostKey).(*lua.LUserData).Value.(*Host)
}

// state is an entity's state table, made on first use.
func (h *Host) state(owner world.Scripted) *lua.LTable {
	h.touched[owner] = struct{}{}      // whoever reaches it may change it: check at the next save
	if _, ok := h.watched[owner]; ok { // a large state: note where it is reached
		h.watched[owner] = h.L.Where(1) + " "
	}
	t := h.states[owner]
	if t == nil {
		t = h.L.NewTable()
		h.states[owner] = t
	}
	return t
}

func (h *Host) roomField(L *lua.LState, v any, key string) lua.LValue {
	r := v.(*world.Room)
	switch key {
	case "id":
		return lua.LString(r.ID)
	case "name":
		return lua.LString(r.Name)
	case "area":
		return lua.LString(r.Area.ID)
	case "state":
		return h.state(r)
	}
	return lua.LNil
}

func (h *Host) mobField(L *lua.LState, v any, key string) lua.LValue {
	m := v.(*world.Mobile)
	switch key {
	case "id":
		return lua.LNumber(m.ID)
	case "name":
		return lua.LString(m.Proto.Short)
	case "proto":
		return lua.LString(m.Proto.ID)
	case "room":
		if m.Room == nil {
			return lua.LNil
		}
		return h.value(m.Room)
	case "state":
		return h.state(m)
	case "is_player":
		return lua.LFalse
	case "hp":
		return lua.LNumber(m.HP)
	case "max_hp":
		return lua.LNumber(m.MaxHP())
	case "level":
		return lua.LNumber(max(m.Proto.Level, 1))
	case "fighting":
		return h.value(m.Fighting())
	}
	return lua.LNil
}

func (h *Host) playerField(L *lua.LState, v any, key string) lua.LValue {
	p := v.(*world.Player)
	switch key {
	case "name":
		return lua.LString(p.Name)
	case "role":
		return lua.LString(p.Role.String())
	case "room":
		if p.Room == nil {
			return lua.LNil
		}
		return h.value(p.Room)
	case "is_player":
		return lua.LTrue
	case "hp":
		return lua.LNumber(p.Stats.HP)
	case "max_hp":
		return lua.LNumber(p.Stats.MaxHP)
	case "level":
		return lua.LNumber(p.Stats.Level)
	case "gold":
		return lua.LNumber(p.Gold)
	case "fighting":
		return h.value(p.Fighting())
	}
	return lua.LNil
}

func (h *Host) itemField(L *lua.LState, v any, key string) lua.LValue {
	it := v.(*world.Item)
	switch key {
	case "id":
		return lua.LNumber(it.ID)
	case "name":
		return lua.LString(it.Short())
	case "proto":
		return lua.LString(it.Proto.ID)
	case "state":
		return h.state(it)
	}
	return lua.LNil
}

// Argument helpers: each raises a Lua error naming what was expected.
func checkRoom(L *lua.LState, n int) *world.Room {
	if r, ok := L.CheckUserData(n).Value.(*world.Room); ok {
		return r
	}
	L.ArgError(n, "room expected")
	return nil
}

func checkMob(L *lua.LState, n int) *world.Mobile {
	m, ok := L.CheckUserData(n).Value.(*world.Mobile)
	if !ok {
		L.ArgError(n, "NPC expected")
	}
	if m.Room == nil {
		L.RaiseError("this NPC is no longer in the world")
	}
	return m
}

func checkPlayer(L *lua.LState, n int) *world.Player {
	p, ok := L.CheckUserData(n).Value.(*world.Player)
	if !ok {
		L.ArgError(n, "player expected")
	}
	if hostOf(L).w.Player(p.Name) != p {
		L.RaiseError("%s is no longer in the world", p.Name)
	}
	return p
}

func checkItem(L *lua.LState, n int) *world.Item {
	it, ok := L.CheckUserData(n).Value.(*world.Item)
	if !ok {
		L.ArgError(n, "item expected")
	}
	if it.In() == nil {
		L.RaiseError("this item is no longer in the world")
	}
	return it
}

func checkDir(L *lua.LState, n int) world.Dir {
	d, ok := world.ParseDir(L.CheckString(n))
	if !ok {
		L.ArgError(n, "direction expected (north, n, up, ...)")
	}
	return d
}

// text reads a message argument, at most MaxMessageBytes long. Its markup
// is kept: builders colour their messages; player-typed text reaches hooks
// already escaped.
func text(L *lua.LState, n int) string {
	s := L.CheckString(n)
	if len(s) > MaxMessageBytes {
		L.ArgError(n, fmt.Sprintf("text of %d bytes is over the limit of %d", len(s), MaxMessageBytes))
	}
	return s
}

func list[T any](h *Host, L *lua.LState, xs []T) int {
	t := L.NewTable()
	for _, x := range xs {
		t.Append(h.value(x))
	}
	L.Push(t)
	return 1
}

// Globals.

func apiSend(L *lua.LState) int {
	checkPlayer(L, 1).Send(text(L, 2))
	return 0
}

func (h *Host) apiRandom(L *lua.LState) int {
	r := h.w.Rand()
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r.Float64()))
	case 1:
		n := L.CheckInt(1)
		if n < 1 {
			L.ArgError(1, "must be at least 1")
		}
		L.Push(lua.LNumber(1 + r.IntN(n)))
	default:
		lo, hi := L.CheckInt(1), L.CheckInt(2)
		if hi < lo {
			L.ArgError(2, "must not be below the first")
		}
		L.Push(lua.LNumber(lo + r.IntN(hi-lo+1)))
	}
	return 1
}

// apiTimer is after (once) or every (repeating): the timer belongs to the
// entity whose hook set it, and is called with that entity.
func (h *Host) apiTimer(repeat bool) lua.LGFunction {
	return func(L *lua.LState) int {
		secs := float64(L.CheckNumber(1))
		fn := L.CheckFunction(2)
		if secs < 0 || secs > 7*24*3600 {
			L.ArgError(1, "seconds must be between 0 and a week")
		}
		if repeat && secs < 0.1 {
			L.ArgError(1, "every() needs at least 0.1 seconds")
		}
		n := h.ticks(secs)
		tm := &timer{due: h.w.Ticks() + n, fn: fn, owner: h.curOwner, script: h.curScript}
		if repeat {
			tm.interval = n
		}
		if tm.script == nil {
			L.RaiseError("after/every can only be used inside a hook")
		}
		if !h.addTimer(tm) {
			who := "this script's top level"
			if tm.owner != nil {
				who = describe(tm.owner)
			}
			L.RaiseError("%s already has %d timers running (the most one may have); cancel one first", who, MaxTimersPerOwner)
		}
		handle := L.NewTable()
		handle.RawSetString("cancel", L.NewFunction(func(L *lua.LState) int {
			h.kill(tm)
			return 0
		}))
		L.Push(handle)
		return 1
	}
}

func (h *Host) apiRoom(L *lua.LState) int {
	return pushFound(h, L, h.w.Room(L.CheckString(1)))
}

func (h *Host) apiFindPlayer(L *lua.LState) int {
	return pushFound(h, L, h.w.Player(L.CheckString(1)))
}

// pushFound pushes a looked-up entity, or nil when the lookup found none
// (a typed nil pointer would otherwise become a userdata of nothing).
func pushFound[T *world.Room | *world.Player](h *Host, L *lua.LState, x T) int {
	if x == nil {
		L.Push(lua.LNil)
	} else {
		L.Push(h.value(x))
	}
	return 1
}

func (h *Host) apiLog(L *lua.LState) int {
	who := "script"
	if h.curScript != nil {
		who = h.curScript.path
	}
	h.cfg.Report(fmt.Sprintf("%s says: %s", who, markup.Escape(text(L, 1))))
	return 0
}

// The game clock.

func (h *Host) apiHour(L *lua.LState) int {
	L.Push(lua.LNumber(h.w.Hour()))
	return 1
}

func (h *Host) apiTimeOfDay(L *lua.LState) int {
	L.Push(lua.LString(world.TimeOfDay(h.w.Hour())))
	return 1
}

// apiHours is how many real seconds n game hours last, for timers that
// follow the clock: every(hours(1), fn).
func (h *Host) apiHours(L *lua.LState) int {
	n := float64(L.CheckNumber(1))
	if n < 0 || n > 24*7 {
		L.ArgError(1, "hours must be between 0 and a week")
	}
	L.Push(lua.LNumber(n * float64(h.w.HourTicks()) / float64(h.cfg.TicksPerSecond)))
	return 1
}

// apiNow is the seconds since the world started, by its tick: a clock for
// deadlines kept in state (it starts again at 0 when the server restarts).
func (h *Host) apiNow(L *lua.LState) int {
	L.Push(lua.LNumber(float64(h.w.Ticks()) / float64(h.cfg.TicksPerSecond)))
	return 1
}

// Rooms.

func roomSend(L *lua.LState) int {
	hostOf(L).w.Announce(checkRoom(L, 1), text(L, 2))
	return 0
}

func roomPlayers(L *lua.LState) int {
	return list(hostOf(L), L, checkRoom(L, 1).Players)
}

func roomMobs(L *lua.LState) int { return list(hostOf(L), L, checkRoom(L, 1).Mobs) }

func roomItems(L *lua.LState) int { return list(hostOf(L), L, checkRoom(L, 1).Items) }

func roomExit(L *lua.LState) int {
	h := hostOf(L)
	ex := checkRoom(L, 1).Exits[checkDir(L, 2)]
	if ex == nil {
		L.Push(lua.LNil)
		return 1
	}
	t := L.NewTable()
	if ex.Portal() { // to another shard: no room here to hand out
		t.RawSetString("shard", lua.LString(ex.Shard))
		t.RawSetString("remote", lua.LString(ex.Remote))
	} else {
		t.RawSetString("to", h.value(ex.To))
	}
	t.RawSetString("door", lua.LBool(ex.Door))
	t.RawSetString("closed", lua.LBool(ex.Closed))
	t.RawSetString("locked", lua.LBool(ex.Locked))
	t.RawSetString("hidden", lua.LBool(ex.Hidden))
	L.Push(t)
	return 1
}

// roomDoor sets a door's state from a script (no key needed); want gives
// the closed and locked states from the current ones.
func roomDoor(want func(*world.Exit) (closed, locked bool)) lua.LGFunction {
	return func(L *lua.LState) int {
		r, d := checkRoom(L, 1), checkDir(L, 2)
		ex := r.Exits[d]
		if ex == nil {
			L.Push(lua.LFalse)
			return 1
		}
		closed, locked := want(ex)
		L.Push(lua.LBool(hostOf(L).w.SetDoor(r, d, closed, locked)))
		return 1
	}
}

func roomSpawnItem(L *lua.LState) int {
	h := hostOf(L)
	r := checkRoom(L, 1)
	proto := world.Qualify(r.Area.ID, L.CheckString(2))
	h.maySpawn(L)
	it, err := h.w.SpawnItem(r, proto)
	if err != nil {
		L.RaiseError("%v", err)
	}
	h.spawned(it)
	L.Push(h.value(it))
	return 1
}

func roomSpawnMob(L *lua.LState) int {
	h := hostOf(L)
	r := checkRoom(L, 1)
	proto := world.Qualify(r.Area.ID, L.CheckString(2))
	h.maySpawn(L)
	m, err := h.w.SpawnMob(r, proto)
	if err != nil {
		L.RaiseError("%v", err)
	}
	h.spawned(m)
	L.Push(h.value(m))
	return 1
}

// maySpawn raises an error when the running call has made
// MaxSpawnsPerCall things already, or its script has
// MaxLiveSpawnsPerScript of its making still in the world.
func (h *Host) maySpawn(L *lua.LState) {
	if h.callSpawns >= MaxSpawnsPerCall {
		L.RaiseError("spawned %d things in one call, the most one call may make", MaxSpawnsPerCall)
	}
	sc := h.curScript
	if sc == nil || sc.eval || sc.live < MaxLiveSpawnsPerScript {
		return
	}
	for x, by := range h.spawner { // some may have left unnoticed (carried off by a player)
		if by == sc && !h.inWorld(x) {
			delete(h.spawner, x)
			sc.live--
		}
	}
	if sc.live >= MaxLiveSpawnsPerScript {
		L.RaiseError("%s has %d items and NPCs of its making in the world, the most a script may have; remove some first", sc.path, MaxLiveSpawnsPerScript)
	}
}

// spawned counts what the running call made.
func (h *Host) spawned(x world.Scripted) {
	h.callSpawns++
	if sc := h.curScript; sc != nil && !sc.eval {
		h.spawner[x] = sc
		sc.live++
	}
}

// inWorld reports whether an item or NPC is still in the world: an item
// carried off by a player who left is not.
func (h *Host) inWorld(x world.Scripted) bool {
	switch x := x.(type) {
	case *world.Mobile:
		return x.Room != nil
	case *world.Item:
		for in := x.In(); in != nil; {
			switch holder := in.(type) {
			case *world.Room:
				return true
			case *world.Mobile:
				return holder.Room != nil
			case *world.Player:
				return h.w.Player(holder.Name) == holder
			case *world.Item:
				in = holder.In()
			default:
				return false
			}
		}
	}
	return false
}

// Mobiles.

func mobSay(L *lua.LState) int {
	hostOf(L).w.MobSay(checkMob(L, 1), text(L, 2))
	return 0
}

func mobEmote(L *lua.LState) int {
	hostOf(L).w.MobEmote(checkMob(L, 1), text(L, 2))
	return 0
}

func mobTell(L *lua.LState) int {
	m, p := checkMob(L, 1), checkPlayer(L, 2)
	p.Send(fmt.Sprintf(`{m%s tells you, "%s"{x`, capFirst(m.Proto.Short), text(L, 3)))
	return 0
}

func capFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func mobMove(L *lua.LState) int {
	L.Push(lua.LBool(hostOf(L).w.MoveMob(checkMob(L, 1), checkDir(L, 2))))
	return 1
}

func mobRemove(L *lua.LState) int {
	hostOf(L).w.RemoveMob(checkMob(L, 1))
	return 0
}

func mobItems(L *lua.LState) int { return list(hostOf(L), L, checkMob(L, 1).Items) }

// mobGive hands an item the NPC carries to a player in its room.
func mobGive(L *lua.LState) int {
	h := hostOf(L)
	m, it, p := checkMob(L, 1), checkItem(L, 2), checkPlayer(L, 3)
	if it.In() != world.Holder(m) {
		L.RaiseError("%s does not carry %s", m.Proto.Short, it.Short())
	}
	if p.Room != m.Room {
		L.RaiseError("%s is not in the same room as %s", p.Name, m.Proto.Short)
	}
	h.w.MoveItem(it, p)
	p.Send(fmt.Sprintf("%s gives you %s.", capFirst(m.Proto.Short), it.Short()))
	return 0
}

// checkFighter is argument n as a player or NPC.
func checkFighter(L *lua.LState, n int) any {
	switch x := L.CheckUserData(n).Value.(type) {
	case *world.Player, *world.Mobile:
		return x
	}
	L.ArgError(n, "player or NPC expected")
	return nil
}

func mobAttack(L *lua.LState) int {
	L.Push(lua.LBool(hostOf(L).w.Attack(checkMob(L, 1), checkFighter(L, 2))))
	return 1
}

func mobHurt(L *lua.LState) int {
	m, target, n := checkMob(L, 1), checkFighter(L, 2), L.CheckInt(3)
	if n < 0 || n > 1_000_000 {
		L.ArgError(3, "damage must be 0 to 1000000")
	}
	hostOf(L).w.Hurt(m, target, n)
	return 0
}

// ruleAttr is a number the game's rules use, reached by attr/set_attr:
// get reads it; set (nil: read-only) stores v, already bounded by lo..hi
// (hi below 0: bounded by the maximum get returns for maxOf).
type ruleAttr struct {
	get    func(x any) int
	set    func(x any, v int)
	lo, hi int
	maxOf  string // hp and mana: bounded by max_hp, max_mana
}

// playerAttrs and mobAttrs are the rules' numbers; any other name is a
// free-form attribute no rule reads.
var (
	playerAttrs = map[string]ruleAttr{
		"hp":       {get: func(x any) int { return x.(*world.Player).Stats.HP }, set: func(x any, v int) { x.(*world.Player).Stats.HP = v }, maxOf: "max_hp"},
		"max_hp":   {get: func(x any) int { return x.(*world.Player).Stats.MaxHP }, set: func(x any, v int) { x.(*world.Player).Stats.MaxHP = v }, lo: 1, hi: 100_000},
		"mana":     {get: func(x any) int { return x.(*world.Player).Stats.Mana }, set: func(x any, v int) { x.(*world.Player).Stats.Mana = v }, maxOf: "max_mana"},
		"max_mana": {get: func(x any) int { return x.(*world.Player).Stats.MaxMana }, set: func(x any, v int) { x.(*world.Player).Stats.MaxMana = v }, lo: 0, hi: 100_000},
		"level":    {get: func(x any) int { return x.(*world.Player).Stats.Level }, set: func(x any, v int) { x.(*world.Player).Stats.Level = v }, lo: 1, hi: 100},
		"exp":      {get: func(x any) int { return x.(*world.Player).Stats.Exp }, set: func(x any, v int) { x.(*world.Player).Stats.Exp = v }, lo: 0, hi: 1_000_000_000},
		"gold":     {get: func(x any) int { return x.(*world.Player).Gold }, set: func(x any, v int) { x.(*world.Player).Gold = v }, lo: 0, hi: 1_000_000_000},
		"str":      {get: func(x any) int { return x.(*world.Player).Stats.Str }, set: func(x any, v int) { x.(*world.Player).Stats.Str = v }, lo: 3, hi: 25},
		"dex":      {get: func(x any) int { return x.(*world.Player).Stats.Dex }, set: func(x any, v int) { x.(*world.Player).Stats.Dex = v }, lo: 3, hi: 25},
		"con":      {get: func(x any) int { return x.(*world.Player).Stats.Con }, set: func(x any, v int) { x.(*world.Player).Stats.Con = v }, lo: 3, hi: 25},
		"int":      {get: func(x any) int { return x.(*world.Player).Stats.Int }, set: func(x any, v int) { x.(*world.Player).Stats.Int = v }, lo: 3, hi: 25},
	}
	mobAttrs = map[string]ruleAttr{
		"hp":     {get: func(x any) int { return x.(*world.Mobile).HP }, set: func(x any, v int) { x.(*world.Mobile).HP = v }, maxOf: "max_hp"},
		"max_hp": {get: func(x any) int { return x.(*world.Mobile).MaxHP() }},
		"level":  {get: func(x any) int { return max(x.(*world.Mobile).Proto.Level, 1) }},
		"gold":   {get: func(x any) int { return x.(*world.Mobile).Proto.Gold }},
	}
)

// attrsOf is the attribute owner (argument 1): its rules' numbers and its
// free-form map.
func attrsOf(L *lua.LState) (any, map[string]ruleAttr, *map[string]float64) {
	switch x := L.CheckUserData(1).Value.(type) {
	case *world.Mobile:
		return x, mobAttrs, &x.Attrs
	case *world.Player:
		return x, playerAttrs, &x.Attrs
	}
	L.ArgError(1, "NPC or player expected")
	return nil, nil, nil
}

func attrGet(L *lua.LState) int {
	x, rules, attrs := attrsOf(L)
	name := L.CheckString(2)
	if a, ok := rules[name]; ok {
		L.Push(lua.LNumber(a.get(x)))
		return 1
	}
	L.Push(lua.LNumber((*attrs)[name]))
	return 1
}

// attrSet sets a rule's number within its bounds (hp to 0..max_hp, and so
// on; whole numbers, out-of-range values clamped), or a free-form
// attribute.
func attrSet(L *lua.LState) int {
	x, rules, attrs := attrsOf(L)
	name, f := L.CheckString(2), float64(L.CheckNumber(3))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		L.ArgError(3, "a finite number expected")
	}
	if a, ok := rules[name]; ok {
		if a.set == nil {
			L.RaiseError("%s of an NPC follows its prototype and cannot be set", name)
		}
		lo, hi := a.lo, a.hi
		if a.maxOf != "" {
			lo, hi = 0, rules[a.maxOf].get(x)
		}
		a.set(x, int(max(min(math.Round(f), float64(hi)), float64(lo))))
		if p, ok := x.(*world.Player); ok { // keep what follows from a maximum within it
			p.Stats.HP = min(p.Stats.HP, p.Stats.MaxHP)
			p.Stats.Mana = min(p.Stats.Mana, p.Stats.MaxMana)
		}
		hostOf(L).w.Touch(x)
		return 0
	}
	if *attrs == nil {
		*attrs = make(map[string]float64)
	}
	if _, ok := (*attrs)[name]; !ok && len(*attrs) >= MaxAttrs {
		L.RaiseError("too many attributes (%d at most)", MaxAttrs)
	}
	(*attrs)[name] = f
	hostOf(L).w.Touch(x) // saved with the next snapshot
	return 0
}

// Players.

func playerSend(L *lua.LState) int {
	checkPlayer(L, 1).Send(text(L, 2))
	return 0
}

func playerItems(L *lua.LState) int { return list(hostOf(L), L, checkPlayer(L, 1).Items) }

func playerHas(L *lua.LState) int {
	p, proto := checkPlayer(L, 1), L.CheckString(2)
	for _, it := range p.Items {
		if it.Proto.ID == proto || it.Proto.ID == p.Room.Area.ID+"."+proto {
			L.Push(hostOf(L).value(it))
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

// Items.

func itemRemove(L *lua.LState) int {
	hostOf(L).w.RemoveItem(checkItem(L, 1))
	return 0
}

func itemMoveTo(L *lua.LState) int {
	it := checkItem(L, 1)
	var to world.Holder
	switch L.CheckUserData(2).Value.(type) {
	case *world.Room:
		to = checkRoom(L, 2)
	case *world.Player:
		to = checkPlayer(L, 2)
	case *world.Mobile:
		to = checkMob(L, 2)
	default:
		L.ArgError(2, "room, player or NPC expected")
	}
	hostOf(L).w.MoveItem(it, to)
	return 0
}

// APINames lists every name the API defines, for the documentation test.
func APINames() []string {
	var out []string
	for k := range apiGlobals {
		out = append(out, k)
	}
	for prefix, m := range map[string]map[string]lua.LGFunction{"room:": roomMethods, "npc:": mobMethods, "player:": playerMethods, "item:": itemMethods} {
		for k := range m {
			out = append(out, prefix+k)
		}
	}
	for prefix, fs := range map[string][]string{"room.": roomFields, "npc.": mobFields, "player.": playerFields, "item.": itemFields} {
		for _, f := range fs {
			out = append(out, prefix+f)
		}
	}
	sort.Strings(out)
	return out
}
