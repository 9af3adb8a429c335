// Package connectordir reads and writes a connector's folder in the layout paconn and pac use.
//
// A folder holds apiDefinition.swagger.json (required), and optionally apiProperties.json,
// icon.png, script.csx and paconn's settings.json, which may name other file names (relative to
// the folder). Columns maps the files to the columns of Dataverse's connector table, and
// FromConnector maps a record's columns back to files:
//
//   - apiDefinition.swagger.json → openapidefinition, the text byte for byte; displayname is its
//     info.title (required, at most 200 characters) and description its info.description (at
//     most 1000). A longer one is an error, never cut.
//   - apiProperties.json, members of "properties": connectionParameters → connectionparameters,
//     connectionParameterSets → connectionparametersets, policyTemplateInstances →
//     policytemplateinstances, scriptOperations → scriptoperations (each as compact JSON text),
//     iconBrandColor → iconbrandcolor, capabilities (names such as "actions") → the choice
//     values of the capabilities column (118690000 composite … 118690005 actions); a name
//     without a choice value ("triggers" among them) is an error that names it. Members without
//     a column (publisher, stackOwner, …) are not sent.
//   - script.csx → customcodeblobcontent, as text (a UTF-8 byte-order mark removed), as the
//     server and solution exports (<name>_customcodeblobcontent.csx) hold it.
//   - icon.png is read into Folder.Icon but never sent: the Web API refuses iconblob. Download
//     writes icon.png when the record has an iconblob.
//
// Identity: settings.json's connectorId (a GUID) is the connectorid when present. Otherwise the
// identity is derived from the folder so that a second create of the same folder addresses the
// same record: name = <prefix>_<folder base name, lower-cased, keeping only a-z and 0-9>
// (DeriveName), and connectorid = the UUID version 5 of that name in the namespace Namespace
// (DeriveID). The name is derived in both cases: it is sent on create only.
package connectordir

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
)

// The default file names of a connector folder.
const (
	DefinitionFile = "apiDefinition.swagger.json"
	PropertiesFile = "apiProperties.json"
	IconFile       = "icon.png"
	ScriptFile     = "script.csx"
	SettingsFile   = "settings.json"
)

// DefaultPrefix is the customization prefix of derived names when Options.Prefix is "", as pac's.
const DefaultPrefix = "new"

// Column limits of the connector table, in characters (spec §1.2).
const (
	maxDisplayName = 200
	maxDescription = 1000
	maxName        = 500
)

// Folder is a connector folder: its files' contents (nil when a file is absent) and paconn's
// settings.json (nil when absent).
type Folder struct {
	Dir                                  string
	Definition, Properties, Icon, Script []byte
	Settings                             *Settings
	// Warnings name what Columns left out because the connector table cannot hold it, such
	// as the "triggers" capability, which has no choice value.
	Warnings []string
}

// Settings is paconn's settings.json; the file names are relative to the folder, "" meaning
// the default name.
type Settings struct {
	ConnectorID   string `json:"connectorId,omitempty"`
	Environment   string `json:"environment,omitempty"`
	APIProperties string `json:"apiProperties,omitempty"`
	APIDefinition string `json:"apiDefinition,omitempty"`
	Icon          string `json:"icon,omitempty"`
	Script        string `json:"script,omitempty"`

	// extra keeps the members without a field (powerAppsUrl, $schema…), written back by Write.
	extra map[string]json.RawMessage
}

// Options are the options of Columns.
type Options struct {
	// Prefix is the publisher customization prefix of derived names (default "new", like pac).
	Prefix string
}

// fileName returns the file name of one of the folder's files: settings' when set, else def.
func (s *Settings) fileName(def string) string {
	if s != nil {
		var name string
		switch def {
		case DefinitionFile:
			name = s.APIDefinition
		case PropertiesFile:
			name = s.APIProperties
		case IconFile:
			name = s.Icon
		case ScriptFile:
			name = s.Script
		}
		if name != "" {
			return filepath.FromSlash(name)
		}
	}
	return def
}

