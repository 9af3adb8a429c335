// Package corpustest unpacks the shared corpus of real connectors for tests and benchmarks.
package corpustest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Connector is one connector folder of the corpus.
type Connector struct {
	Dir        string // absolute path of the folder
	Rel        string // path relative to the corpus root, e.g. "certified-connectors/Foo"
	Definition string // path of apiDefinition.swagger.json
	Properties string // path of apiProperties.json, "" when absent
	Script     string // path of script.csx, "" when absent
}

// Archive returns the path of connectors.tar.gz: $CONNECTORHUB_CORPUS when set, otherwise
// ../shared/corpus/connectors.tar.gz beside the module root.
func Archive() (string, error) {
	if p := os.Getenv("CONNECTORHUB_CORPUS"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus", "connectors.tar.gz"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("corpustest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

var (
	once    sync.Once
	root    string
	loadErr error
)

// Must unpacks the corpus (once per archive, into the system's temporary directory) and lists its
// connectors in a stable order. Without the archive the test is skipped, except under CI
// (CI=true), where a missing corpus fails: CI must never pass by testing nothing.
func Must(tb testing.TB) []Connector {
	tb.Helper()
	once.Do(func() { root, loadErr = unpack() })
	if loadErr != nil {
		if os.Getenv("CI") == "" && errors.Is(loadErr, os.ErrNotExist) {
			tb.Skipf("corpus not available: %v", loadErr)
		}
		tb.Fatalf("corpus: %v", loadErr)
	}
	cs, err := list(root)
	if err != nil {
		tb.Fatalf("corpus: %v", err)
	}
	return cs
}

func unpack() (string, error) {
	archive, err := Archive()
	if err != nil {
		return "", err
	}
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	// One unpacked copy per archive (its path, size and time), shared by every test binary
	// and every run: it is made in a directory of its own and renamed into place, so that
	// test binaries of several packages, running at once, never see half of it, and runs do
	// not leave a copy each behind.
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d", archive, fi.Size(), fi.ModTime().UnixNano())))
	final := filepath.Join(os.TempDir(), fmt.Sprintf("connectorhub-corpus-%x", sum[:8]))
	if _, err := os.Stat(filepath.Join(final, ".complete")); err == nil {
		return final, nil
	}
	dir, err := os.MkdirTemp("", "connectorhub-corpus-tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir) // gone after the rename; removes a copy another binary beat
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", archive, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", archive, err)
		}
		name := filepath.Clean(h.Name)
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			return "", fmt.Errorf("%s: unsafe path %q", archive, h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return "", err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return "", err
			}
			out, err := os.Create(target)
			if err != nil {
				return "", err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return "", err
			}
			if err := out.Close(); err != nil {
				return "", err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(dir, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, ".complete")); serr == nil {
			return final, nil // another test binary put its copy there first
		}
		return "", err
	}
	return final, nil
}

func list(root string) ([]Connector, error) {
	var cs []Connector
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != "apiDefinition.swagger.json" {
			return nil
		}
		dir := filepath.Dir(path)
		rel, _ := filepath.Rel(root, dir)
		c := Connector{Dir: dir, Rel: filepath.ToSlash(rel), Definition: path}
		if p := filepath.Join(dir, "apiProperties.json"); exists(p) {
			c.Properties = p
		}
		if p := filepath.Join(dir, "script.csx"); exists(p) {
			c.Script = p
		}
		cs = append(cs, c)
		return nil
	})
	sort.Slice(cs, func(i, j int) bool { return cs[i].Rel < cs[j].Rel })
	return cs, err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
