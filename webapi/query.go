package webapi

import (
	"errors"
	"slices"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// query holds the query options of a request on connectors, checked against the metadata.
type query struct {
	selected  []*connectorhub.Column // nil: all columns
	filter    odata.Expr             // $filter, and the filter steps of a $apply that only filters
	orderBy   odata.OrderBy
	top       *int
	count     bool
	expand    []expansion
	apply     odata.Apply // a $apply that groups or aggregates
	skipToken string
	fetch     *fetchQuery // the request is a fetchXml
}

// parseQuery reads the system query options with package odata (option names are
// case-sensitive; $skip, $search and $format are refused, as by Dataverse) and checks every
// property name they use. Syntax errors are 400 0x80060888 with the position; unknown
// properties are 400 0x0 with Dataverse's message.
func parseQuery(r *request) (*query, error) { return parseQueryOf(r, false) }

// parseListQuery is parseQuery for a list, which a fetchXml may ask for instead of the options.
func parseListQuery(r *request) (*query, error) { return parseQueryOf(r, true) }

func parseQueryOf(r *request, list bool) (*query, error) {
	values, err := queryValues(r)
	if err != nil {
		return nil, err
	}
	opts, err := odata.ParseQuery(values)
	if err != nil {
		return nil, asQueryError(err)
	}
	var fq *fetchQuery
	if opts.Fetch != nil {
		if !list {
			return nil, errFetchNotList()
		}
		if fq, err = connectorFetch(opts); err != nil {
			return nil, err
		}
	}
	q := &query{filter: opts.Filter, orderBy: opts.OrderBy, top: opts.Top, count: opts.Count, skipToken: opts.SkipToken, fetch: fq}
	if opts.DeltaToken != "" {
		return nil, queryError("Change tracking ($deltatoken) is not supported on connectors.")
	}
	for _, item := range opts.Select {
		col := connectorhub.ColumnByName(item.Name)
		if col == nil {
			return nil, unknownProperty(item.Name)
		}
		if slices.Contains(q.selected, col) {
			continue // written once: $select=openapidefinition repeated 1,000 times built a record of 1,000 definitions
		}
		q.selected = append(q.selected, col)
	}
	if err := checkProperties(q.filter); err != nil {
		return nil, err
	}
	if q.expand, err = parseExpand(opts.Expand); err != nil {
		return nil, err
	}
	if err := q.setApply(opts.Apply); err != nil {
		return nil, err
	}
	// With $apply, $orderby names groupby properties or aliases, which the translator checks.
	for _, o := range q.orderBy {
		if err := checkProperty(o.Path); err != nil && q.apply == nil {
			return nil, err
		}
	}
	// The links are many-to-one, so they never repeat a row: the rows are distinct when they
	// carry the key.
	if fq != nil && opts.Fetch.Distinct && q.apply == nil && q.selected != nil && !containsColumn(q.selected, connectorhub.ConnectorPrimaryID) {
		return nil, queryError("The FetchXML attribute 'distinct' of <fetch> is supported only when the rows are distinct anyway: add <attribute name=\"%s\"/>.", connectorhub.ConnectorPrimaryID)
	}
	return q, nil
}

// errFetchNotList refuses a fetchXml on a request that is not a list.
func errFetchNotList() error {
	return queryError("The query parameter 'fetchXml' applies to a list of records (GET <entity set>?fetchXml=…), not to this request.")
}

// fetchQuery is what a fetchXml asks besides the syntax trees it is translated into: its
// paging, the attributes of its links, the names of an aggregate's group keys.
type fetchQuery struct {
	count        *int // the page size
	page         int
	cookie       string
	total        bool // returntotalrecordcount
	links        []fetchLink
	groupAliases []string
}

// fetchLink is a link-entity's attributes: written "alias.attribute" from the record the
// navigation property points to.
type fetchLink struct {
	nav, alias string
	names      []string // as the fetch writes them
	props      []string // the properties of the related record (relatedValue's names)
}

func containsColumn(cols []*connectorhub.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// newFetchQuery checks the entity and keeps the paging of a fetch.
func newFetchQuery(f *odata.Fetch, logicalName, entitySet string) (*fetchQuery, error) {
	if f.Entity != logicalName {
		return nil, queryError("The fetchXml's <entity name=\"%s\"> does not match the entity set '%s', whose entity is '%s'.", f.Entity, entitySet, logicalName)
	}
	return &fetchQuery{count: f.Count, page: f.Page, cookie: f.Cookie, total: f.Total, groupAliases: f.GroupAliases}, nil
}

// connectorFetch turns a fetchXml on connectors into the options it stands for (opts gets
// its trees), checking its links against the connector's lookups.
func connectorFetch(opts *odata.Query) (*fetchQuery, error) {
	f := opts.Fetch
	fq, err := newFetchQuery(f, connectorhub.ConnectorLogicalName, "connectors")
	if err != nil {
		return nil, err
	}
	for _, l := range f.Links {
		col := connectorhub.ColumnByName("_" + l.Nav + "_value")
		if !connectorhub.IsExpandable(l.Nav) || col == nil || !slices.Contains(col.Targets, l.Name) || l.From != l.Name+"id" {
			return nil, queryError("The <link-entity name=\"%s\" from=\"%s\" to=\"%s\"> is not supported: a link goes from the key of a systemuser, team or businessunit to the lookup that points to it (ownerid, owninguser, owningteam, owningbusinessunit, createdby, modifiedby).", l.Name, l.From, l.To)
		}
		fl := fetchLink{nav: l.Nav, alias: l.Alias}
		names := l.Attributes
		if l.AllAttributes {
			names = nil
			for _, p := range relatedFields[l.Name] {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(p, "_"), "_value"))
			}
		}
		for _, name := range names {
			prop, ok := linkedProperty(l.Nav, name)
			if !ok {
				return nil, connectorhub.UnknownProperty(name, l.Name)
			}
			fl.names, fl.props = append(fl.names, name), append(fl.props, prop)
		}
		fq.links = append(fq.links, fl)
	}
	err = f.Resolve(func(l *odata.FetchLink, name string) (string, odata.Kind, bool) {
		if l != nil {
			prop, ok := linkedProperty(l.Nav, name)
			if !ok {
				return "", 0, false
			}
			kind := odata.KindString
			if strings.HasPrefix(prop, "_") || strings.HasSuffix(prop, "id") {
				kind = odata.KindGUID
			}
			return prop, kind, true
		}
		col := connectorhub.ColumnByName(name)
		if col == nil {
			if col = connectorhub.ColumnByName("_" + name + "_value"); col == nil {
				return "", 0, false
			}
		}
		return col.Name, literalKind(col.Kind), true
	})
	if err != nil {
		return nil, asQueryError(err)
	}
	opts.Filter, opts.Select, opts.OrderBy, opts.Top, opts.Apply = f.Filter, f.Select, f.OrderBy, f.Top, f.Apply
	return fq, nil
}

