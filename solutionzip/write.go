package solutionzip

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
)

// zipTime is the modification time of every entry Write writes: fixed, so that the same
// Solution gives the same bytes (exports can be diffed and checksummed). It is the earliest
// time a zip's DOS date holds.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// The suffixes of a connector's files: Connector/<name>_<column>.<ext>. The icon's extension
// is "Png", with a capital P, as Dataverse writes it.
const (
	suffixOpenAPIDefinition       = "_openapidefinition.json"
	suffixConnectionParameters    = "_connectionparameters.json"
	suffixConnectionParameterSets = "_connectionparametersets.json"
	suffixPolicyTemplateInstances = "_policytemplateinstances.json"
	suffixCustomCodeBlobContent   = "_customcodeblobcontent.csx"
	suffixIconBlob                = "_iconblob.Png"
)

// The environment variable files: environmentvariabledefinitions/<schema>/<file>.
const (
	envFolder         = "environmentvariabledefinitions"
	envDefinitionFile = "environmentvariabledefinition.xml"
	envValuesFile     = "environmentvariablevalues.json"
)

// ConnectorFile returns the zip path Write gives a connector's file for a column
// (openapidefinition, connectionparameters, connectionparametersets,
// policytemplateinstances, customcodeblobcontent or iconblob), e.g.
// ConnectorFile("cr1a6_shop", "openapidefinition") = "Connector/cr1a6_shop_openapidefinition.json";
// "" for a column without a file.
func ConnectorFile(name, column string) string {
	suffix := map[string]string{
		colOpenAPIDefinition:       suffixOpenAPIDefinition,
		colConnectionParameters:    suffixConnectionParameters,
		colConnectionParameterSets: suffixConnectionParameterSets,
		colPolicyTemplateInstances: suffixPolicyTemplateInstances,
		colCustomCodeBlobContent:   suffixCustomCodeBlobContent,
		colIconBlob:                suffixIconBlob,
	}[column]
	if suffix == "" {
		return ""
	}
	return "Connector/" + name + suffix
}

// zipFile is one entry Write writes.
type zipFile struct {
	name  string
	data  []byte
	text  string // instead of data: a column's text, written without a copy
	store bool   // already compressed (the icon): stored, not deflated
}

// Write writes s as a solution zip in the shape of Dataverse's exports (spec §5.1), and the
// same bytes for the same s (with the same Go release, whose deflate it uses):
//   - at the zip's root, in this order: customizations.xml, solution.xml, each connector's
//     Connector/<name>_openapidefinition.json, _connectionparameters.json ("{}" when empty),
//     _connectionparametersets.json (when set), _policytemplateinstances.json ("[]" when
//     empty), _customcodeblobcontent.csx (when set), _iconblob.Png (when set), then
//     environmentvariabledefinitions/<schema>/environmentvariabledefinition.xml and
//     environmentvariablevalues.json, then s.Files, and [Content_Types].xml last;
//   - solution.xml and customizations.xml in UTF-8 without a byte-order mark and without an
//     XML declaration, as Dataverse's own raw exports are (the unpacked files of pac carry
//     both; every reader takes either), indented by two spaces, lines ending in LF (readers
//     do not care; LF keeps golden files and diffs the same under any git setting);
//   - <Connector> children in Dataverse's order: connectorid, description, displayname,
//     iconbrandcolor, name, connectortype, scriptoperations, openapidefinition,
//     connectionparameters, connectionparametersets, policytemplateinstances,
//     customcodeblobcontent, iconblob, then the kept ones;
//   - the definition and the other files byte for byte as s holds them (no re-encoding);
//   - [Content_Types].xml with an XML declaration, as Dataverse's (without its byte-order
//     mark): a Default (application/octet-stream) for each extension, an Override for each
//     file without one;
//   - every entry dated 1980-01-01 00:00 UTC; text deflated, the icon stored.
//
// Write checks s before it writes a byte, and returns an *Error: ErrSecret when a
// connector's connectionparameters or connectionparametersets hold a secret that
// connectorhub's scrubbing would strip (an OAuth clientSecret, a securestring value: the
// caller strips secrets first; this is the last guard); ErrInvalid or ErrDuplicate for what
// Read could not read back (a missing unique name, version or publisher prefix, a connector
// name that is not a file name, an id that is not a GUID, text XML cannot carry, a kept
// element that is not one element, a kept file whose name Write writes itself).
func Write(w io.Writer, s *Solution) error {
	files, err := build(s, false)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	buf := make([]byte, 32<<10)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: zipTime}
		if f.store {
			h.Method = zip.Store
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
		// In pieces through one buffer: the zip's writer would copy a whole string.
		for text := f.text; text != ""; {
			n := copy(buf, text)
			if _, err := fw.Write(buf[:n]); err != nil {
				return err
			}
			text = text[n:]
		}
	}
	return zw.Close()
}

