package validate

import (
	"strings"
	"testing"
)

// baseProperties is an apiProperties.json with no finding, even in certification mode.
const baseProperties = `{
  "properties": {
    "connectionParameters": {
      "api_key": {"type": "securestring", "uiDefinition": {"displayName": "API key", "description": "The API key", "tooltip": "Your key", "constraints": {"tabIndex": 2, "clearText": false, "required": "true"}}},
      "token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "aad", "clientId": "x", "scopes": [], "redirectMode": "Global", "redirectUrl": "https://global.consent.azure-apim.net/redirect", "properties": {"IsFirstParty": "False"}, "customParameters": {"resourceUri": {"value": "https://contoso.com"}}}}
    },
    "iconBrandColor": "#da3b01",
    "capabilities": ["actions"],
    "policyTemplateInstances": [
      {"templateId": "setheader", "title": "Set a header", "parameters": {"x-ms-apimTemplateParameter.name": "X-A", "x-ms-apimTemplateParameter.value": "1", "x-ms-apimTemplate-operationName": ["GetContact"]}},
      {"TemplateId": "SetHeader", "Title": "Set another", "Parameters": {"x-ms-apimTemplateParameter.name": "X-B", "x-ms-apimTemplateParameter.value": "2"}},
      {"templateId": "dynamicHostUrl", "title": "Host", "parameters": {"x-ms-apimTemplateParameter.urlTemplate": "https://@connectionParameters('host')"}}
    ],
    "scriptOperations": ["CreateContact"],
    "publisher": "Contoso",
    "stackOwner": "Contoso"
  }
}`

func TestPropertiesRules(t *testing.T) {
	const cps, pti = "/properties/connectionParameters", "/properties/policyTemplateInstances"
	tests := []struct {
		name     string
		cert     bool
		replace  [][2]string // edits of baseProperties
		text     string      // used instead of the edited base when set
		noDefine bool        // validate without a definition
		want     []want
	}{
		{name: "Valid"},
		{name: "ValidCertification", cert: true},
		{name: "InvalidJson", text: `{"properties": {"iconBrandColor": "#fff" "capabilities": []}}`,
			want: []want{{"InvalidJson", "", Error}}},
		{name: "ConnectionParameterTypeNotValid", replace: [][2]string{{`"type": "securestring"`, `"type": "password"`}},
			want: []want{{"ConnectionParameterTypeNotValid", cps + "/api_key/type", Error}, {"ValueDoesNotMatchAnyForm", cps + "/api_key", Warning}}},
		{name: "ConnectionParameterWithoutType", replace: [][2]string{{`"type": "securestring", `, ``}},
			want: []want{{"ConnectionParameterTypeNotValid", cps + "/api_key", Error}, {"RequiredPropertyMissing", cps + "/api_key", Warning}, {"ValueDoesNotMatchAnyForm", cps + "/api_key", Warning}}},
		{name: "OAuthSettingsNotValid", replace: [][2]string{{`"identityProvider": "aad", `, ``}},
			want: []want{{"OAuthSettingsNotValid", cps + "/token/oAuthSettings", Error}, {"RequiredPropertyMissing", cps + "/token/oAuthSettings", Warning}, {"ValueDoesNotMatchAnyForm", cps + "/token/oAuthSettings", Warning}}},
		{name: "UnknownIdentityProviderIsWarning", replace: [][2]string{{`"identityProvider": "aad"`, `"identityProvider": "github"`}},
			want: []want{{"JsonValueNotInEnum", cps + "/token/oAuthSettings/identityProvider", Warning}}},
		{name: "ConstraintAsBoolean", replace: [][2]string{{`"required": "true"`, `"required": true`}},
			want: []want{{"JsonTypeIncorrect", cps + "/api_key/uiDefinition/constraints/required", Warning}}},
		{name: "AdditionalPropertyNotAllowed", replace: [][2]string{{`"capabilities"`, `"colour": "red", "capabilities"`}},
			want: []want{{"AdditionalPropertyNotAllowed", "/properties/colour", Warning}}},
		{name: "CapabilitiesNotStrings", replace: [][2]string{{`"capabilities": ["actions"]`, `"capabilities": [1]`}},
			want: []want{{"JsonTypeIncorrect", "/properties/capabilities/0", Error}}},
		{name: "PolicyTemplateUnknown", replace: [][2]string{{`"templateId": "dynamicHostUrl"`, `"templateId": "moveproperties"`}},
			want: []want{{"PolicyTemplateUnknown", pti + "/2/templateId", Warning}}},
		{name: "PolicyTemplateIdMissing", replace: [][2]string{{`"templateId": "dynamicHostUrl", `, ``}},
			want: []want{{"PolicyTemplateIdMissing", pti + "/2", Error}, {"RequiredPropertyMissing", pti + "/2", Warning}}},
		{name: "PolicyTemplateParameterMissing", replace: [][2]string{{`"x-ms-apimTemplateParameter.name": "X-B", `, ``}},
			want: []want{{"RequiredPropertyMissing", pti + "/1/Parameters", Warning}}},
		{name: "PolicyTemplatePascalCaseMember", replace: [][2]string{{`"Title": "Set another"`, `"Title": 5`}},
			want: []want{{"JsonTypeIncorrect", pti + "/1/Title", Warning}}},
		{name: "PolicyOperationNotFound", replace: [][2]string{{`["GetContact"]`, `["GetContacts"]`}},
			want: []want{{"PolicyOperationNotFound", pti + "/0/parameters/x-ms-apimTemplate-operationName/0", Warning}}},
		{name: "ScriptOperationNotFound", replace: [][2]string{{`["CreateContact"]`, `["postCall"]`}},
			want: []want{{"ScriptOperationNotFound", "/properties/scriptOperations/0", Warning}}},
		{name: "NoDefinitionNoOperationChecks", noDefine: true, replace: [][2]string{{`["CreateContact"]`, `["postCall"]`}}},
		{name: "FieldLengthOutOfRange", replace: [][2]string{{`"templateId": "dynamicHostUrl", `, `"templateId": "", `}},
			want: []want{{"PolicyTemplateIdMissing", pti + "/2/templateId", Error}, {"FieldLengthOutOfRange", pti + "/2/templateId", Warning}}},
		{name: "IconBrandColorNotValid", replace: [][2]string{{`"#da3b01"`, `"orange"`}},
			want: []want{{"IconBrandColorNotValid", "/properties/iconBrandColor", Warning}}},
		{name: "IconBrandColorNotAllowed", cert: true, replace: [][2]string{{`"#da3b01"`, `"#007EE5"`}},
			want: []want{{"IconBrandColorNotAllowed", "/properties/iconBrandColor", Warning}}},
		{name: "PublisherMissing", cert: true, replace: [][2]string{{`"publisher": "Contoso",`, ``}},
			want: []want{{"PublisherMissing", "/properties", Warning}}},
		{name: "PropertiesMissing", text: `{}`,
			want: []want{{"RequiredPropertyMissing", "", Warning}}},
		{name: "PropertiesNotAnObject", text: `{"properties": []}`,
			want: []want{{"JsonTypeIncorrect", "/properties", Error}}},
		{name: "ValueDoesNotMatchPattern", replace: [][2]string{{`"api_key": {`, `"api-key": {`}},
			want: []want{{"AdditionalPropertyNotAllowed", cps + "/api-key", Warning}}},
	}
	def := newDefinitionText(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				text = baseProperties
				for _, r := range tt.replace {
					if !strings.Contains(text, r[0]) {
						t.Fatalf("edit %q does not apply", r[0])
					}
					text = strings.Replace(text, r[0], r[1], 1)
				}
			}
			d := def
			if tt.noDefine {
				d = nil
			}
			checkFindings(t, Properties([]byte(text), d, Options{Certification: tt.cert}), tt.want)
		})
	}
}

