package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/connectorhub/connectorhub/loadtest"
)

// TestBenchEndToEnd runs `connectorhub bench --data` as a user would: it starts its own
// server, seeds, measures, reports JSON, deletes what it created and stops the server.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server: not with -short")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "--data", dir, "--scenario", "get,list-eq,create", "--records", "50",
		"--duration", "1s", "--connections", "2", "--repeat", "1", "-o", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}

	// The shape: the stable field names programs read.
	var shape map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &shape); err != nil {
		t.Fatalf("bench -o json: %v\n%s", err, stdout.String())
	}
	for _, k := range []string{"run_id", "url", "local_server", "connections", "duration_seconds", "records", "definition_size", "repeat", "machine", "seed", "scenarios", "cleanup"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("the report has no %q: %s", k, stdout.String())
		}
	}
	scenarioKeys := []string{"name", "requests", "errors", "errors_by_status", "rps", "latency_ms", "exchanges_per_request",
		"request_bytes", "response_bytes", "records_per_request", "server", "runs"}
	for _, s := range shape["scenarios"].([]any) {
		for _, k := range scenarioKeys {
			if _, ok := s.(map[string]any)[k]; !ok {
				t.Errorf("a scenario has no %q: %v", k, s)
			}
		}
	}

	var rep struct {
		RunID       string `json:"run_id"`
		LocalServer bool   `json:"local_server"`
		Records     int    `json:"records"`
		Seed        struct {
			Records int `json:"records"`
		} `json:"seed"`
		Scenarios []struct {
			Name           string           `json:"name"`
			Requests       int64            `json:"requests"`
			Errors         int64            `json:"errors"`
			ErrorsByStatus map[string]int64 `json:"errors_by_status"`
			FirstError     string           `json:"first_error"`
			RPS            float64          `json:"rps"`
			Latency        struct {
				P50 float64 `json:"p50"`
				P95 float64 `json:"p95"`
				P99 float64 `json:"p99"`
			} `json:"latency_ms"`
			RecordsPerRequest float64 `json:"records_per_request"`
			Server            *struct {
				CPUSecondsPer1000 float64 `json:"cpu_seconds_per_1000"`
				PeakRSSBytes      int64   `json:"peak_rss_bytes"`
			} `json:"server"`
			Runs []json.RawMessage `json:"runs"`
		} `json:"scenarios"`
		Cleanup struct {
			Deleted int `json:"deleted"`
			Missing int `json:"missing"`
			Failed  int `json:"failed"`
		} `json:"cleanup"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.LocalServer || rep.Records != 50 || rep.Seed.Records != 50 {
		t.Errorf("local_server %v, records %d, seeded %d; want true, 50, 50", rep.LocalServer, rep.Records, rep.Seed.Records)
	}
	var names []string
	var created int64
	for _, s := range rep.Scenarios {
		names = append(names, s.Name)
		if s.Requests == 0 || s.RPS <= 0 || s.Errors != 0 || len(s.ErrorsByStatus) != 0 || s.FirstError != "" {
			t.Errorf("%s: %d requests, %g req/s, %d errors %v (%s); want requests and no error", s.Name, s.Requests, s.RPS, s.Errors, s.ErrorsByStatus, s.FirstError)
		}
		if s.Latency.P50 <= 0 || s.Latency.P50 > s.Latency.P95 || s.Latency.P95 > s.Latency.P99 {
			t.Errorf("%s: latency %+v, want 0 < p50 ≤ p95 ≤ p99", s.Name, s.Latency)
		}
		if s.Server == nil || s.Server.CPUSecondsPer1000 <= 0 || s.Server.PeakRSSBytes <= 0 {
			t.Errorf("%s: server figures %+v, want CPU and peak RSS of the local server", s.Name, s.Server)
		}
		if len(s.Runs) != 1 {
			t.Errorf("%s: %d runs, want 1", s.Name, len(s.Runs))
		}
		// Each read finds what it looks for: get one record, list-eq its one match.
		if s.Name != "create" && s.RecordsPerRequest != 1 {
			t.Errorf("%s: %g records per request, want 1", s.Name, s.RecordsPerRequest)
		}
		if s.Name == "create" {
			created = s.Requests
		}
	}
	if !slices.Equal(names, []string{"get", "list-eq", "create"}) {
		t.Errorf("scenarios %v, want get, list-eq, create", names)
	}
	if want := 50 + int(created); rep.Cleanup.Deleted != want || rep.Cleanup.Missing != 0 || rep.Cleanup.Failed != 0 {
		t.Errorf("cleanup %+v, want %d deleted (50 seeded + %d created)", rep.Cleanup, want, created)
	}

	// The server was stopped, and no record of the run is left.
	p := startServe(t, dir)
	filter := url.QueryEscape("startswith(name,'bench_" + rep.RunID + "_')")
	resp, err := p.request(t, ctx, "GET", "/api/data/v9.2/connectors?$select=name&$filter="+filter, "")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var left struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &left); err != nil || resp.StatusCode != 200 {
		t.Fatalf("listing the run's records: %d %s", resp.StatusCode, body)
	}
	if len(left.Value) != 0 {
		t.Errorf("%d records of the run left after the cleanup: %s", len(left.Value), body)
	}
}

func TestBenchFlags(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/array.json", []byte(`[{"swagger":"2.0"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := `{"swagger":"2.0","info":{"title":"t","version":"1","description":"` + strings.Repeat("x", 1_000_000) + `"}}`
	if err := os.WriteFile(dir+"/huge.json", []byte(huge), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoTarget", []string{"bench"}, "give --url"},
		{"Both", []string{"bench", "--url", "http://127.0.0.1:1", "--data", t.TempDir()}, "not both"},
		{"NoToken", []string{"bench", "--url", "http://127.0.0.1:1"}, "--token or $CONNECTORHUB_TOKEN"},
		{"UnknownScenario", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--scenario", "get,fly"}, `unknown scenario "fly"`},
		{"DefinitionTooLarge", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--definition-size", "1000001"}, "at most 1000000"},
		{"DefinitionMissing", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--definition", dir + "/none.json"}, "no such file"},
		{"DefinitionNotObject", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--definition", dir + "/array.json"}, "not a JSON object"},
		{"DefinitionOverColumn", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--definition", dir + "/huge.json"}, "more than the openapidefinition column's"},
		{"DefinitionAndSize", []string{"bench", "--url", "http://127.0.0.1:1", "--token", "x", "--definition", dir + "/array.json", "--definition-size", "100"}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONNECTORHUB_TOKEN", "")
			root := newRootCmd()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(tt.args)
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestBenchGivenDefinition runs the create scenario with a real connector's definition: every
// create is accepted (each a new definition by its title), and the report gives the size sent.
func TestBenchGivenDefinition(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server: not with -short")
	}
	cs := corpustest.Must(t)
	def := cs[len(cs)/2].Definition
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "--data", t.TempDir(), "--definition", def, "--scenario", "create,get",
		"--records", "5", "--duration", "1s", "--connections", "2", "--repeat", "1", "-o", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep struct {
		DefinitionSize int `json:"definition_size"`
		Scenarios      []struct {
			Name          string `json:"name"`
			Requests      int64  `json:"requests"`
			Errors        int64  `json:"errors"`
			FirstError    string `json:"first_error"`
			ResponseBytes int64  `json:"response_bytes"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := loadtest.Titled(string(text))
	if err != nil {
		t.Fatal(err)
	}
	if rep.DefinitionSize != len(sent) {
		t.Errorf("definition_size %d, want %d (the file as sent)", rep.DefinitionSize, len(sent))
	}
	for _, s := range rep.Scenarios {
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (%s); want requests and no error", s.Name, s.Requests, s.Errors, s.FirstError)
		}
		if s.Name == "get" && s.ResponseBytes < int64(len(sent)) {
			t.Errorf("get answered %d bytes, less than the %d-byte definition", s.ResponseBytes, len(sent))
		}
	}
}
