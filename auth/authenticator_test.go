package auth_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/sqlite"
)

func TestAuthenticator(t *testing.T) {
	ctx := context.Background()
	db, admin := mustOpenDB(t)
	maker := &connectorhub.SystemUser{FullName: "Maker", Email: "maker@example.com", AADObjectID: "44444444-4444-4444-4444-444444444444"}
	if err := db.CreateSystemUser(ctx, maker); err != nil {
		t.Fatal(err)
	}
	role, _ := db.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	db.AssignRole(ctx, maker.ID, role.ID)
	// A disabled user with a role and an Entra object id: nothing but isdisabled stops it.
	gone := &connectorhub.SystemUser{FullName: "Gone", Email: "gone@example.com", AADObjectID: "77777777-7777-7777-7777-777777777777"}
	if err := db.CreateSystemUser(ctx, gone); err != nil {
		t.Fatal(err)
	}
	db.AssignRole(ctx, gone.ID, role.ID)
	adminP, err := db.LoadPrincipal(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := db.UpdateSystemUser(connectorhub.NewContextWithPrincipal(ctx, adminP), gone.ID, connectorhub.SystemUserUpdate{Disabled: &yes}, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}

	local, err := auth.LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := newIDP(t)
	v := auth.NewVerifier()
	v.TrustLocal(local)
	if err := v.TrustOIDC(ctx, p.srv.URL, audience, nil); err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{Verifier: v, Users: db, Authority: "https://login.example.com/t/oauth2/authorize", Audience: audience, DefaultIssuer: p.srv.URL}
	adminTok, _ := local.Token(admin.ID, time.Hour)
	makerTok, _ := local.Token(maker.ID, time.Hour)
	goneTok, _ := local.Token(gone.ID, time.Hour)
	external := func(oid string) string {
		return sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["oid"] = oid; c["name"] = "Grace" }))
	}
	tests := []struct {
		name     string
		headers  map[string]string
		wantUser string
		wantCode string
	}{
		{"NoHeader", nil, "", connectorhub.ECodeUnauthenticated},
		{"BasicScheme", map[string]string{"Authorization": "Basic YTpi"}, "", connectorhub.ECodeUnauthenticated},
		{"Local", map[string]string{"Authorization": "Bearer " + makerTok}, maker.ID, ""},
		{"LowerCaseScheme", map[string]string{"Authorization": "bearer " + makerTok}, maker.ID, ""},
		{"ExternalKnownUser", map[string]string{"Authorization": "Bearer " + external(maker.AADObjectID)}, maker.ID, ""},
		{"ExternalUnknownUser", map[string]string{"Authorization": "Bearer " + external("55555555-5555-5555-5555-555555555555")}, "", connectorhub.ECodeNotOrgMember},
		{"Impersonate", map[string]string{"Authorization": "Bearer " + adminTok, "MSCRMCallerID": maker.ID}, maker.ID, ""},
		{"ImpersonateByObjectID", map[string]string{"Authorization": "Bearer " + adminTok, "CallerObjectId": maker.AADObjectID}, maker.ID, ""},
		{"ImpersonateWithoutPrivilege", map[string]string{"Authorization": "Bearer " + makerTok, "MSCRMCallerID": admin.ID}, "", connectorhub.ECodePrivilegeDenied},
		{"DisabledLocal", map[string]string{"Authorization": "Bearer " + goneTok}, "", connectorhub.ECodeUnauthenticated},
		{"DisabledExternal", map[string]string{"Authorization": "Bearer " + external(gone.AADObjectID)}, "", connectorhub.ECodeUnauthenticated},
		{"ImpersonateDisabled", map[string]string{"Authorization": "Bearer " + adminTok, "MSCRMCallerID": gone.ID}, "", connectorhub.ECodeUnauthenticated},
		{"ImpersonateDisabledByObjectID", map[string]string{"Authorization": "Bearer " + adminTok, "CallerObjectId": gone.AADObjectID}, "", connectorhub.ECodeUnauthenticated},
		{"ImpersonateUnknown", map[string]string{"Authorization": "Bearer " + adminTok, "MSCRMCallerID": "00000000-0000-0000-0000-000000000099"}, "", connectorhub.ECodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "http://x/api/data/v9.2/WhoAmI", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			got, err := a.Authenticate(r)
			if tt.wantCode != "" {
				if code := connectorhub.ErrorCode(err); code != tt.wantCode {
					t.Fatalf("got %v (%s), want code %s", err, code, tt.wantCode)
				}
				if strings.HasPrefix(tt.name, "Disabled") || strings.HasPrefix(tt.name, "ImpersonateDisabled") {
					if msg := connectorhub.ErrorMessage(err); !strings.Contains(msg, "is disabled") || !strings.Contains(msg, gone.ID) {
						t.Errorf("the 401 does not say the user is disabled: %s", msg)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UserID != tt.wantUser || got.Security == nil {
				t.Errorf("got user %s, want %s", got.UserID, tt.wantUser)
			}
		})
	}

	// Auto-provisioning creates the unknown user once, with the role.
	a.AutoProvision = connectorhub.RoleBasicUser
	tok := external("66666666-6666-6666-6666-666666666666")
	var first string
	for i := 0; i < 2; i++ {
		r, _ := http.NewRequest("GET", "http://x/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		got, err := a.Authenticate(r)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = got.UserID
		} else if got.UserID != first {
			t.Errorf("provisioned twice: %s then %s", first, got.UserID)
		}
		if got.Depth(connectorhub.PrivRead) != connectorhub.DepthUser || got.Depth(connectorhub.PrivCreate) != connectorhub.DepthNone {
			t.Errorf("provisioned user's privileges: %v", got.Security.Privileges)
		}
	}
	u, err := db.FindSystemUserByObjectID(ctx, p.srv.URL, "66666666-6666-6666-6666-666666666666")
	if err != nil || u.FullName != "Grace" || u.Email != "ada@example.com" || u.Issuer != p.srv.URL {
		t.Errorf("provisioned user: %+v, %v", u, err)
	}
	// A second sign-in with another object id and the same e-mail claim is not that user: it
	// is refused, never bound by e-mail, and no second user with that address is created.
	r, _ := http.NewRequest("GET", "http://x/", nil)
	r.Header.Set("Authorization", "Bearer "+external("88888888-8888-8888-8888-888888888888"))
	if _, err := a.Authenticate(r); connectorhub.ErrorCode(err) != connectorhub.ECodeNotOrgMember || !strings.Contains(connectorhub.ErrorMessage(err), "ada@example.com") {
		t.Errorf("same e-mail, other object id: got %v, want %s naming the address", err, connectorhub.ECodeNotOrgMember)
	}
	if _, err := db.FindSystemUserByObjectID(ctx, p.srv.URL, "88888888-8888-8888-8888-888888888888"); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
		t.Errorf("a user was provisioned beside the one with the address: %v", err)
	}
	if c := a.Challenge(); c != `Bearer authorization_uri="https://login.example.com/t/oauth2/authorize", resource_id="https://org.crm.example.com"` {
		t.Errorf("challenge: %s", c)
	}
}

