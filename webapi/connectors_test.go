package webapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// pageCreateBody is the create request of Microsoft's page, verbatim.
const pageCreateBody = `{
"connectorid": "00000000-0000-0000-0000-000000000003",
"name": "cr736_5Fdemosolnconnector",
"displayname": "DemoSolnConnector",
"openapidefinition": "{\"swagger\":\"2.0\",\"info\":{\"title\":\"demosolutionconnector\",\"description\":\"Sample description.\",\"version\":\"1.0\"},\"host\":\"api.demobackend.com\",\"basePath\":\"/\",\"schemes\":[\"https\"],\"consumes\":[],\"produces\":[],\"paths\":{\"/get\":{\"get\":{\"responses\":{\"default\":{\"description\":\"default\",\"schema\":{}}},\"summary\":\"Get\",\"description\":\"Get\",\"operationId\":\"Get\",\"parameters\":[{\"name\":\"foo1\",\"in\":\"query\",\"required\":false,\"type\":\"string\"},{\"name\":\"foo2\",\"in\":\"query\",\"required\":false,\"type\":\"string\"}]}}},\"definitions\":{},\"parameters\":{},\"responses\":{},\"securityDefinitions\":{},\"security\":[],\"tags\":[]}",
"connectortype": 1
}`

// pagePatchBody is the update request of Microsoft's page, verbatim: note the trailing comma.
const pagePatchBody = `{
"description" : "This is updated description of the custom connector.",
"ownerid@odata.bind": "systemusers(00000000-0000-0000-0000-000000000005)",
}`

// TestMicrosoftPage runs every request of Microsoft's page on managing solution connectors
// with the Dataverse Web API, on each API version.
func TestMicrosoftPage(t *testing.T) {
	for _, version := range []string{"v9.0", "v9.1", "v9.2"} {
		t.Run(version, func(t *testing.T) {
			s := MustOpenServer(t)
			base := "/api/data/" + version
			// The page's update names a user and reads a connector that this empty database
			// lacks: add them first.
			if err := s.DB.CreateSystemUser(context.Background(), &connectorhub.SystemUser{ID: "00000000-0000-0000-0000-000000000005", FullName: "Page User"}); err != nil {
				t.Fatal(err)
			}
			second := strings.Replace(strings.Replace(pageCreateBody, "000000000003", "000000000002", 1), "cr736_5Fdemosolnconnector", "cr736_second", 1)
			second = strings.Replace(second, `"displayname": "DemoSolnConnector"`, `"displayname": "MyConnector1"`, 1)
			if r := s.do(t, "POST", base+"/connectors", second); r.Status != http.StatusNoContent {
				t.Fatalf("seed: %d %s", r.Status, r.Body)
			}

			// Create.
			r := s.do(t, "POST", base+"/connectors", pageCreateBody, "Accept: application/json")
			if r.Status != http.StatusNoContent {
				t.Fatalf("create: got %d %s, want 204", r.Status, r.Body)
			}
			wantEntityID := s.URL() + base + "/connectors(00000000-0000-0000-0000-000000000003)"
			if got := r.Header.Get("OData-EntityId"); got != wantEntityID {
				t.Errorf("OData-EntityId: got %q, want %q", got, wantEntityID)
			}

			// List with the page's filter, space after '=' included.
			r = s.do(t, "GET", base+"/connectors?$filter="+url.QueryEscape(" displayname eq 'MyConnector1'"), "")
			if r.Status != http.StatusOK {
				t.Fatalf("list: %d %s", r.Status, r.Body)
			}
			value := r.JSON(t)["value"].([]any)
			if len(value) != 1 || value[0].(map[string]any)["connectorid"] != "00000000-0000-0000-0000-000000000002" {
				t.Errorf("list: got %s", r.Body)
			}

			// Get by id.
			r = s.do(t, "GET", base+"/connectors(00000000-0000-0000-0000-000000000002)", "")
			if r.Status != http.StatusOK || r.JSON(t)["name"] != "cr736_second" {
				t.Errorf("get: %d %s", r.Status, r.Body)
			}

			// Update, with the tag parameter and the trailing comma.
			r = s.do(t, "PATCH", base+"/connectors(00000000-0000-0000-0000-000000000002)?tag=PowerAppsRP", pagePatchBody)
			if r.Status != http.StatusNoContent {
				t.Fatalf("update: got %d %s, want 204", r.Status, r.Body)
			}
			got := s.do(t, "GET", base+"/connectors(00000000-0000-0000-0000-000000000002)", "").JSON(t)
			if got["description"] != "This is updated description of the custom connector." || got["_ownerid_value"] != "00000000-0000-0000-0000-000000000005" {
				t.Errorf("after update: description %v, owner %v", got["description"], got["_ownerid_value"])
			}

			// Delete.
			if r := s.do(t, "DELETE", base+"/connectors(00000000-0000-0000-0000-000000000002)", ""); r.Status != http.StatusNoContent {
				t.Errorf("delete: got %d %s, want 204", r.Status, r.Body)
			}
			if r := s.do(t, "GET", base+"/connectors(00000000-0000-0000-0000-000000000002)", ""); r.Status != http.StatusNotFound {
				t.Errorf("get after delete: got %d, want 404", r.Status)
			}
		})
	}
}