// build checks s and returns the files of its zip in order, or with folder those of its
// unpacked folder (folderPath's names, a Connectors/<name>.xml per connector, no
// [Content_Types].xml).
func build(s *Solution, folder bool) ([]zipFile, error) {
	if s == nil {
		return nil, errorf(ErrInvalid, "", "", "no solution to write")
	}
	if err := checkManifest(s); err != nil {
		return nil, err
	}
	var files []zipFile
	taken := map[string]string{} // lower-case name → name: OPC part names ignore case
	add := func(f zipFile) error {
		k := strings.ToLower(f.name)
		if prev, ok := taken[k]; ok {
			if prev == f.name {
				return errorf(ErrDuplicate, f.name, "", "the file would be written twice: a kept file has the name of a component's file")
			}
			return errorf(ErrDuplicate, f.name, "", "the file's name and %s differ only in case, and zip entries are compared without regard to case", prev)
		}
		taken[k] = f.name
		files = append(files, f)
		return nil
	}
	name := func(n string) string { return n }
	if folder {
		name = folderPath
	}
	cust, err := customizationsXML(s, !folder)
	if err != nil {
		return nil, err
	}
	sol, err := solutionXML(s)
	if err != nil {
		return nil, err
	}
	_ = add(zipFile{name: name(CustomizationsFile), data: cust})
	_ = add(zipFile{name: name(SolutionFile), data: sol})
	for i := range s.Connectors {
		cf, err := connectorFiles(&s.Connectors[i])
		if err != nil {
			return nil, err
		}
		if folder {
			x, err := connectorXML(&s.Connectors[i])
			if err != nil {
				return nil, err
			}
			cf = append([]zipFile{{name: connectorXMLName(s.Connectors[i].Name), data: x}}, cf...)
		}
		for _, f := range cf {
			f.name = name(f.name)
			if err := add(f); err != nil {
				return nil, err
			}
		}
	}
	for i := range s.EnvironmentVariables {
		ef, err := environmentVariableFiles(&s.EnvironmentVariables[i])
		if err != nil {
			return nil, err
		}
		for _, f := range ef {
			if err := add(f); err != nil {
				return nil, err
			}
		}
	}
	envNames := map[string]bool{}
	for _, v := range s.EnvironmentVariables {
		envNames[strings.ToLower(v.SchemaName)] = true
	}
	for _, f := range s.Files {
		clean, _, err := cleanPath(f.Name)
		if err != nil || clean != f.Name {
			return nil, errorf(ErrInvalid, f.Name, "", "a kept file's name must be a relative path with / separators, without . or .. segments")
		}
		if isRootFile(clean) {
			return nil, errorf(ErrInvalid, f.Name, "", "a kept file cannot be named like a file Write writes itself")
		}
		// Read would take these for an environment variable's files, not kept ones.
		if segs := strings.Split(strings.ToLower(clean), "/"); len(segs) == 3 && segs[0] == envFolder &&
			(segs[2] == envDefinitionFile || segs[2] == envValuesFile && envNames[segs[1]]) {
			return nil, errorf(ErrInvalid, f.Name, "", "a kept file cannot be an environment variable's definition or value: give it in EnvironmentVariables")
		}
		if _, conn := zipName(name(clean)); folder && conn {
			return nil, errorf(ErrInvalid, f.Name, "", "a kept file cannot be an .xml file in Connector/: in an unpacked folder it would be read as a connector")
		}
		if err := add(zipFile{name: name(f.Name), data: f.Data}); err != nil {
			return nil, err
		}
	}
	if !folder {
		files = append(files, zipFile{name: ContentTypesFile, data: contentTypes(files)})
	}
	return files, nil
}

