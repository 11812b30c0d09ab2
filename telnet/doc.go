// Package telnet is the telnet codec of the MUD's front door: it turns a
// client's byte stream into lines of text and the server's text back into
// bytes, and negotiates the telnet options that tell us about the client
// (window size, terminal type and MTTS, charset, end-of-record prompts).
// It knows nothing of the game.
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
//   - One goroutine calls ReadLine (it also writes negotiation replies);
//     any goroutine may call Write, WritePrompt, SetEcho, Terminal, Close.
//   - Every byte to the socket goes through Conn.writeLocked under the
//     write mutex with a write deadline: compression (MCCP2) must wrap that
//     one function. Negotiation replies keep the order of the state changes
//     that caused them.
//   - Memory per connection is bounded by the limits in const.go, whatever
//     the client sends: a pending line never exceeds MaxLine bytes and a
//     subnegotiation payload never exceeds MaxSubneg.
//   - Never waits for the client: a client that never negotiates (nc, a
//     crawler) gets the zero Terminal and its lines at once.
//   - Lines returned by ReadLine are valid UTF-8 without control
//     characters.
package telnet
