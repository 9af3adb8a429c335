package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Adversarial definitions: small texts whose references, followed naively, expand to an
// exponential (or factorial) number of schemas. The validator runs on every create and update
// of a connector, so each pass that follows references must stay linear in the text on them.

// adversarialShape builds one kind of hostile definition of size parameter n (levels,
// definitions or operations, depending on the shape).
type adversarialShape struct {
	name         string
	build        func(n int) []byte
	small, large int  // the two sizes of BenchmarkAdversarial; large is twice small
	cut          bool // the large size is refused by the allowance of allOf merges (AllOfMergeLimitExceeded)
}

var adversarialShapes = []adversarialShape{
	{"deep", func(n int) []byte { return refLevels(n, 1, "properties") }, 500, 1000, false},
	{"wide", func(n int) []byte { return refLevels(n, 4, "properties") }, 30, 60, false},
	{"wideItems", func(n int) []byte { return refLevels(n, 4, "items") }, 30, 60, false},
	{"recursive", refSelf, 64, 128, false},
	{"mutual", refClique, 16, 32, false},
	{"allOfChain", func(n int) []byte { return refLevels(n, 4, "allOf") }, 30, 60, false},
	{"dynamic", refDynamic, 30, 60, false},
	{"webhook", refWebhook, 30, 60, false},
	{"refLoopChain", refOnlyChain, 4000, 8000, false},
	{"nestedItemsError", nestedItemsError, 120, 240, false},
	{"sharedBodies", sharedBodies, 400, 800, false},
	{"requiredCalls", requiredCalls, 1000, 2000, false},
	{"mergeFanIn", mergeFanIn, 1000, 2000, true},
	{"foldedPath", foldedPath, 1000, 2000, false},
	{"manyErrors", manyErrors, 2000, 4000, false},
}

// adversarialBase is a definition with one GET answering L0 and one POST taking L0.
func adversarialBase(defs map[string]any) map[string]any {
	get := map[string]any{"operationId": "GetL", "responses": map[string]any{"200": map[string]any{
		"description": "OK", "schema": map[string]any{"$ref": "#/definitions/L0"}}}}
	post := map[string]any{"operationId": "PostL",
		"parameters": []any{map[string]any{"name": "body", "in": "body", "required": true, "schema": map[string]any{"$ref": "#/definitions/L0"}}},
		"responses":  map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"$ref": "#/definitions/L0"}}}}
	return map[string]any{
		"swagger": "2.0", "info": map[string]any{"title": "Hostile", "version": "1"},
		"host": "example.com", "basePath": "/", "schemes": []any{"https"},
		"paths":       map[string]any{"/l": map[string]any{"get": get, "post": post}},
		"definitions": defs,
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/definitions/" + name} }

// refLevels builds L0..Ln where each level references the next k times, through properties,
// items (an array of the next level in a property), or allOf; Ln is a string.
func refLevels(n, k int, via string) []byte {
	defs := map[string]any{}
	for i := range n {
		next := ref(fmt.Sprintf("L%d", i+1))
		s := map[string]any{"type": "object"}
		switch via {
		case "properties":
			props := map[string]any{}
			for j := range k {
				props[string(rune('a'+j))] = next
			}
			s["properties"] = props
		case "items":
			props := map[string]any{}
			for j := range k {
				props[string(rune('a'+j))] = map[string]any{"type": "array", "items": next}
			}
			props["m"] = map[string]any{"type": "object", "additionalProperties": next}
			s["properties"] = props
		case "allOf":
			all := make([]any, k)
			for j := range all {
				all[j] = next
			}
			s["allOf"] = all
			s["properties"] = map[string]any{fmt.Sprintf("p%d", i): map[string]any{"type": "string"}, "x": next}
		}
		defs[fmt.Sprintf("L%d", i)] = s
	}
	defs[fmt.Sprintf("L%d", n)] = map[string]any{"type": "string"}
	return mustJSON(adversarialBase(defs))
}

// refSelf builds L0 referencing itself n times, through properties, items,
// additionalProperties and allOf.
func refSelf(n int) []byte {
	props := map[string]any{}
	for j := range n {
		switch j % 3 {
		case 0:
			props[fmt.Sprintf("p%d", j)] = ref("L0")
		case 1:
			props[fmt.Sprintf("p%d", j)] = map[string]any{"type": "array", "items": ref("L0")}
		default:
			props[fmt.Sprintf("p%d", j)] = map[string]any{"type": "object", "additionalProperties": ref("L0")}
		}
	}
	defs := map[string]any{"L0": map[string]any{"type": "object", "properties": props, "allOf": []any{ref("L0"), ref("L0")}}}
	return mustJSON(adversarialBase(defs))
}

// refClique builds n definitions each referencing every other: a walk that only cuts a
// reference already on its branch visits every ordering of them, n! paths.
func refClique(n int) []byte {
	defs := map[string]any{}
	for i := range n {
		props := map[string]any{}
		for j := range n {
			if j != i {
				props[fmt.Sprintf("to%d", j)] = ref(fmt.Sprintf("L%d", j))
			}
		}
		defs[fmt.Sprintf("L%d", i)] = map[string]any{"type": "object", "properties": props, "allOf": []any{ref(fmt.Sprintf("L%d", (i+1)%n))}}
	}
	return mustJSON(adversarialBase(defs))
}

// refDynamic is the allOf fan-out of refLevels answered by an operation that dynamic
// extensions call and read paths in, so that properties are merged through allOf.
func refDynamic(n int) []byte {
	var d map[string]any
	if err := json.Unmarshal(refLevels(n, 4, "allOf"), &d); err != nil {
		panic(err)
	}
	ops := obj(obj(d["paths"])["/l"])
	get := obj(ops["get"])
	get["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "object",
		"properties": map[string]any{"value": map[string]any{"type": "array", "items": ref("L0")}}}}}
	body := obj(arr(obj(ops["post"])["parameters"])[0])
	body["schema"] = ref("L0")
	post := obj(ops["post"])
	var ps []any
	for i := range 8 {
		ps = append(ps, map[string]any{"name": fmt.Sprintf("q%d", i), "in": "query", "type": "string",
			"x-ms-dynamic-values": map[string]any{"operationId": "GetL", "value-collection": "value", "value-path": "x/x/x/nope", "value-title": "p0",
				"parameters": map[string]any{"p1": map[string]any{"parameter": "p2"}}},
			"x-ms-dynamic-list": map[string]any{"operationId": "PostL", "itemsPath": "value", "itemValuePath": "x/x/x/x/x/x/x/nope",
				"parameters": map[string]any{"p3": map[string]any{"parameterReference": "body/x/x/x/x/p4"}}},
			"x-ms-dynamic-schema": map[string]any{"operationId": "GetL", "value-path": "value/0/x/x/x/x/x/nope", "parameters": map[string]any{"p1": "a"}},
		})
	}
	post["parameters"] = append(arr(post["parameters"]), ps...)
	return mustJSON(d)
}

