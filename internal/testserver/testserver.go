// Package testserver starts the real Web API on a loopback port over a new SQLite database,
// for the tests of every package that talks to it (webapi, client, cmd/connectorhub): one way
// to do it rather than a copy in each.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/webapi"
)

// Server is a running Web API server and its database.
type Server struct {
	*webapi.Server
	DB        *sqlite.DB
	Admin     *connectorhub.SystemUser
	Principal *connectorhub.Principal // the administrator as a caller
	Path      string                  // the database file
}

// Start starts a server on 127.0.0.1:0 over a new database in dir. Every request acts as the
// bootstrap System Administrator, whatever its token, and the service protection limits are
// lifted (benchmarks send far more than Dataverse's 6000 requests per 5 minutes; the limits
// have their own tests). configure may change the server before it opens (Auth, Logger…).
// Close stops it.
func Start(dir string, configure ...func(*webapi.Server)) (*Server, error) {
	s := &Server{Path: filepath.Join(dir, "connectorhub.db")}
	s.DB = sqlite.NewDB(s.Path)
	if err := s.DB.Open(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	var err error
	if s.Admin, err = s.DB.Bootstrap(ctx); err == nil {
		s.Principal, err = s.DB.LoadPrincipal(ctx, s.Admin.ID)
	}
	if err != nil {
		s.DB.Close()
		return nil, err
	}
	s.Server = &webapi.Server{
		Addr:       "127.0.0.1:0",
		Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB, Transactor: s.DB,
		Auth:   (*webapi.StaticPrincipal)(s.Principal),
		Limits: &webapi.Limits{Window: 300 * time.Second, Requests: 1 << 30, ExecutionTime: 1 << 62, Concurrent: 1 << 20},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range configure {
		f(s.Server)
	}
	if err := s.Server.Open(); err != nil {
		s.DB.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the server and closes its database.
func (s *Server) Close() {
	s.Server.Close(context.Background())
	s.DB.Close()
}

// Open is Start in a temporary directory of the test, stopped when the test ends.
func Open(tb testing.TB, configure ...func(*webapi.Server)) *Server {
	tb.Helper()
	s, err := Start(tb.TempDir(), configure...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
