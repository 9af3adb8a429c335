package webapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// mustStatus fails unless r has the status, and returns r.
func mustStatus(tb testing.TB, r *response, status int) *response {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("got %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// wantError fails unless r is the Dataverse error of that status and code, with a message
// holding each of words.
func wantError(tb testing.TB, r *response, status int, code string, words ...string) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("got %d, want %d %s: %s", r.Status, status, code, r.Body)
	}
	got, msg := r.ErrorCode(tb)
	if got != code {
		tb.Errorf("code %s, want %s: %s", got, code, msg)
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			tb.Errorf("message %q does not say %q", msg, w)
		}
	}
}

// contoso creates the publisher contoso and its unmanaged solution ContosoConnectors.
func contoso(tb testing.TB, s *testServer, headers ...string) (publisher, solution string) {
	tb.Helper()
	publisher = mustCreateIdentity(tb, s, "publishers", `{"uniquename":"contoso","friendlyname":"Contoso","customizationprefix":"contoso","customizationoptionvalueprefix":72700}`, headers...)
	solution = mustCreateIdentity(tb, s, "solutions", `{"uniquename":"ContosoConnectors","friendlyname":"Contoso Connectors","version":"1.0.0.0","publisherid@odata.bind":"/publishers(`+publisher+`)"}`, headers...)
	return publisher, solution
}

func connectorBody(id, name string, extra ...string) string {
	b := `{"connectorid":"` + id + `","name":"` + name + `","displayname":"` + name + `","connectortype":1,` +
		`"openapidefinition":"{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"host\":\"example.com\",\"paths\":{}}"`
	for _, e := range extra {
		b += "," + e
	}
	return b + "}"
}

func TestSolutionTablesSeeded(t *testing.T) {
	s := MustOpenServer(t)
	r := mustStatus(t, s.get(t, "solutions?$filter=uniquename eq 'Default'&$expand=publisherid($select=customizationprefix)"), 200)
	v := values(t, r)
	if len(v) != 1 || v[0]["solutionid"] != connectorhub.DefaultSolutionID || v[0]["_publisherid_value"] != connectorhub.DefaultPublisherID {
		t.Fatalf("Default: %s", r.Body)
	}
	pub, _ := v[0]["publisherid"].(map[string]any)
	if pub["customizationprefix"] != "new" || pub["publisherid"] != connectorhub.DefaultPublisherID {
		t.Errorf("expanded publisher: %v", v[0]["publisherid"])
	}
	if r := mustStatus(t, s.get(t, "solutions("+connectorhub.ActiveSolutionID+")?$select=uniquename,ismanaged"), 200).JSON(t); r["uniquename"] != "Active" || r["ismanaged"] != false {
		t.Errorf("Active: %v", r)
	}
	// A new connector is unmanaged: its solutionid is Active's.
	mustStatus(t, s.do(t, "POST", connectorsPath, body(1, nil)), 204)
	c := mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000001)?$select=solutionid,ismanaged,componentstate,iconblob"), 200).JSON(t)
	if c["solutionid"] != connectorhub.ActiveSolutionID || c["ismanaged"] != false || c["componentstate"] != 0.0 || c["iconblob"] != nil {
		t.Errorf("connector: %v", c)
	}
	ic := mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000001)?$select=iscustomizable"), 200).JSON(t)["iscustomizable"]
	if m, _ := ic.(map[string]any); m["Value"] != true || m["CanBeChanged"] != true || m["ManagedPropertyLogicalName"] != "iscustomizableanddeletable" {
		t.Errorf("iscustomizable: %v", ic)
	}
	for _, q := range []string{"$filter=iscustomizable eq true", "$filter=iscustomizable/Value eq true", "$orderby=iscustomizable"} {
		wantError(t, s.get(t, "connectors?"+q), 400, connectorhub.ECodeQuery, "complex value")
	}
	// Built-in solutions cannot be changed or removed.
	wantError(t, s.do(t, "DELETE", api+"solutions("+connectorhub.DefaultSolutionID+")", ""), 400, connectorhub.ECodeInvalidArgument, "Default")
	wantError(t, s.do(t, "PATCH", api+"solutions("+connectorhub.ActiveSolutionID+")", `{"friendlyname":"x"}`), 400, connectorhub.ECodeInvalidArgument)
	wantError(t, s.do(t, "DELETE", api+"publishers("+connectorhub.DefaultPublisherID+")", ""), 400, connectorhub.ECodeInvalidArgument, "Default")
}

