package validate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The published schemas use ECMAScript negative look-ahead, which Go's RE2 engine lacks:
// "^x-(?!ms-)" (vendor extensions other than x-ms-*) and
// "^[0-9a-zA-Z_]+:(?!TenantId$)[0-9a-zA-Z_]+$" (sub-parameters other than token:TenantId).
// compileRegexp supports one anchored look-ahead "^A(?!L)B" as "^AB and not ^AL", which is
// exact when A matches at most one prefix of a string — true of both patterns, whose A is a
// literal or ends with a character its class excludes — and runs in linear time.

// lookahead matches "^A(?!L)B".
type lookahead struct {
	src       string
	whole, no *regexp.Regexp // ^AB, and ^AL
}

func (r *lookahead) String() string { return r.src }

// MatchString reports whether s matches the pattern.
func (r *lookahead) MatchString(s string) bool {
	return r.whole.MatchString(s) && !r.no.MatchString(s)
}

// anyString stands for a pattern the validator cannot evaluate: it matches everything.
type anyString string

func (a anyString) String() string          { return string(a) }
func (a anyString) MatchString(string) bool { return true }

// lenientRegexp is the jsonschema RegexpEngine of the validator. Definitions hold ECMAScript
// patterns that RE2 cannot compile (look-around, back-references); the service accepts them, so
// the schema's "format": "regex" must not refuse them, and a pattern that cannot be evaluated
// matches everything. PatternShouldBeValidRegularExpression reports real syntax errors.
func lenientRegexp(src string) (jsonschema.Regexp, error) {
	if re, err := compileRegexp(src); err == nil {
		return re, nil
	}
	return anyString(src), nil
}

// ecmaEscape rewrites the ECMAScript escape \uXXXX, unknown to RE2, as \x{XXXX}.
var ecmaEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// compileRegexp compiles an ECMAScript pattern with RE2, supporting \uXXXX and one anchored
// negative look-ahead.
func compileRegexp(src string) (jsonschema.Regexp, error) {
	if strings.Contains(src, `\u`) {
		src = ecmaEscape.ReplaceAllString(src, `\x{$1}`)
	}
	i := strings.Index(src, "(?!")
	if i < 0 {
		return regexp.Compile(src)
	}
	j := strings.IndexByte(src[i:], ')')
	if !strings.HasPrefix(src, "^") || j < 0 || strings.Contains(src[i+j:], "(?") || strings.Contains(src[i+3:i+j], "(") {
		return nil, fmt.Errorf("unsupported look-ahead in pattern %q", src)
	}
	aSrc, lSrc, bSrc := src[1:i], src[i+3:i+j], src[i+j+1:]
	r := &lookahead{src: src}
	var err error
	if r.whole, err = regexp.Compile("^(?:" + aSrc + ")(?:" + bSrc + ")"); err != nil {
		return nil, err
	}
	if r.no, err = regexp.Compile("^(?:" + aSrc + ")(?:" + lSrc + ")"); err != nil {
		return nil, err
	}
	return r, nil
}
