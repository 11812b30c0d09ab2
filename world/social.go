package world

// Social is a data-driven emote (smile, nod, bow...): what the actor, the
// target and the room see, with and without a target.
type Social struct {
	Name string
	// Without a target.
	Self, Room string
	// With a target: what the actor, the target and the others see.
	ToActor, ToTarget, ToOthers string
}

func socialCommands() []*Command { return nil }

// Group is players who fight together and share experience.
type Group struct {
	Leader  *Player
	Members []*Player // the leader first
}
