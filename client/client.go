// Package client is a Go client for the Dataverse Web API, for any endpoint that speaks it:
// a ConnectorHub server or a Microsoft Dataverse environment. It offers typed operations on
// Power Platform custom connectors (the connectors entity set) and, for the other entity
// sets, a low-level Do that shares the same machinery: OData headers, bearer tokens, retries
// of throttled and failed requests, and Dataverse error bodies as *Error values.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Version is the client's version, written into the default User-Agent; builds set it.
var Version = "dev"

// DefaultAPIVersion is the Web API version the client addresses unless WithAPIVersion says otherwise.
const DefaultAPIVersion = "v9.2"

// Retry defaults: at most DefaultMaxAttempts attempts of one call, and at most
// DefaultMaxWait of waiting between them, all waits together.
const (
	DefaultMaxAttempts = 5
	DefaultMaxWait     = 2 * time.Minute
)

// maxBackoff bounds the wait before retrying when the server gives no Retry-After.
const maxBackoff = 30 * time.Second

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// TokenSource gives the bearer token of a request; it is asked before every attempt, so it
// may refresh tokens. An error stops the call, which returns it.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

// StaticToken returns a TokenSource that always gives token.
func StaticToken(token string) TokenSource { return staticToken(token) }

// Client calls one environment's Web API. It is safe for concurrent use.
type Client struct {
	root        *url.URL // the environment root, without a trailing slash
	apiVersion  string
	base        string // root + "/api/data/" + apiVersion
	http        *http.Client
	tokens      TokenSource
	userAgent   string
	maxAttempts int
	maxWait     time.Duration
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error

	table tableCache // ConnectorTable's answer, read once
}

// Option configures a Client in New; an option given a value it cannot use makes New fail.
type Option func(*Client) error

// WithTokenSource sets where bearer tokens come from; without it requests carry no Authorization.
func WithTokenSource(ts TokenSource) Option {
	return func(c *Client) error {
		if ts == nil {
			return errors.New("client: nil TokenSource")
		}
		c.tokens = ts
		return nil
	}
}

// WithHTTPClient sets the *http.Client requests go through (default: a client on
// http.DefaultTransport, without a timeout: bound calls with their context).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("client: nil *http.Client")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default: DefaultUserAgent()).
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

var apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// WithAPIVersion sets the Web API version of the URLs, e.g. "v9.1"; the form must be v<major>.<minor>.
func WithAPIVersion(v string) Option {
	return func(c *Client) error {
		if !apiVersionRE.MatchString(v) {
			return fmt.Errorf("client: API version %q is not of the form v9.2", v)
		}
		c.apiVersion = v
		return nil
	}
}

// WithRetry bounds the retries of one call: at most maxAttempts attempts (1 means no retry)
// and at most maxWait of waiting, all waits together. Defaults: DefaultMaxAttempts, DefaultMaxWait.
func WithRetry(maxAttempts int, maxWait time.Duration) Option {
	return func(c *Client) error {
		if maxAttempts < 1 || maxWait < 0 {
			return fmt.Errorf("client: retry policy needs maxAttempts >= 1 and maxWait >= 0, not %d and %v", maxAttempts, maxWait)
		}
		c.maxAttempts, c.maxWait = maxAttempts, maxWait
		return nil
	}
}

// WithClock sets the clock that reads Retry-After dates (default time.Now); for tests.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return errors.New("client: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithSleep sets how the client waits before a retry (default: a timer that returns
// ctx.Err() as soon as ctx is done); for tests. A non-nil error from sleep ends the call with it.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error {
		if sleep == nil {
			return errors.New("client: nil sleep")
		}
		c.sleep = sleep
		return nil
	}
}

// DefaultUserAgent is the User-Agent the client sends unless WithUserAgent says otherwise.
func DefaultUserAgent() string {
	return "connectorhub/" + Version + " (+https://github.com/connectorhub/connectorhub)"
}

// New returns a client of the environment at baseURL, its root, e.g.
// https://org.crm.dynamics.com or http://127.0.0.1:8080; the client appends /api/data/v9.2.
// It fails on a URL that is not absolute http(s) or has a query or fragment, and on a bad option.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q is not an absolute http or https URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("client: base URL %q has a query, fragment or user information", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{
		root:        u,
		apiVersion:  DefaultAPIVersion,
		http:        &http.Client{},
		maxAttempts: DefaultMaxAttempts,
		maxWait:     DefaultMaxWait,
		now:         time.Now,
		sleep:       sleepContext,
	}
	c.userAgent = DefaultUserAgent()
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.base = u.String() + "/api/data/" + c.apiVersion
	return c, nil
}

// URL returns the Web API's root, e.g. https://org.crm.dynamics.com/api/data/v9.2.
func (c *Client) URL() string { return c.base }

