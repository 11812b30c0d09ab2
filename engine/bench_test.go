package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"shardmud/data"
	"sync/atomic"
	"testing"
	"time"
)

// pipeDoor is a door with no socket: lines come from a channel and output is
// counted and dropped, so benchmarks measure the engine, not the kernel.
type pipeDoor struct {
	lines  chan string
	closed chan struct{}
	out    atomic.Int64
	says   atomic.Int64 // lines with "say" delivered: the crowd benchmark's receipts
}

func newPipeDoor() *pipeDoor {
	return &pipeDoor{lines: make(chan string, 64), closed: make(chan struct{})}
}

func (d *pipeDoor) ReadLine() (string, error) {
	select {
	case l := <-d.lines:
		return l, nil
	case <-d.closed:
		return "", io.EOF
	}
}
func (d *pipeDoor) Write(p []byte) (int, error) { d.count(p); return len(p), nil }
func (d *pipeDoor) WritePrompt(p []byte) error  { d.count(p); return nil }
func (d *pipeDoor) count(p []byte) {
	d.out.Add(int64(len(p)))
	d.says.Add(int64(bytes.Count(p, []byte("say"))))
}
func (d *pipeDoor) HideInput(bool) error            { return nil }
func (d *pipeDoor) SetReadDeadline(time.Time) error { return nil }
func (d *pipeDoor) Term() screen                    { return screen{Width: 80} }
func (d *pipeDoor) RemoteAddr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (d *pipeDoor) Protocol() string                { return "pipe" }
func (d *pipeDoor) Close() error {
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
	return nil
}

// benchEngine starts a server with n logged-in pipe sessions.
func benchEngine(b *testing.B, n int) (*Server, []*pipeDoor) {
	cfg := Config{
		DBPath: b.TempDir() + "/bench.db",
		World:  data.FS,
		// A short tick, so the per-session allowance (CommandsPerTick)
		// is not what the benchmark measures.
		Tick:       time.Millisecond,
		BcryptCost: 4,
		Seed:       1,
		Logger:     testLogger(),
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	doors := make([]*pipeDoor, n)
	for i := range doors {
		doors[i] = newPipeDoor()
		srv.serve(doors[i])
		doors[i].lines <- fmt.Sprintf("create bench%s password1", letters(i))
		if i%100 == 99 { // stay under MaxQueuedHashes
			waitFor(b, func() bool { return srv.Stats().Logins == uint64(i+1) })
		}
	}
	// In the world, not only logged in: a login counts before the loop
	// has placed the character, and a say before that misses it.
	waitFor(b, func() bool { st := srv.Stats(); return st.Logins == uint64(n) && st.Players == int64(n) })
	b.Cleanup(func() {
		for _, d := range doors {
			d.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, doors
}

// letters names bench characters, whose names may hold letters only.
func letters(i int) string {
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		i /= 26
		if i == 0 {
			return s
		}
	}
}

func waitFor(b *testing.B, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// send hands a line to a session, failing if the server dropped it.
func (d *pipeDoor) send(b *testing.B, line string) {
	select {
	case d.lines <- line:
	case <-d.closed:
		b.Fatal("the server closed a session (slow consumer?)")
	}
}

// BenchmarkEngineInventory: a command only the typist sees, from 1,000
// sessions at once: the engine's dispatch throughput.
func BenchmarkEngineInventory(b *testing.B) {
	srv, doors := benchEngine(b, 1000)
	base := srv.Stats().Commands
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		doors[i%len(doors)].send(b, "inventory")
	}
	waitFor(b, func() bool { return srv.Stats().Commands >= base+uint64(b.N) })
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commands/s")
}

// BenchmarkEngineSayCrowd: 100 players in one room take turns to say a
// line, which every one of them receives: each command is 100 deliveries
// through the engine, the outboxes and the writers. It runs in rounds (one
// say per player, then wait for every delivery), so writers are measured
// too and nobody falls behind into a slow-consumer disconnect.
func BenchmarkEngineSayCrowd(b *testing.B) {
	const players = 100
	_, doors := benchEngine(b, players)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	sent := 0
	for sent < b.N {
		for _, d := range doors {
			d.send(b, "say hello everyone")
			sent++
		}
		want := int64(sent)
		waitFor(b, func() bool {
			for _, d := range doors {
				if d.says.Load() < want {
					return false
				}
			}
			return true
		})
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "commands/s")
	b.ReportMetric(float64(sent*players)/elapsed.Seconds(), "deliveries/s")
}
