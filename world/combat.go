package world

func combatCommands() []*Command { return nil }

// gameTick runs the game's timed rules: combat rounds, regeneration.
func (w *World) gameTick() {}