// requiredCalls is an operation with n required parameters, each with a dynamic list that
// calls the operation itself without passing any: n calls each missing n parameters, found by
// FuzzDefinitionRefs when every call visited every parameter (n² steps), and which listed n²
// findings (4,000,000 and 6 GB allocated for n = 2,000) before a call named at most
// maxMissingListed of them and a report at most maxFindings.
func requiredCalls(n int) []byte {
	d := adversarialBase(map[string]any{"L0": map[string]any{"type": "object"}})
	post := obj(obj(obj(d["paths"])["/l"])["post"])
	for i := range n {
		post["parameters"] = append(arr(post["parameters"]), map[string]any{"name": fmt.Sprintf("p%d", i), "in": "query", "type": "string", "required": true,
			"x-ms-dynamic-list": map[string]any{"operationId": "PostL", "itemsPath": "value", "itemValuePath": "a"}})
	}
	return mustJSON(d)
}

// mergeFanIn is n operations whose body schemas each merge, through allOf, one definition of n
// properties, and which dynamic extensions call: merged naively, n² properties copied.
func mergeFanIn(n int) []byte {
	props := map[string]any{}
	for i := range n {
		props[fmt.Sprintf("b%d", i)] = map[string]any{"type": "string"}
	}
	d := adversarialBase(map[string]any{"L0": map[string]any{"type": "object"}, "Big": map[string]any{"type": "object", "properties": props}})
	paths := obj(d["paths"])
	for i := range n {
		id := fmt.Sprintf("P%d", i)
		paths["/p"+strconv.Itoa(i)] = map[string]any{"post": map[string]any{"operationId": id,
			"parameters": []any{
				map[string]any{"name": "body", "in": "body", "schema": map[string]any{"allOf": []any{ref("Big")}, "properties": map[string]any{"z": map[string]any{"type": "string"}}}},
				map[string]any{"name": "q", "in": "query", "type": "string", "x-ms-dynamic-values": map[string]any{"operationId": id, "value-collection": "value", "value-path": "a"}}},
			"responses": map[string]any{"200": map[string]any{"description": "OK"}}}}
	}
	return mustJSON(d)
}

