package engine

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"strings"
	"testing/fstest"

	"shardmud/engine/store"
	"shardmud/world"
	"shardmud/world/area"
)

// reportScript tells the log and every builder online about a script
// problem; the script host calls it from the loop.
func (s *Server) reportScript(msg string) {
	s.log.Warn("script", "msg", msg)
	s.notifyStaff("{R[script]{x " + msg)
	file, _, _ := strings.Cut(msg, ":")
	s.journal.record(store.Event{Kind: "script_error", Target: file, Details: map[string]any{"message": msg}})
}

// builderCommands are the engine's commands for builders: they reach the
// script host, which the world does not know.
func (s *Server) builderCommands() []*world.Command {
	return []*world.Command{
		{
			Name: "reload", MinRole: world.RoleBuilder,
			Usage: "reload [area] [discard]",
			Help: "Reloads area data and Lua scripts, all of them or one area's, without disconnecting anyone. " +
				"An area edited in the game keeps its edits over its file; 'reload <area> discard' drops them and loads the file. " +
				"Rooms keep who and what is in them, items and NPCs show their prototypes' new text, entities keep their script state; " +
				"files that fail to load leave the old version running and the error is shown with file and line.",
			Run: func(c *world.Ctx) { s.reload(c, strings.ToLower(strings.TrimSpace(c.Args))) },
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

// reload reads the world and script files on a goroutine of its own (the
// loop does no file I/O), then merges and recompiles on the loop; the audit
// trail records what failed to load, once known.
func (s *Server) reload(c *world.Ctx, args string) {
	p := c.P
	areaID, discard := args, false
	if id, ok := strings.CutSuffix(args, " discard"); ok {
		areaID, discard = strings.TrimSpace(id), true
	}
	c.Target = areaID
	if discard {
		if _, edited := s.areaEdits[areaID]; !edited {
			c.Fail(fmt.Sprintf("Area %q has no edits made in the game to discard.", areaID))
			return
		}
		delete(s.areaEdits, areaID)
		s.discarded = append(s.discarded, areaID)
		s.world.SaveSoon()
		p.Send(fmt.Sprintf("The edits made in the game to %s are discarded; its file is loaded instead. Rooms dug in the game stay until the next restart.", areaID))
	} else if _, edited := s.areaEdits[areaID]; edited && areaID != "" {
		p.Send(fmt.Sprintf("Note: %s was edited in the game; those edits are kept over its file. 'export %s' writes them out; 'reload %s discard' drops them for the file.", areaID, areaID, areaID))
	}
	edits := maps.Clone(s.areaEdits)
	p.Send("Reloading...")
	done := c.Later()
	var bp *world.Blueprint
	var scripts fstest.MapFS
	var werr, serr error
	s.offLoop(p, func() {
		bp, werr = loadSnapshot(s.cfg.World, edits)
		scripts, serr = snapshotFS(s.cfg.Scripts)
	}, func() {
		var msg, failed []string
		// Scripts first: entities that the merge gives a script then
		// start it once, with the new code.
		if serr != nil {
			msg = append(msg, "{RScripts not reloaded:{x "+serr.Error())
			failed = append(failed, "scripts not reloaded: "+serr.Error())
		} else {
			swapped, err := s.scripts.ReloadFrom(scripts, areaID)
			msg = append(msg, fmt.Sprintf("Reloaded %d script(s): %s", len(swapped), strings.Join(swapped, ", ")))
			if err != nil {
				msg = append(msg, "{RThese failed and keep their old version:{x\n"+err.Error())
				failed = append(failed, "scripts failed: "+err.Error())
			}
		}
		if werr != nil {
			msg = append(msg, "{RArea data not reloaded:{x\n"+werr.Error())
			failed = append(failed, "area data not reloaded: "+werr.Error())
		} else {
			if areaID != "" {
				bp = onlyArea(bp, areaID)
			}
			rep := s.world.Merge(bp)
			msg = append(msg, fmt.Sprintf("Area data: %d room(s) updated, %d added; %d prototype(s) updated, %d added.",
				rep.RoomsUpdated, rep.RoomsAdded, rep.ProtosUpdated, rep.ProtosAdded))
		}
		s.log.Info("reloaded", "by", p.Name, "area", areaID, "world_err", werr, "scripts_err", serr)
		p.Send(strings.Join(msg, "\n"))
		done(cmp.Or(strings.Join(failed, "; "), "ok"))
	})
}

// loadSnapshot reads a world folder into memory, with the areas edited in
// the game in place of their files, and parses it.
func loadSnapshot(fsys fs.FS, edits map[string][]byte) (*world.Blueprint, error) {
	snap, err := snapshotFS(fsys)
	if err != nil {
		return nil, err
	}
	for id, data := range edits {
		snap["areas/"+id+".yaml"] = &fstest.MapFile{Data: data}
	}
	return area.Load(snap)
}

// snapshotFS copies every file of fsys into memory.
func snapshotFS(fsys fs.FS) (fstest.MapFS, error) {
	snap := fstest.MapFS{}
	if fsys == nil {
		return snap, nil
	}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == "." && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		snap[path] = &fstest.MapFile{Data: data}
		return nil
	})
	return snap, err
}

// onlyArea narrows a blueprint to one area and its prototypes.
func onlyArea(bp *world.Blueprint, id string) *world.Blueprint {
	out := *bp
	out.Areas = nil
	for _, a := range bp.Areas {
		if a.ID == id {
			out.Areas = append(out.Areas, a)
		}
	}
	out.Items = map[string]*world.ItemProto{}
	out.Mobs = map[string]*world.MobProto{}
	for k, v := range bp.Items {
		if strings.HasPrefix(k, id+".") {
			out.Items[k] = v
		}
	}
	for k, v := range bp.Mobs {
		if strings.HasPrefix(k, id+".") {
			out.Mobs[k] = v
		}
	}
	return &out
}
