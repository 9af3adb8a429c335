package validate

import "testing"

func TestCompileRegexp(t *testing.T) {
	tests := []struct {
		pattern string
		match   map[string]bool
	}{
		{"^x-(?!ms-)", map[string]bool{"x-foo": true, "x-ms-foo": false, "x-m": true, "y-foo": false}},
		{"^[0-9a-zA-Z_]+:(?!TenantId$)[0-9a-zA-Z_]+$", map[string]bool{
			"token:clientId": true, "token:TenantId": false, "token:TenantIdX": true, "token": false, ":x": false}},
		{`^\u0041+$`, map[string]bool{"AAA": true, "B": false}},
		{"^a+$", map[string]bool{"aa": true, "ab": false}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			re, err := compileRegexp(tt.pattern)
			if err != nil {
				t.Fatalf("compileRegexp: %v", err)
			}
			for s, want := range tt.match {
				if got := re.MatchString(s); got != want {
					t.Errorf("MatchString(%q): got %v, want %v", s, got, want)
				}
			}
		})
	}
}

func TestCompileRegexpErrors(t *testing.T) {
	for _, p := range []string{"a(?!b)", "^a(?!b)(?!c)", "^(?<=a)b", "[z-a]"} {
		if _, err := compileRegexp(p); err == nil {
			t.Errorf("compileRegexp(%q): got no error", p)
		}
		// The schema engine never refuses: definitions hold ECMAScript patterns.
		if re, err := lenientRegexp(p); err != nil || !re.MatchString("anything") {
			t.Errorf("lenientRegexp(%q): got %v, %v; want a pattern matching everything", p, re, err)
		}
	}
}
