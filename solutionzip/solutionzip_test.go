package solutionzip_test

import (
	"archive/zip"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/solutionzip"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// wantFixture is what Read must make of testdata/solution.
func wantFixture(tb testing.TB, files []zfile) *solutionzip.Solution {
	tb.Helper()
	file := func(name string) string { return string(fileOf(tb, files, name)) }
	zero := 0
	return &solutionzip.Solution{
		Header: solutionzip.Header{Version: "9.2.25093.165", SolutionPackageVersion: "9.2", LanguageCode: 1033, GeneratedBy: "CrmLive",
			OrganizationVersion: "9.2.25093.165", OrganizationSchemaType: "Standard", CRMServerServiceabilityVersion: "9.2.25093.00165"},
		UniqueName:     "ContosoConnectors",
		LocalizedNames: []solutionzip.LocalizedText{{Text: "Contoso Connectors", LanguageCode: 1033}, {Text: "Connecteurs Contoso", LanguageCode: 1036}},
		Descriptions:   []solutionzip.LocalizedText{{Text: "Custom connectors of the Contoso shop & the orders app.", LanguageCode: 1033}},
		Version:        "1.0.0.3",
		Publisher: solutionzip.Publisher{
			UniqueName:                     "contoso",
			LocalizedNames:                 []solutionzip.LocalizedText{{Text: "Contoso Ltd", LanguageCode: 1033}},
			SupportingWebsiteURL:           "https://contoso.example",
			CustomizationPrefix:            "cr736",
			CustomizationOptionValuePrefix: 47651,
			Addresses: []solutionzip.Address{
				{Fields: []solutionzip.Field{{Name: "AddressNumber", Value: "1"}, {Name: "AddressTypeCode", Value: "1"}, {Name: "City", Value: "Redmond"},
					{Name: "County", Nil: true}, {Name: "Country", Nil: true}, {Name: "Line1", Value: "1 Contoso Way"}, {Name: "PostalCode", Value: "98052"},
					{Name: "ShippingMethodCode", Value: "1"}, {Name: "UTCOffset", Nil: true}}},
				{Fields: []solutionzip.Field{{Name: "AddressNumber", Value: "2"}, {Name: "AddressTypeCode", Value: "1"}, {Name: "City", Nil: true},
					{Name: "Line1", Nil: true}, {Name: "ShippingMethodCode", Value: "1"}}},
			},
		},
		RootComponents: []solutionzip.RootComponent{
			{Type: 300, SchemaName: "cr736_ordersapp_5a1b2"},
			{Type: 372, ID: "3f1c2a9e-7b4d-4e21-9a6f-0c8d2b5e7a14", SchemaName: "cr736_5Fcontosoorders"},
			{Type: 372, ID: "8a2e4c6b-1d3f-4a5b-9c7d-2e4f6a8b0c1d", SchemaName: "cr736_weather-20lookup"},
			{Type: 372, ID: "5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b", SchemaName: "cr736_5Fpingservice"},
		},
		MissingDependencies: []solutionzip.MissingDependency{{
			Required:  []solutionzip.Attr{{Name: "type", Value: "1"}, {Name: "schemaName", Value: "account"}, {Name: "displayName", Value: "Account"}, {Name: "solution", Value: "Active"}},
			Dependent: []solutionzip.Attr{{Name: "type", Value: "300"}, {Name: "schemaName", Value: "cr736_ordersapp_5a1b2"}, {Name: "displayName", Value: "Orders"}},
		}},
		Customizations: solutionzip.Customizations{
			Attrs: []solutionzip.Attr{{Name: "OrganizationVersion", Value: "9.2.25093.165"}, {Name: "OrganizationSchemaType", Value: "Standard"},
				{Name: "CRMServerServiceabilityVersion", Value: "9.2.25093.00165"}},
			Sections: sectionsOf(tb, file("customizations.xml")),
		},
		Connectors: []solutionzip.Connector{
			{
				ID: "3f1c2a9e-7b4d-4e21-9a6f-0c8d2b5e7a14", Description: "Orders of the Contoso shop, for the solution fixture.",
				DisplayName: "Contoso Orders", IconBrandColor: "#007EE6", Name: "cr736_5Fcontosoorders", ConnectorType: 1,
				ScriptOperations:        `["ListOrders","GetOrder"]`,
				OpenAPIDefinition:       file("Connector/cr736_5Fcontosoorders_openapidefinition.json"),
				ConnectionParameters:    file("Connector/cr736_5Fcontosoorders_connectionparameters.json"),
				ConnectionParameterSets: file("Connector/cr736_5Fcontosoorders_connectionparametersets.json"),
				PolicyTemplateInstances: file("Connector/cr736_5Fcontosoorders_policytemplateinstances.json"),
				CustomCodeBlobContent:   file("Connector/cr736_5Fcontosoorders_customcodeblobcontent.csx"),
				Icon:                    fileOf(tb, files, "Connector/cr736_5Fcontosoorders_iconblob.Png"),
			},
			{
				ID: "8a2e4c6b-1d3f-4a5b-9c7d-2e4f6a8b0c1d", Description: "Looks up the weather.\nSecond line: 25 < 30 & \"quoted\".",
				DisplayName: "Weather Lookup", IconBrandColor: "#da3b01", Name: "cr736_weather-20lookup", ConnectorType: 1,
				OpenAPIDefinition:       file("Connector/cr736_weather-20lookup_openapidefinition.json"),
				ConnectionParameters:    file("Connector/cr736_weather-20lookup_connectionparameters.json"),
				PolicyTemplateInstances: "[]",
			},
			{
				ID: "5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b", DisplayName: "Ping Service", Name: "cr736_5Fpingservice", ConnectorType: 1,
				OpenAPIDefinition:       file("Connector/cr736_5Fpingservice_openapidefinition.json"), // with its BOM and CRLFs
				ConnectionParameters:    "{}",
				PolicyTemplateInstances: "[]",
			},
		},
		ConnectionReferences: []solutionzip.ConnectionReference{{
			LogicalName: "cr736_sharedcr7365fcontosoorders_3c5d7", DisplayName: "Contoso Orders (fixture)",
			ConnectorID:       "/providers/Microsoft.PowerApps/apis/shared_cr736-5fcontosoorders-5f0a1b2c3d4e5f6a7b",
			CustomConnectorID: "3f1c2a9e-7b4d-4e21-9a6f-0c8d2b5e7a14", Description: "Used by the Orders app.",
			IsCustomizable: true, PromptingBehavior: &zero, StateCode: 0, StatusCode: 1,
		}},
		EnvironmentVariables: []solutionzip.EnvironmentVariable{
			{
				SchemaName:  "cr736_ContosoClientSecret",
				DisplayName: solutionzip.LocalizedLabel{Default: "Contoso client secret", Labels: []solutionzip.LocalizedText{{Text: "Contoso client secret", LanguageCode: 1033}}},
				Type:        solutionzip.EnvironmentVariableSecret, IntroducedVersion: "1.0.0.0", IsCustomizable: true, SecretStore: 1,
				Other: []solutionzip.Element{{Name: "parameterkey", XML: "<parameterkey>contosoClientSecret</parameterkey>"}},
			},
			{
				SchemaName:   "cr736_ContosoHost",
				DisplayName:  solutionzip.LocalizedLabel{Default: "Contoso host", Labels: []solutionzip.LocalizedText{{Text: "Contoso host", LanguageCode: 1033}}},
				Description:  solutionzip.LocalizedLabel{Default: "Host of the Contoso Orders API", Labels: []solutionzip.LocalizedText{{Text: "Host of the Contoso Orders API", LanguageCode: 1033}}},
				Type:         solutionzip.EnvironmentVariableString,
				DefaultValue: "orders.contoso.example", IntroducedVersion: "1.0.0.0", IsCustomizable: true, IsRequired: true,
				Value: &solutionzip.EnvironmentVariableValue{ID: "7c9e1a3b-5d7f-4b9d-8e1f-3a5c7e9b1d3f", SchemaName: "cr736_ContosoHost", Value: "test.contoso.example"},
			},
		},
		Files: []solutionzip.File{
			{Name: "CanvasApps/cr736_ordersapp_5a1b2_BackgroundImageUri", Data: fileOf(tb, files, "CanvasApps/cr736_ordersapp_5a1b2_BackgroundImageUri")},
			{Name: "CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp", Data: fileOf(tb, files, "CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp")},
		},
	}
}

// sectionsOf cuts the sections of the fixture's customizations.xml out of its text: each
// top-level element but Connectors and connectionreferences, verbatim.
func sectionsOf(tb testing.TB, x string) []solutionzip.Element {
	tb.Helper()
	var out []solutionzip.Element
	for _, line := range strings.Split(x, "\n") {
		if !strings.HasPrefix(line, "  <") || strings.HasPrefix(line, "  </") || strings.HasPrefix(line, "   ") {
			continue
		}
		name := strings.TrimPrefix(line, "  <")
		name = name[:strings.IndexAny(name, " />")]
		if name == "Connectors" || name == "connectionreferences" {
			continue
		}
		start := strings.Index(x, line)
		end := start + len(line)
		if !strings.HasSuffix(line, "/>") && !strings.HasSuffix(line, "</"+name+">") {
			end = strings.Index(x[start:], "\n  </"+name+">") + start + len("\n  </"+name+">")
		}
		out = append(out, solutionzip.Element{Name: name, XML: strings.TrimPrefix(x[start:end], "  ")})
	}
	return out
}

func TestReadFixture(t *testing.T) {
	files := MustFixture(t)
	got := MustRead(t, MustZip(t, files))
	if diff := cmp.Diff(wantFixture(t, files), got); diff != "" {
		t.Fatalf("Read(fixture) mismatch (-want +got):\n%s", diff)
	}
	u := got.Unmodeled()
	want := solutionzip.Unmodeled{
		RootComponents: []solutionzip.RootComponent{{Type: 300, SchemaName: "cr736_ordersapp_5a1b2"}},
		Sections:       []string{"CanvasApps"},
		Files:          []string{"CanvasApps/cr736_ordersapp_5a1b2_BackgroundImageUri", "CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp"},
	}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("Unmodeled mismatch (-want +got):\n%s", diff)
	}
}

