package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
)

var _ connectorhub.IdentityService = (*DB)(nil)

// manager returns the caller of ctx when it may manage identities, or the 403 naming privilege.
func manager(ctx context.Context, privilege string, t *connectorhub.Table) (*connectorhub.Principal, error) {
	p := connectorhub.PrincipalFromContext(ctx)
	if p == nil {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	return p, p.RequireIdentityPrivilege(privilege, t)
}

// exists reports whether t has a record with key id. Table and column names come from the
// fixed metadata, never from a request.
func exists(ctx context.Context, tx *Tx, t *connectorhub.Table, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+sqlgen.TableOf(t).Name+` WHERE `+t.PrimaryID+` = ?`, id).Scan(&n)
	return n > 0, err
}

// checkVersion applies the precondition of an update or delete to the record id of t:
// ECodeNotFound when it is missing, ECodeVersionMismatch when the ETag differs,
// ECodeDuplicateKey when it must not exist.
func checkVersion(ctx context.Context, tx *Tx, t *connectorhub.Table, id string, pre connectorhub.Precondition) error {
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT versionnumber FROM `+sqlgen.TableOf(t).Name+` WHERE `+t.PrimaryID+` = ?`, id).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return identityNotFound(t, id)
	case err != nil:
		return err
	case pre.MustNotExist:
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A record with matching key values already exists.")
	case pre.ETag != "" && pre.ETag != fmt.Sprintf(`W/"%d"`, v): // the form of Row.ETag
		return connectorhub.Errorf(connectorhub.ECodeVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.")
	}
	return nil
}

// nameTaken refuses a name that another record of t has, compared without regard to case;
// and, for roles, one that imitates another role's (connectorhub.RequireDistinctRoleName).
func nameTaken(ctx context.Context, tx *Tx, t *connectorhub.Table, col, value, id string) error {
	if t == connectorhub.RoleTable {
		return roleNameTaken(ctx, tx, value, id)
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+sqlgen.TableOf(t).Name+` WHERE `+tx.e.ci(col)+` AND `+t.PrimaryID+` <> ?`, value, id).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A %s with %s '%s' already exists.", t.LogicalName, col, value)
	}
	return nil
}

// roleNameTaken compares name with every other role's, built-in ones included, in Go: SQLite
// knows no Unicode normalisation. Roles are few, and writes are serialised (one writer), so
// the comparison cannot race with another write.
func roleNameTaken(ctx context.Context, tx *Tx, name, id string) error {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM roles WHERE roleid <> ?`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var other string
		if err := rows.Scan(&other); err != nil {
			return err
		}
		if err := connectorhub.RequireDistinctRoleName(name, other); err != nil {
			return err
		}
	}
	return rows.Err()
}

// businessUnitOf defaults bu to the root business unit, or checks that it exists.
func businessUnitOf(ctx context.Context, tx *Tx, bu *string) error {
	if *bu == "" {
		return defaultBusinessUnit(ctx, tx, bu)
	}
	ok, err := exists(ctx, tx, connectorhub.BusinessUnitTable, *bu)
	if err == nil && !ok {
		err = connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "businessunit With Id = %s Does Not Exist", *bu)
	}
	return err
}

// AddSystemUser creates a user for a caller who may manage identities.
func (db *DB) AddSystemUser(ctx context.Context, u *connectorhub.SystemUser) error {
	if _, err := manager(ctx, "prvCreateUser", connectorhub.SystemUserTable); err != nil {
		return err
	}
	if err := connectorhub.NewSystemUser(u); err != nil {
		return err
	}
	if len(u.RoleIDs) > 0 {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "Roles are given to a systemuser by associating them (systemuserroles_association), not when creating it.")
	}
	return db.transact(ctx, func(tx *Tx) error { return db.insertSystemUser(ctx, tx, u) })
}

