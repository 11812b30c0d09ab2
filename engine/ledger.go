package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"shardmud/world"
)

// The ledger says which shard owns each character that ever crossed
// between shards. It is a JetStream key-value bucket in one relay's domain
// (-ledger), which every shard reaches over the links; the relay syncs
// every write to disk before acknowledging it. Ownership only changes by
// compare-and-swap on the entry's revision, so of two shards that race for
// a character exactly one wins, whatever else fails. A character with no
// entry belongs to the shard that has it.

const (
	ledgerBucket = "shardmud_owners"
	// ledgerTimeout bounds one ledger call; a call that times out may
	// still have been applied, so callers read the entry again.
	ledgerTimeout = 3 * time.Second
)

// owner is a ledger entry. To is set while Shard hands the character to
// To in handoff ID; whichever of them next swaps the entry decides.
type owner struct {
	Shard string `json:"shard"`
	To    string `json:"to,omitempty"`
	ID    string `json:"id,omitempty"`
}

var errNoLedger = errors.New("the ledger cannot be reached")

type ledger struct {
	nc     *nats.Conn
	domain string
	kv     jetstream.KeyValue // opened on first use
}

// open finds or makes the bucket.
func (l *ledger) open(ctx context.Context) (jetstream.KeyValue, error) {
	if l.kv != nil {
		return l.kv, nil
	}
	js, err := jetstream.NewWithDomain(l.nc, l.domain)
	if err != nil {
		return nil, err
	}
	kv, err := js.KeyValue(ctx, ledgerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: ledgerBucket, Description: "shardmud: which shard owns each character",
			History: 1, Storage: jetstream.FileStorage,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoLedger, err)
	}
	l.kv = kv
	return kv, nil
}

// get reads a character's entry; rev is 0 when it has none.
func (l *ledger) get(name string) (o owner, rev uint64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	kv, err := l.open(ctx)
	if err != nil {
		return owner{}, 0, err
	}
	e, err := kv.Get(ctx, world.PlayerKey(name))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return owner{}, 0, nil
	case err != nil:
		return owner{}, 0, fmt.Errorf("%w: %v", errNoLedger, err)
	}
	if err := json.Unmarshal(e.Value(), &o); err != nil {
		return owner{}, 0, fmt.Errorf("ledger entry of %s: %w", name, err)
	}
	return o, e.Revision(), nil
}

// errLost is a swap that another writer won.
var errLost = errors.New("the ledger entry changed meanwhile")

// swap writes o over the entry at revision rev (0: there is none) and
// returns the new revision; errLost if the entry is no longer at rev.
func (l *ledger) swap(name string, o owner, rev uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	kv, err := l.open(ctx)
	if err != nil {
		return 0, err
	}
	data, _ := json.Marshal(o)
	key := world.PlayerKey(name)
	var next uint64
	if rev == 0 {
		next, err = kv.Create(ctx, key, data)
	} else {
		next, err = kv.Update(ctx, key, data, rev)
	}
	switch {
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return 0, errLost
	case err != nil:
		return 0, fmt.Errorf("%w: %v", errNoLedger, err)
	}
	return next, nil
}
