package sqlgen

import (
	"fmt"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// TestIdentitySelect checks that the identity tables go through the same translator: the
// filter, keyset, relationship and order terms over the table's own alias and key.
func TestIdentitySelect(t *testing.T) {
	const team = "33333333-3333-3333-3333-333333333333"
	for _, tt := range []struct {
		name    string
		table   *connectorhub.IdentityTable
		q       connectorhub.IdentityQuery
		filter  string
		orderby string
		want    string // the SQL from " FROM"
		args    string
	}{
		{name: "Plain", table: connectorhub.RoleTable,
			want: " FROM roles r ORDER BY r.roleid", args: "[]"},
		{name: "FilterOrderTop", table: connectorhub.SystemUserTable, q: connectorhub.IdentityQuery{Top: 5},
			filter: "startswith(fullname,'a') and isdisabled eq false", orderby: "createdon desc",
			want: " FROM systemusers u WHERE ((u.fullname ILIKE $1) AND (u.isdisabled = $2)) ORDER BY u.createdon DESC, u.systemuserid LIMIT $3",
			args: "[a% 0 5]"},
		{name: "KeysetAndRelated", table: connectorhub.SystemUserTable,
			q: connectorhub.IdentityQuery{After: []any{"Ada", "00000000-0000-0000-0000-000000000001"},
				Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamMembership, From: connectorhub.TeamTable, ID: team}},
			filter: "_businessunitid_value ne null", orderby: "fullname",
			want: " FROM systemusers u WHERE (u.businessunitid IS NOT NULL) AND ((lower(u.fullname) >= lower($1)) AND (((lower(u.fullname) > lower($2))) OR ((lower(u.fullname) = lower($3)) AND (u.systemuserid > $4))))" +
				" AND (u.systemuserid IN (SELECT systemuserid FROM teammembership WHERE teamid = $5)) ORDER BY lower(u.fullname), u.systemuserid",
			args: "[Ada Ada Ada 00000000-0000-0000-0000-000000000001 " + team + "]"},
		{name: "RolesOfTeam", table: connectorhub.RoleTable,
			q:    connectorhub.IdentityQuery{Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamRoles, From: connectorhub.TeamTable, ID: team}},
			want: " FROM roles r WHERE (r.roleid IN (SELECT roleid FROM teamroles WHERE teamid = $1)) ORDER BY r.roleid", args: "[" + team + "]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			m := mustQuery(t, tt.filter, tt.orderby)
			q.Filter, q.OrderBy = m.Filter, m.OrderBy
			s, err := SelectIdentities(numbered{}, env, tt.table, q)
			if err != nil {
				t.Fatal(err)
			}
			got := s.SQL[strings.Index(s.SQL, " FROM"):]
			if got != tt.want || fmt.Sprint(s.Args) != tt.args {
				t.Errorf("got\n%s %v\nwant\n%s %s", got, s.Args, tt.want, tt.args)
			}
			checkBound(t, s.SQL, s.Args)
		})
	}
}

func TestIdentityRefusals(t *testing.T) {
	for _, tt := range []struct {
		table         *connectorhub.IdentityTable
		filter, code  string
		messageNaming string
	}{
		{connectorhub.TeamTable, "fullname eq 'x'", connectorhub.ECodeBadRequest, "Microsoft.Dynamics.CRM.team"},
		{connectorhub.SystemUserTable, "createdon eq 'soon'", connectorhub.ECodeQuery, "createdon"},
		{connectorhub.BusinessUnitTable, "contains(versionnumber,'1')", connectorhub.ECodeQuery, "versionnumber"},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := SelectIdentities(numbered{}, env, tt.table, connectorhub.IdentityQuery{Filter: mustQuery(t, tt.filter, "").Filter})
			if connectorhub.ErrorCode(err) != tt.code || !strings.Contains(connectorhub.ErrorMessage(err), tt.messageNaming) {
				t.Errorf("got %v, want code %s naming %s", err, tt.code, tt.messageNaming)
			}
		})
	}
	// A relationship that does not lead to the table queried is a bug of the caller.
	q := connectorhub.IdentityQuery{Related: &connectorhub.RelatedTo{Relationship: connectorhub.TeamRoles, From: connectorhub.TeamTable, ID: "x"}}
	if _, err := SelectIdentities(numbered{}, env, connectorhub.SystemUserTable, q); err == nil {
		t.Error("teamroles_association from a team to systemusers: got no error")
	}
}
