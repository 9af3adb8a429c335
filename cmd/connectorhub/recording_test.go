package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/connectorhub/connectorhub/connectordir"
)

// recExchange is one request a command is expected to send and the answer the recording
// server gives it, as a Dataverse environment would.
type recExchange struct {
	method string
	uri    string            // path and query, exactly as sent; $URL is the server's URL
	header map[string]string // expected values of headers beyond the defaults; "" = absent
	body   any               // the expected JSON body (compared as JSON); nil = no body

	status     int
	respHeader map[string]string // $URL is the server's URL
	respBody   string            // $URL is the server's URL
}

// recRecorded is a request the recording server received.
type recRecorded struct {
	method, uri string
	header      http.Header
	body        []byte
}

// recServer answers the n-th request with the n-th exchange's answer and records every request.
// A request beyond the script gets a Dataverse error body (and fails the comparison).
type recServer struct {
	srv       *httptest.Server
	exchanges []recExchange

	mu       sync.Mutex
	requests []recRecorded
}

func startRecServer(t *testing.T, exchanges []recExchange) *recServer {
	t.Helper()
	r := &recServer{exchanges: exchanges}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// serve runs on the server's goroutines: it records and answers, and never fails the test.
func (r *recServer) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, recRecorded{method: req.Method, uri: req.RequestURI, header: req.Header.Clone(), body: body})
	n := len(r.requests)
	r.mu.Unlock()
	url := r.srv.URL
	w.Header().Set("OData-Version", "4.0")
	if n > len(r.exchanges) {
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"code":"0x80040216","message":"unexpected request"}}`)
		return
	}
	ex := r.exchanges[n-1]
	for k, v := range ex.respHeader {
		w.Header()[k] = []string{strings.ReplaceAll(v, "$URL", url)}
	}
	if ex.respBody != "" {
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	}
	w.WriteHeader(ex.status)
	io.WriteString(w, strings.ReplaceAll(ex.respBody, "$URL", url))
}

// check compares the requests received with the script's, in order: method, URI, headers
// (the defaults every Dataverse request carries, and the exchange's) and body.
func (r *recServer) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	got := append([]recRecorded(nil), r.requests...)
	r.mu.Unlock()
	for i, ex := range r.exchanges {
		if i >= len(got) {
			t.Errorf("request %d: none; want %s %s", i, ex.method, strings.ReplaceAll(ex.uri, "$URL", r.srv.URL))
			continue
		}
		g := got[i]
		wantURI := strings.ReplaceAll(ex.uri, "$URL", r.srv.URL)
		if g.method != ex.method || g.uri != wantURI {
			t.Errorf("request %d:\n got %s %s\nwant %s %s", i, g.method, g.uri, ex.method, wantURI)
		}
		headers := map[string]string{
			"Authorization": "Bearer tok", "Accept": "application/json",
			"OData-MaxVersion": "4.0", "OData-Version": "4.0",
			"Content-Type": "", "Prefer": "", "If-Match": "", "If-None-Match": "", "MSCRM.SolutionUniqueName": "",
		}
		if ex.body != nil {
			headers["Content-Type"] = "application/json; charset=utf-8"
		}
		for k, v := range ex.header {
			headers[k] = v
		}
		for k, v := range headers {
			if gv := strings.Join(g.header.Values(k), "|"); gv != v {
				t.Errorf("request %d (%s %s): header %s: got %q, want %q", i, g.method, g.uri, k, gv, v)
			}
		}
		switch {
		case ex.body == nil && len(g.body) > 0:
			t.Errorf("request %d (%s %s): got a body %s, want none", i, g.method, g.uri, g.body)
		case ex.body != nil:
			want, _ := json.Marshal(ex.body)
			if !recJSONEqual(g.body, want) {
				t.Errorf("request %d (%s %s): body\n got %s\nwant %s", i, g.method, g.uri, g.body, want)
			}
		}
	}
	for i := len(r.exchanges); i < len(got); i++ {
		t.Errorf("request %d: unexpected %s %s", i, got[i].method, got[i].uri)
	}
}

// recJSONEqual reports whether two JSON texts hold the same value.
func recJSONEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// The connector folder the cases send, and the columns it maps to.
const (
	recPetDef = `{"swagger":"2.0","info":{"title":"Petstore","description":"Pets as a service.","version":"1.0"},` +
		`"host":"petstore.example.com","basePath":"/v1","schemes":["https"],` +
		`"paths":{"/pets":{"get":{"operationId":"ListPets","summary":"List pets","responses":{"200":{"description":"OK"}}}}}}` + "\n"
	recPetProps   = `{"properties":{"connectionParameters":{"api_key":{"type":"securestring","uiDefinition":{"displayName":"API key"}}},"iconBrandColor":"#007ee5","capabilities":["actions"],"publisher":"Contoso"}}` + "\n"
	recPetParams  = `{"api_key":{"type":"securestring","uiDefinition":{"displayName":"API key"}}}`
	recPetScript  = "public class Script : ScriptBase { }\n"
	recWeatherDef = `{"swagger":"2.0","info":{"title":"Weather","version":"1.0"},"host":"weather.example.com","paths":{}}` + "\n"
	recOldID      = "0a1b2c3d-0000-4000-8000-000000000003"
)

// The first request of every verb that works on connectors: pac's table lookup.
var recLookup = recExchange{
	method: "GET", uri: "/api/data/v9.2/EntityDefinitions(LogicalName='connector')?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute",
	status: 200,
	respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#EntityDefinitions(LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute)/$entity",` +
		`"LogicalName":"connector","EntitySetName":"connectors","PrimaryIdAttribute":"connectorid","PrimaryNameAttribute":"name","MetadataId":"b5b5f0a0-3c1e-4b59-9a55-0b8b1a4e2f01"}`,
}

