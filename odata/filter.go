package odata

import (
	"strconv"
	"strings"
	"time"
)

// ParseFilter parses a $filter value. aliases maps parameter aliases ("@p1")
// to their raw values from the query string; it may be nil. An alias used but
// not given a value is null, as OData and Dataverse document. Errors are
// *Error with the byte position of the problem.
func ParseFilter(input string, aliases map[string]string) (Expr, error) {
	p, err := newParser("$filter", input, aliases)
	if err != nil {
		return nil, err
	}
	e, err := p.filter()
	if err != nil {
		return nil, err
	}
	if err := p.expectEnd(); err != nil {
		return nil, err
	}
	return e, nil
}

// filter reads a Boolean expression and stops at the first token that cannot
// continue it (end of input, ';' or ')' of an enclosing option).
func (p *parser) filter() (Expr, error) {
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if err := p.checkBoolean(e, "The filter expression"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) checkBoolean(e Expr, what string) error {
	if l, ok := e.(*Literal); ok && l.Kind != KindBool {
		return p.errAt(e.Pos(), "%s must be a Boolean expression, not a %s literal", what, l.Kind)
	}
	return nil
}

func (p *parser) or() (Expr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		op := p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		if err := p.logicalOperands(left, right, "or"); err != nil {
			return nil, err
		}
		left = &LogicalExpr{Op: Or, Left: left, Right: right, Offset: op.pos}
	}
	return left, nil
}

func (p *parser) and() (Expr, error) {
	left, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		op := p.next()
		right, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if err := p.logicalOperands(left, right, "and"); err != nil {
			return nil, err
		}
		left = &LogicalExpr{Op: And, Left: left, Right: right, Offset: op.pos}
	}
	return left, nil
}

func (p *parser) logicalOperands(left, right Expr, op string) error {
	if err := p.checkBoolean(left, "The operand of '"+op+"'"); err != nil {
		return err
	}
	return p.checkBoolean(right, "The operand of '"+op+"'")
}

func isCompareOp(s string) bool {
	switch CompareOp(s) {
	case Eq, Ne, Gt, Ge, Lt, Le:
		return true
	}
	return false
}

func (p *parser) comparison() (Expr, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tIdent || !isCompareOp(t.text) {
		return left, nil
	}
	p.next()
	right, err := p.unary()
	if err != nil {
		return nil, err
	}
	// 'not' binds tighter than comparisons (OData precedence), so
	// "not a eq b" would compare a negation; say how to write it instead.
	if _, ok := left.(*NotExpr); ok {
		return nil, p.errAt(t.pos, "Syntax error: 'not' applies before '%s'; write not (… %s …)", t.text, t.text)
	}
	for _, side := range []Expr{left, right} {
		switch side.(type) {
		case *Literal, *PropertyPath:
		default:
			return nil, p.errAt(side.Pos(), "The operands of '%s' must be properties or literals", t.text)
		}
	}
	_, lp := left.(*PropertyPath)
	_, rp := right.(*PropertyPath)
	if !lp && !rp {
		return nil, p.errAt(t.pos, "A comparison must have a property on at least one side")
	}
	return &CompareExpr{Op: CompareOp(t.text), Left: left, Right: right, Offset: t.pos}, nil
}

func (p *parser) unary() (Expr, error) {
	if !p.isWord("not") {
		return p.primary()
	}
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	if err := p.checkBoolean(x, "The operand of 'not'"); err != nil {
		return nil, err
	}
	return &NotExpr{X: x, Offset: t.pos}, nil
}

func (p *parser) primary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tLParen:
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.accept(tRParen) {
			return nil, p.errAt(p.peek().pos, "')' or operator expected")
		}
		return e, nil
	case tAlias:
		p.next()
		v, err := p.resolveAlias(t)
		if err != nil {
			return nil, err
		}
		if v.list != nil {
			return nil, p.errAt(t.pos, "Parameter alias '%s' holds a list, which is only allowed as PropertyValues", t.text)
		}
		return v.expr, nil
	case tString, tInt, tDecimal, tGUID, tDate, tDateTime:
		p.next()
		return p.literal(t)
	case tIdent:
		switch t.text {
		case "true", "false", "null":
			p.next()
			return p.literal(t)
		}
		if p.peekAt(1).kind == tLParen {
			return p.call()
		}
		return p.memberPath()
	}
	return nil, p.syntaxError(t)
}

