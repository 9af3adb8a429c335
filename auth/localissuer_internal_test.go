package auth

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/golang-jwt/jwt/v5"
)

// TestLocalLifetime: the verifier, not only `connectorhub token`, bounds a local token's
// lifetime, so a token signed with the local key for longer is refused all the same.
func TestLocalLifetime(t *testing.T) {
	iss, err := LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	signed := func(iat, exp time.Time) string {
		c := jwt.MapClaims{"iss": LocalIssuer, "aud": LocalAudience, "sub": "22222222-2222-2222-2222-222222222222", "exp": exp.Unix()}
		if !iat.IsZero() {
			c["iat"] = iat.Unix()
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
		tok.Header["kid"] = iss.keyID
		s, err := tok.SignedString(iss.key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name    string
		max     time.Duration // Verifier.MaxLocalLifetime; 0 for the default
		token   string
		wantErr bool
	}{
		{"Short", 0, signed(now, now.Add(time.Hour)), false},
		{"AtDefaultMaximum", 0, signed(now, now.Add(DefaultMaxLocalLifetime)), false},
		{"OverDefaultMaximum", 0, signed(now, now.Add(DefaultMaxLocalLifetime+time.Second)), true},
		{"Year", 0, signed(now, now.AddDate(1, 0, 0)), true},
		{"BackdatedIssuedAt", 0, signed(now.Add(-30*time.Hour), now.Add(time.Hour)), true},
		{"IssuedInTheFuture", 0, signed(now.Add(time.Hour), now.Add(2*time.Hour)), true},
		{"NoIssuedAt", 0, signed(time.Time{}, now.Add(time.Hour)), true},
		{"UnderConfiguredMaximum", 72 * time.Hour, signed(now, now.Add(48*time.Hour)), false},
		{"OverConfiguredMaximum", time.Hour, signed(now, now.Add(2*time.Hour)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier()
			v.TrustLocal(iss)
			v.MaxLocalLifetime = tt.max
			c, err := v.Verify(tt.token)
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if c.IssuedAt.Unix() != now.Unix() {
					t.Errorf("iat: got %v, want %v", c.IssuedAt, now)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("got %+v, %v; want ErrInvalidToken", c, err)
			}
		})
	}
}

// localVerifier returns a verifier that trusts a new local issuer, and a token of that issuer
// valid for an hour.
func localVerifier(t *testing.T) (*Verifier, string) {
	t.Helper()
	iss, err := LoadOrCreateIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier()
	v.TrustLocal(iss)
	tok, err := iss.Token("22222222-2222-2222-2222-222222222222", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return v, tok
}

// TestVerifiedTokensKept: a token accepted once is not checked again until it expires; a
// refused one is never kept; one whose kept entry has expired is checked again (and refused).
func TestVerifiedTokensKept(t *testing.T) {
	v, tok := localVerifier(t)
	for range 3 {
		c, err := v.Verify(tok)
		if err != nil || c.Subject != "22222222-2222-2222-2222-222222222222" {
			t.Fatalf("got %v %v", c, err)
		}
	}
	if v.verifications != 1 {
		t.Errorf("%d signature checks for one token verified three times, want 1", v.verifications)
	}
	bad := tok[:len(tok)-2] + "xx"
	for range 2 {
		if _, err := v.Verify(bad); err == nil {
			t.Fatal("a tampered token was accepted")
		}
	}
	if v.verifications != 3 {
		t.Errorf("%d signature checks, want a refused token checked each time (3)", v.verifications)
	}
	// A kept entry past its expiry is not used: the token is checked again.
	for k, e := range v.verified {
		e.expires = time.Now().Add(-time.Second)
		v.verified[k] = e
	}
	if _, err := v.Verify(tok); err != nil || v.verifications != 4 {
		t.Errorf("after the kept entry expired: %v, %d checks, want 4", err, v.verifications)
	}
}

// TestRefusedTokenCheckedOnce: a request with a token that fails its signature check costs one
// check, whichever way it is authenticated, and is refused as Authenticate refuses it.
func TestRefusedTokenCheckedOnce(t *testing.T) {
	v, tok := localVerifier(t)
	a := &Authenticator{Verifier: v}
	r := httptest.NewRequest("GET", "/api/data/v9.2/connectors", nil)
	r.Header.Set("Authorization", "Bearer "+tok[:len(tok)-2]+"xx")
	_, _, deferred := a.AuthenticateDeferred(r)
	if v.verifications != 1 {
		t.Errorf("AuthenticateDeferred made %d signature checks of a bad token, want 1", v.verifications)
	}
	_, direct := a.Authenticate(r)
	var de, ae *connectorhub.Error
	if !errors.As(deferred, &de) || !errors.As(direct, &ae) || de.Code != connectorhub.ECodeUnauthenticated || de.Message != ae.Message {
		t.Errorf("refusals differ: deferred %v, direct %v", deferred, direct)
	}
}

// BenchmarkVerify checks a local token: again and again (kept after the first check), and
// each time as new (a verifier that keeps nothing: the ES256 signature check every time).
func BenchmarkVerify(b *testing.B) {
	iss, err := LoadOrCreateIssuer(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	tok, err := iss.Token("22222222-2222-2222-2222-222222222222", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Kept", func(b *testing.B) {
		v := NewVerifier()
		v.TrustLocal(iss)
		for b.Loop() {
			if _, err := v.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Checked", func(b *testing.B) {
		v := NewVerifier()
		v.TrustLocal(iss)
		for b.Loop() {
			if _, _, err := v.verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
