package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// maxLink bounds the @odata.nextLink kept from an answer.
const maxLink = 64 << 10

// pageScanner reads a JSON answer as it streams by (an io.Writer) and keeps only what the
// load generator needs: the number of objects in the top-level "value" array and the raw
// text of the top-level "@odata.nextLink". Memory stays small however large the page; the
// answer is assumed to be JSON (a malformed one gives counts, not an error).
type pageScanner struct {
	stack     []byte // the open containers, '{' or '['
	inString  bool
	escape    bool
	expectKey bool   // inside an object, the next string is a key
	str       int    // what the current string is: strOther, strKey1 (a top-level key), strLink
	key       []byte // the current top-level key, up to 32 bytes
	topKey    string // the last complete top-level key
	rawLink   []byte // the next link's text, escapes undone by link()
	records   int
}

const (
	strOther = iota
	strKey1
	strLink
)

// Write implements io.Writer.
func (s *pageScanner) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if s.inString {
			if s.str == strOther {
				i = s.skipString(p, i) // most of a page: the definitions' text
				continue
			}
			c := p[i]
			i++
			switch {
			case s.escape:
				s.escape = false
			case c == '\\':
				s.escape = true
			case c == '"':
				s.inString = false
				if s.str == strKey1 {
					s.topKey = string(s.key)
				}
				continue
			}
			switch s.str {
			case strKey1:
				if len(s.key) < 32 {
					s.key = append(s.key, c)
				}
			case strLink:
				if len(s.rawLink) < maxLink {
					s.rawLink = append(s.rawLink, c)
				}
			}
			continue
		}
		c := p[i]
		i++
		depth := len(s.stack)
		switch c {
		case '"':
			s.inString = true
			s.str = strOther
			isKey := depth > 0 && s.stack[depth-1] == '{' && s.expectKey
			switch {
			case depth == 1 && isKey:
				s.str = strKey1
				s.key = s.key[:0]
			case depth == 1 && s.topKey == "@odata.nextLink":
				s.str = strLink
				s.rawLink = s.rawLink[:0]
			}
		case '{':
			if depth == 2 && s.stack[1] == '[' && s.topKey == "value" {
				s.records++
			}
			s.stack = append(s.stack, c)
			s.expectKey = true
		case '[':
			s.stack = append(s.stack, c)
			s.expectKey = false
		case '}', ']':
			if depth > 0 {
				s.stack = s.stack[:depth-1]
			}
			s.expectKey = false
		case ':':
			s.expectKey = false
		case ',':
			s.expectKey = depth > 0 && s.stack[depth-1] == '{'
		}
	}
	return len(p), nil
}

// skipString passes over the text of a string that is not kept, from p[i], and returns
// where to go on: after its closing quote, or len(p) when it goes on in the next write. It
// jumps from quote to quote; a quote ends the string unless an odd run of backslashes
// precedes it.
func (s *pageScanner) skipString(p []byte, i int) int {
	for {
		j := bytes.IndexByte(p[i:], '"')
		if j < 0 {
			s.escape = oddBackslashes(p[i:], s.escape)
			return len(p)
		}
		k := i + j
		escaped := oddBackslashes(p[i:k], s.escape)
		s.escape = false
		if !escaped {
			s.inString = false
			return k + 1
		}
		i = k + 1
	}
}

// oddBackslashes reports whether b ends in an odd run of backslashes; carry says whether
// the run that ends just before b is odd, which counts when b is all backslashes.
func oddBackslashes(b []byte, carry bool) bool {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	odd := n%2 == 1
	if n == len(b) && carry {
		odd = !odd
	}
	return odd
}

// link returns the @odata.nextLink read, "" when the answer had none.
func (s *pageScanner) link() (string, error) {
	if len(s.rawLink) == 0 {
		return "", nil
	}
	var u string
	if err := json.Unmarshal(append(append([]byte{'"'}, s.rawLink...), '"'), &u); err != nil {
		return "", fmt.Errorf("reading @odata.nextLink: %w", err)
	}
	return u, nil
}
