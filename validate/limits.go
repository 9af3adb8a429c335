package validate

import "unicode/utf8"

// Limits of the service, with their source (devhub faq.md, "What are the limits for
// connectors and API requests?").
const (
	maxOperations          = 256    // "Maximum number of operations allowed in a Swagger file"
	maxSchemasPerBody      = 512    // "Maximum schema count per body allowed in a Swagger file"
	maxSchemasPerOperation = 16_384 // "Maximum number of schemas per operation allowed in a Swagger file"
	// "Maximum number of schemas allowed in a Swagger file": the two limits above multiplied.
	// It can only be exceeded together with one of them.
	maxSchemasTotal = maxOperations * maxSchemasPerOperation
)

// Limits Microsoft's Swagger Validator enforces (OperationIdTooLong, SchemaTooDeep) without
// publishing them. Ours are set just above what the published connectors show, so that they
// flag outliers, never a connector the service is known to accept:
//   - operationIds: the longest of the 838 connectors has 77 characters (median 17, 99th
//     percentile 51); 80 is also the published limit of summaries and x-ms-summary.
//   - body depth, counting the body schema as level 1 and each properties or items step as one
//     more, references expanded and recursion cut: the deepest body has 15 levels (median 5,
//     99th percentile 13); 16 is the next power of two, like the published limits.
const (
	maxOperationIDLength = 80
	maxSchemaDepth       = 16
)

func (d *definition) checkLimits(c *checker) {
	if n := len(d.ops); n > maxOperations {
		c.add(rTotalOperations, "/paths", "the definition has %d operations; the limit is %d", n, maxOperations)
	}
	grand := 0
	for _, op := range d.ops {
		if n := utf8.RuneCountInString(op.id); n > maxOperationIDLength {
			c.add(rOperationIDTooLong, ptr(op.pointer, "operationId"), "the operationId has %d characters; the limit is %d", n, maxOperationIDLength)
		}
		total := 0
		count := func(s map[string]any, at string) {
			n := d.countSchemas(s, maxSchemasPerOperation+1)
			total += n
			if n > maxSchemasPerBody {
				c.add(rBodySchemaCount, at, "the body has more than %d schemas (counted %d, references expanded); the limit is %d", maxSchemasPerBody, n, maxSchemasPerBody)
			}
			if depth := d.schemaDepth(s); depth > maxSchemaDepth {
				c.add(rSchemaTooDeep, at, "the body nests more than %d levels of properties and items, references expanded; the limit is %d", maxSchemaDepth, maxSchemaDepth)
			}
		}
		for _, p := range op.params {
			if s := obj(p.obj["schema"]); s != nil {
				count(s, ptr(p.pointer, "schema"))
			}
		}
		rs := obj(op.obj["responses"])
		for _, code := range sortedKeys(rs) {
			r := obj(rs[code])
			at := ptr(op.pointer, "responses", code)
			if ref, ok := str(r["$ref"]); ok {
				r = obj(d.resolve(ref))
			}
			if s := obj(r["schema"]); s != nil {
				count(s, ptr(at, "schema"))
			}
		}
		if total > maxSchemasPerOperation {
			c.add(rOperationSchemaCount, op.pointer, "the operation has %d schemas; the limit is %d", total, maxSchemasPerOperation)
		}
		grand += total
	}
	if grand > maxSchemasTotal {
		c.add(rTotalSchemaCount, "/paths", "the operations have at least %d schemas in all, references expanded; the limit is %d", grand, maxSchemasTotal)
	}
}

// countSchemas counts the schemas of a body — itself, its properties, items, allOf members and
// additionalProperties, recursively, with references expanded where they are used — and stops
// counting at limit. A reference already being expanded on the current branch (a recursive
// type) counts once and is not expanded again. The count of each referenced definition is
// kept for the document, so that many bodies using one large definition cost one walk.
func (d *definition) countSchemas(s map[string]any, limit int) int {
	if d.refCounts == nil {
		d.refCounts = map[string]int{}
	}
	active := map[string]bool{}
	var count func(s map[string]any) int
	count = func(s map[string]any) int {
		if s == nil {
			return 0
		}
		d.m.step(1)
		if ref, ok := str(s["$ref"]); ok {
			if n, ok := d.refCounts[ref]; ok {
				return n
			}
			if active[ref] {
				return 1
			}
			active[ref] = true
			n := count(obj(d.resolve(ref)))
			delete(active, ref)
			d.refCounts[ref] = n
			return n
		}
		n := 1
		add := func(x any) {
			if n < limit {
				n = min(n+count(obj(x)), limit)
			}
		}
		for _, p := range obj(s["properties"]) {
			add(p) // order does not matter: only the count is kept
		}
		switch it := s["items"].(type) {
		case map[string]any:
			add(it)
		case []any:
			for _, x := range it {
				add(x)
			}
		}
		for _, x := range arr(s["allOf"]) {
			add(x)
		}
		add(s["additionalProperties"])
		return n
	}
	return count(s)
}

// schemaDepth returns the nesting depth of a body: 1 for the schema itself, one more for each
// step through properties, items or additionalProperties (allOf members are at the level of
// their schema), references expanded; a reference already being expanded on the current
// branch ends the branch. Depths are capped at maxSchemaDepth+1, which is all the caller needs
// to know ("too deep"); capped, the depth of a referenced definition does not depend on where
// it is used, so it is computed once per document (refDepths): a definition referencing the
// next level several times costs one walk per level, not one per path.
func (d *definition) schemaDepth(s map[string]any) int {
	const limit = maxSchemaDepth + 1
	if d.refDepths == nil {
		d.refDepths = map[string]int{}
	}
	active := map[string]bool{}
	var depth func(s map[string]any) int
	depth = func(s map[string]any) int {
		if s == nil {
			return 0
		}
		d.m.step(1)
		if ref, ok := str(s["$ref"]); ok {
			if n, ok := d.refDepths[ref]; ok {
				return n
			}
			if active[ref] {
				return 0
			}
			active[ref] = true
			n := depth(obj(d.resolve(ref)))
			delete(active, ref)
			d.refDepths[ref] = n
			return n
		}
		best := 1
		sub := func(x any, step int) {
			if best < limit {
				best = min(limit, max(best, step+depth(obj(x))))
			}
		}
		for _, p := range obj(s["properties"]) {
			sub(p, 1)
		}
		switch it := s["items"].(type) {
		case map[string]any:
			sub(it, 1)
		case []any:
			for _, x := range it {
				sub(x, 1)
			}
		}
		for _, x := range arr(s["allOf"]) {
			sub(x, 0)
		}
		sub(s["additionalProperties"], 1)
		return best
	}
	return depth(s)
}
