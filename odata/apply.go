package odata

import "strings"

// Transformation is one step of $apply: *FilterStep, *GroupBy or *Aggregate.
type Transformation interface {
	Pos() int
	String() string
	transformation()
}

// FilterStep is filter(expr): rows are filtered before grouping.
type FilterStep struct {
	Filter Expr
	Offset int
}

// GroupBy is groupby((props)[,aggregate(…)]): one row per distinct
// combination of Properties, with optional aggregates per group.
type GroupBy struct {
	Properties []*PropertyPath
	Aggregate  *Aggregate // nil when only distinct values are asked for
	Offset     int
}

// Aggregate is aggregate(item, …) over all rows (or each group).
type Aggregate struct {
	Items  []AggregateItem
	Offset int
}

// AggregateMethod is the "with" method of an aggregate expression.
type AggregateMethod string

// The aggregation methods Dataverse supports.
const (
	Sum           AggregateMethod = "sum"
	Min           AggregateMethod = "min"
	Max           AggregateMethod = "max"
	Average       AggregateMethod = "average"
	CountDistinct AggregateMethod = "countdistinct"
)

// AggregateItem is "$count as Alias" (Count true, Property nil) or
// "Property with Method as Alias".
type AggregateItem struct {
	Count    bool
	Property *PropertyPath
	Method   AggregateMethod
	Alias    string
	Offset   int
}

// Apply is a parsed $apply: transformations applied left to right.
type Apply []Transformation

func (*FilterStep) transformation() {}
func (*GroupBy) transformation()    {}
func (*Aggregate) transformation()  {}

// Pos returns the offset of "filter".
func (t *FilterStep) Pos() int { return t.Offset }

// Pos returns the offset of "groupby".
func (t *GroupBy) Pos() int { return t.Offset }

// Pos returns the offset of "aggregate".
func (t *Aggregate) Pos() int { return t.Offset }

// ParseApply parses a $apply value such as
// "filter(statecode eq 0)/groupby((statuscode),aggregate($count as n))".
// Dataverse supports at most one groupby or aggregate, optionally preceded
// by filter steps; anything else is an error.
func ParseApply(input string) (Apply, error) {
	p, err := newParser("$apply", input, nil)
	if err != nil {
		return nil, err
	}
	p.allowAliases = false
	var a Apply
	for more := true; more; more = p.accept(tSlash) {
		t := p.peek()
		if len(a) > 0 {
			if _, ok := a[len(a)-1].(*FilterStep); !ok {
				return nil, p.errAt(t.pos, "No transformation is supported after '%s'", strings.SplitN(a[len(a)-1].String(), "(", 2)[0])
			}
		}
		var step Transformation
		switch {
		case t.kind == tIdent && t.text == "filter" && p.peekAt(1).kind == tLParen:
			p.next()
			p.next()
			f, err := p.filter()
			if err != nil {
				return nil, err
			}
			if !p.accept(tRParen) {
				return nil, p.errAt(p.peek().pos, "')' or operator expected")
			}
			step = &FilterStep{Filter: f, Offset: t.pos}
		case t.kind == tIdent && t.text == "groupby" && p.peekAt(1).kind == tLParen:
			step, err = p.groupBy()
		case t.kind == tIdent && t.text == "aggregate" && p.peekAt(1).kind == tLParen:
			step, err = p.aggregate()
		case t.kind == tIdent && p.peekAt(1).kind == tLParen:
			return nil, p.errAt(t.pos, "Unsupported $apply transformation '%s'", t.text)
		default:
			return nil, p.syntaxError(t)
		}
		if err != nil {
			return nil, err
		}
		a = append(a, step)
	}
	return a, p.expectEnd()
}

func (p *parser) groupBy() (*GroupBy, error) {
	g := &GroupBy{Offset: p.next().pos}
	p.next() // (
	if _, err := p.expect(tLParen, "'('"); err != nil {
		return nil, err
	}
	for more := true; more; more = p.accept(tComma) {
		pp, err := p.path()
		if err != nil {
			return nil, err
		}
		g.Properties = append(g.Properties, pp)
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	if p.accept(tComma) {
		if t := p.peek(); t.kind != tIdent || t.text != "aggregate" || p.peekAt(1).kind != tLParen {
			return nil, p.errAt(t.pos, "aggregate(…) expected")
		}
		agg, err := p.aggregate()
		if err != nil {
			return nil, err
		}
		g.Aggregate = agg
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	return g, nil
}

func (p *parser) aggregate() (*Aggregate, error) {
	a := &Aggregate{Offset: p.next().pos}
	p.next() // (
	aliases := map[string]bool{}
	for more := true; more; more = p.accept(tComma) {
		t := p.peek()
		item := AggregateItem{Offset: t.pos}
		if t.kind == tOption && t.text == "$count" {
			p.next()
			item.Count = true
		} else {
			pp, err := p.path()
			if err != nil {
				return nil, err
			}
			item.Property = pp
			if !p.isWord("with") {
				return nil, p.errAt(p.peek().pos, "'with' expected")
			}
			p.next()
			m, err := p.name("Aggregation method")
			if err != nil {
				return nil, err
			}
			switch AggregateMethod(m.text) {
			case Sum, Min, Max, Average, CountDistinct:
				item.Method = AggregateMethod(m.text)
			default:
				return nil, p.errAt(m.pos, "Unsupported aggregation method '%s'", m.text)
			}
		}
		if !p.isWord("as") {
			return nil, p.errAt(p.peek().pos, "'as' expected")
		}
		p.next()
		alias, err := p.name("Alias")
		if err != nil {
			return nil, err
		}
		if aliases[alias.text] {
			return nil, p.errAt(alias.pos, "The alias '%s' is used more than once", alias.text)
		}
		aliases[alias.text] = true
		item.Alias = alias.text
		a.Items = append(a.Items, item)
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	return a, nil
}

// String prints "filter(expr)".
func (t *FilterStep) String() string { return "filter(" + t.Filter.String() + ")" }

// String prints "groupby((a,b),aggregate(…))".
func (t *GroupBy) String() string {
	s := "groupby((" + joinStrings(t.Properties, ",") + ")"
	if t.Aggregate != nil {
		s += "," + t.Aggregate.String()
	}
	return s + ")"
}

// String prints "aggregate(x with sum as total,$count as n)".
func (t *Aggregate) String() string { return "aggregate(" + joinStrings(t.Items, ",") + ")" }

// String prints one aggregate expression.
func (a AggregateItem) String() string {
	if a.Count {
		return "$count as " + a.Alias
	}
	return a.Property.String() + " with " + string(a.Method) + " as " + a.Alias
}

// String prints the transformations joined by '/'.
func (a Apply) String() string { return joinStrings(a, "/") }