// linkedProperty is the property of a lookup's record an attribute of a link-entity names:
// the attribute itself, or _x_value for a lookup of the record.
func linkedProperty(nav, name string) (string, bool) {
	for _, p := range []string{name, "_" + name + "_value"} {
		if targetHas(nav, p) {
			return p, true
		}
	}
	return "", false
}

// literalKind is the kind of literal a condition on a column of the kind compares with.
func literalKind(k connectorhub.ColumnKind) odata.Kind {
	switch k {
	case connectorhub.KindInt, connectorhub.KindChoice, connectorhub.KindBigInt:
		return odata.KindInt
	case connectorhub.KindBool:
		return odata.KindBool
	case connectorhub.KindGUID, connectorhub.KindLookup:
		return odata.KindGUID
	}
	return odata.KindString
}

// setApply keeps a $apply that groups or aggregates; one made only of filter steps is a filter.
func (q *query) setApply(a odata.Apply) error {
	if a == nil {
		return nil
	}
	onlyFilters := true
	for _, t := range a {
		switch t := t.(type) {
		case *odata.FilterStep:
			if err := checkProperties(t.Filter); err != nil {
				return err
			}
		case *odata.GroupBy:
			onlyFilters = false
			for _, p := range t.Properties {
				if err := checkColumn(p); err != nil {
					return err
				}
			}
			if t.Aggregate != nil {
				if err := checkAggregate(t.Aggregate); err != nil {
					return err
				}
			}
		case *odata.Aggregate:
			onlyFilters = false
			if err := checkAggregate(t); err != nil {
				return err
			}
		}
	}
	if !onlyFilters {
		switch {
		case q.selected != nil:
			return queryError("$select cannot be combined with $apply: the groupby properties and aggregate aliases are the columns of the result.")
		case q.expand != nil:
			return queryError("$expand cannot be combined with $apply.")
		case q.skipToken != "":
			return queryError("$skiptoken cannot be combined with $apply: aggregated results are not paged.")
		case q.count:
			return queryError("$count cannot be combined with $apply.")
		}
		q.apply = a
		return nil
	}
	for _, t := range a {
		f := t.(*odata.FilterStep).Filter
		if q.filter == nil {
			q.filter = f
		} else {
			q.filter = &odata.LogicalExpr{Op: odata.And, Left: q.filter, Right: f, Offset: f.Pos()}
		}
	}
	return nil
}

func checkAggregate(a *odata.Aggregate) error {
	for _, item := range a.Items {
		if item.Property != nil {
			if err := checkColumn(item.Property); err != nil {
				return err
			}
		}
	}
	return nil
}

// selectSuffix is the part of @odata.context that names the selected columns and the
// expanded navigation properties, as Dataverse writes it: "(name,ownerid(fullname))".
func (q *query) selectSuffix() string {
	var names []string
	for _, c := range q.selected {
		names = append(names, c.Name)
	}
	for _, e := range q.expand {
		names = append(names, e.contextItem())
	}
	if names == nil {
		return ""
	}
	return "(" + strings.Join(names, ",") + ")"
}

