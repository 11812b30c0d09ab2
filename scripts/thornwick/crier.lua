-- The town crier: welcomes newcomers to the square and answers a few
-- words said aloud (news, bread, help, hello).

local answers = {
  { words = { "news", "rumour", "rumor", "tower" },
    reply = "Hear ye! Lights in the old watchtower again, and folk say a lever there moves a door far below!" },
  { words = { "bread", "bakery", "hungry", "food" },
    reply = "Fresh loaves at the Golden Crust, up Market Lane! The baker will trade a loaf for a sack of flour." },
  { words = { "help", "lost" },
    reply = "Read the notice board, friend, or type help newbie. And mind the Whisperwood after dark!" },
  { words = { "hello", "hi ", "greetings", "good day" },
    reply = "And a good day to you, %s!" },
}

function on_greet(npc, actor)
  local seen = npc.state.greeted or {}
  npc.state.greeted = seen
  if seen[actor.name] then
    npc:emote("tips his hat to " .. actor.name .. ".")
    return
  end
  seen[actor.name] = true
  npc:say("Welcome to Thornwick, " .. actor.name .. "! Ask me for news, or just say hello.")
end

function on_say(npc, actor, text)
  local lower = string.lower(text) .. " "
  for _, a in ipairs(answers) do
    for _, w in ipairs(a.words) do
      if string.find(lower, w, 1, true) then
        npc:say(string.format(a.reply, actor.name))
        return
      end
    end
  end
end