// body returns a valid create body numbered n with extra members merged in ("" removes one).
func body(n int, extra map[string]any) string {
	m := map[string]any{
		"connectorid":       fmt.Sprintf("00000000-0000-0000-0000-%012d", n),
		"name":              fmt.Sprintf("cr736_c%d", n),
		"displayname":       fmt.Sprintf("Connector %d", n),
		"openapidefinition": `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`,
		"connectortype":     1,
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return mustJSON(m)
}

func TestCreateValidation(t *testing.T) {
	s := MustOpenServer(t)
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil)); r.Status != http.StatusNoContent {
		t.Fatalf("seed: %d %s", r.Status, r.Body)
	}
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes, count
	bigDef := `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("a", 1_000_000) + `"}`
	tests := []struct {
		name     string
		body     string
		status   int
		code     string
		contains string
	}{
		{"MissingConnectorId", body(2, map[string]any{"connectorid": nil}), 400, connectorhub.ECodeInvalidArgument, "'connectorid'"},
		{"MissingName", body(2, map[string]any{"name": nil}), 400, connectorhub.ECodeInvalidArgument, "'name'"},
		{"MissingDisplayName", body(2, map[string]any{"displayname": nil}), 400, connectorhub.ECodeInvalidArgument, "'displayname'"},
		{"MissingDefinition", body(2, map[string]any{"openapidefinition": nil}), 400, connectorhub.ECodeInvalidArgument, "'openapidefinition'"},
		{"MissingType", body(2, map[string]any{"connectortype": nil}), 400, connectorhub.ECodeInvalidArgument, "'connectortype'"},
		{"BadType", body(2, map[string]any{"connectortype": 5}), 400, connectorhub.ECodeInvalidArgument, "connectortype"},
		{"TypeAsString", body(2, map[string]any{"connectortype": "1"}), 400, connectorhub.ECodePayload, "Edm.Int32"},
		{"OpenAPI3", body(2, map[string]any{"openapidefinition": `{"openapi":"3.0.1","info":{},"paths":{}}`}), 400, connectorhub.ECodeInvalidArgument, "only Swagger 2.0"},
		{"DefinitionNotJSON", body(2, map[string]any{"openapidefinition": `swagger: "2.0"`}), 400, connectorhub.ECodeInvalidArgument, "Swagger 2.0"},
		{"BadGUID", body(2, map[string]any{"connectorid": "not-a-guid"}), 400, connectorhub.ECodeInvalidArgument, "GUID"},
		{"NameTooLong", body(2, map[string]any{"name": long(501)}), 400, connectorhub.ECodeLengthExceeded, "'name' attribute of the 'connector' entity exceeded the maximum allowed length of '500'"},
		{"DisplayNameTooLong", body(2, map[string]any{"displayname": long(201)}), 400, connectorhub.ECodeLengthExceeded, "'200'"},
		{"DescriptionTooLong", body(2, map[string]any{"description": long(1001)}), 400, connectorhub.ECodeLengthExceeded, "'1000'"},
		{"DefinitionTooLong", body(2, map[string]any{"openapidefinition": bigDef}), 400, connectorhub.ECodeLengthExceeded, "'1000000'"},
		{"ParametersTooLong", body(2, map[string]any{"connectionparameters": `{"a":"` + strings.Repeat("a", 500_000) + `"}`}), 400, connectorhub.ECodeLengthExceeded, "'500000'"},
		{"ScriptTooLong", body(2, map[string]any{"customcodeblobcontent": long(500_001)}), 400, connectorhub.ECodeLengthExceeded, "customcodeblobcontent"},
		{"IconBrandColorTooLong", body(2, map[string]any{"iconbrandcolor": long(101)}), 400, connectorhub.ECodeLengthExceeded, "'100'"},
		{"UnknownProperty", body(2, map[string]any{"colour": "red"}), 400, connectorhub.ECodeBadRequest, "Invalid property 'colour' was found in entity 'Microsoft.Dynamics.CRM.connector'"},
		{"ReadOnlyProperty", body(2, map[string]any{"createdon": "2020-01-01T00:00:00Z"}), 400, connectorhub.ECodeInvalidArgument, "createdon"},
		{"StateOnCreate", body(2, map[string]any{"statecode": 1}), 400, connectorhub.ECodeInvalidArgument, "statecode"},
		{"MalformedJSON", `{"name": "x",, }`, 400, connectorhub.ECodePayload, "Error identified in Payload"},
		{"NotAnObject", `[1,2]`, 400, connectorhub.ECodePayload, "JSON object"},
		{"EmptyBody", ``, 400, connectorhub.ECodePayload, "Invalid JSON"},
		{"Icon", body(2, map[string]any{"iconblob": "iVBORw0KGgo="}), 400, connectorhub.ECodeInvalidArgument, "icon (iconblob) cannot be set through the Web API"},
		{"BadCapability", body(2, map[string]any{"capabilities": "118690000,42"}), 400, connectorhub.ECodeInvalidArgument, "'42'"},
		{"ParametersNotJSON", body(2, map[string]any{"connectionparameters": "token=secret"}), 400, connectorhub.ECodeInvalidArgument, "connectionparameters"},
		{"UnknownBind", body(2, map[string]any{"parentid@odata.bind": "connectors(00000000-0000-0000-0000-000000000001)"}), 400, connectorhub.ECodePayload, "undeclared property 'parentid'"},
		{"UnknownOwner", body(2, map[string]any{"ownerid@odata.bind": "/systemusers(00000000-0000-0000-0000-000000000099)"}), 400, connectorhub.ECodeInvalidArgument, "does not exist"},
		{"BadOwnerBind", body(2, map[string]any{"ownerid@odata.bind": "accounts(00000000-0000-0000-0000-000000000099)"}), 400, connectorhub.ECodeInvalidArgument, "ownerid@odata.bind"},
		{"DuplicateID", body(1, map[string]any{"name": "other"}), 412, connectorhub.ECodeDuplicateKey, "duplicate key"},
		{"DuplicateName", body(2, map[string]any{"name": "CR736_C1"}), 412, connectorhub.ECodeDuplicateKey, "matching key values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "POST", "/api/data/v9.2/connectors", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status: got %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			code, msg := r.ErrorCode(t)
			if code != tt.code || !strings.Contains(msg, tt.contains) {
				t.Errorf("got %s %q, want %s containing %q", code, msg, tt.code, tt.contains)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; odata.metadata=minimal" {
				t.Errorf("Content-Type: got %q", ct)
			}
			if v := r.Header.Get("OData-Version"); v != "4.0" {
				t.Errorf("OData-Version: got %q", v)
			}
		})
	}
	if n := s.do(t, "GET", "/api/data/v9.2/connectors/$count", "").Body; string(n) != "1" {
		t.Errorf("a refused create stored something: count %s", n)
	}
}

