package client_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/client"
)

// oauthClock is a clock the test moves by hand, so that expiries are tested without waiting.
type oauthClock struct {
	mu sync.Mutex
	t  time.Time
}

func newOAuthClock() *oauthClock {
	return &oauthClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *oauthClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *oauthClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// oauthAuthority is an OAuth authority inside the test: each request to its token or
// device code endpoint is handed, parsed, to a handler the test writes, which answers with
// a status and a JSON body. Handlers run on the server's goroutines: they report problems
// with t.Errorf, never t.Fatal.
type oauthAuthority struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	token  func(form url.Values) (int, any)
	device func(form url.Values) (int, any)
	calls  map[string]int // by endpoint: "token", "devicecode"
}

const oauthTenant = "contoso.onmicrosoft.com"

func newOAuthAuthority(t *testing.T) *oauthAuthority {
	a := &oauthAuthority{t: t, calls: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// Authority is the authority URL of the test's tenant.
func (a *oauthAuthority) Authority() string { return a.srv.URL + "/" + oauthTenant }

// TokenURL is the token endpoint, which client assertions name as their audience.
func (a *oauthAuthority) TokenURL() string { return a.Authority() + "/oauth2/v2.0/token" }

func (a *oauthAuthority) Calls(endpoint string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[endpoint]
}

func (a *oauthAuthority) serve(w http.ResponseWriter, r *http.Request) {
	prefix := "/" + oauthTenant + "/oauth2/v2.0/"
	endpoint := strings.TrimPrefix(r.URL.Path, prefix)
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
		a.t.Errorf("%s %s: want a POST to %s{token,devicecode}", r.Method, r.URL.Path, prefix)
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		a.t.Errorf("%s: Content-Type %q", endpoint, ct)
	}
	if err := r.ParseForm(); err != nil {
		a.t.Errorf("%s: %v", endpoint, err)
	}
	if len(r.URL.Query()) != 0 {
		a.t.Errorf("%s: parameters in the URL: %v", endpoint, r.URL.Query())
	}
	a.mu.Lock()
	a.calls[endpoint]++
	h := map[string]func(url.Values) (int, any){"token": a.token, "devicecode": a.device}[endpoint]
	a.mu.Unlock()
	if h == nil {
		a.t.Errorf("unexpected request to %s: %v", endpoint, r.PostForm)
		http.NotFound(w, r)
		return
	}
	status, body := h(r.PostForm)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if s, ok := body.(string); ok {
		fmt.Fprint(w, s)
		return
	}
	json.NewEncoder(w).Encode(body)
}

// oauthCheckForm reports the fields of form that differ from want, and those want lacks.
func oauthCheckForm(t *testing.T, what string, form url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	for k := range form {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected field %s", what, k)
		}
	}
}

func oauthTokenAnswer(token string, expiresIn int, refresh string) map[string]any {
	m := map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": expiresIn, "ext_expires_in": expiresIn}
	if refresh != "" {
		m["refresh_token"] = refresh
	}
	return m
}

const (
	oauthClientID = "00000000-1111-2222-3333-444444444444"
	oauthScope    = "https://org.crm.dynamics.com/.default"
)

func TestOAuthClientSecretAndCaching(t *testing.T) {
	a := newOAuthAuthority(t)
	clock := newOAuthClock()
	n := 0
	a.token = func(form url.Values) (int, any) {
		oauthCheckForm(t, "token", form, map[string]string{
			"grant_type": "client_credentials", "client_id": oauthClientID,
			"client_secret": "s3cret~value", "scope": oauthScope,
		})
		n++
		return 200, oauthTokenAnswer(fmt.Sprintf("token-%d", n), 3600, "")
	}
	ts, err := client.NewClientSecretSource(client.OAuthConfig{
		Authority: a.Authority(), ClientID: oauthClientID,
		Scopes: []string{client.DefaultScope("https://org.crm.dynamics.com/")}, Now: clock.Now,
	}, "s3cret~value")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 10 {
		if tok, err := ts.Token(ctx); err != nil || tok != "token-1" {
			t.Fatalf("Token = %q, %v; want token-1", tok, err)
		}
	}
	if c := a.Calls("token"); c != 1 {
		t.Errorf("%d token requests for 10 Token calls, want 1", c)
	}
	// Kept until two minutes before expires_in; then a new one.
	clock.Advance(time.Hour - 2*time.Minute - time.Second)
	if tok, _ := ts.Token(ctx); tok != "token-1" {
		t.Errorf("before the margin: %q, want token-1", tok)
	}
	clock.Advance(time.Second)
	if tok, err := ts.Token(ctx); err != nil || tok != "token-2" {
		t.Errorf("at expiry less the margin: %q, %v; want token-2", tok, err)
	}
	if c := a.Calls("token"); c != 2 {
		t.Errorf("%d token requests, want 2", c)
	}
}