// isRootFile reports whether a path is one of the three files at the root Write writes.
func isRootFile(p string) bool {
	return strings.EqualFold(p, SolutionFile) || strings.EqualFold(p, CustomizationsFile) || strings.EqualFold(p, ContentTypesFile)
}

// checkManifest checks what Read requires of solution.xml.
func checkManifest(s *Solution) error {
	switch {
	case strings.TrimSpace(s.UniqueName) == "" || s.UniqueName != strings.TrimSpace(s.UniqueName):
		return errorf(ErrInvalid, SolutionFile, "<SolutionManifest><UniqueName>", "the solution needs a unique name without spaces around it")
	case !validVersion(s.Version):
		return errorf(ErrInvalid, SolutionFile, "<SolutionManifest><Version>", "%q is not a version: give major.minor[.build[.revision]], e.g. 1.0.0.0", s.Version)
	case strings.TrimSpace(s.Publisher.UniqueName) == "" || s.Publisher.UniqueName != strings.TrimSpace(s.Publisher.UniqueName):
		return errorf(ErrInvalid, SolutionFile, "<Publisher><UniqueName>", "the publisher needs a unique name without spaces around it")
	case strings.TrimSpace(s.Publisher.CustomizationPrefix) == "" || s.Publisher.CustomizationPrefix != strings.TrimSpace(s.Publisher.CustomizationPrefix):
		return errorf(ErrInvalid, SolutionFile, "<Publisher><CustomizationPrefix>", "the publisher needs a customization prefix without spaces around it")
	}
	for _, rc := range s.RootComponents {
		if rc.ID != "" {
			if g, ok := connectorhub.ParseGUID(rc.ID); !ok || g != rc.ID {
				return errorf(ErrInvalid, SolutionFile, "<RootComponent>", "id %q is not a lower-case GUID without braces", rc.ID)
			}
		}
	}
	if err := checkOther(SolutionFile, "<SolutionManifest>", s.Other, "uniquename", "localizednames", "descriptions", "version", "managed", "publisher", "rootcomponents", "missingdependencies"); err != nil {
		return err
	}
	return checkOther(SolutionFile, "<Publisher>", s.Publisher.Other, "uniquename", "localizednames", "descriptions", "emailaddress", "supportingwebsiteurl", "customizationprefix", "customizationoptionvalueprefix", "addresses")
}

// checkOther refuses kept elements named like modelled ones: Read would find them twice.
func checkOther(file, where string, other []Element, modelled ...string) error {
	for _, el := range other {
		for _, m := range modelled {
			if strings.EqualFold(el.Name, m) {
				return errorf(ErrInvalid, file, where, "a kept <%s> element has the name of a modelled one", el.Name)
			}
		}
	}
	return nil
}

