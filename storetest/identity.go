package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// identityTests are the contract's cases of the identity tables, run by Run.
var identityTests = []struct {
	name string
	fn   func(t *testing.T, s Store, ctx context.Context)
}{
	{"TableQuery", testIdentityQuery},
	{"IdentityKeysetPaging", testIdentityKeysetPaging},
	{"IdentityWrites", testIdentityWrites},
	{"IdentityPrivileges", testIdentityPrivileges},
	{"IdentityAssociations", testIdentityAssociations},
	{"CustomRoleDepths", testCustomRoleDepths},
	{"CustomRoleWrites", testCustomRoleWrites},
	{"DisableUsers", testDisableUsers},
	{"TeamEscalation", testTeamEscalation},
	{"AdminLockout", testAdminLockout},
	{"LastAdministrator", testLastAdministrator},
	{"TeamNames", testTeamNames},
}

// mustCallerWith adds a user holding the named roles and returns a context acting as that user.
func mustCallerWith(tb testing.TB, s Store, ctx context.Context, name string, roles ...string) context.Context {
	tb.Helper()
	u := &connectorhub.SystemUser{FullName: name, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@example.com"}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		tb.Fatal(err)
	}
	for _, r := range roles {
		role, err := s.FindRoleByName(ctx, r)
		if err != nil {
			tb.Fatal(err)
		}
		if err := s.AssignRole(ctx, u.ID, role.ID); err != nil {
			tb.Fatal(err)
		}
	}
	p, err := s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return connectorhub.NewContextWithPrincipal(ctx, p)
}

// mustAddUsers adds users named by their e-mail's local part, with full names "User <name>".
func mustAddUsers(tb testing.TB, s Store, ctx context.Context, names ...string) []*connectorhub.SystemUser {
	tb.Helper()
	var out []*connectorhub.SystemUser
	for _, n := range names {
		u := &connectorhub.SystemUser{FullName: "User " + n, Email: n + "@example.com"}
		if err := s.AddSystemUser(ctx, u); err != nil {
			tb.Fatalf("AddSystemUser %s: %v", n, err)
		}
		out = append(out, u)
	}
	return out
}

// scanIdentities returns the values of one property of the records q selects, comma-separated.
func scanIdentities(tb testing.TB, s Store, ctx context.Context, t *connectorhub.Table, q connectorhub.TableQuery, prop string) string {
	tb.Helper()
	var got []string
	err := s.ScanRows(ctx, t, q, func(r *connectorhub.Row) error {
		got = append(got, fmt.Sprint(r.Values[prop]))
		return nil
	})
	if err != nil {
		tb.Fatalf("ScanRows: %v", err)
	}
	return strings.Join(got, ",")
}

