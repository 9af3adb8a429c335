package odata

import "strings"

// OrderItem is one key of $orderby.
type OrderItem struct {
	Path   *PropertyPath
	Desc   bool
	Offset int
}

// OrderBy is a parsed $orderby, most significant key first.
type OrderBy []OrderItem

// ParseOrderBy parses a $orderby value such as "modifiedon desc, name".
// The direction defaults to ascending. aliases resolves parameter aliases
// standing for property names ("$orderby=@p1 desc&@p1=name").
func ParseOrderBy(input string, aliases map[string]string) (OrderBy, error) {
	p, err := newParser("$orderby", input, aliases)
	if err != nil {
		return nil, err
	}
	o, err := p.orderList()
	if err != nil {
		return nil, err
	}
	return o, p.expectEnd()
}

func (p *parser) orderList() (OrderBy, error) {
	var o OrderBy
	for more := true; more; more = p.accept(tComma) {
		t := p.peek()
		var path *PropertyPath
		if t.kind == tAlias {
			p.next()
			v, err := p.resolveAlias(t)
			if err != nil {
				return nil, err
			}
			pp, ok := v.expr.(*PropertyPath)
			if !ok {
				return nil, p.errAt(t.pos, "Parameter alias '%s' must hold a property name", t.text)
			}
			path = pp
		} else {
			pp, err := p.path()
			if err != nil {
				return nil, err
			}
			path = pp
		}
		item := OrderItem{Path: path, Offset: t.pos}
		if d := p.peek(); d.kind == tIdent {
			switch strings.ToLower(d.text) {
			case "asc":
				p.next()
			case "desc":
				p.next()
				item.Desc = true
			}
		}
		o = append(o, item)
	}
	return o, nil
}

// String prints "path" or "path desc".
func (o OrderItem) String() string {
	if o.Desc {
		return o.Path.String() + " desc"
	}
	return o.Path.String()
}

// String prints "a desc,b".
func (o OrderBy) String() string { return joinStrings(o, ",") }
