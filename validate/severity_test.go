package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaseInsensitive checks that names and enumerated values the service reads without
// regard to letter case are not errors in another case: at most a warning that the spelling
// differs from the published schema's. Each case lists the errors it must have (often none)
// and the warnings it must have; any other error fails it.
func TestCaseInsensitive(t *testing.T) {
	get := "/paths/~1contacts~1{id}/get"
	pageable := func(nextLinkName, property string) func(d doc) {
		return func(d doc) {
			d.op("/contacts/{id}", "get")["x-ms-pageable"] = map[string]any{"nextLinkName": nextLinkName}
			d.at(get + "/responses/200")["schema"] = map[string]any{"type": "object", "properties": map[string]any{
				"value":  map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/Contact"}},
				property: map[string]any{"type": "string"}}}
		}
	}
	tests := []struct {
		name     string
		cert     bool
		mutate   func(d doc)
		errors   []want
		warnings []want
		absent   []string // rules that must not be reported
	}{
		// The server refused a published connector for this: "nextlink" is "nextLink".
		{name: "NextLinkNameLowerCase", mutate: pageable("nextlink", "nextLink")},
		{name: "NextLinkPropertyLowerCase", mutate: pageable("nextLink", "nextlink")},
		{name: "ODataNextLinkOtherCase", mutate: pageable("@OData.NextLink", "@odata.nextLink")},
		{name: "NextLinkNameOther", mutate: pageable("next", "next"),
			errors: []want{{"InvalidNextLinkNameValue", get + "/x-ms-pageable/nextLinkName", Error}}},
		{name: "ParameterLocationOtherCase", mutate: func(d doc) {
			addParam(d, get, map[string]any{"name": "q", "in": "Query", "type": "string"})
		}, warnings: []want{{"JsonValueNotInEnum", get + "/parameters/1/in", Warning}}},
		{name: "PathParameterLocationOtherCase", mutate: func(d doc) { d.at(get + "/parameters/0")["in"] = "PATH" },
			warnings: []want{{"JsonValueNotInEnum", get + "/parameters/0/in", Warning}}},
		{name: "ParameterLocationUnknown", mutate: func(d doc) {
			addParam(d, get, map[string]any{"name": "q", "in": "cookie", "type": "string"})
		}, errors: []want{{"ValueDoesNotMatchAnyForm", get + "/parameters/1", Error}}},
		{name: "SchemeOtherCase", mutate: func(d doc) { d["schemes"] = []any{"HTTPS"} },
			warnings: []want{{"SchemeNotValid", "/schemes/0", Warning}}},
		{name: "SecurityTypeOtherCase", mutate: func(d doc) { d.at("/securityDefinitions/api_key")["type"] = "ApiKey" },
			warnings: []want{{"JsonValueNotInEnum", "/securityDefinitions/api_key/type", Warning}}},
		{name: "FileParameterTypeOtherCase", mutate: func(d doc) {
			addParam(d, get, map[string]any{"name": "f", "in": "query", "type": "File"})
		}, errors: []want{{"FileParameterMustBeInFormData", get + "/parameters/1", Error}, {"ValueDoesNotMatchAnyForm", get + "/parameters/1", Error}}},
		{name: "VisibilityInternalOtherCase", cert: true, mutate: func(d doc) { withHook(d); d.at(hookURL)["x-ms-visibility"] = "Internal" },
			warnings: []want{{"JsonValueNotInEnum", hookURL + "/x-ms-visibility", Warning}}, absent: []string{"NotificationUrlNotInternal"}},
		// Advice, not refusal.
		{name: "MinimumAboveMaximumIsAdvice", mutate: func(d doc) {
			s := d.at("/definitions/Contact/properties/name")
			s["minLength"], s["maxLength"] = 5, 2
		}, warnings: []want{{"MinimumShouldBeLessThanOrEqualToMaximum", "/definitions/Contact/properties/name/minLength", Warning}}},
		{name: "NoResponseIsAdvice", mutate: func(d doc) { d.op("/contacts", "post")["responses"] = map[string]any{} },
			warnings: []want{{"OperationMustHaveResponse", "/paths/~1contacts/post/responses", Warning}}},
		{name: "UnknownMemberIsAdvice", mutate: func(d doc) { d.op("/contacts", "post")["colour"] = "red" },
			warnings: []want{{"AdditionalPropertyNotAllowed", "/paths/~1contacts/post/colour", Warning}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDoc(t)
			tt.mutate(d)
			r := Definition(d.text(t), Options{Certification: tt.cert})
			checkSeverities(t, r, tt.errors, tt.warnings)
			for _, f := range r.Findings {
				for _, rule := range tt.absent {
					if f.Rule == rule {
						t.Errorf("unexpected %s", f)
					}
				}
			}
		})
	}
}

