package validate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// quickPair is one compiled schema with its quick check, named for failure messages.
type quickPair struct {
	name  string
	lib   *jsonschema.Schema
	quick *quickSchema
}

// quickPairs are every schema the validator uses, strict and core, each with a quick check
// built for it (the validator uses strict's alone; core's widens what is compared).
func quickPairs(t testing.TB) (definition, properties []quickPair, templates []quickPair) {
	t.Helper()
	s, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	pairs := func(name string, tr tiered) []quickPair {
		out := []quickPair{{name + "/strict", tr.strict, newQuickSchema(tr.strict)}}
		if tr.core != nil {
			out = append(out, quickPair{name + "/core", tr.core, newQuickSchema(tr.core)})
		}
		for _, p := range out {
			if p.quick == nil {
				t.Fatalf("%s has no quick check: it uses a keyword the quick check does not know", p.name)
			}
		}
		return out
	}
	definition = pairs("definition", s.definition)
	properties = append(pairs("properties", s.properties), pairs("connectionParameters", s.connectionParameters)...)
	templates = pairs("templateBase", s.templateBase)
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range s.templates {
			if !yield(id) {
				return
			}
		}
	}) {
		templates = append(templates, pairs("template "+id, s.templates[id])...)
	}
	return definition, properties, templates
}

// agree fails t when the quick check calls v valid and the package does not, or when it can
// tell and says otherwise than the package.
// It returns whether the quick check could tell.
func agree(t testing.TB, p quickPair, v any, what string) bool {
	t.Helper()
	libValid := p.lib.Validate(v) == nil
	valid, known := p.quick.valid(v)
	if known && valid != libValid {
		t.Fatalf("%s, %s: the quick check says valid=%v, the package %v", what, p.name, valid, libValid)
	}
	return known
}

// TestQuickSchemaAgrees compares the quick check with the package on the corpus's definitions
// and properties, whole and mutated at random places in ways that break schemas (a member
// removed, a value of another type, an unknown member, an item repeated, a string changed).
func TestQuickSchemaAgrees(t *testing.T) {
	definition, properties, templates := quickPairs(t)
	rng := rand.New(rand.NewPCG(13, 2026))
	mutations := 3
	if testing.Short() {
		mutations = 1
	}
	var known, total int
	check := func(pairs []quickPair, v any, what string) {
		for _, p := range pairs {
			if agree(t, p, v, what) {
				known++
			}
			total++
		}
	}
	for i, c := range corpustest.Must(t) {
		docs := []struct {
			path  string
			pairs []quickPair
		}{{c.Definition, definition}, {c.Properties, properties}}
		for _, d := range docs {
			if d.path == "" {
				continue
			}
			text, err := os.ReadFile(d.path)
			if err != nil {
				t.Fatal(err)
			}
			v, _, _, err := parseJSON(text)
			if err != nil {
				continue
			}
			check(d.pairs, v, c.Rel)
			if d.pairs[0].name == "properties/strict" {
				for _, inst := range arr(obj(obj(v)["properties"])["policyTemplateInstances"]) {
					check(templates, inst, c.Rel+" policy template")
				}
			}
			if i%4 != 0 { // mutating every fourth connector keeps the test to seconds
				continue
			}
			for m := range mutations {
				mv, where := mutate(rng, v)
				check(d.pairs, mv, fmt.Sprintf("%s mutated at %s (%d)", c.Rel, where, m))
			}
		}
	}
	if known < total*99/100 {
		t.Errorf("the quick check could tell %d of %d times; it should nearly always", known, total)
	}
}

