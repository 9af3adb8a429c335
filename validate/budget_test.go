package validate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// measure validates a definition like Definition and returns the meter, whose steps tests
// bound instead of timing anything.
func measure(text []byte, opts Options) (Report, *meter) {
	m := newMeter(context.Background(), len(text))
	r, _ := validation(m, func(m *meter) Report { return checkDefinition(m, text, opts) })
	return r, m
}

// stepsBound is the most steps a pass may take on a text of n bytes in the tests: a small
// multiple of its size, far below the budget (budgetFor), which is a backstop.
func stepsBound(n int) int64 { return 4*int64(n) + 4096 }

// TestAdversarialLinear validates each hostile shape at two sizes: every pass stays within a
// small multiple of the text's size, no budget is hit (the shapes marked cut reach the allowance
// of allOf merges), and the findings a hostile definition
// deserves (too many schemas in a body, a loop of references) are there.
func TestAdversarialLinear(t *testing.T) {
	for _, sh := range adversarialShapes {
		for _, n := range []int{sh.small, sh.large} {
			text := sh.build(n)
			r, m := measure(text, Options{Certification: true})
			bound := stepsBound(len(text))
			if m.most > bound {
				t.Errorf("%s n=%d (%d bytes): a pass took %d steps, more than %d", sh.name, n, len(text), m.most, bound)
			}
			t.Logf("%s n=%d: %d bytes, %d steps in all, %d in the longest pass", sh.name, n, len(text), m.steps, m.most)
			cut := false
			for _, f := range r.Findings {
				switch f.Rule {
				case rBudgetExceeded.ID:
					t.Errorf("%s n=%d: %s", sh.name, n, f)
				case rMergeLimit.ID:
					cut = true
					if !sh.cut {
						t.Errorf("%s n=%d: %s", sh.name, n, f)
					}
				}
			}
			if sh.cut && n == sh.large && !cut {
				t.Errorf("%s n=%d: no %s finding", sh.name, n, rMergeLimit.ID)
			}
		}
	}
}

// TestAdversarialMemory checks that the memory a validation allocates grows linearly with the
// text of the hostile shapes: from the small size to the large (twice the small), the bytes
// allocated per byte of text may grow by at most a third. Steps bound the work a pass
// counts; this catches work it does not count, such as copies. nestedItemsError is left out:
// each of its n nested errors carries its location, n deep, and the parser's nesting limit
// bounds n; so are the shapes refused by a bound, which they reach.
func TestAdversarialMemory(t *testing.T) {
	allocated := func(text []byte) float64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		Definition(text, Options{Certification: true})
		runtime.ReadMemStats(&ms)
		return float64(ms.TotalAlloc-before) / float64(len(text))
	}
	allocated([]byte(baseDefinition)) // loads and compiles the schemas, once
	allocated(adversarialShapes[0].build(10))
	for _, sh := range adversarialShapes {
		if sh.name == "nestedItemsError" || sh.cut {
			continue // a shape refused by a bound grows up to it
		}
		small, large := allocated(sh.build(sh.small)), allocated(sh.build(sh.large))
		t.Logf("%s: %.0f, %.0f bytes allocated a byte of text", sh.name, small, large)
		if large > small*4/3 {
			t.Errorf("%s: n=%d allocates %.0f bytes a byte of text, n=%d %.0f", sh.name, sh.small, small, sh.large, large)
		}
	}
}

// TestAdversarialFindings checks what the hostile shapes are refused for.
func TestAdversarialFindings(t *testing.T) {
	tests := []struct {
		text []byte
		want want
	}{
		{refLevels(30, 4, "properties"), want{"BodySchemaCountExceedsMaxAllowed", "/paths/~1l/get/responses/200/schema", Error}},
		{refLevels(30, 4, "properties"), want{"SchemaTooDeep", "/paths/~1l/post/parameters/0/schema", Warning}},
		{refClique(32), want{"BodySchemaCountExceedsMaxAllowed", "/paths/~1l/get/responses/200/schema", Error}},
		{refOnlyChain(100), want{"SchemaRefLoopNotAllowed", "/definitions/L42/$ref", Error}},
		{nestedItemsError(120), want{"JsonValueNotInEnum", "/definitions/L0" + strings.Repeat("/items", 120) + "/type", Error}},
		{mergeFanIn(2000), want{"AllOfMergeLimitExceeded", "", Error}},
	}
	for _, tt := range tests {
		r := Definition(tt.text, Options{})
		found := false
		for _, f := range r.Findings {
			exercised[f.Rule] = true
			found = found || (want{f.Rule, f.Pointer, f.Severity} == tt.want)
		}
		if !found {
			t.Errorf("missing %s at %s (%s); got %d findings", tt.want.rule, tt.want.pointer, tt.want.severity, len(r.Findings))
		}
	}
}