// openDB opens a new database and returns it with its bootstrap administrator.
func openDB(t *testing.T) (*sqlite.DB, *connectorhub.SystemUser) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "connectorhub.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	admin, err := db.Bootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return db, admin
}

// createUser adds a user with a role, failing the test on error.
func createUser(t *testing.T, db *sqlite.DB, u *connectorhub.SystemUser, role string) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	r, err := db.FindRoleByName(ctx, role)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AssignRole(ctx, u.ID, r.ID); err != nil {
		t.Fatal(err)
	}
}

// TestIssuerBinding: two trusted OIDC issuers mint the same oid; a user is its issuer's only.
func TestIssuerBinding(t *testing.T) {
	ctx := context.Background()
	db, admin := openDB(t)
	local, err := auth.LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	idpA, idpB := newIDP(t), newIDP(t)
	v := auth.NewVerifier()
	v.TrustLocal(local)
	for _, p := range []*idp{idpA, idpB} {
		if err := v.TrustOIDC(ctx, p.srv.URL, audience, nil); err != nil {
			t.Fatal(err)
		}
	}
	A, B := idpA.srv.URL, idpB.srv.URL
	const (
		oidX      = "aaaaaaaa-0000-0000-0000-000000000001" // provisioned from A, then minted by B
		oidLegacy = "aaaaaaaa-0000-0000-0000-000000000002" // a user from before issuers were recorded
		oidBAdmin = "bbbbbbbb-0000-0000-0000-000000000001"
		oidBea    = "bbbbbbbb-0000-0000-0000-000000000002"
	)
	createUser(t, db, &connectorhub.SystemUser{FullName: "Legacy", AADObjectID: oidLegacy}, connectorhub.RoleBasicUser)
	createUser(t, db, &connectorhub.SystemUser{FullName: "B admin", AADObjectID: oidBAdmin, Issuer: B}, connectorhub.RoleSystemAdministrator)
	createUser(t, db, &connectorhub.SystemUser{FullName: "Bea", AADObjectID: oidBea, Issuer: B}, connectorhub.RoleBasicUser)
	adminTok, _ := local.Token(admin.ID, time.Hour)
	token := func(p *idp, oid, name string) string {
		return "Bearer " + sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["oid"] = oid; c["name"] = name }))
	}
	// The steps run in order: each may provision or bind a user for the next ones.
	steps := []struct {
		name          string
		defaultIssuer string
		autoProvision string
		auth, caller  string // Authorization; CallerObjectId
		wantName      string
		wantCode      string
	}{
		{"ProvisionedFromA", A, connectorhub.RoleBasicUser, token(idpA, oidX, "Ada of A"), "", "Ada of A", ""},
		{"SameOIDFromBIsNotA", A, "", token(idpB, oidX, "Mallory of B"), "", "", connectorhub.ECodeNotOrgMember},
		{"SameOIDFromBNotProvisionedOverA", A, connectorhub.RoleBasicUser, token(idpB, oidX, "Mallory of B"), "", "", connectorhub.ECodeNotOrgMember},
		{"SameOIDFromBDefaultIssuerB", B, connectorhub.RoleBasicUser, token(idpB, oidX, "Mallory of B"), "", "", connectorhub.ECodeNotOrgMember},
		{"AStillA", A, "", token(idpA, oidX, "Ada of A"), "", "Ada of A", ""},
		{"UnboundFromAnotherIssuer", A, connectorhub.RoleBasicUser, token(idpB, oidLegacy, "Mallory of B"), "", "", connectorhub.ECodeNotOrgMember},
		{"UnboundWithoutDefaultIssuer", "", "", token(idpA, oidLegacy, "Legacy"), "", "", connectorhub.ECodeNotOrgMember},
		{"UnboundBoundByDefaultIssuer", A, "", token(idpA, oidLegacy, "Legacy"), "", "Legacy", ""},
		{"BoundNotRebound", B, "", token(idpB, oidLegacy, "Mallory of B"), "", "", connectorhub.ECodeNotOrgMember},
		{"BoundWithoutDefaultIssuer", "", "", token(idpA, oidLegacy, "Legacy"), "", "Legacy", ""},
		{"ImpersonateOwnIssuersUser", A, "", token(idpB, oidBAdmin, "B admin"), oidBea, "Bea", ""},
		{"ImpersonateOtherIssuersUser", A, "", token(idpB, oidBAdmin, "B admin"), oidX, "", connectorhub.ECodeInvalidArgument},
		{"LocalImpersonatesDefaultIssuersUser", A, "", "Bearer " + adminTok, oidX, "Ada of A", ""},
		{"LocalImpersonatesOtherIssuersUser", A, "", "Bearer " + adminTok, oidBea, "", connectorhub.ECodeInvalidArgument},
		{"LocalWithoutDefaultIssuer", "", "", "Bearer " + adminTok, oidX, "", connectorhub.ECodeInvalidArgument},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			a := &auth.Authenticator{Verifier: v, Users: db, DefaultIssuer: st.defaultIssuer, AutoProvision: st.autoProvision}
			r, _ := http.NewRequest("GET", "http://x/api/data/v9.2/WhoAmI", nil)
			r.Header.Set("Authorization", st.auth)
			if st.caller != "" {
				r.Header.Set("CallerObjectId", st.caller)
			}
			got, err := a.Authenticate(r)
			if st.wantCode != "" {
				if code := connectorhub.ErrorCode(err); code != st.wantCode {
					t.Fatalf("got %+v, %v (%s); want code %s", got, err, code, st.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.FullName != st.wantName {
				t.Errorf("got %s, want %s", got.FullName, st.wantName)
			}
		})
	}

	tests := []struct {
		issuer, oid, wantName string // "" for none
	}{
		{A, oidX, "Ada of A"},
		{B, oidX, ""},
		{A, oidLegacy, "Legacy"},
		{"", oidLegacy, ""},
		{B, oidLegacy, ""},
	}
	for _, tt := range tests {
		u, err := db.FindSystemUserByObjectID(ctx, tt.issuer, tt.oid)
		if tt.wantName == "" && connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound || tt.wantName != "" && (err != nil || u.FullName != tt.wantName || u.Issuer != tt.issuer) {
			t.Errorf("(%s, %s): got %+v, %v; want %q", tt.issuer, tt.oid, u, err, tt.wantName)
		}
	}
}

