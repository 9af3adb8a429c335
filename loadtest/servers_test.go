package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the connectorhub program that
// StartLocalServers runs: with $LOADTEST_FAKE_CONNECTORHUB set, it is fakeConnectorhub.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LOADTEST_FAKE_CONNECTORHUB"); dir != "" {
		os.Exit(fakeConnectorhub(dir, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeInvocation is what a fake connectorhub process was run with.
type fakeInvocation struct {
	Args []string `json:"args"`
	Env  string   `json:"env"` // $CONNECTORHUB_DATABASE as the process saw it
}

// fakeConnectorhub is a stand-in for `connectorhub token` (prints "tok") and `connectorhub
// serve --addr A …` (answers /readyz, and the connectors of any id as a stateless server, so
// that servers of one installation agree; on SIGTERM it writes how many API requests it
// answered to dir/requests-<pid>). Each invocation is recorded in dir/<command>-<pid>.json.
func fakeConnectorhub(dir string, args []string) int {
	if len(args) == 0 {
		return 2
	}
	rec, _ := json.Marshal(fakeInvocation{Args: args, Env: os.Getenv(envDatabase)})
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.json", args[0], os.Getpid())), rec, 0o600); err != nil {
		return 1
	}
	switch args[0] {
	case "token":
		fmt.Println("tok")
		return 0
	case "serve":
	default:
		return 2
	}
	addr := ""
	if i := slices.Index(args, "--addr"); i >= 0 && i+1 < len(args) {
		addr = args[i+1]
	}
	if slices.Contains(args, "postgres://refused/db") {
		fmt.Fprintln(os.Stderr, "database refused")
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var requests atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/readyz" {
			io.WriteString(w, "ok\n")
			return
		}
		requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch m := keyPath.FindStringSubmatch(r.URL.Path); {
		case m != nil && r.Method == http.MethodGet:
			fmt.Fprintf(w, `{"connectorid":%q}`, m[1])
		case r.Method == http.MethodGet:
			io.WriteString(w, `{"value":[{"name":"x"}]}`)
		default: // POST, PATCH, DELETE
			w.WriteHeader(http.StatusNoContent)
		}
	})}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go srv.Serve(ln)
	<-ctx.Done()
	srv.Shutdown(context.Background())
	n := fmt.Appendf(nil, "%d", requests.Load())
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("requests-%d", os.Getpid())), n, 0o600); err != nil {
		return 1
	}
	return 0
}

// invocations reads the recorded invocations of a command, by process id.
func invocations(t *testing.T, dir, command string) map[int]fakeInvocation {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, command+"-*.json"))
	out := map[int]fakeInvocation{}
	for _, f := range files {
		var pid int
		fmt.Sscanf(strings.TrimPrefix(filepath.Base(f), command+"-"), "%d.json", &pid)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var inv fakeInvocation
		if err := json.Unmarshal(data, &inv); err != nil {
			t.Fatal(err)
		}
		out[pid] = inv
	}
	return out
}

func TestServeOptionsArguments(t *testing.T) {
	limits := []string{"--limit-requests", "9"}
	tests := []struct {
		name  string
		opts  ServeOptions
		serve []string
		token []string
		str   string
	}{
		{"Data", ServeOptions{DataDir: "/tmp/d", Args: limits},
			[]string{"serve", "--addr", "127.0.0.1:1", "--data", "/tmp/d", "--limit-requests", "9"},
			[]string{"token", "--data", "/tmp/d", "--ttl", "12h"},
			"serve --data /tmp/d"},
		{"Database", ServeOptions{Database: "postgres://bench:secret@db:5432/bench?sslmode=disable", Replicas: 3, Args: limits},
			[]string{"serve", "--addr", "127.0.0.1:1", "--database", "postgres://bench:secret@db:5432/bench?sslmode=disable", "--limit-requests", "9"},
			[]string{"token", "--database", "postgres://bench:secret@db:5432/bench?sslmode=disable", "--ttl", "12h"},
			"serve --database postgres://bench:xxxxx@db:5432/bench?sslmode=disable"},
		// With a database, a data directory is not passed: on PostgreSQL it holds nothing.
		{"DatabaseWins", ServeOptions{DataDir: "/tmp/d", Database: "postgres://db/x?password=secret"},
			[]string{"serve", "--addr", "127.0.0.1:1", "--database", "postgres://db/x?password=secret"},
			[]string{"token", "--database", "postgres://db/x?password=secret", "--ttl", "12h"},
			"serve --database postgres://db/x?password=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.ServeArgs("127.0.0.1:1"); !slices.Equal(got, tt.serve) {
				t.Errorf("serve arguments %q, want %q", got, tt.serve)
			}
			if got := tt.opts.TokenArgs(); !slices.Equal(got, tt.token) {
				t.Errorf("token arguments %q, want %q", got, tt.token)
			}
			if got := tt.opts.String(); got != tt.str {
				t.Errorf("String() %q, want %q", got, tt.str)
			}
		})
	}
}

