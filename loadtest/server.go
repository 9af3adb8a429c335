package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LiftedLimits are the serve flags that lift the service protection limits, which a load
// test from one user would otherwise hit within seconds.
var LiftedLimits = []string{"--limit-requests", "1000000000", "--limit-execution-time", "100000h", "--limit-concurrent", "100000"}

// ServeOptions say which servers StartLocalServers starts, and on what data.
type ServeOptions struct {
	Exe string // the connectorhub program, e.g. the bench's own executable
	// DataDir is the SQLite data directory every server opens (serve --data, token --data).
	DataDir string
	// Database is a PostgreSQL URL every server opens instead (serve --database, token
	// --database); DataDir is then unused: on PostgreSQL a server keeps nothing on disk.
	Database string
	// Replicas is how many servers to start, 1 when 0. Several are reached through a relay
	// that spreads the connections over them round-robin, each connection kept to one.
	Replicas int
	Args     []string // more serve flags, e.g. LiftedLimits
}

// installation returns the flags that name the data: --database URL, or --data DIR.
func (o ServeOptions) installation() []string {
	if o.Database != "" {
		return []string{"--database", o.Database}
	}
	return []string{"--data", o.DataDir}
}

// ServeArgs returns the arguments of the serve command of a server listening on addr.
func (o ServeOptions) ServeArgs(addr string) []string {
	return slices.Concat([]string{"serve", "--addr", addr}, o.installation(), o.Args)
}

// TokenArgs returns the arguments of the command that mints the bench's token: the
// bootstrap administrator's, which every server of the installation accepts (the issuer's
// key is in the data directory, or in the database on PostgreSQL).
func (o ServeOptions) TokenArgs() []string {
	return slices.Concat([]string{"token"}, o.installation(), []string{"--ttl", "12h"})
}

// String is the serve command without its address and extra flags, for progress lines:
// "serve --database postgres://bench:xxxxx@db/bench", a password hidden.
func (o ServeOptions) String() string {
	if o.Database != "" {
		return "serve --database " + hidePassword(o.Database)
	}
	return "serve --data " + o.DataDir
}

// hidePassword replaces the password of a database URL, in its user information or its
// query, with xxxxx.
func hidePassword(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the database URL"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// envDatabase is the variable that serve's and token's --database default to.
const envDatabase = "CONNECTORHUB_DATABASE"

// childEnv is the bench's environment without $CONNECTORHUB_DATABASE, so that the servers
// and the token command open the data the options name: --data means SQLite even when the
// variable is set.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, envDatabase+"=") })
}

// LocalServers are the `connectorhub serve` processes the bench started on one installation.
type LocalServers struct {
	URL     string // where the load goes: the one server's root, or the relay's before several
	Token   string // the bootstrap administrator's, accepted by every server
	Servers []*LocalServer

	relay *relay // nil for one server
}

