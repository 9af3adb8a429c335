package webapi_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/webapi"
)

const api = "/api/data/v9.2/"

// mustCreateIdentity POSTs body to set and returns the new record's id from OData-EntityId.
func mustCreateIdentity(tb testing.TB, s *testServer, set, body string, headers ...string) string {
	tb.Helper()
	r := s.do(tb, "POST", api+set, body, headers...)
	if r.Status != 204 {
		tb.Fatalf("POST %s %s: got %d %s", set, body, r.Status, r.Body)
	}
	loc := r.Header.Get("OData-EntityId")
	prefix := s.URL() + api + set + "("
	if !strings.HasPrefix(loc, prefix) || !strings.HasSuffix(loc, ")") {
		tb.Fatalf("OData-EntityId: got %q, want %s<id>)", loc, prefix)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, prefix), ")")
}

// values returns the "value" array of a collection response, failing unless the status is 200.
func values(tb testing.TB, r *response) []map[string]any {
	tb.Helper()
	if r.Status != 200 {
		tb.Fatalf("got %d %s, want 200", r.Status, r.Body)
	}
	var out []map[string]any
	for _, v := range r.JSON(tb)["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// column joins one property of each record, comma-separated.
func column(recs []map[string]any, prop string) string {
	var out []string
	for _, r := range recs {
		s, _ := r[prop].(string)
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// roleID finds a built-in role through the Web API.
func roleID(tb testing.TB, s *testServer, name string, headers ...string) string {
	tb.Helper()
	recs := values(tb, s.do(tb, "GET", api+"roles?$select=name&$filter="+url.QueryEscape("name eq '"+name+"'"), "", headers...))
	if len(recs) != 1 {
		tb.Fatalf("role %s: got %v", name, recs)
	}
	return recs[0]["roleid"].(string)
}

func TestIdentityQueries(t *testing.T) {
	s := MustOpenServer(t)
	for _, n := range []string{"carol", "alice", "bob"} {
		mustCreateIdentity(t, s, "systemusers", `{"fullname": "User `+n+`", "internalemailaddress": "`+n+`@example.com"}`)
	}
	for _, tt := range []struct {
		name, query, want string
		count             float64 // @odata.count, when $count=true
	}{
		{"All", "$orderby=internalemailaddress", "admin@connectorhub.local,alice@example.com,bob@example.com,carol@example.com", 0},
		{"FilterOrder", "$filter=" + url.QueryEscape("startswith(fullname,'user')") + "&$orderby=fullname%20desc&$count=true", "carol@example.com,bob@example.com,alice@example.com", 3},
		{"Top", "$filter=" + url.QueryEscape("contains(internalemailaddress,'example.com')") + "&$orderby=internalemailaddress&$top=2", "alice@example.com,bob@example.com", 0},
		{"QueryFunction", "$filter=" + url.QueryEscape("Microsoft.Dynamics.CRM.In(PropertyName='internalemailaddress',PropertyValues=['bob@example.com'])"), "bob@example.com", 0},
		{"Lookup", "$filter=" + url.QueryEscape("_businessunitid_value eq "+s.Admin.BusinessUnitID+" and isdisabled eq false") + "&$orderby=createdon,internalemailaddress&$top=1", "admin@connectorhub.local", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "GET", api+"systemusers?$select=internalemailaddress,fullname&"+tt.query, "")
			recs := values(t, r)
			if got := column(recs, "internalemailaddress"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			m := r.JSON(t)
			if tt.count > 0 && m["@odata.count"] != tt.count {
				t.Errorf("@odata.count: got %v, want %v", m["@odata.count"], tt.count)
			}
			if m["@odata.context"] != s.URL()+api+"$metadata#systemusers(internalemailaddress,fullname)" {
				t.Errorf("context: got %v", m["@odata.context"])
			}
			for _, rec := range recs {
				if rec["systemuserid"] == nil || !strings.HasPrefix(rec["@odata.etag"].(string), `W/"`) || rec["createdon"] != nil {
					t.Errorf("a record with $select: got %v, want the key, an ETag and the selected columns only", rec)
				}
			}
		})
	}
	if r := s.do(t, "GET", api+"systemusers/$count?$filter="+url.QueryEscape("endswith(internalemailaddress,'example.com')"), ""); r.Status != 200 || string(r.Body) != "3" {
		t.Errorf("$count: got %d %s", r.Status, r.Body)
	}
	if recs := values(t, s.do(t, "GET", api+"roles?$orderby=name&$select=name", "")); column(recs, "name") != "Basic User,Environment Maker,System Administrator,System Customizer" {
		t.Errorf("roles: got %v", recs)
	}
	if recs := values(t, s.do(t, "GET", api+"businessunits", "")); len(recs) != 1 || recs[0]["_parentbusinessunitid_value"] != nil || recs[0]["businessunitid"] != s.Admin.BusinessUnitID {
		t.Errorf("businessunits: got %v", recs)
	}

	// One record, its ETag and a property.
	one := api + "systemusers(" + s.Admin.ID + ")"
	r := s.do(t, "GET", one, "")
	rec := r.JSON(t)
	if r.Status != 200 || rec["ownerid"] != s.Admin.ID || rec["systemuserid"] != s.Admin.ID || rec["isdisabled"] != false ||
		rec["fullname"] != "System Administrator" || r.Header.Get("ETag") != rec["@odata.etag"] {
		t.Errorf("GET %s: got %d %v", one, r.Status, rec)
	}
	if r := s.do(t, "GET", one, "", "If-None-Match: "+rec["@odata.etag"].(string)); r.Status != 304 {
		t.Errorf("If-None-Match: got %d", r.Status)
	}
	if r := s.do(t, "GET", one+"/internalemailaddress", ""); r.Status != 200 || r.JSON(t)["value"] != "admin@connectorhub.local" {
		t.Errorf("property: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one+"/azureactivedirectoryobjectid", ""); r.Status != 204 {
		t.Errorf("null property: got %d %s", r.Status, r.Body)
	}

	for _, bad := range []struct{ method, path, code string }{
		{"GET", "systemusers?$select=colour", connectorhub.ECodeBadRequest},
		{"GET", "systemusers?$filter=" + url.QueryEscape("businessunitid/name eq 'x'"), connectorhub.ECodeQuery},
		{"GET", "systemusers?$expand=teammembership_association", connectorhub.ECodeQuery},
		{"GET", "teams?$apply=" + url.QueryEscape("aggregate($count as n)"), connectorhub.ECodeQuery},
		{"GET", "systemusers?$skiptoken=forged", connectorhub.ECodeQuery},
		{"GET", "systemusers(00000000-0000-0000-0000-00000000dead)", connectorhub.ECodeNotFound},
		{"GET", "teams(00000000-0000-0000-0000-00000000dead)/teammembership_association", connectorhub.ECodeNotFound},
		{"GET", "systemusers(nope)", connectorhub.ECodeBadRequest},
		{"GET", "systemusers(" + s.Admin.ID + ")/colour", connectorhub.ECodeResourceNotFound},
		{"PUT", "systemusers(" + s.Admin.ID + ")/fullname", connectorhub.ECodeMethodNotAllowed},
		{"DELETE", "systemusers", connectorhub.ECodeMethodNotAllowed},
	} {
		r := s.do(t, bad.method, api+bad.path, "")
		if code, msg := r.ErrorCode(t); code != bad.code || r.Status != webapi.StatusOf(bad.code) {
			t.Errorf("%s %s: got %d %s %s, want %s", bad.method, bad.path, r.Status, code, msg, bad.code)
		}
	}
}

// TestIdentityPaging reads the users two at a time in an order with ties, following the
// signed nextLinks, and finds each user once.
func TestIdentityPaging(t *testing.T) {
	s := MustOpenServer(t)
	for i := 0; i < 6; i++ {
		mustCreateIdentity(t, s, "systemusers", mustJSON(map[string]string{"fullname": "Same", "internalemailaddress": "u" + string(rune('a'+i)) + "@example.com"}))
	}
	seen := map[string]bool{}
	next, pages := api+"systemusers?$select=fullname&$orderby=fullname%20desc&$count=true", 0
	for next != "" && pages < 10 {
		r := s.do(t, "GET", strings.TrimPrefix(next, s.URL()), "", "Prefer: odata.maxpagesize=2")
		if r.Header.Get("Preference-Applied") != "odata.maxpagesize=2" {
			t.Errorf("Preference-Applied: got %q", r.Header.Get("Preference-Applied"))
		}
		m := r.JSON(t)
		if m["@odata.count"] != 7.0 {
			t.Errorf("@odata.count on page %d: got %v, want 7", pages+1, m["@odata.count"])
		}
		for _, rec := range values(t, r) {
			id := rec["systemuserid"].(string)
			if seen[id] {
				t.Errorf("user %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		next, _ = m["@odata.nextLink"].(string)
		if next != "" && !strings.Contains(next, "$skiptoken=") {
			t.Errorf("nextLink without $skiptoken: %s", next)
		}
	}
	if len(seen) != 7 || pages != 4 {
		t.Errorf("got %d users over %d pages, want 7 over 4", len(seen), pages)
	}
}

func TestIdentityManagement(t *testing.T) {
	s := MustOpenServer(t)
	ctx := context.Background()

	// Business units: a child of the root, and a grandchild bound by absolute URL.
	sales := mustCreateIdentity(t, s, "businessunits", `{"name": "Sales"}`)
	west := mustCreateIdentity(t, s, "businessunits", `{"name": "Sales West", "parentbusinessunitid@odata.bind": "`+s.URL()+api+`businessunits(`+sales+`)"}`)
	if r := s.do(t, "GET", api+"businessunits("+west+")/_parentbusinessunitid_value", ""); r.JSON(t)["value"] != sales {
		t.Errorf("parent of Sales West: got %s", r.Body)
	}

	// A team, created with return=representation.
	r := s.do(t, "POST", api+"teams?$select=name,teamtype", `{"name": "Makers", "businessunitid@odata.bind": "/businessunits(`+sales+`)"}`, "Prefer: return=representation")
	team := r.JSON(t)
	if r.Status != 201 || team["name"] != "Makers" || team["teamtype"] != 0.0 || team["teamid"] == nil || r.Header.Get("OData-EntityId") != "" {
		t.Fatalf("POST teams with return=representation: got %d %s", r.Status, r.Body)
	}
	teamID := team["teamid"].(string)
	teamURL := api + "teams(" + teamID + ")"
	if r := s.do(t, "PATCH", teamURL, `{"name": "Connector Makers"}`, `If-Match: W/"1"`); r.Status != 412 {
		t.Errorf("PATCH with a stale ETag: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "PATCH", teamURL, `{"name": "Connector Makers"}`, "If-Match: "+team["@odata.etag"].(string)); r.Status != 204 {
		t.Errorf("PATCH team: got %d %s", r.Status, r.Body)
	}

	// A user from first and last name, in the Sales business unit.
	userID := mustCreateIdentity(t, s, "systemusers", `{"firstname": "Ada", "lastname": "Lovelace", "internalemailaddress": "ada@example.com",
		"azureactivedirectoryobjectid": "AAAAAAAA-0000-0000-0000-000000000001", "businessunitid@odata.bind": "businessunits(`+sales+`)",}`)
	userURL := api + "systemusers(" + userID + ")"
	u := s.do(t, "GET", userURL, "").JSON(t)
	if u["fullname"] != "Ada Lovelace" || u["_businessunitid_value"] != sales || u["azureactivedirectoryobjectid"] != "aaaaaaaa-0000-0000-0000-000000000001" {
		t.Errorf("created user: got %v", u)
	}
	if r := s.do(t, "PATCH", userURL, `{"internalemailaddress": "ada.lovelace@example.com"}`, "Prefer: return=representation"); r.Status != 200 || r.JSON(t)["internalemailaddress"] != "ada.lovelace@example.com" {
		t.Errorf("PATCH user: got %d %s", r.Status, r.Body)
	}

	// Membership, by absolute and by relative reference.
	members := teamURL + "/teammembership_association"
	for _, ref := range []string{s.URL() + userURL, "systemusers(" + s.Admin.ID + ")"} {
		if r := s.do(t, "POST", members+"/$ref", `{"@odata.id": "`+ref+`"}`); r.Status != 204 {
			t.Fatalf("associate %s: got %d %s", ref, r.Status, r.Body)
		}
	}
	if got := column(values(t, s.do(t, "GET", members+"?$select=fullname&$orderby=fullname", "")), "fullname"); got != "Ada Lovelace,System Administrator" {
		t.Errorf("members: got %s", got)
	}
	if r := s.do(t, "GET", members+"/$count", ""); string(r.Body) != "2" {
		t.Errorf("members/$count: got %s", r.Body)
	}
	if r := s.do(t, "GET", members+"/$ref", ""); !strings.Contains(string(r.Body), `{"@odata.id":"`+s.URL()+userURL+`"}`) {
		t.Errorf("members/$ref: got %s", r.Body)
	}
	if r := s.do(t, "DELETE", members+"("+s.Admin.ID+")/$ref", ""); r.Status != 204 {
		t.Errorf("disassociate: got %d %s", r.Status, r.Body)
	}
	if got := column(values(t, s.do(t, "GET", api+"systemusers("+userID+")/teammembership_association", "")), "name"); got != "Connector Makers" {
		t.Errorf("the user's teams: got %s", got)
	}

	// Roles: a user's through the user, a team's through the team.
	maker := roleID(t, s, connectorhub.RoleEnvironmentMaker)
	if r := s.do(t, "POST", userURL+"/systemuserroles_association/$ref", `{"@odata.id": "roles(`+maker+`)"}`); r.Status != 204 {
		t.Fatalf("assign role: got %d %s", r.Status, r.Body)
	}
	if got := column(values(t, s.do(t, "GET", userURL+"/systemuserroles_association?$select=name", "")), "name"); got != connectorhub.RoleEnvironmentMaker {
		t.Errorf("the user's roles: got %s", got)
	}
	p, err := s.DB.LoadPrincipal(ctx, userID)
	if err != nil || p.Depth(connectorhub.PrivCreate) != connectorhub.DepthUser {
		t.Errorf("after the role was assigned through the API: got %+v, %v; want Create at User depth", p, err)
	}
	if r := s.do(t, "DELETE", userURL+"/systemuserroles_association/$ref?$id="+url.QueryEscape(s.URL()+api+"roles("+maker+")"), ""); r.Status != 204 {
		t.Errorf("remove role with $id: got %d %s", r.Status, r.Body)
	}
	if p, _ := s.DB.LoadPrincipal(ctx, userID); p.Depth(connectorhub.PrivCreate) != connectorhub.DepthNone {
		t.Errorf("after the role was removed: got %v", p.Security.Privileges)
	}
	if r := s.do(t, "POST", teamURL+"/teamroles_association/$ref", `{"@odata.id": "roles(`+maker+`)"}`); r.Status != 204 {
		t.Fatalf("assign team role: got %d %s", r.Status, r.Body)
	}
	if got := column(values(t, s.do(t, "GET", api+"roles("+maker+")/teamroles_association", "")), "name"); got != "Connector Makers" {
		t.Errorf("teams with the role: got %s", got)
	}

	// A team that owns a connector is not deleted; then it is, with its links.
	if r := s.do(t, "POST", api+"connectors", body(1, map[string]any{"ownerid@odata.bind": "teams(" + teamID + ")"})); r.Status != 204 {
		t.Fatalf("create a team's connector: %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "DELETE", teamURL, ""); r.Status != 400 || !strings.Contains(string(r.Body), "owns 1 connectors") {
		t.Errorf("DELETE an owning team: got %d %s", r.Status, r.Body)
	}
	s.do(t, "DELETE", api+"connectors(00000000-0000-0000-0000-000000000001)", "")
	if r := s.do(t, "DELETE", teamURL, ""); r.Status != 204 {
		t.Errorf("DELETE team: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", teamURL, ""); r.Status != 404 {
		t.Errorf("GET a deleted team: got %d", r.Status)
	}

	mustCreateIdentity(t, s, "teams", `{"name": "Sales"}`)
	for _, bad := range []struct{ method, path, body, code string }{
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com", "colour": "red"}`, connectorhub.ECodeBadRequest},
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com", "createdon": "2024-01-01T00:00:00Z"}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers", `{"fullname": "X"}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers", `{"fullname": 5, "internalemailaddress": "x@example.com"}`, connectorhub.ECodePayload},
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "ADA.lovelace@example.com"}`, connectorhub.ECodeDuplicateKey},
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com", "businessunitid@odata.bind": "teams(` + teamID + `)"}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com", "owningteam@odata.bind": "teams(` + teamID + `)"}`, connectorhub.ECodePayload},
		{"PATCH", "systemusers(" + userID + ")", `{"lastname": "Byron"}`, connectorhub.ECodeInvalidArgument},
		{"PATCH", "systemusers(" + userID + ")", `{"businessunitid@odata.bind": "businessunits(` + sales + `)"}`, connectorhub.ECodeInvalidArgument},
		{"PATCH", "systemusers(00000000-0000-0000-0000-00000000dead)", `{"fullname": "X"}`, connectorhub.ECodeNotFound},
		{"DELETE", "systemusers(" + userID + ")", "", connectorhub.ECodeMethodNotAllowed},
		{"POST", "roles", `{"name": "system administrator"}`, connectorhub.ECodeDuplicateKey},
		{"PATCH", "roles(" + maker + ")", `{"name": "Mine"}`, connectorhub.ECodeInvalidArgument},
		{"DELETE", "roles(" + maker + ")", "", connectorhub.ECodeInvalidArgument},
		{"PATCH", "systemusers(" + userID + ")", `{"isdisabled": "yes"}`, connectorhub.ECodePayload},
		{"PATCH", "systemusers(" + s.Admin.ID + ")", `{"isdisabled": true}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com", "isdisabled": true}`, connectorhub.ECodeInvalidArgument},
		{"POST", "teams", `{"name": "SALES"}`, connectorhub.ECodeDuplicateKey},
		{"POST", "businessunits", `{"name": "East", "parentbusinessunitid@odata.bind": "businessunits(00000000-0000-0000-0000-00000000dead)"}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers(" + userID + ")/systemuserroles_association/$ref", `{"@odata.id": "teams(` + teamID + `)"}`, connectorhub.ECodeInvalidArgument},
		{"POST", "systemusers(" + userID + ")/systemuserroles_association/$ref", `{"@odata.id": "roles(00000000-0000-0000-0000-00000000dead)"}`, connectorhub.ECodeNotFound},
		{"POST", "systemusers(" + userID + ")/systemuserroles_association/$ref", `{"id": "roles(` + maker + `)"}`, connectorhub.ECodePayload},
		{"DELETE", "systemusers(" + userID + ")/systemuserroles_association/$ref?$id=nonsense", "", connectorhub.ECodeInvalidArgument},
	} {
		r := s.do(t, bad.method, api+bad.path, bad.body)
		if r.Status < 400 {
			t.Errorf("%s %s %s: got %d, want %s", bad.method, bad.path, bad.body, r.Status, bad.code)
			continue
		}
		if code, msg := r.ErrorCode(t); code != bad.code || r.Status != webapi.StatusOf(bad.code) {
			t.Errorf("%s %s %s: got %d %s %s, want %s", bad.method, bad.path, bad.body, r.Status, code, msg, bad.code)
		}
	}
}

// TestIdentityPrivileges checks the rule over HTTP: every caller reads identities; only
// System Administrators and System Customizers manage them.
func TestIdentityPrivileges(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	maker := addUser("maker", connectorhub.RoleEnvironmentMaker)
	addUser("customizer", connectorhub.RoleSystemCustomizer)
	as := func(user string) string { return "X-Test-User: " + user }
	basicRole := roleID(t, s, connectorhub.RoleBasicUser, as("maker"))
	for _, tt := range []struct{ method, path, body, privilege string }{
		{"POST", "systemusers", `{"fullname": "X", "internalemailaddress": "x@example.com"}`, "prvCreateUser"},
		{"PATCH", "systemusers(" + maker.UserID + ")", `{"fullname": "Me"}`, "prvWriteUser"},
		{"POST", "teams", `{"name": "T"}`, "prvCreateTeam"},
		{"POST", "businessunits", `{"name": "B"}`, "prvCreateBusinessUnit"},
		{"POST", "systemusers(" + maker.UserID + ")/systemuserroles_association/$ref", `{"@odata.id": "roles(` + basicRole + `)"}`, "prvAssignRole"},
	} {
		t.Run(tt.privilege, func(t *testing.T) {
			r := s.do(t, tt.method, api+tt.path, tt.body, as("maker"))
			if code, msg := r.ErrorCode(t); r.Status != 403 || code != connectorhub.ECodePrivilegeDenied || !strings.Contains(msg, tt.privilege) {
				t.Errorf("as Environment Maker: got %d %s %s, want 403 naming %s", r.Status, code, msg, tt.privilege)
			}
			if r := s.do(t, tt.method, api+tt.path, tt.body, as("customizer")); r.Status != 204 {
				t.Errorf("as System Customizer: got %d %s", r.Status, r.Body)
			}
		})
	}
	if recs := values(t, s.do(t, "GET", api+"systemusers?$select=fullname", "", as("maker"))); len(recs) != 4 {
		t.Errorf("an Environment Maker lists the users: got %d, want 4", len(recs))
	}
	// A System Customizer cannot raise anyone (itself included) to System Administrator.
	admin := roleID(t, s, connectorhub.RoleSystemAdministrator, as("maker"))
	if r := s.do(t, "POST", api+"systemusers("+maker.UserID+")/systemuserroles_association/$ref", `{"@odata.id": "roles(`+admin+`)"}`, as("customizer")); r.Status != 403 {
		t.Errorf("a customizer assigning System Administrator: got %d %s", r.Status, r.Body)
	}
}

func TestIdentityMetadata(t *testing.T) {
	s := MustOpenServer(t)
	doc := s.do(t, "GET", api, "").JSON(t)
	sets := map[string]bool{}
	for _, v := range doc["value"].([]any) {
		sets[v.(map[string]any)["name"].(string)] = true
	}
	for _, set := range []string{"connectors", "systemusers", "teams", "businessunits", "roles"} {
		if !sets[set] {
			t.Errorf("service document: %s missing from %v", set, sets)
		}
	}
	var md csdlDoc
	if err := xml.Unmarshal(s.do(t, "GET", api+"$metadata", "").Body, &md); err != nil {
		t.Fatal(err)
	}
	navs, keys := map[string]string{}, map[string]string{}
	for _, et := range md.DataServices.Schema.EntityTypes {
		if len(et.Key.PropertyRef) == 1 {
			keys[et.Name] = et.Key.PropertyRef[0].Name
		}
		for _, n := range et.Navigation {
			navs[et.Name+"."+n.Name] = n.Type
		}
	}
	if keys["role"] != "roleid" {
		t.Errorf("role key: got %q", keys["role"])
	}
	for nav, want := range map[string]string{
		"team.teammembership_association":        "Collection(mscrm.systemuser)",
		"systemuser.teammembership_association":  "Collection(mscrm.team)",
		"systemuser.systemuserroles_association": "Collection(mscrm.role)",
		"role.systemuserroles_association":       "Collection(mscrm.systemuser)",
		"team.teamroles_association":             "Collection(mscrm.role)",
		"role.businessunitid":                    "mscrm.businessunit",
	} {
		if navs[nav] != want {
			t.Errorf("%s: got %q, want %q", nav, navs[nav], want)
		}
	}
}

// asUser is the header MustOpenMultiUserServer's users are called by.
func asUser(name string) string { return "X-Test-User: " + name }

// TestIdentityTeamEscalation: joining a team gives its roles, so it obeys the rule of giving
// roles, from both sides of every relationship: a System Customizer can neither join a team
// holding System Administrator nor give that role to its own team.
func TestIdentityTeamEscalation(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	customizer := addUser("customizer", connectorhub.RoleSystemCustomizer).UserID
	grace := addUser("grace").UserID
	adminRole := roleID(t, s, connectorhub.RoleSystemAdministrator, asUser("admin"))
	makerRole := roleID(t, s, connectorhub.RoleEnvironmentMaker, asUser("admin"))
	admins := mustCreateIdentity(t, s, "teams", `{"name": "Admins"}`, asUser("admin"))
	makers := mustCreateIdentity(t, s, "teams", `{"name": "Makers"}`, asUser("admin"))
	link := func(user, path, ref string) *response {
		return s.do(t, "POST", api+path+"/$ref", `{"@odata.id": "`+ref+`"}`, asUser(user))
	}
	for _, setup := range [][2]string{
		{"teams(" + admins + ")/teamroles_association", "roles(" + adminRole + ")"},
		{"teams(" + makers + ")/teamroles_association", "roles(" + makerRole + ")"},
		{"teams(" + makers + ")/teammembership_association", "systemusers(" + customizer + ")"},
	} {
		if r := link("admin", setup[0], setup[1]); r.Status != 204 {
			t.Fatalf("%s %s: got %d %s", setup[0], setup[1], r.Status, r.Body)
		}
	}
	for _, tt := range []struct {
		name, user, path, ref string
		status                int
	}{
		{"JoinAdminTeamFromTheTeam", "customizer", "teams(" + admins + ")/teammembership_association", "systemusers(" + customizer + ")", 403},
		{"JoinAdminTeamFromTheUser", "customizer", "systemusers(" + customizer + ")/teammembership_association", s.URL() + api + "teams(" + admins + ")", 403},
		{"AddOtherToAdminTeamFromTheTeam", "customizer", "teams(" + admins + ")/teammembership_association", "systemusers(" + grace + ")", 403},
		{"AddOtherToAdminTeamFromTheUser", "customizer", "systemusers(" + grace + ")/teammembership_association", "teams(" + admins + ")", 403},
		{"AdminRoleToOwnTeamFromTheTeam", "customizer", "teams(" + makers + ")/teamroles_association", "roles(" + adminRole + ")", 403},
		{"AdminRoleToOwnTeamFromTheRole", "customizer", "roles(" + adminRole + ")/teamroles_association", "teams(" + makers + ")", 403},
		{"AdminRoleToSelfFromTheRole", "customizer", "roles(" + adminRole + ")/systemuserroles_association", "systemusers(" + customizer + ")", 403},
		{"AddOtherToOwnTeam", "customizer", "teams(" + makers + ")/teammembership_association", "systemusers(" + grace + ")", 204},
		{"AdminAddsToAdminTeam", "admin", "teams(" + admins + ")/teammembership_association", "systemusers(" + grace + ")", 204},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := link(tt.user, tt.path, tt.ref)
			if r.Status != tt.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.status == 403 {
				if code, _ := r.ErrorCode(t); code != connectorhub.ECodePrivilegeDenied {
					t.Errorf("got code %s, want %s", code, connectorhub.ECodePrivilegeDenied)
				}
			}
		})
	}
	if got := column(values(t, s.do(t, "GET", api+"systemusers("+customizer+")/teammembership_association?$select=name", "", asUser("admin"))), "name"); got != "Makers" {
		t.Errorf("the customizer's teams afterwards: got %s, want Makers", got)
	}
	p, err := s.DB.LoadPrincipal(context.Background(), customizer)
	if err != nil || p.Depth(connectorhub.PrivActOnBehalf) != connectorhub.DepthNone {
		t.Errorf("the customizer afterwards: %+v, %v; want no prvActOnBehalfOfAnotherUser", p, err)
	}
}

// TestIdentityLockout: nobody acts on a principal stronger than themselves, and the last (and
// the bootstrap) System Administrator stays enabled and System Administrator, over HTTP.
func TestIdentityLockout(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("customizer", connectorhub.RoleSystemCustomizer)
	peer := addUser("peer", connectorhub.RoleSystemCustomizer).UserID
	second := addUser("second", connectorhub.RoleSystemAdministrator).UserID
	admin := s.Admin.ID
	adminRole := roleID(t, s, connectorhub.RoleSystemAdministrator, asUser("admin"))
	makerRole := roleID(t, s, connectorhub.RoleEnvironmentMaker, asUser("admin"))
	makers := mustCreateIdentity(t, s, "teams", `{"name": "Makers"}`, asUser("admin"))
	for _, setup := range [][2]string{
		{"teams(" + makers + ")/teamroles_association", "roles(" + makerRole + ")"},
		{"teams(" + makers + ")/teammembership_association", "systemusers(" + second + ")"},
	} {
		if r := s.do(t, "POST", api+setup[0]+"/$ref", `{"@odata.id": "`+setup[1]+`"}`, asUser("admin")); r.Status != 204 {
			t.Fatalf("%s %s: got %d %s", setup[0], setup[1], r.Status, r.Body)
		}
	}
	const exceeds, bootstrap, last = "exceed the caller's own", "bootstrap System Administrator", "last enabled System Administrator"
	for _, tt := range []struct {
		name, user, method, path, body string
		status                         int
		msg                            string
	}{
		{"DisableAdmin", "customizer", "PATCH", "systemusers(" + second + ")", `{"isdisabled": true}`, 403, exceeds},
		{"DisableBootstrapAdmin", "customizer", "PATCH", "systemusers(" + admin + ")", `{"isdisabled": true}`, 403, exceeds},
		{"RenameAdmin", "customizer", "PATCH", "systemusers(" + second + ")", `{"fullname": "Nobody"}`, 403, exceeds},
		{"TakeAdminRole", "customizer", "DELETE", "systemusers(" + second + ")/systemuserroles_association(" + adminRole + ")/$ref", "", 403, exceeds},
		{"TakeAdminRoleFromTheRole", "customizer", "DELETE", "roles(" + adminRole + ")/systemuserroles_association/$ref?$id=" + url.QueryEscape("systemusers("+admin+")"), "", 403, exceeds},
		{"TakeAdminOutOfTeam", "customizer", "DELETE", "teams(" + makers + ")/teammembership_association(" + second + ")/$ref", "", 403, exceeds},
		{"TakeAdminOutOfTeamFromTheUser", "customizer", "DELETE", "systemusers(" + second + ")/teammembership_association(" + makers + ")/$ref", "", 403, exceeds},
		{"TakeRoleFromTeamWithAdmin", "customizer", "DELETE", "teams(" + makers + ")/teamroles_association(" + makerRole + ")/$ref", "", 403, exceeds},
		{"DeleteTeamWithAdmin", "customizer", "DELETE", "teams(" + makers + ")", "", 403, exceeds},
		{"DisablePeer", "customizer", "PATCH", "systemusers(" + peer + ")", `{"isdisabled": true}`, 204, ""},
		{"EnablePeer", "customizer", "PATCH", "systemusers(" + peer + ")", `{"isdisabled": false}`, 204, ""},
		{"AdminDisablesAdmin", "admin", "PATCH", "systemusers(" + second + ")", `{"isdisabled": true}`, 204, ""},
		{"AdminEnablesAdmin", "admin", "PATCH", "systemusers(" + second + ")", `{"isdisabled": false}`, 204, ""},
		{"SecondDisablesBootstrap", "second", "PATCH", "systemusers(" + admin + ")", `{"isdisabled": true}`, 400, bootstrap},
		{"SecondDemotesBootstrap", "second", "DELETE", "systemusers(" + admin + ")/systemuserroles_association(" + adminRole + ")/$ref", "", 400, bootstrap},
		{"AdminDemotesSecond", "admin", "DELETE", "systemusers(" + second + ")/systemuserroles_association(" + adminRole + ")/$ref", "", 204, ""},
		{"DisableLast", "admin", "PATCH", "systemusers(" + admin + ")", `{"isdisabled": true}`, 400, last},
		{"DemoteLast", "admin", "DELETE", "roles(" + adminRole + ")/systemuserroles_association(" + admin + ")/$ref", "", 400, last},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, api+tt.path, tt.body, asUser(tt.user))
			if r.Status != tt.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.status < 400 {
				return
			}
			want := connectorhub.ECodePrivilegeDenied
			if tt.status == 400 {
				want = connectorhub.ECodeInvalidArgument
			}
			if code, msg := r.ErrorCode(t); code != want || !strings.Contains(msg, tt.msg) {
				t.Errorf("got %s %s, want %s saying %q", code, msg, want, tt.msg)
			}
		})
	}
	if u := s.do(t, "GET", api+"systemusers("+admin+")?$select=isdisabled", "", asUser("admin")).JSON(t); u["isdisabled"] != false {
		t.Errorf("the bootstrap administrator afterwards: %v", u)
	}
}
