package world

import "time"

// The game clock. Time of day is derived from the tick count, so it stays
// deterministic for tests and needs no clock of its own: a new world
// starts at DawnHour, and one game day passes every Config.Day of ticks.
// Snapshots keep the minute of the game day (Delta.GameMinute), and a
// restored world goes on from it, so a restart does not bring the dawn
// back.
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
func (w *World) Hour() int { return w.GameMinute() / 60 }

// GameMinute is the minute of the game day now, 0 to 1439.
func (w *World) GameMinute() int {
	day := w.DayTicks()
	into := (w.tick + w.clockBase) % day
	return int((into*minutesADay/day + DawnHour*60) % minutesADay)
}

// setGameMinute sets the clock so that now is minute m of the game day
// (a restored world going on from its save).
func (w *World) setGameMinute(m int) {
	if m < 0 || m >= minutesADay {
		return
	}
	day := w.DayTicks()
	since := uint64((m - DawnHour*60 + minutesADay) % minutesADay) // minutes after dawn
	want := (since*day + minutesADay - 1) / minutesADay            // the first tick of that minute
	w.clockBase = (want + day - w.tick%day) % day
}

const minutesADay = 24 * 60

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
