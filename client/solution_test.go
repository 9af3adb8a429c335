package client_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
)

// mustCreateRow creates a record through Do and returns its id, read from OData-EntityId.
func mustCreateRow(tb testing.TB, c *client.Client, set string, body any) string {
	tb.Helper()
	resp, err := c.Do(context.Background(), http.MethodPost, set, body, nil, nil)
	if err != nil {
		tb.Fatalf("POST %s: %v", set, err)
	}
	loc := resp.Header.Get("OData-EntityId")
	i := strings.LastIndexByte(loc, '(')
	if i < 0 || !strings.HasSuffix(loc, ")") {
		tb.Fatalf("POST %s: OData-EntityId %q", set, loc)
	}
	return loc[i+1 : len(loc)-1]
}

// mustContosoSolution creates the publisher contoso and its unmanaged solution
// ContosoConnectors, holding one connector, contoso_myapi; it returns the solution's id.
func mustContosoSolution(tb testing.TB, c *client.Client) string {
	tb.Helper()
	pub := mustCreateRow(tb, c, "publishers", map[string]any{"uniquename": "contoso", "friendlyname": "Contoso",
		"customizationprefix": "contoso", "customizationoptionvalueprefix": 72700})
	sol := mustCreateRow(tb, c, "solutions", map[string]any{"uniquename": "ContosoConnectors", "friendlyname": "Contoso Connectors",
		"version": "1.0.0.0", "publisherid@odata.bind": "/publishers(" + pub + ")"})
	conn := newConnector(1)
	conn.Name, conn.DisplayName = "contoso_myapi", "My API"
	if _, err := c.CreateConnector(context.Background(), conn, &client.CreateOptions{SolutionUniqueName: "ContosoConnectors"}); err != nil {
		tb.Fatal(err)
	}
	return sol
}

