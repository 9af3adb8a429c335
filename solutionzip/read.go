package solutionzip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// Read reads a solution zip of size bytes from r, within lim (a zero field takes
// DefaultLimits'), and returns it whole: every file is decompressed into memory once, so
// Read holds at most lim.MaxTotalBytes of files (twice that at its peak, while text becomes
// strings). For bytes in memory: Read(bytes.NewReader(b), int64(len(b)), lim).
//
// It takes what real exports contain: solution.xml and customizations.xml with or without a
// byte-order mark and an XML declaration (UTF-8 only); directory entries; stored and deflated
// entries mixed; "\" as a path separator and a leading "./"; customizations.xml's sections
// and a <Connector>'s children in any order, element names in any case; components of types
// it does not model (kept in Customizations.Sections, the Other fields and Files, listed by
// Unmodeled); a null, empty or absent policytemplateinstances (read as "[]") and an empty or
// absent connectionparameters (read as "{}"); <scriptoperations> inline or as a file; an
// inline base64 <iconblob>; an environment variable's <displayname> as plain text, and its
// value as an object or an array of one. An environmentvariablevalues.json without a
// definition beside it is kept as a file.
//
// Names are compared without regard to case: a solution zip is an OPC package (hence
// [Content_Types].xml), whose part names the standard (ECMA-376 part 2) compares without
// regard to ASCII case, so an element naming /Connector/X.json finds connector/x.json, and
// two entries whose names differ only in case are duplicates. This is our reading of the
// format: Microsoft documents neither.
//
// It refuses, with an *Error whose Kind is one of this package's and whose message names the
// file and the element: bytes that are not a zip, or a zip without solution.xml and
// customizations.xml at its root (saying so when they are inside a folder, or when the zip is
// an unpacked folder) (ErrNotSolution); an entry or a referenced file whose path climbs out
// (..), is absolute, has a drive letter or a colon, a control character, or is not UTF-8
// (ErrUnsafePath); two entries with the same name, or two connectors, connection references
// or environment variables with the same name (ErrDuplicate); a file customizations.xml names
// that is not in the zip (ErrMissingFile); more entries, bytes, compression, XML nesting or
// XML tokens than lim allows, counted from what is actually read, never from the headers'
// claims (ErrTooLarge); corrupt zip data (a wrong size or checksum), encrypted entries or
// compression other than deflate, XML that is not well formed or has a DTD, files that are
// not UTF-8, a missing unique name, version, publisher, prefix, connector id or name
// (ErrMalformed). Read never panics, whatever the bytes.
//
// It checks the format only: whether the JSON files are valid JSON, the definition Swagger
// 2.0, the names well shaped, and whether the connection parameters hold secrets (which an
// import strips) is for the importer's rules.
func Read(r io.ReaderAt, size int64, lim Limits) (*Solution, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errorf(ErrNotSolution, "", "", "not a zip file (%v): a solution file is the .zip that Dataverse exports", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, errorf(ErrTooLarge, "", "", "the zip lists %d entries; at most %d are read", len(zr.File), lim.MaxEntries)
	}
	z := &zipFiles{index: map[string]*entry{}}
	for _, f := range zr.File {
		name, dir, err := cleanPath(f.Name)
		if err != nil {
			return nil, errorf(ErrUnsafePath, printable(f.Name), "", "the zip entry's name %s", err.Error())
		}
		if dir || (f.Mode().IsDir() && f.UncompressedSize64 == 0) {
			continue
		}
		if err := z.add(&entry{name: name, path: name, f: f}); err != nil {
			return nil, err
		}
	}
	if err := z.checkLayout(); err != nil {
		return nil, err
	}
	var total, compressedTotal int64
	var inflate io.ReadCloser // one decompressor, reset for each entry: each costs 40 KB
	for _, e := range z.list {
		if e.data, err = readEntry(e.f, e.name, lim, &total, &compressedTotal, &inflate); err != nil {
			return nil, err
		}
	}
	return z.solution(lim)
}

