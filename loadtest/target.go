package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// userAgent names the load generator in the server's logs.
const userAgent = "connectorhub-bench"

// Target is the Web API the load goes to, and as whom.
type Target struct {
	root  string // the environment root, without a trailing slash
	api   string // root + "/api/data/" + version
	token string
	http  *http.Client
}

// NewTarget returns the target at root, an environment root such as
// https://org.crm.dynamics.com or http://127.0.0.1:8080 (a trailing /api/data/v9.x is taken
// as the version), reached with token over an HTTP client of at most connections
// keep-alive HTTP/1.1 connections. It fails on a URL that is not absolute http(s).
func NewTarget(root, token string, connections int, timeout time.Duration) (*Target, error) {
	u, err := url.Parse(strings.TrimRight(root, "/"))
	if err != nil {
		return nil, fmt.Errorf("URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("URL %q is not an absolute http or https URL without query or user information", root)
	}
	version := "v9.2"
	if i := strings.Index(u.Path, "/api/data/"); i >= 0 {
		version = strings.Trim(u.Path[i+len("/api/data/"):], "/")
		u.Path = u.Path[:i]
	}
	if version == "" {
		version = "v9.2"
	}
	r := u.String()
	return &Target{root: r, api: r + "/api/data/" + version, token: token, http: NewHTTPClient(connections, timeout)}, nil
}

// URL returns the Web API's root, e.g. http://127.0.0.1:8080/api/data/v9.2.
func (t *Target) URL() string { return t.api }

// NewHTTPClient returns a client of at most connections HTTP/1.1 keep-alive connections per
// host, kept between requests, each request bounded by timeout. HTTP/2 is off so that each
// worker has a connection of its own, and compression is off so that byte counts are the
// bodies as served.
func NewHTTPClient(connections int, timeout time.Duration) *http.Client {
	connections = max(connections, 1)
	var p http.Protocols
	p.SetHTTP1(true)
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxConnsPerHost:       connections,
		MaxIdleConnsPerHost:   connections,
		MaxIdleConns:          connections,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		Protocols:             &p,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// CloseIdle closes the target's idle connections.
func (t *Target) CloseIdle() { t.http.CloseIdleConnections() }

// exchange is what one HTTP request and its answer came to.
type exchange struct {
	status    int
	reqBytes  int64
	respBytes int64
	records   int    // objects in the answer's "value" array
	nextLink  string // @odata.nextLink
	entityID  string // OData-EntityId
	err       error  // a transport error, or the refusal of a non-2xx answer
}

// copyBuffers hold the buffers answers are read through: io.Copy would allocate (and clear)
// 32 KB for every request, work of the generator's that competes with the server measured
// on the same machine.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// do sends one request to the Web API (path relative to its root, or an absolute URL on
// the target's origin such as a nextLink) and reads the answer through a page scanner,
// which keeps nothing of it but the counts and the next link.
func (t *Target) do(ctx context.Context, method, path string, body []byte, hdr http.Header) exchange {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = t.api + "/" + strings.TrimPrefix(path, "/")
	} else if !strings.HasPrefix(path, t.root+"/") {
		return exchange{err: fmt.Errorf("the server's link %q is not on %s: not followed", path, t.root)}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return exchange{err: err}
	}
	h := req.Header
	h.Set("Accept", "application/json")
	h["OData-MaxVersion"] = []string{"4.0"}
	h["OData-Version"] = []string{"4.0"}
	h.Set("User-Agent", userAgent)
	if body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if t.token != "" {
		h.Set("Authorization", "Bearer "+t.token)
	}
	for k, v := range hdr {
		h[k] = v
	}
	ex := exchange{reqBytes: int64(len(body))}
	resp, err := t.http.Do(req)
	if err != nil {
		ex.err = err
		return ex
	}
	defer resp.Body.Close()
	ex.status = resp.StatusCode
	ex.entityID = resp.Header.Get("OData-EntityId")
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		n, _ := io.Copy(io.Discard, resp.Body)
		ex.respBytes = int64(len(data)) + n
		ex.err = &StatusError{Status: resp.StatusCode, Message: errorMessage(data), RetryAfter: retryAfter(resp.Header)}
		return ex
	}
	var sc pageScanner
	buf := copyBuffers.Get().(*[]byte)
	n, err := io.CopyBuffer(&sc, resp.Body, *buf)
	copyBuffers.Put(buf)
	ex.respBytes = n
	if err != nil {
		ex.err = fmt.Errorf("reading the answer of %s %s: %w", method, redact(u), err)
		return ex
	}
	ex.records = sc.records
	if ex.nextLink, err = sc.link(); err != nil {
		ex.err = err
	}
	return ex
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Status     int
	Message    string        // the Dataverse error's code and message, or the body's start
	RetryAfter time.Duration // Retry-After, 0 when absent
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// errorMessage reads a Dataverse error body, {"error":{"code":…,"message":…}}, or returns
// the start of any other body.
func errorMessage(data []byte) string {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Error.Code != "" || body.Error.Message != "") {
		return strings.TrimSpace(body.Error.Code + " " + body.Error.Message)
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// retryAfter reads a Retry-After in seconds; 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(min(secs, 3600)) * time.Second
}

// redact drops a URL's query, whose values may be long or sensitive, for messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// errorKey is the key of an error in the counts by status: the status code, "timeout" or
// "transport".
func errorKey(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return strconv.Itoa(se.Status)
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return "timeout"
	}
	return "transport"
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// setup sends a request of the set-up (seeding, cleanup), retrying it while the server
// throttles (429, 503: Retry-After, else 1 s, 2 s, 4 s…), or, when it is not a POST (which
// the server may have carried out), while the connection fails; at most attempts times. The
// wait stops when ctx is done.
func (t *Target) setup(ctx context.Context, method, path string, body []byte, hdr http.Header, attempts int) exchange {
	var ex exchange
	// A request is not cut short when ctx ends (its timeout bounds it): cut, a create would
	// leave unknown whether the record exists, and it might be stored after the cleanup ran.
	rctx := context.WithoutCancel(ctx)
	for i := range attempts {
		if i > 0 && ctx.Err() != nil {
			return ex
		}
		ex = t.do(rctx, method, path, body, hdr)
		var se *StatusError
		retry := ex.err != nil && !errors.As(ex.err, &se) && method != http.MethodPost ||
			se != nil && (se.Status == http.StatusTooManyRequests || se.Status == http.StatusServiceUnavailable)
		if !retry || i == attempts-1 {
			return ex
		}
		wait := time.Second << min(i, 5)
		if se != nil && se.RetryAfter > 0 {
			wait = se.RetryAfter
		}
		select {
		case <-ctx.Done():
			return ex
		case <-time.After(wait):
		}
	}
	return ex
}
