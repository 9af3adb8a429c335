package postgres_test

import (
	"testing"

	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/storetest"
)

// MustOpenDB opens a new database in a schema of its own, closed and dropped when the test ends.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	pgtest.SkipUnlessAvailable(tb)
	db := postgres.NewDB(pgtest.NewURL(tb))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) storetest.Store { return MustOpenDB(tb) })
}
