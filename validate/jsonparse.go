package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// The real service reads definitions with a lenient .NET JSON reader (Json.NET): it accepts
// comments, trailing commas, any Unicode white space between tokens and raw control characters
// inside strings, and published connectors rely on all four. encoding/json refuses them, so
// the validator parses with its own reader that accepts exactly those liberties, reports each
// one as a warning with its offset, and refuses what Json.NET refuses too (a missing comma, a
// mismatched bracket, text after the root value).

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 512

// syntaxError is a fatal JSON syntax error at a byte offset of the text.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// leniency is one liberty taken with strict JSON, found at a byte offset.
type leniency struct {
	off  int
	kind string // "comment", "trailing comma", "non-ASCII white space", "control character in string"
}

// parser reads one JSON text. With locating set it does not build values; it records the
// offsets of the wanted JSON pointers instead (see locate).
type parser struct {
	data []byte
	// text is data as a string, when values are built: a string without escapes is a slice of
	// it, so that the thousands of names and values of a definition cost no copy each.
	text    string
	pos     int
	depth   int
	path    []string // reference tokens of the value being read
	lenient []leniency
	dups    []dupKey

	locating bool
	want     map[string]bool // the pointers to locate, with all their parents
	found    map[string]int
	// blind counts the values being read whose pointer is not wanted: as want holds the
	// parents of every wanted pointer, nothing inside them is wanted either.
	blind int
}

// dupKey is a member name that occurs twice in one object; the later one wins.
type dupKey struct {
	pointer string
	off     int
}

// parseJSON parses text into the values jsonschema expects: map[string]any, []any, string,
// json.Number, bool and nil. A UTF-8 byte order mark is skipped.
func parseJSON(text []byte) (v any, lenient []leniency, dups []dupKey, err error) {
	p := &parser{data: text, text: string(text)}
	p.skipBOM()
	v, err = p.document()
	return v, p.lenient, p.dups, err
}

func (p *parser) skipBOM() {
	if len(p.data) >= 3 && p.data[0] == 0xEF && p.data[1] == 0xBB && p.data[2] == 0xBF {
		p.pos = 3
	}
}

func (p *parser) document() (any, error) {
	if err := p.space(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("the document is empty")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.space(); err != nil {
		return nil, err
	}
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the end of the top-level value (a closing bracket too many earlier?)", p.describe())
	}
	return v, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &syntaxError{off: p.pos, msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at pos for an error message.
func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of text"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *parser) note(off int, kind string) {
	if !p.locating {
		p.lenient = append(p.lenient, leniency{off, kind})
	}
}

// space skips white space and comments.
func (p *parser) space() error {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '/':
			if err := p.comment(); err != nil {
				return err
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			if !unicode.IsSpace(r) {
				return nil
			}
			p.note(p.pos, "non-ASCII white space")
			p.pos += n
		case c == '\v' || c == '\f':
			p.note(p.pos, "non-ASCII white space")
			p.pos++
		default:
			return nil
		}
	}
	return nil
}

func (p *parser) comment() error {
	start := p.pos
	if p.pos+1 >= len(p.data) {
		return p.errorf("unexpected '/'")
	}
	switch p.data[p.pos+1] {
	case '/':
		p.pos += 2
		for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
			p.pos++
		}
	case '*':
		p.pos += 2
		for {
			if p.pos+1 >= len(p.data) {
				p.pos = start
				return p.errorf("unterminated comment")
			}
			if p.data[p.pos] == '*' && p.data[p.pos+1] == '/' {
				p.pos += 2
				break
			}
			p.pos++
		}
	default:
		return p.errorf("unexpected '/'")
	}
	p.note(start, "comment")
	return nil
}

func (p *parser) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of text, a value was expected")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	default:
		return nil, p.errorf("unexpected %s, a value was expected", p.describe())
	}
}

