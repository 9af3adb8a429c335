package connectorhub

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/google/go-cmp/cmp"
)

func TestScrubSecrets(t *testing.T) {
	tests := []struct {
		name      string
		params    string
		sets      string
		want      string
		wantSets  string
		wantPaths []string
	}{
		{
			name:      "OAuthClientSecret",
			params:    `{"token": {"type": "oauthSetting", "oAuthSettings": {"clientId": "abc", "clientSecret":"s3cr3t" , "scopes": []}}}`,
			want:      `{"token": {"type": "oauthSetting", "oAuthSettings": {"clientId": "abc", "clientSecret":"" , "scopes": []}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/clientSecret"},
		},
		{
			name:   "EnvironmentVariableKept",
			params: `{"token": {"oAuthSettings": {"clientSecret": "@environmentVariables(\"cr49f_Secret\")"}}}`,
			want:   `{"token": {"oAuthSettings": {"clientSecret": "@environmentVariables(\"cr49f_Secret\")"}}}`,
		},
		{
			name:      "SecureStringDefault",
			params:    `{"api_key": {"type": "securestring", "defaultValue": "k\u0065y"}, "host": {"type": "string", "defaultValue": "example.com"}}`,
			want:      `{"api_key": {"type": "securestring", "defaultValue": ""}, "host": {"type": "string", "defaultValue": "example.com"}}`,
			wantPaths: []string{"connectionparameters/api_key/defaultValue"},
		},
		{
			name:      "AdditionalSecureParameter",
			params:    `{"token": {"oAuthSettings": {"clientSecret": null, "additionalParameters": {"a/b": {"type": "securestring", "value": "x"}}}}}`,
			want:      `{"token": {"oAuthSettings": {"clientSecret": null, "additionalParameters": {"a/b": {"type": "securestring", "value": ""}}}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/additionalParameters/a~1b/value"},
		},
		{
			name:      "ParameterSets",
			sets:      `{"values": [{"name": "a", "parameters": {"token": {"oAuthSettings": {"clientSecret": "one"}}}}, {"name": "b", "parameters": {"token": {"oAuthSettings": {"clientSecret": "two"}}}}]}`,
			wantSets:  `{"values": [{"name": "a", "parameters": {"token": {"oAuthSettings": {"clientSecret": ""}}}}, {"name": "b", "parameters": {"token": {"oAuthSettings": {"clientSecret": ""}}}}]}`,
			wantPaths: []string{"connectionparametersets/values/0/parameters/token/oAuthSettings/clientSecret", "connectionparametersets/values/1/parameters/token/oAuthSettings/clientSecret"},
		},
		{
			// Validate refuses repeated keys; ScrubSecrets still strips every one, on its own.
			name:      "DuplicateKeys",
			params:    `{"token": {"oAuthSettings": {"clientSecret": "one", "clientSecret": "two"}}}`,
			want:      `{"token": {"oAuthSettings": {"clientSecret": "", "clientSecret": ""}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/clientSecret", "connectionparameters/token/oAuthSettings/clientSecret"},
		},
		{
			name:      "DuplicateKeysInOtherCase",
			params:    `{"token": {"oAuthSettings": {"clientSecret": "", "ClientSecret": "two"}, "OAuthSettings": {"clientsecret": "three"}}}`,
			want:      `{"token": {"oAuthSettings": {"clientSecret": "", "ClientSecret": ""}, "OAuthSettings": {"clientsecret": ""}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/ClientSecret", "connectionparameters/token/OAuthSettings/clientsecret"},
		},
		{
			// Power Platform reads keys case-insensitively.
			name:      "KeysInAnyCase",
			params:    `{"a": {"OAuthSettings": {"ClientSecret": "s"}}, "b": {"oauthsettings": {"clientsecret": "s"}}, "c": {"OAUTHSETTINGS": {"CLIENTSECRET": "s"}}}`,
			want:      `{"a": {"OAuthSettings": {"ClientSecret": ""}}, "b": {"oauthsettings": {"clientsecret": ""}}, "c": {"OAUTHSETTINGS": {"CLIENTSECRET": ""}}}`,
			wantPaths: []string{"connectionparameters/a/OAuthSettings/ClientSecret", "connectionparameters/b/oauthsettings/clientsecret", "connectionparameters/c/OAUTHSETTINGS/CLIENTSECRET"},
		},
		{
			// Keys are compared once decoded; the path names the decoded key.
			name:      "EscapedKeys",
			params:    `{"token": {"o\u0041uthSettings": {"clientS\u0065cret": "s", "identityProvider": "aad"}}}`,
			want:      `{"token": {"o\u0041uthSettings": {"clientS\u0065cret": "", "identityProvider": "aad"}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/clientSecret"},
		},
		{
			// Letters that fold to ASCII ones (long s, Kelvin sign, dotless i) match too.
			name:      "NonASCIIFoldedKeys",
			params:    `{"token": {"oAuthſettings": {"clıentSecret": "s"}}}`,
			want:      `{"token": {"oAuthſettings": {"clıentSecret": ""}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthſettings/clıentSecret"},
		},
		{
			name:      "SecureStringAnyCase",
			params:    `{"a": {"Type": "SecureString", "Value": "s"}, "b": {"TYPE": "SECURESTRING", "DefaultValue": "s"}, "c": {"type": " securestring ", "defaultvalue": "s"}}`,
			want:      `{"a": {"Type": "SecureString", "Value": ""}, "b": {"TYPE": "SECURESTRING", "DefaultValue": ""}, "c": {"type": " securestring ", "defaultvalue": ""}}`,
			wantPaths: []string{"connectionparameters/a/Value", "connectionparameters/b/DefaultValue", "connectionparameters/c/defaultvalue"},
		},
		{
			name:      "SecureStringEscaped",
			params:    `{"a": {"t\u0079pe": "secure\u0073tring", "v\u0061lue": "s"}}`,
			want:      `{"a": {"t\u0079pe": "secure\u0073tring", "v\u0061lue": ""}}`,
			wantPaths: []string{"connectionparameters/a/value"},
		},
		{
			// With repeated type members (refused by Validate), one secure type is enough.
			name:      "SecureStringAmongTypes",
			params:    `{"a": {"type": "string", "Type": "securestring", "value": "s"}}`,
			want:      `{"a": {"type": "string", "Type": "securestring", "value": ""}}`,
			wantPaths: []string{"connectionparameters/a/value"},
		},
		{
			name:   "PlainStringKept",
			params: `{"host": {"type": "string", "value": "example.com", "allowedValues": [{"value": "example.com"}]}, "clientSecret": {"type": "string", "defaultValue": "visible"}}`,
			want:   `{"host": {"type": "string", "value": "example.com", "allowedValues": [{"value": "example.com"}]}, "clientSecret": {"type": "string", "defaultValue": "visible"}}`,
		},
		{
			// A parameter named clientSecret is a definition, not a secret: only its value is.
			name:      "ParameterNamedClientSecret",
			params:    `{"clientSecret": {"type": "securestring", "defaultValue": "s", "uiDefinition": {"displayName": "Client Secret"}}}`,
			want:      `{"clientSecret": {"type": "securestring", "defaultValue": "", "uiDefinition": {"displayName": "Client Secret"}}}`,
			wantPaths: []string{"connectionparameters/clientSecret/defaultValue"},
		},
		{
			// Other forms are blanked whole; null, "" and empty containers hold nothing and stay.
			name: "NonStringSecrets",
			params: `{"a": {"oAuthSettings": {"clientSecret": {"v": "s"}}}, "b": {"oAuthSettings": {"clientSecret": ["s"]}}, "c": {"oAuthSettings": {"clientSecret": 123}},` +
				` "d": {"oAuthSettings": {"clientSecret": true}}, "e": {"oAuthSettings": {"clientSecret": null}}, "f": {"type": "securestring", "value": {}, "defaultValue": []}}`,
			want: `{"a": {"oAuthSettings": {"clientSecret": ""}}, "b": {"oAuthSettings": {"clientSecret": ""}}, "c": {"oAuthSettings": {"clientSecret": ""}},` +
				` "d": {"oAuthSettings": {"clientSecret": ""}}, "e": {"oAuthSettings": {"clientSecret": null}}, "f": {"type": "securestring", "value": {}, "defaultValue": []}}`,
			wantPaths: []string{"connectionparameters/a/oAuthSettings/clientSecret", "connectionparameters/b/oAuthSettings/clientSecret", "connectionparameters/c/oAuthSettings/clientSecret", "connectionparameters/d/oAuthSettings/clientSecret"},
		},
		{
			name:      "SecureObject",
			params:    `{"blob": {"type": "SecureObject", "defaultValue": {"key": "s"}}, "empty": {"type": "secureobject", "defaultValue": {}}}`,
			want:      `{"blob": {"type": "SecureObject", "defaultValue": ""}, "empty": {"type": "secureobject", "defaultValue": {}}}`,
			wantPaths: []string{"connectionparameters/blob/defaultValue"},
		},
		{
			// The values a secure parameter allows would list what the secret can be.
			name: "AllowedValues",
			params: `{"k": {"type": "securestring", "allowedValues": [{"value": "s1", "uiDefinition": {"displayName": "One"}}, "s2"],` +
				` "uiDefinition": {"displayName": "Key", "Constraints": {"required": "true", "AllowedValues": [{"text": "Three", "Value": "s3"}]}}}}`,
			want: `{"k": {"type": "securestring", "allowedValues": [{"value": "", "uiDefinition": {"displayName": "One"}}, ""],` +
				` "uiDefinition": {"displayName": "Key", "Constraints": {"required": "true", "AllowedValues": [{"text": "Three", "Value": ""}]}}}}`,
			wantPaths: []string{"connectionparameters/k/allowedValues/0/value", "connectionparameters/k/allowedValues/1", "connectionparameters/k/uiDefinition/Constraints/AllowedValues/0/Value"},
		},
		{
			// A secure additional parameter's value lives in customParameters, under its name.
			name: "CustomParameters",
			params: `{"token": {"oAuthSettings": {"additionalParameters": {"us_clientSecret": {"type": "securestring"}, "us_domain": {"type": "string"}},` +
				` "customParameters": {"US_ClientSecret": {"value": "s"}, "us_domain": {"value": "example.com"}, "tokenUrl": {"value": "https://example.com"}}}}}`,
			want: `{"token": {"oAuthSettings": {"additionalParameters": {"us_clientSecret": {"type": "securestring"}, "us_domain": {"type": "string"}},` +
				` "customParameters": {"US_ClientSecret": {"value": ""}, "us_domain": {"value": "example.com"}, "tokenUrl": {"value": "https://example.com"}}}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/customParameters/US_ClientSecret/value"},
		},
		{
			name: "SetsAnySpelling",
			sets: `{"Values": [{"name": "a", "Parameters": {"p": {"type": "string"}}}, {"name": "b", "PARAMETERS": {"token": {"oauthSettings": {"ClientSecret": 1,` +
				` "AdditionalParameters": {"x": {"TYPE": "securestring", "Value": "t"}}}}}}]}`,
			wantSets: `{"Values": [{"name": "a", "Parameters": {"p": {"type": "string"}}}, {"name": "b", "PARAMETERS": {"token": {"oauthSettings": {"ClientSecret": "",` +
				` "AdditionalParameters": {"x": {"TYPE": "securestring", "Value": ""}}}}}}]}`,
			wantPaths: []string{"connectionparametersets/Values/1/PARAMETERS/token/oauthSettings/ClientSecret", "connectionparametersets/Values/1/PARAMETERS/token/oauthSettings/AdditionalParameters/x/Value"},
		},
		{
			// The rules hold at any depth, not only where the platform usually looks.
			name:      "AnyDepth",
			sets:      `{"uiDefinition": {}, "values": [{"name": "a", "extra": [{"deeper": {"p": {"type": "securestring", "value": "s"}}}]}]}`,
			wantSets:  `{"uiDefinition": {}, "values": [{"name": "a", "extra": [{"deeper": {"p": {"type": "securestring", "value": ""}}}]}]}`,
			wantPaths: []string{"connectionparametersets/values/0/extra/0/deeper/p/value"},
		},
		{
			name:   "NotJSONLeftToValidate",
			params: `{"token": {"oAuthSettings": {"clientSecret": "s"}`,
			want:   `{"token": {"oAuthSettings": {"clientSecret": "s"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &ConnectorUpdate{}
			if tt.params != "" {
				u.ConnectionParameters = &tt.params
			}
			if tt.sets != "" {
				u.ConnectionParameterSets = &tt.sets
			}
			paths := u.ScrubSecrets()
			if tt.params != "" && *u.ConnectionParameters != tt.want {
				t.Errorf("connectionparameters: got %s, want %s", *u.ConnectionParameters, tt.want)
			}
			if tt.sets != "" && *u.ConnectionParameterSets != tt.wantSets {
				t.Errorf("connectionparametersets: got %s, want %s", *u.ConnectionParameterSets, tt.wantSets)
			}
			if diff := cmp.Diff(tt.wantPaths, paths); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScrubSecretsHostile checks that a document built to make the report or the walk costly
// gets neither: paths past the limits are counted, not listed, and depth costs no more
// than size.
func TestScrubSecretsHostile(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d": {"type": "securestring", "value": "s"}`, i)
	}
	b.WriteString("}")
	many := b.String()
	u := &ConnectorUpdate{ConnectionParameters: &many}
	paths := u.ScrubSecrets()
	if len(paths) != maxReportedPaths+1 || paths[maxReportedPaths] != "and 900 more in connectionparameters" {
		t.Errorf("got %d paths ending %q, want %d and \"and 900 more in connectionparameters\"", len(paths), paths[len(paths)-1], maxReportedPaths+1)
	}
	if strings.Contains(*u.ConnectionParameters, `"s"`) {
		t.Error("a secret past the reporting limit was kept")
	}

	const depth = 9000 // jsontext's limit is 10000
	deep := strings.Repeat(`{"a": `, depth) + `{"oAuthSettings": {"clientSecret": "s"}}` + strings.Repeat("}", depth)
	u = &ConnectorUpdate{ConnectionParameters: &deep}
	if paths := u.ScrubSecrets(); len(paths) != 1 || paths[0] != "and 1 more in connectionparameters" {
		t.Errorf("deep secret: got %d paths, want it counted but not listed (its path is too long)", len(paths))
	}
	if strings.Contains(*u.ConnectionParameters, `"s"`) {
		t.Error("the deep secret was kept")
	}
	// Validate refuses such depth before it parses (the parse budget), and finds a duplicate
	// within the budget.
	u = &ConnectorUpdate{ConnectionParameters: &deep}
	if msg := ErrorMessage(u.Validate()); !strings.Contains(msg, "nested deeper than 64 levels") {
		t.Errorf("deep parameters: got %.200q, want the parse budget's refusal", msg)
	}
	dup := strings.Repeat(`{"a": `, 60) + `{"x": 1, "X": 2}` + strings.Repeat("}", 60)
	u = &ConnectorUpdate{ConnectionParameters: &dup}
	err := u.Validate()
	if msg := ErrorMessage(err); err == nil || len(msg) > 1500 || !strings.Contains(msg, "/a/a/X:") {
		t.Errorf("deep duplicate: got %d-byte message %.200q, want a refusal ending at /a/a/X", len(msg), msg)
	}
	many = "{" + strings.Repeat(`"a": [0,0,0,0,0,0,0,0,0,0],`, 1000) + `"b": 1}`
	u = &ConnectorUpdate{ConnectionParameters: &many}
	if msg := ErrorMessage(u.Validate()); !strings.Contains(msg, "more than 10000 values") {
		t.Errorf("many values: got %.200q, want the parse budget's refusal", msg)
	}
}

// TestValidateParameterColumns checks Validate's rule for the two parameter columns, which
// every write runs: a JSON object with no repeated key, compared as the platform compares keys.
func TestValidateParameterColumns(t *testing.T) {
	tests := []struct {
		name, params, sets string
		wantErr            string // a part of the message; "" for no error
		want, wantSets     string // the text after Validate, when different from what was given
	}{
		{name: "NoDuplicates", params: `{"a": {"type": "string"}, "b": {"type": "string"}}`, sets: `{"values": [{"name": "a"}, {"name": "b"}]}`},
		{name: "SameKeyInTwoObjects", params: `{"a": {"value": 1}, "b": {"value": 2}}`},
		{name: "Empty", params: ``, sets: ``},
		{name: "Duplicate", params: `{"a": 1, "a": 2}`, wantErr: "The 'connectionparameters' property holds a duplicate key at /a:"},
		{name: "DuplicateInOtherCase", params: `{"token": {"oAuthSettings": {"clientSecret": "", "ClientSecret": "s"}}}`, wantErr: "'connectionparameters' property holds a duplicate key at /token/oAuthSettings/ClientSecret:"},
		{name: "DuplicateEscaped", params: `{"token": {"type": "string", "t\u0079pe": "securestring"}}`, wantErr: "duplicate key at /token/type:"},
		{name: "DuplicateNonASCIIFold", params: `{"token": {}, "to\u212aen": {}}`, wantErr: "duplicate key at /to\u212aen:"},
		{name: "DuplicateInSet", sets: `{"values": [{"name": "a"}, {"name": "b", "parameters": {"p": {}, "P": {}}}]}`, wantErr: "The 'connectionparametersets' property holds a duplicate key at /values/1/parameters/P:"},
		{name: "DuplicateValues", sets: `{"values": [], "Values": [{"parameters": {"token": {"oAuthSettings": {"clientSecret": "s"}}}}]}`, wantErr: "duplicate key at /Values:"},
		{name: "DuplicatePointerEscaped", params: `{"a/b": {"x~": 1, "X~": 2}}`, wantErr: "duplicate key at /a~1b/X~0:"},
		{name: "NotAnObject", params: `["a"]`, wantErr: "The 'connectionparameters' property must hold a JSON object as text."},
		{
			// Validate leaves secrets to ScrubSecrets, which the Web API runs after it and
			// which must find them to report them.
			name:   "SecretsLeftToScrubSecrets",
			params: `{"token": {"oAuthSettings": {"clientSecret": "s"}}}`,
			sets:   `{"values": [{"parameters": {"k": {"type": "securestring", "value": "s"}}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params, sets := tt.params, tt.sets
			u := &ConnectorUpdate{ConnectionParameters: &params, ConnectionParameterSets: &sets}
			err := u.Validate()
			if tt.wantErr != "" {
				if err == nil || ErrorCode(err) != ECodeInvalidArgument || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Fatalf("got %v (%s), want %s containing %q", err, ErrorCode(err), ECodeInvalidArgument, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ got, given, want string }{{*u.ConnectionParameters, tt.params, tt.want}, {*u.ConnectionParameterSets, tt.sets, tt.wantSets}} {
				if c.want == "" {
					c.want = c.given
				}
				if c.got != c.want {
					t.Errorf("got %s, want %s", c.got, c.want)
				}
			}
		})
	}
}

// TestParameterColumnsCorpus runs the parameter columns of every real connector of the corpus
// through ScrubSecrets and Validate: none repeats a key, so the refusal costs them nothing,
// and scrubbing removes nothing but oAuthSettings' clientSecret placeholders.
func TestParameterColumnsCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	for _, c := range corpustest.Must(t) {
		if c.Properties == "" {
			continue
		}
		props, err := os.ReadFile(c.Properties)
		if err != nil {
			t.Fatal(err)
		}
		u, _, err := Package{Properties: props}.Update()
		if err != nil {
			continue // the two known invalid files; TestCorpus in webapi counts them
		}
		u.OpenAPIDefinition = nil
		for _, path := range u.ScrubSecrets() {
			if !strings.HasSuffix(path, "/oAuthSettings/clientSecret") {
				t.Errorf("%s: stripped %s", c.Rel, path)
			}
		}
		if err := u.Validate(); err != nil {
			t.Errorf("%s: %v", c.Rel, err)
		}
	}
}

func TestDeriveInternalID(t *testing.T) {
	tests := []struct{ name, want string }{
		{"cr736_5Fdemosolnconnector", "shared_cr736-5f5fdemosolnconnector-5f"},
		{"My Connector", "shared_my-20connector-5f"},
	}
	for _, tt := range tests {
		got := DeriveInternalID(tt.name)
		if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+16 {
			t.Errorf("DeriveInternalID(%q) = %q, want %q + 16 hex digits", tt.name, got, tt.want)
		}
		if again := DeriveInternalID(tt.name); again != got {
			t.Errorf("not deterministic: %q then %q", got, again)
		}
	}
	if DeriveInternalID("a") == DeriveInternalID("A") {
		t.Error("names differing in case must get different internal ids")
	}
	if long := DeriveInternalID(strings.Repeat("_", 500)); len(long) > 400 {
		t.Errorf("internal id of a 500-character name is %d characters, want ≤ 400", len(long))
	}
}

func TestCheckSwagger2(t *testing.T) {
	tests := []struct {
		name, def string
		ok        bool
	}{
		{"Strict", `{"swagger":"2.0","info":{},"paths":{}}`, true},
		{"ByteOrderMark", "\ufeff{\"swagger\": \"2.0\"}", true},
		{"TrailingComma", `{"info":{"title":"a",},"swagger":"2.0",}`, true},
		{"MissingComma", `{"info": {"title": "a" "version": "1"} "swagger": "2.0"}`, true},
		{"RawTab", "{\"swagger\": \"2.0\", \"info\": {\"title\": \"a\tb\"}}", true},
		{"NestedSwaggerIgnored", `{"info": {"swagger": "2.0"}}`, false},
		{"SwaggerAsKeyValueOnly", `{"x": "swagger", "y": "2.0"}`, false},
		{"Version3", `{"swagger": "3.0"}`, false},
		{"OpenAPI3", `{"openapi": "3.0.1", "paths": {}}`, false},
		{"Array", `["swagger", "2.0"]`, false},
		{"YAML", "swagger: \"2.0\"", false},
		{"EscapedValue", `{"swagger": "2\u002e0"}`, true},
		{"Unterminated", `{"swagger": "2.0`, false},
		{"LastDuplicateWins", `{"swagger": "2.0", "swagger": "3"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckSwagger2(tt.def); (err == nil) != tt.ok {
				t.Errorf("CheckSwagger2(%q) = %v, want ok=%v", tt.def, err, tt.ok)
			}
		})
	}
}
