package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/storetest"
)

func newSQLite(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "connectorhub.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db.DB
}

func newPostgres(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	db := postgres.NewDB(pgtest.NewURL(tb))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db.DB
}

// mustFill bootstraps db and adds n connectors, a business unit and a team.
func mustFill(tb testing.TB, db *sqlstore.DB, n int) {
	tb.Helper()
	ctx := storetest.AdminContext(tb, db)
	unit := &connectorhub.BusinessUnit{Name: "Niederlassung Köln"}
	if err := db.AddBusinessUnit(ctx, unit); err != nil {
		tb.Fatal(err)
	}
	if err := db.AddTeam(ctx, &connectorhub.Team{Name: "Équipe", BusinessUnitID: unit.ID}); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := db.CreateConnector(ctx, storetest.MustConnector(tb, i)); err != nil {
			tb.Fatal(err)
		}
	}
}

func mustExec(tb testing.TB, db *sqlstore.DB, stmts ...string) {
	tb.Helper()
	err := db.Transacting(context.Background(), func(tx *sqlstore.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(context.Background(), s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestCopyMismatchRollsBack: a destination that does not read back as the source (a trigger
// changes a value) fails the verification, which names the table, and keeps nothing.
func TestCopyMismatchRollsBack(t *testing.T) {
	src, dst := newSQLite(t), newSQLite(t)
	mustFill(t, src, 3)
	mustExec(t, dst, `CREATE TRIGGER tamper AFTER INSERT ON connectors BEGIN
		UPDATE connectors SET description = 'tampered' WHERE connectorid = NEW.connectorid;
	END`)
	_, err := sqlstore.Copy(context.Background(), src, dst, sqlstore.CopyOptions{})
	if !errors.Is(err, sqlstore.ErrCopyMismatch) || !strings.Contains(err.Error(), "table connectors") {
		t.Fatalf("got %v, want a mismatch of table connectors", err)
	}
	if _, err := dst.Organization(context.Background()); err == nil {
		t.Error("the failed copy left rows behind")
	}
}

// TestCopyRefusesUnknownSchema: a table or a column the copy does not know would be left
// behind, so the copy refuses it.
func TestCopyRefusesUnknownSchema(t *testing.T) {
	for _, tt := range []struct {
		name, stmt, want string
	}{
		{"Table", `CREATE TABLE workflows (workflowid TEXT PRIMARY KEY)`, "table workflows is not known"},
		{"Column", `ALTER TABLE connectors ADD COLUMN layer TEXT`, "table connectors has the columns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := newSQLite(t), newSQLite(t)
			mustExec(t, src, tt.stmt)
			if _, err := sqlstore.Copy(context.Background(), src, dst, sqlstore.CopyOptions{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestCopyExtraSettings: an extra setting replaces the source's of the same key, and the
// other settings are verified without it.
func TestCopyExtraSettings(t *testing.T) {
	src, dst := newSQLite(t), newSQLite(t)
	mustFill(t, src, 1)
	mustExec(t, src, `INSERT INTO settings (key, value) VALUES ('localissuerkey', 'b2xk')`)
	rep, err := sqlstore.Copy(context.Background(), src, dst, sqlstore.CopyOptions{ExtraSettings: map[string][]byte{"localissuerkey": []byte("new")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Settings) != 1 || rep.Destination != "empty" {
		t.Errorf("got report %+v", rep)
	}
	got, err := dst.Secret(context.Background(), "localissuerkey", nil)
	if err != nil || string(got) != "new" {
		t.Errorf("got setting %q, %v; want new", got, err)
	}
}

// TestCopyAcrossEngines copies SQLite to PostgreSQL, that to another PostgreSQL and back to
// SQLite: every copy has the same checksums, and the last one reads as the first.
func TestCopyAcrossEngines(t *testing.T) {
	ctx := context.Background()
	lite, pg1, pg2, back := newSQLite(t), newPostgres(t), newPostgres(t), newSQLite(t)
	mustFill(t, lite, 20)
	var reports []*sqlstore.CopyReport
	for _, step := range [][2]*sqlstore.DB{{lite, pg1}, {pg1, pg2}, {pg2, back}, {lite, pg1}} {
		rep, err := sqlstore.Copy(ctx, step[0], step[1], sqlstore.CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, rep)
	}
	for i, rep := range reports[1:] {
		if diff := cmp.Diff(reports[0].Tables, rep.Tables); diff != "" {
			t.Errorf("copy %d has other checksums than the first (-first +this):\n%s", i+2, diff)
		}
	}
	if reports[3].Destination != "copy" {
		t.Errorf("copying again to the first PostgreSQL: destination was %q, want copy", reports[3].Destination)
	}
	if reports[0].Rows < 20 {
		t.Errorf("copied %d rows", reports[0].Rows)
	}
	if _, err := sqlstore.Copy(ctx, lite, lite, sqlstore.CopyOptions{}); err == nil {
		t.Error("a copy onto itself was not refused")
	}
}
