package sqlite

import (
	"os"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/storetest"
)

// TestUpdateWritesWhatChanged: a PATCH of description writes the row's pages it changed and
// the entries of the indexes of the columns that changed, not those of every index of the
// table. Writing every column back rewrote an entry in each of connectors' 14 indexes even
// though its value was the same: 21 pages of WAL a PATCH, against 9.
func TestUpdateWritesWhatChanged(t *testing.T) {
	db, _, ctx := textIndexDB(t)
	const size = 400 << 10
	const most = 16 * 4096 // bytes of WAL an update may write
	c := storetest.MustConnector(t, 1)
	c.OpenAPIDefinition = `{"swagger":"2.0","info":{"title":"big","version":"1.0","description":"` +
		strings.Repeat("padding ", size/8) + `"},"paths":{}}`
	c.Description = "0th description"
	if err := db.CreateConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	walSize := func() int64 {
		fi, err := os.Stat(db.path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// A first update: versionnumber goes from 1, which SQLite stores in no bytes, to 2.
	first := "1st description"
	if _, _, err := db.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Description: &first}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
		t.Fatal(err)
	}
	before := walSize()
	for i, desc := range []string{"2nd description", "3rd description"} {
		// The same length: SQLite then overwrites the record in place, writing the pages that
		// changed; a record of another size is written whole (its overflow pages too).
		u := &connectorhub.ConnectorUpdate{Description: &desc}
		if _, _, err := db.UpsertConnector(ctx, c.ID, u, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
			t.Fatal(err)
		}
		grown := walSize() - before
		t.Logf("update %d: the WAL grew by %d bytes", i+1, grown)
		if grown > most {
			t.Errorf("update %d of the description: the WAL grew by %d bytes, want at most %d", i+1, grown, most)
		}
		before += grown
	}
	got, err := db.FindConnectorByID(ctx, c.ID)
	if err != nil || got.Description != "3rd description" || got.OpenAPIDefinition != c.OpenAPIDefinition || got.Name != c.Name {
		t.Fatalf("after the updates: %v, %+v", err, got)
	}
}

// TestWriteConnectionJournalsInMemory: the write connection keeps a statement's journal in
// memory. An UPDATE of a 20 KB row outgrew its 64 KB in-memory start and spilled it to a
// temporary file it created, wrote and removed: 6% of a PATCH's CPU, in the writers' queue.
func TestWriteConnectionJournalsInMemory(t *testing.T) {
	db, _, ctx := textIndexDB(t)
	var store int
	err := db.Transacting(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store)
	})
	if err != nil || store != 2 {
		t.Fatalf("temp_store of the write connection: %d, %v; want 2 (MEMORY)", store, err)
	}
}
