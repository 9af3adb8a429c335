package solutionzip

import (
	"encoding/xml"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

// The files at the root of a solution zip.
const (
	SolutionFile       = "solution.xml"        // the manifest
	CustomizationsFile = "customizations.xml"  // the components
	ContentTypesFile   = "[Content_Types].xml" // the OPC content types
)

// parseSolutionXML reads solution.xml into s: the header and the manifest. both is what
// <Managed>2</Managed> reads as; nil refuses it.
func parseSolutionXML(data []byte, lim Limits, s *Solution, both *bool) error {
	d, err := newXMLDoc(SolutionFile, data, lim)
	if err != nil {
		return err
	}
	root, err := d.root("ImportExportXml")
	if err != nil {
		return err
	}
	if err := parseHeader(root.Attr, &s.Header); err != nil {
		return err
	}
	found := false
	for {
		t, off, err := d.next()
		if err != nil {
			return err
		}
		if _, ok := t.(xml.EndElement); ok {
			break // the root's end: children are read whole below
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		if !strings.EqualFold(se.Name.Local, "SolutionManifest") {
			// Siblings of the manifest carry nothing an import uses; they are not kept.
			if _, err := d.skip(off); err != nil {
				return err
			}
			continue
		}
		if found {
			return d.errorf(ErrMalformed, "a second <SolutionManifest>")
		}
		found = true
		n, err := d.element(se, off)
		if err != nil {
			return err
		}
		if err := parseManifest(n, s, both); err != nil {
			return err
		}
	}
	if !found {
		return errorf(ErrMalformed, SolutionFile, "<ImportExportXml>", "no <SolutionManifest>: the file does not describe a solution")
	}
	return d.end()
}

func parseHeader(attrs []xml.Attr, h *Header) error {
	for _, a := range attrs {
		if isXSINamespace(a) {
			continue
		}
		if a.Name.Space != "" {
			h.Other = append(h.Other, Attr{Name: qname(a.Name), Value: a.Value})
			continue
		}
		switch a.Name.Local {
		case "version":
			h.Version = a.Value
		case "SolutionPackageVersion":
			h.SolutionPackageVersion = a.Value
		case "languagecode":
			n, err := strconv.Atoi(strings.TrimSpace(a.Value))
			if err != nil {
				return errorf(ErrMalformed, SolutionFile, "<ImportExportXml>", "languagecode %q is not a number", a.Value)
			}
			h.LanguageCode = n
		case "generatedBy":
			h.GeneratedBy = a.Value
		case "OrganizationVersion":
			h.OrganizationVersion = a.Value
		case "OrganizationSchemaType":
			h.OrganizationSchemaType = a.Value
		case "CRMServerServiceabilityVersion":
			h.CRMServerServiceabilityVersion = a.Value
		default:
			h.Other = append(h.Other, Attr{Name: qname(a.Name), Value: a.Value})
		}
	}
	return nil
}

// where names an element for messages: its path and line.
func where(path string, n *node) string {
	return path + "<" + n.name + ">"
}

// leaf returns an element's text; an element that holds elements is refused.
func leaf(file, path string, n *node) (string, error) {
	if len(n.kids) > 0 {
		return "", errorf(ErrMalformed, file, where(path, n), "line %d: holds <%s>, where text is expected", n.line, n.kids[0].name)
	}
	return n.text, nil
}

// once checks that a modelled child appears once.
type once map[string]bool

func (o once) check(file, path string, n *node) error {
	k := strings.ToLower(n.name)
	if o[k] {
		return errorf(ErrMalformed, file, where(path, n), "line %d: given twice", n.line)
	}
	o[k] = true
	return nil
}

func parseManifest(m *node, s *Solution, both *bool) error {
	const path = "<SolutionManifest>"
	seen := once{}
	var hasUnique, hasVersion, hasPublisher bool
	for _, n := range m.kids {
		name := strings.ToLower(n.name)
		switch name {
		case "uniquename", "localizednames", "descriptions", "version", "managed", "publisher", "rootcomponents", "missingdependencies":
			if err := seen.check(SolutionFile, path, n); err != nil {
				return err
			}
		}
		var err error
		switch name {
		case "uniquename":
			s.UniqueName, err = leaf(SolutionFile, path, n)
			s.UniqueName = strings.TrimSpace(s.UniqueName)
			hasUnique = s.UniqueName != ""
		case "localizednames":
			s.LocalizedNames, err = localized(SolutionFile, path, n)
		case "descriptions":
			s.Descriptions, err = localized(SolutionFile, path, n)
		case "version":
			var v string
			if v, err = leaf(SolutionFile, path, n); err == nil {
				s.Version = strings.TrimSpace(v)
				if !validVersion(s.Version) {
					return errorf(ErrMalformed, SolutionFile, where(path, n), "line %d: %q is not a version: give major.minor[.build[.revision]], e.g. 1.0.0.0", n.line, v)
				}
				hasVersion = true
			}
		case "managed":
			var v string
			if v, err = leaf(SolutionFile, path, n); err == nil {
				switch strings.TrimSpace(v) {
				case "0", "false":
					s.Managed = false
				case "1", "true":
					s.Managed = true
				case "2":
					if both != nil {
						s.Managed = *both // an unpacked folder of both types: the caller chooses
						break
					}
					return errorf(ErrMalformed, SolutionFile, where(path, n), "line %d: 2 (both) is what an unpacked folder holds; pack it into an unmanaged or a managed zip first", n.line)
				default:
					return errorf(ErrMalformed, SolutionFile, where(path, n), "line %d: %q: give 0 (unmanaged) or 1 (managed)", n.line, v)
				}
			}
		case "publisher":
			err = parsePublisher(n, &s.Publisher)
			hasPublisher = true
		case "rootcomponents":
			err = parseRootComponents(n, s)
		case "missingdependencies":
			for _, md := range n.kids {
				if !strings.EqualFold(md.name, "MissingDependency") {
					return errorf(ErrMalformed, SolutionFile, where(path+"<MissingDependencies>", md), "line %d: expected <MissingDependency>", md.line)
				}
				var dep MissingDependency
				for _, k := range md.kids {
					switch strings.ToLower(k.name) {
					case "required":
						dep.Required = keptAttrs(k.attrs)
					case "dependent":
						dep.Dependent = keptAttrs(k.attrs)
					}
				}
				s.MissingDependencies = append(s.MissingDependencies, dep)
			}
		default:
			s.Other = append(s.Other, n.element())
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !hasUnique:
		return errorf(ErrMalformed, SolutionFile, path, "no <UniqueName>: a solution needs a unique name")
	case !hasVersion:
		return errorf(ErrMalformed, SolutionFile, path, "no <Version>: a solution needs a version such as 1.0.0.0")
	case !hasPublisher:
		return errorf(ErrMalformed, SolutionFile, path, "no <Publisher>: a solution needs a publisher")
	}
	return nil
}

// validVersion accepts Dataverse's solution versions: two to four numbers separated by dots.
func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 10 {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// localized reads <LocalizedNames>, <Descriptions> or a label element: children with
// description and languagecode attributes.
func localized(file, path string, n *node) ([]LocalizedText, error) {
	var out []LocalizedText
	for _, k := range n.kids {
		text, _ := k.attr("description")
		lc, ok := k.attr("languagecode")
		code, err := strconv.Atoi(strings.TrimSpace(lc))
		if !ok || err != nil {
			return nil, errorf(ErrMalformed, file, where(path+"<"+n.name+">", k), "line %d: languagecode %q is not a number", k.line, lc)
		}
		out = append(out, LocalizedText{Text: text, LanguageCode: code})
	}
	return out, nil
}

func parsePublisher(p *node, pub *Publisher) error {
	const path = "<SolutionManifest><Publisher>"
	seen := once{}
	for _, n := range p.kids {
		name := strings.ToLower(n.name)
		switch name {
		case "uniquename", "localizednames", "descriptions", "emailaddress", "supportingwebsiteurl",
			"customizationprefix", "customizationoptionvalueprefix", "addresses":
			if err := seen.check(SolutionFile, path, n); err != nil {
				return err
			}
		}
		var err error
		var v string
		switch name {
		case "uniquename":
			v, err = leaf(SolutionFile, path, n)
			pub.UniqueName = strings.TrimSpace(v)
		case "localizednames":
			pub.LocalizedNames, err = localized(SolutionFile, path, n)
		case "descriptions":
			pub.Descriptions, err = localized(SolutionFile, path, n)
		case "emailaddress":
			pub.EMailAddress, err = leaf(SolutionFile, path, n)
		case "supportingwebsiteurl":
			pub.SupportingWebsiteURL, err = leaf(SolutionFile, path, n)
		case "customizationprefix":
			v, err = leaf(SolutionFile, path, n)
			pub.CustomizationPrefix = strings.TrimSpace(v)
		case "customizationoptionvalueprefix":
			if v, err = leaf(SolutionFile, path, n); err == nil && !n.isNil() && strings.TrimSpace(v) != "" {
				pub.CustomizationOptionValuePrefix, err = strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					return errorf(ErrMalformed, SolutionFile, where(path, n), "line %d: %q is not a number", n.line, v)
				}
			}
		case "addresses":
			for _, a := range n.kids {
				var addr Address
				for _, f := range a.kids {
					fv, err := leaf(SolutionFile, path+"<Addresses><Address>", f)
					if err != nil {
						return err
					}
					addr.Fields = append(addr.Fields, Field{Name: f.name, Value: fv, Nil: f.isNil()})
				}
				pub.Addresses = append(pub.Addresses, addr)
			}
		default:
			pub.Other = append(pub.Other, n.element())
		}
		if err != nil {
			return err
		}
	}
	switch {
	case pub.UniqueName == "":
		return errorf(ErrMalformed, SolutionFile, path, "no <UniqueName>: the publisher needs a unique name")
	case pub.CustomizationPrefix == "":
		return errorf(ErrMalformed, SolutionFile, path, "no <CustomizationPrefix>: the publisher needs a customization prefix")
	}
	return nil
}

func parseRootComponents(n *node, s *Solution) error {
	const path = "<SolutionManifest><RootComponents>"
	for _, k := range n.kids {
		if !strings.EqualFold(k.name, "RootComponent") {
			return errorf(ErrMalformed, SolutionFile, where(path, k), "line %d: expected <RootComponent>", k.line)
		}
		var rc RootComponent
		t, _ := k.attr("type")
		var err error
		if rc.Type, err = strconv.Atoi(strings.TrimSpace(t)); err != nil {
			return errorf(ErrMalformed, SolutionFile, where(path, k), "line %d: type %q is not a number", k.line, t)
		}
		if id, ok := k.attr("id"); ok && strings.TrimSpace(id) != "" {
			g, ok := connectorhub.ParseGUID(strings.TrimSpace(id))
			if !ok {
				return errorf(ErrMalformed, SolutionFile, where(path, k), "line %d: id %q is not a GUID", k.line, id)
			}
			rc.ID = g
		}
		rc.SchemaName, _ = k.attr("schemaName")
		if b, ok := k.attr("behavior"); ok && strings.TrimSpace(b) != "" {
			if rc.Behavior, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
				return errorf(ErrMalformed, SolutionFile, where(path, k), "line %d: behavior %q is not a number", k.line, b)
			}
		}
		s.RootComponents = append(s.RootComponents, rc)
	}
	return nil
}

// fileRef is a column of a connector that names a file, to be read once the zip is known.
type fileRef struct {
	connector int    // index in Solution.Connectors
	column    string // the element's name, e.g. "openapidefinition"
	path      string // the element's text, e.g. "/Connector/x_openapidefinition.json"
	file      string // the file that holds the element, for messages
	line      int
}

// customizations is customizations.xml as parsed: the solution's parts and the files the
// connectors name.
type customizations struct {
	Customizations
	connectors []Connector
	refs       []fileRef
	connRefs   []ConnectionReference
}

// parseCustomizationsXML reads customizations.xml: the connectors (with the file references
// still to be read), the connection references and the other sections verbatim.
func parseCustomizationsXML(data []byte, lim Limits) (*customizations, error) {
	d, err := newXMLDoc(CustomizationsFile, data, lim)
	if err != nil {
		return nil, err
	}
	root, err := d.root("ImportExportXml")
	if err != nil {
		return nil, err
	}
	c := &customizations{}
	c.Attrs = keptAttrs(root.Attr)
	for {
		t, off, err := d.next()
		if err != nil {
			return nil, err
		}
		if _, ok := t.(xml.EndElement); ok {
			break
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "connectors":
			if err := readList(d, "Connector", func(n *node) error {
				return c.connector(CustomizationsFile, "<Connectors><Connector> "+strconv.Itoa(len(c.connectors)+1), n)
			}); err != nil {
				return nil, err
			}
		case "connectionreferences":
			if err := readList(d, "connectionreference", func(n *node) error { return c.connectionReference(n) }); err != nil {
				return nil, err
			}
		default:
			raw, err := d.skip(off)
			if err != nil {
				return nil, err
			}
			c.Sections = append(c.Sections, Element{Name: se.Name.Local, XML: string(raw)})
		}
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return c, nil
}

// readList reads the children of the element just opened, each an element named item, and
// passes each to fn.
func readList(d *xmlDoc, item string, fn func(*node) error) error {
	for {
		t, off, err := d.next()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if !strings.EqualFold(t.Name.Local, item) {
				return d.errorf(ErrMalformed, "<%s> where <%s> is expected", t.Name.Local, item)
			}
			n, err := d.element(t, off)
			if err != nil {
				return err
			}
			if err := fn(n); err != nil {
				return err
			}
		}
	}
}

// The file-backed columns of a connector.
const (
	colOpenAPIDefinition       = "openapidefinition"
	colConnectionParameters    = "connectionparameters"
	colConnectionParameterSets = "connectionparametersets"
	colPolicyTemplateInstances = "policytemplateinstances"
	colCustomCodeBlobContent   = "customcodeblobcontent"
	colIconBlob                = "iconblob"
	colScriptOperations        = "scriptoperations"
)

// isFileRef reports whether a column's text names a file ("/Connector/x.json") rather than
// holding the value inline: real exports name files with a leading "/" (or "\"), on one
// line, as no JSON value or script does. (A base64 JPEG starts with "/9j/": an inline
// <iconblob> must be a PNG, as icons are.)
func isFileRef(text string) bool {
	t := strings.TrimSpace(text)
	return (strings.HasPrefix(t, "/") || strings.HasPrefix(t, `\`)) && !strings.ContainsAny(t, "\n\r")
}

// parseConnectorXML reads an unpacked folder's Connectors/<name>.xml, whose root is a
// <Connector> as customizations.xml holds it, into c.
func parseConnectorXML(file string, data []byte, lim Limits, c *customizations) error {
	d, err := newXMLDoc(file, data, lim)
	if err != nil {
		return err
	}
	root, err := d.root("Connector")
	if err != nil {
		return err
	}
	n, err := d.element(root, 0)
	if err != nil {
		return err
	}
	if err := d.end(); err != nil {
		return err
	}
	return c.connector(file, "<Connector>", n)
}

// connector reads a <Connector> element of file, named path in messages.
func (c *customizations) connector(file, path string, n *node) error {
	idx := len(c.connectors)
	var k Connector
	seen := once{}
	hasID, hasName := false, false
	for _, e := range n.kids {
		name := strings.ToLower(e.name)
		var target *string
		switch name {
		case "connectorid", "description", "displayname", "iconbrandcolor", "name", "connectortype",
			colScriptOperations, colOpenAPIDefinition, colConnectionParameters, colConnectionParameterSets,
			colPolicyTemplateInstances, colCustomCodeBlobContent, colIconBlob:
			if err := seen.check(file, path, e); err != nil {
				return err
			}
		default:
			k.Other = append(k.Other, e.element())
			continue
		}
		text, err := leaf(file, path, e)
		if err != nil {
			return err
		}
		switch name {
		case "connectorid":
			id, ok := connectorhub.ParseGUID(strings.TrimSpace(text))
			if !ok {
				return errorf(ErrMalformed, file, where(path, e), "line %d: %q is not a GUID", e.line, text)
			}
			k.ID, hasID = id, true
		case "description":
			k.Description = text
		case "displayname":
			k.DisplayName = text
		case "iconbrandcolor":
			k.IconBrandColor = text
		case "name":
			k.Name = strings.TrimSpace(text)
			hasName = k.Name != ""
		case "connectortype":
			if strings.TrimSpace(text) != "" {
				if k.ConnectorType, err = strconv.Atoi(strings.TrimSpace(text)); err != nil {
					return errorf(ErrMalformed, file, where(path, e), "line %d: %q is not a number", e.line, text)
				}
			}
		case colScriptOperations:
			target = &k.ScriptOperations
		case colOpenAPIDefinition:
			target = &k.OpenAPIDefinition
		case colConnectionParameters:
			target = &k.ConnectionParameters
		case colConnectionParameterSets:
			target = &k.ConnectionParameterSets
		case colPolicyTemplateInstances:
			target = &k.PolicyTemplateInstances
		case colCustomCodeBlobContent:
			target = &k.CustomCodeBlobContent
		case colIconBlob:
			if strings.TrimSpace(text) == "" {
				continue
			}
			if !isFileRef(text) {
				icon, err := decodeBase64(text)
				if err != nil {
					return errorf(ErrMalformed, file, where(path, e), "line %d: neither a file name (/Connector/…) nor base64 image data", e.line)
				}
				k.Icon = icon
				continue
			}
			c.refs = append(c.refs, fileRef{connector: idx, column: name, path: strings.TrimSpace(text), file: file, line: e.line})
		}
		if target == nil {
			continue
		}
		if isFileRef(text) {
			c.refs = append(c.refs, fileRef{connector: idx, column: name, path: strings.TrimSpace(text), file: file, line: e.line})
		} else {
			*target = text
		}
	}
	if !hasID {
		return errorf(ErrMalformed, file, path, "line %d: no <connectorid>", n.line)
	}
	if !hasName {
		return errorf(ErrMalformed, file, path, "line %d: no <name>", n.line)
	}
	c.connectors = append(c.connectors, k)
	return nil
}

func (c *customizations) connectionReference(n *node) error {
	path := "<connectionreferences><connectionreference> " + strconv.Itoa(len(c.connRefs)+1)
	r := ConnectionReference{IsCustomizable: true, StatusCode: 1}
	name, _ := n.attr("connectionreferencelogicalname")
	r.LogicalName = strings.TrimSpace(name)
	seen := once{}
	for _, e := range n.kids {
		key := strings.ToLower(e.name)
		switch key {
		case "connectionreferencelogicalname", "connectionreferencedisplayname", "connectorid", "customconnectorid",
			"description", "iscustomizable", "promptingbehavior", "statecode", "statuscode":
			if err := seen.check(CustomizationsFile, path, e); err != nil {
				return err
			}
		default:
			r.Other = append(r.Other, e.element())
			continue
		}
		if key == "customconnectorid" {
			// <customconnectorid><connectorid>GUID</connectorid></customconnectorid>, or the bare GUID.
			text := e.text
			if len(e.kids) == 1 && strings.EqualFold(e.kids[0].name, "connectorid") {
				text = e.kids[0].text
			} else if len(e.kids) > 0 {
				return errorf(ErrMalformed, CustomizationsFile, where(path, e), "line %d: expected <connectorid>", e.line)
			}
			if strings.TrimSpace(text) == "" {
				continue
			}
			id, ok := connectorhub.ParseGUID(strings.TrimSpace(text))
			if !ok {
				return errorf(ErrMalformed, CustomizationsFile, where(path, e), "line %d: %q is not a GUID", e.line, text)
			}
			r.CustomConnectorID = id
			continue
		}
		text, err := leaf(CustomizationsFile, path, e)
		if err != nil {
			return err
		}
		num := func() (int, error) {
			v, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				return 0, errorf(ErrMalformed, CustomizationsFile, where(path, e), "line %d: %q is not a number", e.line, text)
			}
			return v, nil
		}
		switch key {
		case "connectionreferencelogicalname":
			if r.LogicalName == "" {
				r.LogicalName = strings.TrimSpace(text)
			}
		case "connectionreferencedisplayname":
			r.DisplayName = text
		case "connectorid":
			r.ConnectorID = strings.TrimSpace(text)
		case "description":
			r.Description = text
		case "iscustomizable", "promptingbehavior", "statecode", "statuscode":
			if strings.TrimSpace(text) == "" {
				continue // empty: the default
			}
		}
		switch key {
		case "iscustomizable":
			if r.IsCustomizable, err = parseBool(text); err != nil {
				return errorf(ErrMalformed, CustomizationsFile, where(path, e), "line %d: %q: give 0 or 1", e.line, text)
			}
		case "promptingbehavior":
			v, err := num()
			if err != nil {
				return err
			}
			r.PromptingBehavior = &v
		case "statecode":
			if r.StateCode, err = num(); err != nil {
				return err
			}
		case "statuscode":
			if r.StatusCode, err = num(); err != nil {
				return err
			}
		}
	}
	if r.LogicalName == "" {
		return errorf(ErrMalformed, CustomizationsFile, path, "line %d: no connectionreferencelogicalname", n.line)
	}
	c.connRefs = append(c.connRefs, r)
	return nil
}

// parseBool reads Dataverse's booleans: 0/1, true/false.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

// parseEnvironmentVariableXML reads an environmentvariabledefinition.xml.
func parseEnvironmentVariableXML(file string, data []byte, lim Limits) (*EnvironmentVariable, error) {
	d, err := newXMLDoc(file, data, lim)
	if err != nil {
		return nil, err
	}
	root, err := d.root("environmentvariabledefinition")
	if err != nil {
		return nil, err
	}
	n, err := d.element(root, 0)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	const path = "<environmentvariabledefinition>"
	v := &EnvironmentVariable{IsCustomizable: true}
	schema, _ := n.attr("schemaname")
	v.SchemaName = strings.TrimSpace(schema)
	if v.SchemaName == "" {
		return nil, errorf(ErrMalformed, file, path, "no schemaname attribute")
	}
	seen := once{}
	for _, e := range n.kids {
		key := strings.ToLower(e.name)
		switch key {
		case "displayname", "description", "type", "defaultvalue", "introducedversion", "iscustomizable", "isrequired", "secretstore":
			if err := seen.check(file, path, e); err != nil {
				return nil, err
			}
		default:
			v.Other = append(v.Other, e.element())
			continue
		}
		if key == "displayname" || key == "description" {
			l, err := localizedLabel(file, path, e)
			if err != nil {
				return nil, err
			}
			if key == "displayname" {
				v.DisplayName = l
			} else {
				v.Description = l
			}
			continue
		}
		text, err := leaf(file, path, e)
		if err != nil {
			return nil, err
		}
		bad := func(want string) error {
			return errorf(ErrMalformed, file, where(path, e), "line %d: %q: give %s", e.line, text, want)
		}
		if key != "defaultvalue" && strings.TrimSpace(text) == "" {
			continue // empty: the default
		}
		switch key {
		case "type":
			if strings.TrimSpace(text) != "" {
				if v.Type, err = strconv.Atoi(strings.TrimSpace(text)); err != nil {
					return nil, bad("a number such as 100000000")
				}
			}
		case "defaultvalue":
			v.DefaultValue = text
		case "introducedversion":
			v.IntroducedVersion = strings.TrimSpace(text)
		case "iscustomizable":
			if v.IsCustomizable, err = parseBool(text); err != nil {
				return nil, bad("0 or 1")
			}
		case "isrequired":
			if v.IsRequired, err = parseBool(text); err != nil {
				return nil, bad("0 or 1")
			}
		case "secretstore":
			if strings.TrimSpace(text) != "" {
				if v.SecretStore, err = strconv.Atoi(strings.TrimSpace(text)); err != nil {
					return nil, bad("0 or 1")
				}
			}
		}
	}
	return v, nil
}

// localizedLabel reads <displayname default="…"><label …/></displayname>, or the plain text form.
func localizedLabel(file, path string, n *node) (LocalizedLabel, error) {
	var l LocalizedLabel
	if def, ok := n.attr("default"); ok {
		l.Default = def
	} else if len(n.kids) == 0 {
		l.Default = n.text
	}
	labels, err := localized(file, path, n)
	if err != nil {
		return l, err
	}
	l.Labels = labels
	return l, nil
}
