package validate

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// FuzzDefinition checks that no input makes the validator panic or return a malformed
// finding; the server runs it on every definition it receives. Seeds are in
// testdata/fuzz/FuzzDefinition; run with go test ./validate -fuzz FuzzDefinition.
func FuzzDefinition(f *testing.F) {
	f.Add([]byte(baseDefinition))
	f.Add([]byte(baseProperties))
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, cert := range []bool{false, true} {
			opts := Options{Certification: cert}
			for _, r := range []Report{Definition(text, opts), Properties(text, text, opts), PolicyTemplateInstances(text, text, opts), ConnectionParameters(text, opts)} {
				for _, fd := range r.Findings {
					if fd.Rule == "" || fd.Message == "" || fd.Severity < Error || fd.Severity > Info {
						t.Fatalf("malformed finding %+v", fd)
					}
					if fd.Line < 0 || fd.Column < 0 || (fd.Line == 0) != (fd.Column == 0) {
						t.Fatalf("bad position %+v", fd)
					}
				}
			}
		}
	})
}

// FuzzDefinitionRefs builds definitions whose references form a random graph — fan-out,
// recursion, mutual recursion, allOf chains, references in items, additionalProperties,
// parameters, responses and dynamic extensions — and checks that no pass of the validator
// takes more than a small multiple of the text's size in steps (stepsBound), the property
// that keeps a hostile definition from freezing a server, and that none exhausts its step
// budget. It bounds the step counter, not time. A graph may reach the allowance of allOf
// merges (AllOfMergeLimitExceeded): that is the validator refusing it, at a bounded cost. Seeds are in testdata/fuzz/FuzzDefinitionRefs.
func FuzzDefinitionRefs(f *testing.F) {
	f.Add([]byte{4, 0, 1, 0, 0, 1, 0, 1, 2, 0, 2, 3, 0})
	f.Add([]byte{30, 0, 1, 0, 0, 1, 0, 0, 1, 3, 0, 1, 3, 1, 2, 0, 1, 2, 0, 2, 3, 3, 2, 3, 3})
	f.Add([]byte{8, 0, 0, 1, 0, 0, 2, 0, 0, 3, 1, 1, 4, 2, 2, 5, 3, 0, 6, 4, 1, 7})
	// A thousand parameters, each with a dynamic list calling their own operation: found by CI
	// (2026-12-07) when each call visited every parameter of the operation it calls.
	f.Add(append([]byte{4}, bytes.Repeat([]byte{3, 3, 8}, 1000)...))
	f.Fuzz(func(t *testing.T, graph []byte) {
		text := refGraph(graph)
		r, m := measure(text, Options{Certification: true})
		if m.most > stepsBound(len(text)) {
			t.Fatalf("a pass took %d steps on %d bytes, more than %d:\n%s", m.most, len(text), stepsBound(len(text)), text)
		}
		for _, fd := range r.Findings {
			if fd.Rule == rBudgetExceeded.ID {
				t.Fatalf("budget exceeded: %s", fd)
			}
		}
	})
}

// refGraph builds a definition from fuzz bytes: the first byte gives the number of
// definitions L0…Ln-1 (1 to 32), each following triple (from, to, how) adds a reference from
// one definition (or, for some kinds, from an operation) to another.
func refGraph(b []byte) []byte {
	if len(b) == 0 {
		b = []byte{0}
	}
	n := int(b[0])%32 + 1
	defs := map[string]any{}
	name := func(x byte) string { return fmt.Sprintf("L%d", int(x)%n) }
	for i := range n {
		defs[fmt.Sprintf("L%d", i)] = map[string]any{"type": "object", "properties": map[string]any{}}
	}
	d := adversarialBase(defs)
	post := obj(obj(obj(d["paths"])["/l"])["post"])
	get := obj(obj(obj(d["paths"])["/l"])["get"])
	get["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "object",
		"properties": map[string]any{"value": map[string]any{"type": "array", "items": ref("L0")}}}}}
	d["parameters"] = map[string]any{}
	d["responses"] = map[string]any{}
	for i := 1; i+2 < len(b); i += 3 {
		from, to := obj(defs[name(b[i])]), ref(name(b[i+1]))
		key := fmt.Sprintf("r%d", i)
		props := obj(from["properties"])
		if props == nil { // a definition made a bare reference by case 9
			props = map[string]any{}
			from["properties"] = props
		}
		switch b[i+2] % 10 {
		case 0:
			props[key] = to
		case 1:
			props[key] = map[string]any{"type": "array", "items": to}
		case 2:
			props[key] = map[string]any{"type": "object", "additionalProperties": to}
		case 3:
			from["allOf"] = append(arr(from["allOf"]), to)
		case 4:
			props[key] = map[string]any{"type": "string", "x-ms-notification-url": true}
			post["x-ms-trigger"] = "single"
		case 5:
			obj(d["parameters"])[key] = map[string]any{"name": key, "in": "body", "schema": to}
			post["parameters"] = append(arr(post["parameters"]), map[string]any{"$ref": "#/parameters/" + key})
		case 6:
			obj(d["responses"])[key] = map[string]any{"description": "R", "schema": to}
			obj(post["responses"])[strconv.Itoa(400+i%100)] = map[string]any{"$ref": "#/responses/" + key}
		case 7:
			props[key] = map[string]any{"type": "string", "x-ms-dynamic-values": map[string]any{"operationId": "GetL",
				"value-collection": "value", "value-path": "r1/r4/r7", "parameters": map[string]any{"r10": map[string]any{"parameter": "body"}}}}
		case 8:
			post["parameters"] = append(arr(post["parameters"]), map[string]any{"name": key, "in": "query", "type": "string",
				"x-ms-dynamic-list": map[string]any{"operationId": "PostL", "itemsPath": "value", "itemValuePath": "r1/r4",
					"parameters": map[string]any{"body": map[string]any{"parameterReference": "body/r1/r4"}}}})
		case 9:
			defs[name(b[i])] = to // a definition that is only a reference
		}
	}
	return mustJSON(d)
}
