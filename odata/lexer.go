package odata

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// tokKind classifies a token. Keywords (eq, and, not, asc, with, …) are
// identifiers; the parser decides by context, as ODataLib does.
type tokKind int

const (
	tEOF        tokKind = iota
	tIdent              // name or dotted name: ownerid, Microsoft.Dynamics.CRM.In
	tOption             // $select, $count: '$' followed by a name
	tAlias              // @p1
	tString             // 'text' with '' escapes
	tJSONString         // "text" with JSON escapes (only inside [...] lists)
	tInt                // -12
	tDecimal            // 1.5, 2e10
	tGUID               // 00000000-0000-0000-0000-000000000005 (bare)
	tDate               // 2024-01-31
	tDateTime           // 2024-01-31T10:00:00Z
	tLParen
	tRParen
	tComma
	tSlash
	tEquals
	tSemicolon
	tLBracket
	tRBracket
	tColon
	tStar
)

// token is one lexeme; pos and end are byte offsets into the option value.
type token struct {
	kind tokKind
	pos  int
	end  int
	text string // raw source text
	str  string // decoded value of tString and tJSONString
}

var punct = map[byte]tokKind{
	'(': tLParen, ')': tRParen, ',': tComma, '/': tSlash, '=': tEquals,
	';': tSemicolon, '[': tLBracket, ']': tRBracket, ':': tColon, '*': tStar,
}

