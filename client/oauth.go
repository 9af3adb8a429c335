package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OAuth2 token sources for Microsoft Entra ID (or any authority with the same endpoints),
// written on the standard library only: client credentials with a secret or a certificate
// (RFC 6749 §4.4, RFC 7523 client assertions) and the device authorization grant (RFC 8628)
// with refresh tokens. Each is a TokenSource that keeps its token until shortly before it
// expires and is safe for concurrent use.

// DefaultAuthorityHost is the Microsoft Entra ID host an authority is formed on when
// OAuthConfig.Authority is empty, or names a host without a path.
const DefaultAuthorityHost = "https://login.microsoftonline.com"

// DeviceCodeGrantType is the grant_type of a device code token request (RFC 8628 §3.4).
const DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// ClientAssertionType is the client_assertion_type of a JWT client assertion (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// refreshMargin is how long before its expiry a token is replaced: a request that set out
// with a token must not reach the server after it expired, and clocks differ.
const refreshMargin = 2 * time.Minute

// defaultLifetime is how long a token is kept when the endpoint does not say (expires_in is
// only RECOMMENDED by RFC 6749); short, because a token used after its expiry fails the call.
const defaultLifetime = 5 * time.Minute

// maxTokenBody bounds how much of a token endpoint's answer is read.
const maxTokenBody = 1 << 20

// OAuthConfig says where and as whom tokens are requested; the flows share it.
type OAuthConfig struct {
	// Authority is the authority's URL, e.g. https://login.microsoftonline.com/<tenant>. The
	// token endpoint is Authority + "/oauth2/v2.0/token", the device code endpoint
	// Authority + "/oauth2/v2.0/devicecode". Empty means DefaultAuthorityHost; a URL without a
	// path (https://login.microsoftonline.us) gets "/" + Tenant appended. It must be https,
	// or http on a loopback address (tests, local emulators): secrets travel to it.
	Authority string
	// Tenant is the directory (tenant id or domain) appended to an authority without a path;
	// device code flows default to "organizations" when it is empty.
	Tenant string
	// ClientID is the application (client) id of the app registration.
	ClientID string
	// Scopes are the scopes asked for, e.g. DefaultScope(environment); at least one.
	Scopes []string
	// HTTPClient sends the requests to the authority (default: a client on http.DefaultTransport).
	HTTPClient *http.Client
	// Now is the clock of expiries and assertions (default time.Now); for tests.
	Now func() time.Time
}

// DefaultScope is the scope of a token for a Dataverse environment: its root URL + "/.default",
// which asks for the permissions the app registration was granted on that resource.
func DefaultScope(environment string) string {
	return strings.TrimRight(environment, "/") + "/.default"
}

// oauthEndpoints is an OAuthConfig checked and completed, shared by the flows.
type oauthEndpoints struct {
	tokenURL, deviceURL string
	clientID            string
	scopes              []string
	http                *http.Client
	now                 func() time.Time
}

// endpoints checks cfg and resolves its authority; defaultTenant applies when cfg has none.
func (cfg OAuthConfig) endpoints(defaultTenant string) (*oauthEndpoints, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("oauth: a client id is required")
	}
	if len(cfg.Scopes) == 0 {
		return nil, errors.New("oauth: at least one scope is required")
	}
	authority, err := ResolveAuthority(cfg.Authority, cfg.Tenant, defaultTenant)
	if err != nil {
		return nil, err
	}
	e := &oauthEndpoints{
		tokenURL:  authority + "/oauth2/v2.0/token",
		deviceURL: authority + "/oauth2/v2.0/devicecode",
		clientID:  cfg.ClientID,
		scopes:    cfg.Scopes,
		http:      cfg.HTTPClient,
		now:       cfg.Now,
	}
	if e.http == nil {
		e.http = &http.Client{}
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

// ResolveAuthority returns the authority URL tokens are requested from, without a trailing
// slash: authority as it is when it has a path, else authority (default DefaultAuthorityHost)
// + "/" + tenant (default defaultTenant). It refuses URLs other than https, except http on a
// loopback address, because client secrets and assertions are sent to it.
func ResolveAuthority(authority, tenant, defaultTenant string) (string, error) {
	if authority == "" {
		authority = DefaultAuthorityHost
	}
	u, err := url.Parse(authority)
	if err != nil {
		return "", fmt.Errorf("oauth: authority: %w", err)
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("oauth: authority %q is not an absolute URL without query, fragment or user information", authority)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && oauthLoopback(u.Hostname())) {
		return "", fmt.Errorf("oauth: authority %q must be https (http only on a loopback address)", authority)
	}
	authority = strings.TrimRight(u.String(), "/")
	if strings.Trim(u.Path, "/") == "" {
		if tenant == "" {
			tenant = defaultTenant
		}
		if tenant == "" {
			return "", errors.New("oauth: a tenant is required (or an authority URL that names one)")
		}
		authority += "/" + url.PathEscape(tenant)
	}
	return authority, nil
}

// oauthLoopback reports whether host names this machine.
func oauthLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AccessToken is a token endpoint's answer: the access token, when it stops being used, and
// the refresh token, if any.
type AccessToken struct {
	Value        string
	Expiry       time.Time // the time the token is replaced: expires_in less a margin
	RefreshToken string
}

// OAuthError is an error answer of an authority's endpoint: its OAuth error code and
// description (RFC 6749 §5.2), or, for an answer without them, its HTTP status.
type OAuthError struct {
	Endpoint    string // the URL that answered
	StatusCode  int
	Code        string // the "error" member, e.g. invalid_client, authorization_pending
	Description string // the "error_description" member
}

// Error quotes the endpoint's error and description, which say what to fix (Entra's start
// with an AADSTS number).
func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oauth: %s: ", e.Endpoint)
	switch {
	case e.Code != "" && e.Description != "":
		fmt.Fprintf(&b, "%s: %s", e.Code, e.Description)
	case e.Code != "":
		b.WriteString(e.Code)
	default:
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
		if e.Description != "" {
			fmt.Fprintf(&b, ": %s", e.Description)
		}
	}
	return b.String()
}