func TestPublisherAndSolutionRules(t *testing.T) {
	s := MustOpenServer(t)
	pub, sol := contoso(t, s)
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"PrefixTooLong", "POST", "publishers", `{"uniquename":"p2","friendlyname":"P","customizationprefix":"abcdefghi","customizationoptionvalueprefix":10000}`, 400, connectorhub.ECodeInvalidArgument},
		{"PrefixMscrm", "POST", "publishers", `{"uniquename":"p2","friendlyname":"P","customizationprefix":"mscrm","customizationoptionvalueprefix":10000}`, 400, connectorhub.ECodeInvalidArgument},
		{"OptionPrefixRange", "POST", "publishers", `{"uniquename":"p2","friendlyname":"P","customizationprefix":"pp","customizationoptionvalueprefix":9999}`, 400, connectorhub.ECodeInvalidArgument},
		{"OptionPrefixType", "POST", "publishers", `{"uniquename":"p2","friendlyname":"P","customizationprefix":"pp","customizationoptionvalueprefix":"10000"}`, 400, connectorhub.ECodePayload},
		{"PublisherDuplicate", "POST", "publishers", `{"uniquename":"CONTOSO","friendlyname":"P","customizationprefix":"pp","customizationoptionvalueprefix":10000}`, 412, connectorhub.ECodeDuplicateKey},
		{"SolutionNoPublisher", "POST", "solutions", `{"uniquename":"S2","friendlyname":"S","version":"1.0"}`, 400, connectorhub.ECodeInvalidArgument},
		{"SolutionBadVersion", "POST", "solutions", `{"uniquename":"S2","friendlyname":"S","version":"1.x","publisherid@odata.bind":"/publishers(` + pub + `)"}`, 400, connectorhub.ECodeInvalidArgument},
		{"SolutionBadName", "POST", "solutions", `{"uniquename":"has space","friendlyname":"S","version":"1.0","publisherid@odata.bind":"/publishers(` + pub + `)"}`, 400, connectorhub.ECodeInvalidArgument},
		{"SolutionNameTooLong", "POST", "solutions", `{"uniquename":"` + strings.Repeat("a", 66) + `","friendlyname":"S","version":"1.0","publisherid@odata.bind":"/publishers(` + pub + `)"}`, 400, connectorhub.ECodeLengthExceeded},
		{"SolutionDuplicate", "POST", "solutions", `{"uniquename":"contosoconnectors","friendlyname":"S","version":"1.0","publisherid@odata.bind":"/publishers(` + pub + `)"}`, 412, connectorhub.ECodeDuplicateKey},
		{"UniqueNameNotUpdatable", "PATCH", "solutions(" + sol + ")", `{"uniquename":"Other"}`, 400, connectorhub.ECodeInvalidArgument},
		{"PublisherNotUpdatable", "PATCH", "solutions(" + sol + ")", `{"publisherid@odata.bind":"/publishers(` + pub + `)"}`, 400, connectorhub.ECodeInvalidArgument},
		{"PublisherInUse", "DELETE", "publishers(" + pub + ")", ``, 400, connectorhub.ECodeDependency},
		{"ComponentsReadOnly", "POST", "solutioncomponents", `{"objectid":"` + pub + `"}`, 405, connectorhub.ECodeMethodNotAllowed},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, s.do(t, c.method, api+c.path, c.body), c.status, c.code)
		})
	}
	mustStatus(t, s.do(t, "PATCH", api+"solutions("+sol+")", `{"version":"1.0.0.1","description":"d"}`), 204)
	if r := s.get(t, "solutions("+sol+")?$select=version,description").JSON(t); r["version"] != "1.0.0.1" || r["description"] != "d" {
		t.Errorf("after PATCH: %v", r)
	}
}

