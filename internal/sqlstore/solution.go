package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

var _ connectorhub.SolutionService = (*DB)(nil)

// customizer returns the caller of ctx when it may customize the environment, or the 403
// naming privilege.
func customizer(ctx context.Context, privilege string, t *connectorhub.Table) (*connectorhub.Principal, error) {
	p := connectorhub.PrincipalFromContext(ctx)
	if p == nil {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnexpected, "The request has no calling principal.")
	}
	return p, p.RequireCustomize(privilege, t)
}

// nextRowVersion takes the next version of the tables other than connectors (the counter
// the identity tables' triggers move too).
func nextRowVersion(ctx context.Context, tx *Tx) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `UPDATE identityrowversion SET value = value + 1 RETURNING value`).Scan(&v)
	return v, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AddPublisher creates a publisher.
func (db *DB) AddPublisher(ctx context.Context, p *connectorhub.Publisher) error {
	if _, err := customizer(ctx, "prvCreatePublisher", connectorhub.PublisherTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error { return db.insertPublisher(ctx, tx, p) })
}

func (db *DB) insertPublisher(ctx context.Context, tx *Tx, p *connectorhub.Publisher) error {
	if err := connectorhub.NewPublisher(p); err != nil {
		return err
	}
	if p.ID == "" {
		p.ID = connectorhub.NewGUID()
	}
	if err := nameTaken(ctx, tx, connectorhub.PublisherTable, "uniquename", p.UniqueName, p.ID); err != nil {
		return err
	}
	v, err := nextRowVersion(ctx, tx)
	if err != nil {
		return err
	}
	now := db.now().Unix()
	_, err = tx.ExecContext(ctx, `INSERT INTO publishers (publisherid, uniquename, friendlyname, customizationprefix,
		customizationoptionvalueprefix, description, emailaddress, supportingwebsiteurl, isreadonly, createdon, modifiedon, versionnumber)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.UniqueName, p.FriendlyName, p.Prefix, p.OptionValuePrefix, nullText(p.Description), nullText(p.EMailAddress),
		nullText(p.Website), boolInt(p.ReadOnly), now, now, v)
	if tx.e.constraint(err) == PrimaryKey {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "Cannot insert duplicate key: a publisher with publisherid %s already exists.", p.ID)
	}
	return err
}

// nullText is NULL for "", as the nullable text columns store an empty value.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// UpdatePublisher changes a publisher.
func (db *DB) UpdatePublisher(ctx context.Context, id string, u connectorhub.PublisherUpdate, pre connectorhub.Precondition) error {
	if _, err := customizer(ctx, "prvWritePublisher", connectorhub.PublisherTable); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.PublisherTable, id, pre); err != nil {
			return err
		}
		var readOnly bool
		if err := tx.QueryRowContext(ctx, `SELECT isreadonly FROM publishers WHERE publisherid = ?`, id).Scan(&readOnly); err != nil {
			return err
		}
		if readOnly {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The publisher %s was installed by a managed solution and cannot be changed.", id)
		}
		sets, args := []string{}, []any{}
		for col, v := range map[string]*string{"friendlyname": u.FriendlyName, "customizationprefix": u.Prefix, "description": u.Description,
			"emailaddress": u.EMailAddress, "supportingwebsiteurl": u.Website} {
			if v != nil {
				sets, args = append(sets, col+" = ?"), append(args, nullText(*v))
			}
		}
		if u.OptionValuePrefix != nil {
			sets, args = append(sets, "customizationoptionvalueprefix = ?"), append(args, *u.OptionValuePrefix)
		}
		return db.updateRow(ctx, tx, connectorhub.PublisherTable, id, sets, args)
	})
}

// updateRow sets columns of the record id of t (sets are "col = ?" of fixed column names),
// with a new version and modifiedon.
func (db *DB) updateRow(ctx context.Context, tx *Tx, t *connectorhub.Table, id string, sets []string, args []any) error {
	v, err := nextRowVersion(ctx, tx)
	if err != nil {
		return err
	}
	sets = append(sets, "modifiedon = ?", "versionnumber = ?")
	args = append(args, db.now().Unix(), v, id)
	_, err = tx.ExecContext(ctx, `UPDATE `+t.Stored+` SET `+strings.Join(sets, ", ")+` WHERE `+t.PrimaryID+` = ?`, args...)
	return err
}

// DeletePublisher removes a publisher no solution uses.
func (db *DB) DeletePublisher(ctx context.Context, id string, pre connectorhub.Precondition) error {
	if _, err := customizer(ctx, "prvDeletePublisher", connectorhub.PublisherTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.PublisherTable, id, pre); err != nil {
			return err
		}
		if id == connectorhub.DefaultPublisherID {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The Default publisher cannot be deleted.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM solutions WHERE publisherid = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return connectorhub.Errorf(connectorhub.ECodeDependency, "The publisher %s cannot be deleted: %d solution(s) use it. Delete them first.", id, n)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM publishers WHERE publisherid = ?`, id)
		return err
	})
}

