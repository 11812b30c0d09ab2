package script

import (
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// removedGlobals are base functions a builder's script must not reach: they
// load code from files or strings, reach other environments, or tune the
// collector for everyone.
var removedGlobals = []string{"dofile", "loadfile", "load", "loadstring", "require",
	"module", "collectgarbage", "getfenv", "setfenv", "newproxy", "print", "_printregs", "_GOPHER_LUA_VERSION"}

// lib is a shared library scripts reach only through read-only proxies:
// each script environment gets its own empty table whose metatable (mt,
// shared) reads from the library and refuses writes. So one script cannot
// change string.lower for the others, nor park data in a library where
// the memory walker would not find it.
type lib struct {
	name string
	mt   *lua.LTable
}

// newSandboxState makes the one Lua state all scripts share: base (minus
// the removed functions), table, string and math; no os, io, debug,
// package or coroutine. The libraries are taken out of the globals and
// returned, for newEnv to hand each script read-only proxies of them.
func newSandboxState() (*lua.LState, []lib) {
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
	var libs []lib
	readOnly := make(map[*lua.LTable]string)
	for _, name := range []string{lua.StringLibName, lua.TabLibName, lua.MathLibName} {
		real := L.GetGlobal(name).(*lua.LTable)
		mt := L.NewTable()
		mt.RawSetString("__index", real)
		mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s is shared by every script and read-only: keep your own functions and data in local variables or state", name)
			return 0
		}))
		mt.RawSetString("__metatable", lua.LString("locked"))
		libs = append(libs, lib{name: name, mt: mt})
		readOnly[mt] = name
		L.SetGlobal(name, lua.LNil)
	}
	// No coroutines: a coroutine resumed later runs outside the hook that
	// made it. A stand-in says so, with the line that tried.
	absentMT := L.NewTable()
	absentMT.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("coroutine.%s: coroutines are not available to scripts; use after() or every() to do work later", L.CheckString(2))
		return 0
	}))
	absentMT.RawSetString("__newindex", absentMT.RawGetString("__index"))
	absentMT.RawSetString("__metatable", lua.LString("locked"))
	libs = append(libs, lib{name: "coroutine", mt: absentMT}) // one stand-in per script, like the libraries
	readOnly[absentMT] = "coroutine"
	// rawset would write past __newindex into a proxy.
	realRawset := L.GetGlobal("rawset").(*lua.LFunction)
	L.SetGlobal("rawset", L.NewFunction(func(L *lua.LState) int {
		if mt, ok := L.CheckTable(1).Metatable.(*lua.LTable); ok && readOnly[mt] != "" {
			L.RaiseError("%s is shared by every script and read-only", readOnly[mt])
		}
		return callThrough(L, realRawset)
	}))
	return L, libs
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
