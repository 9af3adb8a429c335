package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/webapi"
)

// ServeConfig is what `connectorhub serve` is told.
type ServeConfig struct {
	Addr     string // address to listen on
	DataDir  string // directory of the SQLite database and the local signing key
	Database string // PostgreSQL URL; "" for SQLite in DataDir
	LogJSON  bool   // JSON log lines instead of text

	LocalIssuer   bool     // trust tokens of `connectorhub token`
	OIDCIssuers   []string // trusted OIDC issuers, e.g. https://login.microsoftonline.com/<tenant>/v2.0
	Audience      string   // aud that external tokens must carry: the environment's URL
	AutoProvision string   // role given to unknown users of an external issuer; "" refuses them
	// DefaultIssuer is the OIDC issuer that users with an oid but no issuer yet belong to;
	// "" means the only OIDCIssuers entry when there is one.
	DefaultIssuer    string
	MaxTokenLifetime time.Duration // longest exp - iat of a local token; auth.DefaultMaxLocalLifetime when 0

	Limits     webapi.Limits     // service protection limits per user
	Validation webapi.Validation // how strictly definitions are checked

	PublicURL   string // origin of the absolute URLs the server writes; "" trusts the Host header
	MaxInFlight int    // requests worked on at once, all users together

	TLSCert, TLSKey string   // PEM files: serve HTTPS (and HTTP/2)
	TrustedProxies  []string // addresses (IP or CIDR) whose X-Forwarded-* headers are believed

	DebugAddr string // loopback address of Go's profiles (net/http/pprof); "" for none
}

// Main is the running server program: end-to-end tests start it without flags.
type Main struct {
	Config ServeConfig
	Logs   io.Writer // where log lines go; stderr when nil

	DB    *sqlstore.DB
	HTTP  *webapi.Server
	debug *http.Server // the profiles of --debug-addr, or nil

	logger *slog.Logger
}

// Run opens the database, creates the bootstrap administrator on first start and starts
// serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	logs := m.Logs
	if logs == nil {
		logs = os.Stderr
	}
	var handler slog.Handler = slog.NewTextHandler(logs, nil)
	if m.Config.LogJSON {
		handler = slog.NewJSONHandler(logs, nil)
	}
	logger := slog.New(handler)
	m.logger = logger

	in := m.installation()
	if err := in.check(); err != nil {
		return err
	}
	// On PostgreSQL the data directory holds nothing; it is not created.
	if !in.postgres() {
		if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
	}
	if fi, err := os.Stat(m.Config.DataDir); err == nil && !in.postgres() && fi.Mode().Perm()&0o077 != 0 {
		// The database files are created 0600, but a directory others can enter shows them
		// what is there, and one they can write lets them replace the files.
		logger.Warn("the data directory is open to other users; restrict it with chmod 700",
			slog.String("data", m.Config.DataDir), slog.String("mode", fi.Mode().Perm().String()))
	}
	var err error
	if m.DB, err = in.open(); err != nil {
		return err
	}
	admin, err := m.DB.Bootstrap(ctx)
	if err != nil {
		return err
	}
	authn, err := m.authenticator(ctx)
	if err != nil {
		return err
	}
	proxies, err := parsePrefixes(m.Config.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	m.HTTP = &webapi.Server{
		Addr:       m.Config.Addr,
		Connectors: m.DB,
		Principals: m.DB,
		Sharing:    m.DB,
		Identities: m.DB,
		Solutions:  m.DB,
		Transactor: m.DB,
		Auth:       authn,
		Logger:     logger,
		Limits:     &m.Config.Limits,
		Validation: m.Config.Validation,
		PublicURL:  m.Config.PublicURL,
		Ready:      m.DB.Ready,

		TLSCertFile:    m.Config.TLSCert,
		TLSKeyFile:     m.Config.TLSKey,
		TrustedProxies: proxies,

		MaxInFlight: m.Config.MaxInFlight,
	}
	if err := m.HTTP.Open(); err != nil {
		return err
	}
	if m.Config.DebugAddr != "" {
		if m.debug, err = serveDebug(m.Config.DebugAddr, logger); err != nil {
			return err
		}
	}
	if m.Config.PublicURL == "" && len(proxies) == 0 && !isLoopback(m.HTTP.URL()) {
		logger.Warn("no --public-url: the URLs in answers (@odata.nextLink, OData-EntityId) take their host from each request's Host header; set --public-url to the address clients use")
	}
	engine := "sqlite"
	if in.postgres() {
		engine = "postgres"
	}
	logger.Info("serving", slog.String("url", m.HTTP.URL()+"/api/data/v9.2/"), slog.String("database", in.describe()),
		slog.String("engine", engine), slog.Any("issuers", authn.Verifier.Issuers()), slog.String("administrator", admin.ID))
	return nil
}

