package sqlite

import "strings"

// dialect is SQLite's part of the shared SQL translator.
type dialect struct{}

func (dialect) Placeholder(int) string { return "?" }

// CompareText uses NOCASE, which the text indexes are built with, so comparisons use them.
func (dialect) CompareText(left, op, right string) string {
	return left + " " + op + " " + right + " COLLATE NOCASE"
}

// Like relies on SQLite's LIKE, which ignores ASCII case.
func (dialect) Like(expr, pattern string) string { return expr + " LIKE " + pattern }

func (dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

func (dialect) OrderText(expr string) string { return expr + " COLLATE NOCASE" }

// NullsOrder is empty: SQLite sorts nulls first ascending and last descending already.
func (dialect) NullsOrder(bool) string { return "" }

// JoinText relies on group_concat taking the rows in the order of its subquery, as SQLite does.
func (dialect) JoinText(expr, sep string) string { return "group_concat(" + expr + ", " + sep + ")" }

// TextPrefilter narrows contains, startswith and endswith by the FTS5 trigram index of
// migration 0013: <table>_text, a copy of the indexed columns under the table's rowids. With
// case_sensitive 0, FTS5 answers a LIKE on one of its columns from the index (the pattern's
// runs of three or more characters between wildcards), folding case over all of Unicode:
// every row whose column is LIKE the pattern under SQLite's ASCII folding is among them. The
// translator keeps the exact LIKE beside it.
//
// A pattern anchored at its start on a column of a NOCASE index (prefixIndexed) gets none:
// SQLite's LIKE optimization reads the range of the prefix from that index, which is cheaper
// than any trigram lookup, however many rows share the prefix.
func (dialect) TextPrefilter(table, alias, column, pattern string, anchored bool) string {
	if anchored && prefixIndexed[table+"."+column] {
		return ""
	}
	fts := table + "_text"
	return alias + ".rowid IN (SELECT " + fts + ".rowid FROM " + fts + " WHERE " + fts + "." + column + " LIKE " + pattern + ")"
}

// prefixIndexed are the text columns that lead an index COLLATE NOCASE (migration 0001:
// connectors_name, connectors_displayname), which SQLite's LIKE optimization reads for a
// pattern that starts with text. TestTextIndexColumns checks it against the schema.
var prefixIndexed = map[string]bool{"connectors.name": true, "connectors.displayname": true}
