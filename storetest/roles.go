package storetest

import (
	"context"
	"sort"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// mustAddRole creates a custom role with the privileges given as "Privilege:Depth".
func mustAddRole(tb testing.TB, s Store, ctx context.Context, name string, privileges ...string) *connectorhub.Role {
	tb.Helper()
	r := &connectorhub.Role{Name: name}
	for _, pd := range privileges {
		p, d, err := connectorhub.ParsePrivilegeDepth(pd)
		if err != nil {
			tb.Fatal(err)
		}
		r.Privileges[p] = d
	}
	if err := s.AddRole(ctx, r); err != nil {
		tb.Fatalf("AddRole %s: %v", name, err)
	}
	return r
}

// mustUserIn adds a user of a business unit holding the roles, and returns a context acting
// as that user.
func mustUserIn(tb testing.TB, s Store, ctx context.Context, name, bu string, roles ...*connectorhub.Role) (context.Context, *connectorhub.Principal) {
	tb.Helper()
	u := &connectorhub.SystemUser{FullName: name, Email: name + "@example.com", BusinessUnitID: bu}
	if err := s.AddSystemUser(ctx, u); err != nil {
		tb.Fatal(err)
	}
	for _, r := range roles {
		if err := s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, r.ID); err != nil {
			tb.Fatal(err)
		}
	}
	p, err := s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return connectorhub.NewContextWithPrincipal(context.Background(), p), p
}

// testCustomRoleDepths gives custom roles the Business Unit and Parent: Child Business Units
// depths of Read and checks which connectors their holders list, in a root unit, a child
// (Sales) and a grandchild (Sales West).
func testCustomRoleDepths(t *testing.T, s Store, ctx context.Context) {
	root := connectorhub.PrincipalFromContext(ctx).BusinessUnitID
	sales := &connectorhub.BusinessUnit{Name: "Sales"}
	if err := s.AddBusinessUnit(ctx, sales); err != nil {
		t.Fatal(err)
	}
	west := &connectorhub.BusinessUnit{Name: "Sales West", ParentID: sales.ID}
	if err := s.AddBusinessUnit(ctx, west); err != nil {
		t.Fatal(err)
	}
	unitReader := mustAddRole(t, s, ctx, "Unit Reader", "Read:BusinessUnit")
	// The other one is made empty and given its depth afterwards, as the Web API does.
	treeReader := mustAddRole(t, s, ctx, "Tree Reader")
	if err := s.ChangeRolePrivileges(ctx, treeReader.ID, connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{connectorhub.PrivRead: connectorhub.DepthParentChild}}); err != nil {
		t.Fatal(err)
	}
	ownReader := mustAddRole(t, s, ctx, "Own Reader", "read:user")

	// Connector 1 is owned in the root unit (the administrator), 2 in Sales, 3 in Sales West.
	mustCreate(t, s, ctx, 1)
	for n, bu := range map[int]string{2: sales.ID, 3: west.ID} {
		_, owner := mustUserIn(t, s, ctx, "owner"+string(rune('0'+n)), bu)
		mustCreateWith(t, s, ctx, n, func(u *connectorhub.ConnectorUpdate) {
			u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: owner.UserID}
		})
	}

	for _, tt := range []struct {
		name string
		bu   string
		role *connectorhub.Role
		want string
	}{
		{"UnitInRoot", root, unitReader, "1"},
		{"UnitInSales", sales.ID, unitReader, "2"},
		{"UnitInWest", west.ID, unitReader, "3"},
		{"TreeInRoot", root, treeReader, "1,2,3"},
		{"TreeInSales", sales.ID, treeReader, "2,3"},
		{"TreeInWest", west.ID, treeReader, "3"},
		{"UserDepthOwnsNothing", sales.ID, ownReader, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			userCtx, _ := mustUserIn(t, s, ctx, strings.ToLower(tt.name), tt.bu, tt.role)
			cs, err := s.FindConnectors(userCtx, connectorhub.ConnectorQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.ID[len(c.ID)-1:])
			}
			sort.Strings(got)
			if strings.Join(got, ",") != tt.want {
				t.Errorf("lists %v, want %s", got, tt.want)
			}
			n, err := s.CountConnectors(userCtx, connectorhub.ConnectorQuery{})
			if err != nil || n != len(got) {
				t.Errorf("count: got %d, %v; want %d", n, err, len(got))
			}
			// A single record out of reach is refused, not only left out of lists.
			if !strings.Contains(tt.want, "1") {
				_, err := s.FindConnectorByID(userCtx, "00000000-0000-0000-0000-000000000001")
				wantCode(t, err, connectorhub.ECodePrivilegeDenied)
			}
		})
	}
}

