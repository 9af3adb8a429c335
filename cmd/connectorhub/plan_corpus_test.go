package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/connectorhub/connectorhub/plan"
)

// planCorpusRoot returns the root of the unpacked shared corpus (skipping the test without it).
func planCorpusRoot(tb testing.TB) (string, int) {
	tb.Helper()
	cs := corpustest.Must(tb)
	if len(cs) == 0 {
		tb.Fatal("empty corpus")
	}
	root := strings.TrimSuffix(cs[0].Dir, filepath.FromSlash(cs[0].Rel))
	return filepath.Clean(root), len(cs)
}

// TestPlanApplyCorpus applies the 838 connectors of the shared corpus to a fresh server, then
// plans again: every connector that apply wrote plans as unchanged (definitions, JSON-text
// columns and secrets compare as the server stores them), and nothing is to be updated.
func TestPlanApplyCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	root, n := planCorpusRoot(t)
	if n != 838 {
		t.Fatalf("corpus has %d connectors, want 838", n)
	}
	url, _ := planTestServer(t)

	out, errOut, code := runPlanCmd(t, url, "", "apply", "--parallel", "4", "-o", "json", root)
	if code != 0 && code != planExitPartial {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	applied := planDecode(t, out)
	if len(applied) != n {
		t.Fatalf("apply printed %d records for %d connectors", len(applied), n)
	}
	outcomes := map[string]int{}
	failed := map[string]bool{}
	for _, r := range applied {
		outcomes[r.Outcome]++
		if r.Outcome == string(plan.Failed) {
			failed[r.Path] = true
			t.Logf("not applied: %s (%s): %s", r.Path, r.Action, planJSONText(r.Result))
		}
	}
	t.Logf("apply: %v", outcomes)
	if outcomes[string(plan.Created)] != n-len(failed) || outcomes[string(plan.Created)] < 750 {
		t.Errorf("apply created %d of %d connectors", outcomes[string(plan.Created)], n)
	}

	out, _, _ = runPlanCmd(t, url, "", "plan", "-o", "json", root)
	planned := planDecode(t, out)
	counts := map[string]int{}
	for _, r := range planned {
		counts[r.Action]++
		switch {
		case failed[r.Path]:
			// What apply could not write is still to be written (or still unreadable).
			if r.Action != string(plan.Create) && r.Action != string(plan.Error) {
				t.Errorf("%s: apply failed, then plan says %s", r.Path, r.Action)
			}
		case r.Action != string(plan.None):
			t.Errorf("%s: applied, then plan says %s: %s", r.Path, r.Action, planJSONText(r.Diff))
		}
	}
	t.Logf("plan after apply: %v", counts)

	// A second apply changes nothing it wrote.
	out, _, _ = runPlanCmd(t, url, "", "apply", "-o", "json", root)
	for _, r := range planDecode(t, out) {
		if !failed[r.Path] && r.Outcome != string(plan.Unchanged) {
			t.Errorf("%s: second apply: %s", r.Path, r.Outcome)
		}
	}
}

func planJSONText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// BenchmarkApplyCorpus applies the corpus to a fresh server with 1, 4 and 16 writes in flight
// and reports connectors/s (plan and apply; the tree is read, and the server started,
// outside the timed part).
func BenchmarkApplyCorpus(b *testing.B) {
	root, _ := planCorpusRoot(b)
	tr, err := planReadTree([]string{root}, "new")
	if err != nil {
		b.Fatal(err)
	}
	for _, par := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("inflight=%d", par), func(b *testing.B) {
			written := 0
			for b.Loop() {
				b.StopTimer()
				_, c := planTestServer(b)
				b.StartTimer()
				p, err := plan.Make(context.Background(), c, tr.desired, plan.Options{Parallel: par})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range plan.Apply(context.Background(), c, p, plan.ApplyOptions{Parallel: par}) {
					if r.Outcome == plan.Created {
						written++
					}
				}
			}
			b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "connectors/s")
		})
	}
}
