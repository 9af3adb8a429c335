package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/odata"
	"github.com/connectorhub/connectorhub/storetest"
)

// segments counts the trigram index's b-trees (FTS5 keeps a row of connectors_text_idx for
// each leaf page of each).
func segments(t *testing.T, raw *sql.DB) int {
	t.Helper()
	var n int
	if err := raw.QueryRow(`SELECT count(DISTINCT segid) FROM connectors_text_idx`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// compactingDB opens a new database, with its administrator, whose upkeep looks at the index
// every 10 ms and merges it whenever nothing was written since the look before, and a
// read-only connection to the file.
func compactingDB(t *testing.T) (*DB, *sql.DB, context.Context) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := NewDB(path)
	db.compactEvery, db.compactMaxGap = 10*time.Millisecond, 0
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", dataSource(path)+readPragmas)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw, storetest.AdminContext(t, db)
}

// TestTextIndexCompacted: connectors written one at a time leave the trigram index in several
// segments; once nothing is written the index is merged into one, with the same answers, while
// writers that come meanwhile go on; Close stops the upkeep.
func TestTextIndexCompacted(t *testing.T) {
	db, raw, ctx := compactingDB(t)
	env := sqlgen.NewEnv(ctx, time.Now())
	find := func(value string) []string {
		t.Helper()
		f, err := odata.ParseFilter(fmt.Sprintf("contains(displayname,'%s')", value), nil)
		if err != nil {
			t.Fatal(err)
		}
		return selectIDs(t, raw, dialect{}, env, connectorhub.ConnectorQuery{Filter: f})
	}
	// Writers, one connector a transaction, while the upkeep looks every 10 ms: it may merge
	// between two writes, never in the way of one.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				u := storetest.NewUpdate(1 + w*60 + i)
				name := fmt.Sprintf("group %d item %d", i%7, i)
				u.DisplayName = &name
				c, err := connectorhub.NewConnector("", u)
				if err == nil {
					err = db.CreateConnector(ctx, c)
				}
				if err != nil {
					errs <- err
					return
				}
				if i%20 == 0 {
					time.Sleep(30 * time.Millisecond) // a quiet spell: a merge may begin
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a write beside the upkeep: %v", err)
	}
	want := find("group 3 ")
	if len(want) != 4*9 {
		t.Fatalf("contains found %d rows, want %d", len(want), 4*9)
	}
	deadline := time.Now().Add(10 * time.Second)
	for segments(t, raw) > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the index still has %d segments 10 s after the last write", segments(t, raw))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := find("group 3 "); !slices.Equal(got, want) {
		t.Errorf("after the merge contains found %v, before %v", got, want)
	}
	checkTextIndex(t, db)
	// Close waits for the upkeep: nothing runs on the closed database.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Go(func(context.Context) { t.Error("Go ran a function after Close") })
}

// TestTextIndexMergeStep: a step reports work while segments remain and none once the index
// is one segment.
func TestTextIndexMergeStep(t *testing.T) {
	db, raw, ctx := textIndexDB(t)
	for i := 1; i <= 30; i++ {
		if err := db.CreateConnector(ctx, storetest.MustConnector(t, i)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.IndexText(ctx); err != nil { // a segment each, as writes made one each before 0016
			t.Fatal(err)
		}
	}
	if n := segments(t, raw); n < 2 {
		t.Fatalf("30 writes left %d segments; the test needs several", n)
	}
	steps := 0
	for ; ; steps++ {
		worked, err := db.mergeTextIndex(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !worked {
			break
		}
		if steps > 100 {
			t.Fatal("the merge steps never end")
		}
	}
	if n := segments(t, raw); steps == 0 || n != 1 {
		t.Fatalf("after %d steps with work the index has %d segments, want 1", steps, n)
	}
	checkTextIndex(t, db)
}

// TestCompactSchedule: a merge is due at a look that finds the row version it found at the one
// before, unless the index was found whole at that version or the last round that merged ended
// less than 50 of its lengths ago (at most the longest gap); a round cut short by a write
// counts as a merge.
func TestCompactSchedule(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	s := newCompactSchedule(time.Minute)
	type look struct {
		second  int
		version int64
		due     bool
		// the round's end when due
		whole, merged bool
		took          time.Duration
	}
	for i, l := range []look{
		{0, 5, false, false, false, 0},                     // the first look: nothing to compare with
		{1, 5, true, false, true, 40 * time.Millisecond},   // quiet: a round of 40 ms, cut short by a write
		{2, 6, false, false, false, 0},                     // written
		{3, 6, false, false, false, 0},                     // quiet, but 1.96 s after the round: within its 2 s
		{4, 6, true, true, true, 40 * time.Millisecond},    // the gap over: a round that ends whole
		{5, 6, false, false, false, 0},                     // whole at 6
		{6, 7, false, false, false, 0},                     // written
		{7, 7, true, false, true, 2 * time.Second},         // quiet: a long round, cut short
		{8, 8, false, false, false, 0},                     // written
		{9, 8, false, false, false, 0},                     // quiet, within the longest gap (a minute, not 100 s)
		{68, 8, false, false, false, 0},                    // 59 s after the round's end
		{69, 8, true, true, false, time.Millisecond},       // the gap over: whole already (another process merged)
		{200, 8, false, false, false, 0},                   // whole at 8
		{201, 9, false, false, false, 0},                   // written
		{202, 9, true, true, true, 10 * time.Millisecond},  // a round: the last that merged was long ago
		{203, 10, false, false, false, 0},                  // written
		{204, 10, true, true, true, 10 * time.Millisecond}, // 2 s after it, whose gap was half a second
	} {
		if got := s.due(l.version, at(l.second)); got != l.due {
			t.Fatalf("look %d (second %d, version %d): due %v, want %v", i, l.second, l.version, got, l.due)
		}
		if l.due {
			s.done(l.version, l.whole, l.merged, at(l.second), at(l.second).Add(l.took))
		}
	}
}
