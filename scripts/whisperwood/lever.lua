-- The rusted lever on the tower stair: pull it, and the sealed iron door
-- in the cellar grinds open. An hour of game time later it grinds shut.
--
-- When it should shut is kept in state (close_at, in now() seconds), not
-- only in a timer: a reload of this file cancels its timers, and a restart
-- drops them all while the open door is saved. So on_spawn (start,
-- restart, reload) and every heartbeat check it, and close it if overdue.

local CELLAR = "whisperwood.tower_cellar"
local STAIR = "whisperwood.tower_stair"
local OPEN_FOR = hours(1)

local function shut(item)
  item.state.close_at = nil
  local cellar = room(CELLAR)
  if cellar:exit("north").closed then
    return
  end
  cellar:close("north")
  cellar:send("The iron door grinds shut again.")
  room(STAIR):send("With a clank, the lever springs back up.")
end

-- check shuts the door when its time is up, or when the time left is
-- longer than it could be: now() starts again at 0 after a restart.
local function check(item)
  local at = item.state.close_at
  if not at then
    return
  end
  local left = at - now()
  if left <= 0 or left > OPEN_FOR then
    shut(item)
  end
end

function on_spawn(item)
  if not room(CELLAR):exit("north").closed and not item.state.close_at then
    item.state.close_at = now() -- open with no deadline (a restart of an old save): shut it
  end
  check(item)
  if item.state.close_at then
    after(item.state.close_at - now(), shut)
  end
end

function on_tick(item)
  check(item)
end

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
  item.state.close_at = now() + OPEN_FOR
  after(OPEN_FOR, shut)
  return true
end
