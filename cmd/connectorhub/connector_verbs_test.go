package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
	"github.com/connectorhub/connectorhub/internal/testserver"
)

// connectorTestServer is a real Web API server on a new database, as webapi's tests build it.
type connectorTestServer struct {
	URL     string
	AdminID string
}

func startConnectorServer(t *testing.T) *connectorTestServer {
	t.Helper()
	ts := testserver.Open(t)
	return &connectorTestServer{URL: ts.URL(), AdminID: ts.Admin.ID}
}

// connectorRun is what one run of the command gave.
type connectorRun struct {
	Stdout, Stderr string
	Code           int // the exit status main would use
	Err            error
}

// runConnectorCmd runs `connectorhub connector args...` as main does (pac's short flags
// rewritten), with stdin as standard input, against srv when not nil.
func runConnectorCmd(t *testing.T, srv *connectorTestServer, stdin string, args ...string) connectorRun {
	t.Helper()
	args = append([]string{"connector"}, args...)
	if srv != nil {
		args = append(args, "--environment", srv.URL, "--token", "x")
	}
	root := newRootCmd()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(pacFlags(args))
	r := connectorRun{}
	if r.Err = root.ExecuteContext(context.Background()); r.Err != nil {
		r.Code = exitCode(r.Err)
	}
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	return r
}

// mustConnectorCmd is runConnectorCmd that fails the test unless the command succeeds.
func mustConnectorCmd(t *testing.T, srv *connectorTestServer, args ...string) string {
	t.Helper()
	r := runConnectorCmd(t, srv, "", args...)
	if r.Err != nil {
		t.Fatalf("connector %v: exit %d: %v\n%s", args, r.Code, r.Err, r.Stderr)
	}
	return r.Stdout
}

// wantConnectorFailure runs the command and checks its exit status and that its error says want.
func wantConnectorFailure(t *testing.T, srv *connectorTestServer, stdin string, code int, want string, args ...string) {
	t.Helper()
	r := runConnectorCmd(t, srv, stdin, args...)
	if r.Code != code || r.Err == nil || !strings.Contains(r.Err.Error(), want) {
		t.Errorf("connector %v: exit %d, error %v; want exit %d and an error saying %q", args, r.Code, r.Err, code, want)
	}
}

var (
	connectorTimeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	connectorETagRE = regexp.MustCompile(`W/\\"\d+\\"`)
)

// normalize replaces what changes from run to run: times, ETags, the administrator's id, the
// server's URL and temporary folders.
func (s *connectorTestServer) normalize(out string, dirs ...string) string {
	out = connectorTimeRE.ReplaceAllString(out, "<TIME>")
	out = connectorETagRE.ReplaceAllString(out, `W/\"<N>\"`)
	out = strings.ReplaceAll(out, s.AdminID, "<ADMIN>")
	out = strings.ReplaceAll(out, s.URL, "<URL>")
	for _, d := range dirs {
		out = strings.ReplaceAll(out, d, "<DIR>")
	}
	return out
}

