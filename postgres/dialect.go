package postgres

import "strings"

// dialect is PostgreSQL's part of the shared SQL translator. Every text column is
// COLLATE "C" (bytewise, as SQLite's BINARY), and lower() under "C" folds ASCII letters only,
// exactly as SQLite's NOCASE: the two engines give the same answers on the same data, also for
// non-ASCII names. The indexes are built on lower(column), so these expressions use them.
type dialect struct{}

// Placeholder is "?" as on SQLite: sqlstore numbers the parameters of every statement.
func (dialect) Placeholder(int) string { return "?" }

func (dialect) CompareText(left, op, right string) string {
	return "lower(" + left + ") " + op + " " + foldValue(right)
}

// Like folds both sides and turns off PostgreSQL's default backslash escape: SQLite's LIKE
// has none, and Dataverse's wildcards are %, _ only.
func (dialect) Like(expr, pattern string, _ bool) string {
	return "lower(" + expr + ") LIKE " + foldValue(pattern) + " ESCAPE ''"
}

func (dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

func (dialect) OrderText(expr string) string { return "lower(" + expr + ")" }

// NullsOrder makes nulls sort first ascending and last descending, as on SQLite and SQL
// Server; PostgreSQL's default is the opposite.
func (dialect) NullsOrder(desc bool) string {
	if desc {
		return "NULLS LAST"
	}
	return "NULLS FIRST"
}

// foldValue folds a bound value (or another expression) under "C": a parameter's collation
// is otherwise the database's default, which may fold non-ASCII letters too.
func foldValue(v string) string { return "lower(CAST(" + v + " AS TEXT) COLLATE \"C\")" }

func (dialect) JoinText(expr, sep string) string {
	return "string_agg(" + expr + ", " + sep + " ORDER BY " + expr + ")"
}

// TextPrefilter is "": the GIN trigram indexes on lower(column) (connectors_<column>_trgm,
// migration 0001) answer Like's own expression (lower(column) LIKE the folded pattern, with no
// escape character), so there is nothing to put in front of it.
func (dialect) TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string {
	return ""
}
