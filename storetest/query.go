package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// queryTests are the contract's query cases, run by Run.
var queryTests = []struct {
	name string
	fn   func(t *testing.T, s Store, ctx context.Context)
}{
	{"QueryFunctions", testQueryFunctions},
	{"KeysetPaging", testKeysetPaging},
	{"QueryColumns", testQueryColumns},
	{"QueryLookups", testQueryLookups},
	{"ThroughLookups", testThroughLookups},
	{"PagingByRelatedName", testPagingByRelatedName},
	{"CountCapped", testCountCapped},
	{"Aggregate", testAggregate},
	{"PagingKey", testPagingKey},
}

// mustCreateWith creates connector n with changes to its create columns.
func mustCreateWith(tb testing.TB, s Store, ctx context.Context, n int, change func(u *connectorhub.ConnectorUpdate)) *connectorhub.Connector {
	tb.Helper()
	u := NewUpdate(n)
	if change != nil {
		change(u)
	}
	c, err := connectorhub.NewConnector("", u)
	if err != nil {
		tb.Fatalf("NewConnector: %v", err)
	}
	if err := s.CreateConnector(ctx, c); err != nil {
		tb.Fatalf("CreateConnector: %v", err)
	}
	return c
}

// numbersOf lists connectors by their number (the end of their name), in order.
func numbersOf(cs []*connectorhub.Connector) string {
	var ns []string
	for _, c := range cs {
		ns = append(ns, strings.TrimPrefix(c.Name, "cr736_connector"))
	}
	return strings.Join(ns, ",")
}

func mustFilter(tb testing.TB, f string) odata.Expr {
	tb.Helper()
	e, err := odata.ParseFilter(f, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func testQueryFunctions(t *testing.T, s Store, ctx context.Context) {
	user := &connectorhub.SystemUser{ID: "00000000-0000-0000-0000-000000000005", FullName: "Ada"}
	if err := s.CreateSystemUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	caps := []string{"118690000,118690005", "118690001", "", "118690005"}
	for i := 1; i <= 4; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) {
			u.ConnectorType = ptr(i % 3)
			if caps[i-1] != "" {
				u.Capabilities = ptr(caps[i-1])
			}
			if i%2 == 0 {
				u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: user.ID}
			}
		})
	}
	for _, tt := range []struct{ filter, want string }{
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['CR736_CONNECTOR1','cr736_connector3'])", "1,3"},
		{"Microsoft.Dynamics.CRM.NotIn(PropertyName='connectortype',PropertyValues=['1'])", "2,3"},
		{"Microsoft.Dynamics.CRM.Between(PropertyName='connectortype',PropertyValues=[\"1\",\"2\"])", "1,2,4"},
		{"Microsoft.Dynamics.CRM.NotBetween(PropertyName='connectortype',PropertyValues=[1,2])", "3"},
		{"Microsoft.Dynamics.CRM.ContainValues(PropertyName='capabilities',PropertyValues=['118690005'])", "1,4"},
		{"Microsoft.Dynamics.CRM.DoesNotContainValues(PropertyName='capabilities',PropertyValues=['118690005','118690001'])", "3"},
		{"Microsoft.Dynamics.CRM.EqualUserId(PropertyName='_ownerid_value')", "1,3"},
		{"Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName='_createdby_value')", ""},
		{"Microsoft.Dynamics.CRM.EqualBusinessId(PropertyName='_owningbusinessunit_value')", "1,2,3,4"},
		{"Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=1)", "1,2,3,4"},
		{"Microsoft.Dynamics.CRM.LastXHours(PropertyName='modifiedon',PropertyValue=1)", "1,2,3,4"},
		{"Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName='createdon',PropertyValue=1)", ""},
		{"Microsoft.Dynamics.CRM.NextXDays(PropertyName='createdon',PropertyValue=1) and createdon gt 2100-01-01", ""},
		{"name eq 'x'' OR 1=1 --' or contains(name,''';DELETE FROM connectors;--')", ""},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			cs, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustFilter(t, tt.filter)})
			if err != nil {
				t.Fatal(err)
			}
			if got := numbersOf(cs); got != tt.want {
				t.Errorf("got [%s], want [%s]", got, tt.want)
			}
		})
	}
	// The type of the property must suit the function.
	_, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustFilter(t, "Microsoft.Dynamics.CRM.Today(PropertyName='name')")})
	wantCode(t, err, connectorhub.ECodeQuery)
	_, err = s.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustFilter(t, "colour eq 'red'")})
	wantCode(t, err, connectorhub.ECodeBadRequest)
}

