package solutionzip

import "strconv"

// Component types of solution.xml's RootComponent and of the solutioncomponent table
// (solutions spec §1.3). Connectors are 372 in every real export, though the option set
// also lists 371.
const (
	ComponentEntity                        = 1   // a table
	ComponentWorkflow                      = 29  // a process or cloud flow
	ComponentWebResource                   = 61  // a web resource
	ComponentCanvasApp                     = 300 // a canvas app
	ComponentConnectorLegacy               = 371 // "Connector" in the option set; no export uses it
	ComponentConnector                     = 372 // a custom connector, as every export has it
	ComponentEnvironmentVariableDefinition = 380 // an environment variable definition
	ComponentEnvironmentVariableValue      = 381 // an environment variable value
)

// Root component behaviours (solutioncomponent.rootcomponentbehavior).
const (
	BehaviorIncludeSubcomponents      = 0 // the component and its subcomponents
	BehaviorDoNotIncludeSubcomponents = 1 // the component alone
	BehaviorShellOnly                 = 2 // the component's shell
)

// Environment variable types (environmentvariabledefinition.type).
const (
	EnvironmentVariableString     = 100000000 // text
	EnvironmentVariableNumber     = 100000001 // a number
	EnvironmentVariableBoolean    = 100000002 // yes or no
	EnvironmentVariableJSON       = 100000003 // a JSON document
	EnvironmentVariableDataSource = 100000004 // a data source
	EnvironmentVariableSecret     = 100000005 // a reference to an Azure Key Vault secret
)

// Solution is a Dataverse solution file (spec §5.1): the manifest of solution.xml, the
// components of customizations.xml and their files that ConnectorHub models (connectors,
// connection references, environment variables), and everything else kept verbatim, so that
// an import can keep and report what it does not model and an export of an imported
// solution loses nothing.
//
// Text is as the files hold it; an empty string is an absent or empty element. Slices keep
// the files' order, which Write keeps.
type Solution struct {
	// Header holds the attributes of solution.xml's <ImportExportXml>.
	Header Header

	// UniqueName is <SolutionManifest><UniqueName>, the solution's uniquename.
	UniqueName string
	// LocalizedNames are the solution's friendly names by language (<LocalizedNames>).
	LocalizedNames []LocalizedText
	// Descriptions are the solution's descriptions by language (<Descriptions>).
	Descriptions []LocalizedText
	// Version is the solution's version, "major.minor[.build[.revision]]", e.g. "1.0.0.3".
	Version string
	// Managed is <Managed>1</Managed>: a managed solution. (Read refuses 2, the "both" of an
	// unpacked folder, which ReadFolder reads as FolderOptions.Managed says.)
	Managed bool
	// Publisher is the solution's publisher.
	Publisher Publisher
	// RootComponents are the components the solution was built from, of every type.
	RootComponents []RootComponent
	// MissingDependencies are the components the solution needs that it does not hold.
	MissingDependencies []MissingDependency
	// Other holds the children of <SolutionManifest> this package does not model, verbatim;
	// Write puts them after <MissingDependencies>. (Siblings of <SolutionManifest> in
	// solution.xml, which no export has, are not kept.)
	Other []Element

	// Customizations is what customizations.xml holds besides the modelled components.
	Customizations Customizations
	// Connectors are customizations.xml's <Connectors> with their Connector/ files.
	Connectors []Connector
	// ConnectionReferences are customizations.xml's <connectionreferences>.
	ConnectionReferences []ConnectionReference
	// EnvironmentVariables are the environmentvariabledefinitions/<schema>/ folders.
	EnvironmentVariables []EnvironmentVariable
	// Files are the zip's other files, byte for byte: the files of components this package
	// does not model (canvas apps, workflows, web resources…), in the zip's order. Names use
	// "/" and never start with one.
	Files []File
}

