package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// Scenario is one kind of request the load generator repeats.
type Scenario struct {
	Name        string
	Description string
	// request makes one request of the scenario; it may be several HTTP exchanges (page-all).
	request func(ctx context.Context, w *worker) outcome
}

// outcome is what one request of a scenario came to.
type outcome struct {
	exchanges int
	reqBytes  int64
	respBytes int64
	records   int
	err       error
}

// add counts one exchange into the outcome.
func (o *outcome) add(ex exchange) {
	o.exchanges++
	o.reqBytes += ex.reqBytes
	o.respBytes += ex.respBytes
	o.records += ex.records
	if ex.err != nil && o.err == nil {
		o.err = ex.err
	}
}

// worker is one connection's loop: its target, random source and counter.
type worker struct {
	target *Target
	ds     *Dataset
	reg    *Registry
	stop   context.Context // ends the run: a page walk stops between pages
	rng    *rand.Rand
	id     int
	seq    int
}

// once makes a single-exchange outcome.
func once(ex exchange) outcome {
	var o outcome
	o.add(ex)
	return o
}

// seeded picks a seeded record at random.
func (w *worker) seeded() int { return w.rng.IntN(len(w.ds.IDs)) }

// quote writes s as an OData string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// query encodes OData query options in order, spaces as %20 as Dataverse's examples write them.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20"))
	}
	return b.String()
}

// listSelect are the columns list-contains-select reads: all but the large text columns.
const listSelect = "connectorid,name,displayname,description,connectortype,statecode,statuscode,createdon,modifiedon,_ownerid_value"

// pageSize is the page size of page-all, Dataverse's largest.
const pageSize = 5000

// mixedWeights is the mix of the mixed scenario, in percent: 90% reads, 10% writes.
var mixedWeights = []struct {
	name   string
	weight int
}{
	{"get", 35}, {"list-eq", 20}, {"list-contains-select", 15}, {"list-contains", 5}, {"orderby-top", 15},
	{"create", 5}, {"patch", 5},
}

// MixedDescription says what the mixed scenario does, for the help and the docs.
func MixedDescription() string {
	var parts []string
	for _, m := range mixedWeights {
		parts = append(parts, fmt.Sprintf("%d%% %s", m.weight, m.name))
	}
	return "90% reads, 10% writes: " + strings.Join(parts, ", ")
}

