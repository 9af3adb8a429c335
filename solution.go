package connectorhub

import (
	"regexp"
	"strconv"
	"strings"
)

// Fixed ids of the rows every environment has (solutions spec §0.1).
const (
	DefaultPublisherID = "d21aab71-79e7-11dd-8874-00188b01e34f"
	DefaultSolutionID  = "fd140aaf-4df4-11dd-bd17-0019b9312238"
	// ActiveSolutionID (solutionname.go) is the solutionid of every unmanaged component.
)

// Unique names of the fixed solutions.
const (
	DefaultSolutionName = "Default"
	ActiveSolutionName  = "Active"
)

// Component types of the solutioncomponent table that ConnectorHub writes (spec §1.3).
const (
	ComponentTypeConnector              = 372
	ComponentTypeEnvironmentVariable    = 380
	ComponentTypeEnvironmentVariableVal = 381
	// ComponentTypeConnectionReference is the connectionreference table's ObjectTypeCode:
	// Dataverse documents no component type for it, and tools use the code (spec §1.3).
	ComponentTypeConnectionReference = 10030
)

// Logical names of the solution tables.
const (
	PublisherLogicalName           = "publisher"
	SolutionLogicalName            = "solution"
	SolutionComponentLogicalName   = "solutioncomponent"
	ImportJobLogicalName           = "importjob"
	AsyncOperationLogicalName      = "asyncoperation"
	ConnectionReferenceLogicalName = "connectionreference"
	EnvVarDefinitionLogicalName    = "environmentvariabledefinition"
	EnvVarValueLogicalName         = "environmentvariablevalue"
)

// Choice labels of the solution tables.
var (
	SolutionTypeLabels          = map[int]string{0: "None", 1: "Snapshot", 2: "Internal"}
	ComponentTypeLabels         = map[int]string{1: "Entity", 29: "Workflow", 61: "Web Resource", 300: "Canvas App", 371: "Connector", 372: "Connector", 380: "Environment Variable Definition", 381: "Environment Variable Value", ComponentTypeConnectionReference: "Connection Reference"}
	RootComponentBehaviorLabels = map[int]string{0: "Include Subcomponents", 1: "Do not include subcomponents", 2: "Include As Shell Only"}
	AsyncStateLabels            = map[int]string{0: "Ready", 1: "Suspended", 2: "Locked", 3: "Completed"}
	AsyncStatusLabels           = map[int]string{0: "Waiting For Resources", 10: "Waiting", 20: "In Progress", 21: "Pausing", 22: "Canceling", 30: "Succeeded", 31: "Failed", 32: "Canceled"}
	PromptingBehaviorLabels     = map[int]string{0: "Prompt", 1: "Skip"}
	EnvVarTypeLabels            = map[int]string{100000000: "String", 100000001: "Number", 100000002: "Boolean", 100000003: "JSON", 100000004: "Data source", 100000005: "Secret"}
)

// Asynchronous operation states and statuses (asyncoperation.statecode, statuscode).
const (
	AsyncStateCompleted   = 3
	AsyncStatusInProgress = 20
	AsyncStatusSucceeded  = 30
	AsyncStatusFailed     = 31
)

// Operation types of the asynchronous operations ConnectorHub runs.
const (
	AsyncImportSolution = 203 // Import
	AsyncExportSolution = 202 // Export (the Solution export of ExportSolutionAsync)
)

func col(name string, kind ColumnKind, max int, nullable bool) TableColumn {
	return TableColumn{Name: name, Kind: kind, MaxLength: max, Stored: name, Nullable: nullable}
}

func choice(name string, labels map[int]string, nullable bool) TableColumn {
	return TableColumn{Name: name, Kind: KindChoice, Choices: labels, Stored: name, Nullable: nullable}
}

func lookup(nav, target string, nullable bool) TableColumn {
	return TableColumn{Name: "_" + nav + "_value", Kind: KindLookup, NavigationProperty: nav, Target: target, Stored: nav, Nullable: nullable}
}

// times are the columns every solution table has last.
func times(cols ...TableColumn) []TableColumn {
	return append(cols, col("createdon", KindDateTime, 0, false), col("modifiedon", KindDateTime, 0, false), col("versionnumber", KindBigInt, 0, false))
}