// testCustomRoleWrites checks the rules of creating, changing and deleting custom roles.
func testCustomRoleWrites(t *testing.T, s Store, ctx context.Context) {
	maker := mustCallerWith(t, s, ctx, "Maker", connectorhub.RoleEnvironmentMaker)
	customizer := mustCallerWith(t, s, ctx, "Customizer", connectorhub.RoleSystemCustomizer)
	reader := mustAddRole(t, s, ctx, "Reader", "Create:User", "Read:Organization")
	impersonator := mustAddRole(t, s, ctx, "Impersonator", "Read:User", "ActOnBehalfOfAnotherUser:Organization")
	basic, err := s.FindRoleByName(ctx, connectorhub.RoleBasicUser)
	if err != nil {
		t.Fatal(err)
	}
	set := func(p connectorhub.Privilege, d connectorhub.Depth) connectorhub.PrivilegeChange {
		return connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{p: d}}
	}
	for _, tt := range []struct {
		name string
		fn   func() error
		code string
	}{
		{"EmptyName", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: " "}) }, connectorhub.ECodeInvalidArgument},
		{"BuiltinName", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "basic user"}) }, connectorhub.ECodeDuplicateKey},
		{"TakenName", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "READER"}) }, connectorhub.ECodeDuplicateKey},
		// Names that pass for another role's: 400, whatever the spaces, width or case.
		{"BuiltinNameNoBreakSpace", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "System Administrator\u00a0"}) }, connectorhub.ECodeInvalidArgument},
		{"BuiltinNameTrailingSpace", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "system administrator "}) }, connectorhub.ECodeInvalidArgument},
		{"BuiltinNameInnerSpaces", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "System\u3000 Administrator"}) }, connectorhub.ECodeInvalidArgument},
		{"BuiltinNameZeroWidth", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "\ufeffSystem Customizer\u200b"}) }, connectorhub.ECodeInvalidArgument},
		{"BuiltinNameFullWidth", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "ＢＡＳＩＣ User"}) }, connectorhub.ECodeInvalidArgument},
		{"TakenNameImitated", func() error { return s.AddRole(ctx, &connectorhub.Role{Name: "\treader\u2003"}) }, connectorhub.ECodeInvalidArgument},
		{"RenameToBuiltinImitation", func() error {
			return s.UpdateRole(ctx, reader.ID, connectorhub.NameUpdate{Name: ptr("System  Customizer")}, connectorhub.Precondition{})
		}, connectorhub.ECodeInvalidArgument},
		{"RenameToTakenImitation", func() error {
			return s.UpdateRole(ctx, impersonator.ID, connectorhub.NameUpdate{Name: ptr("Reader\u00a0")}, connectorhub.Precondition{})
		}, connectorhub.ECodeInvalidArgument},
		{"UnknownBusinessUnit", func() error {
			return s.AddRole(ctx, &connectorhub.Role{Name: "X", BusinessUnitID: "00000000-0000-0000-0000-00000000dead"})
		}, connectorhub.ECodeInvalidArgument},
		{"ActOnBehalfAtUserDepth", func() error {
			return s.ChangeRolePrivileges(ctx, reader.ID, set(connectorhub.PrivActOnBehalf, connectorhub.DepthUser))
		}, connectorhub.ECodeInvalidArgument},
		{"MakerCreates", func() error { return s.AddRole(maker, &connectorhub.Role{Name: "Mine"}) }, connectorhub.ECodePrivilegeDenied},
		{"MakerChanges", func() error {
			return s.ChangeRolePrivileges(maker, reader.ID, set(connectorhub.PrivRead, connectorhub.DepthUser))
		}, connectorhub.ECodePrivilegeDenied},
		{"CustomizerCreatesAboveItself", func() error {
			r := &connectorhub.Role{Name: "Above"}
			r.Privileges[connectorhub.PrivActOnBehalf] = connectorhub.DepthOrganization
			return s.AddRole(customizer, r)
		}, connectorhub.ECodePrivilegeDenied},
		{"CustomizerRaisesAboveItself", func() error {
			return s.ChangeRolePrivileges(customizer, reader.ID, set(connectorhub.PrivActOnBehalf, connectorhub.DepthOrganization))
		}, connectorhub.ECodePrivilegeDenied},
		{"ChangeBuiltin", func() error {
			return s.ChangeRolePrivileges(ctx, basic.ID, set(connectorhub.PrivCreate, connectorhub.DepthUser))
		}, connectorhub.ECodeInvalidArgument},
		{"RenameBuiltin", func() error {
			return s.UpdateRole(ctx, basic.ID, connectorhub.NameUpdate{Name: ptr("Basic")}, connectorhub.Precondition{})
		}, connectorhub.ECodeInvalidArgument},
		{"RenameToBuiltin", func() error {
			return s.UpdateRole(ctx, reader.ID, connectorhub.NameUpdate{Name: ptr("System Customizer")}, connectorhub.Precondition{})
		}, connectorhub.ECodeDuplicateKey},
		{"DeleteBuiltin", func() error { return s.DeleteRole(ctx, basic.ID, connectorhub.Precondition{}) }, connectorhub.ECodeInvalidArgument},
		{"ChangeMissing", func() error {
			return s.ChangeRolePrivileges(ctx, "00000000-0000-0000-0000-00000000dead", set(connectorhub.PrivRead, connectorhub.DepthUser))
		}, connectorhub.ECodeNotFound},
		// Lowering is allowed, even on a role that holds more than the caller.
		{"CustomizerLowers", func() error {
			return s.ChangeRolePrivileges(customizer, impersonator.ID, set(connectorhub.PrivRead, connectorhub.DepthNone))
		}, ""},
		{"CustomizerCreatesWithinItself", func() error {
			r := &connectorhub.Role{Name: "Within"}
			r.Privileges[connectorhub.PrivRead] = connectorhub.DepthOrganization
			return s.AddRole(customizer, r)
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn()
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}

	// Add keeps the privileges not named; Replace drops them; both move the ETag.
	before, err := s.FindRow(ctx, connectorhub.RoleTable, reader.ID)
	if err != nil {
		t.Fatal(err)
	}
	replace := connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{connectorhub.PrivWrite: connectorhub.DepthBusinessUnit}, Replace: true}
	for _, step := range []struct {
		change connectorhub.PrivilegeChange
		want   string
	}{
		{set(connectorhub.PrivShare, connectorhub.DepthUser), "Create:User Read:Organization Write:None Delete:None Assign:None Share:User ActOnBehalfOfAnotherUser:None"},
		{replace, "Create:None Read:None Write:BusinessUnit Delete:None Assign:None Share:None ActOnBehalfOfAnotherUser:None"},
		{set(connectorhub.PrivRead, connectorhub.DepthParentChild), "Create:None Read:ParentChildBusinessUnits Write:BusinessUnit Delete:None Assign:None Share:None ActOnBehalfOfAnotherUser:None"},
	} {
		if err := s.ChangeRolePrivileges(ctx, reader.ID, step.change); err != nil {
			t.Fatal(err)
		}
		r, err := s.FindRoleByID(ctx, reader.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Privileges.String(); got != step.want {
			t.Errorf("after %+v: got %s, want %s", step.change, got, step.want)
		}
	}
	if after, err := s.FindRow(ctx, connectorhub.RoleTable, reader.ID); err != nil || after.ETag() == before.ETag() {
		t.Errorf("the role's ETag did not move: %v, %v", before.ETag(), err)
	}

	// A held role is not deleted; once nobody holds it, it is.
	u := mustAddUsers(t, s, ctx, "holder")[0]
	if err := s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, reader.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteRole(ctx, reader.ID, connectorhub.Precondition{}), connectorhub.ECodeInvalidArgument)
	if err := s.Disassociate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, u.ID, reader.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteRole(maker, reader.ID, connectorhub.Precondition{}), connectorhub.ECodePrivilegeDenied)
	if err := s.DeleteRole(ctx, reader.ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteRole(ctx, reader.ID, connectorhub.Precondition{}), connectorhub.ECodeNotFound)
	roles, err := s.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ","); got != "Basic User,Environment Maker,Impersonator,System Administrator,System Customizer,Within" {
		t.Errorf("roles: got %s", got)
	}
}

