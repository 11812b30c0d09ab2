package world

import "fmt"

// SetDoor sets the state of the door from r in direction d and of the exit
// that leads back, so both sides agree. It reports false if there is no
// door that way (a plain exit cannot be closed).
func (w *World) SetDoor(r *Room, d Dir, closed, locked bool) bool {
	ex := r.Exits[d]
	if ex == nil || !ex.Door {
		return false
	}
	ex.Closed, ex.Locked = closed, locked && closed
	w.touchExit(r, d)
	if back := ex.back(r, d); back != nil {
		back.Closed, back.Locked = ex.Closed, ex.Locked
		w.touchExit(ex.To, d.Reverse())
	}
	return true
}

// back is the exit that leads back to from, through which ex leads in
// direction d; nil if there is none (a one-way exit, a portal).
func (ex *Exit) back(from *Room, d Dir) *Exit {
	if ex.To == nil {
		return nil
	}
	if b := ex.To.Exits[d.Reverse()]; b != nil && b.To == from {
		return b
	}
	return nil
}

// doorCommand builds open, close, lock and unlock, which share their
// checks and differ in the state they want and the words they use.
func doorCommand(name, past string, closed, locked bool) *Command {
	return &Command{
		Name: name, Usage: name + " <direction>",
		Help: fmt.Sprintf("%ss the door in a direction. Locking and unlocking need the door's key.", capFirst(name)),
		Run: func(c *Ctx) {
			d, ok := ParseDir(c.Args)
			if !ok {
				c.Send(fmt.Sprintf("%s which way? (%s <direction>)", capFirst(name), name))
				return
			}
			r := c.P.Room
			ex := r.Exits[d]
			if ex == nil || !ex.Visible() || !ex.Door {
				c.Send("There is no door that way.")
				return
			}
			var problem string
			switch name {
			case "open":
				if !ex.Closed {
					problem = "The door %s is already open."
				} else if ex.Locked {
					problem = "The door %s is locked."
				}
			case "close":
				if ex.Closed {
					problem = "The door %s is already closed."
				}
			case "unlock":
				if !ex.Locked {
					problem = "The door %s is not locked."
				}
			case "lock":
				if ex.Locked {
					problem = "The door %s is already locked."
				} else if !ex.Closed {
					problem = "Close the door %s first."
				}
			}
			if problem == "" && (name == "lock" || name == "unlock") && !c.P.carries(ex.Key) {
				problem = "You do not have the key to the door %s."
			}
			if problem != "" {
				c.Send(fmt.Sprintf(problem, d))
				return
			}
			c.W.SetDoor(r, d, closed, locked)
			c.Send(fmt.Sprintf("You %s the door %s.", name, d))
			r.send(fmt.Sprintf("%s %ss the door %s.", c.P.Name, name, d), c.P)
			if ex.back(r, d) != nil {
				ex.To.send(fmt.Sprintf("The door %s is %s from the other side.", d.Reverse(), past), nil)
			}
		},
	}
}

// carries reports whether p holds an item of prototype proto.
func (p *Player) carries(proto string) bool {
	if proto == "" {
		return false
	}
	for _, it := range p.Items {
		if it.Proto.ID == proto {
			return true
		}
	}
	return false
}
