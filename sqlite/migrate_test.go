package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// dump returns the rows a query gives, each as one line of text.
func dump(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
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