// testKeysetPaging reads each order a page at a time, each page starting after the last row
// of the one before, and checks the pages put together against one read of all the rows:
// ties of text that differ only in case, nulls in both directions, mixed directions.
func testKeysetPaging(t *testing.T, s Store, ctx context.Context) {
	names := []string{"Same", "same", "Other", "SAME", "zeta"}
	for i := 1; i <= 17; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) {
			u.DisplayName = ptr(names[i%len(names)])
			if i%3 == 0 {
				u.Description = ptr(fmt.Sprintf("d%d", i%4))
			}
		})
	}
	for _, order := range []string{"", "displayname desc", "description,displayname desc", "description desc,connectortype", "modifiedon desc,name"} {
		t.Run(order, func(t *testing.T) {
			var q connectorhub.ConnectorQuery
			if order != "" {
				var err error
				if q.OrderBy, err = odata.ParseOrderBy(order, nil); err != nil {
					t.Fatal(err)
				}
			}
			all, err := s.FindConnectors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got := pageThrough(ctx, t, s, q, 4)
			if numbersOf(got) != numbersOf(all) {
				t.Errorf("pages put together:\n got %s\nwant %s", numbersOf(got), numbersOf(all))
			}
		})
	}
}

func testQueryColumns(t *testing.T, s Store, ctx context.Context) {
	mustCreateWith(t, s, ctx, 1, func(u *connectorhub.ConnectorUpdate) { u.ScriptOperations = ptr(`["op"]`) })
	cs, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{Columns: []string{"name"}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("got %v, %v", cs, err)
	}
	if c := cs[0]; c.Name != "cr736_connector1" || c.VersionNumber == 0 || c.OwnerID == "" || c.ModifiedOn.IsZero() {
		t.Errorf("the small columns must be read whatever is selected: got %+v", c)
	}
	cs, _ = s.FindConnectors(ctx, connectorhub.ConnectorQuery{Columns: []string{"name", "openapidefinition"}})
	if cs[0].OpenAPIDefinition == "" {
		t.Error("a selected definition was not read")
	}
	cs, _ = s.FindConnectors(ctx, connectorhub.ConnectorQuery{})
	if cs[0].OpenAPIDefinition == "" || cs[0].ScriptOperations != `["op"]` {
		t.Errorf("without Columns every column is read: got %+v", cs[0])
	}
}

func testQueryLookups(t *testing.T, s Store, ctx context.Context) {
	team := &connectorhub.Team{Name: "Makers"}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, ctx, 1)
	mustCreateWith(t, s, ctx, 2, func(u *connectorhub.ConnectorUpdate) {
		u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}
	})
	caller := connectorhub.PrincipalFromContext(ctx)
	var rows []*connectorhub.ConnectorRow
	err := s.ScanConnectors(ctx, connectorhub.ConnectorQuery{Lookups: connectorhub.ExpandableLookups}, func(r *connectorhub.ConnectorRow) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil || len(rows) != 2 {
		t.Fatalf("got %d rows, %v", len(rows), err)
	}
	user, byTeam := rows[0].Related, rows[1].Related
	if u := user["ownerid"]; u == nil || u.User == nil || u.User.ID != caller.UserID || u.Name() == "" || u.LogicalName() != connectorhub.OwnerSystemUser {
		t.Errorf("ownerid of a user's connector: got %+v", u)
	}
	if user["owninguser"] == nil || user["owningteam"] != nil || user["createdby"] == nil || user["modifiedby"] == nil {
		t.Errorf("lookups of a user's connector: got %+v", user)
	}
	if bu := user["owningbusinessunit"]; bu == nil || bu.BusinessUnit == nil || bu.BusinessUnit.ID != caller.BusinessUnitID {
		t.Errorf("owningbusinessunit: got %+v", bu)
	}
	if tm := byTeam["ownerid"]; tm == nil || tm.Team == nil || tm.Name() != "Makers" || byTeam["owninguser"] != nil || byTeam["owningteam"] != tm {
		t.Errorf("lookups of a team's connector: got %+v", byTeam)
	}
	if user["createdonbehalfby"] != nil {
		t.Errorf("createdonbehalfby: got %+v, want nil", user["createdonbehalfby"])
	}
}

func testCountCapped(t *testing.T, s Store, ctx context.Context) {
	for i := 1; i <= 5; i++ {
		mustCreate(t, s, ctx, i)
	}
	for _, tt := range []struct {
		top, want int
	}{{0, 5}, {3, 3}, {9, 5}} {
		n, err := s.CountConnectors(ctx, connectorhub.ConnectorQuery{Top: tt.top, Filter: mustFilter(t, "versionnumber gt 0")})
		if err != nil || n != tt.want {
			t.Errorf("count with Top %d: got %d, %v; want %d", tt.top, n, err, tt.want)
		}
	}
}

