package webapi_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The CSDL rules a strict reader enforces (OData CSDL XML 4.0/4.01), checked on the document
// $metadata serves: only CSDL elements and attributes, in their namespaces and places; every
// type reference resolves; structural properties are primitive, enumeration, type-definition
// or complex typed; navigation properties target entity types; complex types have no key; a
// key is declared once in a hierarchy, on non-nullable primitive properties; referential
// constraints name existing properties; entity sets, bindings and imports name what exists.

const (
	nsEdmx = "http://docs.oasis-open.org/odata/ns/edmx"
	nsEdm  = "http://docs.oasis-open.org/odata/ns/edm"
)

// csdlGrammar lists, for each element, its allowed children and attributes.
var csdlGrammar = map[string]struct{ children, attrs string }{
	"Edmx":                      {"DataServices Reference", "Version"},
	"DataServices":              {"Schema", ""},
	"Schema":                    {"EntityType ComplexType EnumType TypeDefinition Action Function EntityContainer Term Annotations Annotation", "Namespace Alias"},
	"EntityType":                {"Key Property NavigationProperty Annotation", "Name BaseType Abstract OpenType HasStream"},
	"ComplexType":               {"Property NavigationProperty Annotation", "Name BaseType Abstract OpenType"},
	"Key":                       {"PropertyRef", ""},
	"PropertyRef":               {"", "Name Alias"},
	"Property":                  {"Annotation", "Name Type Nullable MaxLength Precision Scale Unicode SRID DefaultValue"},
	"NavigationProperty":        {"ReferentialConstraint OnDelete Annotation", "Name Type Nullable Partner ContainsTarget"},
	"ReferentialConstraint":     {"Annotation", "Property ReferencedProperty"},
	"EnumType":                  {"Member Annotation", "Name UnderlyingType IsFlags"},
	"Member":                    {"Annotation", "Name Value"},
	"Action":                    {"Parameter ReturnType Annotation", "Name IsBound EntitySetPath"},
	"Function":                  {"Parameter ReturnType Annotation", "Name IsBound IsComposable EntitySetPath"},
	"Parameter":                 {"Annotation", "Name Type Nullable MaxLength Precision Scale SRID"},
	"ReturnType":                {"", "Type Nullable MaxLength Precision Scale SRID"},
	"EntityContainer":           {"EntitySet Singleton ActionImport FunctionImport Annotation", "Name Extends"},
	"EntitySet":                 {"NavigationPropertyBinding Annotation", "Name EntityType IncludeInServiceDocument"},
	"NavigationPropertyBinding": {"", "Path Target"},
	"FunctionImport":            {"Annotation", "Name Function EntitySet IncludeInServiceDocument"},
	"ActionImport":              {"Annotation", "Name Action EntitySet"},
}

var edmPrimitives = strings.Fields(`Edm.Binary Edm.Boolean Edm.Byte Edm.Date Edm.DateTimeOffset Edm.Decimal Edm.Double
	Edm.Duration Edm.Guid Edm.Int16 Edm.Int32 Edm.Int64 Edm.SByte Edm.Single Edm.Stream Edm.String Edm.TimeOfDay`)

type xProp struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type xNav struct {
	Name           string `xml:"Name,attr"`
	Type           string `xml:"Type,attr"`
	Nullable       string `xml:"Nullable,attr"`
	ContainsTarget string `xml:"ContainsTarget,attr"`
	Constraints    []struct {
		Property   string `xml:"Property,attr"`
		Referenced string `xml:"ReferencedProperty,attr"`
	} `xml:"ReferentialConstraint"`
}

type xType struct {
	Name     string `xml:"Name,attr"`
	BaseType string `xml:"BaseType,attr"`
	Abstract string `xml:"Abstract,attr"`
	Key      *struct {
		Refs []struct {
			Name string `xml:"Name,attr"`
		} `xml:"PropertyRef"`
	} `xml:"Key"`
	Props []xProp `xml:"Property"`
	Navs  []xNav  `xml:"NavigationProperty"`
}

type xOp struct {
	Name    string  `xml:"Name,attr"`
	IsBound string  `xml:"IsBound,attr"`
	Params  []xProp `xml:"Parameter"`
	Return  *xProp  `xml:"ReturnType"`
}

