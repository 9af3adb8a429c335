package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	connectorhub "github.com/connectorhub/connectorhub"
)

// sharedRecord reads what an access check needs of a connector.
func sharedRecord(ctx context.Context, q querier, id string) (*connectorhub.Connector, error) {
	c := &connectorhub.Connector{ID: id}
	err := q.QueryRowContext(ctx, `SELECT ownerid, owneridtype, owningbusinessunit FROM connectors WHERE connectorid = ?`, id).
		Scan(&c.OwnerID, &c.OwnerType, &c.OwningBusinessUnit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	return c, err
}

// principalExists checks a share's principal.
func principalExists(ctx context.Context, tx *Tx, p connectorhub.OwnerRef) error {
	table, key := "systemusers", "systemuserid"
	if p.Type == connectorhub.OwnerTeam {
		table, key = "teams", "teamid"
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+key+` = ?`, p.ID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The principal %s(%s) does not exist.", table, p.ID)
	}
	return nil
}

// GrantAccess shares rights on a connector with a user or team.
func (db *DB) GrantAccess(ctx context.Context, connectorID string, principal connectorhub.OwnerRef, mask connectorhub.AccessMask, replace bool) error {
	err := db.transact(ctx, func(tx *Tx) error {
		c, err := sharedRecord(ctx, tx, connectorID)
		if err != nil {
			return err
		}
		if err := require(ctx, tx, connectorhub.PrivShare, c); err != nil {
			return err
		}
		// A caller shares only rights it has on the record itself.
		caller := connectorhub.PrincipalFromContext(ctx)
		shared, err := sharedMask(ctx, tx, c.ID, caller)
		if err != nil {
			return err
		}
		own := caller.RightsOn(connectorhub.Record{OwnerID: c.OwnerID, OwningBusinessUnit: c.OwningBusinessUnit, Shared: shared})
		if missing := mask &^ own; missing != 0 {
			return connectorhub.Errorf(connectorhub.ECodePrivilegeDenied, "Principal user (Id=%s, type=8) cannot share %s on connector %s: it does not hold those rights on the record.", caller.UserID, missing, c.ID)
		}
		if err := principalExists(ctx, tx, principal); err != nil {
			return err
		}
		if replace {
			_, err = tx.ExecContext(ctx, `INSERT INTO principalobjectaccess (objectid, principalid, principaltype, accessmask) VALUES (?, ?, ?, ?)
				ON CONFLICT (objectid, principalid) DO UPDATE SET accessmask = excluded.accessmask`, c.ID, principal.ID, principal.Type, int(mask))
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO principalobjectaccess (objectid, principalid, principaltype, accessmask) VALUES (?, ?, ?, ?)
				ON CONFLICT (objectid, principalid) DO UPDATE SET accessmask = principalobjectaccess.accessmask | excluded.accessmask`, c.ID, principal.ID, principal.Type, int(mask))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("grant access on connector %s: %w", connectorID, err)
	}
	return nil
}

// RevokeAccess removes what was shared with a user or team.
func (db *DB) RevokeAccess(ctx context.Context, connectorID string, principal connectorhub.OwnerRef) error {
	err := db.transact(ctx, func(tx *Tx) error {
		c, err := sharedRecord(ctx, tx, connectorID)
		if err != nil {
			return err
		}
		if err := require(ctx, tx, connectorhub.PrivShare, c); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM principalobjectaccess WHERE objectid = ? AND principalid = ?`, c.ID, principal.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke access on connector %s: %w", connectorID, err)
	}
	return nil
}

// RetrievePrincipalAccess returns the rights a user or team has on a connector.
func (db *DB) RetrievePrincipalAccess(ctx context.Context, connectorID string, principal connectorhub.OwnerRef) (connectorhub.AccessMask, error) {
	c, err := sharedRecord(ctx, db.read, connectorID)
	if err == nil {
		err = require(ctx, db.read, connectorhub.PrivRead, c)
	}
	if err != nil {
		return 0, fmt.Errorf("retrieve principal access on connector %s: %w", connectorID, err)
	}
	rec := connectorhub.Record{OwnerID: c.OwnerID, OwningBusinessUnit: c.OwningBusinessUnit}
	if principal.Type == connectorhub.OwnerTeam {
		if _, err := db.FindTeamByID(ctx, principal.ID); err != nil {
			return 0, err
		}
		// A team's own rights: what it owns, and what is shared with it.
		mask, err := sharedMask(ctx, db.read, c.ID, &connectorhub.Principal{UserID: principal.ID})
		if err != nil {
			return 0, err
		}
		if c.OwnerID == principal.ID {
			mask = connectorhub.AllAccess
		}
		return mask, nil
	}
	p, err := db.LoadPrincipal(ctx, principal.ID)
	if err != nil {
		return 0, err
	}
	if rec.Shared, err = sharedMask(ctx, db.read, c.ID, p); err != nil {
		return 0, err
	}
	return p.RightsOn(rec), nil
}

// RetrieveSharedPrincipalsAndAccess lists the shares of a connector.
func (db *DB) RetrieveSharedPrincipalsAndAccess(ctx context.Context, connectorID string) ([]connectorhub.PrincipalAccess, error) {
	c, err := sharedRecord(ctx, db.read, connectorID)
	if err == nil {
		err = require(ctx, db.read, connectorhub.PrivRead, c)
	}
	if err != nil {
		return nil, fmt.Errorf("retrieve shared principals of connector %s: %w", connectorID, err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT principalid, principaltype, accessmask FROM principalobjectaccess WHERE objectid = ? ORDER BY principalid`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connectorhub.PrincipalAccess
	for rows.Next() {
		var pa connectorhub.PrincipalAccess
		if err := rows.Scan(&pa.Principal.ID, &pa.Principal.Type, &pa.Mask); err != nil {
			return nil, err
		}
		out = append(out, pa)
	}
	return out, rows.Err()
}

var _ connectorhub.SharingService = (*DB)(nil)