func TestCreateRepresentation(t *testing.T) {
	s := MustOpenServer(t)
	r := s.do(t, "POST", "/api/data/v9.2/connectors?$select=name,displayname", body(1, nil), "Prefer: return=representation")
	if r.Status != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", r.Status, r.Body)
	}
	got := r.JSON(t)
	want := map[string]any{
		"@odata.context": s.URL() + "/api/data/v9.2/$metadata#connectors(name,displayname)/$entity",
		"@odata.etag":    got["@odata.etag"],
		"name":           "cr736_c1",
		"displayname":    "Connector 1",
		"connectorid":    "00000000-0000-0000-0000-000000000001",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if !strings.HasPrefix(fmt.Sprint(got["@odata.etag"]), `W/"`) {
		t.Errorf("etag: got %v", got["@odata.etag"])
	}
	if r.Header.Get("OData-EntityId") != "" {
		t.Errorf("OData-EntityId with return=representation: got %q, want none", r.Header.Get("OData-EntityId"))
	}
	if r.Header.Get("Preference-Applied") != "return=representation" {
		t.Errorf("Preference-Applied: got %q", r.Header.Get("Preference-Applied"))
	}
}

// TestRoundTrip writes every writable column and reads every column back.
func TestRoundTrip(t *testing.T) {
	s := MustOpenServer(t)
	cols := map[string]any{
		"description":             "Line one\nline \"two\" <b>&</b> 😀",
		"connectionparameters":    `{"api_key": {"type": "securestring", "uiDefinition": {"displayName": "API Key"}}}`,
		"connectionparametersets": `{"uiDefinition": {"displayName": "Auth"}, "values": []}`,
		"policytemplateinstances": `[{"templateId": "setheader", "title": "h", "parameters": {"x-ms-apimTemplateParameter.name": "a"}}]`,
		"scriptoperations":        `["GetThing"]`,
		"customcodeblobcontent":   "public class Script : ScriptBase\n{\n}\n",
		"capabilities":            "118690005, 118690000",
		"iconbrandcolor":          "#007ee5",
		"connectorinternalid":     "shared_custom-5fid",
	}
	r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, cols))
	if r.Status != http.StatusNoContent {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	got := s.do(t, "GET", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", "").JSON(t)
	for k, v := range cols {
		if k == "capabilities" {
			v = "118690005,118690000" // Dataverse's normal form
		}
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	admin := s.Admin
	for k, v := range map[string]any{
		"_createdby_value": admin.ID, "_modifiedby_value": admin.ID, "_ownerid_value": admin.ID,
		"_owninguser_value": admin.ID, "_owningbusinessunit_value": admin.BusinessUnitID, "_owningteam_value": nil,
		"statecode": 0.0, "statuscode": 1.0, "ismanaged": false, "componentstate": 0.0,
		"solutionid": connectorhub.ActiveSolutionID, "iconblob": nil,
	} {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"createdon", "modifiedon"} {
		if s, _ := got[k].(string); len(s) != 20 || !strings.HasSuffix(s, "Z") {
			t.Errorf("%s: got %v, want YYYY-MM-DDThh:mm:ssZ", k, got[k])
		}
	}
	if v, _ := got["versionnumber"].(float64); v <= 0 || got["@odata.etag"] != fmt.Sprintf(`W/"%d"`, int64(v)) {
		t.Errorf("versionnumber %v and etag %v disagree", got["versionnumber"], got["@odata.etag"])
	}
}

func TestInternalID(t *testing.T) {
	s := MustOpenServer(t)
	s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil))
	r := s.do(t, "GET", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)/connectorinternalid", "")
	if got := r.JSON(t)["value"]; got != connectorhub.DeriveInternalID("cr736_c1") {
		t.Errorf("derived internal id: got %v, want %v", got, connectorhub.DeriveInternalID("cr736_c1"))
	}
	for _, b := range []string{`{"name": "renamed"}`, `{"connectorinternalid": "x"}`, `{"connectorid": "00000000-0000-0000-0000-000000000009"}`} {
		r := s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", b)
		if code, msg := r.ErrorCode(t); r.Status != 400 || !strings.Contains(msg, "cannot be changed after it is created") {
			t.Errorf("PATCH %s: got %d %s %q", b, r.Status, code, msg)
		}
	}
}

