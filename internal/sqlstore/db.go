// Package sqlstore implements ConnectorHub's services once, in SQL that both storage engines
// run: the connector and identity tables, security, sharing and change tracking. An engine
// (package sqlite or postgres) opens its database and gives an Engine: its SQL dialect, how
// to read its driver's errors, and the statement that serialises writers. Nothing here
// depends on a driver.
//
// The hand-written SQL uses "?" placeholders; an engine that numbers its parameters gets
// them rewritten once per statement text (Engine.Numbered).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
)

// Constraint is the kind of integrity constraint a write violated.
type Constraint int

// The constraints the store tells apart.
const (
	NoConstraint Constraint = iota
	PrimaryKey
	Unique
	ForeignKey
)

// Engine is what differs between SQL databases below the shared store.
type Engine struct {
	// Name names the engine in errors ("sqlite", "postgres").
	Name string
	// Dialect is the engine's part of the OData translator; hand-written SQL uses it too for
	// case-insensitive comparison and order.
	Dialect sqlgen.Dialect
	// Numbered is true when the driver takes $1, $2… rather than "?".
	Numbered bool
	// Constraint classifies a driver error as a constraint violation, or NoConstraint.
	Constraint func(error) Constraint
	// Retryable reports whether a failed transaction may simply be run again (PostgreSQL's
	// serialization failures and deadlocks); nil when never.
	Retryable func(error) bool
	// Unavailable reports whether an error says the database cannot be reached or refuses
	// work for now (a restart, a lost connection, too many clients): the statement did
	// nothing, a read may be sent again, and the caller is told 503 rather than 500.
	Unavailable func(error) bool
	// Reconnects: a statement that found the database unavailable is worth one more attempt
	// on a new connection (a client/server engine whose pooled connections a restart closed);
	// false for a file, where waiting again changes nothing.
	Reconnects bool
	// Migrations holds the engine's schema migrations, *.sql at its root, applied in name order.
	Migrations fs.FS
	// Prepare: keep the pools' statements prepared, by text (SQLite, whose driver parses
	// each statement anew; pgx keeps its own per connection).
	Prepare bool
	// LockWrites, when set, is run first in every write transaction, so that writes run one at
	// a time across every server on the database, as SQLite's single writer does on one: a
	// read-check-write (an If-Match, a uniqueness check) then sees every earlier commit.
	LockWrites string
	// OneWriter: the engine writes through one connection (SQLite). Writers then queue for it
	// in the order they came: database/sql gives a freed connection to a random waiter, so
	// with many writers the unluckiest waited for many transactions.
	OneWriter bool
	// Syncer, when set, makes commits durable after COMMIT returns, outside the write lock,
	// so that one sync can cover several commits (SQLite's group commit).
	Syncer Syncer
}

// Syncer makes committed transactions durable.
type Syncer interface {
	// Sync returns once every transaction committed before the call is durable.
	Sync() error
	// Failed is a failed sync that stops every write (what the disk holds is unknown), or nil.
	Failed() error
}

// DB holds the services over an open database. The engine packages embed it.
type DB struct {
	e     Engine
	write *Pool
	read  *Pool
	// auth is a pool of its own for reading callers (users, roles, teams) on every request, so
	// that data reads, however many and slow, cannot starve authentication.
	auth *Pool

	// Now is the clock for createdon and modifiedon; tests replace it.
	Now func() time.Time

	pagingKeyMu sync.Mutex
	pagingKey   []byte // cached by PagingKey

	writer chan struct{} // the turn to write, with OneWriter; its waiters are served in order

	updateShapesMu sync.Mutex
	updateShapes   map[string]bool // the UPDATE texts allowed the statement cache (connector.go)

	// The engine's upkeep (Go): its context, cancelled by Close, which then waits for it.
	backgroundMu   sync.Mutex // orders Go's Add before Close's Wait
	background     sync.WaitGroup
	backgroundCtx  context.Context
	stopBackground context.CancelFunc
}

// New returns a DB of engine e; Attach gives it its connections.
func New(e Engine) *DB {
	if e.Constraint == nil {
		e.Constraint = func(error) Constraint { return NoConstraint }
	}
	db := &DB{e: e, Now: time.Now}
	db.backgroundCtx, db.stopBackground = context.WithCancel(context.Background())
	if e.OneWriter {
		db.writer = make(chan struct{}, 1)
	}
	return db
}

// Attach gives db its pools: write for write transactions, read for data reads and auth for
// reading callers. They may be the same pool.
func (db *DB) Attach(write, read, auth *sql.DB) {
	db.write, db.read, db.auth = db.pool(write), db.pool(read), db.pool(auth)
}

