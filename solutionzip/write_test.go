package solutionzip_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/solutionzip"
)

// TestWriteRefuses gives Write solutions it must not write; it must refuse them before
// writing a byte, with the Kind and a message naming the file and the element.
func TestWriteRefuses(t *testing.T) {
	fixture := MustFixture(t)
	for _, tc := range []struct {
		name   string
		change func(s *solutionzip.Solution)
		kind   solutionzip.Kind
		msg    []string
	}{
		{"ClientSecret", func(s *solutionzip.Solution) {
			s.Connectors[0].ConnectionParameters = strings.Replace(s.Connectors[0].ConnectionParameters, `"clientId":`, `"clientSecret":"s3cr3t","clientId":`, 1)
		}, solutionzip.ErrSecret, []string{"Connector/cr736_5Fcontosoorders_connectionparameters.json", "connectionparameters/token/oAuthSettings/clientSecret"}},
		{"ClientSecretInASet", func(s *solutionzip.Solution) {
			s.Connectors[0].ConnectionParameterSets = strings.Replace(s.Connectors[0].ConnectionParameterSets, `"clientId":`, `"clientSecret":"s3cr3t","clientId":`, 1)
		}, solutionzip.ErrSecret, []string{"Connector/cr736_5Fcontosoorders_connectionparametersets.json", "connectionparametersets/values/0/parameters/token/oAuthSettings/clientSecret"}},
		{"SecurestringDefault", func(s *solutionzip.Solution) {
			s.Connectors[1].ConnectionParameters = `{"api_key":{"type":"securestring","defaultValue":"k3y"}}`
		}, solutionzip.ErrSecret, []string{"connectionparameters/api_key/defaultValue"}},
		{"NoUniqueName", func(s *solutionzip.Solution) { s.UniqueName = "" }, solutionzip.ErrInvalid, []string{"solution.xml", "<UniqueName>"}},
		{"BadVersion", func(s *solutionzip.Solution) { s.Version = "1" }, solutionzip.ErrInvalid, []string{"<Version>", `"1" is not a version`}},
		{"NoPrefix", func(s *solutionzip.Solution) { s.Publisher.CustomizationPrefix = "" }, solutionzip.ErrInvalid, []string{"<CustomizationPrefix>"}},
		{"RootComponentIDBraced", func(s *solutionzip.Solution) { s.RootComponents[1].ID = "{" + s.RootComponents[1].ID + "}" }, solutionzip.ErrInvalid, []string{"<RootComponent>", "not a lower-case GUID"}},
		{"ConnectorIDUpperCase", func(s *solutionzip.Solution) { s.Connectors[1].ID = strings.ToUpper(s.Connectors[1].ID) }, solutionzip.ErrInvalid,
			[]string{"customizations.xml", "<Connector> 2 <connectorid>", "not a lower-case GUID"}},
		{"ConnectorNameWithSlash", func(s *solutionzip.Solution) { s.Connectors[1].Name = "../../etc/x" }, solutionzip.ErrInvalid,
			[]string{"<Connector> 2 <name>", "cannot name the connector's files"}},
		{"ConnectorNameEmpty", func(s *solutionzip.Solution) { s.Connectors[1].Name = "" }, solutionzip.ErrInvalid, []string{"it is empty"}},
		{"ConnectorNameDuplicate", func(s *solutionzip.Solution) { s.Connectors[2].Name = strings.ToUpper(s.Connectors[1].Name) }, solutionzip.ErrDuplicate,
			[]string{"two connectors are named"}},
		{"ConnectorIDDuplicate", func(s *solutionzip.Solution) { s.Connectors[2].ID = s.Connectors[1].ID }, solutionzip.ErrDuplicate, []string{"two connectors have the id"}},
		{"DefinitionNotUTF8", func(s *solutionzip.Solution) { s.Connectors[2].OpenAPIDefinition = "{\"a\":\"\xff\"}" }, solutionzip.ErrInvalid,
			[]string{"Connector/cr736_5Fpingservice_openapidefinition.json", "not valid UTF-8"}},
		{"ControlCharacterInDescription", func(s *solutionzip.Solution) { s.Connectors[0].Description = "bell\a" }, solutionzip.ErrInvalid,
			[]string{"customizations.xml", "<description>", "U+0007"}},
		{"ScriptOperationsLikeAPath", func(s *solutionzip.Solution) { s.Connectors[0].ScriptOperations = "/Connector/x.json" }, solutionzip.ErrInvalid,
			[]string{"<scriptoperations>"}},
		{"KeptConnectorsSection", func(s *solutionzip.Solution) {
			s.Customizations.Sections = append(s.Customizations.Sections, solutionzip.Element{Name: "Connectors", XML: "<Connectors />"})
		}, solutionzip.ErrInvalid, []string{"a kept section cannot be <Connectors>"}},
		{"KeptElementMalformed", func(s *solutionzip.Solution) {
			s.Customizations.Sections[0] = solutionzip.Element{Name: "Entities", XML: "<Entities><Entity></Entities>"}
		}, solutionzip.ErrInvalid, []string{"customizations.xml", "kept <Entities> element cannot be written"}},
		{"KeptElementTwoElements", func(s *solutionzip.Solution) {
			s.Customizations.Sections[0] = solutionzip.Element{Name: "Entities", XML: "<Entities /><Roles />"}
		}, solutionzip.ErrInvalid, []string{"kept <Entities> element cannot be written"}},
		{"KeptElementWrongName", func(s *solutionzip.Solution) {
			s.Connectors[0].Other = []solutionzip.Element{{Name: "capabilities", XML: "<other />"}}
		}, solutionzip.ErrInvalid, []string{"its XML is <other>, not <capabilities>"}},
		{"KeptElementModelledName", func(s *solutionzip.Solution) {
			s.Connectors[0].Other = []solutionzip.Element{{Name: "name", XML: "<name>x</name>"}}
		}, solutionzip.ErrInvalid, []string{"has the name of a modelled one"}},
		{"KeptFileClimbsOut", func(s *solutionzip.Solution) { s.Files = append(s.Files, solutionzip.File{Name: "../x"}) }, solutionzip.ErrInvalid,
			[]string{"../x", "relative path"}},
		{"KeptFileNamedSolutionXML", func(s *solutionzip.Solution) { s.Files = append(s.Files, solutionzip.File{Name: "Solution.xml"}) }, solutionzip.ErrInvalid,
			[]string{"a file Write writes itself"}},
		{"KeptFileCollides", func(s *solutionzip.Solution) {
			s.Files = append(s.Files, solutionzip.File{Name: "connector/cr736_5Fpingservice_openapidefinition.json"})
		}, solutionzip.ErrDuplicate, []string{"differ only in case"}},
		{"KeptFileIsAnEnvironmentVariableValue", func(s *solutionzip.Solution) {
			s.Files = append(s.Files, solutionzip.File{Name: "environmentvariabledefinitions/CR736_CONTOSOCLIENTSECRET/environmentvariablevalues.json", Data: []byte("{}")})
		}, solutionzip.ErrInvalid, []string{"cannot be an environment variable's definition or value"}},
		{"NilSolution", nil, solutionzip.ErrInvalid, []string{"no solution to write"}},
		{"EnvironmentVariableSchemaNameWithSlash", func(s *solutionzip.Solution) { s.EnvironmentVariables[0].SchemaName = "a/b" }, solutionzip.ErrInvalid,
			[]string{"environmentvariabledefinitions/a/b/", "cannot name a folder"}},
		{"AttributeNameInvalid", func(s *solutionzip.Solution) { s.Header.Other = []solutionzip.Attr{{Name: "bad name", Value: "x"}} }, solutionzip.ErrInvalid,
			[]string{"solution.xml", `"bad name" is not an XML name`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustRead(t, MustZip(t, fixture))
			if tc.change == nil {
				s = nil
			} else {
				tc.change(s)
			}
			var b bytes.Buffer
			err := solutionzip.Write(&b, s)
			if err == nil {
				t.Fatal("Write accepted it")
			}
			if b.Len() > 0 {
				t.Errorf("Write wrote %d bytes before refusing", b.Len())
			}
			var e *solutionzip.Error
			if !errors.As(err, &e) || !errors.Is(err, tc.kind) {
				t.Errorf("got %v, want kind %q", err, tc.kind)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not say %q", err.Error(), m)
				}
			}
		})
	}
}

