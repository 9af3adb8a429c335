package postgres_test

import (
	"context"
	"testing"

	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
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

// TestNoIndexRepeatsAnother: no two indexes of a table have the same key (columns or
// expressions, operator classes, order, predicate). A repeated one serves no query the other
// does not, and every write of the table keeps both: connectors_versionnumber repeated
// versionnumber's UNIQUE index until 0005.
func TestNoIndexRepeatsAnother(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	var n int
	var repeats []string
	err := db.Transacting(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT indrelid::regclass::text, string_agg(indexrelid::regclass::text, ' and '), count(*), count(*) OVER ()
			FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
			WHERE c.relnamespace = current_schema()::regnamespace
			GROUP BY indrelid, indkey::text, indclass::text, indoption::text, indcollation::text,
				coalesce(pg_get_expr(indexprs, indrelid), ''), coalesce(pg_get_expr(indpred, indrelid), '')`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var table, indexes string
			var same int
			if err := rows.Scan(&table, &indexes, &same, &n); err != nil {
				return err
			}
			if same > 1 {
				repeats = append(repeats, table+": "+indexes)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d index keys read", n)
	}
	for _, r := range repeats {
		t.Errorf("indexes with the same key: %s", r)
	}
}
