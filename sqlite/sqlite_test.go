package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/storetest"
)

// MustOpenDB opens a new database in a temporary directory, closed when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "connectorhub.db"))
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

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	admin, err := db.Bootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatalf("reopen (migrations must be recorded): %v", err)
	}
	defer db.Close()
	again, err := db.Bootstrap(t.Context())
	if err != nil || again.ID != admin.ID {
		t.Fatalf("got admin %v, %v; want %s", again, err, admin.ID)
	}
}
