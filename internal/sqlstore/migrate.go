package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// migrations lists the engine's migration files in the order they apply.
func (db *DB) migrations() ([]string, error) {
	names, err := fs.Glob(db.e.Migrations, "*.sql")
	sort.Strings(names)
	return names, err
}

// Migrate applies, in order and each in its own write transaction, the engine's migrations
// not yet recorded in the migrations table. Write transactions are serialised (LockWrites),
// so servers starting together on one database apply each migration once.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, appliedon BIGINT NOT NULL)`)
		return err
	}); err != nil {
		return err
	}
	names, err := db.migrations()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := db.transact(ctx, func(tx *Tx) error {
			var n int
			// Recorded under the migrations/ prefix, as SQLite databases always were.
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, "migrations/"+name).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := fs.ReadFile(db.e.Migrations, name)
			if err != nil {
				return err
			}
			// The body is sent as it is: it holds no placeholders.
			if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO migrations (name, appliedon) VALUES (?, ?)`, "migrations/"+name, time.Now().Unix())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// Ready reports whether the database answers and holds every migration this build knows:
// the readiness of a server on it (GET /readyz).
func (db *DB) Ready(ctx context.Context) error {
	names, err := db.migrations()
	if err != nil {
		return err
	}
	var applied int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("%s: %w", db.e.Name, err)
	}
	if applied < len(names) {
		return fmt.Errorf("%s: %d of %d migrations applied", db.e.Name, applied, len(names))
	}
	return nil
}
