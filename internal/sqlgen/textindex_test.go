package sqlgen

import (
	"strconv"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// indexed is numbered with a trigram index: its prefilter names the table, the alias, the
// column and the placeholder of the pattern it binds, so that the tests can see each.
type indexed struct{ numbered }

func (indexed) TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string {
	if anchored {
		return "PRE(" + table + " " + alias + " " + column + " " + bind(pattern) + " anchored)"
	}
	return "PRE(" + table + " " + alias + " " + column + " " + bind(pattern) + ")"
}

// unindexed is a TextIndexDialect whose engine's LIKE needs no prefilter.
type unindexed struct{ numbered }

func (unindexed) TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string {
	return ""
}

// TestTextPrefilter checks where the translator puts a trigram prefilter: only on the
// columns the registry marks TextIndexed, only for a value with a run of three characters
// free of % and _, never under a NOT, always beside the exact LIKE, the prefilter's values
// bound first, in the order of the text (this dialect's prefilter binds the pattern too).
// What the queries select is checked on both engines by storetest's TextFunctions cases and
// internal/parity's TextIndex cases.
func TestTextPrefilter(t *testing.T) {
	for _, tt := range []struct {
		filter string
		pre    []string // the prefilters expected, in order; none: the LIKE alone
	}{
		{"contains(displayname,'abc')", []string{"PRE(connectors c displayname $1)"}},
		{"startswith(name,'cr7')", []string{"PRE(connectors c name $1 anchored)"}},
		{"startswith(name,'%cr7')", []string{"PRE(connectors c name $1)"}},
		{"startswith(name,'_cr7')", []string{"PRE(connectors c name $1)"}},
		{"endswith(name,'cr7')", []string{"PRE(connectors c name $1)"}},
		{"endswith(description,'xyz')", []string{"PRE(connectors c description $1)"}},
		{"contains(displayname,'ab')", nil},
		{"contains(displayname,'')", nil},
		{"contains(displayname,'a%bc')", nil},
		{"contains(displayname,'ab_cd%ef')", nil},
		{"contains(displayname,'ab_cde')", []string{"PRE(connectors c displayname $1)"}},
		{"contains(displayname,'%%%abc')", []string{"PRE(connectors c displayname $1)"}},
		{"contains(displayname,'éüö')", []string{"PRE(connectors c displayname $1)"}}, // three characters, six bytes
		{"contains(displayname,'é😀')", nil},                                           // two characters, six bytes
		{"contains(displayname,'\"NEAR\" AND *')", []string{"PRE(connectors c displayname $1)"}},
		// Columns without the index: other text, a multi-select choice, a lookup's record.
		{"contains(iconbrandcolor,'abc')", nil},
		{"contains(openapidefinition,'swagger')", nil},
		{"contains(capabilities,'118690000')", nil},
		{"contains(ownerid/fullname,'abc')", nil},
		{"contains(createdby/internalemailaddress,'example')", nil},
		// NOT: none under an odd number of them, as (prefilter AND LIKE) is false where the
		// LIKE is null.
		{"not contains(description,'abc')", nil},
		{"not (contains(displayname,'abc') or startswith(name,'abc'))", nil},
		{"not (not contains(displayname,'abc'))", []string{"PRE(connectors c displayname $1)"}},
		{"not contains(name,'abc') and contains(displayname,'def')", []string{"PRE(connectors c displayname $2)"}},
		{"contains(displayname,'abc') or contains(description,'def') or name eq 'x'", []string{"PRE(connectors c displayname $1)", "PRE(connectors c description $3)"}},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			q := mustQuery(t, tt.filter, "displayname desc")
			s, err := SelectConnectors(indexed{}, env, q)
			if err != nil {
				t.Fatal(err)
			}
			checkBound(t, s.SQL, s.Args)
			if got := strings.Count(s.SQL, "PRE("); got != len(tt.pre) {
				t.Errorf("got %d prefilters, want %d: %s", got, len(tt.pre), s.SQL)
			}
			for _, pre := range tt.pre {
				i := strings.Index(s.SQL, pre)
				if i < 0 {
					t.Errorf("no %s in %s", pre, s.SQL)
					continue
				}
				// The prefilter is ANDed with the LIKE of the same column, whose pattern is the
				// next argument and the same value.
				fields := strings.Fields(strings.TrimSuffix(pre, ")"))
				column, mark := fields[2], fields[3]
				n, err := strconv.Atoi(strings.TrimPrefix(mark, "$"))
				if err != nil {
					t.Fatal(err)
				}
				want := " AND c." + column + " ILIKE $" + strconv.Itoa(n+1) + ")"
				if !strings.HasPrefix(s.SQL[i+len(pre):], want) {
					t.Errorf("%s is not followed by %q: %s", pre, want, s.SQL)
				}
				if s.Args[n-1] != s.Args[n] {
					t.Errorf("the prefilter binds %v, the LIKE %v", s.Args[n-1], s.Args[n])
				}
			}
			// The count and the same query on an engine without a prefilter bind the same.
			text, args, err := CountConnectors(indexed{}, env, q, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkBound(t, text, args)
			if got := strings.Count(text, "PRE("); got != len(tt.pre) {
				t.Errorf("count: got %d prefilters, want %d: %s", got, len(tt.pre), text)
			}
			for _, d := range []Dialect{numbered{}, unindexed{}} {
				plain, err := SelectConnectors(d, env, q)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(plain.SQL, "PRE(") || len(plain.Args) != len(s.Args)-len(tt.pre) {
					t.Errorf("%T: got %s %v", d, plain.SQL, plain.Args)
				}
			}
		})
	}
}

// TestTextPrefilterIdentities: the identity tables have no trigram index.
func TestTextPrefilterIdentities(t *testing.T) {
	q := connectorhub.TableQuery{Filter: mustQuery(t, "contains(fullname,'abcdef')", "").Filter}
	s, err := SelectIdentities(indexed{}, env, connectorhub.SystemUserTable, q)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.SQL, "PRE(") {
		t.Errorf("got a prefilter on systemusers: %s", s.SQL)
	}
}

func TestTrigramRun(t *testing.T) {
	for v, want := range map[string]bool{
		"": false, "a": false, "ab": false, "abc": true, "%ab%": false, "_abc": true, "a_b_c": false,
		"ab%cd_ef": false, "ab%cde": true, "éü": false, "éüö": true, "😀😀": false, "😀😀😀": true, "   ": true,
		"ab\x00cd": false, "\xff\xfe\xfd": false, "abc\xff": false,
	} {
		if got := trigramRun(v); got != want {
			t.Errorf("trigramRun(%q) = %v, want %v", v, got, want)
		}
	}
}