// TestStartLocalServers starts the fake program as the bench starts connectorhub: one server
// on a data directory, and three replicas on a database with the load spread over them.
func TestStartLocalServers(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The children run without the variable: --data means SQLite, and --database is explicit.
	t.Setenv(envDatabase, "postgres://elsewhere/not-this-one")

	t.Run("Data", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("LOADTEST_FAKE_CONNECTORHUB", dir)
		s, err := StartLocalServers(context.Background(), ServeOptions{Exe: exe, DataDir: "/srv/data", Args: LiftedLimits})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Stop(10 * time.Second)
		if len(s.Servers) != 1 || s.URL != s.Servers[0].URL || s.relay != nil || s.Token != "tok" {
			t.Errorf("%d servers, URL %s (server %s), token %q; want one server reached directly, token tok", len(s.Servers), s.URL, s.Servers[0].URL, s.Token)
		}
		if err := s.Stop(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		serves := invocations(t, dir, "serve")
		want := slices.Concat([]string{"serve", "--addr", strings.TrimPrefix(s.URL, "http://"), "--data", "/srv/data"}, LiftedLimits)
		if inv := serves[s.Servers[0].Pid()]; !slices.Equal(inv.Args, want) || inv.Env != "" {
			t.Errorf("serve ran with %q and $%s=%q; want %q and none", inv.Args, envDatabase, inv.Env, want)
		}
		tokens := invocations(t, dir, "token")
		for _, inv := range tokens {
			if want := []string{"token", "--data", "/srv/data", "--ttl", "12h"}; !slices.Equal(inv.Args, want) || inv.Env != "" {
				t.Errorf("token ran with %q and $%s=%q; want %q and none", inv.Args, envDatabase, inv.Env, want)
			}
		}
		if len(tokens) != 1 {
			t.Errorf("token ran %d times, want once", len(tokens))
		}
	})

	t.Run("DatabaseReplicas", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("LOADTEST_FAKE_CONNECTORHUB", dir)
		const db = "postgres://bench@127.0.0.1:5432/bench?sslmode=disable"
		s, err := StartLocalServers(context.Background(), ServeOptions{Exe: exe, Database: db, Replicas: 3, Args: LiftedLimits})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Stop(10 * time.Second)
		if len(s.Servers) != 3 || s.relay == nil || s.URL != s.relay.URL() {
			t.Fatalf("%d servers, URL %s; want 3 behind the relay", len(s.Servers), s.URL)
		}
		rep, err := Bench(context.Background(), Config{URL: s.URL, Token: s.Token, Scenarios: mustScenarios(t, "get,create"),
			Connections: 6, Duration: time.Hour, MaxRequests: 120, Records: 12, DefinitionSize: 1000, Repeat: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range rep.Scenarios {
			if sc.Errors != 0 || sc.Requests != 120 {
				t.Errorf("%s: %d requests, %d errors (%s); want 120 and none", sc.Name, sc.Requests, sc.Errors, sc.FirstError)
			}
		}
		totals := s.Totals()
		if err := s.Stop(10 * time.Second); err != nil {
			t.Fatal(err)
		}

		serves := invocations(t, dir, "serve")
		if len(serves) != 3 {
			t.Fatalf("%d serve processes, want 3", len(serves))
		}
		var addrs []string
		for i, srv := range s.Servers {
			addr := strings.TrimPrefix(srv.URL, "http://")
			addrs = append(addrs, addr)
			want := slices.Concat([]string{"serve", "--addr", addr, "--database", db}, LiftedLimits)
			if inv := serves[srv.Pid()]; !slices.Equal(inv.Args, want) || inv.Env != "" {
				t.Errorf("server %d ran with %q and $%s=%q; want %q and none", i, inv.Args, envDatabase, inv.Env, want)
			}
			// Seeding (12 creates), 240 measured requests and the cleanup (12 + the creates'
			// deletes), spread over the three: each answered some.
			data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("requests-%d", srv.Pid())))
			var n int
			fmt.Sscan(string(data), &n)
			if err != nil || n == 0 {
				t.Errorf("server %d answered %d requests (%v), want some", i, n, err)
			}
			if totals[i].Pid != srv.Pid() || totals[i].URL != srv.URL || totals[i].Connections < 2 {
				t.Errorf("server %d: totals %+v, want its pid, URL and at least 2 of the connections", i, totals[i])
			}
		}
		if distinct := slices.Compact(slices.Sorted(slices.Values(addrs))); len(distinct) != 3 {
			t.Errorf("addresses %v, want three distinct", addrs)
		}
		tokens := invocations(t, dir, "token")
		if len(tokens) != 1 {
			t.Errorf("token ran %d times, want once", len(tokens))
		}
		for _, inv := range tokens {
			if want := []string{"token", "--database", db, "--ttl", "12h"}; !slices.Equal(inv.Args, want) {
				t.Errorf("token ran with %q, want %q", inv.Args, want)
			}
		}
	})

	t.Run("ServerFails", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("LOADTEST_FAKE_CONNECTORHUB", dir)
		_, err := StartLocalServers(context.Background(), ServeOptions{Exe: "/nonexistent/connectorhub", Database: "postgres://x/y"})
		if err == nil || !strings.Contains(err.Error(), "starting /nonexistent/connectorhub serve") {
			t.Errorf("error %v, want one naming the program", err)
		}
		// A server that exits (here: the fake refusing the database) is reported with its log,
		// and the servers already started are stopped.
		_, err = StartLocalServers(context.Background(), ServeOptions{Exe: exe, Database: "postgres://refused/db", Replicas: 2})
		if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "database refused") {
			t.Errorf("error %v, want the server's exit and log", err)
		}
	})
}