func solutionXML(s *Solution) ([]byte, error) {
	w := &xmlWriter{file: SolutionFile}
	h := s.Header
	var attrs []Attr
	for _, a := range []Attr{{"version", h.Version}, {"SolutionPackageVersion", h.SolutionPackageVersion}} {
		if a.Value != "" {
			attrs = append(attrs, a)
		}
	}
	if h.LanguageCode != 0 {
		attrs = append(attrs, Attr{"languagecode", itoaText(h.LanguageCode)})
	}
	if h.GeneratedBy != "" {
		attrs = append(attrs, Attr{"generatedBy", h.GeneratedBy})
	}
	attrs = append(attrs, Attr{"xmlns:xsi", xsiNamespace})
	for _, a := range []Attr{{"OrganizationVersion", h.OrganizationVersion}, {"OrganizationSchemaType", h.OrganizationSchemaType},
		{"CRMServerServiceabilityVersion", h.CRMServerServiceabilityVersion}} {
		if a.Value != "" {
			attrs = append(attrs, a)
		}
	}
	attrs = append(attrs, withoutXSI(h.Other)...)
	w.start("ImportExportXml", attrs...)
	w.start("SolutionManifest")
	w.leaf("UniqueName", s.UniqueName)
	writeLocalized(w, "LocalizedNames", "LocalizedName", s.LocalizedNames)
	writeLocalized(w, "Descriptions", "Description", s.Descriptions)
	w.leaf("Version", s.Version)
	w.leaf("Managed", boolText(s.Managed))
	p := s.Publisher
	w.start("Publisher")
	w.leaf("UniqueName", p.UniqueName)
	writeLocalized(w, "LocalizedNames", "LocalizedName", p.LocalizedNames)
	writeLocalized(w, "Descriptions", "Description", p.Descriptions)
	w.nilLeaf("EMailAddress", p.EMailAddress, p.EMailAddress == "")
	w.nilLeaf("SupportingWebsiteUrl", p.SupportingWebsiteURL, p.SupportingWebsiteURL == "")
	w.leaf("CustomizationPrefix", p.CustomizationPrefix)
	w.leaf("CustomizationOptionValuePrefix", itoaText(p.CustomizationOptionValuePrefix))
	if len(p.Addresses) == 0 {
		w.empty("Addresses")
	} else {
		w.start("Addresses")
		for _, a := range p.Addresses {
			if len(a.Fields) == 0 {
				w.empty("Address")
				continue
			}
			w.start("Address")
			for _, f := range a.Fields {
				w.nilLeaf(f.Name, f.Value, f.Nil)
			}
			w.end()
		}
		w.end()
	}
	for _, el := range p.Other {
		w.raw(el)
	}
	w.end()
	if len(s.RootComponents) == 0 {
		w.empty("RootComponents")
	} else {
		w.start("RootComponents")
		for _, rc := range s.RootComponents {
			attrs := []Attr{{"type", itoaText(rc.Type)}}
			if rc.ID != "" {
				attrs = append(attrs, Attr{"id", "{" + rc.ID + "}"})
			}
			if rc.SchemaName != "" {
				attrs = append(attrs, Attr{"schemaName", rc.SchemaName})
			}
			attrs = append(attrs, Attr{"behavior", itoaText(rc.Behavior)})
			w.empty("RootComponent", attrs...)
		}
		w.end()
	}
	if len(s.MissingDependencies) == 0 {
		w.empty("MissingDependencies")
	} else {
		w.start("MissingDependencies")
		for _, md := range s.MissingDependencies {
			w.start("MissingDependency")
			w.empty("Required", withoutXSI(md.Required)...)
			w.empty("Dependent", withoutXSI(md.Dependent)...)
			w.end()
		}
		w.end()
	}
	for _, el := range s.Other {
		w.raw(el)
	}
	w.end()
	w.end()
	return w.b.Bytes(), w.err
}

// withoutXSI leaves out declarations of the xsi prefix, which Write declares itself.
func withoutXSI(as []Attr) []Attr {
	var out []Attr
	for _, a := range as {
		if a.Name != "xmlns:xsi" {
			out = append(out, a)
		}
	}
	return out
}

func writeLocalized(w *xmlWriter, list, item string, texts []LocalizedText) {
	if len(texts) == 0 {
		w.empty(list)
		return
	}
	w.start(list)
	for _, t := range texts {
		w.empty(item, Attr{"description", t.Text}, Attr{"languagecode", itoaText(t.LanguageCode)})
	}
	w.end()
}

