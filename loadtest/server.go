package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LiftedLimits are the serve flags that lift the service protection limits, which a load
// test from one user would otherwise hit within seconds.
var LiftedLimits = []string{"--limit-requests", "1000000000", "--limit-execution-time", "100000h", "--limit-concurrent", "100000"}

// LocalServer is a `connectorhub serve` process that the bench started.
type LocalServer struct {
	URL   string // its root, e.g. http://127.0.0.1:41234
	Token string // the bootstrap administrator's

	cmd  *exec.Cmd
	logs *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// StartLocalServer runs `exe serve --addr 127.0.0.1:<free port> --data dataDir args…`, waits
// until it is ready (GET /readyz), and mints a token of its bootstrap administrator with
// `exe token --data dataDir`. The process is in its own process group, so that a Ctrl-C
// meant for the bench leaves it serving the cleanup; Stop ends it.
func StartLocalServer(ctx context.Context, exe, dataDir string, args ...string) (*LocalServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &LocalServer{URL: "http://" + addr, logs: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	s.cmd = exec.Command(exe, append([]string{"serve", "--addr", addr, "--data", dataDir}, args...)...)
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	ownProcessGroup(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s serve: %w", exe, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Stop(5 * time.Second)
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(tctx, exe, "token", "--data", dataDir, "--ttl", "12h").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		s.Stop(5 * time.Second)
		return nil, fmt.Errorf("minting a token (connectorhub token --data %s): %w", dataDir, err)
	}
	s.Token = strings.TrimSpace(string(out))
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
			return fmt.Errorf("connectorhub serve exited (%v):\n%s", s.err, s.logs)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("connectorhub serve was not ready within %v:\n%s", timeout, s.logs)
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