// AddSolution creates an unmanaged solution.
func (db *DB) AddSolution(ctx context.Context, s *connectorhub.Solution) error {
	if _, err := customizer(ctx, "prvCreateSolution", connectorhub.SolutionTable); err != nil {
		return err
	}
	if err := connectorhub.NewSolution(s); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if ok, err := exists(ctx, tx, connectorhub.PublisherTable, s.PublisherID); err != nil {
			return err
		} else if !ok {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The publisher %s does not exist.", s.PublisherID)
		}
		return db.insertSolution(ctx, tx, s)
	})
}

func (db *DB) insertSolution(ctx context.Context, tx *Tx, s *connectorhub.Solution) error {
	if s.ID == "" {
		s.ID = connectorhub.NewGUID()
	}
	if err := nameTaken(ctx, tx, connectorhub.SolutionTable, "uniquename", s.UniqueName, s.ID); err != nil {
		return err
	}
	v, err := nextRowVersion(ctx, tx)
	if err != nil {
		return err
	}
	now := db.now().Unix()
	var installed any
	if s.Managed {
		installed = now
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO solutions (solutionid, uniquename, friendlyname, version, publisherid, description,
		ismanaged, isvisible, installedon, createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
		s.ID, s.UniqueName, s.FriendlyName, s.Version, s.PublisherID, nullText(s.Description), boolInt(s.Managed), installed, now, now, v)
	if tx.e.constraint(err) == PrimaryKey {
		return connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "Cannot insert duplicate key: a solution with solutionid %s already exists.", s.ID)
	}
	return err
}

// fixedSolution reports whether id is the Default or the Active solution.
func fixedSolution(id string) bool {
	return id == connectorhub.DefaultSolutionID || id == connectorhub.ActiveSolutionID
}

// UpdateSolution changes a solution's friendly name, version or description.
func (db *DB) UpdateSolution(ctx context.Context, id string, u connectorhub.SolutionUpdate, pre connectorhub.Precondition) error {
	if _, err := customizer(ctx, "prvWriteSolution", connectorhub.SolutionTable); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.SolutionTable, id, pre); err != nil {
			return err
		}
		s, err := solutionByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if fixedSolution(id) || s.managed {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The solution %s is %s and cannot be changed.", s.uniqueName, map[bool]string{true: "managed", false: "built in"}[s.managed])
		}
		sets, args := []string{}, []any{}
		for col, v := range map[string]*string{"friendlyname": u.FriendlyName, "version": u.Version, "description": u.Description} {
			if v != nil {
				sets, args = append(sets, col+" = ?"), append(args, nullText(*v))
			}
		}
		return db.updateRow(ctx, tx, connectorhub.SolutionTable, id, sets, args)
	})
}

// solutionRow is what the solution services read of a solution.
type solutionRow struct {
	id, uniqueName, friendlyName, version, publisherID, description, kept string
	managed                                                               bool
}

const solutionColumns = `solutionid, uniquename, friendlyname, version, publisherid, COALESCE(description, ''), COALESCE(kept, ''), ismanaged`

func scanSolution(row *Row) (*solutionRow, error) {
	var s solutionRow
	var managed int
	err := row.Scan(&s.id, &s.uniqueName, &s.friendlyName, &s.version, &s.publisherID, &s.description, &s.kept, &managed)
	s.managed = managed != 0
	return &s, err
}

