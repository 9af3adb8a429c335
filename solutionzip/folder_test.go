package solutionzip_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/internal/solutioncorpus"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// MustUnpack writes the fixture's Solution into a new folder and returns both.
func MustUnpack(tb testing.TB) (*solutionzip.Solution, string) {
	tb.Helper()
	s := MustRead(tb, MustZip(tb, MustFixture(tb)))
	dir := tb.TempDir()
	if err := solutionzip.WriteFolder(dir, s); err != nil {
		tb.Fatalf("WriteFolder: %v", err)
	}
	return s, dir
}

// MustReadFolder reads a folder with the default limits.
func MustReadFolder(tb testing.TB, dir string, opt solutionzip.FolderOptions) *solutionzip.Solution {
	tb.Helper()
	s, err := solutionzip.ReadFolder(dir, solutionzip.Limits{}, opt)
	if err != nil {
		tb.Fatalf("ReadFolder: %v", err)
	}
	return s
}

// treeOf returns the files under dir by slash path, with their data.
func treeOf(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustWriteFile(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func mustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestFolderRoundTrip unpacks the fixture (spec §5.2's layout), checks the files, reads the
// folder back as the same Solution, and packs it into the same zip.
func TestFolderRoundTrip(t *testing.T) {
	files := MustFixture(t)
	s, dir := MustUnpack(t)
	tree := treeOf(t, dir)
	var names []string
	for n := range tree {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{
		"CanvasApps/cr736_ordersapp_5a1b2_BackgroundImageUri",
		"CanvasApps/cr736_ordersapp_5a1b2_DocumentUri.msapp",
		"Connectors/cr736_5Fcontosoorders.xml",
		"Connectors/cr736_5Fcontosoorders_connectionparameters.json",
		"Connectors/cr736_5Fcontosoorders_connectionparametersets.json",
		"Connectors/cr736_5Fcontosoorders_customcodeblobcontent.csx",
		"Connectors/cr736_5Fcontosoorders_iconblob.Png",
		"Connectors/cr736_5Fcontosoorders_openapidefinition.json",
		"Connectors/cr736_5Fcontosoorders_policytemplateinstances.json",
		"Connectors/cr736_5Fpingservice.xml",
		"Connectors/cr736_5Fpingservice_connectionparameters.json",
		"Connectors/cr736_5Fpingservice_openapidefinition.json",
		"Connectors/cr736_5Fpingservice_policytemplateinstances.json",
		"Connectors/cr736_weather-20lookup.xml",
		"Connectors/cr736_weather-20lookup_connectionparameters.json",
		"Connectors/cr736_weather-20lookup_openapidefinition.json",
		"Connectors/cr736_weather-20lookup_policytemplateinstances.json",
		"Other/Customizations.xml",
		"Other/Solution.xml",
		"environmentvariabledefinitions/cr736_ContosoClientSecret/environmentvariabledefinition.xml",
		"environmentvariabledefinitions/cr736_ContosoHost/environmentvariabledefinition.xml",
		"environmentvariabledefinitions/cr736_ContosoHost/environmentvariablevalues.json",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	listed, err := solutionzip.FolderFiles(s)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(listed)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("FolderFiles (-want +got):\n%s", diff)
	}

	// Solution.xml is Write's solution.xml; the connectors' files are the fixture's, byte for byte.
	if golden := mustReadFile(t, filepath.Join("testdata", "golden", "solution.xml")); !bytes.Equal(tree["Other/Solution.xml"], golden) {
		t.Errorf("Other/Solution.xml is not Write's solution.xml:\n%s", cmp.Diff(string(golden), string(tree["Other/Solution.xml"])))
	}
	for name, data := range tree {
		if rest, ok := strings.CutPrefix(name, "Connectors/"); ok && !strings.HasSuffix(rest, ".xml") {
			if want := fileOf(t, files, "Connector/"+rest); !bytes.Equal(data, want) {
				t.Errorf("%s is not the fixture's Connector/%s byte for byte", name, rest)
			}
		}
	}
	cust := string(tree["Other/Customizations.xml"])
	for _, want := range []string{"  <Connectors />\n", "<connectionreferences>", "<CanvasApps>", "<Languages>"} {
		if !strings.Contains(cust, want) {
			t.Errorf("Other/Customizations.xml holds no %q:\n%s", want, cust)
		}
	}
	conn := string(tree["Connectors/cr736_5Fcontosoorders.xml"])
	wantConn := `<Connector xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <connectorid>3f1c2a9e-7b4d-4e21-9a6f-0c8d2b5e7a14</connectorid>
  <description>Orders of the Contoso shop, for the solution fixture.</description>
  <displayname>Contoso Orders</displayname>
  <iconbrandcolor>#007EE6</iconbrandcolor>
  <name>cr736_5Fcontosoorders</name>
  <connectortype>1</connectortype>
  <scriptoperations>["ListOrders","GetOrder"]</scriptoperations>
  <openapidefinition>/Connector/cr736_5Fcontosoorders_openapidefinition.json</openapidefinition>
  <connectionparameters>/Connector/cr736_5Fcontosoorders_connectionparameters.json</connectionparameters>
  <connectionparametersets>/Connector/cr736_5Fcontosoorders_connectionparametersets.json</connectionparametersets>
  <policytemplateinstances>/Connector/cr736_5Fcontosoorders_policytemplateinstances.json</policytemplateinstances>
  <customcodeblobcontent>/Connector/cr736_5Fcontosoorders_customcodeblobcontent.csx</customcodeblobcontent>
  <iconblob>/Connector/cr736_5Fcontosoorders_iconblob.Png</iconblob>
</Connector>
`
	if conn != wantConn {
		t.Errorf("Connectors/cr736_5Fcontosoorders.xml:\n%s", cmp.Diff(wantConn, conn))
	}
	if runtime.GOOS != "windows" {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			info, _ := d.Info()
			if max := fs.FileMode(0o644); d.IsDir() && p != dir {
				max = 0o755
				if info.Mode().Perm()&^max != 0 {
					t.Errorf("%s: mode %v, want at most %v", p, info.Mode().Perm(), max)
				}
			} else if !d.IsDir() && info.Mode().Perm()&^max != 0 {
				t.Errorf("%s: mode %v, want at most %v", p, info.Mode().Perm(), max)
			}
			return nil
		})
	}

	got := MustReadFolder(t, dir, solutionzip.FolderOptions{})
	if diff := cmp.Diff(s, got); diff != "" {
		t.Fatalf("ReadFolder(WriteFolder(s)) differs from s (-s +read):\n%s", diff)
	}
	if !bytes.Equal(MustWrite(t, got), MustWrite(t, s)) {
		t.Error("Write(ReadFolder(WriteFolder(s))) is not Write(s)")
	}

	// Deterministic: a second folder holds the same bytes; writing over the first changes nothing.
	dir2 := t.TempDir()
	if err := solutionzip.WriteFolder(dir2, got); err != nil {
		t.Fatal(err)
	}
	if err := solutionzip.WriteFolder(dir, got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(treeOf(t, dir2), tree) || !reflect.DeepEqual(treeOf(t, dir), tree) {
		t.Error("two WriteFolders of one Solution differ")
	}
}

// TestFolderCorpus: the corpus solution of TestCorpus goes through a folder unchanged.
func TestFolderCorpus(t *testing.T) {
	cs, _ := solutioncorpus.Connectors(t)
	s := MustRead(t, MustWrite(t, solutioncorpus.Solution(cs, 0)))
	dir := t.TempDir()
	if err := solutionzip.WriteFolder(dir, s); err != nil {
		t.Fatal(err)
	}
	got := MustReadFolder(t, dir, solutionzip.FolderOptions{})
	if !reflect.DeepEqual(s, got) { // cmp.Diff only to explain: it costs more than the rest
		t.Fatalf("ReadFolder(WriteFolder(s)) differs from s (-s +read):\n%.5000s", cmp.Diff(s, got))
	}
	t.Logf("%d connectors through %d files", len(got.Connectors), len(treeOf(t, dir)))
}

// TestReadFolderTolerates reads what pac writes and what git leaves: each case edits the
// unpacked fixture and says how the Solution differs from the fixture's (nil: it does not).
func TestReadFolderTolerates(t *testing.T) {
	bomDecl := "\xef\xbb\xbf" + `<?xml version="1.0" encoding="utf-8"?>` + "\r\n"
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		opt  solutionzip.FolderOptions
		want func(s *solutionzip.Solution)
	}{
		{"BOMAndDeclaration", func(t *testing.T, dir string) {
			for _, f := range []string{"Other/Solution.xml", "Other/Customizations.xml", "Connectors/cr736_5Fpingservice.xml"} {
				p := filepath.Join(dir, f)
				mustWriteFile(t, p, append([]byte(bomDecl), mustReadFile(t, p)...))
			}
		}, solutionzip.FolderOptions{}, nil},
		{"ManagedBothAsUnmanaged", func(t *testing.T, dir string) { setManaged(t, dir, "2") }, solutionzip.FolderOptions{}, nil},
		{"ManagedBothAsManaged", func(t *testing.T, dir string) { setManaged(t, dir, "2") }, solutionzip.FolderOptions{Managed: true},
			func(s *solutionzip.Solution) { s.Managed = true }},
		{"ManagedOneStaysManaged", func(t *testing.T, dir string) { setManaged(t, dir, "1") }, solutionzip.FolderOptions{},
			func(s *solutionzip.Solution) { s.Managed = true }},
		{"GitFilesSkipped", func(t *testing.T, dir string) {
			mustWriteFile(t, filepath.Join(dir, ".git", "HEAD"), []byte("ref: refs/heads/main\n"))
			mustWriteFile(t, filepath.Join(dir, ".gitignore"), []byte("*.zip\n"))
			mustWriteFile(t, filepath.Join(dir, "Connectors", ".DS_Store"), []byte{0})
		}, solutionzip.FolderOptions{}, nil},
		{"LowerCaseFolders", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "Connectors"), filepath.Join(dir, "connectors")); err != nil {
				t.Fatal(err)
			}
		}, solutionzip.FolderOptions{}, nil},
		{"SymlinkInside", func(t *testing.T, dir string) {
			if err := os.Symlink("cr736_ordersapp_5a1b2_DocumentUri.msapp", filepath.Join(dir, "CanvasApps", "link.msapp")); err != nil {
				t.Skip(err)
			}
		}, solutionzip.FolderOptions{}, func(s *solutionzip.Solution) {
			s.Files = append(s.Files, solutionzip.File{Name: "CanvasApps/link.msapp", Data: s.Files[1].Data})
		}},
		{"ConnectorOutsideTheManifest", func(t *testing.T, dir string) {
			// The last root component's connector goes last; one the manifest lacks, after it.
			p := filepath.Join(dir, "Other", "Solution.xml")
			x := string(mustReadFile(t, p))
			i := strings.Index(x, `<RootComponent type="372" id="{5b7d9f1a`)
			j := strings.Index(x[i:], "\n") + i + 1
			mustWriteFile(t, p, []byte(x[:i]+strings.TrimLeft(x[j:], " ")))
		}, solutionzip.FolderOptions{}, func(s *solutionzip.Solution) {
			s.RootComponents = s.RootComponents[:3]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := MustUnpack(t)
			tc.edit(t, dir)
			if tc.want != nil {
				tc.want(s)
			}
			got := MustReadFolder(t, dir, tc.opt)
			if diff := cmp.Diff(s, got); diff != "" {
				t.Fatalf("ReadFolder (-want +got):\n%s", diff)
			}
		})
	}
}

// setManaged sets <Managed> in the folder's Other/Solution.xml.
func setManaged(t *testing.T, dir, v string) {
	t.Helper()
	p := filepath.Join(dir, "Other", "Solution.xml")
	x := string(mustReadFile(t, p))
	if !strings.Contains(x, "<Managed>0</Managed>") {
		t.Fatalf("%s holds no <Managed>0</Managed>", p)
	}
	mustWriteFile(t, p, []byte(strings.Replace(x, "<Managed>0</Managed>", "<Managed>"+v+"</Managed>", 1)))
}

// TestReadFolderRefuses: folders that are not unpacked solutions, or are hostile, are refused
// with an *Error of their Kind naming the folder's file.
func TestReadFolderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		lim  solutionzip.Limits
		kind solutionzip.Kind
		file string
		msg  []string
	}{
		{"NoSolutionXML", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "Other", "Solution.xml")) },
			solutionzip.Limits{}, solutionzip.ErrNotSolution, "Other/Solution.xml", []string{"Other/Solution.xml: missing"}},
		{"EmptyFolder", func(t *testing.T, dir string) { os.RemoveAll(dir); os.Mkdir(dir, 0o755) },
			solutionzip.Limits{}, solutionzip.ErrNotSolution, "Other/Solution.xml", []string{"missing"}},
		{"NoCustomizationsXML", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "Other", "Customizations.xml")) },
			solutionzip.Limits{}, solutionzip.ErrNotSolution, "Other/Customizations.xml", []string{"missing"}},
		{"ExtractedZip", func(t *testing.T, dir string) {
			os.RemoveAll(dir)
			for _, f := range MustFixture(t) {
				mustWriteFile(t, filepath.Join(dir, filepath.FromSlash(f.name)), f.data)
			}
		}, solutionzip.Limits{}, solutionzip.ErrNotSolution, "Other/Solution.xml", []string{"extracted zip"}},
		{"SolutionXMLTwice", func(t *testing.T, dir string) {
			mustWriteFile(t, filepath.Join(dir, "solution.xml"), mustReadFile(t, filepath.Join(dir, "Other", "Solution.xml")))
		}, solutionzip.Limits{}, solutionzip.ErrDuplicate, "solution.xml", []string{"also holds Other/Solution.xml"}},
		{"MalformedCustomizations", func(t *testing.T, dir string) {
			mustWriteFile(t, filepath.Join(dir, "Other", "Customizations.xml"), []byte("<ImportExportXml><Entities></ImportExportXml>"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, "Other/Customizations.xml", []string{"does not match"}},
		{"ManagedThree", func(t *testing.T, dir string) { setManaged(t, dir, "3") },
			solutionzip.Limits{}, solutionzip.ErrMalformed, "Other/Solution.xml", []string{"<Managed>"}},
		{"MissingReferencedFile", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "Connectors", "cr736_5Fpingservice_openapidefinition.json"))
		}, solutionzip.Limits{}, solutionzip.ErrMissingFile, "Connectors/cr736_5Fpingservice.xml",
			[]string{"<openapidefinition>", "not in the folder (as Connectors/cr736_5Fpingservice_openapidefinition.json)"}},
		{"ReferenceClimbsOut", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "Connectors", "cr736_5Fpingservice.xml")
			mustWriteFile(t, p, bytes.Replace(mustReadFile(t, p), []byte("/Connector/cr736_5Fpingservice_openapidefinition.json"), []byte("/Connector/../../../etc/passwd"), 1))
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, "Connectors/cr736_5Fpingservice.xml", []string{"climbs out"}},
		{"ConnectorNotAConnector", func(t *testing.T, dir string) {
			mustWriteFile(t, filepath.Join(dir, "Connectors", "notes.xml"), []byte("<Notes />"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, "Connectors/notes.xml", []string{"not <Connector>"}},
		{"SymlinkLeaves", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "secret.txt")
			mustWriteFile(t, outside, []byte("secret"))
			rel, _ := filepath.Rel(filepath.Join(dir, "CanvasApps"), outside)
			if err := os.Symlink(rel, filepath.Join(dir, "CanvasApps", "evil")); err != nil {
				t.Skip(err)
			}
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, "CanvasApps/evil", []string{"leaves the folder"}},
		{"SymlinkAbsolute", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(dir, "Other", "Solution.xml"), filepath.Join(dir, "CanvasApps", "abs")); err != nil {
				t.Skip(err)
			}
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, "CanvasApps/abs", []string{"absolute"}},
		{"SymlinkToFolder", func(t *testing.T, dir string) {
			if err := os.Symlink("../Connectors", filepath.Join(dir, "CanvasApps", "more")); err != nil {
				t.Skip(err)
			}
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, "CanvasApps/more", []string{"not followed"}},
		{"FileTooLarge", func(t *testing.T, dir string) {
			mustWriteFile(t, filepath.Join(dir, "CanvasApps", "big.bin"), make([]byte, 5000))
		}, solutionzip.Limits{MaxEntryBytes: 4096}, solutionzip.ErrTooLarge, "CanvasApps/big.bin", []string{"more than 4096 bytes"}},
		{"FilesTooLarge", func(t *testing.T, dir string) {}, solutionzip.Limits{MaxTotalBytes: 8192}, solutionzip.ErrTooLarge, "",
			[]string{"more than 8192 bytes together"}},
		{"TooManyFiles", func(t *testing.T, dir string) {}, solutionzip.Limits{MaxEntries: 10}, solutionzip.ErrTooLarge, "",
			[]string{"more than 10 files and folders"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := MustUnpack(t)
			tc.edit(t, dir)
			s, err := solutionzip.ReadFolder(dir, tc.lim, solutionzip.FolderOptions{})
			var e *solutionzip.Error
			if !errors.As(err, &e) {
				t.Fatalf("ReadFolder = %v, %v; want an *Error", s != nil, err)
			}
			if e.Kind != tc.kind || (tc.file != "" && e.File != tc.file) {
				t.Errorf("got kind %v file %q, want %v %q: %v", e.Kind, e.File, tc.kind, tc.file, err)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("the error %q does not say %q", err, m)
				}
			}
		})
	}
	t.Run("NoFolder", func(t *testing.T) {
		_, err := solutionzip.ReadFolder(filepath.Join(t.TempDir(), "absent"), solutionzip.Limits{}, solutionzip.FolderOptions{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want fs.ErrNotExist", err)
		}
	})
}

// TestWriteFolderRefuses: WriteFolder refuses what Write refuses, and what a folder cannot
// hold, before writing a byte.
func TestWriteFolderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(s *solutionzip.Solution)
		kind solutionzip.Kind
	}{
		{"Secret", func(s *solutionzip.Solution) {
			s.Connectors[1].ConnectionParameters = `{"api_key":{"type":"securestring","defaultValue":"hunter2"}}`
		}, solutionzip.ErrSecret},
		{"KeptConnectorXML", func(s *solutionzip.Solution) {
			s.Files = append(s.Files, solutionzip.File{Name: "Connector/extra.xml", Data: []byte("<x/>")})
		}, solutionzip.ErrInvalid},
		{"KeptManifest", func(s *solutionzip.Solution) {
			s.Files = append(s.Files, solutionzip.File{Name: "Other/Solution.xml", Data: []byte("<x/>")})
		}, solutionzip.ErrDuplicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustRead(t, MustZip(t, MustFixture(t)))
			tc.edit(s)
			dir := filepath.Join(t.TempDir(), "out")
			err := solutionzip.WriteFolder(dir, s)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("WriteFolder: %v, want %v", err, tc.kind)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("WriteFolder created %s before refusing", dir)
			}
		})
	}
}
