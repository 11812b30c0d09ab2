package script

import (
	"fmt"
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
	// a backoff that doubles from DisableFor up to DisableMax.
	FailuresToDisable = 3
	// MaxTimersPerTick bounds the timers run in one tick; the rest wait.
	MaxTimersPerTick = 2000
)

// removedGlobals are base functions a builder's script must not reach: they
// load code from files or strings, reach other environments, or tune the
// collector for everyone.
var removedGlobals = []string{"dofile", "loadfile", "load", "loadstring", "require",
	"module", "collectgarbage", "getfenv", "setfenv", "newproxy", "print", "_GOPHER_LUA_VERSION"}

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
	L.GetGlobal("math").(*lua.LTable).RawSetString("randomseed", lua.LNil)
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
