package webapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// The secrets TestSecretSpellingsNeverStored plants. Every planted string starts with
// "PLANTED" (never escaped), so that looking for it finds every form, escaped or not.
const (
	plantedSecret  = "PLANTED-SECRET-xyz"
	plantedEscaped = `PLANTED\u002dSECRET\u002dxyz` // as written in the column's JSON text
	plantedNumber  = "918273645"
)

// TestSecretSpellingsNeverStored extends TestSecretsNeverStored to every spelling a secret can
// take: keys in any case or \u-escaped, type names in any case or escaped, secrets that are
// not strings, secrets in sets, additional, custom and allowed values. Each is sent through
// every write (POST, PATCH with the record returned, PUT of the column); each must be either
// refused (repeated keys) or stripped, and then found nowhere: not in any response, the
// server's log, or the SQLite files (the database and its WAL).
func TestSecretSpellingsNeverStored(t *testing.T) {
	s := MustOpenServer(t)
	const base = "/api/data/v9.2"
	tests := []struct {
		name     string
		column   string // connectionparameters or connectionparametersets
		text     string // planted
		want     string // stored; "" when the write must be refused
		wantPath string // one path the ConnectorHub-Stripped-Secrets header must name
	}{
		{
			name:     "ClientSecretPascalCase",
			column:   "connectionparameters",
			text:     `{"token": {"type": "oauthSetting", "OAuthSettings": {"identityProvider": "aad", "ClientSecret": "` + plantedSecret + `"}}}`,
			want:     `{"token": {"type": "oauthSetting", "OAuthSettings": {"identityProvider": "aad", "ClientSecret": ""}}}`,
			wantPath: "connectionparameters/token/OAuthSettings/ClientSecret",
		},
		{
			name:     "ClientSecretLowerCase",
			column:   "connectionparameters",
			text:     `{"token": {"oauthsettings": {"clientsecret": "` + plantedSecret + `"}}}`,
			want:     `{"token": {"oauthsettings": {"clientsecret": ""}}}`,
			wantPath: "connectionparameters/token/oauthsettings/clientsecret",
		},
		{
			name:     "ClientSecretEscapedKey",
			column:   "connectionparameters",
			text:     `{"token": {"o\u0041uthSettings": {"clientS\u0065cret": "` + plantedSecret + `"}}}`,
			want:     `{"token": {"o\u0041uthSettings": {"clientS\u0065cret": ""}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/clientSecret",
		},
		{
			name:     "EscapedSecret",
			column:   "connectionparameters",
			text:     `{"token": {"oAuthSettings": {"clientSecret": "` + plantedEscaped + `"}}}`,
			want:     `{"token": {"oAuthSettings": {"clientSecret": ""}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/clientSecret",
		},
		{
			name:     "SecureStringCase",
			column:   "connectionparameters",
			text:     `{"api_key": {"Type": "SecureString", "DefaultValue": "` + plantedSecret + `"}, "host": {"TYPE": "string", "defaultValue": "example.com"}}`,
			want:     `{"api_key": {"Type": "SecureString", "DefaultValue": ""}, "host": {"TYPE": "string", "defaultValue": "example.com"}}`,
			wantPath: "connectionparameters/api_key/DefaultValue",
		},
		{
			name:     "SecureStringEscapedType",
			column:   "connectionparameters",
			text:     `{"api_key": {"t\u0079pe": "secure\u0073tring", "V\u0061lue": "` + plantedSecret + `"}}`,
			want:     `{"api_key": {"t\u0079pe": "secure\u0073tring", "V\u0061lue": ""}}`,
			wantPath: "connectionparameters/api_key/Value",
		},
		{
			name:     "SecretObject",
			column:   "connectionparameters",
			text:     `{"token": {"oAuthSettings": {"clientSecret": {"a": "` + plantedSecret + `"}}}}`,
			want:     `{"token": {"oAuthSettings": {"clientSecret": ""}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/clientSecret",
		},
		{
			name:     "SecretArray",
			column:   "connectionparameters",
			text:     `{"api_key": {"type": "securestring", "value": ["` + plantedSecret + `"]}}`,
			want:     `{"api_key": {"type": "securestring", "value": ""}}`,
			wantPath: "connectionparameters/api_key/value",
		},
		{
			name:     "SecretNumber",
			column:   "connectionparameters",
			text:     `{"token": {"oAuthSettings": {"clientSecret": ` + plantedNumber + `}}}`,
			want:     `{"token": {"oAuthSettings": {"clientSecret": ""}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/clientSecret",
		},
		{
			name:     "SecretTrue",
			column:   "connectionparameters",
			text:     `{"token": {"oAuthSettings": {"clientSecret": true}}}`,
			want:     `{"token": {"oAuthSettings": {"clientSecret": ""}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/clientSecret",
		},
		{
			name:     "SecureObject",
			column:   "connectionparameters",
			text:     `{"blob": {"type": "secureobject", "defaultValue": {"key": "` + plantedSecret + `"}}}`,
			want:     `{"blob": {"type": "secureobject", "defaultValue": ""}}`,
			wantPath: "connectionparameters/blob/defaultValue",
		},
		{
			name:   "AllowedValues",
			column: "connectionparameters",
			text: `{"api_key": {"type": "securestring", "uiDefinition": {"constraints": {"allowedValues": [{"text": "One", "value": "` + plantedSecret + `"}]}},` +
				` "allowedValues": [{"value": "` + plantedSecret + `"}]}}`,
			want:     `{"api_key": {"type": "securestring", "uiDefinition": {"constraints": {"allowedValues": [{"text": "One", "value": ""}]}}, "allowedValues": [{"value": ""}]}}`,
			wantPath: "connectionparameters/api_key/uiDefinition/constraints/allowedValues/0/value",
		},
		{
			name:   "CustomParameters",
			column: "connectionparameters",
			text: `{"token": {"oAuthSettings": {"additionalParameters": {"us_clientSecret": {"type": "securestring"}},` +
				` "customParameters": {"US_clientSecret": {"value": "` + plantedSecret + `"}}}}}`,
			want: `{"token": {"oAuthSettings": {"additionalParameters": {"us_clientSecret": {"type": "securestring"}},` +
				` "customParameters": {"US_clientSecret": {"value": ""}}}}}`,
			wantPath: "connectionparameters/token/oAuthSettings/customParameters/US_clientSecret/value",
		},
		{
			name:   "SetsAnyCaseNested",
			column: "connectionparametersets",
			text: `{"Values": [{"name": "a", "Parameters": {"host": {"type": "string"}}}, {"name": "b", "PARAMETERS": {"token": {"oauthSettings": {` +
				`"AdditionalParameters": {"extra": {"TYPE": "SECURESTRING", "Value": "` + plantedSecret + `"}}}}}}]}`,
			want: `{"Values": [{"name": "a", "Parameters": {"host": {"type": "string"}}}, {"name": "b", "PARAMETERS": {"token": {"oauthSettings": {` +
				`"AdditionalParameters": {"extra": {"TYPE": "SECURESTRING", "Value": ""}}}}}}]}`,
			wantPath: "connectionparametersets/Values/1/PARAMETERS/token/oauthSettings/AdditionalParameters/extra/Value",
		},
		{
			name:   "DuplicateSecretKey",
			column: "connectionparameters",
			text:   `{"token": {"oAuthSettings": {"clientSecret": "", "ClientSecret": "` + plantedSecret + `"}}}`,
		},
		{
			name:   "DuplicateType",
			column: "connectionparameters",
			text:   `{"api_key": {"type": "string", "Type": "securestring", "defaultValue": "` + plantedSecret + `"}}`,
		},
		{
			name:   "DuplicateEscapedParameters",
			column: "connectionparametersets",
			text:   `{"values": [{"name": "a", "parameters": {}, "p\u0061rameters": {"token": {"oAuthSettings": {"clientSecret": "` + plantedSecret + `"}}}}]}`,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("00000000-0000-0000-0000-%012d", 100+i)
			one := base + "/connectors(" + id + ")"
			planted := map[string]any{tt.column: tt.text}

			r := s.do(t, "POST", base+"/connectors", body(100+i, planted))
			if tt.want == "" {
				wantRefused(t, "POST", r, tt.column)
				if r := s.do(t, "POST", base+"/connectors", body(100+i, nil)); r.Status != http.StatusNoContent {
					t.Fatalf("create without the secret: %d %s", r.Status, r.Body)
				}
			} else {
				wantStripped(t, "POST", r, http.StatusNoContent, tt.wantPath)
			}

			r = s.do(t, "PATCH", one, mustJSON(planted), "Prefer: return=representation")
			if tt.want == "" {
				wantRefused(t, "PATCH", r, tt.column)
			} else {
				wantStripped(t, "PATCH", r, http.StatusOK, tt.wantPath)
			}

			r = s.do(t, "PUT", one+"/"+tt.column, mustJSON(map[string]any{"value": tt.text}))
			if tt.want == "" {
				wantRefused(t, "PUT", r, tt.column)
			} else {
				wantStripped(t, "PUT", r, http.StatusNoContent, tt.wantPath)
			}

			// Apart from the secret, the text is stored byte for byte.
			got := s.do(t, "GET", one, "").JSON(t)
			if want := tt.want; want != "" && got[tt.column] != want {
				t.Errorf("%s:\n got %s\nwant %s", tt.column, got[tt.column], want)
			}
		})
	}

	// Nothing answers with a secret.
	for _, path := range []string{
		base + "/connectors",
		base + "/connectors?$select=connectionparameters,connectionparametersets",
	} {
		r := s.do(t, "GET", path, "")
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if leak := leaked(r.Body); leak != "" {
			t.Errorf("GET %s answers with %s:\n%s", path, leak, r.Body)
		}
		var list struct{ Value []map[string]any }
		if err := json.Unmarshal(r.Body, &list); err != nil {
			t.Fatal(err)
		}
		for _, rec := range list.Value {
			for _, col := range []string{"connectionparameters", "connectionparametersets"} {
				if text, _ := rec[col].(string); decodedLeak(text) {
					t.Errorf("GET %s: %s decodes to a secret: %s", path, col, text)
				}
			}
		}
	}

	// Nor is one in the log or on disk.
	s.Close(context.Background())
	s.DB.Close() // checkpoint nothing away: the WAL is read as it is
	if leak := leaked([]byte(s.Logs.String())); leak != "" {
		t.Errorf("the log holds %s", leak)
	}
	stored := false // what was kept is on disk, so the search looks where the records are
	for _, f := range dbFiles(s.Path) {
		data, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if leak := leaked(data); leak != "" {
			t.Errorf("%s holds %s", filepath.Base(f), leak)
		}
		stored = stored || strings.Contains(string(data), `"US_clientSecret": {"value": ""}`)
	}
	if !stored && s.Path != "" {
		t.Error("no database file holds the records: the search for secrets looked in the wrong place")
	}
	if !strings.Contains(s.Logs.String(), "request_id=") {
		t.Errorf("the log has no requests: the search for secrets looked in the wrong place")
	}
}

// wantRefused checks a write refused for a repeated key.
func wantRefused(t *testing.T, method string, r *response, column string) {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Errorf("%s: got %d %s, want 400", method, r.Status, r.Body)
		return
	}
	if code, msg := r.ErrorCode(t); code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, column) || !strings.Contains(msg, "duplicate key") {
		t.Errorf("%s: got %s %q, want %s naming %s and the duplicate key", method, code, msg, connectorhub.ECodeInvalidArgument, column)
	}
	if leak := leaked(r.Body); leak != "" {
		t.Errorf("%s: the refusal holds %s", method, leak)
	}
}

// wantStripped checks a write that succeeded and reported what it stripped.
func wantStripped(t *testing.T, method string, r *response, status int, path string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: got %d %s, want %d", method, r.Status, r.Body, status)
	}
	if got := r.Header.Get("ConnectorHub-Stripped-Secrets"); !strings.Contains(got, path) {
		t.Errorf("%s: ConnectorHub-Stripped-Secrets is %q, want it to name %s", method, got, path)
	}
	if leak := leaked(r.Body); leak != "" {
		t.Errorf("%s: the answer holds %s:\n%s", method, leak, r.Body)
	}
}

// leaked names the planted secret that b holds, as written or \u-escaped, or returns "".
func leaked(b []byte) string {
	for _, s := range []string{"PLANTED", plantedSecret, plantedEscaped, plantedNumber} {
		if strings.Contains(string(b), s) {
			return s
		}
	}
	return ""
}

// decodedLeak reports whether JSON text decodes to a string that holds the secret.
func decodedLeak(text string) bool {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return false
	}
	b, _ := json.Marshal(v) // re-encoded, escapes of plain characters are gone
	return strings.Contains(string(b), plantedSecret) || strings.Contains(string(b), plantedNumber)
}