func (db *DB) pool(p *sql.DB) *Pool { return &Pool{DB: p, e: &db.e} }

// Go runs fn in the background, for the engine's upkeep while the database is open: Close
// cancels fn's context and waits for it to return before it closes the connections.
// After Close it does nothing.
func (db *DB) Go(fn func(ctx context.Context)) {
	db.backgroundMu.Lock()
	defer db.backgroundMu.Unlock()
	if db.backgroundCtx.Err() != nil {
		return
	}
	db.background.Add(1)
	go func() {
		defer db.background.Done()
		fn(db.backgroundCtx)
	}()
}

// Close stops the background upkeep and closes the database's connections.
func (db *DB) Close() error {
	db.backgroundMu.Lock()
	db.stopBackground()
	db.backgroundMu.Unlock()
	db.background.Wait()
	if db.write == nil {
		return nil
	}
	return errors.Join(db.auth.Close(), db.read.Close(), db.write.Close())
}

// Pool is a connection pool whose statements take "?" placeholders on every engine.
type Pool struct {
	*sql.DB
	e *Engine

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared statements by text, when the engine Prepares
}

// maxPrepared bounds a pool's prepared statements: the fixed statements and the common
// shapes of OData queries, not every shape a client can send.
const maxPrepared = 256

// prepared returns the statement of that text prepared on the pool, or nil: the engine does
// not prepare, the cache is full, another caller is preparing it, or preparing failed (the
// query then reports the error).
func (p *Pool) prepared(query string) *sql.Stmt {
	if !p.e.Prepare {
		return nil
	}
	p.mu.Lock()
	if st, ok := p.stmts[query]; ok || len(p.stmts) >= maxPrepared {
		p.mu.Unlock()
		return st
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[query] = nil // being prepared
	p.mu.Unlock()
	// Outside the lock: preparing waits for a free connection, which may take a while.
	st, err := p.DB.Prepare(query)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.stmts == nil: // closed meanwhile
		if st != nil {
			st.Close()
		}
		return nil
	case err != nil:
		delete(p.stmts, query)
		return nil
	}
	p.stmts[query] = st
	return st
}

// cached returns the statement of that text if the pool has it prepared; if not, it has it
// prepared in the background, for the next time. A transaction holds a connection and must
// not wait for another: on SQLite's one-connection write pool that would wait for itself.
func (p *Pool) cached(query string) *sql.Stmt {
	if !p.e.Prepare {
		return nil
	}
	p.mu.Lock()
	st, ok := p.stmts[query]
	full := len(p.stmts) >= maxPrepared
	p.mu.Unlock()
	if !ok && !full {
		go p.prepared(query)
	}
	return st
}

// Close closes the pool's prepared statements and connections.
func (p *Pool) Close() error {
	p.mu.Lock()
	var errs []error
	for _, st := range p.stmts {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	p.stmts = nil
	p.mu.Unlock()
	return errors.Join(append(errs, p.DB.Close())...)
}

// settle settles the request's security check, if it owes one, before a statement that does
// not settle it itself: nothing is read or written for a principal that is no longer current.
func settle(ctx context.Context) error {
	if c := connectorhub.UnsettledSecurityCheck(ctx); c != nil {
		return c.Confirm(ctx)
	}
	return nil
}

// ExecContext runs a statement.
func (p *Pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := settle(ctx); err != nil {
		return nil, err
	}
	res, err := p.DB.ExecContext(ctx, rebind(p.e.Numbered, query), args...)
	return res, p.e.wrap(err)
}

// QueryContext runs a query, once more when the first attempt found the database unavailable
// (a pooled connection that a database restart closed, most often).
func (p *Pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := settle(ctx); err != nil {
		return nil, err
	}
	query = rebind(p.e.Numbered, query)
	if st := p.prepared(query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, p.e.wrap(err)
	}
	rows, err := p.DB.QueryContext(ctx, query, args...)
	if err != nil && p.e.Reconnects && p.e.unavailable(err) && ctx.Err() == nil {
		rows, err = p.DB.QueryContext(ctx, query, args...)
	}
	return rows, p.e.wrap(err)
}

// QueryRowContext runs a query of at most one row, when its Scan is called; again, once, when
// the first attempt found the database unavailable.
func (p *Pool) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	if err := settle(ctx); err != nil {
		return &Row{e: p.e, err: err}
	}
	query = rebind(p.e.Numbered, query)
	if st := p.prepared(query); st != nil {
		return &Row{e: p.e, run: func() *sql.Row { return st.QueryRowContext(ctx, args...) }}
	}
	return &Row{e: p.e, run: func() *sql.Row { return p.DB.QueryRowContext(ctx, query, args...) }, again: ctx.Err}
}