func TestOAuthTokenConcurrentCallsShareOneRequest(t *testing.T) {
	a := newOAuthAuthority(t)
	release := make(chan struct{})
	a.token = func(url.Values) (int, any) {
		<-release // hold the first request so that the others queue behind it
		return 200, oauthTokenAnswer("shared", 3600, "")
	}
	ts, err := client.NewClientSecretSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	const callers = 32
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			tok, err := ts.Token(context.Background())
			if err == nil && tok != "shared" {
				err = fmt.Errorf("token %q", tok)
			}
			errs <- err
		})
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if c := a.Calls("token"); c != 1 {
		t.Errorf("%d token requests for %d concurrent callers, want 1", c, callers)
	}
}

func TestOAuthTokenWaitLeavesWithContext(t *testing.T) {
	a := newOAuthAuthority(t)
	release := make(chan struct{})
	entered := make(chan struct{})
	a.token = func(url.Values) (int, any) {
		close(entered)
		<-release
		return 200, oauthTokenAnswer("t", 3600, "")
	}
	ts, err := client.NewClientSecretSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { _, err := ts.Token(context.Background()); first <- err }()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ts.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a waiting caller whose context ended: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Error(err)
	}
}

func TestOAuthTokenEndpointErrors(t *testing.T) {
	a := newOAuthAuthority(t)
	ts, err := client.NewClientSecretSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}}, "MARKER-SECRET")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		status int
		body   any
		want   []string
		code   string
	}{
		{"OAuth error", 401, map[string]any{
			"error":             "invalid_client",
			"error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value (was MARKER-SECRET).",
			"error_codes":       []int{7000215},
		}, []string{"invalid_client", "AADSTS7000215", a.TokenURL()}, "invalid_client"},
		{"not JSON", 502, "<html>Bad Gateway</html>", []string{"HTTP 502", "Bad Gateway"}, ""},
		{"no access token", 200, map[string]any{"token_type": "Bearer"}, []string{"no access_token"}, ""},
		{"not bearer", 200, map[string]any{"access_token": "x", "token_type": "pop"}, []string{`"pop" is not Bearer`}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a.token = func(url.Values) (int, any) { return tt.status, tt.body }
			_, err := ts.Token(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "MARKER-SECRET") {
				t.Errorf("error %q quotes the secret", err)
			}
			var oe *client.OAuthError
			if tt.code != "" && (!errors.As(err, &oe) || oe.Code != tt.code || oe.StatusCode != tt.status) {
				t.Errorf("error %#v, want an *OAuthError with code %s", err, tt.code)
			}
		})
	}
}

func TestOAuthTokenExpiresInAsString(t *testing.T) {
	a := newOAuthAuthority(t)
	clock := newOAuthClock()
	a.token = func(url.Values) (int, any) {
		return 200, `{"access_token":"t","token_type":"bearer","expires_in":"600"}`
	}
	ts, err := client.NewClientSecretSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}, Now: clock.Now}, "x")
	if err != nil {
		t.Fatal(err)
	}
	at, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(8 * time.Minute); !at.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v (600 s less the 2-minute margin)", at.Expiry, want)
	}
}

