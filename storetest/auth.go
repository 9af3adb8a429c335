package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// authTests are the contract's cases of what authentication reads and writes, run by Run.
var authTests = []struct {
	name string
	fn   func(t *testing.T, s Store, ctx context.Context)
}{
	{"UsersBoundToIssuer", testUsersBoundToIssuer},
	{"BindIssuer", testBindIssuer},
	{"RevokeTokens", testRevokeTokens},
	{"CreateUserWithRoles", testCreateUserWithRoles},
	{"CreateUserChecked", testCreateUserChecked},
}

// testCreateUserChecked: the commands' and the sign-in's way to create a user
// (CreateSystemUser) checks what the Web API's (AddSystemUser) checks: an e-mail address is
// one and no other user has it (any case), a full name is given; nothing is half-written.
func testCreateUserChecked(t *testing.T, s Store, ctx context.Context) {
	first := &connectorhub.SystemUser{FullName: "Ada", Email: "ada@example.com"}
	if err := s.CreateSystemUser(ctx, first); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		u    *connectorhub.SystemUser
		code string
	}{
		{"EmailTakenAnyCase", &connectorhub.SystemUser{FullName: "Other", Email: "ADA@Example.com"}, connectorhub.ECodeDuplicateKey},
		{"NotAnEmail", &connectorhub.SystemUser{FullName: "Other", Email: "ada"}, connectorhub.ECodeInvalidArgument},
		{"NoName", &connectorhub.SystemUser{FullName: " ", Email: "b@example.com"}, connectorhub.ECodeInvalidArgument},
		{"NameTooLong", &connectorhub.SystemUser{FullName: strings.Repeat("x", 1000), Email: "c@example.com"}, connectorhub.ECodeLengthExceeded},
		{"UnknownRole", &connectorhub.SystemUser{FullName: "D", Email: "d@example.com", RoleIDs: []string{connectorhub.NewGUID()}}, connectorhub.ECodeInvalidArgument},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateSystemUser(ctx, tt.u)
			if connectorhub.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if tt.u.Email != "" && tt.code != connectorhub.ECodeDuplicateKey {
				if _, err := s.FindSystemUserByEmail(ctx, tt.u.Email); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
					t.Errorf("a refused user was written: %v", err)
				}
			}
		})
	}
}

// testCreateUserWithRoles: a user created with roles holds them at once; an unknown role
// refuses the whole creation, so no user is ever left without the roles it was created with
// (auto-provisioning relies on this).
func testCreateUserWithRoles(t *testing.T, s Store, ctx context.Context) {
	role, err := s.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	if err != nil {
		t.Fatal(err)
	}
	u := &connectorhub.SystemUser{FullName: "Maker", Email: "maker-roles@example.com", RoleIDs: []string{role.ID}}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	p, err := s.LoadPrincipal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Depth(connectorhub.PrivCreate) != connectorhub.DepthUser {
		t.Errorf("the created user does not hold its role: create depth %v", p.Depth(connectorhub.PrivCreate))
	}
	bad := &connectorhub.SystemUser{FullName: "Nobody", Email: "nobody-roles@example.com", RoleIDs: []string{"00000000-0000-0000-0000-0000000000ff"}}
	if err := s.CreateSystemUser(ctx, bad); connectorhub.ErrorCode(err) != connectorhub.ECodeInvalidArgument {
		t.Fatalf("an unknown role: got %v, want %s", err, connectorhub.ECodeInvalidArgument)
	}
	if _, err := s.FindSystemUserByID(ctx, bad.ID); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
		t.Errorf("the refused user exists: %v", err)
	}
}

const (
	issuerA = "https://login.microsoftonline.com/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/v2.0"
	issuerB = "https://login.microsoftonline.com/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb/v2.0"
)

