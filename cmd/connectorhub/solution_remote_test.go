package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/client"
)

// runSolutionCmd runs `connectorhub solution args...` as main does (pac's short flags
// rewritten) against srv.
func runSolutionCmd(t *testing.T, srv *connectorTestServer, args ...string) connectorRun {
	t.Helper()
	args = append([]string{"solution"}, args...)
	if srv != nil {
		args = append(args, "--environment", srv.URL, "--token", "x")
	}
	root := newRootCmd()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(pacFlags(args))
	r := connectorRun{}
	if r.Err = root.ExecuteContext(context.Background()); r.Err != nil {
		r.Code = exitCode(r.Err)
	}
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	return r
}

// mustSolutionCmd is runSolutionCmd that fails the test unless the command succeeds.
func mustSolutionCmd(t *testing.T, srv *connectorTestServer, args ...string) connectorRun {
	t.Helper()
	r := runSolutionCmd(t, srv, args...)
	if r.Err != nil {
		t.Fatalf("solution %v: exit %d: %v\n%s", args, r.Code, r.Err, r.Stderr)
	}
	return r
}

// wantSolutionFailure runs the command and checks its exit status and that its error says
// each of want.
func wantSolutionFailure(t *testing.T, srv *connectorTestServer, code int, want []string, args ...string) connectorRun {
	t.Helper()
	r := runSolutionCmd(t, srv, args...)
	if r.Code != code || r.Err == nil {
		t.Errorf("solution %v: exit %d, error %v; want exit %d", args, r.Code, r.Err, code)
		return r
	}
	for _, w := range want {
		if !strings.Contains(r.Err.Error(), w) {
			t.Errorf("solution %v: error %q does not say %q", args, r.Err, w)
		}
	}
	return r
}

