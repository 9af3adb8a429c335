package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
	"github.com/connectorhub/connectorhub/internal/testserver"
	"github.com/connectorhub/connectorhub/plan"
)

// planTestServer starts a real server on a new database in a temporary directory, as its
// bootstrap System Administrator whatever the token, without service protection limits; it
// stops when the test ends. It returns the server's root URL and a client of it.
func planTestServer(tb testing.TB) (string, *client.Client) {
	tb.Helper()
	ts := testserver.Open(tb)
	c, err := client.New(ts.URL(), client.WithTokenSource(client.StaticToken("x")))
	if err != nil {
		tb.Fatal(err)
	}
	return ts.URL(), c
}

// runPlanCmd runs `connectorhub args...` against the server at url with stdin as standard
// input, and returns its standard output, standard error and the exit status main would use.
func runPlanCmd(t *testing.T, url, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append(args[:1:1], append([]string{"--environment", url, "--token", "x"}, args[1:]...)...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCode(err)
	}
	return out.String(), errOut.String(), code
}

// planPetsDef is a valid definition with title and operations as the tests change them.
func planPetsDef(title string, ops string) string {
	return `{
  "swagger": "2.0",
  "info": {"title": "` + title + `", "description": "The ` + title + ` API.", "version": "1.0"},
  "host": "api.example.com",
  "basePath": "/",
  "schemes": ["https"],
  "consumes": ["application/json"],
  "produces": ["application/json"],
  "paths": {` + ops + `}
}
`
}

const (
	planListPets = `
    "/pets": {
      "get": {
        "operationId": "ListPets",
        "summary": "List pets",
        "description": "Lists the pets.",
        "parameters": [{"name": "filter", "in": "query", "type": "string", "x-ms-summary": "Filter"}],
        "responses": {"200": {"description": "OK"}}
      }
    }`
	planGetPet = `
    "/pets/{id}": {
      "get": {
        "operationId": "GetPet",
        "summary": "Get a pet",
        "description": "Gets one pet.",
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "string", "x-ms-summary": "Id"}],
        "responses": {"200": {"description": "OK"}}
      }
    }`
	// planListPetsChanged is planListPets reformatted, with a parameter's type and a summary changed,
	// a parameter and a response added.
	planListPetsChanged = `"/pets": {"get": {"responses": {"200": {"description": "OK"}, "404": {"description": "Not found"}},
        "parameters": [{"x-ms-summary": "Filter", "type": "integer", "in": "query", "name": "filter"}, {"name": "top", "in": "query", "type": "integer", "x-ms-summary": "Top"}],
        "description": "Lists the pets.", "summary": "List all pets", "operationId": "ListPets"}}`
)

const planPetsProps = `{
  "properties": {
    "connectionParameters": {
      "api_key": {"type": "securestring", "uiDefinition": {"displayName": "API key", "description": "The key", "tooltip": "The key", "constraints": {"required": "true"}}}
    },
    "iconBrandColor": "#007ee5",
    "capabilities": ["actions"],
    "publisher": "Contoso"
  }
}
`

