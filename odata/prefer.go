package odata

import (
	"strconv"
	"strings"
)

// MaxPageSize is the largest odata.maxpagesize Dataverse accepts.
const MaxPageSize = 5000

// Preferences are the Prefer request header preferences this service acts on.
// Unknown preferences are ignored, as RFC 7240 requires.
type Preferences struct {
	// Return is "representation", "minimal" or "" (return=…).
	Return string
	// MaxPageSize is odata.maxpagesize, 0 when absent.
	MaxPageSize int
	// IncludeAnnotations holds the odata.include-annotations patterns as
	// sent ("*", "OData.Community.Display.V1.FormattedValue",
	// "Microsoft.Dynamics.CRM.*", "-Some.Term"); nil when absent.
	IncludeAnnotations []string
	// TrackChanges is odata.track-changes.
	TrackChanges bool
	// ContinueOnError is odata.continue-on-error ($batch only).
	ContinueOnError bool
}

// ParsePrefer parses the values of every Prefer header of a request (pass
// r.Header.Values("Prefer")); each may hold comma-separated preferences.
// When a preference appears more than once the first wins (RFC 7240 §2).
// A malformed header or an invalid odata.maxpagesize is an *Error.
func ParsePrefer(headers []string) (Preferences, error) {
	var prefs Preferences
	seen := map[string]bool{}
	for _, h := range headers {
		s := &preferScanner{input: h}
		for {
			s.skipSpace()
			if s.done() {
				break
			}
			if s.peek() == ',' {
				s.i++ // empty list element
				continue
			}
			start := s.i
			name, value, hasValue, err := s.preference()
			if err != nil {
				return Preferences{}, err
			}
			// OData 4.01 allows the preferences without the "odata." prefix.
			key := strings.TrimPrefix(strings.ToLower(name), "odata.")
			if !seen[key] {
				seen[key] = true
				if err := prefs.set(key, value, hasValue, s, start); err != nil {
					return Preferences{}, err
				}
			}
			s.skipSpace()
			if !s.done() {
				if s.peek() != ',' {
					return Preferences{}, s.errAt(s.i, "',' expected")
				}
				s.i++
			}
		}
	}
	return prefs, nil
}

func (p *Preferences) set(key, value string, hasValue bool, s *preferScanner, pos int) error {
	switch key {
	case "return":
		v := strings.ToLower(value)
		if v == "representation" || v == "minimal" {
			p.Return = v
		}
	case "maxpagesize":
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 || strings.HasPrefix(value, "+") {
			return s.errAt(pos, "The odata.maxpagesize preference must be a positive integer")
		}
		if n > MaxPageSize {
			return s.errAt(pos, "The odata.maxpagesize preference cannot be larger than %d", MaxPageSize)
		}
		p.MaxPageSize = n
	case "include-annotations":
		p.IncludeAnnotations = []string{}
		for _, pat := range strings.Split(value, ",") {
			if pat = strings.TrimSpace(pat); pat != "" {
				p.IncludeAnnotations = append(p.IncludeAnnotations, pat)
			}
		}
	case "track-changes":
		p.TrackChanges = true
	case "continue-on-error":
		p.ContinueOnError = !hasValue || strings.EqualFold(value, "true")
	}
	return nil
}

// IncludesAnnotation reports whether the annotation term (for example
// "OData.Community.Display.V1.FormattedValue") was asked for. Patterns ending
// in '*' match by prefix, a leading '-' excludes, and the most specific
// (longest) matching pattern decides, with exclusion winning ties.
func (p Preferences) IncludesAnnotation(term string) bool {
	best, include := -1, false
	for _, pat := range p.IncludeAnnotations {
		exclude := strings.HasPrefix(pat, "-")
		pat = strings.TrimPrefix(pat, "-")
		if !matchAnnotation(pat, term) {
			continue
		}
		if n := len(pat); n > best || n == best && exclude {
			best, include = n, !exclude
		}
	}
	return include
}

// matchAnnotation matches a term against a pattern, ignoring ASCII case
// because clients are inconsistent about it ("odata.community…").
func matchAnnotation(pat, term string) bool {
	if prefix, ok := strings.CutSuffix(pat, "*"); ok {
		return len(term) >= len(prefix) && strings.EqualFold(term[:len(prefix)], prefix)
	}
	return strings.EqualFold(pat, term)
}

// String renders the preferences in the form of a Prefer (or
// Preference-Applied) header value.
func (p Preferences) String() string {
	var parts []string
	if p.Return != "" {
		parts = append(parts, "return="+p.Return)
	}
	if p.MaxPageSize > 0 {
		parts = append(parts, "odata.maxpagesize="+strconv.Itoa(p.MaxPageSize))
	}
	if p.IncludeAnnotations != nil {
		parts = append(parts, `odata.include-annotations="`+strings.Join(p.IncludeAnnotations, ",")+`"`)
	}
	if p.TrackChanges {
		parts = append(parts, "odata.track-changes")
	}
	if p.ContinueOnError {
		parts = append(parts, "odata.continue-on-error")
	}
	return strings.Join(parts, ",")
}

// preferScanner reads the RFC 7240 grammar:
// preference = token [ BWS "=" BWS word ] *( OWS ";" [ OWS parameter ] ).
type preferScanner struct {
	input string
	i     int
}

func (s *preferScanner) done() bool { return s.i >= len(s.input) }
func (s *preferScanner) peek() byte { return s.input[s.i] }

func (s *preferScanner) skipSpace() {
	for !s.done() && (s.peek() == ' ' || s.peek() == '\t') {
		s.i++
	}
}

func (s *preferScanner) errAt(pos int, format string, args ...any) error {
	return errorf("Prefer", s.input, pos, format, args...)
}

// preference reads one preference; its parameters are read and ignored
// because none of the supported preferences defines any.
func (s *preferScanner) preference() (name, value string, hasValue bool, err error) {
	if name, err = s.token(); err != nil {
		return
	}
	if name, value, hasValue, err = s.nameValue(name); err != nil {
		return
	}
	for {
		s.skipSpace()
		if s.done() || s.peek() != ';' {
			return
		}
		s.i++
		s.skipSpace()
		if s.done() || s.peek() == ',' || s.peek() == ';' {
			continue
		}
		var param string
		if param, err = s.token(); err != nil {
			return
		}
		if _, _, _, err = s.nameValue(param); err != nil {
			return
		}
	}
}

func (s *preferScanner) nameValue(name string) (string, string, bool, error) {
	j := s.i
	for j < len(s.input) && (s.input[j] == ' ' || s.input[j] == '\t') {
		j++
	}
	if j >= len(s.input) || s.input[j] != '=' {
		return name, "", false, nil
	}
	s.i = j + 1
	s.skipSpace()
	if !s.done() && s.peek() == '"' {
		v, err := s.quoted()
		return name, v, true, err
	}
	v, err := s.token()
	return name, v, true, err
}

func (s *preferScanner) token() (string, error) {
	start := s.i
	for !s.done() && isTChar(s.peek()) {
		s.i++
	}
	if s.i == start {
		return "", s.errAt(start, "Syntax error in Prefer header")
	}
	return s.input[start:s.i], nil
}

func (s *preferScanner) quoted() (string, error) {
	start := s.i
	s.i++
	var b strings.Builder
	for !s.done() {
		c := s.peek()
		s.i++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if s.done() {
				return "", s.errAt(start, "There is an unterminated quoted string")
			}
			b.WriteByte(s.peek())
			s.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", s.errAt(start, "There is an unterminated quoted string")
}

// isTChar reports whether c may appear in an RFC 7230 token.
func isTChar(c byte) bool {
	return isNameChar(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