// checkConnectorGolden compares got with testdata/connector_<verb>/<name>; UPDATE_GOLDEN=1
// rewrites it.
func checkConnectorGolden(t *testing.T, verb, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "connector_"+verb, name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestConnectorVerbs runs every verb against a real server, in the order of a connector's
// life: init, create, list, get, update, download, delete.
func TestConnectorVerbs(t *testing.T) {
	srv := startConnectorServer(t)
	work := t.TempDir()
	petstore := filepath.Join(work, "petstore")
	contoso := filepath.Join(work, "Contoso Sales")

	// init: two folders, which validate cleanly.
	if out := mustConnectorCmd(t, nil, "init", petstore, "--generate-script-file"); srv.normalize(out, work) != "Created <DIR>/petstore (NoAuth): apiDefinition.swagger.json, apiProperties.json, script.csx\n" {
		t.Errorf("init printed %q", out)
	}
	mustConnectorCmd(t, nil, "init", contoso, "-ct", "oauthaad")
	wantConnectorFailure(t, nil, "", 1, "init does not overwrite files", "init", petstore)
	wantConnectorFailure(t, nil, "", 2, `--connection-template "Kerberos": use one of ApiKey, BasicAuth, NoAuth, OAuthAAD, OAuthGeneric`, "init", filepath.Join(work, "x"), "-ct", "Kerberos")

	// create with pac's short flags; the id is derived from the folder's name.
	petID := connectordir.DeriveID("new_petstore")
	out := mustConnectorCmd(t, srv, "create", "-df", filepath.Join(petstore, "apiDefinition.swagger.json"),
		"-pf", filepath.Join(petstore, "apiProperties.json"), "-sf="+filepath.Join(petstore, "script.csx"))
	if out != petID+"\n" {
		t.Errorf("create printed %q, want the derived id %s", out, petID)
	}
	out = mustConnectorCmd(t, srv, "create", "--api-definition-file", filepath.Join(contoso, "apiDefinition.swagger.json"),
		"--api-properties-file", filepath.Join(contoso, "apiProperties.json"), "--prefix", "cr1a6", "-o", "json")
	checkConnectorGolden(t, "create", "contoso.json", srv.normalize(out))
	contosoID := connectordir.DeriveID("cr1a6_contososales")

	// A second create of the same folder finds the same record.
	wantConnectorFailure(t, srv, "", 1, "a connector with the id "+petID+" or the name new_petstore exists: update it with connectorhub connector update --connector-id "+petID,
		"create", "-df", filepath.Join(petstore, "apiDefinition.swagger.json"))
	wantConnectorFailure(t, srv, "", 2, "the icon cannot be set through the Dataverse Web API; it travels in solution zips",
		"create", "-df", filepath.Join(petstore, "apiDefinition.swagger.json"), "-if", filepath.Join(petstore, "icon.png"))
	wantConnectorFailure(t, srv, "", 1, `--solution-unique-name: no solution with the unique name "ContosoCore"`,
		"create", "-df", filepath.Join(petstore, "apiDefinition.swagger.json"), "-sol", "ContosoCore")
	wantConnectorFailure(t, srv, "", 2, "give --api-definition-file (-df), or --settings-file", "create")
	wantConnectorFailure(t, srv, "", 1, "no such file", "create", "-df", filepath.Join(work, "missing.json"))

	// list: the table, JSON, and the query options.
	checkConnectorGolden(t, "list", "table.txt", srv.normalize(mustConnectorCmd(t, srv, "list", "--orderby", "name")))
	if out := mustConnectorCmd(t, srv, "list", "--orderby", "name", "--page-size", "1"); srv.normalize(out) != srv.normalize(mustConnectorCmd(t, srv, "list", "--orderby", "name")) {
		t.Errorf("list --page-size 1 (two pages):\n%s", out)
	}
	checkConnectorGolden(t, "list", "list.json", srv.normalize(mustConnectorCmd(t, srv, "list", "--orderby", "name", "-o", "json")))
	checkConnectorGolden(t, "list", "filtered.txt", srv.normalize(mustConnectorCmd(t, srv, "list", "--filter", "startswith(name,'cr1a6_')", "--select", "name")))
	checkConnectorGolden(t, "list", "top.json", srv.normalize(mustConnectorCmd(t, srv, "list", "--orderby", "name desc", "--top", "1", "--select", "name,iconbrandcolor", "-o", "json")))
	wantConnectorFailure(t, srv, "", 1, "0x0", "list", "--filter", "nosuchcolumn eq 1")

	// get: by name (any case) and by id.
	checkConnectorGolden(t, "get", "petstore.txt", srv.normalize(mustConnectorCmd(t, srv, "get", "NEW_PETSTORE")))
	var rec client.Connector
	if err := json.Unmarshal([]byte(mustConnectorCmd(t, srv, "get", contosoID, "-o", "json")), &rec); err != nil {
		t.Fatal(err)
	}
	def, _ := os.ReadFile(filepath.Join(contoso, "apiDefinition.swagger.json"))
	if rec.Name != "cr1a6_contososales" || rec.DisplayName != "Contoso Sales" || rec.OpenAPIDefinition != string(def) || rec.ConnectionParameters == "" {
		t.Errorf("get -o json: %+v", rec)
	}
	wantConnectorFailure(t, srv, "", 1, `no connector named "O'Brien"`, "get", "O'Brien")
	wantConnectorFailure(t, srv, "", 1, "no connector with the id 00000000-0000-0000-0000-0000000000ff", "get", "00000000-0000-0000-0000-0000000000ff")

	// update: a new description; the script is left as it is.
	defPath := filepath.Join(petstore, "apiDefinition.swagger.json")
	text, _ := os.ReadFile(defPath)
	text = bytes.Replace(text, []byte("describe here what it does for its users."), []byte("sells pets, now with an update."), 1)
	if err := os.WriteFile(defPath, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustConnectorCmd(t, srv, "update", "-id", petID, "-df", defPath); out != petID+"\n" {
		t.Errorf("update printed %q", out)
	}
	checkConnectorGolden(t, "update", "petstore.txt", srv.normalize(mustConnectorCmd(t, srv, "get", petID)))
	wantConnectorFailure(t, srv, "", 2, `--connector-id "new_petstore" is not a GUID`, "update", "-id", "new_petstore", "-df", defPath)
	wantConnectorFailure(t, srv, "", 2, "give --connector-id", "update", "-df", defPath)
	wantConnectorFailure(t, srv, "", 1, "no connector with the id 00000000-0000-0000-0000-0000000000ff", "update", "-id", "00000000-0000-0000-0000-0000000000ff", "-df", defPath)
	wantConnectorFailure(t, srv, "", 2, "the icon cannot be set", "update", "-id", petID, "-df", defPath, "--icon-file", "icon.png")

	// download, then update from the downloaded settings.json.
	dl := filepath.Join(work, "dl")
	out = mustConnectorCmd(t, srv, "download", "new_petstore", "--outputDirectory", dl)
	checkConnectorGolden(t, "download", "stdout.txt", srv.normalize(out, work))
	settings, _ := os.ReadFile(filepath.Join(dl, "settings.json"))
	if string(settings) != "{\n  \"connectorId\": \""+petID+"\"\n}\n" {
		t.Errorf("settings.json:\n%s", settings)
	}
	if out := mustConnectorCmd(t, srv, "update", "--settings-file", filepath.Join(dl, "settings.json")); out != petID+"\n" {
		t.Errorf("update --settings-file printed %q", out)
	}
	out = mustConnectorCmd(t, srv, "download", contosoID, "--output-directory", filepath.Join(work, "dl2"))
	if !strings.Contains(out, "apiDefinition.swagger.json, apiProperties.json, settings.json") {
		t.Errorf("download printed %q", out)
	}

	// delete: refused without a terminal and without --yes; asked on a terminal.
	wantConnectorFailure(t, srv, "", 2, "not deleting new_petstore without confirmation: give --yes", "delete", "new_petstore")
	defer func(f func(io.Reader) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Reader) bool { return true }
	wantConnectorFailure(t, srv, "n\n", 1, "not deleted: new_petstore", "delete", "new_petstore")
	r := runConnectorCmd(t, srv, "y\n", "delete", "new_petstore")
	if r.Err != nil || r.Stdout != "Deleted connector new_petstore ("+petID+").\n" || !strings.Contains(r.Stderr, "Delete connector new_petstore ("+petID+`, "petstore")? [y/N]`) {
		t.Errorf("delete after yes: %v\nstdout %q\nstderr %q", r.Err, r.Stdout, r.Stderr)
	}
	isTerminal = func(io.Reader) bool { return false }
	if out := mustConnectorCmd(t, srv, "delete", contosoID, "--yes"); out != "Deleted connector cr1a6_contososales ("+contosoID+").\n" {
		t.Errorf("delete --yes printed %q", out)
	}
	wantConnectorFailure(t, srv, "", 1, `no connector named "new_petstore"`, "delete", "new_petstore", "--yes")
	if out := mustConnectorCmd(t, srv, "list"); out != "CONNECTORID  NAME  DISPLAYNAME  MODIFIEDON\n" {
		t.Errorf("list after delete:\n%s", out)
	}
	checkConnectorGolden(t, "list", "empty.json", mustConnectorCmd(t, srv, "list", "-o", "json"))
}

// TestConnectorRoundTrip checks init → create → download for every connection template: the
// downloaded definition and script are the source's bytes (the server stores them as sent),
// and apiProperties.json is JSON-equal to the source; it is even byte-identical, because init
// writes the same canonical form (sorted keys, 2-space indent) as download.
func TestConnectorRoundTrip(t *testing.T) {
	srv := startConnectorServer(t)
	for _, tmpl := range connectionTemplateNames() {
		t.Run(tmpl, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), tmpl)
			mustConnectorCmd(t, nil, "init", src, "-ct", tmpl, "--generate-script-file")
			if r := runConnectorCmd(t, nil, "", "validate", src); r.Code != 0 {
				t.Errorf("validate of init's folder: exit %d\n%s", r.Code, r.Stdout)
			}
			id := strings.TrimSpace(mustConnectorCmd(t, srv, "create", "-df", filepath.Join(src, "apiDefinition.swagger.json"),
				"-pf", filepath.Join(src, "apiProperties.json"), "-sf", filepath.Join(src, "script.csx")))
			dst := filepath.Join(t.TempDir(), "dl")
			mustConnectorCmd(t, srv, "download", id, "--output-directory", dst)
			for _, name := range []string{"apiDefinition.swagger.json", "apiProperties.json", "script.csx"} {
				a, _ := os.ReadFile(filepath.Join(src, name))
				b, err := os.ReadFile(filepath.Join(dst, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == "apiProperties.json" {
					var ja, jb any
					if json.Unmarshal(a, &ja) != nil || json.Unmarshal(b, &jb) != nil || !reflect.DeepEqual(ja, jb) {
						t.Errorf("%s is not JSON-equal to the source:\n%s\nsource:\n%s", name, b, a)
					}
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs from the source:\n%s", name, cmp.Diff(string(a), string(b)))
				}
			}
			// Downloading again over the folder writes the same bytes.
			before, _ := os.ReadFile(filepath.Join(dst, "apiProperties.json"))
			mustConnectorCmd(t, srv, "download", id, "--output-directory", dst)
			after, _ := os.ReadFile(filepath.Join(dst, "apiProperties.json"))
			if !bytes.Equal(before, after) {
				t.Error("a second download changed apiProperties.json")
			}
		})
	}
}

// TestConnectorVerbsHelp checks that every verb's help has an example and that pac's short
// flags reach the verbs.
func TestConnectorVerbsHelp(t *testing.T) {
	for _, c := range newConnectorCmd().Commands() {
		if c.Example == "" {
			t.Errorf("connector %s has no Example", c.Name())
		}
	}
	got := pacFlags([]string{"-df", "a.json", "-pf=b.json", "-if", "-sf", "-sol", "-id", "-ct", "-env", "-o", "-dfx", "--df"})
	want := []string{"--api-definition-file", "a.json", "--api-properties-file=b.json", "--icon-file", "--script-file",
		"--solution-unique-name", "--connector-id", "--connection-template", "--environment", "-o", "-dfx", "--df"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pacFlags = %q, want %q", got, want)
	}
	// An unknown flag is a usage error.
	if r := runConnectorCmd(t, nil, "", "list", "--nosuchflag"); r.Code != 2 {
		t.Errorf("unknown flag: exit %d", r.Code)
	}
}
