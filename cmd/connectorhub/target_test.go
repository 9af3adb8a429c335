package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/webapi"
)

func TestPacFlags(t *testing.T) {
	got := pacFlags([]string{"connector", "list", "-env", "https://org.crm.dynamics.com", "-env=x", "--env", "-environment"})
	want := []string{"connector", "list", "--environment", "https://org.crm.dynamics.com", "--environment=x", "--env", "-environment"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTargetResolution: a token wins; a remote environment without credentials is an error
// that says how to give them; a local one falls back to a local token from the data directory.
func TestTargetResolution(t *testing.T) {
	t.Setenv("CONNECTORHUB_TOKEN", "")
	ctx := context.Background()
	c, err := (&target{environment: "https://org.crm.dynamics.com", token: "abc"}).client(ctx)
	if err != nil || c.URL() != "https://org.crm.dynamics.com/api/data/v9.2" {
		t.Errorf("with a token: %v %v", c, err)
	}
	if _, err := (&target{environment: "https://org.crm.dynamics.com"}).client(ctx); err == nil || !strings.Contains(err.Error(), "--token") {
		t.Errorf("remote without credentials: got %v, want an error naming --token", err)
	}
	c, err = (&target{}).client(ctx)
	if err != nil || c.URL() != defaultEnvironment+"/api/data/v9.2" {
		t.Errorf("default: %v %v", c, err)
	}
	t.Setenv("CONNECTORHUB_TOKEN", "from-env")
	if _, err := (&target{environment: "https://org.crm.dynamics.com"}).client(ctx); err != nil {
		t.Errorf("with $CONNECTORHUB_TOKEN: %v", err)
	}
}

// TestLocalTokenFromDatabase: --database (or $CONNECTORHUB_DATABASE for the local fallback)
// mints the local token from a PostgreSQL installation, which a server on it accepts; an
// explicit --data of another installation is not overridden by the variable.
func TestLocalTokenFromDatabase(t *testing.T) {
	url := pgtest.NewURL(t)
	t.Setenv("CONNECTORHUB_TOKEN", "")
	m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Database: url, LocalIssuer: true, Limits: webapi.DefaultLimits}, Logs: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	whoAmI := func(tg *target) error {
		c, err := tg.client(context.Background())
		if err != nil {
			return err
		}
		_, err = c.Do(context.Background(), "GET", "WhoAmI", nil, nil, nil)
		return err
	}
	if err := whoAmI(&target{environment: m.HTTP.URL(), database: url}); err != nil {
		t.Errorf("--database: %v", err)
	}
	t.Setenv(envDatabase, url)
	t.Chdir(t.TempDir())
	if err := whoAmI(&target{environment: m.HTTP.URL()}); err != nil {
		t.Errorf("$%s: %v", envDatabase, err)
	}
	// --data names another installation: its token is refused by this server.
	if err := whoAmI(&target{environment: m.HTTP.URL(), dataDir: t.TempDir()}); err == nil {
		t.Errorf("--data of another installation: the server accepted its token")
	}
}
