-- The rusted lever on the tower stair: pull it, and the sealed iron door
-- in the cellar grinds open. A minute later it grinds shut again.

local CELLAR = "whisperwood.tower_cellar"
local STAIR = "whisperwood.tower_stair"

function on_command(item, actor, verb, args)
  if verb ~= "pull" and verb ~= "push" and verb ~= "move" then
    return false
  end
  if not string.find(string.lower(args), "lever", 1, true) then
    return false
  end
  local cellar = room(CELLAR)
  if not cellar:exit("north").closed then
    actor:send("The lever is already down; its chain hangs slack.")
    return true
  end
  actor:send("You throw your weight on the lever. It shrieks, gives, and slams down.")
  for _, p in ipairs(actor.room:players()) do
    if p ~= actor then
      p:send(actor.name .. " hauls the rusted lever down with a shriek of iron.")
    end
  end
  actor.room:send("Far below, something heavy grinds against stone.")
  cellar:open("north")
  cellar:send("With a grinding of stone, the black iron door in the north wall swings open.")
  after(60, function()
    cellar:close("north")
    cellar:send("The iron door grinds shut again.")
    room(STAIR):send("With a clank, the lever springs back up.")
  end)
  return true
end