func newDefinitionText(t *testing.T) []byte {
	return newDoc(t).text(t)
}

func TestConnectionParametersColumn(t *testing.T) {
	tests := []struct {
		name, text string
		want       []want
	}{
		{"Valid", `{"api_key": {"type": "securestring"}}`, nil},
		{"TypeNotValid", `{"api_key": {"type": "secret"}}`, []want{{"ConnectionParameterTypeNotValid", "/api_key/type", Error}, {"ValueDoesNotMatchAnyForm", "/api_key", Warning}}},
		{"NotAnObject", `[]`, []want{{"DocumentNotAnObject", "", Error}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFindings(t, ConnectionParameters([]byte(tt.text), Options{}), tt.want)
		})
	}
}

func TestPolicyTemplateInstancesColumn(t *testing.T) {
	def := newDefinitionText(t)
	tests := []struct {
		name, text string
		want       []want
	}{
		{"Valid", `[{"templateId": "setheader", "parameters": {"x-ms-apimTemplateParameter.name": "a", "x-ms-apimTemplateParameter.value": "b"}}]`, nil},
		{"Unknown", `[{"TemplateId": "Teleport", "Parameters": {}}]`, []want{{"PolicyTemplateUnknown", "/0/TemplateId", Warning}}},
		{"NotAnArray", `{}`, []want{{"JsonTypeIncorrect", "", Error}}},
		{"ItemNotAnObject", `[1]`, []want{{"JsonTypeIncorrect", "/0", Error}}},
		{"ParametersNotAnObject", `[{"templateId": "setheader", "parameters": []}]`, []want{{"JsonTypeIncorrect", "/0/parameters", Error}}},
		{"Invalid", `[`, []want{{"InvalidJson", "", Error}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFindings(t, PolicyTemplateInstances([]byte(tt.text), def, Options{}), tt.want)
		})
	}
}

func TestScript(t *testing.T) {
	checkFindings(t, Script([]byte("public class Script : ScriptBase {}"), Options{}), nil)
	checkFindings(t, Script(make([]byte, maxScriptBytes+1), Options{}), []want{{"ScriptTooLarge", "", Error}})
}
