package script

import (
	"context"
	"sync/atomic"
	"time"
)

// budget is the context every Lua call runs under: one reusable context
// whose Done channel a timer closes when the running call's time is up.
// A fresh context.WithTimeout per hook call would cost a timer and several
// allocations each time; this costs a timer reset.
type budget struct {
	done     atomic.Pointer[chan struct{}]
	closed   atomic.Bool
	running  atomic.Bool
	deadline atomic.Int64 // Unix nanoseconds
	timer    *time.Timer
}

func newBudget() *budget {
	b := &budget{}
	ch := make(chan struct{})
	b.done.Store(&ch)
	b.timer = time.AfterFunc(time.Hour, b.expire)
	b.timer.Stop()
	return b
}

// start arms the budget for a call of at most d.
func (b *budget) start(d time.Duration) {
	if b.closed.Load() { // the last call overran: a new, open channel
		ch := make(chan struct{})
		b.done.Store(&ch)
		b.closed.Store(false)
	}
	b.deadline.Store(time.Now().Add(d).UnixNano())
	b.running.Store(true)
	b.timer.Reset(d)
}

// stop disarms it when the call returns.
func (b *budget) stop() {
	b.running.Store(false)
	b.timer.Stop()
}

// expire runs on the timer's goroutine. A late timer from an earlier call
// finds the deadline not yet reached, or nothing running, and does nothing.
func (b *budget) expire() {
	if b.running.Load() && time.Now().UnixNano() >= b.deadline.Load() && b.closed.CompareAndSwap(false, true) {
		close(*b.done.Load())
	}
}

func (b *budget) Deadline() (time.Time, bool) { return time.Unix(0, b.deadline.Load()), true }
func (b *budget) Done() <-chan struct{}       { return *b.done.Load() }
func (b *budget) Value(any) any               { return nil }
func (b *budget) Err() error {
	if b.closed.Load() {
		return context.DeadlineExceeded
	}
	return nil
}
