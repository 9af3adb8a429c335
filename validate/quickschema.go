package validate

import (
	"encoding/json"
	"hash/maphash"
	"maps"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// quickSchema answers one question of a compiled schema, "is this value valid?", without
// allocating per value: the jsonschema package builds a validator, a scope and an error tree
// for every value it visits, which made the schema pass half of what validating a real
// definition costs. Most definitions are valid (684 of the corpus's 831 against the published
// schema), so a valid one skips the package; an invalid one (or one the quick check cannot
// judge) is validated by the package as before, which alone writes the findings. The quick
// check is therefore only ever a shortcut to "no findings": it must never call valid what the
// package calls invalid, which TestQuickSchemaAgrees checks on the corpus and on mutations of it.
//
// It reads the package's compiled schema (its exported keyword fields) and follows its
// validator's order and meaning for drafts 4 to 7. A schema using anything else (2019 and later
// drafts, content keywords, extensions) gets no quick check.
type quickSchema struct {
	// bool schemas: a fixed answer.
	isBool, boolValue bool

	types  uint8 // typeNull…: 0 for any
	constV *any
	enum   []any
	format func(any) error
	ref    *quickSchema // drafts before 2019: $ref alone decides, after type, const, enum, format

	not                *quickSchema
	allOf, anyOf       []*quickSchema
	oneOf              []*quickSchema
	ifS, thenS, elseS  *quickSchema
	minProps, maxProps int // -1 when absent
	required           []string
	dependencies       map[string]any // []string or *quickSchema
	properties         map[string]*quickSchema
	patternProps       []quickPattern
	additional         any // nil, bool or *quickSchema
	propertyNames      *quickSchema
	minItems, maxItems int // -1 when absent
	uniqueItems        bool
	items              *quickSchema   // one schema for every item
	itemList           []*quickSchema // or one per position
	additionalItems    any            // nil, bool or *quickSchema (with itemList)
	contains           *quickSchema
	minLen, maxLen     int // -1 when absent
	pattern            jsonschema.Regexp
	numeric            bool // any of the number keywords below
	minimum, maximum   *big.Rat
	exclMin, exclMax   *big.Rat
	multipleOf         *big.Rat
}

type quickPattern struct {
	re jsonschema.Regexp
	s  *quickSchema
}

const (
	typeNull uint8 = 1 << iota
	typeBoolean
	typeNumber
	typeInteger
	typeString
	typeArray
	typeObject
)

// typeBits are the bits of the JSON Schema type names.
var typeBits = map[string]uint8{"null": typeNull, "boolean": typeBoolean, "number": typeNumber,
	"integer": typeInteger, "string": typeString, "array": typeArray, "object": typeObject}

// newQuickSchema builds the quick check of s, or returns nil when s (or a schema it reaches)
// uses a keyword the quick check does not know.
func newQuickSchema(s *jsonschema.Schema) *quickSchema {
	b := quickBuilder{done: map[*jsonschema.Schema]*quickSchema{}}
	q := b.build(s)
	if b.unsupported {
		return nil
	}
	return q
}

type quickBuilder struct {
	done        map[*jsonschema.Schema]*quickSchema
	unsupported bool
}

func (b *quickBuilder) build(s *jsonschema.Schema) *quickSchema {
	if s == nil {
		return nil
	}
	if q, ok := b.done[s]; ok {
		return q // a schema reached again (recursive definitions): built once, shared
	}
	q := &quickSchema{minProps: -1, maxProps: -1, minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}
	b.done[s] = q
	if s.DraftVersion >= 2019 || s.DraftVersion < 4 || len(s.Extensions) > 0 ||
		s.RecursiveRef != nil || s.DynamicRef != nil || s.UnevaluatedProperties != nil ||
		s.UnevaluatedItems != nil || s.DependentSchemas != nil || s.DependentRequired != nil ||
		s.PrefixItems != nil || s.Items2020 != nil || s.MinContains != nil || s.MaxContains != nil ||
		s.ContentEncoding != nil || s.ContentMediaType != nil || s.ContentSchema != nil {
		b.unsupported = true
		return q
	}
	if s.Bool != nil {
		q.isBool, q.boolValue = true, *s.Bool
		return q
	}
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			bit, ok := typeBits[t]
			if !ok {
				b.unsupported = true
			}
			q.types |= bit
		}
	}
	q.constV = s.Const
	if s.Enum != nil {
		q.enum = s.Enum.Values
		if q.enum == nil {
			q.enum = []any{} // an empty enum allows nothing
		}
	}
	if s.Format != nil {
		q.format = s.Format.Validate
	}
	q.ref = b.build(s.Ref)
	q.not = b.build(s.Not)
	q.allOf = b.list(s.AllOf)
	q.anyOf = b.list(s.AnyOf)
	q.oneOf = b.list(s.OneOf)
	q.ifS, q.thenS, q.elseS = b.build(s.If), b.build(s.Then), b.build(s.Else)

	q.minProps, q.maxProps = intOr(s.MinProperties), intOr(s.MaxProperties)
	q.required = s.Required
	if len(s.Dependencies) > 0 {
		q.dependencies = map[string]any{}
		for name, d := range s.Dependencies {
			switch d := d.(type) {
			case []string:
				q.dependencies[name] = d
			case *jsonschema.Schema:
				q.dependencies[name] = b.build(d)
			default:
				b.unsupported = true
			}
		}
	}
	if len(s.Properties) > 0 {
		q.properties = make(map[string]*quickSchema, len(s.Properties))
		for name, p := range s.Properties {
			q.properties[name] = b.build(p)
		}
	}
	for re, p := range s.PatternProperties {
		q.patternProps = append(q.patternProps, quickPattern{re, b.build(p)})
	}
	q.additional = b.either(s.AdditionalProperties)
	if s.DraftVersion > 4 {
		q.propertyNames = b.build(s.PropertyNames) // draft 4 has no propertyNames
	}

	q.minItems, q.maxItems = intOr(s.MinItems), intOr(s.MaxItems)
	q.uniqueItems = s.UniqueItems
	switch items := s.Items.(type) {
	case nil:
	case *jsonschema.Schema:
		q.items = b.build(items)
	case []*jsonschema.Schema:
		q.itemList = b.list(items)
		if q.itemList == nil {
			q.itemList = []*quickSchema{}
		}
	default:
		b.unsupported = true
	}
	q.additionalItems = b.either(s.AdditionalItems)
	q.contains = b.build(s.Contains)

	q.minLen, q.maxLen = intOr(s.MinLength), intOr(s.MaxLength)
	q.pattern = s.Pattern
	q.minimum, q.maximum = s.Minimum, s.Maximum
	q.exclMin, q.exclMax = s.ExclusiveMinimum, s.ExclusiveMaximum
	q.multipleOf = s.MultipleOf
	q.numeric = q.minimum != nil || q.maximum != nil || q.exclMin != nil || q.exclMax != nil || q.multipleOf != nil
	return q
}

