package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// createdAndDeleted returns the ids of the creates the server accepted and of its deletes.
func createdAndDeleted(reqs []recorded) (created, deleted []string) {
	for _, r := range reqs {
		switch r.Method {
		case "POST":
			var b struct {
				ID string `json:"connectorid"`
			}
			json.Unmarshal(r.Body, &b)
			created = append(created, b.ID)
		case "DELETE":
			deleted = append(deleted, strings.TrimSuffix(strings.TrimPrefix(r.Path, "/api/data/v9.2/connectors("), ")"))
		}
	}
	return created, deleted
}

func TestCleanupDeletesExactlyWhatWasCreated(t *testing.T) {
	f := newFakeServer(t)
	// A record that is not the run's, and creates that the server refuses: neither is deleted.
	f.records["00000000-0000-0000-0000-000000000001"] = "someone_elses"
	f.refuse = func(b map[string]any) bool {
		// The create scenario's names, bench_<run id>_c<n>: the part after the last "_", as a
		// run id (hex) may itself start with "c" and would make the seeding fail.
		name := b["name"].(string)
		last := name[strings.LastIndex(name, "_")+1:]
		return strings.HasPrefix(last, "c") && strings.HasSuffix(last, "3")
	}
	rep, err := Bench(context.Background(), Config{
		URL: f.URL, Token: "tok", Scenarios: mustScenarios(t, "get,create,patch"),
		Connections: 2, Duration: time.Hour, MaxRequests: 40, Records: 20, DefinitionSize: 1000, Repeat: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.take()
	posted, deleted := createdAndDeleted(reqs)
	var accepted []string
	for _, r := range reqs {
		if r.Method == "POST" {
			var b map[string]any
			json.Unmarshal(r.Body, &b)
			if !f.refuse(b) {
				accepted = append(accepted, b["connectorid"].(string))
			}
		}
	}
	if len(accepted) == len(posted) {
		t.Fatal("the server refused no create: the test checks nothing")
	}
	slices.Sort(accepted)
	slices.Sort(deleted)
	if !slices.Equal(accepted, deleted) {
		t.Errorf("deleted %d records, created %d; want the same ids:\ncreated %v\ndeleted %v", len(deleted), len(accepted), accepted, deleted)
	}
	if got := slices.Collect(maps.Keys(f.ids())); len(got) != 1 || got[0] != "00000000-0000-0000-0000-000000000001" {
		t.Errorf("left on the server: %v, want only the record that was there", got)
	}
	if rep.Cleanup == nil || rep.Cleanup.Deleted != len(accepted) || rep.Cleanup.Failed != 0 || rep.Cleanup.Missing != 0 {
		t.Errorf("cleanup report %+v, want %d deleted", rep.Cleanup, len(accepted))
	}
	// The refused seeds stop the seeding; the refused creates of the scenario are counted.
	var create *ScenarioResult
	for i := range rep.Scenarios {
		if rep.Scenarios[i].Name == "create" {
			create = &rep.Scenarios[i]
		}
	}
	if create == nil || create.Errors == 0 || create.ErrorsByStatus["400"] != create.Errors {
		t.Errorf("create: %+v, want its refusals counted as 400s", create)
	}
}

func TestCleanupWhenSeedingFailsAndWhenInterrupted(t *testing.T) {
	t.Run("SeedRefused", func(t *testing.T) {
		f := newFakeServer(t)
		f.refuse = func(b map[string]any) bool { return b["name"] == "bench_r2_s7" }
		_, err := Bench(context.Background(), Config{URL: f.URL, Token: "tok", RunID: "r2", Scenarios: mustScenarios(t, "get"),
			Connections: 2, Duration: time.Second, Records: 30, DefinitionSize: 1000, Repeat: 1})
		if err == nil || !strings.Contains(err.Error(), "bench_r2_s7") {
			t.Errorf("error %v, want the refused seed named", err)
		}
		if n := len(f.ids()); n != 0 {
			t.Errorf("%d records left after a failed seeding, want 0", n)
		}
	})
	t.Run("Interrupted", func(t *testing.T) {
		f := newFakeServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		rep, err := Bench(ctx, Config{URL: f.URL, Token: "tok", Scenarios: mustScenarios(t, "create"),
			Connections: 2, Duration: time.Hour, Records: 10, DefinitionSize: 1000, Repeat: 1})
		if !errors.Is(err, context.Canceled) || rep == nil || !rep.Interrupted {
			t.Fatalf("error %v, report %+v; want context.Canceled and an interrupted report", err, rep)
		}
		if n := len(f.ids()); n != 0 {
			t.Errorf("%d records left after an interrupt, want 0", n)
		}
		if rep.Cleanup.Deleted < 10 {
			t.Errorf("cleanup %+v, want the seeded and created records deleted", rep.Cleanup)
		}
	})
	t.Run("Keep", func(t *testing.T) {
		f := newFakeServer(t)
		rep, err := Bench(context.Background(), Config{URL: f.URL, Token: "tok", Scenarios: mustScenarios(t, "get"),
			Connections: 1, Duration: time.Hour, MaxRequests: 5, Records: 4, DefinitionSize: 1000, Repeat: 1, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.ids()); n != 4 || rep.Cleanup != nil {
			t.Errorf("%d records kept, cleanup %+v; want 4 and none", n, rep.Cleanup)
		}
	})
}

func mustScenarios(tb testing.TB, list string) []*Scenario {
	tb.Helper()
	s, err := SelectScenarios(list)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