// literal converts a literal token (or true/false/null) into a *Literal.
func (p *parser) literal(t token) (*Literal, error) {
	l := &Literal{Offset: t.pos}
	switch t.kind {
	case tString, tJSONString:
		l.Kind, l.Value = KindString, t.str
	case tInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, p.errAt(t.pos, "Unrecognized 'Edm.Int64' literal '%s'", t.text)
		}
		l.Kind, l.Value = KindInt, n
	case tDecimal:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errAt(t.pos, "Unrecognized 'Edm.Decimal' literal '%s'", t.text)
		}
		l.Kind, l.Value = KindDecimal, f
	case tGUID:
		g, err := ParseGUID(t.text)
		if err != nil {
			return nil, p.errAt(t.pos, "Unrecognized 'Edm.Guid' literal '%s'", t.text)
		}
		l.Kind, l.Value = KindGUID, g
	case tDate:
		d, err := time.Parse(time.DateOnly, t.text)
		if err != nil {
			return nil, p.errAt(t.pos, "Unrecognized 'Edm.Date' literal '%s'", t.text)
		}
		l.Kind, l.Value = KindDate, d
	case tDateTime:
		d, err := parseDateTime(t.text)
		if err != nil {
			return nil, p.errAt(t.pos, "Unrecognized 'Edm.DateTimeOffset' literal '%s'", t.text)
		}
		l.Kind, l.Value = KindDateTimeOffset, d
	case tIdent:
		switch t.text {
		case "true", "false":
			l.Kind, l.Value = KindBool, t.text == "true"
		case "null":
			l.Kind = KindNull
		default:
			return nil, p.syntaxError(t)
		}
	default:
		return nil, p.syntaxError(t)
	}
	return l, nil
}

// parseDateTime accepts OData date-times; an offset (Z or ±hh:mm) is
// required so that the instant is unambiguous, seconds and fractions are optional.
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05Z07:00", s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04Z07:00", s)
	}
	return t, err
}

