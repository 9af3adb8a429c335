package odata

import (
	"strconv"
	"strings"
)

// MaxExpand is the most navigation properties one query may expand,
// counting nested ones (Dataverse allows 15 $expand options per query).
const MaxExpand = 15

// ExpandItem is one navigation property of $expand with its nested options.
type ExpandItem struct {
	Nav     string
	Ref     bool // nav/$ref: only references are returned
	Select  Select
	Filter  Expr
	OrderBy OrderBy
	Top     *int
	Expand  Expand
	Offset  int
}

// Expand is a parsed $expand.
type Expand []ExpandItem

// ParseExpand parses a $expand value such as
// "ownerid($select=fullname;$expand=createdby($select=fullname)),createdby".
// Nested options are $select, $filter, $orderby, $top and $expand,
// separated by ';'. Parameter aliases are not allowed inside $expand.
func ParseExpand(input string) (Expand, error) {
	p, err := newParser("$expand", input, nil)
	if err != nil {
		return nil, err
	}
	p.allowAliases = false
	count := 0
	e, err := p.expandList(&count)
	if err != nil {
		return nil, err
	}
	return e, p.expectEnd()
}

func (p *parser) expandList(count *int) (Expand, error) {
	var list Expand
	for more := true; more; more = p.accept(tComma) {
		t, err := p.name("Navigation property")
		if err != nil {
			return nil, err
		}
		if *count++; *count > MaxExpand {
			return nil, p.errAt(t.pos, "The $expand option exceeds the maximum of %d expanded navigation properties", MaxExpand)
		}
		item := ExpandItem{Nav: t.text, Offset: t.pos}
		if p.peek().kind == tSlash {
			p.next()
			r := p.peek()
			if r.kind != tOption || r.text != "$ref" {
				return nil, p.syntaxError(r)
			}
			p.next()
			item.Ref = true
		}
		if p.peek().kind == tLParen {
			if item.Ref {
				return nil, p.errAt(p.peek().pos, "Query options are not supported with $ref in $expand")
			}
			if err := p.expandOptions(&item, count); err != nil {
				return nil, err
			}
		}
		list = append(list, item)
	}
	return list, nil
}

// expandOptions reads "(opt=value;opt=value)".
func (p *parser) expandOptions(item *ExpandItem, count *int) error {
	open := p.next()
	if err := p.enter(open.pos); err != nil {
		return err
	}
	defer p.leave()
	seen := map[string]bool{}
	for more := true; more; more = p.accept(tSemicolon) {
		t := p.peek()
		if t.kind != tOption {
			if t.kind == tEOF || t.kind == tRParen {
				return p.errAt(t.pos, "Query option expected")
			}
			return p.syntaxError(t)
		}
		p.next()
		switch t.text {
		case "$select", "$filter", "$orderby", "$top", "$expand":
		case "$skip", "$count", "$search", "$levels":
			return p.errAt(t.pos, "The query option '%s' is not supported inside $expand", t.text)
		default:
			return p.errAt(t.pos, "Unknown query option '%s' inside $expand", t.text)
		}
		if seen[t.text] {
			return p.errAt(t.pos, "Query option '%s' is specified more than once", t.text)
		}
		seen[t.text] = true
		if _, err := p.expect(tEquals, "'='"); err != nil {
			return err
		}
		var err error
		switch t.text {
		case "$select":
			item.Select, err = p.selectList()
		case "$filter":
			item.Filter, err = p.filter()
		case "$orderby":
			item.OrderBy, err = p.orderList()
		case "$top":
			n := p.peek()
			if n.kind != tInt || strings.HasPrefix(n.text, "-") {
				return p.errAt(n.pos, "The $top query option requires a non-negative integer value")
			}
			p.next()
			v, convErr := strconv.Atoi(n.text)
			if convErr != nil {
				return p.errAt(n.pos, "The $top query option requires a non-negative integer value")
			}
			item.Top = &v
		case "$expand":
			item.Expand, err = p.expandList(count)
		}
		if err != nil {
			return err
		}
	}
	if !p.accept(tRParen) {
		return p.errAt(p.peek().pos, "')' or ';' expected")
	}
	return nil
}

// String prints the item with its options in a fixed order.
func (e ExpandItem) String() string {
	s := e.Nav
	if e.Ref {
		s += "/$ref"
	}
	var opts []string
	if e.Select != nil {
		opts = append(opts, "$select="+e.Select.String())
	}
	if e.Filter != nil {
		opts = append(opts, "$filter="+e.Filter.String())
	}
	if e.OrderBy != nil {
		opts = append(opts, "$orderby="+e.OrderBy.String())
	}
	if e.Top != nil {
		opts = append(opts, "$top="+strconv.Itoa(*e.Top))
	}
	if e.Expand != nil {
		opts = append(opts, "$expand="+e.Expand.String())
	}
	if opts != nil {
		s += "(" + strings.Join(opts, ";") + ")"
	}
	return s
}

// String prints "a(…),b".
func (e Expand) String() string { return joinStrings(e, ",") }
