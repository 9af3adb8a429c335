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
