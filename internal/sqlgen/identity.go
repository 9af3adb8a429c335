package sqlgen

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// The identity tables, derived from connectorhub's: each stored property is its column over
// the table's alias; teamtype is a constant (ConnectorHub has no access teams).
var (
	SystemUsers   = identityTable(connectorhub.SystemUserTable, "u")
	Teams         = identityTable(connectorhub.TeamTable, "t")
	BusinessUnits = identityTable(connectorhub.BusinessUnitTable, "b")
	Roles         = identityTable(connectorhub.RoleTable, "r")
)

// identityComputed are the SQL expressions of the identity properties that are not stored.
var identityComputed = map[string]Column{
	"teamtype": {SQL: "0", Const: true},
}

// identityTable describes t to the translator, its columns over alias.
func identityTable(t *connectorhub.Table, alias string) *Table {
	return &Table{Name: t.Stored, Alias: alias, Key: t.PrimaryID, Logical: t.LogicalName, Columns: identityColumns(t, t.Columns, alias)}
}

// identityColumns maps the properties cols of t to SQL over alias.
func identityColumns(t *connectorhub.Table, cols []connectorhub.TableColumn, alias string) map[string]Column {
	m := make(map[string]Column, len(cols))
	for _, c := range cols {
		col, ok := identityComputed[c.Name]
		if c.Stored != "" {
			col, ok = Column{SQL: alias + "." + c.Stored, Nullable: c.Nullable}, true
		}
		if !ok {
			panic("sqlgen: the " + t.LogicalName + " property " + c.Name + " is neither stored nor computed")
		}
		col.Kind = c.Kind
		m[c.Name] = col
	}
	return m
}

// The solution tables, derived from connectorhub's as the identity tables are.
var solutionAliases = map[*connectorhub.Table]string{
	connectorhub.PublisherTable: "pu", connectorhub.SolutionTable: "so", connectorhub.SolutionComponentTable: "sc",
	connectorhub.ImportJobTable: "ij", connectorhub.AsyncOperationTable: "ao", connectorhub.ConnectionReferenceTable: "cr",
	connectorhub.EnvVarDefinitionTable: "ed", connectorhub.EnvVarValueTable: "ev",
}

// tableOf maps every table of connectorhub.Tables to its SQL description.
var tableOf = func() map[*connectorhub.Table]*Table {
	m := map[*connectorhub.Table]*Table{
		connectorhub.SystemUserTable: SystemUsers, connectorhub.TeamTable: Teams,
		connectorhub.BusinessUnitTable: BusinessUnits, connectorhub.RoleTable: Roles,
	}
	for _, t := range connectorhub.SolutionTables {
		m[t] = identityTable(t, solutionAliases[t])
	}
	for _, t := range connectorhub.Tables {
		if m[t] == nil {
			panic("sqlgen: the table " + t.LogicalName + " has no SQL description")
		}
	}
	return m
}()

// TableOf returns the SQL description of an identity table.
func TableOf(t *connectorhub.Table) *Table { return tableOf[t] }

// Intersect is the table that stores a many-to-many relationship: one row per link.
type Intersect struct {
	Table   string
	columns map[*connectorhub.Table]string
}

// Column is the intersect table's column that holds the key of a record of t.
func (i *Intersect) Column(t *connectorhub.Table) string { return i.columns[t] }

var intersects = map[*connectorhub.Relationship]*Intersect{
	connectorhub.TeamMembership: {Table: "teammembership", columns: map[*connectorhub.Table]string{
		connectorhub.TeamTable: "teamid", connectorhub.SystemUserTable: "systemuserid"}},
	connectorhub.SystemUserRoles: {Table: "systemuserroles", columns: map[*connectorhub.Table]string{
		connectorhub.SystemUserTable: "systemuserid", connectorhub.RoleTable: "roleid"}},
	connectorhub.TeamRoles: {Table: "teamroles", columns: map[*connectorhub.Table]string{
		connectorhub.TeamTable: "teamid", connectorhub.RoleTable: "roleid"}},
}

// IntersectOf returns the intersect table of a relationship.
func IntersectOf(rel *connectorhub.Relationship) *Intersect { return intersects[rel] }

