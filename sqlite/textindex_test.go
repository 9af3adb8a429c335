package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/odata"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/storetest"
)

// TestFTS5Trigram: the SQLite that modernc.org/sqlite ships has FTS5 and its trigram
// tokenizer, which answers LIKE from the index with case_sensitive 0, folding case beyond ASCII
// in the index while the LIKE it applies still folds ASCII only.
func TestFTS5Trigram(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)`,
		`CREATE VIRTUAL TABLE t_text USING fts5 (v, tokenize = 'trigram case_sensitive 0')`,
		`INSERT INTO t VALUES ('1', 'Émile Café'), ('2', 'émile café'), ('3', 'EMILE cafe'), ('4', 'say "NEAR" AND * : ^ OR')`,
		`INSERT INTO t_text (rowid, v) SELECT rowid, v FROM t`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for pattern, want := range map[string]string{
		"%mile%": "1,2,3", "%MILE CAF%": "1,2,3", "%émile%": "2", "%Émile%": "1", "%ÉMILE%": "1", "%emile%": "3",
		`%"NEAR" AND *%`: "4", "%: ^ OR": "4", "%e c_f%": "1,2,3", "%É%": "1",
	} {
		rows, err := db.Query(`SELECT group_concat(rowid, ',') FROM (SELECT rowid FROM t_text WHERE v LIKE ? ORDER BY rowid)`, pattern)
		if err != nil {
			t.Fatal(err)
		}
		var got sql.NullString
		for rows.Next() {
			rows.Scan(&got)
		}
		rows.Close()
		if got.String != want {
			t.Errorf("LIKE %q: got [%s], want [%s]", pattern, got.String, want)
		}
	}
	var plan string
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT rowid FROM t_text WHERE v LIKE ?`, "%mile%")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan += detail + "\n"
	}
	rows.Close()
	if !strings.Contains(plan, "VIRTUAL TABLE INDEX") {
		t.Errorf("FTS5 does not answer LIKE from its index:\n%s", plan)
	}
}

// textIndexDB opens a new database, with its administrator, and a read-only connection of
// its own to the file. The index is not merged in the background (compact.go), so that the
// tests see each write's own pages and segments.
func textIndexDB(t *testing.T) (*DB, *sql.DB, context.Context) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := NewDB(path)
	db.compactEvery = 0
	db.indexEvery = 0 // the tests index with IndexText
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := storetest.AdminContext(t, db)
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw, ctx
}

