package odata

// Inspect walks e depth-first, calling f for each node; when f returns false
// the node's children are skipped. It is how a caller finds every property a
// filter uses (to check it against metadata) or every literal (to bind it).
func Inspect(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch e := e.(type) {
	case *LogicalExpr:
		Inspect(e.Left, f)
		Inspect(e.Right, f)
	case *NotExpr:
		Inspect(e.X, f)
	case *CompareExpr:
		Inspect(e.Left, f)
		Inspect(e.Right, f)
	case *StringCall:
		Inspect(e.Property, f)
		Inspect(e.Value, f)
	case *QueryFunc:
		Inspect(e.Property, f)
		for _, v := range e.Values {
			Inspect(v, f)
		}
	case *LambdaExpr:
		Inspect(e.Collection, f)
		Inspect(e.Body, f)
	}
}

// Properties returns every property path in e, in source order, including
// lambda collections and paths relative to lambda variables (Var set).
func Properties(e Expr) []*PropertyPath {
	var out []*PropertyPath
	Inspect(e, func(n Expr) bool {
		if p, ok := n.(*PropertyPath); ok {
			out = append(out, p)
		}
		return true
	})
	return out
}