// The solution tables (spec §1, §4.2, §6).
var (
	PublisherTable = &Table{LogicalName: PublisherLogicalName, EntitySetName: "publishers", PrimaryID: "publisherid",
		PrimaryName: "friendlyname", ObjectType: 7101, Privilege: "Publisher", Stored: "publishers",
		Columns: times(
			col("publisherid", KindGUID, 0, false),
			col("uniquename", KindString, 256, false),
			col("friendlyname", KindString, 256, false),
			col("customizationprefix", KindString, 8, false),
			col("customizationoptionvalueprefix", KindInt, 0, false),
			col("description", KindString, 2000, true),
			col("emailaddress", KindString, 100, true),
			col("supportingwebsiteurl", KindString, 200, true),
			col("isreadonly", KindBool, 0, false),
		)}
	SolutionTable = &Table{LogicalName: SolutionLogicalName, EntitySetName: "solutions", PrimaryID: "solutionid",
		PrimaryName: "friendlyname", ObjectType: 7100, Privilege: "Solution", Stored: "solutions",
		Columns: times(
			col("solutionid", KindGUID, 0, false),
			col("uniquename", KindString, 65, false),
			col("friendlyname", KindString, 256, false),
			col("version", KindString, 256, false),
			lookup("publisherid", PublisherLogicalName, false),
			col("description", KindString, 2000, true),
			col("ismanaged", KindBool, 0, false),
			col("isvisible", KindBool, 0, false),
			col("installedon", KindDateTime, 0, true),
		)}
	SolutionComponentTable = &Table{LogicalName: SolutionComponentLogicalName, EntitySetName: "solutioncomponents", PrimaryID: "solutioncomponentid",
		ObjectType: 7103, Privilege: "SolutionComponent", Stored: "solutioncomponents",
		Columns: times(
			col("solutioncomponentid", KindGUID, 0, false),
			lookup("solutionid", SolutionLogicalName, false),
			col("objectid", KindGUID, 0, false),
			choice("componenttype", ComponentTypeLabels, false),
			choice("rootcomponentbehavior", RootComponentBehaviorLabels, false),
			col("ismetadata", KindBool, 0, false),
		)}
	ImportJobTable = &Table{LogicalName: ImportJobLogicalName, EntitySetName: "importjobs", PrimaryID: "importjobid",
		PrimaryName: "name", ObjectType: 4428, Privilege: "ImportJob", Stored: "importjobs", Restricted: true,
		Columns: times(
			col("importjobid", KindGUID, 0, false),
			col("name", KindString, 100, true),
			col("solutionname", KindString, 256, true),
			col("solutionid", KindGUID, 0, true),
			col("progress", KindDouble, 0, false),
			col("data", KindString, 0, true),
			col("startedon", KindDateTime, 0, true),
			col("completedon", KindDateTime, 0, true),
			lookup("createdby", OwnerSystemUser, false),
		)}
	AsyncOperationTable = &Table{LogicalName: AsyncOperationLogicalName, EntitySetName: "asyncoperations", PrimaryID: "asyncoperationid",
		PrimaryName: "name", ObjectType: 4700, Privilege: "AsyncOperation", Stored: "asyncoperations", Restricted: true,
		Columns: times(
			col("asyncoperationid", KindGUID, 0, false),
			col("name", KindString, 256, false),
			col("operationtype", KindInt, 0, false),
			choice("statecode", AsyncStateLabels, false),
			choice("statuscode", AsyncStatusLabels, false),
			col("message", KindString, 0, true),
			col("friendlymessage", KindString, 0, true),
			col("startedon", KindDateTime, 0, true),
			col("completedon", KindDateTime, 0, true),
			lookup("createdby", OwnerSystemUser, false),
		)}
	ConnectionReferenceTable = &Table{LogicalName: ConnectionReferenceLogicalName, EntitySetName: "connectionreferences", PrimaryID: "connectionreferenceid",
		PrimaryName: "connectionreferencedisplayname", ObjectType: ComponentTypeConnectionReference, Privilege: "connectionreference", Stored: "connectionreferences",
		Columns: times(
			col("connectionreferenceid", KindGUID, 0, false),
			col("connectionreferencelogicalname", KindString, 200, false),
			col("connectionreferencedisplayname", KindString, 200, true),
			col("connectorid", KindString, 1000, true),
			// customconnectorid is a lookup to the connector, which is not a Table: its
			// value is served, not expanded.
			TableColumn{Name: "_customconnectorid_value", Kind: KindLookup, NavigationProperty: "customconnectorid", Target: ConnectorLogicalName, Stored: "customconnectorid", Nullable: true},
			col("connectionid", KindString, 1000, true),
			col("description", KindString, 2000, true),
			choice("promptingbehavior", PromptingBehaviorLabels, true),
			choice("statecode", StateCodeLabels, false),
			choice("statuscode", StatusCodeLabels, false),
			col("solutionid", KindGUID, 0, false),
			col("ismanaged", KindBool, 0, false),
		)}
	EnvVarDefinitionTable = &Table{LogicalName: EnvVarDefinitionLogicalName, EntitySetName: "environmentvariabledefinitions", PrimaryID: "environmentvariabledefinitionid",
		PrimaryName: "schemaname", ObjectType: 10031, Privilege: "environmentvariabledefinition", Stored: "environmentvariabledefinitions",
		Columns: times(
			col("environmentvariabledefinitionid", KindGUID, 0, false),
			col("schemaname", KindString, 100, false),
			col("displayname", KindString, 100, true),
			col("description", KindString, 2000, true),
			choice("type", EnvVarTypeLabels, false),
			col("defaultvalue", KindString, 0, true),
			col("isrequired", KindBool, 0, false),
			col("introducedversion", KindString, 48, true),
			col("secretstore", KindInt, 0, false),
			col("solutionid", KindGUID, 0, false),
			col("ismanaged", KindBool, 0, false),
		)}
	EnvVarValueTable = &Table{LogicalName: EnvVarValueLogicalName, EntitySetName: "environmentvariablevalues", PrimaryID: "environmentvariablevalueid",
		PrimaryName: "schemaname", ObjectType: 10032, Privilege: "environmentvariablevalue", Stored: "environmentvariablevalues",
		Columns: times(
			col("environmentvariablevalueid", KindGUID, 0, false),
			col("schemaname", KindString, 100, true),
			lookup("environmentvariabledefinitionid", EnvVarDefinitionLogicalName, false),
			col("value", KindString, 0, true),
		)}
)

