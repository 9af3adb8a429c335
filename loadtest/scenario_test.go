package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/connectorhub/connectorhub/validate"
)

// seededFake returns a fake server holding a dataset of n records seeded through Seed.
func seededFake(t *testing.T, n int) (*fakeServer, *Target, *Dataset, *Registry) {
	t.Helper()
	f := newFakeServer(t)
	tg := mustTarget(t, f, 2)
	ds := NewDataset("r1", n, 1000)
	reg := &Registry{}
	if err := tg.Seed(context.Background(), ds, reg, 3, nil); err != nil {
		t.Fatal(err)
	}
	f.take()
	return f, tg, ds, reg
}

func TestScenarioRequests(t *testing.T) {
	f, tg, ds, reg := seededFake(t, 3)
	isSeededID := func(path string) bool {
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/api/data/v9.2/connectors("), ")")
		return slices.Contains(ds.IDs, id)
	}
	type want struct {
		method string
		path   string // "seeded": connectors(<a seeded id>)
		query  map[string]string
		header map[string]string
		body   func(t *testing.T, body map[string]any)
	}
	list := "/api/data/v9.2/connectors"
	tests := []struct {
		scenario string
		want     []want // the exchanges of one request
		records  int
	}{
		{"get", []want{{method: "GET", path: "seeded", query: map[string]string{}}}, 1},
		{"list-eq", []want{{method: "GET", path: list, query: map[string]string{"$filter": "name eq 'bench_r1_s?'"}}}, 2},
		{"list-contains", []want{{method: "GET", path: list, query: map[string]string{"$filter": "contains(displayname,'r1 g0000 ')", "$top": "50"}}}, 2},
		{"list-contains-select", []want{{method: "GET", path: list, query: map[string]string{"$filter": "contains(displayname,'r1 g0000 ')", "$top": "50", "$select": listSelect}}}, 2},
		{"orderby-top", []want{{method: "GET", path: list, query: map[string]string{"$orderby": "modifiedon desc", "$top": "50"}}}, 2},
		{"page-all", []want{
			{method: "GET", path: list, query: map[string]string{"$filter": "startswith(name,'bench_r1_s')"}, header: map[string]string{"Prefer": "odata.maxpagesize=5000"}},
			{method: "GET", path: list, query: map[string]string{"$filter": "startswith(name,'bench_r1_s')", "$skiptoken": "page2"}, header: map[string]string{"Prefer": "odata.maxpagesize=5000"}},
		}, 4},
		{"create", []want{{method: "POST", path: list, query: map[string]string{}, header: map[string]string{"Content-Type": "application/json; charset=utf-8"},
			body: func(t *testing.T, b map[string]any) {
				if !strings.HasPrefix(b["name"].(string), "bench_r1_c") || b["connectortype"] != 1.0 || b["displayname"] != "Bench r1 created" {
					t.Errorf("create body %v: want name bench_r1_c…, displayname, connectortype 1", b)
				}
				def, _ := b["openapidefinition"].(string)
				if len(def) != 1000 || !strings.HasPrefix(def, `{"swagger":"2.0"`) {
					t.Errorf("openapidefinition of %d bytes starting %.20q, want 1000 bytes of Swagger 2.0", len(def), def)
				}
			}}}, 0},
		{"patch", []want{{method: "PATCH", path: "seeded", query: map[string]string{}, header: map[string]string{"If-Match": "*", "Content-Type": "application/json; charset=utf-8"},
			body: func(t *testing.T, b map[string]any) {
				if len(b) != 1 || !strings.HasPrefix(b["description"].(string), "Bench r1 patched") {
					t.Errorf("patch body %v: want the description alone", b)
				}
			}}}, 0},
	}
	byName := map[string]*Scenario{}
	for _, s := range Scenarios() {
		byName[s.Name] = s
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			w := &worker{target: tg, ds: ds, reg: reg, rng: rand.New(rand.NewPCG(1, 1))}
			o := byName[tt.scenario].request(context.Background(), w)
			if o.err != nil {
				t.Fatal(o.err)
			}
			if o.records != tt.records || o.exchanges != len(tt.want) {
				t.Errorf("records, exchanges = %d, %d; want %d, %d", o.records, o.exchanges, tt.records, len(tt.want))
			}
			got := f.take()
			if len(got) != len(tt.want) {
				t.Fatalf("%d requests, want %d", len(got), len(tt.want))
			}
			for i, wt := range tt.want {
				r := got[i]
				if r.Method != wt.method {
					t.Errorf("request %d: method %s, want %s", i, r.Method, wt.method)
				}
				if wt.path == "seeded" && !isSeededID(r.Path) || wt.path != "seeded" && r.Path != wt.path {
					t.Errorf("request %d: path %s, want %s", i, r.Path, wt.path)
				}
				if len(r.Query) != len(wt.query) {
					t.Errorf("request %d: query %v, want %v", i, r.Query, wt.query)
				}
				for k, v := range wt.query {
					if g := r.Query.Get(k); g != v && !(strings.HasSuffix(v, "?'") && strings.HasPrefix(g, strings.TrimSuffix(v, "?'"))) {
						t.Errorf("request %d: %s = %q, want %q", i, k, g, v)
					}
				}
				common := map[string]string{"Authorization": "Bearer tok", "Accept": "application/json", "Odata-Version": "4.0", "Odata-Maxversion": "4.0"}
				for k, v := range wt.header {
					common[k] = v
				}
				for k, v := range common {
					if g := r.Header.Get(k); g != v {
						t.Errorf("request %d: header %s = %q, want %q", i, k, g, v)
					}
				}
				if wt.body == nil {
					if len(r.Body) != 0 {
						t.Errorf("request %d: body %q, want none", i, r.Body)
					}
					continue
				}
				var b map[string]any
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatalf("request %d: body: %v", i, err)
				}
				wt.body(t, b)
			}
		})
	}
}

