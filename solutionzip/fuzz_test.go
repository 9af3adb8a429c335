package solutionzip_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/connectorhub/connectorhub/solutionzip"
)

// fuzzLimits keep each run small: a fuzzed zip may claim anything, and Read must hold to these.
var fuzzLimits = solutionzip.Limits{MaxEntries: 200, MaxTotalBytes: 1 << 20, MaxEntryBytes: 256 << 10, MaxXMLTokens: 100_000, MaxXMLDepth: 64}

// checkRead is the property every fuzzed input must have: Read returns a Solution or an
// *Error (and never panics, which the fuzzer reports); a Solution that Write accepts reads
// back as itself, and writes the same bytes again.
func checkRead(t *testing.T, z []byte) {
	s, err := read(z, fuzzLimits)
	if err != nil {
		var e *solutionzip.Error
		if !errors.As(err, &e) {
			t.Fatalf("Read returned %T %v, not a *solutionzip.Error", err, err)
		}
		if e.Kind < solutionzip.ErrNotSolution || e.Kind > solutionzip.ErrMalformed {
			t.Fatalf("Read returned kind %d: %v", e.Kind, err)
		}
		return
	}
	var b bytes.Buffer
	if err := solutionzip.Write(&b, s); err != nil {
		// Read takes what Write refuses to make: secrets (an import strips them), names that
		// are not file names, text only a file can carry. Such refusals are *Errors too.
		var e *solutionzip.Error
		if !errors.As(err, &e) || (e.Kind != solutionzip.ErrSecret && e.Kind != solutionzip.ErrInvalid && e.Kind != solutionzip.ErrDuplicate) {
			t.Fatalf("Write(Read(z)) failed with %v", err)
		}
		return
	}
	s2, err := read(b.Bytes(), solutionzip.Limits{})
	if err != nil {
		t.Fatalf("Read(Write(Read(z))) failed: %v", err)
	}
	if !reflect.DeepEqual(s, s2) { // cmp.Diff only to explain: it costs more than the rest
		t.Fatalf("Read(Write(s)) differs from s (-s +read):\n%s", cmp.Diff(s, s2))
	}
	var b2 bytes.Buffer
	if err := solutionzip.Write(&b2, s2); err != nil {
		t.Fatalf("Write(Read(Write(s))): %v", err)
	}
	if !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Fatal("Write(Read(Write(s))) is not Write(s)")
	}
}

// The fuzz seeds are a small but complete solution: the fuzzer minimizes every input that
// finds new code, for up to a minute each, and a small input keeps that short.
const (
	miniSolution = `<ImportExportXml version="9.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SolutionManifest><UniqueName>m</UniqueName>` +
		`<LocalizedNames><LocalizedName description="M" languagecode="1033"/></LocalizedNames><Version>1.0</Version><Managed>0</Managed>` +
		`<Publisher><UniqueName>p</UniqueName><EMailAddress xsi:nil="true"></EMailAddress><CustomizationPrefix>new</CustomizationPrefix>` +
		`<CustomizationOptionValuePrefix>10000</CustomizationOptionValuePrefix><Addresses><Address><City>c</City></Address></Addresses></Publisher>` +
		`<RootComponents><RootComponent type="372" id="{5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b}" schemaName="new_m" behavior="0"/></RootComponents>` +
		`<MissingDependencies><MissingDependency><Required type="1"/><Dependent type="2"/></MissingDependency></MissingDependencies><X/></SolutionManifest></ImportExportXml>`
	miniCustomizations = `<ImportExportXml><Entities/><Connectors><Connector><connectorid>5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b</connectorid>` +
		`<description>d</description><displayname>M</displayname><iconbrandcolor/><name>new_m</name><connectortype>1</connectortype>` +
		`<scriptoperations>[]</scriptoperations><openapidefinition>/Connector/new_m_o.json</openapidefinition>` +
		`<connectionparameters>/Connector/new_m_c.json</connectionparameters><policytemplateinstances>null</policytemplateinstances>` +
		`<iconblob>/Connector/new_m_i.Png</iconblob><y>1</y></Connector></Connectors><connectionreferences><connectionreference connectionreferencelogicalname="r">` +
		`<connectorid>/x</connectorid><customconnectorid><connectorid>5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b</connectorid></customconnectorid>` +
		`<promptingbehavior>1</promptingbehavior></connectionreference></connectionreferences><Languages/></ImportExportXml>`
	miniEnvironmentVariable = `<environmentvariabledefinition schemaname="new_v"><displayname default="V"><label description="V" languagecode="1033"/></displayname>` +
		`<type>100000000</type><x/></environmentvariabledefinition>`
	miniValues = `{"environmentvariablevalues":{"environmentvariablevalue":{"value":"v"}}}`
)

