package solutionzip_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/solutioncorpus"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// TestCorpus packs every connector of the shared corpus into one solution, as the CLI maps a
// connector folder (apiDefinition.swagger.json as the definition text, apiProperties.json
// into the parameter, policy, script operation and brand colour columns, script.csx, icon.png),
// writes it, reads it back with the default limits, and compares every column byte for byte.
func TestCorpus(t *testing.T) {
	cs, refused := solutioncorpus.Connectors(t)
	s := solutioncorpus.Solution(cs, 0)
	z := MustWrite(t, s)
	back := MustRead(t, z)
	if len(back.Connectors) != len(cs) {
		t.Fatalf("read back %d connectors, wrote %d", len(back.Connectors), len(cs))
	}
	var text int
	for i, c := range cs {
		want, got := c.Want, back.Connectors[i]
		// What Write writes for an empty column, and reads back.
		if strings.TrimSpace(want.ConnectionParameters) == "" {
			want.ConnectionParameters = "{}"
		}
		if strings.TrimSpace(want.PolicyTemplateInstances) == "" {
			want.PolicyTemplateInstances = "[]"
		}
		for _, col := range []struct{ name, want, got string }{
			{"connectorid", want.ID, got.ID},
			{"name", want.Name, got.Name},
			{"displayname", want.DisplayName, got.DisplayName},
			{"description", want.Description, got.Description},
			{"iconbrandcolor", want.IconBrandColor, got.IconBrandColor},
			{"scriptoperations", want.ScriptOperations, got.ScriptOperations},
			{"openapidefinition", want.OpenAPIDefinition, got.OpenAPIDefinition},
			{"connectionparameters", want.ConnectionParameters, got.ConnectionParameters},
			{"connectionparametersets", want.ConnectionParameterSets, got.ConnectionParameterSets},
			{"policytemplateinstances", want.PolicyTemplateInstances, got.PolicyTemplateInstances},
			{"customcodeblobcontent", want.CustomCodeBlobContent, got.CustomCodeBlobContent},
			{"iconblob", string(want.Icon), string(got.Icon)},
		} {
			text += len(col.want)
			if col.want != col.got {
				t.Errorf("%s: %s differs after the round trip:\n got %.200q\nwant %.200q", c.Rel, col.name, col.got, col.want)
			}
		}
		if want.ConnectorType != got.ConnectorType {
			t.Errorf("%s: connectortype %d, want %d", c.Rel, got.ConnectorType, want.ConnectorType)
		}
	}
	if z2 := MustWrite(t, back); !bytes.Equal(z, z2) {
		t.Error("Write(Read(z)) is not z")
	}
	t.Logf("%d connectors packed (%d folders refused by the folder mapping), %d bytes of columns, a %d-byte zip", len(cs), refused, text, len(z))
}

// corpusBench returns a solution of 500 corpus connectors, its zip and the bytes of its files.
func corpusBench(b *testing.B) (*solutionzip.Solution, []byte, int64) {
	cs, _ := solutioncorpus.Connectors(b)
	if len(cs) < 500 {
		b.Skipf("the corpus has %d connectors, fewer than 500", len(cs))
	}
	s := solutioncorpus.Solution(cs, 500)
	z := MustWrite(b, s)
	back := MustRead(b, z)
	var n int64
	for _, c := range back.Connectors {
		n += int64(len(c.OpenAPIDefinition) + len(c.ConnectionParameters) + len(c.ConnectionParameterSets) +
			len(c.PolicyTemplateInstances) + len(c.CustomCodeBlobContent) + len(c.Icon))
	}
	return s, z, n
}

// BenchmarkWrite writes a solution of 500 corpus connectors; MB/s counts the connectors' files.
func BenchmarkWrite(b *testing.B) {
	s, z, n := corpusBench(b)
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		var out bytes.Buffer
		out.Grow(len(z))
		if err := solutionzip.Write(&out, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(z)), "zip-bytes")
}

// BenchmarkRead reads a solution of 500 corpus connectors with the default limits; MB/s counts
// the connectors' files.
func BenchmarkRead(b *testing.B) {
	_, z, n := corpusBench(b)
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := solutionzip.Read(bytes.NewReader(z), int64(len(z)), solutionzip.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(z)), "zip-bytes")
}