// oauthAnswer is the JSON of a token endpoint's answer, success or error.
type oauthAnswer struct {
	AccessToken  string       `json:"access_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    oauthSeconds `json:"expires_in"`
	RefreshToken string       `json:"refresh_token"`
	Error        string       `json:"error"`
	Description  string       `json:"error_description"`
}

// oauthSeconds reads a number of seconds written as a JSON number or string (Entra's v1 endpoints
// and some others quote it).
type oauthSeconds int64

func (s *oauthSeconds) UnmarshalJSON(b []byte) error {
	str := strings.Trim(string(b), `"`)
	if str == "" || str == "null" {
		*s = 0
		return nil
	}
	n, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return fmt.Errorf("not a number of seconds: %s", b)
	}
	*s = oauthSeconds(n)
	return nil
}

// post sends form to endpoint and decodes the JSON answer into out; an answer that is not
// 2xx is an *OAuthError. Secrets in form never reach the error: only the endpoint's words do,
// with every value of redact removed from them.
func (e *oauthEndpoints) post(ctx context.Context, endpoint string, form url.Values, out any, redact ...string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oauth: %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("oauth: %w", err) // a *url.Error: method and URL, no body
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("oauth: %s: reading the answer: %w", endpoint, err)
	}
	scrub := func(s string) string {
		for _, r := range redact {
			if r != "" {
				s = strings.ReplaceAll(s, r, "[redacted]")
			}
		}
		return s
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		oe := &OAuthError{Endpoint: endpoint, StatusCode: resp.StatusCode}
		var ans oauthAnswer
		if json.Unmarshal(body, &ans) == nil && ans.Error != "" {
			oe.Code, oe.Description = scrub(ans.Error), scrub(ans.Description)
		} else {
			oe.Description = scrub(oauthSnippet(body))
		}
		return oe
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("oauth: %s: the answer is not the JSON expected: %w", endpoint, err)
	}
	return nil
}

// oauthSnippet is the start of a body that is not an OAuth error, for the message.
func oauthSnippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…" // the cut may split a character
	}
	return s
}

// requestToken posts a token request and turns the answer into an AccessToken.
func (e *oauthEndpoints) requestToken(ctx context.Context, form url.Values, redact ...string) (*AccessToken, error) {
	var ans oauthAnswer
	if err := e.post(ctx, e.tokenURL, form, &ans, redact...); err != nil {
		return nil, err
	}
	return e.accessToken(&ans)
}

// accessToken checks a successful answer and computes when its token is replaced.
func (e *oauthEndpoints) accessToken(ans *oauthAnswer) (*AccessToken, error) {
	if ans.AccessToken == "" {
		return nil, fmt.Errorf("oauth: %s: the answer has no access_token", e.tokenURL)
	}
	if ans.TokenType != "" && !strings.EqualFold(ans.TokenType, "bearer") {
		return nil, fmt.Errorf("oauth: %s: token_type %q is not Bearer", e.tokenURL, ans.TokenType)
	}
	life := time.Duration(ans.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultLifetime
	}
	// Replace the token refreshMargin before it expires, or half-way through a shorter life,
	// so that a short-lived token is still kept for a while.
	margin := min(refreshMargin, life/2)
	return &AccessToken{Value: ans.AccessToken, Expiry: e.now().Add(life - margin), RefreshToken: ans.RefreshToken}, nil
}

// OAuthTokenSource is a TokenSource of one OAuth2 flow that keeps its token until its Expiry.
// Concurrent callers share one token request; each may give up waiting with its context.
type OAuthTokenSource struct {
	now   func() time.Time
	fetch func(ctx context.Context) (*AccessToken, error)
	sem   chan struct{} // a one-slot lock that a waiting caller can leave when its context ends
	tok   *AccessToken  // guarded by sem
}

func newOAuthTokenSource(now func() time.Time, fetch func(ctx context.Context) (*AccessToken, error)) *OAuthTokenSource {
	return &OAuthTokenSource{now: now, fetch: fetch, sem: make(chan struct{}, 1)}
}

// Token implements TokenSource: the kept token, or a new one when it is about to expire.
func (s *OAuthTokenSource) Token(ctx context.Context) (string, error) {
	t, err := s.AccessToken(ctx)
	if err != nil {
		return "", err
	}
	return t.Value, nil
}

// AccessToken is Token with the token's expiry and refresh token.
func (s *OAuthTokenSource) AccessToken(ctx context.Context) (AccessToken, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return AccessToken{}, ctx.Err()
	}
	defer func() { <-s.sem }()
	if s.tok != nil && s.now().Before(s.tok.Expiry) {
		return *s.tok, nil
	}
	t, err := s.fetch(ctx)
	if err != nil {
		return AccessToken{}, err
	}
	s.tok = t
	return *t, nil
}

// NewClientSecretSource returns the client credentials flow with a client secret: the app
// acts as itself. The secret is sent only to the token endpoint and never appears in errors.
func NewClientSecretSource(cfg OAuthConfig, secret string) (*OAuthTokenSource, error) {
	e, err := cfg.endpoints("")
	if err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, errors.New("oauth: the client secret is empty")
	}
	return newOAuthTokenSource(e.now, func(ctx context.Context) (*AccessToken, error) {
		form := url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {e.clientID},
			"client_secret": {secret},
			"scope":         {strings.Join(e.scopes, " ")},
		}
		return e.requestToken(ctx, form, secret)
	}), nil
}
