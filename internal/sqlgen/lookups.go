package sqlgen

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// lookup is a navigation property of the connector seen from a query: $filter and $orderby
// may read a property of its record (ownerid/fullname), and $orderby sorts its _x_value by
// the record's primary name, as Dataverse does (spec §3.4). The record is reached by the
// LEFT JOIN $expand uses, so a query that expands and traverses a lookup joins it once.
type lookup struct {
	join    *join             // nil for the lookups that are always null (createdonbehalfby)
	target  string            // the declared type, for Dataverse's unknown-property message
	columns map[string]Column // the record's properties, over the join's aliases
	name    string            // the property holding the record's primary name
}

// lookups maps each navigation property of connectorhub.ExpandableLookups to what a query
// can read through it: the properties $expand writes of the same records.
//
// ownerid points to a systemuser or a team. Its properties are those of both, each read from
// whichever the owner is; fullname and name are both the principal's name (the user's full
// name or the team's name), as Dataverse's owner record names either kind.
var lookups = func() map[string]*lookup {
	related := func(t *connectorhub.Table, alias string) map[string]Column {
		return identityColumns(t, t.RelatedColumns(), alias)
	}
	user := func(a string) map[string]Column { return related(connectorhub.SystemUserTable, a) }
	team := related(connectorhub.TeamTable, "ot")
	owner := user("ou")
	for name, col := range team {
		if u, both := owner[name]; both {
			col.SQL = "COALESCE(" + u.SQL + ", " + col.SQL + ")" // at most one of them is joined
		}
		owner[name] = col
	}
	name := Column{SQL: "COALESCE(ou.fullname, ot.name)", Kind: connectorhub.KindString}
	owner["fullname"], owner["name"] = name, name
	bu := related(connectorhub.BusinessUnitTable, "ob")
	null := func(cols map[string]Column) map[string]Column {
		out := make(map[string]Column, len(cols))
		for name, col := range cols {
			out[name] = Column{SQL: "NULL", Kind: col.Kind}
		}
		return out
	}
	m := map[string]*lookup{
		"ownerid":            {join: joins["ownerid"], target: "principal", columns: owner, name: "fullname"},
		"owninguser":         {join: joins["owninguser"], target: connectorhub.OwnerSystemUser, columns: user("ou"), name: "fullname"},
		"owningteam":         {join: joins["owningteam"], target: connectorhub.OwnerTeam, columns: team, name: "name"},
		"owningbusinessunit": {join: joins["owningbusinessunit"], target: connectorhub.BusinessUnitLogicalName, columns: bu, name: "name"},
		"createdby":          {join: joins["createdby"], target: connectorhub.OwnerSystemUser, columns: user("cu"), name: "fullname"},
		"modifiedby":         {join: joins["modifiedby"], target: connectorhub.OwnerSystemUser, columns: user("mu"), name: "fullname"},
		"createdonbehalfby":  {target: connectorhub.OwnerSystemUser, columns: null(user("cu")), name: "fullname"},
		"modifiedonbehalfby": {target: connectorhub.OwnerSystemUser, columns: null(user("mu")), name: "fullname"},
	}
	for _, l := range m {
		for name, col := range l.columns {
			col.Nullable = true // a LEFT JOIN: null when the lookup is, or its record is gone
			l.columns[name] = col
		}
	}
	return m
}()

// traversal returns the column a path through a lookup names: ownerid/fullname. One lookup
// only: Dataverse allows more (ownerid/businessunitid/name), which needs a join per level.
func traversal(p *odata.PropertyPath) (Column, error) {
	l, ok := lookups[p.Segments[0]]
	if !ok {
		return Column{}, connectorhub.UnknownProperty(strings.Join(p.Segments, "/"), connectorhub.ConnectorLogicalName)
	}
	if len(p.Segments) > 2 {
		return Column{}, unsupported(fmt.Sprintf("the property path '%s' traverses more than one lookup; filter or order through one lookup only, such as %s/%s", p, p.Segments[0], l.name))
	}
	col, ok := l.columns[p.Segments[1]]
	if !ok {
		return Column{}, connectorhub.UnknownProperty(p.Segments[1], l.target)
	}
	return col, nil
}

// sortLookup returns the lookup whose _x_value p names, which $orderby sorts by the record's
// primary name; nil for any other path.
func sortLookup(p *odata.PropertyPath) *lookup {
	if p == nil || p.Var != "" || len(p.Segments) != 1 {
		return nil
	}
	nav, ok := strings.CutPrefix(p.Segments[0], "_")
	if nav, ok = strings.CutSuffix(nav, "_value"); !ok {
		return nil
	}
	return lookups[nav]
}

// isRelated reports whether an $orderby key sorts by a value of a related record: a
// traversal, or a lookup sorted by its record's name.
func isRelated(p *odata.PropertyPath) bool {
	return p != nil && p.Var == "" && len(p.Segments) > 1 || sortLookup(p) != nil
}

// orderColumn returns the column an $orderby key sorts by: a lookup of the connector sorts by
// its record's primary name, with the key as the tie-break that keeps the order total.
func (b *Builder) orderColumn(p *odata.PropertyPath) (Column, error) {
	if b.t == Connectors {
		if l := sortLookup(p); l != nil {
			return l.columns[l.name], nil
		}
	}
	return b.column(p)
}

// joinsOf returns the joins the paths of the filters and the order read, each once, in the
// order they are first named; none on a table other than the connectors.
func (b *Builder) joinsOf(filters []odata.Expr, o odata.OrderBy) []*join {
	if b.t != Connectors {
		return nil
	}
	var out []*join
	add := func(l *lookup) {
		if l == nil || l.join == nil {
			return
		}
		for _, j := range out {
			if j == l.join {
				return
			}
		}
		out = append(out, l.join)
	}
	for _, f := range filters {
		odata.Inspect(f, func(e odata.Expr) bool {
			if p, ok := e.(*odata.PropertyPath); ok && p.Var == "" && len(p.Segments) > 1 {
				add(lookups[p.Segments[0]])
			}
			return true
		})
	}
	for _, item := range o {
		if p := item.Path; p != nil && p.Var == "" && len(p.Segments) > 1 {
			add(lookups[p.Segments[0]])
		} else {
			add(sortLookup(p))
		}
	}
	return out
}

// joinSQL is the text of joins, each after a space.
func joinSQL(js []*join) string {
	var sb strings.Builder
	for _, j := range js {
		sb.WriteString(" " + j.sql)
	}
	return sb.String()
}

// sortValue is an $orderby key read through a lookup, selected with each row so that the
// $skiptoken carries exactly the value the rows were sorted by.
type sortValue struct {
	path string
	kind connectorhub.ColumnKind
}

// scan returns the destination of the value and a function that returns it in the form a
// $skiptoken carries: nil, string or time.Time.
func (s sortValue) scan() (any, func() any) {
	if s.kind == connectorhub.KindDateTime {
		var n sql.NullInt64
		return &n, func() any {
			if !n.Valid {
				return nil
			}
			return time.Unix(n.Int64, 0).UTC()
		}
	}
	var v sql.NullString
	return &v, func() any {
		if !v.Valid {
			return nil
		}
		return v.String
	}
}
