package world

import "time"

// The game clock. Time of day is derived from the tick count alone, so it
// stays deterministic for tests and needs no clock of its own: a world
// started at tick 0 starts at DawnHour, and one game day passes every
// Config.Day of ticks. The tick count is not saved, so a restart starts a
// new day at dawn.
const (
	// DefaultDay is a game day in real time: 24 minutes, an hour a minute.
	DefaultDay = 24 * time.Minute
	// DawnHour is the hour a world starts at.
	DawnHour = 6
)

// DayTicks is the number of ticks in one game day (at least 24).
func (w *World) DayTicks() uint64 { return max(uint64(w.cfg.Day/w.cfg.Tick), 24) }

// HourTicks is the number of ticks in one game hour (at least one).
func (w *World) HourTicks() uint64 { return max(w.DayTicks()/24, 1) }

// Hour is the hour of the game day now, 0 to 23.
func (w *World) Hour() int { return int((w.tick/w.HourTicks() + DawnHour) % 24) }

// TimeOfDay names the part of the day an hour falls in: "night" (22 to 5),
// "morning" (6 to 11), "afternoon" (12 to 17) or "evening" (18 to 21).
func TimeOfDay(hour int) string {
	switch {
	case hour >= 22 || hour < 6:
		return "night"
	case hour < 12:
		return "morning"
	case hour < 18:
		return "afternoon"
	}
	return "evening"
}