// insertSystemUser adds a user checked by CheckSystemUser, with an e-mail address no other
// user has (any case), and the roles of u.RoleIDs: the one path of AddSystemUser (the Web
// API), CreateSystemUser (the commands) and the sign-in of a new external user.
func (db *DB) insertSystemUser(ctx context.Context, tx *Tx, u *connectorhub.SystemUser) error {
	if err := connectorhub.CheckSystemUser(u); err != nil {
		return err
	}
	if u.ID == "" {
		u.ID = connectorhub.NewGUID()
	}
	if err := businessUnitOf(ctx, tx, &u.BusinessUnitID); err != nil {
		return err
	}
	// The e-mail address names a user to `connectorhub token --user` and in listings.
	if u.Email != "" {
		if err := nameTaken(ctx, tx, connectorhub.SystemUserTable, "internalemailaddress", u.Email, u.ID); err != nil {
			return err
		}
	}
	u.CreatedOn = db.now()
	_, err := tx.ExecContext(ctx, `INSERT INTO systemusers (systemuserid, fullname, internalemailaddress, azureactivedirectoryobjectid, businessunitid, createdon, objectidissuer) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.FullName, nullString(u.Email), nullString(u.AADObjectID), u.BusinessUnitID, u.CreatedOn.Unix(), nullString(u.Issuer))
	if db.e.violated(err) {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A systemuser with id %s or Entra object id %s already exists.", u.ID, u.AADObjectID)
	}
	if err != nil {
		return err
	}
	for _, role := range u.RoleIDs {
		_, err := tx.ExecContext(ctx, `INSERT INTO systemuserroles (systemuserid, roleid) VALUES (?, ?) ON CONFLICT DO NOTHING`, u.ID, role)
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The role %s does not exist.", role)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// UpdateSystemUser changes a user's full name, e-mail address or isdisabled, for a caller
// who may manage identities and the user (CanManage), keeping an administrator enabled.
func (db *DB) UpdateSystemUser(ctx context.Context, id string, u connectorhub.SystemUserUpdate, pre connectorhub.Precondition) error {
	p, err := manager(ctx, "prvWriteUser", connectorhub.SystemUserTable)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.SystemUserTable, id, pre); err != nil {
			return err
		}
		if u.FullName == nil && u.Email == nil && u.Disabled == nil {
			return nil
		}
		// The e-mail address names the user to `connectorhub token --user`, and disabling
		// locks it out: nobody does either to someone stronger than themselves.
		target, err := userAsPrincipal(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := p.RequireCanManage(target); err != nil {
			return err
		}
		if u.Email != nil {
			if err := nameTaken(ctx, tx, connectorhub.SystemUserTable, "internalemailaddress", *u.Email, id); err != nil {
				return err
			}
		}
		// isdisabled is 0 or 1 on every engine.
		disabled := sql.NullInt64{}
		if u.Disabled != nil {
			disabled = sql.NullInt64{Valid: true}
			if *u.Disabled {
				disabled.Int64 = 1
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE systemusers SET fullname = COALESCE(?, fullname), internalemailaddress = COALESCE(?, internalemailaddress), isdisabled = COALESCE(?, isdisabled) WHERE systemuserid = ?`,
			optional(u.FullName), optional(u.Email), disabled, id); err != nil {
			return err
		}
		if u.Disabled == nil || !*u.Disabled {
			return nil // no administrator lost
		}
		return keepAdministrators(ctx, tx)
	})
}

// keepAdministrators checks, after a write that may disable a System Administrator or take
// the role away, that connectorhub.RequireAdministrators still holds; the write's
// transaction rolls back when it does not. Checking the outcome, rather than each way to it
// (disabling, a role, a team's role, a membership, a deleted team), misses none of them.
func keepAdministrators(ctx context.Context, tx *Tx) error {
	var adminRole string
	err := tx.QueryRowContext(ctx, `SELECT roleid FROM roles WHERE name = ? AND businessunitid = (SELECT value FROM settings WHERE key = 'rootbusinessunitid')`,
		connectorhub.RoleSystemAdministrator).Scan(&adminRole)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not bootstrapped: there is no administrator to keep
	} else if err != nil {
		return err
	}
	var enabled int
	var bootstrapKept bool
	err = tx.QueryRowContext(ctx, `WITH admins(id) AS (
			SELECT systemuserid FROM systemuserroles WHERE roleid = ?
			UNION SELECT m.systemuserid FROM teammembership m JOIN teamroles tr ON tr.teamid = m.teamid WHERE tr.roleid = ?)
		SELECT COUNT(*), NOT EXISTS (SELECT 1 FROM settings WHERE key = 'bootstrapuserid')
			OR COALESCE(SUM(CASE WHEN u.systemuserid = (SELECT value FROM settings WHERE key = 'bootstrapuserid') THEN 1 ELSE 0 END), 0) > 0
		FROM systemusers u JOIN admins a ON a.id = u.systemuserid WHERE u.isdisabled = 0`, adminRole, adminRole).Scan(&enabled, &bootstrapKept)
	if err != nil {
		return err
	}
	return connectorhub.RequireAdministrators(enabled, bootstrapKept)
}