func TestGetAndProperties(t *testing.T) {
	s := MustOpenServer(t)
	s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil))
	tests := []struct {
		name, path string
		status     int
		code       string
		body       string
	}{
		{"MalformedKey", "/connectors(123)", 400, connectorhub.ECodeBadRequest, ""},
		{"Missing", "/connectors(00000000-0000-0000-0000-000000000099)", 404, connectorhub.ECodeNotFound, ""},
		{"Property", "/connectors(00000000-0000-0000-0000-000000000001)/displayname", 200, "", `{"@odata.context":"BASE/$metadata#connectors(00000000-0000-0000-0000-000000000001)/displayname","value":"Connector 1"}`},
		{"IntProperty", "/connectors(00000000-0000-0000-0000-000000000001)/connectortype", 200, "", `{"@odata.context":"BASE/$metadata#connectors(00000000-0000-0000-0000-000000000001)/connectortype","value":1}`},
		{"NullProperty", "/connectors(00000000-0000-0000-0000-000000000001)/description", 204, "", ""},
		{"UnknownProperty", "/connectors(00000000-0000-0000-0000-000000000001)/colour", 404, connectorhub.ECodeResourceNotFound, ""},
		{"PropertyOfMissing", "/connectors(00000000-0000-0000-0000-000000000099)/name", 404, connectorhub.ECodeNotFound, ""},
		{"Count", "/connectors/$count", 200, "", "1"},
		{"UnknownSet", "/accounts", 404, connectorhub.ECodeResourceNotFound, ""},
		{"BraceKey", "/connectors({00000000-0000-0000-0000-000000000001})/name", 200, "", `{"@odata.context":"BASE/$metadata#connectors(00000000-0000-0000-0000-000000000001)/name","value":"cr736_c1"}`},
		{"SkipRefused", "/connectors?$skip=1", 400, connectorhub.ECodeQuery, ""},
		{"BadSelect", "/connectors?$select=colour", 400, connectorhub.ECodeBadRequest, `{"error":{"code":"0x0","message":"Could not find a property named 'colour' on type 'Microsoft.Dynamics.CRM.connector'."}}`},
		{"SelectList", "/connectors?$select=name", 200, "", `{"@odata.context":"BASE/$metadata#connectors(name)","value":[{"@odata.etag":"W/\"1\"","name":"cr736_c1","connectorid":"00000000-0000-0000-0000-000000000001"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "GET", "/api/data/v9.2"+tt.path, "")
			if r.Status != tt.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.code != "" {
				if code, _ := r.ErrorCode(t); code != tt.code {
					t.Errorf("code: got %s, want %s", code, tt.code)
				}
			}
			if want := strings.ReplaceAll(tt.body, "BASE", s.URL()+"/api/data/v9.2"); tt.body != "" && string(r.Body) != want {
				t.Errorf("body:\n got %s\nwant %s", r.Body, want)
			}
		})
	}
	if ct := s.do(t, "GET", "/api/data/v9.2/connectors/$count", "").Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("$count Content-Type: got %q", ct)
	}
}

// TestPatchKeepsLargeColumns: a PATCH answered with 204 reads the record without its large
// columns (connectorhub.ReturnBrief); what it does not give must stay as stored, what it
// clears must be cleared, and a PATCH that returns the representation returns them all.
func TestPatchKeepsLargeColumns(t *testing.T) {
	s := MustOpenServer(t)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	def := `{"swagger":"2.0","info":{"title":"large","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("d", 30000) + `"}`
	params := `{"region":{"type":"string"}}`
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"openapidefinition": def, "connectionparameters": params})); r.Status != http.StatusNoContent {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	stored := func() map[string]any {
		t.Helper()
		r := s.do(t, "GET", one, "")
		if r.Status != http.StatusOK {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	for _, tt := range []struct {
		name, patch, wantParams, wantDescription string
	}{
		{"description", `{"description": "a longer description than before"}`, params, "a longer description than before"},
		{"description again", `{"description": "short"}`, params, "short"},
		{"connectionparameters cleared", `{"connectionparameters": null}`, "", "short"},
		{"description after", `{"description": "after"}`, "", "after"},
	} {
		if r := s.do(t, "PATCH", one, tt.patch); r.Status != http.StatusNoContent {
			t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
		}
		got := stored()
		if got["openapidefinition"] != def {
			t.Errorf("%s: the definition changed (%d characters)", tt.name, len(fmt.Sprint(got["openapidefinition"])))
		}
		if p, _ := got["connectionparameters"].(string); p != tt.wantParams {
			t.Errorf("%s: connectionparameters %q, want %q", tt.name, p, tt.wantParams)
		}
		if got["description"] != tt.wantDescription {
			t.Errorf("%s: description %v, want %q", tt.name, got["description"], tt.wantDescription)
		}
	}
	r := s.do(t, "PATCH", one, `{"description": "represented"}`, "Prefer: return=representation")
	if got := r.JSON(t); r.Status != http.StatusOK || got["openapidefinition"] != def || got["description"] != "represented" {
		t.Errorf("with return=representation: %d, description %v, definition of %d characters", r.Status, got["description"], len(fmt.Sprint(got["openapidefinition"])))
	}
}

func TestUpdateAndUpsert(t *testing.T) {
	s := MustOpenServer(t)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"description": "keep me"}))

	// PATCH changes only what it is given.
	r := s.do(t, "PATCH", one, `{"displayname": "Renamed"}`, "Prefer: return=representation")
	if r.Status != http.StatusOK {
		t.Fatalf("update with representation: got %d %s, want 200", r.Status, r.Body)
	}
	if got := r.JSON(t); got["displayname"] != "Renamed" || got["description"] != "keep me" {
		t.Errorf("got %v", got)
	}
	// Clearing with null.
	r = s.do(t, "PATCH", one, `{"description": null}`, "Prefer: return=representation")
	if got := r.JSON(t); got["description"] != nil {
		t.Errorf("clear: got %v", got["description"])
	}
	if r := s.do(t, "PATCH", one, `{"displayname": null}`); r.Status != 400 {
		t.Errorf("null displayname: got %d, want 400", r.Status)
	}
	// Deactivate: statecode alone takes its default status.
	r = s.do(t, "PATCH", one, `{"statecode": 1}`, "Prefer: return=representation")
	if got := r.JSON(t); got["statecode"] != 1.0 || got["statuscode"] != 2.0 {
		t.Errorf("statecode 1: got %v/%v, want 1/2", got["statecode"], got["statuscode"])
	}
	if r := s.do(t, "PATCH", one, `{"statecode": 0, "statuscode": 2}`); r.Status != 400 {
		t.Errorf("inconsistent state: got %d, want 400", r.Status)
	}

	// Upsert: creates when missing.
	const two = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000002)"
	create := body(2, map[string]any{"connectorid": nil})
	r = s.do(t, "PATCH", two, create, "If-Match: *")
	if code, _ := r.ErrorCode(t); r.Status != 404 || code != connectorhub.ECodeNotFound {
		t.Errorf("If-Match * on missing: got %d %s, want 404", r.Status, code)
	}
	r = s.do(t, "PATCH", two, create, "Prefer: return=representation")
	if r.Status != http.StatusCreated || r.JSON(t)["connectorid"] != "00000000-0000-0000-0000-000000000002" || r.Header.Get("OData-EntityId") != "" {
		t.Errorf("upsert create: got %d %v %s, want 201 without OData-EntityId", r.Status, r.Header, r.Body)
	}
	r = s.do(t, "PATCH", two, `{"description": "x"}`, "If-None-Match: *")
	if r.Status != 412 {
		t.Errorf("If-None-Match * on existing: got %d %s, want 412", r.Status, r.Body)
	}
	r = s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000003)", body(3, nil))
	if r.Status != http.StatusNoContent || !strings.HasSuffix(r.Header.Get("OData-EntityId"), "/connectors(00000000-0000-0000-0000-000000000003)") {
		t.Errorf("upsert create without representation: got %d %v", r.Status, r.Header)
	}
	r = s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000004)", body(5, nil))
	if r.Status != 400 {
		t.Errorf("upsert with a different connectorid in the body: got %d, want 400", r.Status)
	}

	// PUT and DELETE of a single property.
	if r := s.do(t, "PUT", one+"/description", `{"value": "put"}`); r.Status != http.StatusNoContent {
		t.Errorf("PUT property: got %d %s", r.Status, r.Body)
	}
	if got := s.do(t, "GET", one+"/description", "").JSON(t)["value"]; got != "put" {
		t.Errorf("after PUT: got %v", got)
	}
	if r := s.do(t, "DELETE", one+"/description", ""); r.Status != http.StatusNoContent {
		t.Errorf("DELETE property: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one+"/description", ""); r.Status != http.StatusNoContent {
		t.Errorf("after DELETE property: got %d", r.Status)
	}

	// DELETE.
	if r := s.do(t, "DELETE", two, ""); r.Status != http.StatusNoContent {
		t.Errorf("delete: got %d", r.Status)
	}
	if r := s.do(t, "DELETE", two, ""); r.Status != http.StatusNotFound {
		t.Errorf("delete again: got %d, want 404", r.Status)
	}
	if r := s.do(t, "DELETE", "/api/data/v9.2/connectors", ""); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE on the collection: got %d, want 405", r.Status)
	}
}

func TestETags(t *testing.T) {
	s := MustOpenServer(t)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil))
	etag := s.do(t, "GET", one, "").JSON(t)["@odata.etag"].(string)

	if r := s.do(t, "GET", one, "", "If-None-Match: "+etag); r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Errorf("If-None-Match current: got %d %s, want 304", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one, "", `If-None-Match: W/"1234567"`); r.Status != http.StatusOK {
		t.Errorf("If-None-Match stale: got %d, want 200", r.Status)
	}
	if r := s.do(t, "GET", one+"?$expand=ownerid($select=fullname)", "", "If-None-Match: "+etag); r.Status != http.StatusOK {
		t.Errorf("If-None-Match with $expand: got %d, want 200 (Dataverse never answers 304 then)", r.Status)
	}
	if r := s.do(t, "GET", one, "", "If-None-Match: "+etag, `Prefer: odata.include-annotations="*"`); r.Status != http.StatusOK {
		t.Errorf("If-None-Match with annotations: got %d, want 200", r.Status)
	}
	if r := s.do(t, "GET", one, "", `If-None-Match: null`); r.Status != http.StatusOK {
		t.Errorf("If-None-Match null (recommended by Microsoft): got %d, want 200", r.Status)
	}
	r := s.do(t, "PATCH", one, `{"description": "a"}`, "If-Match: "+etag, "Prefer: return=representation")
	if r.Status != http.StatusOK {
		t.Fatalf("If-Match current: got %d %s", r.Status, r.Body)
	}
	newTag := r.JSON(t)["@odata.etag"].(string)
	if newTag == etag {
		t.Errorf("the etag did not change on update")
	}
	for _, method := range []string{"PATCH", "DELETE"} {
		r := s.do(t, method, one, `{"description": "b"}`, "If-Match: "+etag)
		code, msg := r.ErrorCode(t)
		if r.Status != http.StatusPreconditionFailed || msg != "The version of the existing record doesn't match the RowVersion property provided." {
			t.Errorf("%s with a stale If-Match: got %d %s %q, want 412", method, r.Status, code, msg)
		}
	}
	if r := s.do(t, "DELETE", one, "", "If-Match: "+newTag); r.Status != http.StatusNoContent {
		t.Errorf("DELETE with the current If-Match: got %d", r.Status)
	}
}

// TestSecretsNeverStored sends a client secret and looks for it everywhere it could land.
func TestSecretsNeverStored(t *testing.T) {
	s := MustOpenServer(t)
	const secret = "Sup3rS3cretV4lue-never-store-me"
	params := `{"token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "aad", "clientId": "abc", "clientSecret": "` + secret + `", "properties": {"IsFirstParty": "False"}}},
		"api_key": {"type": "securestring", "defaultValue": "` + secret + `"}}`
	sets := `{"values": [{"name": "oauth", "parameters": {"token": {"type": "oauthSetting", "oAuthSettings": {"clientSecret": "` + secret + `"}}}},
		{"name": "env", "parameters": {"token": {"type": "oauthSetting", "oAuthSettings": {"clientSecret": "@environmentVariables(\"cr49f_ClientSecret\")"}}}}]}`
	r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"connectionparameters": params, "connectionparametersets": sets}))
	if r.Status != http.StatusNoContent {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	wantHeader := "connectionparameters/token/oAuthSettings/clientSecret, connectionparameters/api_key/defaultValue, connectionparametersets/values/0/parameters/token/oAuthSettings/clientSecret"
	if got := r.Header.Get("ConnectorHub-Stripped-Secrets"); got != wantHeader {
		t.Errorf("ConnectorHub-Stripped-Secrets:\n got %q\nwant %q", got, wantHeader)
	}
	// And through PATCH.
	r = s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", mustJSON(map[string]any{"connectionparameters": params}))
	if r.Status != http.StatusNoContent || r.Header.Get("ConnectorHub-Stripped-Secrets") == "" {
		t.Errorf("patch: %d %v", r.Status, r.Header)
	}
	got := s.do(t, "GET", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", "").JSON(t)
	if want := strings.ReplaceAll(params, `"`+secret+`"`, `""`); got["connectionparameters"] != want {
		t.Errorf("connectionparameters:\n got %s\nwant %s", got["connectionparameters"], want)
	}
	if !strings.Contains(got["connectionparametersets"].(string), `@environmentVariables(\"cr49f_ClientSecret\")`) {
		t.Errorf("the environment variable reference was lost: %s", got["connectionparametersets"])
	}
	s.Close(context.Background())
	s.DB.Close() // checkpoint nothing away: the WAL is read as it is
	for _, f := range dbFiles(s.Path) {
		data, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(data), secret) {
			t.Errorf("%s holds the secret", filepath.Base(f))
		}
	}
	if strings.Contains(s.Logs.String(), secret) {
		t.Errorf("the log holds the secret")
	}
	if !strings.Contains(s.Logs.String(), "request_id=") {
		t.Errorf("the log has no request ids:\n%s", s.Logs.String())
	}
}

func TestServiceEndpoints(t *testing.T) {
	s := MustOpenServer(t)
	base := s.URL() + "/api/data/v9.2"
	r := s.do(t, "GET", "/api/data/v9.2/", "")
	if r.Status != 200 || r.JSON(t)["@odata.context"] != base+"/$metadata" || !strings.Contains(string(r.Body), `{"name":"connectors","kind":"EntitySet","url":"connectors"}`) {
		t.Errorf("service document: %d %s", r.Status, r.Body)
	}
	r = s.do(t, "GET", "/api/data/v9.2/WhoAmI", "")
	who := r.JSON(t)
	if who["UserId"] != s.Admin.ID || who["BusinessUnitId"] != s.Admin.BusinessUnitID || who["OrganizationId"] == nil ||
		who["@odata.context"] != base+"/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse" {
		t.Errorf("WhoAmI: %s", r.Body)
	}
	if r := s.do(t, "GET", "/api/data/v9.2/WhoAmI()", ""); r.Status != 200 {
		t.Errorf("WhoAmI(): %d", r.Status)
	}
	r = s.do(t, "POST", "/api/data/v9.2/WhoAmI", "{}")
	if code, msg := r.ErrorCode(t); r.Status != 404 || code != "" || !strings.HasPrefix(msg, "No HTTP resource was found that matches the request URI") {
		t.Errorf("POST WhoAmI: got %d %q %q", r.Status, code, msg)
	}
	r = s.do(t, "GET", "/api/data/v9.2/EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute&$filter="+url.QueryEscape("LogicalName eq 'connector'"), "")
	defs := r.JSON(t)["value"].([]any)
	if len(defs) != 1 {
		t.Fatalf("EntityDefinitions: %s", r.Body)
	}
	d := defs[0].(map[string]any)
	if d["LogicalName"] != "connector" || d["EntitySetName"] != "connectors" || d["PrimaryIdAttribute"] != "connectorid" || d["PrimaryNameAttribute"] != "name" || d["MetadataId"] == nil {
		t.Errorf("EntityDefinitions: %v", d)
	}
	r = s.do(t, "GET", "/api/data/v9.2/EntityDefinitions?$filter="+url.QueryEscape("LogicalName eq 'systemuser' or LogicalName eq 'team'")+"&$select=EntitySetName", "")
	if got := len(r.JSON(t)["value"].([]any)); got != 2 {
		t.Errorf("EntityDefinitions or: got %d, want 2: %s", got, r.Body)
	}
	r = s.do(t, "GET", "/api/data/v9.2/EntityDefinitions(LogicalName='businessunit')?$select=EntitySetName", "")
	if r.Status != 200 || r.JSON(t)["EntitySetName"] != "businessunits" {
		t.Errorf("EntityDefinitions(LogicalName=…): %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", "/api/data/v9.3/connectors", ""); r.Status != 404 {
		t.Errorf("v9.3: got %d, want 404", r.Status)
	}
}

// TestDefinitionFollowsWrites: GET and a list serve the definition the last write gave (a
// PATCH, a PUT of the property), unchanged by writes of other columns, and a page ordered by
// the definition continues from its skiptoken.
func TestDefinitionFollowsWrites(t *testing.T) {
	s := MustOpenServer(t)
	const id = "00000000-0000-0000-0000-000000000001"
	path := "/api/data/v9.2/connectors(" + id + ")"
	def := func(title string) string {
		return `{"swagger":"2.0","info":{"title":"` + title + `","version":"1"},"host":"example.com","paths":{}}`
	}
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"openapidefinition": def("first \u2028 \"quoted\"")})); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	read := func() string {
		t.Helper()
		var got string
		for _, p := range []string{path, "/api/data/v9.2/connectors?$filter=connectorid%20eq%20" + id} {
			m := s.do(t, "GET", p, "").JSON(t)
			if v, ok := m["value"].([]any); ok {
				m = v[0].(map[string]any)
			}
			d, _ := m["openapidefinition"].(string)
			if got != "" && d != got {
				t.Fatalf("GET and list differ: %q / %q", got, d)
			}
			got = d
		}
		return got
	}
	if got := read(); got != def("first \u2028 \"quoted\"") {
		t.Fatalf("after create: %q", got)
	}
	// Ordered by the definition, with a page of one: the skiptoken holds the definition.
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(2, map[string]any{"openapidefinition": def("zzz")})); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	first := s.do(t, "GET", "/api/data/v9.2/connectors?$select=openapidefinition&$orderby=openapidefinition", "", "Prefer: odata.maxpagesize=1").JSON(t)
	link, _ := first["@odata.nextLink"].(string)
	if link == "" || first["value"].([]any)[0].(map[string]any)["openapidefinition"] != def("first \u2028 \"quoted\"") {
		t.Fatalf("ordered by the definition: %v", first)
	}
	if r := s.follow(t, link); r.Status != 200 || !strings.Contains(string(r.Body), "zzz") {
		t.Fatalf("next page: %d %s", r.Status, r.Body)
	}
	for _, step := range []struct{ method, path, body, want string }{
		{"PATCH", path, `{"description":"only the description"}`, def("first \u2028 \"quoted\"")},
		{"PATCH", path, mustJSON(map[string]any{"openapidefinition": def("second")}), def("second")},
		{"PUT", path + "/openapidefinition", mustJSON(map[string]any{"value": def("third")}), def("third")},
		{"PATCH", path, `{"displayname":"renamed"}`, def("third")},
	} {
		if r := s.do(t, step.method, step.path, step.body); r.Status != 204 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.Status, r.Body)
		}
		if got := read(); got != step.want {
			t.Errorf("after %s %s: %q, want %q", step.method, step.body, got, step.want)
		}
	}
}

