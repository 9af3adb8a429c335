package webapi

import (
	"errors"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// query holds the query options of a request on connectors.
type query struct {
	selected []*connectorhub.Column // nil: all columns
	filter   odata.Expr
	orderBy  odata.OrderBy
	top      int
	count    bool
}

// parseQuery reads the system query options. Option names are case-sensitive; Dataverse
// refuses $skip, $search and $format.
func parseQuery(r *request) (*query, error) {
	q := &query{}
	values := r.URL.Query()
	aliases := map[string]string{}
	for name, vs := range values {
		if strings.HasPrefix(name, "@") {
			aliases[name] = vs[0]
		}
	}
	for name, vs := range values {
		if !strings.HasPrefix(name, "$") {
			continue // aliases, and parameters such as tag=PowerAppsRP that Dataverse ignores
		}
		if len(vs) > 1 {
			return nil, queryError("The query parameter '%s' is specified more than once; it must be specified at most once.", name)
		}
		v := vs[0]
		var err error
		switch name {
		case "$select":
			err = q.parseSelect(v)
		case "$filter":
			q.filter, err = odata.ParseFilter(v, aliases)
			if err == nil {
				err = checkProperties(q.filter)
			}
		case "$orderby":
			q.orderBy, err = odata.ParseOrderBy(v, aliases)
			if err == nil {
				for _, o := range q.orderBy {
					if err = checkProperty(o.Path); err != nil {
						break
					}
				}
			}
		case "$top":
			q.top, err = strconv.Atoi(strings.TrimSpace(v))
			if err != nil || q.top < 0 {
				err = queryError("Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", v)
			}
		case "$count":
			switch strings.TrimSpace(v) {
			case "true":
				q.count = true
			case "false":
			default:
				err = queryError("'%s' is not a valid count option.", v)
			}
		case "$skip", "$search", "$format":
			err = queryError("The query parameter %s is not supported.", name)
		default:
			err = queryError("The query parameter %s is not supported.", name)
		}
		if err != nil {
			return nil, asQueryError(err)
		}
	}
	return q, nil
}

func (q *query) parseSelect(v string) error {
	sel, err := odata.ParseSelect(v)
	if err != nil {
		return err
	}
	for _, item := range sel {
		col := connectorhub.ColumnByName(item.Name)
		if col == nil {
			return unknownProperty(item.Name)
		}
		q.selected = append(q.selected, col)
	}
	return nil
}

// selectSuffix is the part of @odata.context that names the selected columns: "(a,b)".
func (q *query) selectSuffix() string {
	if q.selected == nil {
		return ""
	}
	names := make([]string, len(q.selected))
	for i, c := range q.selected {
		names[i] = c.Name
	}
	return "(" + strings.Join(names, ",") + ")"
}

func (q *query) connectorQuery() connectorhub.ConnectorQuery {
	return connectorhub.ConnectorQuery{Filter: q.filter, OrderBy: q.orderBy, Top: q.top}
}

// checkProperties checks every property a filter names against the connector's columns.
func checkProperties(e odata.Expr) error {
	switch e := e.(type) {
	case *odata.LogicalExpr:
		return errors.Join(checkProperties(e.Left), checkProperties(e.Right))
	case *odata.NotExpr:
		return checkProperties(e.X)
	case *odata.CompareExpr:
		return errors.Join(checkProperties(e.Left), checkProperties(e.Right))
	case *odata.StringCall:
		return checkProperty(e.Property)
	case *odata.QueryFunc:
		return checkProperty(e.Property)
	case *odata.LambdaExpr:
		return checkProperty(e.Collection)
	case *odata.PropertyPath:
		return checkProperty(e)
	}
	return nil
}

func checkProperty(p *odata.PropertyPath) error {
	if p == nil || p.Var != "" {
		return nil
	}
	if len(p.Segments) != 1 || connectorhub.ColumnByName(p.Segments[0]) == nil {
		return unknownProperty(strings.Join(p.Segments, "/"))
	}
	return nil
}

func unknownProperty(name string) error {
	return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.connector'.", name)
}

func queryError(format string, args ...any) error {
	return connectorhub.Errorf(connectorhub.ECodeQuery, format, args...)
}

// asQueryError gives a syntax error of package odata Dataverse's query error code.
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
