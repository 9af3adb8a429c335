package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/client"
)

const baseDef = `{
  "swagger": "2.0",
  "info": {"title": "Pets", "version": "1.0"},
  "host": "api.example.com",
  "parameters": {"Top": {"name": "top", "in": "query", "type": "integer"}},
  "paths": {
    "/pets": {
      "get": {"operationId": "ListPets", "summary": "List pets",
        "parameters": [{"$ref": "#/parameters/Top"}, {"name": "filter", "in": "query", "type": "string"}],
        "responses": {"200": {"description": "OK"}}},
      "post": {"operationId": "CreatePet", "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}}],
        "responses": {"201": {"description": "Created"}}}
    },
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
      "get": {"operationId": "GetPet", "responses": {"200": {"description": "OK"}}}
    }
  },
  "definitions": {"Pet": {"type": "object"}}
}`

func TestPlanCompareDefinitions(t *testing.T) {
	tests := []struct {
		name string
		new  string
		want *DefinitionDiff // nil: no change
	}{
		{
			name: "key order and whitespace",
			new: `{"definitions":{"Pet":{"type":"object"}},"paths":{"/pets/{id}":{"get":{"responses":{"200":{"description":"OK"}},"operationId":"GetPet"},
			"parameters":[{"type":"string","required":true,"in":"path","name":"id"}]},"/pets":{"post":{"responses":{"201":{"description":"Created"}},"parameters":[{"schema":{"$ref":"#/definitions/Pet"},"required":true,"in":"body","name":"body"}],"operationId":"CreatePet"},
			"get":{"responses":{"200":{"description":"OK"}},"parameters":[{"$ref":"#/parameters/Top"},{"type":"string","in":"query","name":"filter"}],"summary":"List pets","operationId":"ListPets"}}},
			"parameters":{"Top":{"type":"integer","in":"query","name":"top"}},"host":"api.example.com","info":{"version":"1.0","title":"Pets"},"swagger":"2.0"}`,
		},
		{
			name: "byte-order mark and trailing comma",
			new:  "\xef\xbb\xbf" + baseDef[:len(baseDef)-1] + ",}",
		},
		{
			name: "operation added and removed",
			new:  replace(t, baseDef, `"post": {"operationId": "CreatePet"`, `"put": {"operationId": "PutPet"`),
			want: &DefinitionDiff{
				Added:   []Operation{{OperationID: "PutPet", Method: "PUT", Path: "/pets"}},
				Removed: []Operation{{OperationID: "CreatePet", Method: "POST", Path: "/pets"}},
			},
		},
		{
			name: "parameter added, removed and changed; summary and responses",
			new: replace(t, baseDef, `"summary": "List pets",
        "parameters": [{"$ref": "#/parameters/Top"}, {"name": "filter", "in": "query", "type": "string"}],
        "responses": {"200": {"description": "OK"}}}`, `"summary": "List the pets",
        "parameters": [{"name": "filter", "in": "query", "type": "integer", "required": true}, {"name": "skip", "in": "query", "type": "integer"}],
        "responses": {"200": {"description": "OK"}, "404": {"description": "None"}}}`),
			want: &DefinitionDiff{Changed: []OperationChange{{
				Operation:         Operation{OperationID: "ListPets", Method: "GET", Path: "/pets"},
				ParametersAdded:   []Parameter{{Name: "skip", In: "query", Type: "integer"}},
				ParametersRemoved: []Parameter{{Name: "top", In: "query", Type: "integer"}},
				ParametersChanged: []ParameterChange{{
					Name: "filter", In: "query",
					Old:    Parameter{Name: "filter", In: "query", Type: "string"},
					New:    Parameter{Name: "filter", In: "query", Type: "integer", Required: true},
					Fields: []string{"required", "type"},
				}},
				Fields:    []FieldChange{{Field: "summary", Old: "List pets", New: "List the pets"}},
				Responses: &ResponsesDiff{Added: []string{"404"}},
			}}},
		},
		{
			name: "path-level parameter and a referenced parameter",
			new: replace(t, replace(t, baseDef, `"in": "path", "required": true, "type": "string"`, `"in": "path", "required": true, "type": "integer"`),
				`"Top": {"name": "top", "in": "query", "type": "integer"}`, `"Top": {"name": "top", "in": "query", "type": "integer", "required": true}`),
			want: &DefinitionDiff{
				Changed: []OperationChange{
					{
						Operation: Operation{OperationID: "GetPet", Method: "GET", Path: "/pets/{id}"},
						ParametersChanged: []ParameterChange{{Name: "id", In: "path",
							Old: Parameter{Name: "id", In: "path", Type: "string", Required: true}, New: Parameter{Name: "id", In: "path", Type: "integer", Required: true},
							Fields: []string{"type"}}},
					},
					{
						Operation: Operation{OperationID: "ListPets", Method: "GET", Path: "/pets"},
						ParametersChanged: []ParameterChange{{Name: "top", In: "query",
							Old: Parameter{Name: "top", In: "query", Type: "integer"}, New: Parameter{Name: "top", In: "query", Type: "integer", Required: true},
							Fields: []string{"required"}}},
					},
				},
				Other: []string{"parameters/Top"},
			},
		},
		{
			name: "moved operation, other members, definitions and info",
			new: replace(t, replace(t, replace(t, baseDef, `"/pets/{id}": {`, `"/pet/{id}": {`),
				`"operationId": "GetPet",`, `"operationId": "GetPet", "x-ms-visibility": "important", "description": "One pet",`),
				`"definitions": {"Pet": {"type": "object"}}`, `"definitions": {"Pet": {"type": "object", "required": ["id"]}, "Owner": {}}`),
			want: &DefinitionDiff{
				Changed: []OperationChange{{
					Operation: Operation{OperationID: "GetPet", Method: "GET", Path: "/pet/{id}"},
					OldMethod: "GET", OldPath: "/pets/{id}",
					Fields: []FieldChange{{Field: "description", New: "One pet"}},
					Other:  []string{"x-ms-visibility"},
				}},
				Other: []string{"definitions/Owner", "definitions/Pet"},
			},
		},
		{
			name: "not JSON",
			new:  `{"swagger": "2.0", "paths": {`,
			want: &DefinitionDiff{NotJSON: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareDefinitions([]byte(baseDef), []byte(tt.new))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanCompareColumns(t *testing.T) {
	cur := &client.Connector{
		DisplayName: "Pets", ConnectorType: 1, OpenAPIDefinition: baseDef,
		ConnectionParameters:    `{"token": {"type": "oauthSetting", "oAuthSettings": {"clientId": "a", "clientSecret": ""}}}`,
		PolicyTemplateInstances: `[{"templateId": "setheader"}]`,
		Capabilities:            "118690000,118690005",
	}
	same := *cur
	tests := []struct {
		name   string
		change func(c *client.Connector)
		want   []ColumnChange
	}{
		{name: "same", change: func(*client.Connector) {}, want: []ColumnChange{}},
		{
			name: "JSON text reordered, a secret, capabilities with spaces",
			change: func(c *client.Connector) {
				c.ConnectionParameters = "{\n  \"token\": {\"oAuthSettings\": {\"clientSecret\": \"s3cret\", \"clientId\": \"a\"}, \"type\": \"oauthSetting\"}\n}"
				c.PolicyTemplateInstances = `[ { "templateId" : "setheader" } ]`
				c.Capabilities = "118690005, 118690000"
			},
			want: []ColumnChange{},
		},
		{
			name: "JSON text changed",
			change: func(c *client.Connector) {
				c.ConnectionParameters = `{"token": {"type": "oauthSetting", "oAuthSettings": {"clientId": "b"}}, "api_key": {"type": "securestring"}}`
				c.PolicyTemplateInstances = `[{"templateId": "setheader"}, {"templateId": "routerequesttoendpoint"}]`
				c.ScriptOperations = `["A"]`
			},
			want: []ColumnChange{
				{Column: "connectionparameters", Summary: "added api_key; changed token"},
				{Column: "policytemplateinstances", Summary: "1 → 2 items"},
				{Column: "scriptoperations", Summary: "set: array of 1 items"},
			},
		},
		{
			name: "text columns and the definition",
			change: func(c *client.Connector) {
				c.DisplayName = "Pets 2"
				c.ConnectorType = 2
				c.CustomCodeBlobContent = "public class Script {}\n"
				c.OpenAPIDefinition = replace(t, baseDef, `"host": "api.example.com"`, `"host": "api2.example.com"`)
			},
			want: []ColumnChange{
				{Column: "displayname", Old: "Pets", New: "Pets 2"},
				{Column: "connectortype", Old: "1", New: "2"},
				{Column: "openapidefinition", Summary: "changed host"},
				{Column: "customcodeblobcontent", Summary: "set (2 lines)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired := same
			tt.change(&desired)
			got := Compare(cur, &desired)
			if diff := cmp.Diff(tt.want, got.Columns); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			// The update body writes exactly the changed columns.
			u := UpdateOf(got, &desired)
			if (u.DisplayName != nil) != got.Changed("displayname") || (u.OpenAPIDefinition != nil) != got.Changed("openapidefinition") {
				t.Errorf("UpdateOf does not match the diff: %+v", u)
			}
		})
	}
}

func TestPlanHasPrefix(t *testing.T) {
	for _, tt := range []struct {
		name, prefix string
		want         bool
	}{
		{"new_pets", "new", true},
		{"NEW_Pets", "new", true},
		{"newpets", "new", false},
		{"new_", "new", false},
		{"cr736_pets", "new", false},
		{"new_pets", "", false},
	} {
		if got := HasPrefix(tt.name, tt.prefix); got != tt.want {
			t.Errorf("HasPrefix(%q, %q) = %v, want %v", tt.name, tt.prefix, got, tt.want)
		}
	}
}

// replace replaces old, which must occur once, by new.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	i := indexOnce(s, old)
	if i < 0 {
		t.Fatalf("%q does not occur exactly once", old)
	}
	return s[:i] + new + s[i+len(old):]
}

func indexOnce(s, sub string) int {
	first := -1
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			if first >= 0 {
				return -1
			}
			first = i
		}
	}
	return first
}
