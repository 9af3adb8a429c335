package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
)

// ScanConnectors calls fn with each connector q selects, in q's order, as it reads them.
func (db *DB) ScanConnectors(ctx context.Context, q connectorhub.ConnectorQuery, fn func(*connectorhub.ConnectorRow) error) error {
	sel, err := sqlgen.SelectConnectors(db.e.Dialect, sqlgen.NewEnv(ctx, db.Now()), q)
	if err != nil {
		return err
	}
	// A request that owes its security check reads the security version with the rows, in
	// the same statement, and settles the check with the first row (a page of one record, a
	// look-up by name, is then one query).
	chk := connectorhub.UnsettledSecurityCheck(ctx)
	text, qctx := sel.SQL, ctx
	if rest, ok := strings.CutPrefix(sel.SQL, "SELECT "); ok && chk != nil {
		text, qctx = "SELECT "+securityVersionColumn+", "+rest, connectorhub.NewContextWithSecurityCheck(ctx, nil)
	} else {
		chk = nil // settled by the query, as any other
	}
	rows, err := db.read.QueryContext(qctx, text, sel.Args...)
	if err != nil {
		return fmt.Errorf("scan connectors: %w", err)
	}
	defer rows.Close()
	var row scanner = rows
	var versioned *versionedRow
	if chk != nil {
		versioned = &versionedRow{s: rows}
		row = versioned
	}
	for n := 0; rows.Next(); n++ {
		r, err := sel.Scan(row)
		if err != nil {
			return fmt.Errorf("scan connectors: %w", err)
		}
		if chk != nil && n == 0 {
			if err := chk.Settle(versioned.version); err != nil {
				return err
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan connectors: %w", err)
	}
	if chk != nil {
		// No row: the check is settled by a read of its own.
		return chk.Confirm(ctx)
	}
	return nil
}

// FindConnectors returns the connectors that q selects, in q's order.
func (db *DB) FindConnectors(ctx context.Context, q connectorhub.ConnectorQuery) ([]*connectorhub.Connector, error) {
	var cs []*connectorhub.Connector
	err := db.ScanConnectors(ctx, q, func(r *connectorhub.ConnectorRow) error {
		cs = append(cs, r.Connector)
		return nil
	})
	return cs, err
}

// CountConnectors returns how many connectors q's filter selects, counting no further than
// q.Top when it is set.
func (db *DB) CountConnectors(ctx context.Context, q connectorhub.ConnectorQuery) (int, error) {
	text, args, err := sqlgen.CountConnectors(db.e.Dialect, sqlgen.NewEnv(ctx, db.Now()), q, q.Top)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.read.QueryRowContext(ctx, text, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count connectors: %w", err)
	}
	return n, nil
}

// AggregateConnectors returns the groups and aggregates of q.Apply over the connectors q selects.
func (db *DB) AggregateConnectors(ctx context.Context, q connectorhub.ConnectorQuery) ([]connectorhub.AggregateRow, error) {
	agg, err := sqlgen.AggregateConnectors(db.e.Dialect, sqlgen.NewEnv(ctx, db.Now()), q)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, agg.SQL, agg.Args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate connectors: %w", err)
	}
	defer rows.Close()
	var out []connectorhub.AggregateRow
	for rows.Next() {
		r, err := agg.Scan(rows)
		if err != nil {
			return nil, fmt.Errorf("aggregate connectors: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PagingKey returns the database's secret for signing $skiptoken values, creating it on first
// use. It lives in the settings table so that every server on this database, before and after
// a restart, accepts the tokens of the others.
func (db *DB) PagingKey(ctx context.Context) ([]byte, error) {
	// The key never changes once written, so every paged list after the first reads it from
	// memory rather than from the settings table.
	db.pagingKeyMu.Lock()
	defer db.pagingKeyMu.Unlock()
	if db.pagingKey != nil {
		return db.pagingKey, nil
	}
	var enc string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'pagingkey'`).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.transact(ctx, func(tx *Tx) error {
			key := make([]byte, 32)
			rand.Read(key)
			// Another server may have raced us to it: the first key written wins.
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('pagingkey', ?) ON CONFLICT (key) DO NOTHING`,
				base64.StdEncoding.EncodeToString(key)); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'pagingkey'`).Scan(&enc)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("paging key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("paging key: malformed setting")
	}
	db.pagingKey = key
	return key, nil
}

// ImportConnectors creates connectors built by NewConnector in one transaction, each as
// CreateConnector would: for tests, benchmarks and bulk imports, where one durable commit per
// record would dominate. All or none are created; errors as CreateConnector.
func (db *DB) ImportConnectors(ctx context.Context, cs []*connectorhub.Connector) error {
	caller := connectorhub.PrincipalFromContext(ctx)
	if caller == nil {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	err := db.transact(ctx, func(tx *Tx) error {
		for _, c := range cs {
			if err := db.createConnector(ctx, tx, c, caller); err != nil {
				return fmt.Errorf("connector %s: %w", c.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import connectors: %w", err)
	}
	return nil
}

// Secret returns the installation's secret of that name from the settings table, creating it
// with create on first use; when several servers race to create it, the first one written
// wins and every server returns that one. For keys every server on the database must share
// (the local token issuer's on PostgreSQL).
func (db *DB) Secret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	var enc string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		var v []byte
		if v, err = create(); err != nil {
			return nil, err
		}
		err = db.transact(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
				name, base64.StdEncoding.EncodeToString(v)); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, name).Scan(&enc)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	v, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("secret %s: malformed setting", name)
	}
	return v, nil
}