func mustOrderBy(tb testing.TB, o string) odata.OrderBy {
	tb.Helper()
	if o == "" {
		return nil
	}
	ob, err := odata.ParseOrderBy(o, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ob
}

func testIdentityQuery(t *testing.T, s Store, ctx context.Context) {
	mustAddUsers(t, s, ctx, "carol", "alice", "bob")
	admin := connectorhub.PrincipalFromContext(ctx)
	for _, tt := range []struct {
		name, filter, orderby string
		top                   int
		want                  string
	}{
		{"All", "", "internalemailaddress", 0, "admin@connectorhub.local,alice@example.com,bob@example.com,carol@example.com"},
		{"Filter", "startswith(fullname,'user ')", "fullname desc", 0, "carol@example.com,bob@example.com,alice@example.com"},
		{"Top", "contains(internalemailaddress,'example')", "internalemailaddress", 2, "alice@example.com,bob@example.com"},
		{"Lookup", "_businessunitid_value eq " + admin.BusinessUnitID + " and isdisabled eq false", "fullname desc", 1, "carol@example.com"},
		{"In", "Microsoft.Dynamics.CRM.In(PropertyName='internalemailaddress',PropertyValues=['BOB@example.com','x'])", "", 0, "bob@example.com"},
		{"Key", "systemuserid eq " + admin.UserID, "", 0, "admin@connectorhub.local"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := connectorhub.TableQuery{Top: tt.top, OrderBy: mustOrderBy(t, tt.orderby)}
			if tt.filter != "" {
				q.Filter = mustFilter(t, tt.filter)
			}
			if got := scanIdentities(t, s, ctx, connectorhub.SystemUserTable, q, "internalemailaddress"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			q.Top = 0
			n, err := s.CountRows(ctx, connectorhub.SystemUserTable, q)
			if want := len(strings.Split(tt.want, ",")); err != nil || (tt.top == 0 && n != want) {
				t.Errorf("count: got %d, %v; want %d", n, err, want)
			}
		})
	}
	// Every table answers with its columns; roles are the built-in ones.
	if got := scanIdentities(t, s, ctx, connectorhub.RoleTable, connectorhub.TableQuery{OrderBy: mustOrderBy(t, "name")}, "name"); got != "Basic User,Environment Maker,System Administrator,System Customizer" {
		t.Errorf("roles: got %s", got)
	}
	rec, err := s.FindRow(ctx, connectorhub.SystemUserTable, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Values["ownerid"] != admin.UserID || rec.Values["isdisabled"] != false || rec.ETag() == `W/"0"` || rec.Values["createdon"] == nil {
		t.Errorf("admin record: got %v, etag %s", rec.Values, rec.ETag())
	}
	for _, tbl := range connectorhub.IdentityTables {
		if _, err := s.FindRow(ctx, tbl, "00000000-0000-0000-0000-00000000dead"); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
			t.Errorf("%s: missing record: got %v", tbl.LogicalName, err)
		}
	}
	for _, bad := range []struct{ filter, code string }{
		{"colour eq 1", connectorhub.ECodeBadRequest},
		{"createdon eq 'yesterday'", connectorhub.ECodeQuery},
	} {
		err := s.ScanRows(ctx, connectorhub.SystemUserTable, connectorhub.TableQuery{Filter: mustFilter(t, bad.filter)}, func(*connectorhub.Row) error { return nil })
		if connectorhub.ErrorCode(err) != bad.code {
			t.Errorf("%s: got %v, want %s", bad.filter, err, bad.code)
		}
	}
}

// testIdentityKeysetPaging reads users two at a time in an order with ties, continuing from
// the last row's sort values and key, and finds every user once.
func testIdentityKeysetPaging(t *testing.T, s Store, ctx context.Context) {
	users := mustAddUsers(t, s, ctx, "u1", "u2", "u3", "u4", "u5")
	for _, u := range users[:3] {
		name := "Same Name"
		if err := s.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{FullName: &name}, connectorhub.Precondition{}); err != nil {
			t.Fatal(err)
		}
	}
	q := connectorhub.TableQuery{OrderBy: mustOrderBy(t, "fullname desc"), Top: 2}
	seen := map[string]int{}
	for page := 0; page < 10; page++ {
		var last *connectorhub.Row
		n := 0
		err := s.ScanRows(ctx, connectorhub.SystemUserTable, q, func(r *connectorhub.Row) error {
			seen[r.ID(connectorhub.SystemUserTable)]++
			last, n = r, n+1
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 2 {
			break
		}
		v, err := connectorhub.SystemUserTable.SortValue(q.OrderBy[0].Path, last)
		if err != nil {
			t.Fatal(err)
		}
		q.After = []any{v, last.ID(connectorhub.SystemUserTable)}
	}
	if len(seen) != 6 {
		t.Errorf("got %d users over the pages, want 6 (5 and the administrator): %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("user %s read %d times", id, n)
		}
	}
}

func testIdentityWrites(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx)
	// Users: required columns, lengths, uniqueness of the e-mail address.
	for _, bad := range []struct {
		u    connectorhub.SystemUser
		code string
	}{
		{connectorhub.SystemUser{Email: "a@example.com"}, connectorhub.ECodeInvalidArgument},
		{connectorhub.SystemUser{FullName: "A"}, connectorhub.ECodeInvalidArgument},
		{connectorhub.SystemUser{FullName: "A", Email: "not-an-address"}, connectorhub.ECodeInvalidArgument},
		{connectorhub.SystemUser{FullName: strings.Repeat("x", 201), Email: "a@example.com"}, connectorhub.ECodeLengthExceeded},
		{connectorhub.SystemUser{FullName: "A", Email: "ADMIN@connectorhub.local"}, connectorhub.ECodeDuplicateKey},
		{connectorhub.SystemUser{FullName: "A", Email: "a@example.com", AADObjectID: "nope"}, connectorhub.ECodeInvalidArgument},
		{connectorhub.SystemUser{FullName: "A", Email: "a@example.com", BusinessUnitID: "00000000-0000-0000-0000-00000000dead"}, connectorhub.ECodeInvalidArgument},
	} {
		u := bad.u
		if err := s.AddSystemUser(ctx, &u); connectorhub.ErrorCode(err) != bad.code {
			t.Errorf("AddSystemUser(%+v): got %v, want %s", bad.u, err, bad.code)
		}
	}
	u := mustAddUsers(t, s, ctx, "dana")[0]
	before, err := s.FindRow(ctx, connectorhub.SystemUserTable, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	name := "Dana Scully"
	if err := s.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{FullName: &name}, connectorhub.Precondition{ETag: before.ETag()}); err != nil {
		t.Fatal(err)
	}
	after, err := s.FindRow(ctx, connectorhub.SystemUserTable, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Values["fullname"] != name || after.Values["internalemailaddress"] != "dana@example.com" || after.ETag() == before.ETag() {
		t.Errorf("after update: got %v (etag %s, before %s)", after.Values, after.ETag(), before.ETag())
	}
	wantCode(t, s.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{FullName: &name}, connectorhub.Precondition{ETag: before.ETag()}), connectorhub.ECodeVersionMismatch)
	wantCode(t, s.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{Email: ptr("admin@connectorhub.local")}, connectorhub.Precondition{}), connectorhub.ECodeDuplicateKey)
	wantCode(t, s.UpdateSystemUser(ctx, "00000000-0000-0000-0000-00000000dead", connectorhub.SystemUserUpdate{FullName: &name}, connectorhub.Precondition{}), connectorhub.ECodeNotFound)

	// Business units: a child of the root, and one below it, widen a Parent: Child reach.
	child := &connectorhub.BusinessUnit{Name: "Sales"}
	if err := s.AddBusinessUnit(ctx, child); err != nil {
		t.Fatal(err)
	}
	if child.ParentID != admin.BusinessUnitID {
		t.Errorf("child business unit: got parent %s, want the root %s", child.ParentID, admin.BusinessUnitID)
	}
	grandchild := &connectorhub.BusinessUnit{Name: "Sales West", ParentID: child.ID}
	if err := s.AddBusinessUnit(ctx, grandchild); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.AddBusinessUnit(ctx, &connectorhub.BusinessUnit{Name: "SALES"}), connectorhub.ECodeDuplicateKey)
	wantCode(t, s.AddBusinessUnit(ctx, &connectorhub.BusinessUnit{Name: "Nowhere", ParentID: "00000000-0000-0000-0000-00000000dead"}), connectorhub.ECodeInvalidArgument)
	seller := &connectorhub.SystemUser{FullName: "Seller", Email: "seller@example.com", BusinessUnitID: child.ID}
	if err := s.AddSystemUser(ctx, seller); err != nil {
		t.Fatal(err)
	}
	p, err := s.LoadPrincipal(ctx, seller.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Security.BusinessUnits) != 2 {
		t.Errorf("a user of Sales reaches %v, want Sales and Sales West", p.Security.BusinessUnits)
	}
	if got := scanIdentities(t, s, ctx, connectorhub.BusinessUnitTable, connectorhub.TableQuery{Filter: mustFilter(t, "_parentbusinessunitid_value eq "+child.ID)}, "name"); got != "Sales West" {
		t.Errorf("children of Sales: got %s", got)
	}
	if err := s.UpdateBusinessUnit(ctx, grandchild.ID, connectorhub.NameUpdate{Name: ptr("Sales East")}, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}

	// Teams: unique names, renames, and no delete while the team owns connectors.
	team := &connectorhub.Team{Name: "Makers", BusinessUnitID: child.ID}
	if err := s.AddTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.AddTeam(ctx, &connectorhub.Team{Name: "makers"}), connectorhub.ECodeDuplicateKey)
	wantCode(t, s.AddTeam(ctx, &connectorhub.Team{Name: " "}), connectorhub.ECodeInvalidArgument)
	wantCode(t, s.UpdateTeam(ctx, team.ID, connectorhub.NameUpdate{Name: ptr("")}, connectorhub.Precondition{}), connectorhub.ECodeInvalidArgument)
	if err := s.UpdateTeam(ctx, team.ID, connectorhub.NameUpdate{Name: ptr("Connector Makers")}, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	c := mustCreateWith(t, s, ctx, 1, func(u *connectorhub.ConnectorUpdate) {
		u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}
	})
	wantCode(t, s.DeleteTeam(ctx, team.ID, connectorhub.Precondition{}), connectorhub.ECodeInvalidArgument)
	if err := s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteTeam(ctx, team.ID, connectorhub.Precondition{ETag: `W/"1"`}), connectorhub.ECodeVersionMismatch)
	if err := s.DeleteTeam(ctx, team.ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteTeam(ctx, team.ID, connectorhub.Precondition{}), connectorhub.ECodeNotFound)
	if p, err := s.LoadPrincipal(ctx, u.ID); err != nil || len(p.Security.TeamIDs) != 0 {
		t.Errorf("member of a deleted team: got %+v, %v", p, err)
	}
}

