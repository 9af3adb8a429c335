package validate

import "fmt"

// Helpers of the table tests of the dynamic extension, operation family and webhook rules
// (TestDefinitionRules).

const (
	hook    = "/paths/~1hooks/post"                        // CreateHook, added by withHook
	hookURL = hook + "/parameters/0/schema/properties/url" // its notification URL property
)

// withList adds ListContacts: GET /contacts with a required filter and an optional top,
// answering {"value": [Contact]}.
func withList(d doc) {
	op := simpleOp("ListContacts")
	op["parameters"] = params(
		map[string]any{"name": "filter", "in": "query", "type": "string", "required": true},
		map[string]any{"name": "top", "in": "query", "type": "integer"})
	op["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "object",
		"properties": map[string]any{"value": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/Contact"}}}}}}
	d.at("/paths/~1contacts")["get"] = op
}

// listCall is an x-ms-dynamic-values call of ListContacts.
func listCall(ps map[string]any) map[string]any {
	return map[string]any{"operationId": "ListContacts", "value-collection": "value", "value-path": "name", "value-title": "email", "parameters": ps}
}

// dynValues sets an x-ms-dynamic-values calling ListContacts on GetContact's id and returns it.
func dynValues(d doc, ps map[string]any) map[string]any {
	call := listCall(ps)
	d.at("/paths/~1contacts~1{id}/get/parameters/0")["x-ms-dynamic-values"] = call
	return call
}

func addParam(d doc, op string, p map[string]any) {
	o := d.at(op)
	o["parameters"] = append(arr(o["parameters"]), p)
}

// withSchemaOp adds GetSchema: GET /schema with an optional kind, answering {"schema": {…}}.
func withSchemaOp(d doc) {
	op := simpleOp("GetSchema")
	op["parameters"] = params(map[string]any{"name": "kind", "in": "query", "type": "string"})
	op["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "object",
		"properties": map[string]any{"schema": map[string]any{"type": "object"}}}}}
	d.at("/paths")["/schema"] = map[string]any{"get": op}
}

// dynSchema gives CreateContact's 201 response a dynamic schema read from GetSchema at
// valuePath, with an x-ms-dynamic-properties at itemValuePath unless that is "-"; it returns
// the x-ms-dynamic-schema.
func dynSchema(d doc, valuePath, itemValuePath string) map[string]any {
	ds := map[string]any{"operationId": "GetSchema", "parameters": map[string]any{}, "value-path": valuePath}
	s := map[string]any{"type": "object", "x-ms-dynamic-schema": ds}
	if itemValuePath != "-" {
		s["x-ms-dynamic-properties"] = map[string]any{"operationId": "GetSchema", "parameters": map[string]any{}, "itemValuePath": itemValuePath}
	}
	d.at("/paths/~1contacts/post/responses/201")["schema"] = s
	return ds
}

// dynTree is an x-ms-dynamic-tree browsing ListContacts; selectedInOpen misplaces
// selectedItemValuePath in open.
func dynTree(selectedInOpen bool) map[string]any {
	call := func() map[string]any {
		return map[string]any{"operationId": "ListContacts", "itemsPath": "value", "itemValuePath": "name", "itemTitlePath": "email",
			"parameters": map[string]any{"filter": map[string]any{"value": "a"}}}
	}
	open, browse := call(), call()
	browse["parameters"] = map[string]any{"filter": map[string]any{"selectedItemValuePath": "name"}}
	if selectedInOpen {
		open["parameters"] = map[string]any{"filter": map[string]any{"selectedItemValuePath": "name"}}
	}
	return map[string]any{"settings": map[string]any{"canSelectParentNodes": true, "canSelectLeafNodes": true}, "open": open, "browse": browse}
}