// Read reads the connector folder dir: apiDefinition.swagger.json is required;
// apiProperties.json, icon.png, script.csx and settings.json are optional. settings.json may
// name other files, relative to dir.
func Read(dir string) (*Folder, error) {
	f := &Folder{Dir: dir}
	st, err := readSettings(filepath.Join(dir, SettingsFile))
	if err != nil {
		return nil, err
	}
	f.Settings = st
	defPath := filepath.Join(dir, st.fileName(DefinitionFile))
	if f.Definition, err = os.ReadFile(defPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: not a connector folder: %s is missing", dir, st.fileName(DefinitionFile))
		}
		return nil, err
	}
	for _, file := range []struct {
		name string
		dst  *[]byte
	}{{PropertiesFile, &f.Properties}, {IconFile, &f.Icon}, {ScriptFile, &f.Script}} {
		data, err := os.ReadFile(filepath.Join(dir, st.fileName(file.name)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if st.fileName(file.name) != file.name {
				return nil, fmt.Errorf("%s: settings.json names %s, which is missing", dir, st.fileName(file.name))
			}
		case err != nil:
			return nil, err
		default:
			*file.dst = data
		}
	}
	return f, nil
}

// readSettings reads a settings.json; a missing file is nil, no error.
func readSettings(path string) (*Settings, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	data = trimBOM(data)
	st := &Settings{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range all {
		switch k {
		case "connectorId", "environment", "apiProperties", "apiDefinition", "icon", "script":
		default:
			if st.extra == nil {
				st.extra = map[string]json.RawMessage{}
			}
			st.extra[k] = v
		}
	}
	for _, name := range []string{st.APIDefinition, st.APIProperties, st.Icon, st.Script} {
		if name != "" && (filepath.IsAbs(name) || !filepath.IsLocal(filepath.FromSlash(name))) {
			return nil, fmt.Errorf("%s: file name %q must be relative to the folder and stay inside it", path, name)
		}
	}
	return st, nil
}

// Find returns every connector folder at or under the roots, sorted and without duplicates:
// the folders that hold an apiDefinition.swagger.json, or a settings.json whose apiDefinition
// names a file that exists. Folders whose names start with "." (.git…) and node_modules are
// not entered, except a root itself.
func Find(roots ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, root := range roots {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s is not a folder", root)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if isFolder(path) {
				seen[filepath.Clean(path)] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// isFolder reports whether dir is a connector folder.
func isFolder(dir string) bool {
	if st, err := os.Stat(filepath.Join(dir, DefinitionFile)); err == nil && st.Mode().IsRegular() {
		return true
	}
	s, err := readSettings(filepath.Join(dir, SettingsFile))
	if err != nil || s == nil || s.APIDefinition == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, s.fileName(DefinitionFile)))
	return err == nil && st.Mode().IsRegular()
}

// Namespace is the UUID namespace of derived connector ids (DeriveID): the version 5 UUID of
// the URL https://github.com/connectorhub/connectorhub/connectordir in the URL namespace.
var Namespace = uuid5(urlNamespace, "https://github.com/connectorhub/connectorhub/connectordir")

// urlNamespace is RFC 9562's namespace of URLs, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
var urlNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuid5 is the version 5 (SHA-1) UUID of name in namespace ns.
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// DeriveID returns the connectorid of a connector without settings.json: the version 5 UUID
// of its name, lower-cased (the server compares names without regard to case), in Namespace.
func DeriveID(name string) string {
	return formatUUID(uuid5(Namespace, strings.ToLower(name)))
}

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,7}$`)

// DeriveName returns the name of the connector in folder dir: prefix + "_" + the folder's base
// name lower-cased, keeping only a-z and 0-9. prefix "" is DefaultPrefix; it must be a
// customization prefix (2 to 8 lower-case letters and digits, starting with a letter, not
// "mscrm"). A folder name with no letter or digit is an error.
func DeriveName(dir, prefix string) (string, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !prefixRE.MatchString(prefix) || strings.HasPrefix(prefix, "mscrm") {
		return "", fmt.Errorf("prefix %q is not a customization prefix: 2 to 8 lower-case letters and digits, starting with a letter, not mscrm", prefix)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	base := filepath.Base(abs)
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("cannot derive a connector name from the folder name %q (no letter or digit): rename the folder or give settings.json a connectorId", base)
	}
	name := prefix + "_" + b.String()
	if len(name) > maxName {
		return "", fmt.Errorf("the derived connector name %s… is longer than %d characters: rename the folder", name[:40], maxName)
	}
	return name, nil
}

// Columns returns the columns a write of the folder sends: openapidefinition, displayname,
// description, connectortype (1, CustomConnector), connectionparameters,
// connectionparametersets, policytemplateinstances, scriptoperations, customcodeblobcontent,
// capabilities and iconbrandcolor, and the identity, name and connectorid (see the package
// documentation). The icon is never among them.
func (f *Folder) Columns(o Options) (*client.Connector, error) {
	c := &client.Connector{ConnectorType: 1, OpenAPIDefinition: string(f.Definition)}
	defName := f.Settings.fileName(DefinitionFile)
	// Read as tolerantly as the service reads definitions: published ones are not all strict
	// JSON, and the service takes them.
	title, desc := connectorhub.DefinitionInfo(string(f.Definition))
	if strings.TrimSpace(title) == "" {
		return nil, fmt.Errorf("%s: info.title is missing or empty: it is the connector's display name", defName)
	}
	if n := utf8.RuneCountInString(title); n > maxDisplayName {
		return nil, fmt.Errorf("%s: info.title has %d characters; the display name takes at most %d", defName, n, maxDisplayName)
	}
	if n := utf8.RuneCountInString(desc); n > maxDescription {
		return nil, fmt.Errorf("%s: info.description has %d characters; the description takes at most %d", defName, n, maxDescription)
	}
	c.DisplayName, c.Description = title, desc
	// The domain's one mapping of the files to the columns (connectorhub.Package): the JSON
	// members as their text, byte for byte; capabilities by name; the script as text.
	u, warnings, err := connectorhub.Package{Definition: f.Definition, Properties: f.Properties, Script: f.Script}.Update()
	if err != nil {
		return nil, fmt.Errorf("%s: %s", f.Settings.fileName(PropertiesFile), connectorhub.ErrorMessage(err))
	}
	f.Warnings = warnings
	for _, col := range []struct {
		from *string
		to   *string
	}{
		{u.ConnectionParameters, &c.ConnectionParameters},
		{u.ConnectionParameterSets, &c.ConnectionParameterSets},
		{u.PolicyTemplateInstances, &c.PolicyTemplateInstances},
		{u.ScriptOperations, &c.ScriptOperations},
		{u.IconBrandColor, &c.IconBrandColor},
		{u.Capabilities, &c.Capabilities},
		{u.CustomCodeBlobContent, &c.CustomCodeBlobContent},
	} {
		if col.from != nil {
			*col.to = *col.from
		}
	}
	dir := f.Dir
	if dir == "" {
		dir = "."
	}
	if c.Name, err = DeriveName(dir, o.Prefix); err != nil {
		return nil, err
	}
	c.ConnectorID = DeriveID(c.Name)
	if f.Settings != nil && f.Settings.ConnectorID != "" {
		id, ok := connectorhub.ParseGUID(f.Settings.ConnectorID)
		if !ok {
			return nil, fmt.Errorf("%s: connectorId %q is not a GUID: paconn's connector ids name the Power Apps API, not a Dataverse row; put the record's connectorid there or remove it", SettingsFile, f.Settings.ConnectorID)
		}
		c.ConnectorID = id
	}
	return c, nil
}

// CapabilityNames returns the capability names of a capabilities column's value
// ("118690000,118690005" → composite, actions); an unknown value is an error.
func CapabilityNames(column string) ([]string, error) {
	names := []string{}
	if strings.TrimSpace(column) == "" {
		return names, nil
	}
	for _, p := range strings.Split(column, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		label, ok := connectorhub.CapabilityLabels[n]
		if err != nil || !ok {
			return nil, fmt.Errorf("capabilities: %q is not a known choice value", strings.TrimSpace(p))
		}
		names = append(names, label)
	}
	return names, nil
}

// FromConnector returns the folder of a record's columns. The definition is openapidefinition
// byte for byte (the server stores the text as sent, so it is the file that was sent).
// apiProperties.json is pretty JSON (2-space indent, object keys sorted, a trailing newline)
// of connectionParameters, connectionParameterSets, policyTemplateInstances, scriptOperations,
// iconBrandColor (each when set) and capabilities (always, [] when empty), so that a second
// download writes the same bytes and a diff shows only real changes. script.csx is
// customcodeblobcontent, icon.png the decoded iconblob, and settings.json holds the
// connectorid. Dir is "".
func FromConnector(c *client.Connector) (*Folder, error) {
	if c == nil {
		return nil, errors.New("connectordir: FromConnector of a nil connector")
	}
	f := &Folder{}
	if c.OpenAPIDefinition != "" {
		f.Definition = []byte(c.OpenAPIDefinition)
	}
	props := map[string]any{}
	for _, col := range []struct{ member, column, value string }{
		{"connectionParameters", "connectionparameters", c.ConnectionParameters},
		{"connectionParameterSets", "connectionparametersets", c.ConnectionParameterSets},
		{"policyTemplateInstances", "policytemplateinstances", c.PolicyTemplateInstances},
		{"scriptOperations", "scriptoperations", c.ScriptOperations},
	} {
		if strings.TrimSpace(col.value) == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(col.value))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the %s column is not valid JSON: %v", col.column, err)
		}
		props[col.member] = v
	}
	if c.IconBrandColor != "" {
		props["iconBrandColor"] = c.IconBrandColor
	}
	caps, err := CapabilityNames(c.Capabilities)
	if err != nil {
		return nil, err
	}
	props["capabilities"] = caps
	if f.Properties, err = PrettyJSON(map[string]any{"properties": props}); err != nil {
		return nil, err
	}
	if c.CustomCodeBlobContent != "" {
		f.Script = []byte(c.CustomCodeBlobContent)
	}
	if c.IconBlob != "" {
		if f.Icon, err = base64.StdEncoding.DecodeString(c.IconBlob); err != nil {
			return nil, fmt.Errorf("the iconblob column is not base64: %v", err)
		}
	}
	if c.ConnectorID != "" {
		f.Settings = &Settings{ConnectorID: c.ConnectorID}
	}
	return f, nil
}

// PrettyJSON encodes v as FromConnector writes files: 2-space indent, map keys sorted, no HTML
// escaping, a trailing newline.
func PrettyJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write writes the folder's files into dir, creating it when missing: each file is written to
// a temporary file beside it and renamed over it, so that a reader sees the old or the new file,
// never half of one. Files that would be empty (nil contents, a nil Settings) are not written,
// and files already in dir that the folder lacks are left as they are. settings.json's file
// names are honoured.
func (f *Folder) Write(dir string) error {
	if len(f.Definition) == 0 {
		return errors.New("connectordir: the folder has no definition to write")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{f.Settings.fileName(DefinitionFile), f.Definition},
		{f.Settings.fileName(PropertiesFile), f.Properties},
		{f.Settings.fileName(IconFile), f.Icon},
		{f.Settings.fileName(ScriptFile), f.Script},
	}
	if f.Settings != nil {
		data, err := f.Settings.marshal()
		if err != nil {
			return err
		}
		files = append(files, struct {
			name string
			data []byte
		}{SettingsFile, data})
	}
	for _, file := range files {
		if len(file.data) == 0 {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, file.name)), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, file.name), file.data); err != nil {
			return err
		}
	}
	return nil
}

// marshal encodes settings.json: the known members in the order of the struct, then the others
// sorted.
func (s *Settings) marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{")
	first := true
	add := func(k string, v any) error {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.Write(kb)
		b.WriteString(":")
		b.Write(vb)
		return nil
	}
	for _, m := range []struct{ k, v string }{
		{"connectorId", s.ConnectorID}, {"environment", s.Environment}, {"apiProperties", s.APIProperties},
		{"apiDefinition", s.APIDefinition}, {"icon", s.Icon}, {"script", s.Script},
	} {
		if m.v != "" {
			if err := add(m.k, m.v); err != nil {
				return nil, err
			}
		}
	}
	keys := make([]string, 0, len(s.extra))
	for k := range s.extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := add(k, s.extra[k]); err != nil {
			return nil, err
		}
	}
	b.WriteString("}")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// writeAtomic writes data to path through a temporary file in the same folder and a rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }
