// Package testserver starts the real Web API on a loopback port over a new database, for the
// tests of every package that talks to it (webapi, client, cmd/connectorhub): one way to do
// it rather than a copy in each.
//
// The engine is SQLite unless CONNECTORHUB_TEST_ENGINE=postgres, which puts every database
// in a fresh schema on the server of CONNECTORHUB_TEST_POSTGRES: CI runs the same tests on
// both engines that way.
package testserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/webapi"
)

// EnvEngine names the environment variable that chooses the engine: "sqlite" (or empty) or
// "postgres".
const EnvEngine = "CONNECTORHUB_TEST_ENGINE"

// Postgres reports whether the tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvEngine) == "postgres" }

// DB is an open, empty database of the engine under test.
type DB struct {
	*sqlstore.DB
	Path string // the SQLite file; "" on PostgreSQL
	URL  string // the PostgreSQL URL; "" on SQLite
}

// Close closes the database and, on PostgreSQL, drops its schema.
func (d *DB) Close() error {
	opened.Delete(d.DB)
	err := d.DB.Close()
	if d.URL != "" {
		if derr := pgtest.Drop(d.URL); err == nil {
			err = derr
		}
	}
	return err
}

// NewDB opens a new database of the engine under test, in dir on SQLite; Close removes it.
func NewDB(dir string) (*DB, error) {
	if Postgres() {
		url, err := pgtest.New()
		if err != nil {
			return nil, fmt.Errorf("%s=postgres: %w", EnvEngine, err)
		}
		db := postgres.NewDB(url)
		if err := db.Open(); err != nil {
			pgtest.Drop(url)
			return nil, err
		}
		d := &DB{DB: db.DB, URL: url}
		opened.Store(d.DB, d)
		return d, nil
	}
	path := filepath.Join(dir, "connectorhub.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		return nil, err
	}
	d := &DB{DB: db.DB, Path: path}
	opened.Store(d.DB, d)
	return d, nil
}

// OpenDB is NewDB in a temporary directory of the test, closed when the test ends.
func OpenDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := NewDB(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Server is a running Web API server and its database.
type Server struct {
	*webapi.Server
	DB        *sqlstore.DB
	Admin     *connectorhub.SystemUser
	Principal *connectorhub.Principal // the administrator as a caller
	Path      string                  // the SQLite database file; "" on PostgreSQL

	db *DB
}

// Start starts a server on 127.0.0.1:0 over a new database in dir. Every request acts as the
// bootstrap System Administrator, whatever its token, and the service protection limits are
// lifted (benchmarks send far more than Dataverse's 6000 requests per 5 minutes; the limits
// have their own tests). configure may change the server before it opens (Auth, Logger…).
// Close stops it.
func Start(dir string, configure ...func(*webapi.Server)) (*Server, error) {
	db, err := NewDB(dir)
	if err != nil {
		return nil, err
	}
	return start(db, configure...)
}

// Replica starts a second server on the database of s, through connections of its own, as a
// second replica behind a load balancer would be; it is stopped when the test ends (before s's
// schema is dropped, on PostgreSQL).
func Replica(tb testing.TB, s *Server, configure ...func(*webapi.Server)) *Server {
	tb.Helper()
	return replicaOf(tb, s.db, configure...)
}

// ReplicaOf is Replica for a server known by its database (its DB field): tests that wrap
// Server keep that.
func ReplicaOf(tb testing.TB, of *sqlstore.DB, configure ...func(*webapi.Server)) *Server {
	tb.Helper()
	d, ok := opened.Load(of)
	if !ok {
		tb.Fatal("testserver: ReplicaOf a database testserver did not open")
	}
	return replicaOf(tb, d.(*DB), configure...)
}

func replicaOf(tb testing.TB, of *DB, configure ...func(*webapi.Server)) *Server {
	db := &DB{Path: of.Path}
	if of.URL != "" {
		pg := postgres.NewDB(of.URL)
		if err := pg.Open(); err != nil {
			tb.Fatal(err)
		}
		db.DB = pg.DB
	} else {
		lite := sqlite.NewDB(of.Path)
		if err := lite.Open(); err != nil {
			tb.Fatal(err)
		}
		db.DB = lite.DB
	}
	r, err := start(db, configure...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r
}

// opened maps each open *sqlstore.DB to the DB that holds where it is, for ReplicaOf.
var opened sync.Map

func start(db *DB, configure ...func(*webapi.Server)) (_ *Server, err error) {
	s := &Server{DB: db.DB, Path: db.Path, db: db}
	ctx := context.Background()
	if s.Admin, err = s.DB.Bootstrap(ctx); err == nil {
		s.Principal, err = s.DB.LoadPrincipal(ctx, s.Admin.ID)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s.Server = &webapi.Server{
		Addr:       "127.0.0.1:0",
		Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB, Solutions: s.DB, Transactor: s.DB,
		Auth:   (*webapi.StaticPrincipal)(s.Principal),
		Limits: &webapi.Limits{Window: 300 * time.Second, Requests: 1 << 30, ExecutionTime: 1 << 62, Concurrent: 1 << 20},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready:  s.DB.Ready,
	}
	for _, f := range configure {
		f(s.Server)
	}
	if err := s.Server.Open(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the server and closes its database.
func (s *Server) Close() {
	s.Server.Close(context.Background())
	s.db.Close()
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
