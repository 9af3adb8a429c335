package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
)

type scanner interface{ Scan(dest ...any) error }

// FindConnectorByID returns one connector; ECodeNotFound if there is none.
func (db *DB) FindConnectorByID(ctx context.Context, id string) (*connectorhub.Connector, error) {
	var c *connectorhub.Connector
	var err error
	if chk := connectorhub.UnsettledSecurityCheck(ctx); chk != nil {
		c, err = findConnectorSettling(ctx, db.read, id, chk)
	} else {
		c, err = findConnector(ctx, db.read, id)
	}
	if err == nil {
		err = require(ctx, db.read, connectorhub.PrivRead, c)
	}
	if err != nil {
		return nil, fmt.Errorf("find connector %s: %w", id, err)
	}
	return c, nil
}

// require checks that the caller of ctx holds priv on c, counting what shares grant.
func require(ctx context.Context, q queryer, priv connectorhub.Privilege, c *connectorhub.Connector) error {
	p := connectorhub.PrincipalFromContext(ctx)
	if p == nil {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	rec := connectorhub.Record{OwnerID: c.OwnerID, OwningBusinessUnit: c.OwningBusinessUnit}
	if p.Depth(priv) > connectorhub.DepthNone && !p.CanAccess(priv, rec) {
		// Only a check that fails on depth needs the shares: most callers own or reach the record.
		mask, err := sharedMask(ctx, q, c.ID, p)
		if err != nil {
			return err
		}
		rec.Shared = mask
	}
	return p.Require(priv, &rec)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sharedMask is the union of the access rights shared on a connector with the caller or the caller's teams.
func sharedMask(ctx context.Context, q queryer, id string, p *connectorhub.Principal) (connectorhub.AccessMask, error) {
	principals := []any{id, p.UserID}
	marks := "?"
	if p.Security != nil {
		for _, t := range p.Security.TeamIDs {
			principals = append(principals, t)
			marks += ",?"
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT accessmask FROM principalobjectaccess WHERE objectid = ? AND principalid IN (`+marks+`)`, principals...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var mask connectorhub.AccessMask
	for rows.Next() {
		var m connectorhub.AccessMask
		if err := rows.Scan(&m); err != nil {
			return 0, err
		}
		mask |= m
	}
	return mask, rows.Err()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *Row
}

func findConnector(ctx context.Context, q querier, id string) (*connectorhub.Connector, error) {
	return findConnectorColumns(ctx, q, id, sqlgen.RowColumns)
}

// findConnectorColumns is findConnector reading columns, sqlgen.RowColumns or BriefRowColumns.
func findConnectorColumns(ctx context.Context, q querier, id, columns string) (*connectorhub.Connector, error) {
	c, err := sqlgen.ScanRow(q.QueryRowContext(ctx, `SELECT `+columns+` FROM connectors WHERE connectorid = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	return c, err
}

// findConnectorSettling is findConnector for a request that owes its security check: the
// record and the security version are read in one statement, which settles the check.
func findConnectorSettling(ctx context.Context, q querier, id string, chk *connectorhub.SecurityCheck) (*connectorhub.Connector, error) {
	row := &versionedRow{s: q.QueryRowContext(connectorhub.NewContextWithSecurityCheck(ctx, nil),
		`SELECT `+securityVersionColumn+`, `+sqlgen.RowColumns+` FROM connectors WHERE connectorid = ?`, id)}
	c, err := sqlgen.ScanRow(row)
	if errors.Is(err, sql.ErrNoRows) {
		// No row, no version: whether the caller may even learn that costs a read of its own.
		if err := chk.Confirm(ctx); err != nil {
			return nil, err
		}
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	if err := chk.Settle(row.version); err != nil {
		return nil, err
	}
	return c, nil
}

func notFound(id string) error {
	return connectorhub.Errorf(connectorhub.ECodeNotFound, "connector With Id = %s Does Not Exist", id)
}

// CreateConnector stores a new connector, filling its system columns.
func (db *DB) CreateConnector(ctx context.Context, c *connectorhub.Connector) error {
	caller := connectorhub.PrincipalFromContext(ctx)
	if caller == nil {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	err := db.transact(ctx, func(tx *Tx) error {
		return db.createConnector(ctx, tx, c, caller)
	})
	if err != nil {
		return fmt.Errorf("create connector %s: %w", c.ID, err)
	}
	return nil
}

// createConnector inserts c as caller, owned by the owner c names or else by the caller.
func (db *DB) createConnector(ctx context.Context, tx *Tx, c *connectorhub.Connector, caller *connectorhub.Principal) error {
	if err := caller.Require(connectorhub.PrivCreate, nil); err != nil {
		return err
	}
	if c.OwnerID != "" && c.OwnerID != caller.UserID {
		// Creating a record for someone else assigns it: the new record is first the caller's.
		if err := caller.Require(connectorhub.PrivAssign, &connectorhub.Record{OwnerID: caller.UserID, OwningBusinessUnit: caller.BusinessUnitID}); err != nil {
			return err
		}
	}
	now := db.now()
	v, err := nextVersion(ctx, tx)
	if err != nil {
		return err
	}
	c.CreatedOn, c.ModifiedOn, c.VersionNumber = now, now, v
	c.CreatedBy, c.ModifiedBy = caller.UserID, caller.UserID
	if c.OwnerID != "" {
		if err := setOwner(ctx, tx, c, &connectorhub.OwnerRef{Type: c.OwnerType, ID: c.OwnerID}); err != nil {
			return err
		}
	} else {
		c.OwnerID, c.OwnerType, c.OwningBusinessUnit = caller.UserID, connectorhub.OwnerSystemUser, caller.BusinessUnitID
	}
	// A connector created again with the id of a deleted one is no longer deleted.
	if _, err := tx.ExecContext(ctx, `DELETE FROM connectortombstones WHERE connectorid = ?`, c.ID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO connectors (`+sqlgen.RowColumns+`) VALUES (`+marks(len(connectorhub.StoredColumns))+`)`, sqlgen.RowArgs(c)...)
	return duplicateError(tx.e, err, c)
}

// duplicateError turns a uniqueness violation into Dataverse's duplicate-key error.
func duplicateError(e *Engine, err error, c *connectorhub.Connector) error {
	switch e.constraint(err) {
	case PrimaryKey:
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "Cannot insert duplicate key: a connector with connectorid %s already exists.", c.ID)
	case Unique:
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A record with matching key values already exists: a connector named '%s' exists.", c.Name)
	}
	return err
}

// setOwner makes owner the owner of c; the owner's business unit becomes the owning one.
func setOwner(ctx context.Context, tx *Tx, c *connectorhub.Connector, owner *connectorhub.OwnerRef) error {
	table, key := "systemusers", "systemuserid"
	if owner.Type == connectorhub.OwnerTeam {
		table, key = "teams", "teamid"
	}
	var bu string
	err := tx.QueryRowContext(ctx, `SELECT businessunitid FROM `+table+` WHERE `+key+` = ?`, owner.ID).Scan(&bu)
	if errors.Is(err, sql.ErrNoRows) {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The owner %s(%s) does not exist.", table, owner.ID)
	} else if err != nil {
		return err
	}
	c.OwnerID, c.OwnerType, c.OwningBusinessUnit = owner.ID, owner.Type, bu
	return nil
}

// UpsertConnector updates the connector with that id, or creates it when there is none.
func (db *DB) UpsertConnector(ctx context.Context, id string, u *connectorhub.ConnectorUpdate, pre connectorhub.Precondition, ret connectorhub.Return) (c *connectorhub.Connector, created bool, err error) {
	caller := connectorhub.PrincipalFromContext(ctx)
	if caller == nil {
		return nil, false, connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	columns := sqlgen.RowColumns
	if ret == connectorhub.ReturnBrief && !givesLarge(u) {
		// The large columns read as "" on both sides of changedColumns, so none is written.
		columns = sqlgen.BriefRowColumns
	}
	err = db.transact(ctx, func(tx *Tx) error {
		existing, err := findConnectorColumns(ctx, tx, id, columns)
		var ce *connectorhub.Error
		switch {
		case errors.As(err, &ce) && ce.Code == connectorhub.ECodeNotFound:
			if pre.MustExist || pre.ETag != "" {
				return err
			}
			if c, err = connectorhub.NewConnector(id, u); err != nil {
				return err
			}
			created = true
			return db.createConnector(ctx, tx, c, caller)
		case err != nil:
			return err
		}
		c = existing
		// Authorisation before the preconditions: a 412 would tell a caller who may not
		// write the record whether its guess of the version was right.
		if err := require(ctx, tx, connectorhub.PrivWrite, c); err != nil {
			return err
		}
		if pre.MustNotExist {
			return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A record with matching key values already exists.")
		}
		if pre.ETag != "" && pre.ETag != existing.ETag() {
			return versionMismatch()
		}
		if u.Owner != nil && (u.Owner.ID != c.OwnerID || u.Owner.Type != c.OwnerType) {
			if err := require(ctx, tx, connectorhub.PrivAssign, c); err != nil {
				return err
			}
		}
		stored := sqlgen.RowArgs(c)
		if err := c.Apply(u); err != nil {
			return err
		}
		// A change to a managed connector is its unmanaged layer (spec §4.4).
		c.Customized = c.Customized || c.IsManaged
		if u.Owner != nil {
			if err := setOwner(ctx, tx, c, u.Owner); err != nil {
				return err
			}
		}
		if c.VersionNumber, err = nextVersion(ctx, tx); err != nil {
			return err
		}
		c.ModifiedOn, c.ModifiedBy = db.now(), caller.UserID
		set, args := changedColumns(stored, sqlgen.RowArgs(c))
		update := `UPDATE connectors SET ` + set + ` WHERE connectorid = ?`
		if db.updateShape(update) {
			_, err = tx.ExecContext(ctx, update, append(args, c.ID)...)
		} else {
			_, err = tx.execUnprepared(ctx, update, append(args, c.ID)...)
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("upsert connector %s: %w", id, err)
	}
	return c, created, nil
}

// givesLarge reports whether u sets a large column. Such an update reads the record whole:
// changedColumns must compare the column's stored value (a large column cleared to "" would
// otherwise compare equal to one not read, and not be written), and one more statement text
// per set of large columns is not worth keeping a few KB unread.
func givesLarge(u *connectorhub.ConnectorUpdate) bool {
	for _, col := range connectorhub.StoredColumns {
		if col.Large && col.Given(u) {
			return true
		}
	}
	return false
}

// managedConnector is the refusal to delete a connector a managed solution installed.
func managedConnector(ctx context.Context, tx *Tx, c *connectorhub.Connector) error {
	name := c.SolutionID
	if s, err := solutionByID(ctx, tx, c.SolutionID); err == nil {
		name = s.uniqueName
	}
	return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The connector %s is a managed component of the solution %s: it cannot be deleted on its own. Uninstall the solution (DELETE solutions(%s)) to remove it.", c.ID, name, c.SolutionID)
}

// rowUpdate is the SET list of every stored column: "connectorid = ?, name = ?, …".
var rowUpdate = func() string {
	sets := make([]string, len(connectorhub.StoredColumns))
	for i, col := range connectorhub.StoredColumns {
		sets[i] = col.Stored + " = ?"
	}
	return strings.Join(sets, ", ")
}()

// changedColumns is the SET list of the stored columns whose values differ between two
// RowArgs of one connector, with the new values. Only those are written: a column in the SET
// list costs its indexes' entries being rewritten even to the same value (on SQLite, a PATCH
// of description wrote 21 pages of WAL with every column set, 9 with the changed ones).
func changedColumns(before, after []any) (string, []any) {
	var set strings.Builder
	var args []any
	for i, col := range connectorhub.StoredColumns {
		if before[i] == after[i] {
			continue
		}
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(col.Stored)
		set.WriteString(" = ?")
		args = append(args, after[i])
	}
	return set.String(), args
}

// maxUpdateShapes bounds the UPDATE texts of changedColumns that may be prepared: the
// statement cache of the write pool is filled once (maxPrepared), and a writer who changed
// ever new sets of columns would otherwise fill it, leaving later statements unprepared.
const maxUpdateShapes = 32

// updateShape reports whether an UPDATE text may use the statement cache: the first
// maxUpdateShapes texts seen may.
func (db *DB) updateShape(text string) bool {
	db.updateShapesMu.Lock()
	defer db.updateShapesMu.Unlock()
	if db.updateShapes[text] {
		return true
	}
	if len(db.updateShapes) >= maxUpdateShapes {
		return false
	}
	if db.updateShapes == nil {
		db.updateShapes = map[string]bool{}
	}
	db.updateShapes[text] = true
	return true
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func versionMismatch() error {
	return connectorhub.Errorf(connectorhub.ECodeVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.")
}

// DeleteConnector removes a connector.
func (db *DB) DeleteConnector(ctx context.Context, id string, pre connectorhub.Precondition) error {
	err := db.transact(ctx, func(tx *Tx) error {
		c := &connectorhub.Connector{ID: id}
		err := tx.QueryRowContext(ctx, `SELECT versionnumber, ownerid, owningbusinessunit, ismanaged, solutionid FROM connectors WHERE connectorid = ?`, id).
			Scan(&c.VersionNumber, &c.OwnerID, &c.OwningBusinessUnit, &c.IsManaged, &c.SolutionID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(id)
		} else if err != nil {
			return err
		}
		if err := require(ctx, tx, connectorhub.PrivDelete, c); err != nil {
			return err
		}
		if pre.ETag != "" && pre.ETag != c.ETag() {
			return versionMismatch()
		}
		if c.IsManaged {
			return managedConnector(ctx, tx, c)
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM solutioncomponents WHERE objectid = ?`, id); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM connectors WHERE connectorid = ?`, id); err != nil {
			return err
		}
		return db.tombstone(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("delete connector %s: %w", id, err)
	}
	return nil
}

// tombstone remembers a deletion for change tracking, at a new row version, and forgets the
// deletions older than the retention.
func (db *DB) tombstone(ctx context.Context, tx *Tx, c *connectorhub.Connector) error {
	v, err := nextVersion(ctx, tx)
	if err != nil {
		return err
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO connectortombstones (connectorid, versionnumber, ownerid, owningbusinessunit, deletedon)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (connectorid) DO UPDATE SET versionnumber = excluded.versionnumber,
		ownerid = excluded.ownerid, owningbusinessunit = excluded.owningbusinessunit, deletedon = excluded.deletedon`,
		c.ID, v, c.OwnerID, c.OwningBusinessUnit, now.Unix()); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM connectortombstones WHERE deletedon < ?`, now.Add(-connectorhub.TombstoneRetention).Unix())
	return err
}

// CurrentVersion returns the newest row version of the database: a delta token's position.
func (db *DB) CurrentVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, `SELECT value FROM rowversion`).Scan(&v)
	return v, err
}

// ScanConnectorDeletions calls fn with the id of each connector deleted after the row version
// since and up to until, in version order, that the caller of ctx could read when it was deleted (by the
// owner and business unit it had: shares are gone with the record). ECodeInvalidArgument
// when since is older than the remembered deletions.
func (db *DB) ScanConnectorDeletions(ctx context.Context, since, until int64, fn func(id string) error) error {
	p := connectorhub.PrincipalFromContext(ctx)
	if p == nil {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	scope := p.ReadScope()
	rows, err := db.read.QueryContext(ctx, `SELECT connectorid, ownerid, owningbusinessunit FROM connectortombstones WHERE versionnumber > ? AND versionnumber <= ? ORDER BY versionnumber`, since, until)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, owner, bu string
		if err := rows.Scan(&id, &owner, &bu); err != nil {
			return err
		}
		if scope.All || slices.Contains(scope.Owners, owner) || slices.Contains(scope.BusinessUnits, bu) {
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}