// customizationsXML writes customizations.xml: the kept sections with <Connectors> and
// <connectionreferences> before <Languages>. Without inline, <Connectors /> is empty, as in
// an unpacked folder, whose Connectors/<name>.xml hold them.
func customizationsXML(s *Solution, inline bool) ([]byte, error) {
	for _, sec := range s.Customizations.Sections {
		if strings.EqualFold(sec.Name, "Connectors") || strings.EqualFold(sec.Name, "connectionreferences") {
			return nil, errorf(ErrInvalid, CustomizationsFile, "<"+sec.Name+">", "a kept section cannot be <%s>: Write writes it from the Solution's connectors and connection references", sec.Name)
		}
	}
	w := &xmlWriter{file: CustomizationsFile}
	w.start("ImportExportXml", append([]Attr{{"xmlns:xsi", xsiNamespace}}, withoutXSI(s.Customizations.Attrs)...)...)
	at := len(s.Customizations.Sections)
	for i, sec := range s.Customizations.Sections {
		if sec.Name == "Languages" {
			at = i
			break
		}
	}
	for _, sec := range s.Customizations.Sections[:at] {
		w.raw(sec)
	}
	if err := checkConnectors(s.Connectors); err != nil {
		return nil, err
	}
	if !inline || len(s.Connectors) == 0 {
		w.empty("Connectors")
	} else {
		w.start("Connectors")
		for i := range s.Connectors {
			writeConnector(w, &s.Connectors[i])
		}
		w.end()
	}
	if err := writeConnectionReferences(w, s.ConnectionReferences); err != nil {
		return nil, err
	}
	for _, sec := range s.Customizations.Sections[at:] {
		w.raw(sec)
	}
	w.end()
	return w.b.Bytes(), w.err
}

var connectorElements = []string{"connectorid", "description", "displayname", "iconbrandcolor", "name", "connectortype",
	colScriptOperations, colOpenAPIDefinition, colConnectionParameters, colConnectionParameterSets,
	colPolicyTemplateInstances, colCustomCodeBlobContent, colIconBlob}

// checkConnectors checks what Read requires of the connectors: ids that are GUIDs, names
// that can name files, no two alike, kept elements that are not modelled ones.
func checkConnectors(cs []Connector) error {
	names, ids := map[string]bool{}, map[string]bool{}
	for i := range cs {
		c := &cs[i]
		where := "<Connectors><Connector> " + itoaText(i+1)
		if g, ok := connectorhub.ParseGUID(c.ID); !ok || g != c.ID {
			return errorf(ErrInvalid, CustomizationsFile, where+" <connectorid>", "%q is not a lower-case GUID without braces", c.ID)
		}
		if err := checkFileName(c.Name); err != nil {
			return errorf(ErrInvalid, CustomizationsFile, where+" <name>", "%q cannot name the connector's files: %s", c.Name, err.Error())
		}
		if names[strings.ToLower(c.Name)] {
			return errorf(ErrDuplicate, CustomizationsFile, where+" <name>", "two connectors are named %s (compared without regard to case)", c.Name)
		}
		if ids[c.ID] {
			return errorf(ErrDuplicate, CustomizationsFile, where+" <connectorid>", "two connectors have the id %s", c.ID)
		}
		names[strings.ToLower(c.Name)], ids[c.ID] = true, true
		if isFileRef(c.ScriptOperations) {
			return errorf(ErrInvalid, CustomizationsFile, where+" <scriptoperations>", "it holds JSON text, which cannot start with /")
		}
		if err := checkOther(CustomizationsFile, where, c.Other, connectorElements...); err != nil {
			return err
		}
	}
	return nil
}

// writeConnector writes a checked connector's <Connector> element, with attrs: in
// customizations.xml, or as the root of an unpacked folder's Connectors/<name>.xml.
func writeConnector(w *xmlWriter, c *Connector, attrs ...Attr) {
	w.start("Connector", attrs...)
	w.leaf("connectorid", c.ID)
	w.leaf("description", c.Description)
	w.leaf("displayname", c.DisplayName)
	w.leaf("iconbrandcolor", c.IconBrandColor)
	w.leaf("name", c.Name)
	w.leaf("connectortype", itoaText(c.ConnectorType))
	if strings.TrimSpace(c.ScriptOperations) != "" {
		w.leaf(colScriptOperations, c.ScriptOperations)
	}
	ref := func(column string) { w.leaf(column, "/"+ConnectorFile(c.Name, column)) }
	ref(colOpenAPIDefinition)
	ref(colConnectionParameters)
	if strings.TrimSpace(c.ConnectionParameterSets) != "" {
		ref(colConnectionParameterSets)
	}
	ref(colPolicyTemplateInstances)
	if c.CustomCodeBlobContent != "" {
		ref(colCustomCodeBlobContent)
	}
	if len(c.Icon) > 0 {
		ref(colIconBlob)
	}
	for _, el := range c.Other {
		w.raw(el)
	}
	w.end()
}

