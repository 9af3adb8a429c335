package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// recorded is one request a fakeServer received.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// fakeServer is a recording stand-in for the Web API's connectors: it keeps the records in
// memory and answers as the server does, in shape only.
type fakeServer struct {
	*httptest.Server

	mu       sync.Mutex
	records  map[string]string // connectorid → name
	requests []recorded
	refuse   func(body map[string]any) bool // creates answered 400 when true
}

// newFakeServer starts a fakeServer, closed at the end of the test.
func newFakeServer(tb testing.TB) *fakeServer {
	tb.Helper()
	f := &fakeServer{records: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

var keyPath = regexp.MustCompile(`^/api/data/v9\.2/connectors\(([0-9a-f-]{36})\)$`)

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, `{"error":{"code":"0x80072560","message":"no token"}}`, http.StatusUnauthorized)
		return
	}
	key := ""
	if m := keyPath.FindStringSubmatch(r.URL.Path); m != nil {
		key = m[1]
	} else if r.URL.Path != "/api/data/v9.2/connectors" {
		http.Error(w, `{"error":{"code":"0x8006088a","message":"no such resource"}}`, http.StatusNotFound)
		return
	}
	notFound := func() {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"0x80040217","message":"connector With Id = `+key+` Does Not Exist"}}`)
	}
	switch {
	case r.Method == http.MethodPost && key == "":
		var rec map[string]any
		if err := json.Unmarshal(body, &rec); err != nil {
			http.Error(w, `{"error":{"code":"0x80048d19","message":"bad JSON"}}`, http.StatusBadRequest)
			return
		}
		id, _ := rec["connectorid"].(string)
		if f.refuse != nil && f.refuse(rec) {
			http.Error(w, `{"error":{"code":"0x80040203","message":"refused"}}`, http.StatusBadRequest)
			return
		}
		if _, ok := f.records[id]; ok {
			http.Error(w, `{"error":{"code":"0x80040237","message":"duplicate"}}`, http.StatusPreconditionFailed)
			return
		}
		f.records[id] = rec["name"].(string)
		w.Header().Set("OData-EntityId", f.URL+"/api/data/v9.2/connectors("+id+")")
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && key != "":
		name, ok := f.records[key]
		if !ok {
			notFound()
			return
		}
		fmt.Fprintf(w, `{"@odata.context":"x","connectorid":%q,"name":%q}`, key, name)
	case r.Method == http.MethodGet:
		next := ""
		if strings.HasPrefix(r.URL.Query().Get("$filter"), "startswith") && r.URL.Query().Get("$skiptoken") == "" {
			next = fmt.Sprintf(`,"@odata.nextLink":%q`, f.URL+r.URL.Path+"?"+r.URL.RawQuery+"&$skiptoken=page2")
		}
		fmt.Fprintf(w, `{"@odata.context":"x","value":[{"name":"a","x":{"value":[{}]}},{"name":"b"}]%s}`, next)
	case r.Method == http.MethodPatch && key != "":
		if _, ok := f.records[key]; !ok {
			notFound()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && key != "":
		if _, ok := f.records[key]; !ok {
			notFound()
			return
		}
		delete(f.records, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, `{"error":{"code":"0x80060889","message":"method"}}`, http.StatusMethodNotAllowed)
	}
}

// take returns the requests received since the last take and forgets them.
func (f *fakeServer) take() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// ids returns the ids of the records the server holds.
func (f *fakeServer) ids() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]bool{}
	for id := range f.records {
		m[id] = true
	}
	return m
}

// mustTarget returns a target of the fake server.
func mustTarget(tb testing.TB, f *fakeServer, connections int) *Target {
	tb.Helper()
	t, err := NewTarget(f.URL, "tok", connections, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
