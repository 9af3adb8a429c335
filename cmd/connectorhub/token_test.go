package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/webapi"
)

// startMain starts the server in-process on a loopback port with the local issuer, and returns
// a function that calls WhoAmI with a token ("" for none) and returns status and body.
func startMain(t *testing.T, cfg ServeConfig) func(token string) (int, string) {
	t.Helper()
	cfg.Addr, cfg.LocalIssuer, cfg.Limits = "127.0.0.1:0", true, webapi.DefaultLimits
	m := &Main{Config: cfg, Logs: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return func(token string) (int, string) {
		req, _ := http.NewRequest("GET", m.HTTP.URL()+"/api/data/v9.2/WhoAmI", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// TestTokenLifetimeAndRevocation runs `connectorhub token` against a running server: the 401s
// name no path, a token longer than the maximum is refused by the command and by the server,
// and a revoked token is refused while a new one is not.
func TestTokenLifetimeAndRevocation(t *testing.T) {
	data := filepath.Join(t.TempDir(), "secret-place", "data")
	call := startMain(t, ServeConfig{DataDir: data})
	token := func(args ...string) string {
		return strings.TrimSpace(mustRun(t, append([]string{"token", "--data", data}, args...)...))
	}

	long := token("--ttl", "30h", "--max-token-lifetime", "48h") // minted, but the server allows 24h
	maker := token("--user", "maker@example.com", "--role", "Environment Maker")
	admin := token()
	if out := mustRun(t, "token", "--data", data, "--revoke", "--user", "maker@example.com"); !strings.Contains(out, "maker@example.com") || !strings.Contains(out, "refused") {
		t.Errorf("token --revoke printed %q", out)
	}
	newMaker := token("--user", "maker@example.com")

	tests := []struct {
		name     string
		token    string
		status   int
		contains string
	}{
		{"NoTokenHint", "", 401, "run connectorhub token on the server's machine"},
		{"GarbageHint", "abc.def.ghi", 401, "run connectorhub token on the server's machine"},
		{"LongerThanMaximum", long, 401, "longer than the maximum of 24h0m0s"},
		{"Revoked", maker, 401, "revoked"},
		{"AfterRevocation", newMaker, 200, ""},
		{"OtherUserUntouched", admin, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(tt.token)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Fatalf("got %d %s; want %d containing %q", status, body, tt.status, tt.contains)
			}
			if strings.Contains(body, data) || strings.Contains(body, "secret-place") {
				t.Errorf("the answer shows the data directory: %s", body)
			}
		})
	}

	// Usage errors print no token.
	usage := []struct {
		name string
		args []string
	}{
		{"TTLOverMaximum", []string{"--ttl", "25h"}},
		{"TTLOverGivenMaximum", []string{"--ttl", "2h", "--max-token-lifetime", "1h"}},
		{"RevokeUnknownUser", []string{"--revoke", "--user", "nobody@example.com"}},
		{"RevokeWithRole", []string{"--revoke", "--user", "maker@example.com", "--role", "Basic User"}},
		{"RevokeWithTTL", []string{"--revoke", "--ttl", "1h"}},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := run(t, append([]string{"token", "--data", data}, tt.args...)...); err == nil {
				t.Errorf("token %v: got %q, want an error", tt.args, out)
			}
		})
	}
	db, _, err := openData(context.Background(), &installation{dataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := db.FindSystemUserByEmail(context.Background(), "nobody@example.com"); err == nil {
		t.Errorf("token --revoke created the user it was given: %+v", u)
	}
}

// TestServeTokenFlags: serve --max-token-lifetime reaches the verifier, and
// --default-oidc-issuer must name a trusted issuer.
func TestServeTokenFlags(t *testing.T) {
	data := t.TempDir()
	call := startMain(t, ServeConfig{DataDir: data, MaxTokenLifetime: 48 * time.Hour})
	tok := strings.TrimSpace(mustRun(t, "token", "--data", data, "--ttl", "30h", "--max-token-lifetime", "48h"))
	if status, body := call(tok); status != 200 {
		t.Errorf("a 30h token with --max-token-lifetime 48h: got %d %s", status, body)
	}

	for _, cfg := range []ServeConfig{
		{DataDir: t.TempDir(), DefaultIssuer: "https://login.example.com/t/v2.0"},
		{DataDir: t.TempDir(), MaxTokenLifetime: -time.Hour},
	} {
		cfg.Addr, cfg.LocalIssuer, cfg.Limits = "127.0.0.1:0", true, webapi.DefaultLimits
		m := &Main{Config: cfg, Logs: io.Discard}
		err := m.Run(context.Background())
		m.Close()
		if err == nil {
			t.Errorf("%+v: the server started", cfg)
		}
	}
}