// Row is the result of QueryRowContext.
type Row struct {
	e     *Engine
	run   func() *sql.Row
	again func() error // nil: no second attempt (inside a transaction)
	err   error        // the query did not run: its error
}

// Scan copies the row's columns into dest; sql.ErrNoRows when there is none.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.run().Scan(dest...)
	if err != nil && r.again != nil && r.e.Reconnects && r.e.unavailable(err) && r.again() == nil {
		err = r.run().Scan(dest...)
	}
	return r.e.wrap(err)
}

// Tx is a transaction whose statements take "?" placeholders on every engine.
type Tx struct {
	*sql.Tx
	e    *Engine
	pool *Pool // the pool whose prepared statements the transaction uses, or nil
}

// stmt is the statement of that text prepared on the transaction's pool, bound to the
// transaction, or nil. On SQLite the one write connection keeps it, so each text is parsed
// once for all transactions rather than once in each (database/sql's Tx.StmtContext reuses
// a statement already prepared on the transaction's connection).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.pool == nil {
		return nil
	}
	st := tx.pool.cached(query)
	if st == nil {
		return nil
	}
	return tx.Tx.StmtContext(ctx, st)
}

// execUnprepared runs a statement without the pool's statement cache.
func (tx *Tx) execUnprepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.Tx.ExecContext(ctx, rebind(tx.e.Numbered, query), args...)
	return res, tx.e.wrap(err)
}

// PreparedWrites is how many statements the write pool keeps prepared.
func (db *DB) PreparedWrites() int {
	db.write.mu.Lock()
	defer db.write.mu.Unlock()
	return len(db.write.stmts)
}

// ExecContext runs a statement.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = rebind(tx.e.Numbered, query)
	if st := tx.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, tx.e.wrap(err)
	}
	res, err := tx.Tx.ExecContext(ctx, query, args...)
	return res, tx.e.wrap(err)
}

// QueryContext runs a query.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = rebind(tx.e.Numbered, query)
	if st := tx.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, tx.e.wrap(err)
	}
	rows, err := tx.Tx.QueryContext(ctx, query, args...)
	return rows, tx.e.wrap(err)
}

// QueryRowContext runs a query of at most one row, when its Scan is called.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	query = rebind(tx.e.Numbered, query)
	if st := tx.stmt(ctx, query); st != nil {
		return &Row{e: tx.e, run: func() *sql.Row { return st.QueryRowContext(ctx, args...) }}
	}
	return &Row{e: tx.e, run: func() *sql.Row { return tx.Tx.QueryRowContext(ctx, query, args...) }}
}

// errUnavailable is what a caller is told when the database is unavailable.
var errUnavailable = connectorhub.Errorf(connectorhub.ECodeServerBusy, "The database is unavailable; try again later.")

// unavailableError is a driver's error that says the database is unavailable: its message is
// the domain's 503, its cause stays in the chain for the log.
type unavailableError struct{ cause error }

func (u *unavailableError) Error() string   { return "database unavailable: " + u.cause.Error() }
func (u *unavailableError) Unwrap() []error { return []error{errUnavailable, u.cause} }

func (e *Engine) unavailable(err error) bool {
	return err != nil && e.Unavailable != nil && e.Unavailable(err)
}

// wrap marks an error of the database being unavailable.
func (e *Engine) wrap(err error) error {
	var u *unavailableError
	if e.unavailable(err) && !errors.As(err, &u) {
		return &unavailableError{err}
	}
	return err
}

// rebound caches the numbered form of each statement text: the texts are few (the fixed
// statements and the shapes of the OData queries), and rewriting costs a scan each time.
var rebound sync.Map

// maxRebound bounds the cache: OData queries of many shapes must not grow it for ever.
const maxRebound = 4096

var reboundCount int64
var reboundMu sync.Mutex

// rebind turns "?" into $1, $2… when the engine numbers its parameters. The SQL of this
// package and of sqlgen never holds a "?" inside a literal: every value is bound.
func rebind(numbered bool, query string) string {
	if !numbered || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	reboundMu.Lock()
	if reboundCount < maxRebound {
		reboundCount++
		rebound.Store(query, out)
	}
	reboundMu.Unlock()
	return out
}

// transact runs fn in a write transaction, committing when it returns nil and rolling back
// on an error or a panic; inside Transact, fn runs in Transact's transaction.
func (db *DB) transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if tx, ok := ctx.Value(txKey{}).(*Tx); ok {
		return fn(tx) // the caller's Transact: commit or roll back with the rest
	}
	return db.begin(ctx, fn)
}

