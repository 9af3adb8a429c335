package solutionzip_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/solutionzip"
)

const (
	connector1 = "Connector/cr736_5Fcontosoorders_"
	connector3 = "Connector/cr736_5Fpingservice_"
)

// TestReadTolerates reads the variations real exports contain; each case says how the
// Solution differs from the fixture's (nil: it does not).
func TestReadTolerates(t *testing.T) {
	fixture := MustFixture(t)
	bom := []byte("\xef\xbb\xbf")
	decl := []byte(`<?xml version="1.0" encoding="utf-8"?>` + "\r\n")
	for _, tc := range []struct {
		name  string
		files func() []zfile
		want  func(s *solutionzip.Solution) // changes the fixture's Solution into the expected one
	}{
		{"BOMAndDeclaration", func() []zfile {
			f := replace(fixture, "solution.xml", append(append(append([]byte{}, bom...), decl...), fileOf(t, fixture, "solution.xml")...))
			return replace(f, "customizations.xml", append(append([]byte{}, bom...), append(decl, fileOf(t, fixture, "customizations.xml")...)...))
		}, nil},
		{"DeclarationWithoutBOM", func() []zfile {
			return replace(fixture, "solution.xml", append(append([]byte{}, decl...), fileOf(t, fixture, "solution.xml")...))
		}, nil},
		{"CRLFLineEnds", func() []zfile {
			return replace(fixture, "solution.xml", bytes.ReplaceAll(fileOf(t, fixture, "solution.xml"), []byte("\n"), []byte("\r\n")))
		}, nil},
		{"DirectoryEntries", func() []zfile {
			return append([]zfile{{name: "Connector/", dir: true}, {name: "CanvasApps/", dir: true},
				{name: "environmentvariabledefinitions/", dir: true}, {name: "environmentvariabledefinitions/cr736_ContosoHost/", dir: true}}, fixture...)
		}, nil},
		{"StoredAndDeflatedMixed", func() []zfile {
			out := append([]zfile(nil), fixture...)
			for i := range out {
				out[i].store = i%2 == 0
			}
			return out
		}, nil},
		{"BackslashSeparators", func() []zfile {
			return rename(fixture, func(n string) string { return strings.ReplaceAll(n, "/", `\`) })
		}, nil},
		{"DotSlashPrefix", func() []zfile {
			return rename(fixture, func(n string) string { return "./" + n })
		}, nil},
		{"ConnectorFolderCase", func() []zfile {
			// OPC part names ignore case: connector/… is found by /Connector/… in customizations.xml.
			return rename(fixture, func(n string) string {
				if strings.HasPrefix(n, "Connector/") {
					return "connector/" + strings.ToUpper(strings.TrimPrefix(n, "Connector/"))
				}
				return n
			})
		}, nil},
		{"NullPolicyTemplateInstances", func() []zfile {
			return replace(fixture, connector1+"policytemplateinstances.json", []byte("null\r\n"))
		}, func(s *solutionzip.Solution) { s.Connectors[0].PolicyTemplateInstances = "[]" }},
		{"EmptyConnectionParameters", func() []zfile {
			return replace(fixture, connector3+"connectionparameters.json", nil)
		}, func(s *solutionzip.Solution) { s.Connectors[2].ConnectionParameters = "{}" }},
		{"ConnectionParametersWithBOM", func() []zfile {
			return replace(fixture, connector3+"connectionparameters.json", []byte("\xef\xbb\xbf{}"))
		}, nil},
		{"ScriptOperationsInAFile", func() []zfile {
			f := edit(t, fixture, "customizations.xml", `<scriptoperations>["ListOrders","GetOrder"]</scriptoperations>`,
				`<scriptoperations>/Connector/cr736_5Fcontosoorders_scriptoperations.json</scriptoperations>`)
			return append(f, zfile{name: connector1 + "scriptoperations.json", data: []byte(`["ListOrders","GetOrder"]`)})
		}, nil},
		{"InlineIconBase64", func() []zfile {
			return edit(t, without(fixture, connector1+"iconblob.Png"), "customizations.xml", "<iconblob>/Connector/cr736_5Fcontosoorders_iconblob.Png</iconblob>",
				"<iconblob>aWNvbg==</iconblob>")
		}, func(s *solutionzip.Solution) {
			s.Connectors[0].Icon = []byte("icon")
		}},
		{"ConnectorChildrenReordered", func() []zfile {
			x := string(fileOf(t, fixture, "customizations.xml"))
			start := strings.Index(x, "<Connector>") + len("<Connector>")
			end := strings.Index(x, "\n    </Connector>")
			lines := strings.Split(strings.TrimPrefix(x[start:end], "\n"), "\n")
			for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
				lines[i], lines[j] = lines[j], lines[i]
			}
			return replace(fixture, "customizations.xml", []byte(x[:start]+"\n"+strings.Join(lines, "\n")+x[end:]))
		}, nil},
		{"SectionsReordered", func() []zfile {
			x := string(fileOf(t, fixture, "customizations.xml"))
			start, end := strings.Index(x, "  <Connectors>"), strings.Index(x, "  </connectionreferences>\n")+len("  </connectionreferences>\n")
			moved := x[start:end]
			x = x[:start] + x[end:]
			at := strings.Index(x, "  <Entities>")
			return replace(fixture, "customizations.xml", []byte(x[:at]+moved+x[at:]))
		}, nil},
		{"UnknownComponentKept", func() []zfile {
			f := edit(t, fixture, "customizations.xml", "  <Languages>", "  <Workflows2><Workflow WorkflowId=\"{1}\"><JsonFileName>/Workflows/Flow-1.json</JsonFileName></Workflow></Workflows2>\n  <Languages>")
			f = edit(t, f, "solution.xml", "    </RootComponents>", `      <RootComponent type="29" id="{0b5e4c2a-9f1d-4e3b-8a7c-6d5e4f3a2b1c}" behavior="0" />`+"\n    </RootComponents>")
			return append(f, zfile{name: "Workflows/Flow-1.json", data: []byte(`{"properties":{}}`)})
		}, func(s *solutionzip.Solution) {
			n := len(s.Customizations.Sections)
			s.Customizations.Sections = append(s.Customizations.Sections[:n-1:n-1],
				solutionzip.Element{Name: "Workflows2", XML: `<Workflows2><Workflow WorkflowId="{1}"><JsonFileName>/Workflows/Flow-1.json</JsonFileName></Workflow></Workflows2>`},
				s.Customizations.Sections[n-1])
			s.RootComponents = append(s.RootComponents, solutionzip.RootComponent{Type: 29, ID: "0b5e4c2a-9f1d-4e3b-8a7c-6d5e4f3a2b1c"})
			s.Files = append(s.Files, solutionzip.File{Name: "Workflows/Flow-1.json", Data: []byte(`{"properties":{}}`)})
		}},
		{"UnknownConnectorChildKept", func() []zfile {
			return edit(t, fixture, "customizations.xml", "      <connectortype>1</connectortype>\n      <scriptoperations>",
				"      <connectortype>1</connectortype>\n      <capabilities>actions</capabilities>\n      <scriptoperations>")
		}, func(s *solutionzip.Solution) {
			s.Connectors[0].Other = []solutionzip.Element{{Name: "capabilities", XML: "<capabilities>actions</capabilities>"}}
		}},
		{"ManagedSolution", func() []zfile {
			return edit(t, fixture, "solution.xml", "<Managed>0</Managed>", "<Managed>1</Managed>")
		}, func(s *solutionzip.Solution) { s.Managed = true }},
		{"EnvironmentVariableValueArray", func() []zfile {
			return replace(fixture, "environmentvariabledefinitions/cr736_ContosoHost/environmentvariablevalues.json",
				[]byte(`{"environmentvariablevalues":{"environmentvariablevalue":[{"schemaname":"cr736_ContosoHost","value":"x"}]}}`))
		}, func(s *solutionzip.Solution) {
			s.EnvironmentVariables[1].Value = &solutionzip.EnvironmentVariableValue{SchemaName: "cr736_ContosoHost", Value: "x"}
		}},
		{"EnvironmentVariablePlainDisplayName", func() []zfile {
			return replace(fixture, "environmentvariabledefinitions/cr736_ContosoClientSecret/environmentvariabledefinition.xml",
				[]byte(`<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<environmentvariabledefinition schemaname="cr736_ContosoClientSecret"><displayname>Contoso client secret</displayname><type>100000005</type></environmentvariabledefinition>`))
		}, func(s *solutionzip.Solution) {
			s.EnvironmentVariables[0] = solutionzip.EnvironmentVariable{SchemaName: "cr736_ContosoClientSecret",
				DisplayName: solutionzip.LocalizedLabel{Default: "Contoso client secret"}, Type: solutionzip.EnvironmentVariableSecret, IsCustomizable: true}
		}},
		{"ContentTypesAbsent", func() []zfile { return without(fixture, "[Content_Types].xml") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := tc.files()
			got, err := read(MustZip(t, files), solutionzip.Limits{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := wantFixture(t, fixture)
			if tc.want != nil {
				tc.want(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("mismatch (-want +got):\n%s", diff)
			}
			// What was read writes and reads back as itself.
			if back := MustRead(t, MustWrite(t, got)); !cmp.Equal(got, back) {
				t.Fatalf("Read(Write(s)) differs:\n%s", cmp.Diff(got, back))
			}
		})
	}
}

// rawEntry is an entry written with CreateRaw: its headers say what the test wants.
type rawEntry struct {
	name             string
	method           uint16
	data             []byte // the compressed bytes
	crc              uint32
	uncompressedSize uint64
}

func deflate(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// zipWithRaw builds a zip of the fixture's files followed by raw entries.
func zipWithRaw(tb testing.TB, files []zfile, raws ...rawEntry) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(f.data)
	}
	for _, r := range raws {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: r.name, Method: r.method, CRC32: r.crc,
			CompressedSize64: uint64(len(r.data)), UncompressedSize64: r.uncompressedSize})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(r.data)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// TestReadRefuses reads files that are not solutions, are hostile or broken; each must be
// refused with its Kind and a message that names the problem (and never panic).
func TestReadRefuses(t *testing.T) {
	fixture := MustFixture(t)
	zeros := make([]byte, 4<<20)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB that compress 100:1 or so
	deep := strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)
	many := strings.Repeat("<a />", 3000)
	for _, tc := range []struct {
		name string
		zip  func() []byte
		lim  solutionzip.Limits
		kind solutionzip.Kind
		msg  []string // substrings of err.Error()
	}{
		{"NotAZip", func() []byte { return []byte("hello, this is not a zip") }, solutionzip.Limits{}, solutionzip.ErrNotSolution,
			[]string{"not a zip file"}},
		{"EmptyZip", func() []byte { return MustZip(t, nil) }, solutionzip.Limits{}, solutionzip.ErrNotSolution,
			[]string{"no solution.xml or customizations.xml at the zip's root"}},
		{"NoCustomizations", func() []byte { return MustZip(t, without(fixture, "customizations.xml")) }, solutionzip.Limits{}, solutionzip.ErrNotSolution,
			[]string{"customizations.xml: missing at the zip's root"}},
		{"NoSolutionXML", func() []byte { return MustZip(t, without(fixture, "solution.xml")) }, solutionzip.Limits{}, solutionzip.ErrNotSolution,
			[]string{"solution.xml: missing at the zip's root"}},
		{"WrappedInAFolder", func() []byte {
			return MustZip(t, rename(fixture, func(n string) string { return "ContosoConnectors_1_0_0_3/" + n }))
		}, solutionzip.Limits{}, solutionzip.ErrNotSolution,
			[]string{"inside the folder ContosoConnectors_1_0_0_3/", "zip the folder's contents, not the folder"}},
		{"UnpackedFolder", func() []byte {
			return MustZip(t, []zfile{{name: "Other/Solution.xml", data: []byte("<ImportExportXml/>")}, {name: "Other/Customizations.xml", data: []byte("<ImportExportXml/>")}})
		}, solutionzip.Limits{}, solutionzip.ErrNotSolution, []string{"unpacked solution folder", "pack it first"}},
		{"MissingReferencedFile", func() []byte { return MustZip(t, without(fixture, connector1+"openapidefinition.json")) }, solutionzip.Limits{}, solutionzip.ErrMissingFile,
			[]string{"customizations.xml", "<Connector> cr736_5Fcontosoorders <openapidefinition>", "/Connector/cr736_5Fcontosoorders_openapidefinition.json, which is not in the zip"}},
		{"MissingIcon", func() []byte { return MustZip(t, without(fixture, connector1+"iconblob.Png")) }, solutionzip.Limits{}, solutionzip.ErrMissingFile,
			[]string{"<iconblob>", "_iconblob.Png, which is not in the zip"}},
		{"EntryClimbsOut", func() []byte { return MustZip(t, append(fixture, zfile{name: "../evil.txt", data: []byte("x")})) }, solutionzip.Limits{}, solutionzip.ErrUnsafePath,
			[]string{"../evil.txt", "climbs out of the zip (..)"}},
		{"EntryClimbsOutInside", func() []byte {
			return MustZip(t, append(fixture, zfile{name: `Connector\..\..\evil.txt`, data: []byte("x")}))
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, []string{"climbs out"}},
		{"AbsoluteEntry", func() []byte { return MustZip(t, append(fixture, zfile{name: "/etc/passwd", data: []byte("x")})) }, solutionzip.Limits{}, solutionzip.ErrUnsafePath,
			[]string{"/etc/passwd", "absolute path"}},
		{"DriveLetterEntry", func() []byte {
			return MustZip(t, append(fixture, zfile{name: `C:\Windows\evil.dll`, data: []byte("x")}))
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath,
			[]string{"drive letter"}},
		{"AlternateDataStream", func() []byte {
			return MustZip(t, append(fixture, zfile{name: "Connector/x.json:evil", data: []byte("x")}))
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath,
			[]string{"colon"}},
		{"EntryNameNotUTF8", func() []byte { return MustZip(t, append(fixture, zfile{name: "bad\xff.json", data: []byte("x")})) }, solutionzip.Limits{}, solutionzip.ErrUnsafePath,
			[]string{"not valid UTF-8"}},
		{"ReferenceClimbsOut", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<openapidefinition>/Connector/cr736_5Fcontosoorders_openapidefinition.json",
				"<openapidefinition>/Connector/../../../etc/passwd"))
		}, solutionzip.Limits{}, solutionzip.ErrUnsafePath, []string{"<Connector> cr736_5Fcontosoorders <openapidefinition>", "climbs out"}},
		{"DuplicateEntry", func() []byte { return MustZip(t, append(fixture, zfile{name: "solution.xml", data: []byte("<x/>")})) }, solutionzip.Limits{}, solutionzip.ErrDuplicate,
			[]string{"two entries named solution.xml and solution.xml"}},
		{"DuplicateEntryCase", func() []byte {
			return MustZip(t, append(fixture, zfile{name: "connector/CR736_5FPINGSERVICE_OPENAPIDEFINITION.JSON", data: []byte("{}")}))
		}, solutionzip.Limits{}, solutionzip.ErrDuplicate, []string{"without regard to case"}},
		{"DuplicateEntrySeparator", func() []byte {
			return MustZip(t, append(fixture, zfile{name: `Connector\cr736_5Fpingservice_openapidefinition.json`, data: []byte("{}")}))
		}, solutionzip.Limits{}, solutionzip.ErrDuplicate, []string{"two entries"}},
		{"DuplicateConnector", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<name>cr736_weather-20lookup</name>", "<name>CR736_5FPINGSERVICE</name>"))
		}, solutionzip.Limits{}, solutionzip.ErrDuplicate, []string{"two connectors are named"}},
		{"TooManyEntries", func() []byte { return MustZip(t, fixture) }, solutionzip.Limits{MaxEntries: 5}, solutionzip.ErrTooLarge,
			[]string{"lists 20 entries; at most 5"}},
		{"EntryTooLarge", func() []byte { return MustZip(t, append(fixture, zfile{name: "big.bin", data: big})) }, solutionzip.Limits{MaxEntryBytes: 1 << 20}, solutionzip.ErrTooLarge,
			[]string{"big.bin", "decompresses to more than 1048576 bytes"}},
		{"TotalTooLarge", func() []byte {
			return MustZip(t, append(fixture, zfile{name: "a.bin", data: big[:600_000]}, zfile{name: "b.bin", data: big[:600_000]}))
		}, solutionzip.Limits{MaxTotalBytes: 1 << 20}, solutionzip.ErrTooLarge, []string{"b.bin", "more than 1048576 bytes together"}},
		{"ZipBombRatio", func() []byte { return MustZip(t, append(fixture, zfile{name: "bomb.bin", data: zeros})) }, solutionzip.Limits{}, solutionzip.ErrTooLarge,
			[]string{"bomb.bin", "more than 200 times its compressed size"}},
		{"ZipBombTotalRatio", func() []byte {
			// Entries under RatioFloor compress as they like, one by one, but not together.
			files := append([]zfile(nil), fixture...)
			for i := range 4 {
				files = append(files, zfile{name: fmt.Sprintf("bomb%d.bin", i), data: zeros[:solutionzip.RatioFloor-1]})
			}
			return MustZip(t, files)
		}, solutionzip.Limits{}, solutionzip.ErrTooLarge, []string{"bomb1.bin", "more than 200 times their compressed size together"}},
		{"HeaderUnderstatesSize", func() []byte {
			// The headers claim 100 bytes; the data inflates to 2 MiB: what is read counts.
			return zipWithRaw(t, fixture, rawEntry{name: "liar.bin", method: zip.Deflate, data: deflate(t, big), crc: crc32.ChecksumIEEE(big), uncompressedSize: 100})
		}, solutionzip.Limits{MaxEntryBytes: 1 << 20}, solutionzip.ErrTooLarge, []string{"liar.bin", "more than 1048576 bytes"}},
		{"HeaderMisstatesSize", func() []byte {
			return zipWithRaw(t, fixture, rawEntry{name: "liar.bin", method: zip.Deflate, data: deflate(t, []byte("hello")), crc: crc32.ChecksumIEEE([]byte("hello")), uncompressedSize: 100})
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"liar.bin", "the zip says 100 bytes, the data has 5"}},
		{"BadChecksum", func() []byte {
			return zipWithRaw(t, fixture, rawEntry{name: "crc.bin", method: zip.Store, data: []byte("hello"), crc: 1, uncompressedSize: 5})
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"crc.bin", "checksum"}},
		{"UnsupportedMethod", func() []byte {
			return zipWithRaw(t, fixture, rawEntry{name: "bz.bin", method: 12, data: []byte("BZh9"), uncompressedSize: 4})
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"bz.bin", "method 12"}},
		{"XMLTooDeep", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "  <Templates />", "  <Templates>"+deep+"</Templates>"))
		}, solutionzip.Limits{}, solutionzip.ErrTooLarge, []string{"customizations.xml", "nest deeper than 128 levels"}},
		{"XMLTooManyTokens", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "  <Templates />", "  <Templates>"+many+"</Templates>"))
		}, solutionzip.Limits{MaxXMLTokens: 5000}, solutionzip.ErrTooLarge, []string{"customizations.xml", "more than 5000 XML tokens"}},
		{"DTDEntityExpansion", func() []byte {
			return MustZip(t, replace(fixture, "solution.xml", append([]byte(`<?xml version="1.0"?><!DOCTYPE ImportExportXml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>`),
				fileOf(t, fixture, "solution.xml")...)))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"solution.xml", "DTD"}},
		{"UndefinedEntity", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "<UniqueName>ContosoConnectors", "<UniqueName>&xxe;"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"solution.xml", "not well-formed XML"}},
		{"XMLNotUTF8", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "Contoso Ltd", "Contoso \xff Ltd"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"solution.xml", "not valid UTF-8"}},
		{"XMLOtherEncoding", func() []byte {
			return MustZip(t, replace(fixture, "solution.xml", append([]byte(`<?xml version="1.0" encoding="utf-16"?>`), fileOf(t, fixture, "solution.xml")...)))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"solution.xml", "utf-16"}},
		{"DefinitionNotUTF8", func() []byte {
			return MustZip(t, replace(fixture, connector3+"openapidefinition.json", []byte("{\"a\":\"\xc3\x28\"}")))
		},
			solutionzip.Limits{}, solutionzip.ErrMalformed, []string{connector3 + "openapidefinition.json", "not valid UTF-8 (at byte 6)", "<openapidefinition> of connector cr736_5Fpingservice"}},
		{"XMLUnclosed", func() []byte {
			return MustZip(t, replace(fixture, "customizations.xml", bytes.TrimSuffix(fileOf(t, fixture, "customizations.xml"), []byte("</ImportExportXml>"))))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"customizations.xml", "ends inside <ImportExportXml>"}},
		{"XMLMismatchedTag", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<displayname>Ping Service</displayname>", "<displayname>Ping Service</name>"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"customizations.xml", "</name> does not match <displayname>"}},
		{"WrongRoot", func() []byte { return MustZip(t, replace(fixture, "solution.xml", []byte("<html><body/></html>"))) }, solutionzip.Limits{}, solutionzip.ErrMalformed,
			[]string{"solution.xml", "root element is <html>, not <ImportExportXml>"}},
		{"NoUniqueName", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "    <UniqueName>ContosoConnectors</UniqueName>\n", ""))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"solution.xml", "<SolutionManifest>", "no <UniqueName>"}},
		{"BadVersion", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "<Version>1.0.0.3</Version>", "<Version>one</Version>"))
		},
			solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<SolutionManifest><Version>", `"one" is not a version`}},
		{"ManagedBoth", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "<Managed>0</Managed>", "<Managed>2</Managed>"))
		},
			solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<Managed>", "unpacked folder"}},
		{"NoCustomizationPrefix", func() []byte {
			return MustZip(t, edit(t, fixture, "solution.xml", "<CustomizationPrefix>cr736</CustomizationPrefix>", ""))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<Publisher>", "no <CustomizationPrefix>"}},
		{"ConnectorIDNotGUID", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<connectorid>5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b</connectorid>", "<connectorid>ping</connectorid>"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<Connector> 3", "<connectorid>", `"ping" is not a GUID`}},
		{"ConnectorWithoutName", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<name>cr736_5Fpingservice</name>", ""))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<Connector> 3", "no <name>"}},
		{"ConnectorChildTwice", func() []byte {
			return MustZip(t, edit(t, fixture, "customizations.xml", "<displayname>Ping Service</displayname>", "<displayname>Ping</displayname><displayname>Pong</displayname>"))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"<displayname>", "given twice"}},
		{"SecondRoot", func() []byte {
			return MustZip(t, replace(fixture, "solution.xml", append(fileOf(t, fixture, "solution.xml"), []byte("<ImportExportXml/>")...)))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"second root element"}},
		{"ValuesNotJSON", func() []byte {
			return MustZip(t, replace(fixture, "environmentvariabledefinitions/cr736_ContosoHost/environmentvariablevalues.json", []byte("{nope")))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"environmentvariablevalues.json", "not valid JSON"}},
		{"EnvironmentVariableWithoutSchemaName", func() []byte {
			return MustZip(t, replace(fixture, "environmentvariabledefinitions/cr736_ContosoHost/environmentvariabledefinition.xml", []byte("<environmentvariabledefinition />")))
		}, solutionzip.Limits{}, solutionzip.ErrMalformed, []string{"environmentvariabledefinition.xml", "no schemaname"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := read(tc.zip(), tc.lim)
			if err == nil {
				t.Fatalf("Read accepted it: %+v", s)
			}
			var e *solutionzip.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want a *solutionzip.Error", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("got kind %q (%v), want %q", e.Kind, err, tc.kind)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not say %q", err.Error(), m)
				}
			}
		})
	}
}