// recRecord is a connector record as Dataverse answers it, with the petstore folder's columns
// and the given name, id, display name and version.
func recRecord(id, name, display, version string) string {
	rec := map[string]any{
		"@odata.etag": `W/"` + version + `"`, "connectorid": id, "name": name, "displayname": display,
		"description": "Pets as a service.", "connectortype": 1, "openapidefinition": recPetDef,
		"connectionparameters": recPetParams, "connectionparametersets": nil, "policytemplateinstances": nil,
		"scriptoperations": nil, "customcodeblobcontent": recPetScript, "capabilities": "118690005",
		"iconbrandcolor": "#007ee5", "connectorinternalid": name + "-5f0e7c3a2b1d", "iconblob": nil,
		"statecode": 0, "statuscode": 1, "versionnumber": json.Number(version),
		"createdon": "2026-11-20T08:00:00Z", "modifiedon": "2026-11-21T09:30:00Z",
		"_ownerid_value": "6f1e2d3c-0000-4000-8000-0000000000aa",
	}
	data, _ := json.Marshal(rec)
	return string(data)
}

// recPetColumns are the columns a create of the petstore folder sends.
func recPetColumns(id, name string) map[string]any {
	return map[string]any{
		"connectorid": id, "name": name, "displayname": "Petstore", "description": "Pets as a service.",
		"connectortype": 1, "openapidefinition": recPetDef, "connectionparameters": recPetParams,
		"customcodeblobcontent": recPetScript, "capabilities": "118690005", "iconbrandcolor": "#007ee5",
	}
}

