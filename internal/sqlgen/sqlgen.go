// Package sqlgen compiles the OData syntax trees of a query into parameterised SQL. It is the
// one translator of every storage engine; the engines differ only in a small Dialect. No
// value from a request is ever written into the SQL text: every literal becomes a bound
// argument, and every name in the SQL comes from the fixed tables of this package.
//
// A Table describes what the translator needs of a table: its SQL name and alias, its key
// and its columns. The filter, order, keyset and count code is the same for every table.
// The connector table is always aliased "c", so that the joins of $expand (systemusers,
// teams, businessunits) never make a column name ambiguous.
package sqlgen

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// Dialect is what differs between SQL engines.
type Dialect interface {
	// Placeholder returns the n-th (1-based) bind parameter: "?" or "$n".
	Placeholder(n int) string
	// CompareText returns a case-insensitive comparison of two text expressions.
	CompareText(left, op, right string) string
	// Like returns a case-insensitive LIKE of a text expression and a bound pattern. prefix
	// says that the pattern starts with text, not a wildcard (startswith): an index of expr
	// may then read just the range of that prefix.
	Like(expr, pattern string, prefix bool) string
	// Concat joins text expressions.
	Concat(parts ...string) string
	// OrderText returns the expression to sort and group a text column by, case-insensitively.
	OrderText(expr string) string
	// NullsOrder returns what follows an ORDER BY term so that nulls sort first ascending and
	// last descending, as in SQL Server and SQLite: "" where that is the default.
	NullsOrder(desc bool) string
	// JoinText returns the aggregate that joins the text values of expr in their order with
	// sep (a SQL string literal): group_concat or string_agg.
	JoinText(expr, sep string) string
}

// TextIndexDialect is a Dialect whose engine keeps a trigram index of the text columns a
// Column names in TextIndex. A dialect without it, or whose TextPrefilter returns "", runs
// contains, startswith and endswith as its LIKE alone.
type TextIndexDialect interface {
	Dialect
	// TextPrefilter returns a condition on the rows of table (aliased alias) that holds for
	// every row whose column is LIKE pattern (the value Like is given) and that an index can
	// answer: a superset, which the translator ANDs with the exact Like. It binds the values
	// it needs with bind, which returns their placeholders, and only when it returns a
	// condition. "" when the engine's Like uses an index itself, or has none. anchored says
	// that the pattern starts with text, not a wildcard (startswith): an ordinary index of the
	// column may then read just the range of that prefix.
	TextPrefilter(table, alias, column, pattern string, anchored bool, bind func(any) string) string
}

// Env is what a query means besides its text: the clock of the date functions (Today,
// LastXDays…) and the caller of EqualUserId and EqualBusinessId.
type Env struct {
	Now            time.Time
	UserID         string
	BusinessUnitID string
	// Scope is how far the caller reads: every query is trimmed to it. nil does not trim
	// (for tests of the SQL shape); NewEnv always sets it.
	Scope *connectorhub.ReadScope
}

// NewEnv returns the Env of a request: the caller of ctx and the time now.
func NewEnv(ctx context.Context, now time.Time) Env {
	env := Env{Now: now.UTC(), Scope: &connectorhub.ReadScope{}} // no caller reads nothing
	if p := connectorhub.PrincipalFromContext(ctx); p != nil {
		env.UserID, env.BusinessUnitID = p.UserID, p.BusinessUnitID
		scope := p.ReadScope()
		env.Scope = &scope
	}
	return env
}

// Column maps a Web API property to its SQL expression over the connector row "c".
type Column struct {
	SQL      string
	Kind     connectorhub.ColumnKind
	Nullable bool // the expression can be null; keyset paging needs to know
	// Const: the expression is the same for every row (componentstate): ordering by it
	// orders nothing, so the translator leaves it out of ORDER BY.
	Const bool
	// TextIndex is the stored column of the table's row when a trigram index covers it
	// (connectorhub.Column.TextIndexed): contains, startswith and endswith may narrow by the
	// index first (TextIndexDialect). "" otherwise.
	TextIndex string
}

// computed are the SQL expressions of the connector's properties that are not stored
// columns (connectorhub.Column.Stored is ""): computed from others, or constant.
var computed = map[string]Column{
	"_createdonbehalfby_value":  {SQL: "NULL", Nullable: true, Const: true},
	"_modifiedonbehalfby_value": {SQL: "NULL", Nullable: true, Const: true},
	"_owninguser_value":         {SQL: "(CASE WHEN c.owneridtype = 'systemuser' THEN c.ownerid END)", Nullable: true},
	"_owningteam_value":         {SQL: "(CASE WHEN c.owneridtype = 'team' THEN c.ownerid END)", Nullable: true},
	"componentstate":            {SQL: "0", Const: true},
	// A complex value: webapi refuses it in $filter and $orderby.
	"iscustomizable": {SQL: "1", Const: true},
}