// privilegesOf merges the privileges of the roles whose ids roleIDs (a SELECT of args) lists.
func privilegesOf(ctx context.Context, tx *Tx, roleIDs string, args ...any) (connectorhub.Privileges, error) {
	var out connectorhub.Privileges
	rows, err := tx.QueryContext(ctx, `SELECT prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf FROM roles WHERE roleid IN (`+roleIDs+`)`, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var r connectorhub.Privileges
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]); err != nil {
			return out, err
		}
		out.Grant(r)
	}
	return out, rows.Err()
}

// userAsPrincipal reads a user inside tx as the rules see a principal acted on: its
// effective privileges, from its own roles and its teams'. ECodeNotFound if there is none.
func userAsPrincipal(ctx context.Context, tx *Tx, id string) (*connectorhub.Principal, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT fullname FROM systemusers WHERE systemuserid = ?`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identityNotFound(connectorhub.SystemUserTable, id)
	} else if err != nil {
		return nil, err
	}
	privs, err := privilegesOf(ctx, tx, `SELECT roleid FROM systemuserroles WHERE systemuserid = ?
		UNION SELECT tr.roleid FROM teamroles tr JOIN teammembership m ON m.teamid = tr.teamid WHERE m.systemuserid = ?`, id, id)
	if err != nil {
		return nil, err
	}
	return &connectorhub.Principal{UserID: id, FullName: name, Security: &connectorhub.Security{Privileges: privs}}, nil
}

// teamAsPrincipal reads a team inside tx as a principal: the privileges of its roles, which
// its members hold through it. ECodeNotFound if there is none.
func teamAsPrincipal(ctx context.Context, tx *Tx, id string) (*connectorhub.Principal, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM teams WHERE teamid = ?`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identityNotFound(connectorhub.TeamTable, id)
	} else if err != nil {
		return nil, err
	}
	privs, err := privilegesOf(ctx, tx, `SELECT roleid FROM teamroles WHERE teamid = ?`, id)
	if err != nil {
		return nil, err
	}
	return &connectorhub.Principal{UserID: id, FullName: name, Security: &connectorhub.Security{Privileges: privs}}, nil
}

// canManageTeam refuses, unless the caller may manage the team and every member of it, a
// change that takes rights from all of them: taking a role from the team, or deleting it.
func canManageTeam(ctx context.Context, tx *Tx, p *connectorhub.Principal, teamID string) error {
	team, err := teamAsPrincipal(ctx, tx, teamID)
	if err != nil {
		return err
	}
	if err := p.RequireCanManage(team); err != nil {
		return err
	}
	members, err := column(ctx, tx, `SELECT systemuserid FROM teammembership WHERE teamid = ? ORDER BY systemuserid`, teamID)
	if err != nil {
		return err
	}
	for _, m := range members {
		u, err := userAsPrincipal(ctx, tx, m)
		if err != nil {
			return err
		}
		if err := p.RequireCanManage(u); err != nil {
			return err
		}
	}
	return nil
}

