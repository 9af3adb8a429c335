// Package sqlite implements ConnectorHub's services on an embedded SQLite database in WAL
// mode: the zero-set-up default engine.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	connectorhub "github.com/connectorhub/connectorhub"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a ConnectorHub database in one SQLite file. It implements connectorhub.ConnectorService
// and connectorhub.PrincipalService.
type DB struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer, and queuing here beats SQLITE_BUSY
	read  *sql.DB
	// auth is a pool of its own for reading callers (users, roles, teams) on every request, so
	// that data reads, however many and slow, cannot starve authentication.
	auth *sql.DB

	// Now is the clock for createdon and modifiedon; tests replace it.
	Now func() time.Time

	pagingKeyMu sync.Mutex
	pagingKey   []byte // cached by PagingKey
}

// NewDB returns a DB for the database file at path; Open opens it.
func NewDB(path string) *DB {
	return &DB{path: path, Now: time.Now}
}

// Open opens the database, creating it when missing, and applies pending migrations.
func (db *DB) Open() (err error) {
	if db.path == "" {
		return errors.New("sqlite: database path required")
	}
	// The file is created readable by its owner only; SQLite gives its -wal and -shm files the
	// database file's permissions.
	if f, err := os.OpenFile(db.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlite: create %s: %w", db.path, err)
	}
	// synchronous=FULL: a write that was acknowledged is on disk, even after a power cut.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	dsn := "file:" + (&url.URL{Path: db.path}).EscapedPath() + "?" + pragmas
	if db.write, err = sql.Open("sqlite", dsn+"&_txlock=immediate"); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxLifetime(0)
	if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		return err
	}
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)
	if db.auth, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		return err
	}
	db.auth.SetMaxOpenConns(4)
	db.auth.SetMaxIdleConns(4)
	if err := db.migrate(context.Background()); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: migrate %s: %w", db.path, err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	for _, d := range []*sql.DB{db.auth, db.read, db.write} {
		if d != nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// Ready reports whether the database answers and holds every migration this build knows:
// the readiness of a server on it (GET /readyz).
func (db *DB) Ready(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	var applied int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if applied < len(names) {
		return fmt.Errorf("sqlite: %d of %d migrations applied", applied, len(names))
	}
	return nil
}

// migrate applies, in order and each in its own transaction, the embedded migrations not yet
// recorded in the migrations table.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, appliedon INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.transact(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO migrations (name, appliedon) VALUES (?, ?)`, name, time.Now().Unix())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// transact runs fn in a write transaction, committing when it returns nil and rolling back
// on an error or a panic; inside Transact, fn runs in Transact's transaction.
func (db *DB) transact(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(tx) // the caller's Transact: commit or roll back with the rest
	}
	return db.begin(ctx, fn)
}

// txKey marks a context inside Transact; its value is the transaction.
type txKey struct{}

// Transact runs fn in one write transaction: every write fn makes through the DB's services
// with the context it is given joins that transaction, so they all commit, or none does
// when fn returns an error or panics ($batch change sets). Transactions do not nest: a
// context already inside one is refused.
func (db *DB) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(txKey{}) != nil {
		return errors.New("sqlite: Transact inside a transaction: transactions do not nest")
	}
	return db.begin(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// begin runs fn in a new write transaction.
func (db *DB) begin(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// now is the clock truncated to the second, the precision the Web API shows.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// nextVersion takes the next row version of the database.
func nextVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `UPDATE rowversion SET value = value + 1 RETURNING value`).Scan(&v)
	return v, err
}

// constraintCode returns SQLite's extended result code for a constraint violation, or 0.
func constraintCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return se.Code()
		}
	}
	return 0
}

// Compile-time checks that DB provides the services.
var (
	_ connectorhub.ConnectorService = (*DB)(nil)
	_ connectorhub.PrincipalService = (*DB)(nil)
)
