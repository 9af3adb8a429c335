package connectorhub

import (
	"context"
	"strconv"

	"github.com/connectorhub/connectorhub/odata"
)

// Table describes a table the Web API serves besides connectors — the identities (systemuser,
// team, businessunit, role) and the solution tables (publisher, solution, solutioncomponent,
// importjob, …): its names and its columns, in the order records are written. Reads of every
// table go through one path (RowReader, the translator, the Web API's table handlers); each
// table's writes have their own service, which holds its rules.
type Table struct {
	LogicalName   string // systemuser
	EntitySetName string // systemusers
	PrimaryID     string // systemuserid
	PrimaryName   string // fullname
	ObjectType    int    // Dataverse's ObjectTypeCode, named in privilege errors
	// Privilege is the stem of the table's privilege names in Dataverse: prvCreateUser, prvWriteTeam…
	Privilege string
	Stored    string // the engines' table: systemusers
	Columns   []TableColumn
	// Restricted tables are read only by callers who may customize the environment
	// (CanCustomize): import jobs and asynchronous operations, whose logs name every
	// component of a solution. The others are read by every authenticated caller.
	Restricted bool
}

// TableColumn is one Web API property of a table.
type TableColumn struct {
	Name      string // the Web API property name: the logical name, or _x_value for a lookup
	Kind      ColumnKind
	MaxLength int
	Choices   map[int]string
	// NavigationProperty and Target describe a lookup: _businessunitid_value → businessunitid → businessunit.
	NavigationProperty string
	Target             string
	// Stored is the engines' column that holds the property; "" for a constant (teamtype),
	// which the translator knows. ownerid of a principal is its key's column.
	Stored   string
	Nullable bool
	// Related: the property is written when the record is expanded from a connector's lookup
	// ($expand=ownerid), and a query can read it through the lookup (ownerid/fullname).
	Related bool
}

// RelatedColumns are the properties of an expanded record, in the order Dataverse writes
// them: ownerid (inherited from principal) first, then the others in table order.
func (t *Table) RelatedColumns() []TableColumn {
	var out []TableColumn
	if c := t.Column("ownerid"); c != nil {
		out = append(out, *c)
	}
	for _, c := range t.Columns {
		if c.Related && c.Name != "ownerid" {
			out = append(out, c)
		}
	}
	return out
}

// Tables lists every table served through the table path: the identities, then the
// solution tables.
var Tables = append(append([]*Table{}, IdentityTables...), SolutionTables...)

// TableByName returns the table of a logical name, or nil.
func TableByName(logical string) *Table {
	for _, t := range Tables {
		if t.LogicalName == logical {
			return t
		}
	}
	return nil
}

// Column returns the column with that Web API property name (case-sensitive), or nil.
func (t *Table) Column(name string) *TableColumn {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// TableBySet returns the table of an entity set name, or nil.
func TableBySet(set string) *Table {
	for _, t := range Tables {
		if t.EntitySetName == set {
			return t
		}
	}
	return nil
}

// TableQuery selects records of a table. Its parts are the syntax trees of
// package odata, with property names checked against the table's columns.
type TableQuery struct {
	Filter  odata.Expr    // nil selects every record
	OrderBy odata.OrderBy // the engine adds the key as the last tie-break
	Top     int           // at most this many rows; 0 for no limit
	// After is the keyset position, as in ConnectorQuery: the OrderBy values of the last row
	// already returned, then its key.
	After []any
	// Related, when set, selects only the records associated with that record.
	Related *RelatedTo
}

// Row is a row of a table: the values of its Web API properties (nil, string, int, int64,
// float64 or bool, dates as FormatTime writes them) by name.
type Row struct {
	Values map[string]any
}

// ID is the record's key.
func (r *Row) ID(t *Table) string {
	id, _ := r.Values[t.PrimaryID].(string)
	return id
}

// ETag is the record's weak entity tag, W/"<versionnumber>".
func (r *Row) ETag() string {
	v, _ := r.Values["versionnumber"].(int64)
	return `W/"` + strconv.FormatInt(v, 10) + `"`
}

// RowReader reads the rows of any table in Tables.
type RowReader interface {
	// ScanRows calls fn with each record of t that q selects, in q's order (its OrderBy,
	// then the key), after q.After, at most q.Top of them; fn's error stops the scan and is
	// returned. ECodeQuery for a query the engine cannot run, ECodeBadRequest for an unknown
	// property; ECodePrivilegeDenied for a Restricted table the caller may not read.
	ScanRows(ctx context.Context, t *Table, q TableQuery, fn func(*Row) error) error
	// CountRows returns how many records of t q's filter selects, counting no further than
	// q.Top when it is set. Errors as ScanRows.
	CountRows(ctx context.Context, t *Table, q TableQuery) (int, error)
	// FindRow returns one record of t; ECodeNotFound if there is none.
	FindRow(ctx context.Context, t *Table, id string) (*Row, error)
}