// planWriteFolder writes a connector folder.
func planWriteFolder(t *testing.T, dir, def, props string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apiDefinition.swagger.json"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	if props != "" {
		if err := os.WriteFile(filepath.Join(dir, "apiProperties.json"), []byte(props), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// planCheckGolden compares got, with the tree's path replaced by $TREE, with the golden file
// testdata/<name>; UPDATE_GOLDEN=1 rewrites it.
func planCheckGolden(t *testing.T, name, tree, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, filepath.ToSlash(tree), "$TREE")
	got = strings.ReplaceAll(got, tree, "$TREE")
	path := filepath.Join(planGoldenDir, filepath.FromSlash(name))
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// planGoldenDir is testdata, as an absolute path: the lifecycle test changes directory.
var planGoldenDir, _ = filepath.Abs("testdata")

// planJSONRecord is a record of -o json as the tests read it.
type planJSONRecord struct {
	Path        string          `json:"path"`
	ConnectorID string          `json:"connectorid"`
	Name        string          `json:"name"`
	Action      string          `json:"action"`
	Diff        *plan.Diff      `json:"diff"`
	Error       json.RawMessage `json:"error"`
	Outcome     string          `json:"outcome"`
	Result      json.RawMessage `json:"result"`
}

func planDecode(t *testing.T, out string) []planJSONRecord {
	t.Helper()
	var recs []planJSONRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	return recs
}

// actions returns each record's name and action (or outcome, when set), sorted by name.
func planActions(recs []planJSONRecord) map[string]string {
	m := map[string]string{}
	for _, r := range recs {
		a := r.Action
		if r.Outcome != "" {
			a += "/" + r.Outcome
		}
		m[r.Name] = a
	}
	return m
}

// TestPlanApplyLifecycle takes a tree through plan and apply against a real server: a fresh
// tree (all create), apply, plan again (all none), a changed definition (one update with its
// operations' diff), a change on the server between plan and write (412 for that connector
// only, exit 3), and --prune (only prefixed connectors no longer in the tree).
func TestPlanApplyLifecycle(t *testing.T) {
	url, c := planTestServer(t)
	// The tree is the working directory, so that the paths printed are relative ones.
	tree := t.TempDir()
	t.Chdir(tree)
	planWriteFolder(t, filepath.Join(tree, "pets"), planPetsDef("Pets", planListPets+","+planGetPet), planPetsProps)
	planWriteFolder(t, filepath.Join(tree, "store"), planPetsDef("Store", planListPets), "")
	planWriteFolder(t, filepath.Join(tree, "more", "weather"), planPetsDef("Weather", planGetPet), "")

	// A fresh tree: everything is to be created.
	out, _, code := runPlanCmd(t, url, "", "plan", ".")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	planCheckGolden(t, "plan/fresh.txt", tree, out)
	out, _, _ = runPlanCmd(t, url, "", "plan", "-o", "json", ".")
	planCheckGolden(t, "plan/fresh.json", tree, out)
	if got, want := planActions(planDecode(t, out)), map[string]string{"new_pets": "create", "new_store": "create", "new_weather": "create"}; !cmp.Equal(got, want) {
		t.Errorf("fresh plan: %v, want %v", got, want)
	}

	out, errOut, code := runPlanCmd(t, url, "", "apply", ".")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	planCheckGolden(t, "apply/fresh.txt", tree, out)
	if errOut != "" {
		t.Errorf("apply wrote to stderr (no progress bar without a terminal): %q", errOut)
	}

	// Idempotent: nothing to do, nothing done.
	out, _, code = runPlanCmd(t, url, "", "plan", "-o", "json", ".")
	if got, want := planActions(planDecode(t, out)), map[string]string{"new_pets": "none", "new_store": "none", "new_weather": "none"}; code != 0 || !cmp.Equal(got, want) {
		t.Errorf("plan after apply: exit %d, %v, want %v", code, got, want)
	}
	out, _, code = runPlanCmd(t, url, "", "apply", "-o", "json", ".")
	planCheckGolden(t, "apply/again.json", tree, out)
	if code != 0 {
		t.Errorf("second apply: exit %d", code)
	}

	// One definition changes: one update, with the operations' diff.
	planWriteFolder(t, filepath.Join(tree, "pets"), planPetsDef("Pets", planListPetsChanged), planPetsProps)
	out, _, code = runPlanCmd(t, url, "", "plan", ".")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	planCheckGolden(t, "plan/update.txt", tree, out)
	out, _, _ = runPlanCmd(t, url, "", "plan", "-o", "json", ".")
	planCheckGolden(t, "plan/update.json", tree, out)
	out, _, _ = runPlanCmd(t, url, "", "plan", "-o", "yaml", ".")
	planCheckGolden(t, "plan/update.yaml", tree, out)
	out, errOut, code = runPlanCmd(t, url, "", "apply", ".")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	planCheckGolden(t, "apply/update.txt", tree, out)
	out, _, _ = runPlanCmd(t, url, "", "plan", "-o", "json", ".")
	if got := planActions(planDecode(t, out)); got["new_pets"] != "none" {
		t.Errorf("plan after the update: %v", got)
	}

	// Two definitions change; one record changes on the server after the plan read it: that
	// update fails with 412, the other goes through.
	planWriteFolder(t, filepath.Join(tree, "store"), planPetsDef("Store", planListPetsChanged), "")
	planWriteFolder(t, filepath.Join(tree, "more", "weather"), planPetsDef("Weather", planListPets), "")
	applyPlannedHook = func(p *plan.Plan) {
		for _, it := range p.Items {
			if it.Name == "new_store" {
				// The hook runs in the test's goroutine: errors are reported, not fatal.
				if _, err := c.UpdateConnector(context.Background(), it.ConnectorID, &client.ConnectorUpdate{Description: client.Ptr("changed meanwhile")}, nil); err != nil {
					t.Errorf("concurrent update: %v", err)
				}
			}
		}
	}
	out, _, code = runPlanCmd(t, url, "", "apply", "-o", "json", ".")
	applyPlannedHook = nil
	if code != planExitPartial {
		t.Errorf("apply with a concurrent change: exit %d, want %d", code, planExitPartial)
	}
	planCheckGolden(t, "apply/conflict.json", tree, out)
	if got, want := planActions(planDecode(t, out)), map[string]string{"new_pets": "none/unchanged", "new_store": "update/failed", "new_weather": "update/updated"}; !cmp.Equal(got, want) {
		t.Errorf("apply with a concurrent change: %v, want %v", got, want)
	}
	rec, err := c.GetConnector(context.Background(), connectordir.DeriveID("new_store"), nil)
	if err != nil || rec.Description != "changed meanwhile" {
		t.Errorf("the concurrent change was overwritten: %v %q", err, rec.Description)
	}

	// --prune: a prefixed connector on the server only, an unprefixed one, and a folder removed.
	other := `{"swagger": "2.0", "info": {"title": "Other", "version": "1"}, "host": "a.example.com", "basePath": "/", "schemes": ["https"], "paths": {}}`
	for _, conn := range []*client.Connector{
		{ConnectorID: "20000000-0000-0000-0000-000000000001", Name: "new_orphan", DisplayName: "Orphan", ConnectorType: 1, OpenAPIDefinition: other},
		{ConnectorID: "20000000-0000-0000-0000-000000000002", Name: "cr736_other", DisplayName: "Other", ConnectorType: 1, OpenAPIDefinition: other},
	} {
		if _, err := c.CreateConnector(context.Background(), conn, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(tree, "more")); err != nil {
		t.Fatal(err)
	}
	out, _, code = runPlanCmd(t, url, "", "plan", "--prune", ".")
	if code != 0 {
		t.Errorf("plan --prune: exit %d", code)
	}
	planCheckGolden(t, "plan/prune.txt", tree, out)
	// Without a terminal and without --yes, nothing is written.
	_, errOut, code = runPlanCmd(t, url, "yes\n", "apply", "--prune", ".")
	if code != planExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("apply --prune without --yes: exit %d, %q", code, errOut)
	}
	out, errOut, code = runPlanCmd(t, url, "", "apply", "--prune", "--yes", ".")
	if code != 0 {
		t.Fatalf("apply --prune --yes: exit %d\n%s%s", code, out, errOut)
	}
	planCheckGolden(t, "apply/prune.txt", tree, out)
	var names []string
	for conn, err := range c.ListConnectors(context.Background(), &client.ListOptions{Select: []string{"name"}, OrderBy: []string{"name"}}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, conn.Name)
	}
	if want := []string{"cr736_other", "new_pets", "new_store"}; !cmp.Equal(names, want) {
		t.Errorf("after --prune the server has %v, want %v", names, want)
	}
}

// TestPlanApplyUsage checks the usage errors (exit 2) and --validate (exit 1, nothing written).
func TestPlanApplyUsage(t *testing.T) {
	url, c := planTestServer(t)
	tree := t.TempDir()
	planWriteFolder(t, filepath.Join(tree, "pets"), planPetsDef("Pets", planListPets), "")
	for _, args := range [][]string{
		{"plan"},
		{"plan", "-o", "xml", tree},
		{"apply", "--parallel", "0", tree},
		{"apply", "--prune", "--prefix", "", tree},
	} {
		if _, _, code := runPlanCmd(t, url, "", args...); code != planExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, planExitUsage)
		}
	}
	if _, _, code := runPlanCmd(t, url, "", "plan", filepath.Join(tree, "missing")); code != planExitError {
		t.Errorf("plan of a missing folder: exit %d, want %d", code, planExitError)
	}

	// A folder that cannot be read is an error item; the others are planned (exit 3).
	planWriteFolder(t, filepath.Join(tree, "broken"), planPetsDef("Broken", planListPets), `{"properties": {`)
	out, _, code := runPlanCmd(t, url, "", "plan", "-o", "json", tree)
	if got, want := planActions(planDecode(t, out)), map[string]string{"": "error", "new_pets": "create"}; code != planExitPartial || !cmp.Equal(got, want) {
		t.Errorf("plan with an unreadable folder: exit %d, %v, want %v", code, got, want)
	}
	// --prune writes nothing while a folder cannot be read: its connector would look absent.
	orphan := &client.Connector{ConnectorID: "20000000-0000-0000-0000-000000000001", Name: "new_orphan", DisplayName: "Orphan", ConnectorType: 1,
		OpenAPIDefinition: `{"swagger": "2.0", "info": {"title": "Orphan", "version": "1"}, "host": "a.example.com", "basePath": "/", "schemes": ["https"], "paths": {}}`}
	if _, err := c.CreateConnector(context.Background(), orphan, nil); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runPlanCmd(t, url, "", "apply", "--prune", "--yes", tree)
	if code != planExitError || planCount(t, c) != 1 || !strings.Contains(errOut, "could not be read") {
		t.Errorf("apply --prune with an unreadable folder: exit %d, %d connectors, %s", code, planCount(t, c), errOut)
	}
	if err := os.RemoveAll(filepath.Join(tree, "broken")); err != nil {
		t.Fatal(err)
	}

	// An operationId used twice is a structural error.
	bad := planPetsDef("Bad", planListPets+","+strings.Replace(planGetPet, "GetPet", "ListPets", 1))
	planWriteFolder(t, filepath.Join(tree, "bad"), bad, "")
	out, errOut, code = runPlanCmd(t, url, "", "apply", "--validate", tree)
	if code != planExitError || !strings.Contains(errOut, "apiDefinition.swagger.json:") || !strings.Contains(errOut, "OperationIdNotUnique") {
		t.Errorf("apply --validate: exit %d\n%s%s", code, out, errOut)
	}
	if got := planCount(t, c); got != 1 {
		t.Errorf("apply --validate wrote despite errors: %d connectors", got)
	}
}