// Columns maps the connector's Web API properties to SQL, derived from connectorhub.Columns:
// a stored column is read as it is, a computed one by its expression above.
var Columns = func() map[string]Column {
	m := make(map[string]Column, len(connectorhub.Columns))
	for _, col := range connectorhub.Columns {
		c, ok := computed[col.Name]
		if col.Stored != "" {
			c, ok = Column{SQL: "c." + col.Stored, Nullable: col.Nullable}, true
			if col.TextIndexed {
				c.TextIndex = col.Stored
			}
		}
		if !ok {
			panic("sqlgen: the connector property " + col.Name + " is neither stored nor computed")
		}
		c.Kind = col.Kind
		m[col.Name] = c
	}
	return m
}()

// Table describes a table to the translator.
type Table struct {
	Name    string // the SQL table, e.g. "connectors"
	Alias   string // its alias in every query, e.g. "c"
	Key     string // the Web API property of the key, the last tie-break of every order
	Logical string // the logical name, for Dataverse's error messages
	Columns map[string]Column
	// Trimmed says that reads are trimmed to the caller's ReadScope (connectors); the
	// identity tables are readable by every caller.
	Trimmed bool
}

// keySQL is the key's SQL expression.
func (t *Table) keySQL() string { return t.Columns[t.Key].SQL }

// from is the FROM item of the table with its alias: "connectors c".
func (t *Table) from() string { return t.Name + " " + t.Alias }

// Connectors is the connector table.
var Connectors = &Table{Name: "connectors", Alias: "c", Key: connectorhub.ConnectorPrimaryID,
	Logical: connectorhub.ConnectorLogicalName, Columns: Columns, Trimmed: true}

// Builder accumulates SQL text and its bound arguments.
type Builder struct {
	d    Dialect
	env  Env
	t    *Table
	sb   strings.Builder
	args []any

	tooMany bool // more than maxParams values were bound
	negated bool // the expression being built is under an odd number of NOTs
}

// NewBuilder returns a Builder for the dialect on the connector table, with the current time
// and no caller.
func NewBuilder(d Dialect) *Builder {
	return &Builder{d: d, env: Env{Now: time.Now().UTC()}, t: Connectors}
}

// On sets the table the query reads.
func (b *Builder) On(t *Table) *Builder {
	b.t = t
	return b
}

// WithEnv sets the clock and caller the query functions use.
func (b *Builder) WithEnv(env Env) *Builder {
	b.env = env
	return b
}

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
	if len(b.args) == maxParams {
		b.tooMany = true // reported by Where: the SQL is not run
	}
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// Where appends the SQL condition of a $filter.
func (b *Builder) Where(f odata.Expr) error {
	cond, err := b.expr(f)
	if err != nil {
		return err
	}
	if b.tooMany {
		return tooManyValues()
	}
	b.sb.WriteString(cond)
	return nil
}

// conds are the conditions of a query, whatever its table.
type conds struct {
	filters []odata.Expr // nil entries are skipped
	orderBy odata.OrderBy
	after   []any                   // the keyset position in orderBy + key, or nil
	related *connectorhub.RelatedTo // identity tables: records linked to one record
}

