package connectordir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/client"
)

const testDefinition = `{"swagger":"2.0","info":{"title":"Petstore","description":"Pets, for sale.","version":"1.0"},"host":"petstore.example.com","basePath":"/","schemes":["https"],"paths":{}}`

// writeFiles writes files (name → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConnectorDirUUID5(t *testing.T) {
	// RFC 9562's DNS namespace, and Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got := formatUUID(uuid5(dns, "python.org")); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuid5(DNS, python.org) = %s", got)
	}
	// The rule is part of the contract: a change would make apply create duplicates.
	if got := DeriveID("new_petstore"); got != DeriveID("NEW_PetStore") || got[14] != '5' {
		t.Errorf("DeriveID(new_petstore) = %s: want a version 5 UUID that ignores case", got)
	}
	if got, want := DeriveID("new_petstore"), pinnedPetstoreID; got != want {
		t.Errorf("DeriveID(new_petstore) = %s, want %s (the derivation changed)", got, want)
	}
}

// pinnedPetstoreID is DeriveID("new_petstore"), pinned so that the derivation never changes.
const pinnedPetstoreID = "e6a03d11-1d36-56fb-baed-5125e9233644"

func TestConnectorDirDeriveName(t *testing.T) {
	root := t.TempDir()
	for _, tt := range []struct {
		dir, prefix, want, err string
	}{
		{dir: "petstore", want: "new_petstore"},
		{dir: "My Connector-2", want: "new_myconnector2"},
		{dir: "Pétstore_v1", prefix: "cr1a6", want: "cr1a6_ptstorev1"},
		{dir: "petstore", prefix: "Cr1", err: "not a customization prefix"},
		{dir: "petstore", prefix: "x", err: "not a customization prefix"},
		{dir: "petstore", prefix: "mscrmab", err: "not a customization prefix"},
		{dir: "petstore", prefix: "toolongpfx", err: "not a customization prefix"},
		{dir: "___", err: "no letter or digit"},
	} {
		got, err := DeriveName(filepath.Join(root, tt.dir), tt.prefix)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("DeriveName(%q, %q) = %q, %v; want an error saying %q", tt.dir, tt.prefix, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DeriveName(%q, %q) = %q, %v; want %q", tt.dir, tt.prefix, got, err, tt.want)
		}
	}
	// "." is the current folder's name.
	wd, _ := os.Getwd()
	if got, err := DeriveName(".", ""); err != nil || got != "new_"+strings.ToLower(filepath.Base(wd)) {
		t.Errorf("DeriveName(.) = %q, %v", got, err)
	}
}