// sleepContext waits d, or less when ctx is done first, then returning ctx.Err().
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do sends one request to the Web API and decodes a JSON answer into out (when out is not nil
// and the answer has a body; an io.Writer out receives the body as it is). path is relative
// to the API root, with or without a leading slash ("connectors(…)?$select=name",
// "WhoAmI"), its query already encoded, or an absolute URL on the
// client's origin, such as an @odata.nextLink; any other origin is refused, so that the token
// never leaves it. body is nil, []byte (sent as it is), an io.Reader (read once and buffered),
// or a value encoded as JSON; headers are added to the client's and replace those of the
// same name (compared without regard to case), keeping their spelling. A non-2xx answer other than 304 is an *Error, returned with the response; 429
// and 503 are retried as Retry-After says, and connection errors of idempotent requests
// (GET, HEAD, OPTIONS, PUT, DELETE, PATCH with If-Match) with backoff, within the retry
// policy. The returned response's body has been read and closed.
func (c *Client) Do(ctx context.Context, method, path string, body any, out any, headers http.Header) (*http.Response, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	payload, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, method, u, payload, headers)
	if err != nil {
		return resp, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified {
		if w, ok := out.(io.Writer); ok {
			_, err = io.Copy(w, resp.Body)
		} else if err = json.NewDecoder(resp.Body).Decode(out); err == io.EOF {
			err = nil // no body: out stays as it is
		}
		if err != nil {
			if ctx.Err() != nil {
				return resp, ctx.Err()
			}
			return resp, fmt.Errorf("client: %s %s: reading the answer: %w", method, u, err)
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	return resp, nil
}

// resolve makes path an absolute URL on the client's origin.
func (c *Client) resolve(path string) (string, error) {
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		return c.base + "/" + strings.TrimPrefix(path, "/"), nil
	}
	u, err := url.Parse(path)
	if err != nil {
		return "", fmt.Errorf("client: URL %q: %w", path, err)
	}
	if u.Scheme != c.root.Scheme || !strings.EqualFold(u.Host, c.root.Host) {
		return "", fmt.Errorf("client: URL %q is not on %s://%s; the client sends its token to no other origin", path, c.root.Scheme, c.root.Host)
	}
	return path, nil
}

// encodeBody makes a request body re-sendable bytes; nil means no body.
func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case io.Reader:
		data, err := io.ReadAll(b)
		if err != nil {
			return nil, fmt.Errorf("client: reading the request body: %w", err)
		}
		return data, nil
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("client: encoding the request body: %w", err)
		}
		return data, nil
	}
}

// idempotent reports whether a request may be sent again after a connection error, which
// leaves unknown whether the server acted on it.
func idempotent(method string, headers http.Header) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPatch:
		for k, vs := range headers { // a caller's header keeps its spelling: compare without case
			if strings.EqualFold(k, "If-Match") && len(vs) > 0 && vs[0] != "" {
				return true
			}
		}
	}
	return false
}

// send makes the attempts of one call; it returns a 2xx or 304 response with its body
// unread, or an error: an *Error (with its response) for any other status.
func (c *Client) send(ctx context.Context, method, u string, payload []byte, extra http.Header) (*http.Response, error) {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		req, err := c.newRequest(ctx, method, u, payload, extra)
		if err != nil {
			return nil, err
		}
		resp, err := c.http.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// err is a *url.Error, which names the method and URL.
			if !idempotent(method, req.Header) || attempt >= c.maxAttempts {
				return nil, err
			}
			wait = backoff(attempt)
			if waited+wait > c.maxWait {
				return nil, err
			}
		} else {
			if resp.StatusCode < 300 || resp.StatusCode == http.StatusNotModified {
				return resp, nil
			}
			apiErr := readError(resp)
			if ctx.Err() != nil {
				return resp, ctx.Err()
			}
			if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable || attempt >= c.maxAttempts {
				return resp, apiErr
			}
			// The server did not act on a throttled request: any method may be sent again.
			var ok bool
			if wait, ok = retryAfter(resp.Header, c.now()); !ok {
				wait = backoff(attempt)
			}
			if waited+wait > c.maxWait {
				return resp, apiErr
			}
		}
		if wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return nil, err
			}
			waited += wait
		}
	}
}

// newRequest builds one attempt's request with the client's headers, then extra's.
func (c *Client) newRequest(ctx context.Context, method, u string, payload []byte, extra http.Header) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, u, err)
	}
	h := req.Header
	h.Set("Accept", "application/json")
	// Dataverse's spelling, not Go's canonical Odata-Maxversion (header names are
	// case-insensitive, but its documentation and tools write these).
	h["OData-MaxVersion"] = []string{"4.0"}
	h["OData-Version"] = []string{"4.0"}
	if c.userAgent != "" {
		h.Set("User-Agent", c.userAgent)
	}
	if payload != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.tokens != nil {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("client: getting a token: %w", err)
		}
		if tok != "" {
			h.Set("Authorization", "Bearer "+tok)
		}
	}
	for k, vs := range extra {
		for hk := range h {
			if strings.EqualFold(hk, k) {
				delete(h, hk)
			}
		}
		h[k] = append([]string(nil), vs...)
	}
	return req, nil
}

// backoff is the wait before attempt+1 when the server says nothing: 1s, 2s, 4s… up to maxBackoff.
func backoff(attempt int) time.Duration {
	if attempt > 5 {
		return maxBackoff
	}
	return min(time.Second<<(attempt-1), maxBackoff)
}

// retryAfter reads Retry-After, in seconds or as an HTTP date; ok is false when absent or unreadable.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second) // beyond any bound; avoids overflow
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