// where appends " WHERE a AND b …" for the conditions that hold (none: nothing). Every
// condition a query carries is one term of this list, built in the order of the text so that
// positional placeholders get their values in order: filters, keyset, relationship, trimming.
//
// With narrow, the filter runs on its own over the keys: "c.connectorid IN (SELECT …)". An
// engine can then answer it from an index that covers the columns it names: a contains() on
// displayname reads 100,000 index entries rather than 100,000 rows of ~75 KB, and the outer
// query reads only the rows selected.
func (b *Builder) where(q conds, narrow bool) error {
	if len(q.orderBy) > maxOrderKeys {
		return connectorhub.Errorf(connectorhub.ECodeQuery, "The query orders by %d keys; at most %d are supported.", len(q.orderBy), maxOrderKeys)
	}
	var filters []string
	for _, f := range q.filters {
		if f == nil {
			continue
		}
		c, err := b.expr(f)
		if err != nil {
			return err
		}
		filters = append(filters, c)
	}
	if b.tooMany {
		return tooManyValues()
	}
	conds := filters
	if narrow && len(filters) > 0 {
		key := b.t.keySQL()
		conds = []string{key + " IN (SELECT " + key + " FROM " + b.t.from() + joinSQL(b.joinsOf(q.filters, nil)) + " WHERE " + strings.Join(filters, " AND ") + ")"}
	}
	if q.after != nil {
		c, err := b.keyset(q.orderBy, q.after)
		if err != nil {
			return err
		}
		if b.tooMany {
			return tooManyValues()
		}
		conds = append(conds, c)
	}
	if q.related != nil {
		c, err := b.relatedTo(q.related)
		if err != nil {
			return err
		}
		conds = append(conds, c)
	}
	if c := b.readScope(); c != "" {
		conds = append(conds, c)
	}
	if len(conds) > 0 {
		b.sb.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	return nil
}

// readScope is the security trimming of every read: the rows the caller's Read privilege
// reaches by depth, plus those shared with the caller or the caller's teams. "" when the
// caller reads every row.
func (b *Builder) readScope() string {
	s := b.env.Scope
	if !b.t.Trimmed || s == nil || s.All {
		return ""
	}
	in := func(vals []string) string {
		marks := make([]string, len(vals))
		for i, v := range vals {
			marks[i] = b.param(v)
		}
		return "(" + strings.Join(marks, ", ") + ")"
	}
	var terms []string
	if len(s.BusinessUnits) > 0 {
		terms = append(terms, "c.owningbusinessunit IN "+in(s.BusinessUnits))
	}
	if len(s.Owners) > 0 {
		terms = append(terms, "c.ownerid IN "+in(s.Owners))
	}
	if len(s.SharedWith) > 0 {
		terms = append(terms, "c.connectorid IN (SELECT objectid FROM principalobjectaccess WHERE principalid IN "+
			in(s.SharedWith)+" AND (accessmask & "+strconv.Itoa(int(connectorhub.AccessRead))+") <> 0)")
	}
	if len(terms) == 0 {
		return "(1 = 0)"
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

// OrderBy appends "col [DESC], …, c.connectorid" for a $orderby; the table's key is always the last
// tie-break so that the order is total and keyset paging is exact. Text sorts without regard
// to case; nulls sort first ascending and last descending.
func (b *Builder) OrderBy(o odata.OrderBy) error {
	for _, item := range o {
		col, err := b.orderColumn(item.Path)
		if err != nil {
			return err
		}
		b.sb.WriteString(b.orderTerm(col, item.Desc) + ", ")
	}
	b.sb.WriteString(b.t.keySQL())
	return nil
}

// maxPattern is the longest value contains, startswith and endswith take, in bytes.
const maxPattern = 50000 - 2

// orderTerm is one term of an ORDER BY: the column's sort expression, its direction, and
// where its nulls go (first ascending, last descending, on every engine).
func (b *Builder) orderTerm(col Column, desc bool) string {
	term := b.orderExpr(col)
	if desc {
		term += " DESC"
	}
	if col.Nullable {
		if n := b.d.NullsOrder(desc); n != "" {
			term += " " + n
		}
	}
	return term
}

func (b *Builder) orderExpr(col Column) string {
	if col.Const {
		// A bare literal in ORDER BY is a column position (0 is out of range) or, on
		// PostgreSQL, refused: a function of it orders by the value, the same for every row.
		return "COALESCE(" + col.SQL + ", " + col.SQL + ")"
	}
	if isText(col.Kind) {
		return b.d.OrderText(col.SQL)
	}
	return col.SQL
}

func isText(k connectorhub.ColumnKind) bool {
	return k == connectorhub.KindString || k == connectorhub.KindMultiChoice
}

// column returns the column of the table that a path names: a column, or on connectors a
// property of a lookup's record (ownerid/fullname).
func (b *Builder) column(p *odata.PropertyPath) (Column, error) {
	if p != nil && p.Var == "" && len(p.Segments) > 1 && b.t == Connectors {
		return traversal(p)
	}
	if p == nil || p.Var != "" || len(p.Segments) != 1 {
		return Column{}, unsupported(fmt.Sprintf("the property path '%s' (lambda variables and paths through lookups of %s are not supported)", p, b.t.Logical))
	}
	col, ok := b.t.Columns[p.Segments[0]]
	if !ok {
		return Column{}, connectorhub.UnknownProperty(p.Segments[0], b.t.Logical)
	}
	return col, nil
}

// maxOrderKeys bounds the keys a query orders by ($orderby items, FetchXML <order>s): the
// condition that resumes a page after a $skiptoken compares the first i keys for each key i,
// so its size grows with their square (250 keys made 20,000 bound values and 18 s of SQLite's
// planning for a page of one row). A table has fewer sortable columns than this.
const maxOrderKeys = 32

// maxParams bounds the values one query binds: below every engine's limit of bound
// parameters (SQLite's is 32766), and far above what an ordinary filter holds.
const maxParams = 10_000

func tooManyValues() error {
	return connectorhub.Errorf(connectorhub.ECodeQuery, "The query has more than %d values; split it into several requests.", maxParams)
}

// chain flattens a run of one logical operator into its operands, left to right.
func chain(op odata.LogicalOp, e odata.Expr, out []odata.Expr) []odata.Expr {
	if l, ok := e.(*odata.LogicalExpr); ok && l.Op == op {
		return chain(op, l.Right, chain(op, l.Left, out))
	}
	return append(out, e)
}

// balanced joins terms with op as a balanced tree, so that its depth grows with the
// logarithm of the number of terms, not with the number.
func balanced(op string, terms []string) string {
	if len(terms) == 1 {
		return terms[0]
	}
	mid := len(terms) / 2
	return "(" + balanced(op, terms[:mid]) + " " + op + " " + balanced(op, terms[mid:]) + ")"
}

func unsupported(what string) error {
	return connectorhub.Errorf(connectorhub.ECodeQuery, "The query is not supported: %s.", what)
}

func (b *Builder) expr(e odata.Expr) (string, error) {
	switch e := e.(type) {
	case *odata.LogicalExpr:
		// A chain of one operator (a or b or c …) becomes a balanced tree of SQL: a long but
		// ordinary filter stays far below the database's expression-depth limit.
		var terms []string
		for _, x := range chain(e.Op, e, nil) {
			t, err := b.expr(x)
			if err != nil {
				return "", err
			}
			terms = append(terms, t)
		}
		return balanced(strings.ToUpper(string(e.Op)), terms), nil
	case *odata.NotExpr:
		b.negated = !b.negated
		x, err := b.expr(e.X)
		b.negated = !b.negated
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
		return b.queryFunc(e)
	case *odata.LambdaExpr:
		return "", unsupported("lambda operators (any, all) are not supported")
	case *odata.PropertyPath:
		col, err := b.column(e)
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
		l, err := b.column(lp)
		if err != nil {
			return "", err
		}
		r, err := b.column(rp)
		if err != nil {
			return "", err
		}
		if isText(l.Kind) != isText(r.Kind) || (l.Kind == connectorhub.KindDateTime) != (r.Kind == connectorhub.KindDateTime) {
			return "", connectorhub.Errorf(connectorhub.ECodeQuery, "A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for the operator kind '%s'.", l.Kind.EdmType(), r.Kind.EdmType(), e.Op)
		}
		return b.cmp(l, e.Op, r.SQL), nil
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

// cmp compares a column with an SQL expression, without regard to case for text.
func (b *Builder) cmp(col Column, op odata.CompareOp, right string) string {
	if isText(col.Kind) {
		return "(" + b.d.CompareText(col.SQL, sqlOps[op], right) + ")"
	}
	return "(" + col.SQL + " " + sqlOps[op] + " " + right + ")"
}

func (b *Builder) compareLiteral(p *odata.PropertyPath, op odata.CompareOp, lit *odata.Literal) (string, error) {
	col, err := b.column(p)
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
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "null can only be compared with eq and ne, not with '%s'.", op)
	}
	v, err := sqlValue(p, col, lit)
	if err != nil {
		return "", err
	}
	return b.cmp(col, op, b.value(v)), nil
}

// value binds a literal's stored form. A number is bound with its own type, so that every
// engine compares the column with the value as written: PostgreSQL would otherwise take the
// column's type for the parameter, truncating 1.5 to 1 for an integer column and refusing
// 3000000000 for a 32-bit one, where SQLite compares the numbers as they are.
func (b *Builder) value(v any) string {
	switch n := v.(type) {
	case float64:
		return "CAST(" + b.param(n) + " AS DOUBLE PRECISION)"
	case int64:
		if n > math.MaxInt32 || n < math.MinInt32 {
			return "CAST(" + b.param(n) + " AS BIGINT)"
		}
	}
	return b.param(v)
}

// sqlValue converts a literal to the stored form of the column, refusing a type mismatch.
// Strings holding a number, GUID or date are accepted where the column has that type, as
// Dataverse accepts them in the query functions' PropertyValues (["5","2000"]).
func sqlValue(p *odata.PropertyPath, col Column, lit *odata.Literal) (any, error) {
	mismatch := func() error {
		return connectorhub.Errorf(connectorhub.ECodeQuery, "A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for property '%s'.", col.Kind.EdmType(), lit.Kind, p)
	}
	s, isString := lit.Value.(string)
	switch col.Kind {
	case connectorhub.KindString:
		if isString {
			return s, nil
		}
	case connectorhub.KindMultiChoice:
		switch v := lit.Value.(type) {
		case string:
			return v, nil
		case int64:
			return strconv.FormatInt(v, 10), nil
		}
	case connectorhub.KindInt, connectorhub.KindChoice, connectorhub.KindBigInt:
		switch v := lit.Value.(type) {
		case int64:
			return v, nil
		case float64:
			return v, nil
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n, nil
			}
		}
	case connectorhub.KindBool:
		if v, ok := lit.Value.(bool); ok {
			if v {
				return 1, nil
			}
			return 0, nil
		}
	case connectorhub.KindGUID, connectorhub.KindLookup:
		switch v := lit.Value.(type) {
		case odata.GUID:
			return v.String(), nil
		case string:
			if g, err := odata.ParseGUID(strings.TrimSpace(v)); err == nil {
				return g.String(), nil
			}
		}
	case connectorhub.KindDateTime:
		if t, ok := timeValue(lit); ok {
			return t.Unix(), nil
		}
	}
	return nil, mismatch()
}

// timeValue reads a date, a date-time, or a string holding one.
func timeValue(lit *odata.Literal) (time.Time, bool) {
	switch v := lit.Value.(type) {
	case time.Time:
		return v, true
	case string:
		v = strings.TrimSpace(v)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", time.DateOnly} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func (b *Builder) stringCall(e *odata.StringCall) (string, error) {
	col, err := b.column(e.Property)
	if err != nil {
		return "", err
	}
	if !isText(col.Kind) {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function %s applies to text properties, not to '%s' of type %s.", e.Func, e.Property, col.Kind.EdmType())
	}
	v, _ := e.Value.Value.(string)
	if len(v) > maxPattern {
		// SQLite refuses longer patterns (SQLITE_LIMIT_LIKE_PATTERN_LENGTH); every engine
		// refuses them alike, and a pattern's cost grows with its length.
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The value of %s is %d characters long; the longest value a text function takes is %d.", e.Func, len(v), maxPattern)
	}
	// Dataverse honours SQL wildcards inside the value, so it is bound as part of the pattern.
	// The whole pattern is one bound value so that SQLite can use a NOCASE index for startswith.
	var pattern string
	switch e.Func {
	case "contains":
		pattern = "%" + v + "%"
	case "startswith":
		pattern = v + "%"
	case "endswith":
		pattern = "%" + v
	default:
		return "", unsupported("the function " + e.Func)
	}
	// A trigram index narrows the rows first, and the LIKE decides among them. Not under a
	// NOT: the prefilter is false where the LIKE is null (a null description), so (prefilter
	// AND LIKE) is false there, which NOT would make true. AND and OR treat a false and a null
	// alike for the rows they select, and under a NOT an index narrows nothing anyway.
	if col.TextIndex != "" && !b.negated && trigramRun(v) {
		if d, ok := b.d.(TextIndexDialect); ok {
			// The prefilter's values are bound first, in the order of the text.
			prefix := anchored(e.Func, v)
			if pre := d.TextPrefilter(b.t.Name, b.t.Alias, col.TextIndex, pattern, prefix, b.param); pre != "" {
				return "(" + pre + " AND " + b.d.Like(col.SQL, b.param(pattern), prefix) + ")", nil
			}
		}
	}
	return "(" + b.d.Like(col.SQL, b.param(pattern), anchored(e.Func, v)) + ")", nil
}

// anchored reports whether the pattern of a text function with value v starts with text, not
// a wildcard: startswith of a value that does not begin with % or _.
func anchored(fn, v string) bool {
	return fn == "startswith" && v != "" && v[0] != '%' && v[0] != '_'
}

// trigramRun reports whether a text function's value has a run of at least three characters
// without the wildcards % and _: only then can a trigram index narrow the rows (for a shorter
// run, SQLite's FTS5 would read its whole index). Values that are not valid UTF-8 or hold a NUL
// are left to the LIKE alone, as the index and LIKE might read such bytes differently.
func trigramRun(v string) bool {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return false
	}
	run := 0
	for _, r := range v {
		if r == '%' || r == '_' {
			run = 0
			continue
		}
		if run++; run >= 3 {
			return true
		}
	}
	return false
}