// StartLocalServers starts o.Replicas servers (`o.Exe serve --addr 127.0.0.1:<free port>
// --data DIR|--database URL o.Args…`), each in a process group of its own so that a Ctrl-C
// meant for the bench leaves them serving the cleanup, waits until each is ready (GET
// /readyz), and mints a token with `o.Exe token --data DIR|--database URL`. The first
// server starts alone, creating the database and the issuer's key when they are new; the
// others then start together. Several servers are reached through a relay on loopback that
// gives each new connection to the next server in turn (URL is the relay's); the servers
// answer with the relay's origin, which their requests' Host names. Stop ends them all.
func StartLocalServers(ctx context.Context, o ServeOptions) (*LocalServers, error) {
	n := max(o.Replicas, 1)
	addrs, err := freeAddrs(n)
	if err != nil {
		return nil, err
	}
	s := &LocalServers{}
	first, err := startServer(ctx, o, addrs[0])
	if err != nil {
		return nil, err
	}
	s.Servers = append(s.Servers, first)
	rest := make([]*LocalServer, n-1)
	errs := make([]error, n-1)
	var wg sync.WaitGroup
	for i := range rest {
		wg.Go(func() { rest[i], errs[i] = startServer(ctx, o, addrs[i+1]) })
	}
	wg.Wait()
	for _, srv := range rest {
		if srv != nil {
			s.Servers = append(s.Servers, srv)
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.Stop(5 * time.Second)
		return nil, err
	}
	s.URL = first.URL
	if n > 1 {
		var backends []string
		for _, srv := range s.Servers {
			backends = append(backends, strings.TrimPrefix(srv.URL, "http://"))
		}
		if s.relay, err = startRelay(backends); err != nil {
			s.Stop(5 * time.Second)
			return nil, err
		}
		s.URL = s.relay.URL()
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(tctx, o.Exe, o.TokenArgs()...)
	cmd.Env = childEnv()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		s.Stop(5 * time.Second)
		return nil, fmt.Errorf("minting a token (connectorhub token %s): %w", strings.TrimPrefix(o.String(), "serve "), err)
	}
	s.Token = strings.TrimSpace(string(out))
	return s, nil
}

// freeAddrs returns n distinct free loopback addresses: every listener is held until all are
// found, so that servers started together are not given one port twice.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// Pids returns the servers' process ids.
func (s *LocalServers) Pids() []int {
	var pids []int
	for _, srv := range s.Servers {
		pids = append(pids, srv.Pid())
	}
	return pids
}

// ServerTotals are a server's figures since it started.
type ServerTotals struct {
	URL          string  `json:"url"`
	Pid          int     `json:"pid"`
	Connections  int64   `json:"connections"`    // connections the relay gave it
	CPUSeconds   float64 `json:"cpu_seconds"`    // user + system time since it started
	PeakRSSBytes int64   `json:"peak_rss_bytes"` // VmHWM since it started; 0 when it could not be read
}

// Totals reads each server's CPU time and peak RSS from /proc, since the server started,
// with the connections the relay gave it: the figures of several servers, for which the
// per-run figures of Config.ServerPid (one process) do not hold.
func (s *LocalServers) Totals() []ServerTotals {
	var out []ServerTotals
	for i, srv := range s.Servers {
		t := ServerTotals{URL: srv.URL, Pid: srv.Pid()}
		if s.relay != nil {
			t.Connections = s.relay.counts[i].Load()
		}
		if ps, err := ReadProcStats(srv.Pid()); err == nil {
			t.CPUSeconds, t.PeakRSSBytes = ps.CPU.Seconds(), ps.PeakRSS
		}
		out = append(out, t)
	}
	return out
}

// Stop stops every server (see LocalServer.Stop), all at once, then the relay.
func (s *LocalServers) Stop(timeout time.Duration) error {
	errs := make([]error, len(s.Servers))
	var wg sync.WaitGroup
	for i, srv := range s.Servers {
		wg.Go(func() { errs[i] = srv.Stop(timeout) })
	}
	wg.Wait()
	if s.relay != nil {
		s.relay.Close()
	}
	return errors.Join(errs...)
}

// LocalServer is a `connectorhub serve` process that the bench started.
type LocalServer struct {
	URL string // its root, e.g. http://127.0.0.1:41234

	cmd  *exec.Cmd
	logs *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// startServer runs `o.Exe serve --addr addr …` in a process group of its own and waits until
// it is ready.
func startServer(ctx context.Context, o ServeOptions, addr string) (*LocalServer, error) {
	s := &LocalServer{URL: "http://" + addr, logs: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	s.cmd = exec.Command(o.Exe, o.ServeArgs(addr)...)
	s.cmd.Env = childEnv()
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	ownProcessGroup(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s serve: %w", o.Exe, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Stop(5 * time.Second)
		return nil, err
	}
	return s, nil
}

// waitReady polls /readyz until it answers 200, the process exits or the time is up.
func (s *LocalServer) waitReady(ctx context.Context, timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(s.URL + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("connectorhub serve at %s exited (%v):\n%s", s.URL, s.err, s.logs)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("connectorhub serve at %s was not ready within %v:\n%s", s.URL, timeout, s.logs)
}

// Pid returns the server's process id.
func (s *LocalServer) Pid() int { return s.cmd.Process.Pid }

// Logs returns the end of the server's log.
func (s *LocalServer) Logs() string { return s.logs.String() }

// Stop asks the server to stop (SIGTERM: it finishes the requests in flight) and kills it
// when it has not exited within timeout.
func (s *LocalServer) Stop(timeout time.Duration) error {
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(timeout):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("connectorhub serve did not stop within %v: killed", timeout)
	}
}

// tailBuffer keeps the last max bytes written to it; it is safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max { // trimmed now and then, not at every line
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf[max(len(t.buf)-t.max, 0):])
}

// relay is a TCP relay on a loopback port that joins each connection it accepts, for the
// connection's whole life, to the next of its servers in turn, as a TCP load balancer does:
// the bench's keep-alive connections spread evenly over the servers, and each keeps to one.
// On Linux the bytes move by splice(2), without being copied through the bench's memory; the
// relay still adds a hop of loopback to every exchange.
type relay struct {
	ln       net.Listener
	backends []string       // host:port
	counts   []atomic.Int64 // connections given to each backend
	next     atomic.Uint64

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open on either side, closed by Close
	closed bool
	wg     sync.WaitGroup
}

// startRelay starts a relay to backends on a free loopback port.
func startRelay(backends []string) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &relay{ln: ln, backends: backends, counts: make([]atomic.Int64, len(backends)), conns: map[net.Conn]struct{}{}}
	r.wg.Go(r.serve)
	return r, nil
}

// URL returns the relay's root, e.g. http://127.0.0.1:41234.
func (r *relay) URL() string { return "http://" + r.ln.Addr().String() }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil { // out of descriptors, say: the bench's dial waits
			time.Sleep(10 * time.Millisecond)
			continue
		}
		i := int((r.next.Add(1) - 1) % uint64(len(r.backends)))
		r.counts[i].Add(1)
		if !r.track(c) {
			return
		}
		r.wg.Go(func() { r.join(c, r.backends[i]) })
	}
}

// join relays between c and a new connection to backend until both sides are done; a
// backend that cannot be reached closes c, which the bench counts as a transport error.
func (r *relay) join(c net.Conn, backend string) {
	defer r.untrack(c)
	b, err := net.DialTimeout("tcp", backend, 10*time.Second)
	if err != nil || !r.track(b) {
		return
	}
	defer r.untrack(b)
	var wg sync.WaitGroup
	wg.Go(func() { pipe(b, c) })
	pipe(c, b)
	wg.Wait()
}

// pipe copies src to dst until src ends, then closes dst for writing (the other direction
// may go on: a half-close); a failure on either side closes both.
func pipe(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		src.Close()
		return
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// track records an open connection so that Close ends it; false (and c closed) once the
// relay is closed.
func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (r *relay) untrack(c net.Conn) {
	c.Close()
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

// Close stops accepting, closes every relayed connection and waits for the relay's
// goroutines.
func (r *relay) Close() {
	r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