// checkTextIndex indexes the pending rows (when the database has migration 0016), then fails
// unless connectors_text holds exactly the text of connectors, row by row, and its index
// matches what it holds (FTS5's integrity-check).
func checkTextIndex(t *testing.T, db *DB) {
	t.Helper()
	var deferred bool
	if err := db.reads.QueryRow(`SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'connectors_text_pending')`).Scan(&deferred); err != nil {
		t.Fatal(err)
	}
	if deferred {
		if _, err := db.IndexText(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Transacting(context.Background(), func(tx *sqlstore.Tx) error {
		ctx := context.Background()
		if _, err := tx.ExecContext(ctx, `INSERT INTO connectors_text (connectors_text, rank) VALUES ('integrity-check', 1)`); err != nil {
			return err
		}
		var n, rows int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM connectors c FULL JOIN connectors_text x ON x.rowid = c.rowid
			WHERE c.rowid IS NULL OR x.rowid IS NULL OR x.name IS NOT c.name OR x.displayname IS NOT c.displayname OR x.description IS NOT c.description`).Scan(&n); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM connectors`).Scan(&rows); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%d rows differ (of %d connectors)", n, rows)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the text index does not match connectors: %v", err)
	}
}

// TestTextIndexColumns: the FTS5 table indexes exactly the columns the registry marks
// TextIndexed, so that the translator's prefilter never names a column it lacks.
func TestTextIndexColumns(t *testing.T) {
	_, raw, _ := textIndexDB(t)
	var got []string
	rows, err := raw.Query(`SELECT name FROM pragma_table_info('connectors_text')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		got = append(got, n)
	}
	rows.Close()
	var want []string
	for _, col := range connectorhub.Columns {
		if col.TextIndexed {
			want = append(want, col.Stored)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("connectors_text has the columns %v; the registry marks %v TextIndexed", got, want)
	}
	// prefixIndexed: the indexed columns that lead an index COLLATE NOCASE of connectors.
	leading := map[string]bool{}
	rows, err = raw.Query(`SELECT x.name FROM pragma_index_list('connectors') l, pragma_index_xinfo(l.name) x
		WHERE x.seqno = 0 AND x.coll = 'NOCASE'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if slices.Contains(want, n) {
			leading["connectors."+n] = true
		}
	}
	rows.Close()
	if len(leading) != len(prefixIndexed) {
		t.Errorf("the indexed columns leading a NOCASE index are %v; prefixIndexed is %v", leading, prefixIndexed)
	}
	for k := range leading {
		if !prefixIndexed[k] {
			t.Errorf("%s leads a NOCASE index but is not in prefixIndexed", k)
		}
	}
}

// TestTextIndexPlan: SQLite answers a text function on an indexed column from connectors_text
// (no longer a scan of connectors_displayname), in a list, a page after a position and a count,
// and a value without a run of three characters as before. A look-up by name or by key reads
// its unique index once, with no list of keys to narrow by.
func TestTextIndexPlan(t *testing.T) {
	db, raw, ctx := textIndexDB(t)
	for i := 1; i <= 300; i++ {
		c := storetest.MustConnector(t, i)
		c.DisplayName = fmt.Sprintf("Display %d %s", i, []string{"Mail", "Post", "Calendar"}[i%3])
		if err := db.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	env := sqlgen.NewEnv(ctx, time.Now())
	plan := func(text string, args []any) string {
		t.Helper()
		return strings.Join(queryPlan(t, raw, text, args...), "\n")
	}
	filter := func(f string) odata.Expr {
		e, err := odata.ParseFilter(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tt := range []struct {
		filter, orderby string
		after           []any
		indexed         bool
		plan            string // a line the plan must hold
		not             string // a line it must not hold, if any
	}{
		{filter: "contains(displayname,'lay 12')", indexed: true},
		{filter: "endswith(displayname,'endar')", orderby: "displayname desc", indexed: true},
		{filter: "contains(displayname,'mail') and connectortype eq 1", orderby: "modifiedon desc", after: []any{time.Unix(0, 0), "00000000-0000-0000-0000-000000000007"}, indexed: true},
		{filter: "startswith(description,'abc')", indexed: true},
		{filter: "startswith(name,'%connector2')", indexed: true},
		// A prefix on a column of a NOCASE index: that index's range, as before.
		{filter: "startswith(name,'cr736_connector2')", plan: "INDEX connectors_name (name>? AND name<?)"},
		{filter: "startswith(displayname,'display 2')", plan: "INDEX connectors_displayname (displayname>? AND displayname<?)"},
		{filter: "contains(description,'abc') or contains(displayname,'post')", indexed: true},
		{filter: "contains(displayname,'ma')"},
		{filter: "not contains(displayname,'mail')"},
		{filter: "name eq 'cr736_connector2'", plan: "INDEX connectors_name (name=?)", not: "LIST SUBQUERY"},
		{filter: "connectorid eq 00000000-0000-0000-0000-000000000002 and statecode eq 0", plan: "INDEX sqlite_autoindex_connectors_1 (connectorid=?)", not: "LIST SUBQUERY"},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			q := connectorhub.ConnectorQuery{Filter: filter(tt.filter), After: tt.after, Top: 50}
			if tt.orderby != "" {
				o, err := odata.ParseOrderBy(tt.orderby, nil)
				if err != nil {
					t.Fatal(err)
				}
				q.OrderBy = o
			}
			s, err := sqlgen.SelectConnectors(dialect{}, env, q)
			if err != nil {
				t.Fatal(err)
			}
			count, countArgs, err := sqlgen.CountConnectors(dialect{}, env, q, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{plan(s.SQL, s.Args), plan(count, countArgs)} {
				fts := strings.Contains(p, "SCAN connectors_text VIRTUAL TABLE INDEX")
				scan := strings.Contains(p+"\n", "SCAN c\n") || strings.Contains(p, "SCAN c ")
				if tt.indexed && (!fts || scan) {
					t.Errorf("want connectors_text and no scan of connectors:\n%s\n%s", s.SQL, p)
				}
				if !tt.indexed && fts {
					t.Errorf("want no prefilter:\n%s", p)
				}
				if !strings.Contains(p, tt.plan) {
					t.Errorf("want %q in the plan:\n%s", tt.plan, p)
				}
				if tt.not != "" && strings.Contains(p, tt.not) {
					t.Errorf("want no %q in the plan:\n%s", tt.not, p)
				}
			}
		})
	}
}

// TestTextIndexInSync: every writer of connectors keeps connectors_text right (create,
// update, delete, solution import, upgrade and uninstall), and an update of other columns
// does not write the index at all.
func TestTextIndexInSync(t *testing.T) {
	db, raw, ctx := textIndexDB(t)
	for i := 1; i <= 20; i++ {
		c := storetest.MustConnector(t, i)
		if i%2 == 0 {
			c.Description = fmt.Sprintf("Description %d", i)
		}
		if err := db.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	checkTextIndex(t, db)
	// The index's own pages, once the pending rows are in: a write of the index adds a segment
	// and changes them.
	indexState := func() string {
		if _, err := db.IndexText(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		var sum sql.NullString
		if err := raw.QueryRow(`SELECT COUNT(*), group_concat(hex(block), '') FROM (SELECT block FROM connectors_text_data ORDER BY id)`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d:%s", n, sum.String)
	}
	id := func(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }
	update := func(n int, u *connectorhub.ConnectorUpdate) {
		t.Helper()
		if _, _, err := db.UpsertConnector(ctx, id(n), u, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
			t.Fatal(err)
		}
	}
	before := indexState()
	color, def := "#007ee5", `{"swagger":"2.0","info":{"title":"other","version":"2.0"},"paths":{}}`
	update(3, &connectorhub.ConnectorUpdate{IconBrandColor: &color, OpenAPIDefinition: &def})
	same := "Connector 4"
	update(4, &connectorhub.ConnectorUpdate{DisplayName: &same}) // the value it has
	if after := indexState(); after != before {
		t.Error("an update of columns the index does not hold (or to the values it has) wrote the index")
	}
	display, desc, empty := "Renamed Three", "now described", ""
	update(3, &connectorhub.ConnectorUpdate{DisplayName: &display, Description: &desc})
	update(2, &connectorhub.ConnectorUpdate{Description: &empty})
	if indexState() == before {
		t.Error("an update of displayname did not write the index")
	}
	checkTextIndex(t, db)
	if err := db.DeleteConnector(ctx, id(5), connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, db)

	// A managed solution creates a connector, an upgrade renames it, an uninstall removes it.
	pkg := func(version, display string) *connectorhub.SolutionPackage {
		c := storetest.MustConnector(t, 50)
		c.DisplayName, c.Description = display, "imported "+version
		return &connectorhub.SolutionPackage{
			Solution:   connectorhub.Solution{UniqueName: "TextIndexSolution", Version: version, Managed: true},
			Publisher:  connectorhub.Publisher{UniqueName: "textpublisher", Prefix: "cr736", OptionValuePrefix: 10000},
			Connectors: []connectorhub.Connector{*c},
		}
	}
	res, err := db.ImportSolution(ctx, pkg("1.0", "Imported One"), connectorhub.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, db)
	if _, err := db.ImportSolution(ctx, pkg("2.0", "Imported Two"), connectorhub.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, db)
	if err := db.DeleteSolution(ctx, res.SolutionID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, db)

	// A VACUUM keeps connectors' rowids, which link the index to its rows.
	vac, err := sql.Open("sqlite", "file:"+db.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vac.Exec(`VACUUM`); err != nil {
		t.Fatal(err)
	}
	vac.Close()
	checkTextIndex(t, db)
	cs, err := db.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustParse(t, "contains(displayname,'ed thr') or contains(description,'DESCRIPTION 1')")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, strings.TrimPrefix(c.Name, "cr736_connector"))
	}
	if strings.Join(got, ",") != "3,10,12,14,16,18" {
		t.Errorf("after VACUUM: got %v", got)
	}
}

func mustParse(t *testing.T, f string) odata.Expr {
	t.Helper()
	e, err := odata.ParseFilter(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTextIndexCopy: connectorhub migrate's copy into SQLite inserts row by row, so the
// triggers index every row it copies, and the rows the copy replaces are forgotten.
func TestTextIndexCopy(t *testing.T) {
	src, _, ctx := textIndexDB(t)
	dst, _, _ := textIndexDB(t)
	for i := 1; i <= 30; i++ {
		c := storetest.MustConnector(t, i)
		c.DisplayName = fmt.Sprintf("Copied %d", i)
		if err := src.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// An earlier copy's rows, replaced by the next one.
	if _, err := sqlstore.Copy(context.Background(), src.DB, dst.DB, sqlstore.CopyOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	display := "Changed at the source"
	if _, _, err := src.UpsertConnector(ctx, "00000000-0000-0000-0000-000000000007", &connectorhub.ConnectorUpdate{DisplayName: &display}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.Copy(context.Background(), src.DB, dst.DB, sqlstore.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, dst)
	p, err := dst.LoadPrincipal(context.Background(), connectorhub.PrincipalFromContext(ctx).UserID)
	if err != nil {
		t.Fatal(err)
	}
	dctx := connectorhub.NewContextWithPrincipal(context.Background(), p)
	for f, want := range map[string]int{"contains(displayname,'copied')": 29, "contains(displayname,'at the sou')": 1, "contains(displayname,'copied 7')": 0} {
		n, err := dst.CountConnectors(dctx, connectorhub.ConnectorQuery{Filter: mustParse(t, f)})
		if err != nil || n != want {
			t.Errorf("%s: got %d, %v; want %d", f, n, err, want)
		}
	}

	// Through PostgreSQL and back, when there is a server: the same rows, indexed.
	if !pgtest.Available() {
		return
	}
	pg := postgres.NewDB(pgtest.NewURL(t))
	if err := pg.Open(); err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	back, _, _ := textIndexDB(t)
	if _, err := sqlstore.Copy(context.Background(), dst.DB, pg.DB, sqlstore.CopyOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.Copy(context.Background(), pg.DB, back.DB, sqlstore.CopyOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	checkTextIndex(t, back)
	n, err := back.CountConnectors(dctx, connectorhub.ConnectorQuery{Filter: mustParse(t, "contains(displayname,'copied 1') or endswith(displayname,'E SOURCE')")})
	if err != nil || n != 12 {
		t.Errorf("after SQLite, PostgreSQL, SQLite: got %d, %v; want 12", n, err)
	}
}

// TestIndexTextPending: creates and updates of indexed text wait in connectors_text_pending
// (migration 0016) until IndexText moves them into the index, in batches of indexBatch; a row
// deleted while pending leaves nothing behind; and the server's upkeep does it unasked.
func TestIndexTextPending(t *testing.T) {
	db, raw, ctx := textIndexDB(t)
	count := func(table string) (n int) {
		t.Helper()
		if err := raw.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const rows = 2*indexBatch + 100
	err := db.Transact(ctx, func(ctx context.Context) error {
		for i := 1; i <= rows; i++ {
			if err := db.CreateConnector(ctx, storetest.MustConnector(t, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := count("connectors_text_pending"); got != rows {
		t.Fatalf("%d rows pending after %d creates", got, rows)
	}
	if err := db.DeleteConnector(ctx, storetest.MustConnector(t, 7).ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	n, err := db.IndexText(ctx)
	if err != nil || n != rows {
		t.Fatalf("IndexText took %d rows (%v), want %d in batches of %d", n, err, rows, indexBatch)
	}
	if got := count("connectors_text_pending"); got != 0 {
		t.Errorf("%d rows still pending", got)
	}
	checkTextIndex(t, db) // the deleted row is in neither

	// The upkeep, looking every few milliseconds, takes a new row without being asked.
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	live := NewDB(path)
	live.compactEvery, live.indexEvery = 0, 5*time.Millisecond
	if err := live.Open(); err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	lctx := storetest.AdminContext(t, live)
	// Idle, it looks once at its start (for rows an earlier run left) and then waits for a
	// commit: no polling. AdminContext's writes may have left one nudge waiting (nudges
	// coalesce), so two looks are allowed; a loop polling every indexEvery would look some
	// fifteen times in 300 ms.
	idle := live.indexLooks.Load()
	time.Sleep(300 * time.Millisecond)
	if looks := live.indexLooks.Load(); looks-idle > 2 {
		t.Errorf("an idle upkeep looked %d times in 300 ms: it should wait for a commit", looks-idle)
	}
	if err := live.CreateConnector(lctx, storetest.MustConnector(t, 1)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var pending int
		if err := live.reads.QueryRow(`SELECT COUNT(*) FROM connectors_text_pending`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upkeep left the new row pending for 10 s")
		}
	}
	checkTextIndex(t, live)
}

// TestIndexTextPlan: a batch of the indexer reads the noted rows and each one's connector by
// rowid, never a range of connectors: a plan that walked connectors up to the batch's bound read
// the whole table every 20 ms and made writes beside it several times slower.
func TestIndexTextPlan(t *testing.T) {
	_, raw, _ := textIndexDB(t)
	for _, stmt := range indexBatchStatements {
		details := queryPlan(t, raw, stmt, int64(math.MaxInt64))
		plan := strings.Join(details, "\n")
		if !strings.Contains(stmt, "JOIN connectors c") {
			continue
		}
		if !slices.Contains(details, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(plan, "SCAN c") || strings.Contains(plan, "SEARCH c USING INTEGER PRIMARY KEY (rowid<") {
			t.Errorf("the plan of\n%s\ndoes not read each connector by its rowid alone:\n%s", stmt, plan)
		}
	}
}

// queryPlan returns the detail lines of SQLite's EXPLAIN QUERY PLAN of text with args.
func queryPlan(t *testing.T, db *sql.DB, text string, args ...any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}