// mutate returns a deep copy of v with one change at a random place, and that place.
func mutate(rng *rand.Rand, v any) (any, string) {
	v = deepCopy(v)
	// Walk down a random path, stopping at a random depth.
	parent, key, path := any(nil), "", ""
	cur := v
	for depth := 0; depth < 12; depth++ {
		var next any
		var k string
		switch x := cur.(type) {
		case map[string]any:
			if len(x) == 0 {
				break
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range x {
					if !yield(k) {
						return
					}
				}
			})
			k = keys[rng.IntN(len(keys))]
			next = x[k]
		case []any:
			if len(x) == 0 {
				break
			}
			k = fmt.Sprint(rng.IntN(len(x)))
			var n int
			fmt.Sscan(k, &n)
			next = x[n]
		}
		if next == nil || rng.IntN(4) == 0 {
			break
		}
		parent, key, path, cur = cur, k, path+"/"+k, next
	}
	set := func(val any) {
		switch p := parent.(type) {
		case map[string]any:
			p[key] = val
		case []any:
			var n int
			fmt.Sscan(key, &n)
			p[n] = val
		}
	}
	replacements := []any{nil, true, "text", json.Number("1.5"), json.Number("3"), map[string]any{}, []any{}, "HTTP", "object", "query"}
	switch rng.IntN(6) {
	case 0: // remove a member
		if p, ok := parent.(map[string]any); ok {
			delete(p, key)
			return v, path + " (removed)"
		}
		set(replacements[rng.IntN(len(replacements))])
	case 1: // a value of another type
		set(replacements[rng.IntN(len(replacements))])
	case 2: // an unknown member, or one that the schema knows elsewhere
		if m, ok := cur.(map[string]any); ok {
			m[[]string{"bogus", "x-ms-visibility", "type", "$ref", "required", "in"}[rng.IntN(6)]] = replacements[rng.IntN(len(replacements))]
			return v, path + " (member added)"
		}
		set(map[string]any{"bogus": 1})
	case 3: // an item repeated
		if a, ok := cur.([]any); ok && len(a) > 0 {
			set(append(a, deepCopy(a[rng.IntN(len(a))])))
			return v, path + " (item repeated)"
		}
		set([]any{cur, cur})
	case 4: // a string changed
		if s, ok := cur.(string); ok {
			set(strings.ToUpper(s) + "!")
			return v, path + " (string changed)"
		}
		set("")
	case 5: // a number that is and is not an integer
		set([]any{json.Number("1.0"), json.Number("-1"), json.Number("1e400")}[rng.IntN(3)])
	}
	return v, path
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// TestQuickSchemaKeywords checks each keyword the quick check knows, on drafts 4 and 7,
// against the package: keywords the published schemas do not use are covered here.
func TestQuickSchemaKeywords(t *testing.T) {
	values := []string{`null`, `true`, `0`, `1`, `1.0`, `1.5`, `-3`, `1e2`, `""`, `"a"`, `"abc"`, `"ÄÖÜx"`,
		`[]`, `[1]`, `[1,1.0]`, `[1,"1"]`, `["a","b","c"]`, `[{"a":1},{"a":1.0}]`, `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,1.00]`,
		`[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,{"b":[2],"a":1},{"a":1,"b":[2.0]}]`,
		`{}`, `{"a":1}`, `{"a":1,"b":2}`, `{"b":"x"}`, `{"x-a":1}`, `{"a":"s","c":[]}`}
	schemas := []string{
		`{"type":"integer"}`, `{"type":["string","null"]}`, `{"type":"number","minimum":0,"maximum":1.5}`,
		`{"exclusiveMinimum":0,"exclusiveMaximum":2}`, `{"multipleOf":0.5}`, `{"enum":[1,"a",null,{"a":1}]}`,
		`{"const":1}`, `{"const":{"a":1}}`, `{"minLength":1,"maxLength":3}`, `{"pattern":"^[a-z]+$"}`,
		`{"minItems":1,"maxItems":2}`, `{"uniqueItems":true}`, `{"items":{"type":"integer"}}`,
		`{"items":[{"type":"integer"}],"additionalItems":false}`, `{"items":[{}],"additionalItems":{"type":"string"}}`,
		`{"contains":{"type":"string"}}`, `{"minProperties":1,"maxProperties":1}`, `{"required":["a"]}`,
		`{"properties":{"a":{"type":"integer"}},"additionalProperties":false}`,
		`{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"integer"}}`,
		`{"dependencies":{"a":["b"]}}`, `{"dependencies":{"a":{"required":["c"]}}}`, `{"propertyNames":{"maxLength":1}}`,
		`{"not":{"type":"object"}}`, `{"allOf":[{"type":"object"},{"required":["a"]}]}`,
		`{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"number"},{"type":"integer"}]}`,
		`{"if":{"required":["a"]},"then":{"required":["b"]},"else":{"type":"object"}}`,
		`{"definitions":{"n":{"type":"array","items":{"$ref":"#/definitions/n"}}},"anyOf":[{"$ref":"#/definitions/n"},{"type":"integer"}]}`,
		`{"$ref":"#/definitions/s","type":"object","definitions":{"s":{"type":"string"}}}`,
		`{"format":"email"}`, `{"format":"uri"}`, `{"format":"regex"}`,
	}
	for _, draft := range []string{"http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-07/schema#"} {
		for i, src := range schemas {
			doc, _, _, err := parseJSON([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			obj(doc)["$schema"] = draft
			c := jsonschema.NewCompiler()
			c.AssertFormat()
			url := fmt.Sprintf("https://connectorhub.invalid/k%d.json", i)
			if err := c.AddResource(url, doc); err != nil {
				t.Fatal(err)
			}
			lib, err := c.Compile(url)
			if err != nil {
				if strings.Contains(draft, "04") {
					continue // a keyword draft 4 does not have
				}
				t.Fatalf("%s: %v", src, err)
			}
			p := quickPair{draft[27:35] + " " + src, lib, newQuickSchema(lib)}
			if p.quick == nil {
				t.Fatalf("%s: no quick check", p.name)
			}
			for _, vs := range values {
				v, _, _, err := parseJSON([]byte(vs))
				if err != nil {
					t.Fatal(err)
				}
				if _, known := p.quick.valid(v); !known {
					t.Errorf("%s, %s: the quick check could not tell", p.name, vs)
				}
				agree(t, p, v, vs)
			}
		}
	}
}

// TestQuickSchemaDeclines checks that a schema using what the quick check does not know gets
// none, so the package validates it.
func TestQuickSchemaDeclines(t *testing.T) {
	for _, src := range []string{
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`,
		`{"$schema":"https://json-schema.org/draft/2019-09/schema","unevaluatedProperties":false}`,
	} {
		doc, _, _, err := parseJSON([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("https://connectorhub.invalid/d.json", doc); err != nil {
			t.Fatal(err)
		}
		lib, err := c.Compile("https://connectorhub.invalid/d.json")
		if err != nil {
			t.Fatal(err)
		}
		if newQuickSchema(lib) != nil {
			t.Errorf("%s: a quick check was built", src)
		}
	}
}

// FuzzQuickSchema compares the quick check with the package on any JSON document, against
// the definition and properties schemas. Run with go test ./validate -fuzz FuzzQuickSchema.
func FuzzQuickSchema(f *testing.F) {
	f.Add([]byte(baseDefinition))
	f.Add([]byte(baseProperties))
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"parameters":[{"name":"a","in":"query","type":"integer","enum":[1,1.0]}],"responses":{"200":{"description":"d"}}}}}}`))
	definition, properties, _ := quickPairs(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		v, _, _, err := parseJSON(text)
		if err != nil {
			return
		}
		for _, p := range append(definition, properties...) {
			agree(t, p, v, string(text))
		}
	})
}

// BenchmarkSchemaPass is the schema pass of the corpus's median definition: the package's
// validator against the quick check.
func BenchmarkSchemaPass(b *testing.B) {
	files := corpusDefinitions(b)
	slices.SortFunc(files, func(x, y corpusFile) int { return len(x.text) - len(y.text) })
	v, _, _, err := parseJSON(files[len(files)/2].text)
	if err != nil {
		b.Fatal(err)
	}
	definition, _, _ := quickPairs(b)
	p := definition[0]
	b.Run("package", func(b *testing.B) {
		for b.Loop() {
			_ = p.lib.Validate(v)
		}
	})
	b.Run("quick", func(b *testing.B) {
		for b.Loop() {
			p.quick.valid(v)
		}
	})
}
