package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Leeway is the clock skew allowed on exp, nbf and iat.
const Leeway = 2 * time.Minute

// DefaultMaxLocalLifetime is the longest a local token may be valid (exp - iat) unless the
// Verifier is told otherwise (serve --max-token-lifetime): a working day, so that a leaked
// token does not open the door for long; CI jobs mint a token per run.
const DefaultMaxLocalLifetime = 24 * time.Hour

// asymmetric is the allow-list of signing algorithms: never "none", never HMAC, so a public
// key can never be used as a shared secret (algorithm confusion).
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// Claims are the claims ConnectorHub reads from a verified token.
type Claims struct {
	Issuer   string
	Subject  string
	ObjectID string // oid: the Entra object id of the user or application
	Name     string
	Email    string    // preferred_username, upn or email
	Local    bool      // issued by the local issuer: Subject is a systemuserid
	IssuedAt time.Time // iat; zero when the token has none (OIDC tokens only: local ones need it)
}

// tokenClaims is the JSON of the claims read.
type tokenClaims struct {
	jwt.RegisteredClaims
	OID               string `json:"oid"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	UPN               string `json:"upn"`
	Email             string `json:"email"`
}

// issuer is one trusted issuer with its keys and expected audience.
type issuer struct {
	name     string
	audience string
	keyfunc  jwt.Keyfunc
	methods  []string
}

// Verifier checks bearer tokens against an allow-list of issuers.
type Verifier struct {
	issuers map[string]*issuer
	// MaxLocalLifetime is the longest exp - iat of a local token; DefaultMaxLocalLifetime when
	// 0. Set it before the first Verify.
	MaxLocalLifetime time.Duration

	mu            sync.Mutex
	verified      map[[sha256.Size]byte]verifiedToken // tokens whose signature was checked, by hash
	verifications int                                 // signatures checked, for tests
}

// verifiedToken is a token Verify accepted: its claims, until it expires.
type verifiedToken struct {
	claims  Claims
	expires time.Time
}

// maxVerifiedTokens bounds the tokens Verify keeps: past it, the expired ones are dropped,
// and if that is not enough, all of them.
const maxVerifiedTokens = 10_000

// NewVerifier returns a Verifier that trusts no issuer yet.
func NewVerifier() *Verifier { return &Verifier{issuers: map[string]*issuer{}} }

// TrustLocal trusts the tokens of the local issuer.
func (v *Verifier) TrustLocal(i *Issuer) {
	v.issuers[LocalIssuer] = &issuer{
		name: LocalIssuer, audience: LocalAudience, methods: []string{"ES256"},
		keyfunc: func(*jwt.Token) (any, error) { return i.PublicKey(), nil },
	}
}

// TrustOIDC trusts an OIDC issuer: it reads the issuer's discovery document and keeps its JWKS
// cached, refreshing it in the background and when a token names an unknown key (rotation).
// Tokens must carry audience in aud.
func (v *Verifier) TrustOIDC(ctx context.Context, issuerURL, audience string, client *http.Client) error {
	if audience == "" {
		return errors.New("auth: an OIDC issuer needs an audience (--audience, the environment's URL)")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	jwksURI, err := discover(ctx, client, issuerURL)
	if err != nil {
		return err
	}
	kf, err := keyfunc.NewDefaultCtx(ctx, []string{jwksURI})
	if err != nil {
		return fmt.Errorf("auth: JWKS of %s: %w", issuerURL, err)
	}
	v.issuers[issuerURL] = &issuer{name: issuerURL, audience: audience, keyfunc: kf.Keyfunc, methods: asymmetric}
	return nil
}

// TrustKeys trusts an issuer whose keys the caller provides (tests, or a static JWKS).
func (v *Verifier) TrustKeys(issuerURL, audience string, kf jwt.Keyfunc) {
	v.issuers[issuerURL] = &issuer{name: issuerURL, audience: audience, keyfunc: kf, methods: asymmetric}
}

// discover reads {issuer}/.well-known/openid-configuration and returns its jwks_uri, checking
// that the document names the same issuer.
func discover(ctx context.Context, client *http.Client, issuerURL string) (string, error) {
	u := strings.TrimSuffix(issuerURL, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("auth: discovery of %s: %w", issuerURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("auth: discovery of %s: %s", issuerURL, resp.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("auth: discovery of %s: %w", issuerURL, err)
	}
	if doc.Issuer != issuerURL {
		return "", fmt.Errorf("auth: discovery of %s names the issuer %q", issuerURL, doc.Issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("auth: discovery of %s has no jwks_uri", issuerURL)
	}
	return doc.JWKSURI, nil
}

// ErrInvalidToken wraps every reason a token is refused.
var ErrInvalidToken = errors.New("invalid token")

// Verify checks a token's signature (with the keys of its issuer, which must be trusted),
// algorithm, exp, nbf and iat (with Leeway), iss and aud, and for a local token its lifetime,
// and returns its claims. A token accepted is kept, by the hash of its text, until it expires,
// so that a client's next requests cost no signature check (what the user row says — disabled,
// tokens revoked — is read on every request all the same); a token refused is never kept.
func (v *Verifier) Verify(token string) (*Claims, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	v.mu.Lock()
	if t, ok := v.verified[key]; ok && now.Before(t.expires) {
		c := t.claims
		v.mu.Unlock()
		return &c, nil
	}
	v.verifications++
	v.mu.Unlock()
	c, expires, err := v.verify(token)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verified == nil {
		v.verified = map[[sha256.Size]byte]verifiedToken{}
	}
	if len(v.verified) >= maxVerifiedTokens {
		for k, t := range v.verified {
			if !now.Before(t.expires) {
				delete(v.verified, k)
			}
		}
		if len(v.verified) >= maxVerifiedTokens {
			clear(v.verified)
		}
	}
	v.verified[key] = verifiedToken{claims: *c, expires: expires}
	return c, nil
}

// verify checks a token as Verify says, and returns its claims and when it expires.
func (v *Verifier) verify(token string) (*Claims, time.Time, error) {
	// The issuer picks the keys, so it is read first, unverified; the verification below
	// checks it again against the keys it chose.
	var unverified tokenClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &unverified); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	iss, ok := v.issuers[unverified.Issuer]
	if !ok {
		return nil, time.Time{}, fmt.Errorf("%w: the issuer %q is not trusted", ErrInvalidToken, unverified.Issuer)
	}
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(token, &claims, iss.keyfunc,
		jwt.WithValidMethods(iss.methods),
		jwt.WithIssuer(iss.name),
		jwt.WithAudience(iss.audience),
		jwt.WithExpirationRequired(),
		// iat in the future is refused: it would dodge revocation and the lifetime check.
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
	)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	c := &Claims{Issuer: claims.Issuer, Subject: claims.Subject, ObjectID: claims.OID, Name: claims.Name, Local: iss.name == LocalIssuer}
	if claims.IssuedAt != nil {
		c.IssuedAt = claims.IssuedAt.Time
	}
	if c.Local {
		if err := v.checkLocalLifetime(&claims); err != nil {
			return nil, time.Time{}, err
		}
	}
	for _, e := range []string{claims.PreferredUsername, claims.UPN, claims.Email} {
		if e != "" {
			c.Email = e
			break
		}
	}
	return c, claims.ExpiresAt.Time, nil
}

// checkLocalLifetime refuses a local token valid for longer than the maximum, whoever signed
// it: the maximum holds even for tokens not minted by `connectorhub token`.
func (v *Verifier) checkLocalLifetime(c *tokenClaims) error {
	if c.IssuedAt == nil {
		return fmt.Errorf("%w: a local token needs an iat claim", ErrInvalidToken)
	}
	maxLife := v.MaxLocalLifetime
	if maxLife <= 0 {
		maxLife = DefaultMaxLocalLifetime
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life > maxLife {
		return fmt.Errorf("%w: the token is valid for %s, longer than the maximum of %s for local tokens", ErrInvalidToken, life, maxLife)
	}
	return nil
}

// Issuers lists the trusted issuers.
func (v *Verifier) Issuers() []string {
	var names []string
	for n := range v.issuers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