// TestSolutionHeader: MSCRM.SolutionUniqueName adds the connector a write creates or updates
// to the solution, in the write's transaction (spec §2.1).
func TestSolutionHeader(t *testing.T) {
	s := MustOpenServer(t)
	_, sol := contoso(t, s)
	in := "MSCRM.SolutionUniqueName: ContosoConnectors"
	const id1, id2 = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000a2"
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody(id1, "contoso_api1"), in), 204)
	components := func() []string {
		r := mustStatus(t, s.get(t, "solutioncomponents?$filter=_solutionid_value eq "+sol+" and componenttype eq 372&$select=objectid"), 200)
		var ids []string
		for _, v := range values(t, r) {
			ids = append(ids, v["objectid"].(string))
		}
		slices.Sort(ids)
		return ids
	}
	if got := components(); !slices.Equal(got, []string{id1}) {
		t.Fatalf("components after POST: %v", got)
	}
	// PATCH with the header adds an existing connector (upsert too).
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody(id2, "contoso_api2")), 204)
	mustStatus(t, s.do(t, "PATCH", connectorsPath+"("+id2+")", `{"description":"d"}`, in), 204)
	mustStatus(t, s.do(t, "PATCH", connectorsPath+"("+id2+")", `{"description":"e"}`, in), 204) // again: no second row
	if got := components(); !slices.Equal(got, []string{id1, id2}) {
		t.Fatalf("components after PATCH: %v", got)
	}
	// Refusals leave nothing behind.
	wantError(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000a3", "contoso_api3"), "MSCRM.SolutionUniqueName: Nope"),
		404, connectorhub.ECodeNotFound, "The given solution unique name (Nope) is not valid")
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-0000000000a3)"), 404)
	wantError(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000a4", "noprefix"), in), 400, connectorhub.ECodeInvalidArgument)
	// Default and Active hold every component: the header naming them changes nothing.
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000a5", "new_api5"), "MSCRM.SolutionUniqueName: Default"), 204)
	// AddSolutionComponent / RemoveSolutionComponent.
	const id5 = "00000000-0000-0000-0000-0000000000a5"
	r := mustStatus(t, s.do(t, "POST", api+"AddSolutionComponent", `{"ComponentId":"`+id5+`","ComponentType":372,"SolutionUniqueName":"ContosoConnectors","AddRequiredComponents":false}`), 200).JSON(t)
	scID, _ := r["id"].(string)
	if scID == "" || !strings.HasSuffix(r["@odata.context"].(string), "$metadata#Microsoft.Dynamics.CRM.AddSolutionComponentResponse") {
		t.Fatalf("AddSolutionComponent: %v", r)
	}
	wantError(t, s.do(t, "POST", api+"AddSolutionComponent", `{"ComponentId":"`+id5+`","ComponentType":372,"SolutionUniqueName":"ContosoConnectors","AddRequiredComponents":false,"Bogus":1}`),
		400, connectorhub.ECodeBadRequest, "Bogus")
	wantError(t, s.do(t, "POST", api+"AddSolutionComponent", `{"ComponentId":"`+id5+`","ComponentType":372,"SolutionUniqueName":"ContosoConnectors"}`),
		400, connectorhub.ECodeBadRequest, "AddRequiredComponents")
	wantError(t, s.do(t, "POST", api+"AddSolutionComponent", `{"ComponentId":"`+sol+`","ComponentType":372,"SolutionUniqueName":"ContosoConnectors","AddRequiredComponents":false}`),
		404, connectorhub.ECodeNotFound)
	r = mustStatus(t, s.do(t, "POST", api+"RemoveSolutionComponent", `{"SolutionComponent":{"@odata.type":"Microsoft.Dynamics.CRM.solutioncomponent","solutioncomponentid":"`+scID+`"},"ComponentType":372,"SolutionUniqueName":"ContosoConnectors"}`), 200).JSON(t)
	if r["id"] != scID {
		t.Errorf("RemoveSolutionComponent: %v", r)
	}
	// By objectid too (ConnectorHub's addition).
	mustStatus(t, s.do(t, "POST", api+"RemoveSolutionComponent", `{"SolutionComponent":{"objectid":"`+id2+`"},"ComponentType":372,"SolutionUniqueName":"ContosoConnectors"}`), 200)
	if got := components(); !slices.Equal(got, []string{id1}) {
		t.Fatalf("components after removals: %v", got)
	}
	// DELETE with the header deletes the connector and its components.
	mustStatus(t, s.do(t, "DELETE", connectorsPath+"("+id1+")", "", in), 204)
	if got := components(); len(got) != 0 {
		t.Fatalf("components after DELETE: %v", got)
	}
}

// TestSolutionRights: an Environment Maker reads solutions but cannot change them, put
// components in them, export, import or read import logs.
func TestSolutionRights(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", connectorhub.RoleEnvironmentMaker)
	addUser("customizer", connectorhub.RoleSystemCustomizer)
	contoso(t, s, asUser("customizer"))
	basic := asUser("maker")
	mustStatus(t, s.do(t, "GET", api+"solutions?$select=uniquename", "", basic), 200)
	// Naming Default asks for nothing more than the create.
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000b2", "new_b2"), basic, "MSCRM.SolutionUniqueName: Default"), 204)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "publishers", `{"uniquename":"x","friendlyname":"x","customizationprefix":"xx","customizationoptionvalueprefix":10000}`},
		{"POST", "ExportSolution", `{"SolutionName":"ContosoConnectors","Managed":false}`},
		{"POST", "ImportSolution", `{"CustomizationFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}`},
		{"GET", "importjobs", ``},
		{"GET", "asyncoperations", ``},
		{"POST", "AddSolutionComponent", `{"ComponentId":"00000000-0000-0000-0000-000000000001","ComponentType":372,"SolutionUniqueName":"ContosoConnectors","AddRequiredComponents":false}`},
	} {
		wantError(t, s.do(t, c.method, api+c.path, c.body, basic), 403, connectorhub.ECodePrivilegeDenied)
	}
	wantError(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000b1", "contoso_b1"), basic, "MSCRM.SolutionUniqueName: ContosoConnectors"),
		403, connectorhub.ECodePrivilegeDenied)
	mustStatus(t, s.do(t, "GET", connectorsPath+"(00000000-0000-0000-0000-0000000000b1)", "", asUser("admin")), 404)
}

