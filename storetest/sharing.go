package storetest

import (
	"context"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

func testSharing(t *testing.T, s Store, ctx context.Context) {
	c := mustCreate(t, s, ctx, 1)
	basicCtx, basic := asUser(t, s, ctx, "basic", connectorhub.RoleBasicUser)
	makerCtx, _ := asUser(t, s, ctx, "maker", connectorhub.RoleEnvironmentMaker)
	user := connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basic.UserID}
	desc := &connectorhub.ConnectorUpdate{Description: ptr("shared")}

	_, err := s.FindConnectorByID(basicCtx, c.ID)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)
	if err := s.GrantAccess(ctx, c.ID, user, connectorhub.AccessRead, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindConnectorByID(basicCtx, c.ID); err != nil {
		t.Errorf("read after ReadAccess was shared: %v", err)
	}
	_, _, err = s.UpsertConnector(basicCtx, c.ID, desc, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)

	// GrantAccess adds; ModifyAccess replaces.
	if err := s.GrantAccess(ctx, c.ID, user, connectorhub.AccessWrite, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpsertConnector(basicCtx, c.ID, desc, connectorhub.Precondition{}, connectorhub.ReturnRecord); err != nil {
		t.Errorf("write after WriteAccess was shared: %v", err)
	}
	if m, err := s.RetrievePrincipalAccess(ctx, c.ID, user); err != nil || m != connectorhub.AccessRead|connectorhub.AccessWrite {
		t.Errorf("RetrievePrincipalAccess: got %v, %v; want ReadAccess, WriteAccess", m, err)
	}
	if err := s.GrantAccess(ctx, c.ID, user, connectorhub.AccessRead, true); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.RetrievePrincipalAccess(ctx, c.ID, user); m != connectorhub.AccessRead {
		t.Errorf("after ModifyAccess: got %v, want ReadAccess", m)
	}
	shares, err := s.RetrieveSharedPrincipalsAndAccess(ctx, c.ID)
	if err != nil || len(shares) != 1 || shares[0].Principal != user || shares[0].Mask != connectorhub.AccessRead {
		t.Errorf("RetrieveSharedPrincipalsAndAccess: got %+v, %v", shares, err)
	}
	// The administrator's own rights come from its role.
	admin := connectorhub.PrincipalFromContext(ctx)
	if m, _ := s.RetrievePrincipalAccess(ctx, c.ID, connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: admin.UserID}); m != connectorhub.AllAccess {
		t.Errorf("administrator's access: got %v", m)
	}

	// RevokeAccess takes it all back.
	if err := s.RevokeAccess(ctx, c.ID, user); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindConnectorByID(basicCtx, c.ID)
	wantCode(t, err, connectorhub.ECodePrivilegeDenied)

	// Sharing with a team reaches its members.
	team := &connectorhub.Team{Name: "Readers"}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTeamMember(ctx, team.ID, basic.UserID); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantAccess(ctx, c.ID, connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}, connectorhub.AccessRead, false); err != nil {
		t.Fatal(err)
	}
	basicCtx, _ = reload(t, s, basic.UserID)
	if _, err := s.FindConnectorByID(basicCtx, c.ID); err != nil {
		t.Errorf("read through a team share: %v", err)
	}

	// Sharing needs Share on the record, and only rights the caller has.
	wantCode(t, s.GrantAccess(makerCtx, c.ID, user, connectorhub.AccessRead, false), connectorhub.ECodePrivilegeDenied)
	wantCode(t, s.GrantAccess(basicCtx, c.ID, connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: admin.UserID}, connectorhub.AccessRead, false), connectorhub.ECodePrivilegeDenied)
	wantCode(t, s.GrantAccess(ctx, c.ID, connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: "00000000-0000-0000-0000-000000000099"}, connectorhub.AccessRead, false), connectorhub.ECodeInvalidArgument)
	wantCode(t, s.GrantAccess(ctx, "00000000-0000-0000-0000-000000000099", user, connectorhub.AccessRead, false), connectorhub.ECodeNotFound)
}

// reload returns a context calling as the user, with teams and privileges read afresh.
func reload(t *testing.T, s Store, userID string) (context.Context, *connectorhub.Principal) {
	t.Helper()
	p, err := s.LoadPrincipal(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return connectorhub.NewContextWithPrincipal(context.Background(), p), p
}

// testReadTrimming checks that lists and counts hold only what the caller may read.
func testReadTrimming(t *testing.T, s Store, ctx context.Context) {
	for i := 1; i <= 3; i++ {
		mustCreate(t, s, ctx, i)
	}
	basicCtx, basic := asUser(t, s, ctx, "basic", connectorhub.RoleBasicUser)
	makerCtx, _ := asUser(t, s, ctx, "maker", connectorhub.RoleEnvironmentMaker)
	noneCtx, _ := asUser(t, s, ctx, "none")
	// The basic user owns connector 4 and is shared connector 2; a team it belongs to owns 5.
	own := MustConnector(t, 4)
	own.OwnerID, own.OwnerType = basic.UserID, connectorhub.OwnerSystemUser
	if err := s.CreateConnector(ctx, own); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantAccess(ctx, "00000000-0000-0000-0000-000000000002", connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basic.UserID}, connectorhub.AccessRead, false); err != nil {
		t.Fatal(err)
	}
	team := &connectorhub.Team{Name: "Owners"}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	s.AddTeamMember(ctx, team.ID, basic.UserID)
	teamOwned := MustConnector(t, 5)
	teamOwned.OwnerID, teamOwned.OwnerType = team.ID, connectorhub.OwnerTeam
	if err := s.CreateConnector(ctx, teamOwned); err != nil {
		t.Fatal(err)
	}
	// Write-only shares do not make a row readable.
	if err := s.GrantAccess(ctx, "00000000-0000-0000-0000-000000000003", connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: basic.UserID}, connectorhub.AccessWrite, false); err != nil {
		t.Fatal(err)
	}
	basicCtx, _ = reload(t, s, basic.UserID)

	for _, tt := range []struct {
		name string
		ctx  context.Context
		want int
	}{{"Administrator", ctx, 5}, {"MakerReadsOrganization", makerCtx, 5}, {"BasicReadsOwnSharedAndTeams", basicCtx, 3}, {"NoRoleReadsNothing", noneCtx, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := s.FindConnectors(tt.ctx, connectorhub.ConnectorQuery{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.CountConnectors(tt.ctx, connectorhub.ConnectorQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != tt.want || n != tt.want {
				t.Errorf("got %d rows and a count of %d, want %d", len(cs), n, tt.want)
			}
		})
	}
	cs, _ := s.FindConnectors(basicCtx, connectorhub.ConnectorQuery{})
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID[len(c.ID)-1:])
	}
	if got := strings.Join(ids, ","); got != "2,4,5" {
		t.Errorf("the basic user reads %s, want 2,4,5", got)
	}
}
