package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
)

// recorded is a request the recording server received.
type recorded struct {
	Method string
	URI    string // path and query, exactly as sent
	Header http.Header
	Body   string
}

// reply is a scripted answer. In Body and Header values, $URL stands for the server's URL.
type reply struct {
	Status int
	Header map[string]string
	Body   string
	Reset  bool // close the connection (with a TCP reset) instead of answering
}

// recorder is a test server that records requests and answers them from a script: the
// n-th request gets the n-th reply, and the last reply answers the rest.
type recorder struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []recorded
	replies  []reply
}

// MustRecord starts a recording server with the script.
func MustRecord(tb testing.TB, replies ...reply) *recorder {
	tb.Helper()
	if len(replies) == 0 {
		tb.Fatal("a recording server needs a reply")
	}
	r := &recorder{replies: replies}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, recorded{Method: req.Method, URI: req.RequestURI, Header: req.Header.Clone(), Body: string(body)})
	rep := r.replies[min(len(r.requests), len(r.replies))-1]
	r.mu.Unlock()
	if rep.Reset {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil { // the server's goroutine: no t.Fatal here; the test sees the 500
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
		conn.Close()
		return
	}
	for k, v := range rep.Header {
		w.Header()[k] = []string{strings.ReplaceAll(v, "$URL", r.srv.URL)}
	}
	if rep.Body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	}
	w.WriteHeader(rep.Status)
	io.WriteString(w, strings.ReplaceAll(rep.Body, "$URL", r.srv.URL))
}

// Requests returns the requests received so far.
func (r *recorder) Requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.requests...)
}

// want is what a test expects of a request: its method, URI, body, and the values of the
// headers it names ("" for a header that must be absent).
type want struct {
	Method string
	URI    string
	Body   string
	Header map[string]string
}

// checkRequests compares the requests received with the expected ones. Every request must
// also carry the client's common headers.
func checkRequests(tb testing.TB, got []recorded, wants []want) {
	tb.Helper()
	if len(got) != len(wants) {
		tb.Errorf("got %d requests, want %d: %+v", len(got), len(wants), got)
		return
	}
	for i, w := range wants {
		g := got[i]
		if g.Method != w.Method || g.URI != w.URI {
			tb.Errorf("request %d: got %s %s\n                   want %s %s", i, g.Method, g.URI, w.Method, w.URI)
		}
		if g.Body != w.Body {
			tb.Errorf("request %d: body\n got %s\nwant %s", i, g.Body, w.Body)
		}
		common := map[string]string{
			"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0",
			"Authorization": "Bearer tok", "User-Agent": client.DefaultUserAgent(), "Content-Type": "",
		}
		if w.Body != "" {
			common["Content-Type"] = "application/json; charset=utf-8"
		}
		for k, v := range w.Header {
			common[k] = v
		}
		for k, v := range common {
			if gv := strings.Join(g.Header.Values(k), "|"); gv != v {
				tb.Errorf("request %d (%s %s): header %s: got %q, want %q", i, g.Method, g.URI, k, gv, v)
			}
		}
	}
}

const id1 = "00000000-0000-0000-0000-000000000001"

