-- The baker trades a warm loaf for a sack of flour from the mill, and hands
-- back anything else she is given.

function on_give(npc, actor, item)
  if item.proto ~= "thornwick.flour_sack" then
    npc:say("Kind of you, but I've no use for " .. item.name .. ".")
    npc:give(item, actor)
    return
  end
  item:remove()
  npc.state.sacks = (npc.state.sacks or 0) + 1
  npc:say("Flour from the mill! Bless you, " .. actor.name .. ". Here, a loaf, still warm.")
  local loaf = npc.room:spawn_item("bread")
  loaf:move_to(actor)
  actor:send("The baker presses a warm loaf of bread into your hands.")
end

function on_greet(npc, actor)
  local sacks = npc.state.sacks or 0
  if sacks > 0 then
    npc:say("Welcome! " .. sacks .. " sacks of flour traded so far this season.")
  end
end
