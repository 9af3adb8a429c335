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

// TestReplicasStartTogether: servers opening one new database at once apply each migration
// once (under the write lock) and all open; /readyz's check then passes on each.
func TestReplicasStartTogether(t *testing.T) {
	pgtest.SkipUnlessAvailable(t)
	url := pgtest.NewURL(t)
	const n = 6
	errs := make(chan error, n)
	dbs := make(chan *postgres.DB, n)
	for i := 0; i < n; i++ {
		go func() {
			db := postgres.NewDB(url)
			err := db.Open()
			if err == nil {
				_, err = db.Bootstrap(t.Context())
			}
			errs <- err
			dbs <- db
		}()
	}
	var admins []string
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("open %d: %v", i, err)
		}
		db := <-dbs
		defer db.Close()
		if err := db.Ready(t.Context()); err != nil {
			t.Errorf("ready: %v", err)
		}
		if admin, err := db.Bootstrap(t.Context()); err == nil {
			admins = append(admins, admin.ID)
		}
	}
	for _, a := range admins {
		if a != admins[0] {
			t.Errorf("two bootstrap administrators: %v", admins)
			break
		}
	}
}