// solutionFile builds a solution zip of n connectors, each with an icon.
func solutionFile(tb testing.TB, version string, managed bool, ids ...int) []byte {
	tb.Helper()
	z := &solutionzip.Solution{Header: solutionzip.DefaultHeader, UniqueName: "ContosoConnectors", Version: version, Managed: managed,
		LocalizedNames: []solutionzip.LocalizedText{{Text: "Contoso Connectors", LanguageCode: 1033}},
		Publisher: solutionzip.Publisher{UniqueName: "contoso", LocalizedNames: []solutionzip.LocalizedText{{Text: "Contoso", LanguageCode: 1033}},
			CustomizationPrefix: "contoso", CustomizationOptionValuePrefix: 72700},
		Customizations: solutionzip.Customizations{Sections: solutionzip.DefaultSections(1033)}}
	for _, n := range ids {
		id, name := fmt.Sprintf("00000000-0000-0000-0000-%012d", n), fmt.Sprintf("contoso_5Fapi-20%d", n)
		z.Connectors = append(z.Connectors, solutionzip.Connector{ID: id, Name: name, DisplayName: fmt.Sprintf("API %d", n),
			Description: "v" + version, ConnectorType: 1, IconBrandColor: "#007ee5",
			OpenAPIDefinition:    `{"swagger":"2.0","info":{"title":"API","version":"` + version + `"},"host":"api.example.com","paths":{}}`,
			ConnectionParameters: `{"api_key":{"type":"securestring","uiDefinition":{"displayName":"API key"}}}`,
			Icon:                 []byte(fmt.Sprintf("\x89PNG\r\n\x1a\nicon %d", n))})
		z.RootComponents = append(z.RootComponents, solutionzip.RootComponent{Type: 372, ID: id, SchemaName: name})
	}
	var buf bytes.Buffer
	if err := solutionzip.Write(&buf, z); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func importBody(zipData []byte, extra ...string) string {
	b := `{"CustomizationFile":"` + base64.StdEncoding.EncodeToString(zipData) + `"`
	for _, e := range extra {
		b += "," + e
	}
	return b + "}"
}

func exportZip(tb testing.TB, s *testServer, managed bool) []byte {
	tb.Helper()
	return exportNamed(tb, s, "ContosoConnectors", managed)
}

// exportNamed exports the solution of that name and returns the zip.
func exportNamed(tb testing.TB, s *testServer, name string, managed bool) []byte {
	tb.Helper()
	r := mustStatus(tb, s.do(tb, "POST", api+"ExportSolution", fmt.Sprintf(`{"SolutionName":%q,"Managed":%t}`, name, managed)), 200).JSON(tb)
	if !strings.HasSuffix(r["@odata.context"].(string), "$metadata#Microsoft.Dynamics.CRM.ExportSolutionResponse") {
		tb.Errorf("context: %v", r["@odata.context"])
	}
	data, err := base64.StdEncoding.DecodeString(r["ExportSolutionFile"].(string))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// zipFiles reads every file of a zip.
func zipFiles(tb testing.TB, data []byte) map[string][]byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// connectorColumns are the columns a solution carries, as GET returns them.
const connectorColumns = "connectorid,name,displayname,description,connectortype,openapidefinition,connectionparameters,connectionparametersets,policytemplateinstances,scriptoperations,customcodeblobcontent,iconbrandcolor,iconblob,solutionid,ismanaged"

func getConnector(tb testing.TB, s *testServer, n int) map[string]any {
	tb.Helper()
	return mustStatus(tb, s.get(tb, fmt.Sprintf("connectors(00000000-0000-0000-0000-%012d)?$select=%s", n, connectorColumns)), 200).JSON(tb)
}

// TestSolutionRoundTrip: connectors with icons go into a development server by an import,
// come out of it as an unmanaged and a managed file, and into a fresh server as a managed
// solution, with every column and file the same.
func TestSolutionRoundTrip(t *testing.T) {
	dev := MustOpenServer(t)
	file := solutionFile(t, "1.0.0.0", false, 1, 2)
	mustStatus(t, dev.do(t, "POST", api+"ImportSolution", importBody(file, `"ImportJobId":"11111111-1111-1111-1111-111111111111"`)), 204)
	job := mustStatus(t, dev.get(t, "importjobs(11111111-1111-1111-1111-111111111111)?$select=progress,solutionname,data"), 200).JSON(t)
	if job["progress"] != 100.0 || job["solutionname"] != "ContosoConnectors" || !strings.Contains(job["data"].(string), `action="created"`) {
		t.Errorf("import job: %v", job)
	}
	c1 := getConnector(t, dev, 1)
	if c1["iconblob"] != base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nicon 1")) || c1["ismanaged"] != false || c1["solutionid"] != connectorhub.ActiveSolutionID {
		t.Fatalf("imported connector: %v", c1)
	}
	// The unmanaged export holds the same files, byte for byte, as the file imported.
	unmanaged := exportZip(t, dev, false)
	want, got := zipFiles(t, file), zipFiles(t, unmanaged)
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s differs after import and export:\n%s\n---\n%s", name, data, got[name])
		}
	}
	if len(got) != len(want) {
		t.Errorf("files: got %d, want %d", len(got), len(want))
	}
	// Into a fresh server, managed.
	prod := MustOpenServer(t)
	mustStatus(t, prod.do(t, "POST", api+"ImportSolution", importBody(exportZip(t, dev, true))), 204)
	for _, n := range []int{1, 2} {
		a, b := getConnector(t, dev, n), getConnector(t, prod, n)
		for _, col := range strings.Split(connectorColumns, ",") {
			if col == "solutionid" || col == "ismanaged" {
				continue
			}
			if fmt.Sprint(a[col]) != fmt.Sprint(b[col]) {
				t.Errorf("connector %d column %s: dev %v, prod %v", n, col, a[col], b[col])
			}
		}
		if b["ismanaged"] != true || b["solutionid"] == connectorhub.ActiveSolutionID {
			t.Errorf("connector %d is not managed in prod: %v", n, b)
		}
	}
	sol := values(t, mustStatus(t, prod.get(t, "solutions?$filter=uniquename eq 'ContosoConnectors'&$select=ismanaged,version,installedon"), 200))
	if len(sol) != 1 || sol[0]["ismanaged"] != true || sol[0]["installedon"] == nil {
		t.Errorf("prod solution: %v", sol)
	}
	// A managed solution is not exported again.
	wantError(t, prod.do(t, "POST", api+"ExportSolution", `{"SolutionName":"ContosoConnectors","Managed":false}`), 400, connectorhub.ECodeInvalidArgument, "managed")
}