// TestRoundTrip: Write(Read(fixture)) reads back as the same Solution, and writing that
// again gives the same bytes.
func TestRoundTrip(t *testing.T) {
	s1 := MustRead(t, MustZip(t, MustFixture(t)))
	z1 := MustWrite(t, s1)
	s2 := MustRead(t, z1)
	if diff := cmp.Diff(s1, s2); diff != "" {
		t.Fatalf("Read(Write(s)) differs from s (-s +read):\n%s", diff)
	}
	z2 := MustWrite(t, s2)
	if !bytes.Equal(z1, z2) {
		t.Fatalf("Write(Read(Write(s))) is not Write(s): %d and %d bytes", len(z1), len(z2))
	}
	if z3 := MustWrite(t, s1); !bytes.Equal(z1, z3) {
		t.Fatal("two Writes of one Solution differ")
	}
}

// TestWriteShape checks the zip Write makes against spec §5.1: the files, their order, their
// headers, and the exact text of solution.xml, customizations.xml, [Content_Types].xml and an
// environment variable (golden files; go test -update rewrites them).
func TestWriteShape(t *testing.T) {
	files := MustFixture(t)
	z := MustWrite(t, MustRead(t, MustZip(t, files)))
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: modified %v, want 1980-01-01 00:00 UTC", f.Name, f.Modified)
		}
		wantMethod := zip.Deflate
		if strings.HasSuffix(f.Name, ".Png") {
			wantMethod = zip.Store
		}
		if f.Method != uint16(wantMethod) {
			t.Errorf("%s: method %d, want %d", f.Name, f.Method, wantMethod)
		}
	}
	wantNames := []string{
		"customizations.xml",
		"solution.xml",
		"Connector/cr736_5Fcontosoorders_openapidefinition.json",
		"Connector/cr736_5Fcontosoorders_connectionparameters.json",
		"Connector/cr736_5Fcontosoorders_connectionparametersets.json",
		"Connector/cr736_5Fcontosoorders_policytemplateinstances.json",
		"Connector/cr736_5Fcontosoorders_customcodeblobcontent.csx",
		"Connector/cr736_5Fcontosoorders_iconblob.Png",
		"Connector/cr736_weather-20lookup_openapidefinition.json",
		"Connector/cr736_weather-20lookup_connectionparameters.json",
		"Connector/cr736_weather-20lookup_policytemplateinstances.json",
		"Connector/cr736_5Fpingservice_openapidefinition.json",
		"Connector/cr736_5Fpingservice_connectionparameters.json",
		"Connector/cr736_5Fpingservice_policytemplateinstances.json",
		"environmentvariabledefinitions/cr736_ContosoClientSecret/environmentvariabledefinition.xml",
		"environmentvariabledefinitions/cr736_ContosoHost/environmentvariabledefinition.xml",
		"environmentvariabledefinitions/cr736_ContosoHost/environmentvariablevalues.json",
		"CanvasApps/cr736_ordersapp_5a1b2_BackgroundImageUri",
		"CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp",
		"[Content_Types].xml",
	}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Fatalf("entries (-want +got):\n%s", diff)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		data := b.Bytes()
		switch {
		case strings.HasPrefix(f.Name, "Connector/") || strings.HasPrefix(f.Name, "CanvasApps/"):
			// Byte for byte: the fixture's files are what a Dataverse export holds.
			if want := fileOf(t, files, f.Name); !bytes.Equal(data, want) {
				t.Errorf("%s is not byte for byte the fixture's:\n got %q\nwant %q", f.Name, data, want)
			}
		case strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".json"):
			if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
				t.Errorf("%s starts with a byte-order mark", f.Name)
			}
			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(f.Name, "/", "__"))
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s differs from %s:\n%s", f.Name, golden, cmp.Diff(string(want), string(data)))
			}
		}
	}
}

