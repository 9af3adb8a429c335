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

// corpusPrefixes are the publisher prefixes the corpus's subtrees are applied with: names come
// from folder names, and the same connector may have a folder in two subtrees.
var corpusPrefixes = map[string]string{"certified-connectors": "cert", "custom-connectors": "cust",
	"independent-publisher-connectors": "ind", "templates": "tmpl"}

// corpusNotApplied are the corpus connectors the service itself refuses, and why.
var corpusNotApplied = map[string]string{
	"certified-connectors/Shopranos":                  "apiProperties.json is not valid JSON",
	"certified-connectors/SigningHub":                 "apiProperties.json is not valid JSON",
	"independent-publisher-connectors/HubSpot CRM V2": "a definition of 1,024,291 characters, over the column's 1,000,000",
}

// applyCorpus applies each subtree of the corpus with its own prefix, as an organisation with
// several publishers would, and returns apply's records of them all.
func applyCorpus(t *testing.T, url, root string, args ...string) []planJSONRecord {
	t.Helper()
	var all []planJSONRecord
	for sub, prefix := range corpusPrefixes {
		out, errOut, code := runPlanCmd(t, url, "", append(append([]string{"apply", "--parallel", "4", "-o", "json", "--prefix", prefix}, args...), filepath.Join(root, sub))...)
		if code != 0 && code != planExitPartial {
			t.Fatalf("apply %s: exit %d\n%s", sub, code, errOut)
		}
		all = append(all, planDecode(t, out)...)
	}
	return all
}

// corpusRel is a record's path relative to the corpus root, with slashes.
func corpusRel(root, path string) string {
	rel, err := filepath.Rel(root, filepath.FromSlash(path))
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
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

	applied := applyCorpus(t, url, root)
	if len(applied) != n {
		t.Fatalf("apply printed %d records for %d connectors", len(applied), n)
	}
	outcomes := map[string]int{}
	failed := map[string]bool{}
	for _, r := range applied {
		outcomes[r.Outcome]++
		if r.Outcome == string(plan.Failed) {
			failed[r.Path] = true
			rel := corpusRel(root, r.Path)
			if corpusNotApplied[rel] == "" {
				t.Errorf("not applied: %s (%s): %s", rel, r.Action, planJSONText(r.Result))
			}
		}
	}
	t.Logf("apply: %v", outcomes)
	if want := n - len(corpusNotApplied); outcomes[string(plan.Created)] != want {
		t.Errorf("apply created %d of %d connectors, want %d (all but %v)", outcomes[string(plan.Created)], n, want, corpusNotApplied)
	}

	var planned []planJSONRecord
	for sub, prefix := range corpusPrefixes {
		out, _, _ := runPlanCmd(t, url, "", "plan", "-o", "json", "--prefix", prefix, filepath.Join(root, sub))
		planned = append(planned, planDecode(t, out)...)
	}
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
	for _, r := range applyCorpus(t, url, root) {
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
