package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// A server greeting and a prompt, as shardmud sends them to a client that
// negotiates nothing.
var lineCases = []struct {
	name string
	in   string
	want []string
}{
	{"plain", "one\r\ntwo\r\n", []string{"one", "two"}},
	{"bare LF and CR NUL", "one\ntwo\r\x00three\r\n", []string{"one", "twothree"}},
	{"blank lines skipped", "\r\n\r\none\r\n\r\n", []string{"one"}},
	{"negotiation", "\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18\xff\xfb\x2aWelcome\r\n", []string{"Welcome"}},
	{"subnegotiation", "a\xff\xfa\x18\x01\xff\xf0b\r\n", []string{"ab"}},
	{"IAC inside subnegotiation", "a\xff\xfa\x18\xff\xff\x01\xff\xf0b\r\n", []string{"ab"}},
	{"SE outside subnegotiation payload", "a\xff\xfa\x18\xf0\x01\xff\xf0b\r\n", []string{"ab"}},
	{"doubled IAC is a byte", "x\xff\xffy\r\n", []string{"x\xffy"}},
	{"GA ends a prompt", "Name: \xff\xf9You say, \"hi\"\r\n", []string{"Name: ", `You say, "hi"`}},
	{"EOR ends a prompt", "> \xff\xefExits: north\r\n", []string{"> ", "Exits: north"}},
	{"empty prompt", "\xff\xf9a\r\n", []string{"a"}},
	{"other commands skipped", "a\xff\xf1b\xff\xf4c\r\n", []string{"abc"}},
	{"unfinished last line dropped", "a\r\nb", []string{"a"}},
}

// readAll reads every line from lr until the stream ends.
func readAll(t *testing.T, lr *lineReader) []string {
	t.Helper()
	var got []string
	for {
		line, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("next: %v", err)
			}
			return got
		}
		got = append(got, string(line))
	}
}

// splitReader returns its input in two reads, cut at the given byte: the
// way TCP may deliver it.
type splitReader struct {
	parts [][]byte
}

func (s *splitReader) Read(p []byte) (int, error) {
	for len(s.parts) > 0 && len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.parts[0])
	s.parts[0] = s.parts[0][n:]
	return n, nil
}

func TestLineReaderSplitAnywhere(t *testing.T) {
	for _, tc := range lineCases {
		t.Run(tc.name, func(t *testing.T) {
			for cut := 0; cut <= len(tc.in); cut++ {
				in := []byte(tc.in)
				lr := newLineReader(&splitReader{[][]byte{in[:cut], in[cut:]}}, readSize, maxLine)
				if got := readAll(t, lr); !slices.Equal(got, tc.want) {
					t.Fatalf("cut at %d: got %q, want %q", cut, got, tc.want)
				}
			}
			lr := newLineReader(iotest.OneByteReader(strings.NewReader(tc.in)), readSize, maxLine)
			if got := readAll(t, lr); !slices.Equal(got, tc.want) {
				t.Fatalf("byte by byte: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLineReaderSmallBuffers(t *testing.T) {
	in := "first line\r\n\xff\xfb\x03second\xff\xf9third\r\n"
	lr := newLineReader(strings.NewReader(in), 3, 6) // lines cut to 6 bytes
	got := readAll(t, lr)
	want := []string{"first ", "second", "third"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// repeatReader serves the same bytes forever.
type repeatReader struct{ b []byte }

func (r *repeatReader) Read(p []byte) (int, error) { return copy(p, r.b), nil }

func TestLineReaderDoesNotAllocate(t *testing.T) {
	chunk := []byte("Botaaab says, \"b1 n2\"\r\n> \xff\xf9Exits: north east south west\r\n")
	lr := newLineReader(&repeatReader{chunk}, readSize, maxLine)
	lr.next() // first call warms up
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := lr.next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per line, want 0", allocs)
	}
}

// FuzzLineReader checks that a stream split in two reads gives the same
// lines as the stream whole, and that no line is empty or over the limit.
func FuzzLineReader(f *testing.F) {
	for _, tc := range lineCases {
		f.Add([]byte(tc.in), uint16(len(tc.in)/2))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		c := int(cut) % (len(in) + 1)
		whole := readAll(t, newLineReader(bytes.NewReader(in), 7, 64))
		split := readAll(t, newLineReader(&splitReader{[][]byte{in[:c:c], in[c:]}}, 7, 64))
		if !slices.Equal(whole, split) {
			t.Fatalf("split at %d: %q, whole: %q", c, split, whole)
		}
		for _, l := range whole {
			if l == "" || len(l) > 64 {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}

// BenchmarkBotLine is a bot's cost per line the server sends it (another
// player talking), beyond the read syscall: telnet stripping, line
// scanning and judging.
func BenchmarkBotLine(b *testing.B) {
	chunk := []byte("Botaaab says, \"b1 n2\"\r\n> \xff\xf9")
	r := newRunner(Config{Prefix: "bot"}, "", context.Background())
	bot := newBot(r, 0)
	bot.want = expectation{kind: expAnswer, exact: []byte(`You say, "b0 n1"`)}
	lr := newLineReader(&repeatReader{chunk}, readSize, maxLine)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		line, _ := lr.next()
		bot.judge(trimPrompt(line))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlines/s")
}
