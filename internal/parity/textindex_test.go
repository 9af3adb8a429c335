package parity_test

import (
	"strings"
	"testing"
)

// textValues are the values of the TextIndex cases: runs of three characters or more (which
// an engine may narrow by its trigram index: SQLite's FTS5 table, PostgreSQL's pg_trgm) and
// shorter ones, mixed ASCII case, non-ASCII case (É is not é), the wildcards % and _, FTS5's
// syntax, spaces at either end, the empty value and values longer than any text.
var textValues = []string{
	"", "a", "al", "alp", "LPHA", "Alpha 0", "alpha 01", "ALPHA 011 and then some more text than any row holds",
	"mile", "émile", "Émile", "ÉMILE", "EMILE", "e\u0301m", "ärger", "Ärger", "ÄRGER", "rger 1", "gamma é", "GAMMA É", "mma É",
	"straße", "STRASSE", "STRAßE", "ωmega", "ΩMEGA", "σίσυφος", "ΣΊΣΥΦΟΣ", "ǅ d", "ａｂｃ", "ＡＢＣ", "oë 😀", "😀 r", "😀",
	"100%", "0%_o", "% s", "a_b", "_b", "a%b", "%%%", "___", "0_o", "off_", "% off_1", "50% off", "%_o",
	"desc 1", "Desc 1", "DESC", "ünïcode", "ÜNÏCODE", "Ünïcode 2",
	`"`, `"NEAR"`, "NEAR", "AND", "OR", "*", ":", "^", "^car", "[bra", "ket]",
	" ", "  sp", "spaced  ", "  spaced  ", " spaced ", "cr736_", "_bulk_", "bulk_0", "cr736_bulk_29", `\`, `k\s`, `a\\b`, "'", "O'B", "it's",
}

// testTextIndex checks contains, startswith and endswith on the text columns an engine may
// answer from a trigram index, against the rows a scan selects (like, in Go), as every caller
// (the Basic User's reads are trimmed), with their counts; and combined with not, or, and,
// $orderby and $top.
func (f *fixture) testTextIndex(t *testing.T) {
	var cases []connectorCase
	text := map[string]func(c *conn) (string, bool){
		"displayname": func(c *conn) (string, bool) { return c.display, true },
		"name":        func(c *conn) (string, bool) { return c.name, true },
		"description": func(c *conn) (string, bool) {
			if c.desc == nil {
				return "", false
			}
			return *c.desc, true
		},
	}
	for _, column := range []string{"displayname", "description", "name"} {
		read := text[column]
		for _, fn := range []string{"contains", "startswith", "endswith"} {
			for _, v := range textValues {
				pattern := map[string]string{"contains": "%" + v + "%", "startswith": v + "%", "endswith": "%" + v}[fn]
				match := func(c *conn) bool {
					s, ok := read(c)
					return ok && like(s, pattern)
				}
				empty := true
				for _, c := range f.data {
					empty = empty && !match(c)
				}
				cases = append(cases, connectorCase{filter: fn + "(" + column + ",'" + strings.ReplaceAll(v, "'", "''") + "')", match: match, empty: empty})
			}
		}
	}
	desc := func(c *conn, pattern string) bool { return c.desc != nil && like(*c.desc, pattern) }
	cases = append(cases,
		// Under not, a null description stays unselected.
		connectorCase{filter: "not contains(description,'desc')", match: func(c *conn) bool { return c.desc != nil && !like(*c.desc, "%desc%") }},
		connectorCase{filter: "not (not contains(description,'desc'))", match: func(c *conn) bool { return desc(c, "%desc%") }},
		connectorCase{filter: "not (contains(displayname,'alpha') or contains(description,'ünï'))", match: func(c *conn) bool {
			return c.desc != nil && !like(c.display, "%alpha%") && !desc(c, "%ünï%")
		}},
		connectorCase{filter: "contains(displayname,'émile') or contains(description,'50% o') or endswith(name,'_299')", match: func(c *conn) bool {
			return like(c.display, "%émile%") || desc(c, "%50% o%") || strings.HasSuffix(c.name, "_299")
		}},
		connectorCase{filter: "contains(displayname,'ärger') and not startswith(description,'desc') and connectortype eq 1", match: func(c *conn) bool {
			return like(c.display, "%ärger%") && c.desc != nil && !like(*c.desc, "desc%") && c.ctype == 1
		}},
		connectorCase{filter: "contains(displayname,'mma') and contains(displayname,'é')", match: func(c *conn) bool {
			return like(c.display, "%mma%") && like(c.display, "%é%")
		}},
		// $orderby and $top over a narrowed set.
		connectorCase{filter: "contains(displayname,'lpha') or contains(displayname,'RGER')", orderby: "displayname desc,name", top: 17},
		connectorCase{filter: "endswith(description,'ode 1') or startswith(description,'Desc')", orderby: "description,modifiedon desc", top: 9},
		connectorCase{filter: "contains(name,'bulk_1')", orderby: "ownerid/fullname,name", top: 12},
	)
	f.runConnectorCases(t, cases)
}
