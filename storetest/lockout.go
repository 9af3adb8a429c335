package storetest

import (
	"context"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// step is one write of a sequence and what it must give: code "" for success, and a part of
// the message when msg is set. Later steps see the state the earlier ones left.
type step struct {
	name string
	fn   func() error
	code string
	msg  string
}

// runSteps runs the steps in order, each as a subtest.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := st.fn()
			if st.code == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantCode(t, err, st.code)
			if !strings.Contains(connectorhub.ErrorMessage(err), st.msg) {
				t.Errorf("message %q does not say %q", connectorhub.ErrorMessage(err), st.msg)
			}
		})
	}
}

// mustRole finds a role by name.
func mustRole(tb testing.TB, s Store, ctx context.Context, name string) *connectorhub.Role {
	tb.Helper()
	r, err := s.FindRoleByName(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// mustTeam adds a team holding the roles, with the members, as the caller of ctx.
func mustTeam(tb testing.TB, s Store, ctx context.Context, name string, roles []*connectorhub.Role, members ...string) *connectorhub.Team {
	tb.Helper()
	team := &connectorhub.Team{Name: name}
	if err := s.AddTeam(ctx, team); err != nil {
		tb.Fatal(err)
	}
	for _, r := range roles {
		if err := s.Associate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, team.ID, r.ID); err != nil {
			tb.Fatal(err)
		}
	}
	for _, m := range members {
		if err := s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, m); err != nil {
			tb.Fatal(err)
		}
	}
	return team
}

// testTeamEscalation: joining a team gives its roles, so it obeys the rule of giving roles —
// nobody gives privileges they do not hold — from both sides of every relationship.
func testTeamEscalation(t *testing.T, s Store, ctx context.Context) {
	customizer := mustCallerWith(t, s, ctx, "Customizer", connectorhub.RoleSystemCustomizer)
	self := connectorhub.PrincipalFromContext(customizer).UserID
	grace := mustAddUsers(t, s, ctx, "grace")[0].ID
	sysadmin := mustRole(t, s, ctx, connectorhub.RoleSystemAdministrator)
	maker := mustRole(t, s, ctx, connectorhub.RoleEnvironmentMaker)
	impersonator := mustAddRole(t, s, ctx, "Impersonator", "ActOnBehalfOfAnotherUser:Organization")
	admins := mustTeam(t, s, ctx, "Admins", []*connectorhub.Role{sysadmin})
	proxies := mustTeam(t, s, ctx, "Proxies", []*connectorhub.Role{impersonator})
	// The customizer's own team: giving it a role gives the role to the customizer, and so
	// does raising a role it holds.
	teamRole := mustAddRole(t, s, ctx, "Team Role", "Read:User")
	makers := mustTeam(t, s, ctx, "Makers", []*connectorhub.Role{maker, teamRole}, self)

	link := func(rel *connectorhub.Relationship, from *connectorhub.Table, id, other string) func() error {
		return func() error { return s.Associate(customizer, rel, from, id, other) }
	}
	deny, team := connectorhub.ECodePrivilegeDenied, connectorhub.TeamTable
	user, role := connectorhub.SystemUserTable, connectorhub.RoleTable
	runSteps(t, []step{
		{"JoinAdminTeamFromTheTeam", link(connectorhub.TeamMembership, team, admins.ID, self), deny, "prvActOnBehalfOfAnotherUser"},
		{"JoinAdminTeamFromTheUser", link(connectorhub.TeamMembership, user, self, admins.ID), deny, "Admins"},
		{"AddOtherToAdminTeamFromTheTeam", link(connectorhub.TeamMembership, team, admins.ID, grace), deny, ""},
		{"AddOtherToAdminTeamFromTheUser", link(connectorhub.TeamMembership, user, grace, admins.ID), deny, ""},
		{"JoinCustomRoleTeam", link(connectorhub.TeamMembership, team, proxies.ID, self), deny, ""},
		{"AdminRoleToOwnTeamFromTheTeam", link(connectorhub.TeamRoles, team, makers.ID, sysadmin.ID), deny, ""},
		{"AdminRoleToOwnTeamFromTheRole", link(connectorhub.TeamRoles, role, sysadmin.ID, makers.ID), deny, ""},
		{"CustomRoleToOwnTeam", link(connectorhub.TeamRoles, team, makers.ID, impersonator.ID), deny, ""},
		{"AdminRoleToSelfFromTheRole", link(connectorhub.SystemUserRoles, role, sysadmin.ID, self), deny, ""},
		{"RaiseOwnTeamsRole", func() error {
			c := connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{connectorhub.PrivActOnBehalf: connectorhub.DepthOrganization}}
			return s.ChangeRolePrivileges(customizer, teamRole.ID, c)
		}, deny, ""},
		{"AdminRoleToSelfFromTheUser", link(connectorhub.SystemUserRoles, user, self, sysadmin.ID), deny, ""},
		// What the customizer holds, it gives.
		{"AddOtherToOwnTeam", link(connectorhub.TeamMembership, user, grace, makers.ID), "", ""},
		{"MakerRoleToAdminTeam", link(connectorhub.TeamRoles, role, maker.ID, admins.ID), "", ""},
		{"AdminAddsToAdminTeam", func() error {
			return s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, admins.ID, grace)
		}, "", ""},
	})
	p, err := s.LoadPrincipal(ctx, self)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Depth(connectorhub.PrivActOnBehalf); d != connectorhub.DepthNone || len(p.Security.TeamIDs) != 1 {
		t.Errorf("the customizer afterwards: act on behalf %s, teams %v; want None and Makers only", d, p.Security.TeamIDs)
	}
}