// solution parses the files into a Solution: the part of Read that ReadFolder shares, once
// both have the files in memory by their names in the zip.
func (z *zipFiles) solution(lim Limits) (_ *Solution, err error) {
	defer func() { err = z.rename(err) }()
	s := &Solution{}
	sol, cust := z.index[SolutionFile], z.index[CustomizationsFile]
	sol.used, cust.used = true, true
	if ct := z.index[strings.ToLower(ContentTypesFile)]; ct != nil {
		ct.used = true // Write makes it anew from the files
	}
	if err := parseSolutionXML(sol.data, lim, s, z.both); err != nil {
		return nil, err
	}
	c, err := parseCustomizationsXML(cust.data, lim)
	if err != nil {
		return nil, err
	}
	for _, e := range z.connectorXML {
		e.used = true
		if err := parseConnectorXML(e.path, e.data, lim, c); err != nil {
			return nil, err
		}
	}
	s.Customizations = c.Customizations
	s.Connectors = c.connectors
	s.ConnectionReferences = c.connRefs
	if err := z.resolve(c.refs, s.Connectors); err != nil {
		return nil, err
	}
	if z.folder {
		sortConnectors(s)
	}
	if err := checkConnectorNames(s.Connectors); err != nil {
		return nil, err
	}
	if err := checkReferenceNames(s.ConnectionReferences); err != nil {
		return nil, err
	}
	if s.EnvironmentVariables, err = z.environmentVariables(lim); err != nil {
		return nil, err
	}
	for _, e := range z.list {
		if !e.used {
			s.Files = append(s.Files, File{Name: e.name, Data: e.data})
		}
	}
	return s, nil
}

// entry is a file of the zip, or of an unpacked folder.
type entry struct {
	name string // its name in the zip, cleaned: "/" separators, no . or empty segments
	path string // where it was read, for messages: name, or its path in the folder
	f    *zip.File
	data []byte
	used bool // read into the Solution's modelled parts
}

// zipFiles are the files of the zip, by lower-case name and in order: what Read reads from
// a zip, and ReadFolder from an unpacked folder under the names they would have in the zip.
type zipFiles struct {
	index map[string]*entry
	list  []*entry
	// folder says the files come from an unpacked folder: messages name its paths.
	folder bool
	// connectorXML are a folder's Connectors/<name>.xml, each a <Connector> of its own.
	connectorXML []*entry
	// both is what <Managed>2</Managed> reads as; nil refuses it (a zip).
	both *bool
}

// add adds a file, refusing a second one of the same name: OPC part names ignore case.
func (z *zipFiles) add(e *entry) error {
	k := strings.ToLower(e.name)
	if prev, ok := z.index[k]; ok {
		if z.folder {
			return errorf(ErrDuplicate, e.path, "", "the folder also holds %s, and both would be %s in the solution: names are compared without regard to case", prev.path, e.name)
		}
		return errorf(ErrDuplicate, e.name, "", "the zip holds two entries named %s and %s: names are compared without regard to case", prev.name, e.name)
	}
	z.index[k] = e
	z.list = append(z.list, e)
	return nil
}

// rename names a folder's file in an *Error that the shared parse gave with the file's name
// in the zip (solution.xml for Other/Solution.xml…).
func (z *zipFiles) rename(err error) error {
	var e *Error
	if z.folder && errors.As(err, &e) {
		if en := z.index[strings.ToLower(e.File)]; en != nil {
			e.File = en.path
		}
	}
	return err
}

// checkLayout refuses a zip that is not a solution file, saying what it looks like instead.
func (z *zipFiles) checkLayout() error {
	sol, cust := z.index[SolutionFile] != nil, z.index[CustomizationsFile] != nil
	if sol && cust {
		return nil
	}
	if z.index["other/solution.xml"] != nil {
		return errorf(ErrNotSolution, "", "", "this is an unpacked solution folder (Other/Solution.xml), not a solution file: pack it first (connectorhub solution pack, pac solution pack)")
	}
	// A folder zipped with its contents: every solution.xml one level down.
	for _, e := range z.list {
		dir, base, ok := strings.Cut(e.name, "/")
		if ok && strings.EqualFold(base, SolutionFile) && z.index[strings.ToLower(dir+"/"+CustomizationsFile)] != nil {
			return errorf(ErrNotSolution, "", "", "solution.xml and customizations.xml are inside the folder %s/, but Dataverse reads them only at the zip's root: zip the folder's contents, not the folder", dir)
		}
	}
	switch {
	case !sol && !cust:
		return errorf(ErrNotSolution, "", "", "no solution.xml or customizations.xml at the zip's root: this zip is not a Dataverse solution file")
	case !sol:
		return errorf(ErrNotSolution, SolutionFile, "", "missing at the zip's root: a solution file needs solution.xml (the manifest) beside customizations.xml")
	default:
		return errorf(ErrNotSolution, CustomizationsFile, "", "missing at the zip's root: a solution file needs customizations.xml beside solution.xml")
	}
}