// miniFiles is the small solution's zip entries, with the given XML and JSON.
func miniFiles(sol, cust, env, val []byte) []zfile {
	return []zfile{
		{name: "customizations.xml", data: cust},
		{name: "solution.xml", data: sol},
		{name: "Connector/new_m_o.json", data: []byte(`{"swagger":"2.0"}`)},
		{name: "Connector/new_m_c.json", data: []byte(`{"a":{"type":"string"}}`)},
		{name: "Connector/new_m_i.Png", data: []byte("PNG")},
		{name: "environmentvariabledefinitions/new_v/environmentvariabledefinition.xml", data: env},
		{name: "environmentvariabledefinitions/new_v/environmentvariablevalues.json", data: val},
		{name: "a/b.bin", data: []byte{0, 1, 2}},
		{name: "[Content_Types].xml", data: []byte("<Types/>")},
	}
}

// FuzzRead reads arbitrary bytes as a solution zip. Seeds: a small solution (deflated,
// stored, as Write writes it), and broken zips (truncated, a zip bomb, a folder, directory
// entries, no solution); testdata/fuzz/FuzzRead keeps what the fuzzer found.
func FuzzRead(f *testing.F) {
	mini := miniFiles([]byte(miniSolution), []byte(miniCustomizations), []byte(miniEnvironmentVariable), []byte(miniValues))
	z := MustZip(f, mini)
	f.Add(z)
	stored := append([]zfile(nil), mini...)
	for i := range stored {
		stored[i].store = true
	}
	f.Add(MustZip(f, stored))
	f.Add(MustWrite(f, MustRead(f, z)))
	f.Add(z[:len(z)/2])
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add(MustZip(f, rename(mini, func(n string) string { return "x/" + n })))
	f.Add(MustZip(f, append([]zfile{{name: "Connector/", dir: true}, {name: `a\`, dir: true}}, mini...)))
	f.Add(MustZip(f, append(mini, zfile{name: "bomb", data: make([]byte, 300<<10)})))
	f.Fuzz(checkRead)
}

// FuzzReadXML puts fuzzed solution.xml, customizations.xml, environment variable XML and
// value JSON into a well-formed zip with a small solution's other files, so that the fuzzer
// works on the XML and JSON readers rather than on zip checksums.
func FuzzReadXML(f *testing.F) {
	f.Add([]byte(miniSolution), []byte(miniCustomizations), []byte(miniEnvironmentVariable), []byte(miniValues))
	f.Add([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"+miniSolution), []byte(miniCustomizations),
		[]byte(`<environmentvariabledefinition schemaname="s"><displayname>d</displayname><description default="x"/><iscustomizable>0</iscustomizable></environmentvariabledefinition>`),
		[]byte(`{"environmentvariablevalues":{"environmentvariablevalue":[{"value":1,"environmentvariablevalueid":"{5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b}"}]}}`))
	f.Add([]byte(miniSolution), []byte(`<ImportExportXml><Connectors><Connector><connectorid>5b7d9f1a-3c5e-4d7f-8a1b-3c5d7e9f1a2b</connectorid><name>n</name>`+
		`<openapidefinition>{}</openapidefinition><iconblob>aWNvbg==</iconblob><x a="1"/></Connector></Connectors></ImportExportXml>`), []byte{}, []byte("null"))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><ImportExportXml/>`), []byte(`<ImportExportXml>&a;</ImportExportXml>`), []byte("<a>"), []byte("{"))
	f.Fuzz(func(t *testing.T, sol, cust, env, val []byte) {
		files := miniFiles(sol, cust, env, val)
		for i := range files {
			files[i].store = true
		}
		checkRead(t, mustZipQuiet(t, files))
	})
}

// mustZipQuiet is MustZip for fuzz functions, whose file names are fixed and valid.
func mustZipQuiet(t *testing.T, files []zfile) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
