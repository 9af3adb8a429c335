package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/solutionzip"
)

// solutionFixture is solutionzip's real-shaped solution: three connectors, a connection
// reference, two environment variables and a canvas app.
const solutionFixture = "../../solutionzip/testdata/solution"

// MustSolutionZip zips the solution fixture into a file and returns its path.
func MustSolutionZip(tb testing.TB) string {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(solutionFixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(solutionFixture, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "ContosoConnectors_1_0_0_3.zip")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustReadSolution reads a solution zip file.
func MustReadSolution(tb testing.TB, p string) *solutionzip.Solution {
	tb.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := solutionzip.Read(bytes.NewReader(data), int64(len(data)), solutionzip.Limits{})
	if err != nil {
		tb.Fatalf("Read %s: %v", p, err)
	}
	return s
}

// TestSolutionPackUnpack unpacks the fixture, checks the folder, packs it back (unmanaged and
// managed) and reads the zips as the fixture's Solution.
func TestSolutionPackUnpack(t *testing.T) {
	z := MustSolutionZip(t)
	want := MustReadSolution(t, z)
	src := filepath.Join(t.TempDir(), "src")

	out := mustRun(t, "solution", "unpack", "--zipfile", z, "--folder", src)
	if wantOut := "Unpacked ContosoConnectors 1.0.0.3 (unmanaged): 3 connectors, 22 files into " + src + "\n"; out != wantOut {
		t.Errorf("unpack printed %q, want %q", out, wantOut)
	}
	for _, f := range []string{
		"Other/Solution.xml", "Other/Customizations.xml",
		"Connectors/cr736_5Fcontosoorders.xml", "Connectors/cr736_5Fcontosoorders_openapidefinition.json",
		"Connectors/cr736_5Fcontosoorders_iconblob.Png", "Connectors/cr736_weather-20lookup.xml",
		"environmentvariabledefinitions/cr736_ContosoHost/environmentvariablevalues.json",
		"CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp",
	} {
		if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(f))); err != nil {
			t.Errorf("unpack wrote no %s: %v", f, err)
		}
	}
	for _, f := range []string{"[Content_Types].xml", "solution.xml", "customizations.xml", "Connector"} {
		if _, err := os.Stat(filepath.Join(src, f)); err == nil {
			t.Errorf("unpack wrote %s", f)
		}
	}
	if cust, _ := os.ReadFile(filepath.Join(src, "Other", "Customizations.xml")); !bytes.Contains(cust, []byte("<Connectors />")) {
		t.Errorf("Other/Customizations.xml holds connectors:\n%s", cust)
	}

	packed := filepath.Join(t.TempDir(), "out", "ContosoConnectors.zip")
	out = mustRun(t, "solution", "pack", "-z", packed, "-f", src)
	if wantOut := "Packed ContosoConnectors 1.0.0.3 (unmanaged): 3 connectors, 20 files into " + packed + "\n"; out != wantOut {
		t.Errorf("pack printed %q, want %q", out, wantOut)
	}
	if diff := cmp.Diff(want, MustReadSolution(t, packed)); diff != "" {
		t.Errorf("the packed zip differs from the fixture's (-fixture +packed):\n%s", diff)
	}

	out = mustRun(t, "solution", "pack", "--zipFile", packed, "--folder", src, "--packageType", "Managed", "-o", "json")
	var res packResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("pack -o json: %v\n%s", err, out)
	}
	wantRes := packResult{ZipFile: packed, Folder: src, UniqueName: "ContosoConnectors", Version: "1.0.0.3", IsManaged: true, Connectors: 3, Files: 20}
	if diff := cmp.Diff(wantRes, res); diff != "" {
		t.Errorf("pack -o json (-want +got):\n%s", diff)
	}
	managed := MustReadSolution(t, packed)
	if !managed.Managed {
		t.Error("pack --packagetype Managed wrote an unmanaged zip")
	}
	managed.Managed = false
	if diff := cmp.Diff(want, managed); diff != "" {
		t.Errorf("the managed zip differs from the fixture's beyond <Managed>:\n%s", diff)
	}

	// The managed zip unpacks with its type, and refuses another.
	if _, err := run(t, "solution", "unpack", "-z", packed, "-f", t.TempDir(), "-p", "Unmanaged"); err == nil || !strings.Contains(err.Error(), "not unmanaged") {
		t.Errorf("unpack -p Unmanaged of a managed zip: %v", err)
	}
	m := filepath.Join(t.TempDir(), "m")
	mustRun(t, "solution", "unpack", "-z", packed, "-f", m, "-p", "Managed")

	// Packing it with the default type makes it unmanaged, and says so.
	down := filepath.Join(t.TempDir(), "down.zip")
	if out := mustRun(t, "solution", "pack", "-z", down, "-f", m); !strings.Contains(out, "warning: Other/Solution.xml says <Managed>1</Managed>; the zip is unmanaged") {
		t.Errorf("pack of a managed folder without --packagetype does not warn:\n%s", out)
	}
	if MustReadSolution(t, down).Managed {
		t.Error("pack without --packagetype wrote a managed zip")
	}
}

