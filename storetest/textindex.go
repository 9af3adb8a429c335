package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// textIndexTests are the contract's cases of contains, startswith and endswith on the text
// columns an engine may answer from a trigram index (connectorhub.Column.TextIndexed): the
// rows must be exactly those a scan of the stored values selects, whatever the index holds.
var textIndexTests = []struct {
	name string
	fn   func(t *testing.T, s Store, ctx context.Context)
}{
	{"TextFunctions", testTextFunctions},
	{"TextFunctionsCombined", testTextFunctionsCombined},
	{"TextFunctionsPaging", testTextFunctionsPaging},
	{"TextFunctionsAfterWrites", testTextFunctionsAfterWrites},
	{"TextFunctionsTrimmed", testTextFunctionsTrimmed},
	{"TextFunctionsSolutionImport", testTextFunctionsSolutionImport},
}

// textRows are display names and descriptions (nil: null) that an index folding case over all
// of Unicode, or reading FTS5 syntax, would answer wrongly: the engines fold ASCII only.
var textRows = []struct {
	display string
	desc    *string
}{
	{"Contoso Mail", ptr("Sends mail")},
	{"CONTOSO mail", ptr("sends MAIL")},
	{"Émile Café", ptr("crème brûlée")},
	{"émile café", ptr("CRÈME BRÛLÉE")},
	{"Über Connector", ptr("grüße")},
	{"über connector", ptr("GRÜSSE")},
	{"100% sure_thing", ptr("a_b%c")},
	{"100 percent sureXthing", ptr("aXbYc")},
	{`Say "NEAR" AND * : ^ OR`, ptr(`"quoted" text`)},
	{`say near and or not`, ptr(`quoted text`)},
	{"  padded  ", nil},
	{"ab", ptr("x")},
	{"Straße", ptr("ß")},
	{"STRASSE", ptr("SS")},
	{"Ωmega ωMEGA", ptr("ΣΊΣΥΦΟΣ σίσυφος")},
	{"Zoë 😀 rocket", ptr("emoji 😀😀😀")},
	{`back\slash`, ptr(`a\\b`)},
	{"O'Brien", ptr("it's")},
}

