package webapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/webapi"
)

// MustOpenMultiUserServer is MustOpenServer whose callers are named by X-Test-User:
// "admin" and the users added with addUser.
func MustOpenMultiUserServer(tb testing.TB) (*testServer, func(name string, roles ...string) *connectorhub.Principal) {
	s := MustOpenServer(tb)
	users := headerAuth{}
	admin, err := s.DB.LoadPrincipal(context.Background(), s.Admin.ID)
	if err != nil {
		tb.Fatal(err)
	}
	users["admin"] = admin
	s.Server.Close(context.Background())
	srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Solutions: s.DB, Transactor: s.DB, Auth: users}
	if err := srv.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close(context.Background()) })
	s.Server = srv
	add := func(name string, roles ...string) *connectorhub.Principal {
		ctx := context.Background()
		u := &connectorhub.SystemUser{FullName: name, Email: name + "@example.com"}
		if err := s.DB.CreateSystemUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		for _, r := range roles {
			role, err := s.DB.FindRoleByName(ctx, r)
			if err != nil {
				tb.Fatal(err)
			}
			s.DB.AssignRole(ctx, u.ID, role.ID)
		}
		p, err := s.DB.LoadPrincipal(ctx, u.ID)
		if err != nil {
			tb.Fatal(err)
		}
		users[name] = p
		return p
	}
	return s, add
}

func TestSharing(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	basic := addUser("basic", connectorhub.RoleBasicUser)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	as := func(user string) string { return "X-Test-User: " + user }
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil), as("admin")); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one, "", as("basic")); r.Status != 403 {
		t.Fatalf("basic user before the share: got %d, want 403", r.Status)
	}
	grant := `{"Target": {"connectorid": "00000000-0000-0000-0000-000000000001", "@odata.type": "Microsoft.Dynamics.CRM.connector"},
		"PrincipalAccess": {"Principal": {"systemuserid": "` + basic.UserID + `", "@odata.type": "Microsoft.Dynamics.CRM.systemuser"}, "AccessMask": "ReadAccess, WriteAccess"}}`
	if r := s.do(t, "POST", "/api/data/v9.2/GrantAccess", grant, as("admin")); r.Status != 204 {
		t.Fatalf("GrantAccess: %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one, "", as("basic")); r.Status != 200 {
		t.Errorf("basic user after the share: got %d %s", r.Status, r.Body)
	}
	tid := url.QueryEscape("{'@odata.id':'connectors(00000000-0000-0000-0000-000000000001)'}")
	r := s.do(t, "GET", "/api/data/v9.2/systemusers("+basic.UserID+")/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@tid)?@tid="+tid, "", as("admin"))
	if r.Status != 200 || r.JSON(t)["AccessRights"] != "ReadAccess, WriteAccess" {
		t.Errorf("RetrievePrincipalAccess: %d %s", r.Status, r.Body)
	}
	r = s.do(t, "GET", "/api/data/v9.2/RetrieveSharedPrincipalsAndAccess(Target=@tid)?@tid="+tid, "", as("admin"))
	if r.Status != 200 || !strings.Contains(string(r.Body), `"PrincipalAccesses":[{"AccessMask":"ReadAccess, WriteAccess","Principal":{"@odata.type":"#Microsoft.Dynamics.CRM.systemuser","ownerid":"`+basic.UserID+`"}}]`) {
		t.Errorf("RetrieveSharedPrincipalsAndAccess: %d %s", r.Status, r.Body)
	}
	modify := strings.Replace(grant, "ReadAccess, WriteAccess", "ReadAccess", 1)
	if r := s.do(t, "POST", "/api/data/v9.2/ModifyAccess", modify, as("admin")); r.Status != 204 {
		t.Fatalf("ModifyAccess: %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "PATCH", one, `{"description": "x"}`, as("basic")); r.Status != 403 {
		t.Errorf("write after ModifyAccess to ReadAccess: got %d", r.Status)
	}
	// The basic user cannot share on: it lacks Share on the record.
	if r := s.do(t, "POST", "/api/data/v9.2/GrantAccess", grant, as("basic")); r.Status != 403 {
		t.Errorf("GrantAccess by a reader: got %d %s", r.Status, r.Body)
	}
	revoke := `{"Target": {"connectorid": "00000000-0000-0000-0000-000000000001", "@odata.type": "Microsoft.Dynamics.CRM.connector"},
		"Revokee": {"systemuserid": "` + basic.UserID + `", "@odata.type": "Microsoft.Dynamics.CRM.systemuser"}}`
	if r := s.do(t, "POST", "/api/data/v9.2/RevokeAccess", revoke, as("admin")); r.Status != 204 {
		t.Fatalf("RevokeAccess: %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", one, "", as("basic")); r.Status != 403 {
		t.Errorf("basic user after the revoke: got %d", r.Status)
	}
	for _, bad := range []struct{ method, path, body string }{
		{"GET", "/api/data/v9.2/GrantAccess", ""},
		{"POST", "/api/data/v9.2/GrantAccess", `{"Target": {"accountid": "x"}}`},
		{"POST", "/api/data/v9.2/GrantAccess", strings.Replace(grant, "ReadAccess, WriteAccess", "EverythingAccess", 1)},
	} {
		if r := s.do(t, bad.method, bad.path, bad.body, as("admin")); r.Status/100 != 4 {
			t.Errorf("%s %s %s: got %d, want a 4xx", bad.method, bad.path, bad.body, r.Status)
		}
	}
	_ = http.StatusOK
}

// TestListTrimming checks that a Basic User's lists, counts, pages and aggregates hold only
// the connectors it may read.
func TestListTrimming(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	basic := addUser("basic", connectorhub.RoleBasicUser)
	for i := 1; i <= 5; i++ {
		extra := map[string]any{}
		if i%2 == 0 {
			extra["ownerid@odata.bind"] = "systemusers(" + basic.UserID + ")"
		}
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i, extra), "X-Test-User: admin"); r.Status != 204 {
			t.Fatalf("create %d: %d %s", i, r.Status, r.Body)
		}
	}
	as := "X-Test-User: basic"
	if r := s.do(t, "GET", "/api/data/v9.2/connectors?$select=name&$count=true", "", as); len(r.JSON(t)["value"].([]any)) != 2 || r.JSON(t)["@odata.count"] != 2.0 {
		t.Errorf("list: %s", r.Body)
	}
	if r := s.do(t, "GET", "/api/data/v9.2/connectors/$count", "", as); string(r.Body) != "2" {
		t.Errorf("$count: %s", r.Body)
	}
	// Paging one row at a time: two pages, then no nextLink.
	pages, next := 0, "/api/data/v9.2/connectors?$select=name"
	for next != "" && pages < 10 {
		r := s.do(t, "GET", strings.TrimPrefix(next, s.URL()), "", as, "Prefer: odata.maxpagesize=1")
		m := r.JSON(t)
		if len(m["value"].([]any)) > 0 {
			pages++
		}
		next, _ = m["@odata.nextLink"].(string)
	}
	if pages != 2 {
		t.Errorf("paging: got %d non-empty pages, want 2", pages)
	}
	r := s.do(t, "GET", "/api/data/v9.2/connectors?$apply="+url.QueryEscape("aggregate($count as n)"), "", as)
	if !strings.Contains(string(r.Body), `"n":2`) {
		t.Errorf("$apply: %s", r.Body)
	}
	if r := s.do(t, "GET", "/api/data/v9.2/connectors?$select=name&$expand=ownerid($select=fullname)", "", as); len(r.JSON(t)["value"].([]any)) != 2 {
		t.Errorf("$expand: %s", r.Body)
	}
}