func TestOAuthResolveAuthority(t *testing.T) {
	for _, tt := range []struct{ authority, tenant, want, err string }{
		{"", "contoso", "https://login.microsoftonline.com/contoso", ""},
		{"https://login.microsoftonline.us/", "t1", "https://login.microsoftonline.us/t1", ""},
		{"https://login.microsoftonline.com/other/", "ignored", "https://login.microsoftonline.com/other", ""},
		{"https://adfs.contoso.com/adfs", "", "https://adfs.contoso.com/adfs", ""},
		{"http://127.0.0.1:9999", "t", "http://127.0.0.1:9999/t", ""},
		{"http://localhost/t", "", "http://localhost/t", ""},
		{"http://login.example.com/t", "", "", "must be https"},
		{"", "", "", "tenant is required"},
		{"https://login.example.com/t?x=1", "", "", "without query"},
	} {
		got, err := client.ResolveAuthority(tt.authority, tt.tenant, "")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ResolveAuthority(%q, %q) = %q, %v; want an error saying %q", tt.authority, tt.tenant, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveAuthority(%q, %q) = %q, %v; want %q", tt.authority, tt.tenant, got, err, tt.want)
		}
	}
	if _, err := client.NewClientSecretSource(client.OAuthConfig{Tenant: "t", Scopes: []string{oauthScope}}, "x"); err == nil {
		t.Error("a source without a client id was made")
	}
	if _, err := client.NewClientSecretSource(client.OAuthConfig{Tenant: "t", ClientID: "c"}, "x"); err == nil {
		t.Error("a source without a scope was made")
	}
	if _, err := client.NewClientSecretSource(client.OAuthConfig{Tenant: "t", ClientID: "c", Scopes: []string{oauthScope}}, ""); err == nil {
		t.Error("a source with an empty secret was made")
	}
}

// oauthTestCert makes an RSA key and a self-signed certificate of it.
func oauthTestCert(t *testing.T, cn string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func oauthPEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// oauthEncryptPKCS8 writes key as openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 does.
func oauthEncryptPKCS8(t *testing.T, key *rsa.PrivateKey, password string) []byte {
	t.Helper()
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	salt, iv := make([]byte, 16), make([]byte, 16)
	rand.Read(salt)
	rand.Read(iv)
	k, err := pbkdf2.Key(sha256.New, password, salt, 2048, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(plain)%16
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(k)
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)

	type alg struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	raw := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	kdf := struct {
		Salt      []byte
		Iteration int
		PRF       alg
	}{salt, 2048, alg{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, Parameters: asn1.NullRawValue}}
	params := struct{ KDF, Enc alg }{
		alg{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}, raw(kdf)},
		alg{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, raw(iv)},
	}
	der, err := asn1.Marshal(struct {
		Alg  alg
		Data []byte
	}{alg{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, raw(params)}, ct})
	if err != nil {
		t.Fatal(err)
	}
	return oauthPEM("ENCRYPTED PRIVATE KEY", der)
}