// SolutionTables lists the solution tables the Web API serves.
var SolutionTables = []*Table{PublisherTable, SolutionTable, SolutionComponentTable, ImportJobTable, AsyncOperationTable,
	ConnectionReferenceTable, EnvVarDefinitionTable, EnvVarValueTable}

// Publisher is a row of the publisher table: who makes solutions, and the prefix of the
// names of their components.
type Publisher struct {
	ID                string // publisherid; filled when ""
	UniqueName        string // uniquename: letters, digits and _, not starting with a digit
	FriendlyName      string
	Prefix            string // customizationprefix: 2–8 letters, digits and _, a letter first, not "mscrm"
	OptionValuePrefix int    // customizationoptionvalueprefix, 10000–99999
	Description       string
	EMailAddress      string
	Website           string // supportingwebsiteurl
	ReadOnly          bool   // isreadonly: created by a managed install
}

// PublisherUpdate holds what an update of a publisher changes; nil is "not given".
type PublisherUpdate struct {
	FriendlyName, Prefix, Description, EMailAddress, Website *string
	OptionValuePrefix                                        *int
}

// Solution is a row of the solution table.
type Solution struct {
	ID           string // solutionid; filled when ""
	UniqueName   string // uniquename: letters, digits and _, not starting with a digit; never changes
	FriendlyName string
	Version      string // a.b[.c[.d]]
	PublisherID  string
	Description  string
	Managed      bool
}

// SolutionUpdate holds what an update of a solution changes; nil is "not given".
type SolutionUpdate struct {
	FriendlyName, Version, Description *string
}

