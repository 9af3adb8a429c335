package odata

import (
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseQuery(t *testing.T) {
	raw := "$select=name,displayname&$filter= displayname eq @p1&$orderby=@p2 desc,name&$top=3&$count=true" +
		"&$expand=ownerid($select=fullname)&@p1='MyConnector1'&@p2=modifiedon&tag=PowerAppsRP&$skiptoken=abc"
	values, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseQuery(values)
	if err != nil {
		t.Fatal(err)
	}
	want := &Query{
		Select:    Select{{Name: "name"}, {Name: "displayname"}},
		Filter:    eq(prop("displayname"), str("MyConnector1")),
		OrderBy:   OrderBy{{Path: prop("modifiedon"), Desc: true}, {Path: prop("name")}},
		Top:       intp(3),
		Count:     true,
		Expand:    Expand{{Nav: "ownerid", Select: Select{{Name: "fullname"}}}},
		SkipToken: "abc",
	}
	if diff := cmp.Diff(want, got, ignoreOffsets); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	again, err := ParseQuery(got.Values())
	if err != nil {
		t.Fatalf("reparse %s: %v", got, err)
	}
	if diff := cmp.Diff(got, again, ignoreOffsets); diff != "" {
		t.Errorf("round trip via %s (-first +second):\n%s", got, diff)
	}
	const wantString = "$select=name,displayname&$filter=displayname eq 'MyConnector1'&$orderby=modifiedon desc,name&$top=3&$count=true&$expand=ownerid($select=fullname)&$skiptoken=abc"
	if s := got.String(); s != wantString {
		t.Errorf("String() =\n%s\nwant\n%s", s, wantString)
	}
}

func TestParseQueryApply(t *testing.T) {
	got, err := ParseQuery(url.Values{"$apply": {"groupby((statuscode),aggregate($count as count))"}, "$count": {" false "}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Apply.String() != "groupby((statuscode),aggregate($count as count))" || got.Count {
		t.Errorf("got %s", got)
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name   string
		values url.Values
		option string
		msg    string
	}{
		{"Skip", url.Values{"$skip": {"10"}}, "$skip", "The query parameter '$skip' is not supported."},
		{"Search", url.Values{"$search": {"x"}}, "$search", "The query parameter '$search' is not supported."},
		{"Format", url.Values{"$format": {"json"}}, "$format", "The query parameter '$format' is not supported."},
		{"CaseSensitive", url.Values{"$Filter": {"a eq 1"}}, "$Filter", "The query parameter '$Filter' is not supported."},
		{"Unknown", url.Values{"$levels": {"2"}}, "$levels", "The query parameter '$levels' is not supported."},
		{"Twice", url.Values{"$top": {"1", "2"}}, "$top", "Query option '$top' was specified more than once, but it must be specified at most once."},
		{"TopNegative", url.Values{"$top": {"-1"}}, "$top", "Invalid value '-1' for $top query option found. The $top query option requires a non-negative integer value."},
		{"TopText", url.Values{"$top": {"ten"}}, "$top", ""},
		{"TopPlus", url.Values{"$top": {"+1"}}, "$top", ""},
		{"CountBad", url.Values{"$count": {"yes"}}, "$count", "'yes' is not a valid count option."},
		{"FilterError", url.Values{"$filter": {"name eq 'x"}}, "$filter", "There is an unterminated literal at position 10 in 'name eq 'x'."},
		{"AliasError", url.Values{"$filter": {"name eq @p1"}, "@p1": {"'x"}}, "@p1", ""},
		{"OrderByAlias", url.Values{"$orderby": {"@p1"}, "@p1": {"'x'"}}, "$orderby", ""},
		{"SelectError", url.Values{"$select": {"a,"}}, "$select", ""},
		{"ExpandError", url.Values{"$expand": {"a("}}, "$expand", ""},
		{"ApplyError", url.Values{"$apply": {"x"}}, "$apply", ""},
		// Dataverse's own parameters change the answer: refused, never ignored.
		{"FetchXMLWithOption", url.Values{"fetchXml": {"<fetch top='1'><entity name='connector'/></fetch>"}, "$filter": {"name eq 'x'"}}, "fetchXml", ""},
		{"FetchXMLOtherCase", url.Values{"FetchXml": {"<fetch/>"}}, "FetchXml", ""},
		{"SavedQuery", url.Values{"savedQuery": {"00000000-0000-0000-0000-000000000001"}}, "savedQuery", ""},
		{"UserQuery", url.Values{"userQuery": {"00000000-0000-0000-0000-000000000001"}}, "userQuery", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.values)
			if err == nil {
				t.Fatal("no error")
			}
			oe := mustODataError(t, err)
			if oe.Option != tt.option {
				t.Errorf("option %q, want %q (%v)", oe.Option, tt.option, err)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("got  %s\nwant %s", err, tt.msg)
			}
		})
	}
}

// TestAliasParsedOnce checks that an alias referenced many times is parsed once: the memory a
// query allocates must not grow with references × the alias's length (8 KB of query, 200
// references of a path of 800 segments, allocated 1.3 GB when each reference parsed it).
func TestAliasParsedOnce(t *testing.T) {
	alias := strings.Repeat("a/", 3000) + "b"
	allocated := func(refs int) uint64 {
		v := url.Values{
			"$orderby": {strings.TrimSuffix(strings.Repeat("@p,", refs), ",")},
			"$filter":  {strings.TrimSuffix(strings.Repeat("@p eq 1 or ", refs), " or ")},
			"@p":       {alias},
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		q, err := ParseQuery(v)
		runtime.ReadMemStats(&ms)
		if err != nil || len(q.OrderBy) != refs {
			t.Fatalf("%d references: %v, %d order keys", refs, err, len(q.OrderBy))
		}
		return ms.TotalAlloc - before
	}
	one, many := allocated(1), allocated(1000)
	if many > 3*one {
		t.Errorf("one reference allocates %d KB, 1,000 references %d KB", one>>10, many>>10)
	}
}
