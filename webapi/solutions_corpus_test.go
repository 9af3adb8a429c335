package webapi_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"

	"github.com/connectorhub/connectorhub/internal/solutioncorpus"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// TestSolutionCorpus packs every connector of the shared corpus into one solution zip,
// imports it, and reads each connector back: every column the file carries is the file's,
// byte for byte (the icon as base64). Then it exports the solution and compares its files.
func TestSolutionCorpus(t *testing.T) {
	all, _ := solutioncorpus.Connectors(t)
	// A definition beyond the column's 1,000,000 characters cannot be stored (in Dataverse
	// either): the import refuses it, naming the connector (TestImportRefusals).
	limit := connectorhub.ColumnByName("openapidefinition").MaxLength
	var cs []solutioncorpus.Connector
	for _, c := range all {
		if utf8.RuneCountInString(c.Want.OpenAPIDefinition) <= limit {
			cs = append(cs, c)
		} else {
			t.Logf("%s: a definition of %d characters is not imported", c.Rel, utf8.RuneCountInString(c.Want.OpenAPIDefinition))
		}
	}
	s := MustOpenServer(t)
	z := solutioncorpus.Solution(cs, 0)
	var file bytes.Buffer
	if err := solutionzip.Write(&file, z); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, s.do(t, "POST", api+"ImportSolution", importBody(file.Bytes())), http.StatusNoContent)
	for _, c := range cs {
		want := c.Want
		got := mustStatus(t, s.get(t, "connectors("+want.ID+")?$select="+connectorColumns), 200).JSON(t)
		if strings.TrimSpace(want.ConnectionParameters) == "" {
			want.ConnectionParameters = "{}"
		}
		if strings.TrimSpace(want.PolicyTemplateInstances) == "" {
			want.PolicyTemplateInstances = "[]"
		}
		for col, w := range map[string]string{"name": want.Name, "displayname": want.DisplayName, "description": want.Description,
			"openapidefinition": want.OpenAPIDefinition, "connectionparameters": want.ConnectionParameters,
			"connectionparametersets": want.ConnectionParameterSets, "policytemplateinstances": want.PolicyTemplateInstances,
			"scriptoperations": want.ScriptOperations, "customcodeblobcontent": want.CustomCodeBlobContent,
			"iconbrandcolor": want.IconBrandColor, "iconblob": base64.StdEncoding.EncodeToString(want.Icon)} {
			g, _ := got[col].(string)
			if g != w {
				t.Errorf("%s: %s differs after the import:\n got %.200q\nwant %.200q", c.Rel, col, g, w)
			}
		}
	}
	back := zipFiles(t, exportNamed(t, s, "Corpus", false))
	for name, data := range zipFiles(t, file.Bytes()) {
		if name == "solution.xml" || name == "customizations.xml" {
			continue // the order of the connectors is the export's (by name)
		}
		if !bytes.Equal(back[name], data) {
			t.Errorf("%s differs after import and export", name)
		}
	}
	t.Logf("%d corpus connectors imported in one solution of %d bytes", len(cs), file.Len())
}

// BenchmarkSolution500 exports and imports a solution of 500 corpus connectors through the
// Web API; maxrss-MB is the process's peak resident memory so far (the test binary's, with
// the server in it).
func BenchmarkSolution500(b *testing.B) {
	cs, _ := solutioncorpus.Connectors(b)
	if len(cs) < 500 {
		b.Skipf("the corpus has %d connectors", len(cs))
	}
	var file bytes.Buffer
	if err := solutionzip.Write(&file, solutioncorpus.Solution(cs, 500)); err != nil {
		b.Fatal(err)
	}
	body := importBody(file.Bytes())
	b.Run("Import", func(b *testing.B) {
		b.SetBytes(int64(file.Len()))
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := MustOpenServer(b)
			b.StartTimer()
			mustStatus(b, s.do(b, "POST", api+"ImportSolution", body), http.StatusNoContent)
		}
		reportRSS(b)
	})
	b.Run("Export", func(b *testing.B) {
		s := MustOpenServer(b)
		mustStatus(b, s.do(b, "POST", api+"ImportSolution", body), http.StatusNoContent)
		b.SetBytes(int64(file.Len()))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			exportNamed(b, s, "Corpus", false)
		}
		reportRSS(b)
	})
}

func reportRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB") // Linux reports KB
	}
}
