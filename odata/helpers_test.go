package odata

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ignoreOffsets compares trees by shape and values only.
var ignoreOffsets = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "Offset"
}, cmp.Ignore())

func prop(segs ...string) *PropertyPath { return &PropertyPath{Segments: segs} }
func varPath(v string, segs ...string) *PropertyPath {
	return &PropertyPath{Var: v, Segments: segs}
}
func str(s string) *Literal     { return &Literal{Kind: KindString, Value: s} }
func i64(n int64) *Literal      { return &Literal{Kind: KindInt, Value: n} }
func dec(f float64) *Literal    { return &Literal{Kind: KindDecimal, Value: f} }
func boolean(b bool) *Literal   { return &Literal{Kind: KindBool, Value: b} }
func null() *Literal            { return &Literal{Kind: KindNull} }
func guidLit(s string) *Literal { return &Literal{Kind: KindGUID, Value: mustGUID(s)} }
func dateLit(s string) *Literal { return &Literal{Kind: KindDate, Value: mustTime(time.DateOnly, s)} }
func dtLit(s string) *Literal {
	return &Literal{Kind: KindDateTimeOffset, Value: mustTime(time.RFC3339Nano, s)}
}
func not(x Expr) *NotExpr        { return &NotExpr{X: x} }
func and(l, r Expr) *LogicalExpr { return &LogicalExpr{Op: And, Left: l, Right: r} }
func or(l, r Expr) *LogicalExpr  { return &LogicalExpr{Op: Or, Left: l, Right: r} }
func eq(l, r Expr) *CompareExpr  { return &CompareExpr{Op: Eq, Left: l, Right: r} }
func cmpx(op CompareOp, l, r Expr) *CompareExpr {
	return &CompareExpr{Op: op, Left: l, Right: r}
}
func call(fn string, p *PropertyPath, v string) *StringCall {
	return &StringCall{Func: fn, Property: p, Value: str(v)}
}
func qf(name, property string, values ...*Literal) *QueryFunc {
	return &QueryFunc{Name: name, Property: prop(property), Values: values}
}

func mustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

func mustTime(layout, s string) time.Time {
	t, err := time.Parse(layout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// mustODataError asserts that err is an *Error and returns it.
func mustODataError(tb testing.TB, err error) *Error {
	tb.Helper()
	var oe *Error
	if !errors.As(err, &oe) {
		tb.Fatalf("got error %v (%T), want *odata.Error", err, err)
	}
	return oe
}