// TestConcurrentAnswersKeepTheirBytes reads records of different sizes at once, by id, as a
// list and with return=representation: answers are built in reused buffers, and each must
// hold its own record, whole.
func TestConcurrentAnswersKeepTheirBytes(t *testing.T) {
	s := MustOpenServer(t)
	const records = 6
	defs := make([]string, records+1)
	for i := 1; i <= records; i++ {
		// From a few hundred bytes to about 1.5 MB, beyond what a reused buffer may keep.
		defs[i] = fmt.Sprintf(`{"swagger":"2.0","info":{"title":"t%d","version":"1","description":%q},"paths":{}}`, i, strings.Repeat(fmt.Sprintf("record %d ", i), 1<<(2*i)))
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i, map[string]any{"openapidefinition": defs[i]})); r.Status != 204 {
			t.Fatalf("create %d: %d %s", i, r.Status, r.Body)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 30 {
				i := (g+k)%records + 1
				id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
				var got []string
				switch k % 3 {
				case 0:
					var rec struct{ OpenAPIDefinition string }
					r := s.do(t, "GET", "/api/data/v9.2/connectors("+id+")", "")
					json.Unmarshal([]byte(r.Body), &rec)
					got = []string{rec.OpenAPIDefinition}
				case 1:
					var page struct {
						Value []struct{ OpenAPIDefinition string }
					}
					r := s.do(t, "GET", "/api/data/v9.2/connectors?$filter=connectorid%20eq%20"+id, "")
					json.Unmarshal([]byte(r.Body), &page)
					for _, v := range page.Value {
						got = append(got, v.OpenAPIDefinition)
					}
				case 2:
					var rec struct{ OpenAPIDefinition string }
					r := s.do(t, "PATCH", "/api/data/v9.2/connectors("+id+")", `{"description":"x"}`, "Prefer: return=representation")
					json.Unmarshal([]byte(r.Body), &rec)
					got = []string{rec.OpenAPIDefinition}
				}
				if len(got) != 1 || got[0] != defs[i] {
					t.Errorf("record %d (%d bytes), request kind %d: got %d answers, the first of another record or cut", i, len(defs[i]), k%3, len(got))
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestReadAgainAfterWrite: a record read again and again (its definition's escaped form is
// then kept, webapi/quotecache.go) is answered with its new definition once it is written,
// through the Web API or behind the server's back (a replica's write, a solution import).
func TestReadAgainAfterWrite(t *testing.T) {
	s := MustOpenServer(t)
	def := func(title string) string {
		return `{"swagger":"2.0","info":{"title":"` + title + `","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("p", 5000) + `"}`
	}
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"openapidefinition": def("one")})); r.Status != http.StatusNoContent {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	const url = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	read := func(want string) {
		t.Helper()
		for _, path := range []string{url, "/api/data/v9.2/connectors?$top=5"} {
			for range 3 {
				r := s.do(t, "GET", path, "")
				if !strings.Contains(string(r.Body), `\"title\":\"`+want+`\"`) {
					t.Fatalf("GET %s: the definition is not the one titled %q: %.200s", path, want, r.Body)
				}
			}
		}
	}
	read("one")
	if r := s.do(t, "PATCH", url, mustJSON(map[string]any{"openapidefinition": def("two")})); r.Status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
	read("two")
	p, err := s.DB.LoadPrincipal(context.Background(), s.Admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	three := def("3ee") // the same length as the last
	ctx := connectorhub.NewContextWithPrincipal(context.Background(), p)
	if _, _, err := s.DB.UpsertConnector(ctx, "00000000-0000-0000-0000-000000000001", &connectorhub.ConnectorUpdate{OpenAPIDefinition: &three}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
		t.Fatal(err)
	}
	read("3ee")
}
