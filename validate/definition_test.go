package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// baseDefinition is a small definition with no finding, even in certification mode.
const baseDefinition = `{
  "swagger": "2.0",
  "info": {
    "title": "Contoso",
    "description": "Manage the contacts of the Contoso service.",
    "version": "1.0",
    "contact": {"name": "Contoso", "url": "https://contoso.com", "email": "support@contoso.com"}
  },
  "host": "api.contoso.com",
  "basePath": "/v1",
  "schemes": ["https"],
  "consumes": ["application/json"],
  "produces": ["application/json"],
  "paths": {
    "/contacts/{id}": {
      "get": {
        "operationId": "GetContact",
        "summary": "Get a contact",
        "description": "Gets one contact.",
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
        "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Contact"}}}
      }
    },
    "/contacts": {
      "post": {
        "operationId": "CreateContact",
        "summary": "Create a contact",
        "description": "Creates a contact.",
        "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Contact"}}],
        "responses": {"201": {"description": "Created"}}
      }
    }
  },
  "definitions": {
    "Contact": {
      "type": "object",
      "required": ["name"],
      "properties": {"name": {"type": "string", "x-ms-summary": "Name"}, "email": {"type": "string", "format": "email"}}
    }
  },
  "securityDefinitions": {"api_key": {"type": "apiKey", "name": "X-Key", "in": "header"}},
  "security": [{"api_key": []}],
  "x-ms-connector-metadata": [
    {"propertyName": "Website", "propertyValue": "https://contoso.com"},
    {"propertyName": "Privacy policy", "propertyValue": "https://contoso.com/privacy"},
    {"propertyName": "Categories", "propertyValue": "Productivity;Sales and CRM"}
  ]
}`

// doc is a definition under construction in a test.
type doc map[string]any

func newDoc(t testing.TB) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal([]byte(baseDefinition), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// at returns the object at a JSON pointer of the document.
func (d doc) at(pointer string) map[string]any {
	var v any = map[string]any(d)
	for _, tok := range splitPointer(pointer) {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			var i int
			fmt.Sscan(tok, &i)
			v = x[i]
		}
	}
	return v.(map[string]any)
}

func (d doc) op(path, method string) map[string]any { return d.at(ptr("/paths", path, method)) }

func (d doc) text(t testing.TB) []byte {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func params(ps ...map[string]any) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

func pathParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "type": "string"}
}

func simpleOp(id string) map[string]any {
	return map[string]any{"operationId": id, "summary": "Do it", "description": "Does it.",
		"responses": map[string]any{"200": map[string]any{"description": "OK"}}}
}

// want is a finding a test case expects.
type want struct {
	rule     string
	pointer  string
	severity Severity
}

// exercised collects the rules the table tests produced, to check that every rule of the
// catalogue is tested.
var exercised = map[string]bool{}

