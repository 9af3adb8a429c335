package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

// The trigram index is written after the writes, in batches (migration 0016): a create, or an
// update of an indexed column, notes its row in connectors_text_pending, and IndexText moves
// the noted rows into connectors_text, one write transaction for up to indexBatch of them.
// FTS5 flushes a segment of the index at each commit that wrote it; written by triggers it
// flushed one with every create and PATCH (8 to 10 pages of the WAL, some 20% of a PATCH's
// CPU). Queries stay exact meanwhile: they take the pending rows as candidates too (dialect.go).
//
// The upkeep sleeps until a commit wakes it (nudgingSync), lets the writes of the next
// indexEvery join the batch, looks on a read connection whether anything is pending (a commit
// may have written no connector), and indexes. An idle server does nothing. A batch that fails
// (another process holding the write lock past busy_timeout, a closed database) is tried again
// at the next commit; until then the rows stay pending, and queries keep finding them. Rows
// another process noted and left (it stopped before indexing them) are taken at this one's
// start, and at its next commit.
func (db *DB) indexTextLoop(ctx context.Context) {
	nudge(db.nudge) // what an earlier run left pending
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.nudge:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(db.indexEvery):
		}
		db.indexLooks.Add(1)
		var pending bool
		if err := db.reads.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM connectors_text_pending)`).Scan(&pending); err != nil || !pending {
			continue
		}
		_, _ = db.IndexText(ctx)
	}
}

// nudge wakes the upkeep of the trigram index, unless a nudge is already waiting.
func nudge(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// nudgingSync is the SQLite engine's Syncer: the WAL's group sync, then a nudge to the trigram
// index's upkeep, after every write transaction's commit.
type nudgingSync struct {
	*walSync
	nudge chan struct{}
}

// Sync waits for the commit to be durable, then wakes the index's upkeep.
func (s nudgingSync) Sync() error {
	err := s.walSync.Sync()
	nudge(s.nudge)
	return err
}

// IndexText moves every row noted in connectors_text_pending into the trigram index and
// returns how many it took. It takes them indexBatch at a time, a write transaction each, so
// that a writer waits for one batch at most (after an import of many connectors, say). A noted
// row that is gone (deleted before it was indexed) only leaves its note.
func (db *DB) IndexText(ctx context.Context) (n int64, err error) {
	for {
		moved, err := db.indexTextBatch(ctx)
		n += moved
		if err != nil || moved < indexBatch {
			return n, err
		}
	}
}

// indexBatch is the most rows one transaction of IndexText moves: some 20 ms of work.
const indexBatch = 1000

// indexBatchStatements forget what the index holds of a batch's rows (the noted rows up to a
// bound), then write their text as it stands. The join is a CROSS JOIN, which SQLite never
// reorders: with a JOIN it carried the bound over to connectors' rowid and read connectors
// from the start up to it, the whole table at every batch (TestIndexTextPlan).
var indexBatchStatements = []string{
	`DELETE FROM connectors_text WHERE rowid IN (SELECT pendingrow FROM connectors_text_pending WHERE pendingrow <= ?)`,
	`INSERT INTO connectors_text (rowid, name, displayname, description)
	 SELECT c.rowid, c.name, c.displayname, c.description
	 FROM connectors_text_pending p CROSS JOIN connectors c ON c.rowid = p.pendingrow WHERE p.pendingrow <= ?`,
}

// indexTextBatch moves the first indexBatch noted rows (by rowid) into the index.
func (db *DB) indexTextBatch(ctx context.Context) (n int64, err error) {
	err = db.Transacting(ctx, func(tx *sqlstore.Tx) error {
		// The batch is the noted rows up to the indexBatch-th; all of them when fewer.
		last := int64(math.MaxInt64)
		err := tx.QueryRowContext(ctx, `SELECT pendingrow FROM connectors_text_pending ORDER BY pendingrow LIMIT 1 OFFSET ?`, indexBatch-1).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, stmt := range indexBatchStatements {
			if _, err := tx.ExecContext(ctx, stmt, last); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM connectors_text_pending WHERE pendingrow <= ?`, last)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n > 0 {
		db.indexBatches.Add(1)
	}
	return n, err
}

// indexEvery is how long the upkeep lets writes gather after a commit: short, as a query
// reads the pending rows beside the index's.
const indexEvery = 20 * time.Millisecond
