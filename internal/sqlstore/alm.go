package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
)

// ExportSolution reads everything a solution file of the solution carries.
func (db *DB) ExportSolution(ctx context.Context, uniqueName string) (*connectorhub.SolutionPackage, error) {
	if _, err := customizer(ctx, "prvExportCustomization", connectorhub.SolutionTable); err != nil {
		return nil, err
	}
	var pkg *connectorhub.SolutionPackage
	// One transaction: the file is one consistent state of the solution.
	err := db.transact(ctx, func(tx *Tx) error {
		s, err := solutionByName(ctx, tx, uniqueName)
		switch {
		case err != nil:
			return err
		case s == nil:
			return unknownSolution(uniqueName)
		case fixedSolution(s.id):
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The %s solution cannot be exported: export a solution that holds the components.", s.uniqueName)
		case s.managed:
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The solution %s is managed: managed solutions cannot be exported. Export the unmanaged solution from the environment where it is developed.", s.uniqueName)
		}
		pkg = &connectorhub.SolutionPackage{Kept: s.kept, Solution: connectorhub.Solution{ID: s.id, UniqueName: s.uniqueName,
			FriendlyName: s.friendlyName, Version: s.version, PublisherID: s.publisherID, Description: s.description}}
		if pkg.Publisher, err = publisherByID(ctx, tx, s.publisherID); err != nil {
			return err
		}
		if pkg.Connectors, err = solutionConnectors(ctx, tx, s.id); err != nil {
			return err
		}
		if pkg.ConnectionReferences, err = solutionReferences(ctx, tx, s.id); err != nil {
			return err
		}
		pkg.EnvironmentVariables, err = solutionVariables(ctx, tx, s.id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export solution %s: %w", uniqueName, err)
	}
	return pkg, nil
}

func publisherByID(ctx context.Context, tx *Tx, id string) (connectorhub.Publisher, error) {
	var p connectorhub.Publisher
	var readOnly int
	err := tx.QueryRowContext(ctx, `SELECT publisherid, uniquename, friendlyname, customizationprefix, customizationoptionvalueprefix,
		description, emailaddress, supportingwebsiteurl, isreadonly FROM publishers WHERE publisherid = ?`, id).Scan(&p.ID, &p.UniqueName,
		&p.FriendlyName, &p.Prefix, &p.OptionValuePrefix, nullable(&p.Description), nullable(&p.EMailAddress), nullable(&p.Website), &readOnly)
	p.ReadOnly = readOnly != 0
	return p, err
}

// inSolution is the condition "key is a component of type typ of the solution ?".
func inSolution(key string, typ int) string {
	return key + ` IN (SELECT objectid FROM solutioncomponents WHERE solutionid = ? AND componenttype = ` + fmt.Sprint(typ) + `)`
}

func solutionConnectors(ctx context.Context, tx *Tx, solutionID string) ([]connectorhub.Connector, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+sqlgen.RowColumns+` FROM connectors WHERE `+inSolution("connectorid", connectorhub.ComponentTypeConnector)+` ORDER BY name, connectorid`, solutionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connectorhub.Connector
	for rows.Next() {
		c, err := sqlgen.ScanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

const referenceColumns = `connectionreferenceid, connectionreferencelogicalname, connectionreferencedisplayname, connectorid,
	customconnectorid, connectionid, description, promptingbehavior, statecode, statuscode, kept`

func solutionReferences(ctx context.Context, tx *Tx, solutionID string) ([]connectorhub.ConnectionReference, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+referenceColumns+` FROM connectionreferences WHERE `+
		inSolution("connectionreferenceid", connectorhub.ComponentTypeConnectionReference)+` ORDER BY connectionreferencelogicalname`, solutionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connectorhub.ConnectionReference
	for rows.Next() {
		var r connectorhub.ConnectionReference
		var prompting sql.NullInt64
		if err := rows.Scan(&r.ID, &r.LogicalName, nullable(&r.DisplayName), nullable(&r.ConnectorID), nullable(&r.CustomConnectorID),
			nullable(&r.ConnectionID), nullable(&r.Description), &prompting, &r.StateCode, &r.StatusCode, nullable(&r.Kept)); err != nil {
			return nil, err
		}
		if prompting.Valid {
			n := int(prompting.Int64)
			r.PromptingBehavior = &n
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func solutionVariables(ctx context.Context, tx *Tx, solutionID string) ([]connectorhub.EnvironmentVariable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.environmentvariabledefinitionid, d.schemaname, d.displayname, d.description, d.type, d.defaultvalue,
		d.isrequired, d.introducedversion, d.secretstore, d.kept, v.environmentvariablevalueid, v.schemaname, v.value
		FROM environmentvariabledefinitions d LEFT JOIN environmentvariablevalues v ON v.environmentvariabledefinitionid = d.environmentvariabledefinitionid
		WHERE `+inSolution("d.environmentvariabledefinitionid", connectorhub.ComponentTypeEnvironmentVariable)+` ORDER BY d.schemaname`, solutionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connectorhub.EnvironmentVariable
	for rows.Next() {
		var v connectorhub.EnvironmentVariable
		var required int
		var val connectorhub.EnvironmentVariableValue
		if err := rows.Scan(&v.ID, &v.SchemaName, nullable(&v.DisplayName), nullable(&v.Description), &v.Type, nullable(&v.DefaultValue),
			&required, nullable(&v.IntroducedVersion), &v.SecretStore, nullable(&v.Kept), nullable(&val.ID), nullable(&val.SchemaName), nullable(&val.Value)); err != nil {
			return nil, err
		}
		v.IsRequired = required != 0
		if val.ID != "" && (len(out) == 0 || out[len(out)-1].ID != v.ID) {
			v.Value = &val
		}
		if len(out) > 0 && out[len(out)-1].ID == v.ID {
			continue // a second value of one definition: the first one is the current value
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ImportSolution applies a package in one transaction.
func (db *DB) ImportSolution(ctx context.Context, pkg *connectorhub.SolutionPackage, opt connectorhub.ImportOptions) (*connectorhub.ImportResult, error) {
	caller, err := customizer(ctx, "prvImportCustomization", connectorhub.SolutionTable)
	if err != nil {
		return nil, err
	}
	sol := pkg.Solution
	if sol.FriendlyName == "" {
		sol.FriendlyName = sol.UniqueName
	}
	sol.PublisherID = "-" // checked below, once the publisher is known
	if err := connectorhub.NewSolution(&sol); err != nil {
		return nil, importError(err)
	}
	if err := connectorhub.NewPublisher(&connectorhub.Publisher{UniqueName: pkg.Publisher.UniqueName, FriendlyName: orName(pkg.Publisher.FriendlyName, pkg.Publisher.UniqueName),
		Prefix: pkg.Publisher.Prefix, OptionValuePrefix: pkg.Publisher.OptionValuePrefix}); err != nil {
		return nil, importError(err)
	}
	var res *connectorhub.ImportResult
	err = db.transact(ctx, func(tx *Tx) error {
		res = &connectorhub.ImportResult{}
		im := &importer{db: db, tx: tx, caller: caller, pkg: pkg, opt: opt, res: res}
		return im.run(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("import solution %s: %w", pkg.Solution.UniqueName, err)
	}
	return res, nil
}

func orName(name, fallback string) string {
	if strings.TrimSpace(name) == "" {
		return fallback
	}
	return name
}

// importError marks a refusal of the file's content as an import failure, keeping its message.
func importError(err error) error {
	var ce *connectorhub.Error
	if errors.As(err, &ce) && ce.Code == connectorhub.ECodeInvalidArgument {
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "%s", ce.Message)
	}
	return err
}

// importer is one import in its transaction.
type importer struct {
	db       *DB
	tx       *Tx
	caller   *connectorhub.Principal
	pkg      *connectorhub.SolutionPackage
	opt      connectorhub.ImportOptions
	res      *connectorhub.ImportResult
	solution *solutionRow
}

func (im *importer) managed() bool { return im.pkg.Solution.Managed }

// componentSolution is the solutionid the imported components carry: the managed solution,
// or Active for unmanaged ones.
func (im *importer) componentSolution() string {
	if im.managed() {
		return im.solution.id
	}
	return connectorhub.ActiveSolutionID
}

func (im *importer) run(ctx context.Context) error {
	publisherID, err := im.publisher(ctx)
	if err != nil {
		return err
	}
	if err := im.solutionRow(ctx, publisherID); err != nil {
		return err
	}
	im.res.SolutionID = im.solution.id
	if im.managed() {
		// A managed solution's components are exactly those of its newest version.
		if _, err := im.tx.ExecContext(ctx, `DELETE FROM solutioncomponents WHERE solutionid = ?`, im.solution.id); err != nil {
			return err
		}
	}
	keep := map[string]bool{}
	for i := range im.pkg.Connectors {
		id, err := im.connector(ctx, &im.pkg.Connectors[i])
		if err != nil {
			return err
		}
		keep[id] = true
	}
	if err := im.variables(ctx); err != nil {
		return err
	}
	if err := im.references(ctx); err != nil {
		return err
	}
	if im.res.Upgrade {
		return im.removeDropped(ctx, keep)
	}
	return nil
}

// publisher creates the package's publisher, or updates it when it exists and the import is
// unmanaged; it returns its id.
func (im *importer) publisher(ctx context.Context) (string, error) {
	p := im.pkg.Publisher
	p.FriendlyName = orName(p.FriendlyName, p.UniqueName)
	var id string
	var readOnly int
	err := im.tx.QueryRowContext(ctx, `SELECT publisherid, isreadonly FROM publishers WHERE `+im.tx.e.ci("uniquename"), p.UniqueName).Scan(&id, &readOnly)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p.ID, p.ReadOnly = "", im.managed()
		if err := im.db.insertPublisher(ctx, im.tx, &p); err != nil {
			return "", importError(err)
		}
		return p.ID, nil
	case err != nil:
		return "", err
	case readOnly != 0 || im.managed():
		return id, nil
	}
	return id, im.db.updateRow(ctx, im.tx, connectorhub.PublisherTable, id,
		[]string{"friendlyname = ?", "customizationprefix = ?", "customizationoptionvalueprefix = ?", "description = ?", "emailaddress = ?", "supportingwebsiteurl = ?"},
		[]any{p.FriendlyName, p.Prefix, p.OptionValuePrefix, nullText(p.Description), nullText(p.EMailAddress), nullText(p.Website)})
}

// solutionRow creates the solution, or updates or upgrades the installed one under the
// managed rules of spec §4.4.
func (im *importer) solutionRow(ctx context.Context, publisherID string) error {
	in := im.pkg.Solution
	in.PublisherID, in.FriendlyName = publisherID, orName(in.FriendlyName, in.UniqueName)
	s, err := solutionByName(ctx, im.tx, in.UniqueName)
	if err != nil {
		return err
	}
	if s == nil {
		in.ID = ""
		if err := im.db.insertSolution(ctx, im.tx, &in); err != nil {
			return err
		}
		if err := im.setKept(ctx, in.ID); err != nil {
			return err
		}
		im.solution, err = solutionByID(ctx, im.tx, in.ID)
		return err
	}
	im.solution = s
	switch {
	case fixedSolution(s.id):
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The solution %s is built in: a solution file cannot replace it.", s.uniqueName)
	case s.managed && !in.Managed:
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The solution %s is already installed as a managed solution and the package to be imported is an unmanaged one: uninstall the managed solution first.", s.uniqueName)
	case !s.managed && in.Managed && !im.opt.ConvertToManaged:
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The imported solution and the existing solution must both be managed for upgrade: %s is installed unmanaged. Delete it (and its components) or import the unmanaged file.", s.uniqueName)
	case s.managed && connectorhub.CompareVersions(in.Version, s.version) <= 0:
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The import solution must have a higher version than the existing solution it is upgrading: %s %s is installed, the file holds %s.", s.uniqueName, s.version, in.Version)
	}
	im.res.Upgrade = s.managed
	sets := []string{"friendlyname = ?", "version = ?", "description = ?", "publisherid = ?", "ismanaged = ?"}
	args := []any{in.FriendlyName, in.Version, nullText(in.Description), publisherID, boolInt(in.Managed)}
	if in.Managed {
		sets, args = append(sets, "installedon = ?"), append(args, im.db.now().Unix())
	}
	if err := im.db.updateRow(ctx, im.tx, connectorhub.SolutionTable, s.id, sets, args); err != nil {
		return err
	}
	return im.setKept(ctx, s.id)
}

func (im *importer) setKept(ctx context.Context, id string) error {
	_, err := im.tx.ExecContext(ctx, `UPDATE solutions SET kept = ? WHERE solutionid = ?`, nullText(im.pkg.Kept), id)
	return err
}

func (im *importer) record(c *connectorhub.Connector, action string) {
	im.res.Connectors = append(im.res.Connectors, connectorhub.ComponentResult{Name: c.Name, ID: c.ID, Action: action})
}

// connector creates or updates one connector of the package and adds it to the solution.
func (im *importer) connector(ctx context.Context, in *connectorhub.Connector) (string, error) {
	u := in.SolutionColumns()
	c, err := connectorhub.NewConnector(in.ID, u)
	if err != nil {
		return "", importError(fmt.Errorf("connector %s: %w", in.Name, err))
	}
	c.Icon, c.SolutionID, c.IsManaged = in.Icon, im.componentSolution(), im.managed()
	existing, err := findConnector(ctx, im.tx, c.ID)
	var ce *connectorhub.Error
	switch {
	case errors.As(err, &ce) && ce.Code == connectorhub.ECodeNotFound:
		if err := im.db.createConnector(ctx, im.tx, c, im.caller); err != nil {
			if ce := (*connectorhub.Error)(nil); errors.As(err, &ce) && ce.Code == connectorhub.ECodeDuplicateKey {
				return "", connectorhub.Errorf(connectorhub.ECodeDuplicateKey, "The solution's connector %s (%s) cannot be imported: another connector has the name %s. Rename or delete it first.", c.Name, c.ID, c.Name)
			}
			return "", err
		}
		im.record(c, "created")
	case err != nil:
		return "", err
	default:
		if err := im.update(ctx, existing, c); err != nil {
			return "", err
		}
	}
	_, err = im.db.addComponent(ctx, im.tx, im.solution.id, connectorhub.SolutionComponent{ObjectID: c.ID, Type: connectorhub.ComponentTypeConnector})
	return c.ID, err
}

// update applies an imported connector over the installed one of its id.
func (im *importer) update(ctx context.Context, existing, c *connectorhub.Connector) error {
	switch {
	case !strings.EqualFold(existing.Name, c.Name):
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The connector %s is named %s here and %s in the solution file: a connector's name cannot change.", c.ID, existing.Name, c.Name)
	case im.managed() && !existing.IsManaged && !im.opt.ConvertToManaged:
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "A managed solution cannot overwrite the connector component %s (%s) which has an unmanaged base instance.", existing.Name, existing.ID)
	case existing.IsManaged && existing.SolutionID != im.solution.id:
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The connector %s (%s) is a managed component of another solution (%s): the solution %s cannot change it.", existing.Name, existing.ID, existing.SolutionID, im.solution.uniqueName)
	}
	if err := require(ctx, im.tx, connectorhub.PrivWrite, existing); err != nil {
		return err
	}
	if existing.Customized && !im.opt.OverwriteUnmanagedCustomizations {
		im.record(existing, "kept")
		return nil
	}
	next := *existing
	next.Name, next.DisplayName, next.Description, next.ConnectorType = existing.Name, c.DisplayName, c.Description, c.ConnectorType
	next.OpenAPIDefinition, next.ConnectionParameters, next.ConnectionParameterSets = c.OpenAPIDefinition, c.ConnectionParameters, c.ConnectionParameterSets
	next.PolicyTemplateInstances, next.ScriptOperations, next.CustomCodeBlobContent = c.PolicyTemplateInstances, c.ScriptOperations, c.CustomCodeBlobContent
	next.IconBrandColor, next.Icon, next.SolutionID, next.IsManaged, next.Customized = c.IconBrandColor, c.Icon, c.SolutionID, c.IsManaged, false
	var err error
	if next.VersionNumber, err = nextVersion(ctx, im.tx); err != nil {
		return err
	}
	next.ModifiedOn, next.ModifiedBy = im.db.now(), im.caller.UserID
	if _, err := im.tx.ExecContext(ctx, `UPDATE connectors SET `+rowUpdate+` WHERE connectorid = ?`, append(sqlgen.RowArgs(&next), next.ID)...); err != nil {
		return err
	}
	im.record(&next, "updated")
	return nil
}

// removeDropped uninstalls what the solution's previous version installed and this one no
// longer has (an upgrade).
func (im *importer) removeDropped(ctx context.Context, keep map[string]bool) error {
	rows, err := im.tx.QueryContext(ctx, `SELECT connectorid, name FROM connectors WHERE solutionid = ? AND ismanaged = 1 ORDER BY name`, im.solution.id)
	if err != nil {
		return err
	}
	var drop []connectorhub.Connector
	for rows.Next() {
		var c connectorhub.Connector
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			rows.Close()
			return err
		}
		if !keep[c.ID] {
			drop = append(drop, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range drop {
		if err := im.db.removeConnector(ctx, im.tx, drop[i].ID); err != nil {
			return err
		}
		im.record(&drop[i], "removed")
	}
	for _, stmt := range []string{
		`DELETE FROM environmentvariablevalues WHERE environmentvariabledefinitionid IN (SELECT environmentvariabledefinitionid FROM environmentvariabledefinitions
			WHERE solutionid = ? AND ismanaged = 1 AND NOT ` + inSolution("environmentvariabledefinitionid", connectorhub.ComponentTypeEnvironmentVariable) + `)`,
		`DELETE FROM environmentvariabledefinitions WHERE solutionid = ? AND ismanaged = 1 AND NOT ` + inSolution("environmentvariabledefinitionid", connectorhub.ComponentTypeEnvironmentVariable),
		`DELETE FROM connectionreferences WHERE solutionid = ? AND ismanaged = 1 AND NOT ` + inSolution("connectionreferenceid", connectorhub.ComponentTypeConnectionReference),
	} {
		if _, err := im.tx.ExecContext(ctx, stmt, im.solution.id, im.solution.id); err != nil {
			return err
		}
	}
	return nil
}

// references creates or updates the package's connection references by logical name,
// keeping each one's connection (which belongs to the environment) unless the import's
// ComponentParameters give one.
func (im *importer) references(ctx context.Context) error {
	for _, r := range im.pkg.ConnectionReferences {
		var id string
		err := im.tx.QueryRowContext(ctx, `SELECT connectionreferenceid FROM connectionreferences WHERE `+im.tx.e.ci("connectionreferencelogicalname"), r.LogicalName).Scan(&id)
		var prompting any
		if r.PromptingBehavior != nil {
			prompting = *r.PromptingBehavior
		}
		vals := []any{nullText(r.DisplayName), nullText(r.ConnectorID), nullText(r.CustomConnectorID), nullText(r.Description), prompting,
			r.StateCode, orStatus(r.StatusCode), im.componentSolution(), boolInt(im.managed()), nullText(r.Kept)}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = r.ID
			if id == "" {
				id = connectorhub.NewGUID()
			}
			if err := im.checkFree(ctx, connectorhub.ConnectionReferenceTable, id); err != nil {
				return err
			}
			v, err := nextRowVersion(ctx, im.tx)
			if err != nil {
				return err
			}
			now := im.db.now().Unix()
			if _, err := im.tx.ExecContext(ctx, `INSERT INTO connectionreferences (connectionreferenceid, connectionreferencelogicalname,
				connectionreferencedisplayname, connectorid, customconnectorid, description, promptingbehavior, statecode, statuscode,
				solutionid, ismanaged, kept, connectionid, createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				append(append([]any{id, r.LogicalName}, vals...), nullText(r.ConnectionID), now, now, v)...); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := im.db.updateRow(ctx, im.tx, connectorhub.ConnectionReferenceTable, id, []string{"connectionreferencedisplayname = ?",
				"connectorid = ?", "customconnectorid = ?", "description = ?", "promptingbehavior = ?", "statecode = ?", "statuscode = ?",
				"solutionid = ?", "ismanaged = ?", "kept = ?", "connectionid = COALESCE(?, connectionid)"}, append(vals, nullText(r.ConnectionID))); err != nil {
				return err
			}
		}
		if _, err := im.db.addComponent(ctx, im.tx, im.solution.id, connectorhub.SolutionComponent{ObjectID: id, Type: connectorhub.ComponentTypeConnectionReference}); err != nil {
			return err
		}
	}
	return nil
}

func orStatus(n int) int {
	if n == 0 {
		return 1
	}
	return n
}

// checkFree refuses an id a record of t has already (under another name).
func (im *importer) checkFree(ctx context.Context, t *connectorhub.Table, id string) error {
	ok, err := exists(ctx, im.tx, t, id)
	if err == nil && ok {
		err = connectorhub.Errorf(connectorhub.ECodeImportFailed, "The solution's %s %s cannot be imported: a %s with that id and another name exists.", t.LogicalName, id, t.LogicalName)
	}
	return err
}

// variables creates or updates the package's environment variable definitions by schema
// name, and their values when the package carries one.
func (im *importer) variables(ctx context.Context) error {
	for _, ev := range im.pkg.EnvironmentVariables {
		var id string
		err := im.tx.QueryRowContext(ctx, `SELECT environmentvariabledefinitionid FROM environmentvariabledefinitions WHERE `+im.tx.e.ci("schemaname"), ev.SchemaName).Scan(&id)
		vals := []any{nullText(ev.DisplayName), nullText(ev.Description), ev.Type, nullText(ev.DefaultValue), boolInt(ev.IsRequired),
			nullText(ev.IntroducedVersion), ev.SecretStore, im.componentSolution(), boolInt(im.managed()), nullText(ev.Kept)}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = ev.ID
			if id == "" {
				id = connectorhub.NewGUID()
			}
			if err := im.checkFree(ctx, connectorhub.EnvVarDefinitionTable, id); err != nil {
				return err
			}
			v, err := nextRowVersion(ctx, im.tx)
			if err != nil {
				return err
			}
			now := im.db.now().Unix()
			if _, err := im.tx.ExecContext(ctx, `INSERT INTO environmentvariabledefinitions (environmentvariabledefinitionid, schemaname,
				displayname, description, type, defaultvalue, isrequired, introducedversion, secretstore, solutionid, ismanaged, kept,
				createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				append(append([]any{id, ev.SchemaName}, vals...), now, now, v)...); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := im.db.updateRow(ctx, im.tx, connectorhub.EnvVarDefinitionTable, id, []string{"displayname = ?", "description = ?",
				"type = ?", "defaultvalue = ?", "isrequired = ?", "introducedversion = ?", "secretstore = ?", "solutionid = ?", "ismanaged = ?", "kept = ?"}, vals); err != nil {
				return err
			}
		}
		if _, err := im.db.addComponent(ctx, im.tx, im.solution.id, connectorhub.SolutionComponent{ObjectID: id, Type: connectorhub.ComponentTypeEnvironmentVariable}); err != nil {
			return err
		}
		if ev.Value != nil {
			if err := im.value(ctx, id, ev.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// value sets the current value of a definition: the one value row it has, or a new one.
func (im *importer) value(ctx context.Context, definitionID string, val *connectorhub.EnvironmentVariableValue) error {
	var id string
	err := im.tx.QueryRowContext(ctx, `SELECT environmentvariablevalueid FROM environmentvariablevalues WHERE environmentvariabledefinitionid = ? ORDER BY createdon, environmentvariablevalueid LIMIT 1`, definitionID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = val.ID
		if id == "" {
			id = connectorhub.NewGUID()
		}
		if err := im.checkFree(ctx, connectorhub.EnvVarValueTable, id); err != nil {
			return err
		}
		v, err := nextRowVersion(ctx, im.tx)
		if err != nil {
			return err
		}
		now := im.db.now().Unix()
		_, err = im.tx.ExecContext(ctx, `INSERT INTO environmentvariablevalues (environmentvariablevalueid, schemaname, environmentvariabledefinitionid,
			value, createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?)`, id, nullText(val.SchemaName), definitionID, nullText(val.Value), now, now, v)
		return err
	case err != nil:
		return err
	}
	return im.db.updateRow(ctx, im.tx, connectorhub.EnvVarValueTable, id, []string{"schemaname = ?", "value = ?"}, []any{nullText(val.SchemaName), nullText(val.Value)})
}

// SaveImportJob writes an import's log.
func (db *DB) SaveImportJob(ctx context.Context, job *connectorhub.ImportJob) error {
	caller, err := customizer(ctx, "prvImportCustomization", connectorhub.ImportJobTable)
	if err != nil {
		return err
	}
	if job.ID == "" {
		job.ID = connectorhub.NewGUID()
	}
	return db.transact(ctx, func(tx *Tx) error {
		v, err := nextRowVersion(ctx, tx)
		if err != nil {
			return err
		}
		now := db.now().Unix()
		if _, err := tx.ExecContext(ctx, `DELETE FROM importjobs WHERE importjobid = ?`, job.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO importjobs (importjobid, name, solutionname, solutionid, progress, data, startedon, completedon,
			createdby, createdon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			job.ID, nullText(job.Name), nullText(job.SolutionName), nullText(job.SolutionID), job.Progress, nullText(job.Data),
			unixOf(job.StartedOn), unixOf(job.CompletedOn), caller.UserID, now, now, v)
		return err
	})
}

// unixOf reads a time FormatTime wrote; NULL for "".
func unixOf(s string) any {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return t.Unix()
}

// AsyncRetention is how long a completed operation's result stays to be downloaded, as
// Dataverse keeps export data for 48 hours.
const AsyncRetention = 48 * time.Hour

// SaveAsyncOperation records a completed operation of the caller.
func (db *DB) SaveAsyncOperation(ctx context.Context, op *connectorhub.AsyncOperation) error {
	caller, err := customizer(ctx, "prvImportCustomization", connectorhub.AsyncOperationTable)
	if err != nil {
		return err
	}
	if op.ID == "" {
		op.ID = connectorhub.NewGUID()
	}
	return db.transact(ctx, func(tx *Tx) error {
		v, err := nextRowVersion(ctx, tx)
		if err != nil {
			return err
		}
		now := db.now().Unix()
		// Results are large (a whole solution file): older ones are dropped, the rows stay.
		if _, err := tx.ExecContext(ctx, `UPDATE asyncoperations SET result = NULL WHERE result IS NOT NULL AND completedon < ?`, now-int64(AsyncRetention/time.Second)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO asyncoperations (asyncoperationid, name, operationtype, statecode, statuscode, message,
			friendlymessage, result, createdby, createdon, startedon, completedon, modifiedon, versionnumber) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			op.ID, op.Name, op.OperationType, connectorhub.AsyncStateCompleted, op.StatusCode, nullText(op.Message), nullText(op.Message),
			nullText(op.Result), caller.UserID, now, now, now, now, v)
		return err
	})
}

// AsyncResult returns the result of the caller's completed operation of that id.
func (db *DB) AsyncResult(ctx context.Context, id string) (string, error) {
	caller, err := customizer(ctx, "prvExportCustomization", connectorhub.AsyncOperationTable)
	if err != nil {
		return "", err
	}
	var result sql.NullString
	err = db.read.QueryRowContext(ctx, `SELECT result FROM asyncoperations WHERE asyncoperationid = ? AND createdby = ?`, id, caller.UserID).Scan(&result)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !result.Valid {
		return "", connectorhub.Errorf(connectorhub.ECodeNotFound, "No export data for the job %s: it is unknown, another user's, or older than %s.", id, AsyncRetention)
	}
	return result.String, err
}