// zipFile reads one file of a zip.
func zipFile(tb testing.TB, data []byte, name string) string {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("not a zip: %v", err)
	}
	f, err := zr.Open(name)
	if err != nil {
		tb.Fatalf("the zip has no %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// checkNotFound checks that err is the client's not-found error.
func checkNotFound(tb testing.TB, err error) {
	tb.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusNotFound || connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
		tb.Errorf("got %v, want a *client.Error 404 %s", err, connectorhub.ECodeNotFound)
	}
}

// TestSolutionExportImportDelete: a solution exported from one server, managed, is imported
// into a fresh one, listed there as managed, refused a second time, and uninstalled.
func TestSolutionExportImportDelete(t *testing.T) {
	ctx := context.Background()
	a := MustNew(t, MustOpenServer(t).URL)
	solID := mustContosoSolution(t, a)

	sols, err := a.ListSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sols {
		names = append(names, s.UniqueName)
	}
	if !slices.Contains(names, "ContosoConnectors") {
		t.Fatalf("ListSolutions: %q lacks ContosoConnectors", names)
	}
	got, err := a.FindSolution(ctx, "ContosoConnectors")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != solID || got.FriendlyName != "Contoso Connectors" || got.Version != "1.0.0.0" || got.IsManaged || got.PublisherID == "" {
		t.Errorf("FindSolution: got %+v", got)
	}
	_, err = a.FindSolution(ctx, "NoSuchSolution")
	checkNotFound(t, err)

	unmanaged, err := a.ExportSolution(ctx, "ContosoConnectors", false)
	if err != nil {
		t.Fatal(err)
	}
	if x := zipFile(t, unmanaged, "solution.xml"); !strings.Contains(x, "<UniqueName>ContosoConnectors</UniqueName>") || !strings.Contains(x, "<Managed>0</Managed>") {
		t.Errorf("unmanaged export's solution.xml:\n%s", x)
	}
	var statuses []int
	managed, err := a.ExportSolutionAsync(ctx, "ContosoConnectors", true, func(s int) { statuses = append(statuses, s) })
	if err != nil {
		t.Fatal(err)
	}
	if x := zipFile(t, managed, "solution.xml"); !strings.Contains(x, "<Managed>1</Managed>") {
		t.Errorf("managed export's solution.xml:\n%s", x)
	}
	if !strings.Contains(zipFile(t, managed, "customizations.xml"), "contoso_myapi") {
		t.Error("the managed export lacks the connector")
	}
	if !slices.Equal(statuses, []int{client.AsyncSucceeded}) {
		t.Errorf("progress: got %v, want [30]", statuses)
	}
	_, err = a.ExportSolution(ctx, "NoSuchSolution", false)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status/100 != 4 {
		t.Errorf("export of an unknown solution: got %v", err)
	}

	b := MustNew(t, MustOpenServer(t).URL)
	jobID, err := b.ImportSolution(ctx, managed, client.ImportSolutionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		ID           string `json:"importjobid"`
		SolutionName string `json:"solutionname"`
		Data         string `json:"data"`
	}
	if _, err := b.Do(ctx, http.MethodGet, "importjobs("+jobID+")", nil, &job, nil); err != nil {
		t.Fatalf("importjobs(%s): %v", jobID, err)
	}
	if job.SolutionName != "ContosoConnectors" || !strings.Contains(job.Data, `result="success"`) {
		t.Errorf("import job: %+v", job)
	}
	imported, err := b.FindSolution(ctx, "ContosoConnectors")
	if err != nil {
		t.Fatal(err)
	}
	if !imported.IsManaged || imported.Version != "1.0.0.0" {
		t.Errorf("imported: got %+v, want managed 1.0.0.0", imported)
	}
	if conn := MustGet(t, b, testID(1)); conn.Name != "contoso_myapi" || !conn.IsManaged {
		t.Errorf("imported connector: %+v", conn)
	}

	// The same managed version again is refused: synchronously with the server's error,
	// asynchronously with the failed operation's message.
	_, err = b.ImportSolution(ctx, managed, client.ImportSolutionOptions{})
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest || ce.Message == "" {
		t.Fatalf("second import: got %v, want a 400 *client.Error", err)
	}
	statuses = nil
	_, err = b.ImportSolution(ctx, managed, client.ImportSolutionOptions{Async: true, Progress: func(s int) { statuses = append(statuses, s) }})
	var ae *client.AsyncOperationError
	if !errors.As(err, &ae) || ae.StatusCode != client.AsyncFailed || ae.Message != ce.Message {
		t.Errorf("second import, async: got %v, want an *AsyncOperationError with %q", err, ce.Message)
	}
	if !slices.Equal(statuses, []int{client.AsyncFailed}) {
		t.Errorf("progress: got %v, want [31]", statuses)
	}

	if err := b.DeleteSolution(ctx, "ContosoConnectors"); err != nil {
		t.Fatal(err)
	}
	_, err = b.FindSolution(ctx, "ContosoConnectors")
	checkNotFound(t, err)
	_, err = b.GetConnector(ctx, testID(1), nil)
	checkNotFound(t, err)
	checkNotFound(t, b.DeleteSolution(ctx, "ContosoConnectors"))

	// An unmanaged import, asynchronously, into the emptied server.
	jobID, err = b.ImportSolution(ctx, unmanaged, client.ImportSolutionOptions{Async: true, ImportJobID: "11111111-2222-4333-8444-555555555555"})
	if err != nil || jobID != "11111111-2222-4333-8444-555555555555" {
		t.Fatalf("async import: %q %v", jobID, err)
	}
	if s, err := b.FindSolution(ctx, "ContosoConnectors"); err != nil || s.IsManaged {
		t.Errorf("after an unmanaged import: %+v %v", s, err)
	}
}

// fixtureZip zips solutionzip's fixture: a solution with a connection reference and two
// environment variables.
func fixtureZip(tb testing.TB) []byte {
	tb.Helper()
	const dir = "../solutionzip/testdata/solution"
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// TestSolutionImportSettings: deployment settings reach the server as ComponentParameters;
// empty template entries are left out, and a name the zip lacks is the server's error.
func TestSolutionImportSettings(t *testing.T) {
	ctx := context.Background()
	c := MustNew(t, MustOpenServer(t).URL)
	settings := &client.DeploymentSettings{
		EnvironmentVariables: []client.EnvironmentVariableSetting{{SchemaName: "cr736_ContosoHost", Value: "api.contoso.test"}, {SchemaName: "cr736_ContosoClientSecret"}},
		ConnectionReferences: []client.ConnectionReferenceSetting{{LogicalName: "cr736_sharedcr7365fcontosoorders_3c5d7", ConnectionID: "conn-42",
			ConnectorID: "/providers/Microsoft.PowerApps/apis/shared_cr736-5fcontosoorders-5f0a1b2c3d4e5f6a7b"}},
	}
	if _, err := c.ImportSolution(ctx, fixtureZip(t), client.ImportSolutionOptions{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	var values struct {
		Value []struct {
			SchemaName string `json:"schemaname"`
			Value      string `json:"value"`
		} `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "environmentvariablevalues?$select=schemaname,value", nil, &values, nil); err != nil {
		t.Fatal(err)
	}
	if len(values.Value) != 1 || values.Value[0].SchemaName != "cr736_ContosoHost" || values.Value[0].Value != "api.contoso.test" {
		t.Errorf("environment variable values: %+v", values.Value)
	}
	var refs struct {
		Value []struct {
			LogicalName  string `json:"connectionreferencelogicalname"`
			ConnectionID string `json:"connectionid"`
		} `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "connectionreferences?$select=connectionreferencelogicalname,connectionid", nil, &refs, nil); err != nil {
		t.Fatal(err)
	}
	if len(refs.Value) != 1 || refs.Value[0].ConnectionID != "conn-42" {
		t.Errorf("connection references: %+v", refs.Value)
	}

	bad := &client.DeploymentSettings{EnvironmentVariables: []client.EnvironmentVariableSetting{{SchemaName: "cr736_Missing", Value: "x"}}}
	_, err := c.ImportSolution(ctx, fixtureZip(t), client.ImportSolutionOptions{Settings: bad, OverwriteUnmanagedCustomizations: true})
	if err == nil || !strings.Contains(err.Error(), "cr736_Missing") {
		t.Errorf("a setting the zip lacks: got %v", err)
	}
	_, err = c.ImportSolution(ctx, nil, client.ImportSolutionOptions{Settings: &client.DeploymentSettings{ConnectionReferences: []client.ConnectionReferenceSetting{{ConnectionID: "x"}}}})
	if err == nil || !strings.Contains(err.Error(), "LogicalName") {
		t.Errorf("a setting without a name: got %v", err)
	}
}

// fakeAsync is a Web API that answers the solution actions and an asynchronous operation
// that goes through statuses, one per poll; it records the bodies it was sent.
type fakeAsync struct {
	mu       sync.Mutex
	statuses []int  // the statuscode of each poll; the last repeats
	message  string // the operation's message
	file     string // the ExportSolutionFile, as JSON text
	bodies   map[string][]byte
	polls    int
}

func (f *fakeAsync) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	action := strings.TrimPrefix(r.URL.Path, "/api/data/v9.2/")
	if f.bodies == nil {
		f.bodies = map[string][]byte{}
	}
	f.bodies[action] = body
	const opID = "aaaaaaaa-0000-4000-8000-000000000001"
	w.Header().Set("Content-Type", "application/json")
	switch {
	case action == "ExportSolutionAsync":
		io.WriteString(w, `{"AsyncOperationId":"`+opID+`","ExportJobId":"bbbbbbbb-0000-4000-8000-000000000002"}`)
	case action == "ImportSolutionAsync":
		io.WriteString(w, `{"AsyncOperationId":"`+opID+`","ImportJobKey":"k"}`)
	case action == "ExportSolution" || action == "DownloadSolutionExportData":
		io.WriteString(w, `{"@odata.context":"x","ExportSolutionFile":`+f.file+`}`)
	case action == "ImportSolution":
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(action, "asyncoperations("+opID+")"):
		s := f.statuses[min(f.polls, len(f.statuses)-1)]
		f.polls++
		state := 2
		if s >= 30 {
			state = 3
		}
		json.NewEncoder(w).Encode(map[string]any{"statecode": state, "statuscode": s, "message": f.message})
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"0x8006088a","message":"no"}}`)
	}
}

// TestSolutionAsyncPolling: the operation is polled at once, then at doubling intervals up to
// 10 seconds, with each status reported; failure carries the message; the context's deadline
// ends the wait with an error that wraps it.
func TestSolutionAsyncPolling(t *testing.T) {
	ctx := context.Background()
	f := &fakeAsync{statuses: []int{0, 10, 20, 20, 20, 20, 20, 30}, file: `"` + base64.StdEncoding.EncodeToString([]byte("PK zip")) + `"`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var waits []time.Duration
	c := MustNew(t, srv.URL, client.WithSleep(func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}))
	var statuses []int
	data, err := c.ExportSolutionAsync(ctx, "X", true, func(s int) { statuses = append(statuses, s) })
	if err != nil || string(data) != "PK zip" {
		t.Fatalf("got %q %v", data, err)
	}
	if !slices.Equal(statuses, f.statuses) {
		t.Errorf("progress: got %v, want %v", statuses, f.statuses)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits: got %v, want %v", waits, want)
	}
	if got := string(f.bodies["ExportSolutionAsync"]); got != `{"SolutionName":"X","Managed":true}` {
		t.Errorf("ExportSolutionAsync body: %s", got)
	}
	if got := string(f.bodies["DownloadSolutionExportData"]); got != `{"ExportJobId":"bbbbbbbb-0000-4000-8000-000000000002"}` {
		t.Errorf("DownloadSolutionExportData body: %s", got)
	}

	// A failed import carries the operation's message.
	f.statuses, f.message, f.polls = []int{20, 31}, "The import solution must have a higher version", 0
	_, err = c.ImportSolution(ctx, []byte("zip"), client.ImportSolutionOptions{Async: true})
	var ae *client.AsyncOperationError
	if !errors.As(err, &ae) || ae.StatusCode != 31 || !strings.Contains(err.Error(), "higher version") {
		t.Errorf("failed operation: got %v", err)
	}

	// The deadline ends the wait.
	f.statuses, f.polls = []int{20}, 0
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	slow := MustNew(t, srv.URL)
	_, err = slow.ExportSolutionAsync(dctx, "X", false, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "InProgress") {
		t.Errorf("deadline: got %v", err)
	}
}

// TestSolutionWireFormat: the import body carries the file in base64 with every parameter
// and the settings as ComponentParameters; an escaped base64 answer decodes.
func TestSolutionWireFormat(t *testing.T) {
	ctx := context.Background()
	zipData := []byte("PK\x03\x04 a solution file \xff\xfe>>?")
	// "\u002B" and "\/" are how some JSON writers escape base64's + and /.
	enc := base64.StdEncoding.EncodeToString(zipData)
	escaped := strings.NewReplacer("+", `\u002B`, "/", `\/`).Replace(enc)
	f := &fakeAsync{file: `"` + escaped + `"`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := MustNew(t, srv.URL)
	got, err := c.ExportSolution(ctx, "X", false)
	if err != nil || !bytes.Equal(got, zipData) {
		t.Errorf("escaped base64: got %q %v", got, err)
	}
	f.file = `"not base64!"`
	if _, err := c.ExportSolution(ctx, "X", false); err == nil {
		t.Error("a file that is not base64 was accepted")
	}

	settings := &client.DeploymentSettings{
		EnvironmentVariables: []client.EnvironmentVariableSetting{{SchemaName: "pa_EV1", Value: "v"}, {SchemaName: "pa_Empty"}},
		ConnectionReferences: []client.ConnectionReferenceSetting{{LogicalName: "pa_ref", ConnectionID: "c1", ConnectorID: "/providers/Microsoft.PowerApps/apis/shared_x"},
			{LogicalName: "pa_unset"}},
	}
	jobID, err := c.ImportSolution(ctx, zipData, client.ImportSolutionOptions{OverwriteUnmanagedCustomizations: true, PublishWorkflows: true, ConvertToManaged: true, Settings: settings})
	if err != nil || len(jobID) != 36 {
		t.Fatalf("import: %q %v", jobID, err)
	}
	var body map[string]any
	if err := json.Unmarshal(f.bodies["ImportSolution"], &body); err != nil {
		t.Fatalf("the body is not JSON: %v\n%s", err, f.bodies["ImportSolution"])
	}
	want := map[string]any{
		"CustomizationFile": enc, "OverwriteUnmanagedCustomizations": true, "PublishWorkflows": true, "ImportJobId": jobID, "ConvertToManaged": true,
		"ComponentParameters": []any{
			map[string]any{"@odata.type": "Microsoft.Dynamics.CRM.environmentvariablevalue", "schemaname": "pa_EV1", "value": "v"},
			map[string]any{"@odata.type": "Microsoft.Dynamics.CRM.connectionreference", "connectionreferencelogicalname": "pa_ref",
				"connectionid": "c1", "connectorid": "/providers/Microsoft.PowerApps/apis/shared_x"},
		},
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(body)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("ImportSolution body:\ngot  %s\nwant %s", gotJSON, wantJSON)
	}
	if _, err := c.ImportSolution(ctx, zipData, client.ImportSolutionOptions{ImportJobID: "job"}); err == nil {
		t.Error("an import job id that is not a GUID was sent")
	}
	// Without settings, no ComponentParameters; an empty zip is still a valid body.
	if _, err := c.ImportSolution(ctx, nil, client.ImportSolutionOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := string(f.bodies["ImportSolution"]); !strings.HasPrefix(got, `{"CustomizationFile":"","OverwriteUnmanagedCustomizations":false,`) || strings.Contains(got, "ComponentParameters") {
		t.Errorf("empty import body: %s", got)
	}
}
