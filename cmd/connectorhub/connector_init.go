package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/connectordir"
)

// connectionTemplates are init's --connection-template values, pac's: the connectionParameters
// of apiProperties.json and the matching securityDefinitions of the definition.
var connectionTemplates = map[string]struct {
	parameters map[string]any
	security   map[string]any
}{
	"NoAuth": {parameters: map[string]any{}},
	"BasicAuth": {
		parameters: map[string]any{
			"username": secureParameter("Username", "The username for this API", "Provide the username", 2, true),
			"password": secureParameter("Password", "The password for this API", "Provide the password", 3, false),
		},
		security: map[string]any{"basic_auth": map[string]any{"type": "basic"}},
	},
	"ApiKey": {
		parameters: map[string]any{
			"api_key": secureParameter("API Key", "The API key for this API", "Provide your API key", 2, false),
		},
		security: map[string]any{"API Key": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"}},
	},
	"OAuthGeneric": {
		parameters: map[string]any{
			"token": map[string]any{
				"type": "oauthSetting",
				"oAuthSettings": map[string]any{
					"identityProvider": "oauth2",
					"clientId":         "[[client id]]",
					"scopes":           []any{},
					"redirectMode":     "Global",
					"redirectUrl":      "https://global.consent.azure-apim.net/redirect",
					"properties":       map[string]any{"IsFirstParty": "False"},
					"customParameters": map[string]any{
						"authorizationUrl": map[string]any{"value": "https://contoso.com/oauth2/authorize"},
						"tokenUrl":         map[string]any{"value": "https://contoso.com/oauth2/token"},
						"refreshUrl":       map[string]any{"value": "https://contoso.com/oauth2/token"},
					},
				},
			},
		},
		security: map[string]any{"oauth2_auth": map[string]any{
			"type": "oauth2", "flow": "accessCode",
			"authorizationUrl": "https://contoso.com/oauth2/authorize",
			"tokenUrl":         "https://contoso.com/oauth2/token",
			"scopes":           map[string]any{},
		}},
	},
	"OAuthAAD": {
		parameters: map[string]any{
			"token": map[string]any{
				"type": "oauthSetting",
				"oAuthSettings": map[string]any{
					"identityProvider": "aad",
					"clientId":         "[[client id]]",
					"scopes":           []any{},
					"redirectMode":     "Global",
					"redirectUrl":      "https://global.consent.azure-apim.net/redirect",
					"properties": map[string]any{
						"IsFirstParty":                   "False",
						"AzureActiveDirectoryResourceId": "https://contoso.com",
						"IsOnbehalfofLoginSupported":     false,
					},
					"customParameters": map[string]any{
						"loginUri":    map[string]any{"value": "https://login.microsoftonline.com"},
						"tenantId":    map[string]any{"value": "common"},
						"resourceUri": map[string]any{"value": "https://contoso.com"},
					},
				},
			},
			"token:TenantId": map[string]any{
				"type":         "string",
				"metadata":     map[string]any{"sourceType": "AzureActiveDirectoryTenant"},
				"uiDefinition": map[string]any{"constraints": map[string]any{"required": "false", "hidden": "true"}},
			},
		},
		security: map[string]any{"oauth2_auth": map[string]any{
			"type": "oauth2", "flow": "accessCode",
			"authorizationUrl": "https://login.windows.net/common/oauth2/authorize",
			"tokenUrl":         "https://login.windows.net/common/oauth2/authorize",
			"scopes":           map[string]any{},
		}},
	},
}

// secureParameter is a securestring connection parameter as the maker portal writes it.
func secureParameter(name, description, tooltip string, tab int, clearText bool) map[string]any {
	return map[string]any{
		"type": "securestring",
		"uiDefinition": map[string]any{
			"displayName": name,
			"description": description,
			"tooltip":     tooltip,
			"constraints": map[string]any{"tabIndex": tab, "clearText": clearText, "required": "true"},
		},
	}
}

// connectionTemplateNames lists the templates, sorted, for messages.
func connectionTemplateNames() []string {
	names := make([]string, 0, len(connectionTemplates))
	for n := range connectionTemplates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// initScript is the script.csx of --generate-script-file: it passes every request through.
const initScript = `public class Script : ScriptBase
{
    public override async Task<HttpResponseMessage> ExecuteAsync()
    {
        // Change the request here (this.Context.Request), or the response below.
        var response = await this.Context.SendAsync(this.Context.Request, this.CancellationToken).ConfigureAwait(false);
        return response;
    }
}
`

// initDefinition returns the minimal definition of init: one operation, the template's
// security, the title given.
func initDefinition(title string, security map[string]any) ([]byte, error) {
	type member struct {
		k string
		v any
	}
	members := []member{
		{"swagger", "2.0"},
		{"info", map[string]any{"title": title, "description": "The " + title + " connector: describe here what it does for its users.", "version": "1.0"}},
		{"host", "api.contoso.com"},
		{"basePath", "/"},
		{"schemes", []string{"https"}},
		{"consumes", []string{}},
		{"produces", []string{"application/json"}},
		{"paths", map[string]any{"/": map[string]any{"get": map[string]any{
			"operationId": "Ping",
			"summary":     "Ping the service",
			"description": "Checks that the service answers.",
			"responses":   map[string]any{"200": map[string]any{"description": "OK"}},
		}}}},
		{"definitions", map[string]any{}},
		{"parameters", map[string]any{}},
		{"responses", map[string]any{}},
		{"securityDefinitions", map[string]any{}},
		{"security", []any{}},
		{"tags", []any{}},
	}
	if security != nil {
		members[11].v = security
		var reqs []any
		for name := range security {
			reqs = append(reqs, map[string]any{name: []any{}})
		}
		members[12].v = reqs
	}
	// The members in the usual order of a Swagger document, each value pretty-printed.
	var b strings.Builder
	b.WriteString("{\n")
	for i, m := range members {
		v, err := connectordir.PrettyJSON(m.v)
		if err != nil {
			return nil, err
		}
		k, _ := json.Marshal(m.k)
		fmt.Fprintf(&b, "  %s: %s", k, strings.ReplaceAll(strings.TrimSuffix(string(v), "\n"), "\n", "\n  "))
		if i < len(members)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return []byte(b.String()), nil
}

func newConnectorInitCmd() *cobra.Command {
	var (
		template string
		script   bool
	)
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a connector folder",
		Long: `Scaffold a connector folder DIR (created when missing): apiProperties.json with the
connection parameters of --connection-template (pac's -ct: NoAuth, BasicAuth, ApiKey,
OAuthGeneric or OAuthAAD), and a minimal apiDefinition.swagger.json titled after the folder,
with one operation and the template's security definition. --generate-script-file adds a
script.csx that passes requests through. The result passes connectorhub connector validate,
and connectorhub connector create takes it as it is.

Existing files are never overwritten: the command refuses a folder that already holds one of
the files it would write. Nothing is sent anywhere.`,
		Example: `  connectorhub connector init ./petstore
  connectorhub connector init ./contoso -ct OAuthAAD --generate-script-file`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			var tmpl string
			for _, n := range connectionTemplateNames() {
				if strings.EqualFold(n, template) {
					tmpl = n
				}
			}
			if tmpl == "" {
				return usagef("--connection-template %q: use one of %s", template, strings.Join(connectionTemplateNames(), ", "))
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return failed(err)
			}
			title := filepath.Base(abs)
			t := connectionTemplates[tmpl]
			folder := &connectordir.Folder{Dir: dir}
			if folder.Definition, err = initDefinition(title, t.security); err != nil {
				return failed(err)
			}
			props := map[string]any{
				"connectionParameters": t.parameters,
				"iconBrandColor":       "#007ee5",
				"capabilities":         []string{},
			}
			if script {
				folder.Script = []byte(initScript)
				props["scriptOperations"] = []string{}
			}
			if folder.Properties, err = connectordir.PrettyJSON(map[string]any{"properties": props}); err != nil {
				return failed(err)
			}
			written := []string{connectordir.DefinitionFile, connectordir.PropertiesFile}
			if script {
				written = append(written, connectordir.ScriptFile)
			}
			for _, name := range written {
				if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
					return connFailure{fmt.Errorf("%s already holds %s: init does not overwrite files", dir, name)}
				}
			}
			if err := folder.Write(dir); err != nil {
				return failed(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Created %s (%s): %s\n", filepath.Clean(dir), tmpl, strings.Join(written, ", "))
			return failed(err)
		},
	}
	cmd.Flags().StringVar(&template, "connection-template", "NoAuth", "the authentication: "+strings.Join(connectionTemplateNames(), ", ")+" (pac's -ct)")
	cmd.Flags().BoolVar(&script, "generate-script-file", false, "also write script.csx, custom code that passes requests through")
	return cmd
}