// reserved words cannot start a property path: "name eq and" is a syntax
// error rather than a comparison with a column named "and".
var reserved = map[string]bool{"and": true, "or": true, "not": true,
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

// memberPath reads a property path, which may end in a lambda operator.
func (p *parser) memberPath() (Expr, error) {
	first := p.next()
	if reserved[first.text] {
		return nil, p.syntaxError(first)
	}
	if strings.Contains(first.text, ".") {
		return nil, p.errAt(first.pos, "Qualified name '%s' is not supported here", first.text)
	}
	pp := &PropertyPath{Offset: first.pos}
	if p.inScope(first.text) {
		pp.Var = first.text
	} else {
		pp.Segments = []string{first.text}
	}
	for p.peek().kind == tSlash {
		p.next()
		seg, err := p.name("Property name")
		if err != nil {
			return nil, err
		}
		if (seg.text == "any" || seg.text == "all") && p.peek().kind == tLParen {
			return p.lambda(pp, seg)
		}
		pp.Segments = append(pp.Segments, seg.text)
	}
	return pp, nil
}

// lambda reads "(v:expr)" or "()" after coll/any or coll/all.
func (p *parser) lambda(coll *PropertyPath, op token) (Expr, error) {
	if len(coll.Segments) == 0 {
		return nil, p.errAt(op.pos, "'%s' needs a collection-valued navigation property", op.text)
	}
	if err := p.enter(op.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // (
	l := &LambdaExpr{Collection: coll, All: op.text == "all", Offset: coll.Offset}
	if p.accept(tRParen) {
		if l.All {
			return nil, p.errAt(op.pos, "'all' needs a lambda expression")
		}
		return l, nil
	}
	v, err := p.name("Lambda variable")
	if err != nil {
		return nil, err
	}
	if p.inScope(v.text) {
		return nil, p.errAt(v.pos, "Lambda variable '%s' is already in scope", v.text)
	}
	if _, err := p.expect(tColon, "':'"); err != nil {
		return nil, err
	}
	p.vars = append(p.vars, v.text)
	body, err := p.or()
	p.vars = p.vars[:len(p.vars)-1]
	if err != nil {
		return nil, err
	}
	if err := p.checkBoolean(body, "The lambda expression"); err != nil {
		return nil, err
	}
	if !p.accept(tRParen) {
		return nil, p.errAt(p.peek().pos, "')' or operator expected")
	}
	l.Var, l.Body = v.text, body
	return l, nil
}

// call reads a function call: contains/startswith/endswith or a Dataverse
// query function.
func (p *parser) call() (Expr, error) {
	name := p.next()
	switch {
	case name.text == "contains" || name.text == "startswith" || name.text == "endswith":
		return p.stringCall(name)
	case strings.HasPrefix(name.text, queryFuncNamespace):
		if _, ok := lookupQueryFunc(name.text[len(queryFuncNamespace):]); ok {
			return p.queryFunc(name)
		}
	}
	return nil, p.errAt(name.pos, "Unknown function '%s'", name.text)
}

func (p *parser) stringCall(name token) (Expr, error) {
	p.next() // (
	prop, err := p.primary()
	if err != nil {
		return nil, err
	}
	pp, ok := prop.(*PropertyPath)
	if !ok {
		return nil, p.errAt(prop.Pos(), "The first argument of '%s' must be a property", name.text)
	}
	if _, err := p.expect(tComma, "','"); err != nil {
		return nil, err
	}
	arg, err := p.primary()
	if err != nil {
		return nil, err
	}
	lit, ok := arg.(*Literal)
	if !ok || lit.Kind != KindString {
		return nil, p.errAt(arg.Pos(), "The second argument of '%s' must be a string literal", name.text)
	}
	if !p.accept(tRParen) {
		return nil, p.errAt(p.peek().pos, "')' expected")
	}
	return &StringCall{Func: name.text, Property: pp, Value: lit, Offset: name.pos}, nil
}

// paramValue is a query function argument: one literal or a list.
type paramValue struct {
	lit    *Literal
	list   []*Literal
	isList bool
	pos    int
}

func (p *parser) queryFunc(name token) (Expr, error) {
	fn := name.text[len(queryFuncNamespace):]
	sig, _ := lookupQueryFunc(fn)
	p.next() // (
	args := map[string]paramValue{}
	for more := p.peek().kind != tRParen; more; more = p.accept(tComma) {
		pn, err := p.name("Parameter name")
		if err != nil {
			return nil, err
		}
		if _, dup := args[pn.text]; dup {
			return nil, p.errAt(pn.pos, "Parameter '%s' is specified more than once", pn.text)
		}
		if pn.text != "PropertyName" && !contains(sig.valueParams(), pn.text) {
			return nil, p.errAt(pn.pos, "Function '%s' has no parameter '%s'", name.text, pn.text)
		}
		if _, err := p.expect(tEquals, "'='"); err != nil {
			return nil, err
		}
		v, err := p.paramValue()
		if err != nil {
			return nil, err
		}
		args[pn.text] = v
	}
	if !p.accept(tRParen) {
		return nil, p.errAt(p.peek().pos, "')' or ',' expected")
	}
	q := &QueryFunc{Name: fn, Offset: name.pos}
	pv, ok := args["PropertyName"]
	if !ok {
		return nil, p.errAt(name.pos, "Function '%s' requires parameter 'PropertyName'", name.text)
	}
	if pv.isList || pv.lit.Kind != KindString || !isName(pv.lit.Value.(string)) {
		return nil, p.errAt(pv.pos, "PropertyName of '%s' must be a string holding a property name", name.text)
	}
	q.Property = &PropertyPath{Segments: []string{pv.lit.Value.(string)}, Offset: pv.pos}
	for _, param := range sig.valueParams() {
		v, ok := args[param]
		if !ok {
			return nil, p.errAt(name.pos, "Function '%s' requires parameter '%s'", name.text, param)
		}
		if v.isList != (sig.shape == shapeValues) {
			if v.isList {
				return nil, p.errAt(v.pos, "Parameter '%s' takes a single value, not a list", param)
			}
			return nil, p.errAt(v.pos, "Parameter '%s' takes a list of values, e.g. ['a','b']", param)
		}
		if v.isList {
			if len(v.list) < sig.min || sig.max > 0 && len(v.list) > sig.max {
				return nil, p.errAt(v.pos, "Function '%s' needs %s in %s", name.text, countText(sig), param)
			}
			q.Values = append(q.Values, v.list...)
		} else {
			q.Values = append(q.Values, v.lit)
		}
	}
	for _, l := range q.Values {
		if !sig.accepts(l) {
			return nil, p.errAt(l.Offset, "A value of '%s' must be %s, not %s", name.text, sig.rule.describe(), l.Kind)
		}
	}
	return q, nil
}

func countText(sig funcSig) string {
	if sig.min == sig.max {
		return "exactly " + strconv.Itoa(sig.min) + " values"
	}
	return "at least " + strconv.Itoa(sig.min) + " value(s)"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paramValue reads a literal, a [list] or an alias holding either.
func (p *parser) paramValue() (paramValue, error) {
	t := p.peek()
	switch t.kind {
	case tAlias:
		p.next()
		v, err := p.resolveAlias(t)
		if err != nil {
			return paramValue{}, err
		}
		if v.list != nil {
			return paramValue{list: v.list, isList: true, pos: t.pos}, nil
		}
		l, ok := v.expr.(*Literal)
		if !ok {
			return paramValue{}, p.errAt(t.pos, "Parameter alias '%s' must hold a literal here", t.text)
		}
		return paramValue{lit: l, pos: t.pos}, nil
	case tLBracket:
		list, err := p.list()
		return paramValue{list: list, isList: true, pos: t.pos}, err
	}
	l, err := p.literalToken()
	if err != nil {
		return paramValue{}, err
	}
	return paramValue{lit: l, pos: t.pos}, nil
}

// literalToken reads one literal token (not an alias, list or path).
func (p *parser) literalToken() (*Literal, error) {
	t := p.peek()
	switch t.kind {
	case tString, tInt, tDecimal, tGUID, tDate, tDateTime:
	case tIdent:
		if t.text != "true" && t.text != "false" && t.text != "null" {
			return nil, p.errAt(t.pos, "Literal expected")
		}
	default:
		if t.kind == tEOF {
			return nil, p.errAt(t.pos, "Literal expected")
		}
		return nil, p.syntaxError(t)
	}
	p.next()
	return p.literal(t)
}

// list reads [v,v,…]; strings may use single or JSON double quotes.
func (p *parser) list() ([]*Literal, error) {
	p.next() // [
	list := []*Literal{}
	for more := p.peek().kind != tRBracket; more; more = p.accept(tComma) {
		t := p.peek()
		var l *Literal
		var err error
		if t.kind == tJSONString {
			p.next()
			l, err = p.literal(t)
		} else {
			l, err = p.literalToken()
		}
		if err != nil {
			return nil, err
		}
		if l.Kind == KindNull {
			return nil, p.errAt(t.pos, "A list of values cannot contain null")
		}
		list = append(list, l)
	}
	if !p.accept(tRBracket) {
		return nil, p.errAt(p.peek().pos, "']' or ',' expected")
	}
	return list, nil
}

// aliasValue is what a parameter alias stands for: a literal or property
// path (expr), or a list.
type aliasValue struct {
	expr Expr
	list []*Literal
}

// resolveAlias parses the value of the alias t and positions the result at
// the reference, so later errors point into the option that used it.
func (p *parser) resolveAlias(t token) (aliasValue, error) {
	if !p.allowAliases {
		return aliasValue{}, p.errAt(t.pos, "Parameter alias '%s' is not supported here", t.text)
	}
	raw, ok := p.aliases[t.text]
	if !ok {
		return aliasValue{expr: &Literal{Kind: KindNull, Offset: t.pos}}, nil
	}
	// Each alias is parsed once, at its first reference, and the later ones share the result
	// (positioned at the first): an option referencing a long alias thousands of times would
	// otherwise parse it again each time (8 KB of query allocated 1.3 GB).
	if v, ok := p.aliasParsed[t.text]; ok {
		return v, nil
	}
	v, err := p.parseAlias(t, raw)
	if err != nil {
		return aliasValue{}, err
	}
	if p.aliasParsed == nil {
		p.aliasParsed = map[string]aliasValue{}
	}
	p.aliasParsed[t.text] = v
	return v, nil
}

// parseAlias parses raw, the value of the alias t.
func (p *parser) parseAlias(t token, raw string) (aliasValue, error) {
	sub, err := newParser(t.text, raw, nil)
	if err != nil {
		return aliasValue{}, err
	}
	sub.allowAliases = false
	var v aliasValue
	switch sub.peek().kind {
	case tLBracket:
		v.list, err = sub.list()
		for _, l := range v.list {
			l.Offset = t.pos
		}
	case tIdent:
		if s := sub.peek().text; s == "true" || s == "false" || s == "null" {
			v.expr, err = sub.literalToken()
			break
		}
		var pp *PropertyPath
		pp, err = sub.path()
		if err == nil {
			pp.Offset = t.pos
			v.expr = pp
		}
	default:
		v.expr, err = sub.literalToken()
	}
	if err != nil {
		return aliasValue{}, err
	}
	if err := sub.expectEnd(); err != nil {
		return aliasValue{}, err
	}
	if l, ok := v.expr.(*Literal); ok {
		l.Offset = t.pos
	}
	return v, nil
}