func testAggregate(t *testing.T, s Store, ctx context.Context) {
	for i := 1; i <= 5; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) { u.ConnectorType = ptr(i % 2) })
	}
	apply, err := odata.ParseApply("filter(connectortype ne 5)/groupby((connectortype),aggregate($count as n,versionnumber with max as v,name with min as first,modifiedon with max as last))")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.AggregateConnectors(ctx, connectorhub.ConnectorQuery{Apply: apply})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("got %v, want two groups", rows)
	}
	if got := fmt.Sprint(rows[0][:4], rows[1][:4]); got != "[0 2 4 cr736_connector2] [1 3 5 cr736_connector1]" {
		t.Errorf("got %s", got)
	}
	if _, ok := rows[0][4].(time.Time); !ok {
		t.Errorf("max of a date: got %T, want time.Time", rows[0][4])
	}
	for _, bad := range []string{"groupby((createdon))", "aggregate(name with sum as s)"} {
		a, err := odata.ParseApply(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AggregateConnectors(ctx, connectorhub.ConnectorQuery{Apply: a})
		wantCode(t, err, connectorhub.ECodeQuery)
	}
}

func testPagingKey(t *testing.T, s Store, ctx context.Context) {
	a, err := s.PagingKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PagingKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 16 || !bytes.Equal(a, b) {
		t.Errorf("got keys %x and %x, want the same key of 16 bytes or more", a, b)
	}
}

// mustOwners creates the owners of the lookup cases: two users and a team, two of them with
// the same name in different cases. ownerOf(n) is connector n's owner: nil for the caller.
func mustOwners(t *testing.T, s Store, ctx context.Context) (ownerOf func(n int) *connectorhub.OwnerRef) {
	t.Helper()
	ada := &connectorhub.SystemUser{ID: "00000000-0000-0000-0000-0000000000a1", FullName: "Ada", Email: "ada@example.com"}
	same := &connectorhub.SystemUser{ID: "00000000-0000-0000-0000-0000000000a2", FullName: "Same"}
	team := &connectorhub.Team{ID: "00000000-0000-0000-0000-0000000000a3", Name: "SAME"}
	for _, u := range []*connectorhub.SystemUser{ada, same} {
		if err := s.CreateSystemUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	owners := []*connectorhub.OwnerRef{nil, {Type: connectorhub.OwnerSystemUser, ID: ada.ID},
		{Type: connectorhub.OwnerSystemUser, ID: same.ID}, {Type: connectorhub.OwnerTeam, ID: team.ID}}
	return func(n int) *connectorhub.OwnerRef { return owners[n%len(owners)] }
}

// testThroughLookups filters and orders by properties of the lookups' records (ownerid/fullname):
// text without regard to case, nulls where the lookup is null, ownerid naming a user or a team.
func testThroughLookups(t *testing.T, s Store, ctx context.Context) {
	ownerOf := mustOwners(t, s, ctx)
	for i := 1; i <= 8; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) { u.Owner = ownerOf(i) })
	}
	admin := connectorhub.PrincipalFromContext(ctx)
	for _, tt := range []struct{ filter, orderby, want string }{
		{"owninguser/fullname eq 'ADA'", "", "1,5"},
		{"ownerid/fullname eq 'same'", "", "2,3,6,7"},
		{"ownerid/name eq 'Same'", "", "2,3,6,7"},
		{"owningteam/name eq 'same'", "", "3,7"},
		{"owninguser/fullname ne 'Ada'", "", "2,4,6,8"},
		{"owninguser/fullname eq null", "", "3,7"},
		{"owningteam/name ne null", "", "3,7"},
		{"ownerid/fullname gt 'b' and ownerid/fullname lt 'sb'", "", "2,3,6,7"},
		{"startswith(ownerid/fullname,'sa') or endswith(owninguser/internalemailaddress,'EXAMPLE.COM')", "", "1,2,3,5,6,7"},
		{"contains(createdby/fullname,'') and not (ownerid/fullname eq 'same')", "", "1,4,5,8"},
		{"ownerid/ownerid eq " + admin.UserID, "", "4,8"},
		{"owningbusinessunit/businessunitid eq " + admin.BusinessUnitID + " and modifiedby/systemuserid eq " + admin.UserID, "", "1,2,3,4,5,6,7,8"},
		{"ownerid/fullname eq 'x'' OR 1=1 --'", "", ""},
		{"", "ownerid/fullname desc", "4,8,2,3,6,7,1,5"},
		{"", "owninguser/fullname", "3,7,1,5,2,6,4,8"},
		{"", "_ownerid_value", "1,5,2,3,6,7,4,8"},
		{"", "_owningteam_value desc,_owninguser_value", "3,7,1,5,2,6,4,8"},
	} {
		t.Run(tt.filter+tt.orderby, func(t *testing.T) {
			var q connectorhub.ConnectorQuery
			if tt.filter != "" {
				q.Filter = mustFilter(t, tt.filter)
			}
			var err error
			if q.OrderBy, err = odata.ParseOrderBy(tt.orderby, nil); tt.orderby != "" && err != nil {
				t.Fatal(err)
			}
			cs, err := s.FindConnectors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbersOf(cs); got != tt.want {
				t.Errorf("got [%s], want [%s]", got, tt.want)
			}
			if tt.orderby != "" {
				return
			}
			n, err := s.CountConnectors(ctx, q)
			if want := len(cs); err != nil || n != want {
				t.Errorf("count: got %d, %v; want %d", n, err, want)
			}
		})
	}
	for _, tt := range []struct{ filter, code string }{
		{"ownerid/colour eq 'x'", connectorhub.ECodeBadRequest},
		{"owninguser/name eq 'x'", connectorhub.ECodeBadRequest},
		{"ownerid/businessunitid/name eq 'x'", connectorhub.ECodeQuery},
	} {
		_, err := s.FindConnectors(ctx, connectorhub.ConnectorQuery{Filter: mustFilter(t, tt.filter)})
		wantCode(t, err, tt.code)
	}
}