func (p *parser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nesting deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	open := p.pos
	p.pos++ // '{'
	var obj map[string]any
	if !p.locating {
		obj = make(map[string]any)
	}
	for first := true; ; first = false {
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of text: the object opened at offset %d is not closed", open)
		}
		if p.data[p.pos] == '}' {
			p.pos++
			return obj, nil
		}
		if !first {
			if p.data[p.pos] != ',' {
				return nil, p.errorf("unexpected %s, a ',' or '}' was expected (a missing comma or closing brace?)", p.describe())
			}
			comma := p.pos
			p.pos++
			if err := p.space(); err != nil {
				return nil, err
			}
			if p.pos < len(p.data) && p.data[p.pos] == '}' {
				p.note(comma, "trailing comma")
				p.pos++
				return obj, nil
			}
		}
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s, a member name in double quotes was expected", p.describe())
		}
		keyOff := p.pos
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s, a ':' was expected after the member name", p.describe())
		}
		p.pos++
		if err := p.space(); err != nil {
			return nil, err
		}
		p.path = append(p.path, name)
		blind := false
		if p.locating {
			if p.blind > 0 {
				blind = true
			} else if ptr := pointerOf(p.path); p.want[ptr] {
				// A later duplicate overwrites: the value that counts is the last one.
				p.found[ptr] = keyOff
			} else {
				blind = true
			}
		} else if _, dup := obj[name]; dup {
			p.dups = append(p.dups, dupKey{pointerOf(p.path), keyOff})
		}
		if blind {
			p.blind++
		}
		v, err := p.value()
		if blind {
			p.blind--
		}
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		if !p.locating {
			obj[name] = v
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	open := p.pos
	p.pos++ // '['
	var arr []any
	if !p.locating {
		arr = []any{}
	}
	for i := 0; ; i++ {
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of text: the array opened at offset %d is not closed", open)
		}
		if p.data[p.pos] == ']' {
			p.pos++
			return arr, nil
		}
		if i > 0 {
			if p.data[p.pos] != ',' {
				return nil, p.errorf("unexpected %s, a ',' or ']' was expected (a missing comma or closing bracket?)", p.describe())
			}
			comma := p.pos
			p.pos++
			if err := p.space(); err != nil {
				return nil, err
			}
			if p.pos < len(p.data) && p.data[p.pos] == ']' {
				p.note(comma, "trailing comma")
				p.pos++
				return arr, nil
			}
		}
		blind := p.locating && p.blind > 0
		tok := ""
		if !blind {
			tok = strconv.Itoa(i)
		}
		p.path = append(p.path, tok)
		if p.locating && !blind {
			if ptr := pointerOf(p.path); p.want[ptr] {
				p.found[ptr] = p.pos
			} else {
				blind = true
			}
		}
		if blind {
			p.blind++
		}
		v, err := p.value()
		if blind {
			p.blind--
		}
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		if !p.locating {
			arr = append(arr, v)
		}
	}
}

func (p *parser) number() (any, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		return nil, p.errorf("invalid number: a digit was expected")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("invalid number: a digit was expected after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number: a digit was expected in the exponent")
		}
	}
	if p.locating {
		return nil, nil
	}
	return json.Number(p.data[start:p.pos]), nil
}

// str reads a string; it returns a string value even in locate mode, for member names.
func (p *parser) str() (string, error) {
	open := p.pos
	p.pos++ // '"'
	// Fast path: no escapes, no control characters, valid UTF-8.
	if i := jsontext.PlainEnd(p.data, p.pos); i < len(p.data) && p.data[i] == '"' {
		if s := p.data[p.pos:i]; utf8.Valid(s) {
			start := p.pos
			p.pos = i + 1
			if p.text != "" {
				return p.text[start:i], nil
			}
			return string(s), nil
		}
	}
	var buf []byte
	for {
		if p.pos >= len(p.data) {
			p.pos = open
			return "", p.errorf("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c == '\\':
			var n int
			if buf, n = jsontext.AppendEscape(buf, p.data[p.pos:]); n > 0 {
				p.pos += n
				break
			}
			if p.pos+1 >= len(p.data) {
				p.pos++
				return "", p.errorf("unterminated string")
			}
			if e := p.data[p.pos+1]; e != 'u' {
				return "", p.errorf("invalid escape '\\%c' in string", e)
			}
			p.pos += 2
			return "", p.errorf("invalid \\u escape in string")
		case c < 0x20:
			p.note(p.pos, "control character in string")
			buf = append(buf, c)
			p.pos++
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			buf = utf8.AppendRune(buf, r) // invalid UTF-8 becomes U+FFFD, as with encoding/json
			p.pos += n
		}
	}
}

// locate finds the byte offsets of the given JSON pointers in text, which must parse. For an
// object member the offset is that of its name, otherwise that of the value. Pointers not
// found are absent from the map.
func locate(text []byte, pointers map[string]bool) map[string]int {
	p := &parser{data: text, locating: true, want: pointers, found: make(map[string]int)}
	p.skipBOM()
	if pointers[""] {
		p.found[""] = p.pos
	}
	_, _ = p.document()
	if off, ok := p.found[""]; ok {
		// The root value starts after leading white space.
		p2 := &parser{data: text, pos: off, locating: true}
		_ = p2.space()
		p.found[""] = p2.pos
	}
	return p.found
}
