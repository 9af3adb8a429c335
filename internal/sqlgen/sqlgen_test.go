package sqlgen

import (
	"fmt"
	"strings"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// numbered is a dialect with numbered placeholders ($1, $2, …), so that tests can check that
// every placeholder has its argument, in order.
type numbered struct{}

func (numbered) Placeholder(n int) string { return fmt.Sprintf("$%d", n) }
func (numbered) CompareText(l, op, r string) string {
	return "lower(" + l + ") " + op + " lower(" + r + ")"
}
func (numbered) Like(e, p string) string       { return e + " ILIKE " + p }
func (numbered) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }
func (numbered) OrderText(e string) string     { return "lower(" + e + ")" }
func (numbered) JoinText(e, sep string) string { return "string_agg(" + e + ", " + sep + ")" }
func (numbered) NullsOrder(desc bool) string {
	if desc {
		return "NULLS LAST"
	}
	return "NULLS FIRST"
}

var env = Env{Now: time.Date(2024, 3, 13, 15, 30, 0, 0, time.UTC), UserID: "11111111-1111-1111-1111-111111111111", BusinessUnitID: "22222222-2222-2222-2222-222222222222"}

func mustQuery(t *testing.T, filter, orderby string) connectorhub.ConnectorQuery {
	t.Helper()
	var q connectorhub.ConnectorQuery
	var err error
	if filter != "" {
		if q.Filter, err = odata.ParseFilter(filter, nil); err != nil {
			t.Fatal(err)
		}
	}
	if orderby != "" {
		if q.OrderBy, err = odata.ParseOrderBy(orderby, nil); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// checkBound fails when the SQL has a placeholder without its argument (or the reverse), or
// holds text that only a request could have put there.
func checkBound(t *testing.T, sql string, args []any, forbidden ...string) {
	t.Helper()
	for i := range args {
		if !strings.Contains(sql, fmt.Sprintf("$%d", i+1)) {
			t.Errorf("argument %d (%v) has no placeholder in %s", i+1, args[i], sql)
		}
	}
	if strings.Contains(sql, fmt.Sprintf("$%d", len(args)+1)) {
		t.Errorf("placeholder $%d has no argument in %s", len(args)+1, sql)
	}
	for _, f := range forbidden {
		if strings.Contains(sql, f) {
			t.Errorf("the SQL holds %q from the request: %s", f, sql)
		}
	}
}

func TestValuesAreBound(t *testing.T) {
	for _, tt := range []struct {
		filter    string
		forbidden []string
	}{
		{"name eq 'x'' OR 1=1 --'", []string{"OR 1=1"}},
		{"contains(displayname,''');DROP TABLE connectors;--')", []string{"DROP"}},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=[\"a') OR ('1'='1\",'b'])", []string{"'1'='1"}},
		{"Microsoft.Dynamics.CRM.Between(PropertyName='createdon',PropertyValues=['2024-01-01','2024-02-01'])", []string{"2024"}},
		{"Microsoft.Dynamics.CRM.ContainValues(PropertyName='capabilities',PropertyValues=['118690000'])", []string{"118690000"}},
		{"Microsoft.Dynamics.CRM.EqualUserId(PropertyName='_ownerid_value')", []string{env.UserID}},
		{"Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=3) and description eq 'UNION'", []string{"UNION"}},
		{"connectorid eq 00000000-0000-0000-0000-000000000004 or versionnumber gt 12345", []string{"12345", "00000000-0000-0000-0000-000000000004"}},
		{"ownerid/fullname eq 'x'' OR 1=1 --' or startswith(createdby/internalemailaddress,'a'') UNION SELECT')", []string{"OR 1=1", "UNION"}},
		{"owningbusinessunit/name eq 'DROP' and modifiedby/createdon lt 2024-01-01", []string{"DROP", "2024"}},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			s, err := SelectConnectors(numbered{}, env, mustQuery(t, tt.filter, "displayname desc"))
			if err != nil {
				t.Fatal(err)
			}
			checkBound(t, s.SQL, s.Args, tt.forbidden...)
		})
	}
}

