package odata

import (
	"strconv"
	"strings"
	"time"
)

// Expr is a $filter expression node: *LogicalExpr, *NotExpr, *CompareExpr,
// *StringCall, *QueryFunc, *LambdaExpr, *PropertyPath or *Literal.
type Expr interface {
	// Pos is the 0-based byte offset of the node in the option value.
	Pos() int
	// String prints the node as OData that parses back to the same node.
	String() string
	exprNode()
}

// LogicalOp is "and" or "or".
type LogicalOp string

// The logical operators.
const (
	And LogicalOp = "and"
	Or  LogicalOp = "or"
)

// CompareOp is a comparison operator.
type CompareOp string

// The comparison operators.
const (
	Eq CompareOp = "eq"
	Ne CompareOp = "ne"
	Gt CompareOp = "gt"
	Ge CompareOp = "ge"
	Lt CompareOp = "lt"
	Le CompareOp = "le"
)

// LogicalExpr is Left and/or Right; both sides are Boolean expressions.
type LogicalExpr struct {
	Op          LogicalOp
	Left, Right Expr
	Offset      int // of the operator
}

// NotExpr is "not X".
type NotExpr struct {
	X      Expr
	Offset int
}

// CompareExpr is Left op Right. Each side is a *PropertyPath or a *Literal
// and at least one side is a *PropertyPath; a *Literal of KindNull asks for
// IS NULL / IS NOT NULL (only eq and ne make sense with null).
type CompareExpr struct {
	Op          CompareOp
	Left, Right Expr
	Offset      int // of the operator
}

// StringCall is contains, startswith or endswith applied to a property and a
// string literal. The literal is the raw value: Dataverse honours SQL
// wildcards (% _ [ ]) inside it, so a translator passes it to LIKE unescaped.
type StringCall struct {
	Func     string // "contains", "startswith" or "endswith"
	Property *PropertyPath
	Value    *Literal // KindString
	Offset   int
}

// QueryFunc is a Dataverse query function,
// Microsoft.Dynamics.CRM.<Name>(PropertyName='col'[,PropertyValue…]).
// Named parameters are resolved by the function's known signature:
// PropertyValue gives one value, PropertyValues a list, PropertyValue1 and
// PropertyValue2 two values, in that order.
type QueryFunc struct {
	Name     string        // without namespace, e.g. "Between"
	Property *PropertyPath // from PropertyName
	Values   []*Literal
	Offset   int
}

// LambdaExpr is coll/any(v:Body) or coll/all(v:Body). Paths in Body that
// start with Var have PropertyPath.Var set. Body is nil for any().
type LambdaExpr struct {
	Collection *PropertyPath
	All        bool // all instead of any
	Var        string
	Body       Expr
	Offset     int
}

// PropertyPath is a property, a lookup traversal (ownerid/fullname) or a
// lookup property (_ownerid_value). Names are as written; the caller checks
// them against its metadata.
type PropertyPath struct {
	Var      string   // lambda variable the path starts from, or ""
	Segments []string // at least one unless Var is set
	Offset   int
}

// Kind is the type of a literal.
type Kind int

// The literal kinds; the comment gives the Go type of Literal.Value.
const (
	KindNull           Kind = iota // nil
	KindString                     // string
	KindInt                        // int64
	KindDecimal                    // float64 (written with '.' or an exponent)
	KindBool                       // bool
	KindGUID                       // GUID
	KindDate                       // time.Time, midnight UTC
	KindDateTimeOffset             // time.Time with the written offset
)

var kindNames = [...]string{"null", "Edm.String", "Edm.Int64", "Edm.Decimal", "Edm.Boolean", "Edm.Guid", "Edm.Date", "Edm.DateTimeOffset"}

// String names the kind as an EDM type.
func (k Kind) String() string { return kindNames[k] }

// Literal is a typed constant. Values from parameter aliases are resolved
// into literals positioned at the alias reference.
type Literal struct {
	Kind   Kind
	Value  any
	Offset int
}

func (*LogicalExpr) exprNode()  {}
func (*NotExpr) exprNode()      {}
func (*CompareExpr) exprNode()  {}
func (*StringCall) exprNode()   {}
func (*QueryFunc) exprNode()    {}
func (*LambdaExpr) exprNode()   {}
func (*PropertyPath) exprNode() {}
func (*Literal) exprNode()      {}

// Pos returns the offset of the operator.
func (e *LogicalExpr) Pos() int { return e.Offset }

// Pos returns the offset of "not".
func (e *NotExpr) Pos() int { return e.Offset }

// Pos returns the offset of the operator.
func (e *CompareExpr) Pos() int { return e.Offset }

// Pos returns the offset of the function name.
func (e *StringCall) Pos() int { return e.Offset }

// Pos returns the offset of the function name.
func (e *QueryFunc) Pos() int { return e.Offset }