// testPagingByRelatedName pages through orders by a related record's name, each page starting
// after the sort values the last row of the one before was read with (ConnectorRow.SortValue):
// the name, not the GUID, so pages that end inside a run of owners of the same name go on by
// the key.
func testPagingByRelatedName(t *testing.T, s Store, ctx context.Context) {
	ownerOf := mustOwners(t, s, ctx)
	for i := 1; i <= 17; i++ {
		mustCreateWith(t, s, ctx, i, func(u *connectorhub.ConnectorUpdate) { u.Owner = ownerOf(i) })
	}
	for _, order := range []string{"ownerid/fullname", "_ownerid_value desc", "owninguser/fullname desc,name", "_owningteam_value,ownerid/name desc"} {
		t.Run(order, func(t *testing.T) {
			var q connectorhub.ConnectorQuery
			var err error
			if q.OrderBy, err = odata.ParseOrderBy(order, nil); err != nil {
				t.Fatal(err)
			}
			all, err := s.FindConnectors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []*connectorhub.Connector
			q.Top = 3
			for pages := 0; pages < 10; pages++ {
				var page []*connectorhub.ConnectorRow
				if err := s.ScanConnectors(ctx, q, func(r *connectorhub.ConnectorRow) error {
					page = append(page, r)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				for _, r := range page {
					got = append(got, r.Connector)
				}
				if len(page) < q.Top {
					break
				}
				last := page[len(page)-1]
				q.After = nil
				for _, o := range q.OrderBy {
					v, err := last.SortValue(o.Path)
					if err != nil {
						t.Fatal(err)
					}
					if _, isGUID := v.(odata.GUID); isGUID {
						t.Fatalf("the sort value of %s is a GUID (%v), want the name", o.Path, v)
					}
					q.After = append(q.After, v)
				}
				q.After = append(q.After, last.ID)
			}
			if numbersOf(got) != numbersOf(all) {
				t.Errorf("pages put together:\n got %s\nwant %s", numbersOf(got), numbersOf(all))
			}
		})
	}
}

// pageThrough reads q's rows a page of size at a time, each page after the last row of the one
// before (keyset paging, as the Web API's next links do), and returns them put together.
func pageThrough(ctx context.Context, t *testing.T, s Store, q connectorhub.ConnectorQuery, size int) []*connectorhub.Connector {
	t.Helper()
	var got []*connectorhub.Connector
	q.Top, q.After = size, nil
	for pages := 0; ; pages++ {
		if pages == 1000 {
			t.Fatalf("%d rows in 1000 pages and more: keyset paging does not advance", len(got))
		}
		page, err := s.FindConnectors(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < q.Top {
			return got
		}
		last := page[len(page)-1]
		q.After = nil
		for _, o := range q.OrderBy {
			v, err := connectorhub.SortValue(o.Path, last)
			if err != nil {
				t.Fatal(err)
			}
			q.After = append(q.After, v)
		}
		q.After = append(q.After, last.ID)
	}
}