// TestKeyset checks the keyset condition, and that its arguments come in the order of the
// text: the leading range first.
func TestKeyset(t *testing.T) {
	for _, tt := range []struct {
		orderby string
		after   []any
		where   string
		args    string
	}{
		{"", []any{"00000000-0000-0000-0000-000000000001"},
			" WHERE ((((c.connectorid > $1))))", "[00000000-0000-0000-0000-000000000001]"},
		{"displayname desc", []any{"Same", "00000000-0000-0000-0000-000000000001"},
			" WHERE ((lower(c.displayname) <= lower($1)) AND (((lower(c.displayname) < lower($2))) OR ((lower(c.displayname) = lower($3)) AND (c.connectorid > $4))))",
			"[Same Same Same 00000000-0000-0000-0000-000000000001]"},
		{"description desc", []any{"d", "00000000-0000-0000-0000-000000000001"},
			" WHERE (((((lower(c.description) < lower($1)) OR c.description IS NULL)) OR ((lower(c.description) = lower($2)) AND (c.connectorid > $3))))",
			"[d d 00000000-0000-0000-0000-000000000001]"},
		{"description,modifiedon desc", []any{nil, time.Unix(100, 0), "00000000-0000-0000-0000-000000000001"},
			" WHERE ((((c.description IS NOT NULL)) OR ((c.description IS NULL) AND (c.modifiedon < $1)) OR ((c.description IS NULL) AND (c.modifiedon = $2) AND (c.connectorid > $3))))",
			"[100 100 00000000-0000-0000-0000-000000000001]"},
		{"description desc", []any{nil, "00000000-0000-0000-0000-000000000001"},
			" WHERE ((((c.description IS NULL) AND (c.connectorid > $1))))", "[00000000-0000-0000-0000-000000000001]"},
	} {
		t.Run(tt.orderby, func(t *testing.T) {
			q := mustQuery(t, "", tt.orderby)
			q.After = tt.after
			s, err := SelectConnectors(numbered{}, env, q)
			if err != nil {
				t.Fatal(err)
			}
			where := s.SQL[strings.Index(s.SQL, " WHERE"):strings.Index(s.SQL, " ORDER BY")]
			if where != tt.where || fmt.Sprint(s.Args) != tt.args {
				t.Errorf("got\n%s %v\nwant\n%s %s", where, s.Args, tt.where, tt.args)
			}
			checkBound(t, s.SQL, s.Args)
		})
	}
}

func TestOrderByNulls(t *testing.T) {
	s, err := SelectConnectors(numbered{}, env, mustQuery(t, "", "description desc,name,modifiedon desc"))
	if err != nil {
		t.Fatal(err)
	}
	const want = " ORDER BY lower(c.description) DESC NULLS LAST, lower(c.name), c.modifiedon DESC, c.connectorid"
	if !strings.HasSuffix(s.SQL, want) {
		t.Errorf("got %s, want it to end with %s", s.SQL, want)
	}
}

