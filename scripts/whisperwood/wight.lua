-- The barrow wight, the Whisperwood's boss: it wakes when attacked, deals
-- a freezing blow every third strike, shrugs off the blows of the weak,
-- and leaves its circlet behind when it falls.

function on_attacked(npc, attacker)
  npc:say("Who dares wake the captain of the watch?")
  npc.state.blows = 0
end

-- Every third blow it lands is a freezing one: double damage.
function on_damage(npc, victim, amount)
  npc.state.blows = (npc.state.blows or 0) + 1
  if npc.state.blows % 3 == 0 then
    victim:send("The wight's icy claws rake through you, freezing your blood!")
    npc.room:send("The barrow wight's claws flash with frost.")
    return amount * 2
  end
end

-- Steel in untried hands barely troubles it.
function on_damaged(npc, attacker, amount)
  if attacker.is_player and attacker.level < 4 then
    return math.floor(amount / 2)
  end
end

function on_death(npc, killer)
  npc.room:send("With a long sigh the wight crumbles into cold mist. Something clatters to the floor.")
  npc.room:spawn_item("barrow_crown")
end
