package odata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func intp(n int) *int { return &n }

func TestParseSelect(t *testing.T) {
	got, err := ParseSelect(" name , displayname,_ownerid_value ")
	if err != nil {
		t.Fatal(err)
	}
	want := Select{{Name: "name", Offset: 1}, {Name: "displayname", Offset: 8}, {Name: "_ownerid_value", Offset: 20}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if s := got.String(); s != "name,displayname,_ownerid_value" {
		t.Errorf("String() = %q", s)
	}
}

func TestParseSelectErrors(t *testing.T) {
	for _, tt := range []struct {
		input string
		pos   int
	}{{"", 0}, {"a,,b", 2}, {"a,", 2}, {",a", 0}, {"a b", 2}, {"a/b", 1}, {"a;b", 1}} {
		_, err := ParseSelect(tt.input)
		if oe := mustODataError(t, err); oe.Pos != tt.pos || oe.Option != "$select" {
			t.Errorf("ParseSelect(%q): got %v at %d, want position %d", tt.input, err, oe.Pos, tt.pos)
		}
	}
}

func TestParseOrderBy(t *testing.T) {
	got, err := ParseOrderBy("modifiedon desc, name ASC ,ownerid/fullname,@p1 desc", map[string]string{"@p1": "revenue"})
	if err != nil {
		t.Fatal(err)
	}
	want := OrderBy{
		{Path: prop("modifiedon"), Desc: true},
		{Path: prop("name")},
		{Path: prop("ownerid", "fullname")},
		{Path: prop("revenue"), Desc: true},
	}
	if diff := cmp.Diff(want, got, ignoreOffsets); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if s := got.String(); s != "modifiedon desc,name,ownerid/fullname,revenue desc" {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []string{"", "a,", "a desc desc", "a eq 1", "@nope"} {
		if _, err := ParseOrderBy(bad, nil); err == nil {
			t.Errorf("ParseOrderBy(%q): no error", bad)
		} else {
			mustODataError(t, err)
		}
	}
}

func TestParseExpand(t *testing.T) {
	input := "ownerid($select=fullname,internalemailaddress),createdby, primarycontactid(\n$select=fullname;\n" +
		"$filter=statecode eq 0;$orderby=fullname desc;$top=5;$expand=createdby($select=fullname)),owninguser/$ref"
	got, err := ParseExpand(input)
	if err != nil {
		t.Fatal(err)
	}
	want := Expand{
		{Nav: "ownerid", Select: Select{{Name: "fullname"}, {Name: "internalemailaddress"}}},
		{Nav: "createdby"},
		{Nav: "primarycontactid",
			Select:  Select{{Name: "fullname"}},
			Filter:  eq(prop("statecode"), i64(0)),
			OrderBy: OrderBy{{Path: prop("fullname"), Desc: true}},
			Top:     intp(5),
			Expand:  Expand{{Nav: "createdby", Select: Select{{Name: "fullname"}}}}},
		{Nav: "owninguser", Ref: true},
	}
	if diff := cmp.Diff(want, got, ignoreOffsets); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	again, err := ParseExpand(got.String())
	if err != nil {
		t.Fatalf("reparse %q: %v", got.String(), err)
	}
	if diff := cmp.Diff(got, again, ignoreOffsets); diff != "" {
		t.Errorf("round trip via %q (-first +second):\n%s", got.String(), diff)
	}
}

func TestParseExpandErrors(t *testing.T) {
	fifteen := "a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15"
	if _, err := ParseExpand(fifteen); err != nil {
		t.Errorf("15 expands: %v", err)
	}
	tests := []struct {
		name  string
		input string
		pos   int
	}{
		{"Sixteen", fifteen + ",a16", len(fifteen) + 1},
		{"SixteenNested", "a1($expand=a2($expand=a3)),a4,a5,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15,a16", 69},
		{"Skip", "a($skip=1)", 2},
		{"Count", "a($count=true)", 2},
		{"Levels", "a($levels=2)", 2},
		{"Unknown", "a($foo=2)", 2},
		{"Duplicate", "a($top=1;$top=2)", 9},
		{"NegativeTop", "a($top=-1)", 7},
		{"AliasInside", "a($filter=name eq @p1)", 18},
		{"EmptyParens", "a()", 2},
		{"Unclosed", "a($select=b", 11},
		{"Empty", "", 0},
		{"RefWithOptions", "a/$ref($select=b)", 6},
		{"BadFilter", "a($filter=name eq)", 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExpand(tt.input)
			if err == nil {
				t.Fatalf("ParseExpand(%q): no error", tt.input)
			}
			if oe := mustODataError(t, err); oe.Pos != tt.pos {
				t.Errorf("ParseExpand(%q): position %d, want %d (%v)", tt.input, oe.Pos, tt.pos, err)
			}
		})
	}
}

func TestParseApply(t *testing.T) {
	tests := []struct {
		input string
		want  Apply
	}{
		{"groupby((statuscode))", Apply{&GroupBy{Properties: []*PropertyPath{prop("statuscode")}}}},
		{"groupby((col1, col2),aggregate($count as n, modifiedon with max as last))", Apply{&GroupBy{
			Properties: []*PropertyPath{prop("col1"), prop("col2")},
			Aggregate: &Aggregate{Items: []AggregateItem{
				{Count: true, Alias: "n"},
				{Property: prop("modifiedon"), Method: Max, Alias: "last"}}}}}},
		{"aggregate($count as total)", Apply{&Aggregate{Items: []AggregateItem{{Count: true, Alias: "total"}}}}},
		{"aggregate(revenue with sum as total,revenue with average as avg,a with min as lo,createdby with countdistinct as c)",
			Apply{&Aggregate{Items: []AggregateItem{
				{Property: prop("revenue"), Method: Sum, Alias: "total"},
				{Property: prop("revenue"), Method: Average, Alias: "avg"},
				{Property: prop("a"), Method: Min, Alias: "lo"},
				{Property: prop("createdby"), Method: CountDistinct, Alias: "c"}}}}},
		{"filter(address1_stateorprovince eq 'WA')/groupby((primarycontactid/fullname))", Apply{
			&FilterStep{Filter: eq(prop("address1_stateorprovince"), str("WA"))},
			&GroupBy{Properties: []*PropertyPath{prop("primarycontactid", "fullname")}}}},
		{"filter(a eq 1)", Apply{&FilterStep{Filter: eq(prop("a"), i64(1))}}},
	}
	for _, tt := range tests {
		got, err := ParseApply(tt.input)
		if err != nil {
			t.Errorf("ParseApply(%q): %v", tt.input, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, ignoreOffsets); diff != "" {
			t.Errorf("ParseApply(%q) mismatch (-want +got):\n%s", tt.input, diff)
		}
		again, err := ParseApply(got.String())
		if err != nil {
			t.Errorf("reparse %q: %v", got.String(), err)
		} else if diff := cmp.Diff(got, again, ignoreOffsets); diff != "" {
			t.Errorf("round trip via %q:\n%s", got.String(), diff)
		}
	}
	for _, bad := range []string{
		"", "groupby(statuscode)", "groupby(())", "aggregate()", "aggregate(a with median as m)",
		"aggregate($count as n, $count as n)", "aggregate(a as b)", "aggregate(a with sum)",
		"groupby((a))/filter(a eq 1)", "compute(a as b)", "groupby((a),b)", "aggregate($count as n)/",
	} {
		if _, err := ParseApply(bad); err == nil {
			t.Errorf("ParseApply(%q): no error", bad)
		} else {
			mustODataError(t, err)
		}
	}
}
