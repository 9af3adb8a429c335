package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/testserver"
	"github.com/connectorhub/connectorhub/webapi"
)

// buildBinary builds connectorhub once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "connectorhub-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "connectorhub")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a `connectorhub serve` running in its own process.
type process struct {
	cmd   *exec.Cmd
	url   string
	token string // the bootstrap administrator's
	logs  *bytes.Buffer
	done  chan error
}

// request makes a request with the administrator's token.
func (p *process) request(tb testing.TB, ctx context.Context, method, path, body string) (*http.Response, error) {
	// Called from the writers' goroutines too: errors are returned, never tb.Fatal.
	req, err := http.NewRequestWithContext(ctx, method, p.url+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return http.DefaultClient.Do(req)
}

// runToken runs `connectorhub token` with args and returns its one line of output.
func runToken(tb testing.TB, args ...string) string {
	tb.Helper()
	bin, err := buildBinary()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(bin, append([]string{"token"}, args...)...).Output()
	if err != nil {
		tb.Fatalf("token %v: %v", args, err)
	}
	if n := strings.Count(string(out), "\n"); n != 1 {
		tb.Fatalf("token printed %d lines, want 1: %q", n, out)
	}
	return strings.TrimSpace(string(out))
}

var servingURL = regexp.MustCompile(`msg=serving url=(http://[^ ]+)/api/data/v9\.2/`)

// startServe starts `connectorhub serve` on a free loopback port and waits until it serves.
func startServe(tb testing.TB, dataDir string) *process {
	tb.Helper()
	bin, err := buildBinary()
	if err != nil {
		tb.Fatal(err)
	}
	where := installationArgs(tb, dataDir)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, where...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteString(line + "\n")
			if m := servingURL.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	tb.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.url = <-found:
		p.token = runToken(tb, where...)
		return p
	case err := <-p.done:
		tb.Fatalf("serve exited: %v\n%s", err, p.logs)
	case <-time.After(30 * time.Second):
		tb.Fatalf("serve did not start:\n%s", p.logs)
	}
	return nil
}

// pgDatabases maps a test's data directory to its PostgreSQL schema, so that a server
// restarted on the same directory finds the same database.
var pgDatabases sync.Map

// installationArgs are the serve and token flags of the installation of dataDir: --data, and on
// PostgreSQL (CONNECTORHUB_TEST_ENGINE=postgres) --database of a schema of the test's own.
func installationArgs(tb testing.TB, dataDir string) []string {
	tb.Helper()
	if !testserver.Postgres() {
		return []string{"--data", dataDir}
	}
	url, ok := pgDatabases.Load(dataDir)
	if !ok {
		url = pgtest.NewURL(tb)
		pgDatabases.Store(dataDir, url)
	}
	return []string{"--data", dataDir, "--database", url.(string)}
}

func createBody(id string, n int) string {
	return fmt.Sprintf(`{"connectorid": %q, "name": "durable_%d", "displayname": "Durable %d", "connectortype": 1,
		"openapidefinition": "{\"swagger\":\"2.0\",\"info\":{\"title\":\"d\",\"version\":\"1\"},\"paths\":{}}"}`, id, n, n)
}

// TestKillNineKeepsAcknowledgedWrites creates connectors concurrently, kills the server with
// SIGKILL in the middle, restarts it and checks that every create answered 2xx is there.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	p := startServe(t, data)

	var mu sync.Mutex
	var acked []string
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 100000; i++ {
				n := w*1_000_000 + i
				id := fmt.Sprintf("20000000-0000-0000-0000-%012d", n)
				resp, err := p.request(t, ctx, "POST", "/api/data/v9.2/connectors", createBody(id, n))
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill once a good number of writes have been acknowledged.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	cancel()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no create was acknowledged before the kill")
	}

	p2 := startServe(t, data)
	for _, id := range acked {
		resp, err := p2.request(t, context.Background(), "GET", "/api/data/v9.2/connectors("+id+")", "")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("acknowledged connector %s: got %d after restart", id, resp.StatusCode)
		}
	}
	t.Logf("%d acknowledged creates, all present after kill -9 and restart", len(acked))
}

// TestGracefulShutdown stops the server with SIGTERM: it exits 0 and its data survives.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	p := startServe(t, data)
	resp, err := p.request(t, context.Background(), "POST", "/api/data/v9.2/connectors", createBody("30000000-0000-0000-0000-000000000001", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("create: got %d", resp.StatusCode)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	p2 := startServe(t, data)
	resp, err = p2.request(t, context.Background(), "GET", "/api/data/v9.2/connectors(30000000-0000-0000-0000-000000000001)", "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after restart: got %d", resp.StatusCode)
	}
}

// TestSIGTERMDrains: a request in flight when SIGTERM comes (its body still arriving) is
// answered, new connections are refused, and the server then exits 0: a replica taken out
// of a load balancer loses no request it accepted.
func TestSIGTERMDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	p := startServe(t, t.TempDir())
	body := createBody("30000000-0000-0000-0000-000000000002", 2)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", p.url+"/api/data/v9.2/connectors", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("the request in flight failed: %v", err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	pw.Write([]byte(body[:10]))
	time.Sleep(200 * time.Millisecond) // the server has the request and waits for its body
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := http.Get(p.url + "/healthz"); err == nil {
		t.Error("a new connection was accepted after SIGTERM")
	}
	pw.Write([]byte(body[10:]))
	pw.Close()
	if got := <-answered; got != http.StatusNoContent {
		t.Errorf("the request in flight at SIGTERM: got %d, want 204", got)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
}

