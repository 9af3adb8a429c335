package sqlite

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

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
		// The bench's search term: 5 trigrams of its 13.
		{"%ff78ca65 g0042 %", `displayname : ("ff7" AND "8ca" AND "65 " AND "g00" AND "42 ")`},
		// Runs between the wildcards, the short ones left out.
		{"%ab_cde%fg%", `displayname : ("cde")`},
		{"%abcd%efgh_ij%", `displayname : ("abc" AND "bcd" AND "efg" AND "fgh")`},
		{"%ab%", ""},
		{"%a_b%c%", ""},
		{"%%%", ""},
		// Characters, not bytes; the quote doubled; FTS5's operators only text.
		{"%éüöx%", `displayname : ("éüö" AND "üöx")`},
		{`%a"b"c%`, `displayname : ("a""b" AND "b""c")`},
		{`%"NEAR" AND *%`, `displayname : ("""NE" AND "AR""" AND " AN" AND "D *")`},
		// At most 16, spread over the runs, the first and the last among them: of 17, the
		// sixteenth is left out.
		{"%aaabbbcccdddeeefffggghhhiiijjjkkklllmmmnnnooopppqqq%", `displayname : ("aaa" AND "bbb" AND "ccc" AND "ddd" AND "eee" AND "fff" AND "ggg" AND "hhh" AND "iii" AND "jjj" AND "kkk" AND "lll" AND "mmm" AND "nnn" AND "ooo" AND "qqq")`},
	} {
		if got := trigramQuery("displayname", tt.pattern); got != tt.want {
			t.Errorf("trigramQuery(%q) = %s, want %s", tt.pattern, got, tt.want)
		}
	}
	// The longest value a text function takes: 16 trigrams still.
	long := "%" + strings.Repeat("abcdefghijklmnopqrstuvwxyz", 50000/26) + "%"
	if got := strings.Count(trigramQuery("displayname", long), " AND "); got != 15 {
		t.Errorf("a value of %d characters: %d trigrams, want 16", len(long), got+1)
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
	for i := 1; i <= 300; i++ {
		c := storetest.MustConnector(t, i)
		c.DisplayName = text(3, 16)
		c.Description = text(0, 30)
		if err := db.CreateConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	env := sqlgen.NewEnv(ctx, time.Now())
	ids := func(d sqlgen.Dialect, q connectorhub.ConnectorQuery) []string {
		t.Helper()
		s, err := sqlgen.SelectConnectors(d, env, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, rows := query(t, raw, s.SQL, s.Args...)
		var out []string
		for _, vals := range rows {
			out = append(out, fmt.Sprint(vals[slices.Index(cols, "connectorid")]))
		}
		return out
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