// authenticator builds the bearer-token check from the configured issuers.
func (m *Main) authenticator(ctx context.Context) (*auth.Authenticator, error) {
	v := auth.NewVerifier()
	if m.Config.MaxTokenLifetime < 0 {
		return nil, errors.New("--max-token-lifetime must be positive")
	}
	v.MaxLocalLifetime = m.Config.MaxTokenLifetime
	a := &auth.Authenticator{Verifier: v, Users: m.DB, AutoProvision: m.Config.AutoProvision, Audience: m.Config.Audience}
	if m.Config.LocalIssuer {
		in := m.installation()
		iss, err := in.issuer(ctx, m.DB)
		if err != nil {
			return nil, fmt.Errorf("local issuer: %w", err)
		}
		v.TrustLocal(iss)
		a.Authority = auth.LocalIssuer
		// Generic on purpose: the 401 goes to anyone, and the path would map the server's disk.
		a.Hint = " A local token: run connectorhub token on the server's machine (with --data, if the server was started with one)."
	}
	for i, issuer := range m.Config.OIDCIssuers {
		if err := v.TrustOIDC(ctx, issuer, m.Config.Audience, nil); err != nil {
			return nil, err
		}
		if i == 0 {
			// Entra's v2.0 issuer https://login.microsoftonline.com/<tenant>/v2.0 authorizes at
			// …/<tenant>/oauth2/authorize, the URI Dataverse names.
			a.Authority = strings.TrimSuffix(strings.TrimSuffix(issuer, "/"), "/v2.0") + "/oauth2/authorize"
		}
	}
	switch {
	case m.Config.DefaultIssuer != "":
		if !slices.Contains(m.Config.OIDCIssuers, m.Config.DefaultIssuer) {
			return nil, fmt.Errorf("--default-oidc-issuer %q is not one of the --oidc-issuer values", m.Config.DefaultIssuer)
		}
		a.DefaultIssuer = m.Config.DefaultIssuer
	case len(m.Config.OIDCIssuers) == 1:
		a.DefaultIssuer = m.Config.OIDCIssuers[0]
	}
	if len(v.Issuers()) == 0 {
		return nil, errors.New("no token issuer: keep the local issuer (--local-issuer) or give --oidc-issuer")
	}
	if m.Config.AutoProvision != "" {
		if _, err := m.DB.FindRoleByName(ctx, m.Config.AutoProvision); err != nil {
			return nil, fmt.Errorf("--auto-provision %q: no such role", m.Config.AutoProvision)
		}
	}
	return a, nil
}

// installation is where the configuration says the data is.
func (m *Main) installation() *installation {
	return &installation{dataDir: m.Config.DataDir, database: m.Config.Database}
}

