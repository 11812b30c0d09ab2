// Package telnet is the telnet codec of the MUD's front door: it turns a
// client's byte stream into lines of text and the server's text back into
// bytes, and negotiates the telnet options that tell us about the client
// (window size, terminal type and MTTS, charset, end-of-record prompts)
// and the MUD protocols: MCCP2 and MCCP3 compression (mccp.go), GMCP
// (gmcp.go) and MSSP (mssp.go). It knows nothing of the game: GMCP
// messages and MSSP variables are the engine's, through Config.OnGMCP,
// SendGMCP and Config.MSSP.
//
// Layers, innermost first:
//   - Parser: a resumable byte-level state machine (RFC 854/855) that
//     reports data runs, commands, negotiations and subnegotiations to a
//     Handler. No I/O, no allocation in steady state.
//   - protocol (unexported): RFC 1143 option negotiation driven by a
//     per-option table, the Terminal it learns, and line assembly. No I/O:
//     replies are queued as bytes.
//   - Conn: glues both to a net.Conn.
//
// Invariants:
//   - One goroutine calls ReadLine (it also writes negotiation replies,
//     and runs the OnTerminal, OnGMCP and MSSP callbacks, with no lock
//     held); any goroutine may call Write, WritePrompt, SendGMCP, SetEcho,
//     Terminal, GMCP, Compressing, Stats, Close.
//   - Every byte of the telnet stream goes through Conn.writeLocked under
//     the write mutex with a write deadline, and through the MCCP2
//     compressor there while it is on; the stream starts right after our
//     IAC SB MCCP2 IAC SE and ends before the WONT that acknowledges a
//     DONT. Negotiation replies keep the order of the state changes that
//     caused them.
//   - Input after the client's IAC SB MCCP3 IAC SE is decompressed before
//     the parser sees it, up to the end of the client's zlib stream; the
//     same parser and line assembler handle it, with the same limits.
//   - Memory per connection is bounded by the limits in const.go, whatever
//     the client sends: a pending line never exceeds MaxLine bytes and a
//     subnegotiation payload never exceeds MaxSubneg, compressed or not.
//     A compressed session costs one zlib writer (about 814 KB) for our
//     output, and about 43 KB while the client compresses its input.
//   - Never waits for the client: a client that never negotiates (nc, a
//     crawler) gets the zero Terminal and its lines at once.
//   - Lines returned by ReadLine are valid UTF-8 without control
//     characters.
package telnet
