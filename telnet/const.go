package telnet

import "time"

// Limits. Every buffer the package keeps per connection is bounded by one
// of these, so a hostile client costs at most a few of them in memory.
const (
	// DefaultMaxLine is the longest input line kept, in bytes after control
	// characters are dropped. A MUD command never needs more; anything
	// longer is a paste accident or an attack.
	DefaultMaxLine = 4096

	// DefaultMaxSubneg caps one subnegotiation payload from the client.
	// NAWS, TTYPE and CHARSET need a few dozen bytes; the GMCP messages
	// clients send (Core.Hello, Core.Supports.Set, a few dozen packages)
	// need well under a KiB. It does not bound what we send: outgoing GMCP
	// and MSSP go out whatever their size, in pieces of maxWriteChunk.
	DefaultMaxSubneg = 8192

	// DefaultWriteTimeout bounds one write to the socket. A client that
	// cannot take our output for this long is gone or hostile.
	DefaultWriteTimeout = 10 * time.Second

	// readBufferSize is how much one Read asks the socket for. It also
	// bounds how many lines can be queued between two reads (every queued
	// line consumed at least one byte of this buffer). Each connection owns
	// one for its life, so it is small: typed input comes in lines.
	readBufferSize = 512

	// maxWriteChunk caps the escape buffer behind Write: bigger writes go
	// out in pieces so one huge message cannot pin a huge buffer.
	maxWriteChunk = 32 << 10

	// maxTTYPERequests caps TTYPE SEND requests per connection. The MTTS
	// cycle needs at most four (name, terminal, MTTS, repeat); a client that
	// never repeats itself must not keep us asking forever.
	maxTTYPERequests = 4

	// keepLineQueue is the most completed-line slots kept between reads
	// (128 slots are 4 KiB). A read of many short
	// lines may queue up to readBufferSize of them; such a queue is
	// dropped once drained rather than kept at that size.
	keepLineQueue = 128

	// maxTermName caps a TTYPE answer kept in Terminal; RFC 1091 names are
	// at most 40 characters.
	maxTermName = 64

	// mccp2Level is the zlib level of MCCP2 output. Memory does not choose
	// it: compress/flate keeps its hash chains in fixed-size arrays, so a
	// writer holds about 814 KB live at every level from 2 to 9, and 1.2 MB
	// at level 1 (TestMCCP2Memory, BenchmarkMCCP2Levels). With a flush
	// after every write, on combat output (BenchmarkMCCP2Levels, wire/raw
	// and ns per write): level 1 1.13, bigger than raw (it does no
	// matching in writes under 128 bytes), 3 0.257 1.8 µs, 5 0.245 1.9 µs,
	// 6 0.229 2.4 µs, 7 0.224 3.5 µs, 9 0.222 5.1 µs. Level 6, zlib's default, is
	// the last step that buys real savings before the cost climbs.
	mccp2Level = 6

	// closeFinishTimeout bounds the write that ends the MCCP2 stream in
	// Close (a few bytes): Close may be called from the game loop to drop a
	// slow consumer and must not wait on it.
	closeFinishTimeout = 50 * time.Millisecond

	// maxInflateRatio and inflateAllowance bound what an MCCP3 stream may
	// expand to: decompressed bytes <= inflateAllowance + maxInflateRatio *
	// compressed bytes, counted over the stream. Memory is bounded anyway
	// (decompressed input goes through the same line and subnegotiation
	// caps, one read buffer at a time); this bounds the CPU a zlib bomb
	// (deflate reaches 1032:1) can make us spend. Typed commands, flushed
	// one by one, come nowhere near: a flush alone costs 4 bytes.
	maxInflateRatio  = 64
	inflateAllowance = 64 << 10
)

// AYTReply is written in answer to IAC AYT ("are you there").
const AYTReply = "\r\n[shardmud: yes]\r\n"

// Telnet command bytes (RFC 854; EOR from RFC 885).
const (
	SE   byte = 240 // end of subnegotiation
	NOP  byte = 241 // no operation
	DM   byte = 242 // data mark
	BRK  byte = 243 // break
	IP   byte = 244 // interrupt process
	AO   byte = 245 // abort output
	AYT  byte = 246 // are you there
	EC   byte = 247 // erase character
	EL   byte = 248 // erase line
	GA   byte = 249 // go ahead
	SB   byte = 250 // start of subnegotiation
	WILL byte = 251
	WONT byte = 252
	DO   byte = 253
	DONT byte = 254
	IAC  byte = 255 // interpret as command

	EOR byte = 239 // end of record: marks a prompt when OptEOR is agreed
)

// Option codes. Those without handling here are refused until an entry in
// the option table (options.go) gives them one.
const (
	OptEcho    byte = 1   // RFC 857
	OptSGA     byte = 3   // RFC 858, suppress go ahead
	OptTTYPE   byte = 24  // RFC 1091, terminal type (and MTTS)
	OptEOR     byte = 25  // RFC 885, end of record
	OptNAWS    byte = 31  // RFC 1073, window size
	OptCharset byte = 42  // RFC 2066
	OptMSDP    byte = 69  // MUD server data protocol
	OptMSSP    byte = 70  // MUD server status protocol
	OptMCCP2   byte = 86  // compression server to client
	OptMCCP3   byte = 87  // compression client to server
	OptMXP     byte = 91  // MUD extension protocol
	OptGMCP    byte = 201 // generic MUD communication protocol
)

// Subnegotiation codes.
const (
	ttypeIS   byte = 0 // RFC 1091: answer carrying a name
	ttypeSEND byte = 1 // RFC 1091: request for the next name

	charsetRequest  byte = 1 // RFC 2066
	charsetAccepted byte = 2
	charsetRejected byte = 3
	charsetTTableIs byte = 4
	charsetTTableRj byte = 5

	msspVar byte = 1 // MSSP: a variable name follows
	msspVal byte = 2 // MSSP: a value follows
)

// MTTS bits (the third TTYPE answer "MTTS <n>").
const (
	mttsANSI         = 1
	mttsVT100        = 2
	mttsUTF8         = 4
	mtts256Colors    = 8
	mttsScreenReader = 64
	mttsTrueColor    = 256
)
