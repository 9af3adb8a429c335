package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/connectorhub/connectorhub/client"
)

// defaultEnvironment is the server a command talks to when neither --environment nor a
// profile names one: a local `connectorhub serve` on its default address.
const defaultEnvironment = "http://127.0.0.1:8080"

// target is where a command that talks to a server sends its requests, and as whom. Every
// such command registers its flags, so they read the same everywhere.
type target struct {
	environment string
	token       string
	profile     string
	dataDir     string
	database    string
}

// register adds --environment, --token, --profile and --data to a command's flags.
func (t *target) register(fs *pflag.FlagSet) {
	fs.StringVar(&t.environment, "environment", "", "the environment's root URL, e.g. https://org.crm.dynamics.com or http://127.0.0.1:8080 (pac's --environment; also -env)")
	fs.StringVar(&t.token, "token", "", "a bearer token (default: $CONNECTORHUB_TOKEN)")
	fs.StringVar(&t.profile, "profile", "", "the auth profile to use (default: the selected one; see connectorhub auth)")
	fs.StringVar(&t.dataDir, "data", "", "mint a local token from this data directory (a server on this machine)")
	fs.StringVar(&t.database, "database", "", "mint a local token from this PostgreSQL installation, postgres://… (servers on it; default for a local token: $"+envDatabase+")")
}

// client resolves the target and its credentials, in this order: --token or
// $CONNECTORHUB_TOKEN; a named profile (--profile, else the selected one); --data or --database
// (a local token minted from that installation, for a server on this machine or on that
// database); and, when none of them applies and the environment is a local server,
// $CONNECTORHUB_DATABASE or the default data directory.
func (t *target) client(ctx context.Context) (*client.Client, error) {
	env := t.environment
	var ts client.TokenSource
	token := t.token
	if token == "" {
		token = os.Getenv("CONNECTORHUB_TOKEN")
	}
	switch {
	case token != "":
		ts = client.StaticToken(strings.TrimSpace(token))
	case t.dataDir == "" && t.database == "":
		penv, pts, found, err := profileSource(ctx, t.profile)
		if err != nil {
			return nil, err
		}
		// A profile's tokens are for its environment only: sent elsewhere they could be
		// replayed. A profile named for another environment is an error; a selected one is
		// passed over.
		if found && env != "" && !sameEnvironment(env, penv) {
			if t.profile != "" {
				return nil, fmt.Errorf("the profile %q is for %s, not %s", t.profile, penv, env)
			}
			found = false
		}
		if found {
			if env == "" {
				env = penv
			}
			ts = pts
			break
		}
		if t.profile != "" {
			return nil, fmt.Errorf("no auth profile named %q: connectorhub auth list shows them", t.profile)
		}
		if env != "" && !isLocal(env) {
			return nil, fmt.Errorf("no credentials for %s: give --token (or $CONNECTORHUB_TOKEN), or create a profile with connectorhub auth create", env)
		}
		fallthrough
	default:
		in := installation{dataDir: t.dataDir, database: t.database}
		if in.dataDir == "" && in.database == "" {
			in.dataDir, in.database = "./connectorhub-data", os.Getenv(envDatabase)
		}
		if err := in.check(); err != nil {
			return nil, err
		}
		ts = &localTokens{in: in}
	}
	if env == "" {
		env = defaultEnvironment
	}
	return client.New(env, client.WithTokenSource(ts))
}

// connectorClient is client followed by the lookup of the connector table's metadata, which
// pac makes before its first request on connectors: once per command run (the client keeps
// the answer). An environment without the table (Dataverse for Teams) is an error saying so.
func (t *target) connectorClient(ctx context.Context) (*client.Client, error) {
	c, err := t.client(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.ConnectorTable(ctx); err != nil {
		var apiErr *client.Error
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, fmt.Errorf("this environment has no connector table (Dataverse for Teams environments have none): %w", err)
		}
		return nil, fmt.Errorf("resolving the connector table's metadata: %w", err)
	}
	return c, nil
}

// sameEnvironment reports whether two environment URLs name the same root (case and a
// trailing slash aside).
func sameEnvironment(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// isLocal reports whether an environment URL names this machine.
func isLocal(env string) bool {
	for _, p := range []string{"http://127.", "http://localhost", "http://[::1]"} {
		if strings.HasPrefix(env, p) {
			return true
		}
	}
	return false
}

// localTokens mints a token of the local issuer once, for the bootstrap administrator of
// the data directory, and gives it until shortly before it expires.
type localTokens struct {
	in installation

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token implements client.TokenSource.
func (l *localTokens) Token(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token != "" && time.Until(l.expires) > time.Minute {
		return l.token, nil
	}
	if _, err := os.Stat(l.in.dataDir); !l.in.postgres() && errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no data directory %s for a local token: give --data (the server's), --database, --token or --profile", l.in.dataDir)
	}
	tok, err := localToken(ctx, &l.in, "", nil, time.Hour)
	if err != nil {
		return "", err
	}
	l.token, l.expires = tok, time.Now().Add(time.Hour)
	return tok, nil
}

// pacFlags rewrites pac's multi-letter short flags (-env) into their long forms, which the
// flag parser reads: -env X and -env=X become --environment X and --environment=X. pac
// solution's (-wt, -sn…) are rewritten in solution commands only.
func pacFlags(args []string) []string {
	out := make([]string, len(args))
	solution := len(args) > 0 && args[0] == "solution"
	for i, a := range args {
		switch {
		case a == "-env":
			a = "--environment"
		case strings.HasPrefix(a, "-env="):
			a = "--environment=" + strings.TrimPrefix(a, "-env=")
		case pacFlag(pacConnectorShorts, a) != "":
			a = pacFlag(pacConnectorShorts, a)
		case solution && pacFlag(pacSolutionShorts, a) != "":
			a = pacFlag(pacSolutionShorts, a)
		}
		out[i] = a
	}
	return out
}

// warn prints what a command left out, one line each, on standard error.
func warn(cmd interface{ ErrOrStderr() io.Writer }, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
}