// textValues are the values the text functions are tried with: 1, 2 and 3 characters, mixed
// ASCII case, non-ASCII case (É is not é), the wildcards % and _, a double quote and FTS5's
// syntax (" * : ^ NEAR AND OR), spaces at either end, the empty value and one longer than any
// text.
var textValues = []string{
	"", "a", "ab", "abc", "m", "ma", "mai", "MAIL", "Mail", "CONTOSO", "toso m", "Contoso Mail!", "Contoso Mail and more than the text",
	"émile", "Émile", "ÉMILE", "CAFÉ", "café", "é", "É", "ü", "Ü", "über", "ÜBER", "Über", "grüße", "GRÜSSE", "ß", "ss", "straße", "STRASSE",
	"ωmega", "ΩMEGA", "σίσυφος", "😀", "😀😀", "😀 r", "oë 😀",
	"%", "_", "%%", "100%", "0%_s", "% s", "e_th", "a_b", "a%c", "%sure", "sure%", "_thing", "re_t", "u%e%h", "___", "1__ p",
	`"`, `"NEAR"`, `NEAR`, "near", "AND", "and *", "*", ":", "^", " OR", `" AND *`, `* : ^`, `"quoted"`, "quoted",
	" ", "  ", "  padded", "padded  ", "  padded  ", " padded ", "dded ", `\`, `\s`, `a\\b`, "'", "O'B", "it's",
	"cr736_", "cr736_text", "TEXT1", "xt1",
}

func mustTextRows(t *testing.T, s Store, ctx context.Context) {
	t.Helper()
	for i, r := range textRows {
		mustCreateWith(t, s, ctx, i+1, func(u *connectorhub.ConnectorUpdate) {
			u.Name = ptr(fmt.Sprintf("cr736_text%d", i+1))
			u.DisplayName = ptr(r.display)
			u.Description = r.desc
		})
	}
}

// FoldASCII is the engines' case folding: ASCII letters only (SQLite's NOCASE and LIKE,
// PostgreSQL's lower() under COLLATE "C").
func FoldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// Like is LIKE as the engines run it on one value, without any index: % and _ are wildcards
// of characters, there is no escape, ASCII letters match either case. It is the reference the
// engines' answers are compared with, here and in internal/parity.
func Like(s, pattern string) bool {
	return likeFolded(FoldASCII(s), FoldASCII(pattern))
}

func likeFolded(s, pattern string) bool {
	if pattern == "" {
		return s == ""
	}
	r, size := utf8.DecodeRuneInString(pattern)
	switch r {
	case '%':
		for i := 0; ; {
			if likeFolded(s[i:], pattern[size:]) {
				return true
			}
			if i == len(s) {
				return false
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
	case '_':
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		return likeFolded(s[n:], pattern[size:])
	}
	return strings.HasPrefix(s, string(r)) && likeFolded(s[size:], pattern[size:])
}

// textFunc is the meaning of contains, startswith or endswith over a stored value: null (the
// value "", as a record reads it, for a nullable column) never matches.
func textFunc(fn, value string) func(stored string, null bool) bool {
	pattern := map[string]string{"contains": "%" + value + "%", "startswith": value + "%", "endswith": "%" + value}[fn]
	return func(stored string, null bool) bool { return !null && Like(stored, pattern) }
}

// textColumnOf reads a text column of a record, and whether it is null.
func textColumnOf(c *connectorhub.Connector, column string) (string, bool) {
	switch column {
	case "name":
		return c.Name, false
	case "displayname":
		return c.DisplayName, false
	case "description":
		return c.Description, c.Description == ""
	}
	panic(column)
}

// odataString quotes a value as an OData string literal.
func odataString(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// expectScan lists, by number, the records of all that match, in key order.
func expectScan(all []*connectorhub.Connector, match func(c *connectorhub.Connector) bool) string {
	var out []*connectorhub.Connector
	for _, c := range all {
		if match(c) {
			out = append(out, c)
		}
	}
	return textNumbers(out)
}

// textNumbers lists records by their number (the end of their name cr736_textN).
func textNumbers(cs []*connectorhub.Connector) string {
	ns := make([]string, len(cs))
	for i, c := range cs {
		ns[i] = strings.TrimPrefix(c.Name, "cr736_text")
	}
	return strings.Join(ns, ",")
}

// checkTextFilter runs filter as rows and as a count, and compares both with want.
func checkTextFilter(t *testing.T, s Store, ctx context.Context, filter, want string) {
	t.Helper()
	q := connectorhub.ConnectorQuery{Filter: mustFilter(t, filter)}
	cs, err := s.FindConnectors(ctx, q)
	if err != nil {
		t.Fatalf("$filter=%s: %v", filter, err)
	}
	if got := textNumbers(cs); got != want {
		t.Errorf("$filter=%s\n got [%s]\nwant [%s] (a scan of the stored values)", filter, got, want)
	}
	n, err := s.CountConnectors(ctx, q)
	if err != nil {
		t.Fatalf("$count of $filter=%s: %v", filter, err)
	}
	if wantN := len(strings.Split(want, ",")); (want == "" && n != 0) || (want != "" && n != wantN) {
		t.Errorf("$count of $filter=%s: got %d, want the %d rows [%s]", filter, n, wantN, want)
	}
}

func findAll(t *testing.T, s Store, ctx context.Context) []*connectorhub.Connector {
	t.Helper()
	all, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// testTextFunctions tries every value with every function on every indexed column.
func testTextFunctions(t *testing.T, s Store, ctx context.Context) {
	mustTextRows(t, s, ctx)
	all := findAll(t, s, ctx)
	var columns []string
	for _, col := range connectorhub.Columns {
		if col.TextIndexed {
			columns = append(columns, col.Name)
		}
	}
	if !slices.Equal(columns, []string{"name", "displayname", "description"}) {
		t.Errorf("the indexed columns are %v: extend textColumnOf", columns)
	}
	matched := 0
	for _, column := range columns {
		for _, fn := range []string{"contains", "startswith", "endswith"} {
			for _, v := range textValues {
				filter := fn + "(" + column + "," + odataString(v) + ")"
				match := textFunc(fn, v)
				want := expectScan(all, func(c *connectorhub.Connector) bool { return match(textColumnOf(c, column)) })
				if want != "" {
					matched++
				}
				checkTextFilter(t, s, ctx, filter, want)
			}
		}
	}
	if matched < 100 {
		t.Errorf("only %d of the filters select rows: the cases test little", matched)
	}
	// What ASCII-only folding means, stated rather than computed.
	for filter, want := range map[string]string{
		"contains(displayname,'émile')":      "4",
		"contains(displayname,'ÉMILE')":      "3",
		"contains(displayname,'ü')":          "6",
		"contains(description,'GRÜSSE')":     "6",
		"contains(displayname,'contoso')":    "1,2",
		"contains(displayname,'0%_s')":       "7,8",
		"contains(displayname,'e_th')":       "7,8",
		"contains(displayname,'\"NEAR\"')":   "9",
		"contains(displayname,'NEAR')":       "9,10",
		"endswith(displayname,'^ OR')":       "9",
		"startswith(displayname,'  pad')":    "11",
		"startswith(displayname,' pad')":     "",
		"endswith(displayname,'ded  ')":      "11",
		"endswith(displayname,'ded ')":       "",
		"contains(displayname,'  padded  ')": "11",
		"contains(displayname,'ab')":         "12",
		"contains(description,'😀😀')":         "16",
	} {
		checkTextFilter(t, s, ctx, filter, want)
	}
}

// testTextFunctionsCombined: under not, or and and, with other conditions, in the three
// shapes of a query (rows, count, $select of some columns).
func testTextFunctionsCombined(t *testing.T, s Store, ctx context.Context) {
	mustTextRows(t, s, ctx)
	all := findAll(t, s, ctx)
	has := func(column, fn, v string) func(c *connectorhub.Connector) bool {
		m := textFunc(fn, v)
		return func(c *connectorhub.Connector) bool { return m(textColumnOf(c, column)) }
	}
	not := func(f func(c *connectorhub.Connector) bool) func(c *connectorhub.Connector) bool {
		return func(c *connectorhub.Connector) bool { return !f(c) }
	}
	for _, tt := range []struct {
		filter string
		match  func(c *connectorhub.Connector) bool
	}{
		{"not contains(displayname,'contoso')", not(has("displayname", "contains", "contoso"))},
		{"not contains(displayname,'émile')", not(has("displayname", "contains", "émile"))},
		// not of a null description is null: the row is not selected.
		{"not contains(description,'mail')", func(c *connectorhub.Connector) bool {
			return c.Description != "" && !has("description", "contains", "mail")(c)
		}},
		{"contains(displayname,'mail') or contains(description,'brûlée')", func(c *connectorhub.Connector) bool {
			return has("displayname", "contains", "mail")(c) || has("description", "contains", "brûlée")(c)
		}},
		{"contains(displayname,'émile') and not contains(description,'CRÈME')", func(c *connectorhub.Connector) bool {
			return has("displayname", "contains", "émile")(c) && !has("description", "contains", "CRÈME")(c)
		}},
		{"(startswith(displayname,'über') or endswith(description,'SSE')) and not (contains(name,'text5') or contains(name,'xt6'))", func(c *connectorhub.Connector) bool {
			return (has("displayname", "startswith", "über")(c) || has("description", "endswith", "SSE")(c)) &&
				!(has("name", "contains", "text5")(c) || has("name", "contains", "xt6")(c))
		}},
		{"contains(displayname,'sure') and connectortype eq 1 and description ne null", func(c *connectorhub.Connector) bool {
			return has("displayname", "contains", "sure")(c) && c.ConnectorType == 1 && c.Description != ""
		}},
		{"contains(displayname,'o') or contains(displayname,'NEAR') or contains(description,'%c')", func(c *connectorhub.Connector) bool {
			return has("displayname", "contains", "o")(c) || has("displayname", "contains", "NEAR")(c) || has("description", "contains", "%c")(c)
		}},
		{"not (not contains(displayname,'Connector'))", has("displayname", "contains", "Connector")},
		{"contains(displayname,'mail') and contains(displayname,'contoso') and endswith(displayname,'MAIL')", func(c *connectorhub.Connector) bool {
			return has("displayname", "contains", "mail")(c) && has("displayname", "contains", "contoso")(c) && has("displayname", "endswith", "MAIL")(c)
		}},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			checkTextFilter(t, s, ctx, tt.filter, expectScan(all, tt.match))
			// The same with a $select of small columns (the engines may then read an index only).
			cs, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustFilter(t, tt.filter), Columns: []string{"name", "displayname"}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := textNumbers(cs), expectScan(all, tt.match); got != want {
				t.Errorf("with $select: got [%s], want [%s]", got, want)
			}
		})
	}
}

// testTextFunctionsPaging: $orderby, $top and keyset pages of a text function put together
// are the one read of all its rows; a capped count agrees.
func testTextFunctionsPaging(t *testing.T, s Store, ctx context.Context) {
	mustTextRows(t, s, ctx)
	for i := 100; i < 130; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) {
			u.Name = ptr(fmt.Sprintf("cr736_text%d", i))
			u.DisplayName = ptr([]string{"Paged Mail", "paged MAIL", "PAGED mail box"}[i%3])
			if i%2 == 0 {
				u.Description = ptr(fmt.Sprintf("mailbox %d", i%4))
			}
		})
	}
	filter := mustFilter(t, "contains(displayname,'mail') or contains(description,'MAILBOX')")
	for _, order := range []string{"", "displayname desc", "description,displayname desc", "modifiedon desc,name"} {
		t.Run(order, func(t *testing.T) {
			q := connectorhub.ConnectorQuery{Filter: filter}
			if order != "" {
				var err error
				if q.OrderBy, err = odata.ParseOrderBy(order, nil); err != nil {
					t.Fatal(err)
				}
			}
			whole, err := s.FindConnectors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(whole) != 32 {
				t.Fatalf("got %d rows, want 32: %s", len(whole), textNumbers(whole))
			}
			got := pageThrough(ctx, t, s, q, 5)
			if textNumbers(got) != textNumbers(whole) {
				t.Errorf("pages put together:\n got %s\nwant %s", textNumbers(got), textNumbers(whole))
			}
			n, err := s.CountConnectors(ctx, connectorhub.ConnectorQuery{Filter: filter, Top: 7})
			if err != nil || n != 7 {
				t.Errorf("count capped at 7: got %d, %v", n, err)
			}
		})
	}
}

// testTextFunctionsAfterWrites: an update of an indexed column is found by its new value and
// no longer by its old one, also when only its case changed; an update of another column and a
// delete are seen too.
func testTextFunctionsAfterWrites(t *testing.T, s Store, ctx context.Context) {
	mustTextRows(t, s, ctx)
	id := func(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }
	updateIn := func(ctx context.Context, n int, u *connectorhub.ConnectorUpdate) error {
		_, _, err := s.UpsertConnector(ctx, id(n), u, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnRecord)
		return err
	}
	update := func(n int, u *connectorhub.ConnectorUpdate) {
		t.Helper()
		if err := updateIn(ctx, n, u); err != nil {
			t.Fatal(err)
		}
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "1,2")

	update(1, &connectorhub.ConnectorUpdate{DisplayName: ptr("Fabrikam Post")})
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "2")
	checkTextFilter(t, s, ctx, "contains(displayname,'rikam p')", "1")
	checkTextFilter(t, s, ctx, "startswith(displayname,'FABRIKAM')", "1")

	// A change of case alone (é to É, which LIKE tells apart).
	checkTextFilter(t, s, ctx, "contains(displayname,'émile')", "4")
	update(4, &connectorhub.ConnectorUpdate{DisplayName: ptr("ÉMILE CAFÉ")})
	checkTextFilter(t, s, ctx, "contains(displayname,'émile')", "")
	checkTextFilter(t, s, ctx, "contains(displayname,'Émile')", "3,4")
	checkTextFilter(t, s, ctx, "contains(displayname,'emile caf')", "")

	// Another column: the text stays found, and so does the new value of that column.
	update(2, &connectorhub.ConnectorUpdate{IconBrandColor: ptr("#007ee5")})
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "2")
	update(2, &connectorhub.ConnectorUpdate{Description: ptr("now about calendars")})
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "2")
	checkTextFilter(t, s, ctx, "contains(description,'mail')", "1")
	checkTextFilter(t, s, ctx, "contains(description,'CALENDAR')", "2")
	// A description set to empty is null: no longer found, not even by ''.
	update(1, &connectorhub.ConnectorUpdate{Description: ptr("")})
	checkTextFilter(t, s, ctx, "contains(description,'mail')", "")
	checkTextFilter(t, s, ctx, "contains(description,'sends')", "")

	if err := s.DeleteConnector(ctx, id(2), connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "")
	checkTextFilter(t, s, ctx, "contains(description,'CALENDAR')", "")

	// A new record under a deleted one's values is found again, once.
	mustCreateWith(t, s, ctx, 2, func(u *connectorhub.ConnectorUpdate) {
		u.Name = ptr("cr736_text2")
		u.DisplayName = ptr("CONTOSO mail")
	})
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "2")

	// Several writes in one transaction, the last of them rolled back.
	rollBack := fmt.Errorf("roll back")
	err := s.Transact(ctx, func(ctx context.Context) error {
		if err := updateIn(ctx, 5, &connectorhub.ConnectorUpdate{DisplayName: ptr("Rolled Back")}); err != nil {
			return err
		}
		return rollBack
	})
	if err != rollBack {
		t.Fatalf("got %v, want the transaction rolled back", err)
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'rolled')", "")
	checkTextFilter(t, s, ctx, "contains(displayname,'Über Con')", "5")

	// Everything still agrees with a scan.
	all := findAll(t, s, ctx)
	for _, v := range []string{"mail", "contoso", "émile", "ÉMILE", "rikam", "calendars", "sends", "connector"} {
		for _, column := range []string{"name", "displayname", "description"} {
			m := textFunc("contains", v)
			checkTextFilter(t, s, ctx, "contains("+column+","+odataString(v)+")", expectScan(all, func(c *connectorhub.Connector) bool { return m(textColumnOf(c, column)) }))
		}
	}
}

// testTextFunctionsTrimmed: an ordinary user's text filters are trimmed to what it reads.
func testTextFunctionsTrimmed(t *testing.T, s Store, ctx context.Context) {
	mustTextRows(t, s, ctx)
	_, basic := asUser(t, s, ctx, "basic", connectorhub.RoleBasicUser)
	// The basic user owns connector 30 and is shared connector 2 (of 1 and 2, "contoso").
	mustCreateWith(t, s, ctx, 30, func(u *connectorhub.ConnectorUpdate) {
		u.Name = ptr("cr736_text30")
		u.DisplayName = ptr("Contoso Own")
		u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basic.UserID}
	})
	if err := s.GrantAccess(ctx, "00000000-0000-0000-0000-000000000002", connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basic.UserID}, connectorhub.AccessRead, false); err != nil {
		t.Fatal(err)
	}
	basicCtx, _ := reload(t, s, basic.UserID)
	checkTextFilter(t, s, ctx, "contains(displayname,'contoso')", "1,2,30")
	checkTextFilter(t, s, basicCtx, "contains(displayname,'contoso')", "2,30")
	checkTextFilter(t, s, basicCtx, "not contains(displayname,'contoso')", "")
	checkTextFilter(t, s, basicCtx, "contains(displayname,'OWN') or contains(description,'mail')", "2,30")
	checkTextFilter(t, s, basicCtx, "contains(displayname,'émile')", "")
}

// testTextFunctionsSolutionImport: connectors a managed solution creates, upgrades and
// uninstalls are found, changed and gone like the others. Skipped for a store without
// solutions.
func testTextFunctionsSolutionImport(t *testing.T, s Store, ctx context.Context) {
	sol, ok := s.(connectorhub.SolutionService)
	if !ok {
		t.Skip("the store has no solutions")
	}
	mustTextRows(t, s, ctx)
	pkg := func(version, display string) *connectorhub.SolutionPackage {
		c := MustConnector(t, 50)
		c.Name, c.DisplayName, c.Description = "cr736_text50", display, "imported "+version
		return &connectorhub.SolutionPackage{
			Solution:   connectorhub.Solution{UniqueName: "TextIndexSolution", Version: version, Managed: true},
			Publisher:  connectorhub.Publisher{UniqueName: "textpublisher", Prefix: "cr736", OptionValuePrefix: 10000},
			Connectors: []connectorhub.Connector{*c},
		}
	}
	res, err := sol.ImportSolution(ctx, pkg("1.0", "Imported Mailer"), connectorhub.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'mail')", "1,2,50")
	checkTextFilter(t, s, ctx, "contains(description,'IMPORTED 1.')", "50")
	if _, err := sol.ImportSolution(ctx, pkg("2.0", "Imported Poster"), connectorhub.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'mail')", "1,2")
	checkTextFilter(t, s, ctx, "contains(displayname,'ted pos')", "50")
	checkTextFilter(t, s, ctx, "contains(description,'imported 1.')", "")
	checkTextFilter(t, s, ctx, "contains(description,'imported 2.0')", "50")
	if err := sol.DeleteSolution(ctx, res.SolutionID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	checkTextFilter(t, s, ctx, "contains(displayname,'ted pos')", "")
	checkTextFilter(t, s, ctx, "contains(description,'imported')", "")
}