// planCount counts the server's connectors.
func planCount(t *testing.T, c *client.Client) int {
	t.Helper()
	count := 0
	for _, err := range c.ListConnectors(context.Background(), &client.ListOptions{Select: []string{"name"}}) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	return count
}

// TestApplyPruneConfirm answers the confirmation --prune asks for on a terminal: anything but
// "yes" writes nothing (exit 1); "yes" deletes.
func TestApplyPruneConfirm(t *testing.T) {
	url, c := planTestServer(t)
	tree := t.TempDir()
	planWriteFolder(t, filepath.Join(tree, "pets"), planPetsDef("Pets", planListPets), "")
	orphan := &client.Connector{ConnectorID: "20000000-0000-0000-0000-000000000001", Name: "NEW_Orphan", DisplayName: "Orphan", ConnectorType: 1,
		OpenAPIDefinition: `{"swagger": "2.0", "info": {"title": "Orphan", "version": "1"}, "host": "a.example.com", "basePath": "/", "schemes": ["https"], "paths": {}}`}
	if _, err := c.CreateConnector(context.Background(), orphan, nil); err != nil {
		t.Fatal(err)
	}
	saved := planIsTerminal
	planIsTerminal = func(any) bool { return true }
	t.Cleanup(func() { planIsTerminal = saved })

	_, errOut, code := runPlanCmd(t, url, "y\n", "apply", "--prune", tree)
	if code != planExitError || planCount(t, c) != 1 || !strings.Contains(errOut, "NEW_Orphan") {
		t.Errorf("apply --prune answered y: exit %d, %d connectors, stderr %q", code, planCount(t, c), errOut)
	}
	out, errOut, code := runPlanCmd(t, url, "yes\n", "apply", "--prune", tree)
	if code != 0 || !strings.Contains(out, "Apply: 1 created, 0 updated, 0 unchanged, 1 deleted, 0 failed.") {
		t.Errorf("apply --prune answered yes: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := c.GetConnector(context.Background(), orphan.ConnectorID, nil); err == nil {
		t.Error("the orphan is still there")
	}
}
