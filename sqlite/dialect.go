package sqlite

import "strings"

// dialect is SQLite's part of the shared SQL translator.
type dialect struct{}

func (dialect) Placeholder(int) string { return "?" }

// CompareText uses NOCASE, which the text indexes are built with, so comparisons use them.
func (dialect) CompareText(left, op, right string) string {
	return left + " " + op + " " + right + " COLLATE NOCASE"
}

// Like relies on SQLite's LIKE, which ignores ASCII case. Unless the pattern starts with text,
// the LIKE is under a unary plus, which leaves its value as it is and hides it from the query
// planner: SQLite compiles a statement whose LIKE has a bound pattern again at every run (its
// LIKE optimization might read the range of a prefix from an index), about 40 µs for a list of
// connectors; a pattern that starts with a wildcard has no prefix to read.
func (dialect) Like(expr, pattern string, prefix bool) string {
	if !prefix {
		return "+(" + expr + " LIKE " + pattern + ")"
	}
	return expr + " LIKE " + pattern
}

func (dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

func (dialect) OrderText(expr string) string { return expr + " COLLATE NOCASE" }

// NullsOrder is empty: SQLite sorts nulls first ascending and last descending already.
func (dialect) NullsOrder(bool) string { return "" }

// JoinText relies on group_concat taking the rows in the order of its subquery, as SQLite does.
func (dialect) JoinText(expr, sep string) string { return "group_concat(" + expr + ", " + sep + ")" }

// TextPrefilter narrows contains, startswith and endswith by the FTS5 trigram index of
// migration 0013: <table>_text, a copy of the indexed columns under the table's rowids. It
// asks the index for the rows whose column holds trigrams of the pattern (trigramQuery); with
// case_sensitive 0 the index folds case over all of Unicode, so every row whose column is LIKE
// the pattern under SQLite's ASCII folding is among them. The translator keeps the exact LIKE
// beside it.
//
// A pattern anchored at its start on a column of a NOCASE index (prefixIndexed) gets none:
// SQLite's LIKE optimization reads the range of the prefix from that index, which is cheaper
// than any trigram lookup, however many rows share the prefix.
func (dialect) TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string {
	if anchored && prefixIndexed[table+"."+column] {
		return ""
	}
	query := trigramQuery(column, pattern)
	if query == "" {
		return ""
	}
	fts := table + "_text"
	// The rows written since the indexer last ran are in <table>_text_pending, not yet in the
	// index (migration 0016): they are candidates too.
	return alias + ".rowid IN (SELECT " + fts + ".rowid FROM " + fts + " WHERE " + fts + " MATCH " + bind(query) +
		" UNION ALL SELECT pendingrow FROM " + fts + "_pending)"
}

// trigramQuery returns the FTS5 query of the rows whose column holds, for each run of three or
// more characters of a LIKE pattern between its wildcards % and _, trigrams that cover the
// run: every third one and the last; at most maxTrigrams of them, spread over the runs (the
// first and the last among them). "" when no run is that long.
//
// Every third, not every one: the trigrams of a run cost a pass over each one's list of rows,
// and FTS5, given the LIKE itself, read them all, and matched their positions, to find the
// phrase. Text people search shares trigrams with many rows: in the bench's data, eight of the
// thirteen of a search term are in every row. Read this way the index yields a few more
// candidates than the phrase (a row holding the pieces apart), which the exact LIKE beside it
// drops.
func trigramQuery(column, pattern string) string {
	var trigrams []string
	for _, run := range strings.FieldsFunc(pattern, func(r rune) bool { return r == '%' || r == '_' }) {
		chars := []rune(run)
		if len(chars) < 3 {
			continue
		}
		for i := 0; ; i += 3 {
			i = min(i, len(chars)-3)
			trigrams = append(trigrams, string(chars[i:i+3]))
			if i == len(chars)-3 {
				break
			}
		}
	}
	if len(trigrams) == 0 {
		return ""
	}
	if n := len(trigrams); n > maxTrigrams {
		// Evenly spaced, the first and the last among them.
		spread := make([]string, maxTrigrams)
		for j := range spread {
			spread[j] = trigrams[j*(n-1)/(maxTrigrams-1)]
		}
		trigrams = spread
	}
	var b strings.Builder
	b.WriteString(column + " : (")
	for j, t := range trigrams {
		if j > 0 {
			b.WriteString(" AND ")
		}
		// A string of FTS5's query syntax: its only special character is '"', doubled.
		b.WriteString(`"` + strings.ReplaceAll(t, `"`, `""`) + `"`)
	}
	b.WriteString(")")
	return b.String()
}

// maxTrigrams bounds the trigrams of one prefilter: the first, the middle and the last of
// those above. FTS5 reads the list of rows of each term of an AND, a common term's nearly
// whole however few rows the others leave (it steps through a leaf's entries one by one),
// while a term beyond the first few removes few candidates: the trigrams of one value go
// together (a row that holds the first, the middle and the last of a phrase nearly always holds
// the phrase), and the exact LIKE drops the rest. With the bench's value, whose first trigrams
// are in every row, 3 instead of 5 took contains with $select from 2.66 to 1.81 ms of CPU a
// request and full records from 5.4 to 4.6 (sixth session, side by side); the corpus's
// BenchmarkContains did not change beyond its noise. (Before the fifth session a value of
// 50,000 characters made 16,667 terms, 0.2 s of C SQLite a query.)
const maxTrigrams = 3

// prefixIndexed are the text columns that lead an index COLLATE NOCASE (migration 0001:
// connectors_name, connectors_displayname), which SQLite's LIKE optimization reads for a
// pattern that starts with text. TestTextIndexColumns checks it against the schema.
var prefixIndexed = map[string]bool{"connectors.name": true, "connectors.displayname": true}
