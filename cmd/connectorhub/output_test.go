package main

import (
	"strings"
	"testing"
)

// TestOutputYAML checks -o yaml beside -o json: the same records, with the JSON field names,
// as YAML; and that an unknown format is refused.
func TestOutputYAML(t *testing.T) {
	authConfigDir(t)
	t.Setenv("PROD_SECRET", "s")
	mustRun(t, "auth", "create", "--name", "prod", "--env", "https://org.crm.dynamics.com",
		"--tenant", "contoso.onmicrosoft.com", "--client-id", "c1", "--client-secret-env", "PROD_SECRET")
	data := t.TempDir()
	mustRun(t, "users", "create", "ada@example.com", "--name", "Ada: Lovelace", "--data", data)
	mustRun(t, "teams", "create", "Makers", "--data", data)
	for _, tt := range []struct {
		name string
		args []string
		want []string // lines the output must hold
	}{
		{"auth list", []string{"auth", "list", "-o", "yaml"}, []string{
			"---", `- name: "prod"`, `  environment: "https://org.crm.dynamics.com"`, `  kind: "clientSecret"`,
			`  tenant: "contoso.onmicrosoft.com"`, `  clientId: "c1"`, "  selected: true"}},
		{"users list", []string{"users", "list", "-o", "yaml", "--data", data}, []string{"---", `  FullName: "Ada: Lovelace"`}},
		{"teams list", []string{"teams", "list", "-o", "yaml", "--data", data}, []string{"---", `  Name: "Makers"`}},
		{"roles list", []string{"roles", "list", "-o", "yaml", "--data", data}, []string{"---", `  name: "System Administrator"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := mustRun(t, tt.args...)
			lines := map[string]bool{}
			for _, l := range strings.Split(out, "\n") {
				lines[strings.TrimPrefix(l, "- ")] = true
				lines[l] = true
			}
			for _, w := range tt.want {
				if !lines[w] {
					t.Errorf("%v: no line %q in\n%s", tt.args, w, out)
				}
			}
		})
	}
	if _, err := run(t, "auth", "list", "-o", "xml"); err == nil || !strings.Contains(err.Error(), "must be table, json or yaml") {
		t.Errorf("auth list -o xml: %v", err)
	}
}