func TestDefinitionRules(t *testing.T) {
	get := "/paths/~1contacts~1{id}/get"
	post := "/paths/~1contacts/post"
	tests := []struct {
		name   string
		cert   bool
		mutate func(d doc)
		text   string // used instead of the mutated base when set
		want   []want
	}{
		{name: "Valid"},
		{name: "ValidCertification", cert: true},
		{name: "SpecificationVersionIncorrect", mutate: func(d doc) { d["swagger"] = "3.0" },
			want: []want{{"SpecificationVersionIncorrect", "/swagger", Error}}},
		{name: "RequiredPropertyMissing", mutate: func(d doc) { delete(d.at("/info"), "version") },
			want: []want{{"RequiredPropertyMissing", "/info", Error}}},
		{name: "TwoRequiredPropertiesMissing", mutate: func(d doc) { delete(d.at("/info"), "version"); delete(d.at("/info"), "title") },
			want: []want{{"RequiredPropertyMissing", "/info", Error}, {"RequiredPropertyMissing", "/info", Error}}},
		{name: "AdditionalPropertyNotAllowed", mutate: func(d doc) { d.at("/info")["colour"] = "red" },
			want: []want{{"AdditionalPropertyNotAllowed", "/info/colour", Warning}}},
		{name: "JsonTypeIncorrect", mutate: func(d doc) { d.at("/info")["title"] = 5 },
			want: []want{{"JsonTypeIncorrect", "/info/title", Error}}},
		{name: "JsonValueNotInEnum", mutate: func(d doc) { d.op("/contacts/{id}", "get")["x-ms-visibility"] = "hidden" },
			want: []want{{"JsonValueNotInEnum", get + "/x-ms-visibility", Warning}}},
		{name: "HostWithScheme", mutate: func(d doc) { d["host"] = "https://api.contoso.com" },
			want: []want{{"HostNameNotValid", "/host", Error}}},
		{name: "HostPlaceholder", mutate: func(d doc) { d["host"] = "{tenant}.contoso.com" },
			want: []want{{"HostNameNotValid", "/host", Warning}}},
		{name: "BasePathNotValid", mutate: func(d doc) { d["basePath"] = "v1" },
			want: []want{{"BasePathNotValid", "/basePath", Error}}},
		{name: "SchemeNotValid", mutate: func(d doc) { d["schemes"] = []any{"ftp"} },
			want: []want{{"SchemeNotValid", "/schemes/0", Error}}},
		{name: "SchemesArrayEmpty", mutate: func(d doc) { d["schemes"] = []any{} },
			want: []want{{"SchemesArrayEmpty", "/schemes", Warning}}},
		{name: "SchemeNotSupported", mutate: func(d doc) { d["schemes"] = []any{"wss"} },
			want: []want{{"SchemeNotSupported", "/schemes/0", Warning}}},
		{name: "ArrayDuplicateValue", mutate: func(d doc) { d["consumes"] = []any{"application/json", "application/json"} },
			want: []want{{"ArrayDuplicateValue", "/consumes", Warning}}},
		{name: "TagRedefined", mutate: func(d doc) { d["tags"] = []any{map[string]any{"name": "a"}, map[string]any{"name": "a"}} },
			want: []want{{"TagRedefined", "/tags", Warning}}},
		{name: "UrlNotValid", mutate: func(d doc) { d.at("/info/contact")["url"] = "contoso" },
			want: []want{{"UrlNotValid", "/info/contact/url", Warning}}},
		{name: "ContactEmailNotValid", mutate: func(d doc) { d.at("/info/contact")["email"] = "support" },
			want: []want{{"ContactEmailNotValid", "/info/contact/email", Warning}}},
		{name: "OperationPathMustStartWithSlash", mutate: func(d doc) { d.at("/paths")["contacts"] = map[string]any{} },
			want: []want{{"OperationPathMustStartWithSlash", "/paths/contacts", Error}}},
		{name: "EnumMustContainAtLeastOneElement", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["enum"] = []any{} },
			want: []want{{"EnumMustContainAtLeastOneElement", "/definitions/Contact/properties/name/enum", Error}}},
		{name: "RequiredPropertyArrayEmpty", mutate: func(d doc) { d.at("/definitions/Contact")["required"] = []any{} },
			want: []want{{"RequiredPropertyArrayEmpty", "/definitions/Contact/required", Warning}}},
		{name: "ArrayHasNoItems", mutate: func(d doc) { d.at("/definitions/Contact/properties")["tags"] = map[string]any{"type": "array"} },
			want: []want{{"ArrayHasNoItems", "/definitions/Contact/properties/tags", Warning}}},
		{name: "InvalidStringBinaryProperty", mutate: func(d doc) {
			d.at("/definitions/Contact/properties")["photo"] = map[string]any{"type": "string", "format": "binary"}
			d.at("/definitions")["File"] = map[string]any{"type": "string", "format": "binary"}
			d.at("/definitions/Contact/properties")["files"] = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/File"}}
			addParam(d, get, map[string]any{"name": "raw", "in": "query", "type": "string", "format": "binary"})
		}, want: []want{{"InvalidStringBinaryProperty", "/definitions/Contact/properties/photo/format", Warning},
			{"InvalidStringBinaryProperty", "/definitions/Contact/properties/files/items/$ref", Warning},
			{"InvalidStringBinaryProperty", get + "/parameters/1/format", Warning}}},
		{name: "StringBinaryAtTopLevel", mutate: func(d doc) {
			d.at("/definitions")["File"] = map[string]any{"type": "string", "format": "binary"}
			d.at(post + "/parameters/0")["schema"] = map[string]any{"$ref": "#/definitions/File"}
			d.at(get + "/responses/200")["schema"] = map[string]any{"type": "string", "format": "binary"}
			op := simpleOp("Upload")
			op["consumes"] = []any{"multipart/form-data"}
			op["parameters"] = params(map[string]any{"name": "file", "in": "formData", "type": "string", "format": "binary"})
			d.at("/paths")["/files"] = map[string]any{"post": op}
		}},
		{name: "ValueMustBeGreaterThanOrEqualToZero", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["maxLength"] = -1 },
			want: []want{{"ValueMustBeGreaterThanOrEqualToZero", "/definitions/Contact/properties/name/maxLength", Error}}},
		{name: "UnknownMemberOfParameter", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["parameters"] = params(map[string]any{"name": "q", "in": "query", "type": "string", "colour": "red"})
			d.op("/contacts/{id}", "get")["parameters"] = append(arr(d.op("/contacts/{id}", "get")["parameters"]), pathParam("id"))
		}, want: []want{{"AdditionalPropertyNotAllowed", get + "/parameters/0/colour", Warning}}},
		{name: "ClosestFormChosen", mutate: func(d doc) {
			d.at("/securityDefinitions")["basic"] = map[string]any{"type": "basic", "name": "x"}
		}, want: []want{{"AdditionalPropertyNotAllowed", "/securityDefinitions/basic/name", Warning}}},
		{name: "ValueDoesNotMatchAnyForm", mutate: func(d doc) {
			p := d.op("/contacts/{id}", "get")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "c", "in": "cookie", "type": "string"})
		}, want: []want{{"ValueDoesNotMatchAnyForm", get + "/parameters/1", Error}}},
		{name: "ValueDoesNotMatchPattern", mutate: func(d doc) { d.at("/info")["x-ms-deployment-version"] = "v1" },
			want: []want{{"ValueDoesNotMatchPattern", "/info/x-ms-deployment-version", Warning}}},
		{name: "SchemaViolationMinimum", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["x-ms-api-annotation"] = map[string]any{"family": "GetContact", "revision": 0}
		}, want: []want{{"SchemaViolation", get + "/x-ms-api-annotation/revision", Warning}}},
		{name: "SchemaViolation", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["minimum"] = "low" },
			want: []want{{"JsonTypeIncorrect", "/definitions/Contact/properties/name/minimum", Error}}},
		{name: "UnrecognizedTypeFormat", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["format"] = "guid" },
			want: []want{{"UnrecognizedTypeFormat", "/definitions/Contact/properties/name/format", Warning}}},
		{name: "PatternShouldBeValidRegularExpression", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["pattern"] = "[z-a]" },
			want: []want{{"PatternShouldBeValidRegularExpression", "/definitions/Contact/properties/name/pattern", Warning}}},
		{name: "EcmaPatternAccepted", mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["pattern"] = `^(?!\s*$).+$` }},
		{name: "SchemaReferenceNotFound", mutate: func(d doc) { d.at(get + "/responses/200/schema")["$ref"] = "#/definitions/Nope" },
			want: []want{{"SchemaReferenceNotFound", get + "/responses/200/schema/$ref", Error}}},
		{name: "SchemaReferenceNotValid", mutate: func(d doc) { d.at(get + "/responses/200/schema")["$ref"] = "Contact.json" },
			want: []want{{"SchemaReferenceNotValid", get + "/responses/200/schema/$ref", Error}}},
		{name: "ParameterReferenceNotFound", mutate: func(d doc) {
			d.op("/contacts", "post")["parameters"] = params(map[string]any{"$ref": "#/parameters/missing"})
		}, want: []want{{"ParameterReferenceNotFound", post + "/parameters/0/$ref", Error}}},
		{name: "ParameterReferenceNotValid", mutate: func(d doc) {
			d.op("/contacts", "post")["parameters"] = params(map[string]any{"$ref": "params.json#/p"})
		}, want: []want{{"ParameterReferenceNotValid", post + "/parameters/0/$ref", Error}}},
		{name: "ResponseReferenceNotFound", mutate: func(d doc) {
			d.at(post + "/responses")["400"] = map[string]any{"$ref": "#/responses/Missing"}
		}, want: []want{{"ResponseReferenceNotFound", post + "/responses/400/$ref", Error}}},
		{name: "ResponseReferenceNotValid", mutate: func(d doc) {
			d.at(post + "/responses")["400"] = map[string]any{"$ref": "http://contoso.com/r.json"}
		}, want: []want{{"ResponseReferenceNotValid", post + "/responses/400/$ref", Error}}},
		{name: "ReferenceResolves", mutate: func(d doc) {
			d["parameters"] = map[string]any{"id": pathParam("id")}
			d.op("/contacts/{id}", "get")["parameters"] = params(map[string]any{"$ref": "#/parameters/id"})
		}},
		{name: "EscapedReferenceResolves", mutate: func(d doc) {
			d.at("/definitions")["A/B~C D"] = map[string]any{"type": "string"}
			d.at(get + "/responses/200/schema")["$ref"] = "#/definitions/A~1B~0C%20D"
		}},
		{name: "DefaultResponseReferenceChecked", mutate: func(d doc) {
			d.at(post + "/responses")["default"] = map[string]any{"$ref": "#/responses/Missing"}
		}, want: []want{{"ResponseReferenceNotFound", post + "/responses/default/$ref", Error}}},
		{name: "PropertyNamedExampleChecked", mutate: func(d doc) {
			d.at("/definitions/Contact/properties")["example"] = map[string]any{"$ref": "#/definitions/Missing"}
		}, want: []want{{"SchemaReferenceNotFound", "/definitions/Contact/properties/example/$ref", Error}}},
		{name: "ReferenceInExampleIgnored", mutate: func(d doc) {
			d.at("/definitions/Contact")["example"] = map[string]any{"$ref": "not a reference"}
		}},
		{name: "JsonPointerNotValid", mutate: func(d doc) { d.at(get + "/responses/200/schema")["$ref"] = "#/paths/nothing" },
			want: []want{{"JsonPointerNotValid", get + "/responses/200/schema/$ref", Error}}},
		{name: "AdditionalPropertyNotAllowedAdjacentToRef", mutate: func(d doc) { d.at(get + "/responses/200/schema")["description"] = "A contact" },
			want: []want{{"AdditionalPropertyNotAllowedAdjacentToRef", get + "/responses/200/schema", Info}}},
		{name: "SchemaRefLoopNotAllowed", mutate: func(d doc) {
			d.at("/definitions")["A"] = map[string]any{"$ref": "#/definitions/B"}
			d.at("/definitions")["B"] = map[string]any{"$ref": "#/definitions/A"}
		}, want: []want{{"SchemaRefLoopNotAllowed", "/definitions/A/$ref", Error}, {"SchemaRefLoopNotAllowed", "/definitions/B/$ref", Error}}},
		{name: "PathItemRefNotSuppored", mutate: func(d doc) { d.at("/paths")["/other"] = map[string]any{"$ref": "#/paths/~1contacts"} },
			want: []want{{"PathItemRefNotSuppored", "/paths/~1other/$ref", Error}}},
		{name: "OperationIdRequired", mutate: func(d doc) { delete(d.op("/contacts", "post"), "operationId") },
			want: []want{{"OperationIdRequired", post, Warning}}},
		{name: "OperationIdNotUnique", mutate: func(d doc) { d.op("/contacts", "post")["operationId"] = "GetContact" },
			want: []want{{"OperationIdNotUnique", get + "/operationId", Error}}},
		{name: "OperationIdSanitized", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["operationId"] = "create-contact" },
			want: []want{{"OperationIdSanitized", post + "/operationId", Warning}}},
		{name: "OperationMissingPathParameter", mutate: func(d doc) { d.op("/contacts/{id}", "get")["parameters"] = []any{} },
			want: []want{{"OperationMissingPathParameter", get, Error}}},
		{name: "PathLevelParameterCounts", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["parameters"] = []any{}
			d.at("/paths/~1contacts~1{id}")["parameters"] = params(pathParam("id"))
		}},
		{name: "PathParameterNotDefinedInTemplate", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["parameters"] = params(pathParam("id"), pathParam("other"))
		}, want: []want{{"PathParameterNotDefinedInTemplate", get + "/parameters/1", Error}}},
		{name: "PathParameterMustBeRequired", mutate: func(d doc) { d.at(get + "/parameters/0")["required"] = false },
			want: []want{{"PathParameterMustBeRequired", get + "/parameters/0/required", Error}}},
		{name: "DuplicateOperationPath", mutate: func(d doc) {
			op := simpleOp("GetContactByName")
			op["parameters"] = params(pathParam("name"))
			d.at("/paths")["/contacts/{name}"] = map[string]any{"get": op}
		}, want: []want{{"DuplicateOperationPath", "/paths/~1contacts~1{name}/get", Error}}},
		{name: "PartialDuplicateOperationPath", cert: true, mutate: func(d doc) {
			d.at("/paths")["/contacts/recent"] = map[string]any{"get": simpleOp("GetRecentContacts")}
		}, want: []want{{"PartialDuplicateOperationPath", get, Warning}}},
		{name: "PartialDuplicateOtherMethod", cert: true, mutate: func(d doc) {
			d.at("/paths")["/contacts/recent"] = map[string]any{"put": simpleOp("PutRecentContacts")}
		}},
		{name: "PathRedefined", mutate: func(d doc) { d.at("/paths")["/CONTACTS"] = map[string]any{"put": simpleOp("PutContacts")} },
			want: []want{{"PathRedefined", "/paths/~1contacts", Warning}}},
		{name: "OperationPathMayNotContainQueryOrFragment", mutate: func(d doc) { d.at("/paths")["/search?q=1"] = map[string]any{"get": simpleOp("Search")} },
			want: []want{{"OperationPathMayNotContainQueryOrFragment", "/paths/~1search?q=1", Error}}},
		{name: "OperationPathTemplateNotValid", mutate: func(d doc) { d.at("/paths")["/items/{id"] = map[string]any{"get": simpleOp("Items")} },
			want: []want{{"OperationPathTemplateNotValid", "/paths/~1items~1{id", Error}}},
		{name: "OperationPathContainsUnsupportedCharacters", mutate: func(d doc) { d.at("/paths")["/files/*"] = map[string]any{"get": simpleOp("Files")} },
			want: []want{{"OperationPathContainsUnsupportedCharacters", "/paths/~1files~1*", Error}}},
		{name: "OperationPathVariablesContainDefaults", mutate: func(d doc) {
			op := simpleOp("Items")
			op["parameters"] = params(pathParam("id=1"))
			d.at("/paths")["/items/{id=1}"] = map[string]any{"get": op}
		}, want: []want{{"OperationPathVariablesContainDefaults", "/paths/~1items~1{id=1}", Error}}},
		{name: "OperationParametersContainDuplicateParameter", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["parameters"] = params(pathParam("id"), pathParam("id"))
		}, want: []want{{"OperationParametersContainDuplicateParameter", get + "/parameters/1", Error}, {"ArrayDuplicateValue", get + "/parameters", Warning}}},
		{name: "OperationParametersContainMultipleBodyParameters", mutate: func(d doc) {
			p := d.op("/contacts", "post")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "other", "in": "body", "schema": map[string]any{"type": "string"}})
		}, want: []want{{"OperationParametersContainMultipleBodyParameters", post + "/parameters/1", Error}}},
		{name: "PathParametersContainDuplicateParameter", mutate: func(d doc) {
			h := map[string]any{"name": "X-Id", "in": "header", "type": "string"}
			d.at("/paths/~1contacts")["parameters"] = params(h, map[string]any{"name": "x-id", "in": "header", "type": "string"})
		}, want: []want{{"PathParametersContainDuplicateParameter", "/paths/~1contacts/parameters/1", Error}}},
		{name: "PathParametersContainMultipleBodyParameters", mutate: func(d doc) {
			b := func(n string) map[string]any {
				return map[string]any{"name": n, "in": "body", "schema": map[string]any{"type": "string"}}
			}
			d.at("/paths/~1contacts~1{id}")["parameters"] = params(b("a"), b("b"))
		}, want: []want{{"PathParametersContainMultipleBodyParameters", "/paths/~1contacts~1{id}/parameters/1", Error}, {"BodyOrFormDataParameterInFetchOperationNotAllowed", get, Warning}}},
		{name: "BodiesOfPathAndOperation", mutate: func(d doc) {
			d.at("/paths/~1contacts")["parameters"] = params(map[string]any{"name": "b", "in": "body", "schema": map[string]any{"type": "string"}})
		}, want: []want{{"OperationParametersContainMultipleBodyParameters", "/paths/~1contacts/parameters/0", Error}}},
		{name: "ParameterListContainsFormDataAndBody", mutate: func(d doc) {
			p := d.op("/contacts", "post")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "f", "in": "formData", "type": "string"})
		}, want: []want{{"ParameterListContainsFormDataAndBody", post, Error}, {"MimeTypeNotCompatibleWithRequestContentSchemaType", post, Warning}}},
		{name: "FormConsumesOnOperation", mutate: func(d doc) {
			p := d.op("/contacts", "post")
			p["parameters"] = params(map[string]any{"name": "f", "in": "formData", "type": "string"})
			p["consumes"] = []any{"multipart/form-data"}
		}},
		{name: "BodyOrFormDataParameterInFetchOperationNotAllowed", mutate: func(d doc) {
			p := d.op("/contacts/{id}", "get")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "b", "in": "body", "schema": map[string]any{"type": "string"}})
		}, want: []want{{"BodyOrFormDataParameterInFetchOperationNotAllowed", get, Warning}}},
		{name: "ConnectionIdParameterNotAllowed", mutate: func(d doc) {
			p := d.op("/contacts/{id}", "get")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "connectionId", "in": "query", "type": "string"})
		}, want: []want{{"ConnectionIdParameterNotAllowed", get + "/parameters/1", Error}}},
		{name: "FileParameterMustBeInFormData", mutate: func(d doc) {
			p := d.op("/contacts/{id}", "get")
			p["parameters"] = append(arr(p["parameters"]), map[string]any{"name": "f", "in": "query", "type": "file"})
		}, want: []want{{"FileParameterMustBeInFormData", get + "/parameters/1", Error}, {"ValueDoesNotMatchAnyForm", get + "/parameters/1", Error}}},
		{name: "OperationMustHaveResponse", mutate: func(d doc) { d.op("/contacts", "post")["responses"] = map[string]any{} },
			want: []want{{"OperationMustHaveResponse", post + "/responses", Warning}}},
		{name: "InvalidNextLinkNameValue", mutate: func(d doc) { d.op("/contacts/{id}", "get")["x-ms-pageable"] = map[string]any{"nextLinkName": "next"} },
			want: []want{{"InvalidNextLinkNameValue", get + "/x-ms-pageable/nextLinkName", Error}}},
		{name: "OperationIdNotFound", mutate: func(d doc) {
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"operationId": "ListContacts", "value-path": "id"}
		}, want: []want{{"OperationIdNotFound", get + "/parameters/0/x-ms-dynamic-values/operationId", Error}}},
		{name: "DynamicValuesResolve", mutate: func(d doc) {
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"operationId": "CreateContact", "value-path": "id"}
		}},
		{name: "SecurityRequirementMustBeDefined", mutate: func(d doc) { d["security"] = []any{map[string]any{"oauth": []any{}}} },
			want: []want{{"SecurityRequirementMustBeDefined", "/security/0/oauth", Warning}}},
		{name: "OAuthSecurityRequirementValueMustBeScopeName", mutate: func(d doc) {
			d.at("/securityDefinitions")["oauth"] = map[string]any{"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://login.contoso.com", "scopes": map[string]any{"read": "Read"}}
			d["security"] = []any{map[string]any{"oauth": []any{"write"}}}
		}, want: []want{{"OAuthSecurityRequirementValueMustBeScopeName", "/security/0/oauth", Warning}}},
		{name: "SecurityRequirementMustHaveEmptyValue", mutate: func(d doc) { d["security"] = []any{map[string]any{"api_key": []any{"read"}}} },
			want: []want{{"SecurityRequirementMustHaveEmptyValue", "/security/0/api_key", Warning}}},
		{name: "RequiredPropertyDefinitionMissing", mutate: func(d doc) { d.at("/definitions/Contact")["required"] = []any{"name", "phone"} },
			want: []want{{"RequiredPropertyDefinitionMissing", "/definitions/Contact/required/1", Warning}}},
		{name: "MinimumShouldBeLessThanOrEqualToMaximum", mutate: func(d doc) {
			s := d.at("/definitions/Contact/properties/name")
			s["minLength"], s["maxLength"] = 5, 2
		}, want: []want{{"MinimumShouldBeLessThanOrEqualToMaximum", "/definitions/Contact/properties/name/minLength", Warning}}},
		{name: "ExclusiveMinimumRequiresMinimum", mutate: func(d doc) {
			d.at("/definitions/Contact/properties")["age"] = map[string]any{"type": "integer", "exclusiveMinimum": true}
		}, want: []want{{"ExclusiveMinimumRequiresMinimum", "/definitions/Contact/properties/age/exclusiveMinimum", Warning}}},
		{name: "DiscriminatorMustBeARequiredStringProperty", mutate: func(d doc) { d.at("/definitions/Contact")["discriminator"] = "email" },
			want: []want{{"DiscriminatorMustBeARequiredStringProperty", "/definitions/Contact/discriminator", Error}}},
		{name: "DuplicateEnumValuesInExtension", mutate: func(d doc) {
			d.at("/definitions/Contact/properties/name")["x-ms-enum-values"] = []any{
				map[string]any{"value": "a", "displayName": "A"}, map[string]any{"value": "a", "displayName": "Also A"}}
		}, want: []want{{"DuplicateEnumValuesInExtension", "/definitions/Contact/properties/name/x-ms-enum-values/1", Warning}}},
		{name: "MimeTypeNotValid", mutate: func(d doc) { d["produces"] = []any{"json"} },
			want: []want{{"MimeTypeNotValid", "/produces/0", Warning}}},
		{name: "ApiAnnotationExtensionReplacementInfoForNonDeprecatedOperations", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["x-ms-api-annotation"] = map[string]any{"replacement": map[string]any{"api": "contoso", "operationId": "GetContactV2"}}
		}, want: []want{{"ApiAnnotationExtensionReplacementInfoForNonDeprecatedOperations", get + "/x-ms-api-annotation/replacement", Warning}}},
		{name: "TotalOperationsCountExceedsMaxAllowed", mutate: func(d doc) {
			for i := range maxOperations {
				d.at("/paths")[fmt.Sprintf("/op%d", i)] = map[string]any{"get": simpleOp(fmt.Sprintf("Op%d", i))}
			}
		}, want: []want{{"TotalOperationsCountExceedsMaxAllowed", "/paths", Error}}},
		{name: "BodySchemaCountExceedsMaxAllowed", mutate: func(d doc) {
			props := d.at("/definitions/Contact/properties")
			for i := range maxSchemasPerBody {
				props[fmt.Sprintf("p%d", i)] = map[string]any{"type": "string"}
			}
		}, want: []want{{"BodySchemaCountExceedsMaxAllowed", get + "/responses/200/schema", Error}, {"BodySchemaCountExceedsMaxAllowed", post + "/parameters/0/schema", Error}}},
		{name: "RecursiveSchemaCountsOnce", mutate: func(d doc) {
			d.at("/definitions/Contact/properties")["manager"] = map[string]any{"$ref": "#/definitions/Contact"}
		}},
		{name: "OperationSchemaCountExceedsMaxAllowed", mutate: func(d doc) {
			// 40 bodies of 500 schemas each: every body is within its limit, the operation is not.
			props := map[string]any{}
			for i := range 499 {
				props[fmt.Sprintf("p%d", i)] = map[string]any{"type": "string"}
			}
			d.at("/definitions")["Big"] = map[string]any{"type": "object", "properties": props}
			rs := d.at(get + "/responses")
			for i := range 40 {
				rs[fmt.Sprint(400+i)] = map[string]any{"description": "x", "schema": map[string]any{"$ref": "#/definitions/Big"}}
			}
		}, want: []want{{"OperationSchemaCountExceedsMaxAllowed", get, Error}}},
		{name: "TotalSchemaCountExceedsMaxAllowed", mutate: func(d doc) { manySchemas(d, maxSchemasPerOperation+1) },
			want: append(manySchemasWants(true), want{"TotalSchemaCountExceedsMaxAllowed", "/paths", Error})},
		{name: "TotalSchemaCountAtLimit", mutate: func(d doc) { manySchemas(d, maxSchemasPerOperation) },
			want: manySchemasWants(false)},
		{name: "DefinitionTooLarge", mutate: func(d doc) { d.at("/info")["x-padding"] = strings.Repeat("x", maxDefinitionBytes) },
			want: []want{{"DefinitionTooLarge", "", Error}}},
		{name: "DuplicateKey", text: `{"swagger": "2.0", "swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}`,
			want: []want{{"DuplicateKey", "/swagger", Warning}}},
		{name: "JsonNotStrict", text: "{\"swagger\": \"2.0\", // comment\n \"info\": {\"title\": \"t\", \"version\": \"1\",}, \"paths\": {}}",
			want: []want{{"JsonNotStrict", "", Warning}, {"JsonNotStrict", "", Warning}}},
		{name: "InvalidJson", text: `{"swagger": "2.0" "info": {}}`,
			want: []want{{"InvalidJson", "", Error}}},
		{name: "DocumentNotAnObject", text: `["swagger"]`,
			want: []want{{"DocumentNotAnObject", "", Error}}},
		// Dynamic extensions: GetContact's id is chosen from ListContacts (see withList).
		{name: "DynamicValuesConsistent", cert: true, mutate: func(d doc) { withList(d); dynValues(d, map[string]any{"filter": "active"}) }},
		{name: "OperationParameterNameNotFound", mutate: func(d doc) { withList(d); dynValues(d, map[string]any{"filter": "a", "skip": 1}) },
			want: []want{{"OperationParameterNameNotFound", get + "/parameters/0/x-ms-dynamic-values/parameters/skip", Warning}}},
		{name: "BodyPropertyIsAnInput", mutate: func(d doc) {
			withList(d)
			d.at("/paths/~1contacts/get")["parameters"] = append(arr(d.at("/paths/~1contacts/get")["parameters"]),
				map[string]any{"name": "body", "in": "body", "schema": map[string]any{"$ref": "#/definitions/Contact"}})
			dynValues(d, map[string]any{"filter": "a", "email": "x"})
		}, want: []want{{"BodyOrFormDataParameterInFetchOperationNotAllowed", "/paths/~1contacts/get", Warning}}},
		{name: "OperationMissingRequiredProperty", mutate: func(d doc) { withList(d); dynValues(d, map[string]any{"top": 5}) },
			want: []want{{"OperationMissingRequiredProperty", get + "/parameters/0/x-ms-dynamic-values", Warning}}},
		{name: "OperationParameterStaticTypeMismatch", mutate: func(d doc) { withList(d); dynValues(d, map[string]any{"filter": "a", "top": "five"}) },
			want: []want{{"OperationParameterStaticTypeMismatch", get + "/parameters/0/x-ms-dynamic-values/parameters/top", Warning}}},
		{name: "OperationParameterTypeMismatch", mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "flag", "in": "query", "type": "boolean"})
			dynValues(d, map[string]any{"filter": "a", "top": map[string]any{"parameter": "flag"}})
		}, want: []want{{"OperationParameterTypeMismatch", get + "/parameters/0/x-ms-dynamic-values/parameters/top", Warning}}},
		{name: "OperationParameterTypesMatch", mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "n", "in": "query", "type": "integer"})
			dynValues(d, map[string]any{"filter": "a", "top": map[string]any{"parameter": "n"}})
		}},
		{name: "OperationParameterNameIsAmbiguous", mutate: func(d doc) {
			addParam(d, post, map[string]any{"name": "name", "in": "query", "type": "string"})
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"operationId": "CreateContact", "parameters": map[string]any{"name": "x"}}
		}, want: []want{{"OperationParameterNameIsAmbiguous", get + "/parameters/0/x-ms-dynamic-values/parameters/name", Warning}}},
		{name: "OperationParameterNameOnlyInBody", mutate: func(d doc) {
			addParam(d, post, map[string]any{"name": "name", "in": "query", "type": "string"})
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"operationId": "CreateContact", "parameters": map[string]any{"email": "x"}}
		}},
		{name: "SourcePropertyInternal", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "scope", "in": "query", "type": "string", "x-ms-visibility": "internal", "default": "all"})
			dynValues(d, map[string]any{"filter": map[string]any{"parameter": "scope"}})
		}, want: []want{{"SourcePropertyInternal", get + "/parameters/0/x-ms-dynamic-values/parameters/filter/parameter", Warning}}},
		{name: "SourcePropertyWithinInternal", cert: true, mutate: func(d doc) {
			withList(d)
			d.at("/definitions/Contact")["x-ms-visibility"] = "internal"
			addParam(d, post, map[string]any{"name": "tag", "in": "query", "type": "string", "x-ms-dynamic-list": map[string]any{
				"operationId": "ListContacts", "itemsPath": "value", "itemValuePath": "name",
				"parameters": map[string]any{"filter": map[string]any{"parameterReference": "body/name"}}}})
		}, want: []want{{"SourcePropertyInternal", post + "/parameters/1/x-ms-dynamic-list/parameters/filter/parameterReference", Warning}}},
		{name: "SourcePropertyInternalInInternalOperation", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "scope", "in": "query", "type": "string", "x-ms-visibility": "internal", "default": "all"})
			dynValues(d, map[string]any{"filter": map[string]any{"parameter": "scope"}})
			d.op("/contacts/{id}", "get")["x-ms-visibility"] = "internal"
		}},
		{name: "OperationParameterRequiredMismatch", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "q", "in": "query", "type": "string"})
			dynValues(d, map[string]any{"filter": map[string]any{"parameter": "q"}})
		}, want: []want{{"OperationParameterRequiredMismatch", get + "/parameters/0/x-ms-dynamic-values/parameters/filter", Warning}}},
		{name: "OperationParameterRequiredFromRequired", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, get, map[string]any{"name": "q", "in": "query", "type": "string", "required": true})
			dynValues(d, map[string]any{"filter": map[string]any{"parameter": "q"}})
		}},
		{name: "InvokedOperationShouldProduceArray", mutate: func(d doc) {
			withList(d)
			dynValues(d, map[string]any{"filter": "a"})["value-collection"] = "items"
		}, want: []want{{"InvokedOperationShouldProduceArray", get + "/parameters/0/x-ms-dynamic-values/value-collection", Warning}}},
		{name: "InvokedOperationShouldProduceArrayAtRoot", mutate: func(d doc) {
			withList(d)
			delete(dynValues(d, map[string]any{"filter": "a"}), "value-collection")
		}, want: []want{{"InvokedOperationShouldProduceArray", get + "/parameters/0/x-ms-dynamic-values", Warning}}},
		{name: "InvokedOperationShouldProduceProperty", mutate: func(d doc) {
			withList(d)
			dynValues(d, map[string]any{"filter": "a"})["value-path"] = "id"
		}, want: []want{{"InvokedOperationShouldProduceProperty", get + "/parameters/0/x-ms-dynamic-values/value-path", Warning}}},
		{name: "OpenResponseNotChecked", mutate: func(d doc) {
			withList(d)
			d.at("/paths/~1contacts/get/responses/200")["schema"] = map[string]any{"type": "object"}
			dynValues(d, map[string]any{"filter": "a"})["value-path"] = "id"
		}},
		{name: "DynamicListExtensionRequiredForAmbiguousReferences", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, post, map[string]any{"name": "name", "in": "query", "type": "string", "required": true})
			addParam(d, post, map[string]any{"name": "tag", "in": "query", "type": "string", "x-ms-dynamic-values": listCall(map[string]any{"filter": map[string]any{"parameter": "name"}})})
		}, want: []want{{"DynamicListExtensionRequiredForAmbiguousReferences", post + "/parameters/2/x-ms-dynamic-values/parameters/filter", Warning}}},
		{name: "DynamicListDisambiguates", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, post, map[string]any{"name": "name", "in": "query", "type": "string", "required": true})
			addParam(d, post, map[string]any{"name": "tag", "in": "query", "type": "string",
				"x-ms-dynamic-values": listCall(map[string]any{"filter": map[string]any{"parameter": "name"}}),
				"x-ms-dynamic-list": map[string]any{"operationId": "ListContacts", "itemsPath": "value", "itemValuePath": "name",
					"parameters": map[string]any{"filter": map[string]any{"parameterReference": "body/name"}}}})
		}},
		{name: "DynamicListExtensionRequiredForNonParameterReferences", cert: true, mutate: func(d doc) {
			withList(d)
			addParam(d, post, map[string]any{"name": "tag", "in": "query", "type": "string", "x-ms-dynamic-values": listCall(map[string]any{"filter": map[string]any{"parameter": "email"}})})
		}, want: []want{{"DynamicListExtensionRequiredForNonParameterReferences", post + "/parameters/1/x-ms-dynamic-values/parameters/filter", Warning}}},
		{name: "DynamicSchemaConsistent", cert: true, mutate: func(d doc) {
			withSchemaOp(d)
			dynSchema(d, "schema/properties", "schema")
		}},
		{name: "DynamicPropertiesExtensionRequiredForPropertiesValuePath", cert: true, mutate: func(d doc) { withSchemaOp(d); dynSchema(d, "schema/properties", "-") },
			want: []want{{"DynamicPropertiesExtensionRequiredForPropertiesValuePath", post + "/responses/201/schema/x-ms-dynamic-schema/value-path", Warning}}},
		{name: "DynamicPropertiesItemValuePathMismatch", mutate: func(d doc) { withSchemaOp(d); dynSchema(d, "schema/properties", "schema/properties") },
			want: []want{{"DynamicPropertiesItemValuePathMismatch", post + "/responses/201/schema/x-ms-dynamic-properties/itemValuePath", Warning}}},
		{name: "InvokedOperationShouldProducePropertyForSchema", mutate: func(d doc) { withSchemaOp(d); dynSchema(d, "definition", "definition") },
			want: []want{{"InvokedOperationShouldProduceProperty", post + "/responses/201/schema/x-ms-dynamic-schema/value-path", Warning},
				{"InvokedOperationShouldProduceProperty", post + "/responses/201/schema/x-ms-dynamic-properties/itemValuePath", Warning}}},
		{name: "DynamicPropertiesExtensionRequiredForNonParameterReferences", cert: true, mutate: func(d doc) {
			withSchemaOp(d)
			dynSchema(d, "schema", "-")["parameters"] = map[string]any{"kind": map[string]any{"parameter": "email"}}
		}, want: []want{{"DynamicPropertiesExtensionRequiredForNonParameterReferences", post + "/responses/201/schema/x-ms-dynamic-schema/parameters/kind", Warning}}},
		{name: "DynamicPropertiesExtensionRequiredForAmbiguousReferences", cert: true, mutate: func(d doc) {
			withSchemaOp(d)
			addParam(d, post, map[string]any{"name": "name", "in": "query", "type": "string", "required": true})
			dynSchema(d, "schema", "-")["parameters"] = map[string]any{"kind": map[string]any{"parameter": "name"}}
		}, want: []want{{"DynamicPropertiesExtensionRequiredForAmbiguousReferences", post + "/responses/201/schema/x-ms-dynamic-schema/parameters/kind", Warning}}},
		{name: "DynamicTreeExtensionMissing", mutate: func(d doc) {
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"capability": "file-picker", "value-path": "id"}
		}, want: []want{{"DynamicTreeExtensionMissing", get + "/parameters/0/x-ms-dynamic-values", Warning}}},
		{name: "DynamicTreePresent", mutate: func(d doc) {
			withList(d)
			d.at(get + "/parameters/0")["x-ms-dynamic-values"] = map[string]any{"capability": "file-picker", "value-path": "id"}
			d.at(get + "/parameters/0")["x-ms-dynamic-tree"] = dynTree(false)
		}},
		{name: "SelectedItemValuePathNotAllowedInThisPosition", mutate: func(d doc) {
			withList(d)
			d.at(get + "/parameters/0")["x-ms-dynamic-tree"] = dynTree(true)
		}, want: []want{{"SelectedItemValuePathNotAllowedInThisPosition", get + "/parameters/0/x-ms-dynamic-tree/open/parameters/filter/selectedItemValuePath", Warning}}},
		{name: "DynamicExtensionDefinitionNotAllowedInParameter", mutate: func(d doc) {
			withSchemaOp(d)
			d.at(post + "/parameters/0")["x-ms-dynamic-schema"] = map[string]any{"operationId": "GetSchema", "value-path": "schema"}
		}, want: []want{{"DynamicExtensionDefinitionNotAllowedInParameter", post + "/parameters/0/x-ms-dynamic-schema", Warning},
			{"ValueDoesNotMatchAnyForm", post + "/parameters/0", Warning}}},
		// Operation families.
		{name: "OperationFamilyConsistent", cert: true, mutate: func(d doc) { family(d, 1, 2) }},
		{name: "OperationFamilyHasDuplicateRevisions", mutate: func(d doc) { family(d, 1, 1) },
			want: []want{{"OperationFamilyHasDuplicateRevisions", "/paths/~1v2~1contacts~1{id}/get/x-ms-api-annotation/revision", Warning}}},
		{name: "OperationFamilyHasManyActiveOperations", cert: true, mutate: func(d doc) { family(d, 1, 2, 3) },
			want: []want{{"OperationFamilyHasManyActiveOperations", "/paths/~1v3~1contacts~1{id}/get/x-ms-api-annotation", Warning}}},
		{name: "OperationFamilyOldRevisionsDeprecated", cert: true, mutate: func(d doc) {
			family(d, 1, 2, 3)
			d.op("/contacts/{id}", "get")["deprecated"] = true
		}},
		{name: "OperationFamilyHasManyActiveProductionOperations", cert: true, mutate: func(d doc) {
			family(d, 1, 2)
			d.at(get + "/x-ms-api-annotation")["status"] = "Production"
			d.at("/paths/~1v2~1contacts~1{id}/get/x-ms-api-annotation")["status"] = "Production"
		}, want: []want{{"OperationFamilyHasManyActiveProductionOperations", "/paths/~1v2~1contacts~1{id}/get/x-ms-api-annotation", Warning}}},
		{name: "OperationFamilyHasManyEmptyRevisions", mutate: func(d doc) { family(d, 0, 0) },
			want: []want{{"OperationFamilyHasManyEmptyRevisions", "/paths/~1v2~1contacts~1{id}/get/x-ms-api-annotation", Warning}}},
		{name: "OperationRevisionEmpty", cert: true, mutate: func(d doc) { family(d, 0) },
			want: []want{{"OperationRevisionEmpty", get + "/x-ms-api-annotation", Warning}}},
		{name: "OperationIdShouldEndWithRevision", cert: true, mutate: func(d doc) {
			family(d, 1, 2)
			d.op("/v2/contacts/{id}", "get")["operationId"] = "GetContactNew"
		}, want: []want{{"OperationIdShouldEndWithRevision", "/paths/~1v2~1contacts~1{id}/get/operationId", Warning}}},
		// Webhooks: CreateHook registers a callback (see withHook).
		{name: "WebhookConsistent", cert: true, mutate: func(d doc) { withHook(d) }},
		{name: "WebhookOperationsMissingNotificationUrlProperty", mutate: func(d doc) {
			withHook(d)
			delete(d.at(hookURL), "x-ms-notification-url")
		}, want: []want{{"WebhookOperationsMissingNotificationUrlProperty", hook, Warning}}},
		{name: "OperationMustHaveNotificationContentExtension", mutate: func(d doc) {
			withHook(d)
			delete(d.at("/paths/~1hooks"), "x-ms-notification-content")
		}, want: []want{{"OperationMustHaveNotificationContentExtension", hook, Warning}}},
		{name: "NotificationUrlNotString", mutate: func(d doc) { withHook(d); d.at(hookURL)["type"] = "integer" },
			want: []want{{"NotificationUrlNotString", hookURL, Warning}}},
		{name: "NotificationUrlNotRequired", cert: true, mutate: func(d doc) { withHook(d); d.at(hook + "/parameters/0")["required"] = false },
			want: []want{{"NotificationUrlNotRequired", hookURL, Warning}}},
		{name: "NotificationUrlNotInternal", cert: true, mutate: func(d doc) { withHook(d); delete(d.at(hookURL), "x-ms-visibility") },
			want: []want{{"NotificationUrlNotInternal", hookURL, Warning}}},
		{name: "NotificationUrlNotAllowedInThisPosition", mutate: func(d doc) {
			d.at(get + "/responses")["202"] = map[string]any{"description": "Accepted", "schema": map[string]any{"type": "object",
				"properties": map[string]any{"cb": map[string]any{"type": "string", "x-ms-notification-url": true}}}}
		}, want: []want{{"NotificationUrlNotAllowedInThisPosition", get + "/responses/202/schema/properties/cb/x-ms-notification-url", Warning}}},
		{name: "NotificationExtensionSupportedForTriggerOnly", mutate: func(d doc) {
			withHook(d)
			d.op("/contacts/{id}", "get")["x-ms-notification"] = map[string]any{"operationId": "CreateHook"}
		}, want: []want{{"NotificationExtensionSupportedForTriggerOnly", get + "/x-ms-notification", Warning}}},
		{name: "NotificationExtensionOnTrigger", mutate: func(d doc) {
			withHook(d)
			d.op("/contacts/{id}", "get")["x-ms-notification"] = map[string]any{"operationId": "CreateHook"}
			d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single"
		}},
		{name: "NotificationExtensionNotSupportedInWebhookOperation", mutate: func(d doc) {
			withHook(d)
			d.at(hook)["x-ms-notification"] = map[string]any{"operationId": "CreateHook"}
		}, want: []want{{"NotificationExtensionNotSupportedInWebhookOperation", hook + "/x-ms-notification", Warning}}},
		{name: "NotificationOperationMustBeWebhook", mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["x-ms-notification"] = map[string]any{"operationId": "CreateContact"}
			d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single"
		}, want: []want{{"NotificationOperationMustBeWebhook", get + "/x-ms-notification/operationId", Warning}}},
		{name: "ParamtersWithSameNameMustHaveSameTypeAndVisibility", mutate: func(d doc) {
			withHook(d)
			addParam(d, hook, map[string]any{"name": "id", "in": "query", "type": "integer", "x-ms-visibility": "advanced"})
			d.op("/contacts/{id}", "get")["x-ms-notification"] = map[string]any{"operationId": "CreateHook"}
			d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single"
		}, want: []want{{"ParamtersWithSameNameMustHaveSameTypeAndVisibility", get + "/parameters/0", Warning},
			{"ParamtersWithSameNameMustHaveSameTypeAndVisibility", get + "/parameters/0", Warning}}},
		{name: "FetchAndSubscribeParametersAgree", mutate: func(d doc) {
			withHook(d)
			addParam(d, hook, map[string]any{"name": "id", "in": "query", "type": "string"})
			d.op("/contacts/{id}", "get")["x-ms-notification"] = map[string]any{"operationId": "CreateHook"}
			d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single"
		}},
		{name: "SchemaDefinitionSetIncorrectly", cert: true, mutate: func(d doc) {
			d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single"
			delete(d.at(get+"/responses/200"), "schema")
		}, want: []want{{"SchemaDefinitionSetIncorrectly", get + "/responses/200", Warning}}},
		{name: "SchemaDefinitionSetIncorrectlyWebhook", cert: true, mutate: func(d doc) {
			withHook(d)
			delete(d.at("/paths/~1hooks/x-ms-notification-content"), "schema")
		}, want: []want{{"SchemaDefinitionSetIncorrectly", "/paths/~1hooks/x-ms-notification-content", Warning}}},
		{name: "TriggerWithOutputSchema", cert: true, mutate: func(d doc) { d.op("/contacts/{id}", "get")["x-ms-trigger"] = "single" }},
		// Limits Microsoft does not publish.
		{name: "OperationIdTooLong", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["operationId"] = strings.Repeat("C", maxOperationIDLength+1) },
			want: []want{{"OperationIdTooLong", post + "/operationId", Warning}}},
		{name: "OperationIdAtLimit", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["operationId"] = strings.Repeat("C", maxOperationIDLength) }},
		{name: "SchemaTooDeep", mutate: func(d doc) { nest(d, maxSchemaDepth-1) },
			want: []want{{"SchemaTooDeep", get + "/responses/200/schema", Warning}, {"SchemaTooDeep", post + "/parameters/0/schema", Warning}}},
		{name: "SchemaAtDepthLimit", mutate: func(d doc) { nest(d, maxSchemaDepth-2) }},
		{name: "RecursiveSchemaNotTooDeep", mutate: func(d doc) {
			d.at("/definitions/Contact/properties")["manager"] = map[string]any{"$ref": "#/definitions/Contact"}
		}},
		// Certification.
		{name: "TitleTooLong", cert: true, mutate: func(d doc) { d.at("/info")["title"] = "Contoso Customer Relationship Manager" },
			want: []want{{"TitleTooLong", "/info/title", Error}}},
		{name: "FieldLengthNotInRange", cert: true, mutate: func(d doc) { d.at("/info")["description"] = "Contacts." },
			want: []want{{"FieldLengthNotInRange", "/info/description", Error}}},
		{name: "RequiredValueEmpty", cert: true, mutate: func(d doc) { d.at("/info")["description"] = " " },
			want: []want{{"RequiredValueEmpty", "/info", Error}}},
		{name: "ValueContainsRestrictedWords", cert: true, mutate: func(d doc) { d.at("/info")["title"] = "Contoso API" },
			want: []want{{"ValueContainsRestrictedWords", "/info/title", Warning}}},
		{name: "IndependentPublisherSuffixAllowed", cert: true, mutate: func(d doc) { d.at("/info")["title"] = "Contoso Contacts (Independent Publisher)" }},
		{name: "ValueMustEndWithAlphanumeric", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["summary"] = "Create a contact." },
			want: []want{{"ValueMustEndWithAlphanumeric", post + "/summary", Warning}}},
		{name: "OperationSummaryTooLong", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["summary"] = strings.Repeat("Create ", 12) + "it" },
			want: []want{{"OperationSummaryTooLong", post + "/summary", Warning}}},
		{name: "RestrictedCharactersInSummary", cert: true, mutate: func(d doc) { d.op("/contacts", "post")["summary"] = "Create or update a contact/lead" },
			want: []want{{"RestrictedCharactersInSummary", post + "/summary", Warning}}},
		{name: "OperationSummaryMissing", cert: true, mutate: func(d doc) { delete(d.op("/contacts", "post"), "summary") },
			want: []want{{"OperationSummaryMissing", post, Warning}}},
		{name: "OperationDescriptionMissing", cert: true, mutate: func(d doc) { delete(d.op("/contacts", "post"), "description") },
			want: []want{{"OperationDescriptionMissing", post, Info}}},
		{name: "InternalOperationNeedsNoStrings", cert: true, mutate: func(d doc) {
			op := d.op("/contacts", "post")
			delete(op, "summary")
			delete(op, "description")
			op["x-ms-visibility"] = "internal"
		}},
		{name: "FieldLengthExceeded", cert: true, mutate: func(d doc) { d.at("/definitions/Contact/properties/name")["x-ms-summary"] = strings.Repeat("n", 81) },
			want: []want{{"FieldLengthExceeded", "/definitions/Contact/properties/name/x-ms-summary", Warning}}},
		{name: "ConnectorMetadataPropertiesMissing", cert: true, mutate: func(d doc) { delete(d, "x-ms-connector-metadata") },
			want: []want{{"ConnectorMetadataPropertiesMissing", "", Warning}}},
		{name: "InvalidConnectorCategory", cert: true, mutate: func(d doc) { d.at("/x-ms-connector-metadata/2")["propertyValue"] = "Games" },
			want: []want{{"InvalidConnectorCategory", "/x-ms-connector-metadata/2/propertyValue", Warning}}},
		{name: "TooManyConnectorCategories", cert: true, mutate: func(d doc) { d.at("/x-ms-connector-metadata/2")["propertyValue"] = "AI;Data;Finance" },
			want: []want{{"TooManyConnectorCategories", "/x-ms-connector-metadata/2/propertyValue", Warning}}},
		{name: "ContactMissing", cert: true, mutate: func(d doc) { delete(d.at("/info"), "contact") },
			want: []want{{"ContactMissing", "/info", Warning}}},
		{name: "DefaultResponseHasSchema", cert: true, mutate: func(d doc) {
			d.at(post + "/responses")["default"] = map[string]any{"description": "Error", "schema": map[string]any{"type": "object"}}
		}, want: []want{{"DefaultResponseHasSchema", post + "/responses/default/schema", Warning}}},
		{name: "OperationShouldHaveSuccessfulResponse", cert: true, mutate: func(d doc) {
			d.op("/contacts", "post")["responses"] = map[string]any{"400": map[string]any{"description": "Bad"}}
		}, want: []want{{"OperationShouldHaveSuccessfulResponse", post + "/responses", Warning}}},
		{name: "OperationHasManyResponsesWithSchema", cert: true, mutate: func(d doc) {
			d.at(get + "/responses")["201"] = map[string]any{"description": "Created", "schema": map[string]any{"type": "object"}}
		}, want: []want{{"OperationHasManyResponsesWithSchema", get + "/responses", Warning}}},
		{name: "CertificationRulesOffByDefault", mutate: func(d doc) { d.at("/info")["title"] = "Contoso Customer Relationship Manager API" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := []byte(tt.text)
			if tt.text == "" {
				d := newDoc(t)
				if tt.mutate != nil {
					tt.mutate(d)
				}
				text = d.text(t)
			}
			r := Definition(text, Options{Certification: tt.cert})
			checkFindings(t, r, tt.want)
		})
	}
}

