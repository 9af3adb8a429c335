package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/odata"
	"github.com/connectorhub/connectorhub/storetest"
)

func TestTrigramQuery(t *testing.T) {
	for _, tt := range []struct{ pattern, want string }{
		{"%abc%", `displayname : ("abc")`},
		{"abcd%", `displayname : ("abc" AND "bcd")`},
		{"%abcdef", `displayname : ("abc" AND "def")`},
		{"%abcdefg%", `displayname : ("abc" AND "def" AND "efg")`},
		// The bench's search term: 3 of its 13 trigrams, the first, the middle and the last of
		// every third ("ff7", "8ca", "65 ", "g00", "42 ").
		{"%ff78ca65 g0042 %", `displayname : ("ff7" AND "65 " AND "42 ")`},
		// Runs between the wildcards, the short ones left out.
		{"%ab_cde%fg%", `displayname : ("cde")`},
		{"%abcd%efgh_ij%", `displayname : ("abc" AND "bcd" AND "fgh")`},
		{"%ab%", ""},
		{"%a_b%c%", ""},
		{"%%%", ""},
		// Characters, not bytes; the quote doubled; FTS5's operators only text.
		{"%éüöx%", `displayname : ("éüö" AND "üöx")`},
		{`%a"b"c%`, `displayname : ("a""b" AND "b""c")`},
		{`%"NEAR" AND *%`, `displayname : ("""NE" AND "AR""" AND "D *")`},
		// At most 3, spread over the runs: the first, the middle and the last.
		{"%aaabbbcccdddeeefffggghhhiiijjjkkklllmmmnnnooopppqqq%", `displayname : ("aaa" AND "iii" AND "qqq")`},
		{"%aaabbbcc%dddeeeff%", `displayname : ("aaa" AND "bcc" AND "eff")`},
	} {
		if got := trigramQuery("displayname", tt.pattern); got != tt.want {
			t.Errorf("trigramQuery(%q) = %s, want %s", tt.pattern, got, tt.want)
		}
	}
	// The longest value a text function takes: 3 trigrams still.
	long := "%" + strings.Repeat("abcdefghijklmnopqrstuvwxyz", 50000/26) + "%"
	if got := strings.Count(trigramQuery("displayname", long), " AND "); got != 2 {
		t.Errorf("a value of %d characters: %d trigrams, want 3", len(long), got+1)
	}
}

// plainLike is SQLite's dialect without the trigram prefilter: the LIKE alone.
type plainLike struct{ dialect }

func (plainLike) TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string {
	return ""
}