// testAdminLockout: nobody acts on a principal whose privileges exceed their own — disabling,
// enabling, renaming it, taking its roles or teams away — while equals and administrators may.
func testAdminLockout(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx).UserID
	customizer := mustCallerWith(t, s, ctx, "Customizer", connectorhub.RoleSystemCustomizer)
	peer := connectorhub.PrincipalFromContext(mustCallerWith(t, s, ctx, "Peer", connectorhub.RoleSystemCustomizer)).UserID
	second := connectorhub.PrincipalFromContext(mustCallerWith(t, s, ctx, "Second", connectorhub.RoleSystemAdministrator)).UserID
	sysadmin := mustRole(t, s, ctx, connectorhub.RoleSystemAdministrator)
	maker := mustRole(t, s, ctx, connectorhub.RoleEnvironmentMaker)
	admins := mustTeam(t, s, ctx, "Admins", []*connectorhub.Role{sysadmin})
	// A harmless team, but the second administrator is in it.
	makers := mustTeam(t, s, ctx, "Makers", []*connectorhub.Role{maker}, second, peer)

	yes, no := true, false
	update := func(caller context.Context, id string, u connectorhub.SystemUserUpdate) func() error {
		return func() error { return s.UpdateSystemUser(caller, id, u, connectorhub.Precondition{}) }
	}
	unlink := func(caller context.Context, rel *connectorhub.Relationship, from *connectorhub.Table, id, other string) func() error {
		return func() error { return s.Disassociate(caller, rel, from, id, other) }
	}
	deny, exceeds := connectorhub.ECodePrivilegeDenied, "exceed the caller's own"
	runSteps(t, []step{
		{"DisableAdmin", update(customizer, second, connectorhub.SystemUserUpdate{Disabled: &yes}), deny, exceeds},
		{"DisableBootstrapAdmin", update(customizer, admin, connectorhub.SystemUserUpdate{Disabled: &yes}), deny, exceeds},
		{"RenameAdmin", update(customizer, second, connectorhub.SystemUserUpdate{FullName: ptr("Nobody")}), deny, exceeds},
		{"ChangeAdminEmail", update(customizer, second, connectorhub.SystemUserUpdate{Email: ptr("mine@example.com")}), deny, exceeds},
		{"TakeAdminRoleFromTheUser", unlink(customizer, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, second, sysadmin.ID), deny, exceeds},
		{"TakeAdminRoleFromTheRole", unlink(customizer, connectorhub.SystemUserRoles, connectorhub.RoleTable, sysadmin.ID, admin), deny, exceeds},
		{"TakeAdminOutOfTeamFromTheTeam", unlink(customizer, connectorhub.TeamMembership, connectorhub.TeamTable, makers.ID, second), deny, exceeds},
		{"TakeAdminOutOfTeamFromTheUser", unlink(customizer, connectorhub.TeamMembership, connectorhub.SystemUserTable, second, makers.ID), deny, exceeds},
		{"TakeRoleFromTeamWithAdmin", unlink(customizer, connectorhub.TeamRoles, connectorhub.TeamTable, makers.ID, maker.ID), deny, exceeds},
		{"DeleteTeamWithAdmin", func() error { return s.DeleteTeam(customizer, makers.ID, connectorhub.Precondition{}) }, deny, exceeds},
		{"RenameAdminTeam", func() error {
			return s.UpdateTeam(customizer, admins.ID, connectorhub.NameUpdate{Name: ptr("Readers")}, connectorhub.Precondition{})
		}, deny, exceeds},
		{"TakeAdminRoleFromTeam", unlink(customizer, connectorhub.TeamRoles, connectorhub.RoleTable, sysadmin.ID, admins.ID), deny, exceeds},
		// A link that is not there changes nothing, and nothing is refused.
		{"MissingLink", unlink(customizer, connectorhub.TeamMembership, connectorhub.TeamTable, admins.ID, admin), "", ""},
		// Equals, weaker principals and oneself are managed.
		{"DisablePeer", update(customizer, peer, connectorhub.SystemUserUpdate{Disabled: &yes}), "", ""},
		{"EnablePeer", update(customizer, peer, connectorhub.SystemUserUpdate{Disabled: &no}), "", ""},
		{"TakePeerOutOfTeam", unlink(customizer, connectorhub.TeamMembership, connectorhub.TeamTable, makers.ID, peer), "", ""},
		{"RenameSelf", update(customizer, connectorhub.PrincipalFromContext(customizer).UserID, connectorhub.SystemUserUpdate{FullName: ptr("Me")}), "", ""},
		{"RenameHarmlessTeam", func() error {
			return s.UpdateTeam(customizer, makers.ID, connectorhub.NameUpdate{Name: ptr("Connector Makers")}, connectorhub.Precondition{})
		}, "", ""},
		// An administrator manages another.
		{"AdminDisablesAdmin", update(ctx, second, connectorhub.SystemUserUpdate{Disabled: &yes}), "", ""},
		{"AdminEnablesAdmin", update(ctx, second, connectorhub.SystemUserUpdate{Disabled: &no}), "", ""},
		{"AdminTakesAdminOutOfTeam", unlink(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, makers.ID, second), "", ""},
		{"CustomizerDeletesTeamNow", func() error { return s.DeleteTeam(customizer, makers.ID, connectorhub.Precondition{}) }, "", ""},
	})
	if u, err := s.FindSystemUserByID(ctx, second); err != nil || u.Disabled || u.FullName != "Second" {
		t.Errorf("the second administrator afterwards: %+v, %v", u, err)
	}
}

