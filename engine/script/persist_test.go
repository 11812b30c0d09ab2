package script

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const stateful = `
function on_spawn(npc)
  local s = npc.state
  s.name = "Old \"Tom\"\n\tthe miller"
  s.bytes = "caf" .. string.char(233) -- not UTF-8: saved as U+FFFD
  s.n, s.neg, s.frac = 42, -7, 0.125
  s.yes, s.no = true, false
  s.list = {"a", "b", {x = 1}}
  s.mixed = {[1] = "one", [3] = "three", key = "v"}
  s["#hash"] = "kept"
  s.fn = function() end           -- not saved
  s.nan = 0/0                     -- not saved
  s.inf = 1/0                     -- not saved
  local loop = {}
  loop.self = loop                -- a cycle: cut
  s.loop = loop
  local deep = {}
  local cur = deep
  for i = 1, 40 do cur.next = {} cur = cur.next end
  s.deep = deep                   -- cut at MaxStateDepth
end

function check(npc)
  local s = npc.state
  return s.name == "Old \"Tom\"\n\tthe miller" and s.n == 42 and s.neg == -7 and s.frac == 0.125
    and s.yes == true and s.no == false and #s.list == 3 and s.list[3].x == 1
    and s.mixed[1] == "one" and s.mixed[3] == "three" and s.mixed[2] == nil and s.mixed.key == "v"
    and s["#hash"] == "kept" and s.fn == nil and s.nan == nil and s.inf == nil
    and type(s.loop) == "table" and s.loop.self == nil
    and s.bytes == "caf\239\191\189"
end
`

func TestStateRoundTrip(t *testing.T) {
	w, h := benchWorld(t, 1, stateful)
	m := w.Start().Mobs[0]
	data := h.SaveState(m)
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("saved state is not JSON: %v\n%s", err, data)
	}
	if v["n"] != 42.0 || v["##hash"] != "kept" {
		t.Errorf("saved %s", data)
	}
	if strings.Count(string(data), "next") > MaxStateDepth {
		t.Errorf("a state nested deeper than %d was saved whole", MaxStateDepth)
	}

	w2, h2 := benchWorld(t, 1, stateful)
	m2 := w2.Start().Mobs[0]
	h2.LoadState(m2, data)
	if !h2.Hook(m2, "check") {
		t.Fatalf("the state did not come back as it was saved:\n%s", data)
	}
	again := h2.SaveState(m2)
	var v2 map[string]any
	json.Unmarshal(again, &v2)
	if !reflect.DeepEqual(v, v2) {
		t.Errorf("saving a loaded state changed it:\n%s\n%s", data, again)
	}
}

func TestTakeStatesOnlyChanged(t *testing.T) {
	w, h := benchWorld(t, 3, `
function on_spawn(npc) npc.state.n = 1 end
function bump(npc) npc.state.n = npc.state.n + 1 end
function peek(npc) return npc.state.n > 0 end
function wipe(npc) npc.state.n = nil end
`)
	mobs := w.Start().Mobs
	if got := len(h.TakeStates()); got != 3 {
		t.Fatalf("after spawning, %d states to save, want 3", got)
	}
	h.Hook(mobs[0], "peek") // reached but not changed
	h.Hook(mobs[1], "bump")
	got := h.TakeStates()
	if len(got) != 1 || got[0].Owner != mobs[1] || string(got[0].Data) != `{"n":2}` {
		t.Fatalf("after one bump: %+v", got)
	}
	h.Hook(mobs[2], "wipe")
	got = h.TakeStates()
	if len(got) != 1 || got[0].Owner != mobs[2] || got[0].Data != nil {
		t.Fatalf("after emptying a state: %+v, want it with no data (delete)", got)
	}
	if got := h.TakeStates(); len(got) != 0 {
		t.Fatalf("nothing happened, yet %d states to save", len(got))
	}
}

// FuzzLoadState: whatever is in the database's script_state column, loading
// it neither panics nor keeps something that cannot be saved again.
func FuzzLoadState(f *testing.F) {
	for _, s := range []string{`{"n":1}`, `[1,2,{"a":null}]`, `{"#3":"x","##y":true}`, `"str"`, `{`, `null`, `{"a":[[[[[]]]]]}`, "\xff"} {
		f.Add([]byte(s))
	}
	w, h := benchWorld(f, 1, "function on_tick(npc) end")
	m := w.Start().Mobs[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		h.LoadState(m, data)
		if out := h.SaveState(m); out != nil && !json.Valid(out) {
			t.Fatalf("loaded %q, saved invalid JSON %q", data, out)
		}
	})
}
