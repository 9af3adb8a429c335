package validate

import (
	"testing"
)

// FuzzDefinition checks that no input makes the validator panic or return a malformed
// finding; the server runs it on every definition it receives. Seeds are in
// testdata/fuzz/FuzzDefinition; run with go test ./validate -fuzz FuzzDefinition.
func FuzzDefinition(f *testing.F) {
	f.Add([]byte(baseDefinition))
	f.Add([]byte(baseProperties))
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, cert := range []bool{false, true} {
			opts := Options{Certification: cert}
			for _, r := range []Report{Definition(text, opts), Properties(text, text, opts), PolicyTemplateInstances(text, text, opts), ConnectionParameters(text, opts)} {
				for _, fd := range r.Findings {
					if fd.Rule == "" || fd.Message == "" || fd.Severity < Error || fd.Severity > Info {
						t.Fatalf("malformed finding %+v", fd)
					}
					if fd.Line < 0 || fd.Column < 0 || (fd.Line == 0) != (fd.Column == 0) {
						t.Fatalf("bad position %+v", fd)
					}
				}
			}
		}
	})
}
