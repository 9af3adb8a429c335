package sqlgen

import (
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// TestIdentitySelect checks that the identity tables go through the same translator, binding
// every value (filter, keyset, relationship, $top) with one placeholder for each argument.
// What the queries select, in which order, is checked on both engines by internal/parity's
// Identities and IdentityPaging cases marked "golden: <case>", which replace the golden SQL
// this test used to compare.
func TestIdentitySelect(t *testing.T) {
	const team = "33333333-3333-3333-3333-333333333333"
	const key = "00000000-0000-0000-0000-000000000001"
	for _, tt := range []struct {
		name      string
		table     *connectorhub.Table
		q         connectorhub.TableQuery
		filter    string
		orderby   string
		args      int
		forbidden []string
	}{
		{name: "Plain", table: connectorhub.RoleTable},
		{name: "FilterOrderTop", table: connectorhub.SystemUserTable, q: connectorhub.TableQuery{Top: 5},
			filter: "startswith(fullname,'a') and isdisabled eq false", orderby: "createdon desc", args: 3, forbidden: []string{"'a", "false"}},
		{name: "KeysetAndRelated", table: connectorhub.SystemUserTable,
			q: connectorhub.TableQuery{After: []any{"Ada", key},
				Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamMembership, From: connectorhub.TeamTable, ID: team}},
			filter: "_businessunitid_value ne null", orderby: "fullname", args: 5, forbidden: []string{"Ada", key, team}},
		{name: "RolesOfTeam", table: connectorhub.RoleTable,
			q:    connectorhub.TableQuery{Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamRoles, From: connectorhub.TeamTable, ID: team}},
			args: 1, forbidden: []string{team}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			m := mustQuery(t, tt.filter, tt.orderby)
			q.Filter, q.OrderBy = m.Filter, m.OrderBy
			s, err := SelectIdentities(numbered{}, env, tt.table, q)
			if err != nil {
				t.Fatal(err)
			}
			checkBound(t, s.SQL, s.Args, tt.forbidden...)
			if len(s.Args) != tt.args {
				t.Errorf("got %d arguments %v, want %d", len(s.Args), s.Args, tt.args)
			}
			text, args, err := CountRows(numbered{}, env, tt.table, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			checkBound(t, text, args, tt.forbidden...)
		})
	}
}

func TestIdentityRefusals(t *testing.T) {
	for _, tt := range []struct {
		table         *connectorhub.Table
		filter, code  string
		messageNaming string
	}{
		{connectorhub.TeamTable, "fullname eq 'x'", connectorhub.ECodeBadRequest, "Microsoft.Dynamics.CRM.team"},
		{connectorhub.SystemUserTable, "createdon eq 'soon'", connectorhub.ECodeQuery, "createdon"},
		{connectorhub.BusinessUnitTable, "contains(versionnumber,'1')", connectorhub.ECodeQuery, "versionnumber"},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := SelectIdentities(numbered{}, env, tt.table, connectorhub.TableQuery{Filter: mustQuery(t, tt.filter, "").Filter})
			if connectorhub.ErrorCode(err) != tt.code || !strings.Contains(connectorhub.ErrorMessage(err), tt.messageNaming) {
				t.Errorf("got %v, want code %s naming %s", err, tt.code, tt.messageNaming)
			}
		})
	}
	// A relationship that does not lead to the table queried is a bug of the caller.
	q := connectorhub.TableQuery{Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamRoles, From: connectorhub.TeamTable, ID: "x"}}
	if _, err := SelectIdentities(numbered{}, env, connectorhub.SystemUserTable, q); err == nil {
		t.Error("teamroles_association from a team to systemusers: got no error")
	}
}
