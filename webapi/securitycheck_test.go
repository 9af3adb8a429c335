package webapi_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

// countingPrincipals counts the reads of the security version and of callers.
type countingPrincipals struct {
	*sqlstore.DB
	versions, loads atomic.Int64
}

func (c *countingPrincipals) SecurityVersion(ctx context.Context) (int64, error) {
	c.versions.Add(1)
	return c.DB.SecurityVersion(ctx)
}

func (c *countingPrincipals) LoadPrincipal(ctx context.Context, id string) (*connectorhub.Principal, error) {
	c.loads.Add(1)
	return c.DB.LoadPrincipal(ctx, id)
}

// tokenServer is a test server that authenticates bearer tokens of its local issuer, as
// connectorhub serve does, with the rights cache of auth.Authenticator.
type tokenServer struct {
	*testServer
	users *countingPrincipals
	iss   *auth.Issuer
}

func mustOpenTokenServer(t *testing.T) *tokenServer {
	s := MustOpenServer(t)
	iss, err := auth.LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier()
	v.TrustLocal(iss)
	users := &countingPrincipals{DB: s.DB}
	s.Server.Auth = &auth.Authenticator{Verifier: v, Users: users}
	return &tokenServer{testServer: s, users: users, iss: iss}
}

// user creates a user with the roles named and returns it with a token of it.
func (s *tokenServer) user(t *testing.T, name string, roles ...string) (*connectorhub.SystemUser, string) {
	t.Helper()
	ctx := context.Background()
	u := &connectorhub.SystemUser{FullName: name, Email: name + "@example.com"}
	if err := s.DB.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		s.giveRole(t, u, r)
	}
	tok, err := s.iss.Token(u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return u, tok
}

func (s *tokenServer) giveRole(t *testing.T, u *connectorhub.SystemUser, name string) {
	t.Helper()
	role, err := s.DB.FindRoleByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.AssignRole(context.Background(), u.ID, role.ID); err != nil {
		t.Fatal(err)
	}
}

// TestKeptCallerCostsNoQuery: a GET of a connector, by id or by name, by a caller kept from
// an earlier request reads neither the caller nor the security version on its own: the
// version comes with the record, in the same statement.
func TestKeptCallerCostsNoQuery(t *testing.T) {
	s := mustOpenTokenServer(t)
	_, tok := s.user(t, "reader", connectorhub.RoleEnvironmentMaker)
	bearer := "Authorization: Bearer " + tok
	adminTok, _ := s.iss.Token(s.Admin.ID, time.Hour)
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil), "Authorization: Bearer "+adminTok); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{
		"/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)",
		"/api/data/v9.2/connectors?$filter=name%20eq%20'cr736_c1'",
		"/api/data/v9.2/connectors?$filter=contains(displayname,'Connector')&$select=name",
	} {
		if r := s.do(t, "GET", path, "", bearer); r.Status != 200 { // keeps the caller
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		versions, loads := s.users.versions.Load(), s.users.loads.Load()
		for range 3 {
			if r := s.do(t, "GET", path, "", bearer); r.Status != 200 || !strings.Contains(string(r.Body), "cr736_c1") {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		}
		if v, l := s.users.versions.Load()-versions, s.users.loads.Load()-loads; v != 0 || l != 0 {
			t.Errorf("%s: three GETs of a kept caller read the security version %d times and the caller %d times, want 0 and 0", path, v, l)
		}
	}
}

// TestKeptCallerAnswersAsAFreshRead: whatever changed in a caller's rights behind the
// server's back (another replica, a command on the database), a GET answered with the rights
// kept from an earlier request answers exactly as a fresh read of the caller (Consistency:
// Strong) does, for every kind of read of connectors, those that read no record included.
func TestKeptCallerAnswersAsAFreshRead(t *testing.T) {
	s := mustOpenTokenServer(t)
	adminTok, _ := s.iss.Token(s.Admin.ID, time.Hour)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	created := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil), "Authorization: Bearer "+adminTok, "Prefer: return=representation")
	if created.Status != 201 {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	etag := created.Header.Get("ETag")
	requests := []struct {
		name, path string
		headers    []string
	}{
		{"ByID", one, nil},
		{"ByName", "/api/data/v9.2/connectors?$filter=name%20eq%20'cr736_c1'", nil},
		{"Contains", "/api/data/v9.2/connectors?$filter=contains(displayname,'Connector')", nil},
		{"NoRows", "/api/data/v9.2/connectors?$filter=name%20eq%20'nothing'", nil},
		{"TopZero", "/api/data/v9.2/connectors?$top=0", nil},
		{"Count", "/api/data/v9.2/connectors?$count=true&$select=name", nil},
		{"BadQuery", "/api/data/v9.2/connectors?$select=nosuchcolumn", nil},
		{"NotModified", one, []string{"If-None-Match: " + etag}},
		{"Expand", one + "?$expand=createdby($select=fullname)", nil},
		{"Property", one + "/displayname", nil},
		{"Missing", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000999)", nil},
	}
	changes := []struct {
		name   string
		roles  []string
		change func(t *testing.T, u *connectorhub.SystemUser)
	}{
		{"RoleRemoved", []string{connectorhub.RoleEnvironmentMaker}, func(t *testing.T, u *connectorhub.SystemUser) {
			role, _ := s.DB.FindRoleByName(context.Background(), connectorhub.RoleEnvironmentMaker)
			if err := s.DB.RemoveRole(context.Background(), u.ID, role.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"RoleGiven", []string{connectorhub.RoleBasicUser}, func(t *testing.T, u *connectorhub.SystemUser) {
			s.giveRole(t, u, connectorhub.RoleEnvironmentMaker)
		}},
		{"Disabled", []string{connectorhub.RoleEnvironmentMaker}, func(t *testing.T, u *connectorhub.SystemUser) {
			p, err := s.DB.LoadPrincipal(context.Background(), s.Admin.ID)
			if err != nil {
				t.Fatal(err)
			}
			admin := connectorhub.NewContextWithPrincipal(context.Background(), p)
			yes := true
			if err := s.DB.UpdateSystemUser(admin, u.ID, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{}); err != nil {
				t.Fatal(err)
			}
		}},
		{"TokensRevoked", []string{connectorhub.RoleEnvironmentMaker}, func(t *testing.T, u *connectorhub.SystemUser) {
			if err := s.DB.RevokeSystemUserTokens(context.Background(), u.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range changes {
		for i, rq := range requests {
			t.Run(c.name+"/"+rq.name, func(t *testing.T) {
				u, tok := s.user(t, c.name+rq.name+string(rune('a'+i)), c.roles...)
				headers := append([]string{"Authorization: Bearer " + tok}, rq.headers...)
				before := s.do(t, "GET", rq.path, "", headers...) // keeps the caller
				c.change(t, u)
				kept := s.do(t, "GET", rq.path, "", headers...)
				fresh := s.do(t, "GET", rq.path, "", append(headers, "Consistency: Strong")...)
				if kept.Status != fresh.Status || string(kept.Body) != string(fresh.Body) {
					t.Errorf("with the kept caller: %d %s\nfresh: %d %s\n(before the change: %d)", kept.Status, kept.Body, fresh.Status, fresh.Body, before.Status)
				}
				if got := kept.Header.Values("x-ms-ratelimit-burst-remaining-xrm-requests"); len(got) > 1 {
					t.Errorf("a request served again kept the first attempt's headers: %q", got)
				}
			})
		}
	}
}