// Pos returns the offset of the collection path.
func (e *LambdaExpr) Pos() int { return e.Offset }

// Pos returns the offset of the first segment.
func (e *PropertyPath) Pos() int { return e.Offset }

// Pos returns the offset of the literal (or of the alias it came from).
func (e *Literal) Pos() int { return e.Offset }

// Precedence levels used by the printer to add only the parentheses needed.
const (
	precOr = iota + 1
	precAnd
	precCompare
	precNot
	precPrimary
)

func precedence(e Expr) int {
	switch e := e.(type) {
	case *LogicalExpr:
		if e.Op == Or {
			return precOr
		}
		return precAnd
	case *CompareExpr:
		return precCompare
	case *NotExpr:
		return precNot
	}
	return precPrimary
}

// writeExpr prints e into b, in parentheses when its precedence is below
// min. Printing goes through one builder so long filters print in linear time.
func writeExpr(b *strings.Builder, e Expr, min int) {
	if precedence(e) < min {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch e := e.(type) {
	case *LogicalExpr:
		// The right operand is parenthesised at equal precedence so that
		// the tree shape survives a round trip.
		p := precedence(e)
		writeExpr(b, e.Left, p)
		b.WriteString(" " + string(e.Op) + " ")
		writeExpr(b, e.Right, p+1)
	case *NotExpr:
		b.WriteString("not ")
		writeExpr(b, e.X, precNot)
	case *CompareExpr:
		writeExpr(b, e.Left, precNot)
		b.WriteString(" " + string(e.Op) + " ")
		writeExpr(b, e.Right, precNot)
	case *LambdaExpr:
		op := "any"
		if e.All {
			op = "all"
		}
		b.WriteString(e.Collection.String() + "/" + op + "(")
		if e.Body != nil {
			b.WriteString(e.Var + ":")
			writeExpr(b, e.Body, precOr)
		}
		b.WriteByte(')')
	default:
		b.WriteString(e.String())
	}
}

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, precOr)
	return b.String()
}

// String prints the expression with only the parentheses it needs.
func (e *LogicalExpr) String() string { return exprString(e) }

// String prints "not X"; X is parenthesised unless it is a primary or a not.
func (e *NotExpr) String() string { return exprString(e) }

// String prints "Left op Right".
func (e *CompareExpr) String() string { return exprString(e) }

// String prints "coll/any(v:body)", "coll/all(v:body)" or "coll/any()".
func (e *LambdaExpr) String() string { return exprString(e) }

// String prints "func(property,'value')".
func (e *StringCall) String() string {
	return e.Func + "(" + e.Property.String() + "," + e.Value.String() + ")"
}

// String prints the fully qualified call with named parameters.
func (e *QueryFunc) String() string {
	var b strings.Builder
	b.WriteString(queryFuncNamespace + e.Name + "(PropertyName=")
	b.WriteString(quoteString(e.Property.String()))
	switch sig, _ := lookupQueryFunc(e.Name); sig.shape {
	case shapeValue:
		if len(e.Values) > 0 {
			b.WriteString(",PropertyValue=" + e.Values[0].String())
		}
	case shapePair:
		for i, v := range e.Values {
			b.WriteString(",PropertyValue" + strconv.Itoa(i+1) + "=" + v.String())
		}
	case shapeValues:
		b.WriteString(",PropertyValues=[")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v.listString())
		}
		b.WriteByte(']')
	}
	b.WriteByte(')')
	return b.String()
}

// String joins the variable and segments with '/'.
func (e *PropertyPath) String() string {
	s := strings.Join(e.Segments, "/")
	if e.Var != "" {
		if s == "" {
			return e.Var
		}
		return e.Var + "/" + s
	}
	return s
}

// String prints the literal in OData syntax.
func (e *Literal) String() string {
	switch e.Kind {
	case KindString:
		return quoteString(e.Value.(string))
	case KindInt:
		return strconv.FormatInt(e.Value.(int64), 10)
	case KindDecimal:
		s := strconv.FormatFloat(e.Value.(float64), 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0" // keep it a decimal when printed back
		}
		return s
	case KindBool:
		return strconv.FormatBool(e.Value.(bool))
	case KindGUID:
		return e.Value.(GUID).String()
	case KindDate:
		return e.Value.(time.Time).Format(time.DateOnly)
	case KindDateTimeOffset:
		return e.Value.(time.Time).Format(time.RFC3339Nano)
	}
	return "null"
}

// listString prints a literal as an element of a PropertyValues list: strings
// containing a single quote use JSON double quotes, which is what Dataverse
// requires there.
func (e *Literal) listString() string {
	if s, ok := e.Value.(string); ok && e.Kind == KindString && strings.Contains(s, "'") {
		return quoteJSON(s)
	}
	return e.String()
}

// quoteString writes an OData string literal, doubling single quotes.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteJSON writes a JSON string without HTML escaping.
func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
