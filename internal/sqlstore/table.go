package sqlstore

import (
	"context"
	"fmt"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/odata"
)

// The one read path of every table but connectors (connectorhub.Tables).

// mayRead refuses a Restricted table to a caller who may not customize.
func mayRead(ctx context.Context, t *connectorhub.Table) error {
	if !t.Restricted {
		return nil
	}
	p := connectorhub.PrincipalFromContext(ctx)
	if p == nil {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	return p.RequireCustomize("prvRead"+t.Privilege, t)
}

// ScanRows calls fn with each record of t that q selects, in q's order, as it reads them.
func (db *DB) ScanRows(ctx context.Context, t *connectorhub.Table, q connectorhub.TableQuery, fn func(*connectorhub.Row) error) error {
	if err := mayRead(ctx, t); err != nil {
		return err
	}
	sel, err := sqlgen.SelectIdentities(db.e.Dialect, sqlgen.NewEnv(ctx, db.Now()), t, q)
	if err != nil {
		return err
	}
	rows, err := db.read.QueryContext(ctx, sel.SQL, sel.Args...)
	if err != nil {
		return fmt.Errorf("scan %s: %w", t.EntitySetName, err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := sel.Scan(rows)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t.EntitySetName, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan %s: %w", t.EntitySetName, err)
	}
	return nil
}

// CountRows returns how many records of t q selects, counting no further than q.Top.
func (db *DB) CountRows(ctx context.Context, t *connectorhub.Table, q connectorhub.TableQuery) (int, error) {
	if err := mayRead(ctx, t); err != nil {
		return 0, err
	}
	text, args, err := sqlgen.CountRows(db.e.Dialect, sqlgen.NewEnv(ctx, db.Now()), t, q, q.Top)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.read.QueryRowContext(ctx, text, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", t.EntitySetName, err)
	}
	return n, nil
}

// FindRow returns one record of t; ECodeNotFound if there is none.
func (db *DB) FindRow(ctx context.Context, t *connectorhub.Table, id string) (*connectorhub.Row, error) {
	g, err := odata.ParseGUID(id)
	if err != nil {
		return nil, identityNotFound(t, id)
	}
	q := connectorhub.TableQuery{Top: 1, Filter: &odata.CompareExpr{Op: odata.Eq,
		Left: &odata.PropertyPath{Segments: []string{t.PrimaryID}}, Right: &odata.Literal{Kind: odata.KindGUID, Value: g}}}
	var found *connectorhub.Row
	if err := db.ScanRows(ctx, t, q, func(r *connectorhub.Row) error {
		found = r
		return nil
	}); err != nil {
		return nil, err
	}
	if found == nil {
		return nil, identityNotFound(t, id)
	}
	return found, nil
}

func identityNotFound(t *connectorhub.Table, id string) error {
	return connectorhub.Errorf(connectorhub.ECodeNotFound, "%s With Id = %s Does Not Exist", t.LogicalName, id)
}