func (b *quickBuilder) list(ss []*jsonschema.Schema) []*quickSchema {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*quickSchema, len(ss))
	for i, s := range ss {
		out[i] = b.build(s)
	}
	return out
}

// either is additionalProperties or additionalItems: nil, a bool or a schema.
func (b *quickBuilder) either(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		return v
	case *jsonschema.Schema:
		return b.build(v)
	}
	b.unsupported = true
	return nil
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// maxSameValue bounds how many schemas may apply to one value in a chain ($ref, allOf, …)
// before the quick check gives up: the package reports a cycle there; the quick check leaves it
// to the package.
const maxSameValue = 64

// quickRun is one quick check: unknown is set when the answer is the package's to give.
type quickRun struct{ unknown bool }

// valid reports whether v is valid against q, and whether the quick check could tell. When it
// could not, the package must validate.
func (q *quickSchema) valid(v any) (valid, known bool) {
	var r quickRun
	ok := r.check(q, v, 0)
	if r.unknown {
		return false, false
	}
	return ok, true
}

func (r *quickRun) check(q *quickSchema, v any, same int) bool {
	if r.unknown {
		return false
	}
	if same > maxSameValue {
		r.unknown = true
		return false
	}
	if q.isBool {
		return q.boolValue
	}
	t := jsonType(v)
	if t == 0 {
		r.unknown = true // not a value parseJSON makes
		return false
	}
	if q.types != 0 && q.types&t == 0 &&
		(q.types&typeInteger == 0 || t != typeNumber || !isInteger(v.(json.Number))) {
		return false
	}
	if q.constV != nil && !r.equal(v, *q.constV) {
		return false
	}
	if q.enum != nil {
		found := false
		for _, e := range q.enum {
			if r.equal(v, e) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if q.format != nil && q.format(v) != nil {
		return false
	}
	if q.ref != nil {
		return r.check(q.ref, v, same+1) // before 2019, $ref's siblings are ignored
	}
	switch v := v.(type) {
	case map[string]any:
		if !r.object(q, v, same) {
			return false
		}
	case []any:
		if !r.array(q, v) {
			return false
		}
	case string:
		if !r.str(q, v) {
			return false
		}
	case json.Number:
		if q.numeric && !r.number(q, v) {
			return false
		}
	}
	if q.not != nil && r.check(q.not, v, same+1) {
		return false
	}
	for _, s := range q.allOf {
		if !r.check(s, v, same+1) {
			return false
		}
	}
	if q.anyOf != nil {
		found := false
		for _, s := range q.anyOf {
			if r.check(s, v, same+1) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if q.oneOf != nil {
		n := 0
		for _, s := range q.oneOf {
			if r.check(s, v, same+1) {
				if n++; n > 1 {
					return false
				}
			}
		}
		if n != 1 {
			return false
		}
	}
	if q.ifS != nil {
		if r.check(q.ifS, v, same+1) {
			if q.thenS != nil && !r.check(q.thenS, v, same+1) {
				return false
			}
		} else if q.elseS != nil && !r.check(q.elseS, v, same+1) {
			return false
		}
	}
	return !r.unknown
}

func (r *quickRun) object(q *quickSchema, obj map[string]any, same int) bool {
	if q.minProps >= 0 && len(obj) < q.minProps || q.maxProps >= 0 && len(obj) > q.maxProps {
		return false
	}
	for _, name := range q.required {
		if _, ok := obj[name]; !ok {
			return false
		}
	}
	for name, d := range q.dependencies {
		if _, ok := obj[name]; !ok {
			continue
		}
		switch d := d.(type) {
		case []string:
			for _, need := range d {
				if _, ok := obj[need]; !ok {
					return false
				}
			}
		case *quickSchema:
			if !r.check(d, obj, same+1) {
				return false
			}
		}
	}
	for name, value := range obj {
		evaluated := false
		if s, ok := q.properties[name]; ok {
			evaluated = true
			if !r.check(s, value, 0) {
				return false
			}
		}
		for _, p := range q.patternProps {
			if p.re.MatchString(name) {
				evaluated = true
				if !r.check(p.s, value, 0) {
					return false
				}
			}
		}
		if !evaluated {
			switch a := q.additional.(type) {
			case bool:
				if !a {
					return false
				}
			case *quickSchema:
				if !r.check(a, value, 0) {
					return false
				}
			}
		}
	}
	if q.propertyNames != nil {
		for name := range obj {
			if !r.check(q.propertyNames, name, 0) {
				return false
			}
		}
	}
	return true
}

func (r *quickRun) array(q *quickSchema, arr []any) bool {
	if q.minItems >= 0 && len(arr) < q.minItems || q.maxItems >= 0 && len(arr) > q.maxItems {
		return false
	}
	if q.uniqueItems && len(arr) > 1 && !r.unique(arr) {
		return false
	}
	evaluated := 0
	if q.items != nil {
		for _, item := range arr {
			if !r.check(q.items, item, 0) {
				return false
			}
		}
		evaluated = len(arr)
	} else if q.itemList != nil {
		evaluated = min(len(arr), len(q.itemList))
		for i, item := range arr[:evaluated] {
			if !r.check(q.itemList[i], item, 0) {
				return false
			}
		}
	}
	switch a := q.additionalItems.(type) {
	case bool:
		if !a && evaluated != len(arr) {
			return false
		}
	case *quickSchema:
		for _, item := range arr[evaluated:] {
			if !r.check(a, item, 0) {
				return false
			}
		}
	}
	if q.contains != nil {
		found := false
		for _, item := range arr {
			if r.check(q.contains, item, 0) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// unique reports whether no two items of arr are equal: pairwise for a few items, by a hash of
// each item's value for more, so that no input makes the quick check quadratic.
func (r *quickRun) unique(arr []any) bool {
	if len(arr) <= 20 {
		for i := 1; i < len(arr); i++ {
			for j := range i {
				if r.equal(arr[i], arr[j]) {
					return false
				}
			}
		}
		return true
	}
	seed := maphash.MakeSeed()
	seen := make(map[uint64][]int, len(arr))
	var h maphash.Hash
	for i, item := range arr {
		h.SetSeed(seed)
		r.hash(&h, item)
		sum := h.Sum64()
		for _, j := range seen[sum] {
			if r.equal(item, arr[j]) {
				return false
			}
		}
		seen[sum] = append(seen[sum], i)
	}
	return true
}

// hash writes v so that values equal as JSON write the same bytes: members in name order,
// numbers as their exact value (1 and 1.0 alike).
func (r *quickRun) hash(h *maphash.Hash, v any) {
	switch v := v.(type) {
	case map[string]any:
		h.WriteByte('{')
		for _, name := range slices.Sorted(maps.Keys(v)) {
			r.hash(h, name)
			r.hash(h, v[name])
		}
		h.WriteByte('}')
	case []any:
		h.WriteByte('[')
		for _, item := range v {
			r.hash(h, item)
		}
		h.WriteByte(']')
	case nil:
		h.WriteByte('n')
	case bool:
		if v {
			h.WriteByte('t')
		} else {
			h.WriteByte('f')
		}
	case string:
		h.WriteByte('"')
		h.WriteString(v)
		h.WriteByte('"')
	case json.Number:
		h.WriteByte('0')
		if x, ok := new(big.Rat).SetString(string(v)); ok {
			h.WriteString(x.RatString())
		} else {
			r.unknown = true
		}
	default:
		r.unknown = true
	}
}

func (r *quickRun) str(q *quickSchema, s string) bool {
	if q.minLen >= 0 || q.maxLen >= 0 {
		n := utf8.RuneCountInString(s)
		if q.minLen >= 0 && n < q.minLen || q.maxLen >= 0 && n > q.maxLen {
			return false
		}
	}
	return q.pattern == nil || q.pattern.MatchString(s)
}

func (r *quickRun) number(q *quickSchema, n json.Number) bool {
	x, ok := new(big.Rat).SetString(string(n))
	if !ok {
		r.unknown = true
		return false
	}
	switch {
	case q.minimum != nil && x.Cmp(q.minimum) < 0,
		q.maximum != nil && x.Cmp(q.maximum) > 0,
		q.exclMin != nil && x.Cmp(q.exclMin) <= 0,
		q.exclMax != nil && x.Cmp(q.exclMax) >= 0:
		return false
	case q.multipleOf != nil:
		return new(big.Rat).Quo(x, q.multipleOf).IsInt()
	}
	return true
}

// equal is JSON equality, numbers by value (1 and 1.0 are equal), as the package has it.
func (r *quickRun) equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !r.equal(x, y) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !r.equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	case json.Number:
		return r.numberEqual(a, b)
	}
	r.unknown = true
	return false
}

// numberEqual compares a number of the document with one of the document or of the schema
// (which the package may hold as another numeric type).
func (r *quickRun) numberEqual(a json.Number, b any) bool {
	var bs string
	switch b := b.(type) {
	case json.Number:
		if a == b {
			return true
		}
		bs = string(b)
	case float64:
		bs = big.NewFloat(b).Text('g', -1)
	case int:
		bs = big.NewInt(int64(b)).String()
	case int64:
		bs = big.NewInt(b).String()
	case map[string]any, []any, nil, bool, string:
		return false
	default:
		r.unknown = true
		return false
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(bs)
	if !ok1 || !ok2 {
		r.unknown = true
		return false
	}
	return x.Cmp(y) == 0
}

func jsonType(v any) uint8 {
	switch v.(type) {
	case nil:
		return typeNull
	case bool:
		return typeBoolean
	case json.Number:
		return typeNumber
	case string:
		return typeString
	case []any:
		return typeArray
	case map[string]any:
		return typeObject
	}
	return 0
}

// isInteger reports whether a number has no fraction (1.0 and 1e3 are integers), as the
// package's "integer" type has it.
func isInteger(n json.Number) bool {
	if !strings.ContainsAny(string(n), ".eE") {
		return true
	}
	x, ok := new(big.Rat).SetString(string(n))
	return ok && x.IsInt()
}
