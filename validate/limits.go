package validate

// Limits of the service, with their source (devhub faq.md, "What are the limits for
// connectors and API requests?").
const (
	maxOperations          = 256    // "Maximum number of operations allowed in a Swagger file"
	maxSchemasPerBody      = 512    // "Maximum schema count per body allowed in a Swagger file"
	maxSchemasPerOperation = 16_384 // "Maximum number of schemas per operation allowed in a Swagger file"
)

func (d *definition) checkLimits(c *checker) {
	if n := len(d.ops); n > maxOperations {
		c.add(rTotalOperations, "/paths", "the definition has %d operations; the limit is %d", n, maxOperations)
	}
	for _, op := range d.ops {
		total := 0
		count := func(s map[string]any, at string) {
			n := d.countSchemas(s, maxSchemasPerOperation+1)
			total += n
			if n > maxSchemasPerBody {
				c.add(rBodySchemaCount, at, "the body has more than %d schemas (counted %d, references expanded); the limit is %d", maxSchemasPerBody, n, maxSchemasPerBody)
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