func solutionByID(ctx context.Context, q querier, id string) (*solutionRow, error) {
	s, err := scanSolution(q.QueryRowContext(ctx, `SELECT `+solutionColumns+` FROM solutions WHERE solutionid = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identityNotFound(connectorhub.SolutionTable, id)
	}
	return s, err
}

// solutionByName finds a solution by unique name (any case); nil when there is none.
func solutionByName(ctx context.Context, tx *Tx, name string) (*solutionRow, error) {
	s, err := scanSolution(tx.QueryRowContext(ctx, `SELECT `+solutionColumns+` FROM solutions WHERE `+tx.e.ci("uniquename"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// unknownSolution is Dataverse's error for a unique name no solution has (spec §2.1).
func unknownSolution(name string) error {
	return connectorhub.Errorf(connectorhub.ECodeNotFound, "The given solution unique name (%s) is not valid", name)
}

// DeleteSolution deletes an unmanaged solution's container, or uninstalls a managed one.
func (db *DB) DeleteSolution(ctx context.Context, id string, pre connectorhub.Precondition) error {
	if _, err := customizer(ctx, "prvDeleteSolution", connectorhub.SolutionTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if err := checkVersion(ctx, tx, connectorhub.SolutionTable, id, pre); err != nil {
			return err
		}
		if fixedSolution(id) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The Default and Active solutions cannot be deleted.")
		}
		s, err := solutionByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.managed {
			if err := db.uninstall(ctx, tx, s); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM solutioncomponents WHERE solutionid = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM solutions WHERE solutionid = ?`, id)
		return err
	})
}