// TestMainRun starts the program in-process, as end-to-end tests of later commands will.
func TestMainRun(t *testing.T) {
	m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), LocalIssuer: true, Limits: webapi.DefaultLimits}, Logs: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := http.Get(m.HTTP.URL() + "/api/data/v9.2/WhoAmI")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer authorization_uri=") {
		t.Errorf("WhoAmI without a token: got %d %q, want 401 with a Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	tok, err := localToken(context.Background(), m.installation(), "", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", m.HTTP.URL()+"/api/data/v9.2/WhoAmI", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("WhoAmI with a token: got %d", resp.StatusCode)
	}
	info, err := os.Stat(m.Config.DataDir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, mode %v; want 0700", err, info.Mode().Perm())
	}
}

// TestHelp checks that every command, at every level, has a help text.
func TestHelp(t *testing.T) {
	var check func(path []string, c *cobra.Command)
	check = func(path []string, c *cobra.Command) {
		var out bytes.Buffer
		r := newRootCmd()
		r.SetOut(&out)
		r.SetArgs(append(append([]string(nil), path...), "--help"))
		if err := r.Execute(); err != nil {
			t.Errorf("%v --help: %v", path, err)
		}
		if c.Short == "" || (c.Runnable() || c.HasSubCommands()) && !strings.Contains(out.String(), "Usage:") {
			t.Errorf("%v --help: no short description or usage:\n%s", path, out.String())
		}
		if !strings.Contains(out.String(), "Examples:") {
			t.Errorf("%v --help: no example", path)
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				check(append(append([]string(nil), path...), sub.Name()), sub)
			}
		}
	}
	check(nil, newRootCmd())
}

// TestTokens runs the server with its local issuer and calls it with tokens of several users.
func TestTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	p := startServe(t, data)
	call := func(token, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	where := installationArgs(t, data)
	maker := runToken(t, append(where, "--user", "maker@example.com", "--role", "Environment Maker")...)
	nobody := runToken(t, append(where, "--user", "nobody@example.com", "--role", "none")...)
	expired := runToken(t, append(where, "--ttl", "1ns")...)
	time.Sleep(10 * time.Millisecond)
	tests := []struct {
		name, token, method, path, body string
		status                          int
		contains                        string
	}{
		{"NoToken", "", "GET", "/api/data/v9.2/WhoAmI", "", 401, "Authorization: Bearer"},
		{"Garbage", "abc.def.ghi", "GET", "/api/data/v9.2/WhoAmI", "", 401, "refused"},
		{"Expired", expired, "GET", "/api/data/v9.2/WhoAmI", "", 200, ""}, // within the 2-minute leeway
		{"MakerCreates", maker, "POST", "/api/data/v9.2/connectors", createBody("40000000-0000-0000-0000-000000000001", 1), 204, ""},
		{"NoRoleCannotCreate", nobody, "POST", "/api/data/v9.2/connectors", createBody("40000000-0000-0000-0000-000000000002", 2), 403, "prvCreateconnector"},
		{"NoRoleCannotRead", nobody, "GET", "/api/data/v9.2/connectors(40000000-0000-0000-0000-000000000001)", "", 403, "prvReadconnector"},
		{"AdminReads", p.token, "GET", "/api/data/v9.2/connectors(40000000-0000-0000-0000-000000000001)", "", 200, "durable_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(tt.token, tt.method, tt.path, tt.body)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("got %d %s, want %d containing %q", status, body, tt.status, tt.contains)
			}
		})
	}
	// A role-less user's token is valid: WhoAmI answers with that user.
	if status, body := call(nobody, "GET", "/api/data/v9.2/WhoAmI", ""); status != 200 || !strings.Contains(body, "UserId") {
		t.Errorf("WhoAmI as a user without roles: %d %s", status, body)
	}
	// Tokens never reach the log. The log is read once the server has stopped writing it.
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	logs := p.logs.String()
	for _, tok := range []string{maker, nobody, p.token} {
		if strings.Contains(logs, tok) || strings.Contains(logs, tok[len(tok)-20:]) {
			t.Errorf("the server log holds a token")
		}
	}
	if !strings.Contains(logs, "status=403") {
		t.Errorf("the log has no request lines:\n%s", logs)
	}
}

// TestDebugAddr: --debug-addr serves the profiles on loopback, and refuses any other address
// (they have no authentication).
func TestDebugAddr(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":6060", "192.0.2.1:6060", "localhost"} {
		m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), LocalIssuer: true, Limits: webapi.DefaultLimits, DebugAddr: addr}, Logs: io.Discard}
		err := m.Run(context.Background())
		m.Close()
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--debug-addr %s: got %v, want a refusal asking for loopback", addr, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), LocalIssuer: true, Limits: webapi.DefaultLimits, DebugAddr: addr}, Logs: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("profiles: got %d", resp.StatusCode)
	}
	m.Close()
	if _, err := http.Get("http://" + addr + "/debug/pprof/cmdline"); err == nil {
		t.Error("the profiles are still served after Close")
	}
}
