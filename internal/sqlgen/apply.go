package sqlgen

import (
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// Aggregate is a compiled $apply: its SQL, its arguments and the kinds of its output columns.
type Aggregate struct {
	SQL   string
	Args  []any
	kinds []outKind
}

// outKind says how to read an output column of an aggregate.
type outKind struct {
	col   connectorhub.ColumnKind
	count bool // a count or an average: a number whatever the column
}

// AggregateConnectors compiles q.Apply (filter steps, then one groupby or aggregate) over
// the rows q.Filter selects: one row per group, ordered by the group keys (or q.OrderBy, which
// may name only group keys), at most q.Top rows. The output columns are the groupby
// properties, then the aggregates, in the order written. Errors are *connectorhub.Error with
// ECodeQuery, as Dataverse refuses: grouping by a date, $orderby on an aggregated value, sum
// or average of a non-numeric property.
func AggregateConnectors(d Dialect, env Env, q connectorhub.ConnectorQuery) (*Aggregate, error) {
	b := NewBuilder(d).WithEnv(env)
	var filters []odata.Expr
	var group []*odata.PropertyPath
	var agg *odata.Aggregate
	for _, t := range q.Apply {
		switch t := t.(type) {
		case *odata.FilterStep:
			filters = append(filters, t.Filter)
		case *odata.GroupBy:
			group, agg = t.Properties, t.Aggregate
		case *odata.Aggregate:
			agg = t
		}
	}
	if group == nil && agg == nil {
		return nil, unsupported("a $apply without groupby or aggregate")
	}
	a := &Aggregate{}
	var sel, groupExprs, groupTerms []string
	groupNames := map[string]bool{}
	for _, p := range group {
		if len(p.Segments) > 1 {
			return nil, unsupported(fmt.Sprintf("grouping by '%s', a property of a related record", p))
		}
		col, err := b.column(p)
		if err != nil {
			return nil, err
		}
		if col.Kind == connectorhub.KindDateTime {
			return nil, connectorhub.Errorf(connectorhub.ECodeQuery, "Grouping by a date and time property ('%s') is not supported.", p)
		}
		if isText(col.Kind) {
			// Groups of text ignore case; MIN names one of the group's spellings in every engine.
			sel = append(sel, "MIN("+col.SQL+")")
		} else {
			sel = append(sel, col.SQL)
		}
		groupExprs = append(groupExprs, b.orderExpr(col))
		groupTerms = append(groupTerms, b.orderTerm(col, false))
		groupNames[p.String()] = true
		a.kinds = append(a.kinds, outKind{col: col.Kind})
	}
	if agg != nil {
		for _, item := range agg.Items {
			if item.Count {
				sel = append(sel, "COUNT(*)")
				a.kinds = append(a.kinds, outKind{count: true})
				continue
			}
			if len(item.Property.Segments) > 1 {
				return nil, unsupported(fmt.Sprintf("aggregating '%s', a property of a related record", item.Property))
			}
			col, err := b.column(item.Property)
			if err != nil {
				return nil, err
			}
			numeric := col.Kind == connectorhub.KindInt || col.Kind == connectorhub.KindBigInt || col.Kind == connectorhub.KindChoice
			switch item.Method {
			case odata.Min, odata.Max:
				fn := strings.ToUpper(string(item.Method))
				if isText(col.Kind) {
					sel = append(sel, b.textExtreme(fn, col))
				} else {
					sel = append(sel, fn+"("+col.SQL+")")
				}
				a.kinds = append(a.kinds, outKind{col: col.Kind})
			case odata.CountDistinct:
				sel = append(sel, "COUNT(DISTINCT "+b.orderExpr(col)+")")
				a.kinds = append(a.kinds, outKind{count: true})
			case odata.Sum, odata.Average:
				if !numeric {
					return nil, connectorhub.Errorf(connectorhub.ECodeQuery, "The aggregate method '%s' applies to numeric properties, not to '%s' of type %s.", item.Method, item.Property, col.Kind.EdmType())
				}
				// Typed by a cast so that every engine answers the same type: PostgreSQL's
				// SUM of a bigint and AVG are numeric, which its driver reads as a string.
				if item.Method == odata.Average {
					// A fraction, not integer division.
					sel = append(sel, "CAST(AVG(1.0 * "+col.SQL+") AS DOUBLE PRECISION)")
				} else {
					sel = append(sel, "CAST(SUM("+col.SQL+") AS BIGINT)")
				}
				a.kinds = append(a.kinds, outKind{count: true})
			}
		}
	}
	filters = append([]odata.Expr{q.Filter}, filters...)
	b.Write("SELECT " + strings.Join(sel, ", ") + " FROM " + Connectors.from() + joinSQL(b.joinsOf(filters, nil)))
	if err := b.where(conds{filters: filters, orderBy: q.OrderBy, after: q.After}, false); err != nil {
		return nil, err
	}
	if len(groupExprs) > 0 {
		b.Write(" GROUP BY " + strings.Join(groupExprs, ", "))
		var order []string
		for _, o := range q.OrderBy {
			if !groupNames[o.Path.String()] {
				return nil, connectorhub.Errorf(connectorhub.ECodeQuery, "The query node SingleValueOpenPropertyAccess is not supported: $orderby with $apply takes only groupby properties, not '%s'.", o.Path)
			}
			col, _ := b.column(o.Path)
			order = append(order, b.orderTerm(col, o.Desc))
		}
		b.Write(" ORDER BY " + strings.Join(append(order, groupTerms...), ", "))
	} else if len(q.OrderBy) > 0 {
		return nil, connectorhub.Errorf(connectorhub.ECodeQuery, "The query node SingleValueOpenPropertyAccess is not supported: an aggregate without groupby cannot be ordered.")
	}
	if q.Top > 0 {
		b.Write(" LIMIT ").Bind(q.Top)
	}
	a.SQL, a.Args = b.SQL(), b.Args()
	return a, nil
}

// Scan reads one row of the aggregate into its values: nil, string, int64, float64 or time.Time.
func (a *Aggregate) Scan(row Scanner) (connectorhub.AggregateRow, error) {
	vals := make([]any, len(a.kinds))
	dest := make([]any, len(a.kinds))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	for i, v := range vals {
		vals[i] = aggregateValue(a.kinds[i], v)
	}
	return vals, nil
}

func aggregateValue(k outKind, v any) any {
	switch x := v.(type) {
	case []byte:
		v = string(x)
	case int:
		v = int64(x)
	case int32:
		v = int64(x)
	case float32:
		v = float64(x)
	}
	if k.count || v == nil {
		return v
	}
	switch k.col {
	case connectorhub.KindDateTime:
		if n, ok := v.(int64); ok {
			return time.Unix(n, 0).UTC()
		}
	case connectorhub.KindBool:
		if n, ok := v.(int64); ok {
			return n != 0
		}
	}
	return v
}

// textExtreme is MIN or MAX of a text column without regard to case that answers a stored
// spelling: of values equal but for case, the least (MIN) or greatest (MAX) in binary order,
// so that every engine names the same one. The aggregate runs over lower(x) || U+0001 || x,
// whose halves have the same length (folding ASCII letters keeps it), and answers the second
// half.
func (b *Builder) textExtreme(fn string, col Column) string {
	agg := func() string {
		return fn + "(lower(" + col.SQL + ") || " + b.param("\x01") + " || " + col.SQL + ")"
	}
	whole := agg()
	return "substr(" + whole + ", (length(" + agg() + ") - 1) / 2 + 2)"
}