// connectorQuery is what the store needs of the request: the filter, the order, the columns
// to read and the lookups to join (for $expand, and for the owner's name when formatted
// values are asked for).
func (q *query) connectorQuery(formatted bool) connectorhub.ConnectorQuery {
	cq := connectorhub.ConnectorQuery{Filter: q.filter, OrderBy: q.orderBy, Apply: q.apply}
	if q.top != nil {
		cq.Top = *q.top
	}
	if q.selected != nil {
		cq.Columns = []string{}
		for _, c := range q.selected {
			cq.Columns = append(cq.Columns, c.Name)
		}
	}
	seen := map[string]bool{}
	lookup := func(nav string) {
		if !seen[nav] {
			seen[nav] = true
			cq.Lookups = append(cq.Lookups, nav)
		}
	}
	for _, e := range q.expand {
		lookup(e.nav)
	}
	if q.fetch != nil {
		for _, l := range q.fetch.links {
			if len(l.props) > 0 {
				lookup(l.nav)
			}
		}
	}
	if formatted {
		for _, col := range q.columns() {
			if col.Kind == connectorhub.KindLookup && connectorhub.IsExpandable(col.NavigationProperty) {
				lookup(col.NavigationProperty)
			}
		}
	}
	return cq
}

// columns are the columns a record is written with: the selected ones, or all.
func (q *query) columns() []*connectorhub.Column {
	if q.selected != nil {
		return q.selected
	}
	return allColumns
}

// checkProperties checks every property a filter names against the connector's columns.
func checkProperties(e odata.Expr) error {
	var err error
	odata.Inspect(e, func(n odata.Expr) bool {
		switch n := n.(type) {
		case *odata.QueryFunc:
			// PropertyName takes the attribute's logical name: a lookup is named "ownerid".
			if p := n.Property; len(p.Segments) == 1 && connectorhub.IsExpandable(p.Segments[0]) {
				p.Segments = []string{"_" + p.Segments[0] + "_value"}
			}
		case *odata.PropertyPath:
			if err == nil {
				err = checkProperty(n)
			}
		}
		return err == nil
	})
	return err
}

// checkProperty accepts a column of the connector, or a property of a lookup's record that
// $expand writes (ownerid/fullname). Paths of a lambda variable are left to the translator,
// which refuses lambdas; a path through more than one lookup is refused as not supported, an
// unknown property of a lookup's record with Dataverse's message naming the record's type.
func checkProperty(p *odata.PropertyPath) error {
	if p == nil || p.Var != "" {
		return nil
	}
	if len(p.Segments) > 1 && connectorhub.IsExpandable(p.Segments[0]) {
		nav := p.Segments[0]
		switch {
		case len(p.Segments) > 2:
			return queryError("The query is not supported: the property path '%s' traverses more than one lookup; filter or order through one lookup only, such as %s/%s.", p, nav, primaryName(nav))
		case !targetHas(nav, p.Segments[1]):
			return connectorhub.UnknownProperty(p.Segments[1], targetType(nav))
		}
		return nil
	}
	if len(p.Segments) != 1 || connectorhub.ColumnByName(p.Segments[0]) == nil {
		if len(p.Segments) == 2 && connectorhub.ColumnByName(p.Segments[0]) != nil && connectorhub.ColumnByName(p.Segments[0]).Kind == connectorhub.KindManagedProperty {
			return queryError("The query is not supported: '%s' is a property of the complex value %s, which ConnectorHub does not filter or sort on.", p, p.Segments[0])
		}
		return unknownProperty(strings.Join(p.Segments, "/"))
	}
	if connectorhub.ColumnByName(p.Segments[0]).Kind == connectorhub.KindManagedProperty {
		return queryError("The query is not supported: %s is a complex value (BooleanManagedProperty), which ConnectorHub does not filter or sort on.", p.Segments[0])
	}
	return nil
}

// checkColumn accepts a column of the connector, not a path through a lookup: $apply groups
// and aggregates the connector's own columns only.
func checkColumn(p *odata.PropertyPath) error {
	if p != nil && len(p.Segments) > 1 && connectorhub.IsExpandable(p.Segments[0]) {
		return queryError("The query is not supported: $apply groups and aggregates the connector's own properties, not '%s'.", p)
	}
	return checkProperty(p)
}

func unknownProperty(name string) error {
	return connectorhub.UnknownProperty(name, connectorhub.ConnectorLogicalName)
}

func queryError(format string, args ...any) error {
	return connectorhub.Errorf(connectorhub.ECodeQuery, format, args...)
}

// asQueryError gives an error of package odata (a syntax error with its position, a bad
// Prefer header, a tampered $skiptoken) Dataverse's query error code.
func asQueryError(err error) error {
	var oe *odata.Error
	if errors.As(err, &oe) {
		return connectorhub.Errorf(connectorhub.ECodeQuery, "%s", oe.Error())
	}
	return err
}

// preferRepresentation reports whether the Prefer headers ask for return=representation.
func preferRepresentation(r *request) bool {
	for _, h := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "return=representation") {
				return true
			}
		}
	}
	return false
}
