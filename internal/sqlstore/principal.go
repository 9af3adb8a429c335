package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// Bootstrap creates, on first start, the organization, its root business unit and the
// bootstrap System Administrator; later calls return the same administrator.
func (db *DB) Bootstrap(ctx context.Context) (*connectorhub.SystemUser, error) {
	var id string
	err := db.transact(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'bootstrapuserid'`).Scan(&id)
		if err == nil {
			// Databases from before roles existed get them, and the administrator its role.
			var bu string
			if err := defaultBusinessUnit(ctx, tx, &bu); err != nil {
				return err
			}
			return grantAdministrator(ctx, tx, id, bu)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		org, bu := connectorhub.NewGUID(), connectorhub.NewGUID()
		id = connectorhub.NewGUID()
		for _, stmt := range []struct {
			q    string
			args []any
		}{
			{`INSERT INTO organization (organizationid, name) VALUES (?, 'ConnectorHub')`, []any{org}},
			{`INSERT INTO businessunits (businessunitid, name) VALUES (?, 'ConnectorHub')`, []any{bu}},
			{`INSERT INTO systemusers (systemuserid, fullname, internalemailaddress, businessunitid, createdon) VALUES (?, 'System Administrator', 'admin@connectorhub.local', ?, ?)`, []any{id, bu, db.now().Unix()}},
			{`INSERT INTO settings (key, value) VALUES ('bootstrapuserid', ?), ('rootbusinessunitid', ?)`, []any{id, bu}},
		} {
			if _, err := tx.ExecContext(ctx, stmt.q, stmt.args...); err != nil {
				return err
			}
		}
		return grantAdministrator(ctx, tx, id, bu)
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return db.FindSystemUserByID(ctx, id)
}

// grantAdministrator ensures the built-in roles and gives the user System Administrator.
func grantAdministrator(ctx context.Context, tx *Tx, userID, rootBU string) error {
	if err := ensureBuiltinRoles(ctx, tx, rootBU); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO systemuserroles (systemuserid, roleid)
		SELECT ?, roleid FROM roles WHERE name = ? AND businessunitid = ? ON CONFLICT DO NOTHING`, userID, connectorhub.RoleSystemAdministrator, rootBU)
	return err
}

// Organization returns the environment's organization.
func (db *DB) Organization(ctx context.Context) (*connectorhub.Organization, error) {
	var o connectorhub.Organization
	if err := db.read.QueryRowContext(ctx, `SELECT organizationid, name FROM organization`).Scan(&o.ID, &o.Name); err != nil {
		return nil, fmt.Errorf("organization: %w", err)
	}
	return &o, nil
}

// FindSystemUserByID returns the user; ECodeNotFound if there is none.
func (db *DB) FindSystemUserByID(ctx context.Context, id string) (*connectorhub.SystemUser, error) {
	var u connectorhub.SystemUser
	var email, oid, issuer sql.NullString
	var created int64
	var validAfter sql.NullInt64
	err := db.auth.QueryRowContext(ctx, `SELECT systemuserid, fullname, internalemailaddress, azureactivedirectoryobjectid, businessunitid, createdon, isdisabled, objectidissuer, tokensvalidafter FROM systemusers WHERE systemuserid = ?`, id).
		Scan(&u.ID, &u.FullName, &email, &oid, &u.BusinessUnitID, &created, &u.Disabled, &issuer, &validAfter)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "systemuser With Id = %s Does Not Exist", id)
	} else if err != nil {
		return nil, fmt.Errorf("find systemuser %s: %w", id, err)
	}
	u.Email, u.AADObjectID, u.CreatedOn, u.Issuer = email.String, oid.String, time.Unix(created, 0).UTC(), issuer.String
	if validAfter.Valid {
		u.TokensValidAfter = time.Unix(validAfter.Int64, 0).UTC()
	}
	return &u, nil
}

// CreateSystemUser adds a user (in the root business unit when BusinessUnitID is "") with
// its roles, checked as AddSystemUser checks it, for the installation rather than a caller:
// the commands and the first sign-in of an external user.
func (db *DB) CreateSystemUser(ctx context.Context, u *connectorhub.SystemUser) error {
	return db.transact(ctx, func(tx *Tx) error { return db.insertSystemUser(ctx, tx, u) })
}

// FindTeamByID returns the team; ECodeNotFound if there is none.
func (db *DB) FindTeamByID(ctx context.Context, id string) (*connectorhub.Team, error) {
	var t connectorhub.Team
	err := db.read.QueryRowContext(ctx, `SELECT teamid, name, businessunitid FROM teams WHERE teamid = ?`, id).Scan(&t.ID, &t.Name, &t.BusinessUnitID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "team With Id = %s Does Not Exist", id)
	} else if err != nil {
		return nil, fmt.Errorf("find team %s: %w", id, err)
	}
	return &t, nil
}

// CreateTeam adds a team (in the root business unit when BusinessUnitID is ""), checked as
// AddTeam checks it, without a caller: it serves the local `connectorhub teams create`.
func (db *DB) CreateTeam(ctx context.Context, t *connectorhub.Team) error {
	return db.transact(ctx, func(tx *Tx) error { return insertTeam(ctx, tx, t) })
}

// FindBusinessUnitByID returns the business unit; ECodeNotFound if there is none.
func (db *DB) FindBusinessUnitByID(ctx context.Context, id string) (*connectorhub.BusinessUnit, error) {
	var b connectorhub.BusinessUnit
	var parent sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT businessunitid, name, parentbusinessunitid FROM businessunits WHERE businessunitid = ?`, id).Scan(&b.ID, &b.Name, &parent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "businessunit With Id = %s Does Not Exist", id)
	} else if err != nil {
		return nil, fmt.Errorf("find businessunit %s: %w", id, err)
	}
	b.ParentID = parent.String
	return &b, nil
}

func defaultBusinessUnit(ctx context.Context, tx *Tx, bu *string) error {
	if *bu != "" {
		return nil
	}
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'rootbusinessunitid'`).Scan(bu)
	if errors.Is(err, sql.ErrNoRows) {
		return connectorhub.Errorf(connectorhub.ECodeUnexpected, "The database has no root business unit: Bootstrap was not run.")
	}
	return err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