// cleanPath checks a zip entry's name or a referenced path and returns it with "/"
// separators and without empty or "." segments; dir says the name ends with a separator.
func cleanPath(raw string) (clean string, dir bool, err error) {
	if !utf8.ValidString(raw) {
		return "", false, errorString("is not valid UTF-8")
	}
	p := strings.ReplaceAll(raw, `\`, "/")
	dir = strings.HasSuffix(p, "/")
	switch {
	case strings.HasPrefix(p, "/"):
		return "", false, errorString("is an absolute path")
	case len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z'):
		return "", false, errorString("starts with a drive letter")
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
			continue
		case "..":
			return "", false, errorString("climbs out of the zip (..)")
		}
		if strings.ContainsRune(seg, ':') {
			return "", false, errorString("holds a colon (a drive or an alternate data stream)")
		}
		for _, r := range seg {
			if r < 0x20 || r == 0x7f || !isXMLChar(r) {
				return "", false, errorString("holds a control character")
			}
		}
		segs = append(segs, seg)
	}
	clean = strings.Join(segs, "/")
	if clean == "" && !dir {
		return "", false, errorString("is empty")
	}
	return clean, dir, nil
}

// printable quotes a name for a message when it is not plain.
func printable(name string) string {
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return strings.ToValidUTF8(strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return '?'
				}
				return r
			}, name), "?")
		}
	}
	return name
}

// countingReader counts the bytes read through it: the compressed bytes actually read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readEntry decompresses one entry within the limits, counting what it actually reads: the
// decompressed bytes against MaxEntryBytes and what is left of MaxTotalBytes, and against
// MaxRatio times the compressed bytes read so far, the entry's and all entries' together
// (compressedTotal, which it adds to: entries under RatioFloor each compress as they like,
// but 250 of 1 MiB held 252 MB from a zip of 300 KB). It checks the CRC and the size the
// headers claim, as archive/zip does.
func readEntry(f *zip.File, name string, lim Limits, total, compressedTotal *int64, inflate *io.ReadCloser) ([]byte, error) {
	if f.Flags&0x1 != 0 {
		return nil, errorf(ErrMalformed, name, "", "the entry is encrypted")
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, errorf(ErrMalformed, name, "", "the entry cannot be read: %v", err)
	}
	compressed := &countingReader{r: raw}
	var rd io.Reader
	switch f.Method {
	case zip.Store:
		rd = compressed
	case zip.Deflate:
		if *inflate == nil {
			*inflate = flate.NewReader(compressed)
		} else if err := (*inflate).(flate.Resetter).Reset(compressed, nil); err != nil {
			return nil, errorf(ErrMalformed, name, "", "the entry cannot be read: %v", err)
		}
		rd = *inflate
	default:
		return nil, errorf(ErrMalformed, name, "", "the entry is compressed with method %d; solution files use deflate (8) or none (0)", f.Method)
	}
	limit := lim.MaxEntryBytes
	left := lim.MaxTotalBytes - *total
	if left < limit {
		limit = left
	}
	tooLarge := func() error {
		if limit < lim.MaxEntryBytes {
			return errorf(ErrTooLarge, name, "", "the zip's files decompress to more than %d bytes together", lim.MaxTotalBytes)
		}
		return errorf(ErrTooLarge, name, "", "the entry decompresses to more than %d bytes", lim.MaxEntryBytes)
	}
	// Start with what the header claims, but never more than 64 KiB on its word (a hostile
	// zip lists thousands of entries that each claim gigabytes); the buffer doubles from there.
	initial := int64(min(f.UncompressedSize64, 64<<10))
	if initial > limit+1 {
		initial = limit + 1
	}
	buf := make([]byte, 0, max(initial, 512))
	h := crc32.NewIEEE()
	for {
		if len(buf) == cap(buf) {
			n := min(2*int64(cap(buf)), limit+1)
			// Data keeps coming: the header's claim is now worth believing (within the limit),
			// which spares the copies of doubling for a large definition.
			if claim := int64(min(f.UncompressedSize64, 1<<62)) + 1; claim > n {
				n = min(claim, limit+1)
			}
			if n <= int64(len(buf)) {
				return nil, tooLarge()
			}
			nb := make([]byte, len(buf), n)
			copy(nb, buf)
			buf = nb
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		h.Write(buf[len(buf) : len(buf)+n])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, tooLarge()
		}
		if len(buf) > RatioFloor && int64(len(buf)) > lim.MaxRatio*max(compressed.n, 1) {
			return nil, errorf(ErrTooLarge, name, "", "the entry decompresses to more than %d times its compressed size (a zip bomb?)", lim.MaxRatio)
		}
		if all := *total + int64(len(buf)); all > RatioFloor && all > lim.MaxRatio*max(*compressedTotal+compressed.n, 1) {
			return nil, errorf(ErrTooLarge, name, "", "the zip's files decompress to more than %d times their compressed size together (a zip bomb?)", lim.MaxRatio)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(ErrMalformed, name, "", "the entry's data is corrupt: %v", err)
		}
	}
	if uint64(len(buf)) != f.UncompressedSize64 {
		return nil, errorf(ErrMalformed, name, "", "the entry's data is corrupt: the zip says %d bytes, the data has %d", f.UncompressedSize64, len(buf))
	}
	if h.Sum32() != f.CRC32 {
		return nil, errorf(ErrMalformed, name, "", "the entry's data is corrupt: its checksum does not match")
	}
	*total += int64(len(buf))
	*compressedTotal += compressed.n
	return buf, nil
}

// resolve reads the files the connectors' elements name into their columns.
func (z *zipFiles) resolve(refs []fileRef, cs []Connector) error {
	for _, ref := range refs {
		c := &cs[ref.connector]
		where := "<Connector> " + c.Name + " <" + ref.column + ">"
		p, _, err := cleanPath(strings.TrimSpace(ref.path)[1:])
		if err != nil {
			return errorf(ErrUnsafePath, ref.file, where, "line %d: the file name %s %s", ref.line, printable(ref.path), err.Error())
		}
		e := z.index[strings.ToLower(p)]
		if e == nil {
			if z.folder {
				return errorf(ErrMissingFile, ref.file, where, "line %d: names %s, which is not in the folder (as %s)", ref.line, ref.path, folderPath(p))
			}
			return errorf(ErrMissingFile, ref.file, where, "line %d: names %s, which is not in the zip", ref.line, ref.path)
		}
		e.used = true
		if ref.column == colIconBlob {
			if len(e.data) > 0 {
				c.Icon = e.data
			}
			continue
		}
		text, err := columnText(ref.column, e.data)
		if err != nil {
			return errorf(ErrMalformed, e.name, "", "%s (named by <%s> of connector %s)", err.Error(), ref.column, c.Name)
		}
		switch ref.column {
		case colOpenAPIDefinition:
			c.OpenAPIDefinition = text
		case colConnectionParameters:
			c.ConnectionParameters = text
		case colConnectionParameterSets:
			c.ConnectionParameterSets = text
		case colPolicyTemplateInstances:
			c.PolicyTemplateInstances = text
		case colCustomCodeBlobContent:
			c.CustomCodeBlobContent = text
		case colScriptOperations:
			c.ScriptOperations = text
		}
	}
	// Inline values get the same reading as files.
	for i := range cs {
		c := &cs[i]
		for _, col := range []struct {
			name string
			v    *string
		}{{colConnectionParameters, &c.ConnectionParameters}, {colConnectionParameterSets, &c.ConnectionParameterSets},
			{colPolicyTemplateInstances, &c.PolicyTemplateInstances}, {colScriptOperations, &c.ScriptOperations}} {
			t, _ := columnText(col.name, []byte(*col.v)) // XML text is UTF-8 already
			*col.v = t
		}
	}
	return nil
}

// columnText reads a connector file (or an inline value) as its column's text: the
// definition byte for byte; the others without a byte-order mark. What says "none" reads as
// Write writes it, so that what Read gives, Write writes and Read gives back unchanged:
// connectionparameters "{}" when empty (or only white space), policytemplateinstances "[]"
// when empty or null, connectionparametersets and scriptoperations "" when empty.
func columnText(column string, data []byte) (string, error) {
	if !utf8.Valid(data) {
		return "", errorString("the file is not valid UTF-8 (at byte " + itoaText(invalidUTF8At(data)) + ")")
	}
	if column == colOpenAPIDefinition {
		return string(data), nil
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	t := bytes.TrimSpace(data)
	switch {
	case column == colConnectionParameters && len(t) == 0:
		return "{}", nil
	case column == colPolicyTemplateInstances && (len(t) == 0 || string(t) == "null"):
		return "[]", nil
	case (column == colConnectionParameterSets || column == colScriptOperations) && len(t) == 0:
		return "", nil
	}
	return string(data), nil
}

// decodeBase64 decodes an inline icon, ignoring white space.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

func checkConnectorNames(cs []Connector) error {
	names, ids := map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		if names[strings.ToLower(c.Name)] {
			return errorf(ErrDuplicate, CustomizationsFile, "<Connector> "+c.Name, "two connectors are named %s (compared without regard to case)", c.Name)
		}
		if ids[c.ID] {
			return errorf(ErrDuplicate, CustomizationsFile, "<Connector> "+c.Name, "two connectors have the connectorid %s", c.ID)
		}
		names[strings.ToLower(c.Name)], ids[c.ID] = true, true
	}
	return nil
}

func checkReferenceNames(rs []ConnectionReference) error {
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[strings.ToLower(r.LogicalName)] {
			return errorf(ErrDuplicate, CustomizationsFile, "<connectionreference> "+r.LogicalName, "two connection references are named %s", r.LogicalName)
		}
		seen[strings.ToLower(r.LogicalName)] = true
	}
	return nil
}

// environmentVariables reads environmentvariabledefinitions/<x>/environmentvariabledefinition.xml
// files, in the zip's order, each with the environmentvariablevalues.json beside it.
func (z *zipFiles) environmentVariables(lim Limits) ([]EnvironmentVariable, error) {
	var out []EnvironmentVariable
	seen := map[string]bool{}
	for _, e := range z.list {
		segs := strings.Split(strings.ToLower(e.name), "/")
		if len(segs) != 3 || segs[0] != envFolder || segs[2] != envDefinitionFile {
			continue
		}
		v, err := parseEnvironmentVariableXML(e.name, e.data, lim)
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(v.SchemaName)] {
			return nil, errorf(ErrDuplicate, e.name, "", "a second definition of the environment variable %s", v.SchemaName)
		}
		seen[strings.ToLower(v.SchemaName)] = true
		sortChildren(v.Other, func(el Element) string { return el.Name })
		e.used = true
		if ve := z.index[segs[0]+"/"+segs[1]+"/"+strings.ToLower(envValuesFile)]; ve != nil {
			if v.Value, err = parseValuesJSON(ve.name, ve.data); err != nil {
				return nil, err
			}
			ve.used = true
		}
		out = append(out, *v)
	}
	return out, nil
}

// parseValuesJSON reads environmentvariablevalues.json:
// {"environmentvariablevalues":{"environmentvariablevalue":{…}}}, where the innermost value may
// also be an array of one; an empty array or null is no value.
func parseValuesJSON(file string, data []byte) (*EnvironmentVariableValue, error) {
	if !utf8.Valid(data) {
		return nil, errorf(ErrMalformed, file, "", "the file is not valid UTF-8 (at byte %d)", invalidUTF8At(data))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := jsontext.CheckBudget(data, 10_000, 32); err != nil {
		return nil, errorf(ErrTooLarge, file, "", "%v", err)
	}
	root, err := jsontext.Parse(data)
	if err != nil {
		return nil, errorf(ErrMalformed, file, "", "not valid JSON: %v", err)
	}
	member := func(v *jsontext.Value, key string) *jsontext.Value {
		if v == nil || v.Kind != jsontext.Object {
			return nil
		}
		var found *jsontext.Value
		for _, m := range v.Members {
			if strings.EqualFold(m.Key, key) {
				found = m.Value
			}
		}
		return found
	}
	outer := member(root, "environmentvariablevalues")
	if outer == nil || outer.Kind == jsontext.Null {
		return nil, errorf(ErrMalformed, file, "", `expected {"environmentvariablevalues":{"environmentvariablevalue":{…}}}`)
	}
	v := member(outer, "environmentvariablevalue")
	if v == nil || v.Kind == jsontext.Null {
		return nil, nil
	}
	if v.Kind == jsontext.Array {
		switch len(v.Elems) {
		case 0:
			return nil, nil
		case 1:
			v = v.Elems[0]
		default:
			return nil, errorf(ErrMalformed, file, "environmentvariablevalue", "%d values; an environment variable has one", len(v.Elems))
		}
	}
	if v.Kind != jsontext.Object {
		return nil, errorf(ErrMalformed, file, "environmentvariablevalue", "expected an object")
	}
	text := func(key string) (string, error) {
		m := member(v, key)
		switch {
		case m == nil || m.Kind == jsontext.Null:
			return "", nil
		case m.Kind == jsontext.String:
			return m.Str, nil
		case m.Kind == jsontext.Number || m.Kind == jsontext.Bool:
			return string(data[m.Start:m.End]), nil
		}
		return "", errorf(ErrMalformed, file, "environmentvariablevalue."+key, "expected a string")
	}
	val := &EnvironmentVariableValue{}
	if val.Value, err = text("value"); err != nil {
		return nil, err
	}
	if val.SchemaName, err = text("schemaname"); err != nil {
		return nil, err
	}
	id, err := text("environmentvariablevalueid")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(id) != "" {
		g, ok := connectorhub.ParseGUID(strings.TrimSpace(id))
		if !ok {
			return nil, errorf(ErrMalformed, file, "environmentvariablevalueid", "%q is not a GUID", id)
		}
		val.ID = g
	}
	return val, nil
}