// checkFindings checks that a report holds exactly the wanted findings (by rule, pointer and
// severity, in any order), and that each finding is complete.
func checkFindings(t *testing.T, r Report, wants []want) {
	t.Helper()
	got := map[want]int{}
	for _, f := range r.Findings {
		exercised[f.Rule] = true
		got[want{f.Rule, f.Pointer, f.Severity}]++
		if f.Message == "" || f.Hint == "" || f.Line == 0 || f.Column == 0 {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	wanted := map[want]int{}
	for _, w := range wants {
		wanted[w]++
	}
	for w, n := range wanted {
		if got[w] < n {
			t.Errorf("missing finding %s at %q (%s)", w.rule, w.pointer, w.severity)
		}
	}
	for w := range got {
		if wanted[w] == 0 {
			t.Errorf("unexpected finding %s at %q (%s)", w.rule, w.pointer, w.severity)
		}
	}
	if t.Failed() {
		for _, f := range r.Findings {
			t.Logf("  %s", f)
		}
	}
}

func TestDefinitionPositions(t *testing.T) {
	text := "{\n  \"swagger\": \"2.0\",\n  \"info\": {\"title\": \"t\", \"version\": \"1\"},\n  \"paths\": {\n    \"/a/{id}\": {\"get\": {\"operationId\": \"A\", \"responses\": {\"200\": {\"description\": \"OK\"}}}}\n  },\n  \"basePath\": \"v1\"\n}"
	r := Definition([]byte(text), Options{})
	want := []string{
		"5:17 error OperationMissingPathParameter the operation \"A\" does not define the path parameter \"id\" that \"/a/{id}\" requires",
		"7:3 error BasePathNotValid the basePath \"v1\" must start with \"/\"",
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReport(t *testing.T) {
	r := Report{Findings: []Finding{
		{Rule: "A", Severity: Warning, Pointer: "/a", Line: 1},
		{Rule: "B", Severity: Error, Pointer: "", Line: 2, Message: "b"},
		{Rule: "C", Severity: Error, Pointer: "/c", Line: 3, Message: "c"},
	}}
	if n := len(r.Errors()); n != 2 || !r.HasErrors() {
		t.Errorf("got %d errors, HasErrors %v; want 2, true", n, r.HasErrors())
	}
	want := "2 validation error(s):\nB at / (line 2): b\n… and 1 more"
	if got := r.Summary(1); got != want {
		t.Errorf("Summary: got %q, want %q", got, want)
	}
	if got := (Report{}).Summary(3); got != "" {
		t.Errorf("Summary of no errors: got %q", got)
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Error, Warning, Info} {
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%v: round trip gave %v, %v", s, back, err)
		}
	}
	var s Severity
	if err := s.UnmarshalText([]byte("fatal")); err == nil {
		t.Error("UnmarshalText(fatal): got no error")
	}
}

// TestDefinitionConcurrent validates from several goroutines at once, as a server does; run
// with -race.
func TestDefinitionConcurrent(t *testing.T) {
	text := newDoc(t).text(t)
	bad := []byte(strings.Replace(string(text), `"2.0"`, `"3.0"`, 1))
	done := make(chan bool)
	for i := range 8 {
		go func() {
			in := text
			if i%2 == 1 {
				in = bad
			}
			done <- Definition(in, Options{Certification: i%3 == 0}).HasErrors() == (i%2 == 1)
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent validation gave the wrong result")
		}
	}
}
