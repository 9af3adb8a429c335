// Package postgres is ConnectorHub's storage engine for PostgreSQL (15 or later): several
// stateless servers on one database. The services are internal/sqlstore's, shared with the
// SQLite engine; this package connects with pgx, gives PostgreSQL's dialect, reads its
// errors and serialises writers with an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// writeLock is the key of the advisory lock every write transaction takes first: writes run
// one at a time across every server on the database, as SQLite's do on one file, so that a
// read-check-write (an If-Match, a name's uniqueness, the last administrator) sees every
// earlier commit and row versions commit in order (delta tokens rely on it). Reads never
// wait for it. The number is arbitrary; it spells "CHUB".
const writeLock = 0x43485542

// DB is a ConnectorHub database on a PostgreSQL server. It provides every service of the
// domain through the embedded sqlstore.DB.
type DB struct {
	*sqlstore.DB
	url string
}

// IsURL reports whether a --database value names a PostgreSQL database.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// NewDB returns a DB for the database at url (postgres://user:password@host:port/db?…,
// where unknown parameters such as search_path are set on every connection); Open connects.
func NewDB(url string) *DB {
	migrations, _ := fs.Sub(migrationFS, "migrations")
	return &DB{url: url, DB: sqlstore.New(sqlstore.Engine{
		Name:        "postgres",
		Dialect:     dialect{},
		Numbered:    true,
		Constraint:  constraint,
		Retryable:   retryable,
		Unavailable: unavailable,
		Reconnects:  true,
		Migrations:  migrations,
		LockWrites:  fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", writeLock),
	})}
}

// Open connects, and applies pending migrations under the write lock, so that servers
// starting together apply each once.
func (db *DB) Open() error {
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", redact(db.url), err)
	}
	open := func(max int) *sql.DB {
		p := stdlib.OpenDB(*cfg)
		p.SetMaxOpenConns(max)
		p.SetMaxIdleConns(max)
		p.SetConnMaxIdleTime(5 * time.Minute)
		return p
	}
	// Writes queue on the advisory lock, so a few connections carry them; reads and the
	// callers' reads have pools of their own, as on SQLite.
	write, read, auth := open(4), open(16), open(4)
	db.Attach(write, read, auth)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := read.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("postgres: connect %s: %w", redact(db.url), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return fmt.Errorf("postgres: migrate %s: %w", redact(db.url), err)
	}
	return nil
}

// redact hides the password of a URL in messages.
func redact(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "the database URL"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// constraint reads PostgreSQL's SQLSTATE of a constraint violation; a primary key is told
// from another unique constraint by its name (<table>_pkey).
func constraint(err error) sqlstore.Constraint {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqlstore.NoConstraint
	}
	switch pe.Code {
	case "23505":
		if strings.HasSuffix(pe.ConstraintName, "_pkey") {
			return sqlstore.PrimaryKey
		}
		return sqlstore.Unique
	case "23503":
		return sqlstore.ForeignKey
	}
	return sqlstore.NoConstraint
}

// retryable: serialization failures and deadlocks (40001, 40P01) leave nothing behind, and
// the transaction may be run again. (One that found the server unavailable is run again once
// by sqlstore itself.)
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// unavailable: the server cannot be reached, is shutting down or starting, refuses more
// clients, or dropped the connection (no connection made; SQLSTATE classes 08, 57P01–57P03,
// 53300; a broken connection).
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // no connection: nothing was sent
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.SafeToRetry(err)
}