// optional is a bound value for "COALESCE(?, column)": null keeps the column as it is.
func optional(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

// AddTeam creates an owner team for a caller who may manage identities.
func (db *DB) AddTeam(ctx context.Context, t *connectorhub.Team) error {
	if _, err := manager(ctx, "prvCreateTeam", connectorhub.TeamTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error { return insertTeam(ctx, tx, t) })
}

// insertTeam adds a team checked by NewTeam, with a unique name: the one path of AddTeam and
// of CreateTeam (the `connectorhub teams create` command).
func insertTeam(ctx context.Context, tx *Tx, t *connectorhub.Team) error {
	if err := connectorhub.NewTeam(t); err != nil {
		return err
	}
	if t.ID == "" {
		t.ID = connectorhub.NewGUID()
	}
	if err := businessUnitOf(ctx, tx, &t.BusinessUnitID); err != nil {
		return err
	}
	// `connectorhub teams` addresses teams by name, so names stay unique.
	if err := nameTaken(ctx, tx, connectorhub.TeamTable, "name", t.Name, t.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO teams (teamid, name, businessunitid) VALUES (?, ?, ?)`, t.ID, t.Name, t.BusinessUnitID)
	if tx.e.violated(err) {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A team with id %s already exists.", t.ID)
	}
	return err
}

// UpdateTeam renames a team.
func (db *DB) UpdateTeam(ctx context.Context, id string, u connectorhub.NameUpdate, pre connectorhub.Precondition) error {
	return db.rename(ctx, connectorhub.TeamTable, "prvWriteTeam", id, u, pre)
}

// UpdateBusinessUnit renames a business unit.
func (db *DB) UpdateBusinessUnit(ctx context.Context, id string, u connectorhub.NameUpdate, pre connectorhub.Precondition) error {
	return db.rename(ctx, connectorhub.BusinessUnitTable, "prvWriteBusinessUnit", id, u, pre)
}

// rename changes the name of a record of t, keeping names unique.
func (db *DB) rename(ctx context.Context, t *connectorhub.Table, privilege, id string, u connectorhub.NameUpdate, pre connectorhub.Precondition) error {
	p, err := manager(ctx, privilege, t)
	if err != nil {
		return err
	}
	if err := u.ValidateName(t); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, t, id, pre); err != nil || u.Name == nil {
			return err
		}
		if t == connectorhub.TeamTable {
			// Teams are named to those who add members: nobody renames one stronger than
			// themselves (a team holding System Administrator into "Readers", say).
			team, err := teamAsPrincipal(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := p.RequireCanManage(team); err != nil {
				return err
			}
		}
		if err := nameTaken(ctx, tx, t, "name", *u.Name, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE `+sqlgen.TableOf(t).Name+` SET name = ? WHERE `+t.PrimaryID+` = ?`, *u.Name, id)
		return err
	})
}

// DeleteTeam removes a team that owns no connector, with its memberships, roles and shares,
// for a caller who may manage the team and its members, keeping an administrator enabled.
func (db *DB) DeleteTeam(ctx context.Context, id string, pre connectorhub.Precondition) error {
	p, err := manager(ctx, "prvDeleteTeam", connectorhub.TeamTable)
	if err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.TeamTable, id, pre); err != nil {
			return err
		}
		// Its members lose the team's roles.
		if err := canManageTeam(ctx, tx, p, id); err != nil {
			return err
		}
		var owned int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM connectors WHERE ownerid = ? AND owneridtype = 'team'`, id).Scan(&owned); err != nil {
			return err
		}
		if owned > 0 {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The team %s owns %d connectors and cannot be deleted: assign them to another owner first.", id, owned)
		}
		// Shares name their principal without a foreign key (it may be a user or a team).
		if _, err := tx.ExecContext(ctx, `DELETE FROM principalobjectaccess WHERE principalid = ? AND principaltype = 'team'`, id); err != nil {
			return err
		}
		// Memberships and team roles go with the team (ON DELETE CASCADE).
		if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE teamid = ?`, id); err != nil {
			return err
		}
		return keepAdministrators(ctx, tx)
	})
}

