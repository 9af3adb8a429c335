// Package sqlite is ConnectorHub's embedded storage engine: one SQLite file in WAL mode, the
// zero-set-up default. The services themselves are internal/sqlstore's, shared with the
// PostgreSQL engine; this package opens the file, gives SQLite's dialect and reads its errors.
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
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a ConnectorHub database in one SQLite file. It provides every service of the domain
// (connectorhub.ConnectorService, PrincipalService, SharingService, IdentityService,
// Transactor, ChangeTracker) through the embedded sqlstore.DB.
type DB struct {
	*sqlstore.DB
	path string
	wal  *walSync

	// compactEvery and compactMaxGap (the longest wait between merges) time the trigram
	// index's merges (compact.go); a compactEvery of 0 makes none. Set before Open.
	compactEvery, compactMaxGap time.Duration
	// indexEvery is how long the trigram index's upkeep lets writes gather after a commit
	// before it indexes them (textindex.go); 0 leaves them pending (a test's choice: IndexText
	// then moves them). Set before Open.
	indexEvery time.Duration
	nudge      chan struct{} // a commit happened: the upkeep may have rows to index
	indexLooks atomic.Int64  // the upkeep's looks for pending rows, for the tests
	// indexBatches counts the indexer's batches that wrote the index, for the merges' schedule.
	indexBatches atomic.Int64
	reads        *sql.DB // the read pool, for the upkeep's looks
}

// NewDB returns a DB for the database file at path; Open opens it.
func NewDB(path string) *DB {
	migrations, _ := fs.Sub(migrationFS, "migrations")
	return newDB(path, migrations)
}

// newDB is NewDB with the migrations to apply: a test of a migration opens a database with
// those before it first.
func newDB(path string, migrations fs.FS) *DB {
	wal := newWALSync(path)
	nudge := make(chan struct{}, 1)
	return &DB{path: path, wal: wal, nudge: nudge, compactEvery: time.Second, compactMaxGap: time.Minute, indexEvery: indexEvery, DB: sqlstore.New(sqlstore.Engine{
		// Commits sync the WAL by group, after the write lock (walsync.go), and wake the
		// trigram index's upkeep (textindex.go).
		Syncer:     nudgingSync{wal, nudge},
		OneWriter:  true,
		Name:       "sqlite",
		Dialect:    dialect{},
		Constraint: constraint,
		// SQLite is a file: only a writer that waited out busy_timeout is "unavailable".
		Unavailable: busy,
		Migrations:  migrations,
		// The driver parses every statement it is given; prepared ones are parsed once.
		Prepare: true,
	})}
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
	dsn := dataSource(db.path)
	// One writer: SQLite has one, and queuing here beats SQLITE_BUSY. Write transactions
	// begin IMMEDIATE, taking the write lock first, so a read-check-write sees every commit.
	// Its statement journals stay in memory (temp_store): an UPDATE of a 20 KB row spilled
	// one to a temporary file, created, written and removed in the writers' queue. They hold
	// the pages one statement changes; the read pools, which sort, keep spilling to files.
	write, err := sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=temp_store(MEMORY)")
	if err != nil {
		return err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn+readPragmas)
	if err != nil {
		write.Close()
		return err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	auth, err := sql.Open("sqlite", dsn+readPragmas)
	if err != nil {
		write.Close()
		read.Close()
		return err
	}
	auth.SetMaxOpenConns(4)
	auth.SetMaxIdleConns(4)
	db.Attach(write, read, auth)
	db.reads = read
	if err := db.Migrate(context.Background()); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: migrate %s: %w", db.path, err)
	}
	if db.compactEvery > 0 {
		db.Go(db.compactTextIndex)
	}
	if db.indexEvery > 0 {
		db.Go(db.indexTextLoop)
	}
	return nil
}

// dataSource is the driver's name of the database file at path, with the pragmas of every
// connection. A write that was acknowledged is on disk, even after a power cut:
// synchronous=NORMAL leaves the WAL's sync at each commit to the Syncer, which does it after
// the write lock for every commit made meanwhile (walsync.go); checkpoints sync as under FULL.
func dataSource(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
}

// readPragmas are those of the read pools' connections (data and authentication: 12). Each
// keeps a page cache of 256 KiB instead of SQLite's 2 MiB: a page of full records reads
// hundreds of overflow pages of definitions, seldom read again by the same connection, so the
// caches filled and stayed full: twelve of them were some 40 MB of the 170 MB peak at 16
// connections (about twice their nominal size, with the allocator's overhead); the smaller caches
// cost no measurable CPU (the pages come from the OS's cache) and keep the B-trees' upper pages.
const readPragmas = "&_pragma=query_only(1)&_pragma=cache_size(-256)"

// constraint reads SQLite's extended result code of a constraint violation.
func constraint(err error) sqlstore.Constraint {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return sqlstore.PrimaryKey
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return sqlstore.Unique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return sqlstore.ForeignKey
		}
	}
	return sqlstore.NoConstraint
}

// busy: the database stayed locked for longer than busy_timeout.
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
}