func TestMixedScenario(t *testing.T) {
	f, tg, ds, reg := seededFake(t, 3)
	sum := 0
	for _, m := range mixedWeights {
		sum += m.weight
	}
	if sum != 100 {
		t.Fatalf("mixed weights sum to %d, want 100", sum)
	}
	var mixed *Scenario
	for _, s := range Scenarios() {
		if s.Name == "mixed" {
			mixed = s
		}
	}
	w := &worker{target: tg, ds: ds, reg: reg, rng: rand.New(rand.NewPCG(7, 7))}
	for range 400 {
		if o := mixed.request(context.Background(), w); o.err != nil {
			t.Fatal(o.err)
		}
	}
	writes := 0
	for _, r := range f.take() {
		if r.Method != "GET" {
			writes++
		}
	}
	// 10% writes: 40 expected; the bounds are 5 standard deviations wide.
	if writes < 10 || writes > 70 {
		t.Errorf("%d writes of 400 requests, want about 40", writes)
	}
}

func TestSelectScenarios(t *testing.T) {
	all, err := SelectScenarios("all")
	if err != nil || len(all) != 9 {
		t.Fatalf("all: %d scenarios, %v; want 9", len(all), err)
	}
	got, err := SelectScenarios("create, get,get")
	if err != nil || len(got) != 2 || got[0].Name != "create" || got[1].Name != "get" {
		t.Errorf("create, get,get: %v, %v; want create, get", got, err)
	}
	if _, err := SelectScenarios("get,nope"); err == nil || !strings.Contains(err.Error(), "list-contains-select") {
		t.Errorf("an unknown scenario: error %v, want one listing the scenarios", err)
	}
}

func TestDefinitionIsValid(t *testing.T) {
	for _, size := range []int{0, 2000, 20000, 300000} {
		def := Definition(size)
		if size > 1000 && len(def) != size {
			t.Errorf("Definition(%d) has %d bytes", size, len(def))
		}
		if errs := validate.Definition([]byte(def), validate.Options{}).Errors(); len(errs) > 0 {
			t.Errorf("Definition(%d): the validator refuses it: %v", size, errs)
		}
	}
}