// oauthCheckAssertion verifies a client assertion as Entra does: signature by the certificate's
// key, thumbprints, audience, issuer, subject and times. It returns the jti.
func oauthCheckAssertion(t *testing.T, assertion string, cert *x509.Certificate, alg, aud string, now time.Time) string {
	t.Helper()
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		t.Errorf("client assertion %q is not a compact JWS", assertion)
		return ""
	}
	var header map[string]string
	var claims map[string]any
	for i, v := range []any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil {
			t.Errorf("assertion part %d: %v", i, err)
			return ""
		}
	}
	s1, s256 := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
	wantHeader := map[string]string{
		"alg": alg, "typ": "JWT",
		"x5t":      base64.RawURLEncoding.EncodeToString(s1[:]),
		"x5t#S256": base64.RawURLEncoding.EncodeToString(s256[:]),
	}
	if !oauthEqualMaps(header, wantHeader) {
		t.Errorf("assertion header %v, want %v", header, wantHeader)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Errorf("signature: %v", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub := cert.PublicKey.(*rsa.PublicKey)
	if alg == "PS256" {
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	}
	if err != nil {
		t.Errorf("assertion signature does not verify with the certificate's key: %v", err)
	}
	want := map[string]any{
		"aud": aud, "iss": oauthClientID, "sub": oauthClientID,
		"nbf": float64(now.Unix()), "iat": float64(now.Unix()), "exp": float64(now.Add(10 * time.Minute).Unix()),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	jti, _ := claims["jti"].(string)
	if len(jti) < 16 {
		t.Errorf("jti %q: want a random id", jti)
	}
	return jti
}

func oauthEqualMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestOAuthClientCertificate(t *testing.T) {
	cert, key := oauthTestCert(t, "connectorhub-test")
	other, _ := oauthTestCert(t, "intermediate")
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := oauthPEM("CERTIFICATE", cert.Raw)
	for _, tt := range []struct {
		name     string
		pem      []byte
		password string
		pss      bool
	}{
		{"PKCS#1 key then certificate", slices.Concat(oauthPEM("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)), certPEM), "", false},
		{"certificate then PKCS#8 key, PS256", slices.Concat(certPEM, oauthPEM("PRIVATE KEY", pkcs8)), "", true},
		{"chain and encrypted PKCS#8 key", slices.Concat(oauthPEM("CERTIFICATE", other.Raw), certPEM, oauthEncryptPKCS8(t, key, "pa55word")), "pa55word", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc, err := client.ParseCertificatePEM(tt.pem, []byte(tt.password))
			if err != nil {
				t.Fatal(err)
			}
			if !cc.Certificate.Equal(cert) {
				t.Fatalf("took the certificate %q, want the key's", cc.Certificate.Subject.CommonName)
			}
			cc.PSS = tt.pss
			alg := map[bool]string{false: "RS256", true: "PS256"}[tt.pss]
			a := newOAuthAuthority(t)
			clock := newOAuthClock()
			var jtis []string
			a.token = func(form url.Values) (int, any) {
				oauthCheckForm(t, "token", form, map[string]string{
					"grant_type": "client_credentials", "client_id": oauthClientID,
					"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
					"client_assertion":      form.Get("client_assertion"), "scope": oauthScope,
				})
				jtis = append(jtis, oauthCheckAssertion(t, form.Get("client_assertion"), cert, alg, a.TokenURL(), clock.Now()))
				return 200, oauthTokenAnswer("cert-token", 3599, "")
			}
			ts, err := client.NewClientCertificateSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}, Now: clock.Now}, cc)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if tok, err := ts.Token(context.Background()); err != nil || tok != "cert-token" {
					t.Fatalf("Token = %q, %v", tok, err)
				}
			}
			clock.Advance(time.Hour)
			if _, err := ts.Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(jtis) != 2 || jtis[0] == jtis[1] {
				t.Errorf("jti of the two requests: %q, want two different ids", jtis)
			}
		})
	}
}

