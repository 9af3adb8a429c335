package connectorhub

import (
	"strings"
	"testing"

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
			name:      "DuplicateKeys",
			params:    `{"token": {"oAuthSettings": {"clientSecret": "one", "clientSecret": "two"}}}`,
			want:      `{"token": {"oAuthSettings": {"clientSecret": "", "clientSecret": ""}}}`,
			wantPaths: []string{"connectionparameters/token/oAuthSettings/clientSecret", "connectionparameters/token/oAuthSettings/clientSecret"},
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
