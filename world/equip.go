package world

func equipCommands() []*Command { return nil }

// getFrom handles "get <item> from <container>" and "get all <container>";
// it reports whether it took the command.
func getFrom(c *Ctx) bool { return false }
