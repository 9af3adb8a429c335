package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/internal/testserver"
)

// realServer is the real program in process: the Web API on the engine under test, every request
// authenticated as the bootstrap System Administrator.
type realServer struct {
	URL       string
	DB        *sqlstore.DB
	Principal *connectorhub.Principal
	close     func()
}

// openServer starts a real server on a database in dir; close stops it.
func openServer(dir string) (*realServer, error) {
	ts, err := testserver.Start(dir)
	if err != nil {
		return nil, err
	}
	return &realServer{URL: ts.URL(), DB: ts.DB, Principal: ts.Principal, close: ts.Close}, nil
}

// MustOpenServer starts a real server for the test and stops it when the test ends.
func MustOpenServer(tb testing.TB) *realServer {
	tb.Helper()
	s, err := openServer(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.close)
	return s
}

// MustNew returns a client of url with a token, as a real caller has one.
func MustNew(tb testing.TB, url string, opts ...client.Option) *client.Client {
	tb.Helper()
	c, err := client.New(url, append([]client.Option{client.WithTokenSource(client.StaticToken("tok"))}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// testID is the n-th test connector's id.
func testID(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }

const testDefinition = `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`

// newConnector is the n-th test connector, with the columns a create needs.
func newConnector(n int) *client.Connector {
	return &client.Connector{
		ConnectorID:       testID(n),
		Name:              fmt.Sprintf("cr736_c%d", n),
		DisplayName:       fmt.Sprintf("Connector %d", n),
		OpenAPIDefinition: testDefinition,
		ConnectorType:     1,
	}
}

// MustCreate creates conn through the client.
func MustCreate(tb testing.TB, c *client.Client, conn *client.Connector) string {
	tb.Helper()
	id, err := c.CreateConnector(context.Background(), conn, nil)
	if err != nil {
		tb.Fatalf("create %s: %v", conn.Name, err)
	}
	return id
}

// MustSeed stores connectors from..to directly in the database, which is quicker than the API.
func (s *realServer) MustSeed(tb testing.TB, from, to int) {
	tb.Helper()
	ctx := connectorhub.NewContextWithPrincipal(context.Background(), s.Principal)
	for i := from; i <= to; i++ {
		id, name, display, def, typ := testID(i), fmt.Sprintf("cr736_c%d", i), fmt.Sprintf("Connector %d", i), testDefinition, 1
		c, err := connectorhub.NewConnector("", &connectorhub.ConnectorUpdate{ID: &id, Name: &name, DisplayName: &display, OpenAPIDefinition: &def, ConnectorType: &typ})
		if err != nil {
			tb.Fatal(err)
		}
		if err := s.DB.CreateConnector(ctx, c); err != nil {
			tb.Fatalf("seed %d: %v", i, err)
		}
	}
}

// MustGet reads a connector through the client.
func MustGet(tb testing.TB, c *client.Client, id string) *client.Connector {
	tb.Helper()
	conn, err := c.GetConnector(context.Background(), id, nil)
	if err != nil {
		tb.Fatalf("get %s: %v", id, err)
	}
	return conn
}

// checkError checks that err is a *client.Error with that status and Dataverse code, and
// that it unwraps to the domain's *connectorhub.Error.
func checkError(tb testing.TB, err error, status int, code string) {
	tb.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		tb.Fatalf("got %v (%T), want a *client.Error", err, err)
	}
	if ce.Status != status || ce.Code != code {
		tb.Errorf("got status %d code %q (%v), want %d %q", ce.Status, ce.Code, err, status, code)
	}
	if ce.RequestID == "" {
		tb.Errorf("the error has no request id: %v", err)
	}
	var de *connectorhub.Error
	if !errors.As(err, &de) || de.Code != code {
		tb.Errorf("errors.As to *connectorhub.Error: got %v", de)
	}
	if got := connectorhub.ErrorCode(err); got != code {
		tb.Errorf("connectorhub.ErrorCode: got %q, want %q", got, code)
	}
}

func TestServerCreateGetUpdateDelete(t *testing.T) {
	s := MustOpenServer(t)
	c := MustNew(t, s.URL)
	ctx := context.Background()

	conn := newConnector(1)
	conn.Description = "first"
	conn.Capabilities = "118690000,118690005"
	id := MustCreate(t, c, conn)
	if id != testID(1) {
		t.Fatalf("create: got id %q, want %q", id, testID(1))
	}
	got := MustGet(t, c, id)
	if got.Name != conn.Name || got.DisplayName != conn.DisplayName || got.Description != "first" ||
		got.ConnectorType != 1 || got.OpenAPIDefinition != testDefinition || got.Capabilities != conn.Capabilities ||
		got.StatusCode != 1 || got.StateCode != 0 || got.OwnerID == "" || got.CreatedOn.IsZero() || got.VersionNumber == 0 ||
		got.ConnectorInternalID == "" {
		t.Errorf("get: got %+v", got)
	}
	if want := fmt.Sprintf(`W/"%d"`, got.VersionNumber); got.ETag != want {
		t.Errorf("ETag: got %q, want %q", got.ETag, want)
	}

	// A duplicate name is refused.
	dup := newConnector(2)
	dup.Name = conn.Name
	_, err := c.CreateConnector(ctx, dup, nil)
	checkError(t, err, http.StatusPreconditionFailed, connectorhub.ECodeDuplicateKey)

	// An update with the current ETag passes and changes the ETag.
	res, err := c.UpdateConnector(ctx, id, &client.ConnectorUpdate{Description: client.Ptr("second")}, &client.UpdateOptions{IfMatch: got.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != id || res.ETag == "" || res.ETag == got.ETag || res.Created {
		t.Errorf("update: got %+v (old ETag %s)", res, got.ETag)
	}
	if after := MustGet(t, c, id); after.Description != "second" || after.ETag != res.ETag {
		t.Errorf("after update: description %q ETag %q, want second %q", after.Description, after.ETag, res.ETag)
	}

	// The old ETag is now stale: 412.
	_, err = c.UpdateConnector(ctx, id, &client.ConnectorUpdate{Description: client.Ptr("third")}, &client.UpdateOptions{IfMatch: got.ETag})
	checkError(t, err, http.StatusPreconditionFailed, connectorhub.ECodeVersionMismatch)
	err = c.DeleteConnector(ctx, id, &client.DeleteOptions{IfMatch: got.ETag})
	checkError(t, err, http.StatusPreconditionFailed, connectorhub.ECodeVersionMismatch)

	// Without an ETag, an update requires the record only (If-Match: *), and never creates.
	if _, err := c.UpdateConnector(ctx, id, &client.ConnectorUpdate{Description: client.Ptr("")}, nil); err != nil {
		t.Fatal(err)
	}
	if after := MustGet(t, c, id); after.Description != "" {
		t.Errorf("a description set to \"\" is %q", after.Description)
	}
	_, err = c.UpdateConnector(ctx, testID(99), &client.ConnectorUpdate{Description: client.Ptr("x")}, nil)
	checkError(t, err, http.StatusNotFound, connectorhub.ECodeNotFound)

	if err := c.DeleteConnector(ctx, id, &client.DeleteOptions{IfMatch: res.ETag}); err == nil {
		t.Error("a delete with an ETag from before the last update passed")
	}
	if err := c.DeleteConnector(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetConnector(ctx, id, nil)
	checkError(t, err, http.StatusNotFound, connectorhub.ECodeNotFound)
	err = c.DeleteConnector(ctx, id, nil)
	checkError(t, err, http.StatusNotFound, connectorhub.ECodeNotFound)
}

func TestServerGetOptions(t *testing.T) {
	s := MustOpenServer(t)
	c := MustNew(t, s.URL)
	id := MustCreate(t, c, newConnector(1))
	got, err := c.GetConnector(context.Background(), id, &client.GetOptions{
		Select: []string{"name", "connectortype"}, Expand: "ownerid($select=fullname)", IncludeAnnotations: "*",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ConnectorID != id || got.Name != "cr736_c1" || got.DisplayName != "" || got.OpenAPIDefinition != "" || got.ETag == "" {
		t.Errorf("$select: got %+v", got)
	}
	if got.FormattedValue("connectortype") != "CustomConnector" {
		t.Errorf("formatted connectortype: got %q; extra %v", got.FormattedValue("connectortype"), got.Extra)
	}
	if _, ok := got.Extra["ownerid"]; !ok {
		t.Errorf("the expanded owner is not in Extra: %v", got.Extra)
	}
}

func TestServerUpsert(t *testing.T) {
	s := MustOpenServer(t)
	c := MustNew(t, s.URL)
	ctx := context.Background()
	conn := newConnector(7)
	conn.ConnectorID = "" // the key is the URL's
	for _, tt := range []struct {
		name        string
		description string
		created     bool
	}{
		{"Creates", "made", true},
		{"Updates", "changed", false},
		{"UpdatesAgain", "changed again", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn.Description = tt.description
			res, err := c.UpsertConnector(ctx, testID(7), conn, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := MustGet(t, c, testID(7))
			if res.Created != tt.created || res.ID != testID(7) || res.ETag != got.ETag {
				t.Errorf("got %+v, want created %v and ETag %s", res, tt.created, got.ETag)
			}
			if got.Description != tt.description {
				t.Errorf("description: got %q, want %q", got.Description, tt.description)
			}
		})
	}
	// A record read back upserts unchanged: its read-only columns are not sent.
	got := MustGet(t, c, testID(7))
	if _, err := c.UpsertConnector(ctx, got.ConnectorID, got, nil); err != nil {
		t.Errorf("upsert of a record as read: %v", err)
	}
}

func TestServerList(t *testing.T) {
	s := MustOpenServer(t)
	c := MustNew(t, s.URL)
	names := []string{"Alpha", "O'Brien & Co + 50% #1", "beta", "Gamma; delta", "O'Brien"}
	for i, dn := range names {
		conn := newConnector(i + 1)
		conn.DisplayName = dn
		if i%2 == 0 {
			conn.Description = "even"
		}
		MustCreate(t, c, conn)
	}
	for _, tt := range []struct {
		name  string
		opts  *client.ListOptions
		want  []string // display names, in order
		count int
	}{
		{"All", nil, []string{"Alpha", "O'Brien & Co + 50% #1", "beta", "Gamma; delta", "O'Brien"}, -1},
		{"QuoteEquals", &client.ListOptions{Filter: "displayname eq " + client.Quote("O'Brien")}, []string{"O'Brien"}, -1},
		{"QuoteSpecials", &client.ListOptions{Filter: "displayname eq " + client.Quote("O'Brien & Co + 50% #1")}, []string{"O'Brien & Co + 50% #1"}, -1},
		{"Semicolon", &client.ListOptions{Filter: "contains(displayname,'; d')"}, []string{"Gamma; delta"}, -1},
		{"OrderBy", &client.ListOptions{OrderBy: []string{"displayname desc"}}, []string{"O'Brien & Co + 50% #1", "O'Brien", "Gamma; delta", "beta", "Alpha"}, -1},
		{"OrderByTwo", &client.ListOptions{OrderBy: []string{"description desc", "displayname"}}, []string{"Alpha", "beta", "O'Brien", "Gamma; delta", "O'Brien & Co + 50% #1"}, -1},
		{"Top", &client.ListOptions{OrderBy: []string{"displayname"}, Top: 2}, []string{"Alpha", "beta"}, -1},
		{"FilterSelectCount", &client.ListOptions{Filter: "description eq 'even'", Select: []string{"displayname"}, OrderBy: []string{"displayname"}, Count: true},
			[]string{"Alpha", "beta", "O'Brien"}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := c.ListConnectorsPage(context.Background(), tt.opts, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, conn := range page.Connectors {
				got = append(got, conn.DisplayName)
				if tt.opts != nil && len(tt.opts.Select) > 0 && (conn.Name != "" || conn.OpenAPIDefinition != "" || conn.ConnectorID == "") {
					t.Errorf("$select=displayname: got %+v", conn)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if page.Count != tt.count || page.NextLink != "" {
				t.Errorf("count %d nextLink %q, want %d and none", page.Count, page.NextLink, tt.count)
			}
		})
	}
	_, err := c.ListConnectorsPage(context.Background(), &client.ListOptions{Filter: "name eq and"}, "")
	checkError(t, err, http.StatusBadRequest, connectorhub.ECodeQuery)
	for _, err := range c.ListConnectors(context.Background(), &client.ListOptions{Select: []string{"colour"}}) {
		checkError(t, err, http.StatusBadRequest, connectorhub.ECodeBadRequest)
	}
}

func TestServerPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 2,500 connectors")
	}
	s := MustOpenServer(t)
	s.MustSeed(t, 1, 2500)
	c := MustNew(t, s.URL)
	ctx := context.Background()
	opts := &client.ListOptions{Select: []string{"name"}, MaxPageSize: 1000, Count: true}

	// Page by page: 1000, 1000, 500.
	var sizes []int
	next := ""
	for {
		page, err := c.ListConnectorsPage(ctx, opts, next)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Connectors))
		if page.NextLink == "" {
			break
		}
		if len(sizes) > 3 {
			t.Fatalf("paging does not end: %v", sizes)
		}
		next = page.NextLink
	}
	if !slices.Equal(sizes, []int{1000, 1000, 500}) {
		t.Errorf("page sizes: got %v, want [1000 1000 500]", sizes)
	}

	// Transparently: every id once.
	seen := map[string]int{}
	for conn, err := range c.ListConnectors(ctx, opts) {
		if err != nil {
			t.Fatal(err)
		}
		seen[conn.ConnectorID]++
	}
	for i := 1; i <= 2500; i++ {
		if n := seen[testID(i)]; n != 1 {
			t.Errorf("%s listed %d times", testID(i), n)
		}
	}
	if len(seen) != 2500 {
		t.Errorf("listed %d distinct ids, want 2500", len(seen))
	}

	// A loop that stops early stops the paging.
	n := 0
	for _, err := range c.ListConnectors(ctx, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 1500 {
			break
		}
	}
}
