package auth_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/sqlite"
)

// countingUsers counts the callers read in full.
type countingUsers struct {
	*sqlite.DB
	loads atomic.Int64
}

func (c *countingUsers) LoadPrincipal(ctx context.Context, id string) (*connectorhub.Principal, error) {
	c.loads.Add(1)
	return c.DB.LoadPrincipal(ctx, id)
}

// TestRightsCache: a caller is read once while nothing of the rights changes; a role given,
// a disabled user or revoked tokens are seen by the very next request; Consistency: Strong
// reads the caller afresh.
func TestRightsCache(t *testing.T) {
	ctx := context.Background()
	db, admin := mustOpenDB(t)
	adminP, _ := db.LoadPrincipal(ctx, admin.ID)
	actx := connectorhub.NewContextWithPrincipal(ctx, adminP)
	maker := &connectorhub.SystemUser{FullName: "Maker", Email: "maker@example.com"}
	if err := db.CreateSystemUser(ctx, maker); err != nil {
		t.Fatal(err)
	}
	local, err := auth.LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier()
	v.TrustLocal(local)
	users := &countingUsers{DB: db}
	a := &auth.Authenticator{Verifier: v, Users: users}
	tok, _ := local.Token(maker.ID, time.Hour)
	call := func(headers ...string) (*connectorhub.Principal, error) {
		r, _ := http.NewRequest("GET", "http://x/api/data/v9.2/WhoAmI", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return a.Authenticate(r)
	}
	for range 3 {
		if p, err := call(); err != nil || p.Depth(connectorhub.PrivCreate) != connectorhub.DepthNone {
			t.Fatalf("maker without roles: %v, %v", p, err)
		}
	}
	if n := users.loads.Load(); n != 1 {
		t.Errorf("three requests read the caller %d times, want 1", n)
	}
	if _, err := call("Consistency", "Strong"); err != nil || users.loads.Load() != 2 {
		t.Errorf("Consistency: Strong did not read the caller again (%d reads, %v)", users.loads.Load(), err)
	}
	// A role given is seen at once.
	role, _ := db.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	if err := db.Associate(actx, connectorhub.SystemUserRoles, connectorhub.SystemUserTable, maker.ID, role.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := call(); err != nil || p.Depth(connectorhub.PrivCreate) == connectorhub.DepthNone {
		t.Fatalf("after the role was given: %v, %v", p, err)
	}
	// Revoked tokens and a disabled user too.
	if err := db.RevokeSystemUserTokens(ctx, maker.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := call(); connectorhub.ErrorCode(err) != connectorhub.ECodeUnauthenticated {
		t.Errorf("a revoked token was accepted: %v", err)
	}
	time.Sleep(1100 * time.Millisecond) // a token issued after the revocation (iat has seconds)
	tok, _ = local.Token(maker.ID, time.Hour)
	if _, err := call(); err != nil {
		t.Fatalf("a new token after the revocation: %v", err)
	}
	yes := true
	if err := db.UpdateSystemUser(actx, maker.ID, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(); connectorhub.ErrorCode(err) != connectorhub.ECodeUnauthenticated {
		t.Errorf("a disabled user was let in: %v", err)
	}
}

// BenchmarkAuthenticate authenticates a local token: with the caller kept (one read of the
// security version) and with Consistency: Strong (the caller read afresh: five queries).
func BenchmarkAuthenticate(b *testing.B) {
	db, admin := mustOpenDB(b)
	local, err := auth.LoadOrCreateIssuer(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	v := auth.NewVerifier()
	v.TrustLocal(local)
	a := &auth.Authenticator{Verifier: v, Users: db}
	tok, _ := local.Token(admin.ID, time.Hour)
	for _, c := range []struct{ name, consistency string }{{"Kept", ""}, {"Strong", "Strong"}} {
		b.Run(c.name, func(b *testing.B) {
			r, _ := http.NewRequest("GET", "http://x/api/data/v9.2/WhoAmI", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if c.consistency != "" {
				r.Header.Set("Consistency", c.consistency)
			}
			for b.Loop() {
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