// Header is the attributes of solution.xml's root element, <ImportExportXml>, which say
// what wrote the file. Write leaves out the empty ones; DefaultHeader is what ConnectorHub
// writes.
type Header struct {
	Version                        string // version: the writing server's version, e.g. "9.2.24012.196"
	SolutionPackageVersion         string // SolutionPackageVersion: the file format, e.g. "9.2"
	LanguageCode                   int    // languagecode: the base language, e.g. 1033; 0 when absent
	GeneratedBy                    string // generatedBy: "CrmLive" for Dataverse
	OrganizationVersion            string // OrganizationVersion (newer exports)
	OrganizationSchemaType         string // OrganizationSchemaType, e.g. "Standard" (newer exports)
	CRMServerServiceabilityVersion string // CRMServerServiceabilityVersion (newer exports)
	// Other holds other attributes, verbatim, except namespace declarations of xsi, which
	// Write always declares.
	Other []Attr
}

// DefaultHeader is the header ConnectorHub's exports carry: the format version it writes
// (9.2) in the shape Dataverse writes it.
var DefaultHeader = Header{
	Version:                "9.2.0.0",
	SolutionPackageVersion: "9.2",
	LanguageCode:           1033,
	GeneratedBy:            "CrmLive",
}

// LocalizedText is a label in one language: <LocalizedName description="…" languagecode="1033" />,
// <Description …/> or an environment variable's <label …/>.
type LocalizedText struct {
	Text         string // the description attribute
	LanguageCode int    // the languagecode attribute, e.g. 1033
}

// Publisher is <SolutionManifest><Publisher>: who made the solution (the publisher table).
type Publisher struct {
	UniqueName     string          // uniquename
	LocalizedNames []LocalizedText // friendlyname by language
	Descriptions   []LocalizedText // description by language
	EMailAddress   string          // emailaddress; "" is written as xsi:nil
	// SupportingWebsiteURL is <SupportingWebsiteUrl> (supportingwebsiteurl); "" is written as xsi:nil.
	SupportingWebsiteURL string
	// CustomizationPrefix is the prefix of the publisher's names, e.g. "cr736" or "new".
	CustomizationPrefix string
	// CustomizationOptionValuePrefix is the prefix of its choice values, 10000–99999.
	CustomizationOptionValuePrefix int
	// Addresses are <Addresses><Address>: address1_* and address2_* of the publisher table.
	Addresses []Address
	// Other holds the children of <Publisher> this package does not model, verbatim.
	Other []Element
}

// Address is one <Address> of a publisher: its child elements in order, such as
// AddressNumber 1, AddressTypeCode 1, City, Line1, PostalCode… (the publisher table's
// address<AddressNumber>_<name> columns).
type Address struct {
	Fields []Field
}

// Get returns the value of the field with that name and whether it is present and not nil.
func (a Address) Get(name string) (string, bool) {
	for _, f := range a.Fields {
		if f.Name == name {
			return f.Value, !f.Nil
		}
	}
	return "", false
}

// Field is a simple element: <Name>Value</Name>, or <Name xsi:nil="true"></Name> when Nil.
type Field struct {
	Name  string
	Value string
	Nil   bool
}

// RootComponent is <RootComponent type="372" id="{guid}" schemaName="…" behavior="0" />.
type RootComponent struct {
	Type       int    // componenttype, e.g. ComponentConnector
	ID         string // objectid as a lower-case GUID without braces; "" when absent
	SchemaName string // schemaName; "" when absent
	Behavior   int    // rootcomponentbehavior: BehaviorIncludeSubcomponents…
}

// MissingDependency is <MissingDependency>: a component the solution requires (Required)
// and the component of the solution that requires it (Dependent), each as the attributes of
// its element, verbatim and in order (type, schemaName, displayName, solution, id…).
type MissingDependency struct {
	Required  []Attr
	Dependent []Attr
}

// Attr is an XML attribute: its qualified name as written (with any prefix) and its value.
type Attr struct {
	Name  string
	Value string
}