// relatedTo is the condition that selects the records linked to rel.ID:
// "u.systemuserid IN (SELECT systemuserid FROM teammembership WHERE teamid = ?)".
func (b *Builder) relatedTo(rel *connectorhub.RelatedTo) (string, error) {
	in := intersects[rel.Relationship]
	other := rel.Relationship.Other(rel.From)
	if in == nil || tableOf[other] != b.t {
		return "", fmt.Errorf("sqlgen: %s does not lead from %s to %s", rel.Relationship.Name, rel.From.LogicalName, b.t.Logical)
	}
	return "(" + b.t.keySQL() + " IN (SELECT " + in.Column(other) + " FROM " + in.Table + " WHERE " + in.Column(rel.From) + " = " + b.param(rel.ID) + "))", nil
}

// IdentitySelect is a compiled query of an identity table: its SQL, its arguments and how to
// read its rows.
type IdentitySelect struct {
	SQL   string
	Args  []any
	table *connectorhub.Table
}

// SelectIdentities compiles q into one SELECT of t's columns, in the order of t.Columns,
// filtered by q.Filter, q.Related and the keyset position q.After, in q's order with the key as
// the last tie-break, limited to q.Top rows. Errors as SelectConnectors.
func SelectIdentities(d Dialect, env Env, t *connectorhub.Table, q connectorhub.TableQuery) (*IdentitySelect, error) {
	st := tableOf[t]
	if st == nil {
		return nil, fmt.Errorf("sqlgen: %s is not a table of the translator", t.LogicalName)
	}
	b := NewBuilder(d).WithEnv(env).On(st)
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = st.Columns[c.Name].SQL
	}
	b.Write("SELECT " + strings.Join(cols, ", ") + " FROM " + st.from())
	if err := b.where(identityConds(q), false); err != nil {
		return nil, err
	}
	b.Write(" ORDER BY ")
	if err := b.OrderBy(q.OrderBy); err != nil {
		return nil, err
	}
	if q.Top > 0 {
		b.Write(" LIMIT ").Bind(q.Top)
	}
	return &IdentitySelect{SQL: b.SQL(), Args: b.Args(), table: t}, nil
}

// CountRows compiles the count of the records of t that q's filter and relationship
// select, stopping at limit when it is > 0.
func CountRows(d Dialect, env Env, t *connectorhub.Table, q connectorhub.TableQuery, limit int) (sqlText string, args []any, err error) {
	st := tableOf[t]
	if st == nil {
		return "", nil, fmt.Errorf("sqlgen: %s is not a table of the translator", t.LogicalName)
	}
	q.After = nil
	return count(NewBuilder(d).WithEnv(env).On(st), identityConds(q), limit)
}

func identityConds(q connectorhub.TableQuery) conds {
	return conds{filters: []odata.Expr{q.Filter}, orderBy: q.OrderBy, after: q.After, related: q.Related}
}

// Scan reads one row of the query into a record.
func (s *IdentitySelect) Scan(row Scanner) (*connectorhub.Row, error) {
	vals := make([]any, len(s.table.Columns))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	rec := &connectorhub.Row{Values: make(map[string]any, len(vals))}
	for i, c := range s.table.Columns {
		v, err := recordValue(c.Kind, vals[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		rec.Values[c.Name] = v
	}
	return rec, nil
}

// recordValue converts a stored value to the form the Web API writes: dates as text, Booleans
// from 0 and 1, choices as int.
func recordValue(kind connectorhub.ColumnKind, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	var n sql.NullInt64
	switch kind {
	case connectorhub.KindDateTime, connectorhub.KindBool, connectorhub.KindChoice, connectorhub.KindInt, connectorhub.KindBigInt:
		if err := n.Scan(v); err != nil {
			return nil, err
		}
	case connectorhub.KindDouble:
		var f sql.NullFloat64
		if err := f.Scan(v); err != nil {
			return nil, err
		}
		return f.Float64, nil
	default:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("got %T, want text", v)
		}
		return s, nil
	}
	switch kind {
	case connectorhub.KindDateTime:
		return connectorhub.FormatTime(time.Unix(n.Int64, 0)), nil
	case connectorhub.KindBool:
		return n.Int64 != 0, nil
	case connectorhub.KindChoice, connectorhub.KindInt:
		return int(n.Int64), nil
	}
	return n.Int64, nil
}
