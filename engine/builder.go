package engine

import (
	"fmt"
	"strings"

	"shardmud/world"
)

// reportScript tells the log and every builder online about a script
// problem; the script host calls it from the loop.
func (s *Server) reportScript(msg string) {
	s.log.Warn("script", "msg", msg)
	if s.world != nil {
		s.world.NotifyStaff("{R[script]{x " + msg)
	}
}

// builderCommands are the engine's commands for builders: they reach the
// script host, which the world does not know.
func (s *Server) builderCommands() []*world.Command {
	return []*world.Command{
		{
			Name: "reload", MinRole: world.RoleBuilder, Usage: "reload [area]",
			Help: "Recompiles the Lua scripts, all of them or one area's, without disconnecting anyone. " +
				"Entities keep their state; a script that fails to compile keeps running its old version and the error is shown with file and line.",
			Run: func(c *world.Ctx) {
				area := strings.TrimSpace(c.Args)
				swapped, err := s.scripts.Reload(area)
				if len(swapped) == 0 && err == nil {
					c.Send(fmt.Sprintf("No scripts found for %q.", area))
					return
				}
				msg := fmt.Sprintf("Reloaded %d script(s): %s", len(swapped), strings.Join(swapped, ", "))
				if err != nil {
					msg += "\n{RThese failed and keep their old version:{x\n" + err.Error()
				}
				s.log.Info("scripts reloaded", "by", c.P.Name, "count", len(swapped), "errors", err)
				c.Send(msg)
			},
		},
		{
			Name: "lua", MinRole: world.RoleBuilder, Usage: "lua <code>",
			Help: "Runs Lua in the scripts' sandbox and time budget, with here (this room) and me (you) bound, and shows the result. " +
				"Example: lua here.name, or lua here:send('A chill passes through the room.')",
			Run: func(c *world.Ctx) {
				if c.Args == "" {
					c.Send("Run what? (lua <code>)")
					return
				}
				c.Send(s.scripts.Eval(c.P, c.Args))
			},
		},
	}
}