// AddBusinessUnit creates a business unit, under the root one when ParentID is "".
func (db *DB) AddBusinessUnit(ctx context.Context, b *connectorhub.BusinessUnit) error {
	if _, err := manager(ctx, "prvCreateBusinessUnit", connectorhub.BusinessUnitTable); err != nil {
		return err
	}
	if err := connectorhub.NewBusinessUnit(b); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if b.ID == "" {
			b.ID = connectorhub.NewGUID()
		}
		if err := businessUnitOf(ctx, tx, &b.ParentID); err != nil {
			return err
		}
		if err := nameTaken(ctx, tx, connectorhub.BusinessUnitTable, "name", b.Name, b.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO businessunits (businessunitid, name, parentbusinessunitid) VALUES (?, ?, ?)`, b.ID, b.Name, b.ParentID)
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "A businessunit with id %s already exists.", b.ID)
		}
		return err
	})
}

// Associate links two records through rel; linking them again changes nothing.
func (db *DB) Associate(ctx context.Context, rel *connectorhub.Relationship, from *connectorhub.Table, id, otherID string) error {
	return db.link(ctx, rel, from, id, otherID, true)
}

// Disassociate removes the link between two records; removing a missing link changes nothing.
func (db *DB) Disassociate(ctx context.Context, rel *connectorhub.Relationship, from *connectorhub.Table, id, otherID string) error {
	return db.link(ctx, rel, from, id, otherID, false)
}

func (db *DB) link(ctx context.Context, rel *connectorhub.Relationship, from *connectorhub.Table, id, otherID string, add bool) error {
	p, err := manager(ctx, rel.Privilege, rel.Tables[0])
	if err != nil {
		return err
	}
	in := sqlgen.IntersectOf(rel)
	if in == nil || connectorhub.RelationshipOf(from, rel.Name) != rel {
		return fmt.Errorf("link: %s is not a relationship of %s", rel.Name, from.LogicalName)
	}
	other := rel.Other(from)
	return db.transact(ctx, func(tx *Tx) error {
		for _, rec := range []struct {
			t  *connectorhub.Table
			id string
		}{{from, id}, {other, otherID}} {
			ok, err := exists(ctx, tx, rec.t, rec.id)
			if err != nil {
				return err
			}
			if !ok {
				return identityNotFound(rec.t, rec.id)
			}
		}
		ids := map[*connectorhub.Table]string{from: id, other: otherID}
		if add {
			if err := canLink(ctx, tx, p, rel, ids); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO `+in.Table+` (`+in.Column(from)+`, `+in.Column(other)+`) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, otherID)
			return err
		}
		where := ` FROM ` + in.Table + ` WHERE ` + in.Column(from) + ` = ? AND ` + in.Column(other) + ` = ?`
		var linked int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where, id, otherID).Scan(&linked); err != nil || linked == 0 {
			return err // a missing link: nothing changes, nothing to refuse
		}
		// Judged before the DELETE: the principal acted on as it is, not as it would be.
		if err := canUnlink(ctx, tx, p, rel, ids); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE`+where, id, otherID); err != nil {
			return err
		}
		return keepAdministrators(ctx, tx)
	})
}

// canLink refuses a link that would give someone privileges the caller does not hold: a role
// to a user or a team (whose members all gain it), or a team's roles to a new member,
// whoever that member is (the caller itself included).
func canLink(ctx context.Context, tx *Tx, p *connectorhub.Principal, rel *connectorhub.Relationship, ids map[*connectorhub.Table]string) error {
	if rel != connectorhub.TeamMembership {
		return canGrant(ctx, tx, p, ids[connectorhub.RoleTable])
	}
	team, err := teamAsPrincipal(ctx, tx, ids[connectorhub.TeamTable])
	if err != nil {
		return err
	}
	return p.RequireGrant(team.Security.Privileges, fmt.Sprintf("add a member to the team '%s' (Id=%s)", team.FullName, team.UserID))
}

// canUnlink refuses a removal that acts on a principal stronger than the caller: the user who
// loses a role or a team, or a team (and its members) that loses a role.
func canUnlink(ctx context.Context, tx *Tx, p *connectorhub.Principal, rel *connectorhub.Relationship, ids map[*connectorhub.Table]string) error {
	if rel == connectorhub.TeamRoles {
		return canManageTeam(ctx, tx, p, ids[connectorhub.TeamTable])
	}
	u, err := userAsPrincipal(ctx, tx, ids[connectorhub.SystemUserTable])
	if err != nil {
		return err
	}
	return p.RequireCanManage(u)
}

// canGrant refuses a role whose privileges reach deeper than the caller's own.
func canGrant(ctx context.Context, tx *Tx, p *connectorhub.Principal, roleID string) error {
	r, err := findRole(ctx, tx, roleID)
	if err != nil {
		return err
	}
	if !p.CanGrant(r.Privileges) {
		return connectorhub.Errorf(connectorhub.ECodePrivilegeDenied, "Principal user (Id=%s) cannot assign the role '%s': it holds privileges deeper than the caller's own.", p.UserID, r.Name)
	}
	return nil
}
