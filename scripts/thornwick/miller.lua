-- The miller keeps the hours of the game clock: he works the mill from
-- dawn (six) until six in the evening, spends the evening at the inn, and
-- goes home to his cottage by the pond for the night. He walks there one
-- room at a time, checking the clock four times each game hour.

local MILL = "thornwick.watermill"
local INN = "thornwick.inn"
local HOME = "thornwick.miller_cottage"

-- The way to each place: the direction to take from each room on the way.
local ways = {
  [MILL] = { ["thornwick.miller_cottage"] = "north", ["thornwick.millpond"] = "east",
             ["thornwick.mill_road"] = "south", ["thornwick.inn"] = "east" },
  [INN] = { ["thornwick.watermill"] = "west", ["thornwick.miller_cottage"] = "north",
            ["thornwick.millpond"] = "north", ["thornwick.mill_road"] = "west" },
  [HOME] = { ["thornwick.watermill"] = "west", ["thornwick.millpond"] = "south",
             ["thornwick.mill_road"] = "south", ["thornwick.inn"] = "east" },
}

local arrive = {
  [MILL] = "opens the sluice and sets the millstones turning.",
  [INN] = "settles by the fire with a mug of ale, flour still in his hair.",
  [HOME] = "yawns, kicks off his floury boots and banks the fire for the night.",
}

local work = {
  "heaves a sack of grain into the hopper, sending up a cloud of flour.",
  "crouches by the sluice gate, clearing weed from the grate.",
  "runs a handful of fresh flour through his fingers and nods.",
}

-- where he should be at this hour
local function goal()
  local h = hour()
  if h >= 6 and h < 18 then
    return MILL
  elseif h >= 18 and h < 22 then
    return INN
  end
  return HOME
end

local function step(npc)
  local want = goal()
  local here = npc.room.id
  if here ~= want then
    npc.state.at = nil
    local dir = ways[want][here]
    if dir then
      npc:move(dir)
    end
    return
  end
  if npc.state.at ~= want then
    npc.state.at = want
    npc:emote(arrive[want])
  elseif want == MILL and random(12) == 1 then
    npc:emote(work[random(#work)])
  end
end

function on_spawn(npc)
  every(math.max(hours(0.25), 0.1), step)
end

function on_say(npc, actor, text)
  if string.find(string.lower(text), "flour", 1, true) then
    npc:say("Flour's in the mill, " .. actor.name .. ". Take a sack up to the baker; she'll thank you for it.")
  end
end