// TestWriteEmptyColumns: empty parameters are written {} and empty policies [], optional
// files are left out, and a minimal solution reads back.
func TestWriteEmptyColumns(t *testing.T) {
	s := &solutionzip.Solution{
		Header: solutionzip.DefaultHeader, UniqueName: "Min", Version: "1.0",
		Publisher:      solutionzip.Publisher{UniqueName: "pub", CustomizationPrefix: "new", CustomizationOptionValuePrefix: 10000},
		Customizations: solutionzip.Customizations{Sections: solutionzip.DefaultSections()},
		Connectors:     []solutionzip.Connector{{ID: "0b5e4c2a-9f1d-4e3b-8a7c-6d5e4f3a2b1c", Name: "new_min", DisplayName: "Min", ConnectorType: 1, OpenAPIDefinition: `{"swagger":"2.0"}`}},
	}
	z := MustWrite(t, s)
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		got[f.Name] = b.String()
	}
	for name, want := range map[string]string{
		"Connector/new_min_connectionparameters.json":    "{}",
		"Connector/new_min_policytemplateinstances.json": "[]",
		"Connector/new_min_openapidefinition.json":       `{"swagger":"2.0"}`,
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	for _, absent := range []string{"Connector/new_min_iconblob.Png", "Connector/new_min_customcodeblobcontent.csx", "Connector/new_min_connectionparametersets.json"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s is written for an empty column", absent)
		}
	}
	if !strings.Contains(got["[Content_Types].xml"], `<Default Extension="json" ContentType="application/octet-stream" />`) {
		t.Errorf("[Content_Types].xml = %s", got["[Content_Types].xml"])
	}
	back := MustRead(t, z)
	want := *s
	want.Connectors = []solutionzip.Connector{s.Connectors[0]}
	want.Connectors[0].ConnectionParameters, want.Connectors[0].PolicyTemplateInstances = "{}", "[]"
	if diff := cmp.Diff(&want, back); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}
