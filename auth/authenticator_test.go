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
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "connectorhub.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := db.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
	a := &auth.Authenticator{Verifier: v, Users: db, Authority: "https://login.example.com/t/oauth2/authorize", Audience: audience}
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
	u, err := db.FindSystemUserByObjectID(ctx, "66666666-6666-6666-6666-666666666666")
	if err != nil || u.FullName != "Grace" || u.Email != "ada@example.com" {
		t.Errorf("provisioned user: %+v, %v", u, err)
	}
	if c := a.Challenge(); c != `Bearer authorization_uri="https://login.example.com/t/oauth2/authorize", resource_id="https://org.crm.example.com"` {
		t.Errorf("challenge: %s", c)
	}
}
