// Package webapi serves the Dataverse Web API for connectors over HTTP: OData URL routing,
// headers, Prefer, ETags, the request middleware and the one error writer.
package webapi

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// Authenticator says who is calling.
type Authenticator interface {
	// Authenticate returns the caller of r, or an *connectorhub.Error to answer with.
	Authenticate(r *http.Request) (*connectorhub.Principal, error)
}

// Deferrer is an Authenticator that can leave the check of a kept caller's rights to the
// request's first read of the database (auth.Authenticator.AuthenticateDeferred): a GET is
// then one query. The check it returns, if any, must be settled before the request answers.
type Deferrer interface {
	AuthenticateDeferred(r *http.Request) (*connectorhub.Principal, *connectorhub.SecurityCheck, error)
}

// Challenger is an Authenticator that tells clients, in WWW-Authenticate, where to get a token.
type Challenger interface {
	Challenge() string
}

// StaticPrincipal authenticates every request as the same principal.
type StaticPrincipal connectorhub.Principal

// Authenticate returns the static principal.
func (p *StaticPrincipal) Authenticate(*http.Request) (*connectorhub.Principal, error) {
	return (*connectorhub.Principal)(p), nil
}

// Server is the HTTP server of the Web API.
type Server struct {
	ln     net.Listener
	server *http.Server

	// Addr is the address to listen on, e.g. "127.0.0.1:8080" or "127.0.0.1:0".
	Addr string

	Connectors connectorhub.ConnectorService
	Principals connectorhub.PrincipalService
	Sharing    connectorhub.SharingService
	Identities connectorhub.IdentityService
	// Solutions serves publishers, solutions, their components, imports and exports.
	Solutions connectorhub.SolutionService
	// Transactor makes the writes of a $batch change set one transaction.
	Transactor connectorhub.Transactor
	Auth       Authenticator
	Logger     *slog.Logger
	// Limits are the service protection limits; nil means DefaultLimits.
	Limits *Limits
	// Validation is how strictly definitions are checked before they are stored.
	Validation Validation
	// PublicURL is the origin clients reach the server at, e.g. https://connectors.example.com;
	// every absolute URL the server writes (@odata.nextLink, OData-EntityId, @odata.context)
	// starts with it. Empty: the request's Host, which a client can set to anything.
	PublicURL string
	// Ready, when set, says whether the server can serve: GET /readyz answers 503 with its
	// error, 200 otherwise (a load balancer's readiness probe). /healthz says only that the
	// process answers.
	Ready func(ctx context.Context) error
	// TLSCertFile and TLSKeyFile, when set, make the server speak HTTPS (and HTTP/2) with
	// that certificate chain and key (PEM files).
	TLSCertFile, TLSKeyFile string
	// TrustedProxies are the addresses of reverse proxies whose X-Forwarded-Proto,
	// X-Forwarded-Host and X-Forwarded-For headers are believed: the origin of the URLs the
	// server writes, and the client address failed authentications are counted by. Nobody
	// else's are. PublicURL, when set, wins over the forwarded origin.
	TrustedProxies []netip.Prefix
	// MaxInFlight bounds the requests the server works on at once, all users together; beyond
	// it a request is answered 503 at once. 0 means DefaultMaxInFlight.
	MaxInFlight int

	limiter    *limiter      // service protection, per user
	anonymous  *limiter      // failed authentications, per client address
	inFlight   chan struct{} // a slot for each request in flight
	quotes     *quoteCache   // the escaped large values of records read again
	bodies     *gate         // bytes of large bodies held at once
	validators chan struct{} // definitions validated at once
	verdicts   verdicts      // what the validator said of definitions sent recently
	busy       refusals      // requests refused at the in-flight cap, for the log
	tls        bool          // serving HTTPS
}

// refusals counts refused requests and logs their number at most every 10 seconds.
type refusals struct {
	mu     sync.Mutex
	n      int
	logged time.Time
}

// note counts one refusal, and logs the count when the last log is 10 seconds old.
func (f *refusals) note(l *slog.Logger) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if now := time.Now(); now.Sub(f.logged) >= 10*time.Second {
		l.Warn("requests refused: the server is at its limit of requests in flight (--max-in-flight)", slog.Int("refused", f.n))
		f.n, f.logged = 0, now
	}
}