// testLastAdministrator: the last enabled System Administrator, and the bootstrap one, are
// never disabled nor demoted — by any path, by another administrator or by the operator's
// commands (PrincipalService.RemoveRole and RemoveTeamMember).
func testLastAdministrator(t *testing.T, s Store, ctx context.Context) {
	admin := connectorhub.PrincipalFromContext(ctx).UserID
	sysadmin := mustRole(t, s, ctx, connectorhub.RoleSystemAdministrator)
	secondCtx := mustCallerWith(t, s, ctx, "Second", connectorhub.RoleSystemAdministrator)
	second := connectorhub.PrincipalFromContext(secondCtx).UserID
	yes := true
	disable := func(caller context.Context, id string) func() error {
		return func() error {
			return s.UpdateSystemUser(caller, id, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{})
		}
	}
	unlink := func(caller context.Context, rel *connectorhub.Relationship, from *connectorhub.Table, id, other string) func() error {
		return func() error { return s.Disassociate(caller, rel, from, id, other) }
	}
	var admins *connectorhub.Team
	bad, last, bootstrap := connectorhub.ECodeInvalidArgument, "last enabled System Administrator", "bootstrap System Administrator"
	runSteps(t, []step{
		// Two administrators: the bootstrap one stays one all the same.
		{"SecondDisablesBootstrap", disable(secondCtx, admin), bad, bootstrap},
		{"SecondDemotesBootstrap", unlink(secondCtx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, admin, sysadmin.ID), bad, bootstrap},
		{"OperatorDemotesBootstrap", func() error { return s.RemoveRole(ctx, admin, sysadmin.ID) }, bad, bootstrap},
		{"BootstrapDemotesSecond", unlink(ctx, connectorhub.SystemUserRoles, connectorhub.RoleTable, sysadmin.ID, second), "", ""},
		// Alone, the bootstrap administrator is the last one.
		{"DisableSelf", disable(ctx, admin), bad, last},
		{"DemoteSelf", unlink(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, admin, sysadmin.ID), bad, last},
		{"OperatorDemotesLast", func() error { return s.RemoveRole(ctx, admin, sysadmin.ID) }, bad, last},
		// Through a team: the bootstrap administrator holds the role only through Admins.
		{"AdminTeam", func() error {
			admins = &connectorhub.Team{Name: "Admins"}
			if err := s.AddTeam(ctx, admins); err != nil {
				return err
			}
			if err := s.Associate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, admins.ID, sysadmin.ID); err != nil {
				return err
			}
			return s.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, admins.ID, admin)
		}, "", ""},
		{"DemoteSelfKeepingTheTeam", unlink(ctx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, admin, sysadmin.ID), "", ""},
		{"LeaveTheTeam", func() error {
			return s.Disassociate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, admins.ID, admin)
		}, bad, last},
		{"OperatorTakesOutOfTheTeam", func() error { return s.RemoveTeamMember(ctx, admins.ID, admin) }, bad, last},
		{"TakeTheTeamsRole", func() error {
			return s.Disassociate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, admins.ID, sysadmin.ID)
		}, bad, last},
		{"DeleteTheTeam", func() error { return s.DeleteTeam(ctx, admins.ID, connectorhub.Precondition{}) }, bad, last},
		{"DisableSelfThroughTheTeam", disable(ctx, admin), bad, last},
	})
	p, err := s.LoadPrincipal(ctx, admin)
	if err != nil || p.Depth(connectorhub.PrivActOnBehalf) != connectorhub.DepthOrganization {
		t.Errorf("the administrator afterwards: %+v, %v; want it still System Administrator", p, err)
	}
	if u, err := s.FindSystemUserByID(ctx, admin); err != nil || u.Disabled {
		t.Errorf("the administrator afterwards: %+v, %v; want it enabled", u, err)
	}
}

// testTeamNames: the operator's CreateTeam checks names as AddTeam does.
func testTeamNames(t *testing.T, s Store, ctx context.Context) {
	runSteps(t, []step{
		{"Create", func() error { return s.CreateTeam(ctx, &connectorhub.Team{Name: "Makers"}) }, "", ""},
		{"Empty", func() error { return s.CreateTeam(ctx, &connectorhub.Team{Name: " "}) }, connectorhub.ECodeInvalidArgument, "name"},
		{"TooLong", func() error { return s.CreateTeam(ctx, &connectorhub.Team{Name: strings.Repeat("x", 161)}) }, connectorhub.ECodeLengthExceeded, ""},
		{"Taken", func() error { return s.CreateTeam(ctx, &connectorhub.Team{Name: "MAKERS"}) }, connectorhub.ECodeDuplicateKey, ""},
		{"TakenThroughTheAPI", func() error { return s.AddTeam(ctx, &connectorhub.Team{Name: "makers"}) }, connectorhub.ECodeDuplicateKey, ""},
	})
}