// Close stops the server, letting requests in flight finish for up to 30 seconds, then
// closes the database.
func (m *Main) Close() error {
	var err error
	if m.debug != nil {
		m.debug.Close()
	}
	if m.HTTP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		err = m.HTTP.Close(ctx)
		if m.logger != nil {
			m.logger.Info("stopped", slog.Duration("drained", time.Since(start)), slog.Any("error", err))
		}
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func newServeCmd() *cobra.Command {
	m := &Main{}
	var in installation
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Dataverse Web API for connectors",
		Long: `Serve the Dataverse-compatible Web API for custom connectors at /api/data/v9.0/, /v9.1/ and /v9.2/.

Data lives in an embedded SQLite database (WAL mode) in the --data directory, created on first
start together with a bootstrap System Administrator and the local issuer's signing key.

Every request needs "Authorization: Bearer <token>". Tokens come from the local issuer
(connectorhub token --data DIR) or from OIDC issuers such as Microsoft Entra ID
(--oidc-issuer, --audience); an external token names its user by its issuer and oid claim.
SIGINT or SIGTERM stops the server gracefully.`,
		Example: `  connectorhub serve
  curl -H "Authorization: Bearer $(connectorhub token)" http://127.0.0.1:8080/api/data/v9.2/connectors

  connectorhub serve --addr 127.0.0.1:9000 --data /var/lib/connectorhub \
    --oidc-issuer https://login.microsoftonline.com/<tenant>/v2.0 \
    --audience https://connectors.example.com --auto-provision "Basic User"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Config.DataDir, m.Config.Database = in.dataDir, in.database
			if err := m.Run(cmd.Context()); err != nil {
				m.Close()
				return failed(err)
			}
			<-cmd.Context().Done()
			return m.Close()
		},
	}
	cmd.Flags().StringVar(&m.Config.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	in.register(cmd.Flags(), "./connectorhub-data")
	cmd.Flags().BoolVar(&m.Config.LogJSON, "log-json", false, "write log lines as JSON")
	cmd.Flags().BoolVar(&m.Config.LocalIssuer, "local-issuer", true, "trust tokens made by `connectorhub token` (switch off with --local-issuer=false)")
	cmd.Flags().StringArrayVar(&m.Config.OIDCIssuers, "oidc-issuer", nil, "trust tokens of this OIDC issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0 (repeatable)")
	cmd.Flags().StringVar(&m.Config.Audience, "audience", "", "the aud claim external tokens must carry: the environment's URL")
	cmd.Flags().StringVar(&m.Config.AutoProvision, "auto-provision", "", "create unknown users of an external issuer with this role (default: refuse them)")
	cmd.Flags().StringVar(&m.Config.DefaultIssuer, "default-oidc-issuer", "", "the --oidc-issuer that users with an object id but no issuer yet belong to, bound on their first sign-in (default: the only --oidc-issuer)")
	cmd.Flags().DurationVar(&m.Config.MaxTokenLifetime, "max-token-lifetime", auth.DefaultMaxLocalLifetime, "longest a local token may be valid (exp - iat); longer ones are refused even when signed")
	cmd.Flags().Var(validationFlag{&m.Config.Validation}, "validation", "definition checks before a write: default (structural errors refused), strict (also certification rules) or off")
	cmd.Flags().StringVar(&m.Config.PublicURL, "public-url", "", "the origin clients reach the server at (e.g. https://connectors.example.com); absolute URLs in answers use it instead of the request's Host header")
	cmd.Flags().StringVar(&m.Config.TLSCert, "tls-cert", "", "serve HTTPS (and HTTP/2) with this certificate chain (PEM); with --tls-key")
	cmd.Flags().StringVar(&m.Config.TLSKey, "tls-key", "", "the private key (PEM) of --tls-cert")
	cmd.Flags().StringArrayVar(&m.Config.TrustedProxies, "trusted-proxy", nil, "a reverse proxy (IP or CIDR, repeatable) whose X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For are believed; nobody else's are")
	cmd.Flags().StringVar(&m.Config.DebugAddr, "debug-addr", "", "serve Go's profiles (net/http/pprof) at this loopback address, e.g. 127.0.0.1:6060; they have no authentication")
	cmd.Flags().IntVar(&m.Config.MaxInFlight, "max-in-flight", webapi.DefaultMaxInFlight, "requests worked on at once, all users together; more are answered 503 with Retry-After")
	l := webapi.DefaultLimits
	cmd.Flags().DurationVar(&m.Config.Limits.Window, "limit-window", l.Window, "service protection: the sliding window")
	cmd.Flags().IntVar(&m.Config.Limits.Requests, "limit-requests", l.Requests, "service protection: requests per user per window")
	cmd.Flags().DurationVar(&m.Config.Limits.ExecutionTime, "limit-execution-time", l.ExecutionTime, "service protection: combined execution time per user per window")
	cmd.Flags().IntVar(&m.Config.Limits.Concurrent, "limit-concurrent", l.Concurrent, "service protection: concurrent requests per user")
	return cmd
}

// parsePrefixes reads addresses and networks: "10.0.0.5", "10.0.0.0/8", "::1".
func parsePrefixes(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a network such as 10.0.0.0/8", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// isLoopback reports whether the server's URL is on a loopback address.
func isLoopback(u string) bool {
	host := strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validationFlag is the --validation flag.
type validationFlag struct{ v *webapi.Validation }

func (f validationFlag) String() string {
	if f.v == nil {
		return "default"
	}
	return [...]string{"default", "strict", "off"}[*f.v]
}
func (f validationFlag) Set(s string) (err error) { *f.v, err = webapi.ParseValidation(s); return err }
func (f validationFlag) Type() string             { return "mode" }
