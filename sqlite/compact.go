package sqlite

import (
	"context"
	"time"

	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

// The trigram index's upkeep. FTS5 adds a segment (a b-tree of its own) to the index with each
// write transaction and merges them level by level (its automerge), so an index written a row
// at a time holds several: seven after the bench had seeded 10,000 connectors one request at a
// time. A query reads each of its terms from every segment, merging them as it goes; and
// SQLite 3.54 compiles FTS5's seek statement again whenever the segment it seeks moves to or
// from segment 1, about ten times a query. On the merged index a contains that read 50 short
// records cost 19% less CPU (2.46 against 3.03 ms a request, two servers side by side).
//
// So the index is merged whole while nothing is written, in steps of mergePages pages (some
// 8 ms each at 10,000 connectors, five steps in all), each a write transaction of its own in
// the writers' queue, so that a writer waits for one step at most. It looks every
// compactEvery: once the connectors' row version (which every create, update and delete of a
// connector moves) has stayed the same for a whole interval, the index was written since it
// was last found whole, and the last round that merged ended long enough ago, it merges until a
// step finds nothing left to merge or a connector is written. Long enough is gapRounds times
// that round's length, at most compactMaxGap: each round rewrites the whole index (40 ms at
// 10,000 connectors, some 0.4 s at 100,000 by that), as FTS5 merges every segment into one, so a
// registry written now and then spends at most a fiftieth of its time merging; and one written
// in bursts (an import, then queries) has its index whole again a second or two after each
// burst at 10,000 connectors, not a minute after the round before. A round interrupted by
// writes counts.
//
// A step that fails (another process holding the write lock past busy_timeout, a closed
// database) ends the round; the next quiet interval tries again.
func (db *DB) compactTextIndex(ctx context.Context) {
	tick := time.NewTicker(db.compactEvery)
	defer tick.Stop()
	s := newCompactSchedule(db.compactMaxGap)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		v, err := db.textIndexVersion(ctx)
		if err != nil || !s.due(v, time.Now()) {
			continue
		}
		began := time.Now()
		whole, merged := false, false
		for {
			worked, err := db.mergeTextIndex(ctx)
			if err != nil {
				break
			}
			if !worked {
				whole = true
				break
			}
			merged = true
			if now, err := db.textIndexVersion(ctx); err != nil || now != v {
				break
			}
		}
		s.done(v, whole, merged, began, time.Now())
	}
}

// textIndexVersion moves whenever the trigram index may have been written: the connectors' row
// version (every create, update and delete) plus the batches the indexer wrote (textindex.go),
// which write the index after the row version moved. Without the batches a round could find
// the index whole between a write and its batch, and leave the batch's segment unmerged.
func (db *DB) textIndexVersion(ctx context.Context) (int64, error) {
	v, err := db.CurrentVersion(ctx)
	return v + db.indexBatches.Load(), err
}

// compactSchedule decides when compactTextIndex merges, from what it found at each look.
type compactSchedule struct {
	maxGap    time.Duration
	seen      int64         // the row version at the last look
	whole     int64         // the row version at which the index was last found whole
	lastMerge time.Time     // when a round last merged something
	gap       time.Duration // the wait after lastMerge: gapRounds times that round's length, at most maxGap
}

// gapRounds is the wait after a round that merged, in rounds of its length.
const gapRounds = 50

func newCompactSchedule(maxGap time.Duration) compactSchedule {
	return compactSchedule{maxGap: maxGap, seen: -1, whole: -1}
}

// due reports whether to merge at a look, at now, that found the row version v: the same as at
// the look before (nothing written since), not yet found whole, and the gap over since the
// last round that merged.
func (s *compactSchedule) due(v int64, now time.Time) bool {
	quiet := v == s.seen
	s.seen = v
	return quiet && v != s.whole && now.Sub(s.lastMerge) >= s.gap
}

// done records a round at row version v, begun at began and ended at now: whole when its last
// step found nothing to merge, merged when any step merged something (a round cut short by a
// write counts).
func (s *compactSchedule) done(v int64, whole, merged bool, began, now time.Time) {
	if whole {
		s.whole = v
	}
	if merged {
		s.lastMerge = now
		s.gap = min(gapRounds*now.Sub(began), s.maxGap)
	}
}

// mergePages is the work of one merge step: FTS5 writes about this many pages of merged
// segments.
const mergePages = 100

// mergeTextIndex makes one step of merging the trigram index's segments into one, and reports
// whether there was anything to merge. A negative page count makes FTS5 merge segments of
// every level, however few; the step wrote something when the connection's count of changed
// rows grew by more than the command's own row.
func (db *DB) mergeTextIndex(ctx context.Context) (worked bool, err error) {
	err = db.Transacting(ctx, func(tx *sqlstore.Tx) error {
		var before, after int64
		if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO connectors_text (connectors_text, rank) VALUES ('merge', ?)`, -mergePages); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
			return err
		}
		worked = after-before >= 2
		return nil
	})
	return worked, err
}
