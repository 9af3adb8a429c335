package main

import (
	"context"
	"slices"
	"strings"
	"testing"
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
