package script

import (
	"os"
	"strings"
	"testing"
)

// guidePath is the builders' guide to Lua scripting.
const guidePath = "../../docs/lua.md"

// guideHooks are the hooks the world calls (or reserves), as builders
// write them; the guide must explain each one.
var guideHooks = []string{
	// rooms (on_say, on_command, on_tick and on_spawn serve NPCs or items too)
	"on_enter", "on_leave", "on_say", "on_command", "on_tick", "on_spawn",
	// NPCs (on_attacked and on_death are reserved for combat)
	"on_greet", "on_give", "on_attacked", "on_death", "on_damage", "on_damaged",
	// items
	"on_get", "on_drop", "on_use",
}

// TestGuideCoversAPI checks that docs/lua.md names every API function and
// field scripts can reach, in the form builders write them (random,
// room:send, npc.state, ...), and every hook. A name counts when a code
// span starts with it, functions and hooks written as calls: `npc:say(text)`,
// `random(n)`, `on_enter(room, actor, from)`, `npc.state`. A plain word in
// the prose ("send", "random") is not enough.
func TestGuideCoversAPI(t *testing.T) {
	data, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatalf("read the guide: %v", err)
	}
	guide := string(data)
	var missing []string
	for _, name := range APINames() {
		if !strings.Contains(guide, "`"+name+callParen(name)) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s does not document these API names (write each at the start of a code span, e.g. `%s`):\n  %s",
			guidePath, example(missing[0]), strings.Join(missing, "\n  "))
	}
	missing = missing[:0]
	for _, hook := range guideHooks {
		if !strings.Contains(guide, "`"+hook+"(") {
			missing = append(missing, hook)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s does not document these hooks (write each as a call, e.g. `%s(...)`):\n  %s",
			guidePath, missing[0], strings.Join(missing, "\n  "))
	}
}

// callParen is "(" for a function (a global or a method), "" for a field.
func callParen(name string) string {
	if strings.Contains(name, ".") {
		return ""
	}
	return "("
}

// example is how the guide could write name: `npc:say(...)`, `npc.state`.
func example(name string) string {
	if callParen(name) != "" {
		return name + "(...)"
	}
	return name
}
