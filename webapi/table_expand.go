package webapi

import (
	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// tableExpansion is one single-valued navigation property of a $expand on a table other
// than connectors: solutions?$expand=publisherid($select=customizationprefix), the query ALM
// tools send to learn a solution's prefix (solutions spec §1.4).
type tableExpansion struct {
	col    *connectorhub.TableColumn // the lookup, _publisherid_value
	target *connectorhub.Table
	sel    []*connectorhub.TableColumn // the nested $select; nil for every property
}

// parseTableExpand checks a $expand of t: lookups to tables the Web API serves, each once,
// with an optional nested $select, as parseExpand does for connectors.
func parseTableExpand(t *connectorhub.Table, e odata.Expand) ([]tableExpansion, error) {
	var out []tableExpansion
	seen := map[string]bool{}
	for _, item := range e {
		col := t.Column("_" + item.Nav + "_value")
		if col == nil || col.Kind != connectorhub.KindLookup {
			if t.Column(item.Nav) != nil {
				return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "Property '%s' on type 'Microsoft.Dynamics.CRM.%s' is not a navigation property or complex property. Only navigation properties can be expanded.", item.Nav, t.LogicalName)
			}
			if connectorhub.RelationshipOf(t, item.Nav) != nil {
				return nil, queryError("$expand of the collection-valued navigation property '%s' is not supported; read %s(<id>)/%s instead.", item.Nav, t.EntitySetName, item.Nav)
			}
			return nil, connectorhub.UnknownProperty(item.Nav, t.LogicalName)
		}
		target := connectorhub.TableByName(col.Target)
		switch {
		case target == nil:
			return nil, queryError("$expand of '%s' is not supported on %s: read the %s with its _%s_value.", item.Nav, t.EntitySetName, col.Target, item.Nav)
		case seen[item.Nav]:
			return nil, queryError("The navigation property '%s' is expanded more than once.", item.Nav)
		case item.Filter != nil || item.OrderBy != nil || item.Top != nil:
			return nil, queryError("Only $select is supported inside $expand of the single-valued navigation property '%s'.", item.Nav)
		case item.Expand != nil:
			return nil, queryError("A nested $expand inside '%s' is not supported.", item.Nav)
		case item.Ref:
			return nil, queryError("$expand=%s/$ref is not supported on %s.", item.Nav, t.EntitySetName)
		}
		seen[item.Nav] = true
		x := tableExpansion{col: col, target: target}
		for _, s := range item.Select {
			c := target.Column(s.Name)
			if c == nil {
				return nil, connectorhub.UnknownProperty(s.Name, target.LogicalName)
			}
			x.sel = append(x.sel, c)
		}
		out = append(out, x)
	}
	return out, nil
}

// expander writes the expanded records of a response, reading each target record once.
type expander struct {
	s     *Server
	r     *request
	cache map[string]*connectorhub.Row // by "<table> <id>"; nil for a missing record
}

func (s *Server) newExpander(r *request) *expander {
	return &expander{s: s, r: r, cache: map[string]*connectorhub.Row{}}
}

// write writes ,"<nav>":{…} (or null) for each expansion of rec.
func (e *expander) write(b *jsonBuffer, rec *connectorhub.Row, xs []tableExpansion) error {
	for _, x := range xs {
		b.raw(",")
		b.str(x.col.NavigationProperty)
		b.raw(":")
		id, _ := rec.Values[x.col.Name].(string)
		if id == "" {
			b.raw("null")
			continue
		}
		key := x.target.LogicalName + " " + id
		row, ok := e.cache[key]
		if !ok {
			rr, err := e.s.rowsOf(x.target)
			if err != nil {
				return err
			}
			row, err = rr.FindRow(e.r.Context(), x.target, id)
			if isNotFound(err) {
				row, err = nil, nil
			}
			if err != nil {
				return err
			}
			e.cache[key] = row
		}
		if row == nil {
			b.raw("null")
			continue
		}
		b.raw("{")
		writeIdentityMembers(b, x.target, row, x.sel)
		b.raw("}")
	}
	return nil
}