// testIdentityPrivileges checks the rule: every caller reads identities; only callers whose
// Create on connectors reaches Organization depth manage them.
func testIdentityPrivileges(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx)
	maker := mustCallerWith(t, s, ctx, "Maker", connectorhub.RoleEnvironmentMaker)
	customizer := mustCallerWith(t, s, ctx, "Customizer", connectorhub.RoleSystemCustomizer)
	team := &connectorhub.Team{Name: "Team"}
	if err := s.AddTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	basic, err := s.FindRoleByName(ctx, connectorhub.RoleBasicUser)
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"AddSystemUser", func(ctx context.Context) error {
			return s.AddSystemUser(ctx, &connectorhub.SystemUser{FullName: "X", Email: connectorhub.NewGUID() + "@example.com"})
		}},
		{"UpdateSystemUser", func(ctx context.Context) error {
			return s.UpdateSystemUser(ctx, admin.UserID, connectorhub.SystemUserUpdate{}, connectorhub.Precondition{})
		}},
		{"AddTeam", func(ctx context.Context) error {
			return s.AddTeam(ctx, &connectorhub.Team{Name: connectorhub.NewGUID()})
		}},
		{"UpdateTeam", func(ctx context.Context) error {
			return s.UpdateTeam(ctx, team.ID, connectorhub.NameUpdate{}, connectorhub.Precondition{})
		}},
		{"AddBusinessUnit", func(ctx context.Context) error {
			return s.AddBusinessUnit(ctx, &connectorhub.BusinessUnit{Name: connectorhub.NewGUID()})
		}},
		{"Associate", func(ctx context.Context) error {
			return s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, admin.UserID, basic.ID)
		}},
		{"Disassociate", func(ctx context.Context) error {
			return s.Disassociate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, admin.UserID)
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			err := w.fn(maker)
			wantCode(t, err, connectorhub.ECodePrivilegeDenied)
			if !strings.Contains(connectorhub.ErrorMessage(err), "prv") {
				t.Errorf("the 403 names no privilege: %v", err)
			}
			if err := w.fn(customizer); err != nil {
				t.Errorf("as System Customizer: %v", err)
			}
		})
	}
	if n, err := s.CountRows(maker, connectorhub.TeamTable, connectorhub.TableQuery{}); err != nil || n != 2 {
		t.Errorf("an Environment Maker counts the teams: got %d, %v; want 2", n, err)
	}
	if _, err := s.FindRow(maker, connectorhub.SystemUserTable, admin.UserID); err != nil {
		t.Errorf("an Environment Maker reads a user: %v", err)
	}
	// A System Customizer cannot give what it does not hold: act on behalf of another user.
	sysadmin, err := s.FindRoleByName(ctx, connectorhub.RoleSystemAdministrator)
	if err != nil {
		t.Fatal(err)
	}
	self := connectorhub.PrincipalFromContext(customizer)
	wantCode(t, s.Associate(customizer, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, self.UserID, sysadmin.ID), connectorhub.ECodePrivilegeDenied)
}