// testDisableUsers disables and enables a user; the bootstrap administrator stays enabled.
func testDisableUsers(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx)
	maker := mustCallerWith(t, s, ctx, "Maker", connectorhub.RoleEnvironmentMaker)
	u := mustAddUsers(t, s, ctx, "frank")[0]
	for _, disabled := range []bool{true, false, true} {
		before, err := s.FindRow(ctx, connectorhub.SystemUserTable, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{Disabled: &disabled}, connectorhub.Precondition{ETag: before.ETag()}); err != nil {
			t.Fatal(err)
		}
		rec, err := s.FindRow(ctx, connectorhub.SystemUserTable, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		found, err := s.FindSystemUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Values["isdisabled"] != disabled || found.Disabled != disabled || rec.ETag() == before.ETag() || rec.Values["fullname"] != "User frank" {
			t.Errorf("disabled=%v: got record %v (etag %s, before %s), user %+v", disabled, rec.Values, rec.ETag(), before.ETag(), found)
		}
	}
	if got := scanIdentities(t, s, ctx, connectorhub.SystemUserTable, connectorhub.TableQuery{Filter: mustFilter(t, "isdisabled eq true")}, "internalemailaddress"); got != "frank@example.com" {
		t.Errorf("disabled users: got %s", got)
	}
	users, err := s.ListSystemUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range users {
		if l.Disabled != (l.ID == u.ID) {
			t.Errorf("ListSystemUsers: %s disabled=%v", l.Email, l.Disabled)
		}
	}
	yes := true
	wantCode(t, s.UpdateSystemUser(ctx, admin.UserID, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{}), connectorhub.ECodeInvalidArgument)
	wantCode(t, s.UpdateSystemUser(maker, u.ID, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{}), connectorhub.ECodePrivilegeDenied)
	no := false
	if err := s.UpdateSystemUser(ctx, admin.UserID, connectorhub.SystemUserUpdate{Disabled: &no}, connectorhub.Precondition{}); err != nil {
		t.Errorf("enabling the bootstrap administrator (a no-op): %v", err)
	}
}