// TestDateFunctions checks the ranges of the date functions at a fixed time: Wednesday
// 13 March 2024, 15:30 UTC.
func TestDateFunctions(t *testing.T) {
	ts := func(s string) string {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return fmt.Sprint(t.Unix())
	}
	for _, tt := range []struct{ fn, want string }{
		{"Today(PropertyName='createdon')", ts("2024-03-13T00:00:00Z") + " " + ts("2024-03-14T00:00:00Z")},
		{"Yesterday(PropertyName='createdon')", ts("2024-03-12T00:00:00Z") + " " + ts("2024-03-13T00:00:00Z")},
		{"LastXDays(PropertyName='createdon',PropertyValue=2)", ts("2024-03-11T00:00:00Z") + " " + ts("2024-03-13T15:30:01Z")},
		{"NextXDays(PropertyName='createdon',PropertyValue=2)", ts("2024-03-13T15:30:00Z") + " " + ts("2024-03-16T00:00:00Z")},
		{"LastXHours(PropertyName='createdon',PropertyValue=3)", ts("2024-03-13T12:30:00Z") + " " + ts("2024-03-13T15:30:01Z")},
		{"ThisWeek(PropertyName='createdon')", ts("2024-03-10T00:00:00Z") + " " + ts("2024-03-17T00:00:00Z")},
		{"LastMonth(PropertyName='createdon')", ts("2024-02-01T00:00:00Z") + " " + ts("2024-03-01T00:00:00Z")},
		{"OlderThanXDays(PropertyName='createdon',PropertyValue=1)", ts("2024-03-12T15:30:00Z")},
		{"On(PropertyName='createdon',PropertyValue=2024-03-01T23:00:00+02:00)", ts("2024-03-01T00:00:00Z") + " " + ts("2024-03-02T00:00:00Z")},
		{"OnOrAfter(PropertyName='createdon',PropertyValue='2024-03-01')", ts("2024-03-01T00:00:00Z")},
		{"OnOrBefore(PropertyName='createdon',PropertyValue=2024-03-01)", ts("2024-03-02T00:00:00Z")},
	} {
		t.Run(tt.fn, func(t *testing.T) {
			b := NewBuilder(numbered{}).WithEnv(env)
			if err := b.Where(mustQuery(t, "Microsoft.Dynamics.CRM."+tt.fn, "").Filter); err != nil {
				t.Fatal(err)
			}
			if got := strings.Trim(fmt.Sprint(b.Args()), "[]"); got != tt.want {
				t.Errorf("got %s (%s), want %s", got, b.SQL(), tt.want)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	for _, tt := range []struct{ filter, code string }{
		{"colour eq 1", connectorhub.ECodeBadRequest},
		{"connectortype eq 'one'", connectorhub.ECodeQuery},
		{"createdon eq 5", connectorhub.ECodeQuery},
		{"contains(connectortype,'1')", connectorhub.ECodeQuery},
		{"name eq displayname and connectortype eq createdon", connectorhub.ECodeQuery},
		{"Microsoft.Dynamics.CRM.Today(PropertyName='name')", connectorhub.ECodeQuery},
		{"Microsoft.Dynamics.CRM.ContainValues(PropertyName='name',PropertyValues=['1'])", connectorhub.ECodeQuery},
		{"Microsoft.Dynamics.CRM.InFiscalYear(PropertyName='createdon',PropertyValue=2024)", connectorhub.ECodeQuery},
		{"Microsoft.Dynamics.CRM.Under(PropertyName='connectorid',PropertyValue=00000000-0000-0000-0000-000000000001)", connectorhub.ECodeQuery},
		{"ownerid/businessunitid/name eq 'x'", connectorhub.ECodeQuery},
		{"ownerid/colour eq 'x'", connectorhub.ECodeBadRequest},
		{"owninguser/name eq 'x'", connectorhub.ECodeBadRequest},
		{"colour/name eq 'x'", connectorhub.ECodeBadRequest},
		{"createdby/createdon eq 'soon'", connectorhub.ECodeQuery},
		{"contains(owningbusinessunit/businessunitid,'1')", connectorhub.ECodeQuery},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := SelectConnectors(numbered{}, env, mustQuery(t, tt.filter, ""))
			if got := connectorhub.ErrorCode(err); got != tt.code {
				t.Errorf("got %v, want code %s", err, tt.code)
			}
		})
	}
	_, err := SelectConnectors(numbered{}, Env{Now: env.Now}, mustQuery(t, "Microsoft.Dynamics.CRM.EqualUserId(PropertyName='_ownerid_value')", ""))
	if connectorhub.ErrorCode(err) != connectorhub.ECodeQuery {
		t.Errorf("EqualUserId without a caller: got %v", err)
	}
}

// TestLookups checks the SQL of paths through lookups: a filter joins the lookup's record in
// the filter's own subquery; an order by a related value (a traversal, or a lookup, which
// sorts by its record's name) sorts and limits the keys first, selects the value it sorted by
// for the $skiptoken, and keeps the key as the last tie-break.
func TestLookups(t *testing.T) {
	const (
		owner   = "LEFT JOIN systemusers ou ON c.owneridtype = 'systemuser' AND ou.systemuserid = c.ownerid LEFT JOIN teams ot ON c.owneridtype = 'team' AND ot.teamid = c.ownerid"
		key     = "00000000-0000-0000-0000-000000000001"
		ownerBy = "lower(COALESCE(ou.fullname, ot.name))"
	)
	for _, tt := range []struct {
		name, filter, orderby string
		top                   int
		after                 []any
		lookups               []string
		want                  string // the SQL from the connector's last column
		args                  string
	}{
		{name: "FilterUser", filter: "owninguser/fullname eq 'Ada'",
			want: " FROM connectors c WHERE c.connectorid IN (SELECT c.connectorid FROM connectors c " + owner + " WHERE (lower(ou.fullname) = lower($1))) ORDER BY c.connectorid",
			args: "[Ada]"},
		{name: "FilterOwnerNameNotNull", filter: "not (ownerid/name eq 'x') or owningbusinessunit/name eq null or contains(createdby/internalemailaddress,'@')",
			want: " FROM connectors c WHERE c.connectorid IN (SELECT c.connectorid FROM connectors c " + owner + " LEFT JOIN businessunits ob ON ob.businessunitid = c.owningbusinessunit LEFT JOIN systemusers cu ON cu.systemuserid = c.createdby" +
				" WHERE ((NOT (" + ownerBy + " = lower($1))) OR ((ob.name IS NULL) OR (cu.internalemailaddress ILIKE $2)))) ORDER BY c.connectorid",
			args: "[x %@%]"},
		{name: "FilterTypes", filter: "modifiedby/createdon lt 2024-01-01 and owningteam/teamid eq " + key + " and createdonbehalfby/fullname eq null",
			want: " FROM connectors c WHERE c.connectorid IN (SELECT c.connectorid FROM connectors c LEFT JOIN systemusers mu ON mu.systemuserid = c.modifiedby " + owner +
				" WHERE ((mu.createdon < $1) AND ((ot.teamid = $2) AND (NULL IS NULL)))) ORDER BY c.connectorid",
			args: "[1704067200 " + key + "]"},
		{name: "OrderTop", orderby: "ownerid/fullname desc", top: 51,
			want: ", COALESCE(ou.fullname, ot.name) FROM connectors c " + owner + " WHERE c.connectorid IN (SELECT c.connectorid FROM connectors c " + owner +
				" ORDER BY " + ownerBy + " DESC NULLS LAST, c.connectorid LIMIT $1) ORDER BY " + ownerBy + " DESC NULLS LAST, c.connectorid",
			args: "[51]"},
		{name: "OrderLookupByNameAfter", orderby: "_ownerid_value", top: 5, after: []any{"Ada", key}, filter: "modifiedby/fullname ne 'x'", lookups: []string{"owninguser"},
			want: ", " + strings.Join(userCols("ou"), ", ") + ", ot.teamid, ot.name, ot.businessunitid, COALESCE(ou.fullname, ot.name) FROM connectors c " + owner +
				" WHERE c.connectorid IN (SELECT c.connectorid FROM connectors c LEFT JOIN systemusers mu ON mu.systemuserid = c.modifiedby " + owner +
				" WHERE (lower(mu.fullname) <> lower($1)) AND ((" + ownerBy + " >= lower($2)) AND (((" + ownerBy + " > lower($3))) OR ((" + ownerBy + " = lower($4)) AND (c.connectorid > $5))))" +
				" ORDER BY " + ownerBy + " NULLS FIRST, c.connectorid LIMIT $6) ORDER BY " + ownerBy + " NULLS FIRST, c.connectorid",
			args: "[x Ada Ada Ada " + key + " 5]"},
		{name: "OrderWithoutTop", orderby: "_owningbusinessunit_value,createdby/createdon desc",
			want: ", ob.name, cu.createdon FROM connectors c LEFT JOIN businessunits ob ON ob.businessunitid = c.owningbusinessunit LEFT JOIN systemusers cu ON cu.systemuserid = c.createdby" +
				" ORDER BY lower(ob.name) NULLS FIRST, cu.createdon DESC NULLS LAST, c.connectorid",
			args: "[]"},
		{name: "OrderNullLookup", orderby: "_createdonbehalfby_value desc", after: []any{nil, key},
			want: ", NULL FROM connectors c WHERE ((((NULL IS NULL) AND (c.connectorid > $1)))) ORDER BY lower(NULL) DESC NULLS LAST, c.connectorid",
			args: "[" + key + "]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := mustQuery(t, tt.filter, tt.orderby)
			q.Top, q.After, q.Lookups = tt.top, tt.after, tt.lookups
			s, err := SelectConnectors(numbered{}, env, q)
			if err != nil {
				t.Fatal(err)
			}
			got := s.SQL[strings.Index(s.SQL, "c.versionnumber")+len("c.versionnumber"):]
			if got != tt.want || fmt.Sprint(s.Args) != tt.args {
				t.Errorf("got\n%s %v\nwant\n%s %s", got, s.Args, tt.want, tt.args)
			}
			checkBound(t, s.SQL, s.Args)
		})
	}
}

// TestLookupCounts checks that counts and aggregates join what their filters read.
func TestLookupCounts(t *testing.T) {
	q := mustQuery(t, "owningteam/name eq 'Makers'", "")
	text, args, err := CountConnectors(numbered{}, env, q, 5001)
	const want = "SELECT COUNT(*) FROM (SELECT 1 FROM connectors c LEFT JOIN systemusers ou ON c.owneridtype = 'systemuser' AND ou.systemuserid = c.ownerid LEFT JOIN teams ot ON c.owneridtype = 'team' AND ot.teamid = c.ownerid WHERE (lower(ot.name) = lower($1)) LIMIT $2) n"
	if err != nil || text != want || fmt.Sprint(args) != "[Makers 5001]" {
		t.Errorf("got %s %v %v\nwant %s", text, args, err, want)
	}
	apply, err := odata.ParseApply("filter(createdby/fullname eq 'Ada')/groupby((connectortype))")
	if err != nil {
		t.Fatal(err)
	}
	a, err := AggregateConnectors(numbered{}, env, connectorhub.ConnectorQuery{Apply: apply})
	if err != nil || !strings.Contains(a.SQL, "FROM connectors c LEFT JOIN systemusers cu ON cu.systemuserid = c.createdby WHERE (lower(cu.fullname) = lower($1))") {
		t.Errorf("got %v %v", a, err)
	}
	for _, bad := range []string{"groupby((ownerid/fullname))", "aggregate(createdby/createdon with max as m)"} {
		apply, err := odata.ParseApply(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := AggregateConnectors(numbered{}, env, connectorhub.ConnectorQuery{Apply: apply}); connectorhub.ErrorCode(err) != connectorhub.ECodeQuery {
			t.Errorf("%s: got %v, want code %s", bad, err, connectorhub.ECodeQuery)
		}
	}
}
