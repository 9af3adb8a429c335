package odata

import "strings"

// maxDepth bounds nesting (parentheses, not, lambdas, $expand levels) so a
// hostile query cannot exhaust the stack; ODataLib has a similar limit.
const maxDepth = 100

// parser is a recursive-descent parser over the tokens of one option value.
// The same parser reads $filter, $orderby, $select, $expand and $apply, so
// a $filter nested in $expand reports positions in the whole $expand value.
type parser struct {
	option string
	input  string
	toks   []token
	i      int

	aliases      map[string]string     // @name → value text
	aliasParsed  map[string]aliasValue // aliases parsed so far (resolveAlias)
	allowAliases bool                  // false inside $expand and inside alias values
	vars         []string              // lambda variables in scope
	depth        int
}

func newParser(option, input string, aliases map[string]string) (*parser, error) {
	toks, err := lex(option, input)
	if err != nil {
		return nil, err
	}
	return &parser{option: option, input: input, toks: toks, aliases: aliases, allowAliases: true}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isWord reports whether the next token is the identifier w.
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && t.text == w
}

func (p *parser) accept(k tokKind) bool {
	if p.peek().kind == k {
		p.i++
		return true
	}
	return false
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return errorf(p.option, p.input, pos, format, args...)
}

// syntaxError reports the token t as unexpected, ODataLib style.
func (p *parser) syntaxError(t token) error {
	if t.kind == tEOF {
		return p.errAt(t.pos, "Expression expected")
	}
	return p.errAt(t.pos, "Syntax error")
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.errAt(t.pos, "%s expected", what)
	}
	return p.next(), nil
}

// expectEnd checks that the whole input was consumed.
func (p *parser) expectEnd() error {
	if t := p.peek(); t.kind != tEOF {
		return p.syntaxError(t)
	}
	return nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(pos, "The query exceeds the maximum nesting depth of %d", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) inScope(name string) bool {
	for _, v := range p.vars {
		if v == name {
			return true
		}
	}
	return false
}

// name reads one plain (undotted) identifier.
func (p *parser) name(what string) (token, error) {
	t := p.peek()
	if t.kind != tIdent || strings.Contains(t.text, ".") {
		if t.kind == tEOF {
			return t, p.errAt(t.pos, "%s expected", what)
		}
		return t, p.syntaxError(t)
	}
	return p.next(), nil
}

// path reads name{/name} for $orderby, $apply and the like (no lambdas).
func (p *parser) path() (*PropertyPath, error) {
	first, err := p.name("Property name")
	if err != nil {
		return nil, err
	}
	pp := &PropertyPath{Segments: []string{first.text}, Offset: first.pos}
	for p.peek().kind == tSlash && p.peekAt(1).kind == tIdent {
		p.next()
		seg, err := p.name("Property name")
		if err != nil {
			return nil, err
		}
		pp.Segments = append(pp.Segments, seg.text)
	}
	return pp, nil
}