// TestRevocation: tokens issued before a user's revocation are refused, local and OIDC alike.
func TestRevocation(t *testing.T) {
	ctx := context.Background()
	db, admin := openDB(t)
	local, err := auth.LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := newIDP(t)
	v := auth.NewVerifier()
	v.TrustLocal(local)
	if err := v.TrustOIDC(ctx, p.srv.URL, audience, nil); err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{Verifier: v, Users: db, DefaultIssuer: p.srv.URL, Hint: " (hint)"}
	maker := &connectorhub.SystemUser{FullName: "Maker", Email: "maker@example.com"}
	createUser(t, db, maker, connectorhub.RoleEnvironmentMaker)
	const oid = "cccccccc-0000-0000-0000-000000000001"
	ext := &connectorhub.SystemUser{FullName: "External", AADObjectID: oid, Issuer: p.srv.URL}
	createUser(t, db, ext, connectorhub.RoleBasicUser)
	external := func(iat time.Time) string {
		return sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) {
			c["oid"] = oid
			if iat.IsZero() {
				delete(c, "iat")
			} else {
				c["iat"] = iat.Unix()
			}
		}))
	}
	oldMaker, _ := local.Token(maker.ID, time.Hour)
	oldAdmin, _ := local.Token(admin.ID, time.Hour)
	oldExternal, noIAT := external(time.Now()), external(time.Time{})
	authenticate := func(tok string) (*connectorhub.Principal, error) {
		r, _ := http.NewRequest("GET", "http://x/api/data/v9.2/WhoAmI", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return a.Authenticate(r)
	}
	for _, tok := range []string{oldMaker, oldExternal, noIAT} {
		if _, err := authenticate(tok); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
	}
	for _, u := range []*connectorhub.SystemUser{maker, ext} {
		if err := db.RevokeSystemUserTokens(ctx, u.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	revoked, err := db.FindSystemUserByID(ctx, maker.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A local token of the second of the revocation may predate it: a new one waits.
	time.Sleep(time.Until(revoked.TokensValidAfter))
	newMaker, _ := local.Token(maker.ID, time.Hour)
	tests := []struct {
		name, token, wantUser string // wantUser "" for a 401
	}{
		{"LocalBefore", oldMaker, ""},
		{"LocalAfter", newMaker, maker.ID},
		{"OtherUserUntouched", oldAdmin, admin.ID},
		{"OIDCBefore", oldExternal, ""},
		{"OIDCAfter", external(time.Now().Add(time.Second)), ext.ID},
		{"OIDCWithoutIssuedAt", noIAT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authenticate(tt.token)
			if tt.wantUser == "" {
				msg := connectorhub.ErrorMessage(err)
				if connectorhub.ErrorCode(err) != connectorhub.ECodeUnauthenticated || !strings.Contains(msg, "revoked") || !strings.HasSuffix(msg, "(hint)") {
					t.Fatalf("got %+v, %v; want a 401 saying the token was revoked", got, err)
				}
				return
			}
			if err != nil || got.UserID != tt.wantUser {
				t.Fatalf("got %+v, %v; want %s", got, err, tt.wantUser)
			}
		})
	}
}

// mustOpenDB opens a new SQLite database with its bootstrap administrator, closed when the
// test ends.
func mustOpenDB(tb testing.TB) (*sqlite.DB, *connectorhub.SystemUser) {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "connectorhub.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	admin, err := db.Bootstrap(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return db, admin
}
