package sqlgen

import (
	"database/sql"
	"slices"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// Scanner reads one result row: *sql.Row, *sql.Rows, or a row of another driver.
type Scanner interface{ Scan(dest ...any) error }

// Select is a compiled connector query: its SQL, its arguments and how to read its rows.
type Select struct {
	SQL   string
	Args  []any
	joins []*join
	sorts []sortValue
}

// SelectConnectors compiles q into one SELECT over the connectors table "c", LEFT JOINed to
// the records of q.Lookups and of the lookups its filter and order read, filtered by q.Filter
// and the keyset position q.After, in q's order with the key as the last tie-break, limited
// to q.Top rows. Errors are *connectorhub.Error with ECodeQuery (or ECodeBadRequest for an
// unknown property).
func SelectConnectors(d Dialect, env Env, q connectorhub.ConnectorQuery) (*Select, error) {
	b := NewBuilder(d).WithEnv(env)
	s := &Select{}
	cols := make([]string, len(connectorhub.StoredColumns))
	for i, col := range connectorhub.StoredColumns {
		cols[i] = "c." + col.Stored
		// A large column is read only when named; with KeysOnly, only the key and the order's
		// columns are (an index can then answer the query without reading the rows).
		if (col.Large || q.KeysOnly && col.Stored != connectorhub.ConnectorPrimaryID) && !q.Reads(col.Name) {
			cols[i] = emptyOf(col)
		}
	}
	var outer []*join // the expanded lookups, then those the order reads
	for _, nav := range q.Lookups {
		j, ok := joins[nav]
		if !ok {
			return nil, unsupported("expanding '" + nav + "'")
		}
		if j == nil || slices.Contains(outer, j) {
			continue // always null (createdonbehalfby), or joined already
		}
		outer = append(outer, j)
		s.joins = append(s.joins, j)
		cols = append(cols, j.cols...)
	}
	for _, j := range b.joinsOf(nil, q.OrderBy) {
		if !slices.Contains(outer, j) {
			outer = append(outer, j)
		}
	}
	related := false
	for _, item := range q.OrderBy {
		if !isRelated(item.Path) {
			continue
		}
		col, err := b.orderColumn(item.Path)
		if err != nil {
			return nil, err
		}
		related = true
		cols = append(cols, col.SQL)
		s.sorts = append(s.sorts, sortValue{path: item.Path.String(), kind: col.Kind})
	}
	b.Write("SELECT " + strings.Join(cols, ", ") + " FROM " + Connectors.from() + joinSQL(outer))
	c := connectorConds(q)
	if related && q.Top > 0 {
		// No index gives the order of a related record's value, so the rows are sorted. The
		// keys are sorted and limited first, on their own: sorting whole rows would read every
		// definition (~75 KB a row) to keep q.Top of them.
		b.Write(" WHERE c.connectorid IN (SELECT c.connectorid FROM " + Connectors.from() + joinSQL(b.joinsOf(c.filters, q.OrderBy)))
		if err := b.where(c, false); err != nil {
			return nil, err
		}
		b.Write(" ORDER BY ")
		if err := b.OrderBy(q.OrderBy); err != nil {
			return nil, err
		}
		b.Write(" LIMIT ").Bind(q.Top).Write(")")
	} else if err := b.where(c, !connectorhub.AtMostOneRow(q.Filter)); err != nil { // a look-up by a unique index: no narrowing
		return nil, err
	}
	b.Write(" ORDER BY ")
	if err := b.OrderBy(q.OrderBy); err != nil {
		return nil, err
	}
	if bound := connectorhub.MaxRows(q.Filter); q.Top > 0 && !related && (bound == 0 || bound > q.Top) {
		// A LIMIT the filter makes moot is left out: SQLite compiles a statement with a bound
		// LIMIT and an IN list of many keys again at every run (a page's second pass reads its
		// records so, scanPage in webapi: 0.5 ms a page of full records; TestStatementsNotRecompiled).
		b.Write(" LIMIT ").Bind(q.Top)
	}
	s.SQL, s.Args = b.SQL(), b.Args()
	return s, nil
}

// CountConnectors compiles the count of the rows q's filter selects, ignoring its order,
// position and columns. With limit > 0 the count stops at limit, so that a capped
// @odata.count never costs more than reading that many keys.
func CountConnectors(d Dialect, env Env, q connectorhub.ConnectorQuery, limit int) (sqlText string, args []any, err error) {
	return count(NewBuilder(d).WithEnv(env), conds{filters: []odata.Expr{q.Filter}}, limit)
}

// count compiles the count of the rows of the builder's table that c selects, stopping at
// limit when it is > 0.
func count(b *Builder, c conds, limit int) (sqlText string, args []any, err error) {
	from := b.t.from() + joinSQL(b.joinsOf(c.filters, nil))
	if limit > 0 {
		b.Write("SELECT COUNT(*) FROM (SELECT 1 FROM " + from)
	} else {
		b.Write("SELECT COUNT(*) FROM " + from)
	}
	if err := b.where(c, false); err != nil {
		return "", nil, err
	}
	if limit > 0 {
		b.Write(" LIMIT ").Bind(limit).Write(") n")
	}
	return b.SQL(), b.Args(), nil
}

// connectorConds are the conditions of a connector query.
func connectorConds(q connectorhub.ConnectorQuery) conds {
	return conds{filters: []odata.Expr{q.Filter}, orderBy: q.OrderBy, after: q.After}
}

// Scan reads one row of the query into a connector and its related records.
func (s *Select) Scan(row Scanner) (*connectorhub.ConnectorRow, error) {
	var c connectorhub.Connector
	dest, finish := RowDest(&c)
	reads := make([]func(*connectorhub.ConnectorRow), len(s.joins))
	for i, j := range s.joins {
		var d []any
		d, reads[i] = j.scan()
		dest = append(dest, d...)
	}
	sorts := make([]func() any, len(s.sorts))
	for i, sv := range s.sorts {
		var d any
		d, sorts[i] = sv.scan()
		dest = append(dest, d)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	finish()
	r := &connectorhub.ConnectorRow{Connector: &c}
	if len(sorts) > 0 {
		r.SortValues = make(map[string]any, len(sorts))
		for i, sv := range s.sorts {
			r.SortValues[sv.path] = sorts[i]()
		}
	}
	if len(reads) > 0 {
		r.Related = map[string]*connectorhub.RelatedRecord{}
		for _, read := range reads {
			read(r)
		}
	}
	return r, nil
}

// join is a LEFT JOIN to the records some navigation properties point to.
type join struct {
	sql  string
	cols []string
	// scan returns the destinations of cols and a function that stores what they read.
	scan func() ([]any, func(*connectorhub.ConnectorRow))
}

// joins maps each expandable navigation property to its join; nil for the lookups that are
// always null.
var joins = func() map[string]*join {
	owner := &join{
		sql: "LEFT JOIN systemusers ou ON c.owneridtype = 'systemuser' AND ou.systemuserid = c.ownerid" +
			" LEFT JOIN teams ot ON c.owneridtype = 'team' AND ot.teamid = c.ownerid",
		cols: append(userCols("ou"), "ot.teamid", "ot.name", "ot.businessunitid"),
		scan: func() ([]any, func(*connectorhub.ConnectorRow)) {
			ud, user := scanUser()
			var id, name, bu sql.NullString
			return append(ud, &id, &name, &bu), func(r *connectorhub.ConnectorRow) {
				var owner, u, t *connectorhub.RelatedRecord
				if su := user(); su != nil {
					u = &connectorhub.RelatedRecord{User: su}
					owner = u
				}
				if id.Valid {
					t = &connectorhub.RelatedRecord{Team: &connectorhub.Team{ID: id.String, Name: name.String, BusinessUnitID: bu.String}}
					owner = t
				}
				r.Related["ownerid"], r.Related["owninguser"], r.Related["owningteam"] = owner, u, t
			}
		},
	}
	bu := &join{
		sql:  "LEFT JOIN businessunits ob ON ob.businessunitid = c.owningbusinessunit",
		cols: []string{"ob.businessunitid", "ob.name", "ob.parentbusinessunitid"},
		scan: func() ([]any, func(*connectorhub.ConnectorRow)) {
			var id, name, parent sql.NullString
			return []any{&id, &name, &parent}, func(r *connectorhub.ConnectorRow) {
				var rec *connectorhub.RelatedRecord
				if id.Valid {
					rec = &connectorhub.RelatedRecord{BusinessUnit: &connectorhub.BusinessUnit{ID: id.String, Name: name.String, ParentID: parent.String}}
				}
				r.Related["owningbusinessunit"] = rec
			}
		},
	}
	userJoin := func(nav, alias, col string) *join {
		return &join{
			sql:  "LEFT JOIN systemusers " + alias + " ON " + alias + ".systemuserid = c." + col,
			cols: userCols(alias),
			scan: func() ([]any, func(*connectorhub.ConnectorRow)) {
				d, user := scanUser()
				return d, func(r *connectorhub.ConnectorRow) {
					var rec *connectorhub.RelatedRecord
					if su := user(); su != nil {
						rec = &connectorhub.RelatedRecord{User: su}
					}
					r.Related[nav] = rec
				}
			},
		}
	}
	return map[string]*join{
		"ownerid": owner, "owninguser": owner, "owningteam": owner, "owningbusinessunit": bu,
		"createdby":  userJoin("createdby", "cu", "createdby"),
		"modifiedby": userJoin("modifiedby", "mu", "modifiedby"),
		// Never set: ConnectorHub does not act on behalf of another user yet.
		"createdonbehalfby": nil, "modifiedonbehalfby": nil,
	}
}()

func userCols(alias string) []string {
	cols := []string{"systemuserid", "fullname", "internalemailaddress", "azureactivedirectoryobjectid", "businessunitid", "createdon"}
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return cols
}

// scanUser returns the destinations of userCols and a function that builds the user, or
// returns nil when the join found none.
func scanUser() ([]any, func() *connectorhub.SystemUser) {
	var id, name, email, oid, bu sql.NullString
	var created sql.NullInt64
	return []any{&id, &name, &email, &oid, &bu, &created}, func() *connectorhub.SystemUser {
		if !id.Valid {
			return nil
		}
		return &connectorhub.SystemUser{ID: id.String, FullName: name.String, Email: email.String,
			AADObjectID: oid.String, BusinessUnitID: bu.String, CreatedOn: time.Unix(created.Int64, 0).UTC()}
	}
}

// keyset returns the condition that selects the rows after the position vals in the order
// o + the table's key, written in the expanded form (k1 after v1) OR (k1 = v1 AND k2 after v2) OR …,
// which every engine runs and which handles a mix of directions. "After" agrees with
// OrderBy: text without regard to case, nulls first ascending and last descending. A range
// on the first key is ANDed in front so that an index on it can seek rather than scan.
func (b *Builder) keyset(o odata.OrderBy, vals []any) (string, error) {
	type key struct {
		col  Column
		desc bool
		val  any
	}
	if len(vals) != len(o)+1 {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The $skiptoken does not match the $orderby of this request.")
	}
	keys := make([]key, 0, len(vals))
	for i, item := range o {
		col, err := b.orderColumn(item.Path)
		if err != nil {
			return "", err
		}
		keys = append(keys, key{col, item.Desc, nil})
		if keys[i].val, err = keyValue(col, vals[i]); err != nil {
			return "", err
		}
	}
	keyCol := b.t.Columns[b.t.Key]
	id, err := keyValue(keyCol, vals[len(o)])
	if err != nil || id == nil {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The $skiptoken is invalid or has been modified.")
	}
	keys = append(keys, key{keyCol, false, id})

	// Placeholders may be positional ("?"), so every value is bound in the order of the text:
	// the leading range first.
	lead := ""
	if first := keys[0]; len(keys) > 1 && first.val != nil {
		switch {
		case !first.desc:
			lead = b.cmp(first.col, odata.Ge, b.param(first.val)) + " AND "
		case !first.col.Nullable:
			lead = b.cmp(first.col, odata.Le, b.param(first.val)) + " AND "
		}
	}
	var terms []string
	for i, k := range keys {
		if k.val == nil && k.desc {
			continue // nothing sorts after a null descending; bind nothing for this term
		}
		var parts []string
		for _, prev := range keys[:i] {
			parts = append(parts, b.keyEqual(prev.col, prev.val))
		}
		after := b.keyAfter(k.col, k.desc, k.val)
		if after == "" {
			continue // nothing sorts after a null descending
		}
		terms = append(terms, "("+strings.Join(append(parts, after), " AND ")+")")
	}
	if len(terms) == 0 {
		return "(1 = 0)", nil // only when the key itself were null, which it never is
	}
	return "(" + lead + "(" + strings.Join(terms, " OR ") + "))", nil
}

func (b *Builder) keyEqual(col Column, v any) string {
	if v == nil {
		return "(" + col.SQL + " IS NULL)"
	}
	return b.cmp(col, odata.Eq, b.param(v))
}

// keyAfter is the condition "col sorts after v"; "" when nothing does.
func (b *Builder) keyAfter(col Column, desc bool, v any) string {
	switch {
	case v == nil && !desc:
		return "(" + col.SQL + " IS NOT NULL)"
	case v == nil:
		return ""
	case !desc:
		return b.cmp(col, odata.Gt, b.param(v))
	case col.Nullable:
		return "(" + b.cmp(col, odata.Lt, b.param(v)) + " OR " + col.SQL + " IS NULL)"
	}
	return b.cmp(col, odata.Lt, b.param(v))
}

// keyValue converts a value of a $skiptoken to the stored form of the column.
func keyValue(col Column, v any) (any, error) {
	bad := func() error {
		return connectorhub.Errorf(connectorhub.ECodeQuery, "The $skiptoken holds a %T where a value of type %s is expected.", v, col.Kind.EdmType())
	}
	if v == nil {
		return nil, nil
	}
	switch col.Kind {
	case connectorhub.KindDateTime:
		switch t := v.(type) {
		case time.Time:
			return t.Unix(), nil
		case string:
			tt, err := time.Parse(time.RFC3339Nano, t)
			if err != nil {
				return nil, bad()
			}
			return tt.Unix(), nil
		}
	case connectorhub.KindGUID, connectorhub.KindLookup:
		switch g := v.(type) {
		case odata.GUID:
			return g.String(), nil
		case string:
			return strings.ToLower(g), nil
		}
	case connectorhub.KindString, connectorhub.KindMultiChoice:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case connectorhub.KindBool:
		if t, ok := v.(bool); ok {
			if t {
				return 1, nil
			}
			return 0, nil
		}
	default:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64, float64:
			return n, nil
		}
	}
	return nil, bad()
}
