// Package solutioncorpus maps the shared corpus of real connectors into solution files, as
// the CLI maps a connector folder, for the tests and benchmarks of solutions.
package solutioncorpus

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/connectordir"
	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// corpusConnector is one connector of the shared corpus, as the folder reader maps it.
// Connector is a corpus connector as a solution carries it.
type Connector struct {
	Rel  string                // its folder in the corpus
	Want solutionzip.Connector // its columns and files
}

// Connectors reads the shared corpus (../shared/corpus/connectors.tar.gz, or
// $CONNECTORHUB_CORPUS) in memory, without unpacking it to disk, and maps each connector folder
// to a solution connector the way the CLI does (connectordir: Folder.Columns, which runs
// connectorhub.Package), with its secrets scrubbed as the server stores them and a name and id
// made unique. Folders the mapping refuses (two apiProperties.json files are not JSON) are
// left out and counted. It skips when the corpus is absent and under -short.
func Connectors(tb testing.TB) (cs []Connector, refused int) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("the corpus is not read under -short")
	}
	archive, err := corpustest.Archive()
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(archive)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("corpus not available: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	folders := map[string]*connectordir.Folder{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		dir, base := path.Split(h.Name)
		dir = strings.TrimSuffix(dir, "/")
		data, err := io.ReadAll(tr)
		if err != nil {
			tb.Fatal(err)
		}
		fo := folders[dir]
		if fo == nil {
			fo = &connectordir.Folder{Dir: "/corpus/" + dir}
			folders[dir] = fo
		}
		switch base {
		case connectordir.DefinitionFile:
			fo.Definition = data
		case connectordir.PropertiesFile:
			fo.Properties = data
		case connectordir.IconFile:
			fo.Icon = data
		case connectordir.ScriptFile:
			fo.Script = data
		}
	}
	dirs := make([]string, 0, len(folders))
	for d := range folders {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	names := map[string]bool{}
	for _, d := range dirs {
		fo := folders[d]
		if fo.Definition == nil {
			continue
		}
		col, err := fo.Columns(connectordir.Options{Prefix: "new"})
		if err != nil {
			refused++
			tb.Logf("corpus %s: not packed: %v", d, err)
			continue
		}
		name := col.Name
		for i := 2; names[strings.ToLower(name)]; i++ {
			name = fmt.Sprintf("%s%d", col.Name, i)
		}
		names[strings.ToLower(name)] = true
		cp, cps := col.ConnectionParameters, col.ConnectionParameterSets
		u := connectorhub.ConnectorUpdate{ConnectionParameters: &cp, ConnectionParameterSets: &cps}
		u.ScrubSecrets() // points u's fields at the scrubbed text
		cp, cps = *u.ConnectionParameters, *u.ConnectionParameterSets
		cs = append(cs, Connector{Rel: d, Want: solutionzip.Connector{
			ID:                      connectordir.DeriveID(name),
			Name:                    name,
			DisplayName:             col.DisplayName,
			Description:             col.Description,
			ConnectorType:           col.ConnectorType,
			IconBrandColor:          col.IconBrandColor,
			ScriptOperations:        col.ScriptOperations,
			OpenAPIDefinition:       col.OpenAPIDefinition,
			ConnectionParameters:    cp,
			ConnectionParameterSets: cps,
			PolicyTemplateInstances: col.PolicyTemplateInstances,
			CustomCodeBlobContent:   col.CustomCodeBlobContent,
			Icon:                    fo.Icon,
		}})
	}
	return cs, refused
}

// Solution builds a solution of the first n corpus connectors (all when n <= 0).
func Solution(cs []Connector, n int) *solutionzip.Solution {
	if n <= 0 || n > len(cs) {
		n = len(cs)
	}
	s := &solutionzip.Solution{
		Header:         solutionzip.DefaultHeader,
		UniqueName:     "Corpus",
		LocalizedNames: []solutionzip.LocalizedText{{Text: "Corpus", LanguageCode: 1033}},
		Version:        "1.0.0.0",
		Publisher: solutionzip.Publisher{UniqueName: "corpus", CustomizationPrefix: "new", CustomizationOptionValuePrefix: 10000,
			LocalizedNames: []solutionzip.LocalizedText{{Text: "Corpus", LanguageCode: 1033}}},
		Customizations: solutionzip.Customizations{Sections: solutionzip.DefaultSections()},
	}
	for _, c := range cs[:n] {
		s.Connectors = append(s.Connectors, c.Want)
		s.RootComponents = append(s.RootComponents, solutionzip.RootComponent{Type: solutionzip.ComponentConnector, ID: c.Want.ID, SchemaName: c.Want.Name})
	}
	return s
}
