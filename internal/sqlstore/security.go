package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// ensureBuiltinRoles adds the built-in roles missing from the root business unit.
func ensureBuiltinRoles(ctx context.Context, tx *Tx, rootBU string) error {
	for _, r := range connectorhub.BuiltinRoles {
		p := r.Privileges
		_, err := tx.ExecContext(ctx, `INSERT INTO roles (roleid, name, businessunitid, prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM roles WHERE `+tx.e.ci("name")+` AND businessunitid = ?)`,
			connectorhub.NewGUID(), r.Name, rootBU, p[0], p[1], p[2], p[3], p[4], p[5], p[6], r.Name, rootBU)
		if err != nil {
			return fmt.Errorf("built-in role %s: %w", r.Name, err)
		}
	}
	return nil
}

// roleColumns are the columns scanRole reads, in its order.
const roleColumns = `roleid, name, businessunitid, prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf`

// scanRole reads a row of roleColumns.
func scanRole(row interface{ Scan(...any) error }) (*connectorhub.Role, error) {
	var r connectorhub.Role
	p := &r.Privileges
	if err := row.Scan(&r.ID, &r.Name, &r.BusinessUnitID, &p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindRoleByName returns the role of that name (case-insensitive); ECodeNotFound if none.
func (db *DB) FindRoleByName(ctx context.Context, name string) (*connectorhub.Role, error) {
	r, err := scanRole(db.read.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE `+db.e.ci("name")+` ORDER BY roleid LIMIT 1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "role With Name = %s Does Not Exist", name)
	} else if err != nil {
		return nil, fmt.Errorf("find role %s: %w", name, err)
	}
	return r, nil
}

// FindRoleByID returns the role with its privileges; ECodeNotFound if none.
func (db *DB) FindRoleByID(ctx context.Context, id string) (*connectorhub.Role, error) {
	r, err := scanRole(db.read.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE roleid = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identityNotFound(connectorhub.RoleTable, id)
	} else if err != nil {
		return nil, fmt.Errorf("find role %s: %w", id, err)
	}
	return r, nil
}

// ListRoles returns every role with its privileges, ordered by name.
func (db *DB) ListRoles(ctx context.Context) ([]connectorhub.Role, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+roleColumns+` FROM roles ORDER BY `+db.e.order("name")+`, roleid`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	defer rows.Close()
	var out []connectorhub.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// AssignRole gives a user a role; giving it again changes nothing.
func (db *DB) AssignRole(ctx context.Context, userID, roleID string) error {
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO systemuserroles (systemuserid, roleid) VALUES (?, ?) ON CONFLICT DO NOTHING`, userID, roleID)
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The user %s or the role %s does not exist.", userID, roleID)
		}
		return err
	})
}

// AssignTeamRole gives a team a role; its members hold the role's privileges.
func (db *DB) AssignTeamRole(ctx context.Context, teamID, roleID string) error {
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO teamroles (teamid, roleid) VALUES (?, ?) ON CONFLICT DO NOTHING`, teamID, roleID)
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The team %s or the role %s does not exist.", teamID, roleID)
		}
		return err
	})
}

// AddTeamMember makes a user a member of a team.
func (db *DB) AddTeamMember(ctx context.Context, teamID, userID string) error {
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO teammembership (teamid, systemuserid) VALUES (?, ?) ON CONFLICT DO NOTHING`, teamID, userID)
		if db.e.violated(err) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The team %s or the user %s does not exist.", teamID, userID)
		}
		return err
	})
}

// FindSystemUserByObjectID returns the user whose azureactivedirectoryobjectid is oid and
// whose objectidissuer is issuer ("" for NULL: a user bound to no issuer yet).
func (db *DB) FindSystemUserByObjectID(ctx context.Context, issuer, oid string) (*connectorhub.SystemUser, error) {
	if issuer == "" {
		return db.findUserBy(ctx, "objectidissuer IS NULL AND azureactivedirectoryobjectid = ?", strings.ToLower(oid))
	}
	return db.findUserBy(ctx, "objectidissuer = ? AND azureactivedirectoryobjectid = ?", issuer, strings.ToLower(oid))
}

// BindSystemUserIssuer sets the objectidissuer of a user that has an oid and no issuer yet.
func (db *DB) BindSystemUserIssuer(ctx context.Context, userID, issuer string) error {
	if issuer == "" {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "A systemuser cannot be bound to an empty issuer.")
	}
	return db.transact(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE systemusers SET objectidissuer = ? WHERE systemuserid = ? AND objectidissuer IS NULL AND azureactivedirectoryobjectid IS NOT NULL`, issuer, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return connectorhub.Errorf(connectorhub.ECodeNotFound, "systemuser With Id = %s and an Entra object id bound to no issuer Does Not Exist", userID)
		}
		return nil
	})
}

