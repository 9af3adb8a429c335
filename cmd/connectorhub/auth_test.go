package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain keeps every test of the package away from the user's own auth profiles: target
// resolution reads the selected profile, and a developer's would change what tests see.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "connectorhub-config-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv(configDirEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// authConfigDir points the configuration directory at a fresh one for the test and returns it;
// the directory does not exist yet, so the test sees it made.
func authConfigDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	t.Setenv(configDirEnv, dir)
	t.Setenv("CONNECTORHUB_TOKEN", "")
	return dir
}

// authCertFile writes a PEM file with a self-signed certificate and its PKCS#8 key.
func authCertFile(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "ci"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k8})...)
	path := filepath.Join(t.TempDir(), "ci.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// authListJSON runs auth list -o json.
func authListJSON(t *testing.T) []map[string]any {
	t.Helper()
	var views []map[string]any
	out := mustRun(t, "auth", "list", "-o", "json")
	if err := json.Unmarshal([]byte(out), &views); err != nil {
		t.Fatalf("auth list -o json: %v\n%s", err, out)
	}
	return views
}

// authCheckMode fails unless path has exactly the permission bits want.
func authCheckMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

func TestAuthProfileCommands(t *testing.T) {
	dir := authConfigDir(t)
	const marker = "MARKER-c1ient-s3cret-value"
	t.Setenv("DEV_SECRET", marker)
	cert := authCertFile(t)

	out := mustRun(t, "auth", "create", "--name", "dev", "--env", "https://dev.crm.dynamics.com/",
		"--tenant", "contoso.onmicrosoft.com", "--client-id", "c1", "--client-secret-env", "DEV_SECRET")
	if !strings.Contains(out, "selected") {
		t.Errorf("the first profile is not said selected: %q", out)
	}
	out = mustRun(t, "auth", "create", "--name", "ci", "--environment", "https://ci.crm.dynamics.com",
		"--tenant", "t2", "--client-id", "c2", "--certificate", cert)
	if strings.Contains(out, "selected") {
		t.Errorf("the second profile is said selected: %q", out)
	}
	mustRun(t, "auth", "create", "--name", "me", "--env", "https://dev.crm.dynamics.com", "--client-id", "c3", "--device-code",
		"--authority", "https://login.microsoftonline.us", "--scope", "https://dev.crm.dynamics.com/user_impersonation")
	if _, err := run(t, "auth", "create", "--name", "DEV", "--env", "https://x.crm.dynamics.com", "--client-id", "c"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second profile named dev (in other case): %v", err)
	}

	views := authListJSON(t)
	want := []map[string]any{
		{"name": "dev", "environment": "https://dev.crm.dynamics.com", "kind": "clientSecret", "tenant": "contoso.onmicrosoft.com", "clientId": "c1", "selected": true},
		{"name": "ci", "environment": "https://ci.crm.dynamics.com", "kind": "certificate", "tenant": "t2", "clientId": "c2", "selected": false},
		{"name": "me", "environment": "https://dev.crm.dynamics.com", "kind": "deviceCode", "tenant": "", "clientId": "c3", "selected": false},
	}
	if got, w := fmt.Sprint(views), fmt.Sprint(want); got != w {
		t.Errorf("auth list -o json:\n got %s\nwant %s", got, w)
	}
	table := mustRun(t, "auth", "list")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ACTIVE") || !strings.HasPrefix(lines[1], "*") || !strings.Contains(lines[1], "dev") {
		t.Errorf("auth list:\n%s", table)
	}

	// The file: private, atomic (no temporary left), and without the secret.
	authCheckMode(t, dir, 0o700)
	authCheckMode(t, filepath.Join(dir, "profiles.json"), 0o600)
	data, err := os.ReadFile(filepath.Join(dir, "profiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(marker)) {
		t.Errorf("profiles.json holds the client secret:\n%s", data)
	}
	if !bytes.Contains(data, []byte(`"clientSecretEnv": "DEV_SECRET"`)) || !bytes.Contains(data, []byte(`"certificate": "`+cert+`"`)) || !bytes.Contains(data, []byte(`"selected": "dev"`)) {
		t.Errorf("profiles.json:\n%s", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the configuration directory holds %v, want profiles.json only", entries)
	}

	mustRun(t, "auth", "select", "CI")
	if v := authListJSON(t); v[0]["selected"] != false || v[1]["selected"] != true {
		t.Errorf("after auth select CI: %v", v)
	}
	if _, err := run(t, "auth", "select", "nobody"); err == nil {
		t.Error("auth select of a missing profile succeeded")
	}
	mustRun(t, "auth", "delete", "ci")
	if v := authListJSON(t); len(v) != 2 || v[0]["selected"] != false || v[1]["selected"] != false {
		t.Errorf("after deleting the selected profile: %v", v)
	}
	if _, err := run(t, "auth", "delete", "ci"); err == nil {
		t.Error("deleting a missing profile succeeded")
	}
	mustRun(t, "auth", "delete", "dev")
	mustRun(t, "auth", "delete", "me")
	if out := mustRun(t, "auth", "list", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("no profiles as JSON: %q, want []", out)
	}
	authCheckMode(t, filepath.Join(dir, "profiles.json"), 0o600)
}

func TestAuthCreateRefusals(t *testing.T) {
	authConfigDir(t)
	const secretLike = "Xy7~Q.secretvalue-9"
	base := []string{"auth", "create", "--name", "p", "--env", "https://org.crm.dynamics.com"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "t", "--client-id", "c", "--client-secret-env", "S", "--certificate", "x.pem"}, "not both"},
		{[]string{"--client-id", "c", "--client-secret-env", "S", "--device-code"}, "--device-code"},
		{[]string{"--tenant", "t", "--client-id", "c", "--client-secret-env", secretLike}, "NAME of an environment variable"},
		{[]string{"--tenant", "t", "--client-secret-env", "S"}, "--client-id is required"},
		{[]string{"--client-id", "c", "--client-secret-env", "S"}, "--tenant is required"},
		{[]string{"--tenant", "t", "--client-id", "c", "--certificate-password-env", "P"}, "goes with --certificate"},
		{[]string{"--tenant", "t", "--client-id", "c", "--certificate", "/nonexistent/x.pem"}, "--certificate"},
		{[]string{"--tenant", "t", "--client-id", "c", "--client-secret-env", "S", "--authority", "http://login.example.com"}, "https"},
		{[]string{"--client-id", "c", "--scope", "a b"}, "one scope per flag"},
	} {
		_, err := run(t, append(base, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error saying %q", tt.args, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secretLike) {
			t.Errorf("%v: the error quotes what may be a secret: %v", tt.args, err)
		}
	}
	for _, args := range [][]string{
		{"auth", "create", "--name", "bad name", "--env", "https://org.crm.dynamics.com", "--client-id", "c"},
		{"auth", "create", "--name", "p", "--env", "org.crm.dynamics.com", "--client-id", "c"},
		{"auth", "create", "--name", "p", "--client-id", "c"},
	} {
		if _, err := run(t, args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	if v := authListJSON(t); len(v) != 0 {
		t.Errorf("refused profiles were stored: %v", v)
	}
}

func TestAuthCommandsHaveExamples(t *testing.T) {
	auth := newAuthCmd()
	for _, c := range append(auth.Commands(), auth) {
		if c.Example == "" {
			t.Errorf("connectorhub %s has no Example", c.Name())
		}
	}
}

// authServers are an OAuth authority and a Web API inside the test. The authority answers
// the token endpoint with handler; the Web API records the Authorization header of each request.
type authServers struct {
	authority, api *httptest.Server
	mu             sync.Mutex
	tokenForms     []url.Values
	deviceRequests int
	authorizations []string
	handler        func(form url.Values) (int, any)
}

func newAuthServers(t *testing.T) *authServers {
	s := &authServers{}
	s.authority = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		var status int
		var body any
		switch r.URL.Path {
		case "/tenant1/oauth2/v2.0/token":
			s.tokenForms = append(s.tokenForms, r.PostForm)
			status, body = s.handler(r.PostForm)
		case "/tenant1/oauth2/v2.0/devicecode":
			s.deviceRequests++
			status, body = 200, map[string]any{"device_code": "DC", "user_code": "UC-1", "verification_uri": "https://example.com/device", "expires_in": 900, "interval": 1}
		default:
			status, body = 404, map[string]string{"error": "not_found"}
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(s.authority.Close)
	s.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.authorizations = append(s.authorizations, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"UserId":"00000000-0000-0000-0000-000000000001"}`)
	}))
	t.Cleanup(s.api.Close)
	return s
}

func (s *authServers) whoAmI(t *testing.T, tg *target) {
	t.Helper()
	c, err := tg.client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), http.MethodGet, "WhoAmI", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAuthProfileSourceClientSecretEndToEnd(t *testing.T) {
	authConfigDir(t)
	s := newAuthServers(t)
	t.Setenv("E2E_SECRET", "e2e-secret")
	s.handler = func(form url.Values) (int, any) {
		return 200, map[string]any{"access_token": "profile-token", "token_type": "Bearer", "expires_in": 3600}
	}
	mustRun(t, "auth", "create", "--name", "e2e", "--env", s.api.URL, "--authority", s.authority.URL+"/tenant1",
		"--client-id", "e2e-client", "--client-secret-env", "E2E_SECRET")

	// The selected profile gives the environment and the token, twice from one token request.
	s.whoAmI(t, &target{})
	s.whoAmI(t, &target{profile: "e2e"})
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authorizations) != 2 || s.authorizations[0] != "Bearer profile-token" || s.authorizations[1] != "Bearer profile-token" {
		t.Errorf("Authorization headers %q, want the profile's token twice", s.authorizations)
	}
	if len(s.tokenForms) != 1 {
		t.Fatalf("%d token requests, want 1", len(s.tokenForms))
	}
	f := s.tokenForms[0]
	if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != "e2e-client" || f.Get("client_secret") != "e2e-secret" || f.Get("scope") != s.api.URL+"/.default" {
		t.Errorf("token request %v", f)
	}
}

func TestAuthProfileSourceErrors(t *testing.T) {
	authConfigDir(t)
	if _, _, found, err := profileSource(context.Background(), ""); found || err != nil {
		t.Errorf("without profiles: found %v, %v", found, err)
	}
	if _, err := (&target{profile: "nope"}).client(context.Background()); err == nil || !strings.Contains(err.Error(), `no auth profile named "nope"`) {
		t.Errorf("--profile nope: %v", err)
	}
	t.Setenv("UNSET_SECRET_VAR", "")
	mustRun(t, "auth", "create", "--name", "broken", "--env", "https://org.crm.dynamics.com", "--tenant", "t", "--client-id", "c", "--client-secret-env", "UNSET_SECRET_VAR")
	if _, _, _, err := profileSource(context.Background(), "broken"); err == nil || !strings.Contains(err.Error(), "$UNSET_SECRET_VAR") {
		t.Errorf("a profile whose secret variable is unset: %v", err)
	}
}

func TestAuthProfileCertificateEndToEnd(t *testing.T) {
	authConfigDir(t)
	s := newAuthServers(t)
	s.handler = func(form url.Values) (int, any) {
		if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || strings.Count(form.Get("client_assertion"), ".") != 2 || form.Has("client_secret") {
			return 401, map[string]string{"error": "invalid_client", "error_description": "no assertion"}
		}
		return 200, map[string]any{"access_token": "cert-token", "token_type": "Bearer", "expires_in": 3600}
	}
	mustRun(t, "auth", "create", "--name", "cert", "--env", s.api.URL, "--authority", s.authority.URL+"/tenant1",
		"--client-id", "cert-client", "--certificate", authCertFile(t))
	s.whoAmI(t, &target{profile: "cert"})
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authorizations) != 1 || s.authorizations[0] != "Bearer cert-token" {
		t.Errorf("Authorization headers %q", s.authorizations)
	}
}

func TestAuthProfileDeviceCodeKeepsRefreshToken(t *testing.T) {
	dir := authConfigDir(t)
	s := newAuthServers(t)
	var prompt bytes.Buffer
	oldPrompt, oldSleep := authPrompt, deviceCodeSleep
	authPrompt = &prompt
	deviceCodeSleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	t.Cleanup(func() { authPrompt, deviceCodeSleep = oldPrompt, oldSleep })
	s.handler = func(form url.Values) (int, any) {
		switch form.Get("grant_type") {
		case "urn:ietf:params:oauth:grant-type:device_code":
			return 200, map[string]any{"access_token": "device-token", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "MARKER-REFRESH-1"}
		case "refresh_token":
			if form.Get("refresh_token") != "MARKER-REFRESH-1" {
				return 400, map[string]string{"error": "invalid_grant"}
			}
			return 200, map[string]any{"access_token": "refreshed-token", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "MARKER-REFRESH-2"}
		}
		return 400, map[string]string{"error": "unsupported_grant_type"}
	}
	mustRun(t, "auth", "create", "--name", "me", "--env", s.api.URL, "--authority", s.authority.URL+"/tenant1", "--client-id", "public-client")
	s.whoAmI(t, &target{})
	if !strings.Contains(prompt.String(), "https://example.com/device") || !strings.Contains(prompt.String(), "UC-1") {
		t.Errorf("sign-in prompt %q", prompt.String())
	}
	tokens := filepath.Join(dir, "tokens.json")
	authCheckMode(t, tokens, 0o600)
	if data, _ := os.ReadFile(tokens); !bytes.Contains(data, []byte("MARKER-REFRESH-1")) {
		t.Errorf("tokens.json does not keep the refresh token:\n%s", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "profiles.json")); bytes.Contains(data, []byte("MARKER-REFRESH")) {
		t.Errorf("profiles.json holds a refresh token:\n%s", data)
	}

	// The next process starts with no token in memory: the kept refresh token signs it in.
	profileSources.Lock()
	clear(profileSources.m)
	profileSources.Unlock()
	s.whoAmI(t, &target{})
	s.mu.Lock()
	if s.deviceRequests != 1 || len(s.authorizations) != 2 || s.authorizations[1] != "Bearer refreshed-token" {
		t.Errorf("device code requests %d, Authorization headers %q: want 1 and the refreshed token", s.deviceRequests, s.authorizations)
	}
	s.mu.Unlock()
	if data, _ := os.ReadFile(tokens); !bytes.Contains(data, []byte("MARKER-REFRESH-2")) {
		t.Errorf("tokens.json does not keep the new refresh token:\n%s", data)
	}
	mustRun(t, "auth", "delete", "me")
	if data, _ := os.ReadFile(tokens); bytes.Contains(data, []byte("MARKER-REFRESH")) {
		t.Errorf("auth delete left the refresh token:\n%s", data)
	}
}