// Element is an XML element kept verbatim: its local name and its outer XML, from its start
// tag to its end tag, as the file spelled it.
type Element struct {
	Name string
	XML  string
}

// Customizations is what customizations.xml holds besides the modelled components.
type Customizations struct {
	// Attrs are the attributes of its <ImportExportXml>, verbatim (OrganizationVersion…),
	// except namespace declarations of xsi, which Write always declares.
	Attrs []Attr
	// Sections are the children of <ImportExportXml> other than <Connectors> and
	// <connectionreferences>, verbatim and in order: <Entities>, <Roles>, <Workflows>, …,
	// <CanvasApps>, <Languages>. Write puts <Connectors> (always) and <connectionreferences>
	// (when there are any) before <Languages>, or last when there is no <Languages>.
	Sections []Element
}

// DefaultSections returns the sections of customizations.xml that Dataverse writes for a
// solution that holds only connectors: empty <Entities/> to <EntityDataProviders/>, and the
// languages of lang (the base language first).
func DefaultSections(lang ...int) []Element {
	var out []Element
	for _, name := range []string{"Entities", "Roles", "Workflows", "FieldSecurityProfiles", "Templates",
		"EntityMaps", "EntityRelationships", "OrganizationSettings", "optionsets", "CustomControls", "EntityDataProviders"} {
		out = append(out, Element{Name: name, XML: "<" + name + " />"})
	}
	if len(lang) == 0 {
		lang = []int{1033}
	}
	x := "<Languages>"
	for _, l := range lang {
		x += "\n    <Language>" + strconv.Itoa(l) + "</Language>"
	}
	return append(out, Element{Name: "Languages", XML: x + "\n  </Languages>"})
}

// Connector is a <Connector> of customizations.xml with its files: the columns of the
// connector table that travel in a solution (connector spec §7.5). The file-backed columns
// hold the files' text: Read reads the file a column names, Write writes the file
// Connector/<Name>_<column>.<ext> and names it.
type Connector struct {
	// ID is <connectorid>, a lower-case GUID without braces.
	ID string
	// Description, DisplayName, IconBrandColor and Name are the columns of those names.
	Description    string
	DisplayName    string
	IconBrandColor string
	// Name is the connector's name (e.g. cr736_5Fdemosolnconnector), which names its files.
	Name string
	// ConnectorType is connectortype: 1 for a custom connector.
	ConnectorType int
	// ScriptOperations is the inline JSON array of <scriptoperations>; "" when absent.
	ScriptOperations string
	// OpenAPIDefinition is Connector/<name>_openapidefinition.json byte for byte (a
	// byte-order mark included).
	OpenAPIDefinition string
	// ConnectionParameters is Connector/<name>_connectionparameters.json (a byte-order mark
	// removed). Write writes "{}" for ""; Read gives "{}" when the zip has none (no element,
	// an empty file), so that what Read gives reads back the same after a Write.
	ConnectionParameters string
	// ConnectionParameterSets is Connector/<name>_connectionparametersets.json; "" when absent.
	ConnectionParameterSets string
	// PolicyTemplateInstances is Connector/<name>_policytemplateinstances.json. Write writes
	// "[]" for ""; Read gives "[]" when the zip has none (no element, an empty file, null).
	PolicyTemplateInstances string
	// CustomCodeBlobContent is the script, Connector/<name>_customcodeblobcontent.csx (a
	// byte-order mark removed); "" when absent.
	CustomCodeBlobContent string
	// Icon is Connector/<name>_iconblob.Png, the iconblob column's bytes; nil when absent.
	Icon []byte
	// Other holds the children of <Connector> this package does not model, verbatim; Write
	// puts them last.
	Other []Element
}