// readTimeout bounds the time to read one request, its body included: an 8 MB body on a
// slow link (the pace of a body, bodyRate, is checked within it).
const readTimeout = 2 * time.Minute

// writeTimeout bounds the time to answer one request, its response written included.
const writeTimeout = 5 * time.Minute

// DefaultMaxInFlight is the default of Server.MaxInFlight: well above what two cores serve
// at full speed, and far below what exhausts memory (each request may hold a body of up to
// smallBody bytes outside the large-body budget, and a page of a list while it is encoded).
const DefaultMaxInFlight = 256

// AnonymousLimits bound the failed authentications of one client address: beyond them a
// request without a valid token is answered 429 and is no longer logged, so that nobody can
// flood the log or spend the server's CPU on signature checks without a token.
var AnonymousLimits = Limits{Window: 60 * time.Second, Requests: 120, ExecutionTime: time.Hour, Concurrent: 1 << 30}

// Open starts listening on Addr and serving in the background.
func (s *Server) Open() error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	limits := DefaultLimits
	if s.Limits != nil {
		limits = *s.Limits
	}
	s.limiter = newLimiter(limits)
	s.anonymous = newLimiter(AnonymousLimits)
	n := s.MaxInFlight
	if n <= 0 {
		n = DefaultMaxInFlight
	}
	s.inFlight = make(chan struct{}, n)
	s.bodies = newGate(bodyBudget, userShare)
	// Validation is CPU-bound: more at once than cores gives no throughput, only memory.
	s.validators = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	s.quotes = newQuoteCache()
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
			return fmt.Errorf("public URL %q: give the scheme and host only, e.g. https://connectors.example.com", s.PublicURL)
		}
		s.PublicURL = u.Scheme + "://" + u.Host
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.server = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	if s.TLSCertFile != "" || s.TLSKeyFile != "" {
		// Load now, so that a bad certificate fails Open rather than every handshake.
		cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		s.server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
		s.tls = true
		go s.server.ServeTLS(ln, "", "")
		return nil
	}
	go s.server.Serve(ln)
	return nil
}

// Close stops accepting requests and waits, until ctx ends, for those in flight to finish.
func (s *Server) Close(ctx context.Context) error {
	if s.server == nil {
		return nil
	}
	return s.server.Shutdown(ctx)
}

// URL is the server's root URL, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	if s.tls {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
)

// ServeHTTP wraps every request: in-flight cap, request id, OData-Version, caller,
// recovery, logging.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := connectorhub.NewGUID()
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
	sw := &statusWriter{ResponseWriter: w}
	setHeader(sw, "OData-Version", "4.0")
	setHeader(sw, "REQ_ID", id)
	quiet := false // a refused anonymous flood is not logged line by line
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.logger(r).Error("panic", slog.Any("panic", p))
			if sw.status == 0 {
				s.writeError(sw, r, errors.New("panic"))
			}
		}
		if quiet {
			return
		}
		// Never the body, the query's values or headers: they may hold secrets or tokens.
		s.logger(r).Info("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
	}()
	select {
	case s.inFlight <- struct{}{}:
		defer func() { <-s.inFlight }()
	default:
		// Refusals are not logged one by one (a flood would flood the log); a warning says,
		// at most every 10 seconds, how many there were.
		quiet = true
		s.busy.note(s.Logger)
		sw.Header().Set("Retry-After", "1")
		s.writeError(sw, r, connectorhub.Errorf(connectorhub.ECodeServerBusy, "The server has %d requests in flight, its limit; try again later.", cap(s.inFlight)))
		return
	}
	err := s.serve(sw, r, &quiet)
	switch {
	case err == nil:
	case errors.Is(err, errClientGone) || r.Context().Err() != nil && errors.Is(err, context.Canceled):
		// Nobody reads an answer; the log says what happened, not a server failure.
		sw.status = statusClientClosed
	default:
		s.writeError(sw, r, err)
	}
}

// probe answers the health (process up) and readiness (database reachable, migrations
// applied) probes, without a token: they tell nothing but "ok" or why not.
func (s *Server) probe(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return connectorhub.Errorf(connectorhub.ECodeMethodNotAllowed, "The HTTP method '%s' is not supported on '%s'; use GET.", r.Method, r.URL.Path)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == "/readyz" && s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.logger(r).Warn("not ready", slog.String("error", err.Error()))
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready")
			return nil
		}
	}
	fmt.Fprintln(w, "ok")
	return nil
}

