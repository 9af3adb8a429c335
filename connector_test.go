package connectorhub

import "testing"

// TestDefinitionInfo reads info.title and info.description as tolerantly as the service reads
// definitions: published ones have missing commas, raw control characters and stray braces.
func TestDefinitionInfo(t *testing.T) {
	for _, tc := range []struct {
		name, def, title, desc string
	}{
		{"Strict", `{"swagger":"2.0","info":{"title":"Pets","description":"All pets","version":"1"},"paths":{}}`, "Pets", "All pets"},
		{"MissingComma", `{"swagger":"2.0" "info":{"title":"Pets" "version":"1"},"paths":{}}`, "Pets", ""},
		{"RawTab", "\ufeff{\"info\":{\"description\":\"a\tb\",\"title\":\"T\"}}", "T", "a\tb"},
		{"NestedTitleIgnored", `{"info":{"x":{"title":"no"},"title":"yes"},"paths":{"/":{"title":"no"}}}`, "yes", ""},
		{"TitleNotString", `{"info":{"title":7}}`, "", ""},
		{"NoInfo", `{"swagger":"2.0"}`, "", ""},
		{"NotAnObject", `["info"]`, "", ""},
		{"Truncated", `{"info":{"title":"T"`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			title, desc := DefinitionInfo(tc.def)
			if title != tc.title || desc != tc.desc {
				t.Errorf("got %q %q, want %q %q", title, desc, tc.title, tc.desc)
			}
		})
	}
}