type xSchema struct {
	Namespace    string  `xml:"Namespace,attr"`
	Alias        string  `xml:"Alias,attr"`
	EntityTypes  []xType `xml:"EntityType"`
	ComplexTypes []xType `xml:"ComplexType"`
	EnumTypes    []struct {
		Name    string `xml:"Name,attr"`
		IsFlags string `xml:"IsFlags,attr"`
		Members []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:"Value,attr"`
		} `xml:"Member"`
	} `xml:"EnumType"`
	TypeDefinitions []struct {
		Name string `xml:"Name,attr"`
	} `xml:"TypeDefinition"`
	Actions   []xOp `xml:"Action"`
	Functions []xOp `xml:"Function"`
	Container struct {
		Name       string `xml:"Name,attr"`
		EntitySets []struct {
			Name       string `xml:"Name,attr"`
			EntityType string `xml:"EntityType,attr"`
			Bindings   []struct {
				Path   string `xml:"Path,attr"`
				Target string `xml:"Target,attr"`
			} `xml:"NavigationPropertyBinding"`
		} `xml:"EntitySet"`
		FunctionImports []struct {
			Name     string `xml:"Name,attr"`
			Function string `xml:"Function,attr"`
		} `xml:"FunctionImport"`
		ActionImports []struct {
			Name   string `xml:"Name,attr"`
			Action string `xml:"Action,attr"`
		} `xml:"ActionImport"`
	} `xml:"EntityContainer"`
}

// checkCSDLGrammar walks the XML: every element and attribute is CSDL's, in its namespace
// and under its parent.
func checkCSDLGrammar(doc []byte) []string {
	var errs []string
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(errs, "not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			wantNS := nsEdm
			if name == "Edmx" || name == "DataServices" || name == "Reference" {
				wantNS = nsEdmx
			}
			if t.Name.Space != wantNS {
				errs = append(errs, fmt.Sprintf("<%s> in namespace %q, want %q", name, t.Name.Space, wantNS))
			}
			g, known := csdlGrammar[name]
			switch {
			case !known:
				errs = append(errs, fmt.Sprintf("<%s> is not a CSDL element", name))
			case len(stack) == 0 && name != "Edmx":
				errs = append(errs, "the root is <"+name+">, want <edmx:Edmx>")
			case len(stack) > 0 && !csdlHas(strings.Fields(csdlGrammar[stack[len(stack)-1]].children), name):
				errs = append(errs, fmt.Sprintf("<%s> cannot be a child of <%s>", name, stack[len(stack)-1]))
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				if known && (a.Name.Space != "" || !csdlHas(strings.Fields(g.attrs), a.Name.Local)) {
					errs = append(errs, fmt.Sprintf("<%s> has no attribute %s", name, a.Name.Local))
				}
				switch a.Name.Local {
				case "Nullable", "Abstract", "IsFlags", "IsBound", "ContainsTarget", "OpenType", "IsComposable":
					if a.Value != "true" && a.Value != "false" {
						errs = append(errs, fmt.Sprintf("<%s %s=%q>: not a Boolean", name, a.Name.Local, a.Value))
					}
				case "MaxLength":
					if _, err := strconv.Atoi(a.Value); err != nil && a.Value != "max" {
						errs = append(errs, fmt.Sprintf("<%s MaxLength=%q>", name, a.Value))
					}
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return errs
}

func csdlHas(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// validateCSDL returns every rule the document breaks.
func validateCSDL(doc []byte) []string {
	errs := checkCSDLGrammar(doc)
	var edmx struct {
		Version string  `xml:"Version,attr"`
		Schema  xSchema `xml:"DataServices>Schema"`
	}
	if err := xml.Unmarshal(doc, &edmx); err != nil {
		return append(errs, err.Error())
	}
	if edmx.Version != "4.0" && edmx.Version != "4.01" {
		errs = append(errs, "Edmx Version "+edmx.Version)
	}
	s := edmx.Schema
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	kinds := map[string]string{} // unqualified name → EntityType, ComplexType, EnumType, TypeDefinition
	entity, complexT := map[string]*xType{}, map[string]*xType{}
	declare := func(name, kind string) {
		if kinds[name] != "" {
			bad("%s is declared twice", name)
		}
		kinds[name] = kind
	}
	for i := range s.EntityTypes {
		declare(s.EntityTypes[i].Name, "EntityType")
		entity[s.EntityTypes[i].Name] = &s.EntityTypes[i]
	}
	for i := range s.ComplexTypes {
		declare(s.ComplexTypes[i].Name, "ComplexType")
		complexT[s.ComplexTypes[i].Name] = &s.ComplexTypes[i]
	}
	for _, e := range s.EnumTypes {
		declare(e.Name, "EnumType")
		values := map[string]bool{}
		for _, m := range e.Members {
			if _, err := strconv.ParseInt(m.Value, 10, 64); err != nil {
				bad("enum %s.%s: value %q", e.Name, m.Name, m.Value)
			}
			if values[m.Name] {
				bad("enum %s: member %s twice", e.Name, m.Name)
			}
			values[m.Name] = true
		}
	}
	for _, td := range s.TypeDefinitions {
		declare(td.Name, "TypeDefinition")
	}
	// resolve gives the kind of a type reference, "" when it does not resolve.
	resolve := func(ref string) (kind, name string) {
		ref = strings.TrimSuffix(strings.TrimPrefix(ref, "Collection("), ")")
		if csdlHas(edmPrimitives, ref) {
			return "Primitive", ref
		}
		for _, prefix := range []string{s.Namespace + ".", s.Alias + "."} {
			if n, ok := strings.CutPrefix(ref, prefix); ok && prefix != "." {
				return kinds[n], n
			}
		}
		return "", ref
	}
	// chain lists a type and its bases; a cycle or an unresolved base is reported.
	chain := func(t *xType, index map[string]*xType, kind string) []*xType {
		out := []*xType{t}
		for t.BaseType != "" {
			k, n := resolve(t.BaseType)
			if k != kind {
				bad("%s: base type %s is not a declared %s", t.Name, t.BaseType, kind)
				break
			}
			t = index[n]
			if len(out) > 20 {
				bad("%s: base type cycle", out[0].Name)
				break
			}
			out = append(out, t)
		}
		return out
	}
	findProp := func(types []*xType, name string) *xProp {
		for _, t := range types {
			for i := range t.Props {
				if t.Props[i].Name == name {
					return &t.Props[i]
				}
			}
		}
		return nil
	}
	findNav := func(types []*xType, name string) *xNav {
		for _, t := range types {
			for i := range t.Navs {
				if t.Navs[i].Name == name {
					return &t.Navs[i]
				}
			}
		}
		return nil
	}
	checkMembers := func(t *xType, types []*xType) {
		seen := map[string]bool{}
		for _, b := range types {
			for _, p := range b.Props {
				if seen[p.Name] {
					bad("%s: property %s declared twice in its hierarchy", t.Name, p.Name)
				}
				seen[p.Name] = true
			}
			for _, n := range b.Navs {
				if seen[n.Name] {
					bad("%s: member %s declared twice in its hierarchy", t.Name, n.Name)
				}
				seen[n.Name] = true
			}
		}
		for _, p := range t.Props {
			switch k, _ := resolve(p.Type); k {
			case "Primitive", "ComplexType", "EnumType", "TypeDefinition":
			case "EntityType":
				bad("%s.%s: a structural property cannot be of entity type %s (declare a navigation property)", t.Name, p.Name, p.Type)
			default:
				bad("%s.%s: type %s does not resolve", t.Name, p.Name, p.Type)
			}
		}
		for _, n := range t.Navs {
			k, target := resolve(n.Type)
			if k != "EntityType" {
				bad("%s.%s: navigation property type %s is not an entity type", t.Name, n.Name, n.Type)
				continue
			}
			many := strings.HasPrefix(n.Type, "Collection(")
			if many && n.Nullable != "" {
				bad("%s.%s: a collection-valued navigation property has no Nullable", t.Name, n.Name)
			}
			if many && len(n.Constraints) > 0 {
				bad("%s.%s: a collection-valued navigation property has no referential constraint", t.Name, n.Name)
			}
			for _, c := range n.Constraints {
				if findProp(types, c.Property) == nil {
					bad("%s.%s: constraint property %s is not a property of %s", t.Name, n.Name, c.Property, t.Name)
				}
				if findProp(chain(entity[target], entity, "EntityType"), c.Referenced) == nil {
					bad("%s.%s: referenced property %s is not a property of %s", t.Name, n.Name, c.Referenced, target)
				}
			}
		}
	}
	for _, t := range s.ComplexTypes {
		if t.Key != nil {
			bad("complex type %s has a key", t.Name)
		}
		checkMembers(&t, chain(&t, complexT, "ComplexType"))
	}
	for _, t := range s.EntityTypes {
		types := chain(&t, entity, "EntityType")
		checkMembers(&t, types)
		var keyed []string
		for _, b := range types {
			if b.Key != nil {
				keyed = append(keyed, b.Name)
			}
		}
		switch {
		case len(keyed) > 1:
			bad("entity type %s declares a key and inherits one (%v)", t.Name, keyed)
		case len(keyed) == 0 && t.Abstract != "true":
			bad("entity type %s has no key", t.Name)
		}
		if t.Key != nil {
			if len(t.Key.Refs) == 0 {
				bad("entity type %s: empty key", t.Name)
			}
			for _, r := range t.Key.Refs {
				p := findProp(types, r.Name)
				switch k, _ := resolve(pType(p)); {
				case p == nil:
					bad("entity type %s: key property %s does not exist", t.Name, r.Name)
				case p.Nullable != "false":
					bad("entity type %s: key property %s is nullable", t.Name, r.Name)
				case k != "Primitive" && k != "EnumType" && k != "TypeDefinition":
					bad("entity type %s: key property %s is of type %s", t.Name, r.Name, p.Type)
				}
			}
		}
	}
	ops := map[string]xOp{}
	for _, list := range [][]xOp{s.Actions, s.Functions} {
		for _, op := range list {
			ops[op.Name] = op
			if op.IsBound == "true" && len(op.Params) == 0 {
				bad("bound operation %s has no binding parameter", op.Name)
			}
			for _, p := range op.Params {
				if k, _ := resolve(p.Type); k == "" {
					bad("%s(%s): type %s does not resolve", op.Name, p.Name, p.Type)
				}
			}
			if op.Return != nil {
				if k, _ := resolve(op.Return.Type); k == "" {
					bad("%s: return type %s does not resolve", op.Name, op.Return.Type)
				}
			}
		}
	}
	for _, f := range s.Functions {
		if f.Return == nil {
			bad("function %s has no return type", f.Name)
		}
	}
	c := s.Container
	if c.Name == "" {
		bad("the entity container has no name")
	}
	sets := map[string]string{}
	for _, es := range c.EntitySets {
		if sets[es.Name] != "" {
			bad("entity set %s twice", es.Name)
		}
		sets[es.Name] = es.EntityType
	}
	for _, es := range c.EntitySets {
		k, n := resolve(es.EntityType)
		if k != "EntityType" {
			bad("entity set %s: %s is not an entity type", es.Name, es.EntityType)
			continue
		}
		for _, b := range es.Bindings {
			if findNav(chain(entity[n], entity, "EntityType"), b.Path) == nil {
				bad("entity set %s: binding path %s is not a navigation property of %s", es.Name, b.Path, n)
			}
			if sets[b.Target] == "" {
				bad("entity set %s: binding target %s is not an entity set", es.Name, b.Target)
			}
		}
	}
	for _, fi := range c.FunctionImports {
		_, n := resolve(fi.Function)
		if f, ok := ops[n]; !ok || f.IsBound == "true" || f.Return == nil {
			bad("function import %s: %s is not an unbound function", fi.Name, fi.Function)
		}
	}
	for _, ai := range c.ActionImports {
		_, n := resolve(ai.Action)
		if a, ok := ops[n]; !ok || a.IsBound == "true" {
			bad("action import %s: %s is not an unbound action", ai.Name, ai.Action)
		}
	}
	return errs
}

func pType(p *xProp) string {
	if p == nil {
		return ""
	}
	return p.Type
}

// TestCSDLValid checks the served $metadata against the rules strict CSDL readers enforce.
func TestCSDLValid(t *testing.T) {
	s := MustOpenServer(t)
	r := s.do(t, "GET", "/api/data/v9.2/$metadata", "")
	if r.Status != 200 {
		t.Fatalf("$metadata: %d", r.Status)
	}
	for _, e := range validateCSDL(r.Body) {
		t.Error(e)
	}
}

// TestCSDLValidatorCatches: the validator refuses the shapes it is there to refuse, among them
// the principal declared as a structural property of PrincipalAccess, as it once was.
func TestCSDLValidatorCatches(t *testing.T) {
	s := MustOpenServer(t)
	good := string(s.do(t, "GET", "/api/data/v9.2/$metadata", "").Body)
	for _, c := range []struct{ name, old, new, want string }{
		{"StructuralEntity", `<NavigationProperty Name="Principal" Type="mscrm.principal" Nullable="false"/>`,
			`<Property Name="Principal" Type="mscrm.principal"/>`, "PrincipalAccess.Principal: a structural property cannot be of entity type"},
		{"NavToComplex", `<NavigationProperty Name="Principal" Type="mscrm.principal" Nullable="false"/>`,
			`<NavigationProperty Name="Principal" Type="mscrm.Label"/>`, "is not an entity type"},
		{"Unresolved", `<Property Name="MaxLength" Type="Edm.Int32"/>`, `<Property Name="MaxLength" Type="mscrm.Nope"/>`, "does not resolve"},
		{"ComplexKey", `<ComplexType Name="Label">`, `<ComplexType Name="Label"><Key><PropertyRef Name="UserLocalizedLabel"/></Key>`, "complex type Label has a key"},
		{"NullableKey", `<Property Name="connectorid" Type="Edm.Guid" Nullable="false"/>`, `<Property Name="connectorid" Type="Edm.Guid"/>`, "key property connectorid is nullable"},
		{"KeyTwice", `<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true">`,
			`<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Key><PropertyRef Name="ownerid"/></Key>`, "declares a key and inherits one"},
		{"MissingSetType", `EntityType="mscrm.EntityMetadata"`, `EntityType="mscrm.Nope"`, "entity set EntityDefinitions"},
		{"BadConstraint", `ReferencedProperty="systemuserid"`, `ReferencedProperty="nope"`, "referenced property nope"},
		{"UnknownElement", `<Key><PropertyRef Name="MetadataId"/></Key>`, `<Key><PropertyRef Name="MetadataId"/></Key><Keys/>`, "<Keys> is not a CSDL element"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("the document has no %s", c.old)
			}
			errs := validateCSDL([]byte(strings.Replace(good, c.old, c.new, 1)))
			if !strings.Contains(strings.Join(errs, "\n"), c.want) {
				t.Errorf("got %q, want an error with %q", errs, c.want)
			}
		})
	}
}