// uninstall removes what a managed solution installed: its connectors (unless a connection
// reference of another solution uses one), connection references and environment variables.
func (db *DB) uninstall(ctx context.Context, tx *Tx, s *solutionRow) error {
	var uses int
	var ref, connector string
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(r.connectionreferencelogicalname), MIN(c.name) FROM connectionreferences r
		JOIN connectors c ON c.connectorid = r.customconnectorid
		WHERE c.solutionid = ? AND c.ismanaged = 1 AND r.solutionid <> ?`, s.id, s.id).Scan(&uses, nullable(&ref), nullable(&connector))
	if err != nil {
		return err
	}
	if uses > 0 {
		return connectorhub.Errorf(connectorhub.ECodeDependency, "Solution dependencies exist, cannot uninstall. The connection reference %s depends on the connector %s of the solution %s.", ref, connector, s.uniqueName)
	}
	rows, err := tx.QueryContext(ctx, `SELECT connectorid FROM connectors WHERE solutionid = ? AND ismanaged = 1`, s.id)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.removeConnector(ctx, tx, id); err != nil {
			return err
		}
	}
	for _, stmt := range []string{
		`DELETE FROM environmentvariablevalues WHERE environmentvariabledefinitionid IN (SELECT environmentvariabledefinitionid FROM environmentvariabledefinitions WHERE solutionid = ? AND ismanaged = 1)`,
		`DELETE FROM environmentvariabledefinitions WHERE solutionid = ? AND ismanaged = 1`,
		`DELETE FROM connectionreferences WHERE solutionid = ? AND ismanaged = 1`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, s.id); err != nil {
			return err
		}
	}
	return nil
}

// nullable scans a column that may be NULL into a string ("" for NULL).
func nullable(s *string) any { return &textOrNull{s} }

type textOrNull struct{ s *string }

func (n *textOrNull) Scan(v any) error {
	var ns sql.NullString
	if err := ns.Scan(v); err != nil {
		return err
	}
	*n.s = ns.String
	return nil
}

// removeConnector deletes a connector with its shares and solution components, and
// remembers the deletion for change tracking.
func (db *DB) removeConnector(ctx context.Context, tx *Tx, id string) error {
	c := &connectorhub.Connector{ID: id}
	if err := tx.QueryRowContext(ctx, `SELECT ownerid, owningbusinessunit FROM connectors WHERE connectorid = ?`, id).Scan(&c.OwnerID, &c.OwningBusinessUnit); err != nil {
		return err
	}
	for _, stmt := range []string{
		`DELETE FROM connectors WHERE connectorid = ?`,
		`DELETE FROM principalobjectaccess WHERE objectid = ?`,
		`DELETE FROM solutioncomponents WHERE objectid = ?`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
			return err
		}
	}
	return db.tombstone(ctx, tx, c)
}

// targetSolution finds the unmanaged solution components may be added to: nil for Default
// and Active, which hold every component already.
func targetSolution(ctx context.Context, tx *Tx, name string) (*solutionRow, error) {
	s, err := solutionByName(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	switch {
	case s == nil:
		return nil, unknownSolution(name)
	case fixedSolution(s.id):
		return nil, nil
	case s.managed:
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "Cannot add or remove components of the managed solution %s: a managed solution changes only by importing a new version of it.", s.uniqueName)
	}
	return s, nil
}

// CheckSolutionTarget checks that components may be added to the solution.
func (db *DB) CheckSolutionTarget(ctx context.Context, solution string) error {
	if _, err := customizer(ctx, "prvAppendToSolution", connectorhub.SolutionTable); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, err := targetSolution(ctx, tx, solution)
		return err
	})
}

// AddSolutionComponent adds an existing component to an unmanaged solution.
func (db *DB) AddSolutionComponent(ctx context.Context, solution string, c connectorhub.SolutionComponent) (string, error) {
	if _, err := customizer(ctx, "prvAppendToSolution", connectorhub.SolutionTable); err != nil {
		return "", err
	}
	var id string
	err := db.transact(ctx, func(tx *Tx) error {
		s, err := targetSolution(ctx, tx, solution)
		if err != nil || s == nil {
			return err
		}
		if err := componentExists(ctx, tx, c); err != nil {
			return err
		}
		id, err = db.addComponent(ctx, tx, s.id, c)
		return err
	})
	return id, err
}

// componentExists refuses a component the environment does not have.
func componentExists(ctx context.Context, tx *Tx, c connectorhub.SolutionComponent) error {
	var table, key string
	switch c.Type {
	case connectorhub.ComponentTypeConnector, 371:
		table, key = "connectors", "connectorid"
	case connectorhub.ComponentTypeConnectionReference:
		table, key = "connectionreferences", "connectionreferenceid"
	case connectorhub.ComponentTypeEnvironmentVariable:
		table, key = "environmentvariabledefinitions", "environmentvariabledefinitionid"
	case connectorhub.ComponentTypeEnvironmentVariableVal:
		table, key = "environmentvariablevalues", "environmentvariablevalueid"
	default:
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "ConnectorHub holds no components of type %d: only connectors (372), connection references (%d) and environment variables (380, 381).", c.Type, connectorhub.ComponentTypeConnectionReference)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+key+` = ?`, c.ObjectID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return connectorhub.Errorf(connectorhub.ECodeNotFound, "The component %s of type %d does not exist.", c.ObjectID, c.Type)
	}
	return nil
}

// addComponent adds the component to the solution, unless it is there already, and returns
// its solutioncomponentid.
func (db *DB) addComponent(ctx context.Context, tx *Tx, solutionID string, c connectorhub.SolutionComponent) (string, error) {
	if c.Type == 371 {
		c.Type = connectorhub.ComponentTypeConnector
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT solutioncomponentid FROM solutioncomponents WHERE solutionid = ? AND componenttype = ? AND objectid = ?`,
		solutionID, c.Type, c.ObjectID).Scan(&id)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	v, err := nextRowVersion(ctx, tx)
	if err != nil {
		return "", err
	}
	id, now := connectorhub.NewGUID(), db.now().Unix()
	_, err = tx.ExecContext(ctx, `INSERT INTO solutioncomponents (solutioncomponentid, solutionid, objectid, componenttype, rootcomponentbehavior,
		ismetadata, createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`, id, solutionID, c.ObjectID, c.Type, c.Behavior, now, now, v)
	return id, err
}

// RemoveSolutionComponent removes a component from an unmanaged solution.
func (db *DB) RemoveSolutionComponent(ctx context.Context, solution, id string, componentType int) (string, error) {
	if _, err := customizer(ctx, "prvAppendToSolution", connectorhub.SolutionTable); err != nil {
		return "", err
	}
	var removed string
	err := db.transact(ctx, func(tx *Tx) error {
		s, err := targetSolution(ctx, tx, solution)
		if err != nil {
			return err
		}
		if s == nil {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "Components cannot be removed from the %s solution.", solution)
		}
		err = tx.QueryRowContext(ctx, `SELECT solutioncomponentid FROM solutioncomponents WHERE solutionid = ? AND (solutioncomponentid = ? OR (objectid = ? AND componenttype = ?))`,
			s.id, id, id, componentType).Scan(&removed)
		if errors.Is(err, sql.ErrNoRows) {
			return connectorhub.Errorf(connectorhub.ECodeNotFound, "The solution %s has no component %s of type %d.", s.uniqueName, id, componentType)
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM solutioncomponents WHERE solutioncomponentid = ?`, removed)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("remove solution component %s: %w", id, err)
	}
	return removed, nil
}
