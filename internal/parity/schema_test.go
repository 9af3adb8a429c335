package parity_test

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite" // the "sqlite" driver, to read the schema

	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/sqlite"
)

// TestSchemasMatch: the migrations of the two engines build the same tables, with the same
// columns (name, NOT NULL) and the same indexes (name, UNIQUE), but for the trigram indexes
// (PostgreSQL's GIN indexes, SQLite's FTS5 table): a migration added to one folder and not to
// the other fails here.
func TestSchemasMatch(t *testing.T) {
	pgtest.SkipUnlessAvailable(t)
	pgURL := pgtest.NewURL(t)
	path := filepath.Join(t.TempDir(), "schema.db")
	lite := sqlite.NewDB(path)
	if err := lite.Open(); err != nil {
		t.Fatal(err)
	}
	lite.Close()
	pg := postgres.NewDB(pgURL)
	if err := pg.Open(); err != nil {
		t.Fatal(err)
	}
	pg.Close()

	ldb, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ldb.Close()
	pdb, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	u, _ := url.Parse(pgURL)
	schema, _, _ := strings.Cut(u.Query().Get("search_path"), ",")

	got := map[string][]string{}
	rows := func(db *sql.DB, q string, args ...any) [][2]string {
		t.Helper()
		r, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out [][2]string
		for r.Next() {
			var a, b string
			if err := r.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, [2]string{a, b})
		}
		return out
	}
	// SQLite: tables, columns and indexes from its catalogue. Ordinary tables only: SQLite's
	// trigram index (the FTS5 table connectors_text and its shadow tables, pragma_table_list's
	// types "virtual" and "shadow", and connectors_text_pending, the rows it has yet to take) is
	// compared no more than PostgreSQL's.
	for _, tb := range rows(ldb, `SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'connectors_text_pending'`) {
		// A TEXT PRIMARY KEY may hold NULL in SQLite (a quirk); the code never writes one, and
		// PostgreSQL's primary keys are NOT NULL: compared as NOT NULL.
		for _, c := range rows(ldb, `SELECT name, CASE WHEN pk > 0 THEN '1' ELSE CAST("notnull" AS TEXT) END FROM pragma_table_info(?)`, tb[0]) {
			got["sqlite"] = append(got["sqlite"], "column "+tb[0]+"."+c[0]+" notnull="+c[1])
		}
		for _, ix := range rows(ldb, `SELECT name, CAST("unique" AS TEXT) FROM pragma_index_list(?) WHERE origin = 'c'`, tb[0]) {
			got["sqlite"] = append(got["sqlite"], "index "+tb[0]+"."+ix[0]+" unique="+ix[1])
		}
		// Column UNIQUE constraints: SQLite's sqlite_autoindex_<table>_<n>, PostgreSQL's
		// <table>_<column>_key; compared by table and count.
		for range rows(ldb, `SELECT name, origin FROM pragma_index_list(?) WHERE origin = 'u'`, tb[0]) {
			got["sqlite"] = append(got["sqlite"], "unique constraint on "+tb[0])
		}
	}
	// PostgreSQL: the same from information_schema and pg_indexes, in the test's schema.
	for _, c := range rows(pdb, `SELECT table_name || '.' || column_name, CASE WHEN is_nullable = 'NO' THEN '1' ELSE '0' END
		FROM information_schema.columns WHERE table_schema = $1`, schema) {
		got["postgres"] = append(got["postgres"], "column "+c[0]+" notnull="+c[1])
	}
	for _, ix := range rows(pdb, `SELECT tablename || '.' || indexname, CASE WHEN indexdef LIKE 'CREATE UNIQUE%' THEN '1' ELSE '0' END
		FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE '%\_pkey' AND indexname NOT LIKE '%\_trgm' AND indexname NOT LIKE '%\_key'`, schema) {
		got["postgres"] = append(got["postgres"], "index "+ix[0]+" unique="+ix[1])
	}
	for _, ix := range rows(pdb, `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%\_key'`, schema) {
		got["postgres"] = append(got["postgres"], "unique constraint on "+ix[0])
	}
	norm := func(lines []string) []string {
		slices.Sort(lines)
		return lines
	}
	if d := cmp.Diff(norm(got["sqlite"]), norm(got["postgres"])); d != "" {
		t.Errorf("the engines' schemas differ (-sqlite +postgres):\n%s", d)
	}
}
