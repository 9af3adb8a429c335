package loadtest

import (
	"strings"
	"testing"
)

func TestWriteTable(t *testing.T) {
	rep := &Report{
		RunID: "r9", URL: "http://127.0.0.1:1", LocalServer: true, Connections: 2, DurationSeconds: 10, Records: 100, DefinitionSize: 20000, Repeat: 3,
		Machine: Machine{OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"},
		Seed:    SeedResult{Records: 100, Seconds: 2, RecordsPerSecond: 50, Server: &ServerStats{CPUSecondsPer1000: 3, PeakRSSBytes: 40 << 20}},
		Scenarios: []ScenarioResult{
			{Name: "get", Requests: 3000, RPS: 100, Latency: Latency{P50: 1.5, P95: 3, P99: 4}, ResponseBytes: 21000,
				Server: &ServerStats{CPUSecondsPer1000: 0.8, PeakRSSBytes: 45 << 20}, Baseline: &BaselineResult{RPS: 1000, Ratio: 0.1}},
			{Name: "list-contains-select", Requests: 10, Errors: 3, ErrorsByStatus: map[string]int64{"503": 2, "timeout": 1}, FirstError: "503 Service Unavailable: busy", RPS: 1},
		},
		Cleanup: &CleanupResult{Deleted: 100},
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"run r9 against http://127.0.0.1:1 (started by the bench)",
		"scenario              requests  req/s  p50 ms  p95 ms  p99 ms  errors  resp KB  CPU s/1k req  peak RSS  baseline req/s  ratio",
		"get                       3000  100.0    1.50    3.00    4.00       0     21.0         0.800     45 MB          1000.0  0.100",
		"list-contains-select        10    1.0    0.00    0.00    0.00       3      0.0             -         -               -      -",
		"list-contains-select: 3 errors (2 × 503, 1 × timeout); first: 503 Service Unavailable: busy",
		"cleanup: 100 records deleted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
}
