package validate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/internal/corpustest"
)

// corpusFile is one definition of the corpus, read into memory.
type corpusFile struct {
	rel, path string
	text      []byte
}

func corpusDefinitions(b *testing.B) []corpusFile {
	b.Helper()
	var out []corpusFile
	for _, c := range corpustest.Must(b) {
		text, err := os.ReadFile(c.Definition)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, corpusFile{c.Rel, c.Definition, text})
	}
	return out
}

// BenchmarkDefinition validates single definitions of the corpus: the median size (about
// 32 KB), the 90th percentile (about 190 KB) and the largest (about 1 MB).
func BenchmarkDefinition(b *testing.B) {
	files := corpusDefinitions(b)
	sort.Slice(files, func(i, j int) bool { return len(files[i].text) < len(files[j].text) })
	if _, err := loadSchemas(); err != nil {
		b.Fatal(err)
	}
	for _, x := range []struct {
		name string
		f    corpusFile
	}{
		{"median", files[len(files)/2]},
		{"p90", files[len(files)*9/10]},
		{"largest", files[len(files)-1]},
	} {
		b.Run(fmt.Sprintf("%s-%dKB", x.name, len(x.f.text)/1024), func(b *testing.B) {
			b.SetBytes(int64(len(x.f.text)))
			for b.Loop() {
				Definition(x.f.text, Options{})
			}
		})
	}
}

// BenchmarkCorpus validates every definition of the corpus, with the certification rules.
func BenchmarkCorpus(b *testing.B) {
	files := corpusDefinitions(b)
	if _, err := loadSchemas(); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, f := range files {
		size += int64(len(f.text))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, f := range files {
			Definition(f.text, Options{Certification: true})
		}
	}
}

// BenchmarkCorpusVsSwaggerParser validates the corpus definitions with this package and, in
// the same run, with @apidevtools/swagger-parser (tools/swaggerparser-compare), and reports
// both times, their ratio and the files on which the two disagree about structural validity.
// It skips itself when node or that tool's node_modules is missing. Run it with
// -benchtime 1x: each iteration runs swagger-parser once over the whole corpus.
func BenchmarkCorpusVsSwaggerParser(b *testing.B) {
	tool := filepath.Join("..", "tools", "swaggerparser-compare")
	if _, err := os.Stat(filepath.Join(tool, "node_modules", "@apidevtools", "swagger-parser")); err != nil {
		b.Skip("swagger-parser is not installed: run npm ci in tools/swaggerparser-compare")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not installed")
	}
	files := corpusDefinitions(b)
	if _, err := loadSchemas(); err != nil {
		b.Fatal(err)
	}
	list := filepath.Join(b.TempDir(), "files.txt")
	var paths []string
	for _, f := range files {
		paths = append(paths, f.path)
	}
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}

	var ours, theirs time.Duration
	ourValid := map[string]bool{}
	ourFirst := map[string]string{}
	var theirResults map[string]spResult
	for b.Loop() {
		start := time.Now()
		for _, f := range files {
			r := Definition(f.text, Options{})
			ourValid[f.path] = !r.HasErrors()
			if errs := r.Errors(); len(errs) > 0 {
				ourFirst[f.path] = fmt.Sprintf("%d:%d %s %s", errs[0].Line, errs[0].Column, errs[0].Rule, errs[0].Message)
			}
		}
		ours += time.Since(start)

		b.StopTimer()
		var ms float64
		theirResults, ms, err = runSwaggerParser(node, tool, list)
		if err != nil {
			b.Fatal(err)
		}
		theirs += time.Duration(ms * float64(time.Millisecond))
		b.StartTimer()
	}
	n := float64(b.N)
	oursMS := float64(ours.Milliseconds()) / n
	theirsMS := float64(theirs.Milliseconds()) / n
	b.ReportMetric(oursMS, "ours-ms/corpus")
	b.ReportMetric(theirsMS, "swaggerparser-ms/corpus")
	b.ReportMetric(theirsMS/oursMS, "ratio")

	var disagree []string
	for _, f := range files {
		sp := theirResults[f.path]
		if sp.Valid == ourValid[f.path] {
			continue
		}
		if ourValid[f.path] {
			disagree = append(disagree, fmt.Sprintf("%s: ours valid, swagger-parser invalid: %s", f.rel, sp.Error))
		} else {
			disagree = append(disagree, fmt.Sprintf("%s: ours invalid (%s), swagger-parser valid", f.rel, ourFirst[f.path]))
		}
	}
	// Printed rather than logged: the benchmark log keeps only its first lines.
	fmt.Printf("%d files; ours %.0f ms, swagger-parser %.0f ms, ratio %.1f; %d disagreements:\n%s\n",
		len(files), oursMS, theirsMS, theirsMS/oursMS, len(disagree), strings.Join(disagree, "\n"))
}

// spResult is one line of validate.js's output.
type spResult struct {
	File    string  `json:"file"`
	Valid   bool    `json:"valid"`
	Error   string  `json:"error"`
	TotalMS float64 `json:"totalMs"`
}

func runSwaggerParser(node, dir, list string) (map[string]spResult, float64, error) {
	cmd := exec.Command(node, "validate.js", list)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("swagger-parser: %v: %s", err, stderr.String())
	}
	results := map[string]spResult{}
	var total float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r spResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, 0, err
		}
		if r.File == "" {
			total = r.TotalMS
			continue
		}
		results[r.File] = r
	}
	return results, total, sc.Err()
}