func TestRequests(t *testing.T) {
	ctx := context.Background()
	entity := map[string]string{"OData-EntityId": "$URL/api/data/v9.2/connectors(" + id1 + ")"}
	for _, tt := range []struct {
		name    string
		replies []reply
		call    func(c *client.Client) (any, error)
		want    []want
		result  any
	}{
		{
			name:    "Create",
			replies: []reply{{Status: 204, Header: entity}},
			call: func(c *client.Client) (any, error) {
				return c.CreateConnector(ctx, &client.Connector{
					ConnectorID: id1, Name: "cr736_x", DisplayName: "X", ConnectorType: 1, OpenAPIDefinition: `{"swagger":"2.0"}`,
					ETag: `W/"1"`, VersionNumber: 1, OwnerID: "ignored", CreatedOn: time.Unix(1, 0), StateCode: 1, Owner: "teams(" + id1 + ")",
				}, &client.CreateOptions{SolutionUniqueName: "MySolution"})
			},
			want: []want{{Method: "POST", URI: "/api/data/v9.2/connectors",
				Body:   `{"connectorid":"` + id1 + `","name":"cr736_x","displayname":"X","connectortype":1,"openapidefinition":"{\"swagger\":\"2.0\"}","ownerid@odata.bind":"teams(` + id1 + `)"}`,
				Header: map[string]string{"MSCRM.SolutionUniqueName": "MySolution", "Prefer": "", "If-Match": ""}}},
			result: id1,
		},
		{
			name:    "CreateTypeZero",
			replies: []reply{{Status: 204, Header: entity}},
			call: func(c *client.Client) (any, error) {
				return c.CreateConnector(ctx, &client.Connector{Name: "n", StatusCode: 1}, nil)
			},
			want: []want{{Method: "POST", URI: "/api/data/v9.2/connectors", Body: `{"name":"n","connectortype":0,"statuscode":1}`,
				Header: map[string]string{"MSCRM.SolutionUniqueName": ""}}},
			result: id1,
		},
		{
			name:    "Get",
			replies: []reply{{Status: 200, Body: `{"@odata.etag":"W/\"7\"","connectorid":"` + id1 + `","name":"n","connectortype@OData.Community.Display.V1.FormattedValue":"CustomConnector"}`}},
			call: func(c *client.Client) (any, error) {
				conn, err := c.GetConnector(ctx, id1, &client.GetOptions{Select: []string{"name", "connectortype"}, Expand: "ownerid($select=fullname;$filter=x eq 1)", IncludeAnnotations: "*"})
				if err != nil {
					return nil, err
				}
				return []string{conn.ETag, conn.Name, conn.FormattedValue("connectortype")}, nil
			},
			want: []want{{Method: "GET", URI: "/api/data/v9.2/connectors(" + id1 + ")?$select=name,connectortype&$expand=ownerid($select=fullname%3B$filter=x%20eq%201)",
				Header: map[string]string{"Prefer": `odata.include-annotations="*"`, "If-Match": ""}}},
			result: []string{`W/"7"`, "n", "CustomConnector"},
		},
		{
			name:    "GetPlain",
			replies: []reply{{Status: 200, Body: `{"connectorid":"` + id1 + `"}`}},
			call: func(c *client.Client) (any, error) {
				conn, err := c.GetConnector(ctx, id1, nil)
				return conn.ConnectorID, err
			},
			want:   []want{{Method: "GET", URI: "/api/data/v9.2/connectors(" + id1 + ")", Header: map[string]string{"Prefer": ""}}},
			result: id1,
		},
		{
			name:    "ListQueryEncoding",
			replies: []reply{{Status: 200, Body: `{"value":[{"connectorid":"` + id1 + `"}],"@odata.count":1}`}},
			call: func(c *client.Client) (any, error) {
				page, err := c.ListConnectorsPage(ctx, &client.ListOptions{
					Filter:  "name eq " + client.Quote("O'Brien") + " and contains(displayname," + client.Quote("a&b+c #1 50%?") + ")",
					Select:  []string{"name", "displayname"},
					OrderBy: []string{"name desc", "createdon"},
					Expand:  "ownerid($select=fullname)",
					Top:     10, Count: true, MaxPageSize: 100, IncludeAnnotations: "OData.Community.Display.V1.FormattedValue",
				}, "")
				if err != nil {
					return nil, err
				}
				return []any{len(page.Connectors), page.Count, page.NextLink}, nil
			},
			want: []want{{Method: "GET",
				URI: "/api/data/v9.2/connectors?$select=name,displayname&$filter=name%20eq%20'O''Brien'%20and%20contains(displayname,'a%26b%2Bc%20%231%2050%25%3F')" +
					"&$orderby=name%20desc,createdon&$expand=ownerid($select=fullname)&$top=10&$count=true",
				Header: map[string]string{"Prefer": `odata.maxpagesize=100,odata.include-annotations="OData.Community.Display.V1.FormattedValue"`}}},
			result: []any{1, 1, ""},
		},
		{
			name: "ListFollowsNextLink",
			replies: []reply{
				{Status: 200, Body: `{"value":[{"connectorid":"a"},{"connectorid":"b"}],"@odata.nextLink":"$URL/api/data/v9.2/connectors?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E"}`},
				{Status: 200, Body: `{"value":[{"connectorid":"c"}]}`},
			},
			call: func(c *client.Client) (any, error) {
				var ids []string
				for conn, err := range c.ListConnectors(ctx, &client.ListOptions{Select: []string{"name"}, MaxPageSize: 2}) {
					if err != nil {
						return nil, err
					}
					ids = append(ids, conn.ConnectorID)
				}
				return ids, nil
			},
			want: []want{
				{Method: "GET", URI: "/api/data/v9.2/connectors?$select=name", Header: map[string]string{"Prefer": "odata.maxpagesize=2"}},
				{Method: "GET", URI: "/api/data/v9.2/connectors?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E", Header: map[string]string{"Prefer": "odata.maxpagesize=2"}},
			},
			result: []string{"a", "b", "c"},
		},
		{
			name:    "ListRefusesForeignNextLink",
			replies: []reply{{Status: 200, Body: `{"value":[{"connectorid":"a"}],"@odata.nextLink":"https://evil.example/api/data/v9.2/connectors?$skiptoken=x"}`}},
			call: func(c *client.Client) (any, error) {
				var ids []string
				for conn, err := range c.ListConnectors(ctx, nil) {
					if err != nil {
						return ids, errors.New("refused")
					}
					ids = append(ids, conn.ConnectorID)
				}
				return ids, nil
			},
			want:   []want{{Method: "GET", URI: "/api/data/v9.2/connectors", Header: map[string]string{"Prefer": ""}}},
			result: []string{"a"},
		},
		{
			name:    "UpdateIfMatch",
			replies: []reply{{Status: 200, Body: `{"@odata.etag":"W/\"6\"","connectorid":"` + id1 + `"}`}},
			call: func(c *client.Client) (any, error) {
				return c.UpdateConnector(ctx, id1, &client.ConnectorUpdate{Description: client.Ptr("d"), StateCode: client.Ptr(0), IconBrandColor: client.Ptr("")},
					&client.UpdateOptions{IfMatch: `W/"5"`, SolutionUniqueName: "S"})
			},
			want: []want{{Method: "PATCH", URI: "/api/data/v9.2/connectors(" + id1 + ")?$select=connectorid", Body: `{"description":"d","iconbrandcolor":null,"statecode":0}`,
				Header: map[string]string{"If-Match": `W/"5"`, "Prefer": "return=representation", "MSCRM.SolutionUniqueName": "S", "If-None-Match": ""}}},
			result: &client.WriteResult{ID: id1, ETag: `W/"6"`},
		},
		{
			name:    "UpdateRequiresExistence",
			replies: []reply{{Status: 200, Body: `{"@odata.etag":"W/\"6\"","connectorid":"` + id1 + `"}`}},
			call: func(c *client.Client) (any, error) {
				return c.UpdateConnector(ctx, id1, &client.ConnectorUpdate{Owner: client.Ptr("systemusers(" + id1 + ")")}, nil)
			},
			want: []want{{Method: "PATCH", URI: "/api/data/v9.2/connectors(" + id1 + ")?$select=connectorid", Body: `{"ownerid@odata.bind":"systemusers(` + id1 + `)"}`,
				Header: map[string]string{"If-Match": "*", "Prefer": "return=representation"}}},
			result: &client.WriteResult{ID: id1, ETag: `W/"6"`},
		},
		{
			name:    "UpsertCreated",
			replies: []reply{{Status: 201, Body: `{"@odata.etag":"W/\"2\"","connectorid":"` + id1 + `"}`}},
			call: func(c *client.Client) (any, error) {
				return c.UpsertConnector(ctx, id1, &client.Connector{Name: "n", DisplayName: "D", ConnectorType: 2, StatusCode: 2, StateCode: 1}, nil)
			},
			want: []want{{Method: "PATCH", URI: "/api/data/v9.2/connectors(" + id1 + ")?$select=connectorid",
				Body:   `{"name":"n","displayname":"D","connectortype":2,"statecode":1,"statuscode":2}`,
				Header: map[string]string{"If-Match": "", "If-None-Match": "", "Prefer": "return=representation"}}},
			result: &client.WriteResult{ID: id1, ETag: `W/"2"`, Created: true},
		},
		{
			name:    "UpsertUpdated",
			replies: []reply{{Status: 200, Body: `{"@odata.etag":"W/\"3\"","connectorid":"` + id1 + `"}`}},
			call: func(c *client.Client) (any, error) {
				return c.UpsertConnector(ctx, id1, &client.Connector{ConnectorID: id1, Name: "n"}, &client.UpsertOptions{SolutionUniqueName: "S"})
			},
			want: []want{{Method: "PATCH", URI: "/api/data/v9.2/connectors(" + id1 + ")?$select=connectorid",
				Body:   `{"connectorid":"` + id1 + `","name":"n","connectortype":0}`,
				Header: map[string]string{"If-Match": "", "Prefer": "return=representation", "MSCRM.SolutionUniqueName": "S"}}},
			result: &client.WriteResult{ID: id1, ETag: `W/"3"`},
		},
		{
			name:    "Delete",
			replies: []reply{{Status: 204}},
			call: func(c *client.Client) (any, error) {
				return nil, c.DeleteConnector(ctx, id1, &client.DeleteOptions{IfMatch: `W/"9"`})
			},
			want: []want{{Method: "DELETE", URI: "/api/data/v9.2/connectors(" + id1 + ")", Header: map[string]string{"If-Match": `W/"9"`}}},
		},
		{
			name:    "DoWithHeadersAndBody",
			replies: []reply{{Status: 200, Body: `{"UserId":"u"}`}},
			call: func(c *client.Client) (any, error) {
				var out struct{ UserId string }
				_, err := c.Do(ctx, "POST", "/teams(x)/teammembership_association/$ref", map[string]string{"@odata.id": "systemusers(u)"}, &out,
					http.Header{"Prefer": {"return=representation"}, "Accept": {"application/json;odata.metadata=full"}})
				return out.UserId, err
			},
			want: []want{{Method: "POST", URI: "/api/data/v9.2/teams(x)/teammembership_association/$ref", Body: `{"@odata.id":"systemusers(u)"}`,
				Header: map[string]string{"Prefer": "return=representation", "Accept": "application/json;odata.metadata=full"}}},
			result: "u",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := MustRecord(t, tt.replies...)
			c := MustNew(t, rec.srv.URL)
			got, err := tt.call(c)
			if tt.name == "ListRefusesForeignNextLink" {
				if err == nil {
					t.Error("a nextLink to another origin was followed")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.result) {
				t.Errorf("result: got %#v, want %#v", got, tt.result)
			}
			checkRequests(t, rec.Requests(), tt.want)
		})
	}
}