func TestRunStopsAndCounts(t *testing.T) {
	f, tg, ds, reg := seededFake(t, 5)
	var get *Scenario
	for _, s := range Scenarios() {
		if s.Name == "get" {
			get = s
		}
	}
	st := Run(context.Background(), tg, get, ds, reg, RunConfig{Connections: 3, Duration: time.Minute, MaxRequests: 50})
	if st.Requests != 50 || st.Errors != 0 || st.Latency.Count() != 50 || st.RPS() <= 0 {
		t.Errorf("requests %d, errors %d, latencies %d, rps %g; want 50, 0, 50, > 0", st.Requests, st.Errors, st.Latency.Count(), st.RPS())
	}
	// Errors are counted by status, with the first one's message.
	f.mu.Lock()
	clear(f.records)
	f.mu.Unlock()
	st = Run(context.Background(), tg, get, ds, reg, RunConfig{Connections: 2, Duration: time.Minute, MaxRequests: 10})
	if st.Errors != 10 || st.ErrorsByStatus["404"] != 10 || !strings.Contains(st.FirstError, "0x80040217") {
		t.Errorf("errors %d, by status %v, first %q; want 10 × 404 with the server's code", st.Errors, st.ErrorsByStatus, st.FirstError)
	}
}

// TestCreateBodiesDiffer: every create sends a definition of its own (a server may skip
// validating one it has seen), valid and of the planned size.
func TestCreateBodiesDiffer(t *testing.T) {
	ds := NewDataset("r1", 2, 5000)
	defs := map[string]bool{}
	for _, id := range []string{newGUID(), newGUID()} {
		var body struct {
			OpenAPIDefinition string `json:"openapidefinition"`
		}
		if err := json.Unmarshal(ds.createBody(id, "n", "d"), &body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body.OpenAPIDefinition, `"title":"`+id+`"`) || len(body.OpenAPIDefinition) != 5000 {
			t.Errorf("definition of %s: title missing or %d bytes, want 5000", id, len(body.OpenAPIDefinition))
		}
		if errs := validate.Definition([]byte(body.OpenAPIDefinition), validate.Options{}).Errors(); len(errs) > 0 {
			t.Errorf("the validator refuses it: %v", errs)
		}
		defs[body.OpenAPIDefinition] = true
	}
	if len(defs) != 2 {
		t.Error("two creates sent the same definition")
	}
}

// TestTitledDefinition: a given definition (a real connector's, with numbers, HTML
// characters and a byte order mark) is sent with each record's id as its title, and is
// otherwise the same document.
func TestTitledDefinition(t *testing.T) {
	cs := corpustest.Must(t)
	text, err := os.ReadFile(cs[len(cs)/2].Definition)
	if err != nil {
		t.Fatal(err)
	}
	def, err := Titled("\uFEFF" + string(text))
	if err != nil {
		t.Fatal(err)
	}
	ds := newDataset("r1", 1, def)
	id := newGUID()
	var body struct {
		OpenAPIDefinition string `json:"openapidefinition"`
	}
	if err := json.Unmarshal(ds.createBody(id, "n", "d"), &body); err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(body.OpenAPIDefinition), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF")), &want); err != nil {
		t.Fatal(err)
	}
	if title := got["info"].(map[string]any)["title"]; title != id {
		t.Errorf("title %v, want the record's id %s", title, id)
	}
	want["info"].(map[string]any)["title"] = id
	if !reflect.DeepEqual(got, want) {
		t.Error("the definition sent differs from the file beyond its title")
	}
	for _, bad := range []string{"", "[]", "null", "{", `"x"`} {
		if _, err := Titled(bad); err == nil {
			t.Errorf("Titled(%q): no error", bad)
		}
	}
	if def, err := Titled(`{"swagger":"2.0"}`); err != nil || !strings.Contains(def, titleMark) {
		t.Errorf("a definition without info: %q, %v", def, err)
	}
}
