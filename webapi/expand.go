package webapi

import (
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// expansion is one navigation property of $expand, checked against the metadata.
type expansion struct {
	nav    string
	ref    bool     // nav/$ref: only the reference
	fields []string // the nested $select; nil for every property
}

// relatedFields lists the properties of the tables a connector's lookups point to, in the
// order Dataverse writes them (connectorhub.Table.RelatedColumns). systemuser and team
// inherit ownerid from principal, so an expanded user or team carries both its own key and
// ownerid.
var relatedFields = func() map[string][]string {
	m := map[string][]string{}
	for _, t := range []*connectorhub.Table{connectorhub.SystemUserTable, connectorhub.TeamTable, connectorhub.BusinessUnitTable} {
		for _, c := range t.RelatedColumns() {
			m[t.LogicalName] = append(m[t.LogicalName], c.Name)
		}
	}
	return m
}()

// parseExpand checks a $expand: single-valued navigation properties of the connector, each at
// most once, with an optional nested $select of the target's properties. Dataverse's refusals:
// an unknown name is 400 0x0, a property that is not a navigation property too; options that
// make no sense on a single record ($filter, $orderby, $top) are 400 0x80060888.
func parseExpand(e odata.Expand) ([]expansion, error) {
	var out []expansion
	seen := map[string]bool{}
	for _, item := range e {
		if !connectorhub.IsExpandable(item.Nav) {
			if connectorhub.ColumnByName(item.Nav) != nil {
				return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "Property '%s' on type 'Microsoft.Dynamics.CRM.connector' is not a navigation property or complex property. Only navigation properties can be expanded.", item.Nav)
			}
			return nil, unknownProperty(item.Nav)
		}
		if seen[item.Nav] {
			return nil, queryError("The navigation property '%s' is expanded more than once.", item.Nav)
		}
		seen[item.Nav] = true
		switch {
		case item.Filter != nil:
			return nil, queryError("The query option $filter is not supported inside $expand of the single-valued navigation property '%s'.", item.Nav)
		case item.OrderBy != nil:
			return nil, queryError("The query option $orderby is not supported inside $expand of the single-valued navigation property '%s'.", item.Nav)
		case item.Top != nil:
			return nil, queryError("The query option $top is not supported inside $expand of the single-valued navigation property '%s'.", item.Nav)
		case item.Expand != nil:
			return nil, queryError("A nested $expand inside '%s' is not supported.", item.Nav)
		}
		x := expansion{nav: item.Nav, ref: item.Ref}
		if item.Select != nil {
			x.fields = []string{}
			for _, s := range item.Select {
				if !targetHas(item.Nav, s.Name) {
					return nil, connectorhub.UnknownProperty(s.Name, targetType(item.Nav))
				}
				x.fields = append(x.fields, s.Name)
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// targetType is the declared type of a navigation property: principal for ownerid.
func targetType(nav string) string {
	col := connectorhub.ColumnByName("_" + nav + "_value")
	if len(col.Targets) == 1 {
		return col.Targets[0]
	}
	return "principal"
}

// primaryName is the property that names the record a navigation property points to.
func primaryName(nav string) string {
	if targetType(nav) == "businessunit" || targetType(nav) == connectorhub.OwnerTeam {
		return "name"
	}
	return "fullname"
}

// targetHas reports whether name is a property of a type the navigation property may point to.
func targetHas(nav, name string) bool {
	for _, t := range connectorhub.ColumnByName("_" + nav + "_value").Targets {
		for _, f := range relatedFields[t] {
			if f == name {
				return true
			}
		}
	}
	return false
}

// contextItem is the expansion in @odata.context: "ownerid(fullname)" or "ownerid()".
func (x expansion) contextItem() string {
	if x.ref {
		return x.nav
	}
	return x.nav + "(" + strings.Join(x.fields, ",") + ")"
}

// write writes the member "nav": {…} (or null) of a record.
func (x expansion) write(b *jsonBuffer, base string, rel *connectorhub.RelatedRecord) {
	b.raw(",")
	b.str(x.nav)
	b.raw(":")
	if rel == nil {
		b.raw("null")
		return
	}
	table, key, id := rel.LogicalName(), "", ""
	switch {
	case rel.User != nil:
		key, id = "systemuserid", rel.User.ID
	case rel.Team != nil:
		key, id = "teamid", rel.Team.ID
	default:
		key, id = "businessunitid", rel.BusinessUnit.ID
	}
	if x.ref {
		b.raw(`{"@odata.id":`)
		b.str(base + "/" + table + "s(" + id + ")")
		b.raw("}")
		return
	}
	b.raw("{")
	first := true
	member := func(name string, v any) {
		if !first {
			b.raw(",")
		}
		first = false
		b.str(name)
		b.raw(":")
		b.value(v)
	}
	if targetType(x.nav) == "principal" {
		// The declared type is abstract: say which one this is, as OData requires.
		b.raw(`"@odata.type":`)
		b.str("#Microsoft.Dynamics.CRM." + table)
		first = false
	}
	for _, f := range relatedFields[table] {
		if x.fields != nil && f != key && f != "ownerid" && !contains(x.fields, f) {
			continue
		}
		member(f, relatedValue(rel, f))
	}
	b.raw("}")
}

// relatedValue reads a property of a related record; nil is null.
func relatedValue(r *connectorhub.RelatedRecord, name string) any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch {
	case r.User != nil:
		u := r.User
		switch name {
		case "ownerid", "systemuserid":
			return u.ID
		case "fullname":
			return nullable(u.FullName)
		case "internalemailaddress":
			return nullable(u.Email)
		case "azureactivedirectoryobjectid":
			return nullable(u.AADObjectID)
		case "_businessunitid_value":
			return nullable(u.BusinessUnitID)
		case "createdon":
			return connectorhub.FormatTime(u.CreatedOn)
		}
	case r.Team != nil:
		switch name {
		case "ownerid", "teamid":
			return r.Team.ID
		case "name":
			return nullable(r.Team.Name)
		case "_businessunitid_value":
			return nullable(r.Team.BusinessUnitID)
		}
	case r.BusinessUnit != nil:
		switch name {
		case "businessunitid":
			return r.BusinessUnit.ID
		case "name":
			return nullable(r.BusinessUnit.Name)
		case "_parentbusinessunitid_value":
			return nullable(r.BusinessUnit.ParentID)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
