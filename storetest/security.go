package storetest

import (
	"context"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

func testSecurity(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx)
	p, err := s.LoadPrincipal(ctx, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	for priv := connectorhub.PrivCreate; priv <= connectorhub.PrivActOnBehalf; priv++ {
		if p.Depth(priv) != connectorhub.DepthOrganization {
			t.Errorf("administrator %s: got %s, want Organization", priv, p.Depth(priv))
		}
	}
	if p.Security.RoleCount != 1 || len(p.Security.BusinessUnits) != 1 || p.Security.BusinessUnits[0] != p.BusinessUnitID {
		t.Errorf("administrator: got %+v", p.Security)
	}

	// A user with no role has no privilege.
	u := &connectorhub.SystemUser{FullName: "Nobody", Email: "nobody@example.com", AADObjectID: "33333333-3333-3333-3333-333333333333"}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	p, err = s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Depth(connectorhub.PrivRead) != connectorhub.DepthNone || p.Security.RoleCount != 0 {
		t.Errorf("user without roles: got %+v", p.Security)
	}
	for _, find := range []func() (*connectorhub.SystemUser, error){
		func() (*connectorhub.SystemUser, error) { return s.FindSystemUserByEmail(ctx, "NOBODY@example.com") },
		func() (*connectorhub.SystemUser, error) {
			return s.FindSystemUserByObjectID(ctx, "", "33333333-3333-3333-3333-333333333333")
		},
	} {
		if got, err := find(); err != nil || got.ID != u.ID {
			t.Errorf("find user: got %v, %v", got, err)
		}
	}

	// Roles given directly and through a team add up, the deepest reach winning.
	basic, err := s.FindRoleByName(ctx, "basic user")
	if err != nil {
		t.Fatal(err)
	}
	maker, err := s.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignRole(ctx, u.ID, basic.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignRole(ctx, u.ID, basic.ID); err != nil {
		t.Fatalf("assigning a role twice: %v", err)
	}
	team := &connectorhub.Team{Name: "Makers"}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTeamMember(ctx, team.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignTeamRole(ctx, team.ID, maker.ID); err != nil {
		t.Fatal(err)
	}
	p, err = s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Depth(connectorhub.PrivCreate) != connectorhub.DepthUser || p.Depth(connectorhub.PrivRead) != connectorhub.DepthOrganization ||
		len(p.Security.TeamIDs) != 1 || p.Security.TeamIDs[0] != team.ID || p.Security.RoleCount != 2 {
		t.Errorf("user with Basic User and a Maker team: got %+v", p.Security)
	}
	if err := s.AssignRole(ctx, u.ID, "00000000-0000-0000-0000-000000000099"); err == nil {
		t.Error("assigning a missing role succeeded")
	}
	if _, err := s.FindRoleByName(ctx, "No Such Role"); err == nil {
		t.Error("found a missing role")
	}
}

// asUser creates a user holding the named roles and returns a context calling as that user.
func asUser(t *testing.T, s Store, ctx context.Context, name string, roles ...string) (context.Context, *connectorhub.Principal) {
	t.Helper()
	u := &connectorhub.SystemUser{FullName: name, Email: name + "@example.com"}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		role, err := s.FindRoleByName(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AssignRole(ctx, u.ID, role.ID); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return connectorhub.NewContextWithPrincipal(context.Background(), p), p
}

func testPrivileges(t *testing.T, s Store, ctx context.Context) {
	adminOwned := mustCreate(t, s, ctx, 1)
	basicCtx, _ := asUser(t, s, ctx, "basic", connectorhub.RoleBasicUser)
	makerCtx, maker := asUser(t, s, ctx, "maker", connectorhub.RoleEnvironmentMaker)
	noneCtx, _ := asUser(t, s, ctx, "none")

	// Create needs prvCreateconnector.
	wantCode(t, s.CreateConnector(basicCtx, MustConnector(t, 2)), connectorhub.ECodePrivilegeDenied)
	wantCode(t, s.CreateConnector(noneCtx, MustConnector(t, 2)), connectorhub.ECodePrivilegeDenied)
	mine := MustConnector(t, 3)
	if err := s.CreateConnector(makerCtx, mine); err != nil || mine.OwnerID != maker.UserID {
		t.Fatalf("maker create: %v, owner %s", err, mine.OwnerID)
	}

	// Read: Basic User reads only its own (User depth), the maker every one (Organization).
	_, err := s.FindConnectorByID(basicCtx, adminOwned.ID)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)
	if _, err := s.FindConnectorByID(makerCtx, adminOwned.ID); err != nil {
		t.Errorf("maker reads: %v", err)
	}
	_, err = s.FindConnectorByID(noneCtx, mine.ID)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)

	// Write and delete at User depth: own records only.
	_, _, err = s.UpsertConnector(makerCtx, adminOwned.ID, &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)
	if _, _, err := s.UpsertConnector(makerCtx, mine.ID, &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{}, connectorhub.ReturnRecord); err != nil {
		t.Errorf("maker updates its own: %v", err)
	}
	wantCode(t, s.DeleteConnector(makerCtx, adminOwned.ID, connectorhub.Precondition{}), connectorhub.ECodePrivilegeDenied)

	// Assigning needs Assign: the maker may give its own record away, but Basic User may not.
	basicUser := connectorhub.PrincipalFromContext(basicCtx)
	_, _, err = s.UpsertConnector(makerCtx, mine.ID, &connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basicUser.UserID}}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil {
		t.Fatalf("maker assigns its own: %v", err)
	}
	_, _, err = s.UpsertConnector(basicCtx, mine.ID, &connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: maker.UserID}}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)
	// Now Basic User owns it: it reads and writes it.
	if _, err := s.FindConnectorByID(basicCtx, mine.ID); err != nil {
		t.Errorf("basic user reads what it owns: %v", err)
	}
	if err := s.DeleteConnector(basicCtx, mine.ID, connectorhub.Precondition{}); err != nil {
		t.Errorf("basic user deletes what it owns: %v", err)
	}
}
