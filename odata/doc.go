// Package odata parses the system query options of a Dataverse-compatible
// OData v4 Web API request ($filter, $select, $orderby, $top, $count,
// $expand, $apply), the Prefer header, and $skiptoken paging cookies. It knows
// nothing of SQL, storage or HTTP: it turns text into a typed AST and back.
//
// # The AST
//
// ParseQuery returns a *Query. Its Filter (and the Filter of each ExpandItem,
// and of a FilterStep in $apply) is an Expr, one of:
//
//   - *LogicalExpr: Left and/or Right.
//   - *NotExpr: not X.
//   - *CompareExpr: Left eq|ne|gt|ge|lt|le Right, where each side is a
//     *PropertyPath or a *Literal and at least one side is a property.
//   - *StringCall: contains/startswith/endswith(Property, 'value').
//   - *QueryFunc: Microsoft.Dynamics.CRM.<Name>(PropertyName=…, …) with the
//     named parameters resolved into Property and Values by the function's
//     signature (In: n values, Between: 2, LastXDays: 1, Today: 0, …).
//   - *LambdaExpr: Collection/any(Var:Body) or /all(…).
//   - *PropertyPath: a column, a lookup traversal (ownerid/fullname), a
//     lookup property (_ownerid_value) or a path from a lambda variable.
//   - *Literal: a typed constant; Kind says which Go type Value holds
//     (string, int64, float64, bool, GUID, time.Time, or nil for null).
//
// Parameter aliases (@p1) are resolved while parsing, so the AST holds only
// literals and paths; there is no parenthesis node, since the tree's shape
// already encodes grouping. Every node records the byte offset where it
// starts in the option value, so a caller that rejects a property name (the
// parser does not know the metadata) can report it with NewError at that
// position. Properties and Inspect list the paths to check.
//
// # Translating to SQL
//
// A translator walks the Expr recursively with a type switch and emits
// parameterised SQL, one bound argument per *Literal (never splicing text):
//
//   - LogicalExpr → "(L AND R)" / "(L OR R)"; NotExpr → "NOT (X)".
//   - CompareExpr → "col op ?"; a KindNull literal with eq/ne becomes
//     "col IS NULL" / "col IS NOT NULL". Comparisons are between columns or
//     a column and a value, on either side.
//   - StringCall → "col LIKE ?" with '%' added before and/or after the
//     value; Dataverse passes SQL wildcards inside the value through.
//   - QueryFunc → a per-Name rule (In → "col IN (?, …)", Between →
//     "col BETWEEN ? AND ?", LastXDays → "col >= now - N days", EqualUserId →
//     "col = <caller id>"). Unknown names never reach the translator.
//   - LambdaExpr → "EXISTS (SELECT 1 FROM child WHERE child.fk = parent.pk
//     AND Body)" for any, and "NOT EXISTS (… AND NOT (Body))" for all;
//     paths with Var set refer to the child row.
//   - PropertyPath with several segments → a join through the lookups.
//
// OrderBy and SkipToken drive keyset paging: the translator turns the last
// row's SortValues and key into "(k1, k2, id) > (?, ?, ?)" (per-column
// direction aware), never OFFSET.
//
// Every String method prints valid OData that parses back to an equal tree
// (positions aside), which the fuzz test checks.
//
// # Errors
//
// Every client mistake is an *Error carrying the option, its text and the
// position; its message follows Dataverse, e.g. "Syntax error at position 8
// in 'name eq and'.". Callers map it to HTTP 400 with code 0x80060888.
package odata
