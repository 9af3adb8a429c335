package validate

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/corpustest"
)

var update = flag.Bool("update", false, "rewrite the generated sections of docs/validation.md")

// invalidDefinitions are the published definitions that are not JSON, even as the service's
// lenient reader reads it, with the reason: the validator must refuse them, and it does so
// with an InvalidJson finding at the place of the mistake.
var invalidDefinitions = map[string]string{
	"certified-connectors/CognitiveServicesTextAnalytics": "a closing brace too many at line 276 closes the root object; the rest of the file would be dropped",
	"certified-connectors/IN-D Invoice Data Capture":      "a missing comma after \"x-ms-summary\" at line 51",
	"independent-publisher-connectors/AccuWeather":        "a missing comma in info.contact at line 9",
	"independent-publisher-connectors/GIPHY":              "a missing comma after \"description\" at line 810",
	"independent-publisher-connectors/Icon Horse":         "a parameter object is not closed before the next one opens at line 56",
	"independent-publisher-connectors/StabilityAI":        "the x-ms-keywords array is closed with '}' at line 16",
	"independent-publisher-connectors/XSOAR":              "a missing comma in info.contact at line 10",
}

// invalidProperties are the two apiProperties.json of the corpus that are not JSON.
var invalidProperties = map[string]string{
	"certified-connectors/Shopranos":  "the root object is not closed (the file ends at line 22)",
	"certified-connectors/SigningHub": "a missing comma after the tenantId object at line 24",
}

// corpusResult is the outcome of validating one connector in certification mode, which
// includes every structural finding.
type corpusResult struct {
	c                 corpustest.Connector
	definition, props Report
	hasProps          bool
	steps             *meter // the steps of the definition's validation
	size              int    // the definition's size in bytes
}

func validateCorpus(t *testing.T) []corpusResult {
	t.Helper()
	var out []corpusResult
	for _, c := range corpustest.Must(t) {
		def, err := os.ReadFile(c.Definition)
		if err != nil {
			t.Fatal(err)
		}
		rep, m := measure(def, Options{Certification: true})
		r := corpusResult{c: c, definition: rep, steps: m, size: len(def)}
		if c.Properties != "" {
			text, err := os.ReadFile(c.Properties)
			if err != nil {
				t.Fatal(err)
			}
			r.props, r.hasProps = Properties(text, def, Options{Certification: true}), true
		}
		out = append(out, r)
	}
	return out
}

// structuralErrors are the findings a server would refuse the document for.
func structuralErrors(r Report) []Finding {
	var out []Finding
	for _, f := range r.Errors() {
		if !f.Certification {
			out = append(out, f)
		}
	}
	return out
}

// TestCorpus checks that every published connector passes the structural rules, except the
// few whose files are not JSON, and that those fail for the stated reason.
func TestCorpus(t *testing.T) {
	results := validateCorpus(t)
	if n := len(results); n != 838 {
		t.Errorf("got %d connectors, want 838", n)
	}
	check := func(name string, r Report, known map[string]string, rel string) {
		errs := structuralErrors(r)
		if reason, ok := known[rel]; ok {
			if len(errs) != 1 || errs[0].Rule != "InvalidJson" {
				t.Errorf("%s %s: got %v, want one InvalidJson error (%s)", rel, name, errs, reason)
			}
			return
		}
		for _, f := range errs {
			t.Errorf("%s/%s:%d:%d %s %s", rel, name, f.Line, f.Column, f.Rule, f.Message)
		}
		for _, f := range r.Findings {
			if f.Line == 0 {
				t.Errorf("%s %s: finding without position: %+v", rel, name, f)
			}
		}
	}
	// The validation budget must be out of reach of real connectors, by a wide margin: no pass
	// of any connector may take a tenth of its budget.
	var worst corpusResult
	for _, r := range results {
		if worst.steps == nil || float64(r.steps.most)/float64(r.steps.budget) > float64(worst.steps.most)/float64(worst.steps.budget) {
			worst = r
		}
	}
	if worst.steps != nil {
		t.Logf("most demanding pass: %s, %d steps of %d allowed (%d bytes)", worst.c.Rel, worst.steps.most, worst.steps.budget, worst.size)
		if worst.steps.most*10 > worst.steps.budget {
			t.Errorf("%s: a pass takes %d steps, more than a tenth of the budget %d", worst.c.Rel, worst.steps.most, worst.steps.budget)
		}
	}
	for _, r := range results {
		check("apiDefinition.swagger.json", r.definition, invalidDefinitions, r.c.Rel)
		if r.hasProps {
			check("apiProperties.json", r.props, invalidProperties, r.c.Rel)
		}
	}
	if err := updateDocs("corpus-summary", corpusSummary(results)); err != nil {
		t.Error(err)
	}
}

