-- The miller keeps a routine on a timer: he works the grindstone, walks out
-- to the pond to check the sluice, and comes back in. His place in the
-- routine is kept in his state, so a reload picks it up where he was.

local routine = {
  { emote = "heaves a sack of grain into the hopper, sending up a cloud of flour." },
  { say = "Wheel's slowing. Best check the sluice.", move = "west" },
  { emote = "crouches by the sluice gate, clearing weed from the grate." },
  { say = "That'll do. Back to the stones.", move = "east" },
}

local function step(npc)
  local i = (npc.state.step or 0) % #routine + 1
  npc.state.step = i
  local s = routine[i]
  if s.say then npc:say(s.say) end
  if s.emote then npc:emote(s.emote) end
  if s.move then npc:move(s.move) end
end

function on_spawn(npc)
  every(15, step)
end

function on_say(npc, actor, text)
  if string.find(string.lower(text), "flour", 1, true) then
    npc:say("Flour's in the mill, " .. actor.name .. ". Take a sack up to the baker; she'll thank you for it.")
  end
end