// lex splits an option value into tokens. It tokenizes the whole input before
// parsing starts so that, as in Dataverse, an unterminated literal is
// reported even when a syntax error precedes it.
func lex(option, input string) ([]token, error) {
	if !utf8.ValidString(input) {
		for i := 0; i < len(input); {
			r, size := utf8.DecodeRuneInString(input[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, errorf(option, input, i, "Syntax error: the text is not valid UTF-8")
			}
			i += size
		}
	}
	var toks []token
	n := len(input)
	for i := 0; i < n; {
		c := input[i]
		switch {
		case isSpace(c):
			i++
		case c == '\'':
			t, err := lexQuoted(option, input, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case c == '"':
			t, err := lexJSONString(option, input, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case c == '$' || c == '@':
			j := scanName(input, i+1)
			if j == i+1 {
				return nil, invalidChar(option, input, i)
			}
			kind := tOption
			if c == '@' {
				kind = tAlias
			}
			toks = append(toks, token{kind: kind, pos: i, end: j, text: input[i:j]})
			i = j
		case isGUIDAt(input, i):
			toks = append(toks, token{kind: tGUID, pos: i, end: i + 36, text: input[i : i+36]})
			i += 36
		case isDigit(c) || c == '-' && i+1 < n && isDigit(input[i+1]):
			t, err := lexNumber(option, input, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case isNameStart(c):
			j := scanDottedName(input, i)
			toks = append(toks, token{kind: tIdent, pos: i, end: j, text: input[i:j]})
			i = j
		default:
			k, ok := punct[c]
			if !ok {
				return nil, invalidChar(option, input, i)
			}
			toks = append(toks, token{kind: k, pos: i, end: i + 1, text: input[i : i+1]})
			i++
		}
	}
	return append(toks, token{kind: tEOF, pos: n, end: n}), nil
}

func invalidChar(option, input string, i int) error {
	r, _ := utf8.DecodeRuneInString(input[i:])
	return errorf(option, input, i, "Syntax error: character '%c' is not valid", r)
}

// lexQuoted reads an OData string literal; a doubled quote is one quote.
func lexQuoted(option, input string, start int) (token, error) {
	var val []byte
	j := start + 1
	for {
		k := indexByteFrom(input, j, '\'')
		if k < 0 {
			// ODataLib reports the position where it ran out of text.
			return token{}, errorf(option, input, len(input), "There is an unterminated literal")
		}
		val = append(val, input[j:k]...)
		j = k + 1
		if j < len(input) && input[j] == '\'' {
			val = append(val, '\'')
			j++
			continue
		}
		break
	}
	return token{kind: tString, pos: start, end: j, text: input[start:j], str: string(val)}, nil
}

// lexJSONString reads a double-quoted JSON string, which Dataverse accepts
// inside PropertyValues lists (the documented way to pass values containing
// a single quote).
func lexJSONString(option, input string, start int) (token, error) {
	j := start + 1
	for j < len(input) && input[j] != '"' {
		if input[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(input) {
		return token{}, errorf(option, input, len(input), "There is an unterminated literal")
	}
	raw := input[start : j+1]
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return token{}, errorf(option, input, start, "Unrecognized 'Edm.String' literal %s", raw)
	}
	return token{kind: tJSONString, pos: start, end: j + 1, text: raw, str: s}, nil
}

// lexNumber reads an integer, decimal, date or date-time literal. Dates and
// date-times are recognised by shape (4 digits and a hyphen); their values are
// checked by the parser so that errors name the literal.
func lexNumber(option, input string, start int) (token, error) {
	n := len(input)
	j := start
	if input[j] == '-' {
		j++
	}
	digits := scanDigits(input, j)
	if input[start] != '-' && digits-j == 4 && isDateAt(input, start) {
		j = start + 10
		kind := tDate
		if j < n && input[j] == 'T' {
			kind = tDateTime
			j++
			for j < n && (isDigit(input[j]) || input[j] == ':' || input[j] == '.' ||
				input[j] == '+' || input[j] == '-' || input[j] == 'Z') {
				j++
			}
		}
		if j < n && isNameChar(input[j]) {
			return token{}, errorf(option, input, j, "Syntax error")
		}
		return token{kind: kind, pos: start, end: j, text: input[start:j]}, nil
	}
	j = digits
	kind := tInt
	if j < n && input[j] == '.' {
		k := scanDigits(input, j+1)
		if k == j+1 {
			return token{}, errorf(option, input, j, "Syntax error")
		}
		kind, j = tDecimal, k
	}
	if j < n && (input[j] == 'e' || input[j] == 'E') {
		k := j + 1
		if k < n && (input[k] == '+' || input[k] == '-') {
			k++
		}
		m := scanDigits(input, k)
		if m == k {
			return token{}, errorf(option, input, j, "Syntax error")
		}
		kind, j = tDecimal, m
	}
	if j < n && (isNameChar(input[j]) || input[j] == '.') {
		return token{}, errorf(option, input, j, "Syntax error")
	}
	return token{kind: kind, pos: start, end: j, text: input[start:j]}, nil
}

// isDateAt reports whether input[i:] starts with dddd-dd-dd.
func isDateAt(input string, i int) bool {
	if len(input) < i+10 {
		return false
	}
	for k := 0; k < 10; k++ {
		c := input[i+k]
		if k == 4 || k == 7 {
			if c != '-' {
				return false
			}
		} else if !isDigit(c) {
			return false
		}
	}
	return true
}

// isGUIDAt reports whether a bare GUID starts at input[i] and is not the
// prefix of a longer name.
func isGUIDAt(input string, i int) bool {
	if len(input) < i+36 || (i > 0 && isNameChar(input[i-1])) {
		return false
	}
	for k := 0; k < 36; k++ {
		c := input[i+k]
		if k == 8 || k == 13 || k == 18 || k == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return len(input) == i+36 || !isNameChar(input[i+36]) && input[i+36] != '-'
}

func scanDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// scanName returns the end of the identifier starting at i (i if none).
func scanName(s string, i int) int {
	if i >= len(s) || !isNameStart(s[i]) {
		return i
	}
	i++
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	return i
}

// scanDottedName reads name('.'name)*, the form of qualified function names.
func scanDottedName(s string, i int) int {
	i = scanName(s, i)
	for i+1 < len(s) && s[i] == '.' && isNameStart(s[i+1]) {
		i = scanName(s, i+1)
	}
	return i
}

func indexByteFrom(s string, from int, c byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isHex(c byte) bool       { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
func isNameStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isNameChar(c byte) bool  { return isNameStart(c) || isDigit(c) }

// isName reports whether s is a single OData identifier.
func isName(s string) bool { return s != "" && scanName(s, 0) == len(s) }

// describe renders a token for messages.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of input"
	}
	return fmt.Sprintf("'%s'", t.text)
}
