package validate

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says how bad a finding is.
type Severity int

// Severities, from the most to the least severe.
const (
	Error Severity = iota
	Warning
	Info
)

var severityNames = [...]string{Error: "error", Warning: "warning", Info: "info"}

// String returns "error", "warning" or "info".
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("validate: unknown severity %q", b)
}

// Finding is one problem found in a document.
type Finding struct {
	Rule     string   `json:"rule"`     // stable rule id, e.g. "OperationIdNotUnique"
	Severity Severity `json:"severity"` // error, warning or info
	// Certification is true for rules of the certification set, reported only with
	// Options.Certification; false for the structural rules the service always applies.
	Certification bool   `json:"certification,omitempty"`
	Pointer       string `json:"pointer"` // RFC 6901 JSON pointer into the document, "" for the root
	Line          int    `json:"line"`    // 1-based line in the original text, 0 when unknown
	Column        int    `json:"column"`  // 1-based column in Unicode code points, 0 when unknown
	Message       string `json:"message"`
	Hint          string `json:"hint,omitempty"` // how to fix it
}

// String formats the finding as "line:col severity rule message".
func (f Finding) String() string {
	return fmt.Sprintf("%d:%d %s %s %s", f.Line, f.Column, f.Severity, f.Rule, f.Message)
}

// Report is the result of validating one document.
type Report struct {
	Findings []Finding `json:"findings"` // sorted by position, then rule id
}

// Errors returns the findings of severity Error. With Options.Certification unset these are
// the structural errors a server refuses a definition for.
func (r Report) Errors() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// HasErrors reports whether any finding has severity Error.
func (r Report) HasErrors() bool {
	for _, f := range r.Findings {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Summary describes the first n error findings on one line each, with their rule ids,
// pointers and lines, for an error message such as a server's 400 response. It returns "" when
// there are no errors.
func (r Report) Summary(n int) string {
	errs := r.Errors()
	if len(errs) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d validation error(s):", len(errs))
	for i, f := range errs {
		if i == n {
			fmt.Fprintf(&b, "\n… and %d more", len(errs)-n)
			break
		}
		ptr := f.Pointer
		if ptr == "" {
			ptr = "/"
		}
		fmt.Fprintf(&b, "\n%s at %s (line %d): %s", f.Rule, ptr, f.Line, f.Message)
	}
	return b.String()
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Pointer < b.Pointer
	})
}