func TestOAuthCertificatePEMErrors(t *testing.T) {
	cert, key := oauthTestCert(t, "a")
	other, otherKey := oauthTestCert(t, "b")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	keyPEM := oauthPEM("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	for _, tt := range []struct {
		name, password, want string
		pem                  []byte
	}{
		{"wrong password", "nope", "wrong password", slices.Concat(oauthPEM("CERTIFICATE", cert.Raw), oauthEncryptPKCS8(t, key, "right"))},
		{"no password", "", "no password", slices.Concat(oauthPEM("CERTIFICATE", cert.Raw), oauthEncryptPKCS8(t, key, "right"))},
		{"no key", "", "no private key", oauthPEM("CERTIFICATE", cert.Raw)},
		{"no certificate", "", "no CERTIFICATE", keyPEM},
		{"another's certificate", "", "no certificate in the PEM data is the private key's", slices.Concat(oauthPEM("CERTIFICATE", other.Raw), keyPEM)},
		{"EC key", "", "RSA key", slices.Concat(oauthPEM("CERTIFICATE", cert.Raw), oauthPEM("PRIVATE KEY", ecDER))},
		{"legacy encryption", "x", "legacy encrypted", slices.Concat(oauthPEM("CERTIFICATE", cert.Raw), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: []byte{1}}))},
	} {
		if _, err := client.ParseCertificatePEM(tt.pem, []byte(tt.password)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	_, err = client.NewClientCertificateSource(client.OAuthConfig{Tenant: "t", ClientID: "c", Scopes: []string{oauthScope}}, client.ClientCertificate{Certificate: cert, Key: otherKey})
	if err == nil || !strings.Contains(err.Error(), "not the certificate's") {
		t.Errorf("a key that is not the certificate's: %v", err)
	}
}

// oauthSleeps records the waits the device code flow asks for and, instead of waiting,
// moves the clock by them; hook runs after each one (on the test's goroutine).
type oauthSleeps struct {
	clock *oauthClock
	waits []time.Duration
	hook  func(n int) error
}

func (s *oauthSleeps) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	s.clock.Advance(d)
	if s.hook != nil {
		if err := s.hook(len(s.waits)); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// oauthDeviceAuthority scripts a device code sign-in: the device code endpoint's answer and the
// token endpoint's answers to the polls, in order.
func oauthDeviceAuthority(t *testing.T, interval int, polls ...any) *oauthAuthority {
	a := newOAuthAuthority(t)
	a.device = func(form url.Values) (int, any) {
		oauthCheckForm(t, "devicecode", form, map[string]string{"client_id": oauthClientID, "scope": oauthScope + " offline_access"})
		return 200, map[string]any{
			"device_code": "DEVICE-CODE", "user_code": "ABCD-EFGH",
			"verification_uri": "https://microsoft.com/devicelogin",
			"expires_in":       900, "interval": interval,
			"message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.",
		}
	}
	i := 0
	a.token = func(form url.Values) (int, any) {
		oauthCheckForm(t, "device poll", form, map[string]string{
			"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": oauthClientID, "device_code": "DEVICE-CODE",
		})
		if i >= len(polls) {
			t.Errorf("poll %d: more polls than scripted", i+1)
			return 400, map[string]string{"error": "invalid_request"}
		}
		p := polls[i]
		i++
		if code, ok := p.(string); ok {
			return 400, map[string]string{"error": code, "error_description": "AADSTS: " + code}
		}
		return 200, p
	}
	return a
}

func TestOAuthDeviceCodeFlowAndRefresh(t *testing.T) {
	a := oauthDeviceAuthority(t, 2, "authorization_pending", "slow_down", "authorization_pending", oauthTokenAnswer("device-token-1", 3600, "RT1"))
	clock := newOAuthClock()
	sl := &oauthSleeps{clock: clock}
	var prompt bytes.Buffer
	var kept []string
	ts, err := client.NewDeviceCodeSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}, Now: clock.Now},
		client.DeviceCodeOptions{Prompt: &prompt, Sleep: sl.sleep, OnRefreshToken: func(rt string) { kept = append(kept, rt) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if tok, err := ts.Token(ctx); err != nil || tok != "device-token-1" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if !strings.Contains(prompt.String(), "https://microsoft.com/devicelogin") || !strings.Contains(prompt.String(), "ABCD-EFGH") {
		t.Errorf("prompt %q lacks the verification URI or the user code", prompt.String())
	}
	// interval 2 s; slow_down adds 5 s for the polls after it.
	if want := []time.Duration{2 * time.Second, 2 * time.Second, 7 * time.Second, 7 * time.Second}; !slices.Equal(sl.waits, want) {
		t.Errorf("waits %v, want %v", sl.waits, want)
	}
	if !slices.Equal(kept, []string{"RT1"}) {
		t.Errorf("refresh tokens kept: %q, want [RT1]", kept)
	}
	for range 5 {
		ts.Token(ctx)
	}
	if c := a.Calls("token"); c != 4 {
		t.Errorf("%d token requests, want the 4 polls only (the token is kept)", c)
	}

	// At expiry, the refresh token renews the access token without a sign-in.
	refreshes := 0
	a.token = func(form url.Values) (int, any) {
		oauthCheckForm(t, "refresh", form, map[string]string{
			"grant_type": "refresh_token", "client_id": oauthClientID,
			"refresh_token": []string{"RT1", "RT2"}[refreshes], "scope": oauthScope + " offline_access",
		})
		refreshes++
		if refreshes == 1 {
			return 200, oauthTokenAnswer("device-token-2", 3600, "RT2")
		}
		return 200, oauthTokenAnswer("device-token-3", 3600, "") // the old refresh token stays valid
	}
	clock.Advance(time.Hour)
	if tok, err := ts.Token(ctx); err != nil || tok != "device-token-2" {
		t.Fatalf("after expiry: %q, %v; want device-token-2", tok, err)
	}
	clock.Advance(time.Hour)
	if tok, err := ts.Token(ctx); err != nil || tok != "device-token-3" {
		t.Fatalf("after the second expiry: %q, %v; want device-token-3", tok, err)
	}
	if a.Calls("devicecode") != 1 {
		t.Errorf("%d device code requests, want 1", a.Calls("devicecode"))
	}
	if !slices.Equal(kept, []string{"RT1", "RT2"}) {
		t.Errorf("refresh tokens kept: %q, want [RT1 RT2]", kept)
	}
	if at, _ := ts.AccessToken(ctx); at.RefreshToken != "RT2" {
		t.Errorf("refresh token %q, want RT2 kept when the answer has none", at.RefreshToken)
	}
}

func TestOAuthDeviceCodeRefreshTokenFromEarlierRun(t *testing.T) {
	a := newOAuthAuthority(t)
	a.token = func(form url.Values) (int, any) {
		oauthCheckForm(t, "refresh", form, map[string]string{
			"grant_type": "refresh_token", "client_id": oauthClientID, "refresh_token": "KEPT", "scope": oauthScope + " offline_access",
		})
		return 200, oauthTokenAnswer("from-refresh", 3600, "NEW")
	}
	var kept []string
	ts, err := client.NewDeviceCodeSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}},
		client.DeviceCodeOptions{RefreshToken: "KEPT", Prompt: &bytes.Buffer{}, OnRefreshToken: func(rt string) { kept = append(kept, rt) }})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := ts.Token(context.Background()); err != nil || tok != "from-refresh" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if a.Calls("devicecode") != 0 || !slices.Equal(kept, []string{"NEW"}) {
		t.Errorf("device code requests %d, kept %q: want 0 and [NEW]", a.Calls("devicecode"), kept)
	}
}