// ConnectionReference is a <connectionreference> of customizations.xml (spec §6): the
// connectionreference table's columns that travel, without connectionid, which belongs to
// an environment.
type ConnectionReference struct {
	LogicalName string // connectionreferencelogicalname (an attribute)
	DisplayName string // connectionreferencedisplayname
	// ConnectorID is the API's id, e.g. /providers/Microsoft.PowerApps/apis/shared_office365.
	ConnectorID string
	// CustomConnectorID is the lower-case GUID of the custom connector it uses
	// (<customconnectorid><connectorid>); "" for a standard connector.
	CustomConnectorID string
	Description       string
	// IsCustomizable is <iscustomizable>; true when absent, as in Dataverse.
	IsCustomizable bool
	// PromptingBehavior is <promptingbehavior> (0 prompt on import, 1 skip); nil when absent.
	PromptingBehavior *int
	StateCode         int // statecode: 0 active
	StatusCode        int // statuscode: 1 active; 1 when absent
	// Other holds the children this package does not model, verbatim.
	Other []Element
}

// EnvironmentVariable is an environment variable definition, the file
// environmentvariabledefinitions/<SchemaName>/environmentvariabledefinition.xml, with its
// current value when the solution carries one (environmentvariablevalues.json beside it).
type EnvironmentVariable struct {
	SchemaName  string         // the schemaname attribute, with the publisher prefix
	DisplayName LocalizedLabel // <displayname>
	Description LocalizedLabel // <description>
	// Type is <type>: EnvironmentVariableString…; 0 when absent.
	Type int
	// DefaultValue is <defaultvalue>; "" when absent.
	DefaultValue string
	// IntroducedVersion is <introducedversion>, e.g. "1.0.0.0"; "" when absent.
	IntroducedVersion string
	// IsCustomizable is <iscustomizable>; true when absent, as in Dataverse.
	IsCustomizable bool
	IsRequired     bool // <isrequired>
	SecretStore    int  // <secretstore>: 0 Dataverse, 1 Azure Key Vault
	// Other holds the children this package does not model (apiid, parameterkey,
	// parentdefinitionid…), verbatim. Write writes all children sorted by name, as Dataverse does.
	Other []Element
	// Value is the current value; nil when the solution carries none.
	Value *EnvironmentVariableValue
}

// LocalizedLabel is a label with a default text and translations:
// <displayname default="…"><label description="…" languagecode="1033" /></displayname>.
type LocalizedLabel struct {
	Default string
	Labels  []LocalizedText
}

// EnvironmentVariableValue is the value of environmentvariablevalues.json:
// {"environmentvariablevalues":{"environmentvariablevalue":{…}}}. Write writes
// iscustomizable "1", statecode "0" and statuscode "1" beside these.
type EnvironmentVariableValue struct {
	ID         string // environmentvariablevalueid, a lower-case GUID without braces; "" when absent
	SchemaName string // the value row's schemaname; "" when absent
	Value      string
}

// File is a file of the zip kept byte for byte.
type File struct {
	Name string // its path in the zip, with "/" separators
	Data []byte
}

// Unmodeled lists what a solution holds that ConnectorHub keeps without modelling, for an
// import's log: root components of other types, non-empty sections of customizations.xml
// other than <Languages>, and kept files.
type Unmodeled struct {
	RootComponents []RootComponent
	Sections       []string
	Files          []string
}

// Unmodeled returns what s holds that ConnectorHub does not model (kept by Read and Write,
// but not imported as rows).
func (s *Solution) Unmodeled() Unmodeled {
	var u Unmodeled
	for _, rc := range s.RootComponents {
		switch rc.Type {
		case ComponentConnector, ComponentConnectorLegacy, ComponentEnvironmentVariableDefinition, ComponentEnvironmentVariableValue:
		default:
			u.RootComponents = append(u.RootComponents, rc)
		}
	}
	for _, sec := range s.Customizations.Sections {
		if sec.Name != "Languages" && !isEmptyElement(sec.XML) {
			u.Sections = append(u.Sections, sec.Name)
		}
	}
	for _, f := range s.Files {
		u.Files = append(u.Files, f.Name)
	}
	return u
}
