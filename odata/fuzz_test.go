package odata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseFilter checks that the parser never panics, that errors are
// positioned inside the input, and that printing is a faithful inverse:
// parse(print(ast)) equals ast and printing is stable. Seeds live in
// testdata/fuzz/FuzzParseFilter.
func FuzzParseFilter(f *testing.F) {
	f.Add("name eq 'x'")
	f.Fuzz(func(t *testing.T, input string) {
		e, err := ParseFilter(input, nil)
		if err != nil {
			oe := mustODataError(t, err)
			if oe.Pos < 0 || oe.Pos > len(input) || oe.Input != input {
				t.Fatalf("error %v positioned outside the input", err)
			}
			return
		}
		Inspect(e, func(n Expr) bool {
			if n.Pos() < 0 || n.Pos() >= len(input) {
				t.Errorf("node %s at offset %d outside the input", n, n.Pos())
			}
			return true
		})
		printed := e.String()
		again, err := ParseFilter(printed, nil)
		if err != nil {
			t.Fatalf("printed form %q of %q does not parse: %v", printed, input, err)
		}
		if diff := cmp.Diff(e, again, ignoreOffsets); diff != "" {
			t.Fatalf("%q printed as %q parses differently (-first +second):\n%s", input, printed, diff)
		}
		if s := again.String(); s != printed {
			t.Fatalf("printing is not stable: %q then %q", printed, s)
		}
	})
}