// foldedPath is a response of n properties, one of them the response itself, and a dynamic
// list whose item path names it n times in another letter case: looked up by comparing every
// name in turn, n² comparisons counted as n steps.
func foldedPath(n int) []byte {
	props := map[string]any{"self": ref("L0")}
	for i := range n {
		props[fmt.Sprintf("b%d", i)] = map[string]any{"type": "string"}
	}
	d := adversarialBase(map[string]any{"L0": map[string]any{"type": "object", "properties": props}})
	ops := obj(obj(d["paths"])["/l"])
	obj(ops["get"])["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "object",
		"properties": map[string]any{"value": map[string]any{"type": "array", "items": ref("L0")}}}}}
	post := obj(ops["post"])
	post["parameters"] = append(arr(post["parameters"]), map[string]any{"name": "q", "in": "query", "type": "string",
		"x-ms-dynamic-list": map[string]any{"operationId": "GetL", "itemsPath": "value", "itemValuePath": strings.Repeat("SELF/", n) + "B0"}})
	return mustJSON(d)
}

// manyErrors is an operation with n parameters whose type is a number: n errors of the JSON
// Schema pass, each under the parameter's choice of forms. Flattening them copied the leaves
// found so far for each new one (n² copies: 1.5 GB for n = 8,000).
func manyErrors(n int) []byte {
	d := adversarialBase(map[string]any{"L0": map[string]any{"type": "object"}})
	post := obj(obj(obj(d["paths"])["/l"])["post"])
	for i := range n {
		post["parameters"] = append(arr(post["parameters"]), map[string]any{"name": fmt.Sprintf("p%d", i), "in": "query", "type": 5})
	}
	return mustJSON(d)
}

// refWebhook is the fan-out of refLevels in the body of a webhook whose callback URL lies at
// the bottom.
func refWebhook(n int) []byte {
	var d map[string]any
	if err := json.Unmarshal(refLevels(n, 4, "properties"), &d); err != nil {
		panic(err)
	}
	defs := obj(d["definitions"])
	defs[fmt.Sprintf("L%d", n)] = map[string]any{"type": "object", "properties": map[string]any{
		"url": map[string]any{"type": "string", "x-ms-notification-url": true}}, "allOf": []any{ref("L0")}}
	post := obj(obj(obj(d["paths"])["/l"])["post"])
	post["x-ms-trigger"] = "single"
	return mustJSON(d)
}

// refOnlyChain builds n definitions that are each only a reference to the next, the last one
// to the first: a loop every definition of which is reported.
func refOnlyChain(n int) []byte {
	defs := map[string]any{}
	for i := range n {
		defs[fmt.Sprintf("L%d", i)] = ref(fmt.Sprintf("L%d", (i+1)%n))
	}
	return mustJSON(adversarialBase(defs))
}

// nestedItemsError nests n levels of items with an invalid type at the bottom: each level is a
// choice (schema or array of schemas) in the published schema, so the schema error is a tree
// of nested choices.
func nestedItemsError(n int) []byte {
	var s any = map[string]any{"type": 5}
	for range n {
		s = map[string]any{"type": "array", "items": s}
	}
	return mustJSON(adversarialBase(map[string]any{"L0": s}))
}

// sharedBodies builds n operations whose request and response bodies all use one definition of
// n properties.
func sharedBodies(n int) []byte {
	props := map[string]any{}
	for i := range n {
		props[fmt.Sprintf("p%d", i)] = map[string]any{"type": "string", "x-ms-notification-url": i == 0}
	}
	defs := map[string]any{"L0": map[string]any{"type": "object", "properties": props}}
	d := adversarialBase(defs)
	paths := obj(d["paths"])
	for i := range n {
		op := map[string]any{"operationId": fmt.Sprintf("Op%d", i),
			"parameters": []any{map[string]any{"name": "body", "in": "body", "schema": ref("L0")}},
			"responses":  map[string]any{"200": map[string]any{"description": "OK", "schema": ref("L0")}}}
		paths[fmt.Sprintf("/op%d/{x}", i)] = map[string]any{"post": op, "parameters": []any{pathParam("x")}}
	}
	return mustJSON(d)
}

// BenchmarkAdversarial validates each hostile shape at two sizes, the second twice the first:
// the time and allocations per operation must about double, not explode.
func BenchmarkAdversarial(b *testing.B) {
	if _, err := loadSchemas(); err != nil {
		b.Fatal(err)
	}
	for _, sh := range adversarialShapes {
		for _, n := range []int{sh.small, sh.large} {
			text := sh.build(n)
			b.Run(fmt.Sprintf("%s/n=%d/%dKB", sh.name, n, (len(text)+1023)/1024), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					Definition(text, Options{Certification: true})
				}
			})
		}
	}
}
