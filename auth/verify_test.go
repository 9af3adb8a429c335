package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/connectorhub/connectorhub/auth"
)

// idp is an OIDC identity provider inside the test: discovery, JWKS with rotation.
type idp struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey // kid → key served in the JWKS
}

func newIDP(t *testing.T) *idp {
	p := &idp{keys: map[string]*rsa.PrivateKey{}}
	p.addKey(t, "k1")
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		var keys []map[string]string
		for kid, k := range p.keys {
			keys = append(keys, map[string]string{
				"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) addKey(t *testing.T, kid string) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys[kid] = k
	p.mu.Unlock()
	return k
}

func (p *idp) key(kid string) *rsa.PrivateKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[kid]
}

const audience = "https://org.crm.example.com"

func claims(iss string, mod func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": iss, "aud": audience, "sub": "s", "oid": "11111111-1111-1111-1111-111111111111",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "preferred_username": "ada@example.com",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyOIDC(t *testing.T) {
	p := newIDP(t)
	v := auth.NewVerifier()
	if err := v.TrustOIDC(context.Background(), p.srv.URL, audience, nil); err != nil {
		t.Fatal(err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustMarshalPKIX(t, &p.key("k1").PublicKey)})
	unsigned := func(c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"Valid", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, nil)), true},
		{"ClockSkewTolerated", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Minute).Unix() })), true},
		{"Forged", sign(t, jwt.SigningMethodRS256, "k1", other, claims(p.srv.URL, nil)), false},
		{"Expired", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), false},
		{"NoExpiry", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { delete(c, "exp") })), false},
		{"IssuedInTheFuture", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })), false},
		{"NotYetValid", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), false},
		{"WrongAudience", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims(p.srv.URL, func(c jwt.MapClaims) { c["aud"] = "https://other.example.com" })), false},
		{"WrongIssuer", sign(t, jwt.SigningMethodRS256, "k1", p.key("k1"), claims("https://evil.example.com", nil)), false},
		{"AlgNone", unsigned(claims(p.srv.URL, nil)), false},
		{"AlgSwitchedToHMAC", sign(t, jwt.SigningMethodHS256, "k1", pubPEM, claims(p.srv.URL, nil)), false},
		{"UnknownKeyType", sign(t, jwt.SigningMethodES256, "k1", ecKey, claims(p.srv.URL, nil)), false},
		{"Garbage", "not.a.token", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(tt.token)
			if tt.ok && err != nil {
				t.Fatalf("got %v, want a valid token", err)
			}
			if !tt.ok {
				if err == nil {
					t.Fatalf("a bad token was accepted: %+v", c)
				}
				if !errors.Is(err, auth.ErrInvalidToken) {
					t.Errorf("got %v, want ErrInvalidToken", err)
				}
				return
			}
			if c.ObjectID != "11111111-1111-1111-1111-111111111111" || c.Email != "ada@example.com" || c.Local {
				t.Errorf("claims: got %+v", c)
			}
		})
	}

	// Key rotation: a token signed with a key published after the first fetch is accepted.
	k2 := p.addKey(t, "k2")
	if _, err := v.Verify(sign(t, jwt.SigningMethodRS256, "k2", k2, claims(p.srv.URL, nil))); err != nil {
		t.Errorf("after rotation: %v", err)
	}
}

func TestDiscoveryRefusesMismatchedIssuer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": "https://other.example.com", "jwks_uri": "https://other.example.com/keys"})
	}))
	defer srv.Close()
	if err := auth.NewVerifier().TrustOIDC(context.Background(), srv.URL, audience, nil); err == nil {
		t.Fatal("an issuer whose discovery names another issuer was trusted")
	}
	if err := auth.NewVerifier().TrustOIDC(context.Background(), srv.URL, "", nil); err == nil {
		t.Fatal("an OIDC issuer without an audience was trusted")
	}
}

func TestLocalIssuer(t *testing.T) {
	dir := t.TempDir()
	iss, err := auth.LoadOrCreateIssuer(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "signing-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	again, err := auth.LoadOrCreateIssuer(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := again.Token("22222222-2222-2222-2222-222222222222", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier()
	v.TrustLocal(iss) // the key read back verifies what the key created signs
	c, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Local || c.Subject != "22222222-2222-2222-2222-222222222222" {
		t.Errorf("got %+v", c)
	}
	expired, _ := iss.Token("22222222-2222-2222-2222-222222222222", -time.Hour)
	if _, err := v.Verify(expired); err == nil {
		t.Error("an expired local token was accepted")
	}
	long, _ := iss.Token("22222222-2222-2222-2222-222222222222", auth.DefaultMaxLocalLifetime+time.Hour)
	if _, err := v.Verify(long); err == nil || !strings.Contains(err.Error(), "longer than the maximum") {
		t.Errorf("a local token longer than the maximum: got %v", err)
	}
	other, _ := auth.LoadOrCreateIssuer(t.TempDir())
	forged, _ := other.Token("22222222-2222-2222-2222-222222222222", time.Hour)
	if _, err := v.Verify(forged); err == nil {
		t.Error("a token of another installation's key was accepted")
	}
	if _, err := auth.NewVerifier().Verify(tok); err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("local issuer switched off: got %v", err)
	}
}

func mustMarshalPKIX(t *testing.T, k any) []byte {
	b, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