// TestValidationBudgetExceeded gives every pass a budget of a few steps: each pass that
// exhausts it is reported, and the passes after it still run.
func TestValidationBudgetExceeded(t *testing.T) {
	d := newDoc(t)
	d["swagger"] = "3.0" // found by the JSON Schema pass, before the budget matters
	text := d.text(t)
	m := newMeter(context.Background(), len(text))
	m.budget = 5
	r, err := validation(m, func(m *meter) Report { return checkDefinition(m, text, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	budget, version := 0, false
	for _, f := range r.Findings {
		exercised[f.Rule] = true
		switch f.Rule {
		case rBudgetExceeded.ID:
			budget++
			if f.Severity != Error || f.Line == 0 {
				t.Errorf("bad finding %+v", f)
			}
		case "SpecificationVersionIncorrect":
			version = true
		}
	}
	if budget < 3 || !version {
		t.Errorf("got %d ValidationBudgetExceeded findings and version finding %v; want several and true:\n%v", budget, version, r.Findings)
	}
}

// countdown is a context that ends after its Err method has been called n times: a
// deterministic stand-in for a request cancelled in the middle of a validation.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// TestDefinitionContext checks that the Context variants stop on a context that ends before
// or during the validation, and return its error and no findings; and that they give the same
// report as the plain functions otherwise.
func TestDefinitionContext(t *testing.T) {
	hostile := refLevels(200, 4, "allOf")
	_, full := measure(hostile, Options{Certification: true})
	for _, calls := range []int{0, 1, 3, 10} {
		ctx := &countdown{Context: context.Background(), n: calls}
		m := newMeter(ctx, len(hostile))
		r, err := validation(m, func(m *meter) Report { return checkDefinition(m, hostile, Options{Certification: true}) })
		if !errors.Is(err, context.Canceled) || len(r.Findings) != 0 {
			t.Errorf("ended after %d checks: got %v and %d findings, want context.Canceled and none", calls, err, len(r.Findings))
		}
		if m.steps >= full.steps {
			t.Errorf("ended after %d checks: took %d steps, as many as a full validation (%d)", calls, m.steps, full.steps)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	text := newDoc(t).text(t)
	props := []byte(baseProperties)
	for name, f := range map[string]func(context.Context) (Report, error){
		"DefinitionContext": func(ctx context.Context) (Report, error) { return DefinitionContext(ctx, text, Options{}) },
		"PropertiesContext": func(ctx context.Context) (Report, error) { return PropertiesContext(ctx, props, text, Options{}) },
		"ConnectionParametersContext": func(ctx context.Context) (Report, error) {
			return ConnectionParametersContext(ctx, []byte(`{"k": {"type": "securestring"}}`), Options{})
		},
		"PolicyTemplateInstancesContext": func(ctx context.Context) (Report, error) {
			return PolicyTemplateInstancesContext(ctx, []byte(`[]`), text, Options{})
		},
	} {
		if r, err := f(ctx); !errors.Is(err, context.Canceled) || len(r.Findings) != 0 {
			t.Errorf("%s on a cancelled context: got %v and %d findings", name, err, len(r.Findings))
		}
		if _, err := f(context.Background()); err != nil {
			t.Errorf("%s: got %v", name, err)
		}
	}
	bad := []byte(`{"swagger": "3.0"}`)
	want := Definition(bad, Options{})
	got, err := DefinitionContext(context.Background(), bad, Options{})
	if err != nil || len(got.Findings) != len(want.Findings) || len(got.Findings) == 0 {
		t.Errorf("DefinitionContext: got %v, %v; want %v", got, err, want)
	}
}

// TestPositions checks that positions, which counts each line once, agrees with position
// offset by offset: several lines, multi-byte characters, a byte order mark, offsets past the
// end and repeated ones.
func TestPositions(t *testing.T) {
	for _, text := range []string{"", "{}", "\xEF\xBB\xBF{\"é\": 1,\n \"b\": [1, 2]}\n", "{\"a\":\"ééé\",\"b\":\"x\"}", "a\nb\n\nc"} {
		l := newLines([]byte(text))
		var offs []int
		for o := len(text) + 2; o >= -1; o-- {
			offs = append(offs, o, o)
		}
		got := l.positions(offs)
		for _, o := range offs {
			if o < 0 {
				continue
			}
			line, col := l.position(o)
			if got[o] != [2]int{line, col} {
				t.Errorf("%q at %d: got %v, want %d:%d", text, o, got[o], line, col)
			}
		}
	}
}

// TestMissingRequiredCounted checks that a call missing many required parameters names the
// first maxMissingListed and counts the others, the given ones left out.
func TestMissingRequiredCounted(t *testing.T) {
	d := adversarialBase(map[string]any{"L0": map[string]any{"type": "object"}})
	post := obj(obj(obj(d["paths"])["/l"])["post"])
	for i := range 15 {
		post["parameters"] = append(arr(post["parameters"]), map[string]any{"name": fmt.Sprintf("p%02d", i), "in": "query", "type": "string", "required": true})
	}
	post["parameters"] = append(arr(post["parameters"]),
		map[string]any{"name": "p00", "in": "header", "type": "string", "required": true}, // a second p00: counted once
		map[string]any{"name": "opt", "in": "query", "type": "string", "required": true, "default": "x"},
		map[string]any{"name": "q", "in": "query", "type": "string", "x-ms-dynamic-values": map[string]any{"operationId": "PostL",
			"value-collection": "value", "value-path": "a", "parameters": map[string]any{"p00": "a", "p03": "b", "zzz": "c"}}})
	var named, more []string
	for _, f := range Definition(mustJSON(d), Options{}).Findings {
		if f.Rule == rDynRequiredMissing.ID {
			if strings.Contains(f.Message, "more required") {
				more = append(more, f.Message)
			} else {
				named = append(named, f.Message)
			}
		}
	}
	// p00 and p03 given; q, opt and body are not required: p01, p02, p04…p14 are missing, 13.
	if len(named) != maxMissingListed || len(more) != 1 || !strings.Contains(more[0], "does not pass 3 more required parameters") {
		t.Fatalf("named %d, more %q", len(named), more)
	}
	for _, m := range named {
		if strings.Contains(m, `"p00"`) || strings.Contains(m, `"p03"`) {
			t.Errorf("a given parameter named missing: %s", m)
		}
	}
}

// TestFindingsCapped checks that a report lists at most maxFindings findings and counts the
// others with their rule's severity.
func TestFindingsCapped(t *testing.T) {
	r := Definition(requiredCalls(2000), Options{})
	if len(r.Findings) > maxFindings+10 {
		t.Fatalf("%d findings", len(r.Findings))
	}
	found := false
	for _, f := range r.Findings {
		if f.Pointer == "" && f.Rule == rDynRequiredMissing.ID {
			found = strings.HasPrefix(f.Message, "12") && strings.Contains(f.Message, "more findings of this rule are not listed") && f.Severity == rDynRequiredMissing.Severity
		}
	}
	// 2,000 calls, each with 10 named and one counted: 22,000 findings, 12,000 and some past the cap.
	if !found {
		t.Errorf("no count of the findings left out")
	}
}

// TestFoldedPropertiesOnce checks that a path read without regard to letter case finds the
// property, and that the folded names of a schema are made once however often it is read.
func TestFoldedPropertiesOnce(t *testing.T) {
	root := map[string]any{"type": "object", "properties": map[string]any{
		"Value": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}, "other": map[string]any{"type": "string"}}}
	d := newDefinition(map[string]any{}, 0, nil)
	for range 100 {
		s, ok, unknown := d.walkPath(root, "VALUE")
		if !ok || unknown || strOf(s["type"]) != "array" {
			t.Fatalf("VALUE: %v %v %v", s, ok, unknown)
		}
	}
	if _, ok, _ := d.walkPath(root, "nope"); ok {
		t.Error("nope found")
	}
	if len(d.folded) != 1 {
		t.Errorf("%d folded tables", len(d.folded))
	}
}
