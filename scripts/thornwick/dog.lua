-- The stray dog wanders the village on its own, never into the forest.

local dirs = { "north", "south", "east", "west" }

function on_tick(npc)
  if random(8) ~= 1 then
    return
  end
  local here = npc.room
  local d = dirs[random(#dirs)]
  local ex = here:exit(d)
  if ex and not ex.closed and ex.to and ex.to.area == here.area then -- a portal has no "to"
    npc:move(d)
  end
end

function on_greet(npc, actor)
  if random(3) == 1 then
    npc:emote("sniffs at " .. actor.name .. "'s boots hopefully.")
  end
end