// Transacting is for the engines' own statements (migrations).
func (db *DB) Transacting(ctx context.Context, fn func(tx *Tx) error) error {
	return db.transact(ctx, fn)
}

// txKey marks a context inside Transact; its value is the transaction.
type txKey struct{}

// Transact runs fn in one write transaction: every write fn makes through the DB's services
// with the context it is given joins that transaction, so they all commit, or none does
// when fn returns an error or panics ($batch change sets). Transactions do not nest: a
// context already inside one is refused. On an engine that reports serialization failures
// and deadlocks, fn may run again from the start: it must not act outside the transaction
// before it returns.
func (db *DB) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(txKey{}) != nil {
		return errors.New(db.e.Name + ": Transact inside a transaction: transactions do not nest")
	}
	return db.begin(ctx, func(tx *Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// maxAttempts bounds the retries of a transaction the engine failed for contention.
const maxAttempts = 5

// begin runs fn in a new write transaction, again when the engine says a failure was only
// contention, and once more when the database was unavailable before the COMMIT.
func (db *DB) begin(ctx context.Context, fn func(tx *Tx) error) (err error) {
	for attempt := 1; ; attempt++ {
		err = db.beginOnce(ctx, fn)
		var c *commitError
		if errors.As(err, &c) {
			// Whether a failed COMMIT took effect is unknown: never run it again.
			return db.e.wrap(c.err)
		}
		// Contention is retried a few times; an unavailable database once (a pooled connection
		// a restart closed): more attempts would only hold the caller while the server is down.
		again := db.e.Retryable != nil && db.e.Retryable(err) || attempt == 1 && db.e.Reconnects && db.e.unavailable(err)
		if err == nil || !again || attempt == maxAttempts || ctx.Err() != nil {
			return db.e.wrap(err)
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
}

// commitError is a failed COMMIT.
type commitError struct{ err error }

func (c *commitError) Error() string { return c.err.Error() }
func (c *commitError) Unwrap() error { return c.err }

func (db *DB) beginOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if err := settle(ctx); err != nil {
		return err
	}
	if db.e.Syncer != nil {
		if err := db.e.Syncer.Failed(); err != nil {
			return err
		}
	}
	release := func() {}
	if db.writer != nil {
		// Goroutines blocked on a channel are served first come, first served.
		select {
		case db.writer <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		var once sync.Once
		release = func() { once.Do(func() { <-db.writer }) }
		defer release()
	}
	sqlTx, err := db.write.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: sqlTx, e: &db.e, pool: db.write}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if db.e.LockWrites != "" {
		if _, err = tx.ExecContext(ctx, db.e.LockWrites); err != nil {
			return err
		}
	}
	if err = fn(tx); err != nil {
		return err
	}
	err = tx.Commit()
	// The next writer may begin once this one committed: the sync below is shared.
	release()
	if err != nil {
		return &commitError{err}
	}
	if db.e.Syncer != nil {
		// Committed, but not acknowledged before it is durable.
		if err := db.e.Syncer.Sync(); err != nil {
			return &commitError{err}
		}
	}
	return nil
}

// now is the clock truncated to the second, the precision the Web API shows.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// nextVersion takes the next row version of the database.
func nextVersion(ctx context.Context, tx *Tx) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `UPDATE rowversion SET value = value + 1 RETURNING value`).Scan(&v)
	return v, err
}

// constraint classifies err as the constraint it violated, or NoConstraint.
func (e *Engine) constraint(err error) Constraint {
	if err == nil {
		return NoConstraint
	}
	return e.Constraint(err)
}

// violated reports whether err is any constraint violation.
func (e *Engine) violated(err error) bool { return e.constraint(err) != NoConstraint }

// ci is the engine's case-insensitive comparison of a column with one bound value.
func (e *Engine) ci(col string) string { return e.Dialect.CompareText(col, "=", "?") }

// order is the engine's case-insensitive sort key of a column.
func (e *Engine) order(col string) string { return e.Dialect.OrderText(col) }

// Compile-time checks that DB provides the services.
var (
	_ connectorhub.ConnectorService = (*DB)(nil)
	_ connectorhub.PrincipalService = (*DB)(nil)
	_ connectorhub.SharingService   = (*DB)(nil)
	_ connectorhub.IdentityService  = (*DB)(nil)
	_ connectorhub.Transactor       = (*DB)(nil)
	_ connectorhub.ChangeTracker    = (*DB)(nil)
)