// nameServer is an HTTP server that answers every request with its name.
func nameServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestRelayRoundRobin(t *testing.T) {
	a, b, c := nameServer(t, "a"), nameServer(t, "b"), nameServer(t, "c")
	r, err := startRelay([]string{a.Listener.Addr().String(), b.Listener.Addr().String(), c.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Connection i goes to server i mod 3, and each of its requests is answered there.
	var got []string
	for i := range 5 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(r.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		var names []string
		for range 3 {
			fmt.Fprintf(conn, "GET /x HTTP/1.1\r\nHost: %s\r\n\r\n", strings.TrimPrefix(r.URL(), "http://"))
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			names = append(names, string(body))
		}
		if distinct := slices.Compact(slices.Clone(names)); len(distinct) != 1 {
			t.Errorf("connection %d was answered by %v, want one server", i, names)
		}
		got = append(got, names[0])
		conn.Close()
	}
	if want := []string{"a", "b", "c", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("connections went to %v, want %v", got, want)
	}
	if n := []int64{r.counts[0].Load(), r.counts[1].Load(), r.counts[2].Load()}; !slices.Equal(n, []int64{2, 2, 1}) {
		t.Errorf("relay counts %v, want [2 2 1]", n)
	}

	t.Run("ServerDown", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		down := ln.Addr().String()
		ln.Close()
		r, err := startRelay([]string{down})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		resp, err := http.Get(r.URL() + "/x")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("a request through the relay to a server that is down answered %d, want a transport error", resp.StatusCode)
		}
	})
}

// TestBenchThroughRelay runs a benchmark through the relay over two listeners of one fake
// server (one data set, as replicas share a database): the connections spread evenly, each
// backend connection is one of the bench's, and the cleanup finds every record.
func TestBenchThroughRelay(t *testing.T) {
	f := newFakeServer(t)
	var mu sync.Mutex
	byServer := map[int]int{} // requests per backend
	var conns [2]atomic.Int64
	backend := func(i int) string {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			byServer[i]++
			mu.Unlock()
			f.serve(w, r)
		}))
		s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns[i].Add(1)
			}
		}
		s.Start()
		t.Cleanup(s.Close)
		return s.Listener.Addr().String()
	}
	r, err := startRelay([]string{backend(0), backend(1)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Bench(context.Background(), Config{URL: r.URL(), Token: "tok", Scenarios: mustScenarios(t, "get,list-eq,create,patch"),
		Connections: 4, Duration: time.Hour, MaxRequests: 80, Records: 20, DefinitionSize: 1000, Repeat: 2})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, sc := range rep.Scenarios {
		if sc.Errors != 0 {
			t.Errorf("%s: %d errors (%s), want none", sc.Name, sc.Errors, sc.FirstError)
		}
	}
	if n := len(f.ids()); n != 0 || rep.Cleanup.Failed != 0 || rep.Cleanup.Missing != 0 {
		t.Errorf("%d records left, cleanup %+v; want none left, none missing", n, rep.Cleanup)
	}
	a, b := r.counts[0].Load(), r.counts[1].Load()
	if a+b < 4 || a-b > 1 || b-a > 1 {
		t.Errorf("the relay gave %d and %d connections, want at least 4 in all, evenly", a, b)
	}
	if byServer[0] == 0 || byServer[1] == 0 {
		t.Errorf("requests per server %v, want both used", byServer)
	}
	// Each connection of the bench is one connection to a server (the counts settle once
	// the servers have seen the relay's last dials).
	deadline := time.Now().Add(2 * time.Second)
	for (conns[0].Load() != a || conns[1].Load() != b) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if conns[0].Load() != a || conns[1].Load() != b {
		t.Errorf("servers accepted %d and %d connections, the relay gave them %d and %d", conns[0].Load(), conns[1].Load(), a, b)
	}
}