// maxURLLength is Dataverse's limit of a request's URL, 32 KB (a request of a $batch may have
// one of 64 KB, maxPartHeaderBytes). Queries cost at least in proportion to their text, and
// Go's server would otherwise take a URL of 1 MB.
const maxURLLength = 32 << 10

// errURLTooLong is the answer to a URL over maxURLLength, with the status HTTP has for it,
// 414 (the service's own answer is not documented).
var errURLTooLong = connectorhub.Errorf(connectorhub.ECodeBadRequest, "The request URL is longer than %d characters, the limit of the Web API; send a long query in a $batch request, where a URL may have 65,536.", maxURLLength)

// statusClientClosed is what the log shows for a request whose client went away before the
// answer (nginx's 499); it is never sent.
const statusClientClosed = 499

// serve authenticates the caller and routes the request. It sets *quiet when the request
// should not be logged.
func (s *Server) serve(w *statusWriter, r *http.Request, quiet *bool) error {
	if len(r.RequestURI) > maxURLLength {
		return errURLTooLong
	}
	if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
		*quiet = true // a load balancer asks every few seconds: only failures are logged
		return s.probe(w, r)
	}
	version, rest, ok := cutAPIPrefix(r.URL.Path)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeNoResource, "No HTTP resource was found that matches the request URI '%s'.", s.requestURL(r))
	}
	var p *connectorhub.Principal
	var check *connectorhub.SecurityCheck
	var err error
	if d, ok := s.Auth.(Deferrer); ok && deferrable(r, rest) {
		p, check, err = d.AuthenticateDeferred(r)
	} else {
		p, err = s.Auth.Authenticate(r)
	}
	if err != nil {
		return s.refuse(w, r, err, quiet)
	}
	ctx := connectorhub.NewContextWithPrincipal(r.Context(), p)
	if check != nil {
		ctx = connectorhub.NewContextWithSecurityCheck(ctx, check)
	}
	r = r.WithContext(ctx)
	limit := bodyLimitOf(rest)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = pace(w, http.MaxBytesReader(w, r.Body, limit))
	}
	req := &request{Request: r, base: s.origin(r) + "/api/data/" + version, bodies: s.bodies, maxBody: limit}
	defer req.releaseBody()
	return s.limit(w, p.UserID, func() error {
		if check == nil {
			return s.route(w, req, rest)
		}
		return s.routeChecked(w, req, rest, check, quiet)
	})
}

// refuse answers a failed authentication.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error, quiet *bool) error {
	if connectorhub.ErrorCode(err) != connectorhub.ECodeUnauthenticated {
		return err
	}
	// Failed authentications are counted per client address: a flood is refused (and
	// not logged) once it passes the anonymous limits.
	if err := s.limitAnonymous(w, r); err != nil {
		*quiet = true
		return err
	}
	if c, ok := s.Auth.(Challenger); ok {
		w.Header().Set("WWW-Authenticate", c.Challenge())
	}
	return err
}

// deferrable reports whether a request may leave the check of its caller's kept rights to
// its first read: the reads of connectors, whose first query reads the security version in
// the same statement (internal/sqlstore). Any other request would pay a query for it anyway.
// Only requests without a body: a stale caller's request is served again.
func deferrable(r *http.Request, rest string) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(rest == "connectors" || strings.HasPrefix(rest, "connectors("))
}