// TestManagedSolution: the managed rules of spec §4.4, from install to uninstall.
func TestManagedSolution(t *testing.T) {
	s := MustOpenServer(t)
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.0.0.0", true, 1, 2, 3))), 204)
	solID := values(t, s.get(t, "solutions?$filter=uniquename eq 'ContosoConnectors'&$select=solutionid"))[0]["solutionid"].(string)
	if ic := getConnector(t, s, 1); ic["ismanaged"] != true {
		t.Errorf("managed connector: %v", ic)
	}
	ic := s.get(t, "connectors(00000000-0000-0000-0000-000000000001)?$select=iscustomizable").JSON(t)["iscustomizable"].(map[string]any)
	if ic["Value"] != true || ic["CanBeChanged"] != false {
		t.Errorf("iscustomizable of a managed connector: %v", ic)
	}
	// A managed connector is not deleted on its own.
	wantError(t, s.do(t, "DELETE", connectorsPath+"(00000000-0000-0000-0000-000000000001)", ""), 400, connectorhub.ECodeInvalidArgument, "ContosoConnectors", "managed")
	// Nor does a managed solution take components.
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-0000000000c1", "contoso_c1")), 204)
	wantError(t, s.do(t, "PATCH", connectorsPath+"(00000000-0000-0000-0000-0000000000c1)", `{"description":"x"}`, "MSCRM.SolutionUniqueName: ContosoConnectors"),
		400, connectorhub.ECodeInvalidArgument, "managed")
	// The same or a lower version is refused; so is an unmanaged file of it.
	for _, c := range []struct {
		version string
		managed bool
		words   string
	}{{"1.0.0.0", true, "higher version"}, {"0.9", true, "higher version"}, {"2.0", false, "managed"}} {
		wantError(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, c.version, c.managed, 1))), 400, connectorhub.ECodeImportFailed, c.words)
	}
	// A change made after the import is kept by an upgrade without Overwrite…
	mustStatus(t, s.do(t, "PATCH", connectorsPath+"(00000000-0000-0000-0000-000000000001)", `{"description":"local change"}`), 204)
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.1.0.0", true, 1, 2))), 204)
	if got := getConnector(t, s, 1)["description"]; got != "local change" {
		t.Errorf("description after an upgrade without Overwrite: %v", got)
	}
	if got := getConnector(t, s, 2)["description"]; got != "v1.1.0.0" {
		t.Errorf("connector 2 was not upgraded: %v", got)
	}
	// …and the upgrade removed the connector the new version no longer has.
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000003)"), 404)
	// With Overwrite the local change goes.
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.2", true, 1, 2), `"OverwriteUnmanagedCustomizations":true`)), 204)
	if got := getConnector(t, s, 1)["description"]; got != "v1.2" {
		t.Errorf("description after Overwrite: %v", got)
	}
	// Uninstall: deleting the solution deletes its connectors, not the others.
	mustStatus(t, s.do(t, "DELETE", api+"solutions("+solID+")", ""), 204)
	for _, n := range []int{1, 2} {
		mustStatus(t, s.get(t, fmt.Sprintf("connectors(00000000-0000-0000-0000-%012d)", n)), 404)
	}
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-0000000000c1)"), 200)
	if n := len(values(t, s.get(t, "solutioncomponents?$filter=_solutionid_value eq "+solID))); n != 0 {
		t.Errorf("%d components left", n)
	}
}

