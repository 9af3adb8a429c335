// Package jsontext parses JSON into a tree that remembers where each value lies in the
// original bytes, so that callers can edit one value in place and leave every other byte
// as it was (secret scrubbing must not reformat a connector's definition).
package jsontext

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// Value is one JSON value and its byte span [Start, End) in the parsed text.
type Value struct {
	Kind       Kind
	Start, End int
	Str        string   // the decoded string, for String
	Members    []Member // in document order, for Object (duplicate keys kept)
	Elems      []*Value // for Array
}

// Member is one key of an object with its value.
type Member struct {
	Key   string
	Value *Value
}

// Get returns the value of the last member named key (as encoding/json would), or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	var found *Value
	for _, m := range v.Members {
		if m.Key == key {
			found = m.Value
		}
	}
	return found
}

// SyntaxError reports malformed JSON at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// Parse parses one JSON document (surrounding whitespace allowed).
func Parse(data []byte) (*Value, error) {
	p := parser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (*Value, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting too deep")
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	start := p.pos
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: String, Start: start, End: p.pos, Str: s}, nil
	case c == 't':
		return p.literal("true", Bool)
	case c == 'f':
		return p.literal("false", Bool)
	case c == 'n':
		return p.literal("null", Null)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.errorf("invalid character %q looking for a value", c)
	}
}

func (p *parser) literal(word string, k Kind) (*Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("invalid literal")
	}
	v := &Value{Kind: k, Start: p.pos, End: p.pos + len(word)}
	p.pos += len(word)
	return v, nil
}

func (p *parser) number() (*Value, error) {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.pos++
			continue
		}
		break
	}
	if !json.Valid(p.data[start:p.pos]) {
		p.pos = start
		return nil, p.errorf("invalid number")
	}
	return &Value{Kind: Number, Start: start, End: p.pos}, nil
}

// str reads a string token and decodes it; escapes are rare, so the fast path slices.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	escaped := false
	for p.pos < len(p.data) {
		if p.pos = PlainEnd(p.data, p.pos); p.pos == len(p.data) {
			break
		}
		switch p.data[p.pos] {
		case '\\':
			escaped = true
			p.pos += 2
			continue
		case '"':
			p.pos++
			raw := p.data[start:p.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			s, ok := unquote(raw)
			if !ok {
				p.pos = start
				return "", p.errorf("invalid string")
			}
			return s, nil
		default: // a control character: PlainEnd stops at nothing else
			return "", p.errorf("control character in string")
		}
	}
	p.pos = start
	return "", p.errorf("unterminated string")
}

func (p *parser) object(depth int) (*Value, error) {
	v := &Value{Kind: Object, Start: p.pos}
	p.pos++
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		v.End = p.pos
		return v, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after object key")
		}
		p.pos++
		p.space()
		child, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.Members = append(v.Members, Member{Key: key, Value: child})
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.End = p.pos
			return v, nil
		default:
			return nil, p.errorf("expected ',' or '}' in object")
		}
	}
}

func (p *parser) array(depth int) (*Value, error) {
	v := &Value{Kind: Array, Start: p.pos}
	p.pos++
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		v.End = p.pos
		return v, nil
	}
	for {
		p.space()
		child, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.Elems = append(v.Elems, child)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.End = p.pos
			return v, nil
		default:
			return nil, p.errorf("expected ',' or ']' in array")
		}
	}
}

// Edit replaces the bytes [Start, End) with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Apply returns data with the edits applied; edits must not overlap and are applied in any order.
func Apply(data string, edits []Edit) string {
	if len(edits) == 0 {
		return data
	}
	sorted := append([]Edit(nil), edits...)
	for i := 1; i < len(sorted); i++ { // insertion sort: edits are few
		for j := i; j > 0 && sorted[j].Start < sorted[j-1].Start; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	var out []byte
	last := 0
	for _, e := range sorted {
		out = append(out, data[last:e.Start]...)
		out = append(out, e.Text...)
		last = e.End
	}
	out = append(out, data[last:]...)
	return string(out)
}

// StripTrailingCommas removes commas that directly precede '}' or ']' (outside strings), as
// Dataverse tolerates them in request bodies (Microsoft's own PATCH example has one).
// Malformed input is returned in a form that still fails to parse.
func StripTrailingCommas(data []byte) []byte {
	var out []byte // allocated only when a trailing comma is found
	pendingComma := -1
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = StringEnd(data, i+1)
			pendingComma = -1
		case ',':
			pendingComma = i
		case '}', ']':
			if pendingComma >= 0 {
				if out == nil {
					out = append([]byte(nil), data...)
				}
				out[pendingComma] = ' '
			}
			pendingComma = -1
		case ' ', '\t', '\n', '\r':
		default:
			pendingComma = -1
		}
	}
	if out == nil {
		return data
	}
	return out
}

// FoldKey returns a canonical form of an object key for case-insensitive comparison. Two keys
// have the same FoldKey when Go's strings.EqualFold says they are equal, and also when .NET's
// OrdinalIgnoreCase does (it upper-cases each character, so "ı" matches "i"): Power Platform
// reads keys case-insensitively, and a check that must find every spelling it accepts has to
// err on the side of matching more.
func FoldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid UTF-8 reads as U+FFFD, as strings.EqualFold reads it
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune maps r to the smallest rune of the case-folding orbit of its upper case: runes
// in one orbit (EqualFold) share it, and so do runes with the same upper case (.NET).
func foldRune(r rune) rune {
	r = unicode.ToUpper(r)
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return least
}

// DuplicateKey returns the path to the first member, depth first in document order, whose
// key an earlier member of the same object also has, keys compared by FoldKey; nil when no
// object repeats a key. The path holds the keys and, for array elements, decimal indexes.
func (v *Value) DuplicateKey() []string {
	path := v.duplicateKey()
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// duplicateKey is DuplicateKey with the path reversed, so that each level appends its step
// rather than copying the path below it.
func (v *Value) duplicateKey() []string {
	switch v.Kind {
	case Object:
		var seen map[string]bool
		if len(v.Members) > 1 {
			seen = make(map[string]bool, len(v.Members))
		}
		for _, m := range v.Members {
			if seen != nil {
				k := FoldKey(m.Key)
				if seen[k] {
					return []string{m.Key}
				}
				seen[k] = true
			}
			if sub := m.Value.duplicateKey(); sub != nil {
				return append(sub, m.Key)
			}
		}
	case Array:
		for i, e := range v.Elems {
			if sub := e.duplicateKey(); sub != nil {
				return append(sub, strconv.Itoa(i))
			}
		}
	}
	return nil
}
