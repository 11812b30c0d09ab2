package world

func shopCommands() []*Command { return nil }