func TestBadIDsSendNothing(t *testing.T) {
	rec := MustRecord(t, reply{Status: 204})
	c := MustNew(t, rec.srv.URL)
	ctx := context.Background()
	for _, id := range []string{"", "x", id1 + ")/../systemusers(" + id1, "{" + id1 + "}", strings.Replace(id1, "0", "g", 1)} {
		if _, err := c.GetConnector(ctx, id, nil); err == nil {
			t.Errorf("get %q: no error", id)
		}
		if err := c.DeleteConnector(ctx, id, nil); err == nil {
			t.Errorf("delete %q: no error", id)
		}
		if _, err := c.UpdateConnector(ctx, id, &client.ConnectorUpdate{}, nil); err == nil {
			t.Errorf("update %q: no error", id)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		base string
		opts []client.Option
		url  string // "" when New must fail
	}{
		{"https://org.crm.dynamics.com", nil, "https://org.crm.dynamics.com/api/data/v9.2"},
		{"https://org.crm.dynamics.com/", nil, "https://org.crm.dynamics.com/api/data/v9.2"},
		{"http://127.0.0.1:8080/prefix/", []client.Option{client.WithAPIVersion("v9.0")}, "http://127.0.0.1:8080/prefix/api/data/v9.0"},
		{"ftp://host", nil, ""},
		{"org.crm.dynamics.com", nil, ""},
		{"https://host?x=1", nil, ""},
		{"https://user:pw@host", nil, ""},
		{"https://host", []client.Option{client.WithAPIVersion("9.2")}, ""},
		{"https://host", []client.Option{client.WithRetry(0, time.Minute)}, ""},
		{"https://host", []client.Option{client.WithTokenSource(nil)}, ""},
		{"https://host", []client.Option{client.WithHTTPClient(nil)}, ""},
	} {
		c, err := client.New(tt.base, tt.opts...)
		switch {
		case tt.url == "" && err == nil:
			t.Errorf("New(%q): no error", tt.base)
		case tt.url != "" && err != nil:
			t.Errorf("New(%q): %v", tt.base, err)
		case tt.url != "" && c.URL() != tt.url:
			t.Errorf("New(%q).URL(): got %q, want %q", tt.base, c.URL(), tt.url)
		}
	}
	if ua := client.DefaultUserAgent(); ua != "connectorhub/"+client.Version+" (+https://github.com/connectorhub/connectorhub)" {
		t.Errorf("DefaultUserAgent: %q", ua)
	}
}

func TestUserAgentAndNoToken(t *testing.T) {
	rec := MustRecord(t, reply{Status: 200, Body: `{}`})
	c, err := client.New(rec.srv.URL, client.WithUserAgent("cli/1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), "GET", "WhoAmI", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	r := rec.Requests()[0]
	if r.Header.Get("User-Agent") != "cli/1.0" || r.Header.Get("Authorization") != "" {
		t.Errorf("headers: %v", r.Header)
	}
}

// failingTokens is a TokenSource that fails.
type failingTokens struct{}

func (failingTokens) Token(context.Context) (string, error) { return "", errors.New("no token") }

func TestTokenError(t *testing.T) {
	rec := MustRecord(t, reply{Status: 200, Body: `{}`})
	c := MustNew(t, rec.srv.URL, client.WithTokenSource(failingTokens{}))
	if _, err := c.Do(context.Background(), "GET", "WhoAmI", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Errorf("got %v", err)
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reply  reply
		status int
		code   string // the code connectorhub.ErrorCode finds
		domain bool   // errors.As finds a *connectorhub.Error
		reqID  string
		text   string // in Error()
	}{
		{"Dataverse", reply{Status: 404, Header: map[string]string{"REQ_ID": "r1"}, Body: `{"error":{"code":"0x80040217","message":"connector With Id = x Does Not Exist"}}`},
			404, "0x80040217", true, "r1", "dataverse: 404 Not Found: code=0x80040217: connector With Id = x Does Not Exist (request r1)"},
		{"EmptyCode", reply{Status: 412, Header: map[string]string{"x-ms-service-request-id": "ms-1"}, Body: `{"error":{"code":"","message":"The version of the existing record doesn't match the RowVersion property provided."}}`},
			412, "", true, "ms-1", "dataverse: 412 Precondition Failed: The version"},
		{"NotDataverse", reply{Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: `<html>Bad gateway</html>`},
			502, connectorhub.ECodeUnexpected, false, "", "dataverse: 502 Bad Gateway: <html>Bad gateway</html>"},
		{"NoBody", reply{Status: 401}, 401, connectorhub.ECodeUnexpected, false, "", "dataverse: 401 Unauthorized"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := MustRecord(t, tt.reply)
			c := MustNew(t, rec.srv.URL)
			resp, err := c.Do(context.Background(), "GET", "connectors", nil, nil, nil)
			var ce *client.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *client.Error", err)
			}
			if resp == nil || resp.StatusCode != tt.status || ce.Status != tt.status || ce.RequestID != tt.reqID {
				t.Errorf("got %+v (response %v)", ce, resp)
			}
			var de *connectorhub.Error
			if errors.As(err, &de) != tt.domain {
				t.Errorf("errors.As *connectorhub.Error: got %v, want %v", !tt.domain, tt.domain)
			}
			if got := connectorhub.ErrorCode(err); got != tt.code {
				t.Errorf("connectorhub.ErrorCode: got %q, want %q", got, tt.code)
			}
			if !strings.HasPrefix(err.Error(), tt.text) {
				t.Errorf("Error(): got %q, want it to start with %q", err.Error(), tt.text)
			}
		})
	}
}

// transportFunc is an http.RoundTripper made of a function.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHeaderSpelling checks the names as they go on the wire: Dataverse's spelling of the
// OData and MSCRM headers, and a caller's header replacing the client's whatever its case.
func TestHeaderSpelling(t *testing.T) {
	var got http.Header
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		return &http.Response{StatusCode: 204, Header: http.Header{"Odata-Entityid": {"http://h/api/data/v9.2/connectors(" + id1 + ")"}},
			Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	c := MustNew(t, "http://h", client.WithHTTPClient(hc))
	if _, err := c.CreateConnector(context.Background(), &client.Connector{Name: "n"}, &client.CreateOptions{SolutionUniqueName: "S"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"OData-MaxVersion", "OData-Version", "MSCRM.SolutionUniqueName", "Content-Type", "Accept", "Authorization"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no header spelled %s: %v", k, got)
		}
	}
	if _, err := c.Do(context.Background(), "GET", "WhoAmI", nil, nil, http.Header{"odata-version": {"4.01"}}); err != nil {
		t.Fatal(err)
	}
	if v, ok := got["odata-version"]; !ok || len(v) != 1 || v[0] != "4.01" || len(got["OData-Version"]) != 0 {
		t.Errorf("a caller's odata-version did not replace the client's: %v", got)
	}
}

// TestDoRawBodies checks a body given as an io.Reader (buffered, so that a retry sends it
// again) and an answer copied into an io.Writer, such as the text of connectors/$count.
func TestDoRawBodies(t *testing.T) {
	rec := MustRecord(t, reply{Status: 503, Header: map[string]string{"Retry-After": "1"}},
		reply{Status: 200, Header: map[string]string{"Content-Type": "text/plain"}, Body: "42"})
	c := MustNew(t, rec.srv.URL, client.WithSleep((&sleeps{}).sleep))
	var out strings.Builder
	if _, err := c.Do(context.Background(), "PUT", "connectors("+id1+")/description", strings.NewReader(`{"value":"d"}`), &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "42" {
		t.Errorf("out: got %q", out.String())
	}
	put := want{Method: "PUT", URI: "/api/data/v9.2/connectors(" + id1 + ")/description", Body: `{"value":"d"}`}
	checkRequests(t, rec.Requests(), []want{put, put})
}