// testIdentityAssociations assigns roles and members, reads them back from both sides, and
// shows that a role given this way reaches LoadPrincipal.
func testIdentityAssociations(t *testing.T, s Store, ctx context.Context) {
	u := mustAddUsers(t, s, ctx, "erin")[0]
	maker, err := s.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.LoadPrincipal(ctx, u.ID); err != nil || p.Depth(connectorhub.PrivCreate) != connectorhub.DepthNone {
		t.Fatalf("a new user: got %+v, %v; want no Create", p, err)
	}
	for i := 0; i < 2; i++ { // the second time changes nothing
		if err := s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, maker.ID); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Depth(connectorhub.PrivCreate) != connectorhub.DepthUser || p.Security.RoleCount != 1 {
		t.Errorf("after assigning Environment Maker: got %v, %d roles", p.Security.Privileges, p.Security.RoleCount)
	}
	related := func(rel *connectorhub.Relationship, from *connectorhub.Table, id, prop string) string {
		t.Helper()
		q := connectorhub.TableQuery{OrderBy: mustOrderBy(t, prop), Related: &connectorhub.RelatedTo{Relationship: rel, From: from, ID: id}}
		return scanIdentities(t, s, ctx, rel.Other(from), q, prop)
	}
	if got := related(connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, "name"); got != connectorhub.RoleEnvironmentMaker {
		t.Errorf("roles of the user: got %q", got)
	}
	if got := related(connectorhub.SystemUserRoles, connectorhub.RoleTable, maker.ID, "internalemailaddress"); got != "erin@example.com" {
		t.Errorf("holders of the role: got %q", got)
	}

	team := &connectorhub.Team{Name: "Reviewers"}
	if err := s.AddTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	if err := s.Associate(ctx, connectorhub.TeamMembership, connectorhub.SystemUserTable, u.ID, team.ID); err != nil {
		t.Fatalf("membership from the user's side: %v", err)
	}
	if err := s.Associate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, team.ID, maker.ID); err != nil {
		t.Fatal(err)
	}
	if got := related(connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, "internalemailaddress"); got != "erin@example.com" {
		t.Errorf("members of the team: got %q", got)
	}
	if n, err := s.CountRows(ctx, connectorhub.TeamTable, connectorhub.TableQuery{Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamRoles, From: connectorhub.RoleTable, ID: maker.ID}}); err != nil || n != 1 {
		t.Errorf("teams with the role: got %d, %v", n, err)
	}
	if err := s.Disassociate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, maker.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Disassociate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, maker.ID); err != nil {
		t.Errorf("removing a missing link: %v", err)
	}
	// The role still reaches the user through the team.
	if p, err := s.LoadPrincipal(ctx, u.ID); err != nil || p.Depth(connectorhub.PrivCreate) != connectorhub.DepthUser || len(p.Security.TeamIDs) != 1 {
		t.Errorf("through the team: got %+v, %v", p, err)
	}
	if err := s.Disassociate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := s.LoadPrincipal(ctx, u.ID); err != nil || p.Depth(connectorhub.PrivCreate) != connectorhub.DepthNone {
		t.Errorf("after leaving the team: got %+v, %v", p, err)
	}
	wantCode(t, s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, "00000000-0000-0000-0000-00000000dead"), connectorhub.ECodeNotFound)
	wantCode(t, s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, "00000000-0000-0000-0000-00000000dead", u.ID), connectorhub.ECodeNotFound)
}