// TestWriteKeepsSecretsOut: an empty clientSecret and an @environmentVariables reference are
// not secrets, and are written as they are.
func TestWriteAcceptsNonSecrets(t *testing.T) {
	s := MustRead(t, MustZip(t, MustFixture(t)))
	for _, params := range []string{
		`{"token":{"type":"oauthSetting","oAuthSettings":{"identityProvider":"aad","clientId":"x","clientSecret":""}}}`,
		`{"token":{"type":"oauthSetting","oAuthSettings":{"identityProvider":"aad","clientId":"x","clientSecret":"@environmentVariables(\"cr736_ContosoClientSecret\")"}}}`,
		`{"token":{"type":"oauthSetting","oAuthSettings":{"identityProvider":"aad","clientId":"x","clientSecret":null}}}`,
	} {
		s.Connectors[0].ConnectionParameters = params
		back := MustRead(t, MustWrite(t, s))
		if got := back.Connectors[0].ConnectionParameters; got != params {
			t.Errorf("read back %s, want %s", got, params)
		}
	}
}

// TestWriteText: text with what XML must escape, white space at the ends, and CRs reads back
// the same.
func TestWriteText(t *testing.T) {
	s := MustRead(t, MustZip(t, MustFixture(t)))
	for _, text := range []string{
		"  spaced  ", "a\r\nb\rc\n", "tab\there", `<&>"'`, "]]>", "ünïcödé 🎉", "\n",
	} {
		s.Connectors[0].Description = text
		s.Connectors[0].DisplayName = text
		s.Publisher.LocalizedNames[0].Text = text
		s.RootComponents[0].SchemaName = text
		back := MustRead(t, MustWrite(t, s))
		if diff := cmp.Diff(s, back); diff != "" {
			t.Errorf("%q: read back differs (-wrote +read):\n%s", text, diff)
		}
	}
}
