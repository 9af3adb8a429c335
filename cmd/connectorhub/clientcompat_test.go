package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inCI reports whether the tests run in CI (CI=true, as .ci/run and the usual CI services set
// it), where a missing prerequisite is a failure rather than a reason to skip.
func inCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// clientCompatSteps is the number of "ok"/"FAIL" lines tools/clientcompat/test.js prints: eight
// steps for each of its two libraries.
const clientCompatSteps = 16

// TestClientCompat runs Dataverse client libraries from npm (tools/clientcompat: dynamics-web-api
// and dataverse-webapi, pinned in its package-lock.json) against a real `serve`: create,
// retrieve, query, paging, FetchXML, $batch, update with ETags and delete, each library its own
// way. It needs node and `npm ci` in tools/clientcompat; outside CI it skips without them.
func TestClientCompat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and runs node")
	}
	missing := func(format string, args ...any) {
		t.Helper()
		if inCI() {
			t.Fatalf(format+" (CI is set: the client compatibility test must run)", args...)
		}
		t.Skipf(format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "tools", "clientcompat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"dynamics-web-api", "dataverse-webapi"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing("%s is not installed: run `npm ci` in tools/clientcompat (%v)", pkg, err)
		}
	}

	p := startServe(t, t.TempDir())

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "test.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CONNECTORHUB_URL="+p.url,
		"CONNECTORHUB_TOKEN="+p.token,
		"CLIENTCOMPAT_STEP_TIMEOUT_MS=10000", // 16 steps at most 10 s each fit the context
	)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	runErr := cmd.Run()

	var ok, failed []string
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ok "):
			ok = append(ok, strings.TrimPrefix(line, "ok "))
		case strings.HasPrefix(line, "FAIL "):
			failed = append(failed, strings.TrimPrefix(line, "FAIL "))
		}
	}
	for _, f := range failed {
		t.Errorf("step failed: %s", f)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		t.Errorf("node test.js did not finish in time: %v", runErr)
	case runErr != nil && len(failed) == 0:
		t.Errorf("node test.js: %v", runErr)
	case runErr == nil && len(failed) > 0:
		t.Errorf("node test.js exited 0 with %d failed steps", len(failed))
	}
	if n := len(ok) + len(failed); n != clientCompatSteps && ctx.Err() == nil {
		t.Errorf("node test.js reported %d steps, want %d", n, clientCompatSteps)
	}
	if t.Failed() {
		t.Logf("node test.js output:\n%s", out.Bytes())
		// Stop the server so that its log can be read without racing its reader.
		p.cmd.Process.Kill()
		select {
		case <-p.done:
			t.Logf("server log:\n%s", p.logs)
		case <-time.After(10 * time.Second):
		}
		return
	}
	t.Logf("%d steps passed", len(ok))
}