// TestTextPrefilterSelectsAsLike: contains, startswith and endswith select the same rows with
// the trigram prefilter as with the LIKE alone, for random values over an alphabet that makes
// rows hold the pieces of a value apart (which the prefilter lets through), in either case,
// with non-ASCII letters, quotes and the wildcards, short and long.
func TestTextPrefilterSelectsAsLike(t *testing.T) {
	db, raw, ctx := textIndexDB(t)
	alphabet := []string{"a", "b", "c", "A", "B", " ", `"`, "é", "É", "%", "_", "ab", "bc", "ca"}
	rng := rand.New(rand.NewPCG(13, 1))
	text := func(min, max int) string {
		var b strings.Builder
		for n := min + rng.IntN(max-min+1); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	create := func(i int) {
		c := storetest.MustConnector(t, i)
		c.DisplayName = text(3, 16)
		c.Description = text(0, 30)
		if err := db.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 300; i++ {
		create(i)
	}
	// Most rows in the index, some only pending (migration 0016): 30 new, 40 whose text changed
	// since they were indexed (the index still holds their old text), 10 deleted.
	if _, err := db.IndexText(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 301; i <= 330; i++ {
		create(i)
	}
	for i := 1; i <= 40; i++ {
		display, desc := text(3, 16), text(0, 30)
		u := &connectorhub.ConnectorUpdate{DisplayName: &display, Description: &desc}
		if _, _, err := db.UpsertConnector(ctx, storetest.MustConnector(t, i*7).ID, u, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 10; i++ {
		if err := db.DeleteConnector(ctx, storetest.MustConnector(t, i*11).ID, connectorhub.Precondition{}); err != nil {
			t.Fatal(err)
		}
	}
	var indexed, pending int
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM connectors_text), (SELECT COUNT(*) FROM connectors_text_pending)`).Scan(&indexed, &pending); err != nil {
		t.Fatal(err)
	}
	if indexed < 280 || pending < 60 {
		t.Fatalf("%d rows indexed, %d pending: the test needs both", indexed, pending)
	}
	env := sqlgen.NewEnv(ctx, time.Now())
	ids := func(d sqlgen.Dialect, q connectorhub.ConnectorQuery) []string {
		t.Helper()
		return selectIDs(t, raw, d, env, q)
	}
	prefiltered, found := 0, 0
	for range 600 {
		v := text(3, 6)
		if rng.IntN(5) == 0 {
			v = text(20, 80) // more than 16 trigrams, often
		}
		v = strings.ReplaceAll(v, "'", "''")
		filter := fmt.Sprintf("%s(%s,'%s')", []string{"contains", "startswith", "endswith"}[rng.IntN(3)], []string{"displayname", "description"}[rng.IntN(2)], v)
		f, err := odata.ParseFilter(filter, nil)
		if err != nil {
			t.Fatal(err)
		}
		q := connectorhub.ConnectorQuery{Filter: f, Top: 5000}
		if s, _ := sqlgen.SelectConnectors(dialect{}, env, q); strings.Contains(s.SQL, " MATCH ") {
			prefiltered++
		}
		got, want := ids(dialect{}, q), ids(plainLike{}, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows with the prefilter, %d with the LIKE alone", filter, len(got), len(want))
		}
		found += len(want)
	}
	if prefiltered < 300 || found < 300 {
		t.Fatalf("%d of 600 queries prefiltered, %d rows found: the test tests little", prefiltered, found)
	}
}

// selectIDs runs the translation of q in dialect d on db and returns the connectorids of the
// rows, in order.
func selectIDs(t *testing.T, db *sql.DB, d sqlgen.Dialect, env sqlgen.Env, q connectorhub.ConnectorQuery) []string {
	t.Helper()
	s, err := sqlgen.SelectConnectors(d, env, q)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows := query(t, db, s.SQL, s.Args...)
	var out []string
	for _, vals := range rows {
		out = append(out, fmt.Sprint(vals[slices.Index(cols, "connectorid")]))
	}
	return out
}

// TestStatementsNotRecompiled: a statement of contains or endswith runs again with other values
// without SQLite compiling it again, as it did for every LIKE with a bound pattern (0.7 ms of a
// contains that read 50 records); startswith, whose prefix an index may read, still is. So is a
// statement with an IN list of many keys and a bound LIMIT (0.5 ms of a page of full records,
// whose records scanPage reads by key): the LIMIT is left out when the keys bound the rows.
func TestStatementsNotRecompiled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	pool, err := sql.Open("sqlite", dataSource(path)+readPragmas)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	env := sqlgen.NewEnv(ctx, time.Now())
	env.Scope = &connectorhub.ReadScope{All: true}
	// in is an In of 50 values of the property, different at each run i.
	in := func(property string, quoted func(n int) string) func(i int) string {
		return func(i int) string {
			values := make([]string, 50)
			for j := range values {
				values[j] = "'" + quoted(i*50+j) + "'"
			}
			return "Microsoft.Dynamics.CRM.In(PropertyName='" + property + "',PropertyValues=[" + strings.Join(values, ",") + "])"
		}
	}
	guid := func(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }
	for _, tc := range []struct {
		filter     string // %s: the value
		in         func(i int) string
		recompiled bool
	}{
		{filter: "contains(displayname,'%s')"},
		{filter: "contains(description,'%s')"},
		{filter: "endswith(name,'%s')"},
		{filter: "not contains(displayname,'%s')"},
		{filter: "contains(displayname,'%s') or startswith(description,'%[1]s')", recompiled: true},
		{filter: "startswith(name,'%s')", recompiled: true},
		{filter: "keys", in: in("connectorid", guid)},
		{filter: "names", in: in("name", func(n int) string { return fmt.Sprint("name", n) })},
		{filter: "display names", in: in("displayname", func(n int) string { return fmt.Sprint("name", n) }), recompiled: true},
	} {
		var stmt *sql.Stmt
		for i := range 4 {
			text := fmt.Sprintf(tc.filter, fmt.Sprint("value ", i))
			if tc.in != nil {
				text = tc.in(i)
			}
			f, err := odata.ParseFilter(text, nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := sqlgen.SelectConnectors(dialect{}, env, connectorhub.ConnectorQuery{Filter: f, Top: 50})
			if err != nil {
				t.Fatal(err)
			}
			if stmt == nil {
				if stmt, err = conn.PrepareContext(ctx, s.SQL); err != nil {
					t.Fatal(err)
				}
				defer stmt.Close()
			}
			rows, err := stmt.QueryContext(ctx, s.Args...)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if i == 0 {
				recompilations(t, conn, "SELECT c.connectorid") // the first run may compile it again
			}
		}
		if n := recompilations(t, conn, "SELECT c.connectorid"); (n > 0) != tc.recompiled {
			t.Errorf("%s: compiled again %d times in 3 runs after the first; want again: %v", tc.filter, n, tc.recompiled)
		}
	}
}

// recompilations returns how often SQLite compiled again the prepared statements of conn whose
// text starts with prefix (sqlite3_stmt_status), and resets the counts.
// The driver keeps its connection's handle in a field "db".
func recompilations(t *testing.T, conn *sql.Conn, prefix string) int {
	t.Helper()
	tls := libc.NewTLS()
	defer tls.Close()
	n := 0
	err := conn.Raw(func(dc any) error {
		f := reflect.ValueOf(dc).Elem().FieldByName("db")
		if !f.IsValid() || f.Kind() != reflect.Uintptr {
			return fmt.Errorf("the driver's connection (%T) has no field db: the test needs mending", dc)
		}
		db := uintptr(f.Uint())
		for p := sqlite3.Xsqlite3_next_stmt(tls, db, 0); p != 0; p = sqlite3.Xsqlite3_next_stmt(tls, db, p) {
			if strings.HasPrefix(libc.GoString(sqlite3.Xsqlite3_sql(tls, p)), prefix) {
				n += int(sqlite3.Xsqlite3_stmt_status(tls, p, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 1))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
