package solutionzip_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/solutionzip"
)

// zfile is an entry of a zip a test builds.
type zfile struct {
	name  string
	data  []byte
	store bool // stored, not deflated
	dir   bool // a directory entry
}

// fixtureDir holds the real-shaped solution of the tests: three connectors (one with an
// icon, a script, parameter sets, an aad connection parameter without clientSecret and an
// @environmentVariables host), a connection reference, two environment variables (one with
// a value), and a canvas app this package does not model.
const fixtureDir = "testdata/solution"

// MustFixture returns the fixture's files in the order of a Dataverse export:
// customizations.xml, solution.xml, the components' files sorted, [Content_Types].xml.
func MustFixture(tb testing.TB) []zfile {
	tb.Helper()
	var files []zfile
	err := filepath.WalkDir(fixtureDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, p)
		files = append(files, zfile{name: filepath.ToSlash(rel), data: data})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	rank := func(name string) int {
		switch name {
		case "customizations.xml":
			return 0
		case "solution.xml":
			return 1
		case "[Content_Types].xml":
			return 3
		}
		return 2
	}
	sort.SliceStable(files, func(i, j int) bool {
		ri, rj := rank(files[i].name), rank(files[j].name)
		if ri != rj {
			return ri < rj
		}
		return files[i].name < files[j].name
	})
	return files
}

// MustZip builds a zip of files, in order.
func MustZip(tb testing.TB, files []zfile) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		if f.dir {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store}); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		m := uint16(zip.Deflate)
		if f.store {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: m})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// MustRead reads a zip with the default limits.
func MustRead(tb testing.TB, z []byte) *solutionzip.Solution {
	tb.Helper()
	s, err := read(z, solutionzip.Limits{})
	if err != nil {
		tb.Fatalf("Read: %v", err)
	}
	return s
}

func read(z []byte, lim solutionzip.Limits) (*solutionzip.Solution, error) {
	return solutionzip.Read(bytes.NewReader(z), int64(len(z)), lim)
}

// MustWrite writes a solution.
func MustWrite(tb testing.TB, s *solutionzip.Solution) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := solutionzip.Write(&b, s); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

// fileOf returns the data of the named file of files.
func fileOf(tb testing.TB, files []zfile, name string) []byte {
	tb.Helper()
	for _, f := range files {
		if f.name == name {
			return f.data
		}
	}
	tb.Fatalf("no file %s in the fixture", name)
	return nil
}

// replace returns files with the named file's data changed.
func replace(files []zfile, name string, data []byte) []zfile {
	out := append([]zfile(nil), files...)
	for i := range out {
		if out[i].name == name {
			out[i].data = data
		}
	}
	return out
}

// without returns files without the named ones.
func without(files []zfile, names ...string) []zfile {
	var out []zfile
	for _, f := range files {
		drop := false
		for _, n := range names {
			drop = drop || f.name == n
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

// edit returns files with the named file's text changed by strings.Replace (which must match).
func edit(tb testing.TB, files []zfile, name, old, new string) []zfile {
	tb.Helper()
	text := string(fileOf(tb, files, name))
	if !strings.Contains(text, old) {
		tb.Fatalf("%s does not contain %q", name, old)
	}
	return replace(files, name, []byte(strings.Replace(text, old, new, 1)))
}

// rename returns files with every name passed through fn.
func rename(files []zfile, fn func(string) string) []zfile {
	out := append([]zfile(nil), files...)
	for i := range out {
		out[i].name = fn(out[i].name)
	}
	return out
}
