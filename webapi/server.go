// Package webapi serves the Dataverse Web API for connectors over HTTP: OData URL routing,
// headers, Prefer, ETags, the request middleware and the one error writer.
package webapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// MaxBodyBytes bounds a request body. The largest legal connector is about 4 million
// characters (openapidefinition 1,000,000 and six text columns of 500,000); JSON escaping can
// grow that several times, so the limit leaves room for it.
const MaxBodyBytes = 32 << 20

// Authenticator says who is calling. The identity issue fills this seam with bearer tokens;
// until then every request acts as the bootstrap System Administrator.
type Authenticator interface {
	// Authenticate returns the caller of r, or an *connectorhub.Error to answer with.
	Authenticate(r *http.Request) (*connectorhub.Principal, error)
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
	Auth       Authenticator
	Logger     *slog.Logger
	// Limits are the service protection limits; nil means DefaultLimits.
	Limits *Limits
	// Validation is how strictly definitions are checked before they are stored.
	Validation Validation

	limiter *limiter
}

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
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.server = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 32 MB body on a slow link
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
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
	return "http://" + s.ln.Addr().String()
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
)

// ServeHTTP wraps every request: request id, OData-Version, caller, recovery, logging.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := connectorhub.NewGUID()
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
	sw := &statusWriter{ResponseWriter: w}
	setHeader(sw, "OData-Version", "4.0")
	setHeader(sw, "REQ_ID", id)
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
		// Never the body, the query's values or headers: they may hold secrets or tokens.
		s.logger(r).Info("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
	}()
	if err := s.serve(sw, r); err != nil {
		s.writeError(sw, r, err)
	}
}

// serve authenticates the caller and routes the request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	version, rest, ok := cutAPIPrefix(r.URL.Path)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeNoResource, "No HTTP resource was found that matches the request URI '%s'.", requestURL(r))
	}
	p, err := s.Auth.Authenticate(r)
	if err != nil {
		if c, ok := s.Auth.(Challenger); ok && connectorhub.ErrorCode(err) == connectorhub.ECodeUnauthenticated {
			w.Header().Set("WWW-Authenticate", c.Challenge())
		}
		return err
	}
	r = r.WithContext(connectorhub.NewContextWithPrincipal(r.Context(), p))
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	}
	req := &request{Request: r, base: baseURL(r, version)}
	return s.limit(w, p.UserID, func() error { return s.route(w, req, rest) })
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

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// baseURL is the absolute service root of the request, e.g. http://host/api/data/v9.2.
func baseURL(r *http.Request, version string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/api/data/" + version
}

func (s *Server) logger(r *http.Request) *slog.Logger {
	id, _ := r.Context().Value(requestIDKey).(string)
	return s.Logger.With(slog.String("request_id", id))
}

// statusWriter remembers the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streamed responses reach the client as they are written.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
