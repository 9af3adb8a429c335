package odata

import "strings"

// SelectItem is one column of $select.
type SelectItem struct {
	Name   string
	Offset int
}

// Select is a parsed $select: the columns to return, in request order.
type Select []SelectItem

// ParseSelect parses a $select value such as "name, displayname".
// Every entry must be a property name; empty entries are errors.
func ParseSelect(input string) (Select, error) {
	p, err := newParser("$select", input, nil)
	if err != nil {
		return nil, err
	}
	s, err := p.selectList()
	if err != nil {
		return nil, err
	}
	return s, p.expectEnd()
}

func (p *parser) selectList() (Select, error) {
	var s Select
	for more := true; more; more = p.accept(tComma) {
		t, err := p.name("Property name")
		if err != nil {
			return nil, err
		}
		s = append(s, SelectItem{Name: t.text, Offset: t.pos})
	}
	return s, nil
}

// String returns the column name.
func (s SelectItem) String() string { return s.Name }

// String prints "a,b,c".
func (s Select) String() string { return joinStrings(s, ",") }

// joinStrings prints the elements of a slice of printable nodes.
func joinStrings[T interface{ String() string }](items []T, sep string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.String()
	}
	return strings.Join(parts, sep)
}
