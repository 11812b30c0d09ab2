package engine

import "time"

// Limits, in one place. Each bounds what one client can cost the server.
const (
	// MaxLineBytes is the longest input line accepted; longer lines are
	// discarded with a notice.
	MaxLineBytes = 4096
	// MaxSubnegBytes bounds one telnet subnegotiation payload.
	MaxSubnegBytes = 8192
	// OutboxBytes is how much output may wait for a client before it is
	// disconnected as a slow consumer.
	OutboxBytes = 256 << 10
	// WriteTimeout bounds one write to a client.
	WriteTimeout = 10 * time.Second
	// SSHCloseGrace is how long an SSH client has to answer the close of
	// its session channel before its TCP connection is cut: until it
	// answers, the session's reader cannot return.
	SSHCloseGrace = 2 * time.Second
	// ReplyWait bounds how long a quit waits for the answers of its
	// session's commands that run off the loop (sshkey, ban, save...), so
	// a script's "sshkey list" then "quit" prints the list before the
	// farewell. End of input waits the same way (within its drain).
	ReplyWait = 3 * time.Second

	// InboxSize is the engine's input queue, shared by all sessions.
	InboxSize = 8192
	// QueuedLinesPerSession is how many typed lines one session may have
	// waiting for the engine; its reader stops reading (TCP backpressure)
	// beyond that, so a flood from one client cannot fill the inbox.
	QueuedLinesPerSession = 32
	// CommandsPerTick is how many commands one session may run per tick;
	// the rest wait for the next tick, so one player cannot starve others.
	CommandsPerTick = 4

	// LoginTimeout is how long a connection may take to log in: over SSH
	// it covers the handshake and the wait for a session channel too.
	LoginTimeout = 3 * time.Minute
	// LoginAttemptsPerConn is how many wrong passwords one connection may
	// try before it is closed.
	LoginAttemptsPerConn = 3
	// MaxLoginRounds bounds the name prompts of one login dialogue.
	MaxLoginRounds = 20
	// FailedLoginsPerAddr and FailedLoginsPerAccount are the failures
	// allowed in FailedLoginWindow before further attempts are refused.
	FailedLoginsPerAddr    = 10
	FailedLoginsPerAccount = 5
	FailedLoginWindow      = 5 * time.Minute
	// MaxQueuedHashes is how many logins may wait for a password check
	// (bcrypt is slow on purpose, one per CPU at a time) before more are
	// told the server is busy.
	MaxQueuedHashes = 256
	// MinPasswordLen is the shortest password accepted for a new character.
	MinPasswordLen = 8
	// MaxPasswordLen is bcrypt's limit.
	MaxPasswordLen = 72

	// KickEvery is how many events the loop handles, while more are
	// waiting, before it starts writers for the output they produced:
	// messages to one client in that span go out in one write.
	KickEvery = 64

	// JournalQueue is how many events wait for the journal writer before
	// new ones are dropped (and counted): the game never waits for it.
	JournalQueue = 8192
	// JournalBatch is the most events written in one transaction, and
	// JournalFlush the longest an event waits for its batch.
	JournalBatch = 1024
	JournalFlush = 500 * time.Millisecond
	// JournalHeld is how many unwritten events a failing journal keeps for
	// its retry; beyond that the oldest are dropped and counted.
	JournalHeld = 65536
	// OnlineSample is how often the number of players online is recorded.
	OnlineSample = time.Minute
)