// family puts GetContact and copies of it (GetContact_V2 at /v2/contacts/{id}, …) in the
// family GetContact with the given revisions, 0 meaning none.
func family(d doc, revisions ...int) {
	for i, rev := range revisions {
		ann := map[string]any{"family": "GetContact"}
		if rev != 0 {
			ann["revision"] = rev
		}
		if i == 0 {
			d.op("/contacts/{id}", "get")["x-ms-api-annotation"] = ann
			continue
		}
		op := simpleOp(fmt.Sprintf("GetContact_V%d", i+1))
		op["parameters"] = params(pathParam("id"))
		op["x-ms-api-annotation"] = ann
		d.at("/paths")[fmt.Sprintf("/v%d/contacts/{id}", i+1)] = map[string]any{"get": op}
	}
}

// withHook adds CreateHook, a webhook trigger whose body carries the callback URL.
func withHook(d doc) {
	op := simpleOp("CreateHook")
	op["summary"] = "When a contact changes"
	op["x-ms-trigger"] = "single"
	op["parameters"] = params(map[string]any{"name": "body", "in": "body", "required": true, "schema": map[string]any{
		"type": "object", "required": []any{"url"}, "properties": map[string]any{
			"url": map[string]any{"type": "string", "x-ms-notification-url": true, "x-ms-visibility": "internal"}}}})
	op["responses"] = map[string]any{"201": map[string]any{"description": "Created"}}
	d.at("/paths")["/hooks"] = map[string]any{"post": op,
		"x-ms-notification-content": map[string]any{"description": "The changed contact", "schema": map[string]any{"$ref": "#/definitions/Contact"}}}
}

// nest gives Contact a chain of levels nested objects ending in a string: the bodies using
// Contact then have levels+2 levels.
func nest(d doc, levels int) {
	s := map[string]any{"type": "string"}
	for range levels {
		s = map[string]any{"type": "object", "properties": map[string]any{"c": s}}
	}
	d.at("/definitions/Contact/properties")["child"] = s
}

// manySchemas replaces the paths with maxOperations operations whose 200 response has a body of
// bodySchemas schemas (maxSchemasPerOperation or one more), references expanded: the definition
// then holds maxSchemasTotal schemas, or maxOperations more.
func manySchemas(d doc, bodySchemas int) {
	strs := map[string]any{}
	for i := range 32 {
		strs[fmt.Sprintf("s%d", i)] = map[string]any{"type": "string"}
	}
	l1 := map[string]any{"$ref": "#/definitions/L1"}
	l2props := map[string]any{}
	for i := range 32 {
		l2props[fmt.Sprintf("l%d", i)] = l1
	}
	// 1 + 15 × 1,057 + 16 × 33 = 16,384 schemas.
	big := map[string]any{}
	for i := range 15 {
		big[fmt.Sprintf("a%d", i)] = map[string]any{"$ref": "#/definitions/L2"}
	}
	for i := range 16 {
		big[fmt.Sprintf("b%d", i)] = l1
	}
	if bodySchemas > maxSchemasPerOperation {
		big["extra"] = map[string]any{"type": "string"}
	}
	defs := d.at("/definitions")
	defs["L1"] = map[string]any{"type": "object", "properties": strs}    // 33 schemas
	defs["L2"] = map[string]any{"type": "object", "properties": l2props} // 1,057
	defs["Big"] = map[string]any{"type": "object", "properties": big}    // 16,384 or 16,385
	paths := map[string]any{}
	for i := range maxOperations {
		op := simpleOp(fmt.Sprintf("Op%d", i))
		op["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"$ref": "#/definitions/Big"}}}
		paths[fmt.Sprintf("/op%d", i)] = map[string]any{"get": op}
	}
	d["paths"] = paths
}

// manySchemasWants are the findings of manySchemas beside the total: every body is over its
// limit, and with over true every operation too.
func manySchemasWants(over bool) []want {
	var out []want
	for i := range maxOperations {
		op := fmt.Sprintf("/paths/~1op%d/get", i)
		out = append(out, want{"BodySchemaCountExceedsMaxAllowed", op + "/responses/200/schema", Error})
		if over {
			out = append(out, want{"OperationSchemaCountExceedsMaxAllowed", op, Error})
		}
	}
	return out
}