// recWriteFolder writes a connector folder's files (name → content) under dir.
func recWriteFolder(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecordedRequests runs every verb that talks to an environment against a recording
// server that answers as Dataverse does, and checks the exact requests sent, in order: the
// table lookup first, then method, path, raw query, headers and body of each.
func TestRecordedRequests(t *testing.T) {
	petID := connectordir.DeriveID("new_petstore")
	solID := connectordir.DeriveID("cr1a6_petstore")
	weatherID := connectordir.DeriveID("new_weather")
	const summarySelect = "$select=connectorid,name,displayname,description,connectortype,capabilities,iconbrandcolor,connectorinternalid,statecode,statuscode,createdon,modifiedon,_ownerid_value"
	const readSelect = "$select=connectorid,name,displayname,description,connectortype,openapidefinition,connectionparameters,connectionparametersets,policytemplateinstances,scriptoperations,customcodeblobcontent,capabilities,iconbrandcolor"
	petFiles := map[string]string{"apiDefinition.swagger.json": recPetDef, "apiProperties.json": recPetProps, "script.csx": recPetScript}
	treeFiles := map[string]map[string]string{"tree/petstore": petFiles, "tree/weather": {"apiDefinition.swagger.json": recWeatherDef}}
	// The reads of plan and apply: the list of (connectorid, name, versionnumber), then the
	// matched record with the compared columns.
	planReads := []recExchange{
		recLookup,
		{method: "GET", uri: "/api/data/v9.2/connectors?$select=connectorid,name,versionnumber", status: 200,
			respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(connectorid,name,versionnumber)","value":[` +
				`{"@odata.etag":"W/\"7\"","connectorid":"` + petID + `","name":"new_petstore","versionnumber":7},` +
				`{"@odata.etag":"W/\"3\"","connectorid":"` + recOldID + `","name":"new_old","versionnumber":3},` +
				`{"@odata.etag":"W/\"5\"","connectorid":"0a1b2c3d-0000-4000-8000-000000000005","name":"contoso_kept","versionnumber":5}]}`},
		{method: "GET", uri: "/api/data/v9.2/connectors(" + petID + ")?" + readSelect, status: 200,
			respBody: recRecord(petID, "new_petstore", "Petstore (old)", "7")},
	}
	// A Dataverse 404 error body.
	notFound := func(msg string) string { return `{"error":{"code":"0x80040217","message":"` + msg + `"}}` }

	for _, tt := range []struct {
		name      string
		args      []string                     // after connectorhub; $DIR is the test's folder
		folders   map[string]map[string]string // folders to write under $DIR
		exchanges []recExchange
		code      int      // the exit status
		stdout    []string // what standard output must contain
		errText   string   // what the error must say, when code != 0
		check     func(t *testing.T, dir string)
	}{
		{
			name: "list filter select orderby top",
			args: []string{"connector", "list", "--filter", "startswith(name,'new_') and displayname ne 'It''s'", "--select", "name,displayname",
				"--orderby", "modifiedon desc", "--top", "3", "-o", "json"},
			exchanges: []recExchange{recLookup, {
				method: "GET",
				uri:    "/api/data/v9.2/connectors?$select=name,displayname&$filter=startswith(name,'new_')%20and%20displayname%20ne%20'It''s'&$orderby=modifiedon%20desc&$top=3",
				status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(name,displayname)","value":[` +
					`{"@odata.etag":"W/\"7\"","name":"new_petstore","displayname":"Petstore","connectorid":"` + petID + `"}]}`,
			}},
			stdout: []string{`"name": "new_petstore"`, `"displayname": "Petstore"`},
		},
		{
			name: "list second page via nextLink",
			args: []string{"connector", "list", "--page-size", "1"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors?" + summarySelect, header: map[string]string{"Prefer": "odata.maxpagesize=1"},
				status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors","value":[` + recRecord(petID, "new_petstore", "Petstore", "7") + `],` +
					`"@odata.nextLink":"$URL/api/data/v9.2/connectors?` + summarySelect + `&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253cconnectorid%2520last%253d%2522%257b` + strings.ToUpper(petID) + `%257d%2522%2520%252f%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E"}`,
			}, {
				method: "GET", uri: "/api/data/v9.2/connectors?" + summarySelect + `&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253cconnectorid%2520last%253d%2522%257b` + strings.ToUpper(petID) + `%257d%2522%2520%252f%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E`,
				header:   map[string]string{"Prefer": "odata.maxpagesize=1"},
				status:   200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors","value":[` + recRecord(weatherID, "new_weather", "Weather", "9") + `]}`,
			}},
			stdout: []string{"new_petstore", "new_weather"},
		},
		{
			name: "get by id",
			args: []string{"connector", "get", petID, "-o", "json"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors(" + petID + ")", status: 200,
				respBody: recRecord(petID, "new_petstore", "Petstore", "7"),
			}},
			stdout: []string{`"connectorid": "` + petID + `"`, `"@odata.etag": "W/\"7\""`},
		},
		{
			name: "get by id as yaml",
			args: []string{"connector", "get", petID, "-o", "yaml"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors(" + petID + ")", status: 200,
				respBody: recRecord(petID, "new_petstore", "Petstore", "7"),
			}},
			stdout: []string{"---\n", `"@odata.etag": "W/\"7\""`, `connectorid: "` + petID + `"`, "connectortype: 1\n", "statecode: 0\n"},
		},
		{
			name: "list as yaml",
			args: []string{"connector", "list", "--select", "name", "-o", "yaml"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors?$select=name", status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(name)","value":[` +
					`{"@odata.etag":"W/\"7\"","name":"new_petstore","connectorid":"` + petID + `"}]}`,
			}},
			stdout: []string{"---\n- \"@odata.etag\": \"W/\\\"7\\\"\"\n  connectorid: \"" + petID + "\"\n  name: \"new_petstore\"\n"},
		},
		{
			name: "get by id missing",
			args: []string{"connector", "get", petID},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors(" + petID + ")", status: 404,
				respBody: notFound("connector With Id = " + petID + " Does Not Exist"),
			}},
			code: 1, errText: "no connector with the id " + petID,
		},
		{
			name: "get by name with a quote",
			args: []string{"connector", "get", "new_o'brien"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors?$filter=name%20eq%20'new_o''brien'", status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors","value":[` + recRecord(petID, "new_o'brien", "Petstore", "7") + `]}`,
			}},
			stdout: []string{"name:                     new_o'brien"},
		},
		{
			name:    "create",
			args:    []string{"connector", "create", "-df", "$DIR/petstore/apiDefinition.swagger.json", "-pf", "$DIR/petstore/apiProperties.json", "-sf", "$DIR/petstore/script.csx"},
			folders: map[string]map[string]string{"petstore": petFiles},
			exchanges: []recExchange{recLookup, {
				method: "POST", uri: "/api/data/v9.2/connectors", body: recPetColumns(petID, "new_petstore"),
				status: 204, respHeader: map[string]string{"OData-EntityId": "$URL/api/data/v9.2/connectors(" + petID + ")"},
			}},
			stdout: []string{petID + "\n"},
		},
		{
			name: "create in a solution",
			args: []string{"connector", "create", "-df", "$DIR/petstore/apiDefinition.swagger.json", "-pf", "$DIR/petstore/apiProperties.json",
				"-sf", "$DIR/petstore/script.csx", "-sol", "ContosoCore"},
			folders: map[string]map[string]string{"petstore": petFiles},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/solutions?$filter=uniquename%20eq%20'ContosoCore'&$select=uniquename&$expand=publisherid($select=customizationprefix)",
				status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#solutions(uniquename,publisherid(customizationprefix))","value":[` +
					`{"@odata.etag":"W/\"1234\"","uniquename":"ContosoCore","solutionid":"5d5c0e3a-0000-4000-8000-0000000000bb",` +
					`"publisherid":{"customizationprefix":"cr1a6","publisherid":"5d5c0e3a-0000-4000-8000-0000000000cc"}}]}`,
			}, {
				method: "POST", uri: "/api/data/v9.2/connectors", body: recPetColumns(solID, "cr1a6_petstore"),
				header: map[string]string{"MSCRM.SolutionUniqueName": "ContosoCore"},
				status: 204, respHeader: map[string]string{"OData-EntityId": "$URL/api/data/v9.2/connectors(" + solID + ")"},
			}},
			stdout: []string{solID + "\n"},
		},
		{
			name:    "update",
			args:    []string{"connector", "update", "-id", petID, "-df", "$DIR/petstore/apiDefinition.swagger.json", "-pf", "$DIR/petstore/apiProperties.json"},
			folders: map[string]map[string]string{"petstore": petFiles},
			exchanges: []recExchange{recLookup, {
				method: "PATCH", uri: "/api/data/v9.2/connectors(" + petID + ")?$select=connectorid",
				header: map[string]string{"If-Match": "*", "Prefer": "return=representation"},
				body: map[string]any{
					"displayname": "Petstore", "description": "Pets as a service.", "openapidefinition": recPetDef,
					"connectionparameters": recPetParams, "connectionparametersets": nil, "policytemplateinstances": nil,
					"scriptoperations": nil, "capabilities": "118690005", "iconbrandcolor": "#007ee5",
				},
				status: 200, respHeader: map[string]string{"Preference-Applied": "return=representation"},
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(connectorid)/$entity","@odata.etag":"W/\"8\"","connectorid":"` + petID + `"}`,
			}},
			stdout: []string{petID + "\n"},
		},
		{
			name: "delete",
			args: []string{"connector", "delete", "new_petstore", "--yes"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors?$select=connectorid,name,displayname&$filter=name%20eq%20'new_petstore'", status: 200,
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(connectorid,name,displayname)","value":[` +
					`{"@odata.etag":"W/\"7\"","connectorid":"` + petID + `","name":"new_petstore","displayname":"Petstore"}]}`,
			}, {
				method: "DELETE", uri: "/api/data/v9.2/connectors(" + petID + ")", header: map[string]string{"If-Match": `W/"7"`},
				status: 204,
			}},
			stdout: []string{"Deleted connector new_petstore (" + petID + ")."},
		},
		{
			name: "download",
			args: []string{"connector", "download", petID, "--outputDirectory", "$DIR/out"},
			exchanges: []recExchange{recLookup, {
				method: "GET", uri: "/api/data/v9.2/connectors(" + petID + ")", status: 200,
				respBody: recRecord(petID, "new_petstore", "Petstore", "7"),
			}},
			stdout: []string{"Downloaded new_petstore into "},
			check: func(t *testing.T, dir string) {
				for name, want := range map[string]string{"apiDefinition.swagger.json": recPetDef, "script.csx": recPetScript} {
					if got, err := os.ReadFile(filepath.Join(dir, "out", name)); err != nil || string(got) != want {
						t.Errorf("%s: %q, %v; want %q", name, got, err, want)
					}
				}
				props, _ := os.ReadFile(filepath.Join(dir, "out", "apiProperties.json"))
				want := `{"properties":{"connectionParameters":` + recPetParams + `,"iconBrandColor":"#007ee5","capabilities":["actions"]}}`
				if !recJSONEqual(props, []byte(want)) {
					t.Errorf("apiProperties.json: %s; want JSON-equal to %s", props, want)
				}
			},
		},
		{
			name:      "plan",
			args:      []string{"plan", "--parallel", "1", "--prune", "$DIR/tree"},
			folders:   treeFiles,
			exchanges: planReads,
			stdout:    []string{"Plan: 1 to create, 1 to update, 1 to delete, 0 unchanged."},
		},
		{
			name:    "apply",
			args:    []string{"apply", "--parallel", "1", "--prune", "--yes", "-o", "json", "$DIR/tree"},
			folders: treeFiles,
			exchanges: append(append([]recExchange(nil), planReads...), recExchange{
				method: "PATCH", uri: "/api/data/v9.2/connectors(" + petID + ")?$select=connectorid",
				header: map[string]string{"If-Match": `W/"7"`, "Prefer": "return=representation"},
				body:   map[string]any{"displayname": "Petstore"},
				status: 200, respHeader: map[string]string{"Preference-Applied": "return=representation"},
				respBody: `{"@odata.context":"$URL/api/data/v9.2/$metadata#connectors(connectorid)/$entity","@odata.etag":"W/\"8\"","connectorid":"` + petID + `"}`,
			}, recExchange{
				method: "POST", uri: "/api/data/v9.2/connectors",
				body:   map[string]any{"connectorid": weatherID, "name": "new_weather", "displayname": "Weather", "connectortype": 1, "openapidefinition": recWeatherDef},
				status: 204, respHeader: map[string]string{"OData-EntityId": "$URL/api/data/v9.2/connectors(" + weatherID + ")"},
			}, recExchange{
				method: "DELETE", uri: "/api/data/v9.2/connectors(" + recOldID + ")", header: map[string]string{"If-Match": `W/"3"`},
				status: 204,
			}),
			stdout: []string{`"outcome": "updated"`, `"outcome": "created"`, `"outcome": "deleted"`},
		},
		{
			name:    "apply stale ETag",
			args:    []string{"apply", "--parallel", "1", "$DIR/tree"},
			folders: map[string]map[string]string{"tree/petstore": petFiles},
			exchanges: append(append([]recExchange(nil), planReads...), recExchange{
				method: "PATCH", uri: "/api/data/v9.2/connectors(" + petID + ")?$select=connectorid",
				header: map[string]string{"If-Match": `W/"7"`, "Prefer": "return=representation"},
				body:   map[string]any{"displayname": "Petstore"},
				status: 412, respBody: `{"error":{"code":"0x80060882","message":"The version of the existing record doesn't match the RowVersion property provided."}}`,
			}),
			code:   planExitPartial,
			stdout: []string{"failed  update  new_petstore", "412 0x80060882 The version of the existing record"},
		},
		{
			name: "no connector table",
			args: []string{"connector", "list"},
			exchanges: []recExchange{{
				method: recLookup.method, uri: recLookup.uri, status: 404,
				respBody: notFound("Could not find an entity with name connector."),
			}},
			code: 1, errText: "this environment has no connector table (Dataverse for Teams environments have none): dataverse: 404 Not Found: code=0x80040217",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONNECTORHUB_TOKEN", "")
			dir := t.TempDir()
			for sub, files := range tt.folders {
				recWriteFolder(t, filepath.Join(dir, filepath.FromSlash(sub)), files)
			}
			rec := startRecServer(t, tt.exchanges)
			args := make([]string, 0, len(tt.args)+4)
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "$DIR", dir))
			}
			args = append(args, "--environment", rec.srv.URL, "--token", "tok")
			root := newRootCmd()
			var stdout, stderr bytes.Buffer
			root.SetOut(&stdout)
			root.SetErr(&stderr)
			root.SetIn(strings.NewReader(""))
			root.SetArgs(pacFlags(args))
			code := 0
			err := root.ExecuteContext(context.Background())
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.code {
				t.Errorf("exit status %d (%v), want %d\nstderr: %s", code, err, tt.code, stderr.String())
			}
			if tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)) {
				t.Errorf("error %v, want one saying %q", err, tt.errText)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("standard output lacks %q:\n%s", s, stdout.String())
				}
			}
			rec.check(t)
			if tt.check != nil {
				tt.check(t, dir)
			}
		})
	}
}