// Scenarios returns every scenario, in the order `all` runs them.
func Scenarios() []*Scenario {
	get := &Scenario{Name: "get", Description: "GET connectors(<id>) of a seeded record chosen at random: the full record",
		request: func(ctx context.Context, w *worker) outcome {
			o := once(w.target.do(ctx, http.MethodGet, "connectors("+w.ds.IDs[w.seeded()]+")", nil, nil))
			if o.err == nil {
				o.records = 1
			}
			return o
		}}
	listEq := &Scenario{Name: "list-eq", Description: "GET connectors?$filter=name eq '<seeded name>': one full record, through the name index",
		request: func(ctx context.Context, w *worker) outcome {
			return once(w.target.do(ctx, http.MethodGet, "connectors"+query("$filter", "name eq "+quote(w.ds.Names[w.seeded()])), nil, nil))
		}}
	contains := func(sel bool) func(ctx context.Context, w *worker) outcome {
		return func(ctx context.Context, w *worker) outcome {
			kv := []string{"$filter", "contains(displayname," + quote(w.ds.groupTag(w.rng.IntN(w.ds.Groups))) + ")", "$top", "50"}
			if sel {
				kv = append([]string{"$select", listSelect}, kv...)
			}
			return once(w.target.do(ctx, http.MethodGet, "connectors"+query(kv...), nil, nil))
		}
	}
	listContains := &Scenario{Name: "list-contains", Description: "GET connectors?$filter=contains(displayname,'<group>')&$top=50: 50 full records of ~100 that match (from the server's text index, where it has one)",
		request: contains(false)}
	listContainsSelect := &Scenario{Name: "list-contains-select", Description: "list-contains with $select of the small columns (no openapidefinition)",
		request: contains(true)}
	orderbyTop := &Scenario{Name: "orderby-top", Description: "GET connectors?$orderby=modifiedon desc&$top=50: the 50 newest full records of the whole table",
		request: func(ctx context.Context, w *worker) outcome {
			return once(w.target.do(ctx, http.MethodGet, "connectors"+query("$orderby", "modifiedon desc", "$top", "50"), nil, nil))
		}}
	pageAll := &Scenario{Name: "page-all", Description: "every page of the seeded records (full records, startswith on the run's names) with Prefer: odata.maxpagesize=5000, following @odata.nextLink; one request is the whole walk",
		request: func(ctx context.Context, w *worker) outcome {
			var o outcome
			hdr := http.Header{"Prefer": {fmt.Sprintf("odata.maxpagesize=%d", pageSize)}}
			next := "connectors" + query("$filter", "startswith(name,"+quote(w.ds.seededPrefix())+")")
			// Bounded: a walk has at most records/pageSize+1 pages; a server that loops is an error.
			for limit := len(w.ds.IDs)/pageSize + 2; next != ""; limit-- {
				if w.stop != nil && w.stop.Err() != nil {
					break
				}
				if limit == 0 {
					o.err = fmt.Errorf("page-all: more than %d pages for %d records", len(w.ds.IDs)/pageSize+1, len(w.ds.IDs))
					break
				}
				ex := w.target.do(ctx, http.MethodGet, next, nil, hdr)
				o.add(ex)
				if ex.err != nil {
					break
				}
				next = ex.nextLink
			}
			return o
		}}
	create := &Scenario{Name: "create", Description: "POST connectors with a definition of --definition-size bytes (204); the records are deleted at the end",
		request: func(ctx context.Context, w *worker) outcome {
			id := newGUID()
			body := w.ds.createBody(id, fmt.Sprintf("bench_%s_c%d", w.ds.RunID, w.ds.created.Add(1)), "Bench "+w.ds.RunID+" created")
			return once(w.target.create(ctx, w.reg, body, id, 1))
		}}
	patch := &Scenario{Name: "patch", Description: "PATCH connectors(<id>) of a seeded record with a new description (If-Match: *, 204)",
		request: func(ctx context.Context, w *worker) outcome {
			w.seq++
			body := fmt.Appendf(nil, `{"description":"Bench %s patched by worker %d, %d"}`, w.ds.RunID, w.id, w.seq)
			return once(w.target.do(ctx, http.MethodPatch, "connectors("+w.ds.IDs[w.seeded()]+")", body, http.Header{"If-Match": {"*"}}))
		}}
	byName := map[string]*Scenario{}
	all := []*Scenario{get, listEq, listContains, listContainsSelect, orderbyTop, pageAll, create, patch}
	for _, s := range all {
		byName[s.Name] = s
	}
	total := 0
	for _, m := range mixedWeights {
		total += m.weight
	}
	mixed := &Scenario{Name: "mixed", Description: MixedDescription(),
		request: func(ctx context.Context, w *worker) outcome {
			r := w.rng.IntN(total)
			for _, m := range mixedWeights {
				if r < m.weight {
					return byName[m.name].request(ctx, w)
				}
				r -= m.weight
			}
			panic("unreachable")
		}}
	return append(all, mixed)
}

// SelectScenarios returns the scenarios of a comma-separated list of names, or all of them
// for "all", in the order given; an unknown name is an error that lists the known ones.
func SelectScenarios(list string) ([]*Scenario, error) {
	all := Scenarios()
	if strings.TrimSpace(list) == "all" {
		return all, nil
	}
	var out []*Scenario
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		var found *Scenario
		for _, s := range all {
			if s.Name == name {
				found = s
			}
		}
		if found == nil {
			var names []string
			for _, s := range all {
				names = append(names, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q: give all or some of %s", name, strings.Join(names, ", "))
		}
		out = append(out, found)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario given")
	}
	return out, nil
}