// TestCSDLExternalReaders hands the document to two readers written by others, when they are
// installed (no network at test time): the OASIS OData TC's CSDL XML reader (npm odata-csdl,
// xml2json in strict mode, which throws on any element, attribute or name collision it does not
// accept) and the TC's XML schemas edmx.xsd/edm.xsd that ship with it, through xmllint. Set
// ODATA_CSDL_DIR to the installed package, e.g. after
//
//	(cd tools/csdlcheck && npm ci) && apt-get install -y libxml2-utils
//	ODATA_CSDL_DIR=$PWD/tools/csdlcheck/node_modules/odata-csdl go test ./webapi/ -run CSDLExternal
//
// CI (.ci/run) installs both and sets ODATA_CSDL_DIR: there a missing reader is a failure.
func TestCSDLExternalReaders(t *testing.T) {
	dir := os.Getenv("ODATA_CSDL_DIR")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ODATA_CSDL_DIR is not set under CI: .ci/run installs the odata-csdl reader")
		}
		t.Skip("ODATA_CSDL_DIR is not set: the odata-csdl reader is not installed")
	}
	s := MustOpenServer(t)
	doc := s.do(t, "GET", "/api/data/v9.2/$metadata", "").Body
	t.Run("odata-csdl", func(t *testing.T) {
		node, err := exec.LookPath("node")
		if err != nil {
			t.Fatal("node is not installed, and ODATA_CSDL_DIR names a reader that needs it")
		}
		script := `const {xml2json} = require(process.argv[1]);
let xml = ""; process.stdin.on("data", d => xml += d).on("end", () => {
  try { const j = xml2json(xml, {strict: true}); if (!j["Microsoft.Dynamics.CRM"]) throw new Error("no schema"); }
  catch (e) { console.log(e.message); process.exit(1); }
});`
		cmd := exec.Command(node, "-e", script, filepath.Join(dir, "lib", "xml2json.js"))
		cmd.Stdin = bytes.NewReader(doc)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("odata-csdl refuses the document: %v\n%s", err, out)
		}
	})
	t.Run("xmllint", func(t *testing.T) {
		xmllint, err := exec.LookPath("xmllint")
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("xmllint is not installed under CI: .ci/run installs libxml2-utils")
			}
			t.Skip("xmllint is not installed")
		}
		cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(dir, "schemas", "edmx.xsd"), "-")
		cmd.Stdin = bytes.NewReader(doc)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("the document does not validate against edmx.xsd: %v\n%s", err, out)
		}
	})
}
