package script

import (
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Limits on what one script may do. See also Config.Budget.
const (
	// CallStackSize bounds Lua call depth: deep recursion fails with
	// "stack overflow" instead of eating memory.
	CallStackSize = 200
	// RegistrySize and RegistryMaxSize bound the Lua value stack.
	RegistrySize    = 16 << 10
	RegistryMaxSize = 256 << 10
	// MaxStringBytes bounds strings built by string.rep and string.format.
	MaxStringBytes = 1 << 20
	// MaxStateEntries bounds the entries (counted through nested tables)
	// one entity's state table, or one script's globals, may hold; each is
	// checked once a second.
	MaxStateEntries = 10_000
	// FailuresToDisable consecutive errors disable a script's hooks, for
	// a backoff that doubles from 10 seconds up to 10 minutes.
	FailuresToDisable = 3
	// MaxTimersPerTick bounds the timers run in one tick; the rest wait.
	MaxTimersPerTick = 2000
)

// removedGlobals are base functions a builder's script must not reach: they
// load code from files or strings, reach other environments, or tune the
// collector for everyone.
var removedGlobals = []string{"dofile", "loadfile", "load", "loadstring", "require",
	"module", "collectgarbage", "getfenv", "setfenv", "newproxy", "print", "_printregs", "_GOPHER_LUA_VERSION"}

// newSandboxState makes the one Lua state all scripts share: base (minus
// the removed functions), table, string and math; no os, io, debug,
// package or coroutine.
func newSandboxState() *lua.LState {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       CallStackSize,
		RegistrySize:        RegistrySize,
		RegistryMaxSize:     RegistryMaxSize,
		MinimizeStackMemory: true,
	})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	for _, name := range removedGlobals {
		L.SetGlobal(name, lua.LNil)
	}
	str := L.GetGlobal("string").(*lua.LTable)
	realRep := str.RawGetString("rep").(*lua.LFunction)
	realFormat := str.RawGetString("format").(*lua.LFunction)
	str.RawSetString("rep", L.NewFunction(func(L *lua.LState) int {
		s, n := L.CheckString(1), L.CheckInt(2)
		if n > 0 && len(s)*n > MaxStringBytes {
			L.RaiseError("string.rep: result of %d bytes is over the limit of %d", len(s)*n, MaxStringBytes)
		}
		return callThrough(L, realRep)
	}))
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		if err := checkFormat(L.CheckString(1)); err != "" {
			L.RaiseError("string.format: %s", err)
		}
		return callThrough(L, realFormat)
	}))
	// math.random would be unseeded global state; scripts use random().
	math := L.GetGlobal("math").(*lua.LTable)
	math.RawSetString("randomseed", lua.LNil)
	math.RawSetString("random", lua.LNil)
	for _, name := range []string{"find", "match", "gmatch", "gsub"} {
		real := str.RawGetString(name).(*lua.LFunction)
		str.RawSetString(name, L.NewFunction(guardPattern(name, real)))
	}
	// Scripts cannot reach the string metatable (shared by every string).
	if mt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		mt.RawSetString("__metatable", lua.LString("locked"))
	}
	return L
}

// callThrough calls fn with the current arguments and returns its results.
func callThrough(L *lua.LState, fn *lua.LFunction) int {
	top := L.GetTop()
	L.Push(fn)
	for i := 1; i <= top; i++ {
		L.Push(L.Get(i))
	}
	L.Call(top, lua.MultRet)
	return L.GetTop() - top
}

// checkFormat refuses format widths and precisions over two digits, as
// Lua 5.1 itself does, so "%999999999d" cannot allocate a gigabyte.
func checkFormat(f string) string {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		digits := 0
		for ; i < len(f) && strings.IndexByte("-+ #0.123456789", f[i]) >= 0; i++ {
			if f[i] >= '0' && f[i] <= '9' {
				if digits++; digits > 2 {
					return fmt.Sprintf("width or precision too long in %q", f)
				}
			} else {
				digits = 0
			}
		}
	}
	return ""
}

// MaxPatternSteps bounds the worst case of one pattern call. Lua patterns
// backtrack: each repetition (*, +, -, ?) can multiply the work by the
// subject's length, and gopher-lua matches in Go, where the time budget
// cannot interrupt it. So a pattern with q repetitions is refused on a
// subject longer than the (q+1)th root of this (q=1: 1000 bytes, q=2: 100,
// q=3: 31); plain find (fourth argument true) has no such limit.
const MaxPatternSteps = 1_000_000

// guardPattern wraps string.find, match, gmatch and gsub with that check.
func guardPattern(name string, real *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		subject, pattern := L.CheckString(1), L.CheckString(2)
		plain := name == "find" && L.OptBool(4, false)
		if !plain {
			if limit := patternLimit(pattern); len(subject) > limit {
				L.RaiseError("string.%s: pattern %q has too many repetitions for a subject of %d bytes (at most %d here); use a simpler pattern, a shorter text or plain find", name, pattern, len(subject), limit)
			}
		}
		return callThrough(L, real)
	}
}

// patternLimit is the longest subject the pattern may run over.
func patternLimit(pattern string) int {
	q := 0
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '%':
			i++ // an escape: the next byte is literal or a class
		case '*', '+', '-', '?':
			if i > 0 {
				q++
			}
		}
	}
	limit := float64(MaxPatternSteps)
	if q > 0 {
		limit = math.Pow(limit, 1/float64(q+1))
	}
	return int(limit)
}