var (
	solutionNameShape = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	prefixShape       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{1,7}$`)
	versionShape      = regexp.MustCompile(`^[0-9]{1,9}\.[0-9]{1,9}(\.[0-9]{1,9}){0,2}$`)
)

// checkRequired refuses an empty required text, then checks it as checkText does.
func checkUniqueName(t *Table, name string) error {
	if err := checkText(t, "uniquename", name, true); err != nil {
		return err
	}
	if !solutionNameShape.MatchString(name) {
		return Errorf(ECodeInvalidArgument, "The uniquename '%s' of a %s may hold only letters, digits and '_', and must not start with a digit.", name, t.LogicalName)
	}
	return nil
}

// CheckPrefix checks a publisher's customization prefix (spec §1.1).
func CheckPrefix(p string) error {
	if !prefixShape.MatchString(p) {
		return Errorf(ECodeInvalidArgument, "The customizationprefix '%s' must be 2 to 8 letters, digits or '_', starting with a letter.", p)
	}
	if strings.EqualFold(p, "mscrm") {
		return Errorf(ECodeInvalidArgument, "The customizationprefix 'mscrm' is reserved by Microsoft.")
	}
	return nil
}

// CheckOptionValuePrefix checks a publisher's customizationoptionvalueprefix.
func CheckOptionValuePrefix(n int) error {
	if n < 10000 || n > 99999 {
		return Errorf(ECodeInvalidArgument, "The customizationoptionvalueprefix must be between 10000 and 99999; got %d.", n)
	}
	return nil
}

// CheckVersion checks a solution version: two to four dot-separated numbers (1.0, 1.0.0.3).
func CheckVersion(v string) error {
	if !versionShape.MatchString(v) {
		return Errorf(ECodeInvalidArgument, "The version '%s' is not valid: use major.minor[.build[.revision]], e.g. 1.0.0.0.", v)
	}
	return nil
}

// CompareVersions compares two versions CheckVersion accepts, part by part (missing parts
// are 0): -1, 0 or +1.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 4; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// NewPublisher checks a publisher to create.
func NewPublisher(p *Publisher) error {
	if err := checkUniqueName(PublisherTable, p.UniqueName); err != nil {
		return err
	}
	if err := checkText(PublisherTable, "friendlyname", p.FriendlyName, true); err != nil {
		return err
	}
	if err := CheckPrefix(p.Prefix); err != nil {
		return err
	}
	if err := CheckOptionValuePrefix(p.OptionValuePrefix); err != nil {
		return err
	}
	for col, v := range map[string]string{"description": p.Description, "emailaddress": p.EMailAddress, "supportingwebsiteurl": p.Website} {
		if err := checkText(PublisherTable, col, v, false); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the values an update of a publisher gives.
func (u *PublisherUpdate) Validate() error {
	if u.FriendlyName != nil {
		if err := checkText(PublisherTable, "friendlyname", *u.FriendlyName, true); err != nil {
			return err
		}
	}
	if u.Prefix != nil {
		if err := CheckPrefix(*u.Prefix); err != nil {
			return err
		}
	}
	if u.OptionValuePrefix != nil {
		if err := CheckOptionValuePrefix(*u.OptionValuePrefix); err != nil {
			return err
		}
	}
	for col, v := range map[string]*string{"description": u.Description, "emailaddress": u.EMailAddress, "supportingwebsiteurl": u.Website} {
		if v != nil {
			if err := checkText(PublisherTable, col, *v, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewSolution checks a solution to create: a unique name, a friendly name, a version and a
// publisher.
func NewSolution(s *Solution) error {
	if err := checkUniqueName(SolutionTable, s.UniqueName); err != nil {
		return err
	}
	if err := checkText(SolutionTable, "friendlyname", s.FriendlyName, true); err != nil {
		return err
	}
	if err := CheckVersion(s.Version); err != nil {
		return err
	}
	if s.PublisherID == "" {
		return Errorf(ECodeInvalidArgument, "The 'publisherid' of a solution is required: bind it with \"publisherid@odata.bind\": \"/publishers(<id>)\".")
	}
	return checkText(SolutionTable, "description", s.Description, false)
}

// Validate checks the values an update of a solution gives.
func (u *SolutionUpdate) Validate() error {
	if u.FriendlyName != nil {
		if err := checkText(SolutionTable, "friendlyname", *u.FriendlyName, true); err != nil {
			return err
		}
	}
	if u.Version != nil {
		if err := CheckVersion(*u.Version); err != nil {
			return err
		}
	}
	if u.Description != nil {
		return checkText(SolutionTable, "description", *u.Description, false)
	}
	return nil
}

// CanCustomize reports whether the caller may change the environment's customizations:
// publishers, solutions, imports and exports. As for identities (CanManageIdentities), it is
// the System Administrator's and the System Customizer's right.
func (p *Principal) CanCustomize() bool { return p.CanManageIdentities() }

// RequireCustomize returns Dataverse's 403 naming the privilege (prvCreateSolution,
// prvImportCustomization…) unless the caller may customize the environment.
func (p *Principal) RequireCustomize(privilege string, t *Table) error {
	if p.CanCustomize() {
		return nil
	}
	return p.missingPrivilege(privilege, t, "change solutions")
}
