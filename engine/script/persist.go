package script

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"shardmud/world"
)

// Entities' state tables are saved with the world as JSON, so that
// reports and web pages can read them too. What is saved: strings,
// finite numbers, booleans and tables of them, to a depth of
// MaxStateDepth. Functions, entities (rooms, NPCs, items, players) and
// coroutines are left out: keep ids and names in state instead. A table
// whose keys are 1..n is a JSON array; any other is an object whose keys
// are the table's string keys, with number keys written "#<n>" (and a
// string key that starts with "#" written with one more "#"), so that a
// state comes back exactly as it was.

// TakeStates encodes the state of every entity whose state table was
// reached since the last call and hands out those that differ from what
// was last handed out.
func (h *Host) TakeStates() []world.ScriptState {
	var out []world.ScriptState
	for owner := range h.touched {
		data := h.SaveState(owner)
		sum := hashOf(data)
		if prev, ok := h.saved[owner]; ok && prev == sum || !ok && data == nil {
			continue
		}
		h.saved[owner] = sum
		out = append(out, world.ScriptState{Owner: owner, Data: data})
	}
	clear(h.touched)
	return out
}

// SaveState encodes owner's state table; nil if it is empty or missing.
func (h *Host) SaveState(owner world.Scripted) []byte {
	t := h.states[owner]
	if t == nil {
		return nil
	}
	e := encoder{seen: make(map[*lua.LTable]bool)}
	e.table(t, 0)
	if string(e.buf) == "{}" || string(e.buf) == "[]" {
		return nil
	}
	return e.buf
}

// LoadState gives owner the state it was saved with.
func (h *Host) LoadState(owner world.Scripted, data []byte) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		h.cfg.Report(fmt.Sprintf("saved state of %s is unreadable and was dropped: %v", describe(owner), err))
		return
	}
	t, ok := h.fromJSON(v).(*lua.LTable)
	if !ok {
		return
	}
	h.states[owner] = t
	h.saved[owner] = hashOf(data)
}

func hashOf(data []byte) uint64 {
	if data == nil {
		return 0
	}
	f := fnv.New64a()
	f.Write(data)
	return f.Sum64() | 1 // never 0, which stands for no state
}

type encoder struct {
	buf  []byte
	seen map[*lua.LTable]bool // tables on the current path: a cycle is left out
}

// saveable reports whether v is written at all.
func saveable(v lua.LValue, depth int) bool {
	switch x := v.(type) {
	case lua.LBool, lua.LString:
		return true
	case lua.LNumber:
		f := float64(x)
		return !math.IsNaN(f) && !math.IsInf(f, 0)
	case *lua.LTable:
		return depth < MaxStateDepth
	}
	return false
}

func (e *encoder) value(v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LBool:
		e.buf = strconv.AppendBool(e.buf, bool(x))
	case lua.LNumber:
		e.buf = strconv.AppendFloat(e.buf, float64(x), 'g', -1, 64)
	case lua.LString:
		e.buf = appendString(e.buf, string(x))
	case *lua.LTable:
		e.table(x, depth)
	}
}

func (e *encoder) table(t *lua.LTable, depth int) {
	if e.seen[t] {
		e.buf = append(e.buf, "null"...)
		return
	}
	e.seen[t] = true
	defer delete(e.seen, t)
	if n := t.Len(); n > 0 && isSequence(t, n) {
		e.buf = append(e.buf, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				e.buf = append(e.buf, ',')
			}
			if v := t.RawGetInt(i); saveable(v, depth+1) {
				e.value(v, depth+1)
			} else {
				e.buf = append(e.buf, "null"...)
			}
		}
		e.buf = append(e.buf, ']')
		return
	}
	e.buf = append(e.buf, '{')
	first := true
	t.ForEach(func(k, v lua.LValue) {
		if !saveable(v, depth+1) {
			return
		}
		if tv, ok := v.(*lua.LTable); ok && e.seen[tv] {
			return // a cycle: left out
		}
		var key string
		switch k := k.(type) {
		case lua.LString:
			key = string(k)
			if len(key) > 0 && key[0] == '#' {
				key = "#" + key
			}
		case lua.LNumber:
			f := float64(k)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return
			}
			key = "#" + strconv.FormatFloat(f, 'g', -1, 64)
		default:
			return
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = appendString(e.buf, key)
		e.buf = append(e.buf, ':')
		e.value(v, depth+1)
	})
	e.buf = append(e.buf, '}')
}

// isSequence reports whether t's keys are exactly 1..n.
func isSequence(t *lua.LTable, n int) bool {
	count := 0
	ok := true
	t.ForEach(func(k, _ lua.LValue) {
		count++
		if kn, isNum := k.(lua.LNumber); !isNum || float64(kn) != math.Trunc(float64(kn)) || kn < 1 || int(kn) > n {
			ok = false
		}
	})
	return ok && count == n
}

// appendString writes s as a JSON string; bytes that are not UTF-8 become
// U+FFFD.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// fromJSON turns a decoded JSON value back into Lua.
func (h *Host) fromJSON(v any) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []any:
		t := h.L.CreateTable(len(x), 0)
		for i, e := range x {
			if e != nil {
				t.RawSetInt(i+1, h.fromJSON(e))
			}
		}
		return t
	case map[string]any:
		t := h.L.CreateTable(0, len(x))
		for k, e := range x {
			if e == nil {
				continue
			}
			var key lua.LValue = lua.LString(k)
			if len(k) > 1 && k[0] == '#' {
				if k[1] == '#' {
					key = lua.LString(k[1:])
				} else if f, err := strconv.ParseFloat(k[1:], 64); err == nil {
					key = lua.LNumber(f)
				}
			}
			t.RawSet(key, h.fromJSON(e))
		}
		return t
	}
	return lua.LNil
}
