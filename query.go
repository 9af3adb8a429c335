package connectorhub

import (
	"strings"

	"github.com/connectorhub/connectorhub/odata"
)

// MaxPageSize is the most rows one page of a query answers, and the cap of @odata.count
// (spec §3.7, §3.9).
const MaxPageSize = 5000

// ConnectorQuery selects connectors for ScanConnectors, FindConnectors, CountConnectors and
// AggregateConnectors. Its parts are the syntax trees of package odata, with property names
// already checked against Columns. Engines AND every condition they are given (the filter, the
// keyset position, and any condition added later such as security trimming), so a new kind of
// condition is a new field here and one more term in the translator's WHERE list.
type ConnectorQuery struct {
	Filter  odata.Expr    // nil selects every connector
	OrderBy odata.OrderBy // the engine adds the key as the last tie-break
	Top     int           // at most this many rows; 0 for no limit

	// After is the keyset position: the values of the OrderBy keys of the last row already
	// returned, then its connectorid (len(OrderBy)+1 values), as a $skiptoken carries them.
	// Rows at or before it in the query's order are skipped. nil starts at the beginning.
	// Values are nil, string, int, int64, float64, bool, time.Time or odata.GUID.
	After []any

	// Columns names the Web API properties the caller will read; nil reads them all. Engines
	// may leave the large text columns (openapidefinition and the like, ~32 KB a row) empty when
	// they are not named, so that listing connectors does not read their definitions.
	Columns []string

	// Lookups names the navigation properties (ownerid, owninguser, owningteam,
	// owningbusinessunit, createdby, modifiedby) whose records ScanConnectors returns with each
	// row, for $expand and for the lookups' formatted values.
	Lookups []string

	// Apply is a $apply (filter steps, then one groupby or aggregate) for AggregateConnectors.
	Apply odata.Apply

	// KeysOnly reads the key and the columns Columns and OrderBy name, and leaves every other
	// column empty (the zero value): for a first pass that needs only the keys of a page, which
	// an index can then answer without reading the rows.
	KeysOnly bool
}

// Reads reports whether the query reads the column named name (see Columns).
func (q *ConnectorQuery) Reads(name string) bool {
	if q.Columns == nil {
		return true
	}
	for _, c := range q.Columns {
		if c == name {
			return true
		}
	}
	for _, o := range q.OrderBy {
		if o.Path != nil && len(o.Path.Segments) == 1 && o.Path.Segments[0] == name {
			return true
		}
	}
	return false
}

// AtMostOneRow reports whether a connector filter matches one row at most: an equality of
// the key, or of name (unique without regard to case on every engine), with a value, or an In
// of one such value, alone or as a term of a conjunction.
func AtMostOneRow(e odata.Expr) bool { return MaxRows(e) == 1 }

// MaxRows returns the most rows a connector filter can match when the filter alone bounds it,
// and 0 when it does not: 1 for an equality of the key or of name with a value, n for an In
// of n values of either, the least bound of a conjunction's terms.
func MaxRows(e odata.Expr) int {
	switch e := e.(type) {
	case *odata.LogicalExpr:
		if e.Op != odata.And {
			return 0
		}
		l, r := MaxRows(e.Left), MaxRows(e.Right)
		if l == 0 || (r != 0 && r < l) {
			return r
		}
		return l
	case *odata.CompareExpr:
		if e.Op == odata.Eq && (uniqueEquals(e.Left, e.Right) || uniqueEquals(e.Right, e.Left)) {
			return 1
		}
	case *odata.QueryFunc:
		if e.Name == "In" && uniqueColumn(e.Property) {
			return len(e.Values)
		}
	}
	return 0
}

func uniqueEquals(prop, value odata.Expr) bool {
	p, ok := prop.(*odata.PropertyPath)
	if _, lit := value.(*odata.Literal); !ok || !lit {
		return false
	}
	return uniqueColumn(p)
}

// uniqueColumn reports whether p is the key or name, which no two connectors share.
func uniqueColumn(p *odata.PropertyPath) bool {
	return p != nil && len(p.Segments) == 1 && (p.Segments[0] == ConnectorPrimaryID || p.Segments[0] == "name")
}

// ConnectorRow is one row of ScanConnectors: a connector and the records of its lookups that
// the query named in Lookups.
type ConnectorRow struct {
	*Connector
	// Related maps a navigation property of ConnectorQuery.Lookups to the record it points to;
	// a null lookup (or one whose record is gone) maps to nil.
	Related map[string]*RelatedRecord
	// SortValues maps each $orderby key read through a lookup ("ownerid/fullname", or
	// "_ownerid_value", which sorts by the owner's name) to the value the row was sorted by:
	// what a $skiptoken carries for it. Values are nil, string or time.Time.
	SortValues map[string]any
}

// SortValue returns the $skiptoken form of the $orderby key p on the row.
func (r *ConnectorRow) SortValue(p *odata.PropertyPath) (any, error) {
	if v, ok := r.SortValues[p.String()]; ok {
		return v, nil
	}
	return SortValue(p, r.Connector)
}

// RelatedRecord is a record a connector's lookup points to: exactly one of User, Team and
// BusinessUnit is set.
type RelatedRecord struct {
	User         *SystemUser
	Team         *Team
	BusinessUnit *BusinessUnit
}

// LogicalName is the table of the record: systemuser, team or businessunit.
func (r *RelatedRecord) LogicalName() string {
	switch {
	case r.User != nil:
		return OwnerSystemUser
	case r.Team != nil:
		return OwnerTeam
	}
	return "businessunit"
}

// Name is the record's primary name: the user's full name, or the team's or business unit's name.
func (r *RelatedRecord) Name() string {
	switch {
	case r.User != nil:
		return r.User.FullName
	case r.Team != nil:
		return r.Team.Name
	case r.BusinessUnit != nil:
		return r.BusinessUnit.Name
	}
	return ""
}

// ExpandableLookups lists the navigation properties a query may expand or name in Lookups.
var ExpandableLookups = []string{"ownerid", "owninguser", "owningteam", "owningbusinessunit", "createdby", "modifiedby", "createdonbehalfby", "modifiedonbehalfby"}

// IsExpandable reports whether nav is a navigation property of ExpandableLookups.
func IsExpandable(nav string) bool {
	for _, n := range ExpandableLookups {
		if n == nav {
			return true
		}
	}
	return false
}

// AggregateRow is one row of AggregateConnectors: the groupby properties' values, then the
// aggregates' values, in the order the $apply names them. Values are nil, string, int64,
// float64 or time.Time.
type AggregateRow []any

// ColumnForPath returns the column a single-segment property path names, or nil.
func ColumnForPath(p *odata.PropertyPath) *Column {
	if p == nil || p.Var != "" || len(p.Segments) != 1 {
		return nil
	}
	return ColumnByName(p.Segments[0])
}

// UnknownProperty is the error Dataverse gives for a property name it does not know on a table.
func UnknownProperty(name, table string) error {
	return Errorf(ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'.", strings.TrimSpace(name), table)
}