// TestSolutionUnpackClobber: unpack refuses a folder that is not empty without --clobber,
// writes over it with it, and deletes what the zip lacks only with --allowDelete.
func TestSolutionUnpackClobber(t *testing.T) {
	z := MustSolutionZip(t)
	src := t.TempDir()
	stale := filepath.Join(src, "Connectors", "cr736_gone.xml")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("<Connector />"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitFile := filepath.Join(src, ".git", "HEAD")
	os.MkdirAll(filepath.Dir(gitFile), 0o755)
	os.WriteFile(gitFile, []byte("ref: refs/heads/main\n"), 0o644)

	// A folder of only dot names (a new git repository) counts as empty.
	onlyGit := t.TempDir()
	os.MkdirAll(filepath.Join(onlyGit, ".git"), 0o755)
	mustRun(t, "solution", "unpack", "-z", z, "-f", onlyGit)

	_, err := run(t, "solution", "unpack", "-z", z, "-f", src)
	if err == nil || !strings.Contains(err.Error(), "is not empty: give --clobber") || exitCode(err) != 2 {
		t.Fatalf("unpack into a folder that is not empty: %v (exit %d)", err, exitCode(err))
	}
	if _, err := os.Stat(filepath.Join(src, "Other")); err == nil {
		t.Fatal("the refused unpack wrote files")
	}

	out := mustRun(t, "solution", "unpack", "-z", z, "-f", src, "--clobber")
	if !strings.Contains(out, "warning: 1 files in "+src+" are not in the zip") {
		t.Errorf("unpack --clobber does not warn of the stale file:\n%s", out)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("unpack --clobber deleted a file: %v", err)
	}

	out = mustRun(t, "solution", "unpack", "-z", z, "-f", src, "-c", "--allowDelete", "-o", "json")
	var res packResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("unpack -o json: %v\n%s", err, out)
	}
	if diff := cmp.Diff([]string{"Connectors/cr736_gone.xml"}, res.Deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("unpack --allowDelete left the stale file")
	}
	if _, err := os.Stat(gitFile); err != nil {
		t.Errorf("unpack --allowDelete touched .git: %v", err)
	}
	packed := filepath.Join(t.TempDir(), "x.zip")
	mustRun(t, "solution", "pack", "-z", packed, "-f", src)
	if diff := cmp.Diff(MustReadSolution(t, z), MustReadSolution(t, packed)); diff != "" {
		t.Errorf("the packed zip differs from the fixture's:\n%s", diff)
	}
}

// TestSolutionPackRefuses: Both, an unknown package type, a zip inside the folder, a folder
// that is not unpacked, and missing flags are refused.
func TestSolutionPackRefuses(t *testing.T) {
	z := MustSolutionZip(t)
	src := filepath.Join(t.TempDir(), "src")
	mustRun(t, "solution", "unpack", "-z", z, "-f", src)
	for _, tc := range []struct {
		name string
		args []string
		msg  string
		exit int
	}{
		{"PackBoth", []string{"pack", "-z", filepath.Join(t.TempDir(), "x.zip"), "-f", src, "--packagetype", "Both"}, "--packagetype Both is not supported yet", 2},
		{"UnpackBoth", []string{"unpack", "-z", z, "-f", filepath.Join(t.TempDir(), "y"), "-p", "both"}, "--packagetype Both is not supported yet", 2},
		{"UnknownType", []string{"pack", "-z", filepath.Join(t.TempDir(), "x.zip"), "-f", src, "-p", "Sealed"}, `"Sealed": give Unmanaged or Managed`, 2},
		{"ZipInsideFolder", []string{"pack", "-z", filepath.Join(src, "x.zip"), "-f", src}, "is inside --folder", 2},
		{"NotUnpacked", []string{"pack", "-z", filepath.Join(t.TempDir(), "x.zip"), "-f", t.TempDir()}, "Other/Solution.xml: missing", 1},
		{"ZipIsNotASolution", []string{"unpack", "-z", filepath.Join(src, "Other", "Solution.xml"), "-f", t.TempDir()}, "not a zip file", 1},
		{"NoFolder", []string{"pack", "-z", filepath.Join(t.TempDir(), "x.zip")}, `"folder" not set`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, append([]string{"solution"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want an error saying %q", err, tc.msg)
			}
			if got := exitCode(err); got != tc.exit {
				t.Errorf("exit status %d, want %d (%v)", got, tc.exit, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(src, "x.zip")); err == nil {
		t.Error("a refused pack wrote its zip")
	}
}
