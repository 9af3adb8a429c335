package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	connectorhub "github.com/connectorhub/connectorhub"
)

// AddRole creates a custom role for a caller who may manage identities, with privileges no
// deeper than the caller's own.
func (db *DB) AddRole(ctx context.Context, r *connectorhub.Role) error {
	p, err := manager(ctx, "prvCreateRole", connectorhub.RoleTable)
	if err != nil {
		return err
	}
	if err := connectorhub.NewRole(r); err != nil {
		return err
	}
	if !p.CanRaise(connectorhub.Privileges{}, r.Privileges) {
		return raiseDenied(p, r.Name)
	}
	return db.transact(ctx, func(tx *Tx) error {
		if r.ID == "" {
			r.ID = connectorhub.NewGUID()
		}
		if err := businessUnitOf(ctx, tx, &r.BusinessUnitID); err != nil {
			return err
		}
		// The commands and the auto-provisioning flag name roles, so names stay unique across
		// business units, unlike Dataverse's copies of a role in every unit.
		if err := nameTaken(ctx, tx, connectorhub.RoleTable, "name", r.Name, r.ID); err != nil {
			return err
		}
		pr := r.Privileges
		_, err := tx.ExecContext(ctx, `INSERT INTO roles (`+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Name, r.BusinessUnitID, pr[0], pr[1], pr[2], pr[3], pr[4], pr[5], pr[6])
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A role with id %s already exists.", r.ID)
		}
		return err
	})
}

// UpdateRole renames a custom role.
func (db *DB) UpdateRole(ctx context.Context, id string, u connectorhub.NameUpdate, pre connectorhub.Precondition) error {
	if u.Name != nil && connectorhub.BuiltinRole(*u.Name) != nil {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A role named '%s' is built in; choose another name.", *u.Name)
	}
	if r, err := db.FindRoleByID(ctx, id); err == nil {
		// Built-in roles keep their names: the commands and --auto-provision find them by name.
		if err := r.RequireCustom(); err != nil {
			return err
		}
	}
	return db.rename(ctx, connectorhub.RoleTable, "prvWriteRole", id, u, pre)
}

// ChangeRolePrivileges sets depths of a custom role's privileges, raising none above the
// caller's own.
func (db *DB) ChangeRolePrivileges(ctx context.Context, id string, c connectorhub.PrivilegeChange) error {
	p, err := manager(ctx, "prvWriteRole", connectorhub.RoleTable)
	if err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		r, err := findRole(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := r.RequireCustom(); err != nil {
			return err
		}
		next := c.Apply(r.Privileges)
		if err := next.Validate(); err != nil {
			return err
		}
		if !p.CanRaise(r.Privileges, next) {
			return raiseDenied(p, r.Name)
		}
		if lowers(r.Privileges, next) {
			// Lowering takes rights from every holder: nobody does that to someone stronger.
			if err := canManageHolders(ctx, tx, p, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE roles SET prvcreate = ?, prvread = ?, prvwrite = ?, prvdelete = ?, prvassign = ?, prvshare = ?, prvactonbehalf = ? WHERE roleid = ?`,
			next[0], next[1], next[2], next[3], next[4], next[5], next[6], id)
		return err
	})
}

// DeleteRole removes a custom role that no user or team holds.
func (db *DB) DeleteRole(ctx context.Context, id string, pre connectorhub.Precondition) error {
	if _, err := manager(ctx, "prvDeleteRole", connectorhub.RoleTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.RoleTable, id, pre); err != nil {
			return err
		}
		r, err := findRole(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := r.RequireCustom(); err != nil {
			return err
		}
		// Deleting a held role would silently take privileges away from its holders: the
		// caller removes it from them first, and sees whom it concerns.
		var users, teams int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM systemuserroles WHERE roleid = ?), (SELECT COUNT(*) FROM teamroles WHERE roleid = ?)`, id, id).Scan(&users, &teams); err != nil {
			return err
		}
		if users+teams > 0 {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The role '%s' is held by %d users and %d teams and cannot be deleted: remove it from them first (roles(%s)/systemuserroles_association and teamroles_association).", r.Name, users, teams, id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM roles WHERE roleid = ?`, id)
		return err
	})
}

// findRole reads a role inside a transaction; ECodeNotFound if there is none.
func findRole(ctx context.Context, tx *Tx, id string) (*connectorhub.Role, error) {
	r, err := scanRole(tx.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE roleid = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identityNotFound(connectorhub.RoleTable, id)
	}
	return r, err
}

// raiseDenied is the 403 of a role change that would reach deeper than the caller.
func raiseDenied(p *connectorhub.Principal, role string) error {
	return connectorhub.Errorf(connectorhub.ECodePrivilegeDenied, "Principal user (Id=%s) cannot give the role '%s' privileges deeper than the caller's own (%s).", p.UserID, role, p.Security.Privileges)
}

// lowers reports whether next takes any privilege below its depth in old.
func lowers(old, next connectorhub.Privileges) bool {
	for i := range old {
		if next[i] < old[i] {
			return true
		}
	}
	return false
}

// canManageHolders refuses, unless the caller may manage each of them, a change that takes
// rights from the holders of a role: the users who hold it, and the teams that hold it with
// their members.
func canManageHolders(ctx context.Context, tx *Tx, p *connectorhub.Principal, roleID string) error {
	users, err := column(ctx, tx, `SELECT systemuserid FROM systemuserroles WHERE roleid = ? ORDER BY systemuserid`, roleID)
	if err != nil {
		return err
	}
	for _, id := range users {
		u, err := userAsPrincipal(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := p.RequireCanManage(u); err != nil {
			return err
		}
	}
	teams, err := column(ctx, tx, `SELECT teamid FROM teamroles WHERE roleid = ? ORDER BY teamid`, roleID)
	if err != nil {
		return err
	}
	for _, id := range teams {
		if err := canManageTeam(ctx, tx, p, id); err != nil {
			return err
		}
	}
	return nil
}

// column reads the one text column of a query's rows in a transaction.
func column(ctx context.Context, tx *Tx, query string, args ...any) ([]string, error) {
	return scanStrings(tx.QueryContext(ctx, query, args...))
}

// scanStrings reads the one text column of rows, and closes them.
func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