// testClient is a client of srv.
func testClient(t *testing.T, srv *connectorTestServer) *client.Client {
	t.Helper()
	c, err := client.New(srv.URL, client.WithTokenSource(client.StaticToken("x")))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// createRow creates a record and returns its id, from OData-EntityId.
func createRow(t *testing.T, c *client.Client, set string, body any) string {
	t.Helper()
	resp, err := c.Do(context.Background(), http.MethodPost, set, body, nil, nil)
	if err != nil {
		t.Fatalf("POST %s: %v", set, err)
	}
	loc := resp.Header.Get("OData-EntityId")
	i := strings.LastIndexByte(loc, '(')
	if i < 0 || !strings.HasSuffix(loc, ")") {
		t.Fatalf("POST %s: OData-EntityId %q", set, loc)
	}
	return loc[i+1 : len(loc)-1]
}

const contosoConnectorID = "7d3c6a52-0f1e-4b8a-9c2d-5e6f7a8b9c0d"

// startContosoServer starts a server holding the publisher contoso, its unmanaged solution
// ContosoConnectors 1.0.0.0 and, in it, the connector contoso_myapi.
func startContosoServer(t *testing.T) *connectorTestServer {
	t.Helper()
	srv := startConnectorServer(t)
	c := testClient(t, srv)
	pub := createRow(t, c, "publishers", map[string]any{"uniquename": "contoso", "friendlyname": "Contoso",
		"customizationprefix": "contoso", "customizationoptionvalueprefix": 72700})
	createRow(t, c, "solutions", map[string]any{"uniquename": "ContosoConnectors", "friendlyname": "Contoso Connectors",
		"version": "1.0.0.0", "publisherid@odata.bind": "/publishers(" + pub + ")"})
	_, err := c.CreateConnector(context.Background(), &client.Connector{ConnectorID: contosoConnectorID, Name: "contoso_myapi",
		DisplayName: "My API", ConnectorType: 1, OpenAPIDefinition: `{"swagger":"2.0","info":{"title":"My API","version":"1.0"},"paths":{}}`},
		&client.CreateOptions{SolutionUniqueName: "ContosoConnectors"})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// readZipFile reads one file of the zip at path.
func readZipFile(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s is not a zip: %v", path, err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s has no %s: %v", path, name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// regexpLine reports whether a line of out matches the regular expression.
func regexpLine(out, re string) bool {
	return regexp.MustCompile("(?m)" + re).MatchString(out)
}

// listedSolutions runs solution list -o json.
func listedSolutions(t *testing.T, srv *connectorTestServer) map[string]client.Solution {
	t.Helper()
	r := mustSolutionCmd(t, srv, "list", "-o", "json")
	var sols []client.Solution
	if err := json.Unmarshal([]byte(r.Stdout), &sols); err != nil {
		t.Fatalf("solution list -o json: %v\n%s", err, r.Stdout)
	}
	m := map[string]client.Solution{}
	for _, s := range sols {
		m[s.UniqueName] = s
	}
	return m
}

// TestSolutionRemoteRoundTrip: export from one server (unmanaged, then managed and
// asynchronously), import into a fresh one, list it there as managed, refuse a second import
// with the server's message, delete (uninstall) it, import again asynchronously.
func TestSolutionRemoteRoundTrip(t *testing.T) {
	a := startContosoServer(t)
	dir := t.TempDir()
	unmanaged := filepath.Join(dir, "ContosoConnectors.zip")

	r := mustSolutionCmd(t, a, "export", "--name", "ContosoConnectors", "--path", unmanaged)
	if !strings.Contains(r.Stdout, "Exported ContosoConnectors (unmanaged) into "+unmanaged) || r.Stderr != "" {
		t.Errorf("export printed %q, stderr %q", r.Stdout, r.Stderr)
	}
	if x := readZipFile(t, unmanaged, "solution.xml"); !strings.Contains(x, "<UniqueName>ContosoConnectors</UniqueName>") || !strings.Contains(x, "<Managed>0</Managed>") {
		t.Errorf("solution.xml:\n%s", x)
	}
	if !strings.Contains(readZipFile(t, unmanaged, "customizations.xml"), "contoso_myapi") {
		t.Error("the export lacks the connector")
	}
	if st, err := os.Stat(unmanaged); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("the zip's mode: %v %v", st, err)
	}

	// An existing file is kept unless --overwrite (-ow).
	if err := os.WriteFile(unmanaged, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantSolutionFailure(t, a, 2, []string{unmanaged + " exists", "--overwrite"}, "export", "-n", "ContosoConnectors", "-p", unmanaged)
	if b, _ := os.ReadFile(unmanaged); string(b) != "keep me" {
		t.Errorf("the file was replaced without --overwrite: %q", b)
	}
	mustSolutionCmd(t, a, "export", "-n", "ContosoConnectors", "-p", unmanaged, "-ow")
	readZipFile(t, unmanaged, "solution.xml")

	// Managed, asynchronously, into a folder: <name>_managed.zip, -o json.
	r = mustSolutionCmd(t, a, "export", "-n", "ContosoConnectors", "-p", dir, "--managed", "--async", "-wt", "5", "-o", "json")
	var exported exportResult
	if err := json.Unmarshal([]byte(r.Stdout), &exported); err != nil {
		t.Fatalf("export -o json: %v\n%s", err, r.Stdout)
	}
	managed := filepath.Join(dir, "ContosoConnectors_managed.zip")
	if exported.Path != managed || !exported.IsManaged || exported.UniqueName != "ContosoConnectors" || exported.Bytes == 0 {
		t.Errorf("export -o json: %+v", exported)
	}
	if x := readZipFile(t, managed, "solution.xml"); !strings.Contains(x, "<Managed>1</Managed>") {
		t.Errorf("managed solution.xml:\n%s", x)
	}
	wantSolutionFailure(t, a, 1, []string{"exporting NoSuchSolution", "NoSuchSolution"}, "export", "-n", "NoSuchSolution", "-p", filepath.Join(dir, "none.zip"))
	if _, err := os.Stat(filepath.Join(dir, "none.zip")); err == nil {
		t.Error("a failed export wrote a file")
	}

	// Into a fresh server, managed.
	b := startConnectorServer(t)
	r = mustSolutionCmd(t, b, "import", "--path", managed, "-o", "json")
	var imported importResult
	if err := json.Unmarshal([]byte(r.Stdout), &imported); err != nil {
		t.Fatalf("import -o json: %v\n%s", err, r.Stdout)
	}
	if imported.UniqueName != "ContosoConnectors" || imported.Version != "1.0.0.0" || len(imported.ImportJobID) != 36 || imported.Path != managed {
		t.Errorf("import -o json: %+v", imported)
	}
	var job struct {
		SolutionName string `json:"solutionname"`
	}
	if _, err := testClient(t, b).Do(context.Background(), http.MethodGet, "importjobs("+imported.ImportJobID+")", nil, &job, nil); err != nil || job.SolutionName != "ContosoConnectors" {
		t.Errorf("the import job: %+v %v", job, err)
	}
	if s, ok := listedSolutions(t, b)["ContosoConnectors"]; !ok || !s.IsManaged || s.Version != "1.0.0.0" || s.FriendlyName != "Contoso Connectors" {
		t.Errorf("solution list -o json: ContosoConnectors is %+v (listed %v)", s, ok)
	}
	r = mustSolutionCmd(t, b, "list")
	if !strings.HasPrefix(r.Stdout, "UNIQUENAME") || !regexpLine(r.Stdout, `^ContosoConnectors\s+1\.0\.0\.0\s+true\s+Contoso Connectors$`) {
		t.Errorf("solution list:\n%s", r.Stdout)
	}

	// The same managed version again: the server's refusal, exit 1, sync and async.
	sync := wantSolutionFailure(t, b, 1, []string{"importing ContosoConnectors 1.0.0.0 (managed)", "dataverse: 400", "importjobs("}, "import", "-p", managed)
	async := wantSolutionFailure(t, b, 1, []string{"asynchronous operation", "failed", "importjobs("}, "import", "-p", managed, "--async")
	if sync.Err != nil && async.Err != nil {
		var ce *client.Error
		if !errors.As(sync.Err, &ce) || ce.Message == "" || !strings.Contains(async.Err.Error(), ce.Message) {
			t.Errorf("the async failure %q does not carry the server's message %v", async.Err, sync.Err)
		}
	}

	// Delete uninstalls the managed solution and its connector.
	r = mustSolutionCmd(t, b, "delete", "-sn", "ContosoConnectors")
	if !strings.Contains(r.Stdout, "Uninstalled managed solution ContosoConnectors") {
		t.Errorf("delete printed %q", r.Stdout)
	}
	if _, ok := listedSolutions(t, b)["ContosoConnectors"]; ok {
		t.Error("the deleted solution is still listed")
	}
	if _, err := testClient(t, b).GetConnector(context.Background(), contosoConnectorID, nil); err == nil {
		t.Error("the managed solution's connector outlived its uninstall")
	}
	wantSolutionFailure(t, b, 1, []string{`no solution named "ContosoConnectors"`}, "delete", "--solution-name", "ContosoConnectors")

	// Unmanaged, asynchronously, publishing; then delete keeps the connector.
	r = mustSolutionCmd(t, b, "import", "-p", unmanaged, "--async", "-wt=5", "-pc", "-f")
	if !strings.Contains(r.Stdout, "Imported ContosoConnectors 1.0.0.0 (unmanaged) from "+unmanaged) {
		t.Errorf("import printed %q", r.Stdout)
	}
	r = mustSolutionCmd(t, b, "delete", "-sn", "ContosoConnectors", "-o", "json")
	var deleted client.Solution
	if err := json.Unmarshal([]byte(r.Stdout), &deleted); err != nil || deleted.UniqueName != "ContosoConnectors" || deleted.IsManaged {
		t.Errorf("delete -o json: %+v %v\n%s", deleted, err, r.Stdout)
	}
	if _, err := testClient(t, b).GetConnector(context.Background(), contosoConnectorID, nil); err != nil {
		t.Errorf("deleting an unmanaged solution deleted its connector: %v", err)
	}
}

// TestSolutionRemoteUsage: bad flags are usage errors (2); files that cannot be read are
// failures (1), before anything is sent.
func TestSolutionRemoteUsage(t *testing.T) {
	dir := t.TempDir()
	notZip := filepath.Join(dir, "x.zip")
	if err := os.WriteFile(notZip, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSettings := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(badSettings, []byte(`{"EnvironmentVariables":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startContosoServer(t)
	mustSolutionCmd(t, srv, "export", "-n", "ContosoConnectors", "-p", filepath.Join(dir, "c.zip"))
	for _, tt := range []struct {
		code int
		want []string
		args []string
	}{
		{2, []string{"--max-async-wait-time", "positive"}, []string{"export", "-n", "ContosoConnectors", "-a", "-wt", "0"}},
		{2, []string{"--max-async-wait-time"}, []string{"import", "-p", notZip, "--max-async-wait-time=-1"}},
		{2, []string{`required flag(s) "name"`}, []string{"export"}},
		{2, []string{`required flag(s) "path"`}, []string{"import"}},
		{2, []string{`required flag(s) "solution-name"`}, []string{"delete"}},
		{1, []string{"--path", "no such file"}, []string{"import", "-p", filepath.Join(dir, "missing.zip")}},
		{1, []string{"not a solution zip"}, []string{"import", "-p", notZip}},
		{1, []string{"--settings-file", "not a deployment settings file"}, []string{"import", "-p", filepath.Join(dir, "c.zip"), "--settings-file", badSettings}},
	} {
		r := runSolutionCmd(t, srv, tt.args...)
		if r.Err == nil || r.Code != tt.code {
			t.Errorf("%v: exit %d, error %v; want exit %d", tt.args, r.Code, r.Err, tt.code)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(r.Err.Error(), w) {
				t.Errorf("%v: error %q does not say %q", tt.args, r.Err, w)
			}
		}
	}
}

// TestSolutionRemoteSettings: a deployment settings file sets the environment variable values
// and connection references of the imported solution.
func TestSolutionRemoteSettings(t *testing.T) {
	srv := startConnectorServer(t)
	settings := filepath.Join(t.TempDir(), "settings.json")
	// As pac create-settings writes it, with a byte-order mark, one variable left empty.
	err := os.WriteFile(settings, []byte("\xef\xbb\xbf"+`{
  "EnvironmentVariables": [
    {"SchemaName": "cr736_ContosoHost", "Value": "api.contoso.test"},
    {"SchemaName": "cr736_ContosoClientSecret", "Value": ""}
  ],
  "ConnectionReferences": [
    {"LogicalName": "cr736_sharedcr7365fcontosoorders_3c5d7", "ConnectionId": "conn-42",
     "ConnectorId": "/providers/Microsoft.PowerApps/apis/shared_cr736-5fcontosoorders-5f0a1b2c3d4e5f6a7b"}
  ]
}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	mustSolutionCmd(t, srv, "import", "-p", MustSolutionZip(t), "--settings-file", settings)
	c := testClient(t, srv)
	var values struct {
		Value []struct {
			SchemaName string `json:"schemaname"`
			Value      string `json:"value"`
		} `json:"value"`
	}
	if _, err := c.Do(context.Background(), http.MethodGet, "environmentvariablevalues?$select=schemaname,value", nil, &values, nil); err != nil {
		t.Fatal(err)
	}
	var refs struct {
		Value []struct {
			ConnectionID string `json:"connectionid"`
		} `json:"value"`
	}
	if _, err := c.Do(context.Background(), http.MethodGet, "connectionreferences?$select=connectionid", nil, &refs, nil); err != nil {
		t.Fatal(err)
	}
	if len(values.Value) != 1 || values.Value[0].Value != "api.contoso.test" || len(refs.Value) != 1 || refs.Value[0].ConnectionID != "conn-42" {
		t.Errorf("after an import with settings: values %+v, connection references %+v", values.Value, refs.Value)
	}
}

// TestSolutionRemoteProgress: on a terminal, export and import show a spinner on standard
// error and clear it; elsewhere they print nothing there.
func TestSolutionRemoteProgress(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminalOutput = f }(isTerminalOutput)
	srv := startContosoServer(t)
	zipPath := filepath.Join(t.TempDir(), "c.zip")

	isTerminalOutput = func(io.Writer) bool { return false }
	r := mustSolutionCmd(t, srv, "export", "-n", "ContosoConnectors", "-p", zipPath, "--async")
	if r.Stderr != "" {
		t.Errorf("off a terminal, stderr: %q", r.Stderr)
	}

	isTerminalOutput = func(io.Writer) bool { return true }
	r = mustSolutionCmd(t, srv, "export", "-n", "ContosoConnectors", "-p", zipPath, "-a", "-ow")
	if !strings.Contains(r.Stderr, "Exporting ContosoConnectors…") || !strings.HasSuffix(r.Stderr, "\r\x1b[K") {
		t.Errorf("on a terminal, export's stderr: %q", r.Stderr)
	}
	if strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("the spinner reached stdout: %q", r.Stdout)
	}
	r = mustSolutionCmd(t, srv, "import", "-p", zipPath, "--async", "-f")
	if !strings.Contains(r.Stderr, "Importing ContosoConnectors 1.0.0.0 (unmanaged)…") || !strings.HasSuffix(r.Stderr, "\r\x1b[K") {
		t.Errorf("on a terminal, import's stderr: %q", r.Stderr)
	}
}

// TestProgressStatus: a frame shows the elapsed time and the operation's status once known.
func TestProgressStatus(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminalOutput = f }(isTerminalOutput)
	isTerminalOutput = func(io.Writer) bool { return true }
	var b bytes.Buffer
	p := startProgress(&b, "Importing X")
	p.setStatus(client.AsyncInProgress)
	p.stop()
	p.render(1)
	if got := b.String(); !strings.HasPrefix(got, "\r\x1b[K- Importing X… 0s\r\x1b[K") || !strings.HasSuffix(got, `\ Importing X… 0s (InProgress)`) {
		t.Errorf("frames: %q", got)
	}
	var none *progress // off a terminal: every method is a no-op
	none.setStatus(1)
	none.stop()
}

// TestAsyncWaitExplain: a wait that ran out says which flag bounds it.
func TestAsyncWaitExplain(t *testing.T) {
	w := asyncWait{minutes: 7}
	ctx, cancel := w.context(context.Background(), true)
	defer cancel()
	if _, ok := ctx.Deadline(); !ok {
		t.Error("--async has no deadline")
	}
	if ctx, _ := w.context(context.Background(), false); ctx != context.Background() {
		t.Error("without --async, the context changed")
	}
	err := w.explain("export", fmt.Errorf("client: asynchronous operation x did not finish: %w", context.DeadlineExceeded))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "within 7 minutes (--max-async-wait-time)") {
		t.Errorf("got %v", err)
	}
	if other := errors.New("x"); w.explain("export", other) != other {
		t.Error("another error was rewritten")
	}
}

func TestPacSolutionFlags(t *testing.T) {
	got := pacFlags([]string{"solution", "export", "-n", "X", "-wt", "5", "-ow", "-env", "u"})
	want := []string{"solution", "export", "-n", "X", "--max-async-wait-time", "5", "--overwrite", "--environment", "u"}
	if !slices.Equal(got, want) {
		t.Errorf("export: got %q, want %q", got, want)
	}
	got = pacFlags([]string{"solution", "import", "-cm", "-pc", "-ap", "-wt=3"})
	want = []string{"solution", "import", "--convert-to-managed", "--publish-changes", "--activate-plugins", "--max-async-wait-time=3"}
	if !slices.Equal(got, want) {
		t.Errorf("import: got %q, want %q", got, want)
	}
	if got := pacFlags([]string{"solution", "delete", "-sn", "X"}); got[2] != "--solution-name" {
		t.Errorf("delete: got %q", got)
	}
	// Other commands keep pflag's reading of the same letters.
	if got := pacFlags([]string{"users", "list", "-pc"}); got[2] != "-pc" {
		t.Errorf("outside solution: got %q", got)
	}
}
