package webapi_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/corpustest"
)

// medianDefinition returns the corpus definition of median size (about 32 KB).
func medianDefinition(tb testing.TB) string {
	tb.Helper()
	cs := corpustest.Must(tb)
	type def struct {
		path string
		size int64
	}
	var defs []def
	for _, c := range cs {
		fi, err := os.Stat(c.Definition)
		if err != nil {
			tb.Fatal(err)
		}
		defs = append(defs, def{c.Definition, fi.Size()})
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].size < defs[j].size })
	b, err := os.ReadFile(defs[len(defs)/2].path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// benchClient keeps connections alive, as a real client does.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// benchDo sends req and checks its status. It runs on RunParallel's goroutines too, so it
// reports with b.Error, never b.Fatal, and says whether the caller should go on.
func benchDo(b *testing.B, req *http.Request, want int) bool {
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("got %d, want %d", resp.StatusCode, want)
		return false
	}
	return true
}

// createBodies returns a function giving the create body of connector i with definition def,
// given a member "x-bench": i of its own so that no two definitions are the same (the server
// remembers its verdict on a definition it has validated; a benchmark must measure validating).
// The definition is JSON-encoded once, outside any timed loop.
func createBodies(def string) func(i int) string {
	rest, ok := strings.CutPrefix(strings.TrimLeft(strings.TrimPrefix(def, "\uFEFF"), " \t\r\n"), "{")
	if !ok {
		panic("createBodies: the definition is not a JSON object")
	}
	restJSON := mustJSON(rest) // a JSON string: "…", its opening quote dropped below
	return func(i int) string {
		return fmt.Sprintf(`{"connectorid":"00000000-0000-0000-0000-%012d","name":"cr736_c%d","displayname":"Connector %d","connectortype":1,"openapidefinition":"{\"x-bench\":%d,%s}`, i, i, i, i, restJSON[1:])
	}
}

// BenchmarkCreateConnector creates connectors with a corpus-median definition over HTTP;
// every create is durable (SQLite WAL, synchronous=FULL) before it is acknowledged.
func BenchmarkCreateConnector(b *testing.B) {
	s := MustOpenServer(b)
	def := medianDefinition(b)
	bodyOf := createBodies(def)
	b.SetBytes(int64(len(def)))
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("POST", s.URL()+"/api/data/v9.2/connectors", strings.NewReader(bodyOf(i+1)))
		req.Header.Set("Content-Type", "application/json")
		if !benchDo(b, req, http.StatusNoContent) {
			return
		}
	}
}

// BenchmarkGetConnector reads one connector with a corpus-median definition by id over HTTP,
// from several client goroutines.
func BenchmarkGetConnector(b *testing.B) {
	s := MustOpenServer(b)
	def := medianDefinition(b)
	const n = 100
	seedConnectors(b, s, n, def, "")
	b.SetBytes(int64(len(def)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/data/v9.2/connectors(00000000-0000-0000-0000-%012d)", s.URL(), i%n+1), nil)
			if !benchDo(b, req, http.StatusOK) {
				return
			}
		}
	})
}

// BenchmarkGetConnectorWithToken is BenchmarkGetConnector with bearer-token authentication,
// as a server runs it: the token's check and the caller are kept after the first request
// (auth/rights.go), so a request reads the security version only.
func BenchmarkGetConnectorWithToken(b *testing.B) {
	s := MustOpenServer(b)
	iss, err := auth.LoadOrCreateIssuer(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	v := auth.NewVerifier()
	v.TrustLocal(iss)
	s.Server.Auth = &auth.Authenticator{Verifier: v, Users: s.DB}
	token, err := iss.Token(s.Admin.ID, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	def := medianDefinition(b)
	const n = 100
	seedConnectors(b, s, n, def, token)
	b.SetBytes(int64(len(def)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/data/v9.2/connectors(00000000-0000-0000-0000-%012d)", s.URL(), i%n+1), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if !benchDo(b, req, http.StatusOK) {
				return
			}
		}
	})
}

// BenchmarkPatchConnector changes the description of connectors with a corpus-median
// definition, from several client goroutines; every PATCH is durable before it is answered.
func BenchmarkPatchConnector(b *testing.B) {
	s := MustOpenServer(b)
	def := medianDefinition(b)
	const n = 100
	seedConnectors(b, s, n, def, "")
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/data/v9.2/connectors(00000000-0000-0000-0000-%012d)", s.URL(), i%n+1),
				strings.NewReader(fmt.Sprintf(`{"description":"Changed %d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", "*")
			if !benchDo(b, req, http.StatusNoContent) {
				return
			}
		}
	})
}

// seedConnectors creates connectors 1…n with definition def, with a bearer token when one is
// given.
func seedConnectors(b *testing.B, s *testServer, n int, def, token string) {
	b.Helper()
	for i := 1; i <= n; i++ {
		req, _ := http.NewRequest("POST", s.URL()+"/api/data/v9.2/connectors", strings.NewReader(body(i, map[string]any{"openapidefinition": def})))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if !benchDo(b, req, http.StatusNoContent) {
			b.FailNow()
		}
	}
}