func TestOAuthDeviceCodeRevokedRefreshTokenSignsInAgain(t *testing.T) {
	a := oauthDeviceAuthority(t, 1, oauthTokenAnswer("fresh", 3600, "RT"))
	poll := a.token
	a.token = func(form url.Values) (int, any) {
		if form.Get("grant_type") == "refresh_token" {
			return 400, map[string]string{"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired due to inactivity."}
		}
		return poll(form)
	}
	clock := newOAuthClock()
	ts, err := client.NewDeviceCodeSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}, Now: clock.Now},
		client.DeviceCodeOptions{RefreshToken: "STALE", Prompt: &bytes.Buffer{}, Sleep: (&oauthSleeps{clock: clock}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := ts.Token(context.Background()); err != nil || tok != "fresh" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if a.Calls("devicecode") != 1 {
		t.Errorf("%d device code requests, want 1", a.Calls("devicecode"))
	}
}

func TestOAuthDeviceCodeEnds(t *testing.T) {
	for _, tt := range []struct {
		name  string
		polls []any
		hook  func(cancel context.CancelFunc) func(int) error
		want  string
		is    error
	}{
		{name: "declined", polls: []any{"authorization_pending", "access_denied"}, want: "sign-in was declined"},
		{name: "expired_token", polls: []any{"expired_token"}, want: "expired"},
		{name: "unknown error", polls: []any{"invalid_client"}, want: "invalid_client"},
		{name: "code expires by the clock", polls: []any{"authorization_pending", "authorization_pending"}, want: "expired before sign-in",
			hook: func(context.CancelFunc) func(int) error {
				return func(n int) error { return nil }
			}},
		{name: "cancelled", polls: []any{"authorization_pending", "authorization_pending"}, is: context.Canceled,
			hook: func(cancel context.CancelFunc) func(int) error {
				return func(n int) error {
					if n == 3 {
						cancel()
					}
					return nil
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			interval := 1
			if tt.name == "code expires by the clock" {
				interval = 600 // 900 s of validity: the second poll would be after it
			}
			a := oauthDeviceAuthority(t, interval, tt.polls...)
			clock := newOAuthClock()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sl := &oauthSleeps{clock: clock}
			if tt.hook != nil {
				sl.hook = tt.hook(cancel)
			}
			ts, err := client.NewDeviceCodeSource(client.OAuthConfig{Authority: a.Authority(), ClientID: oauthClientID, Scopes: []string{oauthScope}, Now: clock.Now},
				client.DeviceCodeOptions{Prompt: &bytes.Buffer{}, Sleep: sl.sleep})
			if err != nil {
				t.Fatal(err)
			}
			_, err = ts.Token(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
		})
	}
}
