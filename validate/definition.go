package validate

import (
	"context"
	"errors"
	"fmt"
)

// Options select what a validation checks.
type Options struct {
	// Certification adds the certification rule set (string lengths, metadata, response
	// hygiene) to the structural rules that are always checked.
	Certification bool
}

// maxDefinitionBytes is the size limit of a definition: "the file must be less than 1 MB"
// (devhub faq.md). The largest definition of the corpus has 1,024,291 bytes.
const maxDefinitionBytes = 1 << 20

// Definition validates a connector's OpenAPI (Swagger 2.0) definition, the text of
// apiDefinition.swagger.json or of the openapidefinition column. It never panics and never
// fails: every problem, an unreadable text included, is a finding.
func Definition(text []byte, opts Options) Report {
	r, _ := DefinitionContext(context.Background(), text, opts)
	return r
}

// DefinitionContext is Definition stopping early when ctx ends: it then returns no findings
// and ctx's error. The error is nil, and the report complete, otherwise.
func DefinitionContext(ctx context.Context, text []byte, opts Options) (Report, error) {
	return validation(newMeter(ctx, len(text)), func(m *meter) Report { return checkDefinition(m, text, opts) })
}

// checkDefinition validates a definition, counting the steps of its passes with m.
func checkDefinition(m *meter, text []byte, opts Options) Report {
	c := &checker{opts: opts, m: m}
	if len(text) > maxDefinitionBytes {
		c.addAt(rDefinitionTooLarge, "", 0, "the definition has %d bytes; the limit is 1 MB (%d bytes)", len(text), maxDefinitionBytes)
	}
	doc, ok := c.parse(text)
	if !ok {
		return c.report(text, false)
	}
	if s, err := loadSchemas(); err == nil {
		c.run("JSON Schema", "", func() { s.definition.check(c, doc, "") })
	} else {
		c.add(rSchemaViolation, "", "the embedded schema does not load: %v", err)
	}
	if root := obj(doc); root != nil {
		d := newDefinition(root, len(text), m)
		d.check(c)
	}
	m.checkContext()
	return c.report(text, true)
}

// parse reads a JSON document and reports syntax problems; ok is false when it is unreadable
// or not an object.
func (c *checker) parse(text []byte) (doc any, ok bool) {
	doc, lenient, dups, err := parseJSON(text)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			c.addAt(rInvalidJSON, "", se.off, "invalid JSON: %s", se.msg)
		} else {
			c.addAt(rInvalidJSON, "", 0, "invalid JSON: %v", err)
		}
		return nil, false
	}
	if _, isObj := doc.(map[string]any); !isObj {
		c.addAt(rNotAnObject, "", 0, "the document is %s, not a JSON object", jsonKind(doc))
		return nil, false
	}
	// One finding per kind of liberty, at its first occurrence, with the count: a file with a
	// hundred trailing commas should not drown the real findings.
	first := map[string]int{}
	count := map[string]int{}
	for _, l := range lenient {
		if _, seen := first[l.kind]; !seen {
			first[l.kind] = l.off
		}
		count[l.kind]++
	}
	for _, k := range sortedKeys(first) {
		more := ""
		if n := count[k]; n > 1 {
			more = fmt.Sprintf(" (%d occurrences, this is the first)", n)
		}
		c.addAt(rJSONNotStrict, "", first[k], "not strict JSON: %s%s", k, more)
	}
	for _, d := range dups {
		c.addAt(rDuplicateKey, d.pointer, d.off, "the member %q occurs more than once in its object; the last one counts", lastToken(d.pointer))
	}
	return doc, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return "a number"
	}
}