func TestConnectorDirColumns(t *testing.T) {
	props := func(members string) string { return `{"properties":{` + members + `}}` }
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		check func(t *testing.T, c *client.Connector)
		err   string
	}{
		{
			name:  "DefinitionOnly",
			files: map[string]string{DefinitionFile: testDefinition},
			check: func(t *testing.T, c *client.Connector) {
				want := &client.Connector{
					ConnectorID: DeriveID("new_petstore"), Name: "new_petstore", DisplayName: "Petstore",
					Description: "Pets, for sale.", ConnectorType: 1, OpenAPIDefinition: testDefinition,
				}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "AllFiles",
			files: map[string]string{
				DefinitionFile: "\xef\xbb\xbf" + testDefinition + "\n",
				PropertiesFile: props(`
					"connectionParameters": {"api_key": {"type": "securestring"}},
					"connectionParameterSets": {"uiDefinition": {}, "values": []},
					"policyTemplateInstances": [{"templateId": "setheader", "title": "h", "parameters": {}}],
					"scriptOperations": ["Ping"],
					"iconBrandColor": "#007ee5",
					"capabilities": ["actions", "Composite", "actions"],
					"publisher": "Contoso", "stackOwner": "Contoso"`),
				IconFile:   "\x89PNG",
				ScriptFile: "\xef\xbb\xbfpublic class Script : ScriptBase {}\n",
			},
			opts: Options{Prefix: "cr1a6"},
			check: func(t *testing.T, c *client.Connector) {
				if c.OpenAPIDefinition != "\xef\xbb\xbf"+testDefinition+"\n" {
					t.Errorf("openapidefinition is not the file byte for byte: %q", c.OpenAPIDefinition)
				}
				if c.Name != "cr1a6_petstore" || c.ConnectorID != DeriveID("cr1a6_petstore") {
					t.Errorf("identity %s %s", c.Name, c.ConnectorID)
				}
				for got, want := range map[string]string{
					// The members' text byte for byte, as the file has it.
					c.ConnectionParameters:    `{"api_key": {"type": "securestring"}}`,
					c.ConnectionParameterSets: `{"uiDefinition": {}, "values": []}`,
					c.PolicyTemplateInstances: `[{"templateId": "setheader", "title": "h", "parameters": {}}]`,
					c.ScriptOperations:        `["Ping"]`,
					c.IconBrandColor:          "#007ee5",
					c.Capabilities:            "118690005,118690000",
					c.CustomCodeBlobContent:   "public class Script : ScriptBase {}\n",
				} {
					if got != want {
						t.Errorf("got %q, want %q", got, want)
					}
				}
				if c.IconBlob != "" {
					t.Error("the icon is among the columns")
				}
			},
		},
		{
			name: "SettingsConnectorID",
			files: map[string]string{
				"swagger.json": testDefinition,
				SettingsFile:   `{"connectorId": "{5C1A4C3E-8F0E-5D5A-9A51-2F3B4C5D6E7F}", "apiDefinition": "swagger.json", "powerAppsUrl": "https://api.powerapps.com"}`,
			},
			check: func(t *testing.T, c *client.Connector) {
				if c.ConnectorID != "5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f" || c.Name != "new_petstore" {
					t.Errorf("identity %s %s", c.Name, c.ConnectorID)
				}
			},
		},
		{
			name:  "TrailingCommaDefinition",
			files: map[string]string{DefinitionFile: `{"swagger":"2.0","info":{"title":"T","version":"1",},"paths":{},}`},
			check: func(t *testing.T, c *client.Connector) {
				if c.DisplayName != "T" || c.Description != "" {
					t.Errorf("got %q %q", c.DisplayName, c.Description)
				}
			},
		},
		{name: "Triggers", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: props(`"capabilities": ["actions", "triggers", "federatedKnowledgeSource"]`)},
			check: func(t *testing.T, c *client.Connector) {
				// What the table cannot hold is left out with a warning (29 published connectors
				// list "triggers"), as the server's own mapping does.
				if c.Capabilities != "118690005" {
					t.Errorf("capabilities %q, want the actions alone", c.Capabilities)
				}
			}},
		{name: "CapabilitiesNotStrings", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: props(`"capabilities": "actions"`)},
			err: "not an array of strings"},
		{name: "NoTitle", files: map[string]string{DefinitionFile: `{"swagger":"2.0","info":{"version":"1"},"paths":{}}`}, err: "info.title is missing"},
		{name: "NoInfo", files: map[string]string{DefinitionFile: `{"swagger":"2.0","paths":{}}`}, err: "info.title is missing"},
		{name: "DefinitionNotJSON", files: map[string]string{DefinitionFile: `{"swagger":`}, err: "info.title is missing"},
		{name: "TitleTooLong", files: map[string]string{DefinitionFile: `{"swagger":"2.0","info":{"title":"` + strings.Repeat("é", 201) + `"},"paths":{}}`},
			err: "info.title has 201 characters; the display name takes at most 200"},
		{name: "DescriptionTooLong", files: map[string]string{DefinitionFile: `{"swagger":"2.0","info":{"title":"T","description":"` + strings.Repeat("x", 1001) + `"},"paths":{}}`},
			err: "info.description has 1001 characters"},
		{name: "PropertiesNotJSON", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: `{"properties":`}, err: "apiProperties.json: not valid JSON"},
		{name: "NoPropertiesObject", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: `{}`}, err: `no "properties" object`},
		{name: "ParametersNotObject", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: props(`"connectionParameters": []`)},
			err: "properties.connectionParameters is a JSON array, not an object"},
		{name: "PoliciesNotArray", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: props(`"policyTemplateInstances": {}`)},
			err: "properties.policyTemplateInstances is a JSON object, not an array"},
		{name: "ColorNotString", files: map[string]string{DefinitionFile: testDefinition, PropertiesFile: props(`"iconBrandColor": 7`)}, err: "iconBrandColor is a JSON number, not a string"},
		{name: "SettingsIDNotGUID", files: map[string]string{DefinitionFile: testDefinition, SettingsFile: `{"connectorId": "shared_petstore-5f1234"}`},
			err: `connectorId "shared_petstore-5f1234" is not a GUID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "petstore")
			writeFiles(t, dir, tt.files)
			f, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.Columns(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestConnectorDirRead(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a connector folder: apiDefinition.swagger.json is missing") {
		t.Errorf("Read of an empty folder: %v", err)
	}
	writeFiles(t, dir, map[string]string{DefinitionFile: testDefinition})
	f, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Definition) != testDefinition || f.Properties != nil || f.Icon != nil || f.Script != nil || f.Settings != nil || f.Dir != dir {
		t.Errorf("Read: %+v", f)
	}
	for _, tt := range []struct{ settings, err string }{
		{`{"apiProperties": "props.json"}`, "settings.json names props.json, which is missing"},
		{`{"apiDefinition": "../elsewhere.json"}`, "must be relative to the folder and stay inside it"},
		{`{"apiDefinition": `, "settings.json"},
	} {
		d := t.TempDir()
		writeFiles(t, d, map[string]string{DefinitionFile: testDefinition, SettingsFile: tt.settings})
		if _, err := Read(d); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("settings %s: got %v, want an error saying %q", tt.settings, err, tt.err)
		}
	}
}

func TestConnectorDirFind(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"a/" + DefinitionFile:            testDefinition,
		"a/nested/" + DefinitionFile:     testDefinition,
		"b/" + SettingsFile:              `{"apiDefinition": "def/swagger.json"}`,
		"b/def/swagger.json":             testDefinition,
		"c/" + PropertiesFile:            `{"properties":{}}`,
		".git/x/" + DefinitionFile:       testDefinition,
		"node_modules/" + DefinitionFile: testDefinition,
	})
	got, err := Find(filepath.Join(root, "b"), root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "a"), filepath.Join(root, "a", "nested"), filepath.Join(root, "b")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Find = %v, want %v", got, want)
	}
	if _, err := Find(filepath.Join(root, "missing")); err == nil {
		t.Error("Find of a missing root succeeded")
	}
	if _, err := Find(filepath.Join(root, "a", DefinitionFile)); err == nil {
		t.Error("Find of a file succeeded")
	}
}

func TestConnectorDirFromConnectorAndWrite(t *testing.T) {
	c := &client.Connector{
		ConnectorID:             "5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f",
		OpenAPIDefinition:       testDefinition,
		ConnectionParameters:    `{"b":{"type":"string","x":1.50},"a":{"type":"securestring"}}`,
		PolicyTemplateInstances: `[{"templateId":"setheader","parameters":{"x-ms-apimTemplateParameter.name":"<a&b>"}}]`,
		Capabilities:            "118690005,118690000",
		IconBrandColor:          "#007ee5",
		CustomCodeBlobContent:   "public class Script : ScriptBase {}\n",
		IconBlob:                "iVBORw==",
	}
	f, err := FromConnector(c)
	if err != nil {
		t.Fatal(err)
	}
	wantProps := `{
  "properties": {
    "capabilities": [
      "actions",
      "composite"
    ],
    "connectionParameters": {
      "a": {
        "type": "securestring"
      },
      "b": {
        "type": "string",
        "x": 1.50
      }
    },
    "iconBrandColor": "#007ee5",
    "policyTemplateInstances": [
      {
        "parameters": {
          "x-ms-apimTemplateParameter.name": "<a&b>"
        },
        "templateId": "setheader"
      }
    ]
  }
}
`
	if string(f.Properties) != wantProps {
		t.Errorf("apiProperties.json:\n%s\nwant\n%s", f.Properties, wantProps)
	}
	if string(f.Definition) != testDefinition || string(f.Script) != c.CustomCodeBlobContent || string(f.Icon) != "\x89PNG" {
		t.Errorf("files: %q %q %q", f.Definition, f.Script, f.Icon)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{DefinitionFile, PropertiesFile, IconFile, ScriptFile, SettingsFile}; !sameSet(names, want) {
		t.Errorf("wrote %v, want %v (and no temporary files)", names, want)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Settings == nil || back.Settings.ConnectorID != c.ConnectorID {
		t.Errorf("settings.json: %+v", back.Settings)
	}
	// A second download writes the same bytes.
	f2, err := FromConnector(c)
	if err != nil || string(f2.Properties) != string(f.Properties) {
		t.Errorf("FromConnector is not stable: %v", err)
	}

	// A connector with no script, icon or properties: only the definition, apiProperties.json
	// (with capabilities []) and settings.json.
	f, err = FromConnector(&client.Connector{ConnectorID: c.ConnectorID, OpenAPIDefinition: testDefinition})
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Properties) != "{\n  \"properties\": {\n    \"capabilities\": []\n  }\n}\n" || f.Script != nil || f.Icon != nil {
		t.Errorf("bare connector: %q %q %q", f.Properties, f.Script, f.Icon)
	}
	dir = filepath.Join(t.TempDir(), "bare")
	if err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ScriptFile, IconFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written for a connector without it", name)
		}
	}

	for _, tt := range []struct {
		c   client.Connector
		err string
	}{
		{client.Connector{ConnectionParameters: "{"}, "the connectionparameters column is not valid JSON"},
		{client.Connector{Capabilities: "118690005,7"}, `"7" is not a known choice value`},
		{client.Connector{IconBlob: "%%%"}, "iconblob column is not base64"},
	} {
		if _, err := FromConnector(&tt.c); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("FromConnector(%+v): got %v, want an error saying %q", tt.c, err, tt.err)
		}
	}
}

func TestConnectorDirWriteSettingsNames(t *testing.T) {
	f := &Folder{
		Definition: []byte(testDefinition),
		Properties: []byte(`{"properties":{}}`),
		Settings:   &Settings{ConnectorID: "5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f", APIDefinition: "def/swagger.json", extra: map[string]json.RawMessage{"powerAppsUrl": json.RawMessage(`"https://api.powerapps.com"`)}},
	}
	dir := t.TempDir()
	if err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "def", "swagger.json")); err != nil || string(data) != testDefinition {
		t.Errorf("definition under the settings' name: %q, %v", data, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, SettingsFile))
	want := "{\n  \"connectorId\": \"5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f\",\n  \"apiDefinition\": \"def/swagger.json\",\n  \"powerAppsUrl\": \"https://api.powerapps.com\"\n}\n"
	if string(data) != want {
		t.Errorf("settings.json:\n%s\nwant\n%s", data, want)
	}
	if err := (&Folder{}).Write(dir); err == nil {
		t.Error("Write of a folder without a definition succeeded")
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
