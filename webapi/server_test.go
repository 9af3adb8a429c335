package webapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/internal/testserver"
	"github.com/connectorhub/connectorhub/webapi"
)

// testServer is a real server on a loopback port over a real database (SQLite, or
// PostgreSQL when CONNECTORHUB_TEST_ENGINE=postgres).
type testServer struct {
	*webapi.Server
	DB    *sqlstore.DB
	Admin *connectorhub.SystemUser
	Logs  *syncBuffer
	Path  string // the SQLite database file; "" on PostgreSQL
}

// MustOpenServer starts a server on 127.0.0.1:0, stopped when the test ends.
func MustOpenServer(tb testing.TB) *testServer {
	tb.Helper()
	logs := &syncBuffer{}
	ts := testserver.Open(tb, func(s *webapi.Server) { s.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	return &testServer{Server: ts.Server, DB: ts.DB, Admin: ts.Admin, Logs: logs, Path: ts.Path}
}

// dbFiles returns the SQLite database file at path with its WAL and shared-memory files, to
// search them for what must not be stored; none on PostgreSQL (path ""), whose files are the
// server's, not the test's.
func dbFiles(path string) []string {
	if path == "" {
		return nil
	}
	return []string{path, path + "-wal", path + "-shm"}
}

// adminDB is a new database with its bootstrap System Administrator.
type adminDB struct {
	DB        *sqlstore.DB
	Admin     *connectorhub.SystemUser
	Principal *connectorhub.Principal // the administrator as a caller
	Path      string                  // the SQLite database file; "" on PostgreSQL
}

// mustOpenAdminDB opens a new database in a temporary directory, closed when the test ends.
func mustOpenAdminDB(tb testing.TB) adminDB {
	tb.Helper()
	db := testserver.OpenDB(tb)
	a := adminDB{DB: db.DB, Path: db.Path}
	var err error
	if a.Admin, err = a.DB.Bootstrap(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if a.Principal, err = a.DB.LoadPrincipal(context.Background(), a.Admin.ID); err != nil {
		tb.Fatal(err)
	}
	return a
}

// response is what a test request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// ErrorCode returns error.code of a Dataverse error body.
func (r *response) ErrorCode(tb testing.TB) (code, message string) {
	tb.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		tb.Fatalf("not an error body: %v\n%s", err, r.Body)
	}
	return e.Error.Code, e.Error.Message
}

// do sends a request; headers are "Name: value" strings.
func (s *testServer) do(tb testing.TB, method, path, body string, headers ...string) *response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// syncBuffer is a log buffer the server's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