// testUsersBoundToIssuer: a user is found by (issuer, oid), never by the oid of another issuer.
func testUsersBoundToIssuer(t *testing.T, s Store, ctx context.Context) {
	oid := "5555aaaa-5555-5555-5555-55555555555a"
	a := &connectorhub.SystemUser{FullName: "A", Email: "a@example.com", AADObjectID: oid, Issuer: issuerA}
	if err := s.CreateSystemUser(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSystemUserByID(ctx, a.ID); err != nil || got.Issuer != issuerA || !got.TokensValidAfter.IsZero() {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	tests := []struct {
		name, issuer, oid string
		want              string // user id, "" for ECodeNotFound
	}{
		{"SameIssuer", issuerA, oid, a.ID},
		{"UpperCaseOID", issuerA, strings.ToUpper(oid), a.ID},
		{"OtherIssuer", issuerB, oid, ""},
		{"NoIssuer", "", oid, ""},
		{"OtherOID", issuerA, "66666666-6666-6666-6666-666666666666", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindSystemUserByObjectID(ctx, tt.issuer, tt.oid)
			if tt.want == "" {
				wantCode(t, err, connectorhub.ECodeNotFound)
				return
			}
			if err != nil || got.ID != tt.want {
				t.Fatalf("got %+v, %v; want %s", got, err, tt.want)
			}
		})
	}

	// The same (issuer, oid) twice is a duplicate key.
	err := s.CreateSystemUser(ctx, &connectorhub.SystemUser{FullName: "A2", AADObjectID: oid, Issuer: issuerA})
	wantCode(t, err, connectorhub.ECodeDuplicateKey)

	// The same oid from another issuer is either refused or another user: never user A.
	b := &connectorhub.SystemUser{FullName: "B", AADObjectID: oid, Issuer: issuerB}
	if err := s.CreateSystemUser(ctx, b); err != nil {
		wantCode(t, err, connectorhub.ECodeDuplicateKey)
	} else if got, err := s.FindSystemUserByObjectID(ctx, issuerB, oid); err != nil || got.ID != b.ID || got.ID == a.ID {
		t.Errorf("the oid from issuer B: got %+v, %v", got, err)
	}

	// An issuer names where the oid comes from: without an oid it means nothing.
	err = s.CreateSystemUser(ctx, &connectorhub.SystemUser{FullName: "C", Issuer: issuerA})
	wantCode(t, err, connectorhub.ECodeInvalidArgument)
}

// testBindIssuer: a user with an oid and no issuer is bound once, and then found by the issuer.
func testBindIssuer(t *testing.T, s Store, ctx context.Context) {
	oid := "77777777-7777-7777-7777-777777777777"
	u := &connectorhub.SystemUser{FullName: "Legacy", AADObjectID: oid}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSystemUserByObjectID(ctx, "", oid); err != nil || got.ID != u.ID || got.Issuer != "" {
		t.Fatalf("unbound user: %+v, %v", got, err)
	}
	_, err := s.FindSystemUserByObjectID(ctx, issuerA, oid)
	wantCode(t, err, connectorhub.ECodeNotFound)
	if err := s.BindSystemUserIssuer(ctx, u.ID, issuerA); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSystemUserByObjectID(ctx, issuerA, oid); err != nil || got.ID != u.ID || got.Issuer != issuerA {
		t.Fatalf("bound user: %+v, %v", got, err)
	}
	_, err = s.FindSystemUserByObjectID(ctx, "", oid)
	wantCode(t, err, connectorhub.ECodeNotFound)

	noOID := &connectorhub.SystemUser{FullName: "Local only"}
	if err := s.CreateSystemUser(ctx, noOID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, userID, issuer string
		code                 string
	}{
		{"AlreadyBound", u.ID, issuerA, connectorhub.ECodeNotFound},
		{"RebindToAnother", u.ID, issuerB, connectorhub.ECodeNotFound},
		{"NoObjectID", noOID.ID, issuerA, connectorhub.ECodeNotFound},
		{"UnknownUser", "00000000-0000-0000-0000-000000000099", issuerA, connectorhub.ECodeNotFound},
		{"EmptyIssuer", u.ID, "", connectorhub.ECodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.BindSystemUserIssuer(ctx, tt.userID, tt.issuer), tt.code)
		})
	}
	if got, _ := s.FindSystemUserByID(ctx, u.ID); got.Issuer != issuerA {
		t.Errorf("a refused bind changed the issuer: %+v", got)
	}
}

// testRevokeTokens: the revocation time rounds up to a whole second and only moves forward.
func testRevokeTokens(t *testing.T, s Store, ctx context.Context) {
	u := &connectorhub.SystemUser{FullName: "Revoked", Email: "revoked@example.com"}
	if err := s.CreateSystemUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"RoundsUp", base.Add(500 * time.Millisecond), base.Add(time.Second)},
		{"WholeSecondKept", base.Add(time.Minute), base.Add(time.Minute)},
		{"EarlierChangesNothing", base, base.Add(time.Minute)},
		{"Later", base.Add(time.Hour), base.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.RevokeSystemUserTokens(ctx, u.ID, tt.at); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindSystemUserByID(ctx, u.ID)
			if err != nil || !got.TokensValidAfter.Equal(tt.want) {
				t.Fatalf("tokens valid after %v (%v), want %v", got.TokensValidAfter, err, tt.want)
			}
		})
	}
	wantCode(t, s.RevokeSystemUserTokens(ctx, "00000000-0000-0000-0000-000000000099", base), connectorhub.ECodeNotFound)
}