// TestManagedOverUnmanaged: a managed import over unmanaged connectors of the same ids is
// refused, and applies nothing.
func TestManagedOverUnmanaged(t *testing.T) {
	s := MustOpenServer(t)
	mustStatus(t, s.do(t, "POST", connectorsPath, connectorBody("00000000-0000-0000-0000-000000000002", "contoso_5Fapi-202")), 204)
	wantError(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.0", true, 1, 2))), 400, connectorhub.ECodeImportFailed, "unmanaged base instance")
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000001)"), 404) // one transaction: connector 1 is not there
	if n := len(values(t, s.get(t, "solutions?$filter=uniquename eq 'ContosoConnectors'"))); n != 0 {
		t.Errorf("the refused import left its solution")
	}
	// ConvertToManaged takes them over.
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.0", true, 1, 2), `"ConvertToManaged":true`)), 204)
	if c := getConnector(t, s, 2); c["ismanaged"] != true {
		t.Errorf("connector 2: %v", c)
	}
}

// TestImportRefusals: what is not a solution, or is hostile, is a 400 that names the
// problem, applies nothing and is logged in importjobs.
func TestImportRefusals(t *testing.T) {
	s := MustOpenServer(t)
	good := solutionFile(t, "1.0", false, 1)
	// A path that climbs out of the zip.
	var slip bytes.Buffer
	zw := zip.NewWriter(&slip)
	for name, data := range zipFiles(t, good) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	w, _ := zw.Create("../evil.txt")
	w.Write([]byte("x"))
	zw.Close()
	// A missing referenced file.
	var missing bytes.Buffer
	zw = zip.NewWriter(&missing)
	for name, data := range zipFiles(t, good) {
		if strings.HasSuffix(name, "_openapidefinition.json") {
			continue
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	// A definition the validator refuses.
	var bad bytes.Buffer
	zw = zip.NewWriter(&bad)
	for name, data := range zipFiles(t, good) {
		if strings.HasSuffix(name, "_openapidefinition.json") {
			data = []byte(`{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{}}`)
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	// A bomb: 200 MB of zeros in a few hundred KB.
	var bomb bytes.Buffer
	zw = zip.NewWriter(&bomb)
	for name, data := range zipFiles(t, good) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	w, _ = zw.Create("CanvasApps/huge.msapp")
	zeros := make([]byte, 1<<20)
	for range 200 {
		w.Write(zeros)
	}
	zw.Close()
	for _, c := range []struct {
		name, body string
		status     int
		code       string
		words      []string
	}{
		{"Bomb", importBody(bomb.Bytes()), 400, connectorhub.ECodeImportFailed, []string{"zip bomb", "huge.msapp"}},
		{"NotBase64", `{"CustomizationFile":"%%%"}`, 400, connectorhub.ECodeBadRequest, []string{"base64"}},
		{"NotZip", importBody([]byte("hello")), 400, connectorhub.ECodeImportFailed, []string{"not a zip file"}},
		{"Slip", importBody(slip.Bytes()), 400, connectorhub.ECodeImportFailed, []string{"../evil.txt"}},
		{"MissingFile", importBody(missing.Bytes()), 400, connectorhub.ECodeImportFailed, []string{"openapidefinition"}},
		{"OpenAPI3", importBody(bad.Bytes()), 400, connectorhub.ECodeImportFailed, []string{"contoso_5Fapi-201"}},
		{"NoFile", `{}`, 400, connectorhub.ECodeBadRequest, []string{"CustomizationFile"}},
		{"UnknownParameter", importBody(good, `"Bogus":true`), 400, connectorhub.ECodeBadRequest, []string{"Bogus"}},
		{"Holding", importBody(good, `"HoldingSolution":true`), 400, connectorhub.ECodeInvalidArgument, []string{"HoldingSolution"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, s.do(t, "POST", api+"ImportSolution", c.body), c.status, c.code, c.words...)
		})
	}
	if n := len(values(t, s.get(t, "solutions?$filter=uniquename eq 'ContosoConnectors'"))); n != 0 {
		t.Errorf("a refused import left its solution")
	}
	// The log of a file refused while it was read is the caller's ImportJobId.
	wantError(t, s.do(t, "POST", api+"ImportSolution", importBody([]byte("hello"), `"ImportJobId":"55555555-5555-5555-5555-555555555555"`)), 400, connectorhub.ECodeImportFailed)
	if d := mustStatus(t, s.get(t, "importjobs(55555555-5555-5555-5555-555555555555)?$select=data"), 200).JSON(t)["data"].(string); !strings.Contains(d, `result="failure"`) {
		t.Errorf("failed job's log: %s", d)
	}
	logs := values(t, s.get(t, "importjobs?$select=data"))
	failed := 0
	for _, l := range logs {
		if strings.Contains(l["data"].(string), `result="failure"`) {
			failed++
		}
	}
	if failed < 4 {
		t.Errorf("%d failed import logs, want one per refused file: %v", failed, logs)
	}
}

// TestImportStripsSecrets: a secret in the file's connection parameters is stripped and
// named in the import log; the export has none.
func TestImportStripsSecrets(t *testing.T) {
	s := MustOpenServer(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range zipFiles(t, solutionFile(t, "1.0", false, 1)) {
		if strings.HasSuffix(name, "_connectionparameters.json") {
			data = []byte(`{"token":{"type":"oauthSetting","oAuthSettings":{"identityProvider":"aad","clientId":"abc","clientSecret":"s3cr3t-value","scopes":[]}}}`)
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(buf.Bytes(), `"ImportJobId":"22222222-2222-2222-2222-222222222222"`)), 204)
	data := s.get(t, "importjobs(22222222-2222-2222-2222-222222222222)?$select=data").JSON(t)["data"].(string)
	if !strings.Contains(data, "clientSecret") || strings.Contains(data, "s3cr3t") {
		t.Errorf("log: %s", data)
	}
	for name, f := range zipFiles(t, exportZip(t, s, false)) {
		if bytes.Contains(f, []byte("s3cr3t")) {
			t.Errorf("%s holds the secret", name)
		}
	}
	if p := getConnector(t, s, 1)["connectionparameters"].(string); strings.Contains(p, "s3cr3t") {
		t.Errorf("stored: %s", p)
	}
}

// TestSolutionAsync: the asynchronous pairs, polled as ALM tools poll them.
func TestSolutionAsync(t *testing.T) {
	s := MustOpenServer(t)
	r := mustStatus(t, s.do(t, "POST", api+"ImportSolutionAsync", importBody(solutionFile(t, "1.0", false, 1))), 200).JSON(t)
	op := mustStatus(t, s.get(t, "asyncoperations("+r["AsyncOperationId"].(string)+")?$select=statecode,statuscode"), 200).JSON(t)
	if op["statecode"] != 3.0 || op["statuscode"] != 30.0 || r["ImportJobKey"] == "" {
		t.Fatalf("import operation: %v %v", r, op)
	}
	// A refused file is a failed operation with the refusal's message.
	r = mustStatus(t, s.do(t, "POST", api+"ImportSolutionAsync", importBody(solutionFile(t, "1.0", true, 1))), 200).JSON(t)
	op = s.get(t, "asyncoperations("+r["AsyncOperationId"].(string)+")?$select=statuscode,message").JSON(t)
	if op["statuscode"] != 31.0 || !strings.Contains(op["message"].(string), "managed") {
		t.Errorf("failed operation: %v", op)
	}
	r = mustStatus(t, s.do(t, "POST", api+"ExportSolutionAsync", `{"SolutionName":"ContosoConnectors","Managed":true}`), 200).JSON(t)
	d := mustStatus(t, s.do(t, "POST", api+"DownloadSolutionExportData", `{"ExportJobId":"`+r["ExportJobId"].(string)+`"}`), 200).JSON(t)
	data, _ := base64.StdEncoding.DecodeString(d["ExportSolutionFile"].(string))
	if !bytes.Contains(zipFiles(t, data)["solution.xml"], []byte("<Managed>1</Managed>")) {
		t.Errorf("downloaded export is not the managed file")
	}
	wantError(t, s.do(t, "POST", api+"DownloadSolutionExportData", `{"ExportJobId":"33333333-3333-3333-3333-333333333333"}`), 404, connectorhub.ECodeNotFound)
	// StageSolution reads and checks, and writes nothing.
	st := mustStatus(t, s.do(t, "POST", api+"StageSolution", importBody(solutionFile(t, "3.0", true, 7))), 200).JSON(t)
	res := st["StageSolutionResults"].(map[string]any)
	if res["StageSolutionStatus"] != 1.0 || len(res["SolutionComponentsDetails"].([]any)) != 1 {
		t.Errorf("stage: %v", st)
	}
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000007)"), 404)
	mustStatus(t, s.do(t, "POST", api+"PublishAllXml", ""), 204)
}

// fixtureZip zips solutionzip's real-shaped fixture (an export with three connectors, a
// connection reference, two environment variables and a canvas app).
func fixtureZip(tb testing.TB) []byte {
	tb.Helper()
	root := filepath.Join("..", "solutionzip", "testdata", "solution")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestSolutionFixture imports the real-shaped fixture and exports it again: the connectors'
// files, the components ConnectorHub does not model (the canvas app), the connection
// reference and the environment variables come back as they went in.
func TestSolutionFixture(t *testing.T) {
	s := MustOpenServer(t)
	in := fixtureZip(t)
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(in, `"ImportJobId":"44444444-4444-4444-4444-444444444444"`)), 204)
	log := s.get(t, "importjobs(44444444-4444-4444-4444-444444444444)?$select=data").JSON(t)["data"].(string)
	for _, w := range []string{`<rootComponent type="300"`, `<section name="CanvasApps"/>`, `CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp`} {
		if !strings.Contains(log, w) {
			t.Errorf("the import log does not report %s: %s", w, log)
		}
	}
	refs := values(t, s.get(t, "connectionreferences?$select=connectionreferencelogicalname,_customconnectorid_value"))
	vars := values(t, s.get(t, "environmentvariabledefinitions?$select=schemaname"))
	vals := values(t, s.get(t, "environmentvariablevalues?$select=schemaname,value"))
	if len(refs) != 1 || refs[0]["_customconnectorid_value"] == nil || len(vars) != 2 || len(vals) != 1 {
		t.Errorf("rows: references %v, variables %v, values %v", refs, vars, vals)
	}
	out := exportNamed(t, s, "ContosoConnectors", false)
	want, err := solutionzip.Read(bytes.NewReader(in), int64(len(in)), solutionzip.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := solutionzip.Read(bytes.NewReader(out), int64(len(out)), solutionzip.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	byID := func(cs []solutionzip.Connector) map[string]solutionzip.Connector {
		m := map[string]solutionzip.Connector{}
		for _, c := range cs {
			m[c.ID] = c
		}
		return m
	}
	if !reflect.DeepEqual(byID(got.Connectors), byID(want.Connectors)) {
		t.Errorf("connectors differ after import and export")
	}
	sortRC := func(rc []solutionzip.RootComponent) []solutionzip.RootComponent {
		out := slices.Clone(rc)
		slices.SortFunc(out, func(a, b solutionzip.RootComponent) int { return strings.Compare(a.ID, b.ID) })
		return out
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"root components", sortRC(got.RootComponents), sortRC(want.RootComponents)},
		{"files", got.Files, want.Files},
		{"customizations", got.Customizations, want.Customizations},
		{"connection references", got.ConnectionReferences, want.ConnectionReferences},
		{"environment variables", got.EnvironmentVariables, want.EnvironmentVariables},
		{"publisher", got.Publisher, want.Publisher},
		{"names", got.LocalizedNames, want.LocalizedNames},
		{"header", got.Header, want.Header},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s differ after import and export:\n got %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
}

// TestUninstallDependency: a managed solution whose connector a connection reference of
// another solution uses is not uninstalled (8004F01D).
func TestUninstallDependency(t *testing.T) {
	s := MustOpenServer(t)
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(solutionFile(t, "1.0", true, 1))), 204)
	solID := values(t, s.get(t, "solutions?$filter=uniquename eq 'ContosoConnectors'&$select=solutionid"))[0]["solutionid"].(string)
	// Another (unmanaged) solution carries a connection reference to connector 1.
	z := &solutionzip.Solution{Header: solutionzip.DefaultHeader, UniqueName: "Flows", Version: "1.0",
		Publisher:            solutionzip.Publisher{UniqueName: "contoso", CustomizationPrefix: "contoso", CustomizationOptionValuePrefix: 72700},
		Customizations:       solutionzip.Customizations{Sections: solutionzip.DefaultSections(1033)},
		ConnectionReferences: []solutionzip.ConnectionReference{{LogicalName: "contoso_api1ref", DisplayName: "API 1", ConnectorID: "/providers/Microsoft.PowerApps/apis/shared_contoso-5fapi-201", CustomConnectorID: "00000000-0000-0000-0000-000000000001", IsCustomizable: true, StatusCode: 1}}}
	var buf bytes.Buffer
	if err := solutionzip.Write(&buf, z); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(buf.Bytes())), 204)
	wantError(t, s.do(t, "DELETE", api+"solutions("+solID+")", ""), 400, connectorhub.ECodeDependency, "Solution dependencies exist, cannot uninstall", "contoso_api1ref")
	mustStatus(t, s.get(t, "connectors(00000000-0000-0000-0000-000000000001)"), 200)
}