// checkFileName accepts a name that can be one segment of a path in a zip and on disk.
func checkFileName(name string) error {
	switch {
	case name == "":
		return errorString("it is empty")
	case !utf8.ValidString(name):
		return errorString("it is not valid UTF-8")
	case name == "." || name == "..":
		return errorString("it is . or ..")
	case strings.ContainsAny(name, `/\:*?"<>|`):
		return errorString(`it holds one of / \ : * ? " < > |`)
	case strings.TrimRight(name, ". ") != name || strings.TrimLeft(name, " ") != name:
		return errorString("it starts with a space or ends with a space or a dot")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errorString("it holds a control character")
		}
	}
	return nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func writeConnectionReferences(w *xmlWriter, refs []ConnectionReference) error {
	if len(refs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	w.start("connectionreferences")
	for i, r := range refs {
		where := "<connectionreferences><connectionreference> " + itoaText(i+1)
		if strings.TrimSpace(r.LogicalName) == "" || r.LogicalName != strings.TrimSpace(r.LogicalName) {
			return errorf(ErrInvalid, CustomizationsFile, where, "a connection reference needs a logical name without spaces around it")
		}
		if seen[strings.ToLower(r.LogicalName)] {
			return errorf(ErrDuplicate, CustomizationsFile, where, "two connection references are named %s", r.LogicalName)
		}
		seen[strings.ToLower(r.LogicalName)] = true
		if r.CustomConnectorID != "" {
			if g, ok := connectorhub.ParseGUID(r.CustomConnectorID); !ok || g != r.CustomConnectorID {
				return errorf(ErrInvalid, CustomizationsFile, where+" <customconnectorid>", "%q is not a lower-case GUID without braces", r.CustomConnectorID)
			}
		}
		if r.ConnectorID != strings.TrimSpace(r.ConnectorID) {
			return errorf(ErrInvalid, CustomizationsFile, where+" <connectorid>", "%q has spaces around it", r.ConnectorID)
		}
		if err := checkOther(CustomizationsFile, where, r.Other, "connectionreferencelogicalname", "connectionreferencedisplayname",
			"connectorid", "customconnectorid", "description", "iscustomizable", "promptingbehavior", "statecode", "statuscode"); err != nil {
			return err
		}
		w.start("connectionreference", Attr{"connectionreferencelogicalname", r.LogicalName})
		w.leaf("connectionreferencedisplayname", r.DisplayName)
		w.leaf("connectorid", r.ConnectorID)
		if r.CustomConnectorID != "" {
			w.start("customconnectorid")
			w.leaf("connectorid", r.CustomConnectorID)
			w.end()
		}
		w.leaf("description", r.Description)
		w.leaf("iscustomizable", boolText(r.IsCustomizable))
		if r.PromptingBehavior != nil {
			w.leaf("promptingbehavior", itoaText(*r.PromptingBehavior))
		}
		w.leaf("statecode", itoaText(r.StateCode))
		w.leaf("statuscode", itoaText(r.StatusCode))
		for _, el := range r.Other {
			w.raw(el)
		}
		w.end()
	}
	w.end()
	return nil
}

// connectorFiles checks a connector's files and returns them in order.
func connectorFiles(c *Connector) ([]zipFile, error) {
	// Names and ids were checked by checkConnectors, which runs first.
	cp, cps := c.ConnectionParameters, c.ConnectionParameterSets
	u := connectorhub.ConnectorUpdate{ConnectionParameters: &cp, ConnectionParameterSets: &cps}
	if paths := u.ScrubSecrets(); len(paths) > 0 {
		file := ConnectorFile(c.Name, colConnectionParameters)
		if strings.HasPrefix(paths[0], colConnectionParameterSets) {
			file = ConnectorFile(c.Name, colConnectionParameterSets)
		}
		return nil, errorf(ErrSecret, file, "", "holds a secret at %s: secrets never travel in a solution; strip them before export", strings.Join(paths, ", "))
	}
	var files []zipFile
	text := func(column, value, empty string) error {
		if !utf8.ValidString(value) {
			return errorf(ErrInvalid, ConnectorFile(c.Name, column), "", "the %s column is not valid UTF-8 (at byte %d)", column, invalidUTF8At([]byte(value)))
		}
		if strings.TrimSpace(value) == "" || (column == colPolicyTemplateInstances && strings.TrimSpace(value) == "null") {
			value = empty
		}
		files = append(files, zipFile{name: ConnectorFile(c.Name, column), text: value})
		return nil
	}
	if err := text(colOpenAPIDefinition, c.OpenAPIDefinition, ""); err != nil {
		return nil, err
	}
	if err := text(colConnectionParameters, c.ConnectionParameters, "{}"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.ConnectionParameterSets) != "" {
		if err := text(colConnectionParameterSets, c.ConnectionParameterSets, ""); err != nil {
			return nil, err
		}
	}
	if err := text(colPolicyTemplateInstances, c.PolicyTemplateInstances, "[]"); err != nil {
		return nil, err
	}
	if c.CustomCodeBlobContent != "" {
		if err := text(colCustomCodeBlobContent, c.CustomCodeBlobContent, ""); err != nil {
			return nil, err
		}
	}
	if len(c.Icon) > 0 {
		files = append(files, zipFile{name: ConnectorFile(c.Name, colIconBlob), data: c.Icon, store: true})
	}
	return files, nil
}

// environmentVariableFiles writes a definition's XML, with its children sorted by name as
// Dataverse writes them, and its value's JSON.
func environmentVariableFiles(v *EnvironmentVariable) ([]zipFile, error) {
	dir := envFolder + "/" + v.SchemaName + "/"
	if err := checkFileName(v.SchemaName); err != nil || v.SchemaName != strings.TrimSpace(v.SchemaName) {
		return nil, errorf(ErrInvalid, dir+envDefinitionFile, "<environmentvariabledefinition>", "the schema name %q cannot name a folder", v.SchemaName)
	}
	if err := checkOther(dir+envDefinitionFile, "<environmentvariabledefinition>", v.Other,
		"displayname", "description", "type", "defaultvalue", "introducedversion", "iscustomizable", "isrequired", "secretstore"); err != nil {
		return nil, err
	}
	w := &xmlWriter{file: dir + envDefinitionFile}
	type child struct {
		name  string
		write func()
	}
	label := func(name string, l LocalizedLabel) func() {
		return func() {
			w.start(name, Attr{"default", l.Default})
			for _, t := range l.Labels {
				w.empty("label", Attr{"description", t.Text}, Attr{"languagecode", itoaText(t.LanguageCode)})
			}
			w.end()
		}
	}
	kids := []child{
		{"iscustomizable", func() { w.leaf("iscustomizable", boolText(v.IsCustomizable)) }},
		{"isrequired", func() { w.leaf("isrequired", boolText(v.IsRequired)) }},
		{"secretstore", func() { w.leaf("secretstore", itoaText(v.SecretStore)) }},
	}
	if v.DefaultValue != "" {
		kids = append(kids, child{"defaultvalue", func() { w.leaf("defaultvalue", v.DefaultValue) }})
	}
	if v.Description.Default != "" || len(v.Description.Labels) > 0 {
		kids = append(kids, child{"description", label("description", v.Description)})
	}
	if v.DisplayName.Default != "" || len(v.DisplayName.Labels) > 0 {
		kids = append(kids, child{"displayname", label("displayname", v.DisplayName)})
	}
	if v.IntroducedVersion != "" {
		kids = append(kids, child{"introducedversion", func() { w.leaf("introducedversion", v.IntroducedVersion) }})
	}
	if v.Type != 0 {
		kids = append(kids, child{"type", func() { w.leaf("type", itoaText(v.Type)) }})
	}
	for _, el := range v.Other {
		kids = append(kids, child{el.Name, func() { w.raw(el) }})
	}
	sortChildren(kids, func(c child) string { return c.name })
	w.start("environmentvariabledefinition", Attr{"schemaname", v.SchemaName})
	for _, k := range kids {
		k.write()
	}
	w.end()
	if w.err != nil {
		return nil, w.err
	}
	files := []zipFile{{name: dir + envDefinitionFile, data: w.b.Bytes()}}
	if v.Value != nil {
		val := v.Value
		if val.ID != "" {
			if g, ok := connectorhub.ParseGUID(val.ID); !ok || g != val.ID {
				return nil, errorf(ErrInvalid, dir+envValuesFile, "environmentvariablevalueid", "%q is not a lower-case GUID without braces", val.ID)
			}
		}
		for _, s := range []string{val.SchemaName, val.Value} {
			if !utf8.ValidString(s) {
				return nil, errorf(ErrInvalid, dir+envValuesFile, "", "the value is not valid UTF-8")
			}
		}
		type valueJSON struct {
			ID             string `json:"environmentvariablevalueid,omitempty"`
			IsCustomizable string `json:"iscustomizable"`
			SchemaName     string `json:"schemaname,omitempty"`
			StateCode      string `json:"statecode"`
			StatusCode     string `json:"statuscode"`
			Value          string `json:"value"`
		}
		doc := map[string]map[string]valueJSON{"environmentvariablevalues": {"environmentvariablevalue": {
			IsCustomizable: "1", SchemaName: val.SchemaName, StateCode: "0", StatusCode: "1", Value: val.Value}}}
		if val.ID != "" {
			vj := doc["environmentvariablevalues"]["environmentvariablevalue"]
			vj.ID = "{" + val.ID + "}"
			doc["environmentvariablevalues"]["environmentvariablevalue"] = vj
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		files = append(files, zipFile{name: dir + envValuesFile, data: bytes.TrimRight(b.Bytes(), "\n")})
	}
	return files, nil
}

// sortChildren sorts stably by the lower-case name, as Read sorts kept children.
func sortChildren[T any](s []T, name func(T) string) {
	sort.SliceStable(s, func(i, j int) bool { return strings.ToLower(name(s[i])) < strings.ToLower(name(s[j])) })
}

// contentTypes writes [Content_Types].xml: a Default for each extension of the files (the
// first spelling met, compared without regard to case as OPC does), and an Override for each
// file without one; every type application/octet-stream, as Dataverse's. It carries an XML
// declaration, as Dataverse's does.
func contentTypes(files []zipFile) []byte {
	const octet = "application/octet-stream"
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	seen := map[string]bool{}
	var overrides []string
	for _, f := range files {
		base := f.name[strings.LastIndex(f.name, "/")+1:]
		dot := strings.LastIndex(base, ".")
		if dot <= 0 || dot == len(base)-1 {
			overrides = append(overrides, f.name)
			continue
		}
		ext := base[dot+1:]
		if seen[strings.ToLower(ext)] {
			continue
		}
		seen[strings.ToLower(ext)] = true
		b.WriteString(`<Default Extension="` + escapeAttrString(ext) + `" ContentType="` + octet + `" />`)
	}
	for _, name := range overrides {
		segs := strings.Split(name, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		b.WriteString(`<Override PartName="/` + escapeAttrString(strings.Join(segs, "/")) + `" ContentType="` + octet + `" />`)
	}
	b.WriteString("</Types>")
	return []byte(b.String())
}

func escapeAttrString(s string) string {
	w := &xmlWriter{}
	w.escape("", "", s, true) // names passed cleanPath: nothing XML cannot carry
	return w.b.String()
}
