// Package sqlgen compiles the OData syntax trees of a connector query into parameterised SQL.
// It is the one translator of every storage engine; the engines differ only in a small
// Dialect. No value from a request is ever written into the SQL text: every literal becomes a
// bound argument.
package sqlgen

import (
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// Dialect is what differs between SQL engines.
type Dialect interface {
	// Placeholder returns the n-th (1-based) bind parameter: "?" or "$n".
	Placeholder(n int) string
	// CompareText returns a case-insensitive comparison of two text expressions.
	CompareText(left, op, right string) string
	// Like returns a case-insensitive LIKE of a text expression and a pattern expression.
	Like(expr, pattern string) string
	// Concat joins text expressions.
	Concat(parts ...string) string
	// OrderText returns the expression to sort a text column by, case-insensitively.
	OrderText(expr string) string
}

// Column maps a Web API property to its SQL expression.
type Column struct {
	SQL  string // a column name or expression over the row
	Kind connectorhub.ColumnKind
}

// Columns maps the connector's Web API properties to SQL; the engines share this table.
var Columns = map[string]Column{
	"connectorid":               {"connectorid", connectorhub.KindGUID},
	"name":                      {"name", connectorhub.KindString},
	"displayname":               {"displayname", connectorhub.KindString},
	"description":               {"description", connectorhub.KindString},
	"connectortype":             {"connectortype", connectorhub.KindChoice},
	"openapidefinition":         {"openapidefinition", connectorhub.KindString},
	"connectionparameters":      {"connectionparameters", connectorhub.KindString},
	"connectionparametersets":   {"connectionparametersets", connectorhub.KindString},
	"policytemplateinstances":   {"policytemplateinstances", connectorhub.KindString},
	"scriptoperations":          {"scriptoperations", connectorhub.KindString},
	"customcodeblobcontent":     {"customcodeblobcontent", connectorhub.KindString},
	"capabilities":              {"capabilities", connectorhub.KindMultiChoice},
	"iconbrandcolor":            {"iconbrandcolor", connectorhub.KindString},
	"connectorinternalid":       {"connectorinternalid", connectorhub.KindString},
	"iconblob":                  {"NULL", connectorhub.KindImage},
	"statecode":                 {"statecode", connectorhub.KindChoice},
	"statuscode":                {"statuscode", connectorhub.KindChoice},
	"createdon":                 {"createdon", connectorhub.KindDateTime},
	"modifiedon":                {"modifiedon", connectorhub.KindDateTime},
	"_createdby_value":          {"createdby", connectorhub.KindLookup},
	"_modifiedby_value":         {"modifiedby", connectorhub.KindLookup},
	"_createdonbehalfby_value":  {"NULL", connectorhub.KindLookup},
	"_modifiedonbehalfby_value": {"NULL", connectorhub.KindLookup},
	"_ownerid_value":            {"ownerid", connectorhub.KindLookup},
	"_owninguser_value":         {"(CASE WHEN owneridtype = 'systemuser' THEN ownerid END)", connectorhub.KindLookup},
	"_owningteam_value":         {"(CASE WHEN owneridtype = 'team' THEN ownerid END)", connectorhub.KindLookup},
	"_owningbusinessunit_value": {"owningbusinessunit", connectorhub.KindLookup},
	"ismanaged":                 {"0", connectorhub.KindBool},
	"componentstate":            {"0", connectorhub.KindChoice},
	"versionnumber":             {"versionnumber", connectorhub.KindBigInt},
	"solutionid":                {"'" + connectorhub.ActiveSolutionID + "'", connectorhub.KindGUID},
}

// Builder accumulates SQL text and its bound arguments.
type Builder struct {
	d    Dialect
	sb   strings.Builder
	args []any
}

// NewBuilder returns a Builder for the dialect.
func NewBuilder(d Dialect) *Builder { return &Builder{d: d} }

// SQL returns the text built so far.
func (b *Builder) SQL() string { return b.sb.String() }

// Args returns the bound arguments, in placeholder order.
func (b *Builder) Args() []any { return b.args }

// Write appends SQL text that holds no request value.
func (b *Builder) Write(sql string) *Builder {
	b.sb.WriteString(sql)
	return b
}

// Bind appends a placeholder for v.
func (b *Builder) Bind(v any) *Builder {
	b.sb.WriteString(b.param(v))
	return b
}

func (b *Builder) param(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// Where appends the SQL condition of a $filter.
func (b *Builder) Where(f odata.Expr) error {
	cond, err := b.expr(f)
	if err != nil {
		return err
	}
	b.sb.WriteString(cond)
	return nil
}

// OrderBy appends "col [DESC], …, connectorid" for a $orderby; the key is always the last
// tie-break so that the order is total and keyset paging is exact.
func (b *Builder) OrderBy(o odata.OrderBy) error {
	for _, item := range o {
		col, err := column(item.Path)
		if err != nil {
			return err
		}
		expr := col.SQL
		if isText(col.Kind) {
			expr = b.d.OrderText(expr)
		}
		b.sb.WriteString(expr)
		if item.Desc {
			b.sb.WriteString(" DESC")
		}
		b.sb.WriteString(", ")
	}
	b.sb.WriteString("connectorid")
	return nil
}

func isText(k connectorhub.ColumnKind) bool {
	return k == connectorhub.KindString || k == connectorhub.KindMultiChoice
}

func column(p *odata.PropertyPath) (Column, error) {
	if p == nil || p.Var != "" || len(p.Segments) != 1 {
		return Column{}, unsupported("property paths with '/' (lookup traversal) are not supported yet")
	}
	col, ok := Columns[p.Segments[0]]
	if !ok {
		return Column{}, connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.connector'.", p.Segments[0])
	}
	return col, nil
}

func unsupported(what string) error {
	return connectorhub.Errorf(connectorhub.ECodeQuery, "The query is not supported: %s.", what)
}

func (b *Builder) expr(e odata.Expr) (string, error) {
	switch e := e.(type) {
	case *odata.LogicalExpr:
		l, err := b.expr(e.Left)
		if err != nil {
			return "", err
		}
		r, err := b.expr(e.Right)
		if err != nil {
			return "", err
		}
		return "(" + l + " " + strings.ToUpper(string(e.Op)) + " " + r + ")", nil
	case *odata.NotExpr:
		x, err := b.expr(e.X)
		if err != nil {
			return "", err
		}
		// SQL's three-valued logic keeps "not" from selecting rows whose operand is null, as
		// Dataverse excludes rows whose condition evaluates to null.
		return "(NOT " + x + ")", nil
	case *odata.CompareExpr:
		return b.compare(e)
	case *odata.StringCall:
		return b.stringCall(e)
	case *odata.QueryFunc:
		return "", unsupported("the function Microsoft.Dynamics.CRM." + e.Name)
	case *odata.LambdaExpr:
		return "", unsupported("lambda operators (any, all)")
	case *odata.PropertyPath:
		col, err := column(e)
		if err != nil {
			return "", err
		}
		if col.Kind != connectorhub.KindBool {
			return "", unsupported(fmt.Sprintf("'%s' is not a Boolean expression", e))
		}
		return "(" + col.SQL + " = 1)", nil
	case *odata.Literal:
		if e.Kind == odata.KindBool {
			if e.Value.(bool) {
				return "(1 = 1)", nil
			}
			return "(1 = 0)", nil
		}
	}
	return "", unsupported(fmt.Sprintf("'%s' is not a Boolean expression", e))
}

var sqlOps = map[odata.CompareOp]string{odata.Eq: "=", odata.Ne: "<>", odata.Gt: ">", odata.Ge: ">=", odata.Lt: "<", odata.Le: "<="}

// flip mirrors an operator when the literal is written first: 5 lt x is x gt 5.
var flip = map[odata.CompareOp]odata.CompareOp{odata.Eq: odata.Eq, odata.Ne: odata.Ne, odata.Gt: odata.Lt, odata.Ge: odata.Le, odata.Lt: odata.Gt, odata.Le: odata.Ge}

func (b *Builder) compare(e *odata.CompareExpr) (string, error) {
	lp, lIsProp := e.Left.(*odata.PropertyPath)
	rp, rIsProp := e.Right.(*odata.PropertyPath)
	switch {
	case lIsProp && rIsProp:
		l, err := column(lp)
		if err != nil {
			return "", err
		}
		r, err := column(rp)
		if err != nil {
			return "", err
		}
		if isText(l.Kind) && isText(r.Kind) {
			return "(" + b.d.CompareText(l.SQL, sqlOps[e.Op], r.SQL) + ")", nil
		}
		return "(" + l.SQL + " " + sqlOps[e.Op] + " " + r.SQL + ")", nil
	case lIsProp:
		lit, ok := e.Right.(*odata.Literal)
		if !ok {
			return "", unsupported("comparisons take a property and a literal")
		}
		return b.compareLiteral(lp, e.Op, lit)
	case rIsProp:
		lit, ok := e.Left.(*odata.Literal)
		if !ok {
			return "", unsupported("comparisons take a property and a literal")
		}
		return b.compareLiteral(rp, flip[e.Op], lit)
	}
	return "", unsupported("a comparison needs a property")
}

func (b *Builder) compareLiteral(p *odata.PropertyPath, op odata.CompareOp, lit *odata.Literal) (string, error) {
	col, err := column(p)
	if err != nil {
		return "", err
	}
	if lit.Kind == odata.KindNull {
		switch op {
		case odata.Eq:
			return "(" + col.SQL + " IS NULL)", nil
		case odata.Ne:
			return "(" + col.SQL + " IS NOT NULL)", nil
		}
		return "", unsupported("null compares only with eq and ne")
	}
	v, err := sqlValue(p, col, lit)
	if err != nil {
		return "", err
	}
	if isText(col.Kind) {
		return "(" + b.d.CompareText(col.SQL, sqlOps[op], b.param(v)) + ")", nil
	}
	return "(" + col.SQL + " " + sqlOps[op] + " " + b.param(v) + ")", nil
}

// sqlValue converts a literal to the stored form of the column, refusing a type mismatch.
func sqlValue(p *odata.PropertyPath, col Column, lit *odata.Literal) (any, error) {
	mismatch := func() error {
		return connectorhub.Errorf(connectorhub.ECodeQuery, "A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for property '%s'.", col.Kind.EdmType(), lit.Kind, p)
	}
	switch col.Kind {
	case connectorhub.KindString, connectorhub.KindMultiChoice:
		if s, ok := lit.Value.(string); ok {
			return s, nil
		}
	case connectorhub.KindInt, connectorhub.KindChoice, connectorhub.KindBigInt:
		switch v := lit.Value.(type) {
		case int64:
			return v, nil
		case float64:
			return v, nil
		}
	case connectorhub.KindBool:
		if v, ok := lit.Value.(bool); ok {
			if v {
				return 1, nil
			}
			return 0, nil
		}
	case connectorhub.KindGUID, connectorhub.KindLookup:
		if g, ok := lit.Value.(odata.GUID); ok {
			return g.String(), nil
		}
	case connectorhub.KindDateTime:
		if t, ok := lit.Value.(time.Time); ok {
			return t.Unix(), nil
		}
	}
	return nil, mismatch()
}

func (b *Builder) stringCall(e *odata.StringCall) (string, error) {
	col, err := column(e.Property)
	if err != nil {
		return "", err
	}
	if !isText(col.Kind) {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function %s applies to text properties, not to '%s' of type %s.", e.Func, e.Property, col.Kind.EdmType())
	}
	v, _ := e.Value.Value.(string)
	// Dataverse honours SQL wildcards inside the value, so it is bound as part of the pattern.
	var pattern string
	switch e.Func {
	case "contains":
		pattern = b.d.Concat("'%'", b.param(v), "'%'")
	case "startswith":
		pattern = b.d.Concat(b.param(v), "'%'")
	case "endswith":
		pattern = b.d.Concat("'%'", b.param(v))
	default:
		return "", unsupported("the function " + e.Func)
	}
	return "(" + b.d.Like(col.SQL, pattern) + ")", nil
}
