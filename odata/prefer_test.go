package odata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePrefer(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    Preferences
	}{
		{"None", nil, Preferences{}},
		{"Representation", []string{"return=representation"}, Preferences{Return: "representation"}},
		{"CommaJoined", []string{`return=representation, odata.maxpagesize=2,odata.include-annotations="*"`},
			Preferences{Return: "representation", MaxPageSize: 2, IncludeAnnotations: []string{"*"}}},
		{"SeparateHeaders", []string{"odata.maxpagesize=10", `odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*"`},
			Preferences{MaxPageSize: 10, IncludeAnnotations: []string{"OData.Community.Display.V1.FormattedValue", "Microsoft.Dynamics.CRM.*"}}},
		{"FirstWins", []string{"odata.maxpagesize=10", "odata.maxpagesize=20"}, Preferences{MaxPageSize: 10}},
		{"TrackAndContinue", []string{"odata.track-changes,odata.continue-on-error"}, Preferences{TrackChanges: true, ContinueOnError: true}},
		{"CaseAndSpaces", []string{"  Return = representation ;foo=bar , ODATA.MAXPAGESIZE=5"}, Preferences{Return: "representation", MaxPageSize: 5}},
		{"Unprefixed", []string{"maxpagesize=7"}, Preferences{MaxPageSize: 7}},
		{"UnknownIgnored", []string{"respond-async, wait=10, handling=strict"}, Preferences{}},
		{"UnquotedWildcard", []string{"odata.include-annotations=OData.Community.Display.V1.*"},
			Preferences{IncludeAnnotations: []string{"OData.Community.Display.V1.*"}}},
		{"EscapedQuote", []string{`odata.include-annotations="a\"b"`}, Preferences{IncludeAnnotations: []string{`a"b`}}},
		{"EmptyElements", []string{",, return=minimal ,"}, Preferences{Return: "minimal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrefer(tt.headers)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePreferErrors(t *testing.T) {
	for _, h := range []string{
		"odata.maxpagesize=0", "odata.maxpagesize=abc", "odata.maxpagesize=5001", "odata.maxpagesize=-1",
		`odata.include-annotations="*`, "return=representation foo", "=x", "odata.maxpagesize=",
	} {
		_, err := ParsePrefer([]string{h})
		if err == nil {
			t.Errorf("ParsePrefer(%q): no error", h)
			continue
		}
		if oe := mustODataError(t, err); oe.Option != "Prefer" {
			t.Errorf("ParsePrefer(%q): option %q", h, oe.Option)
		}
	}
}

func TestIncludesAnnotation(t *testing.T) {
	const fv = "OData.Community.Display.V1.FormattedValue"
	const lln = "Microsoft.Dynamics.CRM.lookuplogicalname"
	tests := []struct {
		patterns []string
		term     string
		want     bool
	}{
		{nil, fv, false},
		{[]string{"*"}, fv, true},
		{[]string{"*"}, lln, true},
		{[]string{fv}, fv, true},
		{[]string{fv}, lln, false},
		{[]string{"odata.community.display.v1.formattedvalue"}, fv, true},
		{[]string{"OData.Community.Display.V1.*"}, fv, true},
		{[]string{"OData.Community.Display.V1.*"}, lln, false},
		{[]string{"Microsoft.Dynamics.CRM.*"}, lln, true},
		{[]string{"Microsoft.PowerApps.CDS.ErrorDetails*"}, "Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus", true},
		{[]string{"*", "-Microsoft.Dynamics.CRM.*"}, lln, false},
		{[]string{"*", "-Microsoft.Dynamics.CRM.*"}, fv, true},
		{[]string{"-Microsoft.Dynamics.CRM.*", "Microsoft.Dynamics.CRM.lookuplogicalname"}, lln, true},
		{[]string{"OData.Community.Display.V1.FormattedValue.Extra"}, fv, false},
	}
	for _, tt := range tests {
		p := Preferences{IncludeAnnotations: tt.patterns}
		if got := p.IncludesAnnotation(tt.term); got != tt.want {
			t.Errorf("%q includes %q = %v, want %v", tt.patterns, tt.term, got, tt.want)
		}
	}
}

func TestPreferencesString(t *testing.T) {
	p := Preferences{Return: "representation", MaxPageSize: 3, IncludeAnnotations: []string{"*"}, TrackChanges: true}
	s := p.String()
	if s != `return=representation,odata.maxpagesize=3,odata.include-annotations="*",odata.track-changes` {
		t.Errorf("String() = %s", s)
	}
	back, err := ParsePrefer([]string{s})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