// TestConnectionParameterTypeCase checks connection parameter types in any letter case, in
// apiProperties.json and in the connectionparameters column: the CLI failed a published
// connector whose type was spelled oAuthSetting.
func TestConnectionParameterTypeCase(t *testing.T) {
	const oauth = `"oAuthSettings": {"identityProvider": "aad", "clientId": "x", "scopes": [], "redirectMode": "Global", "redirectUrl": "https://global.consent.azure-apim.net/redirect", "properties": {"IsFirstParty": "False"}, "customParameters": {"resourceUri": {"value": "https://contoso.com"}}}`
	tests := []struct {
		name, params string
		errors       []want
	}{
		{"OAuthSettingCamelCase", `{"token": {"type": "oAuthSetting", ` + oauth + `}}`, nil},
		{"OAuthSettingUpperCase", `{"token": {"type": "OAUTHSETTING", ` + oauth + `}}`, nil},
		{"SecureStringPascalCase", `{"key": {"type": "SecureString"}}`, nil},
		{"OAuthSettingCamelCaseWithoutSettings", `{"token": {"type": "oAuthSetting"}}`,
			[]want{{"OAuthSettingsNotValid", "/token", Error}}},
		{"UnknownType", `{"key": {"type": "password"}}`,
			[]want{{"ConnectionParameterTypeNotValid", "/key/type", Error}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSeverities(t, ConnectionParameters([]byte(tt.params), Options{}), tt.errors, nil)
			props := `{"properties": {"connectionParameters": ` + tt.params + `}}`
			var errs []want
			for _, w := range tt.errors {
				errs = append(errs, want{w.rule, "/properties/connectionParameters" + w.pointer, w.severity})
			}
			checkSeverities(t, Properties([]byte(props), nil, Options{}), errs, nil)
		})
	}
}

// checkSeverities checks that a report has exactly the wanted errors and at least the wanted
// warnings.
func checkSeverities(t *testing.T, r Report, errors, warnings []want) {
	t.Helper()
	got := map[want]bool{}
	for _, f := range r.Findings {
		exercised[f.Rule] = true
		got[want{f.Rule, f.Pointer, f.Severity}] = true
	}
	wanted := map[want]bool{}
	for _, w := range append(append([]want(nil), errors...), warnings...) {
		wanted[w] = true
		if !got[w] {
			t.Errorf("missing %s at %q (%s)", w.rule, w.pointer, w.severity)
		}
	}
	for _, f := range r.Findings {
		if f.Severity == Error && !wanted[want{f.Rule, f.Pointer, f.Severity}] {
			t.Errorf("unexpected error %s", f)
		}
	}
	if t.Failed() {
		var b strings.Builder
		for _, f := range r.Findings {
			b.WriteString("\n  " + f.String() + " at " + f.Pointer)
		}
		t.Log(b.String())
	}
}

// TestDocsErrorReasons checks that docs/validation.md says, for every rule of error severity,
// why the platform refuses what it reports.
func TestDocsErrorReasons(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "docs", "validation.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "\n## Why each error is an error\n")
	if !ok {
		t.Fatal("docs/validation.md has no section \"Why each error is an error\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, r := range Rules() {
		if r.Severity == Error && !strings.Contains(section, "**"+r.ID+"**") {
			t.Errorf("docs/validation.md does not say why %s is an error", r.ID)
		}
	}
}