// routeChecked routes a request that owes its security check. The store settles it with
// the first read; w holds back the answer until it is settled (an answer made without a read);
// an error is answered only once it is settled. A caller found stale is read again, and the
// request served again from the start, with what it had written to w's header undone.
func (s *Server) routeChecked(w *statusWriter, req *request, rest string, check *connectorhub.SecurityCheck, quiet *bool) error {
	header := w.Header().Clone()
	w.hold(req.Context(), check)
	err := s.route(w, req, rest)
	held := w.release()
	if held == nil && !errors.Is(err, connectorhub.ErrStaleRights) {
		// What was answered, or the error to answer, stands if the caller is current (no
		// read at all when a read or a write settled the check already).
		held = check.Confirm(req.Context())
		if held == nil {
			return err
		}
	}
	if !errors.Is(held, connectorhub.ErrStaleRights) && !errors.Is(err, connectorhub.ErrStaleRights) {
		return cmp.Or(held, err) // the check could not be made: the database's error
	}
	if w.status != 0 {
		// The store settles the check before it reads and w before it writes: never here.
		return errors.New("webapi: a stale caller's answer was written")
	}
	clear(w.Header())
	maps.Copy(w.Header(), header)
	req.Request = req.Request.WithContext(connectorhub.NewContextWithSecurityCheck(req.Context(), nil))
	p, err := s.Auth.Authenticate(req.Request)
	if err != nil {
		return s.refuse(w, req.Request, err, quiet)
	}
	req.Request = req.Request.WithContext(connectorhub.NewContextWithPrincipal(req.Context(), p))
	return s.route(w, req, rest)
}

// cutAPIPrefix splits "/api/data/v9.2/connectors" into "v9.2" and "connectors".
func cutAPIPrefix(path string) (version, rest string, ok bool) {
	rest, ok = strings.CutPrefix(path, "/api/data/")
	if !ok {
		return "", "", false
	}
	version, rest, _ = strings.Cut(rest, "/")
	switch version {
	case "v9.0", "v9.1", "v9.2":
		return version, rest, true
	}
	return "", "", false
}

// requestURL is the absolute URL of the request, as the server's origin gives it.
func (s *Server) requestURL(r *http.Request) string {
	return s.origin(r) + r.URL.RequestURI()
}

// origin is the scheme and host of the absolute URLs the server writes: PublicURL when it is
// configured; otherwise the request's Host, if it is a plain host[:port] (it is the client's
// word, so nothing else of it is echoed).
func (s *Server) origin(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if s.fromTrustedProxy(r) {
		if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	if !validHost(host) {
		host = s.ln.Addr().String()
	}
	return scheme + "://" + host
}

// fromTrustedProxy reports whether the request comes straight from a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientAddr is the client's address: the connection's peer, or, behind trusted proxies, the
// last address of X-Forwarded-For that is not one of them (the one a trusted proxy saw).
func (s *Server) clientAddr(r *http.Request) string {
	if !s.fromTrustedProxy(r) {
		return r.RemoteAddr
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		trusted := false
		for _, p := range s.TrustedProxies {
			trusted = trusted || p.Contains(a.Unmap())
		}
		if !trusted {
			return a.String()
		}
	}
	return r.RemoteAddr
}

// firstValue is the first of a comma-separated header's values, trimmed: proxies append
// theirs to the client's.
func firstValue(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// validHost reports whether h is a host name, IPv4 or bracketed IPv6 address with an optional
// port, and nothing else (no user info, path, or characters a URL would need to escape).
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-:[]_", c) >= 0) {
			return false
		}
	}
	return true
}

func (s *Server) logger(r *http.Request) *slog.Logger {
	id, _ := r.Context().Value(requestIDKey).(string)
	return s.Logger.With(slog.String("request_id", id))
}

// statusWriter remembers the status and size of a response for the log. While it holds a
// security check (routeChecked), it writes nothing before the check is settled, and nothing
// at all for a stale caller.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64

	check     *connectorhub.SecurityCheck // settled before the first byte, unless nil
	checkCtx  context.Context
	checkFail error // the check failed: nothing is written
}

// hold makes w settle c before it writes anything.
func (w *statusWriter) hold(ctx context.Context, c *connectorhub.SecurityCheck) {
	w.check, w.checkCtx, w.checkFail = c, ctx, nil
}

// release ends hold: the error that kept w from writing, or nil.
func (w *statusWriter) release() error {
	err := w.checkFail
	w.check, w.checkCtx, w.checkFail = nil, nil, nil
	return err
}

// held reports whether w must not write: its check failed, now or before.
func (w *statusWriter) held() bool {
	if w.check == nil {
		return false
	}
	if w.checkFail == nil {
		w.checkFail = w.check.Confirm(w.checkCtx)
	}
	if w.checkFail != nil {
		return true
	}
	w.check = nil
	return false
}

func (w *statusWriter) WriteHeader(status int) {
	if w.held() {
		return
	}
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.held() {
		return len(b), nil
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streamed responses reach the client as they are written.
func (w *statusWriter) Flush() {
	if w.held() {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