// corpusSummary tabulates the findings over the corpus, certification rules included.
func corpusSummary(results []corpusResult) string {
	type count struct {
		rule                 string
		severity             Severity
		cert                 bool
		findings, connectors int
	}
	counts := map[string]*count{}
	var defs, props, withErrors, withCertErrors int
	for _, r := range results {
		defs++
		seen := map[string]bool{}
		reports := []Report{r.definition}
		if r.hasProps {
			props++
			reports = append(reports, r.props)
		}
		structural, cert := false, false
		for _, rep := range reports {
			for _, f := range rep.Findings {
				k := f.Rule + " " + f.Severity.String()
				if counts[k] == nil {
					counts[k] = &count{rule: f.Rule, severity: f.Severity, cert: f.Certification}
				}
				counts[k].findings++
				if !seen[k] {
					seen[k] = true
					counts[k].connectors++
				}
				if f.Severity == Error {
					if f.Certification {
						cert = true
					} else {
						structural = true
					}
				}
			}
		}
		if structural {
			withErrors++
		}
		if cert {
			withCertErrors++
		}
	}
	list := make([]*count, 0, len(counts))
	for _, c := range counts {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].connectors != list[j].connectors {
			return list[i].connectors > list[j].connectors
		}
		if list[i].rule != list[j].rule {
			return list[i].rule < list[j].rule
		}
		return list[i].severity < list[j].severity
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Generated by `go test ./validate -run TestCorpus -update` over %d definitions and %d apiProperties.json files,\n", defs, props)
	fmt.Fprintf(&b, "validated with `Options{Certification: true}`. Connectors with a structural error: %d (the files that are not JSON, listed in\n", withErrors)
	fmt.Fprintf(&b, "validate/corpus_test.go with the reason). Connectors with a certification error: %d.\n\n", withCertErrors)
	b.WriteString("| rule id | severity | set | findings | connectors |\n|---|---|---|---:|---:|\n")
	for _, c := range list {
		set := "structural"
		if c.cert {
			set = "certification"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", c.rule, c.severity, set, c.findings, c.connectors)
	}
	return b.String()
}

// TestDocsCatalogue keeps the rule catalogue of docs/validation.md in step with Rules().
func TestDocsCatalogue(t *testing.T) {
	var b strings.Builder
	b.WriteString("| rule id | severity | set | document | what it checks | source |\n|---|---|---|---|---|---|\n")
	for _, r := range Rules() {
		set := "structural"
		if r.Certification {
			set = "certification"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.ID, r.Severity, set, r.Document, mdEscape(r.Checks), mdEscape(r.Source))
	}
	if err := updateDocs("rules", b.String()); err != nil {
		t.Error(err)
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// updateDocs replaces, or with -update rewrites, the generated section name of
// docs/validation.md, between "<!-- BEGIN name -->" and "<!-- END name -->".
func updateDocs(name, content string) error {
	path := filepath.Join("..", "docs", "validation.md")
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- BEGIN "+name+" -->\n", "<!-- END "+name+" -->"
	i := strings.Index(string(text), begin)
	j := strings.Index(string(text), end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no generated section %q", path, name)
	}
	current := string(text[i+len(begin) : j])
	if current == content {
		return nil
	}
	if !*update {
		return fmt.Errorf("%s: the section %q is out of date; run go test ./validate -run 'TestCorpus|TestDocsCatalogue' -update", path, name)
	}
	out := string(text[:i+len(begin)]) + content + string(text[j:])
	return os.WriteFile(path, []byte(out), 0o644)
}
