package storetest

import (
	"context"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// testSecurityVersion: every change to what a caller's rights are made of moves the security
// version (the authenticator keeps callers while it stays), and writes of connectors do not.
func testSecurityVersion(t *testing.T, s Store, ctx context.Context) {
	version := func() int64 {
		t.Helper()
		v, err := s.SecurityVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	role := mustAddRole(t, s, ctx, "Readers", "Read:Organization")
	team := &connectorhub.Team{Name: "Team A"}
	if err := s.AddTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	_, user := mustUserIn(t, s, ctx, "grace", "")
	bu := &connectorhub.BusinessUnit{Name: "Sales"}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"AssignRole", func() error {
			return s.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, user.UserID, role.ID)
		}},
		{"JoinTeam", func() error {
			return s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, user.UserID)
		}},
		{"TeamRole", func() error {
			return s.Associate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, team.ID, role.ID)
		}},
		{"RolePrivileges", func() error {
			return s.ChangeRolePrivileges(ctx, role.ID, connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{connectorhub.PrivWrite: connectorhub.DepthUser}})
		}},
		{"AddBusinessUnit", func() error { return s.AddBusinessUnit(ctx, bu) }},
		{"RenameBusinessUnit", func() error {
			return s.UpdateBusinessUnit(ctx, bu.ID, connectorhub.NameUpdate{Name: ptr("Sales East")}, connectorhub.Precondition{})
		}},
		{"DisableUser", func() error {
			return s.UpdateSystemUser(ctx, user.UserID, connectorhub.SystemUserUpdate{Disabled: ptr(true)}, connectorhub.Precondition{})
		}},
		{"EnableUser", func() error {
			return s.UpdateSystemUser(ctx, user.UserID, connectorhub.SystemUserUpdate{Disabled: ptr(false)}, connectorhub.Precondition{})
		}},
		{"RevokeTokens", func() error { return s.RevokeSystemUserTokens(ctx, user.UserID, time.Now().Add(time.Hour)) }},
		{"TeamRoleRemoved", func() error {
			return s.Disassociate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, team.ID, role.ID)
		}},
		{"LeaveTeam", func() error {
			return s.Disassociate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, user.UserID)
		}},
		{"RoleRemoved", func() error {
			return s.Disassociate(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, user.UserID, role.ID)
		}},
		{"DeleteTeam", func() error { return s.DeleteTeam(ctx, team.ID, connectorhub.Precondition{}) }},
		{"DeleteRole", func() error { return s.DeleteRole(ctx, role.ID, connectorhub.Precondition{}) }},
	}
	for _, st := range steps {
		before := version()
		if err := st.fn(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if after := version(); after <= before {
			t.Errorf("%s: the security version stayed at %d", st.name, before)
		}
	}
	before := version()
	c := mustCreate(t, s, ctx, 1)
	if _, _, err := s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Description: ptr("d")}, connectorhub.Precondition{}, connectorhub.ReturnRecord); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if after := version(); after != before {
		t.Errorf("writes of connectors moved the security version from %d to %d", before, after)
	}
}