// RevokeSystemUserTokens sets tokensvalidafter to at, rounded up to a whole second, unless it
// is later already.
func (db *DB) RevokeSystemUserTokens(ctx context.Context, userID string, at time.Time) error {
	secs := at.Unix()
	if at.After(time.Unix(secs, 0)) {
		secs++ // a token of the same second may predate the revocation: refuse it too
	}
	return db.transact(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE systemusers SET tokensvalidafter = CASE WHEN COALESCE(tokensvalidafter, 0) > ? THEN tokensvalidafter ELSE ? END WHERE systemuserid = ?`, secs, secs, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return connectorhub.Errorf(connectorhub.ECodeNotFound, "systemuser With Id = %s Does Not Exist", userID)
		}
		return nil
	})
}

// FindSystemUserByEmail returns the user whose internalemailaddress is email (case-insensitive).
func (db *DB) FindSystemUserByEmail(ctx context.Context, email string) (*connectorhub.SystemUser, error) {
	return db.findUserBy(ctx, db.e.ci("internalemailaddress"), email)
}

func (db *DB) findUserBy(ctx context.Context, cond string, args ...string) (*connectorhub.SystemUser, error) {
	var id string
	params := make([]any, len(args))
	described := cond
	for i, a := range args {
		params[i] = a
		described = strings.Replace(described, "?", a, 1)
	}
	err := db.auth.QueryRowContext(ctx, `SELECT systemuserid FROM systemusers WHERE `+cond+` ORDER BY createdon LIMIT 1`, params...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "systemuser With %s Does Not Exist", described)
	} else if err != nil {
		return nil, err
	}
	return db.FindSystemUserByID(ctx, id)
}

// LoadPrincipal returns a user as a caller: the user's business unit (and those below it),
// teams, and the privileges of the roles the user and those teams hold. It reads through the
// pool of its own that authentication has, as do the user look-ups.
func (db *DB) LoadPrincipal(ctx context.Context, userID string) (*connectorhub.Principal, error) {
	u, err := db.FindSystemUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	sec := &connectorhub.Security{}
	p := &connectorhub.Principal{UserID: u.ID, BusinessUnitID: u.BusinessUnitID, FullName: u.FullName, Security: sec}
	if sec.TeamIDs, err = db.strings(ctx, `SELECT teamid FROM teammembership WHERE systemuserid = ? ORDER BY teamid`, u.ID); err != nil {
		return nil, err
	}
	if sec.BusinessUnits, err = db.strings(ctx, `WITH RECURSIVE below(id) AS (SELECT businessunitid FROM businessunits WHERE businessunitid = ? UNION SELECT b.businessunitid FROM businessunits b JOIN below ON b.parentbusinessunitid = below.id)
		SELECT id FROM below ORDER BY id`, u.BusinessUnitID); err != nil {
		return nil, err
	}
	rows, err := db.auth.QueryContext(ctx, `SELECT prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf FROM roles
		WHERE roleid IN (SELECT roleid FROM systemuserroles WHERE systemuserid = ?
			UNION SELECT roleid FROM teamroles WHERE teamid IN (SELECT teamid FROM teammembership WHERE systemuserid = ?))`, u.ID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("load principal %s: %w", u.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r connectorhub.Privileges
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]); err != nil {
			return nil, err
		}
		sec.Privileges.Grant(r)
		sec.RoleCount++
	}
	return p, rows.Err()
}

// SecurityVersion returns the security version, which triggers move with every change to
// users, teams, business units, roles and their links.
func (db *DB) SecurityVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.auth.QueryRowContext(ctx, `SELECT value FROM securityversion`).Scan(&v); err != nil {
		return 0, fmt.Errorf("security version: %w", err)
	}
	return v, nil
}

func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return scanStrings(db.auth.QueryContext(ctx, query, args...))
}

// ListSystemUsers returns every user, ordered by e-mail address, with the names of its roles.
func (db *DB) ListSystemUsers(ctx context.Context) ([]connectorhub.UserInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.systemuserid, u.fullname, COALESCE(u.internalemailaddress, ''), COALESCE(u.azureactivedirectoryobjectid, ''),
			u.businessunitid, u.createdon, u.isdisabled, COALESCE((SELECT `+db.e.Dialect.JoinText("v", "', '")+` FROM (SELECT r.name AS v FROM roles r JOIN systemuserroles ur ON ur.roleid = r.roleid
				WHERE ur.systemuserid = u.systemuserid ORDER BY r.name) AS x), '')
		FROM systemusers u ORDER BY `+db.e.order("u.internalemailaddress")+`, u.systemuserid`)
	if err != nil {
		return nil, fmt.Errorf("list systemusers: %w", err)
	}
	defer rows.Close()
	var out []connectorhub.UserInfo
	for rows.Next() {
		var u connectorhub.UserInfo
		var created int64
		var roles string
		if err := rows.Scan(&u.ID, &u.FullName, &u.Email, &u.AADObjectID, &u.BusinessUnitID, &created, &u.Disabled, &roles); err != nil {
			return nil, err
		}
		u.CreatedOn = time.Unix(created, 0).UTC()
		if roles != "" {
			u.Roles = strings.Split(roles, ", ")
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ListTeams returns every team, ordered by name, with its members' e-mail addresses and roles.
func (db *DB) ListTeams(ctx context.Context) ([]connectorhub.TeamInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.teamid, t.name, t.businessunitid,
			COALESCE((SELECT `+db.e.Dialect.JoinText("v", "', '")+` FROM (SELECT COALESCE(u.internalemailaddress, u.systemuserid) AS v FROM teammembership m
				JOIN systemusers u ON u.systemuserid = m.systemuserid WHERE m.teamid = t.teamid ORDER BY v) AS x), ''),
			COALESCE((SELECT `+db.e.Dialect.JoinText("v", "', '")+` FROM (SELECT r.name AS v FROM roles r JOIN teamroles tr ON tr.roleid = r.roleid
				WHERE tr.teamid = t.teamid ORDER BY r.name) AS x), '')
		FROM teams t ORDER BY `+db.e.order("t.name")+`, t.teamid`)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer rows.Close()
	var out []connectorhub.TeamInfo
	for rows.Next() {
		var t connectorhub.TeamInfo
		var members, roles string
		if err := rows.Scan(&t.ID, &t.Name, &t.BusinessUnitID, &members, &roles); err != nil {
			return nil, err
		}
		if members != "" {
			t.Members = strings.Split(members, ", ")
		}
		if roles != "" {
			t.Roles = strings.Split(roles, ", ")
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindTeamByName returns the team with that name (case-insensitive); ECodeNotFound if none.
func (db *DB) FindTeamByName(ctx context.Context, name string) (*connectorhub.Team, error) {
	var id string
	err := db.read.QueryRowContext(ctx, `SELECT teamid FROM teams WHERE `+db.e.ci("name")+` ORDER BY teamid LIMIT 1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "team With Name = %s Does Not Exist", name)
	} else if err != nil {
		return nil, err
	}
	return db.FindTeamByID(ctx, id)
}

// RemoveRole takes a role from a user; removing one it does not hold changes nothing. It
// acts for the installation's operator, without a caller to check, but keeps an enabled
// System Administrator (connectorhub.RequireAdministrators) as every path does.
func (db *DB) RemoveRole(ctx context.Context, userID, roleID string) error {
	return db.transact(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM systemuserroles WHERE systemuserid = ? AND roleid = ?`, userID, roleID); err != nil {
			return err
		}
		return keepAdministrators(ctx, tx)
	})
}

// RemoveTeamMember takes a user out of a team, for the operator as RemoveRole does.
func (db *DB) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	return db.transact(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM teammembership WHERE teamid = ? AND systemuserid = ?`, teamID, userID); err != nil {
			return err
		}
		return keepAdministrators(ctx, tx)
	})
}

// securityVersionColumn is the first column of a query that settles the request's security
// check in its own statement (connectorhub.SecurityCheck): a GET is then one query.
const securityVersionColumn = "(SELECT value FROM securityversion)"

// versionedRow reads a row whose first column is securityVersionColumn, then the columns the
// caller scans.
type versionedRow struct {
	s       scanner
	version int64
}

func (v *versionedRow) Scan(dest ...any) error {
	return v.s.Scan(append([]any{&v.version}, dest...)...)
}
