package sqlite

import (
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/odata"
	"github.com/connectorhub/connectorhub/storetest"
)

// migrationsBefore returns the embedded migrations whose names sort before name.
func migrationsBefore(t *testing.T, name string) fs.FS {
	t.Helper()
	all, _ := fs.Sub(migrationFS, "migrations")
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, n := range names {
		if n < name {
			body, err := fs.ReadFile(all, n)
			if err != nil {
				t.Fatal(err)
			}
			before[n] = &fstest.MapFile{Data: body}
		}
	}
	return before
}

// query returns the columns and the values of the rows a query gives.
func query(t *testing.T, db *sql.DB, text string, args ...any) ([]string, [][]any) {
	t.Helper()
	rows, err := db.Query(text, args...)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// dump returns the rows a query gives, each as one line of text.
func dump(t *testing.T, db *sql.DB, text string) []string {
	t.Helper()
	cols, rows := query(t, db, text)
	var out []string
	for _, vals := range rows {
		var b strings.Builder
		for i, v := range vals {
			if b.Len() > 0 {
				b.WriteString(" | ")
			}
			if s, ok := v.([]byte); ok {
				v = string(s)
			}
			fmt.Fprintf(&b, "%s=%v", cols[i], v)
		}
		out = append(out, b.String())
	}
	return out
}

// TestColumnOrderMigration: 0015 rebuilds connectors with the long text last and loses
// nothing: every column of every row, each row's rowid (the text index's link), the shares
// that refer to the rows (which the DROP deletes by cascade), the indexes, and the triggers
// that keep the text index, which still work after it.
func TestColumnOrderMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	old := newDB(path, migrationsBefore(t, "0015"))
	if err := old.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := storetest.AdminContext(t, old)
	team := &connectorhub.Team{Name: "Makers"}
	if err := old.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	ref := connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}
	var ids []string
	for i := 1; i <= 30; i++ {
		c := storetest.MustConnector(t, i)
		c.Description = fmt.Sprintf("Description %d", i)
		c.OpenAPIDefinition = `{"swagger":"2.0","info":{"title":"t","version":"1","description":"` + strings.Repeat("long ", i*1000) + `"},"paths":{}}`
		if err := old.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		if i%10 == 0 {
			if err := old.GrantAccess(ctx, c.ID, ref, connectorhub.AccessRead|connectorhub.AccessWrite, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Gaps in the rowids, which a copy that numbered the rows again would close.
	for _, id := range []string{ids[4], ids[5]} {
		if err := old.DeleteConnector(ctx, id, connectorhub.Precondition{}); err != nil {
			t.Fatal(err)
		}
	}
	ids = slices.Delete(ids, 4, 6)
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var cols []string
	for _, line := range dump(t, raw, `SELECT name FROM pragma_table_info('connectors') ORDER BY name`) {
		cols = append(cols, strings.TrimPrefix(line, "name="))
	}
	rowsQuery := `SELECT rowid, ` + strings.Join(cols, ", ") + ` FROM connectors ORDER BY connectorid`
	schemaQuery := `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'connectors' AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name`
	wantRows := dump(t, raw, rowsQuery)
	wantShares := dump(t, raw, `SELECT * FROM principalobjectaccess ORDER BY objectid, principalid`)
	wantSchema := dump(t, raw, schemaQuery)
	if len(wantShares) != 3 || len(wantRows) != 28 {
		t.Fatalf("before: %d shares, %d rows", len(wantShares), len(wantRows))
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := newDB(path, migrationsBefore(t, "0016")) // 0015 and those before it
	db.indexEvery = 0
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := dump(t, raw, rowsQuery); !slices.Equal(got, wantRows) {
		t.Errorf("the rows changed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}
	if got := dump(t, raw, `SELECT * FROM principalobjectaccess ORDER BY objectid, principalid`); !slices.Equal(got, wantShares) {
		t.Errorf("the shares changed: %q, want %q", got, wantShares)
	}
	if got := dump(t, raw, schemaQuery); !slices.Equal(got, wantSchema) {
		t.Errorf("the indexes and triggers changed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantSchema, "\n"))
	}
	for _, check := range []string{`PRAGMA integrity_check`, `PRAGMA foreign_key_check`} {
		if got := dump(t, raw, check); len(got) > 0 && !(len(got) == 1 && got[0] == "integrity_check=ok") {
			t.Errorf("%s: %q", check, got)
		}
	}
	// The long text comes after every short column.
	var order []string
	for _, line := range dump(t, raw, `SELECT name FROM pragma_table_info('connectors') ORDER BY cid`) {
		order = append(order, strings.TrimPrefix(line, "name="))
	}
	firstLong := slices.Index(order, "connectionparameters")
	for _, short := range []string{"versionnumber", "ownerid", "owningbusinessunit", "modifiedon", "solutionid", "ismanaged", "statecode"} {
		if i := slices.Index(order, short); i < 0 || i > firstLong {
			t.Errorf("%s is column %d, after connectionparameters (%d): %q", short, i, firstLong, order)
		}
	}
	checkTextIndex(t, db)

	// The shares still grant, and the triggers keep the text index on every write.
	if m, err := db.RetrievePrincipalAccess(ctx, ids[7], ref); err != nil || m != connectorhub.AccessRead|connectorhub.AccessWrite {
		t.Errorf("a share after the migration: %v, %v", m, err)
	}
	desc := "after the migration"
	if _, _, err := db.UpsertConnector(ctx, ids[0], &connectorhub.ConnectorUpdate{Description: &desc}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteConnector(ctx, ids[1], connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateConnector(ctx, storetest.MustConnector(t, 31)); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, db)
}

// TestNoIndexRepeatsAnother: no two indexes of a table have the same key (columns, order,
// collation). A repeated one serves no query the other does not, and every write of the
// table keeps both: connectors_versionnumber repeated versionnumber's UNIQUE index until 0014.
func TestNoIndexRepeatsAnother(t *testing.T) {
	_, raw, _ := textIndexDB(t)
	keys := dump(t, raw, `SELECT m.name AS tbl, il.name AS idx,
		(SELECT group_concat(coalesce(x.name, '<expr>') || ' ' || x.desc || ' ' || x.coll, ', ')
		 FROM pragma_index_xinfo(il.name) x WHERE x.key = 1 ORDER BY x.seqno) AS key
		FROM sqlite_master m, pragma_index_list(m.name) il WHERE m.type = 'table'`)
	seen := map[string]string{}
	for _, line := range keys {
		tbl, rest, _ := strings.Cut(line, " | idx=")
		idx, key, _ := strings.Cut(rest, " | key=")
		if other, ok := seen[tbl+" "+key]; ok {
			t.Errorf("%s: indexes %s and %s both have the key (%s)", strings.TrimPrefix(tbl, "tbl="), other, idx, key)
		}
		seen[tbl+" "+key] = idx
	}
	if len(seen) < 20 {
		t.Fatalf("only %d indexes read: %q", len(seen), keys)
	}
}

// TestTextIndexPendingMigration: 0016 leaves a database's index as it was (whole: nothing is
// pending), and after it creates and updates wait in connectors_text_pending until indexed,
// while a contains finds them at once.
func TestTextIndexPendingMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	old := newDB(path, migrationsBefore(t, "0016"))
	old.compactEvery, old.indexEvery = 0, 0
	if err := old.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := storetest.AdminContext(t, old)
	for i := 1; i <= 20; i++ {
		if err := old.CreateConnector(ctx, storetest.MustConnector(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := NewDB(path)
	db.compactEvery, db.indexEvery = 0, 0
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx = storetest.AdminContext(t, db)
	var pending int
	if err := db.reads.QueryRow(`SELECT COUNT(*) FROM connectors_text_pending`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d rows pending after the migration (%v), want 0: the index was whole", pending, err)
	}
	checkTextIndex(t, db)

	renamed := "Renamed after 0016"
	if _, _, err := db.UpsertConnector(ctx, storetest.MustConnector(t, 3).ID, &connectorhub.ConnectorUpdate{DisplayName: &renamed}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
		t.Fatal(err)
	}
	c := storetest.MustConnector(t, 21)
	c.DisplayName = "Created after 0016"
	if err := db.CreateConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	env := sqlgen.NewEnv(ctx, time.Now())
	find := func(value string) int {
		t.Helper()
		f, err := odata.ParseFilter(fmt.Sprintf("contains(displayname,'%s')", value), nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(selectIDs(t, db.reads, dialect{}, env, connectorhub.ConnectorQuery{Filter: f}))
	}
	if n := find("after 0016"); n != 2 {
		t.Errorf("contains found %d of the 2 rows written after the migration, before the indexer ran", n)
	}
	checkTextIndex(t, db) // indexes them
	if n := find("after 0016"); n != 2 {
		t.Errorf("contains found %d of the 2 rows once indexed", n)
	}
}
