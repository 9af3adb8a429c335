package validate

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain checks, after a full run of the tests, that the table tests exercised every rule of
// the catalogue: a rule no test triggers is a rule nobody knows works.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		var missing []string
		for _, r := range Rules() {
			if !exercised[r.ID] {
				missing = append(missing, r.ID)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: rules that no table test exercises: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}
