package world

// Scripted is something that can carry a builder's behaviour: a *Room, a
// *Mobile or an *Item.
type Scripted interface {
	// Behaviour names its script, "" for none.
	Behaviour() string
}

func (r *Room) Behaviour() string   { return r.Script }
func (m *Mobile) Behaviour() string { return m.Proto.Script }
func (it *Item) Behaviour() string  { return it.Proto.Script }

// Scripts runs behaviours. The world calls it from its own goroutine;
// an implementation must bound the time each call takes and must never let
// a failing script reach the world's caller.
type Scripts interface {
	// Hook calls hook (e.g. "on_enter") of owner's behaviour with args and
	// reports whether it returned true, which claims a command.
	Hook(owner Scripted, hook string, args ...any) bool
	// Number calls hook and returns the number it returned, if it did (the
	// damage hooks change amounts this way).
	Number(owner Scripted, hook string, args ...any) (float64, bool)
	// Has reports whether owner's behaviour defines hook.
	Has(owner Scripted, hook string) bool
	// Spawned and Removed tell of scripted entities arriving and leaving,
	// for on_spawn, heartbeats and timers.
	Spawned(owner Scripted)
	Removed(owner Scripted)
	// Tick runs the timers and heartbeats due at w's current tick.
	Tick(w *World)

	// SaveState encodes owner's script state, nil if it has none;
	// LoadState gives a restored owner its saved state before Spawned.
	SaveState(owner Scripted) []byte
	LoadState(owner Scripted, data []byte)
	// TakeStates returns the state of the entities whose state may have
	// changed since the last call (and did), and forgets them.
	TakeStates() []ScriptState
}

// ScriptState is one entity's encoded script state; nil Data: none.
type ScriptState struct {
	Owner Scripted
	Data  []byte
}

// noScripts is the Scripts of a world without any.
type noScripts struct{}

func (noScripts) Hook(Scripted, string, ...any) bool              { return false }
func (noScripts) Has(Scripted, string) bool                       { return false }
func (noScripts) Number(Scripted, string, ...any) (float64, bool) { return 0, false }
func (noScripts) Spawned(Scripted)                                {}
func (noScripts) Removed(Scripted)                                {}
func (noScripts) Tick(*World)                                     {}
func (noScripts) SaveState(Scripted) []byte                       { return nil }
func (noScripts) LoadState(Scripted, []byte)                      {}
func (noScripts) TakeStates() []ScriptState                       { return nil }

// hook calls a hook if owner has a behaviour at all, so the common case
// (no script) costs one string comparison.
func (w *World) hook(owner Scripted, name string, args ...any) bool {
	if owner.Behaviour() == "" {
		return false
	}
	return w.cfg.Scripts.Hook(owner, name, args...)
}

// SetScripts installs the behaviour runner; entities already in the world
// are announced to it as if just spawned, with the script state a restored
// world saved for them.
func (w *World) SetScripts(s Scripts) {
	w.cfg.Scripts = s
	w.eachScripted(func(x Scripted) {
		if len(w.pending) > 0 {
			if data, ok := w.pending[EntityKey(x)]; ok {
				s.LoadState(x, data)
			}
		}
		s.Spawned(x)
	})
	w.pending = nil
}

// scripted returns the things in lists that have a behaviour, as a copy
// that hooks cannot disturb; nil, without allocating, when none has.
func scripted[T Scripted](lists ...[]T) []T {
	var out []T
	for _, list := range lists {
		for _, x := range list {
			if x.Behaviour() != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// anyScripted reports whether any of items has a behaviour.
func anyScripted(items []*Item) bool {
	for _, it := range items {
		if it.Proto.Script != "" {
			return true
		}
	}
	return false
}
